//! `GET /oauth/authorize`: turning query parameters into a checked
//! [`AuthorizeRequest`], in two tiers (RFC 6749 §4.1.2.1).
//!
//! Why two tiers: until the client and its redirect URI are known to match,
//! the browser must *not* be sent anywhere — an error then is shown on our own
//! page ([`AuthorizeError::NoRedirect`]). After that, every problem goes back
//! to the client as an OAuth error response ([`AuthorizeError::Redirect`],
//! carrying a [`ValidatedRedirect`], so it cannot go to an unchecked URI),
//! which [`super::authorize_error`] offers on an interstitial page first for
//! clients Dockyard does not trust (RFC 9700 §4.11.2: all of them).
//!
//! The flow needs the client before it can decide anything, so it is split:
//! [`requested_client_id`] tells the glue which client to look up (a DCR row,
//! or a CIMD document to fetch), then [`parse_authorize`] decides.
//!
//! Decisions:
//! - `redirect_uri` is required even when the client registered only one
//!   (every MCP client sends it; the token request then must repeat it).
//! - Every parameter may appear at most once (RFC 6749 §3.1). Several
//!   `resource` values (legal in RFC 8707) are refused with `invalid_target`:
//!   a token has exactly one audience here.
//! - A missing `resource` is `invalid_request`, and its description says
//!   that `resource` is required and what it must be (the endpoint URL);
//!   one that is not exactly one of our endpoints is `invalid_target`. Hosts
//!   that drop the path from discovery still find the AS metadata at the
//!   root, but a token is only ever issued for an exact endpoint.
//! - `scope`: space-separated tokens in our scope syntax (a malformed token
//!   such as `Tools:Read` or `<script>` is `invalid_scope`). The scopes
//!   other OAuth and OpenID servers define — [`IGNORED_SCOPES`]:
//!   `offline_access`, `openid`, `profile`, `email`, `address`, `phone` —
//!   are ignored, not refused: hosts add them by habit, we issue no ID
//!   tokens, and refresh tokens come with every code grant whether or not
//!   `offline_access` was asked for. Empty, absent, or only ignored scopes
//!   mean the base scopes `tools:read tools:call`. What is granted is then
//!   capped by the member's role ([`granted_scopes`]).
//! - A scope that looks like ours but that nothing defines (`tools:foo`) is
//!   treated like every custom scope: there is no global list (a role may
//!   hold any custom scope a Type requires), so it is granted only when the
//!   member's role holds it and silently left out otherwise. If the role
//!   grants none of the requested scopes, the answer is `invalid_scope`
//!   ("your role grants none of the requested scopes") rather than a token
//!   that can do nothing the client asked for.
//! - Unknown parameters are ignored (RFC 6749 §3.1).

use std::collections::BTreeMap;

use super::clients::ClientMetadata;
use super::pkce::valid_challenge;
use super::redirect::ValidatedRedirect;
use super::resource::{parse_resource, Resource};
use crate::identity::roles::{effective_scopes, Role, BASE_SCOPES};
use crate::identity::validate::validate_scope;

/// Most scopes one request may name.
pub const MAX_REQUESTED_SCOPES: usize = 64;

