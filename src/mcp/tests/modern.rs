//! 2026-07-28 rows of the SPEC-NOTES status table.

use serde_json::{json, Value};

use super::*;
use crate::mcp::engine::StreamKind;
use crate::mcp::era::{SERVER_INFO_KEY, SUBSCRIPTION_ID_KEY};
use crate::mcp::sse::modern_list_changed;

#[test]
fn discover_describes_the_server() {
    let f = Fixture::new();
    let r = result(&f.modern_reply(json!("d1"), "server/discover", json!({})));
    assert_eq!(r["resultType"], "complete");
    assert_eq!(r["supportedVersions"], json!([MODERN_VERSION]));
    assert_eq!(r["capabilities"]["tools"], json!({"listChanged": true}));
    assert_eq!(r["capabilities"]["resources"], json!({"listChanged": true}));
    assert!(r["capabilities"]["extensions"]["io.modelcontextprotocol/ui"].is_object());
    assert!(r["capabilities"].get("prompts").is_none());
    assert_eq!(r["instructions"], "Use show_order to display orders.");
    assert_eq!((r["ttlMs"].clone(), r["cacheScope"].clone()), (json!(0), json!("private")));
    assert_eq!(r["_meta"][SERVER_INFO_KEY], json!({"name":"shop","version":"draft","title":"Shop"}));
}

#[test]
fn client_info_is_optional() {
    let f = Fixture::new();
    let meta = json!({PROTOCOL_VERSION_KEY: MODERN_VERSION, CLIENT_CAPABILITIES_KEY: {}});
    let r = f.modern_reply(json!(105), "server/discover", json!({"_meta": meta}));
    assert_eq!(r.status, 200);
}

#[test]
fn missing_meta_fields_are_400_invalid_params_with_the_id() {
    let f = Fixture::new();
    let cases = [
        json!({"_meta": {}}),
        json!({"_meta": {CLIENT_CAPABILITIES_KEY: {}}}),
        json!({"_meta": {PROTOCOL_VERSION_KEY: MODERN_VERSION}}),
    ];
    for (i, params) in cases.into_iter().enumerate() {
        let r = f.modern_reply(json!(101 + i), "server/discover", params.clone());
        assert_eq!(status_code(&r), (400, -32602), "{params}");
        assert_eq!(body(&r)["id"], json!(101 + i));
    }
    // No params at all.
    let body_no_params = json!({"jsonrpc":"2.0","id":7,"method":"tools/list"}).to_string();
    let r = f.reply("POST", &modern_headers("tools/list"), &body_no_params);
    assert_eq!(status_code(&r), (400, -32602));
}

#[test]
fn version_header_mismatch_and_unsupported_versions() {
    let f = Fixture::new();
    let v999 = json!({PROTOCOL_VERSION_KEY: "v999.0.0", CLIENT_CAPABILITIES_KEY: {}});
    let body = modern_body(json!(302), "server/discover", json!({"_meta": v999}));
    let r = f.reply("POST", &modern_headers("server/discover"), &body);
    assert_eq!(status_code(&r), (400, -32020));

    let mut hs = BASE.to_vec();
    hs.extend([("mcp-protocol-version", "v999.0.0"), ("mcp-method", "server/discover")]);
    let r = f.reply("POST", &hs, &body);
    assert_eq!(status_code(&r), (400, -32022));
    let b = super::body(&r);
    assert_eq!(b["id"], 302);
    assert_eq!(b["error"]["data"], json!({"supported": [MODERN_VERSION], "requested": "v999.0.0"}));
}

#[test]
fn standard_headers_missing_or_different_are_400_header_mismatch() {
    let f = Fixture::new();
    let list = modern_body(json!(1), "tools/list", json!({}));
    let only_base = |extra: &[(&'static str, &'static str)]| {
        let mut hs = BASE.to_vec();
        hs.extend_from_slice(extra);
        hs
    };
    let v = ("mcp-protocol-version", MODERN_VERSION);
    for hs in [
        only_base(&[("mcp-method", "tools/list")]),
        only_base(&[v]),
        only_base(&[v, ("mcp-method", "prompts/list")]),
        only_base(&[v, ("mcp-method", "TOOLS/LIST")]),
    ] {
        assert_eq!(status_code(&f.reply("POST", &hs, &list)), (400, -32020), "{hs:?}");
    }
    for name in ["MCP-METHOD", "mcp-method", "Mcp-Method"] {
        let r = f.reply("POST", &only_base(&[v, (name, "tools/list")]), &list);
        assert_eq!(r.status, 200, "header names are case-insensitive");
    }

    let params = json!({"name": "show_order", "arguments": {"order_id": "A1"}});
    let call = modern_body(json!(2), "tools/call", params);
    let call_hs = |name: Option<&'static str>| {
        let mut hs = modern_headers("tools/call");
        hs.extend(name.map(|n| ("mcp-name", n)));
        hs
    };
    assert_eq!(status_code(&f.reply("POST", &call_hs(None), &call)), (400, -32020));
    assert_eq!(status_code(&f.reply("POST", &call_hs(Some("wrong_tool_name")), &call)), (400, -32020));
    assert_eq!(status_code(&f.reply("POST", &call_hs(Some("=?base64?!!?=")), &call)), (400, -32020));
    for ok in ["  show_order  ", "=?base64?c2hvd19vcmRlcg==?="] {
        assert!(matches!(f.run("POST", &call_hs(Some(ok)), &call), Outcome::CallTool(_)), "{ok}");
    }

    let read = modern_body(json!(3), "resources/read", json!({"uri": "ui://shop/show_order"}));
    let mut hs = modern_headers("resources/read");
    assert_eq!(status_code(&f.reply("POST", &hs, &read)), (400, -32020));
    hs.push(("mcp-name", "ui://shop/show_order"));
    assert_eq!(f.reply("POST", &hs, &read).status, 200);
}

