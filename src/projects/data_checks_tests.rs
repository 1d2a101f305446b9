use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::projects::types::{validate_type, ValidationOptions, MAX_CODE_SOURCE_BYTES};

fn opts(dev: bool, secrets: &[&str], hosts: Option<&[&str]>) -> ValidationOptions {
    ValidationOptions {
        allow_loopback_upstreams: dev,
        secret_names: Some(secrets.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>()),
        upstream_hosts: hosts.map(|h| h.iter().map(|s| s.to_string()).collect()),
    }
}

fn http() -> Value {
    json!({
        "name": "get_order", "description": "Fetches an order.", "kind": "http",
        "input_schema": {"type": "object"},
        "http": {"url": "https://api.example.com/orders", "secret": "orders_hmac",
                 "headers": {"Authorization": {"secret": "api_token", "prefix": "Bearer "}, "X-Version": "2"}}
    })
}

fn code() -> Value {
    json!({
        "name": "convert", "description": "Converts units.", "kind": "code", "input_schema": {"type": "object"},
        "code": {"source": "export default { async run() { return {}; } }", "allowed_hosts": ["api.example.com"]}
    })
}

/// The problem paths (empty when accepted).
fn paths(doc: &Value, o: &ValidationOptions) -> Vec<String> {
    let name = doc["name"].as_str().unwrap_or("x").to_string();
    match validate_type(doc.to_string().as_bytes(), &name, &[], o) {
        Ok(_) => Vec::new(),
        Err(ps) => ps.into_iter().map(|p| p.path).collect(),
    }
}

fn messages(doc: &Value, o: &ValidationOptions) -> Vec<String> {
    let name = doc["name"].as_str().unwrap_or("x").to_string();
    validate_type(doc.to_string().as_bytes(), &name, &[], o).unwrap_err().into_iter().map(|p| p.message).collect()
}

fn with(mut doc: Value, pointer: &str, value: Value) -> Value {
    *doc.pointer_mut(pointer).expect("pointer exists in the fixture") = value;
    doc
}

const BOTH: &[&str] = &["api_token", "orders_hmac"];

#[test]
fn named_secrets_must_exist_in_the_project() {
    assert!(paths(&http(), &opts(false, BOTH, None)).is_empty());
    assert_eq!(paths(&http(), &opts(false, &["api_token"], None)), ["/http/secret"]);
    assert_eq!(paths(&http(), &opts(false, &["orders_hmac"], None)), ["/http/headers/Authorization/secret"]);
    assert_eq!(paths(&http(), &opts(false, &[], None)), ["/http/headers/Authorization/secret", "/http/secret"]);
    let m = messages(&http(), &opts(false, &["api_token"], None));
    assert!(m[0].contains("\"orders_hmac\"") && m[0].contains("either channel"), "{m:?}");
    // Not supplied: not checked (only pure tests of other rules do this).
    let unchecked = ValidationOptions { secret_names: None, ..opts(false, &[], None) };
    assert!(paths(&http(), &unchecked).is_empty());
}

#[test]
fn the_org_allowlist_applies_to_http_urls() {
    assert!(paths(&http(), &opts(false, BOTH, Some(&["api.example.com"]))).is_empty());
    assert!(paths(&http(), &opts(false, BOTH, Some(&["api.example.com:443"]))).is_empty());
    assert_eq!(paths(&http(), &opts(false, BOTH, Some(&["other.example.com"]))), ["/http/url"]);
    assert_eq!(paths(&http(), &opts(false, BOTH, Some(&[]))), ["/http/url"]);
    let m = messages(&http(), &opts(false, BOTH, Some(&["api.example.com:8443"])));
    assert!(m[0].contains("api.example.com") && m[0].contains("upstream_hosts"), "{m:?}");
    // Loopback needs both the dev flag and, with an org list, an entry for it.
    let local = with(http(), "/http/url", json!("http://127.0.0.1:9000/x"));
    assert_eq!(paths(&local, &opts(false, BOTH, None)), ["/http/url"]);
    assert!(paths(&local, &opts(true, BOTH, None)).is_empty());
    assert!(paths(&local, &opts(true, BOTH, Some(&["127.0.0.1:9000"]))).is_empty());
    assert_eq!(paths(&local, &opts(true, BOTH, Some(&["127.0.0.1:9001"]))), ["/http/url"]);
    let guarded = with(http(), "/http/url", json!("https://10.0.0.1/x"));
    assert_eq!(paths(&guarded, &opts(true, BOTH, Some(&["10.0.0.1"]))), ["/http/url"], "the guard runs first");
}

