//! Token- and revocation-endpoint errors, in two layers (STYLE habit 6).
//!
//! Why two layers: the audit log needs the precise reason ("code replayed",
//! "secret wrong for client X", "refresh token reused"); the client needs a
//! stable RFC 6749 §5.2 error code, and must not learn more than it should
//! (which clients exist, whether a secret was close). [`OAuthError`] is the
//! precise inner reason (its `Debug` goes to logs and audit records);
//! [`wire`] is the one exhaustive `match` that turns it into
//! `(status, error, error_description)`. Adding a variant without deciding
//! its wire form does not compile.
//!
//! `invalid_client` answers 401; when the client tried HTTP Basic the glue
//! adds `WWW-Authenticate: Basic realm="dockyard"` (RFC 6749 §5.2). Every
//! token-endpoint response carries `Cache-Control: no-store`.

use serde_json::{json, Value};

use super::client_assertion::AssertionError;
use super::clients::AuthMethod;
use super::grants::{CodeError, RefreshError};

/// Why client authentication failed (all `invalid_client`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAuthFailure {
    /// The secret does not match the stored hash.
    WrongSecret,
    /// A confidential client sent no secret.
    MissingSecret,
    /// A public client (`none`) sent a secret.
    UnexpectedSecret,
    /// The client used a method it did not register.
    MethodMismatch { registered: AuthMethod, used: AuthMethod },
    /// A `private_key_jwt` client sent no `client_assertion`.
    MissingAssertion,
    /// A client registered with another method sent a `client_assertion`.
    UnexpectedAssertion,
    /// The assertion was refused (claims, key, signature or replay).
    BadAssertion(AssertionError),
}

/// The precise reason a token or revocation request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OAuthError {
    MissingParameter {
        name: &'static str,
    },
    /// A parameter sent more than once (RFC 6749 §3.2).
    DuplicateParameter {
        name: String,
    },
    InvalidParameter {
        name: &'static str,
        reason: String,
    },
    UnsupportedGrantType {
        grant_type: String,
    },
    /// No client_id anywhere (form or HTTP Basic).
    NoClientId,
    UnknownClient {
        client_id: String,
    },
    ClientAuthFailed {
        client_id: String,
        reason: ClientAuthFailure,
    },
    /// Both HTTP Basic and `client_secret` in the form.
    MultipleClientAuth,
    /// Form `client_id` differs from the HTTP Basic one.
    ClientIdMismatch {
        form: String,
        basic: String,
    },
    /// The client did not register this grant type.
    GrantTypeNotAllowed {
        client_id: String,
        grant_type: String,
    },
    /// No pending code has this hash.
    UnknownCode,
    Code(CodeError),
    /// No grant matches this refresh token.
    UnknownRefreshToken,
    Refresh(RefreshError),
    /// A scope that is not well formed.
    InvalidScope {
        scope: String,
    },
    /// A scope the grant does not have (refresh down-scoping only narrows).
    ScopeNotGranted {
        scope: String,
    },
    /// `resource` is not one of our endpoints.
    InvalidTarget {
        resource: String,
    },
    /// `resource` is one of ours, but not the grant's.
    ResourceMismatch {
        resource: String,
    },
}

/// The one exhaustive map to the wire: `(HTTP status, RFC 6749 error,
/// error_description)`.
pub fn wire(e: &OAuthError) -> (u16, &'static str, String) {
    use OAuthError::*;
    const BAD_CODE: &str = "the authorization code is invalid, expired or already used";
    const BAD_REFRESH: &str = "the refresh token is invalid, expired or revoked";
    match e {
        MissingParameter { name } => (400, "invalid_request", format!("{name} is required")),
        DuplicateParameter { name } => (400, "invalid_request", format!("parameter {name} appears more than once")),
        InvalidParameter { name, reason } => (400, "invalid_request", format!("{name}: {reason}")),
        UnsupportedGrantType { grant_type } => (
            400,
            "unsupported_grant_type",
            format!("grant_type '{grant_type}' is not supported; use authorization_code or refresh_token"),
        ),
        NoClientId => (401, "invalid_client", "client authentication is required (client_id)".into()),
        ClientAuthFailed { reason: ClientAuthFailure::MethodMismatch { registered, used }, .. } => (
            401,
            "invalid_client",
            format!(
                "client authentication failed: this client registered {} and must authenticate that way, not with {}",
                registered.as_str(),
                used.as_str()
            ),
        ),
        UnknownClient { .. } | ClientAuthFailed { .. } => {
            (401, "invalid_client", "client authentication failed".into())
        }
        MultipleClientAuth => (400, "invalid_request", "use exactly one client authentication method".into()),
        ClientIdMismatch { .. } => {
            (400, "invalid_request", "client_id in the form differs from the HTTP Basic credentials".into())
        }
        GrantTypeNotAllowed { grant_type, .. } => {
            (400, "unauthorized_client", format!("the client is not registered for the {grant_type} grant"))
        }
        UnknownCode => (400, "invalid_grant", BAD_CODE.into()),
        Code(code) => match code {
            CodeError::Replayed | CodeError::Expired | CodeError::WrongClient => {
                (400, "invalid_grant", BAD_CODE.into())
            }
            CodeError::WrongRedirect => {
                (400, "invalid_grant", "redirect_uri does not match the authorization request".into())
            }
            CodeError::BadVerifier => (400, "invalid_grant", "code_verifier does not match the code_challenge".into()),
            CodeError::WrongResource => {
                (400, "invalid_target", "resource does not match the authorization request".into())
            }
        },
        UnknownRefreshToken => (400, "invalid_grant", BAD_REFRESH.into()),
        Refresh(refresh) => match refresh {
            RefreshError::Revoked
            | RefreshError::WrongClient
            | RefreshError::NoRefresh
            | RefreshError::Expired
            | RefreshError::Reused => (400, "invalid_grant", BAD_REFRESH.into()),
        },
        InvalidScope { scope } => (400, "invalid_scope", format!("scope '{scope}' is not well formed")),
        ScopeNotGranted { scope } => (400, "invalid_scope", format!("scope '{scope}' was not granted")),
        InvalidTarget { resource } => {
            (400, "invalid_target", format!("resource '{resource}' is not an endpoint of this server"))
        }
        ResourceMismatch { .. } => (400, "invalid_target", "resource does not match the grant".into()),
    }
}

