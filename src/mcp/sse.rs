//! Server-Sent Events framing and the notifications Dockyard pushes.
//!
//! Two kinds of SSE stream exist. A *finite* one answers a single POST
//! with one event (see `transport` for when). A *held* one stays open in
//! the project's Durable Object: the legacy GET stream of a session, or a
//! modern `subscriptions/listen` response. Held streams get
//! [`KEEP_ALIVE`] comments so idle intermediaries do not cut them, and the
//! change notifications built here when the draft changes or a version is
//! published. Every message on a modern listen stream carries
//! `_meta["io.modelcontextprotocol/subscriptionId"]` = the listen request's
//! id (MUST), the acknowledgement first (MUST).

use serde_json::{json, Map, Value};

use super::era::SUBSCRIPTION_ID_KEY;
use super::jsonrpc::notification;
use super::types::SubscriptionFilter;

/// An SSE comment: ignored by clients, keeps the connection warm.
pub const KEEP_ALIVE: &str = ":\n\n";

/// One SSE event.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    /// `event:` field; `None` means the default type `message`.
    pub event: Option<String>,
    /// `id:` field.
    pub id: Option<String>,
    /// `data:` payload (split over several `data:` lines if multi-line).
    pub data: String,
}

impl SseEvent {
    /// A `message` event carrying one JSON-RPC message.
    pub fn message(json: &Value) -> Self {
        SseEvent { event: Some("message".into()), id: None, data: json.to_string() }
    }

    /// The event's bytes on the wire, ending with the blank line.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Some(e) = &self.event {
            out.push_str(&format!("event: {}\n", strip_newlines(e)));
        }
        if let Some(id) = &self.id {
            out.push_str(&format!("id: {}\n", strip_newlines(id)));
        }
        for line in self.data.split('\n') {
            out.push_str("data: ");
            out.push_str(line.strip_suffix('\r').unwrap_or(line));
            out.push('\n');
        }
        out.push('\n');
        out
    }

    /// The JSON payload, when `data` is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.data).ok()
    }
}

fn strip_newlines(s: &str) -> String {
    s.replace(['\r', '\n'], "")
}

/// Concatenated wire form of a finite stream.
pub fn encode_all(events: &[SseEvent]) -> String {
    events.iter().map(SseEvent::encode).collect()
}

/// Legacy GET stream: the tool list changed.
pub fn legacy_list_changed() -> SseEvent {
    SseEvent::message(&notification("notifications/tools/list_changed", None))
}

/// Legacy GET stream: the `ui://` resource list changed.
pub fn legacy_resources_list_changed() -> SseEvent {
    SseEvent::message(&notification("notifications/resources/list_changed", None))
}

fn tagged(subscription_id: &Value, extra: Map<String, Value>) -> Value {
    let mut params = extra;
    params.insert("_meta".into(), json!({ SUBSCRIPTION_ID_KEY: subscription_id }));
    Value::Object(params)
}

/// Modern listen stream: the tool list changed. Send only to streams whose
/// acknowledged filter has `toolsListChanged`.
pub fn modern_list_changed(subscription_id: &Value) -> SseEvent {
    SseEvent::message(&notification("notifications/tools/list_changed", Some(tagged(subscription_id, Map::new()))))
}

/// Modern listen stream: the resource list changed (`resourcesListChanged`).
pub fn modern_resources_list_changed(subscription_id: &Value) -> SseEvent {
    SseEvent::message(&notification("notifications/resources/list_changed", Some(tagged(subscription_id, Map::new()))))
}

/// MUST: the first message of a listen stream, naming what we honour.
pub fn modern_acknowledged(subscription_id: &Value, honoured: &SubscriptionFilter) -> SseEvent {
    let mut extra = Map::new();
    extra.insert("notifications".into(), serde_json::to_value(honoured).unwrap_or_else(|_| json!({})));
    SseEvent::message(&notification("notifications/subscriptions/acknowledged", Some(tagged(subscription_id, extra))))
}

/// SHOULD: the graceful end of a listen stream the server closes (for
/// example when the Durable Object shuts down): the listen request's
/// response, tagged like every other message on the stream.
pub fn modern_listen_closed(subscription_id: &Value) -> SseEvent {
    SseEvent::message(&json!({
        "jsonrpc": "2.0",
        "id": subscription_id,
        "result": {"resultType": "complete", "_meta": {SUBSCRIPTION_ID_KEY: subscription_id}}
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing() {
        let e = SseEvent { event: None, id: Some("7\n".into()), data: "a\nb\r\nc".into() };
        assert_eq!(e.encode(), "id: 7\ndata: a\ndata: b\ndata: c\n\n");
        let m = SseEvent::message(&json!({"x": 1}));
        assert_eq!(m.encode(), "event: message\ndata: {\"x\":1}\n\n");
        assert_eq!(encode_all(&[m.clone(), m]).matches("event: message").count(), 2);
    }

    #[test]
    fn legacy_notifications_are_plain() {
        assert_eq!(
            legacy_list_changed().json().unwrap(),
            json!({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})
        );
        assert_eq!(legacy_resources_list_changed().json().unwrap()["method"], "notifications/resources/list_changed");
    }

    #[test]
    fn modern_messages_carry_the_subscription_id() {
        let id = json!("sub-1");
        let filter = SubscriptionFilter { tools_list_changed: Some(true), ..Default::default() };
        let ack = modern_acknowledged(&id, &filter).json().unwrap();
        assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
        assert_eq!(ack["params"]["notifications"], json!({"toolsListChanged": true}));
        assert_eq!(ack["params"]["_meta"][SUBSCRIPTION_ID_KEY], id);
        for e in [modern_list_changed(&id), modern_resources_list_changed(&id)] {
            assert_eq!(e.json().unwrap()["params"]["_meta"][SUBSCRIPTION_ID_KEY], id);
        }
        let closed = modern_listen_closed(&json!(4)).json().unwrap();
        assert_eq!(closed["id"], 4);
        assert_eq!(closed["result"]["_meta"][SUBSCRIPTION_ID_KEY], 4);
    }
}