#[test]
fn unknown_and_legacy_only_methods_are_404_method_not_found() {
    let f = Fixture::new();
    for m in ["initialize", "ping", "logging/setLevel", "resources/subscribe", "prompts/list", "unknown/method"] {
        let r = f.modern_reply(json!(500), m, json!({}));
        assert_eq!(status_code(&r), (404, -32601), "{m}");
        assert_eq!(body(&r)["id"], 500);
    }
    // initialize without a modern envelope but with the modern header.
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}});
    let r = f.reply("POST", &modern_headers("initialize"), &init.to_string());
    assert_eq!(status_code(&r), (400, -32020));
}

#[test]
fn get_and_delete_are_405_and_session_ids_are_ignored() {
    let f = Fixture::new();
    let sid = f.initialize();
    for method in ["GET", "DELETE"] {
        let hs = [
            ("mcp-protocol-version", MODERN_VERSION),
            ("mcp-session-id", sid.as_str()),
            ("accept", "text/event-stream"),
        ];
        let r = f.reply(method, &hs, "");
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(header_of(&r, "allow"), Some("POST, OPTIONS"));
    }
    let mut hs = modern_headers("tools/list");
    hs.push(("mcp-session-id", "not-a-session"));
    let r = f.reply("POST", &hs, &modern_body(json!(1), "tools/list", json!({})));
    assert_eq!(r.status, 200);
    assert_eq!(header_of(&r, "mcp-session-id"), None, "modern never mints or echoes sessions");
}

#[test]
fn every_result_is_complete_and_cacheable_ones_carry_hints() {
    let f = Fixture::new();
    for (method, params, cacheable) in [
        ("tools/list", json!({}), true),
        ("resources/list", json!({}), true),
        ("resources/templates/list", json!({}), true),
        ("resources/read", json!({"uri": "ui://shop/show_order"}), true),
    ] {
        let r = result(&f.modern_reply(json!(1), method, params));
        assert_eq!(r["resultType"], "complete", "{method}");
        assert_eq!(r.get("ttlMs").is_some(), cacheable, "{method}");
        assert_eq!(r["cacheScope"], "private", "{method}");
    }
    let Outcome::CallTool(call) =
        f.modern(json!(9), "tools/call", json!({"name":"show_order","arguments":{"order_id":"A"}}))
    else {
        panic!("expected a call");
    };
    let result_value = crate::mcp::tools::interactive_result(&call.tool, &call.arguments);
    let r = super::result(&crate::mcp::finish_tool_call(call, result_value));
    assert_eq!(r["resultType"], "complete");
    assert!(r.get("ttlMs").is_none() && r.get("cacheScope").is_none());
}

#[test]
fn resource_not_found_is_in_band_invalid_params_with_the_uri() {
    let f = Fixture::new();
    let uri = "test://nonexistent-resource-for-conformance-testing";
    let r = f.modern_reply(json!(2), "resources/read", json!({"uri": uri}));
    assert_eq!(status_code(&r), (200, -32602));
    assert_eq!(body(&r)["error"]["data"]["uri"], uri);
    assert!(body(&r).get("result").is_none(), "never an empty contents list");
}

fn listen(f: &Fixture, id: Value, filter: Value) -> (StreamKind, HttpReply) {
    let r = f.modern_reply(id, "subscriptions/listen", json!({"notifications": filter}));
    assert_eq!(r.status, 200);
    assert_eq!(header_of(&r, "content-type"), Some("text/event-stream"));
    match &r.body {
        ReplyBody::OpenStream(k) => (k.clone(), r),
        other => panic!("expected an open stream, got {other:?}"),
    }
}

#[test]
fn subscriptions_listen_acknowledges_first_and_tags_the_id() {
    let f = Fixture::new();
    let (kind, _) = listen(&f, json!(77), json!({"toolsListChanged": true, "promptsListChanged": true}));
    let StreamKind::ModernListen { subscription_id, acknowledged, filter } = kind else {
        panic!("modern listen expected");
    };
    assert_eq!(subscription_id, json!(77));
    let ack = acknowledged.json().unwrap();
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(ack["params"]["_meta"][SUBSCRIPTION_ID_KEY], 77);
    assert_eq!(ack["params"]["notifications"], json!({"toolsListChanged": true}));
    assert_eq!(filter.tools_list_changed, Some(true));
    assert_eq!(filter.prompts_list_changed, None, "no prompts: not honoured");
    let change = modern_list_changed(&subscription_id).json().unwrap();
    assert_eq!(change["params"]["_meta"][SUBSCRIPTION_ID_KEY], 77);

    let (kind, _) = listen(&f, json!("s"), json!({"promptsListChanged": true}));
    let StreamKind::ModernListen { filter, acknowledged, .. } = kind else { panic!() };
    assert_eq!(filter.tools_list_changed, None, "tools were not requested");
    assert_eq!(acknowledged.json().unwrap()["params"]["notifications"], json!({}));

    let r = f.modern_reply(json!(3), "subscriptions/listen", json!({}));
    assert_eq!(status_code(&r), (200, -32602));
}

#[test]
fn notifications_are_202_and_posted_responses_are_refused() {
    let f = Fixture::new();
    let n = json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}});
    let hs = modern_headers("notifications/cancelled");
    let r = f.reply("POST", &hs, &n.to_string());
    assert_eq!((r.status, &r.body), (202, &ReplyBody::Empty));
    let resp = json!({"jsonrpc":"2.0","id":1,"result":{}});
    let r = f.reply("POST", &modern_headers("x"), &resp.to_string());
    assert_eq!(status_code(&r), (400, -32600));
}
