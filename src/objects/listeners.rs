//! Open SSE streams of one project hub, by channel (`draft`, `production`).
//! A stream is an unbounded channel whose receiver is the response body; the
//! hub pushes `notifications/tools/list_changed` when the channel's tools
//! change, and `:` keep-alive comments from an alarm. A send that fails means
//! the client went away, and the listener is dropped.
//!
//! Legacy listeners (GET SSE) get the plain notification; modern ones
//! (`subscriptions/listen`) get it tagged with their subscription id.
//!
//! A stream remembers the grant it was opened with (`None`: an anonymous
//! caller of a public project), because its access was checked only when it
//! opened:
//! - when a grant is revoked (one revocation, a member's removal, a replayed
//!   code, a reused refresh token), the hub ends that grant's streams
//!   ([`Listeners::close_grants`]); the client reconnects through the access
//!   check and gets its 401;
//! - a grant holds at most [`MAX_STREAMS_PER_GRANT`] streams. Decision: a new
//!   stream over the cap ends the grant's *oldest* one instead of being
//!   refused, because the common case is a host reconnecting after its old
//!   connection died, which the hub only notices at the next keep-alive; a
//!   refusal would lock such a host out for up to 15 s, while ending the
//!   oldest still bounds what one token can hold open.

use crate::mcp;
use futures_channel::mpsc::{unbounded, UnboundedSender};
use serde_json::Value;
use std::cell::RefCell;
use worker::{Response, Result};

pub const KEEPALIVE_MS: i64 = 15_000;
/// Open streams one grant may hold; one more ends the oldest.
pub const MAX_STREAMS_PER_GRANT: usize = 8;

struct Listener {
    channel: String,
    /// The grant the stream was opened with; `None` for an anonymous caller.
    grant_id: Option<String>,
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
    pub grant_id: Option<String>,
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
        let mut open = self.open.borrow_mut();
        open.retain(|l| !l.tx.is_closed());
        if let Some(grant) = &spec.grant_id {
            let held = open.iter().filter(|l| l.grant_id.as_ref() == Some(grant)).count();
            if held >= MAX_STREAMS_PER_GRANT {
                // The oldest first: streams are kept in the order they opened.
                let mut excess = held + 1 - MAX_STREAMS_PER_GRANT;
                open.retain(|l| {
                    if excess > 0 && l.grant_id.as_ref() == Some(grant) {
                        excess -= 1;
                        l.tx.close_channel();
                        false
                    } else {
                        true
                    }
                });
            }
        }
        open.push(Listener {
            channel: spec.channel,
            grant_id: spec.grant_id,
            subscription: spec.subscription,
            tools: spec.tools,
            resources: spec.resources,
            tx,
        });
        drop(open);
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

    /// Ends every stream opened with one of these grants (they were revoked).
    pub fn close_grants(&self, grant_ids: &[String]) {
        if grant_ids.is_empty() {
            return;
        }
        self.open.borrow_mut().retain(|l| {
            let revoked = l.grant_id.as_ref().is_some_and(|g| grant_ids.contains(g));
            if revoked {
                l.tx.close_channel();
            }
            !revoked
        });
    }

    /// Sends a keep-alive comment to every stream; returns how many remain open.
    pub async fn keepalive(&self) -> usize {
        let mut open = self.open.borrow_mut();
        open.retain(|l| l.tx.unbounded_send(Ok(mcp::KEEP_ALIVE.as_bytes().to_vec())).is_ok());
        open.len()
    }
}
