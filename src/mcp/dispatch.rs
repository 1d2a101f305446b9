//! POST: the transport gates, era selection, and method dispatch per era.
//!
//! Order of checks (the earliest failing one answers):
//! 1. `Origin` (403), body size (413), `Content-Type` (415) — see
//!    `engine::early_reply` — then `Accept` (406);
//! 2. JSON-RPC framing (-32700 / -32600, HTTP 400);
//! 3. era selection (`era::classify`: -32602 / -32020 / -32022, HTTP 400);
//! 4. modern: standard headers (-32020); legacy: session (400 / 404);
//! 5. notifications and posted responses: 202 (modern responses: 400);
//! 6. the method: modern unknown -> HTTP 404 -32601 (MUST); legacy unknown
//!    -> -32601 in-band (HTTP 200 — a legacy 404 would tell the client its
//!    session is gone). Handler errors (bad params, unknown tool, bad
//!    cursor, resource not found) are in-band on HTTP 200, as in the
//!    reference SDK; only the spec's transport-level errors change status.
//!
//! Capabilities declare exactly what is implemented, in both eras: tools
//! and resources with `listChanged: true` (the legacy GET stream and the
//! modern listen stream deliver them), no prompts, no resource
//! subscriptions, no logging or completions. Both are always declared,
//! even for a project without interactive Types (its resource list is
//! simply empty), so adding the first interactive Type needs no reconnect.
//! Modern capabilities also name the MCP Apps extension.

use serde_json::{json, Map, Value};

use super::engine::{
    check_session, empty_reply, error_reply, missing_session, result_reply, rpc_error_reply, session_id_of,
    sse_headers, EngineEnv, HttpReply, HttpRequest, Outcome, ReplyBody, ReplyCtx, StreamKind,
};
use super::era::{classify, legacy_version, Era, LEGACY_VERSIONS, MODERN_VERSION};
use super::headers::{check_method_header, check_standard_headers};
use super::jsonrpc::{parse_message, Incoming, RequestId, RpcError, INVALID_REQUEST, METHOD_NOT_FOUND};
use super::session;
use super::sse::modern_acknowledged;
use super::tools::{self, Prepared};
use super::transport::{accept_prefs, header};
use super::types::{
    DiscoverResult, EmptyResult, Implementation, InitializeParams, InitializeResult, ListChangedCapability,
    ListenParams, Method, PaginatedParams, ServerCapabilities, SubscriptionFilter,
};
use super::view::ServerView;
use super::{resources, tools::call_result};

/// The MCP Apps extension id.
pub const UI_EXTENSION: &str = "io.modelcontextprotocol/ui";

fn capabilities(era: Era) -> ServerCapabilities {
    let list_changed = Some(ListChangedCapability { list_changed: Some(true) });
    let extensions = (era == Era::Modern).then(|| {
        let mut m = Map::new();
        m.insert(UI_EXTENSION.into(), json!({"mimeTypes": [resources::MCP_APP_MIME]}));
        m
    });
    ServerCapabilities { tools: list_changed.clone(), resources: list_changed, extensions }
}

fn server_info(view: &ServerView) -> Implementation {
    Implementation { name: view.server_name.clone(), version: view.server_version.clone(), title: view.title.clone() }
}

fn status_error(status: u16, message: &str) -> RpcError {
    RpcError::new(status, INVALID_REQUEST, message)
}

pub(crate) fn post(req: &HttpRequest, view: &ServerView, env: &EngineEnv, cors: Vec<(String, String)>) -> Outcome {
    // Body size (413) and Content-Type (415) were checked by `early_reply`.
    let gate = |status, msg: &str| Outcome::Reply(error_reply(&cors, None, &status_error(status, msg)));
    // MUST (client): Accept lists application/json and text/event-stream.
    let prefs = accept_prefs(header(req.headers, "accept"));
    if !prefs.accepts_both() {
        return gate(406, "Not Acceptable: Accept must allow application/json and text/event-stream");
    }
    let msg = match parse_message(req.body) {
        Ok(m) => m,
        Err(bad) => return Outcome::Reply(error_reply(&cors, bad.id.as_ref(), &bad.error)),
    };
    let protocol = match classify(req.headers, &msg) {
        Ok(p) => p,
        Err(e) => return Outcome::Reply(error_reply(&cors, msg.id(), &e)),
    };
    let ctx = ReplyCtx { protocol, cors, sse: prefs.prefers_sse(), server_info: server_info(view) };
    match protocol.era {
        Era::Modern => modern(req, view, env, &ctx, msg),
        Era::Legacy => legacy(req, view, env, &ctx, msg),
    }
}

