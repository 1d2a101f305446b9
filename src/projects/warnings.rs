//! Warnings about a Type: things a host relies on that the document leaves
//! unset. Unlike `type_checks` problems they never refuse a save or a
//! publish; the Studio API lists them (the Type PUT, the draft diff and the
//! publish responses) so authors fix them before a host directory does.
//!
//! Why these: ChatGPT's developer mode treats a tool without `readOnlyHint`
//! as a write tool (a confirmation on every call), and both ChatGPT's and
//! Claude's app directories require `title` and the hint annotations. The
//! MCP defaults for unset hints are the cautious ones (`readOnlyHint:
//! false`, `destructiveHint: true`, `openWorldHint: true`), so an unset hint
//! is rarely what the author meant. `title` is not warned about: tools
//! without one get the name made readable (`mcp::view::readable_name`).
//!
//! The draft diff and the publish also warn about an `http` Type naming a
//! secret with no production value ([`secret_warnings`]): allowed (secrets
//! change without a publish), but every production call fails until it is set.

use serde::Serialize;
use serde_json::Value;

use std::collections::BTreeSet;

use super::diff::Snapshot;
use super::problem::join;
use super::types::{HeaderValue, TypeDoc};

/// `code` of a hint annotation that is not set to a boolean.
pub const ANNOTATION_UNSET: &str = "annotation_unset";

/// One warning, as the API lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The Type's name.
    #[serde(rename = "type")]
    pub type_name: String,
    pub code: &'static str,
    /// JSON Pointer into the Type document.
    pub pointer: String,
    pub message: String,
}

/// The hints hosts rely on, with what an unset one makes hosts assume.
const HINTS: [(&str, &str); 3] = [
    (
        "readOnlyHint",
        "hosts treat the tool as one that changes data (ChatGPT asks the user to confirm every call); \
         set it to true if the tool only reads, false otherwise",
    ),
    (
        "destructiveHint",
        "hosts assume the tool may delete or overwrite data (the MCP default); \
         set it to false if it does not, true if it does",
    ),
    (
        "openWorldHint",
        "hosts assume the tool reaches systems outside this organization (the MCP default); \
         set it to false if it does not, true if it does",
    ),
];

/// The warnings of one Type, in the order of [`HINTS`].
pub fn type_warnings(doc: &TypeDoc) -> Vec<Warning> {
    let annotations = doc.annotations.as_ref().and_then(Value::as_object);
    HINTS
        .iter()
        .filter(|(hint, _)| !matches!(annotations.and_then(|a| a.get(*hint)), Some(Value::Bool(_))))
        .map(|(hint, consequence)| Warning {
            type_name: doc.name.clone(),
            code: ANNOTATION_UNSET,
            pointer: format!("/annotations/{hint}"),
            message: format!("annotations.{hint} is not set: {consequence}"),
        })
        .collect()
}

/// The warnings of every Type of a snapshot (Types by name).
pub fn snapshot_warnings(snapshot: &Snapshot) -> Vec<Warning> {
    snapshot.types.iter().flat_map(type_warnings).collect()
}

/// `code` of a secret an `http` Type names that has no production value.
pub const SECRET_MISSING_IN_PRODUCTION: &str = "secret_missing_in_production";

/// The secrets a published Type would call without: each `http.secret` and
/// secret-backed header whose name has no value in production (`production`
/// = the names that have one). A Type may do that on purpose (the value is
/// set after the publish, no publish needed then); until it is, every
/// production call of it is an `isError` "secret missing". A `code` Type
/// reads `env.secrets` by name at run time, so its names are not known here.
pub fn secret_warnings(snapshot: &Snapshot, production: &BTreeSet<String>) -> Vec<Warning> {
    let mut out = Vec::new();
    for doc in &snapshot.types {
        let Some(http) = &doc.http else { continue };
        let mut named: Vec<(String, &str)> = Vec::new();
        if !http.secret.is_empty() {
            named.push(("/http/secret".into(), &http.secret));
        }
        for (header, value) in http.headers.iter().flatten() {
            if let HeaderValue::Secret { secret, .. } = value {
                named.push((format!("{}/secret", join("/http/headers", header)), secret));
            }
        }
        for (pointer, name) in named {
            if !production.contains(name) {
                out.push(Warning {
                    type_name: doc.name.clone(),
                    code: SECRET_MISSING_IN_PRODUCTION,
                    message: format!(
                        "the secret {name:?} has no production value: production calls of this tool fail \
                         until it is set (PUT .../secrets/{name} with \"channel\": \"production\" or no channel)"
                    ),
                    pointer,
                });
            }
        }
    }
    out
}

