//! Access tokens in native builds (`cargo test`, the fuzz targets): the
//! steps of `oauth::tokens` over ed25519-compact. The Worker composes the
//! same steps over WebCrypto (`webcrypto::jwt`); keep the two in step.

use std::cell::RefCell;

use ed25519_compact::{KeyPair, PublicKey, Seed, Signature};
use serde_json::Value;

use super::{check_claims, claims_of, jwks_of, key_id_of, parse_signed, signing_input, with_signature};
use super::{AccessClaims, TokenError};
use crate::crypto::ct_eq;

thread_local! {
    /// seed -> public key (a scalar multiplication each; at most 8 kept).
    static PUBLIC_KEYS: RefCell<Vec<([u8; 32], [u8; 32])>> = const { RefCell::new(Vec::new()) };
}

/// The Ed25519 public key of a 32-byte seed.
pub fn public_key(seed: &[u8; 32]) -> [u8; 32] {
    let cached = PUBLIC_KEYS.with(|c| c.borrow().iter().find(|(s, _)| ct_eq(s, seed)).map(|(_, pk)| *pk));
    if let Some(pk) = cached {
        return pk;
    }
    let pk = *KeyPair::from_seed(Seed::new(*seed)).pk;
    PUBLIC_KEYS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= 8 {
            c.remove(0);
        }
        c.push((*seed, pk));
    });
    pk
}

/// The `kid` of a seed (`key_id_of` its public key).
pub fn key_id(seed: &[u8; 32]) -> String {
    key_id_of(&public_key(seed))
}

/// Sign `claims` with `seed` (EdDSA, header `kid` and `typ: at+jwt`).
pub fn issue_access_token(seed: &[u8; 32], claims: &AccessClaims) -> Result<String, TokenError> {
    let input = signing_input(&key_id(seed), claims);
    let signature = KeyPair::from_seed(Seed::new(*seed)).sk.sign(input.as_bytes(), None);
    Ok(with_signature(&input, signature.as_ref()))
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
    check_claims(verify_signed(token, seeds)?, issuer, audience, now)
}

/// The claims of a token *we* signed for `issuer`, whatever its audience and
/// even if expired — for `/oauth/revoke` (RFC 7009). Never use this to
/// authorize a request.
pub fn peek_claims(token: &str, seeds: &[[u8; 32]], issuer: &str) -> Option<AccessClaims> {
    verify_signed(token, seeds).ok().filter(|c| c.iss == issuer)
}

/// MUST 1-4, then the payload.
fn verify_signed(token: &str, seeds: &[[u8; 32]]) -> Result<AccessClaims, TokenError> {
    let kids: Vec<String> = seeds.iter().map(key_id).collect();
    let signed = parse_signed(token, &kids)?;
    // MUST 4
    let pk = PublicKey::new(public_key(&seeds[signed.key]));
    let signature = Signature::from_slice(&signed.signature).map_err(|_| TokenError::BadSignature)?;
    pk.verify(signed.signing_input.as_bytes(), &signature).map_err(|_| TokenError::BadSignature)?;
    claims_of(&signed)
}

/// `GET /.well-known/jwks.json` for seeds.
pub fn jwks(seeds: &[[u8; 32]]) -> Value {
    jwks_of(&seeds.iter().map(public_key).collect::<Vec<_>>())
}
