//! Open SSE streams of one project hub, by channel (`draft`, `production`).
//! A stream is an unbounded channel whose receiver is the response body; the
//! hub pushes `notifications/tools/list_changed` when the channel's tools
//! change, and `:` keep-alive comments from an alarm. A send that fails means
//! the client went away, and the listener is dropped.
//!
//! Legacy listeners (GET SSE) get the plain notification; modern ones
//! (`subscriptions/listen`) get it tagged with their subscription id.

use futures_channel::mpsc::{unbounded, UnboundedSender};
use serde_json::{json, Value};
use std::cell::RefCell;
use worker::{Response, Result};

pub const KEEPALIVE_MS: i64 = 15_000;

struct Listener {
    channel: String,
    /// `Null` for a legacy stream; the listen request's id for a modern one.
    subscription: Value,
    tx: UnboundedSender<std::result::Result<Vec<u8>, worker::Error>>,
}

#[derive(Default)]
pub struct Listeners {
    open: RefCell<Vec<Listener>>,
}

/// One SSE event carrying a JSON-RPC message.
pub fn sse_message(message: &Value) -> Vec<u8> {
    format!("event: message\ndata: {message}\n\n").into_bytes()
}

pub fn list_changed(subscription: &Value) -> Value {
    if subscription.is_null() {
        json!({ "jsonrpc": "2.0", "method": "notifications/tools/list_changed" })
    } else {
        json!({
            "jsonrpc": "2.0",
            "method": "notifications/tools/list_changed",
            "params": { "_meta": { "io.modelcontextprotocol/subscriptionId": subscription } }
        })
    }
}

impl Listeners {
    /// Opens a stream; `first` are complete SSE events sent before anything else
    /// (the modern acknowledgement).
    pub fn open(&self, channel: &str, subscription: Value, first: Vec<String>) -> Result<Response> {
        let (tx, rx) = unbounded();
        for event in first {
            let _ = tx.unbounded_send(Ok(event.into_bytes()));
        }
        self.open.borrow_mut().push(Listener { channel: channel.to_string(), subscription, tx });
        let resp = Response::from_stream(rx)?;
        let headers = resp.headers();
        headers.set("Content-Type", "text/event-stream")?;
        headers.set("Cache-Control", "no-cache, no-store")?;
        Ok(resp)
    }

    /// Tells every listener of `channel` that its tool list changed.
    pub async fn notify(&self, channel: &str) {
        self.open.borrow_mut().retain(|l| {
            if l.channel != channel {
                return !l.tx.is_closed();
            }
            l.tx.unbounded_send(Ok(sse_message(&list_changed(&l.subscription)))).is_ok()
        });
    }

    /// Ends every stream of `channel` (e.g. production went private: clients
    /// must reconnect through the access check).
    pub fn close_channel(&self, channel: &str) {
        self.open.borrow_mut().retain(|l| {
            if l.channel == channel {
                l.tx.close_channel();
                false
            } else {
                true
            }
        });
    }

    /// Sends a keep-alive comment to every stream; returns how many remain open.
    pub async fn keepalive(&self) -> usize {
        let mut open = self.open.borrow_mut();
        open.retain(|l| l.tx.unbounded_send(Ok(b": keep-alive\n\n".to_vec())).is_ok());
        open.len()
    }
}
