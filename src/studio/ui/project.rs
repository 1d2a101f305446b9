//! The project pages (`/studio/<org>/<project>/...`): `server`, `types`, the
//! Type editor (`types/<name>`, `types/new`) and its UI preview
//! (`types/<name>/preview`), `instructions`, `publish`, `versions`, `settings`. Built on the foundation
//! in `studio::ui` (see its module doc): every page resolves the project
//! through `studio::ops::projects::get` (membership, `project.edit`) and
//! builds the `studio::draft::ProjectRef` the operations take and calls the same operations as the `/api/v1` handlers
//! (`draft::save_type`, `draft::diff_of`, `releases::publish_with`,
//! `releases::promote_with`), so the checks and messages are the API's.
//!
//! Role limits show: the Publish and Versions tabs (and their buttons) exist
//! only for a role with `project.publish`; an editor who opens them anyway
//! gets a page saying why, from the same 403 the API gives.

use super::render::MessageView;
use super::{redirect, render_page, Chrome, OrgCrumb, ProjectCrumb, Session, Tab};
use crate::http::context::{Ctx, Incoming};
use crate::http::ApiError;
use crate::identity::roles::{Permission, Role};
use crate::store::orgs::Org;
use crate::studio::draft::ProjectRef;
use worker::Response;

#[path = "project_instructions.rs"]
mod instructions;
#[path = "project_releases.rs"]
mod releases;
#[path = "project_server.rs"]
mod server;
#[path = "project_settings.rs"]
mod settings;
#[path = "project_types.rs"]
mod types;

/// Which project tab is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjTab {
    Server,
    Types,
    Instructions,
    Publish,
    Versions,
    Settings,
}

/// A project page's context: the signed-in member, their org and role, and
/// the project (with its hub stub).
pub struct Proj {
    pub s: Session,
    pub org: Org,
    pub role: Role,
    pub r: ProjectRef,
    /// `/studio/<org>/<project>`
    pub base: String,
}

impl Proj {
    pub fn can_publish(&self) -> bool {
        self.role.allows(Permission::ProjectPublish)
    }

    /// The frame of a project page: the org and project in the header, the
    /// project's tabs (only those the role can use).
    pub fn chrome(&self, title: impl Into<String>, current: ProjTab) -> Chrome {
        let mut tabs = vec![
            (ProjTab::Server, "Server", "server"),
            (ProjTab::Types, "Types", "types"),
            (ProjTab::Instructions, "Instructions", "instructions"),
        ];
        if self.can_publish() {
            tabs.push((ProjTab::Publish, "Publish", "publish"));
            tabs.push((ProjTab::Versions, "Versions", "versions"));
        }
        tabs.push((ProjTab::Settings, "Settings", "settings"));
        let mut chrome = Chrome::signed_in(&self.s, title);
        chrome.tabs = tabs
            .into_iter()
            .map(|(t, label, path)| Tab { href: format!("{}/{path}", self.base), label, current: t == current })
            .collect();
        chrome.tabs_label = "Project";
        chrome.org = Some(OrgCrumb { slug: self.org.slug.clone(), name: self.org.name.clone() });
        chrome.project = Some(ProjectCrumb {
            org: self.org.slug.clone(),
            slug: self.r.project.slug.clone(),
            name: self.r.project.name.clone(),
        });
        chrome
    }
}

pub async fn route(
    ctx: &Ctx,
    inc: &mut Incoming,
    session: Session,
    org: &str,
    project: &str,
    rest: &[String],
    post: bool,
) -> Result<Response, ApiError> {
    // Member with project.edit, and the project exists (the API's checks).
    let (org, project) = crate::studio::ops::projects::get(ctx, &session.caller, org, project).await?;
    let (_, role) = crate::studio::orgs::membership(ctx, &session.caller, &org.slug).await?;
    let r = ProjectRef {
        stub: crate::objects::hub(ctx, &org.slug, &project.slug)?,
        project,
        actor_id: session.caller.user.id.clone(),
        caller: session.caller.clone(),
        org_slug: org.slug.clone(),
    };
    let base = format!("/studio/{}/{}", org.slug, r.project.slug);
    let p = Proj { s: session, org, role, r, base };
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    match (rest.as_slice(), post) {
        ([], false) => redirect(&format!("{}/server", p.base)),
        (["server"], false) => server::page(ctx, inc, p).await,
        (["types"], false) => types::list(ctx, p).await,
        (["types", name], _) => types::editor(ctx, inc, p, name, post).await,
        (["types", name, "preview"], _) => types::preview(ctx, inc, p, name, post).await,
        (["types", name, "run"], true) => types::run(ctx, inc, p, name).await,
        (["instructions"], _) => instructions::page(ctx, inc, p, post).await,
        (["publish"], _) => releases::publish(ctx, inc, p, post).await,
        (["settings"], _) => settings::page(ctx, inc, p, post).await,
        (["versions"], _) => releases::versions(ctx, inc, p, post).await,
        _ => Err(ApiError::NotFound("no such project page".into())),
    }
}

/// A project page that only says something (a role that cannot use it).
pub fn message(p: &Proj, title: &str, tab: ProjTab, message: String) -> Result<Response, ApiError> {
    let view = MessageView {
        chrome: p.chrome(title, tab),
        message,
        note: None,
        link: Some((format!("{}/types", p.base), "Back to the Types".into())),
    };
    render_page(200, &view)
}