fn modern(req: &HttpRequest, view: &ServerView, env: &EngineEnv, ctx: &ReplyCtx, msg: Incoming) -> Outcome {
    let (id, method, params) = match msg {
        Incoming::Response { id } => {
            let err = status_error(400, "Invalid Request: 2026-07-28 has no client responses");
            return Outcome::Reply(error_reply(&ctx.cors, id.as_ref(), &err));
        }
        Incoming::Notification { method, .. } => {
            // MUST: an accepted notification is 202 with no body.
            return Outcome::Reply(match check_method_header(req.headers, &method, false) {
                Ok(()) => empty_reply(202, ctx.cors.clone()),
                Err(e) => error_reply(&ctx.cors, None, &e),
            });
        }
        Incoming::Request { id, method, params } => (id, method, params),
    };
    // MUST (SEP-2243): MCP-Protocol-Version, Mcp-Method, Mcp-Name.
    if let Err(e) = check_standard_headers(req.headers, &method, params.as_ref()) {
        return Outcome::Reply(error_reply(&ctx.cors, Some(&id), &e));
    }
    let params = Value::Object(params.unwrap_or_default());
    let reply = match Method::from_name(&method) {
        Some(Method::Discover) => {
            let result = DiscoverResult {
                supported_versions: vec![MODERN_VERSION.to_string()],
                capabilities: capabilities(Era::Modern),
                instructions: view.instructions.clone(),
            };
            result_reply(ctx, &id, &result, true)
        }
        Some(Method::SubscriptionsListen) => listen(ctx, &id, params),
        Some(Method::Initialize | Method::Ping) | None => {
            // MUST (2026-07-28): an unimplemented method is 404 + -32601.
            let err = RpcError::new(404, METHOD_NOT_FOUND, format!("Method not found: {method}"));
            error_reply(&ctx.cors, Some(&id), &err)
        }
        Some(m) => return common(m, req, view, env, ctx, &id, params),
    };
    Outcome::Reply(reply)
}

fn listen(ctx: &ReplyCtx, id: &RequestId, params: Value) -> HttpReply {
    let p: ListenParams = match serde_json::from_value(params) {
        Ok(p) => p,
        Err(e) => return rpc_error_reply(ctx, id, &RpcError::invalid_params(format!("Invalid params: {e}"))),
    };
    // MUST NOT send unrequested types; the ack names what we honour.
    let honoured = SubscriptionFilter {
        tools_list_changed: (p.notifications.tools_list_changed == Some(true)).then_some(true),
        resources_list_changed: (p.notifications.resources_list_changed == Some(true)).then_some(true),
        ..Default::default()
    };
    let subscription_id = id.as_value().clone();
    HttpReply {
        status: 200,
        headers: sse_headers(&ctx.cors),
        body: ReplyBody::OpenStream(StreamKind::ModernListen {
            acknowledged: modern_acknowledged(&subscription_id, &honoured),
            subscription_id,
            filter: honoured,
        }),
    }
}

