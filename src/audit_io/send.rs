//! The producer side: a record leaves the request through `ctx.defer`
//! (`waitUntil`), after the response is on its way, so auditing never adds
//! to what the client waits for.
//!
//! Messages are sent as text (the record's JSON): the consumer parses text
//! with serde_json, so the JS value conversion of nested objects never
//! decides what a record contains.

use super::{settings_cache, QUEUE_BINDING};
use crate::audit::record::{ActionRecord, McpRecord, QueueMessage, MESSAGE_VERSION};
use crate::audit::redact::{payload_aad, payload_plaintext, PAYLOAD_KEY_PURPOSE};
use crate::http::context::Ctx;
use crate::store::audit as store;
use crate::webcrypto;
use serde_json::Value;
use worker::{D1Database, Env, MessageBuilder, QueueContentType};

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
        deliver(&env, &db, msg).await;
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
