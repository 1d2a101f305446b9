use serde_json::{json, Value};

use super::*;

const DEV: ValidationOptions =
    ValidationOptions { allow_loopback_upstreams: true, secret_names: None, upstream_hosts: None };
const PROD: ValidationOptions =
    ValidationOptions { allow_loopback_upstreams: false, secret_names: None, upstream_hosts: None };

fn interactive() -> Value {
    json!({
        "name": "show_order",
        "title": "Order card",
        "description": "Shows one order as a card the user can act on.",
        "kind": "interactive",
        "input_schema": {"type": "object", "properties": {"order_id": {"type": "string"}},
                         "required": ["order_id"], "additionalProperties": false},
        "output_schema": null,
        "annotations": {"readOnlyHint": true},
        "scopes": ["orders:read"],
        "ui": {"html": "<!doctype html><p>hi</p>", "csp": {"connectDomains": []}, "prefers_border": true},
        "http": null
    })
}

fn http() -> Value {
    json!({
        "name": "get_order",
        "description": "Fetches an order.",
        "kind": "http",
        "input_schema": {"type": "object", "properties": {"id": {"type": "string"}}},
        "output_schema": {"type": "object", "properties": {"status": {"type": "string"}}},
        "http": {"url": "https://api.example.com/orders", "timeout_ms": 5000,
                 "headers": {"X-Api-Version": "2"}, "secret": "orders_hmac"}
    })
}

fn run(doc: &Value, opts: &ValidationOptions) -> Result<TypeDoc, Vec<Problem>> {
    let name = doc["name"].as_str().unwrap_or("x").to_string();
    validate_type(doc.to_string().as_bytes(), &name, &["other"], opts)
}

/// The problem paths of a refused document (panics if it was accepted).
fn paths(doc: &Value, opts: &ValidationOptions) -> Vec<String> {
    match run(doc, opts) {
        Ok(t) => panic!("accepted: {t:?}"),
        Err(ps) => ps.into_iter().map(|p| p.path).collect(),
    }
}

fn with(mut doc: Value, pointer: &str, value: Value) -> Value {
    *doc.pointer_mut(pointer).expect("pointer exists in the fixture") = value;
    doc
}

#[test]
fn embedded_schema_compiles() {
    assert!(with_document_validator(|v| v.is_ok()));
}

#[test]
fn valid_documents_parse() {
    let t = run(&interactive(), &PROD).expect("interactive is valid");
    assert_eq!(t.kind, Kind::Interactive);
    assert_eq!(t.scopes, ["orders:read"]);
    assert_eq!(t.ui.as_ref().and_then(|u| u.prefers_border), Some(true));
    assert_eq!(t.output_schema, None);
    let h = run(&http(), &PROD).expect("http is valid");
    let spec = h.http.expect("http spec");
    assert_eq!(spec.timeout_ms_or_default(), 5000);
    assert_eq!(spec.headers.map(|m| m.len()), Some(1));
    assert!(h.scopes.is_empty());
}

#[test]
fn serializes_without_nulls_and_round_trips() {
    let t = run(&http(), &PROD).expect("valid");
    let v = serde_json::to_value(&t).expect("serializes");
    assert_eq!(v["kind"], "http");
    assert!(v.get("ui").is_none() && v.get("title").is_none());
    let back: TypeDoc = serde_json::from_value(v).expect("round trip");
    assert_eq!(back, t);
}

#[test]
fn name_rules() {
    let long = "a".repeat(65);
    for bad in ["", "has space", "ünï", "a/b", long.as_str()] {
        let doc = with(interactive(), "/name", json!(bad));
        let problems = validate_type(doc.to_string().as_bytes(), bad, &[], &PROD).unwrap_err();
        assert_eq!(problems.len(), 1, "{bad:?}: {problems:?}");
        assert_eq!(problems[0].path, "/name");
    }
    let ok = "A.b-c_9".repeat(9) + "x";
    assert_eq!(ok.len(), 64);
    let doc = with(interactive(), "/name", json!(ok));
    assert!(validate_type(doc.to_string().as_bytes(), &ok, &[], &PROD).is_ok());
}

#[test]
fn name_must_match_url_and_be_unique() {
    let raw = interactive().to_string();
    let p = validate_type(raw.as_bytes(), "other_name", &[], &PROD).unwrap_err();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].path, "/name");
    assert!(p[0].message.contains("URL"));
    let p = validate_type(raw.as_bytes(), "show_order", &["a", "show_order"], &PROD).unwrap_err();
    assert_eq!(p[0].path, "/name");
    assert!(p[0].message.contains("already named"));
    // Updating a Type: its own name is not in `existing_names`.
    assert!(validate_type(raw.as_bytes(), "show_order", &["a", "Show_Order"], &PROD).is_ok());
}

