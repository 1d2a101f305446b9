use super::*;
use crate::identity::roles::builtin;
use crate::oauth::pkce::challenge_for;
use serde_json::json;

const NOW: i64 = 1_700_000_000;
const REDIRECT: &str = "https://claude.ai/api/mcp/auth_callback";

fn access(role: &str) -> MemberAccess {
    MemberAccess::from(&builtin(role).unwrap())
}

fn scopes(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

fn draft() -> Resource {
    Resource::new("acme", "demo", true)
}

fn prod() -> Resource {
    Resource::new("acme", "demo", false)
}

fn verifier() -> String {
    "v3rifier-".repeat(6)
}

fn code() -> PendingCode {
    PendingCode {
        code_hash: "h".repeat(64),
        grant_id: "grt_1".into(),
        client_id: "cli_1".into(),
        redirect_uri: REDIRECT.into(),
        code_challenge: challenge_for(&verifier()),
        resource: draft(),
        user_id: "alice".into(),
        scopes: scopes(&["tools:read", "tools:call"]),
        expires_at: NOW + CODE_LIFETIME_SECS,
        used_at: None,
    }
}

fn grant(id: &str, user: &str, resource: Resource) -> Grant {
    let mut c = code();
    c.grant_id = id.into();
    c.user_id = user.into();
    c.resource = resource;
    c.grant(NOW, Some("r0".into()))
}

fn members(list: &[(&str, &str)]) -> BTreeMap<String, MemberAccess> {
    list.iter().map(|(user, role)| (user.to_string(), access(role))).collect()
}

fn hub() -> HubAccess {
    let mut h = HubAccess::default();
    h.replace_if_newer(1, members(&[("alice", "developer"), ("bob", "mcp_user")]));
    h
}

fn redeem(
    c: &mut PendingCode,
    client: &str,
    redirect: &str,
    v: &str,
    r: Option<&Resource>,
    now: i64,
) -> Result<(), CodeError> {
    redeem_code(c, client, redirect, v, r, now)
}

#[test]
fn code_redeems_once_then_replay_is_detected() {
    let mut c = code();
    assert_eq!(redeem(&mut c, "cli_1", REDIRECT, &verifier(), Some(&draft()), NOW + 5), Ok(()));
    assert_eq!(c.used_at, Some(NOW + 5));
    assert_eq!(redeem(&mut c, "cli_1", REDIRECT, &verifier(), Some(&draft()), NOW + 6), Err(CodeError::Replayed));
    // Replay is reported even with otherwise wrong parameters or after expiry.
    assert_eq!(redeem(&mut c, "evil", "https://evil.com", "x", None, NOW + 999), Err(CodeError::Replayed));
    // The grant the code created is what the caller revokes on replay.
    let mut g = c.grant(NOW + 5, None);
    assert_eq!(g.id, "grt_1");
    assert!(g.revoke(NOW + 6));
    assert!(!g.revoke(NOW + 7), "revocation is idempotent");
    assert_eq!(g.revoked_at, Some(NOW + 6));
}

#[test]
fn expired_code_is_refused() {
    let mut c = code();
    assert_eq!(redeem(&mut c, "cli_1", REDIRECT, &verifier(), None, NOW + CODE_LIFETIME_SECS), Err(CodeError::Expired));
    assert_eq!(c.used_at, None);
    assert_eq!(redeem(&mut c, "cli_1", REDIRECT, &verifier(), None, NOW + CODE_LIFETIME_SECS - 1), Ok(()));
}

#[test]
fn code_bound_to_client_redirect_verifier_and_resource() {
    let cases: [(&str, &str, String, Option<Resource>, CodeError); 9] = [
        ("cli_2", REDIRECT, verifier(), None, CodeError::WrongClient),
        ("cli_1", "https://claude.ai/api/mcp/auth_callback/", verifier(), None, CodeError::WrongRedirect),
        ("cli_1", "https://claude.ai/api/mcp/auth_callback?x=1", verifier(), None, CodeError::WrongRedirect),
        ("cli_1", "", verifier(), None, CodeError::WrongRedirect),
        ("cli_1", REDIRECT, format!("{}x", verifier()), None, CodeError::BadVerifier),
        ("cli_1", REDIRECT, String::new(), None, CodeError::BadVerifier),
        ("cli_1", REDIRECT, challenge_for(&verifier()), None, CodeError::BadVerifier),
        ("cli_1", REDIRECT, verifier(), Some(prod()), CodeError::WrongResource),
        ("cli_1", REDIRECT, verifier(), Some(Resource::new("acme", "other", true)), CodeError::WrongResource),
    ];
    for (client, redirect, v, resource, expected) in cases {
        let mut c = code();
        assert_eq!(redeem(&mut c, client, redirect, &v, resource.as_ref(), NOW), Err(expected.clone()), "{expected:?}");
        assert_eq!(c.used_at, None, "a failed attempt does not burn the code");
    }
    // Absent resource: the code's own resource applies.
    assert_eq!(redeem(&mut code(), "cli_1", REDIRECT, &verifier(), None, NOW), Ok(()));
}

#[test]
fn redeemed_code_builds_the_grant_row() {
    let c = code();
    let g = c.grant(NOW + 3, Some("hash1".into()));
    assert_eq!((g.id.as_str(), g.user_id.as_str(), g.client_id.as_str()), ("grt_1", "alice", "cli_1"));
    assert_eq!(g.resource, draft());
    assert_eq!(g.scopes, c.scopes);
    assert_eq!(g.created_at, NOW + 3);
    let r = g.refresh.unwrap();
    assert_eq!(r.current_hash, "hash1");
    assert_eq!(r.expires_at, NOW + 3 + REFRESH_LIFETIME_SECS);
    assert_eq!(c.grant(NOW, None).refresh, None);
}

#[test]
fn refresh_rotates_and_the_previous_token_has_a_grace_window() {
    let mut g = grant("g1", "alice", draft());
    assert_eq!(rotate_refresh(&mut g, "r0", "cli_1", "r1".into(), NOW + 100), Ok(()));
    let r = g.refresh.clone().unwrap();
    assert_eq!((r.current_hash.as_str(), r.previous_hash.as_deref()), ("r1", Some("r0")));
    assert_eq!(r.previous_valid_until, NOW + 100 + REFRESH_GRACE_SECS);
    assert_eq!(g.last_used_at, Some(NOW + 100));
    // A parallel refresh with r0 inside the grace window rotates again.
    assert_eq!(rotate_refresh(&mut g, "r0", "cli_1", "r2".into(), NOW + 100 + REFRESH_GRACE_SECS - 1), Ok(()));
    let r = g.refresh.clone().unwrap();
    assert_eq!((r.current_hash.as_str(), r.previous_hash.as_deref()), ("r2", Some("r0")));
    assert_eq!(r.previous_valid_until, NOW + 100 + REFRESH_GRACE_SECS, "grace is never extended");
    // The current token keeps working normally.
    assert_eq!(rotate_refresh(&mut g, "r2", "cli_1", "r3".into(), NOW + 500), Ok(()));
    assert!(!g.is_revoked());
}

#[test]
fn previous_token_after_the_grace_revokes_the_grant() {
    let mut g = grant("g1", "alice", draft());
    rotate_refresh(&mut g, "r0", "cli_1", "r1".into(), NOW).unwrap();
    let at = NOW + REFRESH_GRACE_SECS;
    assert_eq!(rotate_refresh(&mut g, "r0", "cli_1", "rX".into(), at), Err(RefreshError::Reused));
    assert_eq!(g.revoked_at, Some(at));
    // Even the legitimate current token is dead now.
    assert_eq!(rotate_refresh(&mut g, "r1", "cli_1", "r2".into(), at + 1), Err(RefreshError::Revoked));
}

#[test]
fn an_older_token_matched_to_the_grant_revokes_it() {
    let mut g = grant("g1", "alice", draft());
    rotate_refresh(&mut g, "r0", "cli_1", "r1".into(), NOW).unwrap();
    rotate_refresh(&mut g, "r1", "cli_1", "r2".into(), NOW + 1).unwrap();
    // r0 is neither current nor previous any more.
    assert_eq!(rotate_refresh(&mut g, "r0", "cli_1", "rX".into(), NOW + 2), Err(RefreshError::Reused));
    assert!(g.is_revoked());
    let mut g = grant("g2", "alice", draft());
    assert_eq!(rotate_refresh(&mut g, "unknown", "cli_1", "rX".into(), NOW), Err(RefreshError::Reused));
    assert!(g.is_revoked());
}

#[test]
fn refresh_refusals_that_do_not_revoke() {
    let mut g = grant("g1", "alice", draft());
    assert_eq!(rotate_refresh(&mut g, "r0", "cli_2", "r1".into(), NOW), Err(RefreshError::WrongClient));
    let end = NOW + REFRESH_LIFETIME_SECS;
    assert_eq!(rotate_refresh(&mut g, "r0", "cli_1", "r1".into(), end), Err(RefreshError::Expired));
    assert!(!g.is_revoked());
    assert_eq!(g.refresh.as_ref().unwrap().current_hash, "r0", "nothing rotated");
    assert_eq!(rotate_refresh(&mut g, "r0", "cli_1", "r1".into(), end - 1), Ok(()));
    let mut no_refresh = code().grant(NOW, None);
    assert_eq!(rotate_refresh(&mut no_refresh, "r0", "cli_1", "r1".into(), NOW), Err(RefreshError::NoRefresh));
    g.revoke(NOW);
    assert_eq!(rotate_refresh(&mut g, "r1", "cli_1", "r2".into(), NOW), Err(RefreshError::Revoked));
}

#[test]
fn removal_names_the_user_and_blocks_their_grants() {
    let mut h = hub();
    let mut g1 = grant("g1", "alice", draft());
    let g3 = grant("g3", "bob", prod());
    assert_eq!(h.replace_if_newer(2, members(&[("bob", "mcp_user")])), Some(vec!["alice".to_string()]));
    // Even before the DO revokes the rows, a non-member is denied.
    assert_eq!(h.check(Some(&g1), &scopes(&["tools:read"]), &draft()), Err(Denied::NotAMember));
    g1.revoke(42);
    assert!(h.check(Some(&g3), &scopes(&["tools:read"]), &prod()).is_ok());
    // Re-adding the member does not resurrect the revoked grant.
    h.replace_if_newer(3, members(&[("alice", "owner"), ("bob", "mcp_user")]));
    assert_eq!(h.check(Some(&g1), &scopes(&["tools:read"]), &draft()), Err(Denied::Revoked));
    // Adding someone names nobody.
    assert_eq!(
        h.replace_if_newer(4, members(&[("alice", "owner"), ("bob", "mcp_user"), ("dan", "viewer")])),
        Some(vec![])
    );
}

#[test]
fn a_stale_snapshot_never_overwrites_a_newer_one() {
    let mut h = hub();
    assert_eq!(h.replace_if_newer(5, members(&[("alice", "viewer")])), Some(vec!["bob".to_string()]));
    // A late push of version 4 (read before the change of version 5) changes nothing.
    let before = h.clone();
    assert_eq!(h.replace_if_newer(4, members(&[("alice", "owner"), ("bob", "owner")])), None);
    assert_eq!(h, before);
    // The same version again (a retry) is applied again, idempotently.
    assert_eq!(h.replace_if_newer(5, members(&[("alice", "viewer")])), Some(vec![]));
    assert_eq!(h.version, 5);
    // A snapshot stored before versions existed reads as version 0.
    let old: HubAccess = serde_json::from_str(r#"{"members":{}}"#).unwrap();
    assert_eq!(old.version, 0);
}

#[test]
fn role_change_narrows_effective_scopes_on_the_next_check() {
    let mut h = hub();
    let g_prod = grant("g2", "alice", prod());
    let g_draft = grant("g1", "alice", draft());
    let asked = scopes(&["tools:read", "tools:call", "orders:write"]);
    let live = h.check(Some(&g_prod), &asked, &prod()).unwrap();
    assert_eq!(live.effective_scopes, scopes(&["orders:write", "tools:call", "tools:read"]));
    assert_eq!((live.user_id.as_str(), live.client_id.as_str()), ("alice", "cli_1"));
    h.replace_if_newer(2, members(&[("alice", "viewer"), ("bob", "mcp_user")]));
    assert_eq!(h.check(Some(&g_prod), &asked, &prod()).unwrap().effective_scopes, scopes(&["tools:read"]));
    // viewer has no draft access: the draft grant stops working.
    assert_eq!(h.check(Some(&g_draft), &asked, &draft()), Err(Denied::ChannelNotAllowed(Permission::EndpointDraft)));
}

#[test]
fn unknown_revoked_and_mismatched_grants_are_denied() {
    let mut h = hub();
    assert_eq!(h.check(None, &[], &draft()), Err(Denied::UnknownGrant));
    let g = grant("g3", "bob", prod());
    // A production grant presented on draft (or another project).
    assert_eq!(h.check(Some(&g), &[], &draft()), Err(Denied::ResourceMismatch));
    assert_eq!(h.check(Some(&g), &[], &Resource::new("acme", "other", false)), Err(Denied::ResourceMismatch));
    h.members.remove("bob");
    assert_eq!(h.check(Some(&g), &[], &prod()), Err(Denied::NotAMember));
    let mut revoked = grant("g4", "alice", draft());
    revoked.revoke(1);
    assert_eq!(check_grant(Some(&revoked), Some(&access("owner")), &[], &draft()), Err(Denied::Revoked));
}

#[test]
fn replacing_the_snapshot_names_departed_members() {
    let mut h = hub();
    assert_eq!(h.replace_if_newer(2, members(&[("bob", "mcp_user")])), Some(vec!["alice".to_string()]));
    assert!(h.check(Some(&grant("g3", "bob", prod())), &[], &prod()).is_ok());
    assert_eq!(h.check(Some(&grant("g1", "alice", prod())), &[], &prod()), Err(Denied::NotAMember));
}

#[test]
fn scope_decision_is_one_function_for_list_and_call() {
    let viewer = builtin("viewer").unwrap();
    let owner = builtin("owner").unwrap();
    let need = scopes(&["tools:call", "orders:write"]);
    // Token has everything: allowed.
    let all = scopes(&["orders:write", "tools:call", "tools:read"]);
    assert_eq!(required_scope_decision(&need, &all, |s| owner.has_scope(s)), ScopeDecision::Allowed);
    // Role has it, token lacks one: step up, listing every needed scope.
    let base = scopes(&["tools:call", "tools:read"]);
    assert_eq!(
        required_scope_decision(&need, &base, |s| owner.has_scope(s)),
        ScopeDecision::StepUp { needed: need.clone() }
    );
    // Role cannot: hidden, naming what is missing.
    assert_eq!(
        required_scope_decision(&need, &scopes(&["tools:read"]), |s| viewer.has_scope(s)),
        ScopeDecision::Hidden { missing: need.clone() }
    );
    let read_only = scopes(&["tools:read"]);
    assert_eq!(required_scope_decision(&read_only, &read_only, |s| viewer.has_scope(s)), ScopeDecision::Allowed);
    assert_eq!(required_scope_decision(&[], &[], |_| false), ScopeDecision::Allowed);
    let dup = scopes(&["a", "a"]);
    assert_eq!(required_scope_decision(&dup, &[], |_| true), ScopeDecision::StepUp { needed: scopes(&["a"]) });
}

#[test]
fn stored_records_golden() {
    let mut g = grant("grt_1", "alice", draft());
    rotate_refresh(&mut g, "r0", "cli_1", "r1".into(), NOW + 10).unwrap();
    assert_eq!(
        serde_json::to_value(&g).unwrap(),
        json!({
            "id": "grt_1", "user_id": "alice", "client_id": "cli_1",
            "resource": {"org": "acme", "project": "demo", "draft": true},
            "scopes": ["tools:read", "tools:call"],
            "created_at": NOW, "last_used_at": NOW + 10, "revoked_at": null,
            "refresh": {"current_hash": "r1", "previous_hash": "r0",
                        "previous_valid_until": NOW + 10 + REFRESH_GRACE_SECS,
                        "expires_at": NOW + REFRESH_LIFETIME_SECS},
        })
    );
    let c = code();
    let v = serde_json::to_value(&c).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "client_id",
            "code_challenge",
            "code_hash",
            "expires_at",
            "grant_id",
            "redirect_uri",
            "resource",
            "scopes",
            "used_at",
            "user_id"
        ]
    );
    assert_eq!(serde_json::from_value::<PendingCode>(v).unwrap(), c);
    // The hub's old blob (with a `grants` map) still loads.
    let old = json!({"members": {}, "grants": {"g": {}}});
    assert_eq!(serde_json::from_value::<HubAccess>(old).unwrap(), HubAccess::default());
}

