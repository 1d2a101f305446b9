//! Authorized apps: an org's grants for admins (`org.manage`) and a member's
//! own grants, in pages (`limit` default 50, at most 500, and an opaque
//! `cursor`: `{"grants": [...], "next_cursor": "..." | null}`), filtered by
//! `project`, `user` (org list) or `org` (own list), `client`, `channel` and
//! `status` (`active` by default; `pending`, `revoked`, `expired`; see
//! `oauth::grant_list`, which also parses every parameter with a 400 naming
//! the bad one).
//!
//! Revocation — one grant, a bulk filter, a member removal, a project
//! delete — goes to the project's hub first (the next MCP request with that
//! grant fails, its refresh token is refused, its open streams close), then
//! to the D1 index, which may lag but never turns the committed revocation
//! into an error (`index_writes`). A bulk revocation makes one hub call per
//! affected hub, carrying all of that hub's grant ids.
//!
//! Every revocation made here is a management record in the audit log
//! ([`audit_action`], the one place this module writes them; the project
//! delete records `project.delete` with its revoked count itself).

use super::index_writes::{after_commit, IndexWrite};
use crate::audit::record::Action;
use crate::audit_io::actions::management;
use crate::http::context::{Ctx, Incoming};
use crate::http::page;
use crate::http::respond::json;
use crate::http::ApiError;
use crate::oauth::grant_list::{self, ListQuery, Scope};
use crate::store::grants::{self as index, Owner};
use crate::studio::auth::{self, Caller};
use crate::studio::ops::grants as ops;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use worker::Response;

/// At most this many grant ids are named in one audit record's details (the
/// count is always exact).
const AUDIT_MAX_IDS: usize = 100;

/// Records a management action in the audit log (`audit_io::actions`): who
/// (`caller`), in which org, what, on what, with which details. Actions:
/// `grant.revoke` (one grant, by an admin or its own member),
/// `grant.revoke_bulk` (a bulk revocation, or what a member removal revoked:
/// `details.cause` = `member.remove`), `project.delete`.
pub fn audit_action(ctx: &Ctx, caller: &Caller, org: &str, action: Action, target: &str, details: Value) {
    management(ctx, caller, Some(org), action, target, details);
}

/// The ids a record names: the first [`AUDIT_MAX_IDS`].
pub(crate) fn named_ids(ids: &[String]) -> &[String] {
    &ids[..ids.len().min(AUDIT_MAX_IDS)]
}

pub fn view(g: &index::GrantRow, now: i64) -> Value {
    let status = grant_list::status_of(g.created_at, g.redeemed_at, g.refresh_expires_at, g.revoked_at, now);
    json!({
        "id": g.grant_id, "org": g.org_slug, "project": g.project_slug, "channel": g.channel,
        "user": { "id": g.user_id, "email": g.user_email, "name": g.user_name },
        "user_id": g.user_id, "user_email": g.user_email,
        "client_id": g.client_id, "client_name": g.client_name, "redirect_host": g.redirect_host,
        "scopes": g.scopes.split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
        "created_at": g.created_at, "redeemed_at": g.redeemed_at, "last_used_at": g.last_used_at,
        "refresh_expires_at": g.refresh_expires_at, "revoked_at": g.revoked_at, "status": status.as_str(),
    })
}

