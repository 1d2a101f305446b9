use serde_json::json;

use super::*;
use crate::projects::diff::{self, Snapshot};
use crate::projects::types::TypeDoc;

fn ty(name: &str, html: &str) -> TypeDoc {
    serde_json::from_value(json!({
        "name": name,
        "description": "Shows one order \"quoted\" and ünïcode.",
        "kind": "interactive",
        "input_schema": {"type": "object", "properties": {"n": {"type": "number", "maximum": 1e2, "minimum": 0.5}}},
        "scopes": ["orders:read"],
        "ui": {"html": html}
    }))
    .expect("fixture is a TypeDoc")
}

/// What the hub computes: each Type's stored JSON and the JSON Instructions.
fn counted(s: &Snapshot) -> usize {
    let lens: Vec<usize> = s.types.iter().map(|t| json!(t).to_string().len()).collect();
    snapshot_bytes(json_string_len(&s.instructions), &lens)
}

#[test]
fn snapshot_bytes_is_exactly_the_canonical_json_length() {
    let cases = [
        Snapshot::new(vec![], ""),
        Snapshot::new(vec![], "line one\nline two\t\u{1}"),
        Snapshot::new(vec![ty("a", "<p>x</p>")], ""),
        Snapshot::new(vec![ty("b", "<p>\u{7f}\n</p>"), ty("a", "é"), ty("c", "")], "Use \"these\" tools.\n"),
    ];
    for s in cases {
        assert_eq!(counted(&s), s.canonical_json().len(), "{}", s.canonical_json());
    }
}

#[test]
fn the_refusal_names_the_size_and_the_limit() {
    let m = draft_too_large(1_500_001);
    assert!(m.contains("1500001 bytes") && m.contains(&MAX_DRAFT_BYTES.to_string()), "{m}");
}

fn many_added(n: usize) -> diff::Diff {
    let types: Vec<TypeDoc> = (0..n).map(|i| ty(&format!("tool_with_a_long_name_{i:05}"), "")).collect();
    diff::diff(None, &Snapshot::new(types, "hello"))
}

#[test]
fn a_diff_that_fits_is_stored_whole() {
    let d = many_added(3);
    let stored = stored_diff(&d, MAX_STORED_DIFF_BYTES);
    assert_eq!(stored, json!(d).to_string());
    assert!(!stored.contains("truncated"));
}

#[test]
fn a_large_diff_keeps_its_names_and_as_many_reasons_as_fit() {
    let d = many_added(200);
    let full = json!(d).to_string().len();
    let max = full / 2;
    let stored: serde_json::Value = serde_json::from_str(&stored_diff(&d, max)).expect("json");
    assert!(stored_diff(&d, max).len() <= max);
    assert_eq!(stored["truncated"], true);
    assert_eq!(stored["added"].as_array().map(Vec::len), Some(200), "every name is kept");
    let kept = stored["reasons"].as_array().map_or(0, Vec::len);
    assert!(kept > 0 && kept < d.reasons.len(), "{kept}");
    assert_eq!(stored["reasons_omitted"], d.reasons.len() - kept);
    assert_eq!(stored["reasons"][0], d.reasons[0], "reasons are kept in order");
    assert_eq!(stored["suggested_bump"], "major");
}

#[test]
fn a_diff_whose_names_do_not_fit_is_stored_as_counts() {
    let d = many_added(200);
    let stored = stored_diff(&d, 2_000);
    assert!(stored.len() <= 2_000, "{}", stored.len());
    let v: serde_json::Value = serde_json::from_str(&stored).expect("json");
    assert_eq!(v["added_count"], 200);
    assert_eq!(v["truncated"], true);
    assert_eq!(v["reasons_omitted"], d.reasons.len());
}

#[test]
fn every_trimmed_diff_fits_its_budget() {
    let d = many_added(120);
    let full = json!(d).to_string().len();
    for max in (400..full + 10).step_by(997) {
        let stored = stored_diff(&d, max);
        assert!(stored.len() <= max, "max {max}: {}", stored.len());
    }
}