#[test]
fn description_required_and_not_blank() {
    let mut doc = interactive();
    doc.as_object_mut().map(|o| o.remove("description"));
    assert_eq!(paths(&doc, &PROD), [""]);
    for blank in ["", "   \n"] {
        let doc = with(interactive(), "/description", json!(blank));
        let p = run(&doc, &PROD).unwrap_err();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].path, "/description");
    }
}

#[test]
fn structural_errors_have_paths() {
    let mut doc = interactive();
    doc["extra"] = json!(1);
    assert_eq!(paths(&doc, &PROD), [""]);
    assert_eq!(paths(&with(interactive(), "/kind", json!("tool")), &PROD), ["/kind"]);
    assert_eq!(paths(&with(interactive(), "/annotations", json!({"readonlyHint": true})), &PROD), ["/annotations"]);
    assert_eq!(
        paths(&with(interactive(), "/annotations/readOnlyHint", json!("yes")), &PROD),
        ["/annotations/readOnlyHint"]
    );
    assert_eq!(
        paths(&with(interactive(), "/ui/csp/connectDomains", json!("a.com")), &PROD),
        ["/ui/csp/connectDomains"]
    );
}

#[test]
fn input_schema_must_be_an_object_schema_that_compiles() {
    let cases = [
        (json!({"type": "string"}), "/input_schema/type"),
        (json!({"properties": {}}), "/input_schema"),
        (json!([1]), "/input_schema"),
        (json!({"type": "object", "properties": {"a": {"type": "strin"}}}), "/input_schema/properties/a/type"),
        (json!({"type": "object", "properties": {"a": {"pattern": "(("}}}), "/input_schema/properties/a/pattern"),
        (json!({"type": "object", "$ref": "#/$defs/missing"}), "/input_schema/$ref"),
        (json!({"type": "object", "$schema": "http://json-schema.org/draft-07/schema#"}), "/input_schema/$schema"),
    ];
    for (schema, path) in cases {
        let doc = with(interactive(), "/input_schema", schema.clone());
        assert_eq!(paths(&doc, &PROD), [path], "{schema}");
    }
    let local = json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
        "$defs": {"id": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/id"},
        "b": {"const": {"$ref": "https://example.com/data-not-a-ref"}}}});
    assert!(run(&with(interactive(), "/input_schema", local), &PROD).is_ok());
}

#[test]
fn network_refs_are_refused() {
    for r in ["https://example.com/s.json", "http://json-schema.org/draft-07/schema#", "other.json"] {
        let schema = json!({"type": "object", "properties": {"a": {"anyOf": [{"$ref": r}]}}});
        let doc = with(interactive(), "/input_schema", schema);
        let p = run(&doc, &PROD).unwrap_err();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].path, "/input_schema/properties/a/anyOf/0/$ref");
        assert!(p[0].message.contains("refused"));
    }
    let doc = with(http(), "/output_schema", json!({"type": "object", "$dynamicRef": "https://x/y"}));
    assert_eq!(paths(&doc, &PROD), ["/output_schema/$dynamicRef"]);
}

#[test]
fn compiler_never_fetches() {
    // The guarantee under the pre-check: offline compilation refuses to build.
    let err = compile_schema(&json!({"$ref": "https://example.com/schema.json"}));
    assert!(err.is_err());
    let p = validate_arguments(&json!({"$ref": "https://example.com/s.json"}), &json!({})).unwrap_err();
    assert_eq!(p[0].path, "");
}

#[test]
fn output_schema_rules() {
    assert_eq!(paths(&with(http(), "/output_schema", json!({"type": "array"})), &PROD), ["/output_schema/type"]);
    assert_eq!(paths(&with(http(), "/output_schema", json!("object")), &PROD), ["/output_schema"]);
    assert!(run(&with(http(), "/output_schema", Value::Null), &PROD).is_ok());
}

