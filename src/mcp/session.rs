//! Legacy (2025-era) `Mcp-Session-Id` values as stateless signed tokens.
//!
//! Why signed instead of stored: the spec lets a server be stateless per
//! request ("a session id can be a signed token"), and a token that proves
//! itself needs no storage read on the hot path. The only state is the set
//! of sessions a client ended with DELETE, which the glue keeps (by hash)
//! and the engine consults through `EngineEnv::is_session_ended`.
//!
//! Format: `v2.<issued-unix-secs>.<nonce>.<host>.<mac>` where `nonce` is 16
//! random bytes, `host` is base64url of the JSON `[name, version]` of the
//! `clientInfo` the client sent in `initialize` (or `-` without one), and
//! `mac` is HMAC-SHA-256 under the holder's session key over a
//! domain-separated string naming the endpoint URL, the issue time, the
//! nonce and the host (all base64url, no padding). Only visible ASCII (MUST:
//! 0x21–0x7E). Binding the endpoint URL into the MAC means an id minted on a
//! project's draft endpoint is "not found" (404) on production or on another
//! project.
//!
//! Bound to its holder (MCP security best practices, session hijacking:
//! "bind session IDs to user-specific information"): the key an id is signed
//! under is [`holder_key`], derived from the endpoint session key and the
//! [`Holder`] — the grant of the access token that opened the session, or
//! [`Holder::Anonymous`] for a tokenless caller of a public project. The
//! glue passes that key as the engine's session key, so the engine and the
//! audit check ids exactly as before, and an id presented with another
//! grant's token fails its MAC: "not found" (404, as for an unknown
//! session), for POST, GET and DELETE alike, so nobody else can use or end
//! it. Decisions:
//! - the grant, not the user: a grant is one member *through one app*, so
//!   another app of the same member cannot ride the session either, and a
//!   refresh keeps the grant (the session survives token rotation);
//! - anonymous callers of a public project share one holder: there is no
//!   user to bind to, and such a session grants nothing anybody could not
//!   get without it. An anonymous id is 404 with a token, and the reverse;
//! - no stored state: the holder rides in the key, not in the id, so the id
//!   format did not change (ids minted before the binding, under the bare
//!   endpoint key, are now unknown: a host re-initializes on the 404, as the
//!   spec requires of it). The older `v1.<issued>.<nonce>.<mac>` ids were
//!   dropped with it.
//!
//! Why the host is in the id: the legacy era sends `clientInfo` only once,
//! in `initialize`, but the audit log records `host_name` / `host_version`
//! on every request of the session. A signed id carries it without storage.
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
const MAX_LEN: usize = 400;
/// `clientInfo` name and version are cut to this many characters.
const MAX_HOST_NAME: usize = 64;
const MAX_HOST_VERSION: usize = 32;

/// A host's `clientInfo` (`name`, `version`), as carried in a session id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostInfo {
    pub name: String,
    pub version: String,
}

impl HostInfo {
    /// From a `clientInfo` object; `None` without a string `name`. Both parts
    /// are cut to a bounded length (they are the client's free text).
    pub fn from_client_info(info: &serde_json::Value) -> Option<HostInfo> {
        let name = info.get("name")?.as_str()?;
        let version = info.get("version").and_then(|v| v.as_str()).unwrap_or("");
        Some(HostInfo {
            name: name.chars().take(MAX_HOST_NAME).collect(),
            version: version.chars().take(MAX_HOST_VERSION).collect(),
        })
    }
}

/// Who a session belongs to (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder<'a> {
    /// The grant named by the caller's verified access token.
    Grant(&'a str),
    /// A caller without a token (public projects only).
    Anonymous,
}

