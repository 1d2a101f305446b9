//! How a data tool's answer becomes an MCP result, and every way a data tool
//! fails (pure).
//!
//! Both kinds end here: the `http` kind with the backend's decoded body, the
//! `code` kind with the handler's resolved value. The rules (issue 12):
//! - a JSON object answer becomes `structuredContent` (checked against the
//!   Type's `output_schema` when it has one) plus a text block with the same
//!   JSON;
//! - a *full MCP result* — an object whose `content` is an array and whose
//!   other keys are only `structuredContent`, `isError` and `_meta` — is
//!   checked block by block and passed through as it came;
//! - anything else, and every failure on the way, is a [`Failure`]: an
//!   `isError` result whose text names the failure (never upstream bodies or
//!   runtime error text), with the audit [`ErrorCode`] of the record. The
//!   MCP layer never sees a 5xx from a data tool.

use serde_json::{Map, Value};

use crate::audit::ErrorCode;
use crate::mcp::{ToolResult, ToolSpec, Validator};

/// The keys a full MCP result may have besides `content`.
const RESULT_KEYS: [&str; 3] = ["structuredContent", "isError", "_meta"];

/// Which kind failed: the same failure is the backend's fault for `http`
/// (`upstream_error`) and the handler's for `code` (`tool_error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    Http,
    Code,
}

/// Every way a data-tool call fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No complete answer within the Type's `timeout_ms`.
    Timeout { limit_ms: u64 },
    /// The backend answered a non-2xx status.
    Status { status: u16 },
    /// The body is not JSON.
    InvalidJson,
    /// The answer passed the size cap (decompressed bytes).
    TooLarge { limit_bytes: usize },
    /// JSON, but not an object.
    NotAnObject,
    /// A full MCP result whose shape is wrong (the text says where).
    BadMcpResult(String),
    /// `structuredContent` does not match the Type's `output_schema`.
    OutputSchema(Vec<(String, String)>),
    /// The Type names a secret without a value in this channel.
    SecretMissing { name: String, channel: &'static str },
    /// The project's data-tool rate window is full.
    RateLimited { limit_per_minute: u32, retry_after_secs: u64 },
    /// The URL (or a redirect target) is refused by the SSRF guard or the
    /// org allowlist; the text is the guard's public reason.
    Refused(String),
    /// The connection failed, too many redirects, a bad redirect, ...: the
    /// outbound module's public reason (fixed words).
    Unreachable(String),
    /// The handler threw (its message, bounded).
    HandlerThrew(String),
    /// The handler did not resolve within `timeout_ms`.
    HandlerTimeout { limit_ms: u64 },
    /// This kind cannot run here (e.g. the code runtime is not in this build).
    Unavailable(String),
    /// Our side failed before the tool ran (a hub hop); logged, fixed words.
    Internal,
}

/// A thrown message or a bad-result detail is cut to this many characters.
pub const MAX_DETAIL_CHARS: usize = 500;

impl Failure {
    /// The `isError` text: names the tool and the failure.
    pub fn message(&self, tool: &str) -> String {
        let why = match self {
            Failure::Timeout { limit_ms } => {
                format!("its backend did not answer within the tool's timeout of {limit_ms} ms")
            }
            Failure::Status { status } => format!("its backend answered HTTP {status}"),
            Failure::InvalidJson => "its backend's answer is not valid JSON".into(),
            Failure::TooLarge { limit_bytes } => {
                format!("the answer is too large (more than {limit_bytes} bytes after decompression)")
            }
            Failure::NotAnObject => "the answer is not a JSON object".into(),
            Failure::BadMcpResult(detail) => format!("the answer is not a valid MCP tool result: {detail}"),
            Failure::OutputSchema(errors) => {
                let mut text = "its output does not match its outputSchema:".to_string();
                for (path, msg) in errors {
                    let path = if path.is_empty() { "(root)" } else { path };
                    text.push_str(&format!("\n- {path}: {msg}"));
                }
                text
            }
            Failure::SecretMissing { name, channel } => {
                format!("the project secret \"{name}\" has no value in {channel}; set it under the project's secrets")
            }
            Failure::RateLimited { limit_per_minute, retry_after_secs } => format!(
                "the project's data tool rate limit of {limit_per_minute} calls per minute is reached; \
                 retry after {retry_after_secs} seconds"
            ),
            Failure::Refused(reason) => format!("the call was refused: {reason}"),
            Failure::Unreachable(reason) => format!("its backend could not be reached: {reason}"),
            Failure::HandlerThrew(msg) => format!("its handler threw an error: {}", bounded(msg)),
            Failure::HandlerTimeout { limit_ms } => {
                format!("its handler did not finish within the tool's timeout of {limit_ms} ms")
            }
            Failure::Unavailable(why) => why.clone(),
            Failure::Internal => "Dockyard could not run it (an internal error, logged); try again".into(),
        };
        format!("The tool \"{tool}\" failed: {why}. Nothing was returned.")
    }

