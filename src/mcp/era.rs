//! Which protocol era a POSTed message belongs to.
//!
//! One endpoint serves both eras ("dual-era", 2026-07-28 versioning.mdx).
//! The era is chosen from the message's own version claim — the
//! `io.modelcontextprotocol/protocolVersion` key of `params._meta` — and
//! the `MCP-Protocol-Version` header, never from the method name alone
//! (SPEC-NOTES). The rules follow the reference TypeScript SDK's
//! body-primary classifier, which the conformance suite is run against:
//!
//! 1. `initialize` without a valid modern claim is the legacy handshake; a
//!    modern header on it is a header/body disagreement (-32020). With a
//!    valid modern claim it is a modern request, and the modern era answers
//!    it like any unknown method (404, -32601).
//! 2. A message with a claim: a malformed envelope is 400/-32602; a header
//!    that names another version is 400/-32020; the claim then picks the
//!    era, and an unknown version is 400/-32022 listing the modern versions
//!    (`server/discover` advertises modern versions only, and -32022's list
//!    must be a subset of it).
//! 3. No claim: a modern header means the required `_meta` is missing
//!    (400/-32602) — except on a notification, which carries no envelope in
//!    this revision; a legacy header or none is legacy traffic (none means
//!    `2025-03-26`); an unknown header is 400/-32022 listing every version
//!    we speak (legacy MUST: invalid or unsupported header -> 400).

use serde_json::{json, Map, Value};

use super::jsonrpc::{Incoming, RpcError, INVALID_PARAMS, UNSUPPORTED_PROTOCOL_VERSION};
use super::transport::header;

/// The 2026-07-28 revision: stateless, `_meta` on every request.
pub const MODERN_VERSION: &str = "2026-07-28";
/// Legacy revisions we negotiate, newest first.
pub const LEGACY_VERSIONS: [&str; 3] = ["2025-11-25", "2025-06-18", "2025-03-26"];
/// What a legacy request without `MCP-Protocol-Version` is assumed to be.
pub const HEADERLESS_LEGACY_VERSION: &str = "2025-03-26";

pub const PROTOCOL_VERSION_KEY: &str = "io.modelcontextprotocol/protocolVersion";
pub const CLIENT_CAPABILITIES_KEY: &str = "io.modelcontextprotocol/clientCapabilities";
pub const CLIENT_INFO_KEY: &str = "io.modelcontextprotocol/clientInfo";
pub const SERVER_INFO_KEY: &str = "io.modelcontextprotocol/serverInfo";
pub const SUBSCRIPTION_ID_KEY: &str = "io.modelcontextprotocol/subscriptionId";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// 2026-07-28.
    Modern,
    /// 2025-11-25, 2025-06-18, 2025-03-26.
    Legacy,
}

/// The era and revision one message is served under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protocol {
    pub era: Era,
    pub version: &'static str,
}

impl Protocol {
    pub const MODERN: Protocol = Protocol { era: Era::Modern, version: MODERN_VERSION };

    fn legacy(version: &'static str) -> Self {
        Protocol { era: Era::Legacy, version }
    }
}

/// The legacy revision named `v`, if we speak it.
pub fn legacy_version(v: &str) -> Option<&'static str> {
    LEGACY_VERSIONS.iter().copied().find(|l| *l == v)
}

/// Every version we speak, modern first (for a legacy -32022).
pub fn all_versions() -> Vec<&'static str> {
    std::iter::once(MODERN_VERSION).chain(LEGACY_VERSIONS).collect()
}

/// 400 / -32022 with `data.supported` and `data.requested`.
pub fn unsupported_version(requested: &str, supported: &[&str]) -> RpcError {
    RpcError::new(400, UNSUPPORTED_PROTOCOL_VERSION, format!("Unsupported protocol version: {requested}"))
        .with_data(json!({"supported": supported, "requested": requested}))
}

/// `params._meta`, when it is an object.
pub fn meta_of(params: Option<&Map<String, Value>>) -> Option<&Map<String, Value>> {
    params?.get("_meta")?.as_object()
}

