//! `POST /oauth/token` and `POST /oauth/revoke`: parsing the form, client
//! authentication, and the success body.
//!
//! Why a flow without I/O: parsing tells the glue what to look up next — the
//! client ([`ClientAuth::client_id`]), then the code or refresh token by its
//! hash — and the pure checks ([`authenticate_client`], [`check_grant_type`],
//! [`resource_param`], [`refresh_scopes`], then `grants::redeem_code` /
//! `grants::rotate_refresh`) decide. Every refusal is an [`OAuthError`];
//! `errors::wire` turns it into the RFC 6749 response.
//!
//! Decisions:
//! - Every parameter at most once (RFC 6749 §3.2); empty values count as
//!   absent (RFC 6749 §3.1).
//! - `resource` is optional at the token endpoint (RFC 8707 §2.2): the code
//!   and the refresh token are already bound to the one exact endpoint named
//!   at `/oauth/authorize` (where it is required), and the token is issued
//!   for that endpoint. When present it must equal it (`invalid_target`).
//! - `redirect_uri` and `code_verifier` are required for the code grant
//!   (`/authorize` always requires `redirect_uri` and PKCE).
//! - Client identification: HTTP Basic or the form, never both secrets;
//!   a form `client_id` next to Basic must agree.
//! - A confidential client authenticates exactly the way it registered:
//!   `client_secret_basic` in the `Authorization: Basic` header,
//!   `client_secret_post` in the form (RFC 7591 §2 names *the* method; a
//!   client that registered one and uses the other is told which it
//!   registered). A public client must not send a secret.
//! - RFC 7523 assertions (`client_assertion_type` = [`ASSERTION_TYPE`] and
//!   `client_assertion`): never next to a secret or HTTP Basic; `client_id`
//!   is optional (then the assertion's `sub` names the client). Only a
//!   client registered with `private_key_jwt` may send one, and such a
//!   client must. [`authenticate_client`] decides the method; the assertion
//!   itself (claims, key, WebCrypto signature, single-use `jti`) is checked
//!   next by the glue (`authz::token`) with `client_assertion`.

use serde_json::{json, Value};

use super::authorize::IGNORED_SCOPES;
use super::client_assertion::{self, ASSERTION_TYPE};
use super::clients::{AuthMethod, ClientMetadata};
use super::errors::{ClientAuthFailure, OAuthError};
use super::resource::{parse_resource, Resource};
use crate::crypto::{ct_eq, sha256_hex};
use crate::identity::validate::validate_scope;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRequest {
    AuthorizationCode {
        code: String,
        redirect_uri: String,
        code_verifier: String,
        client_id: Option<String>,
        resource: Option<String>,
    },
    RefreshToken {
        refresh_token: String,
        client_id: Option<String>,
        resource: Option<String>,
        scope: Option<String>,
    },
}

impl TokenRequest {
    pub fn grant_type(&self) -> &'static str {
        match self {
            TokenRequest::AuthorizationCode { .. } => "authorization_code",
            TokenRequest::RefreshToken { .. } => "refresh_token",
        }
    }
}

/// Who the caller claims to be, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAuth {
    pub client_id: String,
    pub secret: Option<String>,
    pub method: AuthMethod,
    /// The compact JWS of `private_key_jwt` (`method` is then `PrivateKeyJwt`).
    pub assertion: Option<String>,
}

impl ClientAuth {
    /// A public client: its id only.
    pub fn public(client_id: String) -> Self {
        ClientAuth { client_id, secret: None, method: AuthMethod::None, assertion: None }
    }

    /// A client presenting a secret with `method` (post or basic).
    pub fn with_secret(client_id: String, secret: String, method: AuthMethod) -> Self {
        ClientAuth { client_id, secret: Some(secret), method, assertion: None }
    }
}

/// RFC 7009 revocation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokeRequest {
    pub token: String,
    pub token_type_hint: Option<String>,
}

/// Form parameters as a map; refuses repeated names.
fn single_values(form: &[(String, String)]) -> Result<Vec<(&str, &str)>, OAuthError> {
    let mut out: Vec<(&str, &str)> = Vec::with_capacity(form.len());
    for (k, v) in form {
        if out.iter().any(|(name, _)| name == k) {
            return Err(OAuthError::DuplicateParameter { name: k.clone() });
        }
        out.push((k, v));
    }
    Ok(out)
}

fn get(map: &[(&str, &str)], name: &str) -> Option<String> {
    map.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()).filter(|v| !v.is_empty())
}

fn required(map: &[(&str, &str)], name: &'static str) -> Result<String, OAuthError> {
    get(map, name).ok_or(OAuthError::MissingParameter { name })
}

