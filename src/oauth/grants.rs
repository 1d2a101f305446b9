//! Grants and the answer to "may this grant do X now" — the records a
//! project's hub (`objects::project_hub`) keeps, one SQL row per grant,
//! looked up by id. Codes (`codes`) and refresh rotation (`refresh`) are
//! re-exported here, so the whole lifecycle has one import path.
//!
//! Why records and pure functions: the hub is the one place where a grant's
//! state changes (its one-request-at-a-time execution serializes code
//! redemption and refresh rotation), and the hot path asks it one keyed
//! question per request: the access token names its grant (`grant_id`), the
//! hub loads that row and the member's access snapshot and calls
//! [`check_grant`]. No scan, no cache.
//!
//! Lifecycle the glue follows:
//! 1. Consent: store a [`PendingCode`] (hash of a `dyc_` code, with a fresh
//!    `grant_id`), valid [`CODE_LIFETIME_SECS`].
//!    The grant row may be inserted now (`refresh: None`,
//!    `last_used_at: None`) or at step 2 with [`PendingCode::grant`].
//! 2. `/oauth/token` (code): [`redeem_code`]; on success the grant gets a
//!    [`RefreshState::new`] when the client registered `refresh_token`. On
//!    [`CodeError::Replayed`] revoke the grant named by `code.grant_id`.
//! 3. `/oauth/token` (refresh): find the grant by the presented hash (current,
//!    previous, or — recommended — a history of retired hashes kept until the
//!    refresh expiry, so an old token is still *matched* to its grant), then
//!    [`refresh_grant`] (the token rules of [`rotate_refresh`], then `scope`,
//!    `resource` and the member's channel permission). On
//!    [`RefreshError::Reused`] the grant is already marked revoked: persist it.
//! 4. Every MCP request: [`check_grant`] (or [`HubAccess::check`]).
//!
//! Membership: D1 is the truth; every change is pushed here as the org's
//! whole member snapshot with its version (`studio::access_sync`), before the
//! change is reported as done, and retried until it holds. Removing a member
//! revokes every grant they hold in the project
//! ([`HubAccess::replace_if_newer`] names the users who are gone); a role
//! change narrows effective scopes on the very next check, because effective
//! scopes = token scopes ∩ the member's current role scopes.

use crate::identity::roles::{Permission, Role, ScopeGrant};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::resource::Resource;

pub use super::codes::{redeem_code, CodeError, PendingCode, CODE_LIFETIME_SECS};
pub use super::refresh::{
    refresh_grant, rotate_refresh, RefreshAsk, RefreshError, RefreshRefusal, RefreshState, REFRESH_GRACE_SECS,
    REFRESH_LIFETIME_SECS,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberAccess {
    pub role: String,
    /// `None`: every scope (owner, admin, developer).
    pub scopes: Option<BTreeSet<String>>,
    pub permissions: BTreeSet<Permission>,
}

impl From<&Role> for MemberAccess {
    fn from(r: &Role) -> Self {
        MemberAccess {
            role: r.name.clone(),
            scopes: match &r.scopes {
                ScopeGrant::All => None,
                ScopeGrant::Only(s) => Some(s.clone()),
            },
            permissions: r.permissions.clone(),
        }
    }
}

impl MemberAccess {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.as_ref().is_none_or(|s| s.contains(scope))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Draft,
    Production,
}

impl Channel {
    /// `draft` or `production`, as in JSON, storage and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Draft => "draft",
            Channel::Production => "production",
        }
    }

    /// The inverse of [`Channel::as_str`]; anything else is `None`.
    pub fn parse(raw: &str) -> Option<Channel> {
        match raw {
            "draft" => Some(Channel::Draft),
            "production" => Some(Channel::Production),
            _ => None,
        }
    }
}

/// The Studio's own client: the test panel's grants name it. Its
/// `oauth_clients` row (`store::clients::ensure_first_party`) carries the
/// name the audit log and Authorized apps show, and a `failure` text, so
/// `/oauth/authorize` and `/oauth/token` refuse it as unusable: it never
/// goes through OAuth, and nobody can authorize a client as it.
pub const STUDIO_CLIENT_ID: &str = "dockyard-studio";
/// Its display name.
pub const STUDIO_CLIENT_NAME: &str = "Dockyard Studio";
/// Why OAuth refuses the Studio's client id.
pub const STUDIO_CLIENT_REFUSAL: &str =
    "dockyard-studio is the Studio's own test panel client; it cannot be authorized through OAuth";

/// One authorization: a member let a client act on one resource.
/// Re-authorizing the same client (another device) makes another grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub id: String,
    pub user_id: String,
    pub client_id: String,
    pub resource: Resource,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub refresh: Option<RefreshState>,
}

impl Grant {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }

    /// Revoke (idempotent: the first revocation time is kept). Returns
    /// whether this call revoked it.
    pub fn revoke(&mut self, now: i64) -> bool {
        if self.revoked_at.is_some() {
            return false;
        }
        self.revoked_at = Some(now);
        true
    }
}

