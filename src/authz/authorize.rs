//! `/oauth/authorize`: validate the request (pure, `oauth::authorize`), sign
//! the user in, refuse non-members and members without access to the
//! endpoint, show consent, and on "Authorize" create the grant and its code in
//! the project's hub, then redirect with `code`, `state` and `iss`.
//!
//! MUST 1: errors about the client or its redirect URI are shown, never
//!         redirected; every other error goes back as an OAuth error (with
//!         `iss`), offered first on the interstitial page for a client we do
//!         not trust — every client, today (RFC 9700 §4.11.2,
//!         `oauth::authorize_error`; [`error_reply`]).
//! MUST 2: only members of the endpoint's org can complete it.
//! MUST 3: consent is CSRF-protected (a token bound to the session and the
//!         client, plus the strict Origin check) and never framed.
//!
//! A CIMD client id may trigger a metadata fetch (`clients::lookup`); past
//! the per-IP fetch limit the page is a 429 with `Retry-After`.

use super::pages::{self, Consent};
use super::{clients, routed_secret};
use crate::crypto;
use crate::http::context::{Ctx, Incoming};
use crate::http::ApiError;
use crate::identity::roles::{self, Permission};
use crate::oauth::authorize::{granted_scopes, parse_authorize, AuthorizeError, AuthorizeRequest};
use crate::oauth::authorize_error::{deliver, Delivery, ErrorResponse};
use crate::oauth::grants::{Grant, PendingCode, CODE_LIFETIME_SECS};
use crate::oauth::redirect::ValidatedRedirect;
use crate::store::{grants as grant_index, orgs, projects};
use crate::studio::auth::{self, Caller, Via};
use serde_json::json;
use worker::Response;

/// Parameters that belong to the consent form, not to the OAuth request.
const FORM_ONLY: [&str; 2] = ["csrf", "decision"];

fn csrf_token(ctx: &Ctx, session_hash: &str, client_id: &str) -> String {
    let mac = crypto::hmac_sha256(&ctx.config.secrets_key, format!("consent|{session_hash}|{client_id}").as_bytes());
    crypto::b64url_encode(&mac)
}

/// Roles (built-in) that hold `p`, for refusal messages.
fn roles_allowing(p: Permission) -> String {
    roles::BUILTIN_ROLE_NAMES
        .iter()
        .filter(|n| roles::builtin(n).is_some_and(|r| r.allows(p)))
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}

/// 429: this address used up its client metadata fetches (`clients::lookup`).
fn throttled(retry_after: u64) -> Result<Response, ApiError> {
    let message = format!(
        "Too many client metadata fetches from your address. Try again in {} minute(s).",
        retry_after.div_ceil(60)
    );
    let resp = pages::html(429, pages::refusal("Cannot connect this app right now", &message)?)?;
    resp.headers().set("Retry-After", &retry_after.to_string()).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(resp)
}

/// An error authorization response (RFC 6749 §4.1.2.1) to the client
/// `client_id`: a 302 for a client we trust, the interstitial whose Continue
/// link is that same response for any other (`oauth::authorize_error`).
fn error_reply(
    ctx: &Ctx,
    client: (&str, Option<&str>),
    redirect: &ValidatedRedirect,
    error: &str,
    description: Option<&str>,
    state: Option<&str>,
) -> Result<Response, ApiError> {
    let response = ErrorResponse { redirect, error, description, state, iss: &ctx.config.public_url };
    match deliver(client.0, client.1, &response) {
        Delivery::Redirect(url) => pages::redirect(&url),
        Delivery::Page(page) => pages::html(400, pages::error_interstitial(&page)?),
    }
}

/// A request that passed every check, ready for consent.
struct Ready {
    req: AuthorizeRequest,
    client_name: String,
    caller: Caller,
    session_hash: String,
    org: orgs::Org,
    project: projects::Project,
    /// What the member's role grants of the requested scopes (may be empty).
    scopes: Vec<String>,
    /// The client is registered for `refresh_token` (the token endpoint will
    /// issue one): the Authorized apps listing shows its expiry.
    issues_refresh: bool,
}

enum Checked {
    Ready(Box<Ready>),
    Done(Response),
}

