//! Dockyard's own expectations of the validator: messages, pointers,
//! compile errors, and the edge cases the official suite does not pin down
//! (reference cycles, huge values). The official cases are in `suite_tests.rs`.

use serde_json::{json, Value};

use super::*;

fn errors(schema: Value, instance: Value) -> Vec<(String, String)> {
    let v = Validator::compile(&schema).unwrap_or_else(|e| panic!("{schema} does not compile: {e:?}"));
    let errors = v.errors(&instance);
    assert_eq!(v.is_valid(&instance), errors.is_empty(), "is_valid agrees with errors for {instance}");
    errors.into_iter().map(|e| (e.instance_path, e.message)).collect()
}

fn compile_error(schema: Value) -> Vec<String> {
    match Validator::compile(&schema) {
        Ok(_) => panic!("{schema} compiled"),
        Err(e) => e.into_iter().map(|e| e.pointer).collect(),
    }
}

#[test]
fn messages_name_the_value_and_the_rule() {
    let schema = json!({"type": "object", "required": ["id"], "additionalProperties": false,
        "properties": {"id": {"type": "string"}, "n": {"type": "integer", "minimum": 1, "multipleOf": 2},
                       "tags": {"type": "array", "uniqueItems": true, "maxItems": 2}}});
    let got = errors(schema, json!({"n": 3, "tags": [1, 1.0, 2], "x": 1, "y": 2}));
    let want = [
        ("", "\"id\" is a required property"),
        ("", "Additional properties are not allowed ('x', 'y' were unexpected)"),
        ("/n", "3 is not a multiple of 2"),
        ("/tags", "[1,1.0,2] has more than 2 items"),
        ("/tags", "[1,1.0,2] has non-unique elements"),
    ];
    let mut got_sorted = got.clone();
    got_sorted.sort();
    let mut want: Vec<(String, String)> = want.iter().map(|(p, m)| (p.to_string(), m.to_string())).collect();
    want.sort();
    assert_eq!(got_sorted, want);
    assert_eq!(errors(json!({"type": "string"}), json!(5)), [(String::new(), "5 is not of type \"string\"".into())]);
    assert_eq!(errors(json!({"type": ["string", "null"]}), json!(5))[0].1, "5 is not of types \"null\", \"string\"",);
}

#[test]
fn long_values_are_shortened_in_messages() {
    let long = "x".repeat(10_000);
    let e = errors(json!({"maxLength": 3}), json!(long));
    assert!(e[0].1.len() < 200, "{}", e[0].1);
    assert!(e[0].1.ends_with("is longer than 3 characters"));
}

#[test]
fn many_unexpected_names_are_listed_briefly() {
    let many: serde_json::Map<String, Value> = (0..1000).map(|i| (format!("k{i}"), json!(i))).collect();
    let e = errors(json!({"additionalProperties": false}), Value::Object(many));
    assert_eq!(e.len(), 1);
    assert!(e[0].1.contains("and 990 more"), "{}", e[0].1);
}

#[test]
fn instance_paths_are_json_pointers() {
    let schema = json!({"properties": {"a/b": {"items": {"properties": {"~": {"type": "null"}}}}}});
    let e = errors(schema, json!({"a/b": [{}, {"~": 1}]}));
    assert_eq!(e[0].0, "/a~1b/1/~0");
}

#[test]
fn malformed_keywords_are_compile_errors_at_their_pointer() {
    assert_eq!(compile_error(json!({"properties": {"a": {"type": "strin"}}})), ["/properties/a/type"]);
    assert_eq!(compile_error(json!({"properties": {"a": {"pattern": "(("}}})), ["/properties/a/pattern"]);
    assert_eq!(compile_error(json!({"patternProperties": {"((": {}}})), ["/patternProperties/(("]);
    assert_eq!(compile_error(json!({"minLength": -1, "required": ["a", "a"]})), ["/minLength", "/required"]);
    assert_eq!(compile_error(json!({"allOf": []})), ["/allOf"]);
    assert_eq!(compile_error(json!({"items": [{}]})), ["/items"]);
    assert_eq!(compile_error(json!({"$defs": {"x": 5}})), ["/$defs/x"]);
    assert_eq!(compile_error(json!({"$schema": "http://json-schema.org/draft-07/schema#"})), ["/$schema"]);
    assert_eq!(compile_error(json!({"$anchor": "1a"})), ["/$anchor"]);
    assert_eq!(compile_error(json!({"$id": "http://x.example/s#frag"})), ["/$id"]);
    assert!(Validator::compile(&json!({"minLength": 2.0, "x-unknown": {"$ref": "nowhere"}})).is_ok());
}

