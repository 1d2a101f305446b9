//! OAuth clients: Dynamic Client Registration (RFC 7591) and Client ID
//! Metadata Documents (CIMD, draft-ietf-oauth-client-id-metadata-document).
//!
//! Why pure: both paths end in the same question — "is this metadata
//! acceptable, and what exactly do we store?" — and both take untrusted
//! bytes from the internet. The glue does the I/O (rate-limited
//! `POST /oauth/register`, the capped CIMD fetch); everything decidable from
//! the bytes is decided here and unit-tested.
//!
//! Decisions:
//! - Unknown metadata fields are ignored (RFC 7591 §2); known ones with the
//!   wrong JSON type are refused. `null` counts as absent.
//! - `token_endpoint_auth_method` defaults to `client_secret_basic` (RFC 7591
//!   §2) for DCR. MCP clients send `none`; a client that omits it gets a
//!   secret it must use. `private_key_jwt` is for CIMD clients only (their
//!   keys are at the document's `jwks_uri`, `cimd`); DCR refuses it. For CIMD
//!   there is no secret: `none` or `private_key_jwt`.
//! - `grant_types` ⊆ {authorization_code, refresh_token} and must contain
//!   `authorization_code`; the glue issues refresh tokens (and accepts the
//!   refresh grant) only when it also contains `refresh_token`
//!   ([`ClientMetadata::allows_grant`]).
//! - Redirect URIs follow `redirect` (RFC 8252): https, loopback http (any
//!   port) and, for public clients only, private-use schemes such as
//!   `cursor://`. One bad URI refuses the whole registration, naming its
//!   index.
//! - The response echoes what was stored — `token_endpoint_auth_method`,
//!   `grant_types`, `response_types`, `redirect_uris`, … — plus
//!   `client_id_issued_at`. RFC 7592 (reading, updating or deleting a
//!   registration) is not implemented, so `registration_client_uri` and
//!   `registration_access_token` are never returned: a client that wants
//!   other metadata registers again (registrations expire when idle).
//! - `client_name` is stored verbatim — `<script>` included — and escaped
//!   when rendered. Control and bidi-override characters are refused (they
//!   would let a name impersonate another on the consent page); an empty
//!   name counts as absent.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use url::Url;

use super::client_assertion::Jwk;
use super::redirect::check_registrable;
use crate::identity::validate::validate_scope;

pub use super::cimd::{cimd_url_allowed, is_cimd_client_id, validate_cimd_document, MAX_CIMD_BYTES};

/// Largest registration request body (bytes).
pub const MAX_REGISTRATION_BYTES: usize = 8 * 1024;
/// Most redirect URIs one client may register.
pub const MAX_REDIRECT_URIS: usize = 10;
/// Longest `client_name`, in characters.
pub const MAX_CLIENT_NAME_CHARS: usize = 200;
const MAX_TEXT_CHARS: usize = 200;
const MAX_URL_LEN: usize = 2000;
const MAX_SCOPES: usize = 64;

/// How a client authenticates at the token and revocation endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// Public client: no secret, PKCE only.
    None,
    ClientSecretPost,
    ClientSecretBasic,
    /// RFC 7523 client assertion signed with a key of the client's JWKS
    /// (CIMD clients only; `client_assertion`).
    PrivateKeyJwt,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::None => "none",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
        }
    }

    pub fn parse(s: &str) -> Option<AuthMethod> {
        [AuthMethod::None, AuthMethod::ClientSecretPost, AuthMethod::ClientSecretBasic, AuthMethod::PrivateKeyJwt]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// The metadata we keep for a client (DCR row or cached CIMD document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    pub redirect_uris: Vec<String>,
    pub token_endpoint_auth_method: String,
    pub grant_types: Vec<String>,
    pub response_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_version: Option<String>,
    /// `private_key_jwt` CIMD clients: where their public keys are, and the
    /// keys last fetched from there (cached with the document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_keys: Option<ClientKeys>,
}

/// A `private_key_jwt` client's key source (`jwks_uri`, on the origin of the
/// client id) and the keys fetched from it (`None` until fetched).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientKeys {
    pub jwks_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<Vec<Jwk>>,
    /// When `keys` were fetched (Unix seconds).
    #[serde(default)]
    pub fetched_at: i64,
}

impl ClientMetadata {
    /// The registered method; an unreadable stored value counts as
    /// `client_secret_basic` (the strictest: a secret is required).
    pub fn auth_method(&self) -> AuthMethod {
        AuthMethod::parse(&self.token_endpoint_auth_method).unwrap_or(AuthMethod::ClientSecretBasic)
    }

