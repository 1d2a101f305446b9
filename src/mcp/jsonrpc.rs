//! JSON-RPC 2.0 framing: parsing one POSTed message and the error object.
//!
//! Why a hand-written parser instead of `#[derive(Deserialize)]` on a
//! message enum: every way a body can be wrong maps to a *different* wire
//! answer (-32700 for bytes that are not JSON, -32600 for JSON that is not
//! a single JSON-RPC message, -32602 for bad params), and the error must
//! echo the request id whenever the id itself was readable. A derive gives
//! one opaque error for all of these.
//!
//! [`RpcError`] is the error type of the whole engine *and* the wire error
//! object (STYLE habit 6): the HTTP status it is sent with travels beside
//! it in a field serde skips, so a handler decides status and code in one
//! place and nothing can send a -32020 with a 200 by accident.
//!
//! Decision: when the request id cannot be read (parse error, batch, bad
//! id) the error response omits `id`, as the 2025-11-25 and 2026-07-28
//! schemas allow (`id?: RequestId`), rather than sending `id: null`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
/// 2025-11-25 and earlier: resource not found (2026-07-28 uses -32602).
pub const RESOURCE_NOT_FOUND_LEGACY: i64 = -32002;
/// 2026-07-28 `HeaderMismatch`.
pub const HEADER_MISMATCH: i64 = -32020;
/// 2026-07-28 `UnsupportedProtocolVersion`.
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;

/// A JSON-RPC error object plus the HTTP status it is answered with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// HTTP status of the reply carrying this error (200 = in-band).
    #[serde(skip)]
    pub http_status: u16,
}

impl RpcError {
    /// An error answered with `http_status`.
    pub fn new(http_status: u16, code: i64, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), data: None, http_status }
    }

    /// An in-band error (HTTP 200): a handler's answer, not a transport
    /// failure.
    pub fn in_band(code: i64, message: impl Into<String>) -> Self {
        Self::new(200, code, message)
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    pub fn parse_error(message: impl Into<String>) -> Self {
        Self::new(400, PARSE_ERROR, message)
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(400, INVALID_REQUEST, message)
    }

    /// In-band -32602 (the era-specific 400 cases construct their own).
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::in_band(INVALID_PARAMS, message)
    }

    pub fn header_mismatch(message: impl Into<String>) -> Self {
        Self::new(400, HEADER_MISMATCH, message)
    }
}

/// A request id: a string or an integer (never null, bool, float, object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct RequestId(Value);

impl RequestId {
    /// `Some` only for the id types MCP allows.
    pub fn from_value(v: &Value) -> Option<Self> {
        let ok = match v {
            Value::String(_) => true,
            Value::Number(n) => n.is_i64() || n.is_u64(),
            _ => false,
        };
        ok.then(|| Self(v.clone()))
    }

    pub fn as_value(&self) -> &Value {
        &self.0
    }
}

/// One POSTed JSON-RPC message.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Request {
        id: RequestId,
        method: String,
        params: Option<Map<String, Value>>,
    },
    Notification {
        method: String,
        params: Option<Map<String, Value>>,
    },
    /// A response to a server-initiated request (Dockyard never sends any).
    Response {
        id: Option<RequestId>,
    },
}

impl Incoming {
    pub fn method(&self) -> Option<&str> {
        match self {
            Incoming::Request { method, .. } | Incoming::Notification { method, .. } => Some(method),
            Incoming::Response { .. } => None,
        }
    }

    pub fn params(&self) -> Option<&Map<String, Value>> {
        match self {
            Incoming::Request { params, .. } | Incoming::Notification { params, .. } => params.as_ref(),
            Incoming::Response { .. } => None,
        }
    }

    pub fn id(&self) -> Option<&RequestId> {
        match self {
            Incoming::Request { id, .. } => Some(id),
            Incoming::Response { id } => id.as_ref(),
            Incoming::Notification { .. } => None,
        }
    }
}

/// A message that failed to parse: the error and the id, if it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Malformed {
    pub error: RpcError,
    pub id: Option<RequestId>,
}

fn malformed(error: RpcError, id: Option<RequestId>) -> Malformed {
    Malformed { error, id }
}