/// A checked authorization request: what the sign-in and consent pages
/// show and what the issued code is bound to.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizeRequest {
    pub client_id: String,
    pub redirect: ValidatedRedirect,
    pub state: Option<String>,
    /// S256 challenge (the only method accepted).
    pub code_challenge: String,
    pub resource: Resource,
    /// Requested scopes, deduplicated, in request order.
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AuthorizeError {
    /// Unknown client, missing/invalid/unregistered `redirect_uri`: show an
    /// error page, never redirect.
    NoRedirect(String),
    /// Send the browser back with `error` (and `iss`, via
    /// [`ValidatedRedirect::error`]).
    Redirect { redirect: ValidatedRedirect, state: Option<String>, error: &'static str, description: String },
}

/// The `client_id` to look up before calling [`parse_authorize`]: the single
/// non-empty value, or `None` (missing or repeated — `parse_authorize` will
/// then refuse without redirecting).
pub fn requested_client_id(params: &[(String, String)]) -> Option<&str> {
    let mut values = params.iter().filter(|(k, _)| k == "client_id").map(|(_, v)| v.as_str());
    match (values.next(), values.next()) {
        (Some(id), None) if !id.is_empty() => Some(id),
        _ => None,
    }
}

/// Check the authorization request. `client` is the metadata found for
/// [`requested_client_id`] (`None` when unknown).
///
/// MUST 1: each parameter at most once. MUST 2: known client. MUST 3: exact
/// redirect URI match (before anything may redirect). MUST 4:
/// `response_type=code`. MUST 5: PKCE with S256 (plain or missing refused).
/// MUST 6: `resource` is one of our endpoints (RFC 8707). MUST 7: scopes
/// well formed. `state` is echoed in every redirect.
pub fn parse_authorize(
    public_url: &str,
    params: &[(String, String)],
    client: Option<&ClientMetadata>,
) -> Result<AuthorizeRequest, AuthorizeError> {
    let mut map: BTreeMap<&str, &str> = BTreeMap::new();
    let mut repeated: Vec<&str> = Vec::new();
    for (k, v) in params {
        if map.insert(k.as_str(), v.as_str()).is_some() && !repeated.contains(&k.as_str()) {
            repeated.push(k.as_str());
        }
    }
    let no_redirect = |why: &str| Err(AuthorizeError::NoRedirect(why.to_string()));
    // MUST 1 (first tier): the parameters that pick the redirect target.
    if repeated.contains(&"client_id") || repeated.contains(&"redirect_uri") {
        return no_redirect("client_id and redirect_uri must each appear once");
    }
    // MUST 2
    let Some(client_id) = map.get("client_id").filter(|c| !c.is_empty()) else {
        return no_redirect("the request has no client_id");
    };
    let Some(client) = client else {
        return no_redirect("unknown client_id");
    };
    // MUST 3
    let Some(requested) = map.get("redirect_uri") else {
        return no_redirect("the request has no redirect_uri");
    };
    let Some(redirect) = ValidatedRedirect::exact(requested, &client.redirect_uris) else {
        return no_redirect("redirect_uri is not registered for this client");
    };
    let state = map.get("state").map(|s| s.to_string());
    let fail = |error: &'static str, description: String| {
        Err(AuthorizeError::Redirect { redirect: redirect.clone(), state: state.clone(), error, description })
    };
    // MUST 6 (several resources are a target problem, not a syntax one).
    if repeated.contains(&"resource") {
        return fail("invalid_target", "exactly one resource is supported per authorization".into());
    }
    // MUST 1 (second tier)
    if let Some(name) = repeated.first() {
        return fail("invalid_request", format!("parameter {name} appears more than once"));
    }
    // MUST 4
    match map.get("response_type") {
        None => return fail("invalid_request", "response_type is required".into()),
        Some(&"code") => {}
        Some(other) => {
            return fail("unsupported_response_type", format!("response_type '{other}' is not supported; use code"))
        }
    }
    if !client.response_types.iter().any(|t| t == "code") || !client.allows_grant("authorization_code") {
        return fail("unauthorized_client", "the client did not register the authorization code flow".into());
    }
    // MUST 5
    let Some(challenge) = map.get("code_challenge") else {
        return fail("invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256".into());
    };
    match map.get("code_challenge_method") {
        Some(&"S256") => {}
        None => {
            return fail("invalid_request", "code_challenge_method=S256 is required (plain is not accepted)".into())
        }
        Some(m) => return fail("invalid_request", format!("code_challenge_method '{m}' is not supported; use S256")),
    }
    if !valid_challenge(challenge) {
        return fail("invalid_request", "code_challenge must be 43 base64url characters (S256)".into());
    }
    // MUST 6
    let Some(raw_resource) = map.get("resource") else {
        return fail(
            "invalid_request",
            format!(
                "resource is required: send the MCP endpoint URL as the resource parameter (RFC 8707), \
                 for example {public_url}/<org>/<project>; tokens are issued only for one exact endpoint"
            ),
        );
    };
    let Some(resource) = parse_resource(public_url, raw_resource) else {
        return fail("invalid_target", format!("resource '{raw_resource}' is not an endpoint of this server"));
    };
    // MUST 7
    let scopes = match parse_scopes(map.get("scope").copied().unwrap_or("")) {
        Ok(scopes) => scopes,
        Err(why) => return fail("invalid_scope", why),
    };
    Ok(AuthorizeRequest {
        client_id: client_id.to_string(),
        redirect,
        state,
        code_challenge: challenge.to_string(),
        resource,
        scopes,
    })
}

/// Scopes other servers define, ignored wherever a scope is requested
/// (authorize and refresh): see the module docs.
pub const IGNORED_SCOPES: [&str; 6] = ["offline_access", "openid", "profile", "email", "address", "phone"];

/// Space-separated scopes without [`IGNORED_SCOPES`]; empty means
/// [`BASE_SCOPES`].
pub fn parse_scopes(raw: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for token in raw.split(' ').filter(|t| !t.is_empty()) {
        validate_scope("scope", token).map_err(|e| format!("scope '{token}' {}", e.message))?;
        if !IGNORED_SCOPES.contains(&token) && !out.iter().any(|s| s == token) {
            out.push(token.to_string());
        }
    }
    if out.len() > MAX_REQUESTED_SCOPES {
        return Err(format!("at most {MAX_REQUESTED_SCOPES} scopes may be requested"));
    }
    if out.is_empty() {
        out = BASE_SCOPES.iter().map(|s| s.to_string()).collect();
    }
    Ok(out)
}

/// The scopes the consent grants: the requested ones the member's role has
/// (sorted). Empty means nothing can be granted — the glue refuses with
/// `access_denied` rather than issuing a useless token.
pub fn granted_scopes(requested: &[String], role: &Role) -> Vec<String> {
    effective_scopes(requested, role)
}

#[cfg(test)]
#[path = "authorize_tests.rs"]
mod tests;