#[test]
fn interactive_needs_ui_and_no_http() {
    assert_eq!(paths(&with(interactive(), "/ui", Value::Null), &PROD), ["/ui"]);
    assert_eq!(paths(&with(interactive(), "/ui", json!({"csp": null})), &PROD), ["/ui"]);
    let doc = with(interactive(), "/http", json!({"url": "https://a.example", "secret": "s"}));
    assert_eq!(paths(&doc, &PROD), ["/http"]);
    let doc = with(interactive(), "/http", Value::Null);
    let mut doc = with(doc, "/output_schema", json!({"type": "object"}));
    doc["code"] = json!({"source": "export default {}"});
    assert_eq!(paths(&doc, &PROD), ["/code"]);
}

#[test]
fn ui_html_size_limit() {
    let at_limit = "x".repeat(MAX_UI_HTML_BYTES);
    assert!(run(&with(interactive(), "/ui/html", json!(at_limit)), &PROD).is_ok());
    // Bytes, not characters: 'é' is two bytes.
    let over = "é".repeat(MAX_UI_HTML_BYTES / 2 + 1);
    assert_eq!(paths(&with(interactive(), "/ui/html", json!(over)), &PROD), ["/ui/html"]);
}

#[test]
fn document_size_limit() {
    let big = "x".repeat(MAX_TYPE_BYTES);
    let doc = with(interactive(), "/description", json!(big));
    let p = run(&doc, &PROD).unwrap_err();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].path, "");
    assert!(p[0].message.contains("1 MiB"));
}

#[test]
fn not_json_or_not_an_object() {
    for raw in [&b"{"[..], b"\xff\xfe", b"[]", b"\"x\""] {
        let p = validate_type(raw, "x", &[], &PROD).unwrap_err();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].path, "");
    }
}

#[test]
fn http_needs_http_and_no_ui() {
    assert_eq!(paths(&with(http(), "/http", Value::Null), &PROD), ["/http"]);
    let mut doc = http();
    doc["ui"] = json!({"html": "<p>"});
    assert_eq!(paths(&doc, &PROD), ["/ui"]);
}

#[test]
fn upstream_url_rules() {
    let cases = [
        ("https://api.example.com/x", true, true),
        ("http://api.example.com/x", false, false),
        ("ftp://api.example.com/x", false, false),
        ("not a url", false, false),
        ("https://user:pw@api.example.com/", false, false),
        ("https://localhost:8787/x", false, true),
        ("http://localhost:8787/x", false, true),
        ("http://127.0.0.1:8787/x", false, true),
        ("http://[::1]:8787/x", false, true),
        ("http://app.localhost/x", false, true),
        ("https://10.1.2.3/x", false, false),
        ("https://192.168.0.1/x", false, false),
        ("https://169.254.169.254/latest", false, false),
        ("https://[fd00::1]/x", false, false),
        ("https://[::ffff:10.0.0.1]/x", false, false),
        ("https://0.0.0.0/x", false, false),
        ("https://93.184.216.34/x", true, true),
        // Host names are ASCII only (idna's stub back end): punycode works.
        ("https://b\u{fc}cher.example.com/x", false, false),
        ("https://xn--bcher-kva.example.com/x", true, true),
        // The outbound guard's other refusals (one check for CIMD and Types).
        ("https://0x7f.1/x", false, true),
        ("https://[::ffff:7f00:1]/x", false, false),
        ("https://metadata.google.internal/x", false, false),
        ("https://intranet/x", false, false),
        ("https://100.64.0.1/x", false, false),
    ];
    for (url, prod_ok, dev_ok) in cases {
        let doc = with(http(), "/http/url", json!(url));
        for (opts, expect_ok) in [(&PROD, prod_ok), (&DEV, dev_ok)] {
            match run(&doc, opts) {
                Ok(_) => assert!(expect_ok, "{url} accepted with {opts:?}"),
                Err(p) => {
                    assert!(!expect_ok, "{url} refused with {opts:?}: {p:?}");
                    assert_eq!(p.len(), 1);
                    assert_eq!(p[0].path, "/http/url");
                }
            }
        }
    }
}

#[test]
fn timeout_and_headers() {
    for bad in [json!(60001), json!(0), json!(1.5), json!("10")] {
        let doc = with(http(), "/http/timeout_ms", bad.clone());
        assert_eq!(paths(&doc, &PROD), ["/http/timeout_ms"], "{bad}");
    }
    assert!(run(&with(http(), "/http/timeout_ms", json!(60000)), &PROD).is_ok());
    assert!(run(&with(http(), "/http/timeout_ms", json!(1)), &PROD).is_ok());
    let headers = json!({"Host": "x", "X-Dockyard-Signature": "x", "Bad Name": "x",
                         "X-Ok": "a\r\nInjected: 1", "X-Num": 1, "X-Fine": "v"});
    let doc = with(http(), "/http/headers", headers);
    assert_eq!(
        paths(&doc, &PROD),
        [
            "/http/headers/Bad Name",
            "/http/headers/Host",
            "/http/headers/X-Dockyard-Signature",
            "/http/headers/X-Num",
            "/http/headers/X-Ok"
        ]
    );
}

