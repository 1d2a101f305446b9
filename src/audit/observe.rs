//! From one MCP request and its answer to the facts of its audit record.
//!
//! Why from the bytes on the wire and not from inside the engine: the engine
//! stays a pure protocol machine that knows nothing about auditing, and the
//! record describes exactly what the client sent and saw. The glue adds what
//! only it knows (who the caller is, that a tool ran, why a token was
//! refused) as a `hint`; everything else is read here:
//!
//! - [`request_facts`]: the method (the JSON-RPC method, or the HTTP method
//!   for non-POST requests and bodies that are not a JSON-RPC message), the
//!   tool and its arguments, the era and protocol version (the engine's own
//!   `era::classify`), and the host (`_meta` `clientInfo` in the modern era;
//!   `initialize` `params.clientInfo` or the signed session id in the legacy
//!   era — an unverifiable session id gives no host);
//! - [`reply_facts`]: `status` and `error_code` from the HTTP status, the
//!   JSON-RPC error code and `isError`, and the `result` (the JSON-RPC
//!   `result`, or `error`, member) whose hash and size are recorded.
//!
//! The unit tests run the real engine and feed its replies through here, so
//! a change in the engine's answers that would mislabel records fails them.

use serde_json::{Map, Value};

use crate::mcp::era::{self, classify, legacy_version, Era, CLIENT_INFO_KEY, LEGACY_VERSIONS, MODERN_VERSION};
use crate::mcp::jsonrpc::{self, parse_message};
use crate::mcp::session::{self, HostInfo};
use crate::mcp::transport::header;
use crate::mcp::HttpRequest;

use super::record::ErrorCode;
use crate::oauth::grants::Denied;
use crate::oauth::tokens::TokenError;

/// Longest tool name / method kept (longer ones are cut).
const MAX_NAME: usize = 128;

/// What the request says about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFacts {
    pub method: String,
    pub tool: Option<String>,
    pub era: Option<Era>,
    pub protocol_version: Option<String>,
    pub host: Option<HostInfo>,
    /// `params.arguments` of a `tools/call`.
    pub arguments: Option<Value>,
}

/// How to check a legacy session id (to read the host it carries).
pub struct SessionCheck<'a> {
    pub key: &'a [u8],
    pub endpoint_url: &'a str,
    pub now_secs: u64,
}

fn cut(s: &str) -> String {
    s.chars().take(MAX_NAME).collect()
}

fn era_of_header(headers: &[(String, String)]) -> (Option<Era>, Option<String>) {
    match header(headers, "mcp-protocol-version") {
        Some(MODERN_VERSION) => (Some(Era::Modern), Some(MODERN_VERSION.into())),
        Some(v) => match legacy_version(v) {
            Some(l) => (Some(Era::Legacy), Some(l.into())),
            None => (None, None),
        },
        None if header(headers, "mcp-session-id").is_some() => (Some(Era::Legacy), None),
        None => (None, None),
    }
}

fn session_host(req: &HttpRequest, check: &SessionCheck) -> Option<HostInfo> {
    let sid = header(req.headers, "mcp-session-id")?;
    session::verify(check.key, check.endpoint_url, check.now_secs, sid).ok()?.host
}

/// The facts of a request (never fails: a garbage body is still a request).
pub fn request_facts(req: &HttpRequest, check: &SessionCheck) -> RequestFacts {
    let http_method = req.method.to_ascii_uppercase();
    let (header_era, header_version) = era_of_header(req.headers);
    let fallback = RequestFacts {
        method: cut(&http_method),
        era: header_era,
        protocol_version: header_version.clone(),
        host: if header_era == Some(Era::Legacy) { session_host(req, check) } else { None },
        ..Default::default()
    };
    if http_method != "POST" {
        return fallback;
    }
    let Ok(msg) = parse_message(req.body) else { return fallback };
    let Some(method) = msg.method() else { return fallback };
    let params = msg.params();
    let mut facts = RequestFacts { method: cut(method), ..fallback };
    match classify(req.headers, &msg) {
        Ok(p) => {
            facts.era = Some(p.era);
            facts.protocol_version = Some(p.version.to_string());
        }
        // A claim the engine refused: say which era it claimed, not which
        // version (the version is what was wrong).
        Err(_) => {
            let claimed = era::meta_of(params).is_some_and(|m| m.contains_key(era::PROTOCOL_VERSION_KEY));
            facts.era = if claimed { Some(Era::Modern) } else { header_era };
            facts.protocol_version = None;
        }
    }
    if method == "tools/call" {
        facts.tool = params.and_then(|p| p.get("name")).and_then(Value::as_str).map(cut);
        facts.arguments = params.and_then(|p| p.get("arguments")).cloned();
    }
    facts.host = match facts.era {
        Some(Era::Modern) => {
            era::meta_of(params).and_then(|m| m.get(CLIENT_INFO_KEY)).and_then(HostInfo::from_client_info)
        }
        Some(Era::Legacy) if method == "initialize" => initialize_host(params),
        Some(Era::Legacy) => session_host(req, check),
        None => None,
    };
    if method == "initialize" && facts.era == Some(Era::Legacy) {
        // The version the server answers with (echo if supported, else newest).
        let asked = params.and_then(|p| p.get("protocolVersion")).and_then(Value::as_str).unwrap_or("");
        facts.protocol_version = Some(legacy_version(asked).unwrap_or(LEGACY_VERSIONS[0]).to_string());
    }
    facts
}

fn initialize_host(params: Option<&Map<String, Value>>) -> Option<HostInfo> {
    HostInfo::from_client_info(params?.get("clientInfo")?)
}

