//! Authorized apps: an org's grants for admins (`org.manage`) and a member's
//! own grants. Revocation goes to the project's hub first (the next MCP
//! request with that grant fails), then to the D1 index, which may lag but
//! never turns the committed revocation into an error (`index_writes`).

use super::index_writes::IndexWrite;
use crate::http::context::{Ctx, Incoming};
use crate::http::respond::json;
use crate::http::ApiError;
use crate::identity::roles::Permission;
use crate::store::grants as index;
use crate::studio::{auth, orgs::authorize};
use serde_json::json;
use worker::Response;

fn view(g: &index::GrantRow) -> serde_json::Value {
    json!({
        "id": g.grant_id, "project": g.project_slug, "channel": g.channel, "user_id": g.user_id,
        "user_email": g.user_email, "client_id": g.client_id, "client_name": g.client_name,
        "scopes": g.scopes.split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
        "created_at": g.created_at, "last_used_at": g.last_used_at, "revoked_at": g.revoked_at,
        "status": if g.revoked_at.is_some() { "revoked" } else { "active" },
    })
}

async fn revoke_in_hub(ctx: &Ctx, org_slug: &str, g: &index::GrantRow) -> Result<(), ApiError> {
    let project =
        g.project_slug.as_deref().ok_or_else(|| ApiError::NotFound("the grant's project no longer exists".into()))?;
    let stub = crate::objects::hub(ctx, org_slug, project)?;
    crate::objects::call(&stub, "/grants/revoke", &json!({ "id": g.grant_id, "now": ctx.now })).await?;
    // The hub committed: the listing follows, and its failure is no error.
    super::index_writes::after_commit(ctx, IndexWrite::Revoked(vec![g.grant_id.clone()])).await;
    Ok(())
}

pub async fn list_org(ctx: &Ctx, inc: &mut Incoming, org: &str) -> Result<Response, ApiError> {
    let (_, org, _) = authorize(ctx, inc, org, Permission::OrgManage).await?;
    let (project, user, client) = (inc.query("project"), inc.query("user"), inc.query("client"));
    let rows = index::for_org(&ctx.db, &org.id, project.as_deref(), user.as_deref(), client.as_deref()).await?;
    json(200, &json!({ "grants": rows.iter().map(view).collect::<Vec<_>>() }))
}

pub async fn revoke_org(ctx: &Ctx, inc: &mut Incoming, org: &str, id: &str) -> Result<Response, ApiError> {
    let (_, org, _) = authorize(ctx, inc, org, Permission::OrgManage).await?;
    let g = index::get(&ctx.db, id).await?.filter(|g| g.org_id == org.id);
    let g = g.ok_or_else(|| ApiError::NotFound("no such grant in this organization".into()))?;
    revoke_in_hub(ctx, &org.slug, &g).await?;
    json(200, &json!({ "revoked": id }))
}

pub async fn list_mine(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let rows = index::for_user(&ctx.db, &caller.user.id).await?;
    json(200, &json!({ "grants": rows.iter().map(view).collect::<Vec<_>>() }))
}

pub async fn revoke_mine(ctx: &Ctx, inc: &mut Incoming, id: &str) -> Result<Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let g = index::get(&ctx.db, id).await?.filter(|g| g.user_id == caller.user.id);
    let g = g.ok_or_else(|| ApiError::NotFound("no such grant of yours".into()))?;
    let org = crate::store::orgs::by_id(&ctx.db, &g.org_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such grant".into()))?;
    revoke_in_hub(ctx, &org.slug, &g).await?;
    json(200, &json!({ "revoked": id }))
}
