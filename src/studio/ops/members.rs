//! Members and invitations (`/api/v1/orgs/<org>/members|invitations` and the
//! Studio's Members page). Nobody grants more than they hold: every
//! invitation, role change and removal is checked by `identity::roles`
//! against the actor's own role; an org keeps at least one owner.

use crate::audit::record::Action;
use crate::audit_io::actions::management;
use crate::crypto;
use crate::http::body::Body;
use crate::http::context::Ctx;
use crate::http::ApiError;
use crate::identity::roles::{self, Permission, Role};
use crate::identity::validate;
use crate::store::{invitations, orgs};
use crate::studio::access_sync::{self, Synced};
use crate::studio::auth::Caller;
use crate::studio::orgs::{member_role, membership, require_permission, resolve_assignable};
use serde_json::json;

/// The org and the actor's role, for a member with `org.manage`.
pub async fn admin(ctx: &Ctx, caller: &Caller, slug: &str) -> Result<(orgs::Org, Role), ApiError> {
    let (org, role) = membership(ctx, caller, slug).await?;
    require_permission(&role, Permission::OrgManage)?;
    Ok((org, role))
}

/// Gives `user_id` another role. Body: `role`. Returns the role's name and
/// whether every hub holds the change.
pub async fn set_role(
    ctx: &Ctx,
    caller: &Caller,
    slug: &str,
    user_id: &str,
    mut b: Body,
) -> Result<(String, Synced), ApiError> {
    let (org, actor) = admin(ctx, caller, slug).await?;
    let role_name = b.string("role", 64);
    b.finish()?;
    let role_name = role_name.ok_or_else(|| ApiError::Internal("validated role missing".into()))?;
    let current = member_role(ctx, &org.id, user_id).await?;
    let new_role = resolve_assignable(ctx, &org.id, &role_name, "role").await?;
    roles::may_assign(&actor, Some(&current), &new_role).map_err(ApiError::Forbidden)?;
    let owners = orgs::count_role(&ctx.db, &org.id, "owner").await?;
    roles::check_last_owner(owners, current.is_owner(), new_role.is_owner())
        .map_err(|m| ApiError::Conflict(m.into()))?;
    // D1 with its outbox record, then every hub (`access_sync`).
    let change = orgs::set_role(&ctx.db, &org.id, user_id, &new_role.name)?;
    let (changed, synced) = access_sync::commit(ctx, &org.id, vec![change], None).await?;
    if changed.first() != Some(&1) {
        // Lost a race with another demotion; the hubs got D1's unchanged truth.
        return Err(ApiError::Conflict("an organization needs at least one owner".into()));
    }
    let details = json!({ "from": current.name, "to": new_role.name, "sync": synced.as_str() });
    management(ctx, caller, Some(&org.slug), Action::MemberRoleChange, user_id, details);
    Ok((new_role.name, synced))
}

/// Removes `user_id` from the org; the hubs revoke their grants.
pub async fn remove(ctx: &Ctx, caller: &Caller, slug: &str, user_id: &str) -> Result<Synced, ApiError> {
    let (org, actor) = admin(ctx, caller, slug).await?;
    let current = member_role(ctx, &org.id, user_id).await?;
    roles::may_remove(&actor, &current).map_err(ApiError::Forbidden)?;
    let owners = orgs::count_role(&ctx.db, &org.id, "owner").await?;
    roles::check_last_owner(owners, current.is_owner(), false).map_err(|m| ApiError::Conflict(m.into()))?;
    // D1 with its outbox record, then every hub, which revokes the member's grants.
    let change = orgs::remove_member(&ctx.db, &org.id, user_id)?;
    let (changed, synced, revoked) = access_sync::commit_revoking(ctx, &org.id, vec![change], None).await?;
    if changed.first() != Some(&1) {
        // Lost a race for the last owner: the member stays.
        return Err(ApiError::Conflict("an organization needs at least one owner".into()));
    }
    let details = json!({ "role": current.name, "sync": synced.as_str() });
    management(ctx, caller, Some(&org.slug), Action::MemberRemove, user_id, details);
    crate::authz::grants_api::audit_member_removal(ctx, caller, &org.slug, user_id, &revoked);
    Ok(synced)
}

/// A new invitation: its one-time token and the sign-up link carrying it
/// (shown once; only the token's hash is stored).
pub struct NewInvitation {
    pub invitation: invitations::Invitation,
    pub token: String,
    pub link: String,
}

/// Invites `email` with `role`. Body: `email`, `role`.
pub async fn invite(ctx: &Ctx, caller: &Caller, slug: &str, mut b: Body) -> Result<NewInvitation, ApiError> {
    let (org, actor) = admin(ctx, caller, slug).await?;
    let email = b.string("email", 320).and_then(|e| b.check(validate::normalize_email("email", &e)));
    let role_name = b.string("role", 64);
    b.finish()?;
    let (Some(email), Some(role_name)) = (email, role_name) else {
        return Err(ApiError::Internal("validated fields missing".into()));
    };
    let role = resolve_assignable(ctx, &org.id, &role_name, "role").await?;
    roles::may_assign(&actor, None, &role).map_err(ApiError::Forbidden)?;
    let token = crypto::random_token("inv_");
    let inv = invitations::Invitation {
        id: crypto::new_id("inv"),
        org_id: org.id.clone(),
        email,
        role: role.name.clone(),
        created_by: caller.user.id.clone(),
        created_at: ctx.now,
        expires_at: ctx.now + invitations::LIFETIME_SECS,
        accepted_at: None,
        revoked_at: None,
    };
    invitations::insert(&ctx.db, &inv, &crypto::sha256_hex(token.as_bytes())).await?;
    let details = json!({ "email": inv.email, "role": inv.role });
    management(ctx, caller, Some(&org.slug), Action::InvitationCreate, &inv.id, details);
    let link = format!("{}/studio/signup?invitation={token}", ctx.config.public_url);
    Ok(NewInvitation { invitation: inv, token, link })
}

/// Revokes a pending invitation; 404 when there is none with `id`.
pub async fn revoke_invitation(ctx: &Ctx, caller: &Caller, slug: &str, id: &str) -> Result<(), ApiError> {
    let (org, _) = admin(ctx, caller, slug).await?;
    if !invitations::revoke(&ctx.db, &org.id, id, ctx.now).await? {
        return Err(ApiError::NotFound("no pending invitation with this id".into()));
    }
    management(ctx, caller, Some(&org.slug), Action::InvitationRevoke, id, json!({}));
    Ok(())
}
