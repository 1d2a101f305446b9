//! `/oauth/token` and `/oauth/revoke`. Every response carries
//! `Cache-Control: no-store`. Errors use the RFC 6749 shape
//! (`oauth::errors::wire`).
//!
//! MUST 1: codes are single use; a replay revokes the whole grant (in the hub).
//! MUST 2: PKCE verifier, `redirect_uri` and `resource` are checked against
//!         the code (pure: `oauth::grants::redeem_code`).
//! MUST 3: refresh tokens rotate on every use, serialized in the grant's hub;
//!         reuse after the grace window revokes the grant.
//! MUST 4: a refresh honours `scope` (narrowing only, RFC 6749 §6) and
//!         `resource` (the grant's own, RFC 8707), and re-checks that the
//!         member still holds the channel's permission (in the hub:
//!         `oauth::refresh::refresh_grant`).
//! MUST 5: once the hub has committed (a code redeemed, a token rotated, a
//!         grant revoked), the answer stands: the D1 index writes that follow
//!         are idempotent and retried after the response (`index_writes`),
//!         never turned into an error.
//!
//! A client id that is a CIMD URL may trigger a metadata fetch here too
//! (`clients::lookup`): past the per-IP fetch limit the answer is 429
//! `temporarily_unavailable` with `Retry-After`, and nothing is fetched.
//!
//! A `private_key_jwt` client authenticates with an RFC 7523 assertion at
//! both endpoints (`client_assertion::verify`: claims, key, WebCrypto
//! signature, single-use `jti`); every refusal is 401 `invalid_client`.

use super::index_writes::{after_commit, IndexWrite};
use super::{clients, hub_key_of, routed_secret, signing_keys};
use crate::crypto;
use crate::http::context::{Ctx, Incoming};
use crate::http::ApiError;
use crate::oauth::clients::AuthMethod;
use crate::oauth::errors::{wire, ClientAuthFailure, OAuthError};
use crate::oauth::grants::Grant;
use crate::oauth::resource::parse_resource;
use crate::oauth::token_request::{
    authenticate_client, check_grant_type, parse_basic_auth, parse_revoke_request, parse_token_request, resource_param,
    token_response, ClientAuth, TokenRequest,
};
use crate::oauth::tokens::{AccessClaims, ACCESS_TOKEN_SECS};
use serde_json::{json, Value};
use worker::Response;

