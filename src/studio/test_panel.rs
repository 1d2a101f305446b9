//! The Type editor's test panel (wasm32 glue): **Run** calls the saved Type
//! on the project's **draft** endpoint exactly as a host would, with the
//! signed-in member as the caller and `Dockyard Studio` as the client.
//!
//! Design (why each piece):
//! - **A first-party grant, held in the hub like any grant.** One per
//!   member and draft endpoint (`/grants/first-party` reuses the member's
//!   live one), client [`grants::STUDIO_CLIENT_ID`]. Because it is a grant,
//!   the endpoint's own checks apply on every Run: membership, the role's
//!   `endpoint.draft` permission, scopes narrowed by the current role, and
//!   revocation. It is **listed in Authorized apps** (and the member's own
//!   grants) as "Dockyard Studio": admins see who tests what, and a revoke
//!   works there like for any app (it ends that grant; the member's next Run
//!   makes a new one, because their session, not the grant, is what lets
//!   them test — removing the member or their role's draft permission is
//!   what stops them).
//! - **A short-lived access token minted server-side** for that grant
//!   ([`TOKEN_SECS`], audience = the draft endpoint, scopes = the base scopes
//!   and every draft Type's scopes, as far as the role allows). It never
//!   leaves the worker, so nothing a browser holds works on an MCP endpoint:
//!   API tokens still never do.
//! - **The MCP `tools/call` dispatched in-process** through
//!   `endpoint::serve_capturing_logs` (the same steps as `endpoint::serve`:
//!   token verification, the hub's grant check, scopes, argument
//!   validation, limits, the data-tool rate limit and the audit record, with
//!   `clientInfo` "Dockyard Studio"). The one addition is that a `code`
//!   handler's captured `console.*` lines come back too.
//! - The client's `oauth_clients` row carries its name for the audit log and
//!   the listings, and a failure text so `/oauth/*` refuse it.
//!
//! The result is what a host would see: the JSON-RPC result (content,
//! structuredContent, isError), or the endpoint's refusal (its status and
//! body), never a Studio error page.

use crate::crypto;
use crate::http::context::{Ctx, Incoming};
use crate::http::ApiError;
use crate::identity::roles::{Role, BASE_SCOPES};
use crate::oauth::authorize::granted_scopes;
use crate::oauth::grants::{self, Grant};
use crate::oauth::resource::Resource;
use crate::projects::test_form::{self, TestField};
use crate::store::orgs::Org;
use crate::store::projects::Project;
use serde_json::{json, Value};

/// How long the panel's access token lives (it is used once, at once).
pub const TOKEN_SECS: i64 = 300;
/// The protocol version the panel speaks (stateless, no initialize).
const PROTOCOL: &str = "2026-07-28";

/// The panel on the editor page (the template's `test`).
pub struct TestPanel {
    /// `.../types/<name>/run`
    pub action: String,
    /// `.../types/<name>/preview` (the saved UI, for the rendered result).
    pub preview: String,
    pub fields: Vec<TestField>,
    pub interactive: bool,
    pub code: bool,
    pub ran: Option<RunView>,
}

/// What one Run showed.
pub struct RunView {
    /// A sentence: answered, answered with isError, or refused (status).
    pub summary: String,
    pub is_error: bool,
    pub arguments: String,
    /// The result (or the endpoint's refusal), pretty JSON.
    pub json: String,
    pub logs: Vec<String>,
    /// For the rendered UI: the arguments and the result as JSON texts.
    pub tool_input: String,
    pub tool_result: String,
    /// The result can be drawn (a successful tool result, not an error or a refusal).
    pub has_result: bool,
    pub request_id: String,
}

impl TestPanel {
    /// The panel of the saved Type `doc`; `posted` refills a Run's fields.
    pub fn of(base: &str, doc: &Value, posted: Option<&[(String, String)]>) -> TestPanel {
        let name = doc["name"].as_str().unwrap_or_default();
        TestPanel {
            action: format!("{base}/types/{name}/run"),
            preview: format!("{base}/types/{name}/preview"),
            fields: test_form::fields(&doc["input_schema"], posted),
            interactive: doc["kind"] == "interactive",
            code: doc["kind"] == "code",
            ran: None,
        }
    }
}

/// Who runs what, where.
pub struct RunRequest<'a> {
    pub org: &'a Org,
    pub project: &'a Project,
    pub role: &'a Role,
    pub user_id: &'a str,
    /// Every draft Type's scopes (the token asks for them all).
    pub type_scopes: Vec<String>,
    pub tool: &'a str,
    pub arguments: Value,
}

/// Runs the call and describes its answer.
pub async fn run(ctx: &Ctx, r: RunRequest<'_>) -> Result<RunView, ApiError> {
    crate::store::clients::ensure_first_party(&ctx.db, ctx.now).await?;
    let resource = Resource::new(&r.org.slug, &r.project.slug, true);
    let mut requested: Vec<String> = BASE_SCOPES.iter().map(|s| s.to_string()).collect();
    requested.extend(r.type_scopes.iter().cloned());
    let scopes = granted_scopes(&requested, r.role);
    let grant = studio_grant(ctx, &r, &resource, &scopes).await?;
    let token = crate::authz::token::access_token(ctx, &grant, &scopes, TOKEN_SECS).await?;
    let (status, reply, logs, request_id) = dispatch(ctx, &r, &token).await?;
    Ok(describe(status, reply, logs, request_id, &r.arguments))
}

