//! Rows that apply to both eras: Origin, Accept, Content-Type, size,
//! framing errors, batches, ids, CORS.

use serde_json::json;

use super::*;

fn list_body() -> String {
    modern_body(json!(1), "tools/list", json!({}))
}

#[test]
fn disallowed_origin_is_403_for_every_method() {
    let f = Fixture::new();
    for method in ["POST", "GET", "DELETE", "OPTIONS"] {
        let mut hs = modern_headers("tools/list");
        hs.push(("origin", "https://evil.example"));
        let r = f.reply(method, &hs, &list_body());
        assert_eq!(r.status, 403, "{method}");
        assert_eq!(header_of(&r, "access-control-allow-origin"), None);
    }
}

#[test]
fn allowed_origins_get_cors_headers() {
    let f = Fixture::new();
    for origin in [PUBLIC, "https://inspector.example"] {
        let mut hs = modern_headers("tools/list");
        hs.push(("origin", origin));
        let r = f.reply("POST", &hs, &list_body());
        assert_eq!(r.status, 200);
        assert_eq!(header_of(&r, "access-control-allow-origin"), Some(origin));
        let expose = header_of(&r, "access-control-expose-headers").unwrap();
        for h in ["WWW-Authenticate", "Mcp-Session-Id", "MCP-Protocol-Version"] {
            assert!(expose.contains(h), "{h}");
        }
    }
    // No Origin (a non-browser client): served, no CORS grant.
    let r = f.reply("POST", &modern_headers("tools/list"), &list_body());
    assert_eq!((r.status, header_of(&r, "access-control-allow-origin")), (200, None));
}

#[test]
fn preflight() {
    let f = Fixture::new();
    let hs = [
        ("origin", "https://inspector.example"),
        ("access-control-request-method", "POST"),
        ("access-control-request-headers", "content-type, mcp-protocol-version, mcp-param-region"),
    ];
    let r = f.reply("OPTIONS", &hs, "");
    assert_eq!((r.status, &r.body), (204, &ReplyBody::Empty));
    assert_eq!(header_of(&r, "access-control-allow-origin"), Some("https://inspector.example"));
    let allow = header_of(&r, "access-control-allow-headers").unwrap();
    for h in ["Mcp-Session-Id", "MCP-Protocol-Version", "Mcp-Method", "Mcp-Name", "Authorization", "mcp-param-region"] {
        assert!(allow.contains(h), "{h}");
    }
    assert!(header_of(&r, "access-control-allow-methods").unwrap().contains("DELETE"));
    assert!(header_of(&r, "access-control-expose-headers").unwrap().contains("WWW-Authenticate"));
}

#[test]
fn accept_rules() {
    let f = Fixture::new();
    let with_accept = |accept: Option<&'static str>| {
        let mut hs: Vec<(&str, &str)> =
            modern_headers("tools/list").into_iter().filter(|(k, _)| *k != "accept").collect();
        hs.extend(accept.map(|a| ("accept", a)));
        f.reply("POST", &hs, &list_body())
    };
    for bad in ["application/json", "text/event-stream", "text/html", "*/*;q=0"] {
        assert_eq!(with_accept(Some(bad)).status, 406, "{bad}");
    }
    for ok in [None, Some("*/*"), Some("application/json, text/event-stream")] {
        let r = with_accept(ok);
        assert_eq!(r.status, 200, "{ok:?}");
        assert_eq!(header_of(&r, "content-type"), Some("application/json"), "JSON by default");
    }
    let r = with_accept(Some("text/event-stream, application/json;q=0.1"));
    assert_eq!(r.status, 200);
    assert_eq!(header_of(&r, "content-type"), Some("text/event-stream"));
    assert!(matches!(&r.body, ReplyBody::Sse(events) if events.len() == 1));
    assert!(result(&r)["tools"].is_array());
}

#[test]
fn content_type_and_size() {
    let f = Fixture::new();
    for ct in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
        let mut hs: Vec<(&str, &str)> =
            modern_headers("tools/list").into_iter().filter(|(k, _)| *k != "content-type").collect();
        hs.extend(ct.map(|c| ("content-type", c)));
        assert_eq!(f.reply("POST", &hs, &list_body()).status, 415, "{ct:?}");
    }
    let mut hs = modern_headers("tools/list");
    hs[0] = ("content-type", "application/json; charset=utf-8");
    assert_eq!(f.reply("POST", &hs, &list_body()).status, 200);
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(MAX + 1));
    assert_eq!(f.reply("POST", &modern_headers("tools/list"), &huge).status, 413);
}

const MAX: usize = crate::mcp::MAX_BODY_BYTES;