fn legacy(req: &HttpRequest, view: &ServerView, env: &EngineEnv, ctx: &ReplyCtx, msg: Incoming) -> Outcome {
    if let Incoming::Request { id, method, params } = &msg {
        if method == "initialize" {
            let params = Value::Object(params.clone().unwrap_or_default());
            return Outcome::Reply(initialize(view, env, ctx, id, params));
        }
    }
    let Some(sid) = session_id_of(req) else {
        return Outcome::Reply(error_reply(&ctx.cors, msg.id(), &missing_session()));
    };
    if let Err(e) = check_session(env, view, &sid) {
        return Outcome::Reply(error_reply(&ctx.cors, msg.id(), &e));
    }
    let (id, method, params) = match msg {
        // MUST: accepted notifications and responses -> 202, no body.
        Incoming::Notification { .. } | Incoming::Response { .. } => {
            return Outcome::Reply(empty_reply(202, ctx.cors.clone()));
        }
        Incoming::Request { id, method, params } => (id, method, params),
    };
    let params = Value::Object(params.unwrap_or_default());
    match Method::from_name(&method) {
        Some(Method::Ping) => Outcome::Reply(result_reply(ctx, &id, &EmptyResult {}, false)),
        Some(m @ (Method::ToolsList | Method::ToolsCall | Method::ResourcesList)) => {
            common(m, req, view, env, ctx, &id, params)
        }
        Some(m @ (Method::ResourcesRead | Method::ResourceTemplatesList)) => {
            common(m, req, view, env, ctx, &id, params)
        }
        _ => {
            let err = RpcError::in_band(METHOD_NOT_FOUND, format!("Method not found: {method}"));
            Outcome::Reply(rpc_error_reply(ctx, &id, &err))
        }
    }
}

fn initialize(view: &ServerView, env: &EngineEnv, ctx: &ReplyCtx, id: &RequestId, params: Value) -> HttpReply {
    let p: InitializeParams = match serde_json::from_value(params) {
        Ok(p) => p,
        Err(e) => return rpc_error_reply(ctx, id, &RpcError::invalid_params(format!("Invalid params: {e}"))),
    };
    // MUST (lifecycle): echo the client's version if supported, else offer
    // our newest.
    let version = legacy_version(&p.protocol_version).unwrap_or(LEGACY_VERSIONS[0]);
    let result = InitializeResult {
        protocol_version: version.to_string(),
        capabilities: capabilities(Era::Legacy),
        server_info: ctx.server_info.clone(),
        instructions: view.instructions.clone(),
    };
    let mut reply = result_reply(ctx, id, &result, false);
    // MAY: a session id on the InitializeResult response; ours is signed.
    // The host's clientInfo rides in the signed id, for the audit log.
    let host = p.client_info.as_ref().and_then(session::HostInfo::from_client_info);
    let sid = session::issue(env.session_key, &view.endpoint_url, env.now_secs, host.as_ref());
    reply.headers.push(("mcp-session-id".into(), sid));
    reply
}

/// Methods both eras share.
fn common(
    method: Method,
    req: &HttpRequest,
    view: &ServerView,
    env: &EngineEnv,
    ctx: &ReplyCtx,
    id: &RequestId,
    params: Value,
) -> Outcome {
    let cursor = || -> Result<Option<String>, RpcError> {
        serde_json::from_value::<PaginatedParams>(params.clone())
            .map(|p| p.cursor)
            .map_err(|e| RpcError::invalid_params(format!("Invalid params: {e}")))
    };
    let answer = match method {
        Method::ToolsList => {
            cursor().and_then(|c| tools::list(view, c.as_deref())).map(|r| result_reply(ctx, id, &r, true))
        }
        Method::ResourcesList => {
            cursor().and_then(|c| resources::list(view, c.as_deref())).map(|r| result_reply(ctx, id, &r, true))
        }
        Method::ResourcesRead => {
            resources::read(view, params, ctx.protocol.era).map(|r| result_reply(ctx, id, &r, true))
        }
        Method::ResourceTemplatesList => Ok(result_reply(ctx, id, &resources::templates(), true)),
        Method::ToolsCall => match tools::prepare(view, params, req.headers, env, id, ctx) {
            Ok(Prepared::Run(call)) => return Outcome::CallTool(call),
            Ok(Prepared::Done(tool, result)) => Ok(result_reply(ctx, id, &call_result(&tool, result), false)),
            Err(e) => Err(e),
        },
        _ => Err(RpcError::in_band(METHOD_NOT_FOUND, "Method not found")),
    };
    Outcome::Reply(answer.unwrap_or_else(|e| rpc_error_reply(ctx, id, &e)))
}
