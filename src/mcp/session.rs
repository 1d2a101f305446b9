//! Legacy (2025-era) `Mcp-Session-Id` values as stateless signed tokens.
//!
//! Why signed instead of stored: the spec lets a server be stateless per
//! request ("a session id can be a signed token"), and a token that proves
//! itself needs no storage read on the hot path. The only state is the set
//! of sessions a client ended with DELETE, which the glue keeps (by hash)
//! and the engine consults through `EngineEnv::is_session_ended`.
//!
//! Format: `v1.<issued-unix-secs>.<nonce>.<mac>` where `nonce` is 16 random
//! bytes and `mac` is HMAC-SHA-256 under the session key over a
//! domain-separated string naming the endpoint URL, the issue time and the
//! nonce (both base64url, no padding). Only visible ASCII (MUST: 0x21–0x7E).
//! Binding the endpoint URL into the MAC means an id minted on a project's
//! draft endpoint is "not found" (404) on production or on another project.
//!
//! A session carries no authority: every request still presents its own
//! bearer token, so a leaked session id lets nobody in. Ids expire after
//! [`SESSION_MAX_AGE_SECS`]; the glue may forget ended ids after that long.

use crate::crypto::{b64url_decode, b64url_encode, ct_eq, hmac_sha256, random_bytes};

/// Thirty days: longer than any conversation, short enough to bound the
/// ended-session records the glue keeps.
pub const SESSION_MAX_AGE_SECS: u64 = 30 * 24 * 60 * 60;
/// Clock skew tolerated for an id issued "in the future" by another isolate.
const MAX_SKEW_SECS: u64 = 300;
/// Longer values are rejected before any parsing.
const MAX_LEN: usize = 200;

/// Why a presented session id is not a live session of this endpoint. The
/// client sees the same 404 for each; the variants are for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionError {
    /// Not of our format at all.
    Malformed,
    /// Forged, or minted for another endpoint.
    BadSignature,
    /// Older than [`SESSION_MAX_AGE_SECS`].
    Expired,
    /// Issued implausibly far in the future.
    FromFuture,
}

fn mac_input(endpoint_url: &str, issued: u64, nonce_b64: &str) -> Vec<u8> {
    format!("dockyard/mcp-session/v1\n{endpoint_url}\n{issued}\n{nonce_b64}").into_bytes()
}

/// A new session id for `endpoint_url`.
pub fn issue(session_key: &[u8], endpoint_url: &str, now_secs: u64) -> String {
    issue_with_nonce(session_key, endpoint_url, now_secs, random_bytes())
}

/// [`issue`] with a given nonce (deterministic, for tests).
pub fn issue_with_nonce(session_key: &[u8], endpoint_url: &str, now_secs: u64, nonce: [u8; 16]) -> String {
    let nonce_b64 = b64url_encode(&nonce);
    let mac = hmac_sha256(session_key, &mac_input(endpoint_url, now_secs, &nonce_b64));
    format!("v1.{now_secs}.{nonce_b64}.{}", b64url_encode(&mac))
}

/// Checks `id` against this endpoint; `Ok(issued_secs)` when valid.
pub fn verify(session_key: &[u8], endpoint_url: &str, now_secs: u64, id: &str) -> Result<u64, SessionError> {
    if id.len() > MAX_LEN {
        return Err(SessionError::Malformed);
    }
    let mut parts = id.split('.');
    let (Some("v1"), Some(issued), Some(nonce_b64), Some(mac_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SessionError::Malformed);
    };
    if issued.is_empty() || !issued.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SessionError::Malformed);
    }
    let issued_secs: u64 = issued.parse().map_err(|_| SessionError::Malformed)?;
    // Canonical decimal only, so one session has exactly one spelling.
    if issued_secs.to_string() != issued {
        return Err(SessionError::Malformed);
    }
    let nonce = b64url_decode(nonce_b64).ok_or(SessionError::Malformed)?;
    let mac = b64url_decode(mac_b64).ok_or(SessionError::Malformed)?;
    if nonce.len() != 16 || mac.len() != 32 {
        return Err(SessionError::Malformed);
    }
    let expected = hmac_sha256(session_key, &mac_input(endpoint_url, issued_secs, nonce_b64));
    if !ct_eq(&expected, &mac) {
        return Err(SessionError::BadSignature);
    }
    if issued_secs > now_secs.saturating_add(MAX_SKEW_SECS) {
        return Err(SessionError::FromFuture);
    }
    if now_secs.saturating_sub(issued_secs) > SESSION_MAX_AGE_SECS {
        return Err(SessionError::Expired);
    }
    Ok(issued_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"test session key";
    const DRAFT: &str = "https://mcp.example.com/acme/shop/draft";
    const PROD: &str = "https://mcp.example.com/acme/shop";

    #[test]
    fn issued_ids_verify_and_are_visible_ascii() {
        let id = issue(KEY, DRAFT, 1_000);
        assert!(id.bytes().all(|b| (0x21..=0x7e).contains(&b)), "{id}");
        assert_eq!(verify(KEY, DRAFT, 1_500, &id), Ok(1_000));
        assert_ne!(issue(KEY, DRAFT, 1_000), id, "nonces differ");
    }

    #[test]
    fn bound_to_endpoint_and_key() {
        let id = issue(KEY, DRAFT, 1_000);
        assert_eq!(verify(KEY, PROD, 1_000, &id), Err(SessionError::BadSignature));
        assert_eq!(verify(b"other key", DRAFT, 1_000, &id), Err(SessionError::BadSignature));
    }

    #[test]
    fn forgeries_and_tampering_fail() {
        let id = issue_with_nonce(KEY, DRAFT, 1_000, [7; 16]);
        let parts: Vec<&str> = id.split('.').collect();
        let later = format!("v1.2000.{}.{}", parts[2], parts[3]);
        assert_eq!(verify(KEY, DRAFT, 2_000, &later), Err(SessionError::BadSignature));
        let zero_padded = format!("v1.01000.{}.{}", parts[2], parts[3]);
        assert_eq!(verify(KEY, DRAFT, 1_000, &zero_padded), Err(SessionError::Malformed));
        for bad in ["", "v1", "v2.1.a.b", "v1.x.a.b", "v1.1.a.b.c", "not-a-session", &"v".repeat(500)] {
            assert_eq!(verify(KEY, DRAFT, 1_000, bad), Err(SessionError::Malformed), "{bad}");
        }
        let mut flipped = id.clone().into_bytes();
        let last = flipped.len() - 2;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert!(verify(KEY, DRAFT, 1_000, &flipped).is_err());
    }

    #[test]
    fn lifetime() {
        let id = issue(KEY, DRAFT, 1_000);
        assert_eq!(verify(KEY, DRAFT, 1_000 + SESSION_MAX_AGE_SECS, &id), Ok(1_000));
        assert_eq!(verify(KEY, DRAFT, 1_001 + SESSION_MAX_AGE_SECS, &id), Err(SessionError::Expired));
        assert_eq!(verify(KEY, DRAFT, 1_000 - 301, &id), Err(SessionError::FromFuture));
        assert_eq!(verify(KEY, DRAFT, 1_000 - 300, &id), Ok(1_000));
    }
}
