//! `private_key_jwt` at `/oauth/token` and `/oauth/revoke` (wasm32 glue over
//! the pure `oauth::client_assertion`): parse, check the claims, pick the key
//! (refetching the client's JWKS once on an unknown `kid`), verify the
//! signature with WebCrypto (`webcrypto::verify`), then claim the `jti`.
//!
//! Order matters: the `jti` is claimed only after the signature verified, so
//! nobody without the client's key can fill its `jti` set; and it is claimed
//! before the grant is touched, so a replayed assertion changes nothing.
//!
//! The audience is the same at both endpoints: our token endpoint URL or our
//! issuer (the module doc of `oauth::client_assertion` says why).
//!
//! Every refusal is an [`AssertionError`] (the caller answers 401
//! `invalid_client`, "client authentication failed", and logs the reason);
//! nothing of the client's server (its JWKS, a WebCrypto message) reaches
//! the response.

use super::clients::{refresh_keys, KnownClient};
use crate::crypto;
use crate::http::context::Ctx;
use crate::http::ApiError;
use crate::oauth::client_assertion::{self as ca, AssertionError};
use serde_json::json;

/// Verifies `jwt` for `client_id` (a `private_key_jwt` client). `ip` is the
/// caller's address (a JWKS refetch counts against its fetch limit).
pub async fn verify(
    ctx: &Ctx,
    ip: &str,
    client_id: &str,
    jwt: &str,
    known: &KnownClient,
) -> Result<Result<(), AssertionError>, ApiError> {
    let a = match ca::parse(jwt) {
        Ok(a) => a,
        Err(e) => return Ok(Err(e)),
    };
    let issuer = &ctx.config.public_url;
    let token_endpoint = format!("{issuer}/oauth/token");
    if let Err(e) = ca::check_claims(&a.claims, client_id, &token_endpoint, issuer, ctx.now) {
        return Ok(Err(e));
    }
    let cached = known.metadata.signing_keys.as_ref().and_then(|k| k.keys.clone()).unwrap_or_default();
    let key = match ca::select_key(&cached, &a) {
        Ok(key) => key.clone(),
        Err(AssertionError::UnknownKey) => {
            let Some(fresh) = refresh_keys(ctx, client_id, known, ip).await? else {
                return Ok(Err(AssertionError::UnknownKey));
            };
            match ca::select_key(&fresh, &a) {
                Ok(key) => key.clone(),
                Err(e) => return Ok(Err(e)),
            }
        }
        Err(e) => return Ok(Err(e)),
    };
    if let Err(e) = ca::check_signature_shape(&a, &key) {
        return Ok(Err(e));
    }
    match crate::webcrypto::verify::verify(a.alg, &key.import_form(a.alg), a.signing_input.as_bytes(), &a.signature)
        .await
    {
        Ok(true) => {}
        Ok(false) => return Ok(Err(AssertionError::BadSignature)),
        Err(e) => return Ok(Err(AssertionError::Keys(e))),
    }
    // check_claims made sure both are there.
    let (Some(jti), Some(exp)) = (a.claims.jti.as_deref(), a.claims.exp) else {
        return Ok(Err(AssertionError::MissingClaim("jti")));
    };
    claim(ctx, client_id, jti, exp).await
}

/// Claims `jti` in the client's RateLimiter object (`assertion:<client_id>`).
/// The set stores a hash of the `jti` (bounded size whatever the client sends).
async fn claim(ctx: &Ctx, client_id: &str, jti: &str, exp: i64) -> Result<Result<(), AssertionError>, ApiError> {
    let ns = ctx.env.durable_object("RATE_LIMITER").map_err(|e| ApiError::Internal(e.to_string()))?;
    let stub = ns.get_by_name(&format!("assertion:{client_id}")).map_err(|e| ApiError::Internal(e.to_string()))?;
    let hashed = &crypto::sha256_hex(jti.as_bytes())[..32];
    let body = json!({"action": "claim_jti", "jti": hashed, "exp": exp, "now": ctx.now});
    let answer = crate::objects::call(&stub, "/", &body).await?;
    Ok(match (answer["claimed"].as_bool(), answer["reason"].as_str()) {
        (Some(true), _) => Ok(()),
        (_, Some("TooManyAssertions")) => Err(AssertionError::TooManyAssertions),
        _ => Err(AssertionError::Replayed),
    })
}