/// The JSON body: `{"error", "error_description"}`.
pub fn wire_json(e: &OAuthError) -> Value {
    let (_, error, description) = wire(e);
    json!({ "error": error, "error_description": description })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(e: OAuthError) -> (u16, &'static str) {
        let (status, error, _) = wire(&e);
        (status, error)
    }

    #[test]
    fn every_reason_maps_to_its_rfc_error() {
        use OAuthError::*;
        let cases = [
            (MissingParameter { name: "code" }, (400, "invalid_request")),
            (DuplicateParameter { name: "code".into() }, (400, "invalid_request")),
            (InvalidParameter { name: "code_verifier", reason: "x".into() }, (400, "invalid_request")),
            (UnsupportedGrantType { grant_type: "password".into() }, (400, "unsupported_grant_type")),
            (NoClientId, (401, "invalid_client")),
            (UnknownClient { client_id: "c".into() }, (401, "invalid_client")),
            (
                ClientAuthFailed { client_id: "c".into(), reason: ClientAuthFailure::WrongSecret },
                (401, "invalid_client"),
            ),
            (MultipleClientAuth, (400, "invalid_request")),
            (ClientIdMismatch { form: "a".into(), basic: "b".into() }, (400, "invalid_request")),
            (
                GrantTypeNotAllowed { client_id: "c".into(), grant_type: "refresh_token".into() },
                (400, "unauthorized_client"),
            ),
            (UnknownCode, (400, "invalid_grant")),
            (Code(CodeError::Replayed), (400, "invalid_grant")),
            (Code(CodeError::Expired), (400, "invalid_grant")),
            (Code(CodeError::WrongClient), (400, "invalid_grant")),
            (Code(CodeError::WrongRedirect), (400, "invalid_grant")),
            (Code(CodeError::BadVerifier), (400, "invalid_grant")),
            (Code(CodeError::WrongResource), (400, "invalid_target")),
            (UnknownRefreshToken, (400, "invalid_grant")),
            (Refresh(RefreshError::Reused), (400, "invalid_grant")),
            (Refresh(RefreshError::Revoked), (400, "invalid_grant")),
            (Refresh(RefreshError::Expired), (400, "invalid_grant")),
            (InvalidScope { scope: "X".into() }, (400, "invalid_scope")),
            (ScopeNotGranted { scope: "admin".into() }, (400, "invalid_scope")),
            (InvalidTarget { resource: "https://evil".into() }, (400, "invalid_target")),
            (ResourceMismatch { resource: "r".into() }, (400, "invalid_target")),
        ];
        for (e, expected) in cases {
            assert_eq!(code_of(e.clone()), expected, "{e:?}");
        }
    }

    #[test]
    fn the_wire_does_not_tell_which_client_check_failed() {
        let unknown = wire(&OAuthError::UnknownClient { client_id: "cli_x".into() });
        let wrong =
            wire(&OAuthError::ClientAuthFailed { client_id: "cli_x".into(), reason: ClientAuthFailure::WrongSecret });
        assert_eq!(unknown, wrong);
        assert!(!unknown.2.contains("cli_x"));
        // Replay, expiry and a foreign client all look the same to the caller.
        let replay = wire(&OAuthError::Code(CodeError::Replayed));
        assert_eq!(replay, wire(&OAuthError::Code(CodeError::Expired)));
        assert_eq!(replay, wire(&OAuthError::UnknownCode));
        assert_eq!(wire(&OAuthError::Refresh(RefreshError::Reused)), wire(&OAuthError::UnknownRefreshToken));
        // The precise reason stays available for the audit log.
        assert!(format!("{:?}", OAuthError::Code(CodeError::Replayed)).contains("Replayed"));
    }

    #[test]
    fn json_body_shape() {
        let body = wire_json(&OAuthError::MissingParameter { name: "code_verifier" });
        assert_eq!(body, json!({"error": "invalid_request", "error_description": "code_verifier is required"}));
    }
}
