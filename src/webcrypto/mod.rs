//! The runtime's WebCrypto (`crypto.subtle`), wasm32 only: the shared
//! accessor and the small helpers every WebCrypto call needs (parameter
//! objects, byte arrays, usage lists, awaiting a promise with a readable
//! error).
//!
//! Why WebCrypto: the runtime already has constant-time, native RSA, ECDSA
//! and AES implementations; calling them costs the wasm bundle nothing,
//! where an RSA crate would add its bignum code.
//!
//! - [`verify`]: JWS signature verification (RS256, PS256, ES256) with a
//!   public JWK, for `private_key_jwt` client assertions;
//! - [`jwt`]: Ed25519 signing and verification of our access tokens (the
//!   steps of `oauth::tokens`), keys imported once per isolate;
//! - [`seal`]: AES-256-GCM encryption at rest under keys derived from
//!   `SECRETS_KEY` with HKDF (audit payloads now, project secrets with data
//!   tools).

use js_sys::futures::JsFuture;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::SubtleCrypto;

pub mod jwt;
pub mod seal;
pub mod verify;

/// A WebCrypto error as text (for the log; never shown to a caller).
pub fn err(what: &str, e: JsValue) -> String {
    format!("{what}: {}", e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

/// `globalThis.crypto.subtle`.
pub fn subtle() -> Result<SubtleCrypto, String> {
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).map_err(|e| err("no crypto", e))?;
    let crypto: web_sys::Crypto = crypto.dyn_into().map_err(|e| err("crypto is not Crypto", e))?;
    Ok(crypto.subtle())
}

/// A parameter object from name/value pairs.
pub fn object(pairs: &[(&str, JsValue)]) -> Result<Object, String> {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).map_err(|e| err("params", e))?;
    }
    Ok(o)
}

/// A byte string as a `Uint8Array`.
pub fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

/// A key-usages list (`["verify"]`).
pub fn usages(list: &[&str]) -> JsValue {
    list.iter().map(|u| JsValue::from_str(u)).collect::<Array>().into()
}

/// Awaits a WebCrypto promise; `what` names the call in the error.
pub async fn promise(p: Result<js_sys::Promise, JsValue>, what: &str) -> Result<JsValue, String> {
    JsFuture::from(p.map_err(|e| err(what, e))?).await.map_err(|e| err(what, e))
}
