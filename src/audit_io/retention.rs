//! Retention, run by the scheduled handler: what expired in D1 is deleted,
//! and the run says what it deleted.
//!
//! In scope (D1): audit records and actions past their org's retention
//! (default 30 days; records of orgs that do not exist after 30 days),
//! Studio sessions past their absolute or idle end, unused DCR clients past
//! their expiry and stale CIMD cache rows, and dropped-message counts after
//! 30 days. Out of scope here, because they live in Durable Objects, which
//! purge themselves: OAuth codes and ended legacy sessions (the project hub
//! deletes expired ones on every write, `objects::hub_grants::purge_codes`
//! and `/sessions/end`), and login rate-limit windows (the RateLimiter
//! object deletes its window when it is over, on an alarm).

use crate::audit::settings::DEFAULT_RETENTION_DAYS;
use crate::http::ApiError;
use crate::store::audit::upkeep::{self, PURGE_CHUNK};
use serde::Serialize;
use worker::D1Database;

const DAY_MS: i64 = 86_400_000;
/// Chunks per table and org per run (the rest goes next run).
const MAX_CHUNKS: usize = 10;

#[derive(Debug, Default, Serialize)]
pub struct PurgeReport {
    pub orgs: usize,
    pub audit_records: usize,
    pub audit_actions: usize,
    pub sessions: usize,
    pub oauth_clients: usize,
    pub dropped_messages: usize,
}

async fn purge_table(db: &D1Database, table: &'static str, org: Option<&str>, cutoff: i64) -> Result<usize, ApiError> {
    let mut total = 0;
    for _ in 0..MAX_CHUNKS {
        let n = upkeep::purge_older(db, table, org, cutoff).await?;
        total += n;
        if (n as i64) < PURGE_CHUNK {
            break;
        }
    }
    Ok(total)
}

/// Purges everything expired at `now_ms`.
pub async fn purge(db: &D1Database, now_ms: i64, session_idle_secs: i64) -> Result<PurgeReport, ApiError> {
    let mut report = PurgeReport::default();
    let orgs = upkeep::retentions(db).await?;
    report.orgs = orgs.len();
    for org in &orgs {
        let cutoff = now_ms - org.retention_days * DAY_MS;
        report.audit_records += purge_table(db, "audit_events", Some(&org.org_id), cutoff).await?;
        report.audit_actions += purge_table(db, "audit_actions", Some(&org.org_id), cutoff).await?;
    }
    let default_cutoff = now_ms - DEFAULT_RETENTION_DAYS * DAY_MS;
    report.audit_records += purge_table(db, "audit_events", None, default_cutoff).await?;
    report.audit_actions += purge_table(db, "audit_actions", None, default_cutoff).await?;
    let now = now_ms / 1000;
    report.sessions = upkeep::purge_sessions(db, now, session_idle_secs).await?;
    report.oauth_clients = upkeep::purge_clients(db, now).await?;
    report.dropped_messages = upkeep::purge_dropped(db, default_cutoff).await?;
    Ok(report)
}