/// What the answer says.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyFacts {
    pub error_code: Option<ErrorCode>,
    /// The JSON-RPC `result` (or `error`) member, when the answer is one.
    pub result: Option<Value>,
}

/// What the glue knows that the bytes do not say.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Hint {
    /// The reason the glue refused (a token check, a hidden tool, ...) or a
    /// more precise tool outcome (output-schema mismatch, ...).
    pub code: Option<ErrorCode>,
    /// The tool was executed (its `isError` is a tool error, not bad arguments).
    pub tool_ran: bool,
}

/// The JSON-RPC message in a body (JSON, or the first SSE `data:` event).
fn message_of(content_type: &str, body: &[u8]) -> Option<Value> {
    let text = std::str::from_utf8(body).ok()?;
    if content_type.contains("text/event-stream") {
        let event = text.split("\n\n").find(|e| e.lines().any(|l| l.starts_with("data:")))?;
        let data: Vec<&str> =
            event.lines().filter_map(|l| l.strip_prefix("data:")).map(|l| l.strip_prefix(' ').unwrap_or(l)).collect();
        return serde_json::from_str(&data.join("\n")).ok();
    }
    if text.is_empty() {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// The record's outcome: `None` means `ok`.
pub fn reply_facts(http_status: u16, content_type: &str, body: &[u8], req: &RequestFacts, hint: Hint) -> ReplyFacts {
    let msg = message_of(content_type, body).filter(|m| m.get("jsonrpc").is_some());
    let result = msg.as_ref().and_then(|m| m.get("result").or_else(|| m.get("error"))).cloned();
    let error_code = hint.code.or_else(|| classify_reply(http_status, msg.as_ref(), req, hint.tool_ran));
    ReplyFacts { error_code, result }
}

fn classify_reply(http_status: u16, msg: Option<&Value>, req: &RequestFacts, tool_ran: bool) -> Option<ErrorCode> {
    let error = msg.and_then(|m| m.get("error"));
    let code = error.and_then(|e| e["code"].as_i64());
    let message = error.and_then(|e| e["message"].as_str()).unwrap_or("");
    match http_status {
        503 => return Some(ErrorCode::Unavailable),
        500..=599 => return Some(ErrorCode::Internal),
        429 => return Some(ErrorCode::RateLimited),
        401 => return Some(ErrorCode::TokenMissing),
        403 if code == Some(jsonrpc::INVALID_REQUEST) => return Some(ErrorCode::OriginRefused),
        403 => return Some(ErrorCode::InsufficientScope),
        405 => return Some(ErrorCode::MethodNotAllowed),
        406 => return Some(ErrorCode::NotAcceptable),
        413 => return Some(ErrorCode::PayloadTooLarge),
        415 => return Some(ErrorCode::UnsupportedMediaType),
        _ => {}
    }
    if let Some(code) = code {
        return Some(match code {
            jsonrpc::PARSE_ERROR => ErrorCode::ParseError,
            jsonrpc::METHOD_NOT_FOUND => ErrorCode::MethodNotFound,
            jsonrpc::HEADER_MISMATCH => ErrorCode::HeaderMismatch,
            jsonrpc::UNSUPPORTED_PROTOCOL_VERSION => ErrorCode::UnsupportedProtocolVersion,
            jsonrpc::RESOURCE_NOT_FOUND_LEGACY => ErrorCode::ResourceNotFound,
            jsonrpc::INVALID_PARAMS if req.method == "tools/call" && message.starts_with("Unknown tool") => {
                ErrorCode::UnknownTool
            }
            jsonrpc::INVALID_PARAMS if req.method == "resources/read" && message.starts_with("Resource not found") => {
                ErrorCode::ResourceNotFound
            }
            jsonrpc::INVALID_PARAMS => ErrorCode::InvalidParams,
            jsonrpc::INVALID_REQUEST if http_status == 404 => ErrorCode::SessionNotFound,
            jsonrpc::INVALID_REQUEST if message.contains("Mcp-Session-Id header is required") => {
                ErrorCode::SessionRequired
            }
            _ => ErrorCode::InvalidRequest,
        });
    }
    let is_error = msg.and_then(|m| m["result"]["isError"].as_bool()) == Some(true);
    if is_error && req.method == "tools/call" {
        return Some(if tool_ran { ErrorCode::ToolFailed } else { ErrorCode::InvalidArguments });
    }
    if (400..500).contains(&http_status) {
        return Some(ErrorCode::InvalidRequest);
    }
    None
}

/// The code of a presented access token that failed verification.
pub fn token_refusal(e: &TokenError) -> ErrorCode {
    match e {
        TokenError::Expired { .. } | TokenError::NotYetValid { .. } => ErrorCode::TokenExpired,
        TokenError::WrongAudience(_) => ErrorCode::TokenWrongAudience,
        _ => ErrorCode::TokenInvalid,
    }
}

/// The code of the hub's refusal of a grant, from its `reason` (the
/// `Display` of `oauth::grants::Denied`, which is what crosses the hop).
pub fn grant_refusal(reason: &str) -> ErrorCode {
    let is = |d: Denied| reason == d.to_string();
    if is(Denied::Revoked) {
        ErrorCode::GrantRevoked
    } else if is(Denied::ResourceMismatch) {
        ErrorCode::GrantWrongEndpoint
    } else if is(Denied::NotAMember) {
        ErrorCode::NotAMember
    } else if reason.starts_with("the member's role lacks") {
        ErrorCode::ChannelNotAllowed
    } else {
        ErrorCode::GrantUnknown
    }
}

#[cfg(test)]
#[path = "observe_tests.rs"]
mod tests;