async fn check(ctx: &Ctx, inc: &Incoming, params: &[(String, String)], raw_query: &str) -> Result<Checked, ApiError> {
    let client_id = params.iter().find(|(k, _)| k == "client_id").map(|(_, v)| v.as_str()).unwrap_or("");
    let ip = auth::client_ip(&inc.headers);
    let client = match clients::lookup(ctx, client_id, &ip).await? {
        clients::Lookup::Known(c) => Some(c),
        clients::Lookup::Unknown => None,
        clients::Lookup::Unusable(message) => {
            return Ok(Checked::Done(pages::html(400, pages::refusal("Cannot connect this app", &message)?)?))
        }
        clients::Lookup::Throttled { retry_after } => return Ok(Checked::Done(throttled(retry_after)?)),
    };
    let req = match parse_authorize(&ctx.config.public_url, params, client.as_ref().map(|c| &c.metadata)) {
        Ok(r) => r,
        Err(AuthorizeError::NoRedirect(message)) => {
            return Ok(Checked::Done(pages::html(400, pages::refusal("Cannot connect this app", &message)?)?))
        }
        Err(AuthorizeError::Redirect { redirect, state, error, description }) => {
            let name = client.as_ref().and_then(|c| c.metadata.client_name.as_deref());
            let reply = error_reply(ctx, (client_id, name), &redirect, error, Some(&description), state.as_deref())?;
            return Ok(Checked::Done(reply));
        }
    };
    let client_name =
        client.as_ref().and_then(|c| c.metadata.client_name.clone()).unwrap_or_else(|| req.client_id.clone());
    let signed_in = match auth::identify(ctx, &inc.method, &inc.headers).await {
        Ok(Some(c)) => match &c.via {
            Via::Session { id_hash } => Some((id_hash.clone(), c)),
            Via::Token => None,
        },
        Ok(None) | Err(ApiError::Unauthorized(_)) => None,
        Err(e) => return Err(e),
    };
    let Some((session_hash, caller)) = signed_in else {
        let next = format!("/oauth/authorize?{raw_query}");
        return Ok(Checked::Done(pages::html(200, pages::sign_in(&next, &client_name)?)?));
    };
    // MUST 2: members only; nothing is issued otherwise. A missing org gets the
    // same page as a foreign one, so a non-member learns nothing about which
    // orgs and projects exist; members learn whether the project does.
    let org = orgs::by_slug(&ctx.db, &req.resource.org).await?;
    let role_name = match &org {
        Some(o) => orgs::role_name_of(&ctx.db, &o.id, &caller.user.id).await?,
        None => None,
    };
    let (Some(org), Some(role_name)) = (org, role_name) else {
        let message = format!(
            "You ({}) are not a member of the organization {}. Only its members can connect apps to its projects.",
            caller.user.email, req.resource.org
        );
        return Ok(Checked::Done(pages::html(403, pages::refusal("Not a member", &message)?)?));
    };
    let Some(project) = projects::by_slug(&ctx.db, &org.id, &req.resource.project).await? else {
        let why = Some("there is no such project");
        let reply = error_reply(
            ctx,
            (&req.client_id, Some(&client_name)),
            &req.redirect,
            "invalid_target",
            why,
            req.state.as_deref(),
        )?;
        return Ok(Checked::Done(reply));
    };
    let role = orgs::resolve_role(&ctx.db, &org.id, &role_name)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("role {role_name} does not resolve")))?;
    let needed = if req.resource.draft { Permission::EndpointDraft } else { Permission::EndpointProduction };
    if !role.allows(needed) {
        let message = format!(
            "Your role {:?} does not give access to the {} endpoint of {}/{}. A role with {} does ({}); ask an admin.",
            role.name,
            req.resource.channel().as_str(),
            org.slug,
            project.slug,
            needed.as_str(),
            roles_allowing(needed)
        );
        return Ok(Checked::Done(pages::html(403, pages::refusal("No access to this endpoint", &message)?)?));
    }
    let scopes = granted_scopes(&req.scopes, &role);
    let issues_refresh = client.as_ref().is_some_and(|c| c.metadata.allows_grant("refresh_token"));
    Ok(Checked::Ready(Box::new(Ready { req, client_name, caller, session_hash, org, project, scopes, issues_refresh })))
}

/// Nothing to consent to: the role grants none of the requested scopes.
fn no_scopes(ctx: &Ctx, req: &AuthorizeRequest, client_name: &str) -> Result<Response, ApiError> {
    let why = Some("your role grants none of the requested scopes");
    error_reply(ctx, (&req.client_id, Some(client_name)), &req.redirect, "invalid_scope", why, req.state.as_deref())
}