impl<'a> Holder<'a> {
    /// The grant of the caller's token, or anonymous without one.
    pub fn of(grant_id: Option<&'a str>) -> Holder<'a> {
        grant_id.map_or(Holder::Anonymous, Holder::Grant)
    }
}

/// The key `holder`'s session ids are signed and checked under:
/// HMAC-SHA-256(endpoint session key, domain label, holder). A grant id
/// cannot spell `anonymous` (the two are labelled apart).
pub fn holder_key(session_key: &[u8], holder: Holder) -> [u8; 32] {
    let who = match holder {
        Holder::Grant(id) => format!("grant\n{id}"),
        Holder::Anonymous => "anonymous".to_string(),
    };
    hmac_sha256(session_key, format!("dockyard/mcp-session/holder\n{who}").as_bytes())
}

/// A verified session id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub issued: u64,
    /// The host that opened the session (none without `clientInfo`).
    pub host: Option<HostInfo>,
}

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

fn mac_input_v2(endpoint_url: &str, issued: u64, nonce_b64: &str, host: &str) -> Vec<u8> {
    format!("dockyard/mcp-session/v2\n{endpoint_url}\n{issued}\n{nonce_b64}\n{host}").into_bytes()
}

fn encode_host(host: Option<&HostInfo>) -> String {
    match host {
        None => "-".into(),
        Some(h) => b64url_encode(serde_json::json!([h.name, h.version]).to_string().as_bytes()),
    }
}

fn decode_host(text: &str) -> Result<Option<HostInfo>, SessionError> {
    if text == "-" {
        return Ok(None);
    }
    let bytes = b64url_decode(text).ok_or(SessionError::Malformed)?;
    let (name, version): (String, String) = serde_json::from_slice(&bytes).map_err(|_| SessionError::Malformed)?;
    Ok(Some(HostInfo { name, version }))
}

/// A new session id for `endpoint_url`, naming the host that opened it.
/// `session_key` is the holder's ([`holder_key`]).
pub fn issue(session_key: &[u8], endpoint_url: &str, now_secs: u64, host: Option<&HostInfo>) -> String {
    issue_with_nonce(session_key, endpoint_url, now_secs, host, random_bytes())
}

/// [`issue`] with a given nonce (deterministic, for tests).
pub fn issue_with_nonce(
    session_key: &[u8],
    endpoint_url: &str,
    now_secs: u64,
    host: Option<&HostInfo>,
    nonce: [u8; 16],
) -> String {
    let nonce_b64 = b64url_encode(&nonce);
    let host = encode_host(host);
    let mac = hmac_sha256(session_key, &mac_input_v2(endpoint_url, now_secs, &nonce_b64, &host));
    format!("v2.{now_secs}.{nonce_b64}.{host}.{}", b64url_encode(&mac))
}

