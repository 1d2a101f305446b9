//! The real engine's answers, labelled: every status row an MCP endpoint can
//! produce maps to the status and error code docs/AUDIT.md promises.

use serde_json::{json, Value};

use super::*;
use crate::audit::record::Status;
use crate::mcp::tests::{modern_body, modern_headers, Fixture, BASE, ENDPOINT, KEY, NOW};
use crate::mcp::{self, HttpReply, Outcome, ReplyBody};

fn check() -> SessionCheck<'static> {
    SessionCheck { key: KEY, endpoint_url: ENDPOINT, now_secs: NOW }
}

fn wire(reply: &HttpReply) -> (u16, String, Vec<u8>) {
    let ct = reply.headers.iter().find(|(k, _)| k == "content-type").map(|(_, v)| v.clone()).unwrap_or_default();
    let bytes = match &reply.body {
        ReplyBody::Json(v) => v.to_string().into_bytes(),
        ReplyBody::Sse(events) => mcp::encode_all(events).into_bytes(),
        ReplyBody::Empty | ReplyBody::OpenStream(_) => Vec::new(),
    };
    (reply.status, ct, bytes)
}

/// Runs one request through the engine (and an interactive tool, as the glue
/// does) and returns the record's facts.
fn observe(f: &Fixture, method: &str, headers: &[(&str, &str)], body: &str) -> (RequestFacts, ReplyFacts) {
    let hs: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let req = HttpRequest { method, headers: &hs, body: body.as_bytes() };
    let facts = request_facts(&req, &check());
    let (reply, tool_ran) = match f.run(method, headers, body) {
        Outcome::Reply(r) => (r, false),
        Outcome::CallTool(call) => {
            let result = match call.tool.kind {
                mcp::ToolKind::Interactive => mcp::interactive_result(&call.tool, &call.arguments),
                // A data tool runs in the glue (`crate::tools`); here it fails as one can.
                mcp::ToolKind::Http | mcp::ToolKind::Code => mcp::ToolResult::error("the backend did not answer"),
            };
            let tool = call.tool.clone();
            let result = mcp::conform_output(&tool, result, &crate::mcp::tests::validate);
            (mcp::finish_tool_call(call, result), true)
        }
    };
    let (status, ct, bytes) = wire(&reply);
    let outcome = reply_facts(status, &ct, &bytes, &facts, Hint { code: None, tool_ran });
    (facts, outcome)
}

fn modern_call(f: &Fixture, method: &str, params: Value) -> (RequestFacts, ReplyFacts) {
    let body = modern_body(json!(1), method, params.clone());
    let mut hs = modern_headers(method);
    let name = params.get("name").or_else(|| params.get("uri")).and_then(Value::as_str).map(str::to_string);
    if let Some(n) = name.as_deref() {
        hs.push(("mcp-name", n));
    }
    observe(f, "POST", &hs, &body)
}

fn legacy_call(f: &Fixture, sid: &str, body: Value) -> (RequestFacts, ReplyFacts) {
    let mut hs = BASE.to_vec();
    hs.push(("mcp-session-id", sid));
    hs.push(("mcp-protocol-version", "2025-11-25"));
    observe(f, "POST", &hs, &body.to_string())
}

fn code(r: &ReplyFacts) -> Option<&'static str> {
    r.error_code.map(ErrorCode::as_str)
}

#[test]
fn modern_list_and_call() {
    let f = Fixture::new();
    let (req, out) = modern_call(&f, "tools/list", json!({}));
    assert_eq!(req.method, "tools/list");
    assert_eq!((req.era, req.protocol_version.as_deref()), (Some(Era::Modern), Some("2026-07-28")));
    assert_eq!(req.host, Some(HostInfo { name: "test".into(), version: "1".into() }));
    assert_eq!((req.tool.as_deref(), &req.arguments), (None, &None));
    assert_eq!(code(&out), None);
    assert!(out.result.as_ref().unwrap()["tools"].is_array(), "the result member is what gets hashed");

    let args = json!({"order_id": "A-1"});
    let (req, out) = modern_call(&f, "tools/call", json!({"name": "show_order", "arguments": args}));
    assert_eq!((req.tool.as_deref(), req.arguments.as_ref()), (Some("show_order"), Some(&args)));
    assert_eq!(code(&out), None);
    assert_eq!(out.result.unwrap()["structuredContent"], args);
}