pub async fn show(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    let params: Vec<(String, String)> = inc.url.query_pairs().into_owned().collect();
    let raw_query = inc.url.query().unwrap_or("").to_string();
    let Ready { req, client_name, caller, session_hash, org, project, scopes, .. } =
        match check(ctx, inc, &params, &raw_query).await? {
            Checked::Done(resp) => return Ok(resp),
            Checked::Ready(ready) => *ready,
        };
    if scopes.is_empty() {
        return no_scopes(ctx, &req, &client_name);
    }
    // "claude.ai", "127.0.0.1:5000" or "the app that handles cursor:// links"
    // (escaped by the page), and the CSP source its post-submit redirect needs.
    let redirect_host = req.redirect.destination();
    let csrf = csrf_token(ctx, &session_hash, &req.client_id);
    let redirect_origin = req.redirect.form_action_source();
    pages::consent_html(
        pages::consent(&Consent {
            client_name: &client_name,
            client_id: &req.client_id,
            redirect_host: &redirect_host,
            org: &org.slug,
            project: &project.slug,
            draft: req.resource.draft,
            scopes: &scopes,
            user_email: &caller.user.email,
            params: &params,
            csrf: &csrf,
        })?,
        &redirect_origin,
    )
}

pub async fn submit(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    // MUST 3: strict Origin check, then the session-bound token.
    auth::check_same_origin(ctx, &inc.headers)?;
    let form = inc.form().await?;
    let value = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let params: Vec<(String, String)> =
        form.iter().filter(|(k, _)| !FORM_ONLY.contains(&k.as_str())).cloned().collect();
    let raw_query: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(params.iter()).finish();
    let Ready { req, client_name, caller, session_hash, org, project, scopes, issues_refresh, .. } =
        match check(ctx, inc, &params, &raw_query).await? {
            Checked::Done(resp) => return Ok(resp),
            Checked::Ready(ready) => *ready,
        };
    let expected = csrf_token(ctx, &session_hash, &req.client_id);
    if !crypto::ct_eq(value("csrf").as_bytes(), expected.as_bytes()) {
        return Err(ApiError::Forbidden("the consent form expired or was not ours; start again from the app".into()));
    }
    let iss = ctx.config.public_url.clone();
    let client = (req.client_id.as_str(), Some(client_name.as_str()));
    if value("decision") != "allow" {
        let why = Some("the user denied access");
        return error_reply(ctx, client, &req.redirect, "access_denied", why, req.state.as_deref());
    }
    if scopes.is_empty() {
        return no_scopes(ctx, &req, &client_name);
    }
    let hub_key = format!("{}/{}", org.slug, project.slug);
    let code = routed_secret("dyc_", &hub_key);
    let grant = Grant {
        id: crypto::new_id("grt"),
        user_id: caller.user.id.clone(),
        client_id: req.client_id.clone(),
        resource: req.resource.clone(),
        scopes: scopes.clone(),
        created_at: ctx.now,
        last_used_at: None,
        revoked_at: None,
        refresh: None,
    };
    let pending = PendingCode {
        code_hash: crypto::sha256_hex(code.as_bytes()),
        grant_id: grant.id.clone(),
        client_id: req.client_id.clone(),
        redirect_uri: req.redirect.as_str().to_string(),
        code_challenge: req.code_challenge.clone(),
        resource: req.resource.clone(),
        user_id: caller.user.id.clone(),
        scopes: scopes.clone(),
        expires_at: ctx.now + CODE_LIFETIME_SECS,
        used_at: None,
    };
    let stub = crate::objects::hub(ctx, &org.slug, &project.slug)?;
    let answer =
        crate::objects::call(&stub, "/grants/create", &json!({ "grant": grant, "code": pending, "now": ctx.now }))
            .await?;
    if let Some(err) = answer["oauth_error"].as_str() {
        let error = if err == "access_denied" { "access_denied" } else { "server_error" };
        return error_reply(ctx, client, &req.redirect, error, answer["description"].as_str(), req.state.as_deref());
    }
    grant_index::insert(
        &ctx.db,
        &grant_index::NewGrant {
            grant_id: &grant.id,
            org_id: &org.id,
            project_id: &project.id,
            channel: req.resource.channel().as_str(),
            user_id: &caller.user.id,
            client_id: &req.client_id,
            redirect_host: &req.redirect.host(),
            scopes: &scopes.join(" "),
            refresh_expires_at: crate::oauth::grant_list::refresh_expiry(ctx.now, issues_refresh),
            now: ctx.now,
        },
    )
    .await?;
    crate::store::clients::touch(&ctx.db, &req.client_id, ctx.now).await?;
    pages::redirect(&req.redirect.success(&code, req.state.as_deref(), &iss))
}
