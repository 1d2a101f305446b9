//! Pushes membership changes to every authoritative store that answers "may
//! this grant do X now": the hub of each of the org's projects. Callers push
//! *before* writing D1, so if a push fails the change is refused and D1 still
//! matches; if D1 then fails, the hubs are stricter than D1, never looser.

use crate::http::context::Ctx;
use crate::http::ApiError;
use crate::identity::roles::Role;
use crate::oauth::grants::{MemberAccess, MembershipChange};
use crate::objects::hub;
use crate::objects::hub_api::HubProject;
use crate::store::{orgs, projects};
use serde_json::json;
use std::collections::BTreeMap;

/// Sets (`Some`) or removes (`None`) one member's access in every project hub.
pub async fn push_member(
    ctx: &Ctx,
    org_id: &str,
    org_slug: &str,
    user_id: &str,
    role: Option<&Role>,
) -> Result<(), ApiError> {
    let change = match role {
        Some(r) => MembershipChange::Set { user_id: user_id.into(), access: MemberAccess::from(r) },
        None => MembershipChange::Removed { user_id: user_id.into() },
    };
    let body = json!({ "change": change, "now": ctx.now });
    for p in projects::for_org(&ctx.db, org_id).await? {
        let answer = crate::objects::call(&hub(ctx, org_slug, &p.slug)?, "/members/apply", &body).await?;
        let revoked: Vec<String> = serde_json::from_value(answer["revoked"].clone()).unwrap_or_default();
        crate::store::grants::mark_revoked(&ctx.db, &revoked, ctx.now).await?;
    }
    Ok(())
}

/// Initializes a new project's hub: its settings and the full current member
/// snapshot, before the project row exists in D1 (so it is never served
/// without them).
pub async fn init_hub(ctx: &Ctx, org_slug: &str, project: &HubProject) -> Result<(), ApiError> {
    let mut members = BTreeMap::new();
    for m in orgs::members(&ctx.db, &project.org_id).await? {
        if let Some(role) = orgs::resolve_role(&ctx.db, &project.org_id, &m.role).await? {
            members.insert(m.user_id, MemberAccess::from(&role));
        }
    }
    let body = json!({ "project": project, "members": members, "now": ctx.now });
    crate::objects::call(&hub(ctx, org_slug, &project.slug)?, "/init", &body).await?;
    Ok(())
}

/// Pushes a visibility change (the kill switch) to the hub, which the MCP hot
/// path reads on every request.
pub async fn push_visibility(ctx: &Ctx, org_slug: &str, project_slug: &str, visibility: &str) -> Result<(), ApiError> {
    let body = json!({ "visibility": visibility, "now": ctx.now });
    crate::objects::call(&hub(ctx, org_slug, project_slug)?, "/settings", &body).await?;
    Ok(())
}
