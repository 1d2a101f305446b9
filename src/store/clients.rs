//! `oauth_clients`: DCR registrations and cached CIMD documents (and, for a
//! minute, CIMD fetch failures: the `failure` column). Metadata is untrusted
//! text (escaped wherever it is rendered); confidential clients' secrets are
//! stored only as SHA-256.

use super::{first, run, Arg};
use crate::http::ApiError;
use serde::Deserialize;
use worker::D1Database;

/// Unused DCR registrations expire after 30 days; each use extends it.
pub const DCR_IDLE_SECS: i64 = 30 * 24 * 3600;
/// A fetched CIMD document is reused for this long.
pub const CIMD_CACHE_SECS: i64 = 3600;
/// A failed CIMD fetch (or an unusable document) is remembered this long.
pub const CIMD_FAILURE_SECS: i64 = 60;

#[derive(Debug, Clone, Deserialize)]
pub struct ClientRow {
    pub kind: String,
    pub metadata: String,
    pub secret_hash: Option<String>,
    pub expires_at: Option<i64>,
    /// CIMD only: why the last fetch failed (shown until `expires_at`).
    pub failure: Option<String>,
}

pub async fn get(db: &D1Database, client_id: &str) -> Result<Option<ClientRow>, ApiError> {
    first(
        db,
        "SELECT kind, metadata, secret_hash, expires_at, failure FROM oauth_clients WHERE client_id = ?1",
        &[client_id.into()],
    )
    .await
}

pub async fn put(
    db: &D1Database,
    client_id: &str,
    kind: &str,
    metadata: &str,
    secret_hash: Option<&str>,
    now: i64,
    expires_at: i64,
) -> Result<(), ApiError> {
    run(
        db,
        "INSERT INTO oauth_clients (client_id, kind, metadata, secret_hash, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (client_id) DO UPDATE SET metadata = excluded.metadata, expires_at = excluded.expires_at,
           failure = NULL",
        &[client_id.into(), kind.into(), metadata.into(), secret_hash.into(), Arg::Int(now), Arg::Int(expires_at)],
    )
    .await
    .map(|_| ())
}

/// The CIMD negative cache: `client_id` failed with `message` (safe to show)
/// and is not fetched again before `expires_at`. Also drops failures that
/// expired, so the rows anonymous callers cause do not pile up.
pub async fn put_failure(
    db: &D1Database,
    client_id: &str,
    message: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), ApiError> {
    run(
        db,
        "DELETE FROM oauth_clients WHERE kind = 'cimd' AND failure IS NOT NULL AND expires_at < ?1",
        &[Arg::Int(now)],
    )
    .await?;
    run(
        db,
        "INSERT INTO oauth_clients (client_id, kind, metadata, created_at, expires_at, failure)
         VALUES (?1, 'cimd', '{}', ?2, ?3, ?4)
         ON CONFLICT (client_id) DO UPDATE SET metadata = '{}', expires_at = excluded.expires_at,
           failure = excluded.failure
         WHERE oauth_clients.kind = 'cimd'",
        &[client_id.into(), Arg::Int(now), Arg::Int(expires_at), message.into()],
    )
    .await
    .map(|_| ())
}

/// Marks a client used: DCR registrations stay alive while they are used.
pub async fn touch(db: &D1Database, client_id: &str, now: i64) -> Result<(), ApiError> {
    run(
        db,
        "UPDATE oauth_clients SET last_used_at = ?2,
           expires_at = CASE WHEN kind = 'dcr' THEN ?3 ELSE expires_at END WHERE client_id = ?1",
        &[client_id.into(), Arg::Int(now), Arg::Int(now + DCR_IDLE_SECS)],
    )
    .await
    .map(|_| ())
}

/// Removes expired registrations (run opportunistically on registration).
pub async fn purge_expired(db: &D1Database, now: i64) -> Result<(), ApiError> {
    run(db, "DELETE FROM oauth_clients WHERE kind = 'dcr' AND expires_at < ?1", &[Arg::Int(now)]).await.map(|_| ())
}

/// The Studio's first-party client row (`oauth::grants::STUDIO_CLIENT_ID`),
/// written once: its name for the audit log and the grant listings, and a
/// `failure` so OAuth refuses it (never expires, never purged: `expires_at`
/// is NULL).
pub async fn ensure_first_party(db: &D1Database, now: i64) -> Result<(), ApiError> {
    use crate::oauth::grants::{STUDIO_CLIENT_ID, STUDIO_CLIENT_NAME, STUDIO_CLIENT_REFUSAL};
    let metadata = serde_json::json!({ "client_name": STUDIO_CLIENT_NAME, "redirect_uris": [] }).to_string();
    run(
        db,
        "INSERT INTO oauth_clients (client_id, kind, metadata, created_at, failure) VALUES (?1, 'dcr', ?2, ?3, ?4)
         ON CONFLICT (client_id) DO NOTHING",
        &[STUDIO_CLIENT_ID.into(), metadata.as_str().into(), Arg::Int(now), STUDIO_CLIENT_REFUSAL.into()],
    )
    .await
    .map(|_| ())
}
