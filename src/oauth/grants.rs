//! The answer to "may this grant do X now", as kept by a project's hub
//! (`objects::project_hub`): a snapshot of every org member's current access,
//! and the project's grants. Membership changes are pushed here *before* D1 is
//! updated (see `studio::access_sync`), so a removal or downgrade is never
//! weaker here than in D1:
//! - removing a member revokes every grant they hold in the project;
//! - a role change narrows effective scopes on the very next check, because
//!   effective scopes = token scopes ∩ the member's current role scopes.

use crate::identity::roles::{Permission, Role, ScopeGrant};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MembershipChange {
    Set { user_id: String, access: MemberAccess },
    Removed { user_id: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Draft,
    Production,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub id: String,
    pub user_id: String,
    pub client_id: String,
    pub channel: Channel,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// Why a grant may not act now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    UnknownGrant,
    Revoked,
    NotAMember,
    ChannelNotAllowed(Permission),
}

/// What a live grant may do on this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    pub user_id: String,
    pub effective_scopes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubAccess {
    pub members: BTreeMap<String, MemberAccess>,
    pub grants: BTreeMap<String, Grant>,
}

impl HubAccess {
    /// Applies a membership change; returns the ids of the grants it revoked.
    pub fn apply(&mut self, change: MembershipChange, now: i64) -> Vec<String> {
        match change {
            MembershipChange::Set { user_id, access } => {
                self.members.insert(user_id, access);
                Vec::new()
            }
            MembershipChange::Removed { user_id } => {
                self.members.remove(&user_id);
                let mut revoked = Vec::new();
                for g in self.grants.values_mut() {
                    if g.user_id == user_id && g.revoked_at.is_none() {
                        g.revoked_at = Some(now);
                        revoked.push(g.id.clone());
                    }
                }
                revoked
            }
        }
    }

    /// Replaces the whole member snapshot (a new project starts from the org's
    /// members); grants of people no longer present are revoked.
    pub fn replace_members(&mut self, members: BTreeMap<String, MemberAccess>, now: i64) -> Vec<String> {
        let gone: Vec<String> = self.members.keys().filter(|u| !members.contains_key(*u)).cloned().collect();
        self.members = members;
        gone.into_iter().flat_map(|user_id| self.apply(MembershipChange::Removed { user_id }, now)).collect()
    }

    /// The keyed lookup the hot path makes: is the grant live, and with which
    /// effective scopes?
    pub fn check(&self, grant_id: &str, token_scopes: &[String]) -> Result<Live, Denied> {
        let grant = self.grants.get(grant_id).ok_or(Denied::UnknownGrant)?;
        if grant.revoked_at.is_some() {
            return Err(Denied::Revoked);
        }
        let member = self.members.get(&grant.user_id).ok_or(Denied::NotAMember)?;
        let needed = match grant.channel {
            Channel::Draft => Permission::EndpointDraft,
            Channel::Production => Permission::EndpointProduction,
        };
        if !member.permissions.contains(&needed) {
            return Err(Denied::ChannelNotAllowed(needed));
        }
        let mut effective: Vec<String> = token_scopes.iter().filter(|s| member.has_scope(s)).cloned().collect();
        effective.sort();
        effective.dedup();
        Ok(Live { user_id: grant.user_id.clone(), effective_scopes: effective })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::roles::builtin;

    fn access(role: &str) -> MemberAccess {
        MemberAccess::from(&builtin(role).unwrap())
    }

    fn grant(id: &str, user: &str, channel: Channel) -> Grant {
        Grant {
            id: id.into(),
            user_id: user.into(),
            client_id: "client".into(),
            channel,
            scopes: vec!["tools:read".into(), "tools:call".into()],
            created_at: 1,
            revoked_at: None,
        }
    }

    fn hub() -> HubAccess {
        let mut h = HubAccess::default();
        h.apply(MembershipChange::Set { user_id: "alice".into(), access: access("developer") }, 0);
        h.apply(MembershipChange::Set { user_id: "bob".into(), access: access("mcp_user") }, 0);
        for g in [
            grant("g1", "alice", Channel::Draft),
            grant("g2", "alice", Channel::Production),
            grant("g3", "bob", Channel::Production),
        ] {
            h.grants.insert(g.id.clone(), g);
        }
        h
    }

    fn scopes(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn removal_revokes_only_that_members_grants() {
        let mut h = hub();
        let revoked = h.apply(MembershipChange::Removed { user_id: "alice".into() }, 42);
        assert_eq!(revoked, vec!["g1", "g2"]);
        assert_eq!(h.check("g1", &scopes(&["tools:read"])), Err(Denied::Revoked));
        assert_eq!(h.grants["g2"].revoked_at, Some(42));
        assert!(h.check("g3", &scopes(&["tools:read"])).is_ok());
        // Re-adding the member does not resurrect revoked grants.
        h.apply(MembershipChange::Set { user_id: "alice".into(), access: access("owner") }, 43);
        assert_eq!(h.check("g2", &scopes(&["tools:read"])), Err(Denied::Revoked));
    }

    #[test]
    fn role_change_narrows_effective_scopes_on_the_next_check() {
        let mut h = hub();
        let asked = scopes(&["tools:read", "tools:call", "orders:write"]);
        assert_eq!(
            h.check("g2", &asked).unwrap().effective_scopes,
            asked.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect::<Vec<_>>()
        );
        h.apply(MembershipChange::Set { user_id: "alice".into(), access: access("viewer") }, 5);
        assert_eq!(h.check("g2", &asked).unwrap().effective_scopes, scopes(&["tools:read"]));
        // viewer has no draft access: the draft grant stops working.
        assert_eq!(h.check("g1", &asked), Err(Denied::ChannelNotAllowed(Permission::EndpointDraft)));
    }

    #[test]
    fn unknown_grants_and_non_members_are_denied() {
        let mut h = hub();
        assert_eq!(h.check("nope", &[]), Err(Denied::UnknownGrant));
        h.members.remove("bob");
        assert_eq!(h.check("g3", &[]), Err(Denied::NotAMember));
    }

    #[test]
    fn replacing_the_snapshot_revokes_grants_of_departed_members() {
        let mut h = hub();
        let mut only_bob = BTreeMap::new();
        only_bob.insert("bob".to_string(), access("mcp_user"));
        let mut revoked = h.replace_members(only_bob, 9);
        revoked.sort();
        assert_eq!(revoked, vec!["g1", "g2"]);
        assert!(h.check("g3", &[]).is_ok());
    }

    #[test]
    fn changes_round_trip_as_json() {
        let c = MembershipChange::Set { user_id: "u".into(), access: access("editor") };
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.contains("\"kind\":\"set\""), "{text}");
        assert_eq!(serde_json::from_str::<MembershipChange>(&text).unwrap(), c);
    }
}
