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
    ListTokens,
    CreateToken,
    DeleteToken { id: String },
    AcceptInvitation,
    // Organizations.
    ListOrgs,
    CreateOrg,
    GetOrg { org: String },
    ListMembers { org: String },
    UpdateMember { org: String, user: String },
    RemoveMember { org: String, user: String },
    ListInvitations { org: String },
    CreateInvitation { org: String },
    RevokeInvitation { org: String, id: String },
    ListRoles { org: String },
    CreateRole { org: String },
    UpdateRole { org: String, name: String },
    DeleteRole { org: String, name: String },
    // Projects.
    ListProjects { org: String },
    CreateProject { org: String },
    GetProject { org: String, project: String },
    UpdateProject { org: String, project: String },
    // Studio pages.
    StudioHome,
    StudioLoginPage,
    StudioLoginSubmit,
    StudioSignupPage,
    StudioSignupSubmit,
    StudioLogoutSubmit,
}

/// Resolves a request line. `path` is the URL path without the query.
pub fn resolve(method: &str, path: &str) -> Result<Route, ApiError> {
    let trimmed = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    let segs: Vec<&str> = trimmed.split('/').skip(1).collect();
    // Each arm lists the methods the path accepts, in `Allow` order.
    let (allow, route): (&[&'static str], Option<Route>) = match segs.as_slice() {
        ["healthz"] => (&["GET"], get(method, Route::Healthz)),
        ["api", "v1", rest @ ..] => api_v1(method, rest),
        ["studio"] => (&["GET"], get(method, Route::StudioHome)),
        ["studio", "login"] => (
            &["GET", "POST"],
            pick(
                method,
                Some(Route::StudioLoginPage),
                Some(Route::StudioLoginSubmit),
                None,
                None,
            ),
        ),
        ["studio", "signup"] => (
            &["GET", "POST"],
            pick(
                method,
                Some(Route::StudioSignupPage),
                Some(Route::StudioSignupSubmit),
                None,
                None,
            ),
        ),
        ["studio", "logout"] => (&["POST"], post(method, Route::StudioLogoutSubmit)),
        _ => return Err(ApiError::NotFound(format!("no route for {path}"))),
    };
    if allow.is_empty() {
        return Err(ApiError::NotFound(format!("no route for {path}")));
    }
    route.ok_or(ApiError::MethodNotAllowed {
        allow: allow.to_vec(),
    })
}

fn api_v1(method: &str, segs: &[&str]) -> (&'static [&'static str], Option<Route>) {
    let o = |x: &str| x.to_string();
    match segs {
        ["signup"] => (&["POST"], post(method, Route::Signup)),
        ["login"] => (&["POST"], post(method, Route::Login)),
        ["logout"] => (&["POST"], post(method, Route::Logout)),
        ["me"] => (&["GET"], get(method, Route::Me)),
        ["tokens"] => (
            &["GET", "POST"],
            pick(
                method,
                Some(Route::ListTokens),
                Some(Route::CreateToken),
                None,
                None,
            ),
        ),
        ["tokens", id] => (
            &["DELETE"],
            delete(method, Route::DeleteToken { id: o(id) }),
        ),
        ["invitations", "accept"] => (&["POST"], post(method, Route::AcceptInvitation)),
        ["orgs"] => (
            &["GET", "POST"],
            pick(
                method,
                Some(Route::ListOrgs),
                Some(Route::CreateOrg),
                None,
                None,
            ),
        ),
        ["orgs", org] => (&["GET"], get(method, Route::GetOrg { org: o(org) })),
        ["orgs", org, "members"] => (&["GET"], get(method, Route::ListMembers { org: o(org) })),
        ["orgs", org, "members", user] => (
            &["PATCH", "DELETE"],
            pick(
                method,
                None,
                None,
                Some(Route::UpdateMember {
                    org: o(org),
                    user: o(user),
                }),
                Some(Route::RemoveMember {
                    org: o(org),
                    user: o(user),
                }),
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
        ["orgs", org, "invitations", id] => (
            &["DELETE"],
            delete(
                method,
                Route::RevokeInvitation {
                    org: o(org),
                    id: o(id),
                },
            ),
        ),
        ["orgs", org, "roles"] => (
            &["GET", "POST"],
            pick(
                method,
                Some(Route::ListRoles { org: o(org) }),
                Some(Route::CreateRole { org: o(org) }),
                None,
                None,
            ),
        ),
        ["orgs", org, "roles", name] => (
            &["PATCH", "DELETE"],
            pick(
                method,
                None,
                None,
                Some(Route::UpdateRole {
                    org: o(org),
                    name: o(name),
                }),
                Some(Route::DeleteRole {
                    org: o(org),
                    name: o(name),
                }),
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
            &["GET", "PATCH"],
            pick(
                method,
                Some(Route::GetProject {
                    org: o(org),
                    project: o(p),
                }),
                None,
                Some(Route::UpdateProject {
                    org: o(org),
                    project: o(p),
                }),
                None,
            ),
        ),
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
            Ok(Route::UpdateMember {
                org: "acme".into(),
                user: "usr_1".into()
            })
        );
        assert_eq!(
            resolve("DELETE", "/api/v1/orgs/acme/roles/auditor"),
            Ok(Route::DeleteRole {
                org: "acme".into(),
                name: "auditor".into()
            })
        );
        assert_eq!(
            resolve("GET", "/api/v1/orgs/acme/projects/demo"),
            Ok(Route::GetProject {
                org: "acme".into(),
                project: "demo".into()
            })
        );
    }

    #[test]
    fn unknown_paths_are_404() {
        for p in [
            "/",
            "/nope",
            "/api/v2/orgs",
            "/api/v1/orgs/a/b/c/d/e",
            "//",
            "/api/v1/",
        ] {
            assert_eq!(resolve("GET", p).unwrap_err().status(), 404, "{p}");
        }
    }

    #[test]
    fn wrong_methods_are_405_with_allow() {
        let e = resolve("DELETE", "/healthz").unwrap_err();
        assert_eq!(e, ApiError::MethodNotAllowed { allow: vec!["GET"] });
        let e = resolve("PUT", "/api/v1/orgs").unwrap_err();
        assert_eq!(
            e,
            ApiError::MethodNotAllowed {
                allow: vec!["GET", "POST"]
            }
        );
        let e = resolve("GET", "/api/v1/login").unwrap_err();
        assert_eq!(e.headers(), vec![("Allow", "POST".to_string())]);
    }
}
