//! Open SSE streams of one project hub, by channel (`draft`, `production`).
//! A stream is an unbounded channel whose receiver is the response body; the
//! hub pushes `notifications/tools/list_changed` when the channel's tools
//! change, and `:` keep-alive comments from an alarm. A send that fails means
//! the client went away, and the listener is dropped.
//!
//! Legacy listeners (GET SSE) get the plain notification; modern ones
//! (`subscriptions/listen`) get it tagged with their subscription id.

use crate::mcp;
use futures_channel::mpsc::{unbounded, UnboundedSender};
use serde_json::Value;
use std::cell::RefCell;
use worker::{Response, Result};

pub const KEEPALIVE_MS: i64 = 15_000;

struct Listener {
    channel: String,
    /// `Null` for a legacy stream; the listen request's id for a modern one.
    subscription: Value,
    /// What the listener asked to hear about.
    tools: bool,
    resources: bool,
    tx: UnboundedSender<std::result::Result<Vec<u8>, worker::Error>>,
}

/// How a stream was opened (the `/listen` command).
pub struct ListenSpec {
    pub channel: String,
    pub subscription: Value,
    pub tools: bool,
    pub resources: bool,
    /// Complete SSE events to send first (the modern acknowledgement).
    pub first: Vec<String>,
    /// Response headers decided by the engine (CORS).
    pub headers: Vec<(String, String)>,
}

#[derive(Default)]
pub struct Listeners {
    open: RefCell<Vec<Listener>>,
}

/// The change events a listener gets when its channel's tools change (the UI
/// resources of interactive Types change with them).
fn change_events(l: &Listener) -> Vec<u8> {
    let mut events = Vec::new();
    let legacy = l.subscription.is_null();
    if l.tools {
        events.push(if legacy { mcp::legacy_list_changed() } else { mcp::modern_list_changed(&l.subscription) });
    }
    if l.resources {
        events.push(if legacy {
            mcp::legacy_resources_list_changed()
        } else {
            mcp::modern_resources_list_changed(&l.subscription)
        });
    }
    mcp::encode_all(&events).into_bytes()
}

impl Listeners {
    /// Opens a stream; `first` are complete SSE events sent before anything else
    /// (the modern acknowledgement).
    pub fn open(&self, spec: ListenSpec) -> Result<Response> {
        let (tx, rx) = unbounded();
        for event in spec.first {
            let _ = tx.unbounded_send(Ok(event.into_bytes()));
        }
        self.open.borrow_mut().push(Listener {
            channel: spec.channel,
            subscription: spec.subscription,
            tools: spec.tools,
            resources: spec.resources,
            tx,
        });
        let resp = Response::from_stream(rx)?;
        let headers = resp.headers();
        for (k, v) in &spec.headers {
            headers.set(k, v)?;
        }
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
            l.tx.unbounded_send(Ok(change_events(l))).is_ok()
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
        open.retain(|l| l.tx.unbounded_send(Ok(mcp::KEEP_ALIVE.as_bytes().to_vec())).is_ok());
        open.len()
    }
}
