//! The MCP endpoints `/<org>/<project>` (production) and `.../draft` (wasm32
//! glue): the hot path of the architecture, one function per step, in order.
//! 1. [`endpoint_of`]: route and validate the slugs;
//! 2. [`reject_early`] and [`read_body`]: Origin 403, preflight 204, 415 and
//!    413 (the body is bounded while it streams) before any work;
//! 3. [`access::verify_token`]: a bearer JWT is verified locally (signature,
//!    expiry, issuer and the exact audience: this endpoint's canonical URL);
//! 4. [`hub_round_trip`]: one hop to the project's hub answers visibility,
//!    the production pointer, whether a legacy session was ended and whether
//!    the grant is live with the member's current scopes; the draft comes
//!    back only when that access check passed, so an anonymous draft request
//!    never loads it. [`access::decide`] turns it into the caller's scopes
//!    (token ∩ role; public production without a token: the base scopes), or
//!    the 401 with the RFC 9728 discovery header;
//! 5. [`project_view`]: production = the immutable published snapshot
//!    (cached in the isolate by content hash), draft = the working copy; a
//!    pointer at a missing version row (publishing makes that impossible)
//!    serves no tools, logged, never a 500;
//! 6. [`answer`]: the engine answers; tool calls run here ([`calls`]);
//!    listen streams are held by the hub, where changes happen;
//! 7. [`AuditDraft::finish`]: every answer of steps 2-6 (refusals and
//!    errors included) gets `Dockyard-Request-Id`, and its audit record is
//!    sent after the response (`waitUntil` -> Queue -> D1). Each step tells
//!    the draft what it learned (the request, the caller, why it refused).
//!
//! An unknown project answers exactly like a private one (401 with the same
//! challenge): without a token, nobody can tell a private project from a
//! missing one. An anonymous draft request is refused before any hop; an
//! anonymous production request checks that the project exists (D1, once per
//! isolate) before its hub is touched, so probes of made-up names create no
//! Durable Object (and a hub that was never initialized writes nothing).

mod access;
mod audit;
mod bench_seed;
mod cache;
mod calls;
mod reply;

use crate::audit::ErrorCode;
use crate::crypto;
use crate::http::context::{Ctx, Incoming};
use crate::http::respond::error_response;
use crate::http::ApiError;
use crate::identity::validate;
use crate::mcp::{self, HttpReply, HttpRequest, Outcome, ReplyBody, ServerView, StreamKind};
use crate::oauth::resource::Resource;
use crate::objects::hub_api::{DraftHave, EndpointView};
use crate::objects::{call, existing_hub, hub};
use crate::projects::diff::Snapshot;
use crate::projects::toolset;
use crate::projects::types::{self, TypeDoc};
use crate::store::versions;
use crate::tools::Caller;
use access::Access;
use audit::AuditDraft;
use cache::Served;
use serde_json::json;
use std::rc::Rc;
use worker::{Response, Stub};

/// The label the legacy session key is derived from `SECRETS_KEY` with.
pub(crate) const SESSION_KEY_LABEL: &[u8] = b"dockyard mcp session v1";

pub async fn serve(ctx: &Ctx, inc: &mut Incoming, org: &str, project: &str, draft: bool) -> Result<Response, ApiError> {
    serve_capturing_logs(ctx, inc, org, project, draft).await.map(|(resp, _logs)| resp)
}

/// [`serve`], also handing back what a `code` handler wrote to its console (a
/// host never sees those lines; they go to the audit record) for the one
/// in-process caller that shows them, the Studio test panel
/// (`studio::test_panel`): the same steps, audit record and request id.
pub async fn serve_capturing_logs(
    ctx: &Ctx,
    inc: &mut Incoming,
    org: &str,
    project: &str,
    draft: bool,
) -> Result<(Response, Vec<String>), ApiError> {
    let resource = endpoint_of(org, project, draft)?;
    let headers: Vec<(String, String)> = inc.headers.entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
    let mut audit = AuditDraft::start(ctx, &resource, inc.method.as_ref(), &headers);
    let resp = match steps(ctx, inc, &resource, &headers, &mut audit).await {
        Ok(resp) => resp,
        Err(e) => error_response(&e),
    };
    let logs = audit.captured_logs().to_vec();
    Ok((audit.finish(ctx, resp), logs))
}