/// What is wrong with a modern `_meta` envelope (empty when valid).
fn envelope_problems(meta: Option<&Map<String, Value>>) -> Vec<String> {
    let Some(meta) = meta else {
        return vec!["_meta is missing".into()];
    };
    let mut out = Vec::new();
    match meta.get(PROTOCOL_VERSION_KEY) {
        None => out.push(format!("{PROTOCOL_VERSION_KEY} is missing")),
        Some(Value::String(_)) => {}
        Some(_) => out.push(format!("{PROTOCOL_VERSION_KEY} must be a string")),
    }
    match meta.get(CLIENT_CAPABILITIES_KEY) {
        None => out.push(format!("{CLIENT_CAPABILITIES_KEY} is missing")),
        Some(Value::Object(_)) => {}
        Some(_) => out.push(format!("{CLIENT_CAPABILITIES_KEY} must be an object")),
    }
    if meta.get(CLIENT_INFO_KEY).is_some_and(|v| !v.is_object()) {
        out.push(format!("{CLIENT_INFO_KEY} must be an object"));
    }
    out
}

fn invalid_envelope(problems: &[String]) -> RpcError {
    // MUST (2026-07-28 basic/index): a request missing a required `_meta`
    // field is rejected with -32602, and on HTTP with 400.
    RpcError::new(400, INVALID_PARAMS, format!("Invalid params: {}", problems.join("; ")))
        .with_data(json!({"problems": problems}))
}

fn legacy_from_header(header_version: Option<&str>) -> Result<Protocol, RpcError> {
    match header_version {
        // MAY (2026-07-28) / SHOULD (2025-11-25): no header means 2025-03-26.
        None => Ok(Protocol::legacy(HEADERLESS_LEGACY_VERSION)),
        Some(v) => match legacy_version(v) {
            Some(l) => Ok(Protocol::legacy(l)),
            // MUST (2025-11-25): invalid or unsupported header -> 400.
            None => Err(unsupported_version(v, &all_versions())),
        },
    }
}

