//! 2026-07-28 request metadata headers (SEP-2243): `MCP-Protocol-Version`,
//! `Mcp-Method`, `Mcp-Name` and `Mcp-Param-{Name}`.
//!
//! Why the server checks them at all: intermediaries route and rate-limit
//! on these headers while we execute the body, so a disagreement between
//! the two is a request smuggling risk. Every failure here is HTTP 400 with
//! JSON-RPC -32020 (`HeaderMismatch`). Values are compared case-sensitively
//! after stripping optional whitespace; `=?base64?…?=` values are decoded
//! first (standard alphabet with canonical padding; anything else is a
//! malformed header, as the conformance suite's invalid-padding and
//! invalid-character cases expect). These checks run on modern-era
//! requests only; legacy traffic never carries them.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Map, Value};

use super::jsonrpc::RpcError;
use super::transport::header;

const SENTINEL_PREFIX: &str = "=?base64?";
const SENTINEL_SUFFIX: &str = "?=";
/// `x-mcp-header` declarations deeper than this are not looked for.
const MAX_SCHEMA_DEPTH: usize = 32;

/// Decodes a header value: `=?base64?…?=` becomes its UTF-8 text, any
/// other value is literal. `None` for a malformed sentinel.
pub fn decode_header_value(value: &str) -> Option<String> {
    let inner = value.strip_prefix(SENTINEL_PREFIX).and_then(|rest| rest.strip_suffix(SENTINEL_SUFFIX));
    match inner {
        None => Some(value.to_string()),
        Some(b64) => String::from_utf8(STANDARD.decode(b64).ok()?).ok(),
    }
}

/// RFC 9110 field value: visible ASCII, space and tab only.
fn valid_field_chars(value: &str) -> bool {
    value.bytes().all(|b| b == b'\t' || (0x20..=0x7e).contains(&b))
}

fn mismatch(header_name: &str, header_value: &str, body: &str, why: String) -> RpcError {
    RpcError::header_mismatch(format!("Header mismatch: {why}"))
        .with_data(json!({"header": header_name, "value": header_value, "body": body}))
}

/// Reads header `name` for comparison: `Ok(None)` when absent, an error
/// when it has invalid characters or a malformed sentinel.
fn read_header(headers: &[(String, String)], name: &str) -> Result<Option<String>, RpcError> {
    let Some(raw) = header(headers, name) else {
        return Ok(None);
    };
    if !valid_field_chars(raw) {
        return Err(mismatch(name, raw, "", format!("{name} contains invalid characters")));
    }
    decode_header_value(raw)
        .map(Some)
        .ok_or_else(|| mismatch(name, raw, "", format!("{name} carries an invalid =?base64?…?= value")))
}

/// The body field `Mcp-Name` mirrors for `method`, if any.
fn name_source(method: &str) -> Option<&'static str> {
    match method {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        _ => None,
    }
}

/// The standard headers of a modern *request* (notifications are exempt:
/// the spec defines no header rules for them).
pub fn check_standard_headers(
    headers: &[(String, String)],
    method: &str,
    params: Option<&Map<String, Value>>,
) -> Result<(), RpcError> {
    // MUST: every POST carries MCP-Protocol-Version (its value was already
    // compared with `_meta` by `era::classify`).
    if header(headers, "mcp-protocol-version").is_none() {
        return Err(mismatch(
            "MCP-Protocol-Version",
            "",
            "",
            "the required MCP-Protocol-Version header is missing".into(),
        ));
    }
    check_method_header(headers, method, true)?;
    let Some(field) = name_source(method) else {
        return Ok(());
    };
    let body = params.and_then(|p| p.get(field)).and_then(Value::as_str);
    // MUST: Mcp-Name equals params.name / params.uri (decoded first).
    match (read_header(headers, "mcp-name")?, body) {
        (None, Some(b)) => {
            Err(mismatch("Mcp-Name", "", b, format!("the required Mcp-Name header is missing (body {field} is '{b}')")))
        }
        (Some(h), Some(b)) if h != b => {
            Err(mismatch("Mcp-Name", &h, b, format!("Mcp-Name header value '{h}' does not match body value '{b}'")))
        }
        // Without a body value, params validation answers (-32602).
        _ => Ok(()),
    }
}

/// MUST: `Mcp-Method` equals the body's method; `required` on requests.
pub fn check_method_header(headers: &[(String, String)], method: &str, required: bool) -> Result<(), RpcError> {
    match read_header(headers, "mcp-method")? {
        None if required => Err(mismatch("Mcp-Method", "", method, "the required Mcp-Method header is missing".into())),
        Some(h) if h != method => Err(mismatch(
            "Mcp-Method",
            &h,
            method,
            format!("Mcp-Method header value '{h}' does not match body method '{method}'"),
        )),
        _ => Ok(()),
    }
}

/// One `x-mcp-header` declaration: argument path, header name, JSON type.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamHeader {
    pub path: Vec<String>,
    pub name: String,
    pub ty: Option<String>,
}