/// Why a grant may not act now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    UnknownGrant,
    Revoked,
    /// The grant is for another endpoint than the one called.
    ResourceMismatch,
    NotAMember,
    ChannelNotAllowed(Permission),
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Denied::UnknownGrant => f.write_str("the grant does not exist"),
            Denied::Revoked => f.write_str("the grant was revoked"),
            Denied::ResourceMismatch => f.write_str("the grant is for another endpoint"),
            Denied::NotAMember => f.write_str("the user is no longer a member of the organization"),
            Denied::ChannelNotAllowed(p) => write!(f, "the member's role lacks the {} permission", p.as_str()),
        }
    }
}

/// What a live grant may do on this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    pub user_id: String,
    pub client_id: String,
    /// token scopes ∩ the member's current role scopes, sorted.
    pub effective_scopes: Vec<String>,
}

/// The hot-path decision for a verified access token.
///
/// MUST 1: the grant exists and is not revoked. MUST 2: it is for this
/// resource. MUST 3: its user is still a member. MUST 4: the member's role
/// still has the channel permission (`endpoint.draft` /
/// `endpoint.production`). MUST 5: effective scopes = token scopes ∩ role.
pub fn check_grant(
    grant: Option<&Grant>,
    member: Option<&MemberAccess>,
    token_scopes: &[String],
    resource: &Resource,
) -> Result<Live, Denied> {
    // MUST 1
    let grant = grant.ok_or(Denied::UnknownGrant)?;
    if grant.is_revoked() {
        return Err(Denied::Revoked);
    }
    // MUST 2
    if grant.resource != *resource {
        return Err(Denied::ResourceMismatch);
    }
    // MUST 3
    let member = member.ok_or(Denied::NotAMember)?;
    // MUST 4
    let needed = resource.required_permission();
    if !member.permissions.contains(&needed) {
        return Err(Denied::ChannelNotAllowed(needed));
    }
    // MUST 5
    let effective: BTreeSet<&String> = token_scopes.iter().filter(|s| member.has_scope(s)).collect();
    Ok(Live {
        user_id: grant.user_id.clone(),
        client_id: grant.client_id.clone(),
        effective_scopes: effective.into_iter().cloned().collect(),
    })
}

/// The hub's snapshot of every org member's current access, as of the org's
/// membership `version` in D1 (`orgs.membership_version`, bumped by every
/// membership change).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubAccess {
    pub members: BTreeMap<String, MemberAccess>,
    /// 0 for a snapshot stored before versions existed.
    #[serde(default)]
    pub version: i64,
}

impl HubAccess {
    /// Replaces the whole snapshot with D1's `members` at `version`, unless
    /// this one is newer: pushes can arrive late and out of order (a retry
    /// racing a newer change), and an older snapshot must never overwrite a
    /// newer one. The same version is applied again (a retry is idempotent).
    /// Returns the users no longer present, whose grants must be revoked, or
    /// `None` when the push was stale and nothing changed.
    pub fn replace_if_newer(&mut self, version: i64, members: BTreeMap<String, MemberAccess>) -> Option<Vec<String>> {
        if version < self.version {
            return None;
        }
        let gone = self.members.keys().filter(|u| !members.contains_key(*u)).cloned().collect();
        self.members = members;
        self.version = version;
        Some(gone)
    }

    /// [`check_grant`] with the grant's member looked up in this snapshot.
    pub fn check(&self, grant: Option<&Grant>, token_scopes: &[String], resource: &Resource) -> Result<Live, Denied> {
        let member = grant.and_then(|g| self.members.get(&g.user_id));
        check_grant(grant, member, token_scopes, resource)
    }
}

/// May a call that needs `type_scopes` go ahead?
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeDecision {
    Allowed,
    /// The role has every scope but the token lacks some: 403
    /// `insufficient_scope` with `scope` = `needed` (every scope the call
    /// needs, not just the missing ones). Listed in `tools/list`.
    StepUp {
        needed: Vec<String>,
    },
    /// The role cannot have `missing`: leave the tool out of `tools/list`;
    /// calling it is JSON-RPC -32602 naming the missing scope.
    Hidden {
        missing: Vec<String>,
    },
}

/// The single function that decides both `tools/list` and `tools/call`.
/// `type_scopes`: every scope the operation needs (the Type's scopes, plus
/// the base scope of the operation if the caller wants it checked here);
/// `effective`: from [`Live`]; `role_allows`: the member's current role.
pub fn required_scope_decision(
    type_scopes: &[String],
    effective: &[String],
    role_allows: impl Fn(&str) -> bool,
) -> ScopeDecision {
    let mut needed: Vec<String> = Vec::new();
    for s in type_scopes {
        if !needed.contains(s) {
            needed.push(s.clone());
        }
    }
    let missing: Vec<String> = needed.iter().filter(|s| !role_allows(s)).cloned().collect();
    if !missing.is_empty() {
        return ScopeDecision::Hidden { missing };
    }
    if needed.iter().all(|s| effective.contains(s)) {
        ScopeDecision::Allowed
    } else {
        ScopeDecision::StepUp { needed }
    }
}

#[cfg(test)]
#[path = "grants_tests.rs"]
mod tests;