/// `client_assertion_type` + `client_assertion` (RFC 7523 §2.2), or `None`
/// when the form has neither.
fn assertion_auth(
    map: &[(&str, &str)],
    basic: bool,
    form_id: Option<String>,
) -> Result<Option<ClientAuth>, OAuthError> {
    let kind = get(map, "client_assertion_type");
    let assertion = get(map, "client_assertion");
    if kind.is_none() && assertion.is_none() {
        return Ok(None);
    }
    if basic || get(map, "client_secret").is_some() {
        return Err(OAuthError::MultipleClientAuth);
    }
    match kind.as_deref() {
        None => return Err(OAuthError::MissingParameter { name: "client_assertion_type" }),
        Some(ASSERTION_TYPE) => {}
        Some(_) => {
            return Err(OAuthError::InvalidParameter {
                name: "client_assertion_type",
                reason: format!("the only supported type is {ASSERTION_TYPE}"),
            })
        }
    }
    let assertion = assertion.ok_or(OAuthError::MissingParameter { name: "client_assertion" })?;
    let named = || {
        client_assertion::parse(&assertion).ok().and_then(|a| client_assertion::named_client(&a).map(str::to_string))
    };
    let client_id = form_id.or_else(named).ok_or(OAuthError::NoClientId)?;
    Ok(Some(ClientAuth { client_id, secret: None, method: AuthMethod::PrivateKeyJwt, assertion: Some(assertion) }))
}

fn client_auth(map: &[(&str, &str)], basic: Option<(String, String)>) -> Result<ClientAuth, OAuthError> {
    let form_id = get(map, "client_id");
    if let Some(auth) = assertion_auth(map, basic.is_some(), form_id.clone())? {
        return Ok(auth);
    }
    let form_secret = get(map, "client_secret");
    match (basic, form_secret) {
        (Some(_), Some(_)) => Err(OAuthError::MultipleClientAuth),
        (Some((id, secret)), None) => match form_id {
            Some(form) if form != id => Err(OAuthError::ClientIdMismatch { form, basic: id }),
            _ if id.is_empty() => Err(OAuthError::NoClientId),
            _ => Ok(ClientAuth::with_secret(id, secret, AuthMethod::ClientSecretBasic)),
        },
        (None, Some(secret)) => {
            let client_id = form_id.ok_or(OAuthError::NoClientId)?;
            Ok(ClientAuth::with_secret(client_id, secret, AuthMethod::ClientSecretPost))
        }
        (None, None) => {
            let client_id = form_id.ok_or(OAuthError::NoClientId)?;
            Ok(ClientAuth::public(client_id))
        }
    }
}

/// Parse a token request. `basic_auth` is the decoded HTTP Basic pair, if
/// the request had one ([`parse_basic_auth`]).
pub fn parse_token_request(
    form: &[(String, String)],
    basic_auth: Option<(String, String)>,
) -> Result<(TokenRequest, ClientAuth), OAuthError> {
    let map = single_values(form)?;
    let grant_type = required(&map, "grant_type")?;
    let request = match grant_type.as_str() {
        "authorization_code" => TokenRequest::AuthorizationCode {
            code: required(&map, "code")?,
            redirect_uri: required(&map, "redirect_uri")?,
            code_verifier: required(&map, "code_verifier")?,
            client_id: get(&map, "client_id"),
            resource: get(&map, "resource"),
        },
        "refresh_token" => TokenRequest::RefreshToken {
            refresh_token: required(&map, "refresh_token")?,
            client_id: get(&map, "client_id"),
            resource: get(&map, "resource"),
            scope: get(&map, "scope"),
        },
        other => return Err(OAuthError::UnsupportedGrantType { grant_type: other.to_string() }),
    };
    Ok((request, client_auth(&map, basic_auth)?))
}

/// Parse a revocation request (RFC 7009 §2.1).
pub fn parse_revoke_request(
    form: &[(String, String)],
    basic_auth: Option<(String, String)>,
) -> Result<(RevokeRequest, ClientAuth), OAuthError> {
    let map = single_values(form)?;
    let request = RevokeRequest { token: required(&map, "token")?, token_type_hint: get(&map, "token_type_hint") };
    Ok((request, client_auth(&map, basic_auth)?))
}

