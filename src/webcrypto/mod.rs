//! The runtime's WebCrypto (`crypto.subtle`) from the wasm glue (wasm32
//! only): the shared accessor and the small JS conversions every use needs.
//! Each use is a submodule with a clean API:
//! - [`seal`]: AES-256-GCM encryption at rest under keys derived from
//!   `SECRETS_KEY` (audit payloads now, project secrets with data tools).
//!
//! Why WebCrypto and not Rust crates: the runtime already has constant-time,
//! hardware-accelerated implementations, and they cost the wasm bundle
//! nothing. What stays in Rust (`crate::crypto`: SHA-256, HMAC) is what must
//! be synchronous.

use js_sys::futures::JsFuture;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::SubtleCrypto;

pub mod seal;

/// A JS failure as text, naming the step.
pub(crate) fn err(what: &str, e: JsValue) -> String {
    format!("{what}: {}", e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

/// The runtime's `crypto.subtle`.
pub(crate) fn subtle() -> Result<SubtleCrypto, String> {
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).map_err(|e| err("no crypto", e))?;
    let crypto: web_sys::Crypto = crypto.dyn_into().map_err(|e| err("crypto is not Crypto", e))?;
    Ok(crypto.subtle())
}

/// A plain JS object (WebCrypto's algorithm parameters).
pub(crate) fn object(pairs: &[(&str, JsValue)]) -> Result<Object, String> {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).map_err(|e| err("params", e))?;
    }
    Ok(o)
}

/// A byte string as a `Uint8Array`.
pub(crate) fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

/// A key-usages array (`["encrypt", "decrypt"]`).
pub(crate) fn usages(list: &[&str]) -> JsValue {
    list.iter().map(|u| JsValue::from_str(u)).collect::<Array>().into()
}

/// Awaits a WebCrypto promise (or its synchronous refusal).
pub(crate) async fn promise(p: Result<js_sys::Promise, JsValue>, what: &str) -> Result<JsValue, String> {
    JsFuture::from(p.map_err(|e| err(what, e))?).await.map_err(|e| err(what, e))
}