/// Picks the era of a POSTed message (see the module doc for the rules).
pub fn classify(headers: &[(String, String)], msg: &Incoming) -> Result<Protocol, RpcError> {
    let header_version = header(headers, "mcp-protocol-version");
    let header_modern = header_version == Some(MODERN_VERSION);
    let params = msg.params();
    let meta = meta_of(params);
    let claim = meta.and_then(|m| m.get(PROTOCOL_VERSION_KEY));

    if let Incoming::Response { .. } = msg {
        return if header_modern { Ok(Protocol::MODERN) } else { legacy_from_header(header_version) };
    }

    let valid_modern_claim =
        claim.and_then(Value::as_str) == Some(MODERN_VERSION) && envelope_problems(meta).is_empty();
    if msg.method() == Some("initialize") && !valid_modern_claim {
        if header_modern {
            return Err(RpcError::header_mismatch(
                "Header mismatch: initialize is the legacy handshake, but MCP-Protocol-Version \
                 names 2026-07-28 (send server/discover with _meta instead)",
            ));
        }
        // The client's version is negotiated from params; an unknown header
        // on the handshake itself is not held against it.
        let v = header_version.and_then(legacy_version);
        return Ok(Protocol::legacy(v.unwrap_or(HEADERLESS_LEGACY_VERSION)));
    }

    if let Some(claim) = claim {
        let problems = envelope_problems(meta);
        if !problems.is_empty() {
            return Err(invalid_envelope(&problems));
        }
        let claim = claim.as_str().unwrap_or_default();
        // MUST (2026-07-28): the header equals the `_meta` version.
        if let Some(h) = header_version {
            if h != claim {
                return Err(RpcError::header_mismatch(format!(
                    "Header mismatch: MCP-Protocol-Version header value '{h}' does not match \
                     _meta protocolVersion '{claim}'"
                ))
                .with_data(json!({"header": "MCP-Protocol-Version", "value": h, "body": claim})));
            }
        }
        if claim == MODERN_VERSION {
            return Ok(Protocol::MODERN);
        }
        if let Some(l) = legacy_version(claim) {
            return Ok(Protocol::legacy(l));
        }
        // MUST (2026-07-28): unsupported version -> 400 UnsupportedProtocolVersion.
        return Err(unsupported_version(claim, &[MODERN_VERSION]));
    }

    if header_modern {
        if let Incoming::Notification { .. } = msg {
            return Ok(Protocol::MODERN);
        }
        return Err(invalid_envelope(&envelope_problems(meta)));
    }
    legacy_from_header(header_version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::jsonrpc::{parse_message, HEADER_MISMATCH};

    fn hv(v: &str) -> Vec<(String, String)> {
        vec![("mcp-protocol-version".into(), v.into())]
    }

    fn msg(v: Value) -> Incoming {
        parse_message(v.to_string().as_bytes()).unwrap()
    }

    fn modern_meta() -> Value {
        json!({PROTOCOL_VERSION_KEY: MODERN_VERSION, CLIENT_CAPABILITIES_KEY: {}})
    }

    #[test]
    fn modern_claims_and_headers() {
        let m = msg(json!({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta": modern_meta()}}));
        assert_eq!(classify(&hv(MODERN_VERSION), &m), Ok(Protocol::MODERN));
        // Body-primary: a missing header does not change the era.
        assert_eq!(classify(&[], &m), Ok(Protocol::MODERN));
        let e = classify(&hv("2025-11-25"), &m).unwrap_err();
        assert_eq!((e.http_status, e.code), (400, HEADER_MISMATCH));
    }

    #[test]
    fn missing_or_malformed_envelope_is_400_invalid_params() {
        for params in [
            json!({}),
            json!({"_meta": {CLIENT_CAPABILITIES_KEY: {}}}),
            json!({"_meta": {PROTOCOL_VERSION_KEY: MODERN_VERSION}}),
        ] {
            let m = msg(json!({"jsonrpc":"2.0","id":1,"method":"server/discover","params":params}));
            let e = classify(&hv(MODERN_VERSION), &m).unwrap_err();
            assert_eq!((e.http_status, e.code), (400, INVALID_PARAMS), "{params}");
        }
        let m = msg(
            json!({"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{PROTOCOL_VERSION_KEY: 7, CLIENT_CAPABILITIES_KEY: {}}}}),
        );
        assert_eq!(classify(&[], &m).unwrap_err().code, INVALID_PARAMS);
    }

    #[test]
    fn unknown_versions() {
        let meta = json!({PROTOCOL_VERSION_KEY: "v999", CLIENT_CAPABILITIES_KEY: {}});
        let m = msg(json!({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta": meta}}));
        let e = classify(&hv("v999"), &m).unwrap_err();
        assert_eq!((e.http_status, e.code), (400, UNSUPPORTED_PROTOCOL_VERSION));
        assert_eq!(e.data.unwrap(), json!({"supported":[MODERN_VERSION],"requested":"v999"}));
        // Header says modern, body says v999: a mismatch, not a version error.
        assert_eq!(classify(&hv(MODERN_VERSION), &m).unwrap_err().code, HEADER_MISMATCH);
        let legacy = msg(json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}));
        let e = classify(&hv("1999-01-01"), &legacy).unwrap_err();
        assert_eq!((e.http_status, e.code), (400, UNSUPPORTED_PROTOCOL_VERSION));
        assert_eq!(e.data.unwrap()["supported"], json!(all_versions()));
    }

    #[test]
    fn legacy_traffic() {
        let m = msg(json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}));
        assert_eq!(classify(&[], &m).unwrap(), Protocol::legacy("2025-03-26"));
        assert_eq!(classify(&hv("2025-06-18"), &m).unwrap(), Protocol::legacy("2025-06-18"));
        let e = classify(&hv(MODERN_VERSION), &m).unwrap_err();
        assert_eq!((e.http_status, e.code), (400, INVALID_PARAMS));
        let n = msg(json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
        assert_eq!(classify(&hv(MODERN_VERSION), &n), Ok(Protocol::MODERN));
        assert_eq!(classify(&[], &n).unwrap().era, Era::Legacy);
    }

    #[test]
    fn initialize_is_legacy_unless_it_carries_a_modern_envelope() {
        let init = msg(json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}));
        assert_eq!(classify(&[], &init).unwrap().era, Era::Legacy);
        assert_eq!(classify(&hv("2024-11-05"), &init).unwrap().era, Era::Legacy);
        assert_eq!(classify(&hv(MODERN_VERSION), &init).unwrap_err().code, HEADER_MISMATCH);
        let modern = msg(json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"_meta": modern_meta()}}));
        assert_eq!(classify(&hv(MODERN_VERSION), &modern), Ok(Protocol::MODERN));
    }
}
