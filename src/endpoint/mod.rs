//! The MCP endpoints `/<org>/<project>` (production) and `.../draft` (wasm32
//! glue): the hot path of DESIGN.md.
//! 1. route and validate the slugs;
//! 2. reject early (Origin 403, preflight 204, body 413/415) via the engine;
//! 3. one hub round trip: project settings (visibility), production pointer,
//!    draft (for draft), and whether a legacy session was ended;
//! 4. access: a bearer JWT is verified locally (signature, expiry, issuer and
//!    the exact audience: this endpoint's canonical URL), then the hub says
//!    whether its grant is live and what the member may do now (effective
//!    scopes = token scopes ∩ current role scopes). Draft always needs a
//!    token; production needs one unless the project is public (then the
//!    base scopes `tools:read tools:call`). No valid token: 401 with the
//!    RFC 9728 discovery header;
//! 5. the project view: production = the immutable published snapshot (cached
//!    in the isolate by content hash), draft = the working copy;
//! 6. the engine answers; tool calls run here; listen streams are held by the
//!    hub, where changes happen.

mod cache;
mod reply;

use crate::app::{Ctx, Incoming};
use crate::authz;
use crate::crypto;
use crate::http::ApiError;
use crate::identity::roles::BASE_SCOPES;
use crate::identity::validate;
use crate::mcp::{self, HttpRequest, Outcome, ReplyBody, ServerView, StreamKind, ToolKind};
use crate::oauth::grants::ScopeDecision;
use crate::oauth::resource::Resource;
use crate::oauth::tokens;
use crate::objects::call;
use crate::objects::hub_api::EndpointView;
use crate::projects::diff::Snapshot;
use crate::projects::toolset;
use crate::projects::types::{self, TypeDoc};
use crate::store::versions;
use crate::studio::access_sync::hub;
use serde_json::json;
use worker::Response;

