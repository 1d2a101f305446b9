//! What the engine needs to know about one endpoint's project.
//!
//! The glue builds a [`ServerView`] per request from the Type documents it
//! loaded (draft working copy or published version) *after* filtering them
//! to what the caller may see, so the engine never makes an access decision
//! of its own: every tool in the view is listable and callable. These are
//! plain Rust structs, not wire types; `tools.rs` and `resources.rs` map
//! them onto the serde protocol types in `types.rs`.

use serde_json::Value;

/// One endpoint as the engine sees it for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerView {
    /// `serverInfo.name`, e.g. the project slug.
    pub server_name: String,
    /// `serverInfo.version`, e.g. the published version or `"draft"`.
    pub server_version: String,
    /// `serverInfo.title`, a human-readable project name.
    pub title: Option<String>,
    /// The project's Instructions (`instructions` in the initialize and
    /// discover results).
    pub instructions: Option<String>,
    /// The tools the caller may see, in any order (the engine sorts them).
    pub tools: Vec<ToolSpec>,
    /// The endpoint's canonical URL (no trailing slash). Legacy session ids
    /// are bound to it, so an id minted on draft never works on production.
    pub endpoint_url: String,
}

/// One tool, mapped from a Type document.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    /// 1–64 characters of `[A-Za-z0-9_.-]`, unique within the view.
    pub name: String,
    pub title: Option<String>,
    pub description: String,
    /// A JSON Schema 2020-12 object schema.
    pub input_schema: Value,
    pub output_schema: Option<Value>,
    /// `ToolAnnotations` (`readOnlyHint`, ...), passed through unchanged.
    pub annotations: Option<Value>,
    pub kind: ToolKind,
    /// The MCP Apps UI of an interactive Type.
    pub ui: Option<UiResource>,
}

/// How a tool executes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolKind {
    /// An MCP Apps tool: the validated arguments are the result.
    Interactive,
    /// A data tool backed by the org's backend (a signed POST to `http.url`).
    Http,
    /// A data tool whose JavaScript handler runs in a sandboxed isolate.
    Code,
}

/// The `ui://` resource of an interactive tool.
#[derive(Debug, Clone, PartialEq)]
pub struct UiResource {
    /// `ui://<project>/<name>`.
    pub uri: String,
    /// A complete HTML document.
    pub html: String,
    /// `{connectDomains, resourceDomains, frameDomains, baseUriDomains}`.
    pub csp: Option<Value>,
    pub prefers_border: Option<bool>,
    /// A dedicated sandbox origin, when the host supports one.
    pub domain: Option<String>,
}

impl ToolSpec {
    /// The title hosts show: the Type's own `title`, else its name made
    /// readable (`show_order` → "Show order"). ChatGPT's and Claude's app
    /// directories require a title on every tool.
    pub fn display_title(&self) -> String {
        match &self.title {
            Some(t) if !t.trim().is_empty() => t.clone(),
            _ => readable_name(&self.name),
        }
    }
}

/// `show_order` → "Show order", `fetch-stock.v2` → "Fetch stock v2": word
/// separators (`_`, `-`, `.`) become single spaces, the first letter is
/// upper-cased, the rest is kept as written.
pub fn readable_name(name: &str) -> String {
    let words: Vec<&str> = name.split(['_', '-', '.']).filter(|w| !w.is_empty()).collect();
    let joined = if words.is_empty() { name.to_string() } else { words.join(" ") };
    let mut chars = joined.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => joined,
    }
}

impl ServerView {
    /// The tool called `name`, if the caller may see it.
    pub fn tool(&self, name: &str) -> Option<&ToolSpec> {
        self.tools.iter().find(|t| t.name == name)
    }

    /// The tools sorted by name: the order `tools/list` pages through.
    pub fn sorted_tools(&self) -> Vec<&ToolSpec> {
        let mut tools: Vec<&ToolSpec> = self.tools.iter().collect();
        tools.sort_by(|a, b| a.name.cmp(&b.name));
        tools
    }

    /// The tools that carry a UI, sorted by resource URI.
    pub fn sorted_ui_tools(&self) -> Vec<(&ToolSpec, &UiResource)> {
        let mut out: Vec<(&ToolSpec, &UiResource)> =
            self.tools.iter().filter_map(|t| t.ui.as_ref().map(|ui| (t, ui))).collect();
        out.sort_by(|a, b| a.1.uri.cmp(&b.1.uri));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::readable_name;

    #[test]
    fn names_read_as_titles() {
        assert_eq!(readable_name("show_order"), "Show order");
        assert_eq!(readable_name("fetch-stock.v2"), "Fetch stock v2");
        assert_eq!(readable_name("a__b"), "A b");
        assert_eq!(readable_name("getHTTP"), "GetHTTP");
        assert_eq!(readable_name("_"), "_");
    }
}
