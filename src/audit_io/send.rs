//! The producer side: a record leaves the request through `ctx.defer`
//! (`waitUntil`), after the response is on its way, so auditing never adds
//! to what the client waits for.
//!
//! Messages are sent as text (the record's JSON): the consumer parses text
//! with serde_json, so the JS value conversion of nested objects never
//! decides what a record contains.
//!
//! MCP records are sent in batches per isolate (issue 14: one Queue `send`
//! per call was a fixed cost of every request under load): a record joins
//! the isolate's pending batch, and the first request to add to an empty
//! batch sends it, [`BATCH_WAIT_MS`] later, with one `sendBatch`, from its
//! own `waitUntil` (so the runtime keeps it alive until the send ends).
//! Every record still leaves within milliseconds of its response, one record
//! per request, and a refused batch falls back record by record (Queue, then
//! D1 directly, then the log), as a single send did.

use super::{settings_cache, QUEUE_BINDING};
use crate::audit::record::{ActionRecord, McpRecord, QueueMessage, MESSAGE_VERSION};
use crate::audit::redact::{payload_aad, payload_plaintext, PAYLOAD_KEY_PURPOSE};
use crate::http::context::Ctx;
use crate::store::audit as store;
use crate::webcrypto;
use serde_json::Value;
use std::cell::RefCell;
use std::time::Duration;
use worker::{D1Database, Env, MessageBuilder, QueueContentType, SendMessage};

/// How long the first record of a batch waits for others.
pub const BATCH_WAIT_MS: u64 = 5;
/// Queues' `sendBatch` limits are 100 messages and 256 KB.
const MAX_BATCH_MESSAGES: usize = 100;
const MAX_BATCH_BYTES: usize = 200 * 1024;

thread_local! {
    /// The records waiting for this isolate's next batch (JSON text), and
    /// whether a request has taken on sending it.
    static PENDING: RefCell<(Vec<String>, bool)> = const { RefCell::new((Vec::new(), false)) };
}

/// What an org that stores payloads keeps of one call (encrypted).
pub struct Payload {
    pub arguments: Option<Value>,
    pub result: Option<Value>,
    /// A code handler's captured `console.*` lines (already bounded).
    pub logs: Vec<String>,
}