/// Steps 2-6; every answer, refusals included, goes back through `serve`
/// (the audit record and `Dockyard-Request-Id`).
async fn steps(
    ctx: &Ctx,
    inc: &mut Incoming,
    resource: &Resource,
    headers: &[(String, String)],
    audit: &mut AuditDraft,
) -> Result<Response, ApiError> {
    let (org, project, draft) = (resource.org.as_str(), resource.project.as_str(), resource.draft);
    let method = inc.method.to_string();
    if let Some(early) = reject_early(ctx, &method, headers) {
        let head_only = HttpRequest { method: &method, headers, body: &[] };
        audit.request(ctx, &head_only, resource, &holder_session_key(ctx, None));
        return reply::to_response(early);
    }
    let body = match read_body(inc, &method, headers).await? {
        Ok(body) => body,
        Err(too_large) => return reply::to_response(too_large),
    };
    let req = HttpRequest { method: &method, headers, body: &body };
    // Verified first: the audit reads a legacy session id under its holder's
    // key, the one the engine checks it with (derived once, here).
    let verified = access::verify_token(ctx, &req, resource).await;
    let grant_id = verified.as_ref().ok().and_then(|c| c.as_ref()).map(|c| c.grant_id.as_str());
    let session_key = holder_session_key(ctx, grant_id);
    audit.request(ctx, &req, resource, &session_key);
    // MUST: tokens only in the Authorization header, never in the query string.
    if inc.url.query_pairs().any(|(k, _)| k == "access_token") {
        audit.because(ErrorCode::TokenInQuery);
        return reply::refuse_query_token(&req);
    }
    let claims = match verified {
        Ok(claims) => claims,
        Err((code, refusal)) => {
            audit.because(code);
            return refusal;
        }
    };
    if let Some(c) = &claims {
        audit.caller(c);
    }
    // A verified token proves the project existed; an anonymous caller's
    // project is looked up first, so probes never instantiate a hub.
    let stub = match &claims {
        Some(_) => hub(ctx, org, project)?,
        None if draft => {
            audit.because(ErrorCode::TokenMissing);
            return reply::unauthorized(ctx, &req, resource, None);
        }
        None => match existing_hub(ctx, org, project).await? {
            Some(stub) => stub,
            None => {
                audit.because(ErrorCode::ProjectUnknown);
                return reply::unauthorized(ctx, &req, resource, None);
            }
        },
    };
    let mut hop = hub_round_trip(ctx, &stub, &req, resource, claims.as_ref()).await?;
    let access = match access::decide(ctx, &req, resource, &hop, claims.as_ref()) {
        Ok(access) => access,
        Err((code, refusal)) => {
            audit.because(code);
            return refusal;
        }
    };
    if let Some(seed) = bench_seed::requested(ctx, headers) {
        return bench_seed::grants(&stub, &access, seed).await;
    }
    let view = project_view(ctx, &mut hop, resource).await?;
    audit.served(&view.version, &view.types);
    answer(ctx, &stub, &req, resource, &access, &view, &session_key, hop.session_ended, audit).await
}

/// Step 1: the endpoint a path names; invalid slugs are a plain 404.
fn endpoint_of(org: &str, project: &str, draft: bool) -> Result<Resource, ApiError> {
    if validate::validate_slug("org", org).is_err() || validate::validate_slug("project", project).is_err() {
        return Err(ApiError::NotFound(format!("no MCP endpoint at /{org}/{project}")));
    }
    Ok(Resource::new(org, project, draft))
}

/// Step 2a: Origin, preflight and Content-Type, decided on the headers alone.
fn reject_early(ctx: &Ctx, method: &str, headers: &[(String, String)]) -> Option<HttpReply> {
    let head_only = HttpRequest { method, headers, body: &[] };
    mcp::early_reply(&head_only, &ctx.config.public_url, &ctx.config.allowed_origins)
}

