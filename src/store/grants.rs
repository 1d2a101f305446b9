//! `grants_index`: the listing copy of grants ("Authorized apps"). The
//! authoritative grant lives in the project's hub; a revocation goes there
//! first and is mirrored here. Every write after the hub committed is
//! idempotent, so it can be retried (`authz::index_writes`). Lists are pages
//! (`http::page`: keyset on `created_at DESC, grant_id`), never truncated.

use super::{all, first, run, Arg};
use crate::http::page::After;
use crate::http::ApiError;
use serde::{Deserialize, Serialize};
use worker::D1Database;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GrantRow {
    pub grant_id: String,
    pub org_id: String,
    pub project_id: String,
    pub project_slug: Option<String>,
    pub channel: String,
    pub user_id: String,
    pub user_email: Option<String>,
    pub client_id: String,
    pub client_name: Option<String>,
    pub scopes: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub struct NewGrant<'a> {
    pub grant_id: &'a str,
    pub org_id: &'a str,
    pub project_id: &'a str,
    pub channel: &'a str,
    pub user_id: &'a str,
    pub client_id: &'a str,
    pub scopes: &'a str,
    pub now: i64,
}

pub async fn insert(db: &D1Database, g: &NewGrant<'_>) -> Result<(), ApiError> {
    run(
        db,
        "INSERT INTO grants_index (grant_id, org_id, project_id, channel, user_id, client_id, scopes, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &[
            g.grant_id.into(),
            g.org_id.into(),
            g.project_id.into(),
            g.channel.into(),
            g.user_id.into(),
            g.client_id.into(),
            g.scopes.into(),
            Arg::Int(g.now),
        ],
    )
    .await
    .map(|_| ())
}

const SELECT: &str = "SELECT g.grant_id, g.org_id, g.project_id, p.slug AS project_slug, g.channel, g.user_id,
    u.email AS user_email, g.client_id, json_extract(c.metadata, '$.client_name') AS client_name, g.scopes,
    g.created_at, g.last_used_at, g.revoked_at
    FROM grants_index g LEFT JOIN projects p ON p.id = g.project_id LEFT JOIN users u ON u.id = g.user_id
    LEFT JOIN oauth_clients c ON c.client_id = g.client_id";

/// The keyset condition of a page (`?a` = the cursor's `created_at`, `?b` its id):
/// rows strictly after the cursor in the order `created_at DESC, grant_id`.
fn after_clause(a: u8, b: u8) -> String {
    format!("(?{a} IS NULL OR g.created_at < ?{a} OR (g.created_at = ?{a} AND g.grant_id > ?{b}))")
}

fn after_args(after: Option<&After>) -> (Arg<'_>, Arg<'_>) {
    match after {
        None => (Arg::Null, Arg::Null),
        Some(a) => (Arg::Int(a.created_at), Arg::Text(&a.id)),
    }
}

/// One page of an org's grants, newest first, with optional filters
/// (project slug, user id, client id): at most `limit` rows after `after`.
pub async fn for_org(
    db: &D1Database,
    org_id: &str,
    filters: (Option<&str>, Option<&str>, Option<&str>),
    after: Option<&After>,
    limit: u32,
) -> Result<Vec<GrantRow>, ApiError> {
    let (project, user, client) = filters;
    let (at, id) = after_args(after);
    all(
        db,
        &format!(
            "{SELECT} WHERE g.org_id = ?1 AND (?2 IS NULL OR p.slug = ?2) AND (?3 IS NULL OR g.user_id = ?3)
             AND (?4 IS NULL OR g.client_id = ?4) AND {} ORDER BY g.created_at DESC, g.grant_id LIMIT ?7",
            after_clause(5, 6)
        ),
        &[org_id.into(), project.into(), user.into(), client.into(), at, id, Arg::Int(limit.into())],
    )
    .await
}

/// One page of a user's grants (every org), newest first.
pub async fn for_user(
    db: &D1Database,
    user_id: &str,
    after: Option<&After>,
    limit: u32,
) -> Result<Vec<GrantRow>, ApiError> {
    let (at, id) = after_args(after);
    all(
        db,
        &format!(
            "{SELECT} WHERE g.user_id = ?1 AND {} ORDER BY g.created_at DESC, g.grant_id LIMIT ?4",
            after_clause(2, 3)
        ),
        &[user_id.into(), at, id, Arg::Int(limit.into())],
    )
    .await
}

pub async fn get(db: &D1Database, grant_id: &str) -> Result<Option<GrantRow>, ApiError> {
    first(db, &format!("{SELECT} WHERE g.grant_id = ?1"), &[grant_id.into()]).await
}

/// Mirrors revocations. Idempotent: the first revocation time is kept.
pub async fn mark_revoked(db: &D1Database, grant_ids: &[String], now: i64) -> Result<(), ApiError> {
    for id in grant_ids {
        run(
            db,
            "UPDATE grants_index SET revoked_at = ?2 WHERE grant_id = ?1 AND revoked_at IS NULL",
            &[id.into(), Arg::Int(now)],
        )
        .await?;
    }
    Ok(())
}

/// Records a use. Idempotent, and a late retry never moves the time back.
pub async fn touch(db: &D1Database, grant_id: &str, now: i64) -> Result<(), ApiError> {
    run(
        db,
        "UPDATE grants_index SET last_used_at = MAX(COALESCE(last_used_at, 0), ?2) WHERE grant_id = ?1",
        &[grant_id.into(), Arg::Int(now)],
    )
    .await
    .map(|_| ())
}
