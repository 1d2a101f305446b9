use serde_json::{json, Value};

use super::*;
use crate::projects::types::Kind;

fn ty(name: &str) -> TypeDoc {
    serde_json::from_value(json!({
        "name": name,
        "description": "Shows one order.",
        "kind": "interactive",
        "input_schema": {"type": "object",
            "properties": {"order_id": {"type": "string"},
                           "order": {"type": "object", "properties": {"id": {"type": "string"}}}},
            "required": ["order_id"]},
        "scopes": ["orders:read"],
        "ui": {"html": "<p>order</p>"}
    }))
    .expect("fixture is a TypeDoc")
}

fn snap(types: Vec<TypeDoc>, instructions: &str) -> Snapshot {
    Snapshot::new(types, instructions)
}

/// Diff of one Type whose draft is `edit`ed; returns (bump, reasons).
fn one(edit: impl FnOnce(&mut TypeDoc)) -> (Option<Bump>, Vec<String>) {
    let old = snap(vec![ty("show_order")], "");
    let mut t = ty("show_order");
    edit(&mut t);
    let d = diff(Some(&old), &snap(vec![t], ""));
    (d.suggested_bump, d.reasons)
}

/// Diff after replacing the input schema value at `pointer`.
fn input(pointer: &str, value: Value) -> (Option<Bump>, Vec<String>) {
    one(|t| set(&mut t.input_schema, pointer, value))
}

fn set(root: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a parent");
    let slot = root.pointer_mut(parent).and_then(Value::as_object_mut).expect("parent object");
    if value.is_null() {
        slot.remove(key);
    } else {
        slot.insert(key.to_string(), value);
    }
}

#[test]
fn nothing_changed() {
    let a = snap(vec![ty("a"), ty("b")], "hi");
    let d = diff(Some(&a), &a.clone());
    assert!(d.is_empty());
    assert!(d.added.is_empty() && d.removed.is_empty() && d.changed.is_empty());
    assert!(!d.instructions_changed && d.reasons.is_empty());
}

#[test]
fn first_publish() {
    let d = diff(None, &snap(vec![ty("b"), ty("a")], "Use me."));
    assert_eq!(d.added, ["a", "b"]);
    assert_eq!(d.suggested_bump, Some(Bump::Major));
    assert_eq!(d.reasons[0], "first published version (1.0.0)");
    assert!(d.instructions_changed);
    assert_eq!(diff(None, &snap(vec![], "")).suggested_bump, None);
}

#[test]
fn types_added_removed_renamed() {
    let old = snap(vec![ty("a"), ty("b")], "");
    let d = diff(Some(&old), &snap(vec![ty("a"), ty("b"), ty("c")], ""));
    assert_eq!((d.added.clone(), d.suggested_bump), (vec!["c".to_string()], Some(Bump::Minor)));
    assert_eq!(d.reasons, ["c: Type added"]);
    let d = diff(Some(&old), &snap(vec![ty("a")], ""));
    assert_eq!((d.removed.clone(), d.suggested_bump), (vec!["b".to_string()], Some(Bump::Major)));
    let d = diff(Some(&old), &snap(vec![ty("a"), ty("b2")], ""));
    assert_eq!((d.added, d.removed), (vec!["b2".to_string()], vec!["b".to_string()]));
    assert_eq!(d.suggested_bump, Some(Bump::Major));
    assert_eq!(d.reasons, ["b: renamed to b2 (callers use the old name)", "b2: Type added"]);
}

#[test]
fn documentation_and_ui_are_patch() {
    let old = snap(vec![ty("show_order")], "old");
    let mut t = ty("show_order");
    t.title = Some("Order".into());
    t.description = "Better words.".into();
    t.annotations = Some(json!({"readOnlyHint": true}));
    if let Some(ui) = t.ui.as_mut() {
        ui.html = "<p>new</p>".into();
    }
    set(&mut t.input_schema, "/properties/order_id/description", json!("The id."));
    let d = diff(Some(&old), &snap(vec![t], "new"));
    assert_eq!(d.suggested_bump, Some(Bump::Patch));
    assert!(d.instructions_changed);
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].fields, ["title", "description", "input_schema", "annotations", "ui"]);
    assert!(d.reasons.contains(&"show_order: input_schema at /order_id: description changed".into()));
    assert_eq!(d.reasons.last().map(String::as_str), Some("Instructions changed"));
}

