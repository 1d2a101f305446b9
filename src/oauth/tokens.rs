//! Access tokens (EdDSA JWTs, RFC 9068 profile), the JWKS, and the opaque
//! secrets (authorization codes, refresh tokens, client secrets).
//!
//! Why JWTs for access and opaque secrets for the rest: the hot path
//! verifies an access token locally (signature, `exp`, `iss`, exact `aud`)
//! and then makes *one* keyed lookup — the token names its grant in the
//! private claim `grant_id`, so "is this grant still live?" is a primary-key
//! read in the project's Durable Object, never a scan (STYLE habit 8). Codes
//! and refresh tokens are only ever looked up by their SHA-256
//! (`crypto::sha256_hex`), so they are random strings; the database holds
//! hashes only.
//!
//! Decisions:
//! - Header `{"alg":"EdDSA","kid":…,"typ":"at+jwt"}`; verification requires
//!   all three (RFC 9068 §4: a resource server must check `typ`, which also
//!   keeps any other JWT we might sign from being accepted as an access
//!   token). `alg` other than `EdDSA` — `none`, `HS256` — is refused before
//!   any key is touched.
//! - Keys are 32-byte Ed25519 seeds: the current one first, then previous
//!   ones (rotation overlap). `kid` is the first 16 base64url characters of
//!   SHA-256 of the public key, so it is stable and reveals nothing.
//! - No leeway on `exp`: a token is dead at `exp` (all our clocks are the
//!   same fleet's; clients refresh ahead of time). `iat` may be at most
//!   [`IAT_SKEW_SECS`] in the future (clock skew between edge machines).
//! - `aud` is compared byte for byte with the endpoint's canonical URL, so a
//!   production token fails on draft and on every other project.
//! - Secret prefixes: `dyc_` authorization codes, `dyr_` refresh tokens,
//!   `dys_` client secrets (each followed by 43 base64url characters of 32
//!   random bytes), so a leaked string says what it is.
//!
//! Signing and verifying: this module builds and checks everything but the
//! Ed25519 primitive, in steps ([`signing_input`] then [`with_signature`];
//! [`parse_signed`], the signature, [`claims_of`], [`check_claims`]). The
//! Worker signs and verifies with the runtime's WebCrypto
//! (`webcrypto::jwt`, keys imported once per isolate): no Ed25519 code in
//! the wasm bundle (-53 KB of code before wasm-opt, bench/README.md "Bundle
//! size", Step 6) and native speed on the hot path. Native builds (`cargo
//! test`, the fuzz targets) compose the same steps over ed25519-compact
//! (`tokens_native.rs`, the same names as before: `issue_access_token`,
//! `verify_access_token`, `peek_claims`, `jwks`, `key_id`). jwt-compact
//! still parses untrusted tokens (`UntrustedToken`: parts, header, base64);
//! its signing API is synchronous over Rust key types, which WebCrypto's
//! promise-based primitive cannot stand behind.

use std::fmt;

use jwt_compact::UntrustedToken;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::crypto::{b64url_decode, b64url_encode, sha256_hex};

#[cfg(not(target_arch = "wasm32"))]
pub use native::{issue_access_token, jwks, key_id, peek_claims, public_key, verify_access_token};

/// Access token lifetime.
pub const ACCESS_TOKEN_SECS: i64 = 3600;
/// How far in the future `iat` may be.
pub const IAT_SKEW_SECS: i64 = 60;
/// Longest token string we try to parse.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;
/// Prefix of authorization codes.
pub const CODE_PREFIX: &str = "dyc_";
/// Prefix of refresh tokens.
pub const REFRESH_PREFIX: &str = "dyr_";
/// Prefix of client secrets.
pub const CLIENT_SECRET_PREFIX: &str = "dys_";

const TYP: &str = "at+jwt";

/// The claims of an access token, serialized with exactly these names.
/// `grant_id` is our private claim: the key of the grant row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    /// User id of the member who authorized the client.
    pub sub: String,
    /// Canonical URL of the endpoint (draft or production).
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    /// Space-separated scopes granted at issue time (effective scopes are
    /// narrowed further by the member's current role on every request).
    pub scope: String,
    pub client_id: String,
    pub grant_id: String,
}

