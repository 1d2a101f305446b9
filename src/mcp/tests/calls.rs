//! tools/list (order, cursors), tools/call (both phases), resources.

use serde_json::{json, Value};

use super::*;
use crate::mcp::era::Era;
use crate::mcp::tools::{conform_output, interactive_result, PAGE_SIZE};
use crate::mcp::{finish_tool_call, ToolCall};

fn call(f: &Fixture, params: Value) -> ToolCall {
    match f.modern(json!(9), "tools/call", params) {
        Outcome::CallTool(c) => c,
        Outcome::Reply(r) => panic!("expected a call, got {:?}", r.body),
    }
}

#[test]
fn tools_are_listed_by_name_with_their_metadata() {
    let f = Fixture::new();
    let tools = result(&f.modern_reply(json!(1), "tools/list", json!({})))["tools"].clone();
    let names: Vec<&str> = tools.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["fetch_stock", "quote", "regional", "show_order"]);
    let show = &tools[3];
    assert_eq!(show["title"], "Order card");
    assert_eq!(show["annotations"], json!({"readOnlyHint": true}));
    assert_eq!(show["inputSchema"]["required"], json!(["order_id"]));
    assert_eq!(show["_meta"]["ui"], json!({"resourceUri": "ui://shop/show_order", "visibility": ["model", "app"]}));
    assert_eq!(show["_meta"]["ui/resourceUri"], "ui://shop/show_order");
    assert_eq!(show["_meta"]["openai/outputTemplate"], "ui://shop/show_order", "ChatGPT's key, same resource");
    assert_eq!(show["_meta"]["openai/widgetAccessible"], true);
    assert!(tools[0].get("_meta").is_none(), "a data tool has no UI keys");
    assert_eq!(tools[0]["title"], "Fetch stock", "an unset title is the name made readable");
    assert!(tools[1]["outputSchema"].is_object());
    assert!(result(&f.modern_reply(json!(1), "tools/list", json!({}))).get("nextCursor").is_none());
}

fn many_tools(n: usize) -> Fixture {
    let mut view = sample_view();
    // Inserted in a scrambled order: the engine sorts.
    view.tools = (0..n).map(|i| tool(&format!("t{:03}", (i * 97) % n), ToolKind::Interactive)).collect();
    Fixture::with_view(view)
}

#[test]
fn pagination_over_250_tools_in_both_eras() {
    let f = many_tools(250);
    let sid = f.initialize();
    for era in ["modern", "legacy"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let params = cursor.as_ref().map_or(json!({}), |c| json!({"cursor": c}));
            let r = if era == "modern" {
                f.modern_reply(json!(pages), "tools/list", params)
            } else {
                f.legacy_reply(&sid, json!({"jsonrpc":"2.0","id":pages,"method":"tools/list","params":params}))
            };
            let res = result(&r);
            let page = res["tools"].as_array().unwrap();
            assert!(page.len() <= PAGE_SIZE);
            seen.extend(page.iter().map(|t| t["name"].as_str().unwrap().to_string()));
            pages += 1;
            match res.get("nextCursor").and_then(Value::as_str) {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(pages, 3, "{era}");
        let expected: Vec<String> = (0..250).map(|i| format!("t{i:03}")).collect();
        assert_eq!(seen, expected, "{era}: every tool once, in order");
    }
}

#[test]
fn cursors_survive_a_change_between_pages() {
    let mut f = many_tools(150);
    let first = result(&f.modern_reply(json!(1), "tools/list", json!({})));
    let cursor = first["nextCursor"].as_str().unwrap().to_string();
    // The last tool of page one (t099) is deleted before page two is read.
    f.view.tools.retain(|t| t.name != "t099");
    let second = result(&f.modern_reply(json!(2), "tools/list", json!({"cursor": cursor})));
    assert_eq!(second["tools"][0]["name"], "t100");
    assert_eq!(second["tools"].as_array().unwrap().len(), 50);
}

#[test]
fn invalid_cursors_are_invalid_params() {
    let f = many_tools(150);
    let resource_cursor = crate::crypto::b64url_encode(b"r1:ui://x");
    for c in [json!("!!!"), json!("dDE"), json!(resource_cursor), json!(123)] {
        let r = f.modern_reply(json!(1), "tools/list", json!({"cursor": c}));
        assert_eq!(status_code(&r), (200, -32602), "{c}");
    }
    let r = f.modern_reply(json!(1), "resources/list", json!({"cursor": "@@"}));
    assert_eq!(status_code(&r), (200, -32602));
}

#[test]
fn unknown_tool_is_invalid_params_in_both_eras() {
    let f = Fixture::new();
    let r = f.modern_reply(json!(1), "tools/call", json!({"name": "nope", "arguments": {}}));
    assert_eq!(status_code(&r), (200, -32602));
    assert_eq!(body(&r)["error"]["data"]["name"], "nope");
    let sid = f.initialize();
    let r = f.legacy_reply(&sid, json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"nope"}}));
    assert_eq!(status_code(&r), (200, -32602));
    let r = f.legacy_reply(&sid, json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{}}));
    assert_eq!(status_code(&r), (200, -32602), "name is required");
}