#[test]
fn scope_rules() {
    let mut scopes: Vec<Value> = (0..12).map(|i| json!(format!("s{i}:read"))).collect();
    scopes[2] = json!("Orders:Read");
    scopes[10] = json!("a".repeat(65));
    scopes[11] = json!("has space");
    let doc = with(interactive(), "/scopes", Value::Array(scopes));
    assert_eq!(paths(&doc, &PROD), ["/scopes/2", "/scopes/10", "/scopes/11"]);
    let dup = with(interactive(), "/scopes", json!(["a", "a"]));
    assert_eq!(paths(&dup, &PROD), ["/scopes"]);
    let fine = with(interactive(), "/scopes", json!(["orders:read", "a.b_c-d:e"]));
    assert!(run(&fine, &PROD).is_ok());
}

#[test]
fn every_problem_is_reported_together_in_order() {
    let doc = json!({
        "name": "bad name",
        "description": " ",
        "kind": "http",
        "input_schema": {"type": "array", "items": {"$ref": "https://evil.example/s"}},
        "scopes": ["ok", "NOPE"],
        "ui": {"html": "<p>"},
        "http": {"url": "http://example.com", "timeout_ms": 60001},
        "unknown": true
    });
    let first = validate_type(doc.to_string().as_bytes(), "good_name", &[], &PROD).unwrap_err();
    let got: Vec<&str> = first.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        got,
        [
            "",
            "/description",
            "/http",
            "/http/timeout_ms",
            "/http/url",
            "/input_schema/items/$ref",
            "/input_schema/type",
            "/name",
            "/name",
            "/scopes/1",
            "/ui"
        ]
    );
    let again = validate_type(doc.to_string().as_bytes(), "good_name", &[], &PROD).unwrap_err();
    assert_eq!(first, again);
}

#[test]
fn arguments_are_checked_with_instance_paths() {
    let schema = json!({"type": "object",
        "properties": {"order_id": {"type": "string"}, "qty": {"type": "integer", "minimum": 1},
                       "order": {"type": "object", "properties": {"id": {"type": "integer"}}}},
        "required": ["order_id"], "additionalProperties": false});
    assert!(validate_arguments(&schema, &json!({"order_id": "A1", "qty": 2})).is_ok());
    let p = validate_arguments(&schema, &json!({"order_id": 5, "qty": 0, "order": {"id": "x"}, "zz": 1})).unwrap_err();
    let got: Vec<&str> = p.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(got, ["", "/order/id", "/order_id", "/qty"]);
    assert!(p[2].message.contains("not of type \"string\""), "{}", p[2].message);
    let missing = validate_arguments(&schema, &json!({})).unwrap_err();
    assert_eq!(missing[0].path, "");
    assert!(missing[0].message.contains("order_id"));
    let compiled = compile_schema(&schema).expect("compiles");
    assert!(check_arguments(&compiled, &json!({"order_id": "x"})).is_ok());
}

#[test]
fn a_type_is_bounded_as_stored_too() {
    // `1E2` (3 bytes) is stored as `100.0` (5 bytes): under 1 MiB as sent, over it as stored.
    let numbers = vec!["1E2"; 240_000].join(",");
    let raw = interactive().to_string().replacen(
        r#""input_schema":{"#,
        &format!(r#""input_schema":{{"examples":[{numbers}],"#),
        1,
    );
    assert!(raw.len() < MAX_TYPE_BYTES, "{}", raw.len());
    let problems = validate_type(raw.as_bytes(), "show_order", &[], &DEV).expect_err("too large as stored");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].message.contains("as stored") && problems[0].message.contains("1048576"), "{problems:?}");
}

#[test]
fn names_of_studio_pages_are_reserved() {
    for reserved in RESERVED_TYPE_NAMES {
        let doc = with(interactive(), "/name", json!(reserved));
        let problems = validate_type(doc.to_string().as_bytes(), reserved, &[], &PROD).unwrap_err();
        assert!(
            problems.iter().any(|p| p.path == "/name" && p.message.contains("reserved")),
            "{reserved}: {problems:?}"
        );
    }
    let doc = with(interactive(), "/name", json!("news"));
    assert!(validate_type(doc.to_string().as_bytes(), "news", &[], &PROD).is_ok(), "a longer name is fine");
}

