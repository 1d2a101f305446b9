//! Access tokens in the Worker: the steps of `oauth::tokens` over WebCrypto's
//! Ed25519 (`crypto.subtle`, algorithm `Ed25519`), so the wasm carries no
//! Ed25519 code and the hot path's verification runs natively in the runtime.
//! Native builds compose the same steps over ed25519-compact
//! (`oauth/tokens_native.rs`); keep the two in step.
//!
//! Keys: a configured seed is imported once per isolate, as PKCS#8 (the
//! fixed RFC 8410 prefix and the 32-byte seed), for `sign`; its public key
//! comes from exporting that key as a JWK (`x`) and is imported again, raw,
//! for `verify`. Both keys, the public bytes and the `kid` are kept for the
//! isolate's life (at most 8 seeds: current and previous keys).
//!
//! A WebCrypto failure while verifying is a refused token
//! (`TokenError::Signing`, 401, detail in the audit code); while signing it is
//! a 500 at the caller.

use std::cell::RefCell;

use js_sys::{Reflect, Uint8Array};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::CryptoKey;

use super::{err, promise, subtle, usages};
use crate::crypto::{b64url_decode, ct_eq};
use crate::oauth::tokens::{
    check_claims, claims_of, jwks_of, key_id_of, parse_signed, signing_input, with_signature, AccessClaims, TokenError,
};

const ALG: &str = "Ed25519";
/// PKCS#8 `PrivateKeyInfo` for an Ed25519 seed (RFC 8410 §7), before the 32
/// seed bytes.
const PKCS8_PREFIX: [u8; 16] =
    [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

/// One configured seed, imported.
#[derive(Clone)]
struct Key {
    seed: [u8; 32],
    public: [u8; 32],
    kid: String,
    sign: CryptoKey,
    verify: CryptoKey,
}

thread_local! {
    static KEYS: RefCell<Vec<Key>> = const { RefCell::new(Vec::new()) };
}

async fn import(seed: &[u8; 32]) -> Result<Key, String> {
    let cached = KEYS.with(|k| k.borrow().iter().find(|k| ct_eq(&k.seed, seed)).cloned());
    if let Some(key) = cached {
        return Ok(key);
    }
    let subtle = subtle()?;
    let mut pkcs8 = PKCS8_PREFIX.to_vec();
    pkcs8.extend_from_slice(seed);
    let data = Uint8Array::from(pkcs8.as_slice());
    let sign =
        promise(subtle.import_key_with_str("pkcs8", &data, ALG, true, &usages(&["sign"])), "importKey pkcs8").await?;
    let sign: CryptoKey = sign.dyn_into().map_err(|e| err("importKey result", e))?;
    let jwk = promise(subtle.export_key("jwk", &sign), "exportKey jwk").await?;
    let x = Reflect::get(&jwk, &JsValue::from_str("x")).map_err(|e| err("jwk x", e))?.as_string().unwrap_or_default();
    let public: [u8; 32] =
        b64url_decode(&x).and_then(|b| b.try_into().ok()).ok_or_else(|| "exported jwk has no 32-byte x".to_string())?;
    let raw = Uint8Array::from(public.as_slice());
    let verify =
        promise(subtle.import_key_with_str("raw", &raw, ALG, false, &usages(&["verify"])), "importKey raw").await?;
    let verify: CryptoKey = verify.dyn_into().map_err(|e| err("importKey result", e))?;
    let key = Key { seed: *seed, public, kid: key_id_of(&public), sign, verify };
    KEYS.with(|k| {
        let mut k = k.borrow_mut();
        if k.iter().any(|c| ct_eq(&c.seed, seed)) {
            return; // imported meanwhile by a concurrent request
        }
        if k.len() >= 8 {
            k.remove(0);
        }
        k.push(key.clone());
    });
    Ok(key)
}

async fn import_all(seeds: &[[u8; 32]]) -> Result<Vec<Key>, String> {
    let mut keys = Vec::with_capacity(seeds.len());
    for seed in seeds {
        keys.push(import(seed).await?);
    }
    Ok(keys)
}

/// Sign `claims` with `seed` (EdDSA, header `kid` and `typ: at+jwt`).
pub async fn issue_access_token(seed: &[u8; 32], claims: &AccessClaims) -> Result<String, TokenError> {
    let key = import(seed).await.map_err(TokenError::Signing)?;
    let input = signing_input(&key.kid, claims);
    let subtle = subtle().map_err(TokenError::Signing)?;
    let signature = promise(subtle.sign_with_str_and_u8_array(ALG, &key.sign, input.as_bytes()), "sign")
        .await
        .map_err(TokenError::Signing)?;
    Ok(with_signature(&input, &Uint8Array::new(&signature).to_vec()))
}

/// Verify an access token for one endpoint: MUST 1-7 of
/// `oauth::tokens` (`parse_signed`, the signature here, `check_claims`).
pub async fn verify_access_token(
    token: &str,
    seeds: &[[u8; 32]],
    issuer: &str,
    audience: &str,
    now: i64,
) -> Result<AccessClaims, TokenError> {
    check_claims(verify_signed(token, seeds).await?, issuer, audience, now)
}

/// The claims of a token *we* signed for `issuer`, whatever its audience and
/// even if expired — for `/oauth/revoke` (RFC 7009). Never use this to
/// authorize a request.
pub async fn peek_claims(token: &str, seeds: &[[u8; 32]], issuer: &str) -> Option<AccessClaims> {
    verify_signed(token, seeds).await.ok().filter(|c| c.iss == issuer)
}

async fn verify_signed(token: &str, seeds: &[[u8; 32]]) -> Result<AccessClaims, TokenError> {
    let keys = import_all(seeds).await.map_err(TokenError::Signing)?;
    let kids: Vec<String> = keys.iter().map(|k| k.kid.clone()).collect();
    let signed = parse_signed(token, &kids)?;
    // MUST 4 (an Ed25519 signature is 64 bytes; WebCrypto would say false).
    if signed.signature.len() != 64 {
        return Err(TokenError::BadSignature);
    }
    let subtle = subtle().map_err(TokenError::Signing)?;
    let sig = Uint8Array::from(signed.signature.as_slice());
    let ok = promise(
        subtle.verify_with_str_and_u8_array_and_u8_slice(
            ALG,
            &keys[signed.key].verify,
            &sig,
            signed.signing_input.as_bytes(),
        ),
        "verify",
    )
    .await
    .map_err(TokenError::Signing)?;
    if ok.as_bool() != Some(true) {
        return Err(TokenError::BadSignature);
    }
    claims_of(&signed)
}

/// `GET /.well-known/jwks.json`: every configured key (current and previous).
pub async fn jwks(seeds: &[[u8; 32]]) -> Result<Value, String> {
    Ok(jwks_of(&import_all(seeds).await?.iter().map(|k| k.public).collect::<Vec<_>>()))
}
