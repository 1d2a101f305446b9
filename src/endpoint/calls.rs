//! `tools/call` on an endpoint: the scope gate before the engine runs
//! (step-up 403 or a hidden tool's -32602) and running the Type (step 6).

use super::access::Access;
use super::{reply, validate_args};
use crate::audit::ErrorCode;
use crate::http::context::Ctx;
use crate::http::ApiError;
use crate::mcp::{self, HttpReply, HttpRequest, ToolCall};
use crate::oauth::grants::ScopeDecision;
use crate::oauth::resource::Resource;
use crate::projects::toolset;
use crate::projects::types::TypeDoc;
use crate::tools::{self, result::DataKind, Caller};
use worker::{Response, Stub};

/// For a `tools/call` of a Type the caller may not call: the 403 step-up
/// answer or the -32602 error naming the missing scope (with its audit code).
/// The body of a POST as JSON (`None` for anything else), parsed once for
/// the scope gate, the called Type and the `tools/list` window.
pub fn post_message(req: &HttpRequest) -> Option<serde_json::Value> {
    if req.method != "POST" {
        return None;
    }
    serde_json::from_slice::<serde_json::Value>(req.body).ok()
}

/// `message`: [`post_message`] of the request, when it is a `tools/call`.
pub fn scope_refusal(
    ctx: &Ctx,
    req: &HttpRequest,
    message: Option<&serde_json::Value>,
    resource: &Resource,
    types: &[TypeDoc],
    access: &Access,
) -> Result<Option<(ErrorCode, Response)>, ApiError> {
    let Some(msg) = message else { return Ok(None) };
    let Some(doc) = msg["params"]["name"].as_str().and_then(|n| types.iter().find(|t| t.name == n)) else {
        return Ok(None);
    };
    let role_allows = |s: &str| access.role_allows(s);
    match toolset::decide(doc, &access.effective_scopes, &role_allows) {
        ScopeDecision::Allowed => Ok(None),
        ScopeDecision::StepUp { needed } => {
            reply::insufficient_scope(ctx, req, resource, &needed).map(|r| Some((ErrorCode::InsufficientScope, r)))
        }
        ScopeDecision::Hidden { missing } => {
            let message = format!(
                "Unknown tool: {} (it needs the scope {}, which your access does not include)",
                doc.name,
                missing.join(" ")
            );
            reply::rpc_error(req, &msg["id"], -32602, &message).map(|r| Some((ErrorCode::ToolHidden, r)))
        }
    }
}

/// Runs a validated call (`tools::run_tool`). The caller needs
/// `tools:call`; the Type's own scopes were checked by [`scope_refusal`] and
/// `visible_tools`. The code is the audit log's more precise word for an
/// `isError` result. A data tool's failure is an `isError` result too: the
/// engine never sees a 5xx from running a tool.
pub async fn run(
    ctx: &Ctx,
    stub: &Stub,
    call: ToolCall,
    access: &Access,
    types: &[TypeDoc],
    caller: Caller,
    request_id: String,
) -> (HttpReply, Option<ErrorCode>, Vec<String>) {
    if !access.may_call() {
        let refused = mcp::ToolResult::error("calling tools needs the tools:call scope");
        return (mcp::finish_tool_call(call, refused), Some(ErrorCode::CallScopeMissing), Vec::new());
    }
    let Some(doc) = types.iter().find(|t| t.name == call.tool.name) else {
        // The engine found the tool in the view built from these Types.
        let failure = tools::result::Failure::Internal;
        return (
            mcp::finish_tool_call(call.clone(), failure.to_result(&call.tool.name)),
            Some(failure.error_code(DataKind::Http)),
            Vec::new(),
        );
    };
    let inv = tools::dispatch::Invocation { ctx, stub, doc, caller, request_id, validate: &validate_args };
    let (result, code, logs) = tools::run_tool(&inv, &call).await;
    (mcp::finish_tool_call(call, result), code, logs)
}
