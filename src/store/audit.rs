//! The audit tables (`audit_events`, `audit_actions`, `audit_settings`,
//! `audit_dropped`; schema/0004_audit.sql). Every query is keyed by org id
//! (or user id for a member's own view), so nothing crosses orgs. The SQL
//! of filters and aggregates is built by the pure `crate::audit` module.

use super::{all, first, run, stmt, Arg};
use crate::audit::query::{SqlArg, Where};
use crate::audit::record::{ActionRecord, McpRecord, FIELDS};
use crate::audit::stats::{self, BucketRow, ToolRow};
use crate::http::ApiError;
use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement};

pub fn args(v: &[SqlArg]) -> Vec<Arg<'_>> {
    v.iter()
        .map(|a| match a {
            SqlArg::Text(s) => Arg::Text(s),
            SqlArg::Int(n) => Arg::Int(*n),
        })
        .collect()
}

fn s(v: &Option<String>) -> Arg<'_> {
    v.as_deref().into()
}

fn opt_int(v: Option<i64>) -> Arg<'static> {
    v.map_or(Arg::Null, Arg::Int)
}

/// The insert of one MCP record, idempotent on its id. The org id, the
/// user's email and the client's name are looked up here, at ingestion.
pub fn insert_record(db: &D1Database, r: &McpRecord, payload: Option<&str>) -> Result<D1PreparedStatement, ApiError> {
    let client_name = "(SELECT CASE WHEN json_valid(metadata) AND json_type(metadata, '$.client_name') = 'text' \
                       THEN substr(json_extract(metadata, '$.client_name'), 1, 200) END \
                       FROM oauth_clients WHERE client_id = ?16)";
    let sql = format!(
        "INSERT INTO audit_events (id, org_id, at, duration_ms, org, project, channel, version, method, tool, \
           tool_kind, era, protocol_version, status, error_code, user_id, user_email, client_id, client_name, \
           grant_id, host_name, host_version, args_sha256, args_bytes, result_sha256, result_bytes, payload) \
         VALUES (?1, (SELECT id FROM orgs WHERE slug = ?4), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, \
           ?15, COALESCE(?25, (SELECT email FROM users WHERE id = ?15)), ?16, COALESCE(?26, {client_name}), \
           ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24) \
         ON CONFLICT (id) DO NOTHING"
    );
    stmt(
        db,
        &sql,
        &[
            (&r.id).into(),
            Arg::Int(r.at),
            Arg::Int(r.duration_ms),
            (&r.org).into(),
            (&r.project).into(),
            (&r.channel).into(),
            s(&r.version),
            (&r.method).into(),
            s(&r.tool),
            s(&r.tool_kind),
            s(&r.era),
            s(&r.protocol_version),
            r.status.as_str().into(),
            r.error_code.map(|c| c.as_str()).into(),
            s(&r.user_id),
            s(&r.client_id),
            s(&r.grant_id),
            s(&r.host_name),
            s(&r.host_version),
            s(&r.args_sha256),
            opt_int(r.args_bytes),
            s(&r.result_sha256),
            opt_int(r.result_bytes),
            payload.into(),
            s(&r.user_email),
            s(&r.client_name),
        ],
    )
}

