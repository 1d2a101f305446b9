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

use std::cell::RefCell;
use std::fmt;

use jwt_compact::alg::{Ed25519, SigningKey, VerifyingKey};
use jwt_compact::{Algorithm, AlgorithmExt, Claims, Empty, Header, UntrustedToken, ValidationError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::crypto::{b64url_decode, b64url_encode, ct_eq, sha256_hex};

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

type SecretKey = <Ed25519 as Algorithm>::SigningKey;
type PublicKey = <Ed25519 as Algorithm>::VerifyingKey;

thread_local! {
    /// seed -> public key. Deriving a public key costs a scalar
    /// multiplication; the hot path verifies with the same few seeds, so the
    /// result is kept for the isolate's life (at most 8 entries).
    static PUBLIC_KEYS: RefCell<Vec<([u8; 32], [u8; 32])>> = const { RefCell::new(Vec::new()) };
}

fn public_key(seed: &[u8; 32]) -> [u8; 32] {
    let cached = PUBLIC_KEYS.with(|c| c.borrow().iter().find(|(s, _)| ct_eq(s, seed)).map(|(_, pk)| *pk));
    if let Some(pk) = cached {
        return pk;
    }
    let pk = *ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new(*seed)).pk;
    PUBLIC_KEYS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= 8 {
            c.remove(0);
        }
        c.push((*seed, pk));
    });
    pk
}

/// The `kid` of a seed: first 16 base64url characters of SHA-256 of its
/// public key.
pub fn key_id(seed: &[u8; 32]) -> String {
    let mut kid = b64url_encode(&Sha256::digest(public_key(seed)));
    kid.truncate(16);
    kid
}

/// Sign `claims` with `seed` (EdDSA, header `kid` and `typ: at+jwt`).
pub fn issue_access_token(seed: &[u8; 32], claims: &AccessClaims) -> Result<String, TokenError> {
    let mut keypair = [0u8; 64];
    keypair[..32].copy_from_slice(seed);
    keypair[32..].copy_from_slice(&public_key(seed));
    let key =
        <SecretKey as SigningKey<Ed25519>>::from_slice(&keypair).map_err(|e| TokenError::Signing(e.to_string()))?;
    let header = Header::empty().with_key_id(key_id(seed)).with_token_type(TYP);
    Ed25519.token(&header, &Claims::new(claims.clone()), &key).map_err(|e| TokenError::Signing(e.to_string()))
}

/// Verify an access token for one endpoint.
///
/// MUST 1: `alg` is `EdDSA` (never `none`). MUST 2: `typ` is `at+jwt`.
/// MUST 3: `kid` names one of `seeds` (current first, then previous keys).
/// MUST 4: the signature verifies. MUST 5: `exp > now`. MUST 6: `iss` equals
/// `issuer`. MUST 7: `aud` equals `audience` exactly (RFC 8707).
pub fn verify_access_token(
    token: &str,
    seeds: &[[u8; 32]],
    issuer: &str,
    audience: &str,
    now: i64,
) -> Result<AccessClaims, TokenError> {
    let claims = verify_signed(token, seeds)?;
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

/// The claims of a token *we* signed for `issuer`, whatever its audience and
/// even if expired — for `/oauth/revoke` (RFC 7009: revoking an access token
/// revokes its grant). Never use this to authorize a request.
pub fn peek_claims(token: &str, seeds: &[[u8; 32]], issuer: &str) -> Option<AccessClaims> {
    verify_signed(token, seeds).ok().filter(|c| c.iss == issuer)
}

/// MUST 1–4 of [`verify_access_token`]: header, key and signature; then the
/// payload decoded with our claim names.
fn verify_signed(token: &str, seeds: &[[u8; 32]]) -> Result<AccessClaims, TokenError> {
    if seeds.is_empty() {
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
    let Some(seed) = kid.as_deref().and_then(|kid| seeds.iter().find(|s| key_id(s) == kid)) else {
        return Err(TokenError::UnknownKey(kid));
    };
    // MUST 4
    let key = <PublicKey as VerifyingKey<Ed25519>>::from_slice(&public_key(seed))
        .map_err(|e| TokenError::Signing(e.to_string()))?;
    Ed25519.validator::<Empty>(&key).validate(&untrusted).map_err(|e| match e {
        ValidationError::InvalidSignature
        | ValidationError::InvalidSignatureLen { .. }
        | ValidationError::MalformedSignature(_) => TokenError::BadSignature,
        other => TokenError::Malformed(other.to_string()),
    })?;
    // The signed payload, decoded with our own claim names.
    let payload =
        token.split('.').nth(1).and_then(b64url_decode).ok_or_else(|| TokenError::Malformed("payload".into()))?;
    serde_json::from_slice(&payload).map_err(|e| TokenError::Malformed(e.to_string()))
}

/// `GET /.well-known/jwks.json`: every configured key (current and previous).
pub fn jwks(seeds: &[[u8; 32]]) -> Value {
    let mut keys: Vec<Value> = Vec::new();
    for seed in seeds {
        let kid = key_id(seed);
        if keys.iter().any(|k| k["kid"] == kid.as_str()) {
            continue;
        }
        keys.push(json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64url_encode(&public_key(seed)),
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

#[cfg(test)]
#[path = "tokens_tests.rs"]
mod tests;
