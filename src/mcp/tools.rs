//! `tools/list` and `tools/call`: mapping Types to tools, cursors, and the
//! two-phase call.
//!
//! Why two phases: executing a tool is async (an upstream fetch for data
//! tools, audit writes) and the engine is pure and synchronous. So
//! [`crate::mcp::handle`] stops at a validated [`ToolCall`]; the glue runs
//! it, producing a [`ToolResult`] (for interactive tools simply
//! [`interactive_result`]), optionally checks it with [`conform_output`],
//! and hands it to [`finish_tool_call`] for the wire reply.
//!
//! Decisions:
//! - **Order and cursors.** Tools are listed by name (byte order), 100 per
//!   page. A cursor is base64url of `t1:<last name on the page>`: opaque to
//!   clients, needs no key, and stays meaningful when the draft changes
//!   between pages (the next page starts after that name; no duplicates).
//!   Anything that does not decode to that shape is -32602.
//! - **Failures the model can fix** (arguments that do not match the
//!   schema; a data tool's failure, `crate::tools::result`) are results with
//!   `isError: true` and text naming every failing path, never JSON-RPC
//!   errors; an unknown tool name is -32602 (MUST).
//! - **Structured results** always carry the same JSON as a text block
//!   too (MUST with `outputSchema`, SHOULD otherwise).

use serde_json::{json, Value};

use super::engine::{result_reply, EngineEnv, HttpReply, ReplyCtx, Validator};
use super::era::Era;
use super::headers::check_param_headers;
use super::jsonrpc::{RequestId, RpcError, INVALID_PARAMS};
use super::types::{CallToolParams, CallToolResult, Content, ListToolsResult, Tool};
use super::view::{ServerView, ToolSpec};
use crate::crypto::{b64url_decode, b64url_encode};

/// Items per `tools/list` / `resources/list` page.
pub const PAGE_SIZE: usize = 100;

/// The name a `tools/list` cursor of [`page`] points after (`None`: no
/// cursor), or `Err` when it does not decode (the engine's -32602).
fn cursor_after(cursor: Option<&str>, tag: &str) -> Result<Option<String>, ()> {
    let Some(c) = cursor else { return Ok(None) };
    b64url_decode(c)
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix(&format!("{tag}:")).map(str::to_string))
        .map(Some)
        .ok_or(())
}

/// The items a `tools/list` page after `cursor` can show, for the glue to
/// map before the engine pages them: in name order, after the cursor's name,
/// at most [`PAGE_SIZE`] + 1 (the one more tells [`page`] that a next page
/// exists). Paging a view built from only these gives the same page and
/// cursor as paging all of them, so a project of 1,000 Types maps 101 into
/// tools, not 1,000. `None` when the cursor does not decode: the glue then
/// gives the engine everything, and the engine answers its -32602.
pub fn list_window<'a, T>(items: &'a [T], name: impl Fn(&T) -> &str, cursor: Option<&str>) -> Option<Vec<&'a T>> {
    let after = cursor_after(cursor, "t1").ok()?;
    let mut window: Vec<&T> = items.iter().filter(|i| after.as_deref().is_none_or(|a| name(i) > a)).collect();
    window.sort_by(|a, b| name(a).cmp(name(b)));
    window.truncate(PAGE_SIZE + 1);
    Some(window)
}

/// One page of `items` (sorted by `key`) after `cursor`, and the next cursor.
pub(crate) fn page<'a, T>(
    items: &'a [T],
    key: impl Fn(&T) -> &str,
    cursor: Option<&str>,
    tag: &str,
) -> Result<(&'a [T], Option<String>), RpcError> {
    let after = cursor_after(cursor, tag).map_err(|()| {
        RpcError::invalid_params("Invalid params: invalid cursor").with_data(json!({"cursor": cursor}))
    })?;
    let start = match after {
        None => 0,
        Some(last) => items.partition_point(|i| key(i) <= last.as_str()),
    };
    let end = (start + PAGE_SIZE).min(items.len());
    let slice = &items[start..end];
    let next = (end < items.len())
        .then(|| slice.last().map(|i| b64url_encode(format!("{tag}:{}", key(i)).as_bytes())))
        .flatten();
    Ok((slice, next))
}

/// A tool as `tools/list` shows it: always with a `title`
/// ([`ToolSpec::display_title`]).
pub fn tool_entry(spec: &ToolSpec) -> Tool {
    Tool {
        name: spec.name.clone(),
        title: Some(spec.display_title()),
        description: spec.description.clone(),
        input_schema: spec.input_schema.clone(),
        output_schema: spec.output_schema.clone(),
        annotations: spec.annotations.clone(),
        meta: spec.ui.as_ref().map(|ui| ui_tool_meta(&ui.uri)),
    }
}

