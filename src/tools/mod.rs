//! Data tools: the run path both data kinds share (`http`: a signed POST to
//! the org's backend; `code`: a handler in a Dynamic Worker Loader sandbox).
//!
//! Why this shape: the engine (`crate::mcp`) stops at a validated
//! `ToolCall`; the endpoint glue then asks the dispatch
//! (`dispatch::run_tool`, wasm32) to run it. Everything a kind needs for one
//! invocation is gathered *once* into a [`DataCall`] (the caller, the
//! project's secrets for this channel, the org allowlist, the dev flag), so a
//! kind never reaches back into the request, D1 or the hub on its own, and
//! the pure parts can be tested natively:
//! - [`result`] (pure): how an answer becomes an MCP result, every
//!   [`result::Failure`] with the words the caller sees and its audit code;
//! - [`signature`] (pure): the body envelope and `Dockyard-Signature`;
//! - [`limits`] (pure): the per-project rate window;
//! - `dispatch` (wasm32): interactive as before, `http` -> `http::run`,
//!   `code` -> `code::run` (datacode's sandbox);
//! - `http` (wasm32): the `http` kind over `crate::outbound::fetch`.
//! - `code` (wasm32), `code_plan` (pure), `code_gateway` (wasm32): the `code`
//!   kind, a handler in a Dynamic Worker Loader isolate (see `code_plan`).
//!
//! Interactive calls and `tools/list` never build a `DataCall`: they pay no
//! extra hop and never count against the rate window.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

pub use crate::oauth::grants::Channel;

pub mod code_plan;
pub mod limits;
pub mod result;
pub mod secrets;
pub mod signature;

#[cfg(target_arch = "wasm32")]
pub mod code;
#[cfg(target_arch = "wasm32")]
pub mod code_gateway;
#[cfg(target_arch = "wasm32")]
pub mod dispatch;
#[cfg(target_arch = "wasm32")]
pub mod http;

#[cfg(target_arch = "wasm32")]
pub use dispatch::run_tool;

/// Who is calling, as the backend (the envelope's `caller`) and a handler
/// (`env.caller`) see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caller {
    pub org: String,
    pub project: String,
    pub channel: Channel,
    /// The member behind the token; `None` on a public production endpoint
    /// called without one.
    pub user_id: Option<String>,
    /// The OAuth client; `None` without a token.
    pub client_id: Option<String>,
}

/// Everything one data-tool invocation needs, gathered before it runs.
#[derive(Debug, Clone)]
pub struct DataCall {
    /// The tool (Type) name.
    pub tool: String,
    /// Validated against the Type's input schema; always an object.
    pub arguments: Value,
    pub caller: Caller,
    /// The request id (`req_<32 hex>`), sent as `Dockyard-Request-Id`.
    pub request_id: String,
    /// Plaintext of the project secrets the Type names that have a value in
    /// this channel (absent = missing there).
    pub secrets: BTreeMap<String, String>,
    /// The org's upstream allowlist; `None` = no org allowlist.
    pub upstream_hosts: Option<Vec<String>>,
    /// `ALLOW_LOOPBACK_UPSTREAMS` (dev and tests only).
    pub allow_loopback: bool,
}
