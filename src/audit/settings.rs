//! An org's audit settings (`PATCH /api/v1/orgs/<org>` `{"audit": {...}}`),
//! the webhook URL check, the webhook secret and signature.
//!
//! Decisions:
//! - `payloads` (default `false`), `retention_days` (default 30, from 1 to
//!   3650), `webhook_url` (`null` turns the webhook off). A PATCH changes
//!   only the keys it names; every problem is listed at once (422).
//! - Webhook URLs pass the one outbound guard (`outbound::guard`: no
//!   credentials, no private, loopback, link-local, metadata or local-name
//!   hosts; loopback only with the dev setting `ALLOW_LOOPBACK_UPSTREAMS`,
//!   the tests' receiver), and on top of it: `https` even on loopback, no
//!   fragment, at most 2000 printable ASCII characters. The check answers the
//!   settings-time 422; the delivery goes through `outbound::fetch`, which
//!   checks again before every request.
//! - The webhook secret is never stored: it is `whsec_` + base64url of
//!   HMAC-SHA-256(SECRETS_KEY, org id + a random nonce stored with the
//!   settings), shown once when the URL is set; setting the URL again
//!   rotates the nonce and so the secret. A copy of D1 alone cannot sign.
//! - Signature header (as for data tools): `Dockyard-Signature:
//!   t=<unix seconds>,v1=<hex HMAC-SHA-256 of "<t>.<body>">`.

use serde::Serialize;
use serde_json::{Map, Value};
use url::Url;

use crate::crypto::{b64url_encode, hex_encode, hmac_sha256};
use crate::identity::validate::FieldError;
use crate::outbound::guard::{self, Policy};

pub const DEFAULT_RETENTION_DAYS: i64 = 30;
pub const MAX_RETENTION_DAYS: i64 = 3650;
const MAX_URL_LEN: usize = 2000;

/// The settings of one org (the defaults for an org that never set any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditSettings {
    pub payloads: bool,
    pub retention_days: i64,
    pub webhook_url: Option<String>,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings { payloads: false, retention_days: DEFAULT_RETENTION_DAYS, webhook_url: None }
    }
}

/// What a PATCH changes (`None`: keep).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patch {
    pub payloads: Option<bool>,
    pub retention_days: Option<i64>,
    /// `Some(None)` turns the webhook off.
    pub webhook_url: Option<Option<String>>,
}

impl Patch {
    pub fn apply(&self, s: &AuditSettings) -> AuditSettings {
        AuditSettings {
            payloads: self.payloads.unwrap_or(s.payloads),
            retention_days: self.retention_days.unwrap_or(s.retention_days),
            webhook_url: self.webhook_url.clone().unwrap_or_else(|| s.webhook_url.clone()),
        }
    }

    /// Does this patch set a (new) webhook URL, so a new secret is issued?
    pub fn sets_webhook(&self) -> bool {
        matches!(self.webhook_url, Some(Some(_)))
    }
}

/// Parses the `audit` object of an org PATCH.
pub fn parse_patch(audit: &Map<String, Value>, allow_loopback: bool) -> Result<Patch, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut p = Patch::default();
    for (k, v) in audit {
        let field = format!("audit.{}", k.chars().take(64).collect::<String>());
        match k.as_str() {
            "payloads" => match v {
                Value::Bool(b) => p.payloads = Some(*b),
                _ => errors.push(FieldError::new(&field, "must be true or false")),
            },
            "retention_days" => match v.as_i64() {
                Some(n) if (1..=MAX_RETENTION_DAYS).contains(&n) && v.is_i64() => p.retention_days = Some(n),
                _ => errors.push(FieldError::new(
                    &field,
                    format!("must be a whole number of days from 1 to {MAX_RETENTION_DAYS}"),
                )),
            },
            "webhook_url" => match v {
                Value::Null => p.webhook_url = Some(None),
                Value::String(u) => match webhook_url_allowed(u, allow_loopback) {
                    Ok(()) => p.webhook_url = Some(Some(u.clone())),
                    Err(why) => errors.push(FieldError::new(&field, why)),
                },
                _ => errors.push(FieldError::new(&field, "must be an https URL or null")),
            },
            _ => errors.push(FieldError::new(&field, "is not a known field (payloads, retention_days, webhook_url)")),
        }
    }
    if errors.is_empty() {
        Ok(p)
    } else {
        Err(errors)
    }
}

/// May the worker POST audit batches to `url`?
pub fn webhook_url_allowed(url: &str, allow_loopback: bool) -> Result<(), String> {
    if url.len() > MAX_URL_LEN || url.bytes().any(|b| !(0x21..0x7f).contains(&b)) {
        return Err("must be a short URL of printable ASCII".into());
    }
    let u = Url::parse(url).map_err(|e| format!("is not a URL ({e})"))?;
    if u.scheme() != "https" {
        return Err("must use https".into());
    }
    if u.fragment().is_some() {
        return Err("must not contain a fragment".into());
    }
    guard::check_url(&u, Policy { allow_loopback }).map_err(|r| r.to_string())
}