/// Sends an MCP record (with its payload sources, used only when the org
/// stores payloads). `garbage`: the test fault `audit.garbage` also sends
/// two malformed messages, which the consumer must drop and count, and the
/// record twice, which must be stored once (a redelivery).
pub fn mcp(ctx: &Ctx, record: McpRecord, payload: Payload, garbage: bool) {
    if ctx.config.audit_off {
        return;
    }
    let env = ctx.env.clone();
    let secrets = ctx.config.secrets_key.clone();
    ctx.defer(async move {
        let Some(db) = d1(&env) else { return };
        let now_ms = worker::Date::now().as_millis() as i64;
        let sealed = if settings_cache::payloads_on(&db, &record.org, now_ms).await {
            seal(&secrets, &record.id, &payload).await
        } else {
            None
        };
        let msg = QueueMessage::Mcp { v: MESSAGE_VERSION, record, payload: sealed };
        if garbage {
            let _ = send_text(&env, "this is not an audit record".into()).await;
            let _ = send_text(&env, r#"{"kind":"mcp","v":1,"record":{"id":"req_bogus"}}"#.into()).await;
            deliver(&env, &db, msg.clone()).await;
        }
        deliver_batched(&env, &db, msg).await;
    });
}

/// Sends a management action record.
pub fn action(ctx: &Ctx, record: ActionRecord) {
    let env = ctx.env.clone();
    ctx.defer(async move {
        let Some(db) = d1(&env) else { return };
        deliver(&env, &db, QueueMessage::Action { v: MESSAGE_VERSION, record }).await;
    });
}

/// Sends a record of what the system did (no request, so no `ctx.defer`:
/// the cron trigger awaits it).
pub async fn system_action(env: &Env, db: &D1Database, record: ActionRecord) {
    deliver(env, db, QueueMessage::Action { v: MESSAGE_VERSION, record }).await;
}

fn d1(env: &Env) -> Option<D1Database> {
    env.d1("DB").map_err(|e| worker::console_error!("audit: no D1 binding: {e}")).ok()
}

async fn seal(secrets: &[u8], record_id: &str, payload: &Payload) -> Option<String> {
    let sealed = async {
        let key = webcrypto::seal::derive_key(secrets, PAYLOAD_KEY_PURPOSE).await?;
        let text = payload_plaintext(payload.arguments.as_ref(), payload.result.as_ref(), &payload.logs);
        webcrypto::seal::encrypt(&key, text.as_bytes(), &payload_aad(record_id)).await
    };
    match sealed.await {
        Ok(s) => Some(s),
        Err(e) => {
            // The record still goes; only its payload is missing.
            worker::console_error!("audit: payload of {record_id} not encrypted: {e}");
            None
        }
    }
}

async fn send_text(env: &Env, text: String) -> Result<(), String> {
    let queue = env.queue(QUEUE_BINDING).map_err(|e| format!("no queue binding {QUEUE_BINDING}: {e}"))?;
    let msg = MessageBuilder::new(text).content_type(QueueContentType::Text).build();
    queue.send(msg).await.map_err(|e| format!("queue send: {e}"))
}

/// Adds `msg` to the isolate's pending batch; the request that found the
/// batch empty waits [`BATCH_WAIT_MS`], takes the whole batch and sends it.
async fn deliver_batched(env: &Env, db: &D1Database, msg: QueueMessage) {
    let text = match serde_json::to_string(&msg) {
        Ok(t) => t,
        Err(e) => return worker::console_error!("audit: record {} not serializable: {e}", msg.id()),
    };
    let sender = PENDING.with(|p| {
        let mut p = p.borrow_mut();
        p.0.push(text);
        !std::mem::replace(&mut p.1, true)
    });
    if !sender {
        return;
    }
    worker::Delay::from(Duration::from_millis(BATCH_WAIT_MS)).await;
    // Taken and released in one step: a record added while this batch is
    // being sent starts the next batch (with its own sender).
    let batch = PENDING.with(|p| {
        let mut p = p.borrow_mut();
        p.1 = false;
        std::mem::take(&mut p.0)
    });
    for chunk in chunks(batch) {
        if let Err(why) = send_batch(env, &chunk).await {
            worker::console_error!("audit: batch of {} refused ({why}); sending each on its own", chunk.len());
            for text in chunk {
                match serde_json::from_str::<QueueMessage>(&text) {
                    Ok(msg) => deliver(env, db, msg).await,
                    Err(e) => worker::console_error!("audit: record LOST ({e}); the record: {text}"),
                }
            }
        }
    }
}

/// Splits a batch at the Queues `sendBatch` limits.
fn chunks(batch: Vec<String>) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut bytes = 0;
    for text in batch {
        let full = out.last().is_none_or(|c| c.len() >= MAX_BATCH_MESSAGES || bytes + text.len() > MAX_BATCH_BYTES);
        if full {
            out.push(Vec::new());
            bytes = 0;
        }
        bytes += text.len();
        out.last_mut().expect("a chunk was just pushed").push(text);
    }
    out
}

async fn send_batch(env: &Env, texts: &[String]) -> Result<(), String> {
    let queue = env.queue(QUEUE_BINDING).map_err(|e| format!("no queue binding {QUEUE_BINDING}: {e}"))?;
    let messages: Vec<SendMessage<String>> =
        texts.iter().map(|t| MessageBuilder::new(t.clone()).content_type(QueueContentType::Text).build()).collect();
    queue.send_batch(messages).await.map_err(|e| format!("queue sendBatch: {e}"))
}

/// Queue first; if the queue refuses, straight into D1 (the same
/// idempotent insert); if that fails too, the whole record goes to the log.
async fn deliver(env: &Env, db: &D1Database, msg: QueueMessage) {
    let text = match serde_json::to_string(&msg) {
        Ok(t) => t,
        Err(e) => return worker::console_error!("audit: record {} not serializable: {e}", msg.id()),
    };
    let queued = send_text(env, text.clone()).await;
    let Err(why) = queued else { return };
    worker::console_error!("audit: {why}; writing {} to D1 directly", msg.id());
    let stmt = match &msg {
        QueueMessage::Mcp { record, payload, .. } => store::insert_record(db, record, payload.as_deref()),
        QueueMessage::Action { record, .. } => store::insert_action(db, record),
    };
    let written = match stmt {
        Ok(s) => s.run().await.map(|_| ()).map_err(|e| e.to_string()),
        Err(e) => Err(format!("{e:?}")),
    };
    if let Err(e) = written {
        worker::console_error!("audit: record LOST from the store ({e}); the record: {text}");
    }
}
