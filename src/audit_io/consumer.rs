//! The queue consumer (`#[event(queue)]`): a batch of messages becomes one
//! D1 batch (a transaction), idempotent on each record id.
//!
//! - A message that is not an audit record of this format (not text, not
//!   JSON, a wrong shape, an impossible status) is logged, counted in
//!   `audit_dropped` (once per queue message id) and acknowledged: retrying
//!   it could never succeed.
//! - If D1 fails, the whole batch is retried after a delay (5 s,
//!   `config::QUEUE_RETRY_DELAY_SECS`; the fault suites shorten it with the
//!   test-only `DOCKYARD_TEST_QUEUE_RETRY_SECS`); the queue's
//!   `max_retries` then hands it to the dead-letter queue
//!   (`dockyard-audit-dlq`, kept for inspection) instead of retrying forever.
//!   Redelivered records that were already inserted are skipped by
//!   `ON CONFLICT(id) DO NOTHING`.
//! - A message whose insert cannot even be prepared (D1 refusing a bind) is
//!   retried on its own, never acknowledged, so after `max_retries` it ends
//!   in the dead-letter queue instead of being lost; the rest of the batch is
//!   inserted and acknowledged as usual.
//!
//! Test-only faults (`DOCKYARD_FAULTS`, unset in every deployment; see
//! `config.rs`): `audit.d1:N` fails the first N D1 batches of this isolate
//! before anything is written (the batch is retried: nothing may be lost);
//! `audit.ack:N` writes the first N batches and then retries them as if
//! D1's answer had been lost (the redelivery must not duplicate).

use crate::audit::record::QueueMessage;
use crate::store::audit as store;
use js_sys::JSON;
use wasm_bindgen::JsValue;
use worker::{Env, MessageBatch, MessageExt, QueueRetryOptionsBuilder};

thread_local! {
    /// D1 batches attempted by this isolate (for `audit.d1:N`, `audit.ack:N`).
    static BATCHES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// The injected faults for this batch: `(fail before the write, lose the answer after it)`.
fn injected(env: &Env) -> (bool, bool) {
    let faults = crate::config::parse_faults(&env.var("DOCKYARD_FAULTS").map(|v| v.to_string()).unwrap_or_default());
    let (before, after) = (crate::config::count_of(&faults, "audit.d1"), crate::config::count_of(&faults, "audit.ack"));
    if before == 0 && after == 0 {
        return (false, false);
    }
    let n = BATCHES.with(|c| c.replace(c.get() + 1));
    (n < before, n >= before && n < before + after)
}

/// The JSON text of a message body (text messages are the format we send;
/// anything else is stringified so it can be judged, and counted).
fn body_text(body: &JsValue) -> Option<String> {
    body.as_string().or_else(|| JSON::stringify(body).ok().and_then(|s| s.as_string()))
}

pub async fn consume(batch: MessageBatch<serde_json::Value>, env: Env) -> worker::Result<()> {
    let db = env.d1("DB")?;
    let now_ms = worker::Date::now().as_millis() as i64;
    let mut stmts = Vec::new();
    let mut prepared = Vec::new();
    let (mut records, mut dropped) = (0, 0);
    // 5 s; tests may shorten it (DOCKYARD_TEST_QUEUE_RETRY_SECS, config.rs).
    let test_delay = env.var(crate::config::TEST_QUEUE_RETRY_VAR).ok().map(|v| v.to_string());
    let delay = crate::config::queue_retry_delay_secs(test_delay.as_deref());
    let retry = QueueRetryOptionsBuilder::new().with_delay_seconds(delay).build();
    for message in batch.raw_iter() {
        let text = body_text(&message.body());
        let decoded = match &text {
            None => Err("the body is not text or JSON".to_string()),
            Some(t) => serde_json::from_str(t)
                .map_err(|e| format!("the body is not JSON: {e}"))
                .and_then(|v| QueueMessage::decode(&v)),
        };
        let stmt = match decoded {
            Ok(QueueMessage::Mcp { record, payload, .. }) => {
                records += 1;
                store::insert_record(&db, &record, payload.as_deref())
            }
            Ok(QueueMessage::Action { record, .. }) => {
                records += 1;
                store::insert_action(&db, &record)
            }
            Err(reason) => {
                dropped += 1;
                let sample: String = text.as_deref().unwrap_or("(not text)").chars().take(300).collect();
                worker::console_error!("audit: dropped queue message {}: {reason}", message.id());
                store::insert_dropped(&db, &message.id(), now_ms, &reason, &sample)
            }
        };
        match stmt {
            Ok(s) => {
                stmts.push(s);
                prepared.push(message);
            }
            Err(e) => {
                worker::console_error!("audit: could not prepare the insert of {}, retrying it: {e:?}", message.id());
                message.retry_with_options(&retry);
            }
        }
    }
    if stmts.is_empty() {
        return Ok(());
    }
    let (fail_before, lose_answer) = injected(&env);
    let written = if fail_before {
        Err(worker::Error::RustError("injected fault audit.d1".into()))
    } else {
        db.batch(stmts).await
    };
    let written = match written {
        Ok(_) if lose_answer => Err(worker::Error::RustError("injected fault audit.ack (written)".into())),
        other => other,
    };
    match written {
        Ok(_) => {
            prepared.iter().for_each(|m| m.ack());
            if dropped > 0 {
                worker::console_warn!("audit: ingested {records} records, dropped {dropped} malformed messages");
            }
        }
        Err(e) => {
            worker::console_error!("audit: D1 batch of {records} records failed, retrying: {e}");
            prepared.iter().for_each(|m| m.retry_with_options(&retry));
        }
    }
    Ok(())
}
