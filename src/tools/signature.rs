//! The body an `http` data tool POSTs and its `Dockyard-Signature` (pure).
//!
//! The envelope is `{"tool","arguments","caller":{"org","project","channel",
//! "user_id","client_id"},"request_id"}`, serialized once: the bytes that are
//! signed are the bytes that are sent. The signature follows the
//! timestamped-HMAC pattern backends already know from webhook providers:
//! `Dockyard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
//! under the Type's `http.secret`. The timestamp lets a backend refuse
//! replays (the README's snippets allow 5 minutes); `v1` leaves room for a
//! second scheme without breaking verifiers.

use serde::Serialize;
use serde_json::Value;

use super::result::Failure;
use super::{Caller, DataCall};
use crate::crypto::{hex_encode, hmac_sha256};
use crate::projects::types::{HeaderValue, HttpSpec};

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Dockyard-Signature";
/// The header that carries the request id.
pub const REQUEST_ID_HEADER: &str = "Dockyard-Request-Id";

#[derive(Serialize)]
struct Envelope<'a> {
    tool: &'a str,
    arguments: &'a Value,
    caller: &'a Caller,
    request_id: &'a str,
}

/// The JSON body of the POST.
pub fn envelope(call: &DataCall) -> Vec<u8> {
    let e =
        Envelope { tool: &call.tool, arguments: &call.arguments, caller: &call.caller, request_id: &call.request_id };
    serde_json::to_vec(&e).unwrap_or_default()
}

/// `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` under `secret`.
pub fn header_value(secret: &str, unix: u64, body: &[u8]) -> String {
    let mut signed = format!("{unix}.").into_bytes();
    signed.extend_from_slice(body);
    format!("t={unix},v1={}", hex_encode(&hmac_sha256(secret.as_bytes(), &signed)))
}

/// The request headers of one call, in order: the Type's static headers
/// (a secret-backed one resolved from `secrets`, its prefix first), then
/// `Content-Type`, `Dockyard-Signature` and `Dockyard-Request-Id`, which a
/// static header of the same name cannot replace. A secret without a value
/// in this channel is [`Failure::SecretMissing`] naming it (the signing
/// secret first).
pub fn request_headers(
    spec: &HttpSpec,
    call: &DataCall,
    unix: u64,
    body: &[u8],
) -> Result<Vec<(String, String)>, Failure> {
    let channel = call.caller.channel.as_str();
    let value_of =
        |name: &str| call.secrets.get(name).ok_or_else(|| Failure::SecretMissing { name: name.to_string(), channel });
    let signing = value_of(&spec.secret)?;
    let ours = ["content-type", "dockyard-signature", "dockyard-request-id"];
    let mut headers = Vec::new();
    for (name, value) in spec.headers.iter().flatten() {
        if ours.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        let value = match value {
            HeaderValue::Plain(v) => v.clone(),
            HeaderValue::Secret { secret, prefix } => format!("{prefix}{}", value_of(secret)?),
        };
        headers.push((name.clone(), value));
    }
    headers.push(("Content-Type".into(), "application/json".into()));
    headers.push((SIGNATURE_HEADER.into(), header_value(signing, unix, body)));
    headers.push((REQUEST_ID_HEADER.into(), call.request_id.clone()));
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Channel;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn call() -> DataCall {
        DataCall {
            tool: "get_order".into(),
            arguments: json!({"id": 7}),
            caller: Caller {
                org: "acme".into(),
                project: "shop".into(),
                channel: Channel::Draft,
                user_id: Some("usr_1".into()),
                client_id: None,
            },
            request_id: "req_abc".into(),
            secrets: BTreeMap::new(),
            upstream_hosts: None,
            allow_loopback: false,
        }
    }

    #[test]
    fn the_envelope_has_the_issue_shape_in_order() {
        let body = String::from_utf8(envelope(&call())).unwrap();
        assert_eq!(
            body,
            r#"{"tool":"get_order","arguments":{"id":7},"caller":{"org":"acme","project":"shop","channel":"draft","user_id":"usr_1","client_id":null},"request_id":"req_abc"}"#
        );
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_t_dot_body() {
        // RFC 4231-independent check: computed with Node's crypto.createHmac
        // ('sha256', 'whsec_test').update('1700000000.{"a":1}').digest('hex').
        let v = header_value("whsec_test", 1_700_000_000, br#"{"a":1}"#);
        assert!(v.starts_with("t=1700000000,v1="), "{v}");
        assert_eq!(v, "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
        let again = header_value("whsec_test", 1_700_000_000, br#"{"a":1}"#);
        assert_eq!(v, again, "deterministic");
        assert_ne!(v, header_value("whsec_other", 1_700_000_000, br#"{"a":1}"#), "the secret matters");
        assert_ne!(v, header_value("whsec_test", 1_700_000_001, br#"{"a":1}"#), "the time is signed");
    }

    fn spec(headers: serde_json::Value) -> HttpSpec {
        serde_json::from_value(json!({"url": "https://api.example.com/x", "secret": "SIGNING", "headers": headers}))
            .unwrap()
    }

    #[test]
    fn headers_resolve_secrets_and_keep_ours_last() {
        let mut c = call();
        c.secrets.insert("SIGNING".into(), "whsec_test".into());
        c.secrets.insert("API_KEY".into(), "k-123".into());
        let s = spec(json!({
            "X-Tenant": "acme",
            "Authorization": {"secret": "API_KEY", "prefix": "Bearer "},
            "X-Raw": {"secret": "API_KEY"},
            "dockyard-signature": "forged",
        }));
        let h = request_headers(&s, &c, 1_700_000_000, b"{}").unwrap();
        let names: Vec<&str> = h.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["Authorization", "X-Raw", "X-Tenant", "Content-Type", "Dockyard-Signature", "Dockyard-Request-Id"]
        );
        assert_eq!(h[0].1, "Bearer k-123");
        assert_eq!(h[1].1, "k-123");
        assert_eq!(h[4].1, header_value("whsec_test", 1_700_000_000, b"{}"));
        assert_eq!(h[5].1, "req_abc");
    }

    #[test]
    fn a_missing_secret_is_named_signing_first() {
        let mut c = call();
        let s = spec(json!({"Authorization": {"secret": "API_KEY", "prefix": "Bearer "}}));
        assert_eq!(
            request_headers(&s, &c, 1, b""),
            Err(Failure::SecretMissing { name: "SIGNING".into(), channel: "draft" })
        );
        c.secrets.insert("SIGNING".into(), "x".into());
        c.caller.channel = Channel::Production;
        assert_eq!(
            request_headers(&s, &c, 1, b""),
            Err(Failure::SecretMissing { name: "API_KEY".into(), channel: "production" })
        );
    }
}
