//! Who is calling the management API, and the checks on the way in.
//!
//! - Session cookie (`__Host-dy_session`, or `dy_session` on local http):
//!   256-bit random id, only its SHA-256 in D1, idle and absolute lifetimes.
//!   State-changing requests with the cookie pass the CSRF check
//!   (`http::csrf`): `Origin` must equal `PUBLIC_URL`, or, when the browser
//!   hides it (no Origin, or `Origin: null`), `Sec-Fetch-Site: same-origin`
//!   must vouch; a foreign Origin or a cross-site mark is always refused.
//! - `Authorization: Bearer dy_...`: a personal API token (hashed in D1). No
//!   ambient credential, so no CSRF check.
//!
//! Login attempts are rate-limited per account and per IP in the RateLimiter
//! Durable Object, counting failures only.

use crate::crypto;
use crate::http::context::Ctx;
use crate::http::csrf;
use crate::http::ApiError;
use crate::identity::password;
use crate::identity::ratelimit::{Limit, PER_ACCOUNT, PER_IP};
use crate::store::{credentials, users};
use serde_json::json;
use worker::{Headers, Method};

/// Last-seen and last-used times are written at most this often.
const TOUCH_EVERY_SECS: i64 = 60;

#[derive(Debug, Clone)]
pub struct Caller {
    pub user: users::User,
    pub via: Via,
}

#[derive(Debug, Clone)]
pub enum Via {
    /// The SHA-256 of the session id: binds CSRF tokens to the session.
    Session {
        id_hash: String,
    },
    Token,
}

pub fn cookie_name(ctx: &Ctx) -> &'static str {
    if ctx.config.is_local_http() {
        "dy_session"
    } else {
        "__Host-dy_session"
    }
}

/// The `Set-Cookie` value for a new session (or, with `None`, one that clears it).
pub fn session_cookie(ctx: &Ctx, id: Option<&str>) -> String {
    let secure = if ctx.config.is_local_http() { "" } else { "; Secure" };
    match id {
        Some(id) => format!(
            "{}={id}; HttpOnly{secure}; SameSite=Lax; Path=/; Max-Age={}",
            cookie_name(ctx),
            ctx.config.session_max_secs
        ),
        None => format!("{}=; HttpOnly{secure}; SameSite=Lax; Path=/; Max-Age=0", cookie_name(ctx)),
    }
}

