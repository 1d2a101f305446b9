//! Roles: what a member may do in an organization (permissions) and which
//! MCP scopes their tokens may carry.
//!
//! Why a separate module: authorization must be decided in one place with one
//! table. Built-in roles are fixed here (not in the database) so they cannot
//! drift; custom roles are validated here before they are stored. A token's
//! effective scopes are always `token scopes ∩ the member's current role
//! scopes`, so demoting a member immediately narrows every token they hold.
//!
//! No escalation: a member may assign, create or edit only roles that are
//! within their own (every permission and scope of the role is also theirs),
//! and may manage only members whose role is within their own
//! ([`may_assign`], [`may_remove`], [`may_define`]). Otherwise a custom role
//! holding just `org.manage` could make its holder, or anyone, an admin.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::validate::{validate_role_name, validate_scope, FieldError};

/// Something a member may do in the organization's management plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Permission {
    #[serde(rename = "org.manage")]
    OrgManage,
    #[serde(rename = "project.edit")]
    ProjectEdit,
    #[serde(rename = "project.publish")]
    ProjectPublish,
    #[serde(rename = "endpoint.draft")]
    EndpointDraft,
    #[serde(rename = "endpoint.production")]
    EndpointProduction,
    #[serde(rename = "audit.read")]
    AuditRead,
}

impl Permission {
    #[rustfmt::skip]
    pub const ALL: [Permission; 6] = [
        Self::OrgManage, Self::ProjectEdit, Self::ProjectPublish,
        Self::EndpointDraft, Self::EndpointProduction, Self::AuditRead,
    ];

