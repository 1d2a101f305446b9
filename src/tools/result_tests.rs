use super::*;
use crate::mcp::ToolKind;
use serde_json::json;

fn tool(output_schema: Option<Value>) -> ToolSpec {
    ToolSpec {
        name: "get_order".into(),
        title: None,
        description: "d".into(),
        input_schema: json!({"type": "object"}),
        output_schema,
        annotations: None,
        kind: ToolKind::Http,
        ui: None,
    }
}

/// A tiny validator for the tests: `required` keys only.
fn required_only(schema: &Value, v: &Value) -> Result<(), Vec<(String, String)>> {
    let missing: Vec<(String, String)> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|k| v.get(k).is_none())
        .map(|k| (String::new(), format!("missing property {k:?}")))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing)
    }
}

#[test]
fn an_object_answer_becomes_structured_content_and_the_same_json_as_text() {
    let (r, code) = outcome(&tool(None), DataKind::Http, Ok(json!({"total": 3})), &required_only);
    assert_eq!(code, None);
    assert_eq!(r.structured, Some(json!({"total": 3})));
    let wire = crate::mcp::tools::call_result(&tool(None), r);
    let v = serde_json::to_value(&wire).unwrap();
    assert_eq!(v, json!({"content": [{"type": "text", "text": "{\"total\":3}"}], "structuredContent": {"total": 3}}));
}

#[test]
fn the_output_schema_is_checked() {
    let t = tool(Some(json!({"type": "object", "required": ["total"]})));
    let (r, code) = outcome(&t, DataKind::Http, Ok(json!({"count": 3})), &required_only);
    assert!(r.is_error);
    assert_eq!(code, Some(ErrorCode::OutputSchemaMismatch));
    assert!(r.content_text.contains("does not match its outputSchema"), "{}", r.content_text);
    assert!(r.content_text.contains("missing property \"total\""), "{}", r.content_text);
}

#[test]
fn a_full_mcp_result_passes_through() {
    let answer = json!({
        "content": [{"type": "text", "text": "hi"}, {"type": "image", "data": "AAAA", "mimeType": "image/png"}],
        "structuredContent": {"total": 1},
        "_meta": {"x": 1},
    });
    let (r, code) = outcome(&tool(None), DataKind::Http, Ok(answer.clone()), &required_only);
    assert_eq!(code, None);
    let v = serde_json::to_value(crate::mcp::tools::call_result(&tool(None), r)).unwrap();
    assert_eq!(v, answer);
}

#[test]
fn a_passed_through_error_is_tool_failed() {
    let answer = json!({"content": [{"type": "text", "text": "no such order"}], "isError": true});
    let t = tool(Some(json!({"type": "object", "required": ["total"]})));
    let (r, code) = outcome(&t, DataKind::Http, Ok(answer.clone()), &required_only);
    assert_eq!(code, Some(ErrorCode::ToolFailed));
    assert_eq!(serde_json::to_value(crate::mcp::tools::call_result(&t, r)).unwrap(), answer);
}

#[test]
fn a_malformed_full_result_is_refused_with_where() {
    for (answer, words) in [
        (json!({"content": [{"type": "text"}]}), "content[0] needs a string \"text\""),
        (json!({"content": [{"type": "video", "x": 1}]}), "content[0] has an unknown type \"video\""),
        (json!({"content": ["hi"]}), "content[0] is not an object"),
        (json!({"content": [], "isError": "yes"}), "isError is not a boolean"),
        (
            json!({"content": [{"type": "text", "text": "x"}], "structuredContent": [1]}),
            "structuredContent is not an object",
        ),
        (json!({"content": []}), "content is empty"),
    ] {
        let (r, code) = outcome(&tool(None), DataKind::Http, Ok(answer.clone()), &required_only);
        assert_eq!(code, Some(ErrorCode::UpstreamInvalid), "{answer}");
        assert!(r.content_text.contains(words), "{answer}: {}", r.content_text);
    }
}

#[test]
fn an_object_with_content_and_other_keys_is_plain_data() {
    let answer = json!({"content": [1, 2], "page": 2});
    let (r, code) = outcome(&tool(None), DataKind::Http, Ok(answer.clone()), &required_only);
    assert_eq!(code, None);
    assert_eq!(r.structured, Some(answer));
}

#[test]
fn non_objects_and_failures_name_themselves() {
    let cases: Vec<(Result<Value, Failure>, &str, ErrorCode)> = vec![
        (Ok(json!([1])), "not a JSON object", ErrorCode::UpstreamInvalid),
        (parse_body(b"<html>"), "not valid JSON", ErrorCode::UpstreamInvalid),
        (Err(Failure::Status { status: 500 }), "answered HTTP 500", ErrorCode::UpstreamFailed),
        (Err(Failure::Timeout { limit_ms: 1500 }), "timeout of 1500 ms", ErrorCode::UpstreamTimeout),
        (Err(Failure::TooLarge { limit_bytes: 1048576 }), "too large", ErrorCode::UpstreamTooLarge),
        (
            Err(Failure::SecretMissing { name: "API_KEY".into(), channel: "production" }),
            "\"API_KEY\" has no value in production",
            ErrorCode::SecretMissing,
        ),
        (
            Err(Failure::RateLimited { limit_per_minute: 3, retry_after_secs: 42 }),
            "rate limit of 3 calls per minute is reached; retry after 42 seconds",
            ErrorCode::DataToolRateLimited,
        ),
        (Err(Failure::Refused("the URL must use https".into())), "must use https", ErrorCode::UpstreamRefused),
    ];
    for (answer, words, want) in cases {
        let (r, code) = outcome(&tool(None), DataKind::Http, answer, &required_only);
        assert!(r.is_error);
        assert_eq!(code, Some(want), "{words}");
        assert!(r.content_text.contains(words), "{words}: {}", r.content_text);
        assert!(r.content_text.starts_with("The tool \"get_order\" failed: "), "{}", r.content_text);
    }
}

#[test]
fn the_same_failure_is_the_handlers_for_code() {
    assert_eq!(Failure::NotAnObject.error_code(DataKind::Code), ErrorCode::HandlerInvalid);
    assert_eq!(Failure::NotAnObject.error_code(DataKind::Http), ErrorCode::UpstreamInvalid);
    assert_eq!(Failure::HandlerThrew("boom".into()).error_code(DataKind::Code), ErrorCode::HandlerThrew);
    let long = "x".repeat(2000);
    assert!(Failure::HandlerThrew(long).message("t").len() < 700);
}
