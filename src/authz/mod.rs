//! The authorization server and discovery (wasm32 glue over the pure
//! `oauth` flows): metadata documents, JWKS, dynamic client registration and
//! Client ID Metadata Documents, `/oauth/authorize` (sign-in, consent),
//! `/oauth/token`, `/oauth/revoke`, and the Authorized apps API.
//!
//! Opaque secrets name their hub: codes are `dyc_<b64url(org/project)>.<random>`
//! and refresh tokens `dyr_<b64url(org/project)>.<random>`, so the token
//! endpoint reaches the one Durable Object that holds the grant without a
//! lookup table. Only SHA-256 hashes of them are stored.

pub mod authorize;
pub mod client_assertion;
pub mod clients;
pub mod grants_api;
pub mod index_writes;
pub mod pages;
pub mod token;

use crate::crypto;
use crate::http::context::{Ctx, Incoming};
use crate::http::respond::json;
use crate::http::ApiError;
use crate::identity::validate;
use crate::oauth::{metadata, resource::Resource};
use worker::Response;

/// A new opaque secret routed to the hub of `hub_key` (`org/project`).
pub fn routed_secret(prefix: &str, hub_key: &str) -> String {
    format!(
        "{prefix}{}.{}",
        crypto::b64url_encode(hub_key.as_bytes()),
        crypto::b64url_encode(&crypto::random_bytes::<32>())
    )
}

/// The hub key a routed secret names, if it is well-formed.
pub fn hub_key_of(secret: &str, prefix: &str) -> Option<(String, String)> {
    let rest = secret.strip_prefix(prefix)?;
    let (key, _) = rest.split_once('.')?;
    let key = String::from_utf8(crypto::b64url_decode(key)?).ok()?;
    let (org, project) = key.split_once('/')?;
    (validate::validate_slug("org", org).is_ok() && validate::validate_slug("project", project).is_ok())
        .then(|| (org.to_string(), project.to_string()))
}

/// Every signing key: the current one first, then the previous ones.
pub fn signing_keys(ctx: &Ctx) -> Vec<[u8; 32]> {
    let mut keys = vec![ctx.config.jwt_signing_key];
    keys.extend(ctx.config.jwt_previous_keys.iter().copied());
    keys
}

fn public_json(status: u16, body: &serde_json::Value) -> Result<Response, ApiError> {
    let resp = json(status, body)?;
    resp.headers().set("Access-Control-Allow-Origin", "*").map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(resp)
}

pub async fn protected_resource(
    ctx: &Ctx,
    _inc: &mut Incoming,
    org: &str,
    project: &str,
    draft: bool,
) -> Result<Response, ApiError> {
    if validate::validate_slug("org", org).is_err() || validate::validate_slug("project", project).is_err() {
        return Err(ApiError::NotFound("no such protected resource".into()));
    }
    let r = Resource { org: org.into(), project: project.into(), draft };
    public_json(200, &metadata::protected_resource_metadata(&ctx.config.public_url, &r))
}

pub async fn server_metadata(ctx: &Ctx, _inc: &mut Incoming) -> Result<Response, ApiError> {
    public_json(200, &metadata::authorization_server_metadata(&ctx.config.public_url))
}

pub async fn openid_configuration(ctx: &Ctx, _inc: &mut Incoming) -> Result<Response, ApiError> {
    public_json(200, &metadata::openid_configuration(&ctx.config.public_url))
}

pub async fn jwks(ctx: &Ctx, _inc: &mut Incoming) -> Result<Response, ApiError> {
    public_json(200, &crate::webcrypto::jwt::jwks(&signing_keys(ctx)).await.map_err(ApiError::Internal)?)
}
