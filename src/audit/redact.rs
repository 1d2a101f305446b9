//! Redaction, canonical JSON, hashes, and the payload that is encrypted when
//! an org stores payloads.
//!
//! Decisions:
//! - **Secret-looking keys**: an object key whose lowercase form contains
//!   `token`, `secret`, `password` or `authorization` (so `access_token`,
//!   `clientSecret`, `X-Authorization`, `db_password`) has its value
//!   replaced by `"[redacted]"`, at any depth, inside arrays too. The key
//!   stays, so a reader sees that something was sent.
//! - **Canonical JSON** is serde_json's compact form; its maps are sorted by
//!   key, so equal values hash equally whatever order the client sent.
//! - `args_sha256` / `result_sha256` hash the **redacted** canonical JSON: a
//!   hash of the original would let a reader who sees the stored (redacted)
//!   payload test guesses for a redacted password offline. `args_bytes` /
//!   `result_bytes` are the size of the canonical JSON as sent (sizes leak
//!   nothing a reader could not see in the payload anyway).
//! - **Payload cap**: the stored payload (redacted `{"arguments", "result"}`)
//!   is at most [`MAX_PAYLOAD_BYTES`]; a larger one is replaced by a note
//!   with both sizes, so a queue message stays far below Cloudflare's
//!   128 KB message limit and D1 rows stay small.

use serde_json::{json, Map, Value};

use crate::crypto::sha256_hex;

/// Key fragments that mark a value as secret (compared in lowercase).
pub const SECRET_KEY_PARTS: [&str; 4] = ["token", "secret", "password", "authorization"];
/// What a redacted value becomes.
pub const REDACTED: &str = "[redacted]";
/// Largest payload stored (canonical JSON bytes, before encryption).
pub const MAX_PAYLOAD_BYTES: usize = 48 * 1024;

pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    SECRET_KEY_PARTS.iter().any(|p| k.contains(p))
}

/// `value` with every secret-looking key's value replaced.
pub fn redact(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let out: Map<String, Value> = map
                .iter()
                .map(|(k, v)| (k.clone(), if is_secret_key(k) { json!(REDACTED) } else { redact(v) }))
                .collect();
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        other => other.clone(),
    }
}

pub fn canonical(value: &Value) -> String {
    value.to_string()
}

/// `(sha256 of the redacted canonical JSON, bytes of the canonical JSON)`.
pub fn digest(value: &Value) -> (String, i64) {
    let size = canonical(value).len() as i64;
    (sha256_hex(canonical(&redact(value)).as_bytes()), size)
}

/// The plaintext of a stored payload: redacted arguments and result (and,
/// for a code tool, its captured console `logs`, kept as written: they are
/// bounded at capture and, like the rest, only stored encrypted), or a
/// note when together they exceed [`MAX_PAYLOAD_BYTES`].
pub fn payload_plaintext(arguments: Option<&Value>, result: Option<&Value>, logs: &[String]) -> String {
    let null = Value::Null;
    let mut doc = json!({
        "arguments": redact(arguments.unwrap_or(&null)),
        "result": redact(result.unwrap_or(&null)),
    });
    if !logs.is_empty() {
        doc["logs"] = json!(logs);
    }
    let text = canonical(&doc);
    if text.len() <= MAX_PAYLOAD_BYTES {
        return text;
    }
    let size = |v: Option<&Value>| v.map_or(0, |v| canonical(v).len());
    let mut note = json!({
        "truncated": true,
        "note": format!("the payload is larger than {MAX_PAYLOAD_BYTES} bytes and was not stored"),
        "arguments_bytes": size(arguments),
        "result_bytes": size(result),
    });
    // The logs are small (bounded at capture): they stay even then.
    if !logs.is_empty() {
        note["logs"] = json!(logs);
    }
    canonical(&note)
}

/// Additional authenticated data binding an encrypted payload to its record.
pub fn payload_aad(record_id: &str) -> Vec<u8> {
    format!("dockyard/audit-payload/v1\n{record_id}").into_bytes()
}

/// The WebCrypto purpose label of the payload key (HKDF `info`).
pub const PAYLOAD_KEY_PURPOSE: &str = "audit-payload/v1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_are_redacted_at_any_depth() {
        let v = json!({
            "order_id": "A-1",
            "access_token": "tok-123",
            "nested": {"Authorization": "Bearer x", "list": [{"db_password": "hunter2", "ok": 1}], "clientSecret": {"a": 1}},
            "tokens_left": 3,
            "notes": ["password is not a key here"],
        });
        let r = redact(&v);
        assert_eq!(r["order_id"], "A-1");
        assert_eq!(r["access_token"], REDACTED);
        assert_eq!(r["nested"]["Authorization"], REDACTED);
        assert_eq!(r["nested"]["list"][0]["db_password"], REDACTED);
        assert_eq!(r["nested"]["list"][0]["ok"], 1);
        assert_eq!(r["nested"]["clientSecret"], REDACTED, "a whole object under a secret key goes");
        assert_eq!(r["tokens_left"], REDACTED, "a substring match is deliberately broad");
        assert_eq!(r["notes"][0], "password is not a key here", "values are never inspected");
        assert!(!r.to_string().contains("hunter2") && !r.to_string().contains("tok-123"));
        for k in ["TOKEN", "x-secret-key", "Password", "proxy-authorization"] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in ["order", "author", "pass", "auth"] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn digests_are_canonical_and_over_the_redacted_form() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":"x"}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{ "a" : "x", "b" : 1 }"#).unwrap();
        assert_eq!(digest(&a), digest(&b), "key order and whitespace do not matter");
        assert_eq!(canonical(&a), r#"{"a":"x","b":1}"#);
        assert_eq!(digest(&a).1, 15);
        // Golden: sha256('{"a":"x","b":1}').
        assert_eq!(digest(&a).0, "cdab067e9f3beb32d1252cfd63e492592fecbf591b0d08cadb24bb17f3864246");
        let s1 = json!({"password": "one"});
        let s2 = json!({"password": "two"});
        assert_eq!(digest(&s1).0, digest(&s2).0, "a redacted secret cannot be guessed from the hash");
        assert_ne!(digest(&s1).1, json!({"password": "three"}).to_string().len() as i64);
    }

    #[test]
    fn payloads_are_redacted_and_capped() {
        let text = payload_plaintext(Some(&json!({"q": 1, "api_token": "t"})), Some(&json!({"isError": false})), &[]);
        assert_eq!(text, r#"{"arguments":{"api_token":"[redacted]","q":1},"result":{"isError":false}}"#);
        assert_eq!(payload_plaintext(None, None, &[]), r#"{"arguments":null,"result":null}"#);
        let big = json!({"blob": "x".repeat(MAX_PAYLOAD_BYTES)});
        let capped: Value = serde_json::from_str(&payload_plaintext(Some(&big), None, &[])).unwrap();
        assert_eq!(capped["truncated"], true);
        assert_eq!(capped["arguments_bytes"], canonical(&big).len());
        assert_eq!(capped["result_bytes"], 0);
        assert!(!payload_aad("req_1").is_empty());
        let logs = ["log: converting".to_string()];
        let with_logs: Value = serde_json::from_str(&payload_plaintext(None, None, &logs)).unwrap();
        assert_eq!(with_logs["logs"], json!(["log: converting"]));
        let capped: Value = serde_json::from_str(&payload_plaintext(Some(&big), None, &logs)).unwrap();
        assert_eq!((capped["truncated"].clone(), capped["logs"].clone()), (json!(true), json!(["log: converting"])));
    }
}