impl AccessClaims {
    /// The `scope` claim as a list.
    pub fn scopes(&self) -> Vec<String> {
        self.scope.split(' ').filter(|s| !s.is_empty()).map(str::to_string).collect()
    }
}

/// Why a token was not accepted (every variant means 401 `invalid_token`;
/// the variant goes to the audit log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Not three base64url parts, bad JSON, missing claims, too long.
    Malformed(String),
    /// `alg` is not `EdDSA` (e.g. `none`, `HS256`).
    Algorithm(String),
    /// `typ` is not `at+jwt`.
    WrongType(Option<String>),
    /// `kid` missing or not one of our keys (other issuer, retired key).
    UnknownKey(Option<String>),
    /// The signature does not verify (tampered, or forged with our `kid`).
    BadSignature,
    Expired {
        exp: i64,
        now: i64,
    },
    /// `iat` too far in the future.
    NotYetValid {
        iat: i64,
        now: i64,
    },
    WrongIssuer(String),
    /// `aud` is another endpoint (production token on draft, other project).
    WrongAudience(String),
    /// No signing key configured.
    NoKeys,
    /// Signing failed (should not happen with a valid seed).
    Signing(String),
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Malformed(why) => write!(f, "malformed token: {why}"),
            TokenError::Algorithm(alg) => write!(f, "token algorithm '{alg}' is not accepted (EdDSA only)"),
            TokenError::WrongType(typ) => write!(f, "token type {typ:?} is not at+jwt"),
            TokenError::UnknownKey(kid) => write!(f, "token key id {kid:?} is not one of ours"),
            TokenError::BadSignature => f.write_str("token signature does not verify"),
            TokenError::Expired { exp, now } => write!(f, "token expired at {exp} (now {now})"),
            TokenError::NotYetValid { iat, now } => write!(f, "token issued in the future ({iat}, now {now})"),
            TokenError::WrongIssuer(iss) => write!(f, "token issuer '{iss}' is not this server"),
            TokenError::WrongAudience(aud) => write!(f, "token audience '{aud}' is not this endpoint"),
            TokenError::NoKeys => f.write_str("no signing key configured"),
            TokenError::Signing(why) => write!(f, "signing failed: {why}"),
        }
    }
}

impl std::error::Error for TokenError {}

/// The `kid` of a public key: the first 16 base64url characters of its
/// SHA-256.
pub fn key_id_of(public_key: &[u8; 32]) -> String {
    let mut kid = b64url_encode(&Sha256::digest(public_key));
    kid.truncate(16);
    kid
}

/// The JWS signing input of an access token, `header.payload` (base64url),
/// to be signed with the key named `kid`: step 1 of issuing, step 2 is
/// [`with_signature`]. The signature primitive lives outside this module
/// (module docs, "Signing and verifying").
pub fn signing_input(kid: &str, claims: &AccessClaims) -> String {
    let header = json!({ "alg": "EdDSA", "kid": kid, "typ": TYP });
    let payload = serde_json::to_string(claims).unwrap_or_default();
    format!("{}.{}", b64url_encode(header.to_string().as_bytes()), b64url_encode(payload.as_bytes()))
}

/// The compact JWS: the signing input and its signature.
pub fn with_signature(signing_input: &str, signature: &[u8]) -> String {
    format!("{signing_input}.{}", b64url_encode(signature))
}

/// A token that passed MUST 1-3 of [`verify_access_token`]: still to check
/// are the signature (`signature` over `signing_input` with the key at
/// `key` in the list passed to [`parse_signed`]) and then the claims
/// ([`claims_of`], [`check_claims`]).
#[derive(Debug)]
pub struct Signed<'a> {
    pub key: usize,
    pub signing_input: &'a str,
    pub signature: Vec<u8>,
    payload: &'a str,
}