pub async fn serve(ctx: &Ctx, inc: &mut Incoming, org: &str, project: &str, draft: bool) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound(format!("no MCP endpoint at /{org}/{project}"));
    if validate::validate_slug("org", org).is_err() || validate::validate_slug("project", project).is_err() {
        return Err(not_found());
    }
    let headers: Vec<(String, String)> = inc.headers.entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
    let method = inc.method.to_string();
    // Reject early (Origin, preflight, Content-Type) before reading the body.
    let head_only = HttpRequest { method: &method, headers: &headers, body: &[] };
    if let Some(early) = mcp::early_reply(&head_only, &ctx.config.public_url, &ctx.config.allowed_origins) {
        return reply::to_response(early);
    }
    let body = match method.as_str() {
        "POST" => match inc.bytes(mcp::MAX_BODY_BYTES).await {
            Ok(b) => b,
            Err(ApiError::PayloadTooLarge { .. }) => return reply::to_response(mcp::payload_too_large(&headers)),
            Err(e) => return Err(e),
        },
        _ => Vec::new(),
    };
    let req = HttpRequest { method: &method, headers: &headers, body: &body };

    // MUST: tokens only in the Authorization header, never in the query string.
    if inc.url.query_pairs().any(|(k, _)| k == "access_token") {
        return reply::refuse_query_token(&req);
    }
    let resource = Resource::new(org, project, draft);
    let endpoint_url = resource.canonical_url(&ctx.config.public_url);
    // DESIGN step 3: the JWT is verified locally (signature, exp, iss, exact aud).
    let claims = match bearer(&headers) {
        None => None,
        Some(token) => match tokens::verify_access_token(
            &token,
            &authz::signing_keys(ctx),
            &ctx.config.public_url,
            &endpoint_url,
            ctx.now,
        ) {
            Ok(c) => Some(c),
            Err(e) => return reply::unauthorized(ctx, &req, &resource, Some(&e.to_string())),
        },
    };

    // DESIGN step 4: one hub round trip: grant live? project, pointer, draft.
    let session_hash = mcp::session_id_of(&req).map(|id| crypto::sha256_hex(id.as_bytes()));
    let stub = hub(ctx, org, project)?;
    let grant = claims.as_ref().map(|c| json!({ "id": c.grant_id, "scopes": c.scopes() }));
    let answer = call(
        &stub,
        "/endpoint",
        &json!({
            "channel": if draft { "draft" } else { "production" }, "session_hash": session_hash,
            "grant": grant, "resource": resource, "now": ctx.now,
        }),
    )
    .await?;
    let session_ended = answer["session_ended"].as_bool().unwrap_or(false);
    let access = answer.get("access").cloned().unwrap_or(serde_json::Value::Null);
    let view: EndpointView =
        serde_json::from_value(answer).map_err(|e| ApiError::Internal(format!("hub endpoint view: {e}")))?;
    let Some(hub_project) = view.project else { return Err(not_found()) };

    let public = !draft && hub_project.visibility == "public";
    let base: Vec<String> = BASE_SCOPES.iter().map(|s| s.to_string()).collect();
    let (effective_scopes, member_scopes): (Vec<String>, Option<Vec<String>>) = if claims.is_some() {
        if access["ok"].as_bool() != Some(true) {
            let reason = access["reason"].as_str().unwrap_or("the grant is not valid");
            return reply::unauthorized(ctx, &req, &resource, Some(reason));
        }
        (
            serde_json::from_value(access["effective_scopes"].clone()).unwrap_or_default(),
            serde_json::from_value(access["member_scopes"].clone()).unwrap_or(None),
        )
    } else if public {
        (base.clone(), Some(base.clone()))
    } else {
        return reply::unauthorized(ctx, &req, &resource, None);
    };
    let role_allows = |s: &str| member_scopes.as_ref().is_none_or(|m| m.iter().any(|x| x == s));

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
        tools: toolset::visible_tools(project, &types, &effective_scopes, &role_allows),
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
    // Scopes on calls: step-up (403) or hidden (-32602), decided by the same
    // function that filtered the list.
    if let Some(refusal) = scope_refusal(ctx, &req, &resource, &types, &effective_scopes, &role_allows)? {
        return Ok(refusal);
    }
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

fn bearer(headers: &[(String, String)]) -> Option<String> {
    let raw = headers.iter().find(|(k, _)| k == "authorization").map(|(_, v)| v.as_str())?;
    let (scheme, token) = raw.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// For a `tools/call` of a Type the caller may not call: the 403 step-up
/// answer or the -32602 error naming the missing scope.
fn scope_refusal(
    ctx: &Ctx,
    req: &HttpRequest,
    resource: &Resource,
    types: &[TypeDoc],
    effective: &[String],
    role_allows: &dyn Fn(&str) -> bool,
) -> Result<Option<Response>, ApiError> {
    if req.method != "POST" {
        return Ok(None);
    }
    let Ok(msg) = serde_json::from_slice::<serde_json::Value>(req.body) else { return Ok(None) };
    if msg["method"] != "tools/call" {
        return Ok(None);
    }
    let Some(doc) = msg["params"]["name"].as_str().and_then(|n| types.iter().find(|t| t.name == n)) else {
        return Ok(None);
    };
    match toolset::decide(doc, effective, role_allows) {
        ScopeDecision::Allowed => Ok(None),
        ScopeDecision::StepUp { needed } => reply::insufficient_scope(ctx, req, resource, &needed).map(Some),
        ScopeDecision::Hidden { missing } => {
            let message = format!(
                "Unknown tool: {} (it needs the scope {}, which your access does not include)",
                doc.name,
                missing.join(" ")
            );
            reply::rpc_error(req, &msg["id"], -32602, &message).map(Some)
        }
    }
}

async fn production_snapshot(
    ctx: &Ctx,
    project_id: &str,
    version: &str,
    hash: &str,
) -> Result<std::rc::Rc<Snapshot>, ApiError> {
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