#[test]
fn reasons_display_for_logs_and_descriptions() {
    assert!(CodeError::Replayed.to_string().contains("already used"));
    assert!(RefreshError::Reused.to_string().contains("revoked"));
    assert!(Denied::ChannelNotAllowed(Permission::EndpointDraft).to_string().contains("endpoint.draft"));
    assert_eq!(RefreshState::new("h".into(), 10).expires_at, 10 + REFRESH_LIFETIME_SECS);
}

// ------------------------------------------------------------ refresh_grant --

fn refreshable(resource: Resource, granted: &[&str]) -> Grant {
    let mut g = grant("grt_r", "alice", resource);
    g.scopes = scopes(granted);
    g.refresh = Some(RefreshState::new("r0".into(), NOW));
    g
}

fn ask<'a>(scope: Option<&'a str>, resource: Option<&'a Resource>) -> RefreshAsk<'a> {
    RefreshAsk { presented_hash: "r0", client_id: "cli_1", new_hash: "r1".into(), scope, resource }
}

#[test]
fn refresh_scope_narrows_and_never_widens() {
    let dev = access("developer");
    let mut g = refreshable(draft(), &["tools:call", "tools:read"]);
    assert_eq!(refresh_grant(&mut g, ask(Some("tools:read"), None), Some(&dev), NOW + 1), Ok(scopes(&["tools:read"])));
    assert_eq!(g.scopes, scopes(&["tools:call", "tools:read"]), "the grant keeps its scopes");
    let mut g = refreshable(draft(), &["tools:call", "tools:read"]);
    assert_eq!(refresh_grant(&mut g, ask(None, None), Some(&dev), NOW + 1), Ok(scopes(&["tools:call", "tools:read"])));
    let mut g = refreshable(draft(), &["tools:call", "tools:read"]);
    let both = refresh_grant(&mut g, ask(Some("tools:read tools:call tools:read"), None), Some(&dev), NOW + 1);
    assert_eq!(both, Ok(scopes(&["tools:call", "tools:read"])), "sorted, no repeats");
    for (asked, error) in
        [("tools:read orders:read", "invalid_scope"), ("admin", "invalid_scope"), ("Bad!", "invalid_scope")]
    {
        let mut g = refreshable(draft(), &["tools:read"]);
        let before = g.clone();
        let e = refresh_grant(&mut g, ask(Some(asked), None), Some(&dev), NOW + 1).unwrap_err();
        assert_eq!(e.wire().0, error, "{asked}");
        assert_eq!(g, before, "{asked}: nothing consumed");
    }
}

