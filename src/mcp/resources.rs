//! `ui://` resources of interactive Types (MCP Apps extension
//! `io.modelcontextprotocol/ui`, 2026-01-26).
//!
//! Each interactive Type's UI is one resource `ui://<project>/<name>`
//! served as a complete HTML document with `mimeType:
//! text/html;profile=mcp-app`; its `_meta.ui` carries the sandbox settings
//! (`csp`, `prefersBorder`, `domain`) both in `resources/list` and on the
//! content of `resources/read`, where hosts read them. There are no
//! templates (`resources/templates/list` is an empty list).
//!
//! ChatGPT reads its own widget keys next to `_meta.ui` ([`resource_meta`]):
//! `openai/widgetDescription`, `openai/widgetPrefersBorder`,
//! `openai/widgetDomain` and `openai/widgetCSP` (`connect_domains`,
//! `resource_domains`, `frame_domains`), the component-resource `_meta`
//! fields of the Apps SDK reference
//! (<https://developers.openai.com/apps-sdk/reference>; the CSP field names
//! as the Apps SDK examples spell them). They mirror the same Type fields;
//! MCP Apps' `baseUriDomains` has no ChatGPT counterpart and stays in
//! `_meta.ui.csp` only.
//!
//! Not found (MUST NOT answer with empty `contents`): -32602 on the modern
//! era, -32002 on legacy (the code 2025-11-25 defines), both with
//! `data.uri`, in-band.

use serde_json::{json, Map, Value};

use super::era::Era;
use super::jsonrpc::{RpcError, RESOURCE_NOT_FOUND_LEGACY};
use super::tools::page;
use super::types::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceParams, ReadResourceResult, Resource,
    TextResourceContents,
};
use super::view::{ServerView, ToolSpec, UiResource};

/// The MCP Apps HTML profile.
pub const MCP_APP_MIME: &str = "text/html;profile=mcp-app";

/// `{"ui": {csp?, prefersBorder?, domain?}}`, or `None` when all are unset.
pub fn ui_meta(ui: &UiResource) -> Option<Value> {
    let mut m = Map::new();
    if let Some(csp) = &ui.csp {
        m.insert("csp".into(), csp.clone());
    }
    if let Some(b) = ui.prefers_border {
        m.insert("prefersBorder".into(), Value::Bool(b));
    }
    if let Some(d) = &ui.domain {
        m.insert("domain".into(), Value::String(d.clone()));
    }
    (!m.is_empty()).then(|| json!({ "ui": m }))
}

/// MCP Apps' camelCase CSP keys and the Apps SDK's snake_case ones.
const OPENAI_CSP_KEYS: [(&str, &str); 3] =
    [("connectDomains", "connect_domains"), ("resourceDomains", "resource_domains"), ("frameDomains", "frame_domains")];

