//! The entry points the glue calls, the HTTP gates that come before any
//! JSON-RPC, and the non-POST methods.
//!
//! Non-POST decisions:
//! - `OPTIONS` is a CORS preflight: 204 (403 for a disallowed `Origin`).
//! - `GET`/`DELETE` exist only inside a legacy session. With
//!   `MCP-Protocol-Version: 2026-07-28`, or with neither a session id nor a
//!   version header, they are 405 (`Allow: POST, OPTIONS`): the modern
//!   era is POST-only and a header-less GET is most likely an old HTTP+SSE
//!   client probing, which 405 tells to stop. A legacy version header
//!   without a session id is 400 (legacy: requests other than initialize
//!   need the session). A session id that is malformed, forged, expired,
//!   bound to another endpoint or ended is 404 (the client re-initializes).
//! - `GET` with a live session opens the legacy listen stream
//!   ([`StreamKind::LegacyListen`]) when the client accepts
//!   `text/event-stream`, else 406. `DELETE` with a live session is 204;
//!   the glue then records the id as ended ([`session_ended_by`]).
//! - Anything else is 405 (`Allow: GET, POST, DELETE, OPTIONS`).

use serde::Serialize;
use serde_json::{json, Value};

use super::dispatch;
use super::era::{legacy_version, Era, Protocol, MODERN_VERSION, SERVER_INFO_KEY};
use super::jsonrpc::{failure, success, RequestId, RpcError, INVALID_REQUEST};
use super::session;
use super::sse::SseEvent;
use super::tools::ToolCall;
use super::transport::{accept_prefs, cors_headers, header, is_json_content_type, origin_allowed, preflight_headers};
use super::types::{Envelope, Implementation, SubscriptionFilter};
use super::view::ServerView;

/// Largest POST body accepted (413 above it).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// `ttlMs` of cacheable modern results. Zero: lists depend on the caller's
/// current role and on a draft that changes on every save, and a stale
/// list is worse than a refetch (the reference SDK's default too).
pub const CACHE_TTL_MS: u64 = 0;
/// `cacheScope`: answers depend on the caller's access.
pub const CACHE_SCOPE: &str = "private";

/// One HTTP request to an MCP endpoint.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// `"POST"`, `"GET"`, `"DELETE"`, `"OPTIONS"`, ...
    pub method: &'a str,
    /// Header names in lowercase.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The HTTP answer.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: ReplyBody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReplyBody {
    Empty,
    /// `Content-Type: application/json`.
    Json(Value),
    /// A finite SSE stream (one response event), then close.
    Sse(Vec<SseEvent>),
    /// An SSE stream the glue must hold open (headers already set).
    OpenStream(StreamKind),
}

/// A held-open stream the glue registers where changes happen.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamKind {
    /// Legacy GET stream of a session: send [`crate::mcp::legacy_list_changed`].
    LegacyListen { session_id: String },
    /// Modern `subscriptions/listen`: send `acknowledged` first, then only
    /// what `filter` honours, built with the subscription id.
    ModernListen { subscription_id: Value, acknowledged: SseEvent, filter: SubscriptionFilter },
}

/// What [`handle`] decided.
// One value per request, moved straight to the caller: not boxing the big
// variant keeps `Outcome::CallTool(call)` as simple as the brief wants.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Reply(HttpReply),
    /// Execute the tool, then call [`crate::mcp::finish_tool_call`].
    CallTool(ToolCall),
}

/// Argument validator: `(schema, instance) -> Err([(path, message)])`.
pub type Validator<'a> = &'a dyn Fn(&Value, &Value) -> Result<(), Vec<(String, String)>>;

/// What the engine needs from its environment (no I/O happens here).
pub struct EngineEnv<'a> {
    /// HMAC key for legacy session ids.
    pub session_key: &'a [u8],
    pub now_secs: u64,
    /// `ALLOWED_ORIGINS`.
    pub allowed_origins: Vec<String>,
    /// The canonical origin (`PUBLIC_URL`).
    pub public_origin: String,
    pub validate_args: Validator<'a>,
    /// Whether a legacy session id was ended by DELETE.
    pub is_session_ended: &'a dyn Fn(&str) -> bool,
}

/// How replies to one request are formatted.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ReplyCtx {
    pub(crate) protocol: Protocol,
    /// CORS headers for this request.
    pub(crate) cors: Vec<(String, String)>,
    /// Answer requests as one SSE event instead of JSON.
    pub(crate) sse: bool,
    pub(crate) server_info: Implementation,
}

fn with(mut base: Vec<(String, String)>, cors: &[(String, String)]) -> Vec<(String, String)> {
    base.extend_from_slice(cors);
    base
}

