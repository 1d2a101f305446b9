//! The project pages (`/studio/<org>/<project>/...`: server, types, the
//! editor, instructions, publish, versions, settings). Built on the
//! foundation in `studio::ui` (see its module doc for the pattern).
//! Until they exist, a project link answers with a page that says so.

use super::render::MessageView;
use super::{render_page, Chrome, OrgTab, Session};
use crate::http::context::{Ctx, Incoming};
use crate::http::ApiError;
use worker::Response;

pub async fn route(
    ctx: &Ctx,
    _inc: &mut Incoming,
    session: Session,
    org: &str,
    project: &str,
    _rest: &[String],
    _post: bool,
) -> Result<Response, ApiError> {
    let (org, _p) = crate::studio::ops::projects::get(ctx, &session.caller, org, project).await?;
    let (_, role) = crate::studio::orgs::membership(ctx, &session.caller, &org.slug).await?;
    let view = MessageView {
        chrome: Chrome::signed_in(&session, "Project").for_org(&org, &role, OrgTab::None),
        message: "The project pages are not built yet; use the /api/v1 project routes.".into(),
        note: None,
        link: Some((format!("/studio/{}", org.slug), "Back to the projects".into())),
    };
    render_page(200, &view)
}