#[test]
fn input_properties() {
    let (b, r) = input("/properties/order_id", Value::Null);
    assert_eq!(b, Some(Bump::Major));
    assert_eq!(r[0], "show_order: input_schema property /order_id removed");
    assert_eq!(r.len(), 1, "the dropped `required` entry is not reported twice: {r:?}");
    let (b, r) = input("/properties/note", json!({"type": "string"}));
    assert_eq!((b, r), (Some(Bump::Minor), vec!["show_order: input_schema property /note added".into()]));
    let (b, r) = one(|t| {
        set(&mut t.input_schema, "/properties/note", json!({"type": "string"}));
        set(&mut t.input_schema, "/required", json!(["order_id", "note"]));
    });
    assert_eq!(b, Some(Bump::Major));
    assert!(r.contains(&"show_order: input_schema property /note newly required".into()), "{r:?}");
    assert_eq!(input("/required", json!([])).0, Some(Bump::Minor));
}

#[test]
fn input_types() {
    let cases = [
        (json!(["string", "number"]), json!("string"), Bump::Major),
        (json!("string"), json!(["string", "null"]), Bump::Minor),
        (json!("integer"), json!("number"), Bump::Minor),
        (json!("number"), json!("integer"), Bump::Major),
        (json!("string"), json!("integer"), Bump::Major),
        (json!(["number", "integer"]), json!("number"), Bump::Patch),
    ];
    for (from, to, want) in cases {
        let old = json!({"type": "object", "properties": {"x": {"type": from}}});
        let new = json!({"type": "object", "properties": {"x": {"type": to}}});
        let found = super::schema_diff::compare(&old, &new, Side::Input);
        let got = found.iter().map(|f| f.bump).max().unwrap_or(Bump::Patch);
        assert_eq!(got, want, "{old} -> {new}: {found:?}");
    }
    let (b, r) = input("/properties/order_id/type", json!("integer"));
    assert_eq!(b, Some(Bump::Major));
    assert_eq!(r, ["show_order: input_schema at /order_id: type changed (\"string\" -> \"integer\")"]);
}