/// `x-mcp-header` declarations reachable from the schema root through
/// `properties` only (the only place the spec allows them).
pub fn param_headers(input_schema: &Value) -> Vec<ParamHeader> {
    fn walk(node: &Value, path: &mut Vec<String>, out: &mut Vec<ParamHeader>) {
        if path.len() > MAX_SCHEMA_DEPTH {
            return;
        }
        if let (false, Some(name)) = (path.is_empty(), node.get("x-mcp-header")) {
            if let Some(name) = name.as_str().filter(|n| !n.is_empty()) {
                out.push(ParamHeader {
                    path: path.clone(),
                    name: name.to_string(),
                    ty: node.get("type").and_then(Value::as_str).map(str::to_string),
                });
            }
        }
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            for (key, child) in props {
                path.push(key.clone());
                walk(child, path, out);
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    walk(input_schema, &mut Vec::new(), &mut out);
    out
}

fn canonical_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "1"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// MUST (SEP-2243 custom headers): each `Mcp-Param-{Name}` the tool
/// declares is present when the argument is, and matches it after
/// decoding; integers compare numerically (`42.0` equals `42`).
pub fn check_param_headers(
    headers: &[(String, String)],
    input_schema: &Value,
    arguments: Option<&Value>,
) -> Result<(), RpcError> {
    for decl in param_headers(input_schema) {
        let mut body = arguments;
        for key in &decl.path {
            body = body.and_then(|b| b.get(key));
        }
        let body_text = match body {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) => s.clone(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::Number(n)) => n.to_string(),
            // Not a primitive: argument validation reports it.
            Some(_) => continue,
        };
        let name = format!("Mcp-Param-{}", decl.name);
        let Some(value) = read_header(headers, &name)? else {
            return Err(mismatch(
                &name,
                "",
                &body_text,
                format!("the {name} header is missing but the argument is present"),
            ));
        };
        let numeric = matches!(decl.ty.as_deref(), Some("integer" | "number"))
            && canonical_decimal(&value)
            && body.is_some_and(Value::is_number);
        let equal = if numeric {
            let b = body.and_then(Value::as_f64);
            value.parse::<f64>().ok().zip(b).is_some_and(|(h, b)| h == b)
        } else {
            value == body_text
        };
        if !equal {
            return Err(mismatch(
                &name,
                &value,
                &body_text,
                format!("{name} header value '{value}' does not match argument '{body_text}'"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::jsonrpc::HEADER_MISMATCH;

    fn hs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn sentinel_decoding() {
        assert_eq!(decode_header_value("get_weather").as_deref(), Some("get_weather"));
        assert_eq!(decode_header_value("=?base64?SGVsbG8sIOS4lueVjA==?=").as_deref(), Some("Hello, 世界"));
        assert_eq!(decode_header_value("=?base64?IHBhZGRlZCA=?=").as_deref(), Some(" padded "));
        assert_eq!(decode_header_value("=?base64?SGVsbG8?="), None, "padding is required");
        assert_eq!(decode_header_value("=?base64?SGVs!!!bG8=?="), None);
        assert_eq!(decode_header_value("=?base64?SGVsbG8=").as_deref(), Some("=?base64?SGVsbG8="));
        assert_eq!(decode_header_value("=?base64?//79?="), None, "not UTF-8");
    }

    #[test]
    fn standard_headers() {
        let p = json!({"name": "show_order"});
        let p = p.as_object();
        let base = [("mcp-protocol-version", "2026-07-28"), ("mcp-method", "tools/call")];
        let ok = hs(&[base[0], base[1], ("mcp-name", "show_order")]);
        assert!(check_standard_headers(&ok, "tools/call", p).is_ok());
        let b64 = hs(&[base[0], base[1], ("mcp-name", "=?base64?c2hvd19vcmRlcg==?=")]);
        assert!(check_standard_headers(&b64, "tools/call", p).is_ok());
        for bad in [
            hs(&[base[0], base[1]]),
            hs(&[base[0], base[1], ("mcp-name", "other")]),
            hs(&[base[0], ("mcp-method", "TOOLS/CALL"), ("mcp-name", "show_order")]),
            hs(&[base[0], ("mcp-name", "show_order")]),
            hs(&[base[1], ("mcp-name", "show_order")]),
            hs(&[base[0], base[1], ("mcp-name", "show\u{1}order")]),
        ] {
            let e = check_standard_headers(&bad, "tools/call", p).unwrap_err();
            assert_eq!((e.http_status, e.code), (400, HEADER_MISMATCH), "{bad:?}");
        }
        let list = hs(&[base[0], ("mcp-method", "tools/list")]);
        assert!(check_standard_headers(&list, "tools/list", None).is_ok());
    }

    #[test]
    fn param_headers_follow_properties_only() {
        let schema = json!({"type":"object","properties":{
            "region":{"type":"string","x-mcp-header":"Region"},
            "n":{"type":"integer","x-mcp-header":"N"},
            "deep":{"type":"object","properties":{"flag":{"type":"boolean","x-mcp-header":"Flag"}}},
            "list":{"type":"array","items":{"type":"string","x-mcp-header":"Nope"}}}});
        let names: Vec<String> = param_headers(&schema).into_iter().map(|d| d.name).collect();
        assert_eq!(names.len(), 3);
        assert!(!names.contains(&"Nope".to_string()));

        let args = json!({"region":"us-west1","n":42,"deep":{"flag":true}});
        let ok = hs(&[("mcp-param-region", "us-west1"), ("mcp-param-n", "42.0"), ("mcp-param-flag", "true")]);
        assert!(check_param_headers(&ok, &schema, Some(&args)).is_ok());
        let missing = hs(&[("mcp-param-region", "us-west1"), ("mcp-param-n", "42")]);
        assert_eq!(check_param_headers(&missing, &schema, Some(&args)).unwrap_err().code, HEADER_MISMATCH);
        let wrong = hs(&[("mcp-param-region", "eu"), ("mcp-param-n", "42"), ("mcp-param-flag", "true")]);
        assert!(check_param_headers(&wrong, &schema, Some(&args)).is_err());
        let hex = hs(&[("mcp-param-region", "us-west1"), ("mcp-param-n", "0x2a"), ("mcp-param-flag", "true")]);
        assert!(check_param_headers(&hex, &schema, Some(&args)).is_err());
        // Absent or null arguments need no header.
        assert!(check_param_headers(&[], &schema, Some(&json!({"region": null}))).is_ok());
    }
}
