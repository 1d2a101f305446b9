//! Which of a project's Types a caller gets as MCP tools, and how a Type maps
//! onto the engine's [`ToolSpec`]. One function decides for both `tools/list`
//! and `tools/call`: `oauth::grants::required_scope_decision` ([`decide`]).
//! - Allowed: listed and callable.
//! - StepUp (the role has the Type's scopes, the token lacks some): listed;
//!   a call gets 403 `insufficient_scope` so the client can ask for more.
//! - Hidden (the role lacks a scope): not listed; a call gets -32602 naming
//!   the missing scope.

use super::types::{Kind, TypeDoc};
use crate::mcp::{ToolKind, ToolSpec, UiResource};
use crate::oauth::grants::{required_scope_decision, ScopeDecision};

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
            Kind::Code => ToolKind::Code,
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

/// The decision for calling `doc` (its scopes plus `tools:call`).
pub fn decide(doc: &TypeDoc, effective_scopes: &[String], role_allows: &dyn Fn(&str) -> bool) -> ScopeDecision {
    let mut needed = doc.scopes.clone();
    needed.push("tools:call".to_string());
    required_scope_decision(&needed, effective_scopes, role_allows)
}

/// The decision for listing `doc`: its own scopes (listing itself needs
/// `tools:read`, checked once for the whole list), so a viewer with only
/// `tools:read` sees the tools it cannot call.
fn decide_listing(doc: &TypeDoc, effective_scopes: &[String], role_allows: &dyn Fn(&str) -> bool) -> ScopeDecision {
    required_scope_decision(&doc.scopes, effective_scopes, role_allows)
}

/// Whether `tools/list` shows `doc` to a caller who has `tools:read` (the
/// filter of [`visible_tools`], for the glue that pages before mapping).
pub fn is_listed(doc: &TypeDoc, effective_scopes: &[String], role_allows: &dyn Fn(&str) -> bool) -> bool {
    !matches!(decide_listing(doc, effective_scopes, role_allows), ScopeDecision::Hidden { .. })
}

/// The tools a caller may see. Without `tools:read` nothing is listed.
pub fn visible_tools(
    project_slug: &str,
    types: &[TypeDoc],
    effective_scopes: &[String],
    role_allows: &dyn Fn(&str) -> bool,
) -> Vec<ToolSpec> {
    if !effective_scopes.iter().any(|s| s == "tools:read") {
        return Vec::new();
    }
    types.iter().filter(|t| is_listed(t, effective_scopes, role_allows)).map(|t| tool_spec(project_slug, t)).collect()
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
    fn the_role_decides_what_is_listed_and_the_token_what_is_callable() {
        let types = vec![doc("a", &[]), doc("b", &["orders:read"]), doc("c", &["orders:read", "orders:write"])];
        let role_has = |allowed: &'static [&'static str]| move |s: &str| allowed.contains(&s);
        let names = |token: &[&str], role: &dyn Fn(&str) -> bool| -> Vec<String> {
            visible_tools("demo", &types, &scopes(token), role).into_iter().map(|t| t.name).collect()
        };
        let base = role_has(&["tools:read", "tools:call"]);
        assert_eq!(names(&["tools:read", "tools:call"], &base), vec!["a"]);
        let reader = role_has(&["tools:read", "tools:call", "orders:read"]);
        assert_eq!(names(&["tools:read", "tools:call"], &reader), vec!["a", "b"], "b listed for step-up");
        let all = |_: &str| true;
        assert_eq!(names(&["tools:read"], &all), vec!["a", "b", "c"]);
        assert!(names(&["tools:call", "orders:read"], &all).is_empty(), "no tools:read, no list");
        let viewer = role_has(&["tools:read"]);
        assert_eq!(names(&["tools:read"], &viewer), vec!["a"], "a viewer lists what it cannot call");
        assert!(matches!(decide(&types[0], &scopes(&["tools:read"]), &viewer), ScopeDecision::Hidden { .. }));

        let token = scopes(&["tools:read", "tools:call"]);
        assert_eq!(decide(&types[0], &token, &base), ScopeDecision::Allowed);
        assert_eq!(
            decide(&types[1], &token, &reader),
            ScopeDecision::StepUp { needed: scopes(&["orders:read", "tools:call"]) }
        );
        assert_eq!(decide(&types[2], &token, &reader), ScopeDecision::Hidden { missing: scopes(&["orders:write"]) });
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
