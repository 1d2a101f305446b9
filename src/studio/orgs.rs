//! Organizations, members, invitations and roles (`/api/v1/orgs/...`).
//! A non-member asking about an org gets 404 (its existence is not revealed);
//! a member without the needed permission gets 403 naming it. Nobody grants
//! more than they hold: every invitation, role change, removal and role
//! definition is checked by `identity::roles` against the actor's own role.

use super::auth::{self, Caller};
use super::ops;
use crate::http::context::{Ctx, Incoming};
use crate::http::respond::json;
use crate::http::ApiError;
use crate::identity::roles::{Permission, Role};
use crate::identity::validate;
use crate::store::{invitations, membership, orgs};
use serde_json::json;

/// The caller's org and role, or 404 when they are not a member.
pub async fn membership(ctx: &Ctx, caller: &Caller, slug: &str) -> Result<(orgs::Org, Role), ApiError> {
    let not_found = || ApiError::NotFound(format!("no organization {slug:?} that you are a member of"));
    if validate::validate_slug("org", slug).is_err() {
        return Err(not_found());
    }
    let org = orgs::by_slug(&ctx.db, slug).await?.ok_or_else(not_found)?;
    let role_name = orgs::role_name_of(&ctx.db, &org.id, &caller.user.id).await?.ok_or_else(not_found)?;
    let role = orgs::resolve_role(&ctx.db, &org.id, &role_name)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("member role {role_name} does not resolve")))?;
    Ok((org, role))
}

pub fn require_permission(role: &Role, p: Permission) -> Result<(), ApiError> {
    if role.allows(p) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "this needs the {} permission, which your role {:?} does not have",
            p.as_str(),
            role.name
        )))
    }
}

/// Signed in, member of `slug`, holding `p`.
pub async fn authorize(
    ctx: &Ctx,
    inc: &Incoming,
    slug: &str,
    p: Permission,
) -> Result<(Caller, orgs::Org, Role), ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let (org, role) = membership(ctx, &caller, slug).await?;
    require_permission(&role, p)?;
    Ok((caller, org, role))
}

pub async fn list(ctx: &Ctx, inc: &mut Incoming) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    json(200, &json!({ "orgs": orgs::for_user(&ctx.db, &caller.user.id).await? }))
}

pub async fn create(ctx: &Ctx, inc: &mut Incoming) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let b = inc.json().await?;
    let org = super::ops::orgs::create(ctx, &caller, b).await?;
    json(201, &json!({ "org": org, "role": "owner" }))
}

pub async fn get(ctx: &Ctx, inc: &mut Incoming, slug: &str) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let (org, role) = membership(ctx, &caller, slug).await?;
    let upstream_hosts = orgs::upstream_hosts(&ctx.db, &org.id).await?;
    let mut body = json!({ "org": org, "role": role.to_json(), "upstream_hosts": upstream_hosts });
    if let Some(audit) = super::audit_settings::view_for(ctx, &org.id, &role).await? {
        body["audit"] = audit;
    }
    json(200, &body)
}

/// The members, and whether a change has yet to reach every project hub
/// (`sync.pending`; the cron trigger retries it).
pub async fn list_members(ctx: &Ctx, inc: &mut Incoming, slug: &str) -> Result<worker::Response, ApiError> {
    let (_, org, _) = authorize(ctx, inc, slug, Permission::OrgManage).await?;
    let pending = membership::pending_for(&ctx.db, &org.id).await?;
    let sync = match pending {
        None => json!({ "pending": false }),
        Some(p) => json!({ "pending": true, "since": p.created_at, "attempts": p.attempts,
                           "last_attempt_at": p.last_attempt_at }),
    };
    json(200, &json!({ "members": orgs::members(&ctx.db, &org.id).await?, "sync": sync }))
}

pub(crate) async fn resolve_assignable(ctx: &Ctx, org_id: &str, name: &str, field: &str) -> Result<Role, ApiError> {
    orgs::resolve_role(&ctx.db, org_id, name)
        .await?
        .ok_or_else(|| ApiError::invalid_field(field, format!("there is no role {name:?} in this organization")))
}

/// The current role of a member of the org; 404 for someone who is not one.
pub(crate) async fn member_role(ctx: &Ctx, org_id: &str, user_id: &str) -> Result<Role, ApiError> {
    let name = orgs::role_name_of(&ctx.db, org_id, user_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such member".into()))?;
    resolve_assignable(ctx, org_id, &name, "role").await
}

pub async fn update_member(
    ctx: &Ctx,
    inc: &mut Incoming,
    slug: &str,
    user_id: &str,
) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let b = inc.json().await?;
    let (role, synced) = ops::members::set_role(ctx, &caller, slug, user_id, b).await?;
    json(synced.status(200), &json!({ "user_id": user_id, "role": role, "sync": synced.as_str() }))
}

pub async fn remove_member(
    ctx: &Ctx,
    inc: &mut Incoming,
    slug: &str,
    user_id: &str,
) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let synced = ops::members::remove(ctx, &caller, slug, user_id).await?;
    json(synced.status(200), &json!({ "removed": user_id, "sync": synced.as_str() }))
}

pub async fn list_invitations(ctx: &Ctx, inc: &mut Incoming, slug: &str) -> Result<worker::Response, ApiError> {
    let (_, org, _) = authorize(ctx, inc, slug, Permission::OrgManage).await?;
    let list: Vec<serde_json::Value> = invitations::for_org(&ctx.db, &org.id)
        .await?
        .into_iter()
        .map(|i| {
            let status = i.status(ctx.now);
            let mut v = json!(i);
            v["status"] = json!(status);
            v
        })
        .collect();
    json(200, &json!({ "invitations": list }))
}

pub async fn create_invitation(ctx: &Ctx, inc: &mut Incoming, slug: &str) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let b = inc.json().await?;
    let made = ops::members::invite(ctx, &caller, slug, b).await?;
    json(201, &json!({ "invitation": made.invitation, "token": made.token, "link": made.link }))
}

pub async fn revoke_invitation(
    ctx: &Ctx,
    inc: &mut Incoming,
    slug: &str,
    id: &str,
) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    ops::members::revoke_invitation(ctx, &caller, slug, id).await?;
    json(200, &json!({ "revoked": id }))
}

pub async fn list_roles(ctx: &Ctx, inc: &mut Incoming, slug: &str) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let (_, list) = ops::roles::list(ctx, &caller, slug).await?;
    json(200, &json!({ "roles": list.iter().map(Role::to_json).collect::<Vec<_>>() }))
}

pub async fn create_role(ctx: &Ctx, inc: &mut Incoming, slug: &str) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let b = inc.json().await?;
    let role = ops::roles::create(ctx, &caller, slug, b).await?;
    json(201, &json!({ "role": role.to_json() }))
}

pub async fn update_role(ctx: &Ctx, inc: &mut Incoming, slug: &str, name: &str) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let b = inc.json().await?;
    let (role, synced) = ops::roles::update(ctx, &caller, slug, name, b).await?;
    json(synced.status(200), &json!({ "role": role.to_json(), "sync": synced.as_str() }))
}

pub async fn delete_role(ctx: &Ctx, inc: &mut Incoming, slug: &str, name: &str) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    ops::roles::delete(ctx, &caller, slug, name).await?;
    json(200, &json!({ "deleted": name }))
}