fn cookie_value(headers: &Headers, name: &str) -> Option<String> {
    let raw = headers.get("Cookie").ok().flatten()?;
    raw.split(';').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

fn bearer(headers: &Headers) -> Option<String> {
    let raw = headers.get("Authorization").ok().flatten()?;
    let (scheme, token) = raw.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// Identifies the caller, if any. A presented but invalid credential is a 401
/// (never silently anonymous).
pub async fn identify(ctx: &Ctx, method: &Method, headers: &Headers) -> Result<Option<Caller>, ApiError> {
    if let Some(token) = bearer(headers) {
        if !token.starts_with("dy_") {
            return Err(ApiError::Unauthorized(
                "the management API takes personal API tokens (dy_...); MCP access tokens do not work here".into(),
            ));
        }
        let hash = crypto::sha256_hex(token.as_bytes());
        let Some(owner) = credentials::token_by_hash(&ctx.db, &hash).await? else {
            return Err(ApiError::Unauthorized("the API token is invalid or was revoked".into()));
        };
        if owner.last_used_at.is_none_or(|t| ctx.now - t >= TOUCH_EVERY_SECS) {
            credentials::touch_token(&ctx.db, &owner.id, ctx.now).await?;
        }
        let user = users::by_id(&ctx.db, &owner.user_id)
            .await?
            .ok_or_else(|| ApiError::Unauthorized("unknown user".into()))?;
        return Ok(Some(Caller { user, via: Via::Token }));
    }
    let Some(id) = cookie_value(headers, cookie_name(ctx)) else {
        return Ok(None);
    };
    let id_hash = crypto::sha256_hex(id.as_bytes());
    let Some(s) = credentials::session(&ctx.db, &id_hash).await? else {
        return Err(ApiError::Unauthorized("your session has ended; sign in again".into()));
    };
    let idle = ctx.config.session_idle_secs as i64;
    if ctx.now >= s.expires_at || ctx.now - s.last_seen_at >= idle {
        credentials::delete_session(&ctx.db, &id_hash).await?;
        return Err(ApiError::Unauthorized("your session has expired; sign in again".into()));
    }
    if is_state_changing(method) {
        check_same_origin(ctx, headers)?;
    }
    if ctx.now - s.last_seen_at >= TOUCH_EVERY_SECS.min(idle / 2).max(1) {
        credentials::touch_session(&ctx.db, &id_hash, ctx.now).await?;
    }
    let user = users::by_id(&ctx.db, &s.user_id).await?.ok_or_else(|| ApiError::Unauthorized("unknown user".into()))?;
    Ok(Some(Caller { user, via: Via::Session { id_hash } }))
}

pub async fn require(ctx: &Ctx, method: &Method, headers: &Headers) -> Result<Caller, ApiError> {
    identify(ctx, method, headers).await?.ok_or_else(|| ApiError::Unauthorized("sign in first".into()))
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(method, Method::Get | Method::Head | Method::Options)
}

/// CSRF: the strict check for cookie-authenticated writes and for every HTML
/// form (login, signup, logout, consent), which a cross-site page must not
/// submit either. The decision is `http::csrf::check`.
pub fn check_same_origin(ctx: &Ctx, headers: &Headers) -> Result<(), ApiError> {
    csrf_check(ctx, headers, csrf::Mode::Strict)
}

/// For the cookieless JSON login and signup API: a foreign or cross-site
/// browser request is refused; a request without browser headers (scripts,
/// CLI clients) is allowed.
pub fn refuse_foreign_origin(ctx: &Ctx, headers: &Headers) -> Result<(), ApiError> {
    csrf_check(ctx, headers, csrf::Mode::CookielessApi)
}

fn csrf_check(ctx: &Ctx, headers: &Headers, mode: csrf::Mode) -> Result<(), ApiError> {
    let origin = headers.get("Origin").ok().flatten();
    let site = headers.get("Sec-Fetch-Site").ok().flatten();
    csrf::check(origin.as_deref(), site.as_deref(), &ctx.config.public_url, mode)
        .map_err(|r| ApiError::Forbidden(r.message(&ctx.config.public_url)))
}

pub fn client_ip(headers: &Headers) -> String {
    headers.get("CF-Connecting-IP").ok().flatten().unwrap_or_else(|| "unknown".into())
}

async fn limiter(ctx: &Ctx, key: &str, action: &str, limit: Limit) -> Result<serde_json::Value, ApiError> {
    let ns = ctx.env.durable_object("RATE_LIMITER").map_err(|e| ApiError::Internal(e.to_string()))?;
    let stub = ns.get_by_name(key).map_err(|e| ApiError::Internal(e.to_string()))?;
    let body = json!({"action": action, "max": limit.max, "window_secs": limit.window_secs, "now": ctx.now});
    crate::objects::call(&stub, "/", &body).await
}

/// `Some(retry_after)` when `key` has used up `limit`.
pub async fn limiter_check(ctx: &Ctx, key: &str, limit: Limit) -> Result<Option<u64>, ApiError> {
    Ok(limiter(ctx, key, "check", limit).await?.get("retry_after").and_then(|v| v.as_u64()))
}

/// Counts one event against `key`.
pub async fn limiter_record(ctx: &Ctx, key: &str, limit: Limit) -> Result<(), ApiError> {
    limiter(ctx, key, "fail", limit).await.map(|_| ())
}

/// Refuses with 429 when either the account or the IP has too many recent failures.
pub async fn check_login_allowed(ctx: &Ctx, email: &str, ip: &str) -> Result<(), ApiError> {
    for (key, limit) in [(format!("login:acct:{email}"), PER_ACCOUNT), (format!("login:ip:{ip}"), PER_IP)] {
        let answer = limiter(ctx, &key, "check", limit).await?;
        if let Some(retry_after) = answer.get("retry_after").and_then(|v| v.as_u64()) {
            return Err(ApiError::TooManyRequests {
                retry_after,
                message: format!("too many failed sign-in attempts; try again in {} minutes", retry_after.div_ceil(60)),
            });
        }
    }
    Ok(())
}

pub async fn record_login_failure(ctx: &Ctx, email: &str, ip: &str) -> Result<(), ApiError> {
    limiter(ctx, &format!("login:acct:{email}"), "fail", PER_ACCOUNT).await?;
    limiter(ctx, &format!("login:ip:{ip}"), "fail", PER_IP).await?;
    Ok(())
}

/// Verifies email + password. The same generic error whether or not the
/// account exists, and the same KDF work (dummy verification) either way.
/// Returns the user id and, when the hash's parameters are outdated, a fresh
/// hash to store.
pub async fn verify_login(ctx: &Ctx, email: &str, pass: &str, ip: &str) -> Result<String, ApiError> {
    check_login_allowed(ctx, email, ip).await?;
    let creds = users::credentials_by_email(&ctx.db, email).await?;
    let ok = match &creds {
        Some(c) => password::verify_password(pass, &c.password_hash).unwrap_or(false),
        None => {
            password::dummy_verify(pass);
            false
        }
    };
    let Some(c) = creds.filter(|_| ok) else {
        record_login_failure(ctx, email, ip).await?;
        return Err(ApiError::Unauthorized("the email or password is not correct".into()));
    };
    limiter(ctx, &format!("login:acct:{email}"), "reset", PER_ACCOUNT).await?;
    if password::needs_rehash(&c.password_hash) {
        let salt = crypto::random_bytes::<16>();
        let fresh = password::hash_password(pass, &salt, password::KdfParams::CURRENT);
        users::set_password_hash(&ctx.db, &c.id, &fresh).await?;
    }
    Ok(c.id)
}

/// Starts a session; returns the `Set-Cookie` value.
pub async fn start_session(ctx: &Ctx, user_id: &str) -> Result<String, ApiError> {
    let id = crypto::random_token("");
    let hash = crypto::sha256_hex(id.as_bytes());
    credentials::create_session(&ctx.db, &hash, user_id, ctx.now, ctx.now + ctx.config.session_max_secs as i64).await?;
    Ok(session_cookie(ctx, Some(&id)))
}

/// Ends the session server-side (if the request has one); returns the clearing cookie.
pub async fn end_session(ctx: &Ctx, headers: &Headers) -> Result<String, ApiError> {
    if let Some(id) = cookie_value(headers, cookie_name(ctx)) {
        credentials::delete_session(&ctx.db, &crypto::sha256_hex(id.as_bytes())).await?;
    }
    Ok(session_cookie(ctx, None))
}
