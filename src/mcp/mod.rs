//! The MCP protocol engine, both eras (2026-07-28 stateless and the
//! 2025-11-25 / 2025-06-18 / 2025-03-26 legacy family) on one endpoint.
//!
//! Pure: no `worker`, no I/O, no clock or randomness of its own except the
//! session nonce (`crate::crypto::random_bytes`). The wasm32 glue calls:
//!
//! 0. [`early_reply`] before authenticating: 403 for a disallowed
//!    `Origin`, 204 for a CORS preflight, 413 / 415 for a bad POST body.
//! 1. [`handle`]`(&HttpRequest, &ServerView, &EngineEnv) -> Outcome` for
//!    every request to `/<org>/<project>[/draft]` that passed
//!    authentication. `Outcome::Reply` is sent as is (`ReplyBody::OpenStream`
//!    means: keep an SSE stream open in the project's Durable Object).
//! 2. For `Outcome::CallTool(call)`: run the tool — [`interactive_result`],
//!    or a data tool through `crate::tools` (whose answer maps to a
//!    [`ToolResult`], a full MCP result's blocks and `_meta` included) —
//!    optionally [`conform_output`], then [`finish_tool_call`]`(call, result)`.
//! 3. After a DELETE, [`session_ended_by`] names the legacy session to
//!    record as ended (store its hash; answer `is_session_ended` from it).
//! 4. On a change, push [`legacy_list_changed`] to legacy GET streams and
//!    [`modern_list_changed`]`(subscription_id)` to modern listen streams
//!    whose filter asked for tools, plus [`KEEP_ALIVE`] comments.
//! 5. [`cors_headers`] for replies the glue makes itself (401, 413).
//!
//! Why the split into files: each file is one concern of the spec, so "where
//! is X decided" is answered by the file name — `jsonrpc` (framing, error
//! object), `era` (which revision a message speaks), `headers` (SEP-2243
//! header/body checks), `transport` (Accept, Content-Type, Origin, CORS),
//! `session` (legacy signed session ids), `dispatch` (POST order of checks
//! and methods), `engine` (entry points, GET/DELETE/OPTIONS), `tools`,
//! `resources`, `sse`, `types` (serde wire types), `view` (what the project
//! gives us). Every decision the specs leave open is written in the doc of
//! the file that makes it.

pub mod dispatch;
pub mod engine;
pub mod era;
pub mod headers;
pub mod jsonrpc;
pub mod resources;
pub mod session;
pub mod sse;
pub mod tools;
pub mod transport;
pub mod types;
pub mod view;

#[cfg(test)]
pub(crate) mod tests;

pub use engine::{
    early_reply, handle, payload_too_large, session_ended_by, session_id_of, EngineEnv, HttpReply, HttpRequest,
    Outcome, ReplyBody, StreamKind, Validator, MAX_BODY_BYTES,
};
pub use era::{Era, LEGACY_VERSIONS, MODERN_VERSION};
pub use jsonrpc::RpcError;
pub use session::SESSION_MAX_AGE_SECS;
pub use sse::{
    encode_all, legacy_list_changed, legacy_resources_list_changed, modern_list_changed, modern_listen_closed,
    modern_resources_list_changed, SseEvent, KEEP_ALIVE,
};
pub use tools::{conform_output, finish_tool_call, interactive_result, ToolCall, ToolResult};
pub use transport::cors_headers;
pub use view::{ServerView, ToolKind, ToolSpec, UiResource};