fn code() -> Value {
    json!({
        "name": "convert",
        "description": "Converts units.",
        "kind": "code",
        "input_schema": {"type": "object"},
        "code": {"source": "export default { async run(args, env) { return {ok: true}; } }",
                 "allowed_hosts": ["api.example.com", "api.example.com:8443"], "timeout_ms": 2000}
    })
}

#[test]
fn code_documents_parse_and_map_to_the_code_kind() {
    let t = run(&code(), &PROD).expect("code is valid");
    assert_eq!(t.kind, Kind::Code);
    let spec = t.code.as_ref().expect("code spec");
    assert_eq!(spec.timeout_ms_or_default(), 2000);
    assert_eq!(spec.allowed_hosts, ["api.example.com", "api.example.com:8443"]);
    let bare = with(code(), "/code", json!({"source": "export default {}"}));
    let spec = run(&bare, &PROD).expect("valid").code.expect("code spec");
    assert_eq!((spec.allowed_hosts.len(), spec.timeout_ms_or_default()), (0, DEFAULT_DATA_TOOL_TIMEOUT_MS));
    let tool = crate::projects::toolset::tool_spec("p", &t);
    assert_eq!(tool.kind, crate::mcp::ToolKind::Code);
    assert_eq!(paths(&with(code(), "/code", Value::Null), &PROD), ["/code"]);
    assert_eq!(paths(&with(code(), "/code/timeout_ms", json!(60001)), &PROD), ["/code/timeout_ms"]);
    assert_eq!(paths(&with(code(), "/code/source", json!("")), &PROD), ["/code/source"]);
    let mut doc = code();
    doc["ui"] = json!({"html": "<p>"});
    doc["http"] = json!({"url": "https://a.example", "secret": "s"});
    assert_eq!(paths(&doc, &PROD), ["/http", "/ui"]);
}

#[test]
fn header_values_are_strings_or_secret_references() {
    let headers = json!({"X-Plain": "v", "Authorization": {"secret": "api_token", "prefix": "Bearer "},
                         "X-Key": {"secret": "api_key"}});
    let t = run(&with(http(), "/http/headers", headers), &PROD).expect("valid");
    let spec = t.http.expect("http spec");
    let h = spec.headers.as_ref().expect("headers");
    assert_eq!(h["X-Plain"], HeaderValue::Plain("v".into()));
    assert_eq!(h["Authorization"], HeaderValue::Secret { secret: "api_token".into(), prefix: "Bearer ".into() });
    assert_eq!(h["X-Key"], HeaderValue::Secret { secret: "api_key".into(), prefix: String::new() });
    assert_eq!(spec.secret_names(), ["api_key", "api_token", "orders_hmac"]);
    for bad in [json!({"secret": "bad name"}), json!({"secret": "s", "extra": 1}), json!({"prefix": "x"})] {
        let doc = with(http(), "/http/headers", json!({"X-K": bad}));
        assert_eq!(paths(&doc, &PROD), ["/http/headers/X-K"], "{doc}");
    }
}

#[test]
fn http_needs_a_signing_secret_with_a_valid_name() {
    let mut doc = http();
    doc["http"].as_object_mut().expect("object").remove("secret");
    assert_eq!(paths(&doc, &PROD), ["/http"]);
    for bad in ["", "1abc", "has-dash", &"a".repeat(65)] {
        assert_eq!(paths(&with(http(), "/http/secret", json!(bad)), &PROD), ["/http/secret"], "{bad}");
    }
    assert!(run(&with(http(), "/http/secret", json!("_A1")), &PROD).is_ok());
}

/// What older releases stored (plain-string headers, no `secret`) still
/// decodes, and re-encodes to the same JSON (content hashes stay put).
#[test]
fn stored_documents_of_older_releases_still_decode() {
    let old = json!({"name": "get", "description": "d", "kind": "http", "input_schema": {"type": "object"},
                     "scopes": [], "http": {"url": "https://a.example", "headers": {"X-A": "1"}}});
    let t: TypeDoc = serde_json::from_value(old.clone()).expect("decodes");
    let spec = t.http.as_ref().expect("http");
    assert_eq!(spec.secret, "");
    assert_eq!(spec.secret_names(), Vec::<String>::new());
    assert_eq!(serde_json::to_value(&t).expect("encodes"), old);
}
