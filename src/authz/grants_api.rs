//! Authorized apps: an org's grants for admins (`org.manage`) and a member's
//! own grants, in pages (`limit` default 50, at most 500, and an opaque
//! `cursor`: `{"grants": [...], "next_cursor": "..." | null}`). Revocation
//! goes to the project's hub first (the next MCP request with that grant
//! fails, its open streams close), then to the D1 index, which may lag but
//! never turns the committed revocation into an error (`index_writes`).

use super::index_writes::IndexWrite;
use crate::audit::record::Action;
use crate::audit_io::actions::management;
use crate::http::context::{Ctx, Incoming};
use crate::http::page;
use crate::http::respond::json;
use crate::http::ApiError;
use crate::identity::roles::Permission;
use crate::store::grants as index;
use crate::studio::auth::{self, Caller};
use crate::studio::orgs::authorize;
use serde_json::json;
use worker::Response;

/// Grants per page unless `limit` says otherwise, and the most `limit` may say.
const PAGE_DEFAULT: u32 = 50;
const PAGE_MAX: u32 = 500;

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

/// A revocation (by an admin or by the grant's member) in the org's audit log.
fn audit_revoked(ctx: &Ctx, caller: &Caller, org_slug: &str, g: &index::GrantRow) {
    let details = json!({
        "project": g.project_slug, "channel": g.channel, "user_id": g.user_id, "client_id": g.client_id,
    });
    management(ctx, caller, Some(org_slug), Action::GrantRevoke, &g.grant_id, details);
}

/// `limit` and `cursor` of a list request (400 naming the bad one).
fn page_of(inc: &Incoming) -> Result<(u32, Option<page::After>), ApiError> {
    let limit = page::parse_limit(inc.query("limit").as_deref(), PAGE_DEFAULT, PAGE_MAX)?;
    Ok((limit, page::parse_cursor(inc.query("cursor").as_deref())?))
}

/// `{"grants": [...], "next_cursor": ...}` from up to `limit + 1` rows.
fn page_answer(mut rows: Vec<index::GrantRow>, limit: u32) -> Result<Response, ApiError> {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = match rows.last() {
        Some(last) if more => {
            Some(page::encode_cursor(&page::After { created_at: last.created_at, id: last.grant_id.clone() }))
        }
        _ => None,
    };
    json(200, &json!({ "grants": rows.iter().map(view).collect::<Vec<_>>(), "next_cursor": next }))
}

pub async fn list_org(ctx: &Ctx, inc: &mut Incoming, org: &str) -> Result<Response, ApiError> {
    let (_, org, _) = authorize(ctx, inc, org, Permission::OrgManage).await?;
    let (limit, after) = page_of(inc)?;
    let (project, user, client) = (inc.query("project"), inc.query("user"), inc.query("client"));
    let filters = (project.as_deref(), user.as_deref(), client.as_deref());
    let rows = index::for_org(&ctx.db, &org.id, filters, after.as_ref(), limit + 1).await?;
    page_answer(rows, limit)
}

pub async fn revoke_org(ctx: &Ctx, inc: &mut Incoming, org: &str, id: &str) -> Result<Response, ApiError> {
    let (caller, org, _) = authorize(ctx, inc, org, Permission::OrgManage).await?;
    let g = index::get(&ctx.db, id).await?.filter(|g| g.org_id == org.id);
    let g = g.ok_or_else(|| ApiError::NotFound("no such grant in this organization".into()))?;
    revoke_in_hub(ctx, &org.slug, &g).await?;
    audit_revoked(ctx, &caller, &org.slug, &g);
    json(200, &json!({ "revoked": id }))
}

pub async fn list_mine(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let (limit, after) = page_of(inc)?;
    let rows = index::for_user(&ctx.db, &caller.user.id, after.as_ref(), limit + 1).await?;
    page_answer(rows, limit)
}

pub async fn revoke_mine(ctx: &Ctx, inc: &mut Incoming, id: &str) -> Result<Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let g = index::get(&ctx.db, id).await?.filter(|g| g.user_id == caller.user.id);
    let g = g.ok_or_else(|| ApiError::NotFound("no such grant of yours".into()))?;
    let org = crate::store::orgs::by_id(&ctx.db, &g.org_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such grant".into()))?;
    revoke_in_hub(ctx, &org.slug, &g).await?;
    audit_revoked(ctx, &caller, &org.slug, &g);
    json(200, &json!({ "revoked": id }))
}