/// Step 2b: the POST body, bounded while it streams; `Err` is the engine's 413.
async fn read_body(
    inc: &mut Incoming,
    method: &str,
    headers: &[(String, String)],
) -> Result<Result<Vec<u8>, HttpReply>, ApiError> {
    if method != "POST" {
        return Ok(Ok(Vec::new()));
    }
    match inc.bytes(mcp::MAX_BODY_BYTES).await {
        Ok(b) => Ok(Ok(b)),
        Err(ApiError::PayloadTooLarge { .. }) => Ok(Err(mcp::payload_too_large(headers))),
        Err(e) => Err(e),
    }
}

/// What the one hub round trip answered.
pub(crate) struct Hop {
    pub view: EndpointView,
    /// The hub's access answer for a presented grant (`Null` without one).
    pub access: serde_json::Value,
    pub session_ended: bool,
    /// The cached draft whose revision the command named (draft channel).
    held_draft: Option<cache::CachedDraft>,
}

/// Step 4: one hop to the hub (DESIGN step 4; no cache answers this).
async fn hub_round_trip(
    ctx: &Ctx,
    stub: &Stub,
    req: &HttpRequest<'_>,
    resource: &Resource,
    claims: Option<&crate::oauth::tokens::AccessClaims>,
) -> Result<Hop, ApiError> {
    let session_hash = mcp::session_id_of(req).map(|id| crypto::sha256_hex(id.as_bytes()));
    let grant = claims.map(|c| json!({ "id": c.grant_id, "scopes": c.scopes() }));
    // The draft this isolate holds: the hub sends the Types only if it moved on.
    // Held through the hop, so an entry evicted meanwhile is still at hand.
    let held_draft = resource.draft.then(|| cache::draft(&draft_key(resource))).flatten();
    let draft_have = held_draft.as_ref().map(|d| DraftHave { project_id: d.project_id.clone(), revision: d.revision });
    let mut answer = call(
        stub,
        "/endpoint",
        &json!({
            "channel": resource.channel().as_str(), "session_hash": session_hash,
            "grant": grant, "resource": resource, "now": ctx.now, "draft_have": draft_have,
        }),
    )
    .await?;
    let session_ended = answer["session_ended"].as_bool().unwrap_or(false);
    let access = answer.get_mut("access").map(serde_json::Value::take).unwrap_or_default();
    let view: EndpointView =
        serde_json::from_value(answer).map_err(|e| ApiError::Internal(format!("hub endpoint view: {e}")))?;
    Ok(Hop { view, access, session_ended, held_draft })
}

/// The Types, Instructions and version label one request is served from
/// (shared with the isolate's caches, never copied per request).
struct ProjectView {
    types: Rc<Vec<TypeDoc>>,
    instructions: Rc<str>,
    version: String,
}

impl ProjectView {
    fn empty(version: String) -> Self {
        ProjectView { types: Rc::new(Vec::new()), instructions: "".into(), version }
    }
}

/// The draft cache's key.
fn draft_key(resource: &Resource) -> String {
    format!("{}/{}", resource.org, resource.project)
}

/// Step 5: production = the published snapshot, draft = the working copy.
async fn project_view(ctx: &Ctx, hop: &mut Hop, resource: &Resource) -> Result<ProjectView, ApiError> {
    if resource.draft {
        let key = draft_key(resource);
        let project_id = hop.view.project.as_ref().map(|p| p.id.clone()).unwrap_or_default();
        let cached = match hop.view.draft.take() {
            Some(d) => {
                let docs: Vec<TypeDoc> = d.types.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect();
                let fresh =
                    cache::CachedDraft { project_id, revision: d.revision, served: Served::new(docs, d.instructions) };
                cache::put_draft(&key, fresh.clone());
                fresh
            }
            None if hop.view.draft_unchanged => hop
                .held_draft
                .take()
                .filter(|c| c.project_id == project_id)
                .ok_or_else(|| ApiError::Internal("hub said the draft is unchanged, but none is cached".into()))?,
            None => return Err(ApiError::Internal("hub sent no draft".into())),
        };
        let Served { types, instructions } = cached.served;
        return Ok(ProjectView { types, instructions, version: format!("draft-r{}", cached.revision) });
    }
    let Some(p) = &hop.view.production else {
        return Ok(ProjectView::empty("unpublished".into()));
    };
    let project_id = hop.view.project.as_ref().map(|p| p.id.as_str()).unwrap_or_default();
    let Some(snap) = production_snapshot(ctx, project_id, &p.version, &p.content_hash).await? else {
        // Publishing never deletes a row production may point at; if one is
        // missing anyway, production serves nothing rather than a 500.
        worker::console_error!("project {project_id}: production points at missing version {}: no tools", p.version);
        return Ok(ProjectView::empty(format!("{}-unavailable", p.version)));
    };
    Ok(ProjectView { types: snap.types, instructions: snap.instructions, version: p.version.clone() })
}