pub fn insert_action(db: &D1Database, r: &ActionRecord) -> Result<D1PreparedStatement, ApiError> {
    let details = r.details.to_string();
    stmt(
        db,
        "INSERT INTO audit_actions (id, org_id, org, at, actor_id, actor_email, via, action, target, details)
         VALUES (?1, (SELECT id FROM orgs WHERE slug = ?2), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO NOTHING",
        &[
            (&r.id).into(),
            r.org.as_deref().into(),
            Arg::Int(r.at),
            (&r.actor_id).into(),
            (&r.actor_email).into(),
            (&r.via).into(),
            r.action.as_str().into(),
            (&r.target).into(),
            (&details).into(),
        ],
    )
}

/// Counts a dropped queue message (once per queue message id).
pub fn insert_dropped(
    db: &D1Database,
    message_id: &str,
    at: i64,
    reason: &str,
    sample: &str,
) -> Result<D1PreparedStatement, ApiError> {
    stmt(
        db,
        "INSERT INTO audit_dropped (message_id, at, reason, sample) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (message_id) DO NOTHING",
        &[message_id.into(), Arg::Int(at), reason.into(), sample.into()],
    )
}

fn columns() -> String {
    FIELDS.join(", ")
}

/// One page (or one export chunk) of MCP records, newest first.
pub async fn list(db: &D1Database, w: &Where, limit: usize) -> Result<Vec<McpRecord>, ApiError> {
    let sql = format!("SELECT {} FROM audit_events WHERE {} ORDER BY at DESC, id DESC LIMIT {limit}", columns(), w.sql);
    all(db, &sql, &args(&w.args)).await
}

/// One record of an org, with its encrypted payload (one round trip).
pub async fn get(db: &D1Database, org_id: &str, id: &str) -> Result<Option<(McpRecord, Option<String>)>, ApiError> {
    let sql = format!("SELECT {}, payload FROM audit_events WHERE org_id = ?1 AND id = ?2", columns());
    let Some(mut row) = first::<serde_json::Value>(db, &sql, &[org_id.into(), id.into()]).await? else {
        return Ok(None);
    };
    let payload = row.as_object_mut().and_then(|o| o.remove("payload")).and_then(|p| p.as_str().map(str::to_string));
    let rec: McpRecord = serde_json::from_value(row).map_err(|e| ApiError::Internal(format!("audit row: {e}")))?;
    Ok(Some((rec, payload)))
}

pub(crate) const ACTION_COLUMNS: &str = "id, at, org, actor_id, actor_email, via, action, target, details";

/// A row of `audit_actions`.
#[derive(Deserialize)]
pub(crate) struct ActionRow {
    #[serde(default)]
    pub seq: Option<i64>,
    id: String,
    at: i64,
    org: Option<String>,
    actor_id: String,
    actor_email: String,
    via: String,
    action: String,
    target: String,
    details: String,
}

/// A management action as the API, NDJSON and CSV show it (keys in
/// `export::ACTION_FIELDS` order, `details` as JSON).
#[derive(Debug, Clone, Serialize)]
pub struct ActionView {
    pub id: String,
    pub at: i64,
    pub org: Option<String>,
    pub actor_id: String,
    pub actor_email: String,
    pub via: String,
    pub action: String,
    pub target: String,
    pub details: serde_json::Value,
}

impl ActionRow {
    pub fn into_view(self) -> ActionView {
        ActionView {
            details: serde_json::from_str(&self.details).unwrap_or_default(),
            id: self.id,
            at: self.at,
            org: self.org,
            actor_id: self.actor_id,
            actor_email: self.actor_email,
            via: self.via,
            action: self.action,
            target: self.target,
        }
    }
}

pub async fn list_actions(db: &D1Database, w: &Where, limit: usize) -> Result<Vec<ActionView>, ApiError> {
    let sql =
        format!("SELECT {ACTION_COLUMNS} FROM audit_actions WHERE {} ORDER BY at DESC, id DESC LIMIT {limit}", w.sql);
    let rows: Vec<ActionRow> = all(db, &sql, &args(&w.args)).await?;
    Ok(rows.into_iter().map(ActionRow::into_view).collect())
}

pub async fn tool_stats(db: &D1Database, w: &Where) -> Result<Vec<ToolRow>, ApiError> {
    all(db, &stats::tools_sql(&w.sql), &args(&w.args)).await
}

pub async fn series(db: &D1Database, w: &Where, interval_ms: i64) -> Result<Vec<BucketRow>, ApiError> {
    let mut a = args(&w.args);
    a.push(Arg::Int(interval_ms));
    all(db, &stats::series_sql(&w.sql, a.len()), &a).await
}

/// An org's settings row.
#[derive(Debug, Clone, Deserialize)]
pub struct SettingsRow {
    pub payloads: i64,
    pub retention_days: i64,
    pub webhook_url: Option<String>,
    pub webhook_failures: i64,
    pub webhook_last_error: Option<String>,
    pub webhook_delivered_at: Option<i64>,
}

const SETTINGS_COLUMNS: &str =
    "payloads, retention_days, webhook_url, webhook_failures, webhook_last_error, webhook_delivered_at";

pub async fn settings(db: &D1Database, org_id: &str) -> Result<Option<SettingsRow>, ApiError> {
    first(db, &format!("SELECT {SETTINGS_COLUMNS} FROM audit_settings WHERE org_id = ?1"), &[org_id.into()]).await
}

/// Whether the org (by slug) stores payloads.
pub async fn payloads_on(db: &D1Database, org_slug: &str) -> Result<bool, ApiError> {
    #[derive(Deserialize)]
    struct Row {
        payloads: i64,
    }
    let row: Option<Row> = first(
        db,
        "SELECT s.payloads FROM audit_settings s JOIN orgs o ON o.id = s.org_id WHERE o.slug = ?1",
        &[org_slug.into()],
    )
    .await?;
    Ok(row.is_some_and(|r| r.payloads != 0))
}

/// Writes the settings. A new webhook URL (`new_nonce`) starts delivery at
/// the records ingested from now on and clears the failure state.
pub async fn save_settings(
    db: &D1Database,
    org_id: &str,
    payloads: bool,
    retention_days: i64,
    webhook_url: Option<&str>,
    new_nonce: Option<&str>,
    now: i64,
) -> Result<(), ApiError> {
    run(
        db,
        "INSERT INTO audit_settings (org_id, payloads, retention_days, webhook_url, webhook_nonce, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (org_id) DO UPDATE SET payloads = excluded.payloads, retention_days = excluded.retention_days,
           webhook_url = excluded.webhook_url, updated_at = excluded.updated_at,
           webhook_nonce = COALESCE(?5, audit_settings.webhook_nonce)",
        &[
            org_id.into(),
            Arg::Int(payloads as i64),
            Arg::Int(retention_days),
            webhook_url.into(),
            new_nonce.into(),
            Arg::Int(now),
        ],
    )
    .await?;
    if new_nonce.is_some() {
        run(
            db,
            "UPDATE audit_settings SET webhook_failures = 0, webhook_retry_at = 0, webhook_last_error = NULL,
               webhook_events_seq = COALESCE((SELECT MAX(seq) FROM audit_events), 0),
               webhook_actions_seq = COALESCE((SELECT MAX(seq) FROM audit_actions), 0)
             WHERE org_id = ?1",
            &[org_id.into()],
        )
        .await?;
    }
    Ok(())
}

#[path = "audit_upkeep.rs"]
pub mod upkeep;
