//! SIEM webhook delivery, run by the scheduled handler (every minute).
//!
//! For each org with a webhook whose retry time has come: the records
//! ingested after the org's cursors (`audit_events.seq`,
//! `audit_actions.seq`), at most [`BATCH`] of each, as one NDJSON body (each
//! line a record with `"kind": "mcp"` or `"kind": "action"`; payloads are
//! never sent), POSTed with `Dockyard-Signature`. A 2xx moves the cursors;
//! anything else (an error status, a timeout, a refused URL) keeps them,
//! counts a failure and waits (1 min, doubling, at most 1 h) before the
//! same records are sent again: delivery is at-least-once, and a receiver
//! deduplicates by `id`. Ingestion never waits for a webhook: it is a
//! separate reader of the table. The POST is `outbound::fetch` (the one
//! SSRF guard, one 10 s deadline, no redirects, a capped answer).

use crate::audit::export::{tagged_line, NDJSON_CONTENT_TYPE};
use crate::audit::settings::{backoff_secs, signature, webhook_secret, webhook_url_allowed};
use crate::config::Config;
use crate::http::ApiError;
use crate::outbound::fetch::{fetch, Outbound};
use crate::outbound::guard::Policy;
use crate::outbound::Limits;
use crate::store::audit::upkeep::{self, WebhookTarget};
use serde::Serialize;
use worker::D1Database;

/// Records of each kind per delivery.
pub const BATCH: usize = 500;
/// One delivery: 10 s for the whole exchange, no redirects, and at most
/// 64 KiB of answer read (the receiver's body is not used; a larger one is a
/// failed delivery rather than an unbounded read).
const LIMITS: Limits = Limits { deadline: std::time::Duration::from_secs(10), max_bytes: 64 * 1024, max_redirects: 0 };

#[derive(Debug, Default, Serialize)]
pub struct DeliveryReport {
    pub webhooks: usize,
    pub delivered_records: usize,
    pub failed: usize,
}

pub async fn deliver_all(db: &D1Database, config: &Config, now: i64) -> Result<DeliveryReport, ApiError> {
    let mut report = DeliveryReport::default();
    for target in upkeep::webhook_targets(db, now).await? {
        report.webhooks += 1;
        match deliver_one(db, config, &target, now).await {
            Ok(n) => report.delivered_records += n,
            Err(why) => {
                report.failed += 1;
                worker::console_warn!("audit webhook of {}: {why}", target.org_id);
                let retry_at = now + backoff_secs(target.webhook_failures + 1);
                upkeep::webhook_failed(db, &target.org_id, &why, retry_at).await?;
            }
        }
    }
    Ok(report)
}

/// Delivers one batch; `Ok(records delivered)`.
async fn deliver_one(db: &D1Database, config: &Config, t: &WebhookTarget, now: i64) -> Result<usize, String> {
    let db_err = |e: ApiError| format!("reading the records: {e:?}");
    let events = upkeep::events_after(db, &t.org_id, t.webhook_events_seq, BATCH).await.map_err(db_err)?;
    let actions = upkeep::actions_after(db, &t.org_id, t.webhook_actions_seq, BATCH).await.map_err(db_err)?;
    if events.is_empty() && actions.is_empty() {
        return Ok(0);
    }
    let mut body = String::new();
    for (_, r) in &events {
        body.push_str(&tagged_line("mcp", r));
    }
    for (_, a) in &actions {
        body.push_str(&tagged_line("action", a));
    }
    // The settings-time rules (https, no fragment) again: the URL was stored
    // under them, and `fetch` re-checks the outbound guard itself.
    webhook_url_allowed(&t.webhook_url, config.allow_loopback_upstreams).map_err(|e| format!("the URL {e}"))?;
    let secret = webhook_secret(&config.secrets_key, &t.org_id, &t.webhook_nonce);
    let req = Outbound {
        method: "POST".into(),
        url: t.webhook_url.clone(),
        headers: vec![
            ("Content-Type".into(), NDJSON_CONTENT_TYPE.into()),
            ("Dockyard-Signature".into(), signature(&secret, now, body.as_bytes())),
            ("User-Agent".into(), "Dockyard-Audit-Webhook/1".into()),
        ],
        body: Some(body.into_bytes()),
    };
    let policy = Policy { allow_loopback: config.allow_loopback_upstreams };
    let resp = fetch(req, LIMITS, policy).await.map_err(|e| {
        worker::console_warn!("audit webhook of {}: {}", t.org_id, e.log_detail());
        e.public_reason()
    })?;
    let status = resp.status;
    if !(200..300).contains(&status) {
        return Err(format!("answered HTTP {status}"));
    }
    let events_seq = events.last().map_or(t.webhook_events_seq, |(s, _)| *s);
    let actions_seq = actions.last().map_or(t.webhook_actions_seq, |(s, _)| *s);
    upkeep::webhook_delivered(db, &t.org_id, events_seq, actions_seq, now).await.map_err(db_err)?;
    Ok(events.len() + actions.len())
}
