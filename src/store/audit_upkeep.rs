//! The scheduled side of the audit tables: retention purges and webhook
//! delivery bookkeeping. Deletes are bounded per statement (a few thousand
//! rows), so one run never holds D1 for long; what is left goes next run.

use super::super::{all, run, Arg};
use crate::audit::record::McpRecord;
use crate::audit::settings::DEFAULT_RETENTION_DAYS;
use crate::http::ApiError;
use serde::Deserialize;
use worker::D1Database;

/// Rows deleted per statement.
pub const PURGE_CHUNK: i64 = 5000;

/// Every org and its retention (the default for orgs without settings).
#[derive(Debug, Clone, Deserialize)]
pub struct Retention {
    pub org_id: String,
    pub retention_days: i64,
}

pub async fn retentions(db: &D1Database) -> Result<Vec<Retention>, ApiError> {
    all(
        db,
        "SELECT o.id AS org_id, COALESCE(s.retention_days, ?1) AS retention_days
         FROM orgs o LEFT JOIN audit_settings s ON s.org_id = o.id",
        &[Arg::Int(DEFAULT_RETENTION_DAYS)],
    )
    .await
}

/// Deletes up to [`PURGE_CHUNK`] rows of `table` older than `cutoff_ms` for
/// one org (`None`: rows of no org).
pub async fn purge_older(
    db: &D1Database,
    table: &'static str,
    org_id: Option<&str>,
    cutoff_ms: i64,
) -> Result<usize, ApiError> {
    let scope = if org_id.is_some() { "org_id = ?1" } else { "org_id IS NULL AND ?1 IS NULL" };
    let sql = format!(
        "DELETE FROM {table} WHERE seq IN (SELECT seq FROM {table} WHERE {scope} AND at < ?2 LIMIT {PURGE_CHUNK})"
    );
    run(db, &sql, &[org_id.into(), Arg::Int(cutoff_ms)]).await
}

/// Studio sessions past their absolute or idle end (Unix seconds).
pub async fn purge_sessions(db: &D1Database, now: i64, idle_secs: i64) -> Result<usize, ApiError> {
    run(
        db,
        "DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen_at <= ?2",
        &[Arg::Int(now), Arg::Int(now - idle_secs)],
    )
    .await
}

/// Unused DCR registrations past their expiry, and CIMD documents cached
/// for more than a day past theirs (they are fetched again when used).
pub async fn purge_clients(db: &D1Database, now: i64) -> Result<usize, ApiError> {
    run(
        db,
        "DELETE FROM oauth_clients WHERE (kind = 'dcr' AND expires_at < ?1) OR (kind = 'cimd' AND expires_at < ?2)",
        &[Arg::Int(now), Arg::Int(now - 86_400)],
    )
    .await
}

/// Dropped-message counts older than `cutoff_ms`.
pub async fn purge_dropped(db: &D1Database, cutoff_ms: i64) -> Result<usize, ApiError> {
    run(db, "DELETE FROM audit_dropped WHERE at < ?1", &[Arg::Int(cutoff_ms)]).await
}

/// An org whose webhook is due.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookTarget {
    pub org_id: String,
    pub webhook_url: String,
    pub webhook_nonce: String,
    pub webhook_events_seq: i64,
    pub webhook_actions_seq: i64,
    pub webhook_failures: i64,
}

pub async fn webhook_targets(db: &D1Database, now: i64) -> Result<Vec<WebhookTarget>, ApiError> {
    all(
        db,
        "SELECT org_id, webhook_url, webhook_nonce, webhook_events_seq, webhook_actions_seq, webhook_failures
         FROM audit_settings WHERE webhook_url IS NOT NULL AND webhook_nonce IS NOT NULL AND webhook_retry_at <= ?1",
        &[Arg::Int(now)],
    )
    .await
}

/// MCP records of an org after `seq`, in ingestion order, with their seq.
pub async fn events_after(
    db: &D1Database,
    org_id: &str,
    seq: i64,
    limit: usize,
) -> Result<Vec<(i64, McpRecord)>, ApiError> {
    let sql = format!(
        "SELECT seq, {} FROM audit_events WHERE org_id = ?1 AND seq > ?2 ORDER BY seq LIMIT {limit}",
        crate::audit::record::FIELDS.join(", ")
    );
    let rows: Vec<serde_json::Value> = all(db, &sql, &[org_id.into(), Arg::Int(seq)]).await?;
    rows.into_iter()
        .map(|mut row| {
            let seq = row.as_object_mut().and_then(|o| o.remove("seq")).and_then(|s| s.as_i64()).unwrap_or(0);
            let rec: McpRecord =
                serde_json::from_value(row).map_err(|e| ApiError::Internal(format!("audit row: {e}")))?;
            Ok((seq, rec))
        })
        .collect()
}

/// Management actions of an org after `seq` (as the API shows them), with their seq.
pub async fn actions_after(
    db: &D1Database,
    org_id: &str,
    seq: i64,
    limit: usize,
) -> Result<Vec<(i64, super::ActionView)>, ApiError> {
    let sql = format!(
        "SELECT seq, {} FROM audit_actions WHERE org_id = ?1 AND seq > ?2 ORDER BY seq LIMIT {limit}",
        super::ACTION_COLUMNS
    );
    let rows: Vec<super::ActionRow> = all(db, &sql, &[org_id.into(), Arg::Int(seq)]).await?;
    Ok(rows.into_iter().map(|r| (r.seq.unwrap_or(0), r.into_view())).collect())
}

pub async fn webhook_delivered(
    db: &D1Database,
    org_id: &str,
    events_seq: i64,
    actions_seq: i64,
    now: i64,
) -> Result<(), ApiError> {
    run(
        db,
        "UPDATE audit_settings SET webhook_events_seq = MAX(webhook_events_seq, ?2),
           webhook_actions_seq = MAX(webhook_actions_seq, ?3), webhook_failures = 0, webhook_retry_at = 0,
           webhook_last_error = NULL, webhook_delivered_at = ?4 WHERE org_id = ?1",
        &[org_id.into(), Arg::Int(events_seq), Arg::Int(actions_seq), Arg::Int(now)],
    )
    .await
    .map(|_| ())
}

pub async fn webhook_failed(db: &D1Database, org_id: &str, error: &str, retry_at: i64) -> Result<(), ApiError> {
    let error: String = error.chars().take(300).collect();
    run(
        db,
        "UPDATE audit_settings SET webhook_failures = webhook_failures + 1, webhook_retry_at = ?2,
           webhook_last_error = ?3 WHERE org_id = ?1",
        &[org_id.into(), Arg::Int(retry_at), (&error).into()],
    )
    .await
    .map(|_| ())
}
