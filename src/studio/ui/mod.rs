//! The Studio's pages (`/studio/...`): server-rendered HTML from compile-time
//! askama templates (`templates/`), one template and one view struct per
//! page, every value escaped by askama (never mark user data `|safe`).
//!
//! How a page is built (follow this for new pages):
//! - **Routing**: `http::studio_route` (pure) turns the path into a
//!   [`StudioPage`]; [`dispatch`] calls the page's `get`/`post`. Project pages
//!   (`/studio/<org>/<project>/...`) go to `ui::project`.
//! - **Who**: [`session`] returns the signed-in [`Session`] (caller, form
//!   token, flash) or a redirect to sign-in that comes back here.
//! - **Layout**: every view struct has a `chrome: Chrome` field (header with
//!   the org/project context and Sign out, tabs, flash, heading, the shared
//!   confirmation dialog) and `templates/<page>.html` extends `base.html`.
//!   [`Chrome::for_org`] shows only the tabs the member's role can use.
//! - **Decisions**: a page never re-implements what an `/api/v1` handler
//!   decides. Both call the same operation in `studio::ops` (typed input in,
//!   typed output or `ApiError` out); a form handler turns its fields into the
//!   JSON object the API takes (`http::body::Body::from_object`) so the checks
//!   and messages are the same. A 422's `fields` are shown next to their
//!   inputs ([`forms::FieldErrors`]); any other 4xx is a sentence on the page
//!   (never a JSON body: [`dispatch`] renders errors as HTML).
//! - **Forms**: `POST` to the page's own path with a hidden `intent` naming the
//!   action, the session-bound `csrf` token ([`Session::csrf`]) and the
//!   Origin/Sec-Fetch-Site check ([`forms::read`] does both). Success is a 303
//!   back with a flash message ([`redirect_with_flash`]); a one-time secret
//!   (a new API token, an invitation link) is rendered in the POST's answer
//!   instead, so it is never stored.
//! - **Confirmations**: a form with `data-confirm="..."` (and, for a typed
//!   confirmation, `data-confirm-name="<name>"`, posted as `confirm_name`)
//!   asks in the shared `<dialog>` whose button is named Confirm (studio.js).
//!   Bulk actions sit outside table rows.
//! - **Assets**: `/studio/assets/studio.{css,js}` always; `editor.js`
//!   (CodeMirror: `<textarea data-editor="json|html|javascript">`) when
//!   `chrome.editor` is set. The CSP (`http::html::PAGE_HEADERS`) allows no
//!   inline script or style.

pub mod forms;
pub mod project;
pub mod render;

pub use render::{redirect, redirect_with_flash, render_page, Page};

use super::auth::{self, Caller, Via};
use crate::crypto;
use crate::http::context::{Ctx, Incoming};
use crate::http::ApiError;
use crate::identity::roles::{Permission, Role};
use crate::store::orgs::Org;
use worker::Response;

/// A tab under the header.
pub struct Tab {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

/// The org named in the header.
pub struct OrgCrumb {
    pub slug: String,
    pub name: String,
}

/// The project named in the header (set by the project pages).
pub struct ProjectCrumb {
    pub org: String,
    pub slug: String,
    pub name: String,
}

/// The signed-in person, as the header shows them.
pub struct UserBadge {
    pub name: String,
}

/// What `templates/base.html` needs: the frame around every page.
pub struct Chrome {
    /// The `<title>` and the page's `<h1>`.
    pub title: String,
    pub user: Option<UserBadge>,
    pub org: Option<OrgCrumb>,
    pub project: Option<ProjectCrumb>,
    pub tabs: Vec<Tab>,
    pub tabs_label: &'static str,
    /// The session's form token (empty on the sign-in pages).
    pub csrf: String,
    pub flash: Option<String>,
    /// A page-level error (not tied to one field), shown under the heading.
    pub problem: Option<String>,
    /// A small centred card (sign-in, sign-up, consent, messages).
    pub narrow: bool,
    /// Load the CodeMirror bundle.
    pub editor: bool,
    /// The flash cookie was read: the response clears it.
    pub(crate) clear_flash: bool,
}

impl Chrome {
    /// A page for someone not signed in (sign-in, sign-up, OAuth pages).
    pub fn public(title: impl Into<String>) -> Chrome {
        Chrome {
            title: title.into(),
            user: None,
            org: None,
            project: None,
            tabs: Vec::new(),
            tabs_label: "Sections",
            csrf: String::new(),
            flash: None,
            problem: None,
            narrow: true,
            editor: false,
            clear_flash: false,
        }
    }

    /// A page for the signed-in `session`.
    pub fn signed_in(session: &Session, title: impl Into<String>) -> Chrome {
        Chrome {
            user: Some(UserBadge { name: session.caller.user.name.clone() }),
            csrf: session.csrf.clone(),
            flash: session.flash.clone(),
            clear_flash: session.flash.is_some(),
            narrow: false,
            ..Chrome::public(title)
        }
    }

