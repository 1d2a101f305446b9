//! Roles: what a member may do in an organization (permissions) and which
//! MCP scopes their tokens may carry.
//!
//! Why a separate module: authorization must be decided in one place with one
//! table. Built-in roles are fixed here (not in the database) so they cannot
//! drift; custom roles are validated here before they are stored. A token's
//! effective scopes are always `token scopes ∩ the member's current role
//! scopes`, so demoting a member immediately narrows every token they hold.

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

/// May `actor` give `new_role` to a member whose role is `target_current`
/// (`None` for an invitation)? Needs `org.manage`; only an owner may grant
/// the owner role or change an owner's role.
pub fn may_assign(actor: &Role, target_current: Option<&Role>, new_role: &Role) -> Result<(), &'static str> {
    if !actor.allows(Permission::OrgManage) {
        return Err("changing roles requires the org.manage permission");
    }
    let touches_owner = new_role.is_owner() || target_current.is_some_and(Role::is_owner);
    if touches_owner && !actor.is_owner() {
        return Err("only an owner can grant the owner role or change an owner's role");
    }
    Ok(())
}

/// May `actor` remove a member whose role is `target_current`? Same rules as
/// [`may_assign`]. Pair it with [`check_last_owner`].
pub fn may_remove(actor: &Role, target_current: &Role) -> Result<(), &'static str> {
    if !actor.allows(Permission::OrgManage) {
        return Err("removing members requires the org.manage permission");
    }
    if target_current.is_owner() && !actor.is_owner() {
        return Err("only an owner can remove an owner");
    }
    Ok(())
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
mod tests {
    use super::*;

