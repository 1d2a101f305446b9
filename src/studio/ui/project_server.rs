//! `/studio/<org>/<project>/server` (Server): the endpoint a host connects
//! to. The **Endpoint** select (Production first) picks the URL shown in the
//! read-only **Endpoint URL** field (from `PUBLIC_URL`, like the API's
//! `endpoints`), with **Copy URL**; without scripts the select's GET form
//! (`?endpoint=draft`) shows the other URL. Then the connection table with
//! the suggested connector names, step-by-step Claude Desktop and ChatGPT
//! instructions with the URL filled in, and what production serves.

use super::{Proj, ProjTab};
use crate::http::context::{Ctx, Incoming};
use crate::http::html::format_time;
use crate::http::ApiError;
use crate::store::{users, versions};
use crate::studio::draft::load_pointer;
use crate::studio::ui::{render_page, Chrome};
use askama::Template;
use worker::Response;

#[derive(Template)]
#[template(path = "studio/project_server.html")]
pub struct ServerView {
    chrome: Chrome,
    path: String,
    draft: bool,
    url: String,
    draft_url: String,
    prod_url: String,
    project: String,
    connector: String,
    visibility: String,
    /// (version, published at, by whom)
    published: Option<(String, String, String)>,
}
crate::studio_page!(ServerView);

pub async fn page(ctx: &Ctx, inc: &Incoming, p: Proj) -> Result<Response, ApiError> {
    let draft = inc.query("endpoint").as_deref() == Some("draft");
    let prod_url = format!("{}/{}/{}", ctx.config.public_url, p.org.slug, p.r.project.slug);
    let draft_url = format!("{prod_url}/draft");
    let published = match load_pointer(ctx, &p.r).await? {
        None => None,
        Some(ptr) => {
            let row = versions::get(&ctx.db, &p.r.project.id, &ptr.version).await?;
            let (at, by) = match row {
                Some(row) => {
                    let who = users::by_id(&ctx.db, &row.author_id).await?.map(|u| u.name);
                    (format_time(row.created_at), who.unwrap_or_else(|| "a former member".into()))
                }
                None => (String::from("(unknown)"), String::from("(unknown)")),
            };
            Some((ptr.version, at, by))
        }
    };
    let project = p.r.project.slug.clone();
    let view = ServerView {
        chrome: p.chrome("Server", ProjTab::Server),
        path: format!("{}/server", p.base),
        draft,
        url: if draft { draft_url.clone() } else { prod_url.clone() },
        connector: if draft { format!("{project}-draft") } else { project.clone() },
        draft_url,
        prod_url,
        project,
        visibility: p.r.project.visibility.clone(),
        published,
    };
    render_page(200, &view)
}
