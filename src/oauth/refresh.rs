//! Refresh tokens: rotation on every use, a short grace for the previous
//! token, reuse detection (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2).
//!
//! Why here and pure: the hub serializes refreshes of a grant (one request
//! at a time), so the only questions left are the rules — which token is
//! current, how long the previous one lives, when a presentation is a reuse
//! that revokes the grant, and what the refreshed token may carry
//! ([`refresh_grant`]: `scope` only narrows, `resource` must be the grant's,
//! and the member must still hold the channel's permission). Only SHA-256
//! hashes are stored and compared, in constant time.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::errors::{wire, OAuthError};
use super::grants::{Denied, Grant, MemberAccess};
use super::resource::Resource;
use super::token_request::refresh_scopes;
use crate::crypto::ct_eq;
use std::collections::BTreeSet;

/// Refresh tokens live 30 days from the grant's creation, rotation or not.
pub const REFRESH_LIFETIME_SECS: i64 = 30 * 24 * 3600;
/// How long the previous refresh token keeps working after a rotation
/// (hosts that refresh twice in parallel).
pub const REFRESH_GRACE_SECS: i64 = 60;

/// Refresh-token state of a grant: hashes only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshState {
    pub current_hash: String,
    pub previous_hash: Option<String>,
    /// The previous token works while `now < previous_valid_until`.
    pub previous_valid_until: i64,
    /// Absolute end: grant creation + [`REFRESH_LIFETIME_SECS`].
    pub expires_at: i64,
}

impl RefreshState {
    pub fn new(hash: String, grant_created_at: i64) -> Self {
        RefreshState {
            current_hash: hash,
            previous_hash: None,
            previous_valid_until: 0,
            expires_at: grant_created_at + REFRESH_LIFETIME_SECS,
        }
    }
}

/// Why a refresh token was refused (all `invalid_grant` on the wire).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshError {
    Revoked,
    WrongClient,
    /// The grant has no refresh token.
    NoRefresh,
    /// Past the absolute 30-day life.
    Expired,
    /// A rotated-out token came back: the grant is now revoked.
    Reused,
}

impl fmt::Display for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefreshError::Revoked => "the grant was revoked",
            RefreshError::WrongClient => "the refresh token was issued to another client",
            RefreshError::NoRefresh => "the grant has no refresh token",
            RefreshError::Expired => "the refresh token expired",
            RefreshError::Reused => "the refresh token was already used; the grant is now revoked",
        })
    }
}

/// Which of the grant's tokens was presented.
enum Presented {
    Current,
    /// The previous token, within its grace window (a parallel refresh).
    PreviousInGrace,
}

/// The token checks (MUST 1–5 of [`rotate_refresh`]), without rotating; a
/// reuse revokes the grant here.
fn presented(grant: &mut Grant, presented_hash: &str, client_id: &str, now: i64) -> Result<Presented, RefreshError> {
    // MUST 1: not revoked.
    if grant.is_revoked() {
        return Err(RefreshError::Revoked);
    }
    // MUST 2: the client the grant belongs to.
    if grant.client_id != client_id {
        return Err(RefreshError::WrongClient);
    }
    let Some(state) = grant.refresh.as_ref() else {
        return Err(RefreshError::NoRefresh);
    };
    // MUST 3: absolute expiry.
    if now >= state.expires_at {
        return Err(RefreshError::Expired);
    }
    // MUST 4: constant-time comparisons, both always computed.
    let is_current = ct_eq(presented_hash.as_bytes(), state.current_hash.as_bytes());
    let is_previous = state.previous_hash.as_ref().is_some_and(|p| ct_eq(presented_hash.as_bytes(), p.as_bytes()));
    if is_current {
        Ok(Presented::Current)
    } else if is_previous && now < state.previous_valid_until {
        Ok(Presented::PreviousInGrace)
    } else {
        // MUST 5: reuse revokes the grant.
        grant.revoke(now);
        Err(RefreshError::Reused)
    }
}

fn rotate(grant: &mut Grant, which: Presented, new_hash: String, now: i64) {
    if let Some(state) = grant.refresh.as_mut() {
        match which {
            Presented::Current => {
                let old = std::mem::replace(&mut state.current_hash, new_hash);
                state.previous_hash = Some(old);
                state.previous_valid_until = now + REFRESH_GRACE_SECS;
            }
            Presented::PreviousInGrace => state.current_hash = new_hash,
        }
    }
    grant.last_used_at = Some(now);
}