#[test]
fn modern_refusals() {
    let f = Fixture::new();
    let (_, out) = modern_call(&f, "tools/call", json!({"name": "show_order", "arguments": {}}));
    assert_eq!(code(&out), Some("invalid_arguments"), "isError without running is bad arguments");
    assert_eq!(out.error_code.unwrap().status(), Status::Invalid);
    let (_, out) = modern_call(&f, "tools/call", json!({"name": "nope", "arguments": {}}));
    assert_eq!(code(&out), Some("unknown_tool"));
    let (_, out) = modern_call(&f, "tools/call", json!({"name": "fetch_stock", "arguments": {}}));
    assert_eq!(code(&out), Some("tool_failed"), "a tool that ran and failed");
    assert_eq!(out.error_code.unwrap().status(), Status::ToolError);
    let (_, out) = modern_call(&f, "tools/call", json!({"name": "quote", "arguments": {}}));
    assert_eq!(code(&out), Some("tool_failed"), "output mismatch without the glue's hint");
    let (_, out) = modern_call(&f, "resources/read", json!({"uri": "ui://shop/missing"}));
    assert_eq!(code(&out), Some("resource_not_found"));
    let (req, out) = modern_call(&f, "initialize", json!({}));
    assert_eq!((req.era, code(&out)), (Some(Era::Modern), Some("method_not_found")));
    let (_, out) = modern_call(&f, "tools/list", json!({"cursor": "garbage"}));
    assert_eq!(code(&out), Some("invalid_params"));

    // Missing _meta with a modern header; a header that disagrees; an unknown version.
    let bare = json!({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}).to_string();
    let (req, out) = observe(&f, "POST", &modern_headers("tools/list"), &bare);
    assert_eq!((req.era, code(&out)), (Some(Era::Modern), Some("invalid_params")));
    let mut hs = modern_headers("tools/list");
    hs[1] = ("mcp-method", "tools/call");
    let (_, out) = observe(&f, "POST", &hs, &modern_body(json!(1), "tools/list", json!({})));
    assert_eq!(code(&out), Some("header_mismatch"));
    let meta =
        json!({"io.modelcontextprotocol/protocolVersion": "v9", "io.modelcontextprotocol/clientCapabilities": {}});
    let body = json!({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta": meta}}).to_string();
    let (req, out) = observe(&f, "POST", BASE, &body);
    assert_eq!((req.era, req.protocol_version.as_deref()), (Some(Era::Modern), None));
    assert_eq!(code(&out), Some("unsupported_protocol_version"));
}

#[test]
fn transport_refusals() {
    let f = Fixture::new();
    let (req, out) = observe(&f, "POST", BASE, "{not json");
    assert_eq!((req.method.as_str(), code(&out)), ("POST", Some("parse_error")));
    let (_, out) = observe(&f, "POST", BASE, "[]");
    assert_eq!(code(&out), Some("invalid_request"));
    let (_, out) = observe(&f, "POST", &[("content-type", "text/plain"), BASE[1]], "{}");
    assert_eq!(code(&out), Some("unsupported_media_type"));
    let (_, out) = observe(&f, "POST", &[BASE[0], ("accept", "text/html")], "{}");
    assert_eq!(code(&out), Some("not_acceptable"));
    let (_, out) = observe(&f, "POST", &[BASE[0], BASE[1], ("origin", "https://evil.example")], "{}");
    assert_eq!(code(&out), Some("origin_refused"));
    assert_eq!(out.error_code.unwrap().status(), Status::Denied);
    let big = "x".repeat(mcp::MAX_BODY_BYTES + 1);
    let (_, out) = observe(&f, "POST", BASE, &big);
    assert_eq!(code(&out), Some("payload_too_large"));
    let (req, out) = observe(&f, "PUT", BASE, "");
    assert_eq!((req.method.as_str(), code(&out)), ("PUT", Some("method_not_allowed")));
    let (req, out) = observe(&f, "GET", &[("mcp-protocol-version", "2026-07-28")], "");
    assert_eq!((req.method.as_str(), req.era, code(&out)), ("GET", Some(Era::Modern), Some("method_not_allowed")));
}

#[test]
fn legacy_session_carries_the_host() {
    let f = Fixture::new();
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"Claude","version":"0.9"}}});
    let (req, out) = observe(&f, "POST", BASE, &init.to_string());
    assert_eq!((req.era, req.protocol_version.as_deref()), (Some(Era::Legacy), Some("2025-06-18")));
    assert_eq!(req.host, Some(HostInfo { name: "Claude".into(), version: "0.9".into() }));
    assert_eq!(code(&out), None);
    let old = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-01-01"}});
    let (req, _) = observe(&f, "POST", BASE, &old.to_string());
    assert_eq!((req.protocol_version.as_deref(), req.host.as_ref()), (Some("2025-11-25"), None));

    let sid = f.initialize();
    let (req, out) = legacy_call(&f, &sid, json!({"jsonrpc":"2.0","id":2,"method":"tools/list"}));
    assert_eq!((req.era, req.protocol_version.as_deref()), (Some(Era::Legacy), Some("2025-11-25")));
    assert_eq!(req.host, Some(HostInfo { name: "t".into(), version: "1".into() }), "from the signed id");
    assert_eq!(code(&out), None);
    let call = json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"show_order","arguments":{"order_id":"x"}}});
    let (req, out) = legacy_call(&f, &sid, call);
    assert_eq!((req.tool.as_deref(), code(&out)), (Some("show_order"), None));
    let (req, out) = legacy_call(&f, "forged", json!({"jsonrpc":"2.0","id":4,"method":"tools/list"}));
    assert_eq!((req.host.as_ref(), code(&out)), (None, Some("session_not_found")), "no host from a forged id");
    let (_, out) = observe(&f, "POST", BASE, &json!({"jsonrpc":"2.0","id":5,"method":"tools/list"}).to_string());
    assert_eq!(code(&out), Some("session_required"));
    let (_, out) = legacy_call(&f, &sid, json!({"jsonrpc":"2.0","id":6,"method":"nope"}));
    assert_eq!(code(&out), Some("method_not_found"));
    let (_, out) =
        legacy_call(&f, &sid, json!({"jsonrpc":"2.0","id":7,"method":"resources/read","params":{"uri":"ui://x"}}));
    assert_eq!(code(&out), Some("resource_not_found"));
    let (req, out) = legacy_call(&f, &sid, json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
    assert_eq!((req.method.as_str(), code(&out), out.result), ("notifications/initialized", None, None));

    let mut get = vec![("accept", "text/event-stream"), ("mcp-session-id", sid.as_str())];
    let (req, out) = observe(&f, "GET", &get, "");
    assert_eq!((req.method.as_str(), req.era), ("GET", Some(Era::Legacy)));
    assert_eq!(req.host.as_ref().map(|h| h.name.as_str()), Some("t"));
    assert_eq!(code(&out), None, "a listen stream opened");
    get.push(("mcp-protocol-version", "2025-11-25"));
    let (req, out) = observe(&f, "DELETE", &get, "");
    assert_eq!(
        (req.method.as_str(), req.protocol_version.as_deref(), code(&out)),
        ("DELETE", Some("2025-11-25"), None)
    );
}

