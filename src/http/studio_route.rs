//! The Studio's page table, pure: a path under `/studio` -> [`StudioPage`].
//! `http::route` hands every `/studio/...` path that is not sign-in, sign-up
//! or sign-out here. Pages answer GET and POST (a form posts to its own page
//! with an `intent`); anything else is a 405. Words that name pages
//! (`account`, `audit`, `settings`, `login`, `signup`, `new`, `assets`) are
//! reserved as org and project slugs (`identity::validate::RESERVED_SLUGS`),
//! so `/studio/<org>/<project>` never shadows them.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StudioPage {
    /// `/studio`: the caller's orgs, and Create organization.
    Home,
    /// `/studio/account`: API tokens, password, own grants.
    Account,
    /// `/studio/<org>`: its projects, and Create project.
    Org { org: String },
    /// `/studio/<org>/audit`
    Audit { org: String },
    /// `/studio/<org>/audit/<id>`: one record in detail.
    AuditRecord { org: String, id: String },
    /// `/studio/<org>/settings`
    OrgSettings { org: String },
    /// `/studio/<org>/settings/members`
    Members { org: String },
    /// `/studio/<org>/settings/roles`
    Roles { org: String },
    /// `/studio/<org>/settings/authorized-apps`
    AuthorizedApps { org: String },
    /// `/studio/<org>/<project>/<rest...>`: the project pages (`studio::ui::project`).
    Project { org: String, project: String, rest: Vec<String> },
}

/// `segs` are the path segments after `studio` (none for `/studio`).
pub fn resolve(segs: &[&str]) -> Option<StudioPage> {
    let o = |x: &str| x.to_string();
    Some(match segs {
        [] => StudioPage::Home,
        ["account"] => StudioPage::Account,
        [org] => StudioPage::Org { org: o(org) },
        [org, "audit"] => StudioPage::Audit { org: o(org) },
        [org, "audit", id] => StudioPage::AuditRecord { org: o(org), id: o(id) },
        [org, "settings"] => StudioPage::OrgSettings { org: o(org) },
        [org, "settings", "members"] => StudioPage::Members { org: o(org) },
        [org, "settings", "roles"] => StudioPage::Roles { org: o(org) },
        [org, "settings", "authorized-apps"] => StudioPage::AuthorizedApps { org: o(org) },
        [_, "settings", ..] | [_, "audit", ..] | ["account", ..] => return None,
        [org, project, rest @ ..] => {
            StudioPage::Project { org: o(org), project: o(project), rest: rest.iter().map(|s| o(s)).collect() }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_pages_resolve_before_project_pages() {
        assert_eq!(resolve(&[]), Some(StudioPage::Home));
        assert_eq!(resolve(&["account"]), Some(StudioPage::Account));
        assert_eq!(resolve(&["acme"]), Some(StudioPage::Org { org: "acme".into() }));
        assert_eq!(resolve(&["acme", "audit"]), Some(StudioPage::Audit { org: "acme".into() }));
        assert_eq!(
            resolve(&["acme", "audit", "ev_1"]),
            Some(StudioPage::AuditRecord { org: "acme".into(), id: "ev_1".into() })
        );
        assert_eq!(resolve(&["acme", "settings"]), Some(StudioPage::OrgSettings { org: "acme".into() }));
        assert_eq!(
            resolve(&["acme", "settings", "authorized-apps"]),
            Some(StudioPage::AuthorizedApps { org: "acme".into() })
        );
        assert_eq!(resolve(&["acme", "settings", "nope"]), None);
        assert_eq!(resolve(&["acme", "audit", "a", "b"]), None);
        assert_eq!(resolve(&["account", "x"]), None);
        assert_eq!(
            resolve(&["acme", "shop", "types", "new"]),
            Some(StudioPage::Project {
                org: "acme".into(),
                project: "shop".into(),
                rest: vec!["types".into(), "new".into()]
            })
        );
    }
}