/// The webhook secret of an org (derived, never stored).
pub fn webhook_secret(secrets_key: &[u8], org_id: &str, nonce: &str) -> String {
    let mac = hmac_sha256(secrets_key, format!("dockyard/audit-webhook/v1\n{org_id}\n{nonce}").as_bytes());
    format!("whsec_{}", b64url_encode(&mac))
}

/// The `Dockyard-Signature` value of a webhook body.
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut signed = format!("{t}.").into_bytes();
    signed.extend_from_slice(body);
    format!("t={t},v1={}", hex_encode(&hmac_sha256(secret.as_bytes(), &signed)))
}

/// Seconds to wait after `failures` failed deliveries in a row (1 min,
/// doubling, at most an hour).
pub fn backoff_secs(failures: i64) -> i64 {
    let exp = failures.clamp(1, 7) - 1;
    (60_i64 << exp).min(3600)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(v: Value) -> Result<Patch, Vec<String>> {
        parse_patch(v.as_object().unwrap(), false).map_err(|e| e.into_iter().map(|f| f.field).collect())
    }

    #[test]
    fn patches() {
        let p = patch(json!({"payloads": true, "retention_days": 7, "webhook_url": "https://siem.example.com/in"}))
            .unwrap();
        let s = p.apply(&AuditSettings::default());
        assert_eq!(
            s,
            AuditSettings {
                payloads: true,
                retention_days: 7,
                webhook_url: Some("https://siem.example.com/in".into())
            }
        );
        assert!(p.sets_webhook());
        let off = patch(json!({"webhook_url": null})).unwrap();
        assert_eq!(off.apply(&s).webhook_url, None);
        assert_eq!(off.apply(&s).retention_days, 7, "untouched keys stay");
        assert!(!off.sets_webhook());
        assert_eq!(patch(json!({})).unwrap(), Patch::default());
    }

    #[test]
    fn every_problem_is_listed() {
        let e =
            patch(json!({"payloads": "yes", "retention_days": 0, "webhook_url": "http://siem.example.com", "x": 1}));
        assert_eq!(e.unwrap_err(), vec!["audit.payloads", "audit.retention_days", "audit.webhook_url", "audit.x"]);
        for bad in [json!(3651), json!(1.5), json!("30"), json!(-1), json!(null)] {
            assert!(patch(json!({"retention_days": bad})).is_err(), "{bad}");
        }
        assert!(patch(json!({"retention_days": 3650})).is_ok());
        assert!(patch(json!({"webhook_url": 5})).is_err());
    }

    #[test]
    fn webhook_urls() {
        for ok in ["https://siem.example.com/ingest", "https://siem.example.com:8443/x?k=v", "https://8.8.8.8/in"] {
            assert_eq!(webhook_url_allowed(ok, false), Ok(()), "{ok}");
        }
        for bad in [
            "http://siem.example.com/in",
            "ftp://siem.example.com/in",
            "https://user:pw@siem.example.com/in",
            "https://siem.example.com/in#frag",
            "https://10.0.0.1/in",
            "https://[::1]/in",
            "https://169.254.169.254/latest",
            "https://intranet/in",
            "https://siem.internal/in",
            "https://printer.local/in",
            "https://localhost/in",
            "https://127.0.0.1:9000/in",
            "not a url",
            "https://exa mple.com/",
        ] {
            assert!(webhook_url_allowed(bad, false).is_err(), "{bad}");
        }
        assert_eq!(
            webhook_url_allowed("https://127.0.0.1:9000/in", true),
            Ok(()),
            "loopback only with the dev setting"
        );
        assert!(webhook_url_allowed("http://127.0.0.1:9000/in", true).is_err(), "https even on loopback");
        assert!(webhook_url_allowed(&format!("https://a.example/{}", "x".repeat(2000)), false).is_err());
    }

    #[test]
    fn secrets_and_signatures() {
        let s1 = webhook_secret(b"k", "org_1", "n1");
        assert!(s1.starts_with("whsec_") && s1.len() > 40);
        assert_ne!(s1, webhook_secret(b"k", "org_1", "n2"), "a new nonce rotates the secret");
        assert_ne!(s1, webhook_secret(b"k", "org_2", "n1"));
        let sig = signature("whsec_test", 1_700_000_000, b"{\"a\":1}\n");
        // Golden: HMAC-SHA256("whsec_test", "1700000000.{\"a\":1}\n").
        assert_eq!(sig, "t=1700000000,v1=b8174c16a346d9a23b88223fae375766c2aeb1e6da662427e304a11f020fb5aa");
        assert_eq!([1, 2, 3, 7, 50].map(backoff_secs), [60, 120, 240, 3600, 3600]);
        assert_eq!(backoff_secs(0), 60);
    }
}