#[test]
fn invalid_arguments_are_an_error_result_naming_each_path() {
    let f = Fixture::new();
    let r = f.modern_reply(json!(1), "tools/call", json!({"name":"show_order","arguments":{"qty":"two"}}));
    let res = result(&r);
    assert_eq!(res["isError"], true);
    assert_eq!(res["resultType"], "complete");
    let text = res["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("show_order") && text.contains("(root)") && text.contains("order_id"), "{text}");
    assert!(text.contains("/qty"), "{text}");
    for args in [json!([1, 2]), json!("x")] {
        let res = result(&f.modern_reply(json!(2), "tools/call", json!({"name":"show_order","arguments":args})));
        assert_eq!(res["isError"], true);
        assert!(res["content"][0]["text"].as_str().unwrap().contains("must be a JSON object"));
    }
    // Absent arguments are {} and fail `required` the same way.
    let res = result(&f.modern_reply(json!(3), "tools/call", json!({"name":"show_order"})));
    assert!(res["content"][0]["text"].as_str().unwrap().contains("order_id"));
}

#[test]
fn interactive_call_returns_the_arguments() {
    let f = Fixture::new();
    let args = json!({"order_id": "A-17", "qty": 2});
    let c = call(&f, json!({"name": "show_order", "arguments": args}));
    assert_eq!((c.era, c.arguments.clone(), c.tool.name.as_str()), (Era::Modern, args.clone(), "show_order"));
    let tr = interactive_result(&c.tool, &c.arguments);
    let r = finish_tool_call(c, tr);
    let res = result(&r);
    assert_eq!(res["structuredContent"], args);
    assert!(res.get("isError").is_none());
    assert!(res["content"][0]["text"].as_str().unwrap().contains("show_order"));
    let json_block: Value = serde_json::from_str(res["content"][1]["text"].as_str().unwrap()).unwrap();
    assert_eq!(json_block, args, "the same JSON as a text block");
}

#[test]
fn output_schema_means_conforming_structured_content_and_a_text_block() {
    let f = Fixture::new();
    let c = call(&f, json!({"name": "quote", "arguments": {"sku": "X-1"}}));
    let tr = conform_output(&c.tool, interactive_result(&c.tool, &c.arguments), &validate);
    let res = result(&finish_tool_call(c, tr));
    assert_eq!(res["structuredContent"], json!({"sku": "X-1"}));
    let texts: Vec<&str> = res["content"].as_array().unwrap().iter().map(|b| b["text"].as_str().unwrap()).collect();
    assert!(texts.contains(&r#"{"sku":"X-1"}"#));

    let c = call(&f, json!({"name": "quote", "arguments": {}}));
    let tr = conform_output(&c.tool, interactive_result(&c.tool, &c.arguments), &validate);
    assert!(tr.is_error && tr.content_text.contains("outputSchema"));
    let res = result(&finish_tool_call(c, tr));
    assert_eq!(res["isError"], true);

    let c = call(&f, json!({"name": "quote", "arguments": {"sku": "Y"}}));
    let empty =
        crate::mcp::ToolResult { content_text: "done".into(), structured: None, is_error: false, ..Default::default() };
    let res = result(&finish_tool_call(c, empty));
    assert_eq!(res["isError"], true, "no structuredContent despite an outputSchema");
}

#[test]
fn param_headers_are_checked_on_modern_calls_only() {
    let f = Fixture::new();
    let params = json!({"name": "regional", "arguments": {"region": "us-west1"}});
    let body = modern_body(json!(1), "tools/call", params.clone());
    let mut hs = modern_headers("tools/call");
    hs.push(("mcp-name", "regional"));
    assert_eq!(status_code(&f.reply("POST", &hs, &body)), (400, -32020));
    hs.push(("mcp-param-region", "=?base64?dXMtd2VzdDE=?="));
    assert!(matches!(f.run("POST", &hs, &body), Outcome::CallTool(_)));
    let sid = f.initialize();
    let legacy = f.legacy(&sid, json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":params}));
    let Outcome::CallTool(c) = legacy else { panic!("legacy ignores Mcp-Param headers") };
    assert_eq!(c.era, Era::Legacy);
    let tr = interactive_result(&c.tool, &c.arguments);
    let res = result(&finish_tool_call(c, tr));
    assert!(res.get("resultType").is_none());
}

#[test]
fn finish_keeps_the_request_format_and_cors() {
    let f = Fixture::new();
    let body = modern_body(json!("c"), "tools/call", json!({"name":"show_order","arguments":{"order_id":"A"}}));
    let mut hs = modern_headers("tools/call");
    hs.retain(|(k, _)| *k != "accept");
    hs.extend([
        ("accept", "text/event-stream, application/json;q=0.5"),
        ("mcp-name", "show_order"),
        ("origin", "https://inspector.example"),
    ]);
    let Outcome::CallTool(c) = f.run("POST", &hs, &body) else { panic!() };
    let tr = interactive_result(&c.tool, &c.arguments);
    let r = finish_tool_call(c, tr);
    assert!(matches!(r.body, ReplyBody::Sse(_)));
    assert_eq!(header_of(&r, "access-control-allow-origin"), Some("https://inspector.example"));
    assert_eq!(body_id(&r), json!("c"));
}

fn body_id(r: &HttpReply) -> Value {
    super::body(r)["id"].clone()
}

#[test]
fn ui_resources_list_and_read() {
    let f = Fixture::new();
    let list = result(&f.modern_reply(json!(1), "resources/list", json!({})));
    let resources = list["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 1);
    assert_eq!(resources[0]["uri"], "ui://shop/show_order");
    assert_eq!(resources[0]["mimeType"], "text/html;profile=mcp-app");
    assert_eq!(resources[0]["_meta"]["ui"]["prefersBorder"], true);
    let read = result(&f.modern_reply(json!(2), "resources/read", json!({"uri": "ui://shop/show_order"})));
    let c = &read["contents"][0];
    assert_eq!(c["text"], "<!doctype html><html><body>order</body></html>");
    assert_eq!(c["mimeType"], "text/html;profile=mcp-app");
    assert_eq!(c["_meta"]["ui"]["csp"], json!({"connectDomains": ["https://api.example.com"]}));
    let t = result(&f.modern_reply(json!(3), "resources/templates/list", json!({})));
    assert_eq!(t["resourceTemplates"], json!([]));
}

#[test]
fn a_passed_through_meta_keeps_its_keys_next_to_server_info() {
    let f = Fixture::new();
    let c = call(&f, json!({"name": "fetch_stock", "arguments": {}}));
    let tr = crate::mcp::ToolResult {
        blocks: vec![json!({"type": "text", "text": "hi"})],
        meta: Some(json!({"example.com/trace": "t-1"})),
        ..Default::default()
    };
    let res = result(&finish_tool_call(c, tr));
    assert_eq!(res["_meta"]["example.com/trace"], "t-1", "the tool's own _meta survives: {res}");
    assert!(res["_meta"]["io.modelcontextprotocol/serverInfo"].is_object(), "and serverInfo is still there: {res}");
    assert_eq!(res["content"], json!([{"type": "text", "text": "hi"}]));
}