    /// Names `org` in the header and shows its tabs, only those the role can use.
    pub fn for_org(mut self, org: &Org, role: &Role, current: OrgTab) -> Chrome {
        let base = format!("/studio/{}", org.slug);
        let mut tabs = vec![(OrgTab::Projects, "Projects", base.clone())];
        if role.allows(Permission::AuditRead) {
            tabs.push((OrgTab::Audit, "Audit log", format!("{base}/audit")));
        }
        if role.allows(Permission::OrgManage) {
            tabs.push((OrgTab::Members, "Members", format!("{base}/settings/members")));
            tabs.push((OrgTab::AuthorizedApps, "Authorized apps", format!("{base}/settings/authorized-apps")));
            tabs.push((OrgTab::Roles, "Roles", format!("{base}/settings/roles")));
            tabs.push((OrgTab::Settings, "Settings", format!("{base}/settings")));
        }
        self.tabs = tabs.into_iter().map(|(t, label, href)| Tab { href, label, current: t == current }).collect();
        self.tabs_label = "Organization";
        self.org = Some(OrgCrumb { slug: org.slug.clone(), name: org.name.clone() });
        self
    }

    pub fn with_problem(mut self, problem: Option<String>) -> Chrome {
        self.problem = problem;
        self
    }
}

/// Which org tab is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgTab {
    Projects,
    Audit,
    Members,
    AuthorizedApps,
    Roles,
    Settings,
}

/// The signed-in person on a page: who, their form token, and the flash
/// message left by the redirect that brought them here.
#[derive(Clone)]
pub struct Session {
    pub caller: Caller,
    pub csrf: String,
    pub flash: Option<String>,
}

/// The form token bound to a session: an HMAC of the session's hash under
/// the instance key, so it is valid for this session only and needs no storage.
pub fn form_token(ctx: &Ctx, session_hash: &str) -> String {
    crypto::b64url_encode(&crypto::hmac_sha256(
        &ctx.config.secrets_key,
        format!("studio-form|{session_hash}").as_bytes(),
    ))
}

/// The signed-in session, or (as `Err`) the redirect to sign-in that returns
/// to this page. An expired or unknown session cookie also goes to sign-in.
/// API tokens do not open pages (a browser never sends one).
pub async fn session(ctx: &Ctx, inc: &Incoming) -> Result<Result<Session, Response>, ApiError> {
    let to_login = || {
        let next = match inc.url.query() {
            Some(q) if inc.method == worker::Method::Get => format!("{}?{q}", inc.url.path()),
            _ => inc.url.path().to_string(),
        };
        let query: String = url::form_urlencoded::Serializer::new(String::new()).append_pair("next", &next).finish();
        redirect(&format!("/studio/login?{query}"))
    };
    let caller = match auth::identify(ctx, &inc.method, &inc.headers).await {
        Ok(Some(c)) => c,
        Ok(None) | Err(ApiError::Unauthorized(_)) => return Ok(Err(to_login()?)),
        Err(e) => return Err(e),
    };
    let Via::Session { id_hash } = &caller.via else {
        return Ok(Err(to_login()?));
    };
    let csrf = form_token(ctx, id_hash);
    let flash = render::read_flash(&inc.headers);
    Ok(Ok(Session { caller, csrf, flash }))
}

/// Signs in or returns the redirect: `let s = signed_in!(ctx, inc);`.
#[macro_export]
macro_rules! signed_in {
    ($ctx:expr, $inc:expr) => {
        match $crate::studio::ui::session($ctx, $inc).await? {
            Ok(s) => s,
            Err(resp) => return Ok(resp),
        }
    };
}

pub mod account;
pub mod audit;
pub mod grants;
pub mod members;
pub mod org_settings;
pub mod orgs;
pub mod roles;

use crate::http::studio_route::StudioPage;

/// Serves one Studio page; any refusal becomes a page (never a JSON body).
pub async fn dispatch(ctx: &Ctx, inc: &mut Incoming, page: StudioPage, post: bool) -> Result<Response, ApiError> {
    let s = signed_in!(ctx, inc);
    let who = s.clone();
    match serve(ctx, inc, page, post, s).await {
        Ok(resp) => Ok(resp),
        Err(e) => Ok(render::error_page_for(&e, Some(&who))),
    }
}

async fn serve(ctx: &Ctx, inc: &mut Incoming, page: StudioPage, post: bool, s: Session) -> Result<Response, ApiError> {
    match page {
        StudioPage::Home => orgs::home(ctx, inc, s, post).await,
        StudioPage::Org { org } => orgs::org(ctx, inc, s, &org, post).await,
        StudioPage::Audit { org } if !post => audit::page(ctx, inc, s, &org).await,
        StudioPage::AuditRecord { org, id } if !post => audit::record(ctx, s, &org, &id).await,
        StudioPage::Account => account::page(ctx, inc, s, post).await,
        StudioPage::OrgSettings { org } => org_settings::page(ctx, inc, s, &org, post).await,
        StudioPage::Roles { org } => roles::page(ctx, inc, s, &org, post).await,
        StudioPage::Members { org } => members::page(ctx, inc, s, &org, post).await,
        StudioPage::AuthorizedApps { org } => grants::page(ctx, inc, s, &org, post).await,
        StudioPage::Project { org, project, rest } => project::route(ctx, inc, s, &org, &project, &rest, post).await,
        StudioPage::Audit { .. } | StudioPage::AuditRecord { .. } => {
            Err(ApiError::MethodNotAllowed { allow: vec!["GET"] })
        }
    }
}