/// The `_meta` of an interactive tool, pointing at its `ui://` resource in
/// the words of each host family:
/// - MCP Apps (`io.modelcontextprotocol/ui`): `ui.resourceUri` and
///   `ui.visibility`; `ui/resourceUri` is the extension's older flat key,
///   still read by some hosts.
/// - ChatGPT (Apps SDK reference, "_meta fields on tool descriptor",
///   <https://developers.openai.com/apps-sdk/reference>):
///   `openai/outputTemplate` (the resource URI of the component) and
///   `openai/widgetAccessible: true`, because the UI may call the tool back
///   (MCP Apps visibility includes `app`). The reference's
///   `openai/toolInvocation/invoking|invoked` status texts are left out:
///   a Type has nothing to fill them with but invented wording, and they
///   are optional. Widget-level keys go on the resource
///   (`resources::resource_meta`).
pub fn ui_tool_meta(uri: &str) -> Value {
    json!({
        "ui": {"resourceUri": uri, "visibility": ["model", "app"]},
        "ui/resourceUri": uri,
        "openai/outputTemplate": uri,
        "openai/widgetAccessible": true,
    })
}

/// `tools/list`: deterministic order, opaque cursors.
pub(crate) fn list(view: &ServerView, cursor: Option<&str>) -> Result<ListToolsResult, RpcError> {
    let sorted = view.sorted_tools();
    let (slice, next_cursor) = page(&sorted, |t| t.name.as_str(), cursor, "t1")?;
    Ok(ListToolsResult { tools: slice.iter().map(|t| tool_entry(t)).collect(), next_cursor })
}

/// A validated call the glue must execute, then pass to [`finish_tool_call`].
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    pub era: Era,
    pub id: RequestId,
    pub tool: ToolSpec,
    /// Validated against `tool.input_schema`; always an object.
    pub arguments: Value,
    pub(crate) reply: ReplyCtx,
}

/// What executing a tool produced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolResult {
    /// Human/model-readable text (may be empty when `structured` says it all).
    pub content_text: String,
    pub structured: Option<Value>,
    pub is_error: bool,
    /// The checked content blocks of a data tool's full MCP result, sent as
    /// they came instead of `content_text` and the structured text block.
    pub blocks: Vec<Value>,
    /// The `_meta` of a data tool's full MCP result.
    pub meta: Option<Value>,
}

impl ToolResult {
    pub fn error(text: impl Into<String>) -> Self {
        ToolResult { content_text: text.into(), is_error: true, ..Default::default() }
    }
}

/// The result of an interactive (MCP Apps) tool: the arguments are the
/// data the UI renders.
pub fn interactive_result(tool: &ToolSpec, args: &Value) -> ToolResult {
    let label = tool.display_title();
    ToolResult {
        content_text: format!(
            "Displayed \"{label}\" ({}) to the user with the given arguments; \
             the data is in structuredContent.",
            tool.name
        ),
        structured: Some(args.clone()),
        ..Default::default()
    }
}

fn path_label(path: &str) -> &str {
    if path.is_empty() {
        "(root)"
    } else {
        path
    }
}

/// `isError` result naming each failing path of the arguments.
pub fn invalid_arguments_result(tool: &ToolSpec, errors: &[(String, String)]) -> ToolResult {
    let mut text = format!("Invalid arguments for tool \"{}\":", tool.name);
    for (path, msg) in errors {
        text.push_str(&format!("\n- {}: {msg}", path_label(path)));
    }
    text.push_str("\nCorrect these arguments and call the tool again.");
    ToolResult::error(text)
}

/// Checks a successful result against the tool's `outputSchema` (MUST:
/// structuredContent conforms); a non-conforming one becomes `isError`.
pub fn conform_output(tool: &ToolSpec, result: ToolResult, validate: Validator<'_>) -> ToolResult {
    let Some(schema) = tool.output_schema.as_ref().filter(|_| !result.is_error) else {
        return result;
    };
    let Some(structured) = result.structured.as_ref() else {
        return ToolResult::error(format!(
            "The tool \"{}\" returned no structured content although it declares an outputSchema.",
            tool.name
        ));
    };
    match validate(schema, structured) {
        Ok(()) => result,
        Err(errors) => {
            let mut text = format!("The tool \"{}\" produced output that does not match its outputSchema:", tool.name);
            for (path, msg) in &errors {
                text.push_str(&format!("\n- {}: {msg}", path_label(path)));
            }
            ToolResult::error(text)
        }
    }
}