#[test]
fn sse_answers_are_read_too() {
    let f = Fixture::new();
    let mut hs = modern_headers("tools/list");
    hs.retain(|(k, _)| *k != "accept");
    hs.push(("accept", "text/event-stream, application/json;q=0.5"));
    let (_, out) = observe(&f, "POST", &hs, &modern_body(json!(1), "tools/list", json!({})));
    assert_eq!(code(&out), None);
    assert!(out.result.unwrap()["tools"].is_array(), "the SSE event's message was parsed");
}

#[test]
fn hints_and_statuses_the_glue_decides() {
    let facts = RequestFacts { method: "tools/call".into(), ..Default::default() };
    let deny = Hint { code: Some(ErrorCode::GrantRevoked), tool_ran: false };
    let out = reply_facts(401, "application/json", br#"{"error":"unauthorized"}"#, &facts, deny);
    assert_eq!((code(&out), out.result), (Some("grant_revoked"), None), "no JSON-RPC answer, no result");
    let none = Hint::default();
    assert_eq!(code(&reply_facts(401, "application/json", b"{}", &facts, none)), Some("token_missing"));
    assert_eq!(code(&reply_facts(403, "application/json", b"{}", &facts, none)), Some("insufficient_scope"));
    assert_eq!(code(&reply_facts(429, "application/json", b"{}", &facts, none)), Some("rate_limited"));
    assert_eq!(code(&reply_facts(500, "application/json", b"{}", &facts, none)), Some("internal_error"));
    assert_eq!(code(&reply_facts(503, "application/json", b"{}", &facts, none)), Some("unavailable"));
    assert_eq!(code(&reply_facts(400, "application/json", b"{}", &facts, none)), Some("invalid_request"));
    assert_eq!(code(&reply_facts(202, "", b"", &facts, none)), None);
    let rpc = br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Unknown tool: x"}}"#;
    let out = reply_facts(200, "application/json", rpc, &facts, none);
    assert_eq!(code(&out), Some("unknown_tool"));
    assert_eq!(out.result.unwrap()["code"], -32602, "the error member is hashed when there is no result");
}

#[test]
fn every_code_has_one_status_and_a_unique_name() {
    let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), ErrorCode::ALL.len());
    for c in ErrorCode::ALL {
        assert_ne!(c.status(), Status::Ok, "{c:?}");
        assert_eq!(serde_json::to_value(c).unwrap(), json!(c.as_str()));
        assert_eq!(ErrorCode::parse(c.as_str()), Some(*c));
    }
    for s in Status::ALL {
        assert_eq!(serde_json::to_value(s).unwrap(), json!(s.as_str()));
        let has_code = ErrorCode::ALL.iter().any(|c| c.status() == s);
        assert_eq!(has_code, s != Status::Ok, "every non-ok status has a code: {s:?}");
    }
}

