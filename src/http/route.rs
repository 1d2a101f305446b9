//! The route table: (method, path) -> [`Route`], pure. An unknown path is a
//! JSON 404; a known path with the wrong method is a 405 carrying `Allow`.
//! Path segments are passed on raw; handlers validate them (slugs, ids).

use super::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Healthz,
    // Accounts and sessions.
    Signup,
    Login,
    Logout,
    Me,
    ChangePassword,
    ListTokens,
    CreateToken,
    DeleteToken {
        id: String,
    },
    AcceptInvitation,
    // Organizations.
    ListOrgs,
    CreateOrg,
    GetOrg {
        org: String,
    },
    UpdateOrg {
        org: String,
    },
    ListMembers {
        org: String,
    },
    UpdateMember {
        org: String,
        user: String,
    },
    RemoveMember {
        org: String,
        user: String,
    },
    ListInvitations {
        org: String,
    },
    CreateInvitation {
        org: String,
    },
    RevokeInvitation {
        org: String,
        id: String,
    },
    ListRoles {
        org: String,
    },
    CreateRole {
        org: String,
    },
    UpdateRole {
        org: String,
        name: String,
    },
    DeleteRole {
        org: String,
        name: String,
    },
    // Projects.
    ListProjects {
        org: String,
    },
    CreateProject {
        org: String,
    },
    GetProject {
        org: String,
        project: String,
    },
    UpdateProject {
        org: String,
        project: String,
    },
    DeleteProject {
        org: String,
        project: String,
    },
    GetDraft {
        org: String,
        project: String,
    },
    PutType {
        org: String,
        project: String,
        name: String,
    },
    DeleteType {
        org: String,
        project: String,
        name: String,
    },
    ListSecrets {
        org: String,
        project: String,
    },
    PutSecret {
        org: String,
        project: String,
        name: String,
    },
    DeleteSecret {
        org: String,
        project: String,
        name: String,
    },
    PutInstructions {
        org: String,
        project: String,
    },
    DraftDiff {
        org: String,
        project: String,
    },
    Publish {
        org: String,
        project: String,
    },
    ListVersions {
        org: String,
        project: String,
    },
    GetVersion {
        org: String,
        project: String,
        version: String,
    },
    PromoteVersion {
        org: String,
        project: String,
        version: String,
    },
    // OAuth and discovery.
    ProtectedResourceMetadata {
        org: String,
        project: String,
        draft: bool,
    },
    AuthServerMetadata,
    OpenIdConfiguration,
    Jwks,
    OAuthRegister,
    OAuthAuthorize,
    OAuthAuthorizeSubmit,
    OAuthToken,
    OAuthRevoke,
    // Authorized apps.
    ListOrgGrants {
        org: String,
    },
    RevokeOrgGrant {
        org: String,
        id: String,
    },
    RevokeOrgGrants {
        org: String,
    },
    ListMyGrants,
    RevokeMyGrant {
        id: String,
    },
    // The audit log.
    OrgAudit {
        org: String,
    },
    OrgAuditStats {
        org: String,
    },
    OrgAuditActions {
        org: String,
    },
    OrgAuditRecord {
        org: String,
        id: String,
    },
    MyAudit,
    MyAuditActions,
    /// An MCP endpoint: production (`/<org>/<project>`) or draft (`.../draft`).
    /// Every method reaches the engine, which answers per protocol era.
    Mcp {
        org: String,
        project: String,
        draft: bool,
    },
    // Studio pages.
    StudioLoginPage,
    StudioLoginSubmit,
    StudioSignupPage,
    StudioSignupSubmit,
    StudioLogoutSubmit,
    /// Every other page under `/studio` (`http::studio_route`); GET shows
    /// it, POST submits one of its forms.
    StudioPage {
        page: super::studio_route::StudioPage,
        post: bool,
    },
}

const MCP_METHODS: &[&str] = &["POST", "GET", "DELETE", "OPTIONS"];

