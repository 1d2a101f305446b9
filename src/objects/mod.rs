//! Durable Object classes. Each is thin: decode the request, call a pure domain
//! function, encode the answer. Each module says which guarantee its
//! one-request-at-a-time execution gives.

pub mod hub_api;
pub mod hub_data;
pub mod hub_grants;
pub mod hub_oauth;
pub mod hub_release;
pub mod hub_secrets;
pub mod listeners;
pub mod project_hub;
pub mod rate_limiter;

use crate::http::context::Ctx;
use crate::http::ApiError;
use worker::{Env, Method, Request, RequestInit, Stub};

/// The stub of a project's hub (`id_from_name("<org>/<project>")`).
pub fn hub(ctx: &Ctx, org_slug: &str, project_slug: &str) -> Result<Stub, ApiError> {
    hub_in(&ctx.env, org_slug, project_slug)
}

/// [`hub`] from the bindings alone (the cron trigger has no request).
pub fn hub_in(env: &Env, org_slug: &str, project_slug: &str) -> Result<Stub, ApiError> {
    let ns = env.durable_object("PROJECT_HUB").map_err(|e| ApiError::Internal(e.to_string()))?;
    ns.get_by_name(&format!("{org_slug}/{project_slug}")).map_err(|e| ApiError::Internal(e.to_string()))
}

thread_local! {
    /// `<org>/<project>` keys known to exist (a project's hub key never
    /// names another project; a deleted project's hub answers "no project").
    static KNOWN: std::cell::RefCell<std::collections::HashSet<String>> = Default::default();
}

/// The hub of `<org>/<project>` if that project exists, checked in D1 (and
/// remembered per isolate). For callers that have no proof the project exists
/// (an anonymous MCP request, a code or refresh token whose prefix names a
/// hub): a probe of a made-up name never instantiates an object, so it leaves
/// no Durable Object storage behind.
pub async fn existing_hub(ctx: &Ctx, org_slug: &str, project_slug: &str) -> Result<Option<Stub>, ApiError> {
    let key = format!("{org_slug}/{project_slug}");
    if !KNOWN.with(|k| k.borrow().contains(&key)) {
        if !crate::store::projects::exists(&ctx.db, org_slug, project_slug).await? {
            return Ok(None);
        }
        KNOWN.with(|k| {
            let mut k = k.borrow_mut();
            if k.len() >= 4096 {
                k.clear();
            }
            k.insert(key);
        });
    }
    hub(ctx, org_slug, project_slug).map(Some)
}

/// Forgets that `<org>/<project>` exists (this isolate; the project was
/// deleted). Other isolates may still remember it: they reach the hub, which
/// answers "no project" once wiped, so the endpoint still answers like an
/// unknown project.
pub fn forget_hub(org_slug: &str, project_slug: &str) {
    KNOWN.with(|k| k.borrow_mut().remove(&format!("{org_slug}/{project_slug}")));
}

/// Sends a JSON command to an object and returns its JSON answer. A non-2xx
/// answer carries an `ApiError` body, which is passed through.
pub async fn call(stub: &Stub, path: &str, body: &serde_json::Value) -> Result<serde_json::Value, ApiError> {
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(body.to_string().into()));
    let req = Request::new_with_init(&format!("https://do.internal{path}"), &init)
        .map_err(|e| ApiError::Internal(format!("DO request: {e}")))?;
    let mut resp = stub.fetch_with_request(req).await.map_err(|e| ApiError::Internal(format!("DO fetch: {e}")))?;
    let status = resp.status_code();
    let value: serde_json::Value = resp.json().await.map_err(|e| ApiError::Internal(format!("DO answer: {e}")))?;
    let message = value["message"].as_str().unwrap_or("").to_string();
    match status {
        200..=299 => Ok(value),
        // Refusals the object decided (unknown Type, stale revision, moved
        // pointer, a draft that would outgrow a version row).
        404 => Err(ApiError::NotFound(message)),
        409 => Err(ApiError::Conflict(message)),
        413 => Err(ApiError::DraftTooLarge {
            bytes: value["bytes"].as_u64().unwrap_or(0) as usize,
            limit: value["limit"].as_u64().unwrap_or(0) as usize,
        }),
        _ => Err(ApiError::Internal(format!("DO {path} answered {status}: {value}"))),
    }
}

/// Reads a command body inside an object.
pub async fn read_command(req: &mut Request) -> worker::Result<serde_json::Value> {
    req.json().await
}