/// MUST 1-3: the token's shape, `alg`, `typ` and `kid`; `kids` are the key
/// ids of the configured keys, current first. The signature is not checked
/// here.
pub fn parse_signed<'a>(token: &'a str, kids: &[String]) -> Result<Signed<'a>, TokenError> {
    if kids.is_empty() {
        return Err(TokenError::NoKeys);
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed("token is too long".into()));
    }
    let untrusted = UntrustedToken::new(token).map_err(|e| TokenError::Malformed(e.to_string()))?;
    // MUST 1
    if untrusted.algorithm() != "EdDSA" {
        return Err(TokenError::Algorithm(untrusted.algorithm().to_string()));
    }
    // MUST 2
    let typ = untrusted.header().token_type.clone();
    if !typ.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(TYP) || t.eq_ignore_ascii_case("application/at+jwt")) {
        return Err(TokenError::WrongType(typ));
    }
    // MUST 3
    let kid = untrusted.header().key_id.clone();
    let Some(key) = kid.as_deref().and_then(|kid| kids.iter().position(|k| k == kid)) else {
        return Err(TokenError::UnknownKey(kid));
    };
    // UntrustedToken checked that there are exactly three parts.
    let (signing_input, _) = token.rsplit_once('.').ok_or_else(|| TokenError::Malformed("parts".into()))?;
    let payload = signing_input.split_once('.').map_or("", |(_, p)| p);
    Ok(Signed { key, signing_input, signature: untrusted.signature_bytes().to_vec(), payload })
}

/// The payload of a token whose signature verified, decoded with our own
/// claim names.
pub fn claims_of(signed: &Signed<'_>) -> Result<AccessClaims, TokenError> {
    let payload = b64url_decode(signed.payload).ok_or_else(|| TokenError::Malformed("payload".into()))?;
    serde_json::from_slice(&payload).map_err(|e| TokenError::Malformed(e.to_string()))
}

/// MUST 5-7 of [`verify_access_token`] on verified claims.
pub fn check_claims(claims: AccessClaims, issuer: &str, audience: &str, now: i64) -> Result<AccessClaims, TokenError> {
    // MUST 5
    if claims.exp <= now {
        return Err(TokenError::Expired { exp: claims.exp, now });
    }
    if claims.iat > now.saturating_add(IAT_SKEW_SECS) {
        return Err(TokenError::NotYetValid { iat: claims.iat, now });
    }
    // MUST 6
    if claims.iss != issuer {
        return Err(TokenError::WrongIssuer(claims.iss));
    }
    // MUST 7
    if claims.aud != audience {
        return Err(TokenError::WrongAudience(claims.aud));
    }
    Ok(claims)
}

/// `GET /.well-known/jwks.json`: every configured key (current and
/// previous), given as public keys.
pub fn jwks_of(public_keys: &[[u8; 32]]) -> Value {
    let mut keys: Vec<Value> = Vec::new();
    for pk in public_keys {
        let kid = key_id_of(pk);
        if keys.iter().any(|k| k["kid"] == kid.as_str()) {
            continue;
        }
        keys.push(json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64url_encode(pk),
            "kid": kid,
            "alg": "EdDSA",
            "use": "sig",
        }));
    }
    json!({ "keys": keys })
}

/// An opaque secret: `prefix` + base64url(`random`) (43 characters).
pub fn new_secret(prefix: &str, random: [u8; 32]) -> String {
    format!("{prefix}{}", b64url_encode(&random))
}

/// The storage key of a secret (`crypto::sha256_hex` of its text).
pub fn secret_hash(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

/// Does `s` have the shape of a secret minted by [`new_secret`] with `prefix`?
/// (Lets `/oauth/revoke` tell a refresh token from an access token.)
pub fn is_secret(prefix: &str, s: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|rest| rest.len() == 43 && b64url_decode(rest).is_some())
}

#[cfg(not(target_arch = "wasm32"))]
#[path = "tokens_native.rs"]
mod native;

#[cfg(test)]
#[path = "tokens_tests.rs"]
mod tests;
