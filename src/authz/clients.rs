//! OAuth clients: Dynamic Client Registration (RFC 7591) and Client ID
//! Metadata Documents (fetched through `outbound`, cached in D1).
//!
//! CIMD fetches, because the URL is chosen by an anonymous caller:
//! - the outbound guard first (https only — loopback http only with
//!   `ALLOW_LOOPBACK_UPSTREAMS` —, no non-public addresses, no local or
//!   metadata names): a refused URL is never fetched;
//! - one bounded fetch ([`CIMD_LIMITS`]): 5 KiB capped while streaming, one
//!   5 s deadline for headers and body, no redirects at all (a redirect could
//!   lead anywhere, and the document URL is the client's identity anyway);
//! - a per-IP limit on fetches ([`CIMD_FETCHES_PER_IP`], counted per fetch,
//!   not per request: answers from the cache are free) on every endpoint that
//!   may fetch (`/oauth/authorize`, `/oauth/token`, `/oauth/revoke`), in the
//!   RateLimiter object keyed `cimd:ip:<ip>`;
//! - the answer cached in D1 `oauth_clients`: a document for an hour, a
//!   failure for a minute (`failure` column). Why D1 and not the isolate: the
//!   cache must hold across isolates and locations, or a failing URL would be
//!   fetched once per isolate; D1 already holds the document cache, so one
//!   read answers both. Cache writes are best effort (a failed write costs a
//!   refetch, never the request);
//! - errors say "client metadata could not be fetched: <what>" in fixed
//!   words (a status code is named, to help a client's developer; bodies,
//!   headers, redirect targets, DNS, TLS and runtime errors are only logged).
//!
//! `private_key_jwt` documents: the keys at the document's `jwks_uri` (same
//! origin, checked by `oauth::cimd`) are fetched right after the document,
//! with the same guard and [`JWKS_LIMITS`] (16 KiB, 5 s, no redirects), and
//! cached in the same row (`ClientMetadata::signing_keys`), so a document
//! whose keys cannot be fetched is unusable like a document that cannot be
//! fetched. An assertion naming an unknown `kid` refetches the keys
//! ([`refresh_keys`]): at most once per [`JWKS_REFETCH_SECS`] per client,
//! counted against the same per-IP fetch limit (a document and the keys
//! fetched with it count as one fetch).

use crate::crypto;
use crate::http::context::{Ctx, Incoming};
use crate::http::respond::json;
use crate::http::ApiError;
use crate::identity::ratelimit::Limit;
use crate::oauth::client_assertion::{parse_jwks, Jwk, MAX_JWKS_BYTES};
use crate::oauth::clients::{self as oc, ClientKeys, ClientMetadata};
use crate::outbound::fetch::{fetch, Outbound};
use crate::outbound::guard::Policy;
use crate::outbound::Limits;
use crate::store::clients as store;
use std::time::Duration;
use worker::Response;

/// Registrations per IP per hour.
const REGISTRATIONS_PER_IP: Limit = Limit { max: 30, window_secs: 3600 };
/// CIMD document fetches per IP per 10 minutes.
pub const CIMD_FETCHES_PER_IP: Limit = Limit { max: 30, window_secs: 600 };
/// 5 KiB, one 5 s deadline for headers and body, no redirects.
const CIMD_LIMITS: Limits =
    Limits { deadline: Duration::from_secs(5), max_bytes: oc::MAX_CIMD_BYTES, max_redirects: 0 };
/// A client's JWKS: 16 KiB, one 5 s deadline, no redirects.
const JWKS_LIMITS: Limits = Limits { deadline: Duration::from_secs(5), max_bytes: MAX_JWKS_BYTES, max_redirects: 0 };
/// An unknown `kid` refetches a client's keys at most this often.
pub const JWKS_REFETCH_SECS: i64 = 60;

pub struct KnownClient {
    pub metadata: ClientMetadata,
    pub secret_hash: Option<String>,
    /// When the cached row expires (CIMD: the document cache).
    pub expires_at: Option<i64>,
}

fn oauth_error(status: u16, error: &str, description: &str) -> Result<Response, ApiError> {
    let resp = json(status, &serde_json::json!({ "error": error, "error_description": description }))?;
    Ok(resp)
}