/// Revokes `ids` in each hub (one call per hub, all its ids), then mirrors
/// what the hubs revoked in the index. Returns the ids newly revoked. A hub
/// that fails stops the walk: what earlier hubs revoked is still mirrored,
/// and a retry of the same request picks up the rest.
pub(crate) async fn revoke_in_hubs(
    ctx: &Ctx,
    org_slug: &str,
    by_hub: BTreeMap<String, Vec<String>>,
) -> Result<Vec<String>, ApiError> {
    let mut revoked = Vec::new();
    let mut failure = None;
    for (project, ids) in by_hub {
        let answer = match crate::objects::hub(ctx, org_slug, &project) {
            Ok(stub) => {
                crate::objects::call(&stub, "/grants/revoke-many", &json!({ "ids": ids, "now": ctx.now })).await
            }
            Err(e) => Err(e),
        };
        match answer {
            Ok(a) => revoked.extend(serde_json::from_value::<Vec<String>>(a["revoked"].clone()).unwrap_or_default()),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    // The hubs committed: the listing follows, and its failure is no error.
    if !revoked.is_empty() {
        after_commit(ctx, IndexWrite::Revoked(revoked.clone())).await;
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(revoked),
    }
}

/// Revokes one grant (an admin's or its member's request; the record's actor
/// says which).
pub(crate) async fn revoke_one(
    ctx: &Ctx,
    caller: &Caller,
    org_slug: &str,
    g: &index::GrantRow,
) -> Result<(), ApiError> {
    let project =
        g.project_slug.as_deref().ok_or_else(|| ApiError::NotFound("the grant's project no longer exists".into()))?;
    let stub = crate::objects::hub(ctx, org_slug, project)?;
    let answer = crate::objects::call(&stub, "/grants/revoke", &json!({ "id": g.grant_id, "now": ctx.now })).await?;
    after_commit(ctx, IndexWrite::Revoked(vec![g.grant_id.clone()])).await;
    if answer["revoked"].as_bool() == Some(true) {
        let details =
            json!({ "project": project, "channel": g.channel, "user_id": g.user_id, "client_id": g.client_id });
        audit_action(ctx, caller, org_slug, Action::GrantRevoke, &g.grant_id, details);
    }
    Ok(())
}

fn list_query(inc: &Incoming, scope: Scope) -> Result<ListQuery, ApiError> {
    let pairs: Vec<(String, String)> = inc.url.query_pairs().into_owned().collect();
    grant_list::parse_list(&pairs, scope)
}

/// `{"grants": [...], "next_cursor": ...}` from up to `limit + 1` rows.
fn page_answer(ctx: &Ctx, mut rows: Vec<index::GrantRow>, limit: u32) -> Result<Response, ApiError> {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = match rows.last() {
        Some(last) if more => {
            Some(page::encode_cursor(&page::After { created_at: last.created_at, id: last.grant_id.clone() }))
        }
        _ => None,
    };
    let grants: Vec<Value> = rows.iter().map(|g| view(g, ctx.now)).collect();
    json(200, &json!({ "grants": grants, "next_cursor": next }))
}

async fn list(ctx: &Ctx, owner: Owner<'_>, q: ListQuery) -> Result<Response, ApiError> {
    let rows = ops::list(ctx, owner, &q).await?;
    page_answer(ctx, rows, q.limit)
}

pub async fn list_org(ctx: &Ctx, inc: &mut Incoming, org: &str) -> Result<Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let org = ops::org_admin(ctx, &caller, org).await?;
    let q = list_query(inc, Scope::Org)?;
    list(ctx, Owner::Org(&org.id), q).await
}

pub async fn revoke_org(ctx: &Ctx, inc: &mut Incoming, org: &str, id: &str) -> Result<Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    ops::revoke_in_org(ctx, &caller, org, id).await?;
    json(200, &json!({ "revoked": id }))
}

/// `POST /api/v1/orgs/<org>/grants/revoke` `{project?, user?, client?, channel?}`.
pub async fn revoke_bulk(ctx: &Ctx, inc: &mut Incoming, org: &str) -> Result<Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    ops::org_admin(ctx, &caller, org).await?;
    let bytes = inc.json_bytes(crate::http::body::DEFAULT_LIMIT).await?;
    let body: Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}")))?;
    let count = ops::revoke_matching(ctx, &caller, org, &body).await?;
    json(200, &json!({ "revoked_count": count }))
}

pub async fn list_mine(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let q = list_query(inc, Scope::Me)?;
    list(ctx, Owner::User(&caller.user.id), q).await
}

pub async fn revoke_mine(ctx: &Ctx, inc: &mut Incoming, id: &str) -> Result<Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    ops::revoke_mine(ctx, &caller, id).await?;
    json(200, &json!({ "revoked": id }))
}

/// The audit record of the grants a member removal revoked (the hubs revoked
/// them while taking the new member snapshot); none when it revoked nothing
/// (the `member.remove` record says the rest).
pub fn audit_member_removal(ctx: &Ctx, caller: &Caller, org_slug: &str, user_id: &str, revoked: &[String]) {
    if revoked.is_empty() {
        return;
    }
    let details = json!({
        "cause": "member.remove", "user_id": user_id, "revoked_count": revoked.len(), "grant_ids": named_ids(revoked),
    });
    audit_action(ctx, caller, org_slug, Action::GrantRevokeBulk, user_id, details);
}
