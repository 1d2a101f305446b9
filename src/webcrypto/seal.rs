//! Encryption at rest with the runtime's WebCrypto (wasm32 only): AES-256-GCM
//! under keys derived from `SECRETS_KEY` with HKDF-SHA-256, one key per
//! purpose label. Used for audit payloads; the data-tools issue reuses it for
//! project secrets.
//!
//! The API:
//! - [`derive_key`]`(secrets_key, purpose)` — HKDF(salt `"dockyard"`, info
//!   `purpose`), cached per isolate and purpose, not extractable;
//! - [`encrypt`]`(key, plaintext, aad)` -> `v1.<b64url iv>.<b64url ciphertext>`
//!   (a fresh 96-bit IV per call; the 128-bit tag is part of the ciphertext);
//! - [`decrypt`]`(key, sealed, aad)` -> the plaintext, or an error for a
//!   tampered text, a wrong key or wrong `aad`.
//!
//! `aad` (additional authenticated data) binds a ciphertext to where it is
//! stored (e.g. the record id), so a ciphertext copied into another row does
//! not decrypt.

use super::{bytes, err, object, promise, subtle, usages};
use crate::crypto::{b64url_decode, b64url_encode, random_bytes, sha256_hex};
use js_sys::{Object, Uint8Array};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::CryptoKey;

thread_local! {
    /// (hash of the key material, purpose) -> derived key.
    static KEYS: RefCell<HashMap<(String, String), CryptoKey>> = RefCell::new(HashMap::new());
}

/// The AES-256-GCM key for `purpose` (cached per isolate).
pub async fn derive_key(secrets_key: &[u8], purpose: &str) -> Result<CryptoKey, String> {
    let cache_key = (sha256_hex(secrets_key), purpose.to_string());
    if let Some(k) = KEYS.with(|k| k.borrow().get(&cache_key).cloned()) {
        return Ok(k);
    }
    let subtle = subtle()?;
    let raw = Uint8Array::from(secrets_key);
    let base =
        promise(subtle.import_key_with_str("raw", &raw, "HKDF", false, &usages(&["deriveKey"])), "importKey").await?;
    let base: CryptoKey = base.dyn_into().map_err(|e| err("importKey result", e))?;
    let hkdf = object(&[
        ("name", JsValue::from_str("HKDF")),
        ("hash", JsValue::from_str("SHA-256")),
        ("salt", bytes(b"dockyard")),
        ("info", bytes(purpose.as_bytes())),
    ])?;
    let aes = object(&[("name", JsValue::from_str("AES-GCM")), ("length", JsValue::from_f64(256.0))])?;
    let key = promise(
        subtle.derive_key_with_object_and_object(&hkdf, &base, &aes, false, &usages(&["encrypt", "decrypt"])),
        "deriveKey",
    )
    .await?;
    let key: CryptoKey = key.dyn_into().map_err(|e| err("deriveKey result", e))?;
    KEYS.with(|k| k.borrow_mut().insert(cache_key, key.clone()));
    Ok(key)
}

fn gcm(iv: &[u8], aad: &[u8]) -> Result<Object, String> {
    object(&[
        ("name", JsValue::from_str("AES-GCM")),
        ("iv", bytes(iv)),
        ("additionalData", bytes(aad)),
        ("tagLength", JsValue::from_f64(128.0)),
    ])
}

/// Seals `plaintext`: `v1.<iv>.<ciphertext>` (base64url).
pub async fn encrypt(key: &CryptoKey, plaintext: &[u8], aad: &[u8]) -> Result<String, String> {
    let iv: [u8; 12] = random_bytes();
    let out = promise(subtle()?.encrypt_with_object_and_u8_array(&gcm(&iv, aad)?, key, plaintext), "encrypt").await?;
    let ct = Uint8Array::new(&out).to_vec();
    Ok(format!("v1.{}.{}", b64url_encode(&iv), b64url_encode(&ct)))
}

/// Opens what [`encrypt`] sealed under the same key and `aad`.
pub async fn decrypt(key: &CryptoKey, sealed: &str, aad: &[u8]) -> Result<Vec<u8>, String> {
    let mut parts = sealed.split('.');
    let (Some("v1"), Some(iv), Some(ct), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err("not a sealed value of this format".into());
    };
    let iv = b64url_decode(iv).filter(|iv| iv.len() == 12).ok_or("bad iv")?;
    let ct = b64url_decode(ct).ok_or("bad ciphertext")?;
    let out = promise(subtle()?.decrypt_with_object_and_u8_array(&gcm(&iv, aad)?, key, &ct), "decrypt").await?;
    Ok(Uint8Array::new(&out).to_vec())
}