pub async fn register(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    let ip = crate::studio::auth::client_ip(&inc.headers);
    let key = format!("register:ip:{ip}");
    if let Some(retry) = crate::studio::auth::limiter_check(ctx, &key, REGISTRATIONS_PER_IP).await? {
        return Err(ApiError::TooManyRequests {
            retry_after: retry,
            message: "too many client registrations from this address; try again later".into(),
        });
    }
    let raw = match inc.json_bytes(oc::MAX_REGISTRATION_BYTES).await {
        Ok(raw) => raw,
        Err(ApiError::PayloadTooLarge { limit }) => {
            return oauth_error(
                400,
                "invalid_client_metadata",
                &format!("the registration is larger than {limit} bytes"),
            )
        }
        Err(e) => return Err(e),
    };
    let metadata = match oc::validate_registration(&raw) {
        Ok(m) => m,
        Err(e) => return oauth_error(400, e.error, &e.description),
    };
    crate::studio::auth::limiter_record(ctx, &key, REGISTRATIONS_PER_IP).await?;
    store::purge_expired(&ctx.db, ctx.now).await?;
    let client_id = crypto::new_id("dcr");
    let secret = (metadata.token_endpoint_auth_method != "none").then(|| crypto::random_token("dys_"));
    let secret_hash = secret.as_ref().map(|s| crypto::sha256_hex(s.as_bytes()));
    let meta_json = serde_json::to_string(&metadata).map_err(|e| ApiError::Internal(e.to_string()))?;
    store::put(&ctx.db, &client_id, "dcr", &meta_json, secret_hash.as_deref(), ctx.now, ctx.now + store::DCR_IDLE_SECS)
        .await?;
    json(201, &oc::registration_response(&client_id, secret.as_deref(), ctx.now, None, &metadata))
}

/// What a client id names.
pub enum Lookup {
    /// A live DCR registration or a usable CIMD document (cached or fetched now).
    Known(KnownClient),
    /// No such client (never registered, expired, or not a CIMD URL).
    Unknown,
    /// A CIMD document that cannot be used: the message says why, in words
    /// safe to show (never an upstream detail). Shown on the error page,
    /// never redirected.
    Unusable(String),
    /// This address used up its CIMD fetches ([`CIMD_FETCHES_PER_IP`]).
    Throttled { retry_after: u64 },
}

/// Finds a client. A CIMD client id is answered from the D1 cache (a
/// document for an hour, a failure for a minute) or fetched now, within the
/// per-IP fetch limit (`ip`: the caller's address).
pub async fn lookup(ctx: &Ctx, client_id: &str, ip: &str) -> Result<Lookup, ApiError> {
    if client_id.is_empty() || client_id.len() > 2048 {
        return Ok(Lookup::Unknown);
    }
    if let Some(row) = store::get(&ctx.db, client_id).await? {
        let fresh = row.expires_at.is_none_or(|t| t > ctx.now);
        if fresh {
            if let Some(failure) = row.failure {
                return Ok(Lookup::Unusable(failure));
            }
            let metadata: ClientMetadata =
                serde_json::from_str(&row.metadata).map_err(|e| ApiError::Internal(format!("client metadata: {e}")))?;
            return Ok(Lookup::Known(KnownClient {
                metadata,
                secret_hash: row.secret_hash,
                expires_at: row.expires_at,
            }));
        }
        if row.kind == "dcr" {
            return Ok(Lookup::Unknown);
        }
    }
    if !oc::is_cimd_client_id(client_id) {
        return Ok(Lookup::Unknown);
    }
    // Refused from the URL alone: no fetch, nothing to count or cache.
    if let Err(message) = oc::cimd_url_allowed(client_id, ctx.config.allow_loopback_upstreams) {
        return Ok(Lookup::Unusable(message));
    }
    let key = format!("cimd:ip:{ip}");
    if let Some(retry_after) = crate::studio::auth::limiter_check(ctx, &key, CIMD_FETCHES_PER_IP).await? {
        return Ok(Lookup::Throttled { retry_after });
    }
    crate::studio::auth::limiter_record(ctx, &key, CIMD_FETCHES_PER_IP).await?;
    match fetch_cimd(ctx, client_id).await {
        Err(message) => {
            // Remembered briefly, so a failing URL is not fetched on every request.
            let until = ctx.now + store::CIMD_FAILURE_SECS;
            if let Err(e) = store::put_failure(&ctx.db, client_id, &message, ctx.now, until).await {
                worker::console_warn!("CIMD failure not cached for {client_id}: {}", e.message());
            }
            Ok(Lookup::Unusable(message))
        }
        Ok(metadata) => {
            let meta_json = serde_json::to_string(&metadata).map_err(|e| ApiError::Internal(e.to_string()))?;
            let until = ctx.now + store::CIMD_CACHE_SECS;
            if let Err(e) = store::put(&ctx.db, client_id, "cimd", &meta_json, None, ctx.now, until).await {
                worker::console_warn!("CIMD document not cached for {client_id}: {}", e.message());
            }
            Ok(Lookup::Known(KnownClient { metadata, secret_hash: None, expires_at: Some(until) }))
        }
    }
}