/// Parses a POST body into one message.
pub fn parse_message(body: &[u8]) -> Result<Incoming, Malformed> {
    // MUST (JSON-RPC 2.0): a body that is not JSON is a parse error.
    let text = std::str::from_utf8(body)
        .map_err(|_| malformed(RpcError::parse_error("Parse error: the body is not valid UTF-8"), None))?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        // serde_json stops at 128 levels instead of overflowing the stack;
        // say so, because "recursion limit exceeded" is not self-evident.
        let msg = if e.to_string().contains("recursion limit") {
            "Parse error: JSON is nested more than 128 levels deep".to_string()
        } else {
            format!("Parse error: {e}")
        };
        malformed(RpcError::parse_error(msg), None)
    })?;
    let obj = match value {
        // MUST (2025-06-18+): batching was removed; reject clearly.
        Value::Array(_) => {
            return Err(malformed(
                RpcError::invalid_request(
                    "Invalid Request: JSON-RPC batches are not supported; send one message per POST",
                ),
                None,
            ))
        }
        Value::Object(obj) => obj,
        _ => {
            return Err(malformed(
                RpcError::invalid_request("Invalid Request: the body must be a JSON-RPC object"),
                None,
            ))
        }
    };
    let id = match obj.get("id") {
        None => None,
        // MUST (MCP): ids are strings or integers, never null.
        Some(v) => Some(RequestId::from_value(v).ok_or_else(|| {
            malformed(RpcError::invalid_request("Invalid Request: id must be a string or an integer"), None)
        })?),
    };
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(malformed(RpcError::invalid_request("Invalid Request: jsonrpc must be \"2.0\""), id));
    }
    let method = match obj.get("method") {
        Some(Value::String(m)) => m.clone(),
        Some(_) => return Err(malformed(RpcError::invalid_request("Invalid Request: method must be a string"), id)),
        None if id.is_some() && (obj.contains_key("result") || obj.contains_key("error")) => {
            return Ok(Incoming::Response { id });
        }
        None => return Err(malformed(RpcError::invalid_request("Invalid Request: method is missing"), id)),
    };
    let params = match obj.get("params") {
        None => None,
        Some(Value::Object(p)) => Some(p.clone()),
        Some(Value::Array(_)) => {
            return Err(malformed(RpcError::new(400, INVALID_PARAMS, "Invalid params: params must be an object"), id))
        }
        Some(_) => return Err(malformed(RpcError::invalid_request("Invalid Request: params must be an object"), id)),
    };
    Ok(match id {
        Some(id) => Incoming::Request { id, method, params },
        None => Incoming::Notification { method, params },
    })
}

/// `{"jsonrpc":"2.0","id":…,"result":…}`.
pub fn success(id: &RequestId, result: Value) -> Value {
    serde_json::json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// `{"jsonrpc":"2.0","id"?:…,"error":{…}}`.
pub fn failure(id: Option<&RequestId>, error: &RpcError) -> Value {
    let mut out = Map::new();
    out.insert("jsonrpc".into(), Value::from("2.0"));
    if let Some(id) = id {
        out.insert("id".into(), id.as_value().clone());
    }
    out.insert("error".into(), serde_json::to_value(error).unwrap_or(Value::Null));
    Value::Object(out)
}

/// A notification message (no id).
pub fn notification(method: &str, params: Option<Value>) -> Value {
    let mut out = Map::new();
    out.insert("jsonrpc".into(), Value::from("2.0"));
    out.insert("method".into(), Value::from(method));
    if let Some(p) = params {
        out.insert("params".into(), p);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(body: &str) -> Malformed {
        parse_message(body.as_bytes()).expect_err("must fail")
    }

    #[test]
    fn ids_of_the_allowed_types_only() {
        assert!(RequestId::from_value(&json!(1)).is_some());
        assert!(RequestId::from_value(&json!(-7)).is_some());
        assert!(RequestId::from_value(&json!(u64::MAX)).is_some());
        assert!(RequestId::from_value(&json!("a")).is_some());
        for bad in [json!(null), json!(true), json!(1.5), json!({}), json!([])] {
            assert!(RequestId::from_value(&bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn classifies_requests_notifications_and_responses() {
        let r = parse_message(br#"{"jsonrpc":"2.0","id":"x","method":"ping"}"#).unwrap();
        assert_eq!(r.method(), Some("ping"));
        assert!(matches!(r, Incoming::Request { .. }));
        let n = parse_message(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap();
        assert!(matches!(n, Incoming::Notification { .. }));
        let resp = parse_message(br#"{"jsonrpc":"2.0","id":3,"result":{}}"#).unwrap();
        assert!(matches!(resp, Incoming::Response { .. }));
    }

    #[test]
    fn precise_errors() {
        assert_eq!(err("{").error.code, PARSE_ERROR);
        assert_eq!(err("[]").error.code, INVALID_REQUEST);
        assert!(err("[{}]").error.message.contains("batches"));
        assert_eq!(err("42").error.code, INVALID_REQUEST);
        assert_eq!(err(r#"{"id":1,"method":"ping"}"#).error.code, INVALID_REQUEST);
        let m = err(r#"{"jsonrpc":"2.0","id":5,"method":7}"#);
        assert_eq!((m.error.code, m.id), (INVALID_REQUEST, RequestId::from_value(&json!(5))));
        let p = err(r#"{"jsonrpc":"2.0","id":5,"method":"x","params":[1]}"#);
        assert_eq!(p.error.code, INVALID_PARAMS);
        assert_eq!(p.error.http_status, 400);
        let bad = parse_message(&[0xff, 0xfe]).unwrap_err();
        assert_eq!((bad.error.code, bad.error.http_status), (PARSE_ERROR, 400));
    }

    #[test]
    fn deep_nesting_is_a_clean_parse_error() {
        let body = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let e = err(&body);
        assert_eq!(e.error.code, PARSE_ERROR);
        assert!(e.error.message.contains("128"), "{}", e.error.message);
    }

    #[test]
    fn failure_omits_unknown_id_and_skips_status() {
        let e = RpcError::parse_error("nope");
        let v = failure(None, &e);
        assert_eq!(v, json!({"jsonrpc":"2.0","error":{"code":-32700,"message":"nope"}}));
        let id = RequestId::from_value(&json!(9)).unwrap();
        let v = failure(Some(&id), &e.with_data(json!({"k": 1})));
        assert_eq!(v["id"], json!(9));
        assert_eq!(v["error"]["data"], json!({"k": 1}));
    }
}