/// The wire shape of a tool result.
pub fn call_result(tool: &ToolSpec, result: ToolResult) -> CallToolResult {
    if !result.is_error && tool.output_schema.is_some() && result.structured.is_none() {
        return call_result(tool, conform_output(tool, result, &|_, _| Ok(())));
    }
    let mut content = Vec::new();
    if !result.blocks.is_empty() {
        content.extend(result.blocks.into_iter().map(Content::Block));
    } else {
        if !result.content_text.is_empty() {
            content.push(Content::Text { text: result.content_text });
        }
        if let Some(s) = &result.structured {
            content.push(Content::Text { text: s.to_string() });
        }
    }
    if content.is_empty() {
        content.push(Content::Text { text: "(no output)".into() });
    }
    CallToolResult {
        content,
        structured_content: result.structured,
        is_error: result.is_error.then_some(true),
        meta: result.meta,
    }
}

/// Phase two: the reply to the `tools/call` request.
pub fn finish_tool_call(call: ToolCall, result: ToolResult) -> HttpReply {
    let body = call_result(&call.tool, result);
    result_reply(&call.reply, &call.id, &body, false)
}

/// What phase one decided for a `tools/call`.
pub(crate) enum Prepared {
    Run(ToolCall),
    /// Answered without running (bad arguments).
    Done(ToolSpec, ToolResult),
}

/// Phase one: parse, find, check headers, validate.
pub(crate) fn prepare(
    view: &ServerView,
    params: Value,
    headers: &[(String, String)],
    env: &EngineEnv,
    id: &RequestId,
    reply: &ReplyCtx,
) -> Result<Prepared, RpcError> {
    let p: CallToolParams = serde_json::from_value(params)
        .map_err(|e| RpcError::in_band(INVALID_PARAMS, format!("Invalid params: {e}")))?;
    // MUST: an unknown tool is a protocol error, not a tool failure.
    let tool = view.tool(&p.name).ok_or_else(|| {
        RpcError::invalid_params(format!("Unknown tool: {}", p.name)).with_data(json!({"name": p.name}))
    })?;
    if reply.protocol.era == Era::Modern {
        // MUST (SEP-2243): Mcp-Param-{Name} headers match the arguments.
        check_param_headers(headers, &tool.input_schema, p.arguments.as_ref())?;
    }
    let args = p.arguments.unwrap_or_else(|| json!({}));
    if !args.is_object() {
        let errs = [(String::new(), "arguments must be a JSON object".to_string())];
        return Ok(Prepared::Done(tool.clone(), invalid_arguments_result(tool, &errs)));
    }
    if let Err(errors) = (env.validate_args)(&tool.input_schema, &args) {
        return Ok(Prepared::Done(tool.clone(), invalid_arguments_result(tool, &errors)));
    }
    Ok(Prepared::Run(ToolCall {
        era: reply.protocol.era,
        id: id.clone(),
        tool: tool.clone(),
        arguments: args,
        reply: reply.clone(),
    }))
}

#[cfg(test)]
mod window_tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        // Deliberately out of order: the window sorts.
        let mut v: Vec<String> = (0..n).map(|i| format!("t{i:04}")).collect();
        v.reverse();
        v
    }

    /// Every page through the window equals the page through all items.
    #[test]
    fn a_window_pages_exactly_like_the_whole_list() {
        for n in [0, 1, 100, 101, 250, 1000] {
            let all = names(n);
            let mut sorted: Vec<&String> = all.iter().collect();
            sorted.sort();
            let mut cursor: Option<String> = None;
            let mut seen = 0;
            loop {
                let (full, full_next) = page(&sorted, |s| s.as_str(), cursor.as_deref(), "t1").unwrap();
                let window = list_window(&all, |s| s.as_str(), cursor.as_deref()).unwrap();
                assert!(window.len() <= PAGE_SIZE + 1);
                let (part, part_next) = page(&window, |s| s.as_str(), cursor.as_deref(), "t1").unwrap();
                assert_eq!(full, part, "n={n} cursor={cursor:?}");
                assert_eq!(full_next, part_next, "n={n} cursor={cursor:?}");
                seen += part.len();
                match part_next {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
            assert_eq!(seen, n);
        }
    }

    #[test]
    fn an_invalid_cursor_gives_no_window_and_the_page_error() {
        let all = names(5);
        assert!(list_window(&all, |s| s.as_str(), Some("not base64 !")).is_none());
        assert!(list_window(&all, |s| s.as_str(), Some(&b64url_encode(b"r1:x"))).is_none());
        assert!(page(&all, |s| s.as_str(), Some("not base64 !"), "t1").is_err());
    }
}
