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

use serde::Serialize;
use serde_json::Value;

use super::diff::Snapshot;
use super::types::TypeDoc;

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