#[test]
fn input_constraints() {
    let p = "/properties/order_id";
    let with = |extra: Value| {
        let mut s = json!({"type": "string"});
        if let (Some(o), Some(e)) = (s.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        s
    };
    let cases = [
        (json!({}), json!({"enum": ["a", "b"]}), Bump::Major),
        (json!({"enum": ["a", "b"]}), json!({"enum": ["a"]}), Bump::Major),
        (json!({"enum": ["a"]}), json!({"enum": ["a", "b"]}), Bump::Minor),
        (json!({"enum": ["a", "b"]}), json!({"enum": ["b", "a"]}), Bump::Patch),
        (json!({"enum": ["a"]}), json!({}), Bump::Minor),
        (json!({}), json!({"const": "a"}), Bump::Major),
        (json!({}), json!({"pattern": "^A"}), Bump::Major),
        (json!({"pattern": "^A"}), json!({"pattern": "^B"}), Bump::Major),
        (json!({"pattern": "^A"}), json!({}), Bump::Minor),
        (json!({}), json!({"maxLength": 10}), Bump::Major),
        (json!({"maxLength": 10}), json!({"maxLength": 5}), Bump::Major),
        (json!({"maxLength": 10}), json!({"maxLength": 20}), Bump::Minor),
        (json!({"maxLength": 10}), json!({"maxLength": 10.0}), Bump::Patch),
        (json!({"minimum": 1}), json!({"minimum": 2}), Bump::Major),
        (json!({"minimum": 2}), json!({"minimum": 1}), Bump::Minor),
        (json!({"minLength": 2}), json!({}), Bump::Minor),
        (json!({}), json!({"uniqueItems": true}), Bump::Major),
        (json!({}), json!({"anyOf": [{"minLength": 1}]}), Bump::Major),
        (json!({}), json!({"examples": ["A1"]}), Bump::Patch),
    ];
    for (from, to, want) in cases {
        let mut old = ty("t").input_schema;
        set(&mut old, p, with(from.clone()));
        let mut new = old.clone();
        set(&mut new, p, with(to.clone()));
        let found = super::schema_diff::compare(&old, &new, Side::Input);
        let got = found.iter().map(|f| f.bump).max().unwrap_or(Bump::Patch);
        assert_eq!(got, want, "{from} -> {to}: {found:?}");
    }
}

#[test]
fn additional_properties() {
    let (b, r) = input("/additionalProperties", json!(false));
    assert_eq!(b, Some(Bump::Major));
    assert_eq!(r, ["show_order: input_schema: additionalProperties any -> false"]);
    let (b, r) = input("/additionalProperties", json!(true));
    assert_eq!((b, r), (Some(Bump::Patch), vec!["show_order: input_schema respelled (same meaning)".into()]));
    let old = json!({"type": "object", "additionalProperties": false});
    let new = json!({"type": "object"});
    let found = super::schema_diff::compare(&old, &new, Side::Input);
    assert_eq!(found[0].bump, Bump::Minor);
}

#[test]
fn nested_properties_and_items() {
    let (b, r) = input("/properties/order/properties/id", Value::Null);
    assert_eq!(b, Some(Bump::Major));
    assert_eq!(r, ["show_order: input_schema property /order/id removed"]);
    let (b, r) = input("/properties/order/properties/id/type", json!("integer"));
    assert_eq!(b, Some(Bump::Major));
    assert!(r[0].starts_with("show_order: input_schema at /order/id: type changed"), "{r:?}");
    let (b, r) = input("/properties/tags", json!({"type": "array", "items": {"type": "string"}}));
    assert_eq!(b, Some(Bump::Minor), "{r:?}");
    let old =
        json!({"type": "object", "properties": {"tags": {"type": "array", "items": {"type": ["string", "null"]}}}});
    let new = json!({"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}}});
    let found = super::schema_diff::compare(&old, &new, Side::Input);
    assert_eq!(found[0].bump, Bump::Major);
    assert!(found[0].text.starts_with("input_schema at /tags[]: type narrowed"), "{found:?}");
}

#[test]
fn output_schema_rules() {
    let out = json!({"type": "object", "properties": {"status": {"type": "string"}}, "required": ["status"]});
    let base = |t: &mut TypeDoc| t.output_schema = Some(out.clone());
    let old = {
        let mut t = ty("show_order");
        base(&mut t);
        snap(vec![t], "")
    };
    let run = |edit: &dyn Fn(&mut Value)| {
        let mut t = ty("show_order");
        base(&mut t);
        if let Some(s) = t.output_schema.as_mut() {
            edit(s);
        }
        diff(Some(&old), &snap(vec![t], "")).suggested_bump
    };
    assert_eq!(run(&|s| set(s, "/properties/eta", json!({"type": "string"}))), Some(Bump::Minor));
    assert_eq!(run(&|s| set(s, "/properties/status", Value::Null)), Some(Bump::Major));
    assert_eq!(run(&|s| set(s, "/required", json!([]))), Some(Bump::Major));
    assert_eq!(run(&|s| set(s, "/properties/status/type", json!(["string", "null"]))), Some(Bump::Major));
    assert_eq!(run(&|s| set(s, "/properties/status/enum", json!(["open", "shipped"]))), Some(Bump::Minor));
    let (b, r) = one(|t| t.output_schema = Some(out.clone()));
    assert_eq!((b, r), (Some(Bump::Minor), vec!["show_order: output_schema added".into()]));
    let d = diff(Some(&old), &snap(vec![ty("show_order")], ""));
    assert_eq!(d.suggested_bump, Some(Bump::Major));
    assert_eq!(d.reasons, ["show_order: output_schema removed"]);
}

#[test]
fn scopes_kind_http() {
    let (b, r) = one(|t| t.scopes.push("orders:write".into()));
    assert_eq!((b, r), (Some(Bump::Major), vec!["show_order: scope orders:write now required".into()]));
    assert_eq!(one(|t| t.scopes.clear()).0, Some(Bump::Minor));
    let (b, r) = one(|t| {
        t.kind = Kind::Http;
        t.ui = None;
        t.http = Some(crate::projects::types::HttpSpec {
            url: "https://a.example".into(),
            timeout_ms: None,
            headers: None,
            secret: String::new(),
        });
    });
    assert_eq!(b, Some(Bump::Major));
    assert_eq!(r[0], "show_order: kind changed (interactive -> http)");
    let http_type = |url: &str, timeout: Option<u64>| {
        let mut t = ty("get");
        t.kind = Kind::Http;
        t.ui = None;
        t.http = Some(crate::projects::types::HttpSpec {
            url: url.into(),
            timeout_ms: timeout,
            headers: None,
            secret: "s".into(),
        });
        t
    };
    let old = snap(vec![http_type("https://a.example", None)], "");
    let d = diff(Some(&old), &snap(vec![http_type("https://b.example", Some(500))], ""));
    assert_eq!(d.suggested_bump, Some(Bump::Minor));
    assert_eq!(d.reasons, ["get: http.url changed", "get: http.timeout_ms changed"]);
    assert_eq!(d.changed[0].fields, ["http"]);
    let code_type = |source: &str, hosts: &[&str]| {
        let mut t = ty("conv");
        t.kind = Kind::Code;
        t.ui = None;
        t.code = Some(crate::projects::types::CodeSpec {
            source: source.into(),
            allowed_hosts: hosts.iter().map(|h| h.to_string()).collect(),
            timeout_ms: None,
        });
        t
    };
    let old = snap(vec![code_type("a", &[])], "");
    let d = diff(Some(&old), &snap(vec![code_type("b", &["x.example"])], ""));
    assert_eq!(d.suggested_bump, Some(Bump::Minor));
    assert_eq!(d.reasons, ["conv: code.source changed", "conv: code.allowed_hosts changed"]);
    assert_eq!(d.changed[0].fields, ["code"]);
}

#[test]
fn largest_bump_wins_and_serializes() {
    let old = snap(vec![ty("a"), ty("b")], "x");
    let mut b = ty("b");
    b.description = "New.".into();
    let d = diff(Some(&old), &snap(vec![ty("a"), b, ty("c")], "y"));
    assert_eq!(d.suggested_bump, Some(Bump::Minor));
    assert_eq!(d.reasons, ["c: Type added", "b: description changed", "Instructions changed"]);
    let v = serde_json::to_value(&d).expect("serializes");
    assert_eq!(v["suggested_bump"], "minor");
    assert_eq!(v["changed"][0]["bump"], "patch");
    assert_eq!(v["changed"][0]["fields"], json!(["description"]));
}

#[test]
fn canonical_hash_is_stable() {
    let a: TypeDoc = serde_json::from_str(
        r#"{"name":"a","description":"d","kind":"interactive","scopes":[],
            "input_schema":{"type":"object","properties":{"x":{"type":"string","maxLength":3}}},
            "ui":{"html":"<p>","prefers_border":true},"output_schema":null}"#,
    )
    .expect("a");
    let a_reordered: TypeDoc = serde_json::from_str(
        r#"{"ui":{"prefers_border":true,"html":"<p>"},"kind":"interactive",
            "input_schema":{"properties":{"x":{"maxLength":3,"type":"string"}},"type":"object"},
            "description":"d","name":"a"}"#,
    )
    .expect("a reordered");
    let one = Snapshot { types: vec![a.clone(), ty("b")], instructions: "i".into() };
    let two = Snapshot { types: vec![ty("b"), a_reordered], instructions: "i".into() };
    assert_eq!(one.canonical_json(), two.canonical_json());
    assert_eq!(one.content_hash(), two.content_hash());
    assert_eq!(one.content_hash().len(), 64);
    assert!(one.canonical_json().starts_with(r#"{"instructions":"i","types":[{"description":"d","input_schema":{"properties":{"x":{"maxLength":3,"type":"string"}},"type":"object"},"kind":"interactive","name":"a","scopes":[],"ui":{"html":"<p>","prefers_border":true}}"#));
    let changed = Snapshot { instructions: "j".into(), ..one.clone() };
    assert_ne!(one.content_hash(), changed.content_hash());
    let back: Snapshot = serde_json::from_str(&one.canonical_json()).expect("parses back");
    assert_eq!(back.content_hash(), one.content_hash());
    assert_eq!(one.get("b").map(|t| t.name.as_str()), Some("b"));
}