fn no_store(status: u16, body: &Value) -> Result<Response, ApiError> {
    let resp = Response::ok(body.to_string()).map_err(|e| ApiError::Internal(e.to_string()))?.with_status(status);
    for (k, v) in [("Content-Type", "application/json"), ("Cache-Control", "no-store"), ("Pragma", "no-cache")] {
        resp.headers().set(k, v).map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    Ok(resp)
}

fn fail(status: u16, error: &str, description: &str) -> Result<Response, ApiError> {
    let resp = no_store(status, &json!({ "error": error, "error_description": description }))?;
    if status == 401 {
        resp.headers()
            .set("WWW-Authenticate", "Basic realm=\"dockyard\"")
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    Ok(resp)
}

fn fail_with(e: &OAuthError) -> Result<Response, ApiError> {
    let (status, error, description) = wire(e);
    fail(status, error, &description)
}

fn basic_auth(inc: &Incoming) -> Option<(String, String)> {
    parse_basic_auth(&inc.headers.get("Authorization").ok().flatten()?)
}

/// Authenticates the client (`oauth::token_request::authenticate_client`):
/// `Ok(client)` when it passed, `Err(response)` is the refusal to send.
async fn authenticate(
    ctx: &Ctx,
    inc: &Incoming,
    auth: &ClientAuth,
) -> Result<Result<Option<clients::KnownClient>, Response>, ApiError> {
    let ip = crate::studio::auth::client_ip(&inc.headers);
    let client = match clients::lookup(ctx, &auth.client_id, &ip).await? {
        clients::Lookup::Known(c) => Some(c),
        clients::Lookup::Unknown | clients::Lookup::Unusable(_) => None,
        clients::Lookup::Throttled { retry_after } => return Ok(Err(throttled(retry_after)?)),
    };
    let outcome = authenticate_client(
        auth,
        client.as_ref().map(|c| &c.metadata),
        client.as_ref().and_then(|c| c.secret_hash.as_deref()),
    );
    match (outcome, client) {
        (Ok(()), Some(known)) if auth.method == AuthMethod::PrivateKeyJwt => {
            let jwt = auth.assertion.as_deref().unwrap_or("");
            match super::client_assertion::verify(ctx, &ip, &auth.client_id, jwt, &known).await? {
                Ok(()) => Ok(Ok(Some(known))),
                Err(reason) => {
                    worker::console_warn!("client assertion refused for {}: {reason:?}", auth.client_id);
                    let reason = ClientAuthFailure::BadAssertion(reason);
                    Ok(Err(fail_with(&OAuthError::ClientAuthFailed { client_id: auth.client_id.clone(), reason })?))
                }
            }
        }
        (Ok(()), client) => Ok(Ok(client)),
        (Err(e), _) => Ok(Err(fail_with(&e)?)),
    }
}

/// 429: this address used up its client metadata fetches.
fn throttled(retry_after: u64) -> Result<Response, ApiError> {
    let description = format!("too many client metadata fetches from this address; retry after {retry_after} seconds");
    let resp = no_store(429, &json!({ "error": "temporarily_unavailable", "error_description": description }))?;
    resp.headers().set("Retry-After", &retry_after.to_string()).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(resp)
}

/// A grant the hub revoked (a replayed code, a reused refresh token, RFC
/// 7009) reaches the listing; the hub's answer stands either way.
async fn mirror_revocation(ctx: &Ctx, answer: &Value) {
    if let Some(id) = answer["revoked"].as_str() {
        after_commit(ctx, IndexWrite::Revoked(vec![id.to_string()])).await;
    }
}

/// An access token for `grant` with `scopes`, valid for `lifetime_secs`: the
/// token endpoint's, and the Studio test panel's short-lived one.
pub(crate) async fn access_token(
    ctx: &Ctx,
    grant: &Grant,
    scopes: &[String],
    lifetime_secs: i64,
) -> Result<String, ApiError> {
    let claims = AccessClaims {
        iss: ctx.config.public_url.clone(),
        sub: grant.user_id.clone(),
        aud: grant.resource.canonical_url(&ctx.config.public_url),
        exp: ctx.now + lifetime_secs,
        iat: ctx.now,
        jti: crypto::new_id("jti"),
        scope: scopes.join(" "),
        client_id: grant.client_id.clone(),
        grant_id: grant.id.clone(),
    };
    crate::webcrypto::jwt::issue_access_token(&ctx.config.jwt_signing_key, &claims)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))
}

pub async fn token(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    let form = match inc.form().await {
        Ok(f) => f,
        Err(e) => return fail(400, "invalid_request", &e.message()),
    };
    let (request, client) = match parse_token_request(&form, basic_auth(inc)) {
        Ok(r) => r,
        Err(e) => return fail_with(&e),
    };
    let Some(known) = (match authenticate(ctx, inc, &client).await? {
        Err(refusal) => return Ok(refusal),
        Ok(known) => known,
    }) else {
        return fail(401, "invalid_client", "unknown client");
    };
    if let Err(e) = check_grant_type(&request, &client.client_id, &known.metadata) {
        return fail_with(&e);
    }
    let issue_refresh = known.metadata.allows_grant("refresh_token");
    let (prefix, secret) = match &request {
        TokenRequest::AuthorizationCode { code, .. } => ("dyc_", code),
        TokenRequest::RefreshToken { refresh_token, .. } => ("dyr_", refresh_token),
    };
    let Some((org, project)) = hub_key_of(secret, prefix) else {
        return fail(400, "invalid_grant", "the code or refresh token is not one of ours");
    };
    // A forged prefix must not instantiate a hub (no storage for made-up names).
    let Some(stub) = crate::objects::existing_hub(ctx, &org, &project).await? else {
        return fail(400, "invalid_grant", "the code or refresh token is unknown");
    };
    let hub_key = format!("{org}/{project}");
    let new_refresh = routed_secret("dyr_", &hub_key);
    let new_refresh_hash = crypto::sha256_hex(new_refresh.as_bytes());
    let answer = match &request {
        TokenRequest::AuthorizationCode { code, redirect_uri, code_verifier, resource, .. } => {
            let resource = match resource {
                None => None,
                Some(raw) => match parse_resource(&ctx.config.public_url, raw) {
                    Some(r) => Some(r),
                    None => return fail(400, "invalid_target", "the resource is not one of this server's endpoints"),
                },
            };
            let body = json!({
                "code_hash": crypto::sha256_hex(code.as_bytes()), "client_id": client.client_id,
                "redirect_uri": redirect_uri, "code_verifier": code_verifier, "resource": resource,
                "refresh_hash": issue_refresh.then_some(&new_refresh_hash), "now": ctx.now,
            });
            crate::objects::call(&stub, "/codes/redeem", &body).await?
        }
        TokenRequest::RefreshToken { refresh_token, scope, resource, .. } => {
            let resource = match resource_param(&ctx.config.public_url, resource.as_deref()) {
                Ok(r) => r,
                Err(e) => return fail_with(&e),
            };
            // MUST 4: scope, resource and the channel permission are the hub's checks.
            let body = json!({
                "hash": crypto::sha256_hex(refresh_token.as_bytes()), "client_id": client.client_id,
                "new_hash": new_refresh_hash, "scope": scope, "resource": resource, "now": ctx.now,
            });
            crate::objects::call(&stub, "/refresh", &body).await?
        }
    };
    mirror_revocation(ctx, &answer).await;
    if let Some(error) = answer["oauth_error"].as_str() {
        return fail(400, error, answer["description"].as_str().unwrap_or(""));
    }
    let grant: Grant =
        serde_json::from_value(answer["grant"].clone()).map_err(|e| ApiError::Internal(format!("hub grant: {e}")))?;
    let scopes: Vec<String> = match answer.get("scopes") {
        Some(s) if s.is_array() => serde_json::from_value(s.clone()).unwrap_or_default(),
        _ => grant.scopes.clone(),
    };
    let access = access_token(ctx, &grant, &scopes, ACCESS_TOKEN_SECS).await?;
    // MUST 5: committed in the hub; the listing follows.
    after_commit(ctx, IndexWrite::Touch(grant.id.clone())).await;
    let refresh = issue_refresh.then_some(new_refresh.as_str());
    no_store(200, &token_response(&access, ACCESS_TOKEN_SECS, refresh, &scopes.join(" ")))
}