    /// The wire name, identical to the serde name.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::OrgManage => "org.manage",
            Permission::ProjectEdit => "project.edit",
            Permission::ProjectPublish => "project.publish",
            Permission::EndpointDraft => "endpoint.draft",
            Permission::EndpointProduction => "endpoint.production",
            Permission::AuditRead => "audit.read",
        }
    }

    pub fn parse(s: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// `tools:read` lets a token list tools, `tools:call` lets it call them.
/// Other (custom) scopes are whatever names a project's Types declare.
pub const BASE_SCOPES: [&str; 2] = ["tools:read", "tools:call"];

/// Which scopes a role grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeGrant {
    /// Every scope, including custom ones (rendered as `"*"` in JSON).
    All,
    Only(BTreeSet<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub name: String,
    pub builtin: bool,
    pub scopes: ScopeGrant,
    pub permissions: BTreeSet<Permission>,
}

impl Role {
    pub fn allows(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        match &self.scopes {
            ScopeGrant::All => true,
            ScopeGrant::Only(set) => set.contains(scope),
        }
    }

    /// The built-in `owner` role (custom roles cannot take that name).
    pub fn is_owner(&self) -> bool {
        self.builtin && self.name == "owner"
    }

    /// `{"name", "builtin", "scopes", "permissions"}`; `scopes` is `["*"]`
    /// when the role grants every scope, otherwise the sorted list.
    pub fn to_json(&self) -> Value {
        let scopes: Vec<&str> = match &self.scopes {
            ScopeGrant::All => vec!["*"],
            ScopeGrant::Only(set) => set.iter().map(String::as_str).collect(),
        };
        let permissions: Vec<&str> = self.permissions.iter().map(|p| p.as_str()).collect();
        json!({
            "name": self.name,
            "builtin": self.builtin,
            "scopes": scopes,
            "permissions": permissions,
        })
    }
}

#[rustfmt::skip]
pub const BUILTIN_ROLE_NAMES: [&str; 7] =
    ["owner", "admin", "developer", "editor", "viewer", "mcp_user", "mcp_developer"];

/// The built-in role called `name`, or `None`. Scopes `None` below means
/// [`ScopeGrant::All`].
pub fn builtin(name: &str) -> Option<Role> {
    use Permission::*;
    const TOOLS: &[&str] = &["tools:read", "tools:call"];
    #[rustfmt::skip]
    const DEVELOPER: &[Permission] =
        &[ProjectEdit, ProjectPublish, EndpointDraft, EndpointProduction, AuditRead];
    const EDITOR: &[Permission] = &[ProjectEdit, EndpointDraft, EndpointProduction];
    let (permissions, scopes): (&[Permission], Option<&[&str]>) = match name {
        "owner" | "admin" => (&Permission::ALL, None),
        "developer" => (DEVELOPER, None),
        "editor" => (EDITOR, Some(TOOLS)),
        "viewer" => (&[EndpointProduction], Some(&["tools:read"])),
        "mcp_user" => (&[EndpointProduction], Some(TOOLS)),
        "mcp_developer" => (&[EndpointProduction, EndpointDraft], Some(TOOLS)),
        _ => return None,
    };
    Some(Role {
        name: name.to_string(),
        builtin: true,
        scopes: match scopes {
            None => ScopeGrant::All,
            Some(list) => ScopeGrant::Only(list.iter().map(|s| s.to_string()).collect()),
        },
        permissions: permissions.iter().copied().collect(),
    })
}

/// Most scopes (and permission entries) a custom role may list.
pub const MAX_CUSTOM_ROLE_SCOPES: usize = 64;

/// Validate and build a custom role. Every problem is reported, each with
/// its field path (`name`, `scopes`, `scopes[2]`, `permissions[0]`).
/// Duplicates are merged. Lists longer than 64 entries (counted as sent) are
/// refused as a whole without checking each entry. Custom roles always have
/// an explicit scope list: `"*"` is not a valid scope here.
pub fn custom_role(name: &str, scopes: &[String], permissions: &[String]) -> Result<Role, Vec<FieldError>> {
    let mut errors = Vec::new();
    if let Err(e) = validate_role_name("name", name) {
        errors.push(e);
    } else if BUILTIN_ROLE_NAMES.contains(&name) {
        let message = format!("'{name}' is a built-in role");
        errors.push(FieldError::new("name", message));
    }
    let mut scope_set = BTreeSet::new();
    if scopes.len() > MAX_CUSTOM_ROLE_SCOPES {
        errors.push(FieldError::new("scopes", "must list at most 64 scopes"));
    } else {
        for (i, scope) in scopes.iter().enumerate() {
            if let Err(e) = validate_scope(&format!("scopes[{i}]"), scope) {
                errors.push(e);
            } else {
                scope_set.insert(scope.clone());
            }
        }
    }
    let mut permission_set = BTreeSet::new();
    if permissions.len() > MAX_CUSTOM_ROLE_SCOPES {
        let message = "must list at most 64 permissions";
        errors.push(FieldError::new("permissions", message));
    } else {
        let known = Permission::ALL.map(Permission::as_str).join(", ");
        for (i, raw) in permissions.iter().enumerate() {
            let Some(permission) = Permission::parse(raw) else {
                let message = format!("unknown permission '{raw}'; expected one of {known}");
                errors.push(FieldError::new(format!("permissions[{i}]"), message));
                continue;
            };
            permission_set.insert(permission);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Role {
        name: name.to_string(),
        builtin: false,
        scopes: ScopeGrant::Only(scope_set),
        permissions: permission_set,
    })
}

/// Scopes a token actually has right now: its own scopes that the member's
/// current role still grants. Sorted, deduplicated.
pub fn effective_scopes(token_scopes: &[String], role: &Role) -> Vec<String> {
    let kept: BTreeSet<&String> = token_scopes.iter().filter(|s| role.has_scope(s)).collect();
    kept.into_iter().cloned().collect()
}

/// Scopes to put on a new token: the requested ones the role grants, or,
/// when nothing was requested, whichever of [`BASE_SCOPES`] the role has.
pub fn grantable_scopes(requested: &[String], role: &Role) -> Vec<String> {
    if requested.is_empty() {
        let base: Vec<String> = BASE_SCOPES.iter().map(|s| s.to_string()).collect();
        effective_scopes(&base, role)
    } else {
        effective_scopes(requested, role)
    }
}

/// What a role holds beyond another: the permissions and scopes of `other`
/// that `limit` lacks. Empty means `other` is within `limit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Beyond {
    pub permissions: Vec<Permission>,
    /// `["*"]` when `other` grants every scope and `limit` does not.
    pub scopes: Vec<String>,
}

impl Beyond {
    pub fn is_empty(&self) -> bool {
        self.permissions.is_empty() && self.scopes.is_empty()
    }

    /// "the permission project.edit and the scopes tools:call, x": for refusals.
    fn describe(&self) -> String {
        let list = |kind: &str, items: Vec<&str>| match items.len() {
            0 => None,
            1 => Some(format!("the {kind} {}", items[0])),
            _ => Some(format!("the {kind}s {}", items.join(", "))),
        };
        let scopes: Vec<&str> =
            self.scopes.iter().map(|s| if s == "*" { "* (every scope)" } else { s.as_str() }).collect();
        let parts: Vec<String> =
            [list("permission", self.permissions.iter().map(|p| p.as_str()).collect()), list("scope", scopes)]
                .into_iter()
                .flatten()
                .collect();
        parts.join(" and ")
    }
}

/// The permissions and scopes of `other` that `limit` does not hold.
pub fn beyond(limit: &Role, other: &Role) -> Beyond {
    let permissions = other.permissions.difference(&limit.permissions).copied().collect();
    let scopes = match (&limit.scopes, &other.scopes) {
        (ScopeGrant::All, _) => Vec::new(),
        (ScopeGrant::Only(_), ScopeGrant::All) => vec!["*".to_string()],
        (ScopeGrant::Only(mine), ScopeGrant::Only(theirs)) => theirs.difference(mine).cloned().collect(),
    };
    Beyond { permissions, scopes }
}

/// Refuses `role` unless it is within `actor`'s own role. `what` says what
/// the actor tried ("give the role", "create a role").
fn within_own(actor: &Role, role: &Role, what: &str) -> Result<(), String> {
    let extra = beyond(actor, role);
    if extra.is_empty() {
        return Ok(());
    }
    Err(format!(
        "you cannot {what} {:?}: it holds {}, beyond your own role {:?}",
        role.name,
        extra.describe(),
        actor.name
    ))
}

/// May `actor` give `new_role` to a member whose role is `target_current`
/// (`None` for an invitation)? Needs `org.manage`; only an owner may grant
/// the owner role or change an owner's role; and no escalation: both the new
/// role and the member's current one must be within the actor's own role
/// (every permission and scope of theirs is also the actor's). Owners and
/// admins hold everything, so for them this rule never bites.
pub fn may_assign(actor: &Role, target_current: Option<&Role>, new_role: &Role) -> Result<(), String> {
    if !actor.allows(Permission::OrgManage) {
        return Err("changing roles requires the org.manage permission".into());
    }
    let touches_owner = new_role.is_owner() || target_current.is_some_and(Role::is_owner);
    if touches_owner && !actor.is_owner() {
        return Err("only an owner can grant the owner role or change an owner's role".into());
    }
    if let Some(current) = target_current {
        within_own(actor, current, "change the role of a member holding")?;
    }
    within_own(actor, new_role, "give the role")
}

/// May `actor` remove a member whose role is `target_current`? Same rules as
/// [`may_assign`]. Pair it with [`check_last_owner`].
pub fn may_remove(actor: &Role, target_current: &Role) -> Result<(), String> {
    if !actor.allows(Permission::OrgManage) {
        return Err("removing members requires the org.manage permission".into());
    }
    if target_current.is_owner() && !actor.is_owner() {
        return Err("only an owner can remove an owner".into());
    }
    within_own(actor, target_current, "remove a member holding")
}

/// May `actor` create a custom role (`current` = `None`) or change one from
/// `current` to `new_role`? Needs `org.manage`, and both versions of the role
/// must be within the actor's own: nobody defines (or edits) a role broader
/// than their own, so nobody can widen their own role either.
pub fn may_define(actor: &Role, current: Option<&Role>, new_role: &Role) -> Result<(), String> {
    if !actor.allows(Permission::OrgManage) {
        return Err("defining roles requires the org.manage permission".into());
    }
    if let Some(current) = current {
        within_own(actor, current, "edit the role")?;
    }
    within_own(actor, new_role, if current.is_some() { "save the role" } else { "create the role" })
}

/// Refuse a change that would leave the organization without an owner.
/// `owner_count` is the number of owners before the change.
pub fn check_last_owner(
    owner_count: usize,
    target_is_owner: bool,
    target_stays_owner: bool,
) -> Result<(), &'static str> {
    if target_is_owner && !target_stays_owner && owner_count <= 1 {
        return Err("an organization needs at least one owner");
    }
    Ok(())
}

#[cfg(test)]
#[path = "roles_tests.rs"]
mod tests;