/// Fetches and validates a CIMD document (the URL already passed the
/// guard). `Err` is the message to show: what failed, in fixed words — a
/// status code, a size, the deadline — never a body, a header, a redirect
/// target or the runtime's error text (those go to the log).
async fn fetch_cimd(ctx: &Ctx, url: &str) -> Result<ClientMetadata, String> {
    let body = fetch_client_json(ctx, url, CIMD_LIMITS, "client metadata").await?;
    let mut metadata = oc::validate_cimd_document(url, &body)
        .map_err(|e| format!("the client metadata document cannot be used: {}", e.description))?;
    if let Some(keys) = metadata.signing_keys.as_mut() {
        keys.keys = Some(fetch_jwks(ctx, &keys.jwks_uri).await?);
        keys.fetched_at = ctx.now;
    }
    Ok(metadata)
}

/// Fetches and reads a client's JWKS. `Err` is the message to show, in the
/// same fixed words as [`fetch_cimd`]'s.
async fn fetch_jwks(ctx: &Ctx, uri: &str) -> Result<Vec<Jwk>, String> {
    let body = fetch_client_json(ctx, uri, JWKS_LIMITS, "the client's keys (jwks_uri)").await?;
    parse_jwks(&body).map_err(|why| format!("the client's keys (jwks_uri) cannot be used: {why}"))
}

/// GETs a client-published JSON document through the outbound guard: the
/// body of a 200, or the message to show, naming `what` in fixed words.
async fn fetch_client_json(ctx: &Ctx, url: &str, limits: Limits, what: &str) -> Result<Vec<u8>, String> {
    let policy = Policy { allow_loopback: ctx.config.allow_loopback_upstreams };
    let request = Outbound::get(url).header("Accept", "application/json");
    let fetched = match fetch(request, limits, policy).await {
        Ok(f) => f,
        Err(e) => {
            worker::console_warn!("fetch of {what} at {url}: {}", e.log_detail());
            return Err(format!("{what} could not be fetched: {}", e.public_reason()));
        }
    };
    if fetched.status != 200 {
        return Err(format!("{what} could not be fetched: the server answered HTTP {}", fetched.status));
    }
    Ok(fetched.body)
}

/// Refetches a `private_key_jwt` client's keys (an assertion named a `kid`
/// the cached set lacks): `Some(keys)` when fetched now, `None` when the
/// last fetch is younger than [`JWKS_REFETCH_SECS`], this address used up
/// its fetches, or the fetch failed (the cached keys then stay).
pub async fn refresh_keys(
    ctx: &Ctx,
    client_id: &str,
    known: &KnownClient,
    ip: &str,
) -> Result<Option<Vec<Jwk>>, ApiError> {
    let Some(source) = known.metadata.signing_keys.as_ref() else { return Ok(None) };
    if source.fetched_at + JWKS_REFETCH_SECS > ctx.now {
        return Ok(None);
    }
    let key = format!("cimd:ip:{ip}");
    if crate::studio::auth::limiter_check(ctx, &key, CIMD_FETCHES_PER_IP).await?.is_some() {
        return Ok(None);
    }
    crate::studio::auth::limiter_record(ctx, &key, CIMD_FETCHES_PER_IP).await?;
    let keys = match fetch_jwks(ctx, &source.jwks_uri).await {
        Ok(keys) => keys,
        Err(message) => {
            worker::console_warn!("JWKS refetch for {client_id}: {message}");
            return Ok(None);
        }
    };
    let mut metadata = known.metadata.clone();
    metadata.signing_keys =
        Some(ClientKeys { jwks_uri: source.jwks_uri.clone(), keys: Some(keys.clone()), fetched_at: ctx.now });
    let meta_json = serde_json::to_string(&metadata).map_err(|e| ApiError::Internal(e.to_string()))?;
    let until = known.expires_at.unwrap_or(ctx.now + store::CIMD_CACHE_SECS);
    if let Err(e) = store::put(&ctx.db, client_id, "cimd", &meta_json, None, ctx.now, until).await {
        worker::console_warn!("refetched keys not cached for {client_id}: {}", e.message());
    }
    Ok(Some(keys))
}