/// The full `_meta` of a UI resource: [`ui_meta`] plus ChatGPT's
/// `openai/widget*` keys (see the module doc).
pub fn resource_meta(tool: &ToolSpec, ui: &UiResource) -> Value {
    let mut m = match ui_meta(ui) {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    m.insert("openai/widgetDescription".into(), Value::String(tool.description.clone()));
    if let Some(b) = ui.prefers_border {
        m.insert("openai/widgetPrefersBorder".into(), Value::Bool(b));
    }
    if let Some(d) = &ui.domain {
        m.insert("openai/widgetDomain".into(), Value::String(d.clone()));
    }
    if let Some(Value::Object(csp)) = &ui.csp {
        let openai: Map<String, Value> = OPENAI_CSP_KEYS
            .iter()
            .filter_map(|(ours, theirs)| csp.get(*ours).map(|v| (theirs.to_string(), v.clone())))
            .collect();
        if !openai.is_empty() {
            m.insert("openai/widgetCSP".into(), Value::Object(openai));
        }
    }
    Value::Object(m)
}

fn entry(tool: &ToolSpec, ui: &UiResource) -> Resource {
    Resource {
        uri: ui.uri.clone(),
        name: tool.name.clone(),
        title: Some(tool.display_title()),
        description: Some(format!("Interactive view of the {} tool", tool.name)),
        mime_type: MCP_APP_MIME.into(),
        meta: Some(resource_meta(tool, ui)),
    }
}

/// `resources/list`: by URI, 100 per page, cursors like `tools/list`.
pub(crate) fn list(view: &ServerView, cursor: Option<&str>) -> Result<ListResourcesResult, RpcError> {
    let sorted = view.sorted_ui_tools();
    let (slice, next_cursor) = page(&sorted, |(_, ui)| ui.uri.as_str(), cursor, "r1")?;
    Ok(ListResourcesResult { resources: slice.iter().map(|(t, ui)| entry(t, ui)).collect(), next_cursor })
}

/// `resources/read`.
pub(crate) fn read(view: &ServerView, params: Value, era: Era) -> Result<ReadResourceResult, RpcError> {
    let p: ReadResourceParams =
        serde_json::from_value(params).map_err(|e| RpcError::invalid_params(format!("Invalid params: {e}")))?;
    let found = view.tools.iter().find_map(|t| t.ui.as_ref().filter(|ui| ui.uri == p.uri).map(|ui| (t, ui)));
    let Some((tool, ui)) = found else {
        let err = match era {
            Era::Modern => RpcError::invalid_params(format!("Resource not found: {}", p.uri)),
            Era::Legacy => RpcError::in_band(RESOURCE_NOT_FOUND_LEGACY, format!("Resource not found: {}", p.uri)),
        };
        return Err(err.with_data(json!({"uri": p.uri})));
    };
    Ok(ReadResourceResult {
        contents: vec![TextResourceContents {
            uri: ui.uri.clone(),
            mime_type: MCP_APP_MIME.into(),
            text: ui.html.clone(),
            meta: Some(resource_meta(tool, ui)),
        }],
    })
}

/// `resources/templates/list`: Dockyard has no templated resources.
pub(crate) fn templates() -> ListResourceTemplatesResult {
    ListResourceTemplatesResult { resource_templates: Vec::new(), next_cursor: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_meta_only_names_what_is_set() {
        let mut ui = UiResource {
            uri: "ui://p/t".into(),
            html: "<!doctype html>".into(),
            csp: None,
            prefers_border: None,
            domain: None,
        };
        assert_eq!(ui_meta(&ui), None);
        ui.prefers_border = Some(true);
        ui.csp = Some(json!({"connectDomains": []}));
        assert_eq!(ui_meta(&ui), Some(json!({"ui": {"csp": {"connectDomains": []}, "prefersBorder": true}})));
    }

    #[test]
    fn resource_meta_mirrors_the_ui_settings_in_chatgpts_keys() {
        let ui = UiResource {
            uri: "ui://p/t".into(),
            html: "<!doctype html>".into(),
            csp: Some(json!({"connectDomains": ["https://api.example.com"], "baseUriDomains": ["https://b.example"]})),
            prefers_border: Some(false),
            domain: Some("https://t.example".into()),
        };
        let tool = ToolSpec {
            name: "t".into(),
            title: None,
            description: "Shows t".into(),
            input_schema: json!({"type": "object"}),
            output_schema: None,
            annotations: None,
            kind: crate::mcp::ToolKind::Interactive,
            ui: Some(ui.clone()),
        };
        let m = resource_meta(&tool, &ui);
        assert_eq!(m["ui"], ui_meta(&ui).unwrap()["ui"]);
        assert_eq!(m["openai/widgetDescription"], "Shows t");
        assert_eq!(m["openai/widgetPrefersBorder"], false);
        assert_eq!(m["openai/widgetDomain"], "https://t.example");
        assert_eq!(m["openai/widgetCSP"], json!({"connect_domains": ["https://api.example.com"]}));
        let bare = UiResource { csp: None, prefers_border: None, domain: None, ..ui };
        assert_eq!(resource_meta(&tool, &bare), json!({"openai/widgetDescription": "Shows t"}));
    }
}