#[test]
fn token_and_grant_refusals() {
    use crate::identity::roles::Permission;
    use crate::oauth::grants::Denied;
    use crate::oauth::tokens::TokenError;
    assert_eq!(token_refusal(&TokenError::Expired { exp: 1, now: 2 }), ErrorCode::TokenExpired);
    assert_eq!(token_refusal(&TokenError::NotYetValid { iat: 9, now: 2 }), ErrorCode::TokenExpired);
    assert_eq!(token_refusal(&TokenError::WrongAudience("x".into())), ErrorCode::TokenWrongAudience);
    assert_eq!(token_refusal(&TokenError::BadSignature), ErrorCode::TokenInvalid);
    assert_eq!(token_refusal(&TokenError::Malformed("x".into())), ErrorCode::TokenInvalid);
    // Every Denied variant, through the text that crosses the hub hop.
    for (d, c) in [
        (Denied::UnknownGrant, ErrorCode::GrantUnknown),
        (Denied::Revoked, ErrorCode::GrantRevoked),
        (Denied::ResourceMismatch, ErrorCode::GrantWrongEndpoint),
        (Denied::NotAMember, ErrorCode::NotAMember),
        (Denied::ChannelNotAllowed(Permission::EndpointDraft), ErrorCode::ChannelNotAllowed),
        (Denied::ChannelNotAllowed(Permission::EndpointProduction), ErrorCode::ChannelNotAllowed),
    ] {
        assert_eq!(grant_refusal(&d.to_string()), c, "{d}");
        assert_eq!(c.status(), Status::Denied);
    }
    assert_eq!(grant_refusal("anything else"), ErrorCode::GrantUnknown);
}
