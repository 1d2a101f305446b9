//! MCP targets: one whole POST through the engine (JSON-RPC framing, era
//! selection, SEP-2243 header checks, argument validation, the tool call),
//! and the `=?base64?…?=` header value decoding on its own.
//!
//! Input of `mcp_message`: an optional head — a first line naming the HTTP
//! method (`POST`), then `name: value` header lines, then an empty line —
//! followed by the body. Without a head, the body is POSTed with the
//! Content-Type and Accept every conformant client sends.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use crate::mcp::headers::decode_header_value;
use crate::mcp::jsonrpc::{parse_message, Incoming};
use crate::mcp::{
    conform_output, finish_tool_call, handle, interactive_result, EngineEnv, HttpReply, HttpRequest, Outcome,
    ReplyBody, ServerView, ToolKind, ToolSpec,
};
use crate::projects::types::validate_arguments;

const ENDPOINT: &str = "https://mcp.example.com/acme/shop";

fn view() -> ServerView {
    let tool = |name: &str, input_schema: Value, output_schema: Option<Value>| ToolSpec {
        name: name.into(),
        title: None,
        description: format!("The {name} tool."),
        input_schema,
        output_schema,
        annotations: None,
        kind: ToolKind::Interactive,
        ui: None,
    };
    ServerView {
        server_name: "shop".into(),
        server_version: "1.0.0".into(),
        title: Some("Shop".into()),
        instructions: Some("Use show_order.".into()),
        tools: vec![
            tool(
                "show_order",
                json!({"type":"object","properties":{"order_id":{"type":"string","maxLength":64},
                       "qty":{"type":"integer","minimum":1}},"required":["order_id"],"additionalProperties":false}),
                None,
            ),
            tool(
                "regional",
                json!({"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"},
                       "n":{"type":"number","x-mcp-header":"N"}}}),
                Some(json!({"type":"object","required":["region"]})),
            ),
        ],
        endpoint_url: ENDPOINT.into(),
    }
}

/// The real validator the glue injects (`projects::types`), as the engine's
/// `(path, message)` pairs.
fn validate(schema: &Value, instance: &Value) -> Result<(), Vec<(String, String)>> {
    validate_arguments(schema, instance).map_err(|ps| ps.into_iter().map(|p| (p.path, p.message)).collect())
}

/// Splits the input into method, headers (names lowercased) and body.
fn request(data: &[u8]) -> (String, Vec<(String, String)>, &[u8]) {
    let default_headers = || {
        vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("accept".to_string(), "application/json, text/event-stream".to_string()),
        ]
    };
    let Some(end) = data.windows(2).position(|w| w == b"\n\n") else {
        return ("POST".into(), default_headers(), data);
    };
    let head = String::from_utf8_lossy(&data[..end]);
    let mut lines = head.lines();
    let method = lines.next().unwrap_or_default();
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return ("POST".into(), default_headers(), data);
    }
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim_start().to_string()))
        .collect();
    (method.to_string(), headers, &data[end + 2..])
}

fn assert_reply(reply: &HttpReply) {
    assert!((200..500).contains(&reply.status), "a 5xx (or nonsense) status: {reply:?}");
    if reply.status >= 400 {
        if let ReplyBody::Json(body) = &reply.body {
            assert_eq!(body["jsonrpc"], "2.0", "an error reply that is not JSON-RPC: {body}");
            assert!(body["error"]["code"].is_i64(), "an error without a code: {body}");
        }
    }
}

/// One MCP POST (or GET/DELETE/OPTIONS) through the engine.
pub fn mcp_message(data: &[u8]) {
    let (method, headers, body) = request(data);
    // Framing on its own: a parsed message, re-serialized, parses the same.
    match parse_message(body) {
        Ok(msg) => {
            let again = match &msg {
                Incoming::Request { id, method, params } => {
                    json!({"jsonrpc":"2.0","id":id,"method":method,"params":params})
                }
                Incoming::Notification { method, params } => json!({"jsonrpc":"2.0","method":method,"params":params}),
                Incoming::Response { id } => json!({"jsonrpc":"2.0","id":id,"result":{}}),
            };
            let mut again = again;
            if again.get("params") == Some(&Value::Null) {
                again.as_object_mut().map(|o| o.remove("params"));
            }
            assert_eq!(parse_message(again.to_string().as_bytes()).as_ref(), Ok(&msg), "re-parse of {again}");
        }
        Err(bad) => assert!(
            bad.error.http_status == 200 || (400..500).contains(&bad.error.http_status),
            "a parse error at HTTP {}",
            bad.error.http_status
        ),
    }
    let view = view();
    let ended = |_: &str| false;
    let env = EngineEnv {
        session_key: b"fuzz session key",
        now_secs: 1_800_000_000,
        allowed_origins: vec!["https://inspector.example".into()],
        public_origin: "https://mcp.example.com".into(),
        validate_args: &validate,
        is_session_ended: &ended,
    };
    let req = HttpRequest { method: &method, headers: &headers, body };
    match handle(&req, &view, &env) {
        Outcome::Reply(reply) => assert_reply(&reply),
        Outcome::CallTool(call) => {
            assert!(call.arguments.is_object(), "a call with non-object arguments: {}", call.arguments);
            assert_eq!(validate(&call.tool.input_schema, &call.arguments), Ok(()), "a call with invalid arguments");
            let result = conform_output(&call.tool, interactive_result(&call.tool, &call.arguments), &validate);
            assert_reply(&finish_tool_call(call, result));
        }
    }
}

/// `Mcp-Name` / `Mcp-Param-*` values: `=?base64?…?=` or literal.
pub fn header_value(data: &[u8]) {
    let value = super::text(data);
    let decoded = decode_header_value(&value);
    match value.strip_prefix("=?base64?").and_then(|r| r.strip_suffix("?=")) {
        None => assert_eq!(decoded.as_deref(), Some(&*value), "a literal value changed"),
        Some(_) => {
            if let Some(text) = decoded {
                // One spelling per value: the canonical encoding is the input.
                assert_eq!(format!("=?base64?{}?=", STANDARD.encode(text.as_bytes())), value);
            }
        }
    }
}
