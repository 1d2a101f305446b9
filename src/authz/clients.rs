//! OAuth clients: Dynamic Client Registration (RFC 7591) and Client ID
//! Metadata Documents (fetched with SSRF limits, cached in D1).
//!
//! CIMD fetch limits: https only (loopback http only with
//! `ALLOW_LOOPBACK_UPSTREAMS`), no IP literals in private ranges, no
//! redirects at all (a redirect could lead to a private address; the document
//! URL is the client's identity anyway), 5 KiB, 5 seconds.

use crate::crypto;
use crate::http::context::{Ctx, Incoming};
use crate::http::respond::json;
use crate::http::ApiError;
use crate::identity::ratelimit::Limit;
use crate::oauth::clients::{self as oc, ClientMetadata};
use crate::store::clients as store;
use futures_util::future::{select, Either};
use std::time::Duration;
use worker::{Fetch, Method, Request, RequestInit, RequestRedirect, Response};

/// Registrations per IP per hour.
const REGISTRATIONS_PER_IP: Limit = Limit { max: 30, window_secs: 3600 };
const CIMD_TIMEOUT: Duration = Duration::from_secs(5);

pub struct KnownClient {
    pub metadata: ClientMetadata,
    pub secret_hash: Option<String>,
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

/// Finds a client: a live DCR registration, or a CIMD document (cached or
/// fetched now). `Ok(None)`: unknown client. `Err(message)`: a CIMD document
/// that could not be used (shown on the error page, never redirected).
pub async fn lookup(ctx: &Ctx, client_id: &str) -> Result<Result<Option<KnownClient>, String>, ApiError> {
    if client_id.is_empty() || client_id.len() > 2048 {
        return Ok(Ok(None));
    }
    if let Some(row) = store::get(&ctx.db, client_id).await? {
        let fresh = row.expires_at.is_none_or(|t| t > ctx.now);
        if fresh {
            let metadata: ClientMetadata =
                serde_json::from_str(&row.metadata).map_err(|e| ApiError::Internal(format!("client metadata: {e}")))?;
            return Ok(Ok(Some(KnownClient { metadata, secret_hash: row.secret_hash })));
        }
        if row.kind == "dcr" {
            return Ok(Ok(None));
        }
    }
    if !oc::is_cimd_client_id(client_id) {
        return Ok(Ok(None));
    }
    match fetch_cimd(ctx, client_id).await {
        Err(message) => Ok(Err(message)),
        Ok(metadata) => {
            let meta_json = serde_json::to_string(&metadata).map_err(|e| ApiError::Internal(e.to_string()))?;
            store::put(&ctx.db, client_id, "cimd", &meta_json, None, ctx.now, ctx.now + store::CIMD_CACHE_SECS).await?;
            Ok(Ok(Some(KnownClient { metadata, secret_hash: None })))
        }
    }
}

async fn fetch_cimd(ctx: &Ctx, url: &str) -> Result<ClientMetadata, String> {
    oc::cimd_url_allowed(url, ctx.config.allow_loopback_upstreams)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_redirect(RequestRedirect::Manual);
    let req = Request::new_with_init(url, &init).map_err(|e| format!("bad client metadata URL: {e}"))?;
    let _ = req.headers().set("Accept", "application/json");
    let request = Fetch::Request(req);
    let fetch = request.send();
    let timeout = worker::Delay::from(CIMD_TIMEOUT);
    let mut resp = match select(Box::pin(fetch), Box::pin(timeout)).await {
        Either::Left((Ok(resp), _)) => resp,
        Either::Left((Err(e), _)) => return Err(format!("the client metadata document could not be fetched: {e}")),
        Either::Right(_) => return Err("the client metadata document took longer than 5 seconds".into()),
    };
    let status = resp.status_code();
    if (300..400).contains(&status) {
        return Err("the client metadata document URL redirects; redirects are not followed".into());
    }
    if status != 200 {
        return Err(format!("the client metadata document answered HTTP {status}"));
    }
    let declared = resp.headers().get("Content-Length").ok().flatten().and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > oc::MAX_CIMD_BYTES) {
        return Err(format!("the client metadata document is larger than {} bytes", oc::MAX_CIMD_BYTES));
    }
    let bytes = resp.bytes().await.map_err(|e| format!("the client metadata document could not be read: {e}"))?;
    oc::validate_cimd_document(url, &bytes).map_err(|e| e.description)
}
