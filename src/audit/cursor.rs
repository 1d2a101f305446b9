//! Opaque page cursors, bound to the org (or member) and the filter.
//!
//! A cursor is `base64url(JSON {s, f, a, i}) . base64url(HMAC-SHA-256[..16])`
//! under a key derived from `SECRETS_KEY` ([`cursor_key`]): `s` the scope
//! label (`org:<id>` / `me:<user id>`), `f` the SHA-256 of the filter's
//! fingerprint, `a` and `i` the `at` and `id` of the last record of the page.
//!
//! Why signed: a cursor is the only page input a client cannot read
//! directly, and the keyset it holds must not be steered by hand. The MAC
//! tells a forged or edited cursor (400, naming `cursor`) from a genuine one
//! of another org (404, like the other org's records: nothing leaks), and a
//! genuine cursor reused with other filters is a 400 too (it would skip or
//! repeat records silently).

use serde::{Deserialize, Serialize};

use super::query::Position;
use crate::crypto::{b64url_decode, b64url_encode, ct_eq, hmac_sha256, sha256_hex};

/// Why a presented cursor is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorError {
    /// Not ours, or edited: 400.
    Forged,
    /// Genuine, but of another org or member: 404.
    Foreign,
    /// Genuine, of this scope, but for other filters: 400.
    OtherFilter,
}

impl CursorError {
    pub fn message(self) -> &'static str {
        match self {
            CursorError::Forged => "is not a cursor this server issued",
            CursorError::Foreign => "no such page",
            CursorError::OtherFilter => "belongs to a listing with other filters; start again without it",
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Body {
    s: String,
    f: String,
    a: i64,
    i: String,
}

/// The cursor MAC key, derived from `SECRETS_KEY` for this one purpose.
pub fn cursor_key(secrets_key: &[u8]) -> [u8; 32] {
    hmac_sha256(secrets_key, b"dockyard/audit-cursor/v1")
}

fn mac(key: &[u8], body: &str) -> [u8; 32] {
    hmac_sha256(key, body.as_bytes())
}

pub fn encode(key: &[u8], scope: &str, fingerprint: &str, pos: &Position) -> String {
    let body = Body { s: scope.into(), f: sha256_hex(fingerprint.as_bytes()), a: pos.at, i: pos.id.clone() };
    let body = b64url_encode(serde_json::to_string(&body).unwrap_or_default().as_bytes());
    let tag = mac(key, &body);
    format!("{body}.{}", b64url_encode(&tag[..16]))
}

pub fn decode(key: &[u8], scope: &str, fingerprint: &str, cursor: &str) -> Result<Position, CursorError> {
    if cursor.len() > 1000 {
        return Err(CursorError::Forged);
    }
    let (body, tag) = cursor.split_once('.').ok_or(CursorError::Forged)?;
    let tag = b64url_decode(tag).ok_or(CursorError::Forged)?;
    if !ct_eq(&mac(key, body)[..16], &tag) {
        return Err(CursorError::Forged);
    }
    let bytes = b64url_decode(body).ok_or(CursorError::Forged)?;
    let body: Body = serde_json::from_slice(&bytes).map_err(|_| CursorError::Forged)?;
    if !ct_eq(body.s.as_bytes(), scope.as_bytes()) {
        return Err(CursorError::Foreign);
    }
    if body.f != sha256_hex(fingerprint.as_bytes()) {
        return Err(CursorError::OtherFilter);
    }
    Ok(Position { at: body.a, id: body.i })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"cursor test key";

    fn pos() -> Position {
        Position { at: 1_700_000_000_123, id: "req_00112233445566778899aabbccddeeff".into() }
    }

    #[test]
    fn round_trips_and_is_opaque_ascii() {
        let c = encode(KEY, "org:org_1", "{}", &pos());
        assert!(c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'), "{c}");
        assert_eq!(decode(KEY, "org:org_1", "{}", &c), Ok(pos()));
    }

    #[test]
    fn foreign_forged_and_other_filters() {
        let c = encode(KEY, "org:org_1", "{}", &pos());
        assert_eq!(decode(KEY, "org:org_2", "{}", &c), Err(CursorError::Foreign));
        assert_eq!(decode(KEY, "me:usr_1", "{}", &c), Err(CursorError::Foreign));
        assert_eq!(decode(KEY, "org:org_1", r#"{"project":"x"}"#, &c), Err(CursorError::OtherFilter));
        assert_eq!(decode(b"another key", "org:org_1", "{}", &c), Err(CursorError::Forged));
        // Editing the body (pointing the keyset elsewhere) breaks the MAC.
        let (body, tag) = c.split_once('.').unwrap();
        let mut json: serde_json::Value = serde_json::from_slice(&b64url_decode(body).unwrap()).unwrap();
        json["a"] = serde_json::json!(9_999_999_999_999_i64);
        let edited = format!("{}.{tag}", b64url_encode(json.to_string().as_bytes()));
        assert_eq!(decode(KEY, "org:org_1", "{}", &edited), Err(CursorError::Forged));
        for bad in ["", ".", "abc", "abc.def", "!!.!!", &"a".repeat(2000), &format!("{body}.")] {
            assert_eq!(decode(KEY, "org:org_1", "{}", bad), Err(CursorError::Forged), "{bad}");
        }
    }

    #[test]
    fn the_key_is_derived_per_purpose() {
        assert_ne!(cursor_key(b"secrets key material 0123456789ab"), [0; 32]);
        assert_ne!(cursor_key(b"a").to_vec(), hmac_sha256(b"a", b"dockyard mcp session v1").to_vec());
    }
}