    /// The audit code of the record.
    pub fn error_code(&self, kind: DataKind) -> ErrorCode {
        let backend = kind == DataKind::Http;
        match self {
            Failure::Timeout { .. } => ErrorCode::UpstreamTimeout,
            Failure::Status { .. } => ErrorCode::UpstreamFailed,
            Failure::InvalidJson | Failure::NotAnObject | Failure::BadMcpResult(_) if backend => {
                ErrorCode::UpstreamInvalid
            }
            Failure::InvalidJson | Failure::NotAnObject | Failure::BadMcpResult(_) => ErrorCode::HandlerInvalid,
            Failure::TooLarge { .. } if backend => ErrorCode::UpstreamTooLarge,
            Failure::TooLarge { .. } => ErrorCode::HandlerInvalid,
            Failure::OutputSchema(_) => ErrorCode::OutputSchemaMismatch,
            Failure::SecretMissing { .. } => ErrorCode::SecretMissing,
            Failure::RateLimited { .. } => ErrorCode::DataToolRateLimited,
            Failure::Refused(_) => ErrorCode::UpstreamRefused,
            Failure::Unreachable(_) => ErrorCode::UpstreamUnreachable,
            Failure::HandlerThrew(_) => ErrorCode::HandlerThrew,
            Failure::HandlerTimeout { .. } => ErrorCode::HandlerTimeout,
            Failure::Unavailable(_) => ErrorCode::DataToolUnavailable,
            Failure::Internal => ErrorCode::DataToolInternal,
        }
    }

    /// The `isError` result.
    pub fn to_result(&self, tool: &str) -> ToolResult {
        ToolResult::error(self.message(tool))
    }
}

fn bounded(s: &str) -> String {
    let mut out: String = s.chars().take(MAX_DETAIL_CHARS).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Decodes a body as JSON (the http kind); `Err` names the failure.
pub fn parse_body(body: &[u8]) -> Result<Value, Failure> {
    serde_json::from_slice(body).map_err(|_| Failure::InvalidJson)
}

/// Maps an answer to the MCP result, or the failure.
pub fn from_answer(tool: &ToolSpec, answer: Value, validate: Validator<'_>) -> Result<ToolResult, Failure> {
    let Value::Object(obj) = answer else { return Err(Failure::NotAnObject) };
    if is_full_result(&obj) {
        return full_result(tool, obj, validate);
    }
    let structured = Value::Object(obj);
    check_output(tool, &structured, validate)?;
    Ok(ToolResult { structured: Some(structured), ..Default::default() })
}

/// The result and the audit code of one data-tool outcome: what both kinds
/// return to the dispatch. A passed-through `isError` result is
/// `tool_failed`.
pub fn outcome(
    tool: &ToolSpec,
    kind: DataKind,
    answer: Result<Value, Failure>,
    validate: Validator<'_>,
) -> (ToolResult, Option<ErrorCode>) {
    match answer.and_then(|a| from_answer(tool, a, validate)) {
        Ok(result) if result.is_error => (result, Some(ErrorCode::ToolFailed)),
        Ok(result) => (result, None),
        Err(failure) => (failure.to_result(&tool.name), Some(failure.error_code(kind))),
    }
}

/// An object whose `content` is an array and whose other keys are only
/// `structuredContent`, `isError`, `_meta`.
pub fn is_full_result(obj: &Map<String, Value>) -> bool {
    obj.get("content").is_some_and(Value::is_array)
        && obj.keys().all(|k| k == "content" || RESULT_KEYS.contains(&k.as_str()))
}

fn full_result(tool: &ToolSpec, mut obj: Map<String, Value>, validate: Validator<'_>) -> Result<ToolResult, Failure> {
    let bad = |s: String| Err(Failure::BadMcpResult(s));
    let Some(Value::Array(blocks)) = obj.remove("content") else { return bad("content is not an array".into()) };
    for (i, block) in blocks.iter().enumerate() {
        if let Err(why) = check_block(block) {
            return bad(format!("content[{i}] {why}"));
        }
    }
    let is_error = match obj.remove("isError") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(_) => return bad("isError is not a boolean".into()),
    };
    let structured = match obj.remove("structuredContent") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(_)) => Some(v),
        Some(_) => return bad("structuredContent is not an object".into()),
    };
    let meta = match obj.remove("_meta") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(_)) => Some(v),
        Some(_) => return bad("_meta is not an object".into()),
    };
    if blocks.is_empty() && structured.is_none() {
        return bad("content is empty".into());
    }
    if !is_error {
        match &structured {
            Some(s) => check_output(tool, s, validate)?,
            None if tool.output_schema.is_some() => {
                return Err(Failure::OutputSchema(vec![(
                    String::new(),
                    "no structuredContent although the tool declares an outputSchema".into(),
                )]))
            }
            None => {}
        }
    }
    Ok(ToolResult { content_text: String::new(), structured, is_error, blocks, meta })
}

fn check_output(tool: &ToolSpec, structured: &Value, validate: Validator<'_>) -> Result<(), Failure> {
    match &tool.output_schema {
        Some(schema) => validate(schema, structured).map_err(Failure::OutputSchema),
        None => Ok(()),
    }
}

/// One content block of MCP's `CallToolResult` (2025-06-18 and later).
fn check_block(block: &Value) -> Result<(), String> {
    let Some(b) = block.as_object() else { return Err("is not an object".into()) };
    let str_key = |k: &str| b.get(k).is_some_and(Value::is_string);
    let need = |keys: &[&str]| match keys.iter().find(|k| !str_key(k)) {
        Some(k) => Err(format!("needs a string \"{k}\"")),
        None => Ok(()),
    };
    match b.get("type").and_then(Value::as_str) {
        Some("text") => need(&["text"]),
        Some("image") | Some("audio") => need(&["data", "mimeType"]),
        Some("resource_link") => need(&["uri", "name"]),
        Some("resource") => match b.get("resource").and_then(Value::as_object) {
            Some(r) if r.get("uri").is_some_and(Value::is_string) => Ok(()),
            _ => Err("needs a \"resource\" object with a string \"uri\"".into()),
        },
        Some(other) => Err(format!("has an unknown type \"{}\"", bounded(other))),
        None => Err("has no string \"type\"".into()),
    }
}

#[cfg(test)]
#[path = "result_tests.rs"]
mod tests;