/// [`snapshot_warnings`] then [`secret_warnings`]: what the draft diff and
/// the publish list.
pub fn publish_warnings(snapshot: &Snapshot, production_secrets: &BTreeSet<String>) -> Vec<Warning> {
    let mut out = snapshot_warnings(snapshot);
    out.extend(secret_warnings(snapshot, production_secrets));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(name: &str, annotations: Value) -> TypeDoc {
        let mut d = json!({
            "name": name, "description": "d", "kind": "interactive",
            "input_schema": {"type": "object"}, "ui": {"html": "<!doctype html>"}
        });
        if !annotations.is_null() {
            d["annotations"] = annotations;
        }
        serde_json::from_value(d).unwrap()
    }

    #[test]
    fn each_unset_hint_is_one_warning_naming_its_pointer() {
        let w = type_warnings(&doc("a", Value::Null));
        let pointers: Vec<&str> = w.iter().map(|w| w.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            ["/annotations/readOnlyHint", "/annotations/destructiveHint", "/annotations/openWorldHint"]
        );
        assert!(w.iter().all(|w| w.type_name == "a" && w.code == ANNOTATION_UNSET));
        assert!(w[0].message.starts_with("annotations.readOnlyHint is not set: "));
        let json = serde_json::to_value(&w[0]).unwrap();
        assert_eq!(json["type"], "a", "serialized as `type`");
    }

    #[test]
    fn false_is_set_and_a_non_boolean_is_not() {
        let all = json!({"readOnlyHint": true, "destructiveHint": false, "openWorldHint": false});
        assert!(type_warnings(&doc("a", all)).is_empty());
        let w =
            type_warnings(&doc("a", json!({"readOnlyHint": "yes", "destructiveHint": false, "openWorldHint": null})));
        let pointers: Vec<&str> = w.iter().map(|w| w.pointer.as_str()).collect();
        assert_eq!(pointers, ["/annotations/readOnlyHint", "/annotations/openWorldHint"]);
    }

    #[test]
    fn secrets_without_a_production_value_are_warned_about() {
        let http = |name: &str| -> TypeDoc {
            serde_json::from_value(json!({
                "name": name, "description": "d", "kind": "http", "input_schema": {"type": "object"},
                "annotations": {"readOnlyHint": true, "destructiveHint": false, "openWorldHint": false},
                "http": {"url": "https://a.example", "secret": "sign",
                         "headers": {"X-Key": {"secret": "key"}, "X-Plain": "v"}}
            }))
            .unwrap()
        };
        let s = Snapshot::new(vec![http("b"), http("a")], "");
        let set = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert!(secret_warnings(&s, &set(&["sign", "key"])).is_empty());
        let w = secret_warnings(&s, &set(&["key"]));
        let got: Vec<(&str, &str, &str)> =
            w.iter().map(|w| (w.type_name.as_str(), w.code, w.pointer.as_str())).collect();
        assert_eq!(
            got,
            [("a", SECRET_MISSING_IN_PRODUCTION, "/http/secret"), ("b", SECRET_MISSING_IN_PRODUCTION, "/http/secret")]
        );
        assert!(w[0].message.contains("\"sign\"") && w[0].message.contains("production"));
        let w = secret_warnings(&s, &set(&[]));
        assert_eq!(
            w.iter().map(|w| w.pointer.as_str()).collect::<Vec<_>>()[..2],
            ["/http/secret", "/http/headers/X-Key/secret"]
        );
        assert_eq!(publish_warnings(&s, &set(&[])).len(), 4, "no hint warnings (all set) + 4 secret ones");
        let interactive = Snapshot::new(vec![doc("i", Value::Null)], "");
        assert!(secret_warnings(&interactive, &set(&[])).is_empty());
    }

    #[test]
    fn a_snapshot_lists_its_types_in_name_order() {
        let s = Snapshot::new(
            vec![doc("b", json!({"readOnlyHint": true, "destructiveHint": false})), doc("a", json!({}))],
            "",
        );
        let warnings = snapshot_warnings(&s);
        let names: Vec<(&str, &str)> = warnings.iter().map(|w| (w.type_name.as_str(), w.pointer.as_str())).collect();
        assert_eq!(names.len(), 4);
        assert_eq!(names[0].0, "a");
        assert_eq!(names[3], ("b", "/annotations/openWorldHint"));
    }
}