/// The published snapshot (cached by content hash), `None` when its row is missing.
async fn production_snapshot(
    ctx: &Ctx,
    project_id: &str,
    version: &str,
    hash: &str,
) -> Result<Option<Served>, ApiError> {
    if let Some(s) = cache::snapshot(hash) {
        return Ok(Some(s));
    }
    let Some(row) = versions::get(&ctx.db, project_id, version).await? else { return Ok(None) };
    let snap: Snapshot =
        serde_json::from_str(&row.snapshot).map_err(|e| ApiError::Internal(format!("stored snapshot: {e}")))?;
    Ok(Some(cache::put_snapshot(hash, snap)))
}

/// Step 6: the engine's answer, with tool calls run, ended sessions recorded
/// and listen streams handed to the hub.
#[allow(clippy::too_many_arguments)]
async fn answer(
    ctx: &Ctx,
    stub: &Stub,
    req: &HttpRequest<'_>,
    resource: &Resource,
    access: &Access,
    view: &ProjectView,
    session_key: &[u8; 32],
    session_ended: bool,
    audit: &mut AuditDraft,
) -> Result<Response, ApiError> {
    let role_allows = |s: &str| access.role_allows(s);
    // The body as JSON, parsed once here for the scope gate, the tool filter
    // and the list window (the engine parses its own typed message).
    let message = calls::post_message(req);
    let rpc_method = message.as_ref().and_then(|m| m["method"].as_str());
    let call_message = message.as_ref().filter(|_| rpc_method == Some("tools/call"));
    let in_view: Vec<TypeDoc>;
    let types: &[TypeDoc] = match rpc_method {
        // A call needs only the called Type in the view (the engine looks the
        // tool up by name): a project of 1,000 Types does not map 999 others.
        Some("tools/call") => match call_message.and_then(|m| m["params"]["name"].as_str()) {
            Some(name) => {
                in_view = view.types.iter().filter(|t| t.name == name).cloned().collect();
                &in_view
            }
            None => &view.types,
        },
        // A list needs only the Types its page can show (at most 101, in name
        // order after the cursor): the engine pages them to the same page
        // and cursor as all of them.
        Some("tools/list") if access.effective_scopes.iter().any(|s| s == "tools:read") => {
            let cursor = message.as_ref().and_then(|m| m["params"]["cursor"].as_str());
            let listed: Vec<&TypeDoc> =
                view.types.iter().filter(|t| toolset::is_listed(t, &access.effective_scopes, &role_allows)).collect();
            match mcp::tools::list_window(&listed, |t| t.name.as_str(), cursor) {
                Some(window) => {
                    in_view = window.into_iter().map(|t| (*t).clone()).collect();
                    &in_view
                }
                None => &view.types,
            }
        }
        _ => &view.types,
    };
    let server_view = ServerView {
        server_name: format!("{}/{}{}", resource.org, resource.project, if resource.draft { "-draft" } else { "" }),
        server_version: view.version.clone(),
        title: Some(resource.project.clone()),
        instructions: (!view.instructions.trim().is_empty()).then(|| view.instructions.to_string()),
        tools: toolset::visible_tools(&resource.project, types, &access.effective_scopes, &role_allows),
        endpoint_url: resource.canonical_url(&ctx.config.public_url),
    };
    // Scopes on calls: step-up (403) or hidden (-32602), decided by the same
    // function that filtered the list.
    if let Some((code, refusal)) = calls::scope_refusal(ctx, req, call_message, resource, types, access)? {
        audit.because(code);
        return Ok(refusal);
    }
    let is_ended = |_id: &str| session_ended;
    let env = mcp::EngineEnv {
        session_key,
        now_secs: ctx.now.max(0) as u64,
        allowed_origins: ctx.config.allowed_origins.clone(),
        public_origin: ctx.config.public_url.clone(),
        validate_args: &validate_args,
        is_session_ended: &is_ended,
    };
    let http_reply = match mcp::handle(req, &server_view, &env) {
        Outcome::Reply(r) => r,
        Outcome::CallTool(call) => {
            audit.tool_ran();
            let caller = Caller {
                org: resource.org.clone(),
                project: resource.project.clone(),
                channel: resource.channel(),
                user_id: audit.user_id().map(str::to_string),
                client_id: audit.client_id().map(str::to_string),
            };
            let request_id = audit.id().to_string();
            let (reply, code, logs) = calls::run(ctx, stub, call, access, types, caller, request_id).await;
            if let Some(code) = code {
                audit.because(code);
            }
            audit.logs(logs);
            reply
        }
    };
    if let Some(ended) = mcp::session_ended_by(req, &http_reply) {
        call(stub, "/sessions/end", &json!({ "hash": crypto::sha256_hex(ended.as_bytes()), "now": ctx.now })).await?;
    }
    if let ReplyBody::OpenStream(kind) = &http_reply.body {
        let resp = open_stream(ctx, stub, req, resource, access, kind, &http_reply.headers).await?;
        if resp.status_code() == 401 {
            // Revoked between the access check and the hub holding the stream.
            audit.because(ErrorCode::GrantRevoked);
        }
        return Ok(resp);
    }
    reply::to_response(http_reply)
}