/// Resolves a request line. `path` is the URL path without the query.
pub fn resolve(method: &str, path: &str) -> Result<Route, ApiError> {
    let trimmed = path.strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(path);
    let segs: Vec<&str> = trimmed.split('/').skip(1).collect();
    // Each arm lists the methods the path accepts, in `Allow` order.
    let (allow, route): (&[&'static str], Option<Route>) = match segs.as_slice() {
        ["healthz"] => (&["GET"], get(method, Route::Healthz)),
        ["api", "v1", rest @ ..] => api_v1(method, rest),
        [".well-known", "oauth-protected-resource", org, project] => (
            &["GET"],
            get(
                method,
                Route::ProtectedResourceMetadata { org: org.to_string(), project: project.to_string(), draft: false },
            ),
        ),
        [".well-known", "oauth-protected-resource", org, project, "draft"] => (
            &["GET"],
            get(
                method,
                Route::ProtectedResourceMetadata { org: org.to_string(), project: project.to_string(), draft: true },
            ),
        ),
        [".well-known", "oauth-authorization-server"] => (&["GET"], get(method, Route::AuthServerMetadata)),
        [".well-known", "openid-configuration"] => (&["GET"], get(method, Route::OpenIdConfiguration)),
        [".well-known", "jwks.json"] => (&["GET"], get(method, Route::Jwks)),
        ["oauth", "register"] => (&["POST"], post(method, Route::OAuthRegister)),
        ["oauth", "authorize"] => {
            (&["GET", "POST"], pick(method, Some(Route::OAuthAuthorize), Some(Route::OAuthAuthorizeSubmit), None, None))
        }
        ["oauth", "token"] => (&["POST"], post(method, Route::OAuthToken)),
        ["oauth", "revoke"] => (&["POST"], post(method, Route::OAuthRevoke)),
        ["studio", "login"] => {
            (&["GET", "POST"], pick(method, Some(Route::StudioLoginPage), Some(Route::StudioLoginSubmit), None, None))
        }
        ["studio", "signup"] => {
            (&["GET", "POST"], pick(method, Some(Route::StudioSignupPage), Some(Route::StudioSignupSubmit), None, None))
        }
        ["studio", "logout"] => (&["POST"], post(method, Route::StudioLogoutSubmit)),
        ["studio", rest @ ..] => match super::studio_route::resolve(rest) {
            Some(page) => (
                &["GET", "POST"],
                pick(
                    method,
                    Some(Route::StudioPage { page: page.clone(), post: false }),
                    Some(Route::StudioPage { page, post: true }),
                    None,
                    None,
                ),
            ),
            None => return Err(ApiError::NotFound(format!("no route for {path}"))),
        },
        [org, project] => {
            (MCP_METHODS, Some(Route::Mcp { org: org.to_string(), project: project.to_string(), draft: false }))
        }
        [org, project, "draft"] => {
            (MCP_METHODS, Some(Route::Mcp { org: org.to_string(), project: project.to_string(), draft: true }))
        }
        _ => return Err(ApiError::NotFound(format!("no route for {path}"))),
    };
    if allow.is_empty() {
        return Err(ApiError::NotFound(format!("no route for {path}")));
    }
    route.ok_or(ApiError::MethodNotAllowed { allow: allow.to_vec() })
}

fn api_v1(method: &str, segs: &[&str]) -> (&'static [&'static str], Option<Route>) {
    let o = |x: &str| x.to_string();
    match segs {
        ["signup"] => (&["POST"], post(method, Route::Signup)),
        ["login"] => (&["POST"], post(method, Route::Login)),
        ["logout"] => (&["POST"], post(method, Route::Logout)),
        ["me"] => (&["GET"], get(method, Route::Me)),
        ["me", "password"] => (&["POST"], post(method, Route::ChangePassword)),
        ["tokens"] => (&["GET", "POST"], pick(method, Some(Route::ListTokens), Some(Route::CreateToken), None, None)),
        ["tokens", id] => (&["DELETE"], delete(method, Route::DeleteToken { id: o(id) })),
        ["invitations", "accept"] => (&["POST"], post(method, Route::AcceptInvitation)),
        ["me", "grants"] => (&["GET"], get(method, Route::ListMyGrants)),
        ["me", "grants", id] => (&["DELETE"], delete(method, Route::RevokeMyGrant { id: o(id) })),
        ["orgs", org, "grants"] => (&["GET"], get(method, Route::ListOrgGrants { org: o(org) })),
        ["orgs", org, "grants", "revoke"] => (&["POST"], post(method, Route::RevokeOrgGrants { org: o(org) })),
        ["orgs", org, "grants", id] => (&["DELETE"], delete(method, Route::RevokeOrgGrant { org: o(org), id: o(id) })),
        ["orgs"] => (&["GET", "POST"], pick(method, Some(Route::ListOrgs), Some(Route::CreateOrg), None, None)),
        ["orgs", org] => (
            &["GET", "PATCH"],
            pick(method, Some(Route::GetOrg { org: o(org) }), None, Some(Route::UpdateOrg { org: o(org) }), None),
        ),
        ["me", "audit"] => (&["GET"], get(method, Route::MyAudit)),
        ["me", "audit", "actions"] => (&["GET"], get(method, Route::MyAuditActions)),
        ["orgs", org, "audit"] => (&["GET"], get(method, Route::OrgAudit { org: o(org) })),
        ["orgs", org, "audit", "stats"] => (&["GET"], get(method, Route::OrgAuditStats { org: o(org) })),
        ["orgs", org, "audit", "actions"] => (&["GET"], get(method, Route::OrgAuditActions { org: o(org) })),
        ["orgs", org, "audit", id] => (&["GET"], get(method, Route::OrgAuditRecord { org: o(org), id: o(id) })),
        ["orgs", org, "members"] => (&["GET"], get(method, Route::ListMembers { org: o(org) })),
        ["orgs", org, "members", user] => (
            &["PATCH", "DELETE"],
            pick(
                method,
                None,
                None,
                Some(Route::UpdateMember { org: o(org), user: o(user) }),
                Some(Route::RemoveMember { org: o(org), user: o(user) }),
            ),
        ),
        ["orgs", org, "invitations"] => (
            &["GET", "POST"],
            pick(
                method,
                Some(Route::ListInvitations { org: o(org) }),
                Some(Route::CreateInvitation { org: o(org) }),
                None,
                None,
            ),
        ),
        ["orgs", org, "invitations", id] => {
            (&["DELETE"], delete(method, Route::RevokeInvitation { org: o(org), id: o(id) }))
        }
        ["orgs", org, "roles"] => (
            &["GET", "POST"],
            pick(method, Some(Route::ListRoles { org: o(org) }), Some(Route::CreateRole { org: o(org) }), None, None),
        ),
        ["orgs", org, "roles", name] => (
            &["PATCH", "DELETE"],
            pick(
                method,
                None,
                None,
                Some(Route::UpdateRole { org: o(org), name: o(name) }),
                Some(Route::DeleteRole { org: o(org), name: o(name) }),
            ),
        ),
        ["orgs", org, "projects"] => (
            &["GET", "POST"],
            pick(
                method,
                Some(Route::ListProjects { org: o(org) }),
                Some(Route::CreateProject { org: o(org) }),
                None,
                None,
            ),
        ),
        ["orgs", org, "projects", p] => (
            &["GET", "PATCH", "DELETE"],
            pick(
                method,
                Some(Route::GetProject { org: o(org), project: o(p) }),
                None,
                Some(Route::UpdateProject { org: o(org), project: o(p) }),
                Some(Route::DeleteProject { org: o(org), project: o(p) }),
            ),
        ),
        ["orgs", org, "projects", p, rest @ ..] => project_routes(method, o(org), o(p), rest),
        _ => (&[], None),
    }
}

