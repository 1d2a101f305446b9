//! Refresh tokens: rotation on every use, a short grace for the previous
//! token, reuse detection (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2).
//!
//! Why here and pure: the hub serializes refreshes of a grant (one request
//! at a time), so the only questions left are the rules — which token is
//! current, how long the previous one lives, when a presentation is a reuse
//! that revokes the grant. Only SHA-256 hashes are stored and compared, in
//! constant time.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::grants::Grant;
use crate::crypto::ct_eq;

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
    // MUST 1: not revoked.
    if grant.is_revoked() {
        return Err(RefreshError::Revoked);
    }
    // MUST 2: the client the grant belongs to.
    if grant.client_id != client_id {
        return Err(RefreshError::WrongClient);
    }
    let Some(state) = grant.refresh.as_mut() else {
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
        let old = std::mem::replace(&mut state.current_hash, new_hash);
        state.previous_hash = Some(old);
        state.previous_valid_until = now + REFRESH_GRACE_SECS;
    } else if is_previous && now < state.previous_valid_until {
        state.current_hash = new_hash;
    } else {
        // MUST 5: reuse revokes the grant.
        grant.revoke(now);
        return Err(RefreshError::Reused);
    }
    grant.last_used_at = Some(now);
    Ok(())
}
