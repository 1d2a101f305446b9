//! `grants_index`: the listing copy of grants ("Authorized apps"). The
//! authoritative grant lives in the project's hub; a revocation goes there
//! first and is mirrored here. Every write after the hub committed is
//! idempotent, so it can be retried (`authz::index_writes`). Lists are pages
//! (`http::page`: keyset on `created_at DESC, grant_id`), never truncated.
//!
//! Lifecycle (`oauth::grant_list`): a row is inserted at consent with
//! `redeemed_at` NULL (pending), the code redemption sets it (the same
//! idempotent [`touch`] every later use makes), a revocation sets
//! `revoked_at`, and a project delete removes the project's rows.

use super::{all, first, run, stmt, Arg};
use crate::http::page::After;
use crate::http::ApiError;
use crate::oauth::grant_list::{status_sql, Filter, Status};
use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GrantRow {
    pub grant_id: String,
    pub org_id: String,
    pub org_slug: Option<String>,
    pub project_id: String,
    pub project_slug: Option<String>,
    pub channel: String,
    pub user_id: String,
    pub user_email: Option<String>,
    pub user_name: Option<String>,
    pub client_id: String,
    pub client_name: Option<String>,
    pub redirect_host: Option<String>,
    pub scopes: String,
    pub created_at: i64,
    pub redeemed_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub refresh_expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub struct NewGrant<'a> {
    pub grant_id: &'a str,
    pub org_id: &'a str,
    pub project_id: &'a str,
    pub channel: &'a str,
    pub user_id: &'a str,
    pub client_id: &'a str,
    pub redirect_host: &'a str,
    pub scopes: &'a str,
    pub refresh_expires_at: Option<i64>,
    pub now: i64,
}

/// A pending row (consent given, code not redeemed yet).
pub async fn insert(db: &D1Database, g: &NewGrant<'_>) -> Result<(), ApiError> {
    run(
        db,
        "INSERT INTO grants_index (grant_id, org_id, project_id, channel, user_id, client_id, redirect_host, scopes,
           created_at, refresh_expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        &[
            g.grant_id.into(),
            g.org_id.into(),
            g.project_id.into(),
            g.channel.into(),
            g.user_id.into(),
            g.client_id.into(),
            g.redirect_host.into(),
            g.scopes.into(),
            Arg::Int(g.now),
            g.refresh_expires_at.map_or(Arg::Null, Arg::Int),
        ],
    )
    .await
    .map(|_| ())
}

const SELECT: &str = "SELECT g.grant_id, g.org_id, o.slug AS org_slug, g.project_id, p.slug AS project_slug,
    g.channel, g.user_id, u.email AS user_email, u.name AS user_name, g.client_id,
    json_extract(c.metadata, '$.client_name') AS client_name, g.redirect_host, g.scopes, g.created_at,
    g.redeemed_at, g.last_used_at, g.refresh_expires_at, g.revoked_at
    FROM grants_index g LEFT JOIN projects p ON p.id = g.project_id LEFT JOIN orgs o ON o.id = g.org_id
    LEFT JOIN users u ON u.id = g.user_id LEFT JOIN oauth_clients c ON c.client_id = g.client_id";