#[test]
fn refresh_resource_must_be_the_grants() {
    let dev = access("developer");
    let mut g = refreshable(draft(), &["tools:read"]);
    assert!(refresh_grant(&mut g, ask(None, Some(&draft())), Some(&dev), NOW + 1).is_ok());
    for other in [prod(), Resource::new("acme", "other", true), Resource::new("other", "demo", true)] {
        let mut g = refreshable(draft(), &["tools:read"]);
        let before = g.clone();
        let e = refresh_grant(&mut g, ask(None, Some(&other)), Some(&dev), NOW + 1).unwrap_err();
        assert_eq!(e.wire().0, "invalid_target", "{other:?}");
        assert_eq!(g, before, "nothing consumed");
    }
}

#[test]
fn refresh_rechecks_the_channel_permission_and_the_membership() {
    // mcp_user and viewer have production only.
    for role in ["mcp_user", "viewer"] {
        let mut g = refreshable(draft(), &["tools:read"]);
        let before = g.clone();
        let e = refresh_grant(&mut g, ask(None, None), Some(&access(role)), NOW + 1).unwrap_err();
        assert_eq!(e, RefreshRefusal::Access(Denied::ChannelNotAllowed(Permission::EndpointDraft)), "{role}");
        assert_eq!(e.wire(), ("invalid_grant", "the member's role lacks the endpoint.draft permission".into()));
        assert_eq!(g, before, "{role}: nothing consumed, nothing revoked");
        let mut p = refreshable(prod(), &["tools:read"]);
        assert_eq!(refresh_grant(&mut p, ask(None, None), Some(&access(role)), NOW + 1), Ok(scopes(&["tools:read"])));
    }
    let mut g = refreshable(prod(), &["tools:read"]);
    assert_eq!(refresh_grant(&mut g, ask(None, None), None, NOW + 1), Err(RefreshRefusal::Access(Denied::NotAMember)));
    // The role's scopes still narrow the token.
    let mut g = refreshable(prod(), &["tools:call", "tools:read"]);
    assert_eq!(refresh_grant(&mut g, ask(None, None), Some(&access("viewer")), NOW + 1), Ok(scopes(&["tools:read"])));
}

#[test]
fn refresh_token_rules_come_first_and_reuse_still_revokes() {
    let dev = access("developer");
    let mut g = refreshable(draft(), &["tools:read"]);
    refresh_grant(&mut g, ask(None, None), Some(&dev), NOW + 1).unwrap();
    // r0 is now the previous token; after the grace window it is a reuse,
    // even when the request is also wrong in other ways.
    let late = NOW + 2 + REFRESH_GRACE_SECS;
    let e = refresh_grant(&mut g, ask(Some("orders:read"), Some(&prod())), None, late).unwrap_err();
    assert_eq!(e, RefreshRefusal::Token(RefreshError::Reused));
    assert!(g.is_revoked());
    let mut g = refreshable(draft(), &["tools:read"]);
    let mut other = ask(None, None);
    other.client_id = "cli_2";
    assert_eq!(refresh_grant(&mut g, other, Some(&dev), NOW), Err(RefreshRefusal::Token(RefreshError::WrongClient)));
}
