//! 2025-11-25 / 2025-06-18 / 2025-03-26 rows of the SPEC-NOTES table.

use serde_json::json;

use super::*;
use crate::mcp::engine::{session_ended_by, StreamKind};
use crate::mcp::session::{self, SESSION_MAX_AGE_SECS};

fn init_with(f: &Fixture, version: &str) -> HttpReply {
    let body = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion": version, "capabilities": {}, "clientInfo": {"name":"c","version":"1"}}});
    f.reply("POST", BASE, &body.to_string())
}

#[test]
fn initialize_negotiates_the_version() {
    let f = Fixture::new();
    for v in ["2025-11-25", "2025-06-18", "2025-03-26"] {
        assert_eq!(result(&init_with(&f, v))["protocolVersion"], v, "echo {v}");
    }
    for v in ["2024-11-05", "2026-07-28", "banana"] {
        assert_eq!(result(&init_with(&f, v))["protocolVersion"], "2025-11-25", "offer newest for {v}");
    }
}

#[test]
fn initialize_result_shape_and_session() {
    let f = Fixture::new();
    let r = init_with(&f, "2025-11-25");
    let res = result(&r);
    assert_eq!(res["serverInfo"], json!({"name":"shop","version":"draft","title":"Shop"}));
    assert_eq!(res["capabilities"], json!({"tools":{"listChanged":true},"resources":{"listChanged":true}}));
    assert_eq!(res["instructions"], "Use show_order to display orders.");
    assert!(res.get("resultType").is_none(), "no modern fields on legacy results");
    let sid = header_of(&r, "mcp-session-id").unwrap();
    assert!(sid.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    let host = session::verify(KEY, ENDPOINT, NOW, sid).unwrap().host;
    assert_eq!(host, Some(session::HostInfo { name: "c".into(), version: "1".into() }), "clientInfo rides in the id");
    assert!(session::verify(KEY, "https://mcp.example.com/acme/shop", NOW, sid).is_err());

    let bad = json!({"jsonrpc":"2.0","id":2,"method":"initialize","params":{}});
    assert_eq!(status_code(&f.reply("POST", BASE, &bad.to_string())), (200, -32602));
}

#[test]
fn initialized_notification_and_ping() {
    let f = Fixture::new();
    let sid = f.initialize();
    let n = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
    let r = f.legacy_reply(&sid, n.clone());
    assert_eq!((r.status, &r.body), (202, &ReplyBody::Empty));
    let r = f.reply("POST", BASE, &n.to_string());
    assert_eq!(r.status, 400, "a notification also needs the session");
    let ping = f.legacy_reply(&sid, json!({"jsonrpc":"2.0","id":"p","method":"ping"}));
    assert_eq!(body(&ping), json!({"jsonrpc":"2.0","id":"p","result":{}}));
    let resp = f.legacy_reply(&sid, json!({"jsonrpc":"2.0","id":4,"result":{}}));
    assert_eq!(resp.status, 202, "posted responses are accepted");
}

#[test]
fn session_rules() {
    let f = Fixture::new();
    let list = json!({"jsonrpc":"2.0","id":3,"method":"tools/list"});
    // Missing -> 400.
    let r = f.reply("POST", BASE, &list.to_string());
    assert_eq!(r.status, 400);
    assert_eq!(body(&r)["id"], 3);
    // Forged, from another endpoint, expired -> 404.
    let other = session::issue(KEY, "https://mcp.example.com/acme/shop", NOW, None);
    let old = session::issue(KEY, ENDPOINT, NOW - SESSION_MAX_AGE_SECS - 1, None);
    let foreign_key = session::issue(b"another key", ENDPOINT, NOW, None);
    for bad in ["forged", other.as_str(), old.as_str(), foreign_key.as_str()] {
        assert_eq!(f.legacy_reply(bad, list.clone()).status, 404, "{bad}");
    }
    // Valid -> 200.
    let sid = f.initialize();
    assert_eq!(f.legacy_reply(&sid, list.clone()).status, 200);
}

#[test]
fn delete_ends_the_session() {
    let f = Fixture::new();
    let sid = f.initialize();
    let hs = [("mcp-session-id", sid.as_str()), ("mcp-protocol-version", "2025-11-25")];
    let req_headers: Vec<(String, String)> = hs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let r = f.reply("DELETE", &hs, "");
    assert_eq!(r.status, 204);
    let req = HttpRequest { method: "DELETE", headers: &req_headers, body: b"" };
    let ended = session_ended_by(&req, &r).expect("the glue records it");
    assert_eq!(ended, sid);
    f.ended.borrow_mut().push(ended);
    let list = json!({"jsonrpc":"2.0","id":3,"method":"tools/list"});
    assert_eq!(f.legacy_reply(&sid, list).status, 404);
    assert_eq!(f.reply("DELETE", &hs, "").status, 404);
    let get = [("mcp-session-id", sid.as_str()), ("accept", "text/event-stream")];
    assert_eq!(f.reply("GET", &get, "").status, 404);
}

#[test]
fn protocol_version_header_after_initialize() {
    let f = Fixture::new();
    let sid = f.initialize();
    let list = json!({"jsonrpc":"2.0","id":3,"method":"tools/list"}).to_string();
    let mut hs = BASE.to_vec();
    hs.push(("mcp-session-id", &sid));
    // Absent: assume 2025-03-26 and serve.
    assert_eq!(f.reply("POST", &hs, &list).status, 200);
    for v in ["2025-06-18", "2025-03-26"] {
        let mut with = hs.clone();
        with.push(("mcp-protocol-version", v));
        assert_eq!(f.reply("POST", &with, &list).status, 200, "{v}");
    }
    for bad in ["2024-11-05", "garbage"] {
        let mut with = hs.clone();
        with.push(("mcp-protocol-version", bad));
        let r = f.reply("POST", &with, &list);
        assert_eq!(status_code(&r), (400, -32022), "{bad}");
    }
}

#[test]
fn unknown_methods_are_in_band_and_not_404() {
    let f = Fixture::new();
    let sid = f.initialize();
    for m in ["prompts/list", "server/discover", "subscriptions/listen", "logging/setLevel"] {
        let r = f.legacy_reply(&sid, json!({"jsonrpc":"2.0","id":8,"method":m}));
        assert_eq!(status_code(&r), (200, -32601), "{m}");
    }
}

#[test]
fn resources_per_legacy_rules() {
    let f = Fixture::new();
    let sid = f.initialize();
    let read = |uri: &str| json!({"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":uri}});
    let r = f.legacy_reply(&sid, read("ui://shop/missing"));
    assert_eq!(status_code(&r), (200, -32002));
    assert_eq!(body(&r)["error"]["data"]["uri"], "ui://shop/missing");
    let ok = result(&f.legacy_reply(&sid, read("ui://shop/show_order")));
    assert_eq!(ok["contents"][0]["mimeType"], "text/html;profile=mcp-app");
    assert!(ok.get("resultType").is_none() && ok.get("ttlMs").is_none());
    let t = result(&f.legacy_reply(&sid, json!({"jsonrpc":"2.0","id":6,"method":"resources/templates/list"})));
    assert_eq!(t, json!({"resourceTemplates": []}));
}