fn h(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

pub(crate) fn sse_headers(cors: &[(String, String)]) -> Vec<(String, String)> {
    let base = vec![
        h("content-type", "text/event-stream"),
        h("cache-control", "no-cache"),
        // SHOULD: keep proxies from buffering the stream.
        h("x-accel-buffering", "no"),
    ];
    with(base, cors)
}

/// A JSON body (errors and non-200 answers are always JSON).
pub(crate) fn json_reply(status: u16, cors: &[(String, String)], body: Value) -> HttpReply {
    let base = vec![h("content-type", "application/json"), h("cache-control", "no-store")];
    HttpReply { status, headers: with(base, cors), body: ReplyBody::Json(body) }
}

pub(crate) fn empty_reply(status: u16, headers: Vec<(String, String)>) -> HttpReply {
    HttpReply { status, headers, body: ReplyBody::Empty }
}

/// A JSON-RPC error at its own HTTP status.
pub(crate) fn error_reply(cors: &[(String, String)], id: Option<&RequestId>, err: &RpcError) -> HttpReply {
    json_reply(err.http_status, cors, failure(id, err))
}

/// A 200 JSON-RPC message, as JSON or one SSE event.
pub(crate) fn message_reply(ctx: &ReplyCtx, body: Value) -> HttpReply {
    if ctx.sse {
        HttpReply { status: 200, headers: sse_headers(&ctx.cors), body: ReplyBody::Sse(vec![SseEvent::message(&body)]) }
    } else {
        json_reply(200, &ctx.cors, body)
    }
}

/// A result, with the modern fields when the era is modern.
pub(crate) fn result_reply<T: Serialize>(ctx: &ReplyCtx, id: &RequestId, result: &T, cacheable: bool) -> HttpReply {
    let value = match ctx.protocol.era {
        Era::Legacy => serde_json::to_value(result).unwrap_or_default(),
        // MUST: every modern result has resultType; cacheable ones carry
        // ttlMs and cacheScope. SHOULD: serverInfo in every result's _meta.
        // A result's own `_meta` (a data tool's passed-through result) keeps
        // its keys; serverInfo is added next to them.
        Era::Modern => {
            let mut v = serde_json::to_value(Envelope {
                inner: result,
                result_type: Some("complete"),
                ttl_ms: cacheable.then_some(CACHE_TTL_MS),
                cache_scope: cacheable.then_some(CACHE_SCOPE),
                meta: None,
            })
            .unwrap_or_default();
            if let Some(obj) = v.as_object_mut() {
                let meta = obj.entry("_meta").or_insert_with(|| json!({}));
                if let Some(m) = meta.as_object_mut() {
                    m.insert(SERVER_INFO_KEY.to_string(), json!(ctx.server_info));
                }
            }
            v
        }
    };
    message_reply(ctx, success(id, value))
}

/// In-band errors follow the reply format; others are JSON at their status.
pub(crate) fn rpc_error_reply(ctx: &ReplyCtx, id: &RequestId, err: &RpcError) -> HttpReply {
    if err.http_status == 200 {
        message_reply(ctx, failure(Some(id), err))
    } else {
        error_reply(&ctx.cors, Some(id), err)
    }
}

/// The value of `Mcp-Session-Id`, if any.
pub fn session_id_of(req: &HttpRequest) -> Option<String> {
    header(req.headers, "mcp-session-id").filter(|s| !s.is_empty()).map(str::to_string)
}

/// The session a successful DELETE ended: record it so
/// `EngineEnv::is_session_ended` answers `true` from now on.
pub fn session_ended_by(req: &HttpRequest, reply: &HttpReply) -> Option<String> {
    (req.method.eq_ignore_ascii_case("DELETE") && reply.status == 204).then(|| session_id_of(req)).flatten()
}

/// The answers that need no authentication, for the glue to send *before*
/// checking the bearer token (DESIGN: reject early): a disallowed `Origin`
/// (403), a CORS preflight (204; browsers send preflights without
/// credentials), and for POST an oversized body (413) or a wrong
/// `Content-Type` (415). `None`: go on to authentication, then [`handle`]
/// (which repeats these checks, so calling this is optional).
/// The 413 for a POST body over [`MAX_BODY_BYTES`], for glue that stops
/// reading at the limit (after [`early_reply`] passed the Origin check).
pub fn payload_too_large(headers: &[(String, String)]) -> HttpReply {
    let cors = cors_headers(header(headers, "origin"), true);
    error_reply(&cors, None, &RpcError::new(413, INVALID_REQUEST, "Payload Too Large: the body exceeds 1 MiB"))
}

pub fn early_reply(req: &HttpRequest, public_origin: &str, allowed_origins: &[String]) -> Option<HttpReply> {
    let origin = header(req.headers, "origin");
    // MUST (DNS rebinding): a present, disallowed Origin is 403.
    if let Some(o) = origin {
        if !origin_allowed(o, public_origin, allowed_origins) {
            let err = RpcError::new(403, INVALID_REQUEST, format!("Forbidden: Origin {o} is not allowed"));
            return Some(error_reply(&cors_headers(Some(o), false), None, &err));
        }
    }
    let method = req.method.to_ascii_uppercase();
    if method == "OPTIONS" {
        let requested = header(req.headers, "access-control-request-headers");
        let mut headers = preflight_headers(origin, requested);
        headers.push(h("allow", "GET, POST, DELETE, OPTIONS"));
        return Some(empty_reply(204, headers));
    }
    if method == "POST" {
        let cors = cors_headers(origin, true);
        let gate = |status, msg: &str| error_reply(&cors, None, &RpcError::new(status, INVALID_REQUEST, msg));
        if req.body.len() > MAX_BODY_BYTES {
            return Some(gate(413, "Payload Too Large: the body exceeds 1 MiB"));
        }
        // MUST: the body is application/json.
        if !is_json_content_type(header(req.headers, "content-type")) {
            return Some(gate(415, "Unsupported Media Type: Content-Type must be application/json"));
        }
    }
    None
}

/// The single entry point: one HTTP request in, a reply or a tool to run out.
pub fn handle(req: &HttpRequest, view: &ServerView, env: &EngineEnv) -> Outcome {
    if let Some(reply) = early_reply(req, &env.public_origin, &env.allowed_origins) {
        return Outcome::Reply(reply);
    }
    let cors = cors_headers(header(req.headers, "origin"), true);
    let reply = match req.method.to_ascii_uppercase().as_str() {
        "POST" => return dispatch::post(req, view, env, cors),
        "GET" | "DELETE" => get_or_delete(req, view, env, &cors),
        _ => method_not_allowed(&cors, "GET, POST, DELETE, OPTIONS"),
    };
    Outcome::Reply(reply)
}

fn method_not_allowed(cors: &[(String, String)], allow: &str) -> HttpReply {
    let err = RpcError::new(405, INVALID_REQUEST, "Method not allowed");
    let mut r = error_reply(cors, None, &err);
    r.headers.push(h("allow", allow));
    r
}

fn get_or_delete(req: &HttpRequest, view: &ServerView, env: &EngineEnv, cors: &[(String, String)]) -> HttpReply {
    let version = header(req.headers, "mcp-protocol-version");
    // SHOULD (2026-07-28 backward compatibility): GET/DELETE -> 405,
    // ignoring Mcp-Session-Id and Last-Event-ID.
    if version == Some(MODERN_VERSION) {
        return method_not_allowed(cors, "POST, OPTIONS");
    }
    let Some(sid) = session_id_of(req) else {
        return match version {
            None => method_not_allowed(cors, "POST, OPTIONS"),
            // SHOULD (2025-11-25): no session id (other than initialize) -> 400.
            Some(_) => error_reply(cors, None, &missing_session()),
        };
    };
    if let Err(err) = check_session(env, view, &sid) {
        return error_reply(cors, None, &err);
    }
    // MUST (2025-11-25): an unsupported version header -> 400.
    if let Some(v) = version.filter(|v| legacy_version(v).is_none()) {
        let all = super::era::all_versions();
        return error_reply(cors, None, &super::era::unsupported_version(v, &all));
    }
    if req.method.eq_ignore_ascii_case("DELETE") {
        return empty_reply(204, cors.to_vec());
    }
    // MUST (2025-11-25 GET): the client accepts text/event-stream.
    if !accept_prefs(header(req.headers, "accept")).accepts_sse() {
        let err = RpcError::new(406, INVALID_REQUEST, "Not Acceptable: GET opens a text/event-stream");
        return error_reply(cors, None, &err);
    }
    HttpReply {
        status: 200,
        headers: sse_headers(cors),
        body: ReplyBody::OpenStream(StreamKind::LegacyListen { session_id: sid }),
    }
}

pub(crate) fn missing_session() -> RpcError {
    RpcError::new(400, INVALID_REQUEST, "Bad Request: Mcp-Session-Id header is required; send initialize first")
}

/// MUST (2025-11-25): an unknown or ended session -> 404.
pub(crate) fn check_session(env: &EngineEnv, view: &ServerView, sid: &str) -> Result<(), RpcError> {
    let live =
        session::verify(env.session_key, &view.endpoint_url, env.now_secs, sid).is_ok() && !(env.is_session_ended)(sid);
    if live {
        Ok(())
    } else {
        Err(RpcError::new(
            404,
            INVALID_REQUEST,
            "Session not found: it ended or belongs to another endpoint; send a new initialize",
        ))
    }
}