/// Rotate the grant's refresh token: `presented_hash` is the SHA-256 of the
/// token the client sent, `new_hash` that of the one about to be returned.
///
/// - presented == current: rotate; the old one stays valid for
///   [`REFRESH_GRACE_SECS`].
/// - presented == previous within the grace: rotate again (a parallel
///   refresh); the previous token keeps its original deadline (never
///   extended).
/// - anything else (previous after the grace, an older token matched to
///   this grant): reuse — the grant is revoked (`revoked_at = now`).
///
/// Limitation: of two parallel refreshes, the response the client does
/// *not* keep is forgotten after the grace window; presenting it later is
/// treated as reuse.
pub fn rotate_refresh(
    grant: &mut Grant,
    presented_hash: &str,
    client_id: &str,
    new_hash: String,
    now: i64,
) -> Result<(), RefreshError> {
    let which = presented(grant, presented_hash, client_id, now)?;
    rotate(grant, which, new_hash, now);
    Ok(())
}

/// A refresh request: the presented token and what else it asks for.
#[derive(Debug, Clone)]
pub struct RefreshAsk<'a> {
    pub presented_hash: &'a str,
    pub client_id: &'a str,
    /// SHA-256 of the refresh token about to be returned.
    pub new_hash: String,
    /// The raw `scope` parameter (RFC 6749 §6), if sent.
    pub scope: Option<&'a str>,
    /// The `resource` parameter (RFC 8707), if sent (already parsed as one of
    /// our endpoints).
    pub resource: Option<&'a Resource>,
}

/// Why a refresh was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshRefusal {
    /// The token itself (`invalid_grant`); [`RefreshError::Reused`] revoked the grant.
    Token(RefreshError),
    /// The request: a scope outside the grant (`invalid_scope`) or another
    /// resource (`invalid_target`). Nothing was consumed.
    Request(OAuthError),
    /// The member may no longer use the grant's channel (`invalid_grant`).
    /// Nothing was consumed: the grant works again if access comes back.
    Access(Denied),
}

impl RefreshRefusal {
    /// `(RFC 6749 error, error_description)`.
    pub fn wire(&self) -> (&'static str, String) {
        match self {
            RefreshRefusal::Token(e) => ("invalid_grant", e.to_string()),
            RefreshRefusal::Request(e) => {
                let (_, error, description) = wire(e);
                (error, description)
            }
            RefreshRefusal::Access(d) => ("invalid_grant", d.to_string()),
        }
    }
}

/// The whole refresh decision, run where refreshes of a grant are
/// serialized (its hub). Returns the scopes of the new access token.
///
/// MUST 1–5: the token ([`rotate_refresh`]'s rules; a reuse revokes).
/// MUST 6: `resource`, when sent, is the grant's own (RFC 8707 §2.2).
/// MUST 7: `scope`, when sent, is a subset of the grant's scopes (RFC 6749
///         §6: never widen); the grant keeps its scopes, so a later refresh
///         without `scope` gets all of them again.
/// MUST 8: the user is still a member whose role holds the channel's
///         permission (`endpoint.draft` / `endpoint.production`).
/// Only then is the token rotated. The token's scopes are the asked (or
/// granted) ones ∩ the role's current scopes, sorted.
pub fn refresh_grant(
    grant: &mut Grant,
    ask: RefreshAsk<'_>,
    member: Option<&MemberAccess>,
    now: i64,
) -> Result<Vec<String>, RefreshRefusal> {
    // MUST 1–5
    let which = presented(grant, ask.presented_hash, ask.client_id, now).map_err(RefreshRefusal::Token)?;
    // MUST 6
    if let Some(r) = ask.resource.filter(|r| **r != grant.resource) {
        let resource = r.display_name();
        return Err(RefreshRefusal::Request(OAuthError::ResourceMismatch { resource }));
    }
    // MUST 7
    let asked = refresh_scopes(ask.scope, &grant.scopes).map_err(RefreshRefusal::Request)?;
    // MUST 8
    let member = member.ok_or(RefreshRefusal::Access(Denied::NotAMember))?;
    let needed = grant.resource.required_permission();
    if !member.permissions.contains(&needed) {
        return Err(RefreshRefusal::Access(Denied::ChannelNotAllowed(needed)));
    }
    rotate(grant, which, ask.new_hash, now);
    let scopes: BTreeSet<String> = asked.into_iter().filter(|s| member.has_scope(s)).collect();
    Ok(scopes.into_iter().collect())
}
