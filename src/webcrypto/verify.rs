//! JWS signature verification with WebCrypto, for `private_key_jwt` client
//! assertions (`oauth::client_assertion` decides everything else: the alg
//! allow-list, which key, the signature length, the claims).
//!
//! - RS256: `RSASSA-PKCS1-v1_5` with SHA-256; PS256: `RSA-PSS` with SHA-256
//!   and a 32-byte salt (RFC 7518 §3.5); ES256: `ECDSA` on P-256 with
//!   SHA-256. JWS ES256 signatures are raw `r || s` (64 bytes, RFC 7518
//!   §3.4), which is exactly WebCrypto's ECDSA signature format, so no DER
//!   conversion happens (the pure module refuses any other length).
//! - The key is imported from the JWK `Jwk::import_form` builds (public
//!   members only, `alg` set), not extractable, for `verify` only. Imports are
//!   not cached: an assertion is verified once per token request.
//! - `Ok(false)` is a signature that does not verify; `Err` is a key WebCrypto
//!   will not import (for the log; the caller answers `invalid_client`).

use super::{err, object, promise, subtle, usages};
use crate::oauth::client_assertion::Alg;
use js_sys::{Object, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::CryptoKey;

fn import_params(alg: Alg) -> Result<Object, String> {
    let sha256 = JsValue::from_str("SHA-256");
    match alg {
        Alg::Rs256 => object(&[("name", "RSASSA-PKCS1-v1_5".into()), ("hash", sha256)]),
        Alg::Ps256 => object(&[("name", "RSA-PSS".into()), ("hash", sha256)]),
        Alg::Es256 => object(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())]),
    }
}

fn verify_params(alg: Alg) -> Result<Object, String> {
    match alg {
        Alg::Rs256 => object(&[("name", "RSASSA-PKCS1-v1_5".into())]),
        Alg::Ps256 => object(&[("name", "RSA-PSS".into()), ("saltLength", JsValue::from_f64(32.0))]),
        Alg::Es256 => object(&[("name", "ECDSA".into()), ("hash", "SHA-256".into())]),
    }
}

/// Does `signature` over `signing_input` verify under the public `jwk`?
pub async fn verify(alg: Alg, jwk: &serde_json::Value, signing_input: &[u8], signature: &[u8]) -> Result<bool, String> {
    let subtle = subtle()?;
    let key_data: Object =
        js_sys::JSON::parse(&jwk.to_string()).map_err(|e| err("jwk", e))?.dyn_into().map_err(|e| err("jwk", e))?;
    let key = promise(
        subtle.import_key_with_object("jwk", &key_data, &import_params(alg)?, false, &usages(&["verify"])),
        "importKey",
    )
    .await?;
    let key: CryptoKey = key.dyn_into().map_err(|e| err("importKey result", e))?;
    let sig = Uint8Array::from(signature);
    let ok = promise(
        subtle.verify_with_object_and_u8_array_and_u8_slice(&verify_params(alg)?, &key, &sig, signing_input),
        "verify",
    )
    .await?;
    Ok(ok.as_bool() == Some(true))
}