#[test]
fn framing_errors_per_era() {
    let f = Fixture::new();
    for hs in [modern_headers("tools/list"), BASE.to_vec()] {
        let cases: [(&str, (u16, i64)); 10] = [
            ("{not json", (400, -32700)),
            ("", (400, -32700)),
            ("42", (400, -32600)),
            ("\"str\"", (400, -32600)),
            ("null", (400, -32600)),
            (r#"{"jsonrpc":"1.0","id":1,"method":"tools/list"}"#, (400, -32600)),
            (r#"{"jsonrpc":"2.0","id":null,"method":"tools/list"}"#, (400, -32600)),
            (r#"{"jsonrpc":"2.0","id":true,"method":"tools/list"}"#, (400, -32600)),
            (r#"{"jsonrpc":"2.0","id":1.5,"method":"tools/list"}"#, (400, -32600)),
            (r#"{"jsonrpc":"2.0","id":{"a":1},"method":"tools/list"}"#, (400, -32600)),
        ];
        for (b, expected) in cases {
            let r = f.reply("POST", &hs, b);
            assert_eq!(status_code(&r), expected, "{b}");
        }
        let r = f.reply("POST", &hs, r#"{"jsonrpc":"1.0","id":"k","method":"x"}"#);
        assert_eq!(body(&r)["id"], "k", "a readable id is echoed");
        let r = f.reply("POST", &hs, r#"{"jsonrpc":"2.0","id":null,"method":"x"}"#);
        assert!(body(&r).get("id").is_none(), "an unreadable id is omitted");
    }
    let r = f.run("POST", BASE, "");
    assert!(matches!(r, Outcome::Reply(_)));
    let bytes = [0xffu8, 0xfe, b'{'];
    let hs: Vec<(String, String)> = BASE.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let env_reply = {
        let ended = |_: &str| false;
        let env = EngineEnv {
            session_key: KEY,
            now_secs: NOW,
            allowed_origins: vec![],
            public_origin: PUBLIC.into(),
            validate_args: &validate,
            is_session_ended: &ended,
        };
        handle(&HttpRequest { method: "POST", headers: &hs, body: &bytes }, &f.view, &env)
    };
    let Outcome::Reply(r) = env_reply else { panic!() };
    assert_eq!(status_code(&r), (400, -32700));
}

#[test]
fn batches_are_refused_clearly() {
    let f = Fixture::new();
    let one = modern_body(json!(1), "tools/list", json!({}));
    for b in ["[]".to_string(), format!("[{one}]"), format!("[{one},{one}]")] {
        let r = f.reply("POST", &modern_headers("tools/list"), &b);
        assert_eq!(status_code(&r), (400, -32600));
        assert!(body(&r)["error"]["message"].as_str().unwrap().contains("batches are not supported"));
    }
}

#[test]
fn deep_nesting_and_huge_arguments_do_not_break_the_engine() {
    let f = Fixture::new();
    let deep = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"show_order","arguments":{{"order_id":"A","x":{}1{}}}}}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let r = f.reply("POST", &modern_headers("tools/call"), &deep);
    assert_eq!(status_code(&r), (400, -32700));
    // 127 levels parse; the call is validated normally.
    let nested = format!("{}1{}", "[".repeat(120), "]".repeat(120));
    let params = json!({"name":"show_order","arguments":{"order_id":"A","x":serde_json::from_str::<serde_json::Value>(&nested).unwrap()}});
    assert!(matches!(f.modern(json!(2), "tools/call", params), Outcome::CallTool(_)));
    // Close to the size limit.
    let big = "y".repeat(MAX - 1000);
    let params = json!({"name":"show_order","arguments":{"order_id": big}});
    assert!(matches!(f.modern(json!(3), "tools/call", params), Outcome::CallTool(_)));
    // And the engine keeps serving.
    assert_eq!(f.modern_reply(json!(4), "tools/list", json!({})).status, 200);
}

#[test]
fn other_http_methods_are_405() {
    let f = Fixture::new();
    for m in ["PUT", "PATCH", "HEAD"] {
        let r = f.reply(m, BASE, "");
        assert_eq!(r.status, 405, "{m}");
        assert!(header_of(&r, "allow").unwrap().contains("POST"));
    }
}

#[test]
fn early_reply_answers_what_needs_no_authentication() {
    use crate::mcp::early_reply;
    let allowed = vec!["https://inspector.example".to_string()];
    let run = |method: &str, hs: &[(&str, &str)], body: &[u8]| {
        let hs: Vec<(String, String)> = hs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        early_reply(&HttpRequest { method, headers: &hs, body }, PUBLIC, &allowed)
    };
    let pre = run("OPTIONS", &[("origin", "https://inspector.example")], b"").unwrap();
    assert_eq!(pre.status, 204);
    let evil = run("POST", &[("origin", "https://evil.example")], b"{}").unwrap();
    assert_eq!(evil.status, 403);
    let big = vec![b' '; MAX + 1];
    assert_eq!(run("POST", BASE, &big).unwrap().status, 413);
    assert_eq!(run("POST", &[("content-type", "text/plain")], b"{}").unwrap().status, 415);
    assert!(run("POST", BASE, b"{}").is_none(), "on to authentication");
    assert!(run("GET", &[], b"").is_none());
}

#[test]
fn json_replies_are_not_cached() {
    let f = Fixture::new();
    let r = f.reply("POST", &modern_headers("tools/list"), &list_body());
    assert_eq!(header_of(&r, "content-type"), Some("application/json"));
    assert_eq!(header_of(&r, "cache-control"), Some("no-store"));
    assert_eq!(header_of(&r, "vary"), Some("Origin"));
}