#[test]
fn get_opens_the_listen_stream_only_inside_a_session() {
    let f = Fixture::new();
    let sid = f.initialize();
    let r = f.reply(
        "GET",
        &[("mcp-session-id", &sid), ("accept", "text/event-stream"), ("mcp-protocol-version", "2025-11-25")],
        "",
    );
    assert_eq!(r.status, 200);
    assert_eq!(header_of(&r, "content-type"), Some("text/event-stream"));
    assert_eq!(r.body, ReplyBody::OpenStream(StreamKind::LegacyListen { session_id: sid.clone() }));
    let r = f.reply("GET", &[("mcp-session-id", &sid), ("accept", "application/json")], "");
    assert_eq!(r.status, 406);
    assert_eq!(f.reply("GET", &[("accept", "text/event-stream")], "").status, 405);
    let r = f.reply("GET", &[("accept", "text/event-stream"), ("mcp-protocol-version", "2025-11-25")], "");
    assert_eq!(r.status, 400);
    let r = f.reply("GET", &[("mcp-session-id", "v1.1.x.y"), ("accept", "text/event-stream")], "");
    assert_eq!(r.status, 404);
    let r = f.reply("DELETE", &[], "");
    assert_eq!(r.status, 405);
    let change = crate::mcp::legacy_list_changed().json().unwrap();
    assert_eq!(change, json!({"jsonrpc":"2.0","method":"notifications/tools/list_changed"}));
}

#[test]
fn legacy_results_carry_no_modern_fields() {
    let f = Fixture::new();
    let sid = f.initialize();
    let r = result(&f.legacy_reply(&sid, json!({"jsonrpc":"2.0","id":1,"method":"tools/list"})));
    assert!(r.get("resultType").is_none() && r.get("ttlMs").is_none() && r.get("_meta").is_none());
    assert_eq!(r["tools"].as_array().unwrap().len(), 4);
}
