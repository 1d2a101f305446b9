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
//! separate reader of the table.

use crate::audit::export::{tagged_line, NDJSON_CONTENT_TYPE};
use crate::audit::settings::{backoff_secs, signature, webhook_secret, webhook_url_allowed};
use crate::config::Config;
use crate::http::ApiError;
use crate::store::audit::upkeep::{self, WebhookTarget};
use futures_util::future::{select, Either};
use serde::Serialize;
use worker::{D1Database, Fetch, Method, Request, RequestInit, RequestRedirect};

/// Records of each kind per delivery.
pub const BATCH: usize = 500;
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

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
    // TODO(lead): switch to the SSRF-guarded bounded fetch of `src/outbound/`
    // when it lands; until then the URL is re-checked before every delivery.
    webhook_url_allowed(&t.webhook_url, config.allow_loopback_upstreams).map_err(|e| format!("the URL {e}"))?;
    let secret = webhook_secret(&config.secrets_key, &t.org_id, &t.webhook_nonce);
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_redirect(RequestRedirect::Manual).with_body(Some(body.clone().into()));
    let req = Request::new_with_init(&t.webhook_url, &init).map_err(|e| format!("bad request: {e}"))?;
    let h = req.headers();
    let _ = h.set("Content-Type", NDJSON_CONTENT_TYPE);
    let _ = h.set("Dockyard-Signature", &signature(&secret, now, body.as_bytes()));
    let _ = h.set("User-Agent", "Dockyard-Audit-Webhook/1");
    let fetch = Fetch::Request(req);
    let sent = fetch.send();
    let resp = match select(Box::pin(sent), Box::pin(worker::Delay::from(TIMEOUT))).await {
        Either::Left((Ok(resp), _)) => resp,
        Either::Left((Err(e), _)) => return Err(format!("could not be reached: {e}")),
        Either::Right(_) => return Err("did not answer within 10 seconds".into()),
    };
    let status = resp.status_code();
    if !(200..300).contains(&status) {
        return Err(format!("answered HTTP {status}"));
    }
    let events_seq = events.last().map_or(t.webhook_events_seq, |(s, _)| *s);
    let actions_seq = actions.last().map_or(t.webhook_actions_seq, |(s, _)| *s);
    upkeep::webhook_delivered(db, &t.org_id, events_seq, actions_seq, now).await.map_err(db_err)?;
    Ok(events.len() + actions.len())
}