/// Check the caller against the registered client. `secret_hash` is the
/// stored `sha256_hex` of its secret (confidential clients).
///
/// MUST 1: the client exists. MUST 2: a `private_key_jwt` client sends an
/// assertion and nothing else; no other client sends one (`Ok` then means
/// "verify the assertion next": `client_assertion` and the glue's WebCrypto
/// call). MUST 3: public clients send no secret; confidential ones send one
/// with the method they registered. MUST 4: the secret matches, compared in
/// constant time.
pub fn authenticate_client(
    auth: &ClientAuth,
    client: Option<&ClientMetadata>,
    secret_hash: Option<&str>,
) -> Result<(), OAuthError> {
    // MUST 1
    let Some(client) = client else {
        return Err(OAuthError::UnknownClient { client_id: auth.client_id.clone() });
    };
    let fail = |reason| Err(OAuthError::ClientAuthFailed { client_id: auth.client_id.clone(), reason });
    let registered = client.auth_method();
    // MUST 2
    match (registered == AuthMethod::PrivateKeyJwt, auth.method == AuthMethod::PrivateKeyJwt) {
        (true, true) if auth.secret.is_none() && auth.assertion.is_some() => return Ok(()),
        (true, _) => return fail(ClientAuthFailure::MissingAssertion),
        (false, true) => return fail(ClientAuthFailure::UnexpectedAssertion),
        (false, false) => {}
    }
    // MUST 3
    match (registered, &auth.secret) {
        (AuthMethod::None, None) => Ok(()),
        (AuthMethod::None, Some(_)) => fail(ClientAuthFailure::UnexpectedSecret),
        (_, None) => fail(ClientAuthFailure::MissingSecret),
        (_, Some(secret)) => {
            // MUST 4
            let presented = sha256_hex(secret.as_bytes());
            if !secret_hash.is_some_and(|stored| ct_eq(presented.as_bytes(), stored.as_bytes())) {
                return fail(ClientAuthFailure::WrongSecret);
            }
            // MUST 3, told only to a caller that knows the secret: the
            // method it registered.
            if auth.method != registered {
                return fail(ClientAuthFailure::MethodMismatch { registered, used: auth.method });
            }
            Ok(())
        }
    }
}

/// Did the client register the grant type it is using?
pub fn check_grant_type(request: &TokenRequest, client_id: &str, client: &ClientMetadata) -> Result<(), OAuthError> {
    if client.allows_grant(request.grant_type()) {
        Ok(())
    } else {
        Err(OAuthError::GrantTypeNotAllowed {
            client_id: client_id.to_string(),
            grant_type: request.grant_type().to_string(),
        })
    }
}

/// The `resource` parameter of a token request: absent, or exactly one of
/// our endpoints (then the caller compares it with the code's or grant's).
pub fn resource_param(public_url: &str, raw: Option<&str>) -> Result<Option<Resource>, OAuthError> {
    match raw {
        None => Ok(None),
        Some(raw) => parse_resource(public_url, raw)
            .map(Some)
            .ok_or_else(|| OAuthError::InvalidTarget { resource: raw.to_string() }),
    }
}

/// Scopes for a refreshed access token (RFC 6749 §6): the grant's, or the
/// requested subset of them. `offline_access`, `openid`, … are ignored, as
/// at `/oauth/authorize` (`authorize::IGNORED_SCOPES`).
pub fn refresh_scopes(requested: Option<&str>, granted: &[String]) -> Result<Vec<String>, OAuthError> {
    let Some(raw) = requested else { return Ok(granted.to_vec()) };
    let mut out: Vec<String> = Vec::new();
    for token in raw.split(' ').filter(|t| !t.is_empty()) {
        if validate_scope("scope", token).is_err() {
            return Err(OAuthError::InvalidScope { scope: token.to_string() });
        }
        if IGNORED_SCOPES.contains(&token) {
            continue;
        }
        if !granted.iter().any(|g| g == token) {
            return Err(OAuthError::ScopeNotGranted { scope: token.to_string() });
        }
        if !out.iter().any(|s| s == token) {
            out.push(token.to_string());
        }
    }
    Ok(if out.is_empty() { granted.to_vec() } else { out })
}

/// Decode an `Authorization: Basic …` header into (client_id, secret)
/// (RFC 6749 §2.3.1: each part form-urlencoded before base64). `None` when
/// it is not Basic or not decodable.
pub fn parse_basic_auth(header: &str) -> Option<(String, String)> {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    let (scheme, rest) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(rest.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

fn form_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The token endpoint's success body (RFC 6749 §5.1). Send it with
/// `Cache-Control: no-store`.
pub fn token_response(access: &str, expires_in: i64, refresh: Option<&str>, scope: &str) -> Value {
    let mut body = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": scope,
    });
    if let Some(refresh) = refresh {
        body["refresh_token"] = json!(refresh);
    }
    body
}

#[cfg(test)]
#[path = "token_request_tests.rs"]
mod tests;