/// Checks `id` against this endpoint and holder (`session_key` is the
/// holder's, [`holder_key`]): another holder's id is `BadSignature`.
pub fn verify(session_key: &[u8], endpoint_url: &str, now_secs: u64, id: &str) -> Result<Session, SessionError> {
    if id.len() > MAX_LEN {
        return Err(SessionError::Malformed);
    }
    let parts: Vec<&str> = id.split('.').collect();
    let ["v2", issued, nonce_b64, host_text, mac_b64] = parts.as_slice() else {
        return Err(SessionError::Malformed);
    };
    let (issued, nonce_b64, host_text, mac_b64) = (*issued, *nonce_b64, *host_text, *mac_b64);
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
    let expected = hmac_sha256(session_key, &mac_input_v2(endpoint_url, issued_secs, nonce_b64, host_text));
    if !ct_eq(&expected, &mac) {
        return Err(SessionError::BadSignature);
    }
    let host = decode_host(host_text)?;
    if issued_secs > now_secs.saturating_add(MAX_SKEW_SECS) {
        return Err(SessionError::FromFuture);
    }
    if now_secs.saturating_sub(issued_secs) > SESSION_MAX_AGE_SECS {
        return Err(SessionError::Expired);
    }
    Ok(Session { issued: issued_secs, host })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"test session key";
    const DRAFT: &str = "https://mcp.example.com/acme/shop/draft";
    const PROD: &str = "https://mcp.example.com/acme/shop";

    fn issued(r: Result<Session, SessionError>) -> Result<u64, SessionError> {
        r.map(|s| s.issued)
    }

    fn host(name: &str, version: &str) -> HostInfo {
        HostInfo { name: name.into(), version: version.into() }
    }

    #[test]
    fn issued_ids_verify_and_are_visible_ascii() {
        let id = issue(KEY, DRAFT, 1_000, Some(&host("Claude Desktop", "0.14.2")));
        assert!(id.bytes().all(|b| (0x21..=0x7e).contains(&b)), "{id}");
        assert!(id.starts_with("v2.1000."), "{id}");
        assert_eq!(issued(verify(KEY, DRAFT, 1_500, &id)), Ok(1_000));
        assert_ne!(issue(KEY, DRAFT, 1_000, None), id, "nonces differ");
    }

    #[test]
    fn the_host_travels_in_the_id() {
        let h = host("Claude Desktop", "0.14.2");
        let id = issue(KEY, DRAFT, 1_000, Some(&h));
        assert_eq!(verify(KEY, DRAFT, 1_000, &id).unwrap().host, Some(h));
        let none = issue(KEY, DRAFT, 1_000, None);
        assert!(none.split('.').nth(3) == Some("-"), "{none}");
        assert_eq!(verify(KEY, DRAFT, 1_000, &none).unwrap().host, None);
        // A long clientInfo is cut, so the id stays bounded and still verifies.
        let long =
            HostInfo::from_client_info(&serde_json::json!({"name": "n".repeat(500), "version": "v".repeat(500)}));
        let long = long.unwrap();
        assert_eq!((long.name.len(), long.version.len()), (MAX_HOST_NAME, MAX_HOST_VERSION));
        let id = issue(KEY, DRAFT, 1_000, Some(&long));
        assert!(id.len() <= MAX_LEN, "{}", id.len());
        assert_eq!(verify(KEY, DRAFT, 1_000, &id).unwrap().host, Some(long));
        assert_eq!(HostInfo::from_client_info(&serde_json::json!({"version": "1"})), None);
        assert_eq!(HostInfo::from_client_info(&serde_json::json!({"name": "x"})), Some(host("x", "")));
    }

    #[test]
    fn the_host_cannot_be_swapped() {
        let id = issue_with_nonce(KEY, DRAFT, 1_000, Some(&host("good", "1")), [7; 16]);
        let parts: Vec<&str> = id.split('.').collect();
        let other = encode_host(Some(&host("evil", "1")));
        let swapped = format!("v2.1000.{}.{other}.{}", parts[2], parts[4]);
        assert_eq!(verify(KEY, DRAFT, 1_000, &swapped), Err(SessionError::BadSignature));
        let dropped = format!("v2.1000.{}.-.{}", parts[2], parts[4]);
        assert_eq!(verify(KEY, DRAFT, 1_000, &dropped), Err(SessionError::BadSignature));
    }

    #[test]
    fn v1_ids_are_no_longer_accepted() {
        let nonce = b64url_encode(&[9; 16]);
        let mac = hmac_sha256(KEY, format!("dockyard/mcp-session/v1\n{DRAFT}\n1000\n{nonce}").as_bytes());
        let v1 = format!("v1.1000.{nonce}.{}", b64url_encode(&mac));
        assert_eq!(verify(KEY, DRAFT, 1_000, &v1), Err(SessionError::Malformed));
    }

    #[test]
    fn bound_to_the_holder() {
        let alice = holder_key(KEY, Holder::Grant("grt_alice"));
        let bob = holder_key(KEY, Holder::Grant("grt_bob"));
        let anonymous = holder_key(KEY, Holder::Anonymous);
        let id = issue(&alice, PROD, 1_000, Some(&host("Claude", "1")));
        assert!(verify(&alice, PROD, 1_000, &id).is_ok());
        // Another grant's token, no token, or the bare endpoint key: unknown.
        for other in [&bob, &anonymous, &holder_key(KEY, Holder::Grant("grt_alicf"))] {
            assert_eq!(verify(other, PROD, 1_000, &id), Err(SessionError::BadSignature));
        }
        assert_eq!(verify(KEY, PROD, 1_000, &id), Err(SessionError::BadSignature));
        // An anonymous session is not a token holder's, and the reverse.
        let anon_id = issue(&anonymous, PROD, 1_000, None);
        assert!(verify(&anonymous, PROD, 1_000, &anon_id).is_ok());
        assert_eq!(verify(&alice, PROD, 1_000, &anon_id), Err(SessionError::BadSignature));
        // A grant id cannot spell the anonymous holder.
        assert_ne!(holder_key(KEY, Holder::Grant("anonymous")), anonymous);
        assert_ne!(holder_key(KEY, Holder::Grant("")), anonymous);
        // Deterministic per (key, holder); the endpoint key matters too.
        assert_eq!(holder_key(KEY, Holder::Grant("grt_alice")), alice);
        assert_ne!(holder_key(b"other key", Holder::Grant("grt_alice")), alice);
        assert_eq!(Holder::of(Some("grt_alice")), Holder::Grant("grt_alice"));
        assert_eq!(Holder::of(None), Holder::Anonymous);
    }

    #[test]
    fn bound_to_endpoint_and_key() {
        let id = issue(KEY, DRAFT, 1_000, None);
        assert_eq!(verify(KEY, PROD, 1_000, &id), Err(SessionError::BadSignature));
        assert_eq!(verify(b"other key", DRAFT, 1_000, &id), Err(SessionError::BadSignature));
    }

    #[test]
    fn forgeries_and_tampering_fail() {
        let id = issue_with_nonce(KEY, DRAFT, 1_000, None, [7; 16]);
        let parts: Vec<&str> = id.split('.').collect();
        let later = format!("v2.2000.{}.-.{}", parts[2], parts[4]);
        assert_eq!(verify(KEY, DRAFT, 2_000, &later), Err(SessionError::BadSignature));
        let zero_padded = format!("v2.01000.{}.-.{}", parts[2], parts[4]);
        assert_eq!(verify(KEY, DRAFT, 1_000, &zero_padded), Err(SessionError::Malformed));
        let bad_host = format!("v2.1000.{}.!!.{}", parts[2], parts[4]);
        assert_eq!(verify(KEY, DRAFT, 1_000, &bad_host), Err(SessionError::BadSignature));
        for bad in ["", "v1", "v2.1.a.b", "v1.x.a.b", "v1.1.a.b.c", "v3.1.a.-.b", "not-a-session", &"v".repeat(500)] {
            assert_eq!(verify(KEY, DRAFT, 1_000, bad), Err(SessionError::Malformed), "{bad}");
        }
        let mut flipped = id.clone().into_bytes();
        let last = flipped.len() - 2;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert!(verify(KEY, DRAFT, 1_000, &flipped).is_err());
    }

    #[test]
    fn a_signed_but_undecodable_host_is_malformed() {
        // Only a key holder could produce this; it must still not panic.
        let nonce = b64url_encode(&[1; 16]);
        let host = b64url_encode(b"not json");
        let mac = hmac_sha256(KEY, &mac_input_v2(DRAFT, 1_000, &nonce, &host));
        let id = format!("v2.1000.{nonce}.{host}.{}", b64url_encode(&mac));
        assert_eq!(verify(KEY, DRAFT, 1_000, &id), Err(SessionError::Malformed));
    }

    #[test]
    fn lifetime() {
        let id = issue(KEY, DRAFT, 1_000, None);
        assert_eq!(issued(verify(KEY, DRAFT, 1_000 + SESSION_MAX_AGE_SECS, &id)), Ok(1_000));
        assert_eq!(verify(KEY, DRAFT, 1_001 + SESSION_MAX_AGE_SECS, &id), Err(SessionError::Expired));
        assert_eq!(verify(KEY, DRAFT, 1_000 - 301, &id), Err(SessionError::FromFuture));
        assert_eq!(issued(verify(KEY, DRAFT, 1_000 - 300, &id)), Ok(1_000));
    }
}
