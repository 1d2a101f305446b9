//! Where a schema has subschemas: the applicator keywords of 2020-12, plus
//! `definitions` and `dependencies` (older names that the 2020-12 meta-schema
//! still describes), so `$id`, anchors and `$ref`s inside them are found.
//! Values of other keywords (`const`, `enum`, `default`, `examples`, unknown
//! keywords) are data: a `$ref` there is not a reference.

use serde_json::{Map, Value};

/// Keywords whose value is a map of name -> subschema.
const MAPS: &[&str] = &["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
/// Keywords whose value is one subschema.
const ONE: &[&str] = &[
    "items",
    "additionalProperties",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
    "contentSchema",
];
/// Keywords whose value is an array of subschemas.
const LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];

/// Escapes one reference token for a JSON Pointer (`~` -> `~0`, `/` -> `~1`).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Calls `f` with the pointer suffix (`/properties/a`) and value of every
/// direct subschema of `schema`. Values that are not schemas (neither object
/// nor boolean) are passed too: the compiler reports them.
pub fn each_subschema<'a>(schema: &'a Map<String, Value>, f: &mut dyn FnMut(String, &'a Value)) {
    for (key, value) in schema {
        let k = key.as_str();
        if ONE.contains(&k) {
            f(format!("/{}", escape(key)), value);
        } else if let (true, Value::Object(map)) = (MAPS.contains(&k), value) {
            for (name, sub) in map {
                f(format!("/{}/{}", escape(key), escape(name)), sub);
            }
        } else if let (true, Value::Array(list)) = (LISTS.contains(&k), value) {
            for (i, sub) in list.iter().enumerate() {
                f(format!("/{key}/{i}"), sub);
            }
        } else if let ("dependencies", Value::Object(map)) = (k, value) {
            // Each entry is a subschema or (dependentRequired's old form) an array of names.
            for (name, sub) in map.iter().filter(|(_, v)| !v.is_array()) {
                f(format!("/dependencies/{}", escape(name)), sub);
            }
        }
    }
}

/// Every `$ref` and `$dynamicRef` in the schema that is not a local
/// (`#...`) reference, as (JSON Pointer of the keyword, keyword, value),
/// found keyword by keyword (not blindly: a `$ref` string inside `const`,
/// `enum`, `default` or `examples` is data).
pub fn non_local_refs(schema: &Value) -> Vec<(String, &'static str, String)> {
    let mut found = Vec::new();
    collect_refs(schema, String::new(), &mut found);
    found
}

fn collect_refs(schema: &Value, at: String, out: &mut Vec<(String, &'static str, String)>) {
    let Value::Object(obj) = schema else {
        return;
    };
    for keyword in ["$ref", "$dynamicRef"] {
        if let Some(Value::String(r)) = obj.get(keyword) {
            if !r.starts_with('#') {
                out.push((format!("{at}/{keyword}"), keyword, r.clone()));
            }
        }
    }
    each_subschema(obj, &mut |suffix, sub| collect_refs(sub, format!("{at}{suffix}"), out));
}
