//! Authorization codes (RFC 6749 §4.1, RFC 7636, RFC 8707): the record the
//! hub stores at consent and the single-use redemption at `/oauth/token`.
//!
//! Why here and pure: redemption is where most of issue 6's attack cases
//! land (replay, expiry, wrong client, redirect mismatch, wrong verifier,
//! wrong resource). The hub serializes it (one request at a time), so "mark
//! used" cannot race; the rules are this one function, tested natively.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::grants::Grant;
use super::pkce::verify_s256;
use super::refresh::RefreshState;
use super::resource::Resource;

/// Authorization codes live one minute.
pub const CODE_LIFETIME_SECS: i64 = 60;

/// An issued, not yet (or already) redeemed authorization code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCode {
    pub code_hash: String,
    /// The grant this code creates on redemption (and revokes on replay).
    pub grant_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub resource: Resource,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

impl PendingCode {
    /// The grant row to insert after a successful [`redeem_code`];
    /// `refresh_hash` when the client gets a refresh token.
    pub fn grant(&self, now: i64, refresh_hash: Option<String>) -> Grant {
        Grant {
            id: self.grant_id.clone(),
            user_id: self.user_id.clone(),
            client_id: self.client_id.clone(),
            resource: self.resource.clone(),
            scopes: self.scopes.clone(),
            created_at: now,
            last_used_at: Some(now),
            revoked_at: None,
            refresh: refresh_hash.map(|h| RefreshState::new(h, now)),
        }
    }
}

/// Why a code was not redeemed (all `invalid_grant` on the wire, except
/// `WrongResource`: `invalid_target`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeError {
    /// Already used: the caller revokes `grant_id`'s grant.
    Replayed,
    Expired,
    WrongClient,
    WrongRedirect,
    BadVerifier,
    WrongResource,
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CodeError::Replayed => "the authorization code was already used",
            CodeError::Expired => "the authorization code expired",
            CodeError::WrongClient => "the authorization code was issued to another client",
            CodeError::WrongRedirect => "redirect_uri does not match the authorization request",
            CodeError::BadVerifier => "code_verifier does not match the code_challenge",
            CodeError::WrongResource => "resource does not match the authorization request",
        })
    }
}

/// Redeem an authorization code. On success the code is marked used; on
/// failure nothing changes (a failed attempt does not burn the code, so a
/// guessed-wrong verifier cannot be turned into a revocation of the real
/// client's grant).
///
/// Decision: `resource` may be absent — the audience was fixed at
/// `/authorize` and is carried by the code, so omitting it cannot widen
/// anything; when present it must equal the code's resource.
pub fn redeem_code(
    code: &mut PendingCode,
    client_id: &str,
    redirect_uri: &str,
    verifier: &str,
    resource: Option<&Resource>,
    now: i64,
) -> Result<(), CodeError> {
    // MUST 1: single use (RFC 6749 §4.1.2; replay revokes the grant).
    if code.used_at.is_some() {
        return Err(CodeError::Replayed);
    }
    // MUST 2: not expired.
    if now >= code.expires_at {
        return Err(CodeError::Expired);
    }
    // MUST 3: issued to this client.
    if code.client_id != client_id {
        return Err(CodeError::WrongClient);
    }
    // MUST 4: the same redirect_uri, exactly (RFC 6749 §4.1.3).
    if code.redirect_uri != redirect_uri {
        return Err(CodeError::WrongRedirect);
    }
    // MUST 5: PKCE S256 (RFC 7636 §4.6).
    if !verify_s256(verifier, &code.code_challenge) {
        return Err(CodeError::BadVerifier);
    }
    // MUST 6: resource equal to the code's (RFC 8707 §2.2).
    if resource.is_some_and(|r| *r != code.resource) {
        return Err(CodeError::WrongResource);
    }
    code.used_at = Some(now);
    Ok(())
}