/// The member's Studio grant on the draft endpoint (made and listed on first use).
async fn studio_grant(
    ctx: &Ctx,
    r: &RunRequest<'_>,
    resource: &Resource,
    scopes: &[String],
) -> Result<Grant, ApiError> {
    let stub = crate::objects::hub(ctx, &r.org.slug, &r.project.slug)?;
    let answer = crate::objects::call(
        &stub,
        "/grants/first-party",
        &json!({ "user_id": r.user_id, "resource": resource, "scopes": scopes,
                 "new_id": crypto::new_id("grt"), "now": ctx.now }),
    )
    .await?;
    if answer["oauth_error"].is_string() {
        let why = answer["description"].as_str().unwrap_or("the project refused the test grant");
        return Err(ApiError::Forbidden(why.to_string()));
    }
    let grant: Grant = serde_json::from_value(answer["grant"].clone())
        .map_err(|e| ApiError::Internal(format!("hub first-party grant: {e}")))?;
    if answer["created"] == true {
        let host = url::Url::parse(&ctx.config.public_url).ok().and_then(|u| u.host_str().map(str::to_string));
        crate::store::grants::insert(
            &ctx.db,
            &crate::store::grants::NewGrant {
                grant_id: &grant.id,
                org_id: &r.org.id,
                project_id: &r.project.id,
                channel: resource.channel().as_str(),
                user_id: r.user_id,
                client_id: grants::STUDIO_CLIENT_ID,
                redirect_host: host.as_deref().unwrap_or_default(),
                scopes: &scopes.join(" "),
                refresh_expires_at: None,
                now: ctx.now,
            },
        )
        .await?;
    }
    // Active from its first use (the listing shows only redeemed grants), and
    // "last used" follows every Run.
    crate::authz::index_writes::after_commit(ctx, crate::authz::index_writes::IndexWrite::Touch(grant.id.clone()))
        .await;
    Ok(grant)
}

/// The `tools/call` through the endpoint, in-process: (status, JSON body, logs, request id).
async fn dispatch(ctx: &Ctx, r: &RunRequest<'_>, token: &str) -> Result<(u16, Value, Vec<String>, String), ApiError> {
    let internal = |e: worker::Error| ApiError::Internal(format!("test panel request: {e}"));
    let body = json!({
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": { "name": r.tool, "arguments": r.arguments, "_meta": {
            "io.modelcontextprotocol/protocolVersion": PROTOCOL,
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": { "name": grants::STUDIO_CLIENT_NAME, "version": env!("CARGO_PKG_VERSION") },
        } },
    });
    let headers = worker::Headers::new();
    for (k, v) in [
        ("authorization", format!("Bearer {token}").as_str()),
        ("content-type", "application/json"),
        ("accept", "application/json, text/event-stream"),
        ("mcp-protocol-version", PROTOCOL),
        ("mcp-method", "tools/call"),
        ("mcp-name", r.tool),
    ] {
        headers.set(k, v).map_err(internal)?;
    }
    let url = format!("{}/{}/{}/draft", ctx.config.public_url.trim_end_matches('/'), r.org.slug, r.project.slug);
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post).with_headers(headers).with_body(Some(body.to_string().into()));
    let req = worker::Request::new_with_init(&url, &init).map_err(internal)?;
    let mut inc = Incoming {
        method: worker::Method::Post,
        headers: req.headers().clone(),
        url: req.url().map_err(internal)?,
        req,
    };
    let (mut resp, logs) =
        crate::endpoint::serve_capturing_logs(ctx, &mut inc, &r.org.slug, &r.project.slug, true).await?;
    let status = resp.status_code();
    let request_id = resp.headers().get("Dockyard-Request-Id").ok().flatten().unwrap_or_default();
    let text = resp.text().await.map_err(internal)?;
    Ok((status, reply_json(&text), logs, request_id))
}

/// The JSON of a reply: the body, or the first SSE `data:` message.
fn reply_json(text: &str) -> Value {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return v;
    }
    let data: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("data:")).map(str::trim_start).collect();
    data.iter().find_map(|d| serde_json::from_str(d).ok()).unwrap_or_else(|| Value::String(text.to_string()))
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// What the panel shows for one answer.
fn describe(status: u16, reply: Value, logs: Vec<String>, request_id: String, arguments: &Value) -> RunView {
    let result = reply.get("result").filter(|_| status == 200).cloned();
    let (summary, is_error, shown) = match (&result, reply.get("error")) {
        (Some(res), _) if res["isError"] == true => {
            ("The tool answered with isError: true (what a host would see).".to_string(), true, res.clone())
        }
        (Some(res), _) => ("The tool answered.".to_string(), false, res.clone()),
        (None, Some(err)) => {
            (format!("The endpoint answered with a JSON-RPC error (HTTP {status})."), true, json!({ "error": err }))
        }
        (None, None) => (format!("The endpoint refused the call (HTTP {status})."), true, reply.clone()),
    };
    RunView {
        summary,
        is_error,
        arguments: pretty(arguments),
        json: pretty(&shown),
        logs,
        tool_input: arguments.to_string(),
        tool_result: result.as_ref().map(Value::to_string).unwrap_or_default(),
        has_result: result.as_ref().is_some_and(|r| r["isError"] != true),
        request_id,
    }
}
