//! The MCP endpoints `/<org>/<project>` (production) and `.../draft` (wasm32
//! glue): the hot path of DESIGN.md.
//! 1. route and validate the slugs;
//! 2. reject early (Origin 403, preflight 204, body 413/415) via the engine;
//! 3. one hub round trip: project settings (visibility), production pointer,
//!    draft (for draft), and whether a legacy session was ended;
//! 4. access: draft is always private; a private production endpoint needs a
//!    token. Until the OAuth issue lands, no token can be valid, so private
//!    endpoints answer 401 with the discovery header; public production is
//!    open with the base scopes (`tools:read tools:call`);
//! 5. the project view: production = the immutable published snapshot (cached
//!    in the isolate by content hash), draft = the working copy;
//! 6. the engine answers; tool calls run here; listen streams are held by the
//!    hub, where changes happen.

mod cache;
mod reply;

use crate::app::{Ctx, Incoming};
use crate::crypto;
use crate::http::ApiError;
use crate::identity::roles::BASE_SCOPES;
use crate::identity::validate;
use crate::mcp::{self, HttpRequest, Outcome, ReplyBody, ServerView, StreamKind, ToolKind};
use crate::objects::call;
use crate::objects::hub_api::EndpointView;
use crate::projects::diff::Snapshot;
use crate::projects::toolset;
use crate::projects::types::{self, TypeDoc};
use crate::studio::access_sync::hub;
use crate::store::versions;
use serde_json::json;
use worker::Response;

pub async fn serve(ctx: &Ctx, inc: &mut Incoming, org: &str, project: &str, draft: bool) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound(format!("no MCP endpoint at /{org}/{project}"));
    if validate::validate_slug("org", org).is_err() || validate::validate_slug("project", project).is_err() {
        return Err(not_found());
    }
    let headers: Vec<(String, String)> = inc.headers.entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
    let method = inc.method.to_string();
    let body = if method == "POST" { inc.bytes(mcp::MAX_BODY_BYTES).await? } else { Vec::new() };
    let req = HttpRequest { method: &method, headers: &headers, body: &body };
    if let Some(early) = mcp::early_reply(&req, &ctx.config.public_url, &ctx.config.allowed_origins) {
        return reply::to_response(early);
    }

    let endpoint_url = format!("{}/{org}/{project}{}", ctx.config.public_url, if draft { "/draft" } else { "" });
    let session_hash = mcp::session_id_of(&req).map(|id| crypto::sha256_hex(id.as_bytes()));
    let stub = hub(ctx, org, project)?;
    let answer = call(
        &stub,
        "/endpoint",
        &json!({ "channel": if draft { "draft" } else { "production" }, "session_hash": session_hash, "now": ctx.now }),
    )
    .await?;
    let session_ended = answer["session_ended"].as_bool().unwrap_or(false);
    let view: EndpointView =
        serde_json::from_value(answer).map_err(|e| ApiError::Internal(format!("hub endpoint view: {e}")))?;
    let Some(hub_project) = view.project else { return Err(not_found()) };

    // Access (DESIGN step 3-4). OAuth tokens arrive with the OAuth issue.
    let public = !draft && hub_project.visibility == "public";
    if !public {
        return reply::unauthorized(ctx, &req, &endpoint_url, org, project, draft);
    }
    let effective_scopes: Vec<String> = BASE_SCOPES.iter().map(|s| s.to_string()).collect();

    // The project view (DESIGN step 5).
    let (types, instructions, version) = if draft {
        let d = view.draft.ok_or_else(|| ApiError::Internal("hub sent no draft".into()))?;
        let docs: Vec<TypeDoc> = d.types.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect();
        (docs, d.instructions, format!("draft-r{}", d.revision))
    } else {
        match view.production {
            None => (Vec::new(), String::new(), "unpublished".to_string()),
            Some(p) => {
                let snap = production_snapshot(ctx, &hub_project.id, &p.version, &p.content_hash).await?;
                (snap.types.clone(), snap.instructions.clone(), p.version)
            }
        }
    };
    let server_view = ServerView {
        server_name: format!("{org}/{project}{}", if draft { "-draft" } else { "" }),
        server_version: version,
        title: Some(hub_project.slug.clone()),
        instructions: (!instructions.trim().is_empty()).then_some(instructions),
        tools: toolset::visible_tools(project, &types, &effective_scopes),
        endpoint_url,
    };

    let session_key = crypto::hmac_sha256(&ctx.config.secrets_key, b"dockyard mcp session v1");
    let validate_args = |schema: &serde_json::Value, args: &serde_json::Value| {
        types::validate_arguments(schema, args).map_err(|ps| ps.into_iter().map(|p| (p.path, p.message)).collect())
    };
    let is_ended = |_id: &str| session_ended;
    let env = mcp::EngineEnv {
        session_key: &session_key,
        now_secs: ctx.now.max(0) as u64,
        allowed_origins: ctx.config.allowed_origins.clone(),
        public_origin: ctx.config.public_url.clone(),
        validate_args: &validate_args,
        is_session_ended: &is_ended,
    };
    let outcome = mcp::handle(&req, &server_view, &env);
    let http_reply = match outcome {
        Outcome::Reply(r) => r,
        Outcome::CallTool(call) => {
            // DESIGN step 6: the caller needs tools:call; scopes of the Type were
            // checked by visible_tools.
            let result = if !effective_scopes.iter().any(|s| s == "tools:call") {
                mcp::ToolResult {
                    content_text: "calling tools needs the tools:call scope".into(),
                    structured: None,
                    is_error: true,
                }
            } else {
                match call.tool.kind {
                    ToolKind::Interactive => mcp::interactive_result(&call.tool, &call.arguments),
                    ToolKind::Http => mcp::http_not_available(&call.tool),
                }
            };
            let tool = call.tool.clone();
            let result = mcp::conform_output(&tool, result, &validate_args);
            mcp::finish_tool_call(call, result)
        }
    };
    if let Some(ended) = mcp::session_ended_by(&req, &http_reply) {
        call(&stub, "/sessions/end", &json!({ "hash": crypto::sha256_hex(ended.as_bytes()), "now": ctx.now })).await?;
    }
    if let ReplyBody::OpenStream(kind) = &http_reply.body {
        let (subscription, first, tools, resources) = match kind {
            StreamKind::LegacyListen { .. } => (serde_json::Value::Null, Vec::new(), true, true),
            StreamKind::ModernListen { subscription_id, acknowledged, filter } => (
                subscription_id.clone(),
                vec![acknowledged.encode()],
                filter.tools_list_changed == Some(true),
                filter.resources_list_changed == Some(true),
            ),
        };
        let body = json!({
            "channel": if draft { "draft" } else { "production" },
            "subscription_id": subscription, "first": first,
            "tools": tools, "resources": resources,
            "headers": http_reply.headers, "now": ctx.now,
        });
        return reply::stream_from_hub(&stub, &body).await;
    }
    reply::to_response(http_reply)
}

async fn production_snapshot(ctx: &Ctx, project_id: &str, version: &str, hash: &str) -> Result<std::rc::Rc<Snapshot>, ApiError> {
    if let Some(s) = cache::get(hash) {
        return Ok(s);
    }
    let row = versions::get(&ctx.db, project_id, version)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("production points at missing version {version}")))?;
    let snap: Snapshot =
        serde_json::from_str(&row.snapshot).map_err(|e| ApiError::Internal(format!("stored snapshot: {e}")))?;
    Ok(cache::put(hash, snap))
}