fn project_routes(
    method: &str,
    org: String,
    project: String,
    rest: &[&str],
) -> (&'static [&'static str], Option<Route>) {
    match rest {
        ["draft"] => (&["GET"], get(method, Route::GetDraft { org, project })),
        ["draft", "types", name] => {
            let name = name.to_string();
            let put = Route::PutType { org: org.clone(), project: project.clone(), name: name.clone() };
            let del = Route::DeleteType { org, project, name };
            (&["PUT", "DELETE"], if method == "PUT" { Some(put) } else { delete(method, del) })
        }
        ["draft", "instructions"] => (&["PUT"], (method == "PUT").then_some(Route::PutInstructions { org, project })),
        ["draft", "diff"] => (&["GET"], get(method, Route::DraftDiff { org, project })),
        ["secrets"] => (&["GET"], get(method, Route::ListSecrets { org, project })),
        ["secrets", name] => {
            let name = name.to_string();
            let put = Route::PutSecret { org: org.clone(), project: project.clone(), name: name.clone() };
            let del = Route::DeleteSecret { org, project, name };
            (&["PUT", "DELETE"], if method == "PUT" { Some(put) } else { delete(method, del) })
        }
        ["publish"] => (&["POST"], post(method, Route::Publish { org, project })),
        ["versions"] => (&["GET"], get(method, Route::ListVersions { org, project })),
        ["versions", v] => (&["GET"], get(method, Route::GetVersion { org, project, version: v.to_string() })),
        ["versions", v, "promote"] => {
            (&["POST"], post(method, Route::PromoteVersion { org, project, version: v.to_string() }))
        }
        _ => (&[], None),
    }
}