    fn role(name: &str) -> Role {
        builtin(name).expect(name)
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn effective(token: &[&str], role_name: &str) -> Vec<String> {
        effective_scopes(&strings(token), &role(role_name))
    }

    fn grantable(requested: &[&str], role_name: &str) -> Vec<String> {
        grantable_scopes(&strings(requested), &role(role_name))
    }

    #[test]
    fn permission_names_roundtrip_through_serde_and_parse() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_value(p).expect("ser"), json!(p.as_str()));
            let back: Permission = serde_json::from_value(json!(p.as_str())).expect("de");
            assert_eq!(back, p);
        }
        assert_eq!(Permission::parse("org.Manage"), None);
        assert_eq!(Permission::parse("OrgManage"), None);
        assert!(serde_json::from_value::<Permission>(json!("OrgManage")).is_err());
    }

    #[test]
    fn builtin_roles_match_the_contract_table() {
        const T: bool = true;
        const F: bool = false;
        // Permission columns: org.manage, project.edit, project.publish,
        // endpoint.draft, endpoint.production, audit.read. Scopes: "*" = all.
        let table: [(&str, [bool; 6], &[&str]); 7] = [
            ("owner", [T, T, T, T, T, T], &["*"]),
            ("admin", [T, T, T, T, T, T], &["*"]),
            ("developer", [F, T, T, T, T, T], &["*"]),
            ("editor", [F, T, F, T, T, F], &["tools:call", "tools:read"]),
            ("viewer", [F, F, F, F, T, F], &["tools:read"]),
            ("mcp_user", [F, F, F, F, T, F], &["tools:call", "tools:read"]),
            ("mcp_developer", [F, F, F, T, T, F], &["tools:call", "tools:read"]),
        ];
        for (name, expected, scopes) in table {
            let r = role(name);
            assert!(r.builtin && r.name == name);
            for (p, want) in Permission::ALL.into_iter().zip(expected) {
                assert_eq!(r.allows(p), want, "{name} {}", p.as_str());
            }
            assert_eq!(r.to_json()["scopes"], json!(scopes), "{name}");
            let all = scopes == ["*"];
            assert_eq!(r.scopes == ScopeGrant::All, all, "{name}");
            assert_eq!(r.has_scope("billing.refund"), all, "{name}");
            assert!(r.has_scope("tools:read"), "{name}");
            assert_eq!(r.has_scope("tools:call"), name != "viewer", "{name}");
        }
        let names: Vec<&str> = table.iter().map(|(n, _, _)| *n).collect();
        assert_eq!(names, BUILTIN_ROLE_NAMES);
        assert_eq!(builtin("superuser"), None);
        assert_eq!(builtin("Owner"), None);
    }

    #[test]
    fn to_json_shape() {
        let viewer = json!({"name": "viewer", "builtin": true, "scopes": ["tools:read"],
                            "permissions": ["endpoint.production"]});
        assert_eq!(role("viewer").to_json(), viewer);
        let owner = role("owner").to_json();
        assert_eq!(owner["scopes"], json!(["*"]));
        assert_eq!(owner["permissions"].as_array().map(Vec::len), Some(6));
    }

    #[test]
    fn effective_scopes_intersect_sort_and_dedup() {
        let token = ["tools:call", "billing.refund", "tools:read", "tools:call"];
        assert_eq!(effective(&token, "viewer"), ["tools:read"]);
        assert_eq!(effective(&token, "mcp_user"), ["tools:call", "tools:read"]);
        let all = ["billing.refund", "tools:call", "tools:read"];
        assert_eq!(effective(&token, "developer"), all);
        assert!(effective(&[], "owner").is_empty());
    }

    #[test]
    fn grantable_scopes_cap_requests_at_the_role() {
        let asked = ["billing.refund", "tools:call"];
        assert!(grantable(&asked, "viewer").is_empty());
        assert_eq!(grantable(&asked, "editor"), ["tools:call"]);
        assert_eq!(grantable(&asked, "admin"), ["billing.refund", "tools:call"]);
        // Nothing requested: the base scopes the role has.
        assert_eq!(grantable(&[], "admin"), ["tools:call", "tools:read"]);
        assert_eq!(grantable(&[], "mcp_user"), ["tools:call", "tools:read"]);
        assert_eq!(grantable(&[], "viewer"), ["tools:read"]);
        let custom = custom_role("billing", &strings(&["billing.refund"]), &[]).expect("valid");
        assert!(grantable_scopes(&[], &custom).is_empty());
    }

    #[test]
    fn custom_role_valid_and_deduplicated() {
        let scopes = strings(&["tools:read", "tickets.close", "tools:read"]);
        let permissions = strings(&["audit.read", "endpoint.production", "audit.read"]);
        let r = custom_role("support", &scopes, &permissions).expect("valid");
        assert!(!r.builtin);
        assert_eq!(r.to_json()["scopes"], json!(["tickets.close", "tools:read"]));
        let permissions = json!(["endpoint.production", "audit.read"]);
        assert_eq!(r.to_json()["permissions"], permissions);
        assert!(r.allows(Permission::AuditRead) && !r.allows(Permission::OrgManage));
    }

    #[test]
    fn custom_role_reports_every_error_with_its_path() {
        let scopes = strings(&["tools:read", "Bad Scope", "*"]);
        let permissions = strings(&["audit.read", "root"]);
        let errors = custom_role("Support!", &scopes, &permissions).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "scopes[1]", "scopes[2]", "permissions[1]"]);
        assert!(errors[3].message.contains("unknown permission 'root'"));
        assert!(errors[3].message.contains("org.manage"));

        let errors = custom_role("admin", &[], &[]).expect_err("builtin name");
        assert_eq!(errors, [FieldError::new("name", "'admin' is a built-in role")]);

        let many: Vec<String> = (0..65).map(|i| format!("s{i}")).collect();
        let errors = custom_role("big", &many, &[]).expect_err("too many");
        assert_eq!(errors, [FieldError::new("scopes", "must list at most 64 scopes")]);
        assert!(custom_role("big", &many[..64], &[]).is_ok());
    }

    #[test]
    fn assignment_rules() {
        let (owner, admin, dev) = (role("owner"), role("admin"), role("developer"));
        let viewer = role("viewer");
        // Owners may do anything.
        assert_eq!(may_assign(&owner, Some(&owner), &admin), Ok(()));
        assert_eq!(may_assign(&owner, Some(&viewer), &owner), Ok(()));
        assert_eq!(may_assign(&owner, None, &owner), Ok(()));
        // Admins manage everyone except owners.
        assert_eq!(may_assign(&admin, Some(&viewer), &admin), Ok(()));
        assert_eq!(may_assign(&admin, None, &dev), Ok(()));
        assert!(may_assign(&admin, Some(&viewer), &owner).is_err());
        assert!(may_assign(&admin, None, &owner).is_err());
        assert!(may_assign(&admin, Some(&owner), &viewer).is_err());
        // Without org.manage nothing is allowed.
        assert!(may_assign(&dev, Some(&viewer), &viewer).is_err());
        // A custom role with org.manage counts, but is never an owner.
        let manager = custom_role("manager", &[], &strings(&["org.manage"])).expect("valid");
        assert_eq!(may_assign(&manager, Some(&viewer), &dev), Ok(()));
        assert!(may_assign(&manager, Some(&owner), &dev).is_err());
    }

    #[test]
    fn removal_rules() {
        let (owner, admin, viewer) = (role("owner"), role("admin"), role("viewer"));
        assert_eq!(may_remove(&owner, &owner), Ok(()));
        assert_eq!(may_remove(&admin, &viewer), Ok(()));
        assert!(may_remove(&admin, &owner).is_err());
        assert!(may_remove(&role("developer"), &viewer).is_err());
    }

    #[test]
    fn last_owner_guard() {
        let msg = Err("an organization needs at least one owner");
        assert_eq!(check_last_owner(1, true, false), msg);
        assert_eq!(check_last_owner(0, true, false), msg);
        assert_eq!(check_last_owner(2, true, false), Ok(()));
        assert_eq!(check_last_owner(1, true, true), Ok(()));
        assert_eq!(check_last_owner(1, false, false), Ok(()));
    }
}