    /// Confidential clients get (and must present) a secret.
    pub fn is_confidential(&self) -> bool {
        matches!(self.auth_method(), AuthMethod::ClientSecretPost | AuthMethod::ClientSecretBasic)
    }

    /// Did the client register this grant type?
    pub fn allows_grant(&self, grant_type: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant_type)
    }

    /// The name to show (escaped by the renderer), or the client id.
    pub fn display_name<'a>(&'a self, client_id: &'a str) -> &'a str {
        self.client_name.as_deref().unwrap_or(client_id)
    }
}

/// A refused registration or metadata document (RFC 7591 §3.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationError {
    /// `invalid_redirect_uri` or `invalid_client_metadata`.
    pub error: &'static str,
    pub description: String,
}

impl RegistrationError {
    pub(super) fn metadata(description: impl Into<String>) -> Self {
        RegistrationError { error: "invalid_client_metadata", description: description.into() }
    }

    fn redirect(description: impl Into<String>) -> Self {
        RegistrationError { error: "invalid_redirect_uri", description: description.into() }
    }

    /// The 400 body: `{"error", "error_description"}`.
    pub fn to_json(&self) -> Value {
        json!({ "error": self.error, "error_description": self.description })
    }
}

/// Validate a `POST /oauth/register` body.
///
/// MUST 1: at most [`MAX_REGISTRATION_BYTES`], checked before parsing.
/// MUST 2: a JSON object. MUST 3: every field checked (see the module docs).
pub fn validate_registration(raw: &[u8]) -> Result<ClientMetadata, RegistrationError> {
    // MUST 1
    if raw.len() > MAX_REGISTRATION_BYTES {
        return Err(RegistrationError::metadata(format!(
            "registration metadata is larger than {MAX_REGISTRATION_BYTES} bytes"
        )));
    }
    // MUST 2
    let obj = parse_object(raw)?;
    // MUST 3
    let metadata = parse_metadata(&obj, AuthMethod::ClientSecretBasic)?;
    if metadata.auth_method() == AuthMethod::PrivateKeyJwt {
        return Err(RegistrationError::metadata(
            "private_key_jwt is supported for Client ID Metadata Document clients only; register with none, \
             client_secret_post or client_secret_basic",
        ));
    }
    Ok(metadata)
}

pub(super) fn parse_object(raw: &[u8]) -> Result<Map<String, Value>, RegistrationError> {
    match serde_json::from_slice::<Value>(raw) {
        Ok(Value::Object(obj)) => Ok(obj),
        Ok(_) => Err(RegistrationError::metadata("client metadata must be a JSON object")),
        Err(e) => Err(RegistrationError::metadata(format!("client metadata is not valid JSON ({e})"))),
    }
}

/// The field-by-field rules shared by DCR and CIMD.
pub(super) fn parse_metadata(
    obj: &Map<String, Value>,
    default_method: AuthMethod,
) -> Result<ClientMetadata, RegistrationError> {
    let method = match string(obj, "token_endpoint_auth_method")? {
        None => default_method,
        Some(m) => AuthMethod::parse(&m).ok_or_else(|| {
            RegistrationError::metadata(format!(
                "unsupported token_endpoint_auth_method '{m}'; expected none, client_secret_post, client_secret_basic \
                 or private_key_jwt"
            ))
        })?,
    };
    let redirect_uris = redirect_uris(obj, method == AuthMethod::None)?;
    let grant_types = string_list(obj, "grant_types", &["authorization_code", "refresh_token"])?
        .unwrap_or_else(|| vec!["authorization_code".into()]);
    if !grant_types.iter().any(|g| g == "authorization_code") {
        return Err(RegistrationError::metadata("grant_types must include authorization_code"));
    }
    let response_types = string_list(obj, "response_types", &["code"])?.unwrap_or_else(|| vec!["code".into()]);
    if response_types.is_empty() {
        return Err(RegistrationError::metadata("response_types must include code"));
    }
    Ok(ClientMetadata {
        client_name: text(obj, "client_name", MAX_CLIENT_NAME_CHARS)?,
        redirect_uris,
        token_endpoint_auth_method: method.as_str().to_string(),
        grant_types,
        response_types,
        client_uri: https_url(obj, "client_uri")?,
        logo_uri: https_url(obj, "logo_uri")?,
        scope: scope(obj)?,
        software_id: text(obj, "software_id", MAX_TEXT_CHARS)?,
        software_version: text(obj, "software_version", MAX_TEXT_CHARS)?,
        signing_keys: None,
    })
}