#[test]
fn references_never_leave_the_document() {
    for r in ["https://example.com/s.json", "other.json", "#/$defs/missing", "#nope"] {
        assert_eq!(compile_error(json!({"$ref": r})), ["/$ref"], "{r}");
    }
    let local = json!({"$id": "https://example.com/root.json", "$defs": {"a": {"$id": "a.json", "type": "string"}},
        "properties": {"x": {"$ref": "a.json"}, "y": {"$ref": "https://example.com/a.json"}}});
    assert_eq!(errors(local, json!({"x": 1, "y": "ok"})).len(), 1);
}

#[test]
fn reference_cycles_are_refused_at_a_depth_not_a_stack_overflow() {
    let e = errors(
        json!({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}),
        json!(1),
    );
    assert_eq!(e.len(), 1);
    assert!(e[0].1.contains("too deeply"));
    // A recursive schema over recursive data is fine.
    let tree = json!({"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#"}}}});
    let mut deep = json!({});
    for _ in 0..60 {
        deep = json!({"kids": [deep]});
    }
    assert!(errors(tree, deep).is_empty());
}

#[test]
fn long_reference_chains_compile_without_recursion() {
    let mut defs = serde_json::Map::new();
    for i in 0..50_000 {
        defs.insert(format!("d{i}"), json!({"$ref": format!("#/$defs/d{}", i + 1)}));
    }
    defs.insert("d50000".into(), json!({"type": "string"}));
    let v = Validator::compile(&json!({"$defs": defs, "type": "string"})).expect("compiles");
    assert!(v.is_valid(&json!("x")));
}

#[test]
fn numbers_compare_by_value() {
    assert!(errors(json!({"const": 1}), json!(1.0)).is_empty());
    assert!(errors(json!({"enum": [{"a": [2]}]}), json!({"a": [2.0]})).is_empty());
    assert!(errors(json!({"type": "integer"}), json!(3.0)).is_empty());
    assert_eq!(errors(json!({"type": "integer"}), json!(3.5)).len(), 1);
    assert!(errors(json!({"multipleOf": 0.0001}), json!(0.0075)).is_empty());
    assert_eq!(errors(json!({"multipleOf": 0.0001}), json!(0.00751)).len(), 1);
    assert!(errors(json!({"multipleOf": 0.01}), json!(19.99)).is_empty());
    assert!(errors(json!({"maximum": 18446744073709551615u64}), json!(18446744073709551600u64)).is_empty());
    assert_eq!(errors(json!({"exclusiveMinimum": 0}), json!(0.0)).len(), 1);
}

#[test]
fn unevaluated_properties_see_in_place_applicators() {
    let schema = json!({"type": "object", "properties": {"a": {}}, "unevaluatedProperties": false,
        "anyOf": [{"properties": {"b": {"type": "string"}}}, {"properties": {"c": {}}}],
        "if": {"required": ["d"]}, "then": {"properties": {"d": {}}}});
    assert!(errors(schema.clone(), json!({"a": 1, "b": "x", "c": 1, "d": 1})).is_empty());
    let e = errors(schema, json!({"a": 1, "b": 2, "e": 1}));
    assert_eq!(e, [(String::new(), "Unevaluated properties are not allowed ('b', 'e' were unexpected)".into())]);
}

#[test]
fn format_is_an_annotation() {
    assert!(errors(json!({"format": "email"}), json!("not an email")).is_empty());
    assert!(errors(json!({"format": "date-time", "contentEncoding": "base64"}), json!("%%%")).is_empty());
}

#[test]
fn property_names_errors_name_the_property() {
    let e = errors(json!({"propertyNames": {"maxLength": 2}}), json!({"abc": 1}));
    assert_eq!(e[0].0, "");
    assert!(e[0].1.starts_with("property name \"abc\": "), "{}", e[0].1);
}
