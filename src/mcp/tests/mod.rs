//! Engine-level tests: HTTP request in, HTTP reply out, one file per area
//! (`modern`, `legacy`, `transport`, `calls`). These cover every row of
//! the status tables in SPEC-NOTES for both eras.

mod calls;
mod legacy;
mod modern;
mod transport;

use std::cell::RefCell;

use serde_json::{json, Value};

use super::engine::{handle, EngineEnv, HttpReply, HttpRequest, Outcome, ReplyBody};
use super::era::{CLIENT_CAPABILITIES_KEY, CLIENT_INFO_KEY, MODERN_VERSION, PROTOCOL_VERSION_KEY};
use super::view::{ServerView, ToolKind, ToolSpec, UiResource};

pub const KEY: &[u8] = b"engine test session key";
pub const PUBLIC: &str = "https://mcp.example.com";
pub const ENDPOINT: &str = "https://mcp.example.com/acme/shop/draft";
pub const NOW: u64 = 1_800_000_000;

/// A tiny stand-in for the JSON Schema validator the glue injects: checks
/// `required` and the `type` of each listed property, reporting paths.
pub fn validate(schema: &Value, instance: &Value) -> Result<(), Vec<(String, String)>> {
    let mut errors = Vec::new();
    let Some(obj) = instance.as_object() else {
        return Err(vec![(String::new(), "not an object".into())]);
    };
    for r in schema["required"].as_array().into_iter().flatten() {
        let r = r.as_str().unwrap_or_default();
        if !obj.contains_key(r) {
            errors.push((String::new(), format!("\"{r}\" is a required property")));
        }
    }
    for (k, s) in schema["properties"].as_object().into_iter().flatten() {
        let Some(v) = obj.get(k) else { continue };
        let ok = match s["type"].as_str() {
            Some("string") => v.is_string(),
            Some("integer") => v.is_i64() || v.is_u64(),
            Some("boolean") => v.is_boolean(),
            _ => true,
        };
        if !ok {
            errors.push((format!("/{k}"), format!("{v} is not of type {}", s["type"])));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

pub fn tool(name: &str, kind: ToolKind) -> ToolSpec {
    ToolSpec {
        name: name.into(),
        title: None,
        description: format!("The {name} tool."),
        input_schema: json!({"type": "object"}),
        output_schema: None,
        annotations: None,
        kind,
        ui: None,
    }
}

/// `show_order` (interactive, UI), `fetch_stock` (http), `quote` (output
/// schema), `regional` (an `x-mcp-header` parameter).
pub fn sample_view() -> ServerView {
    let mut show = tool("show_order", ToolKind::Interactive);
    show.title = Some("Order card".into());
    show.annotations = Some(json!({"readOnlyHint": true}));
    show.input_schema = json!({"type":"object","properties":{"order_id":{"type":"string"},
        "qty":{"type":"integer"}},"required":["order_id"]});
    show.ui = Some(UiResource {
        uri: "ui://shop/show_order".into(),
        html: "<!doctype html><html><body>order</body></html>".into(),
        csp: Some(json!({"connectDomains": ["https://api.example.com"]})),
        prefers_border: Some(true),
        domain: None,
    });
    let mut quote = tool("quote", ToolKind::Interactive);
    quote.output_schema = Some(json!({"type":"object","properties":{"sku":{"type":"string"}},"required":["sku"]}));
    quote.input_schema = json!({"type":"object","properties":{"sku":{"type":"string"}}});
    let mut regional = tool("regional", ToolKind::Interactive);
    regional.input_schema = json!({"type":"object","properties":{
        "region":{"type":"string","x-mcp-header":"Region"}}});
    ServerView {
        server_name: "shop".into(),
        server_version: "draft".into(),
        title: Some("Shop".into()),
        instructions: Some("Use show_order to display orders.".into()),
        tools: vec![show, tool("fetch_stock", ToolKind::Http), quote, regional],
        endpoint_url: ENDPOINT.into(),
    }
}

pub struct Fixture {
    pub view: ServerView,
    pub now: u64,
    pub ended: RefCell<Vec<String>>,
}

impl Fixture {
    pub fn new() -> Self {
        Self::with_view(sample_view())
    }

    pub fn with_view(view: ServerView) -> Self {
        Fixture { view, now: NOW, ended: RefCell::new(Vec::new()) }
    }

    pub fn run(&self, method: &str, headers: &[(&str, &str)], body: &str) -> Outcome {
        let ended = |s: &str| self.ended.borrow().iter().any(|e| e == s);
        let env = EngineEnv {
            session_key: KEY,
            now_secs: self.now,
            allowed_origins: vec!["https://inspector.example".into()],
            public_origin: PUBLIC.into(),
            validate_args: &validate,
            is_session_ended: &ended,
        };
        let hs: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let req = HttpRequest { method, headers: &hs, body: body.as_bytes() };
        handle(&req, &self.view, &env)
    }

    /// `run`, expecting a reply (not a tool call).
    pub fn reply(&self, method: &str, headers: &[(&str, &str)], body: &str) -> HttpReply {
        match self.run(method, headers, body) {
            Outcome::Reply(r) => r,
            Outcome::CallTool(c) => panic!("expected a reply, got a call of {}", c.tool.name),
        }
    }

    /// A modern request with conformant headers and `_meta`.
    pub fn modern(&self, id: Value, method: &str, params: Value) -> Outcome {
        let body = modern_body(id, method, params.clone());
        let name = mcp_name(method, &params);
        let mut hs = modern_headers(method);
        if let Some(n) = name.as_deref() {
            hs.push(("mcp-name", n));
        }
        self.run("POST", &hs, &body)
    }

    pub fn modern_reply(&self, id: Value, method: &str, params: Value) -> HttpReply {
        match self.modern(id, method, params) {
            Outcome::Reply(r) => r,
            Outcome::CallTool(c) => panic!("expected a reply, got a call of {}", c.tool.name),
        }
    }

    /// Runs `initialize` and returns the issued session id.
    pub fn initialize(&self) -> String {
        let body = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
            "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}});
        let r = self.reply("POST", BASE, &body.to_string());
        assert_eq!(r.status, 200);
        header_of(&r, "mcp-session-id").expect("session id issued").to_string()
    }

    /// A legacy request inside session `sid`.
    pub fn legacy(&self, sid: &str, body: Value) -> Outcome {
        let mut hs = BASE.to_vec();
        hs.push(("mcp-session-id", sid));
        hs.push(("mcp-protocol-version", "2025-11-25"));
        self.run("POST", &hs, &body.to_string())
    }

    pub fn legacy_reply(&self, sid: &str, body: Value) -> HttpReply {
        match self.legacy(sid, body) {
            Outcome::Reply(r) => r,
            Outcome::CallTool(c) => panic!("expected a reply, got a call of {}", c.tool.name),
        }
    }
}

/// Content-Type and Accept as every conformant client sends them.
pub const BASE: &[(&str, &str)] =
    &[("content-type", "application/json"), ("accept", "application/json, text/event-stream")];

pub fn modern_meta() -> Value {
    json!({
        PROTOCOL_VERSION_KEY: MODERN_VERSION,
        CLIENT_CAPABILITIES_KEY: {},
        CLIENT_INFO_KEY: {"name": "test", "version": "1"},
    })
}

pub fn modern_body(id: Value, method: &str, params: Value) -> String {
    let mut params = params;
    if params.get("_meta").is_none() {
        params["_meta"] = modern_meta();
    }
    json!({"jsonrpc":"2.0","id":id,"method":method,"params":params}).to_string()
}

pub fn modern_headers(method: &str) -> Vec<(&str, &str)> {
    let mut hs = BASE.to_vec();
    hs.push(("mcp-protocol-version", MODERN_VERSION));
    hs.push(("mcp-method", method));
    hs
}

pub fn mcp_name(method: &str, params: &Value) -> Option<String> {
    let field = match method {
        "tools/call" | "prompts/get" => "name",
        "resources/read" => "uri",
        _ => return None,
    };
    params[field].as_str().map(str::to_string)
}

pub fn header_of<'a>(r: &'a HttpReply, name: &str) -> Option<&'a str> {
    r.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// The JSON-RPC message of a reply (JSON body or the single SSE event).
pub fn body(r: &HttpReply) -> Value {
    match &r.body {
        ReplyBody::Json(v) => v.clone(),
        ReplyBody::Sse(events) => {
            assert_eq!(events.len(), 1);
            events[0].json().expect("SSE data is JSON")
        }
        other => panic!("no JSON body: {other:?}"),
    }
}

/// `(HTTP status, JSON-RPC error code)`.
pub fn status_code(r: &HttpReply) -> (u16, i64) {
    (r.status, body(r)["error"]["code"].as_i64().expect("an error body"))
}

pub fn result(r: &HttpReply) -> Value {
    assert_eq!(r.status, 200, "{:?}", r.body);
    let b = body(r);
    assert!(b.get("error").is_none(), "unexpected error {b}");
    b["result"].clone()
}