/// Argument and output validation against a Type's JSON Schemas, compiled
/// once per isolate and schema (`schema::cached`).
pub(crate) fn validate_args(schema: &serde_json::Value, args: &serde_json::Value) -> Result<(), Vec<(String, String)>> {
    let checked = match crate::schema::cached::compiled(schema) {
        Ok(validator) => types::check_arguments(&validator, args),
        // Validated on save: only a stored-data bug; the uncached path words it.
        Err(_) => types::validate_arguments(schema, args),
    };
    checked.map_err(|ps| ps.into_iter().map(|p| (p.path, p.message)).collect())
}

/// The legacy session key (HMAC of `SECRETS_KEY`), derived once per isolate.
/// The key legacy session ids of this caller are signed and checked with:
/// they are bound to their holder, the verified token's grant or anonymous
/// (`mcp::session::holder_key`).
fn holder_session_key(ctx: &Ctx, grant_id: Option<&str>) -> [u8; 32] {
    mcp::session::holder_key(&session_key(&ctx.config.secrets_key), mcp::session::Holder::of(grant_id))
}

pub(crate) fn session_key(secrets_key: &[u8]) -> [u8; 32] {
    thread_local! {
        static KEY: std::cell::RefCell<Option<(Vec<u8>, [u8; 32])>> = const { std::cell::RefCell::new(None) };
    }
    KEY.with(|k| {
        let mut k = k.borrow_mut();
        if let Some((_, key)) = k.as_ref().filter(|(s, _)| crypto::ct_eq(s, secrets_key)) {
            return *key;
        }
        let key = crypto::hmac_sha256(secrets_key, SESSION_KEY_LABEL);
        *k = Some((secrets_key.to_vec(), key));
        key
    })
}

/// A listen stream (legacy GET or modern `subscriptions/listen`), held open
/// by the hub so that changes reach it. The hub keeps it with its grant (so a
/// revocation ends it, and one grant holds a bounded number); a grant revoked
/// since this request's access check gets the 401 instead.
async fn open_stream(
    ctx: &Ctx,
    stub: &Stub,
    req: &HttpRequest<'_>,
    resource: &Resource,
    access: &Access,
    kind: &StreamKind,
    headers: &[(String, String)],
) -> Result<Response, ApiError> {
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
        "channel": resource.channel().as_str(),
        "subscription_id": subscription, "first": first,
        "tools": tools, "resources": resources, "grant_id": access.grant_id,
        "headers": headers, "now": ctx.now,
    });
    let stream = reply::stream_from_hub(stub, &body).await?;
    if stream.status_code() == 401 {
        return reply::unauthorized(ctx, req, resource, Some("the grant was revoked"));
    }
    Ok(stream)
}