/// Whose grants: an org's (`/orgs/<org>/grants`) or a user's (`/me/grants`).
pub enum Owner<'a> {
    Org(&'a str),
    User(&'a str),
}

/// The filter as `WHERE` conditions over `?1`..`?6` (owner, org slug,
/// project slug, user, client, channel); absent filters match everything.
fn filter_where(owner: &Owner<'_>) -> &'static str {
    match owner {
        Owner::Org(_) => {
            "g.org_id = ?1 AND (?2 IS NULL OR o.slug = ?2) AND (?3 IS NULL OR p.slug = ?3)
             AND (?4 IS NULL OR g.user_id = ?4) AND (?5 IS NULL OR g.client_id = ?5) AND (?6 IS NULL OR g.channel = ?6)"
        }
        Owner::User(_) => {
            "g.user_id = ?1 AND (?2 IS NULL OR o.slug = ?2) AND (?3 IS NULL OR p.slug = ?3)
             AND (?4 IS NULL OR g.user_id = ?4) AND (?5 IS NULL OR g.client_id = ?5) AND (?6 IS NULL OR g.channel = ?6)"
        }
    }
}

fn filter_args<'a>(owner: &Owner<'a>, f: &'a Filter) -> Vec<Arg<'a>> {
    let id = match owner {
        Owner::Org(id) | Owner::User(id) => *id,
    };
    vec![
        id.into(),
        f.org.as_deref().into(),
        f.project.as_deref().into(),
        f.user.as_deref().into(),
        f.client.as_deref().into(),
        f.channel.as_deref().into(),
    ]
}

/// One page of grants with `status` at `now`, newest first: at most `limit`
/// rows after `after` (keyset: `created_at DESC, grant_id`).
pub async fn list(
    db: &D1Database,
    owner: &Owner<'_>,
    filter: &Filter,
    status: Status,
    now: i64,
    after: Option<&After>,
    limit: u32,
) -> Result<Vec<GrantRow>, ApiError> {
    let mut args = filter_args(owner, filter);
    let (at, id) = match after {
        None => (Arg::Null, Arg::Null),
        Some(a) => (Arg::Int(a.created_at), Arg::Text(&a.id)),
    };
    args.extend([Arg::Int(now), at, id, Arg::Int(limit.into())]);
    let sql = format!(
        "{SELECT} WHERE {} AND {} AND (?8 IS NULL OR g.created_at < ?8 OR (g.created_at = ?8 AND g.grant_id > ?9))
         ORDER BY g.created_at DESC, g.grant_id LIMIT ?10",
        filter_where(owner),
        status_sql(status, 7)
    );
    all(db, &sql, &args).await
}

/// A grant not yet revoked that a bulk revocation matches: its id and hub.
#[derive(Debug, Clone, Deserialize)]
pub struct Unrevoked {
    pub grant_id: String,
    pub project_slug: Option<String>,
}

/// Every row of the org that `filter` matches and that is not revoked,
/// pending and expired ones included (a pending code must not be redeemable
/// after "revoke everything of this member").
pub async fn unrevoked(db: &D1Database, org_id: &str, filter: &Filter) -> Result<Vec<Unrevoked>, ApiError> {
    let owner = Owner::Org(org_id);
    let sql = format!(
        "SELECT g.grant_id, p.slug AS project_slug FROM grants_index g LEFT JOIN projects p ON p.id = g.project_id
         LEFT JOIN orgs o ON o.id = g.org_id WHERE {} AND g.revoked_at IS NULL ORDER BY g.grant_id",
        filter_where(&owner)
    );
    all(db, &sql, &filter_args(&owner, filter)).await
}

pub async fn get(db: &D1Database, grant_id: &str) -> Result<Option<GrantRow>, ApiError> {
    first(db, &format!("{SELECT} WHERE g.grant_id = ?1"), &[grant_id.into()]).await
}

/// Mirrors revocations, in one statement however many. Idempotent: the
/// first revocation time is kept.
pub async fn mark_revoked(db: &D1Database, grant_ids: &[String], now: i64) -> Result<(), ApiError> {
    if grant_ids.is_empty() {
        return Ok(());
    }
    let ids = serde_json::to_string(grant_ids).map_err(|e| ApiError::Internal(e.to_string()))?;
    run(
        db,
        "UPDATE grants_index SET revoked_at = ?2
         WHERE grant_id IN (SELECT value FROM json_each(?1)) AND revoked_at IS NULL",
        &[(&ids).into(), Arg::Int(now)],
    )
    .await
    .map(|_| ())
}

/// Records a use: the code redemption (the first, which ends `pending`) or
/// a refresh. Idempotent, and a late retry never moves a time back.
pub async fn touch(db: &D1Database, grant_id: &str, now: i64) -> Result<(), ApiError> {
    run(
        db,
        "UPDATE grants_index SET last_used_at = MAX(COALESCE(last_used_at, 0), ?2),
           redeemed_at = COALESCE(redeemed_at, ?2) WHERE grant_id = ?1",
        &[grant_id.into(), Arg::Int(now)],
    )
    .await
    .map(|_| ())
}

/// The statement that drops a deleted project's rows (part of the delete's batch).
pub fn delete_project(db: &D1Database, project_id: &str) -> Result<D1PreparedStatement, ApiError> {
    stmt(db, "DELETE FROM grants_index WHERE project_id = ?1", &[project_id.into()])
}
