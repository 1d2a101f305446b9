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

fn custom(name: &str, scopes: &[&str], permissions: &[&str]) -> Role {
    custom_role(name, &strings(scopes), &strings(permissions)).expect("valid")
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
    assert_eq!(may_assign(&admin, Some(&dev), &custom("x", &["billing.refund"], &["audit.read"])), Ok(()));
    assert!(may_assign(&admin, Some(&viewer), &owner).is_err());
    assert!(may_assign(&admin, None, &owner).is_err());
    assert!(may_assign(&admin, Some(&owner), &viewer).is_err());
    // Without org.manage nothing is allowed.
    assert!(may_assign(&dev, Some(&viewer), &viewer).is_err());
    // A custom role with org.manage counts, but is never an owner.
    // It may not assign developer (formerly allowed: the escalation).
    let manager = custom("manager", &[], &["org.manage"]);
    assert!(may_assign(&manager, Some(&viewer), &dev).is_err());
    assert!(may_assign(&manager, Some(&owner), &dev).is_err());
}

#[test]
fn no_escalation_by_a_role_with_only_org_manage() {
    let manager = custom("manager", &["tools:read"], &["org.manage"]);
    let helper = custom("helper", &[], &[]);
    let (viewer, dev, admin) = (role("viewer"), role("developer"), role("admin"));
    // Nobody, the manager included, becomes admin, developer or anything broader.
    for broader in ["owner", "admin", "developer", "editor", "viewer", "mcp_user", "mcp_developer"] {
        assert!(may_assign(&manager, Some(&helper), &role(broader)).is_err(), "{broader}");
        assert!(may_assign(&manager, Some(&manager), &role(broader)).is_err(), "self -> {broader}");
        assert!(may_assign(&manager, None, &role(broader)).is_err(), "invite as {broader}");
    }
    let err = may_assign(&manager, Some(&helper), &dev).expect_err("developer");
    assert!(err.contains("project.edit") && err.contains("* (every scope)"), "{err}");
    assert!(!err.contains("org.manage"), "only what the role adds: {err}");
    // Roles within the manager's own are fine, for others and for itself.
    assert_eq!(may_assign(&manager, Some(&helper), &manager), Ok(()));
    assert_eq!(may_assign(&manager, Some(&manager), &helper), Ok(()));
    assert_eq!(may_assign(&manager, None, &custom("r", &["tools:read"], &[])), Ok(()));
    // A member whose role is beyond the manager's cannot be changed or removed.
    assert!(may_assign(&manager, Some(&viewer), &helper).is_err());
    assert!(may_assign(&manager, Some(&admin), &helper).is_err());
    assert!(may_remove(&manager, &admin).is_err());
    assert!(may_remove(&manager, &viewer).is_err());
    assert_eq!(may_remove(&manager, &helper), Ok(()));
    // A scope the manager lacks is escalation too.
    let refund = custom("refund", &["billing.refund"], &[]);
    let err = may_assign(&manager, None, &refund).expect_err("scope");
    assert!(err.contains("the scope billing.refund"), "{err}");
}

#[test]
fn defining_roles_stays_within_the_definer() {
    let manager = custom("manager", &["tools:read"], &["org.manage"]);
    let admin = role("admin");
    // Creating: only within the manager's own.
    assert_eq!(may_define(&manager, None, &custom("a", &["tools:read"], &["org.manage"])), Ok(()));
    assert!(may_define(&manager, None, &custom("b", &[], &["org.manage", "project.publish"])).is_err());
    assert!(may_define(&manager, None, &custom("c", &["tools:call"], &[])).is_err());
    // Editing its own role: narrowing is fine, widening is not.
    assert_eq!(may_define(&manager, Some(&manager), &custom("manager", &[], &["org.manage"])), Ok(()));
    let wider = custom("manager", &["tools:read"], &["org.manage", "project.edit"]);
    let err = may_define(&manager, Some(&manager), &wider).expect_err("widen");
    assert!(err.contains("project.edit") && err.contains("save the role"), "{err}");
    // A role broader than the manager's cannot be edited at all, not even narrowed.
    let reader = custom("reader", &["tools:read"], &["endpoint.production"]);
    assert!(may_define(&manager, Some(&reader), &custom("reader", &[], &[])).is_err());
    // Admins define anything; without org.manage nobody defines anything.
    assert_eq!(may_define(&admin, Some(&reader), &custom("reader", &["x.y"], &["audit.read"])), Ok(()));
    assert!(may_define(&role("developer"), None, &custom("d", &[], &[])).is_err());
}

#[test]
fn beyond_compares_permissions_and_scopes() {
    let (owner, admin, dev, viewer) = (role("owner"), role("admin"), role("developer"), role("viewer"));
    assert!(beyond(&owner, &admin).is_empty() && beyond(&admin, &owner).is_empty());
    assert!(beyond(&admin, &dev).is_empty());
    assert_eq!(beyond(&dev, &admin).permissions, [Permission::OrgManage]);
    assert!(beyond(&dev, &admin).scopes.is_empty(), "both grant every scope");
    let reader = custom("reader", &["tools:read", "x.y"], &[]);
    assert_eq!(beyond(&viewer, &reader), Beyond { permissions: vec![], scopes: vec!["x.y".into()] });
    assert_eq!(beyond(&reader, &dev).scopes, ["*"]);
    assert!(beyond(&dev, &reader).is_empty(), "an explicit list is within every scope");
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
