//! Roles (`/api/v1/orgs/<org>/roles` and the Studio's Roles page): the
//! built-in ones, read-only, and the org's custom ones, which nobody defines
//! beyond what they hold (`identity::roles::may_define`).

use super::members::admin;
use crate::audit::record::Action;
use crate::audit_io::actions::management;
use crate::http::body::Body;
use crate::http::context::Ctx;
use crate::http::ApiError;
use crate::identity::roles::{self, Role};
use crate::store::{self, orgs};
use crate::studio::access_sync::{self, Synced};
use crate::studio::auth::Caller;
use serde_json::json;

/// The built-in roles, then the org's custom ones.
pub async fn list(ctx: &Ctx, caller: &Caller, slug: &str) -> Result<(orgs::Org, Vec<Role>), ApiError> {
    let (org, _) = admin(ctx, caller, slug).await?;
    let mut list: Vec<Role> = roles::BUILTIN_ROLE_NAMES.iter().filter_map(|n| roles::builtin(n)).collect();
    list.extend(orgs::custom_roles(&ctx.db, &org.id).await?);
    Ok((org, list))
}

/// Reads `scopes` and `permissions`, defaulting absent ones to `current`'s
/// (PATCH is partial), and validates the role; every problem lands in `b`.
fn role_body(b: &mut Body, name: &str, current: Option<&Role>) -> Option<Role> {
    let current_scopes: Vec<String> = match current.map(|r| &r.scopes) {
        Some(roles::ScopeGrant::Only(s)) => s.iter().cloned().collect(),
        _ => Vec::new(),
    };
    let current_perms: Vec<String> =
        current.map(|r| r.permissions.iter().map(|p| p.as_str().to_string()).collect()).unwrap_or_default();
    let scopes = b.opt_string_array("scopes", 64, 64).unwrap_or(current_scopes);
    let permissions = b.opt_string_array("permissions", 16, 64).unwrap_or(current_perms);
    match roles::custom_role(name, &scopes, &permissions) {
        Ok(r) => Some(r),
        Err(errors) => {
            b.errors(errors);
            None
        }
    }
}

/// Defines a custom role. Body: `name`, `scopes`, `permissions`.
pub async fn create(ctx: &Ctx, caller: &Caller, slug: &str, mut b: Body) -> Result<Role, ApiError> {
    let (org, actor) = admin(ctx, caller, slug).await?;
    let name = b.string("name", 64);
    let role = match &name {
        Some(n) => role_body(&mut b, n, None),
        None => {
            // Still report problems in the other fields.
            role_body(&mut b, "placeholder", None);
            None
        }
    };
    b.finish()?;
    let role = role.ok_or_else(|| ApiError::Internal("validated role missing".into()))?;
    roles::may_define(&actor, None, &role).map_err(ApiError::Forbidden)?;
    if orgs::resolve_role(&ctx.db, &org.id, &role.name).await?.is_some() {
        return Err(ApiError::Conflict(format!("a role named {:?} already exists", role.name)));
    }
    match orgs::insert_role(&ctx.db, &org.id, &role, ctx.now).await {
        Err(e) if store::is_unique_violation(&e) => {
            Err(ApiError::Conflict(format!("a role named {:?} already exists", role.name)))
        }
        Err(e) => Err(e),
        Ok(()) => {
            management(ctx, caller, Some(&org.slug), Action::RoleCreate, &role.name, role_details(&role));
            Ok(role)
        }
    }
}

/// Changes a custom role's scopes or permissions (absent ones stay); every
/// holder's access changes with it.
pub async fn update(
    ctx: &Ctx,
    caller: &Caller,
    slug: &str,
    name: &str,
    mut b: Body,
) -> Result<(Role, Synced), ApiError> {
    let (org, actor) = admin(ctx, caller, slug).await?;
    if roles::builtin(name).is_some() {
        return Err(ApiError::Forbidden(format!("the built-in role {name:?} cannot be changed")));
    }
    let current = orgs::resolve_role(&ctx.db, &org.id, name)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no role {name:?} in this organization")))?;
    let role = role_body(&mut b, name, Some(&current));
    b.finish()?;
    let role = role.ok_or_else(|| ApiError::Internal("validated role missing".into()))?;
    roles::may_define(&actor, Some(&current), &role).map_err(ApiError::Forbidden)?;
    // Every holder's access changes: D1, then one call per hub carrying them all.
    let change = orgs::update_role(&ctx.db, &org.id, &role)?;
    let (_, synced) = access_sync::commit(ctx, &org.id, vec![change], None).await?;
    let mut details = role_details(&role);
    details["sync"] = json!(synced.as_str());
    management(ctx, caller, Some(&org.slug), Action::RoleUpdate, &role.name, details);
    Ok((role, synced))
}

/// Deletes a custom role no member or pending invitation holds.
pub async fn delete(ctx: &Ctx, caller: &Caller, slug: &str, name: &str) -> Result<(), ApiError> {
    let (org, _) = admin(ctx, caller, slug).await?;
    if roles::builtin(name).is_some() {
        return Err(ApiError::Forbidden(format!("the built-in role {name:?} cannot be deleted")));
    }
    if orgs::resolve_role(&ctx.db, &org.id, name).await?.is_none() {
        return Err(ApiError::NotFound(format!("no role {name:?} in this organization")));
    }
    if !orgs::delete_unused_role(&ctx.db, &org.id, name).await? {
        return Err(ApiError::Conflict(format!(
            "the role {name:?} is held by members or pending invitations; reassign them first"
        )));
    }
    management(ctx, caller, Some(&org.slug), Action::RoleDelete, name, json!({}));
    Ok(())
}

/// What a role record says about the role: its scopes and permissions.
fn role_details(role: &Role) -> serde_json::Value {
    let r = role.to_json();
    json!({ "scopes": r["scopes"], "permissions": r["permissions"] })
}