fn pick(
    method: &str,
    get: Option<Route>,
    post: Option<Route>,
    patch: Option<Route>,
    delete: Option<Route>,
) -> Option<Route> {
    match method {
        "GET" | "HEAD" => get,
        "POST" => post,
        "PATCH" => patch,
        "DELETE" => delete,
        _ => None,
    }
}

fn get(method: &str, r: Route) -> Option<Route> {
    pick(method, Some(r), None, None, None)
}
fn post(method: &str, r: Route) -> Option<Route> {
    pick(method, None, Some(r), None, None)
}
fn delete(method: &str, r: Route) -> Option<Route> {
    pick(method, None, None, None, Some(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_known_routes() {
        assert_eq!(resolve("GET", "/healthz"), Ok(Route::Healthz));
        assert_eq!(resolve("GET", "/healthz/"), Ok(Route::Healthz));
        assert_eq!(resolve("POST", "/api/v1/signup"), Ok(Route::Signup));
        assert_eq!(
            resolve("PATCH", "/api/v1/orgs/acme/members/usr_1"),
            Ok(Route::UpdateMember { org: "acme".into(), user: "usr_1".into() })
        );
        assert_eq!(
            resolve("DELETE", "/api/v1/orgs/acme/roles/auditor"),
            Ok(Route::DeleteRole { org: "acme".into(), name: "auditor".into() })
        );
        assert_eq!(
            resolve("GET", "/api/v1/orgs/acme/projects/demo"),
            Ok(Route::GetProject { org: "acme".into(), project: "demo".into() })
        );
        assert_eq!(
            resolve("DELETE", "/api/v1/orgs/acme/projects/demo"),
            Ok(Route::DeleteProject { org: "acme".into(), project: "demo".into() })
        );
        assert_eq!(
            resolve("POST", "/api/v1/orgs/acme/grants/revoke"),
            Ok(Route::RevokeOrgGrants { org: "acme".into() })
        );
        assert_eq!(
            resolve("DELETE", "/api/v1/orgs/acme/grants/grt_1"),
            Ok(Route::RevokeOrgGrant { org: "acme".into(), id: "grt_1".into() })
        );
        assert_eq!(
            resolve("GET", "/api/v1/orgs/acme/grants/revoke").unwrap_err().headers(),
            vec![("Allow", "POST".to_string())]
        );
    }

    #[test]
    fn resolves_project_routes() {
        let p = |name: &str| (String::from("acme"), String::from("demo"), name.to_string());
        let (org, project, name) = p("show_order");
        assert_eq!(
            resolve("PUT", "/api/v1/orgs/acme/projects/demo/draft/types/show_order"),
            Ok(Route::PutType { org: org.clone(), project: project.clone(), name: name.clone() })
        );
        assert_eq!(
            resolve("DELETE", "/api/v1/orgs/acme/projects/demo/draft/types/show_order"),
            Ok(Route::DeleteType { org: org.clone(), project: project.clone(), name })
        );
        assert_eq!(
            resolve("POST", "/api/v1/orgs/acme/projects/demo/versions/1.2.0/promote"),
            Ok(Route::PromoteVersion { org: org.clone(), project: project.clone(), version: "1.2.0".into() })
        );
        assert_eq!(
            resolve("GET", "/api/v1/orgs/acme/projects/demo/draft/types/x").unwrap_err().headers(),
            vec![("Allow", "PUT, DELETE".to_string())]
        );
        assert_eq!(resolve("GET", "/api/v1/orgs/acme/projects/demo/nothing").unwrap_err().status(), 404);
    }

    #[test]
    fn audit_routes() {
        let org = || String::from("acme");
        assert_eq!(resolve("GET", "/api/v1/orgs/acme/audit"), Ok(Route::OrgAudit { org: org() }));
        assert_eq!(resolve("GET", "/api/v1/orgs/acme/audit/stats"), Ok(Route::OrgAuditStats { org: org() }));
        assert_eq!(resolve("GET", "/api/v1/orgs/acme/audit/actions"), Ok(Route::OrgAuditActions { org: org() }));
        assert_eq!(
            resolve("GET", "/api/v1/orgs/acme/audit/req_1"),
            Ok(Route::OrgAuditRecord { org: org(), id: "req_1".into() })
        );
        assert_eq!(resolve("GET", "/api/v1/me/audit"), Ok(Route::MyAudit));
        assert_eq!(resolve("GET", "/api/v1/me/audit/actions"), Ok(Route::MyAuditActions));
        assert_eq!(resolve("PATCH", "/api/v1/orgs/acme"), Ok(Route::UpdateOrg { org: org() }));
        assert_eq!(
            resolve("DELETE", "/api/v1/orgs/acme/audit").unwrap_err().headers(),
            vec![("Allow", "GET".to_string())]
        );
        assert_eq!(
            resolve("PUT", "/api/v1/orgs/acme").unwrap_err().headers(),
            vec![("Allow", "GET, PATCH".to_string())]
        );
    }

    #[test]
    fn mcp_endpoints_take_every_method() {
        for m in ["POST", "GET", "DELETE", "OPTIONS", "PUT"] {
            assert_eq!(
                resolve(m, "/acme/demo/draft"),
                Ok(Route::Mcp { org: "acme".into(), project: "demo".into(), draft: true })
            );
        }
        assert_eq!(
            resolve("POST", "/acme/demo"),
            Ok(Route::Mcp { org: "acme".into(), project: "demo".into(), draft: false })
        );
    }

    #[test]
    fn unknown_paths_are_404() {
        for p in ["/", "/nope", "/api/v2/orgs", "/api/v1/orgs/a/b/c/d/e", "//", "/api/v1/"] {
            assert_eq!(resolve("GET", p).unwrap_err().status(), 404, "{p}");
        }
    }

    #[test]
    fn wrong_methods_are_405_with_allow() {
        let e = resolve("DELETE", "/healthz").unwrap_err();
        assert_eq!(e, ApiError::MethodNotAllowed { allow: vec!["GET"] });
        let e = resolve("PUT", "/api/v1/orgs").unwrap_err();
        assert_eq!(e, ApiError::MethodNotAllowed { allow: vec!["GET", "POST"] });
        let e = resolve("GET", "/api/v1/login").unwrap_err();
        assert_eq!(e.headers(), vec![("Allow", "POST".to_string())]);
    }
}
