//! Which of a project's Types a caller gets as MCP tools, and how a Type maps
//! onto the engine's [`ToolSpec`]. One function decides for both `tools/list`
//! and `tools/call` ([`visible_tools`]): a Type whose `scopes` are not all
//! among the caller's effective scopes is neither listed nor callable (the
//! engine then answers an unknown tool with -32602).

use super::types::{Kind, TypeDoc};
use crate::mcp::{ToolKind, ToolSpec, UiResource};

/// The `ui://` URI of an interactive Type's UI.
pub fn ui_uri(project_slug: &str, type_name: &str) -> String {
    format!("ui://{project_slug}/{type_name}")
}

/// Maps one Type document to a tool.
pub fn tool_spec(project_slug: &str, doc: &TypeDoc) -> ToolSpec {
    ToolSpec {
        name: doc.name.clone(),
        title: doc.title.clone(),
        description: doc.description.clone(),
        input_schema: doc.input_schema.clone(),
        output_schema: doc.output_schema.clone(),
        annotations: doc.annotations.clone(),
        kind: match doc.kind {
            Kind::Interactive => ToolKind::Interactive,
            Kind::Http => ToolKind::Http,
        },
        ui: doc.ui.as_ref().map(|ui| UiResource {
            uri: ui_uri(project_slug, &doc.name),
            html: ui.html.clone(),
            csp: ui.csp.clone(),
            prefers_border: ui.prefers_border,
            domain: ui.domain.clone(),
        }),
    }
}

/// True when every scope the Type names is among `effective_scopes`.
pub fn may_use(doc: &TypeDoc, effective_scopes: &[String]) -> bool {
    doc.scopes.iter().all(|s| effective_scopes.contains(s))
}

/// The tools a caller with `effective_scopes` may list and call. Without
/// `tools:read` nothing is listed; `tools:call` is checked per call by the glue
/// (a token with only `tools:read` sees the list but cannot call).
pub fn visible_tools(project_slug: &str, types: &[TypeDoc], effective_scopes: &[String]) -> Vec<ToolSpec> {
    if !effective_scopes.iter().any(|s| s == "tools:read") {
        return Vec::new();
    }
    types.iter().filter(|t| may_use(t, effective_scopes)).map(|t| tool_spec(project_slug, t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(name: &str, scopes: &[&str]) -> TypeDoc {
        serde_json::from_value(json!({
            "name": name, "description": "d", "kind": "interactive",
            "input_schema": {"type": "object"},
            "scopes": scopes,
            "ui": {"html": "<!doctype html><p>hi</p>", "prefers_border": true}
        }))
        .unwrap()
    }

    fn scopes(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn types_needing_missing_scopes_are_hidden() {
        let types = vec![doc("a", &[]), doc("b", &["orders:read"]), doc("c", &["orders:read", "orders:write"])];
        let names = |s: &[&str]| -> Vec<String> {
            visible_tools("demo", &types, &scopes(s)).into_iter().map(|t| t.name).collect()
        };
        assert_eq!(names(&["tools:read", "tools:call"]), vec!["a"]);
        assert_eq!(names(&["tools:read", "tools:call", "orders:read"]), vec!["a", "b"]);
        assert_eq!(names(&["tools:read", "orders:read", "orders:write"]), vec!["a", "b", "c"]);
        assert!(names(&["tools:call", "orders:read"]).is_empty(), "no tools:read, no list");
    }

    #[test]
    fn maps_the_ui_resource() {
        let spec = tool_spec("demo", &doc("show_order", &[]));
        let ui = spec.ui.unwrap();
        assert_eq!(ui.uri, "ui://demo/show_order");
        assert_eq!(ui.prefers_border, Some(true));
        assert_eq!(spec.kind, ToolKind::Interactive);
    }
}