/// The RFC 7591 §3.2.1 response: the stored metadata echoed, `client_id`,
/// `client_id_issued_at`, and — only for confidential clients, when the
/// caller minted one — `client_secret` with `client_secret_expires_at`
/// (`0` = never).
pub fn registration_response(
    client_id: &str,
    secret: Option<&str>,
    issued_at: i64,
    expires_at: Option<i64>,
    m: &ClientMetadata,
) -> Value {
    let mut doc = serde_json::to_value(m).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut doc {
        map.insert("client_id".into(), json!(client_id));
        map.insert("client_id_issued_at".into(), json!(issued_at));
        if let (Some(secret), true) = (secret, m.is_confidential()) {
            map.insert("client_secret".into(), json!(secret));
            map.insert("client_secret_expires_at".into(), json!(expires_at.unwrap_or(0)));
        }
    }
    doc
}

fn present<'a>(obj: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    obj.get(field).filter(|v| !v.is_null())
}

fn string(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, RegistrationError> {
    match present(obj, field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(RegistrationError::metadata(format!("{field} must be a string"))),
    }
}

/// `public`: the client's method is `none` (only public clients may use
/// private-use schemes, `redirect::check_registrable`).
fn redirect_uris(obj: &Map<String, Value>, public: bool) -> Result<Vec<String>, RegistrationError> {
    let Some(value) = present(obj, "redirect_uris") else {
        return Err(RegistrationError::redirect("redirect_uris is required"));
    };
    let Some(list) = value.as_array() else {
        return Err(RegistrationError::redirect("redirect_uris must be an array of strings"));
    };
    if list.is_empty() {
        return Err(RegistrationError::redirect("redirect_uris must not be empty"));
    }
    if list.len() > MAX_REDIRECT_URIS {
        return Err(RegistrationError::redirect(format!("at most {MAX_REDIRECT_URIS} redirect_uris")));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let Some(uri) = item.as_str() else {
            return Err(RegistrationError::redirect(format!("redirect_uris[{i}] must be a string")));
        };
        check_registrable(uri, public)
            .map_err(|why| RegistrationError::redirect(format!("redirect_uris[{i}]: {why}")))?;
        if !out.iter().any(|u| u == uri) {
            out.push(uri.to_string());
        }
    }
    Ok(out)
}

fn string_list(
    obj: &Map<String, Value>,
    field: &str,
    allowed: &[&str],
) -> Result<Option<Vec<String>>, RegistrationError> {
    let Some(value) = present(obj, field) else { return Ok(None) };
    let list = value.as_array().ok_or_else(|| RegistrationError::metadata(format!("{field} must be an array")))?;
    let mut out: Vec<String> = Vec::new();
    for item in list {
        let s = item.as_str().ok_or_else(|| RegistrationError::metadata(format!("{field} must be strings")))?;
        if !allowed.contains(&s) {
            let expected = allowed.join(", ");
            return Err(RegistrationError::metadata(format!("unsupported {field} value '{s}'; supported: {expected}")));
        }
        if !out.iter().any(|x| x == s) {
            out.push(s.to_string());
        }
    }
    Ok(Some(out))
}

fn text(obj: &Map<String, Value>, field: &str, max_chars: usize) -> Result<Option<String>, RegistrationError> {
    let Some(s) = string(obj, field)? else { return Ok(None) };
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().count() > max_chars {
        return Err(RegistrationError::metadata(format!("{field} must be at most {max_chars} characters")));
    }
    if s.chars().any(|c| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')) {
        return Err(RegistrationError::metadata(format!("{field} must not contain control characters")));
    }
    Ok(Some(s))
}

fn https_url(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, RegistrationError> {
    let Some(s) = string(obj, field)? else { return Ok(None) };
    let bad = || RegistrationError::metadata(format!("{field} must be an https URL"));
    if s.len() > MAX_URL_LEN || !s.starts_with("https://") || s.bytes().any(|b| !(0x21..0x7f).contains(&b)) {
        return Err(bad());
    }
    let url = Url::parse(&s).map_err(|_| bad())?;
    if url.host_str().is_none_or(str::is_empty) || !url.username().is_empty() || url.password().is_some() {
        return Err(bad());
    }
    Ok(Some(s))
}

fn scope(obj: &Map<String, Value>) -> Result<Option<String>, RegistrationError> {
    let Some(s) = string(obj, "scope")? else { return Ok(None) };
    let tokens: Vec<&str> = s.split(' ').filter(|t| !t.is_empty()).collect();
    if tokens.len() > MAX_SCOPES {
        return Err(RegistrationError::metadata(format!("scope lists more than {MAX_SCOPES} scopes")));
    }
    for t in &tokens {
        validate_scope("scope", t).map_err(|e| RegistrationError::metadata(format!("scope '{t}' {}", e.message)))?;
    }
    Ok((!tokens.is_empty()).then(|| tokens.join(" ")))
}

#[cfg(test)]
#[path = "clients_tests.rs"]
mod tests;