#[test]
fn header_names_dockyard_or_the_connection_owns_are_refused() {
    for name in [
        "Host",
        "content-type",
        "Content-Length",
        "Connection",
        "Keep-Alive",
        "Transfer-Encoding",
        "Upgrade",
        "TE",
        "Trailer",
        "Proxy-Authorization",
        "Dockyard-Signature",
        "Dockyard-Request-Id",
        "dockyard-anything",
        "X-Dockyard-Foo",
    ] {
        let doc = with(http(), "/http/headers", json!({ name: "v" }));
        let at = format!("/http/headers/{name}");
        assert_eq!(paths(&doc, &opts(false, BOTH, None)), [at], "{name}");
    }
    let plain_auth = with(http(), "/http/headers", json!({"Authorization": "Bearer abc"}));
    assert_eq!(paths(&plain_auth, &opts(false, BOTH, None)), ["/http/headers/Authorization"]);
    let m = messages(&plain_auth, &opts(false, BOTH, None));
    assert!(m[0].contains("project secret"), "{m:?}");
    let fine =
        with(http(), "/http/headers", json!({"X-Api-Key": {"secret": "api_token"}, "Accept": "application/json"}));
    assert!(paths(&fine, &opts(false, BOTH, None)).is_empty());
    let broken = with(http(), "/http/headers", json!({"X-A": {"secret": "api_token", "prefix": "a\r\nB: c"}}));
    assert_eq!(paths(&broken, &opts(false, BOTH, None)), ["/http/headers/X-A"]);
    let many: serde_json::Map<String, Value> = (0..33).map(|i| (format!("X-H{i}"), json!("v"))).collect();
    let doc = with(http(), "/http/headers", Value::Object(many));
    assert_eq!(paths(&doc, &opts(false, BOTH, None)), ["/http/headers"]);
}

#[test]
fn code_source_and_allowed_hosts() {
    assert!(paths(&code(), &opts(false, &[], None)).is_empty());
    let big = format!("export default {{}};//{}", "x".repeat(MAX_CODE_SOURCE_BYTES));
    assert_eq!(paths(&with(code(), "/code/source", json!(big)), &opts(false, &[], None)), ["/code/source"]);
    let at_limit = "x".repeat(MAX_CODE_SOURCE_BYTES);
    assert!(paths(&with(code(), "/code/source", json!(at_limit)), &opts(false, &[], None)).is_empty());
    assert_eq!(paths(&with(code(), "/code/source", json!(" \n\t")), &opts(false, &[], None)), ["/code/source"]);
    assert_eq!(paths(&with(code(), "/code/source", json!("")), &opts(false, &[], None)), ["/code/source"]);
    let hosts = json!([
        "api.example.com",
        "https://x.example.com",
        "10.0.0.1",
        "127.0.0.1:8787",
        "intranet",
        "ok.example.com:8443"
    ]);
    let doc = with(code(), "/code/allowed_hosts", hosts);
    assert_eq!(
        paths(&doc, &opts(false, &[], None)),
        ["/code/allowed_hosts/1", "/code/allowed_hosts/2", "/code/allowed_hosts/3", "/code/allowed_hosts/4"]
    );
    assert_eq!(
        paths(&doc, &opts(true, &[], None)),
        ["/code/allowed_hosts/1", "/code/allowed_hosts/2", "/code/allowed_hosts/4"]
    );
    let dup = with(code(), "/code/allowed_hosts", json!(["a.example.com", "a.example.com"]));
    assert_eq!(paths(&dup, &opts(false, &[], None)), ["/code/allowed_hosts"]);
}

#[test]
fn every_data_problem_is_listed_together() {
    let doc = json!({
        "name": "get", "description": "d", "kind": "http", "input_schema": {"type": "object"},
        "http": {"url": "https://user:pw@api.example.com/", "secret": "nope", "timeout_ms": 0,
                 "headers": {"Host": "x", "Authorization": "t", "X-K": {"secret": "missing_too"}}}
    });
    assert_eq!(
        paths(&doc, &opts(false, BOTH, Some(&["api.example.com"]))),
        [
            "/http/headers/Authorization",
            "/http/headers/Host",
            "/http/headers/X-K/secret",
            "/http/secret",
            "/http/timeout_ms",
            "/http/url"
        ]
    );
}
