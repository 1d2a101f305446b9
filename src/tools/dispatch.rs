//! The dispatch of a validated `tools/call` (wasm32 glue): interactive as
//! before; a data kind gathers its [`DataCall`] (one hub hop: the rate
//! window and the Type's secrets; the org allowlist from D1), runs, and maps
//! its answer with `tools::result`. Every failure is an `isError` result
//! with its audit code: nothing here returns an error to the endpoint.

use serde_json::json;
use worker::Stub;

use super::result::{self, DataKind, Failure};
use super::{code, http, Caller, DataCall};
use crate::audit::ErrorCode;
use crate::http::context::Ctx;
use crate::mcp::{self, ToolCall, ToolResult, Validator};
use crate::projects::types::{Kind, TypeDoc};

/// What the endpoint knows about the call besides the engine's `ToolCall`.
pub struct Invocation<'a> {
    pub ctx: &'a Ctx,
    /// The project's hub (already resolved for this request).
    pub stub: &'a Stub,
    /// The Type behind the tool.
    pub doc: &'a TypeDoc,
    pub caller: Caller,
    pub request_id: String,
    pub validate: Validator<'a>,
}

/// Runs the tool: the result, the audit code when it is not a plain
/// success, and a code handler's captured `console.*` lines (for the audit
/// payload; empty for the other kinds).
pub async fn run_tool(inv: &Invocation<'_>, call: &ToolCall) -> (ToolResult, Option<ErrorCode>, Vec<String>) {
    match inv.doc.kind {
        Kind::Interactive => {
            let result = mcp::interactive_result(&call.tool, &call.arguments);
            let result = mcp::conform_output(&call.tool, result, inv.validate);
            let code = result.is_error.then_some(ErrorCode::OutputSchemaMismatch);
            (result, code, Vec::new())
        }
        Kind::Http => {
            let answer = match &inv.doc.http {
                None => Err(Failure::Unavailable("the Type has no http section".into())),
                Some(spec) => match gather(inv, call, Some(spec.secret_names())).await {
                    Ok(data) => http::run(spec, &data).await,
                    Err(failure) => Err(failure),
                },
            };
            let (result, code) = result::outcome(&call.tool, DataKind::Http, answer, inv.validate);
            (result, code, Vec::new())
        }
        Kind::Code => {
            // A handler sees every secret of the project in the caller's
            // channel (`env.secrets`): its source does not declare names.
            let (answer, logs) = match &inv.doc.code {
                None => (Err(Failure::Unavailable("the Type has no code section".into())), Vec::new()),
                Some(spec) => match gather(inv, call, None).await {
                    Ok(data) => {
                        let out = code::run(inv.ctx, spec, &data).await;
                        (out.result, out.logs)
                    }
                    Err(failure) => (Err(failure), Vec::new()),
                },
            };
            let (result, code) = result::outcome(&call.tool, DataKind::Code, answer, inv.validate);
            (result, code, logs)
        }
    }
}

/// The one hub hop of a data-tool call: counts the rate window and returns
/// the secrets the Type names (`None`: all of the channel's, for a code
/// handler's `env.secrets`); plus the org allowlist.
async fn gather(inv: &Invocation<'_>, call: &ToolCall, names: Option<Vec<String>>) -> Result<DataCall, Failure> {
    let channel = inv.caller.channel.as_str();
    let cmd = json!({ "channel": channel, "secrets": names, "all_secrets": names.is_none(), "now": inv.ctx.now });
    let answer = crate::objects::call(inv.stub, "/data/call", &cmd).await.map_err(|e| {
        worker::console_error!("data tool {}: hub /data/call failed: {e:?}", call.tool.name);
        Failure::Internal
    })?;
    if answer["allowed"].as_bool() != Some(true) {
        return Err(Failure::RateLimited {
            limit_per_minute: answer["limit_per_minute"].as_u64().unwrap_or(0) as u32,
            retry_after_secs: answer["retry_after"].as_u64().unwrap_or(60),
        });
    }
    let secrets = serde_json::from_value(answer["secrets"].clone()).unwrap_or_default();
    Ok(DataCall {
        tool: call.tool.name.clone(),
        arguments: call.arguments.clone(),
        caller: inv.caller.clone(),
        request_id: inv.request_id.clone(),
        secrets,
        upstream_hosts: org_upstream_hosts(inv, answer["org_id"].as_str()).await?,
        allow_loopback: inv.ctx.config.allow_loopback_upstreams,
    })
}

/// The org's upstream allowlist (`store::orgs::upstream_hosts`; `None`: no list).
async fn org_upstream_hosts(inv: &Invocation<'_>, org_id: Option<&str>) -> Result<Option<Vec<String>>, Failure> {
    let Some(org_id) = org_id else {
        worker::console_error!("data tool: the hub of {}/{} sent no org id", inv.caller.org, inv.caller.project);
        return Err(Failure::Internal);
    };
    crate::store::orgs::upstream_hosts(&inv.ctx.db, org_id).await.map_err(|e| {
        worker::console_error!("data tool: upstream_hosts of {} failed: {e:?}", inv.caller.org);
        Failure::Internal
    })
}
