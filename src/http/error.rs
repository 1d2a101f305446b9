//! The one error type of the management API and the edge, and its exhaustive
//! map to the wire: `{"error": "<code>", "message": "<human sentence>"}` with a
//! status. Inner layers keep precise reasons; what reaches the client is chosen
//! here. Bad input is always a 4xx; a 5xx means our side failed.

use crate::identity::validate::FieldError;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 400: the request is malformed (bad JSON, wrong types, unknown fields).
    BadRequest { code: &'static str, message: String },
    /// 422: well-formed, but fields break a rule; every problem is listed.
    Invalid(Vec<FieldError>),
    /// 401: no valid credentials.
    Unauthorized(String),
    /// 403: authenticated, but not allowed (or a failed CSRF/Origin check).
    Forbidden(String),
    /// 404: unknown route or an object the caller may not know exists.
    NotFound(String),
    /// 405 with `Allow`.
    MethodNotAllowed { allow: Vec<&'static str> },
    /// 409: the change conflicts with current state (duplicate slug, last owner).
    Conflict(String),
    /// 410: a one-time thing that was used, expired or revoked.
    Gone(String),
    /// 413: the body is larger than the route accepts.
    PayloadTooLarge { limit: usize },
    /// 413: the save would take the draft to `bytes`, past `limit`
    /// (`projects::limits`: a published version must fit one D1 row).
    DraftTooLarge { bytes: usize, limit: usize },
    /// 415: the body is not `application/json`.
    UnsupportedMediaType(String),
    /// 429 with `Retry-After`.
    TooManyRequests { retry_after: u64, message: String },
    /// 500: a store or the runtime failed; the detail goes to the log only.
    Internal(String),
    /// 503: required settings are missing or malformed (named in the message).
    Misconfigured(String),
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest { code, message: message.into() }
    }

    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        ApiError::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest { .. } => 400,
            ApiError::Invalid(_) => 422,
            ApiError::Unauthorized(_) => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::NotFound(_) => 404,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::Conflict(_) => 409,
            ApiError::Gone(_) => 410,
            ApiError::PayloadTooLarge { .. } | ApiError::DraftTooLarge { .. } => 413,
            ApiError::UnsupportedMediaType(_) => 415,
            ApiError::TooManyRequests { .. } => 429,
            ApiError::Internal(_) => 500,
            ApiError::Misconfigured(_) => 503,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { code, .. } => code,
            ApiError::Invalid(_) => "invalid_request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::Gone(_) => "gone",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::DraftTooLarge { .. } => "draft_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::TooManyRequests { .. } => "rate_limited",
            ApiError::Internal(_) => "internal_error",
            ApiError::Misconfigured(_) => "misconfigured",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ApiError::BadRequest { message, .. }
            | ApiError::Unauthorized(message)
            | ApiError::Forbidden(message)
            | ApiError::NotFound(message)
            | ApiError::Conflict(message)
            | ApiError::Gone(message)
            | ApiError::UnsupportedMediaType(message)
            | ApiError::TooManyRequests { message, .. }
            | ApiError::Misconfigured(message) => message.clone(),
            ApiError::Invalid(fields) => fields.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("; "),
            ApiError::MethodNotAllowed { allow } => {
                format!("this route accepts {}", allow.join(", "))
            }
            ApiError::PayloadTooLarge { limit } => {
                format!("the request body is larger than {limit} bytes")
            }
            ApiError::DraftTooLarge { bytes, .. } => crate::projects::limits::draft_too_large(*bytes),
            // Never leak internals to the client; the detail is logged.
            ApiError::Internal(_) => "something went wrong on our side; try again".into(),
        }
    }

    /// The JSON body the client sees.
    pub fn body(&self) -> Value {
        let mut body = json!({ "error": self.code(), "message": self.message() });
        if let ApiError::Invalid(fields) = self {
            body["fields"] = json!(fields);
        }
        if let ApiError::TooManyRequests { retry_after, .. } = self {
            body["retry_after"] = json!(retry_after);
        }
        if let ApiError::DraftTooLarge { bytes, limit } = self {
            body["bytes"] = json!(bytes);
            body["limit"] = json!(limit);
        }
        body
    }

    /// Extra headers that belong to the status.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        match self {
            ApiError::MethodNotAllowed { allow } => vec![("Allow", allow.join(", "))],
            ApiError::TooManyRequests { retry_after, .. } => {
                vec![("Retry-After", retry_after.to_string())]
            }
            _ => Vec::new(),
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::Invalid(vec![e])
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(e: Vec<FieldError>) -> Self {
        ApiError::Invalid(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_client_error_is_4xx_and_internal_detail_is_hidden() {
        let internal = ApiError::Internal("D1_ERROR: no such table users".into());
        assert_eq!(internal.status(), 500);
        assert!(!internal.body().to_string().contains("D1_ERROR"));
        for e in [
            ApiError::bad_request("invalid_json", "x"),
            ApiError::invalid_field("email", "bad"),
            ApiError::Unauthorized("x".into()),
            ApiError::Forbidden("x".into()),
            ApiError::NotFound("x".into()),
            ApiError::MethodNotAllowed { allow: vec!["GET"] },
            ApiError::Conflict("x".into()),
            ApiError::Gone("x".into()),
            ApiError::PayloadTooLarge { limit: 10 },
            ApiError::DraftTooLarge { bytes: 11, limit: 10 },
            ApiError::UnsupportedMediaType("x".into()),
            ApiError::TooManyRequests { retry_after: 3, message: "x".into() },
        ] {
            assert!((400..500).contains(&e.status()), "{e:?}");
            assert_eq!(e.body()["error"], e.code());
        }
    }

    #[test]
    fn invalid_lists_each_field() {
        let e = ApiError::Invalid(vec![
            FieldError::new("email", "is not an email address"),
            FieldError::new("password", "must be at least 10 characters"),
        ]);
        let body = e.body();
        assert_eq!(body["fields"][1]["field"], "password");
        assert!(body["message"].as_str().unwrap().starts_with("email: is not"));
    }

    #[test]
    fn method_not_allowed_sends_allow() {
        let e = ApiError::MethodNotAllowed { allow: vec!["GET", "POST"] };
        assert_eq!(e.headers(), vec![("Allow", "GET, POST".to_string())]);
        let e = ApiError::TooManyRequests { retry_after: 60, message: "slow down".into() };
        assert_eq!(e.headers(), vec![("Retry-After", "60".to_string())]);
        assert_eq!(e.body()["retry_after"], 60);
    }
}