/// RFC 7009: always 200 for a well-formed request, whether or not the token
/// was valid; a refresh token or an access token revokes its whole grant.
pub async fn revoke(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    let form = match inc.form().await {
        Ok(f) => f,
        Err(e) => return fail(400, "invalid_request", &e.message()),
    };
    let value = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let Some(token) = value("token") else { return fail(400, "invalid_request", "the token parameter is missing") };
    let auth = match basic_auth(inc) {
        _ if value("client_assertion").is_some() || value("client_assertion_type").is_some() => {
            match parse_revoke_request(&form, basic_auth(inc)) {
                Ok((_, auth)) => auth,
                Err(e) => return fail_with(&e),
            }
        }
        Some((id, secret)) => ClientAuth::with_secret(id, secret, AuthMethod::ClientSecretBasic),
        None => match value("client_id") {
            None => return fail(401, "invalid_client", "name the client (client_id)"),
            Some(id) => match value("client_secret") {
                Some(secret) => ClientAuth::with_secret(id, secret, AuthMethod::ClientSecretPost),
                None => ClientAuth::public(id),
            },
        },
    };
    if let Err(refusal) = authenticate(ctx, inc, &auth).await? {
        return Ok(refusal);
    }
    let client_id = auth.client_id.clone();
    if let Some((org, project)) = hub_key_of(&token, "dyr_") {
        let Some(stub) = crate::objects::existing_hub(ctx, &org, &project).await? else {
            return no_store(200, &json!({}));
        };
        let answer = crate::objects::call(
            &stub,
            "/grants/revoke-refresh",
            &json!({ "hash": crypto::sha256_hex(token.as_bytes()), "client_id": client_id, "now": ctx.now }),
        )
        .await?;
        mirror_revocation(ctx, &answer).await;
    } else if let Some(claims) =
        crate::webcrypto::jwt::peek_claims(&token, &signing_keys(ctx), &ctx.config.public_url).await
    {
        if claims.client_id == client_id {
            if let Some(r) = parse_resource(&ctx.config.public_url, &claims.aud) {
                let stub = crate::objects::hub(ctx, &r.org, &r.project)?;
                let answer =
                    crate::objects::call(&stub, "/grants/revoke", &json!({ "id": claims.grant_id, "now": ctx.now }))
                        .await;
                if let Ok(answer) = answer {
                    if answer["revoked"].as_bool() == Some(true) {
                        after_commit(ctx, IndexWrite::Revoked(vec![claims.grant_id.clone()])).await;
                    }
                }
            }
        }
    }
    no_store(200, &json!({}))
}
