//! `settings` (project Settings): the name (`project.edit`), visibility with
//! the kill switch (one button that makes a public project private at once;
//! `org.manage`), and deletion with a typed confirmation (`org.manage`).
//! Each form calls the API's operation (`projects::update_project`,
//! `projects::delete_project`); the typed name is checked here too, so a
//! post without the dialog cannot delete by accident. The data-tool rate
//! limit and the project secrets are not on this page yet.

use super::{Proj, ProjTab};
use crate::http::body::Body;
use crate::http::context::{Ctx, Incoming};
use crate::http::ApiError;
use crate::identity::roles::Permission;
use crate::studio::projects::{delete_project, update_project};
use crate::studio::ui::forms::{self, FieldErrors};
use crate::studio::ui::{redirect_with_flash, render_page, Chrome};
use askama::Template;
use serde_json::{Map, Value};
use worker::Response;

#[derive(Template)]
#[template(path = "studio/project_settings.html")]
pub struct SettingsView {
    chrome: Chrome,
    path: String,
    slug: String,
    name: String,
    public: bool,
    can_manage: bool,
    errors: FieldErrors,
}
crate::studio_page!(SettingsView);

fn body(pairs: &[(&str, &str)]) -> Body {
    let map: Map<String, Value> = pairs.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();
    Body::from_object(map)
}

pub async fn page(ctx: &Ctx, inc: &mut Incoming, p: Proj, post: bool) -> Result<Response, ApiError> {
    let path = format!("{}/settings", p.base);
    let slug = p.r.project.slug.clone();
    let mut errors = FieldErrors::none();
    let mut name = p.r.project.name.clone();
    let mut status = 200;
    if post {
        let f = forms::read(ctx, inc, &p.s).await?;
        let intent = forms::expect_intent(&f, &["rename", "make_private", "make_public", "delete"])?;
        let org = p.org.slug.clone();
        let result = match intent.as_str() {
            "rename" => {
                update_project(ctx, &p.s.caller, &org, &slug, f.body(&["name"])).await.map(|_| "Saved the name.")
            }
            "make_private" => {
                update_project(ctx, &p.s.caller, &org, &slug, body(&[("visibility", "private")])).await.map(|_| {
                    "The project is private now: production answers only signed-in members, from the next request."
                })
            }
            "make_public" => update_project(ctx, &p.s.caller, &org, &slug, body(&[("visibility", "public")]))
                .await
                .map(|_| "The project is public now: anyone can call its production endpoint."),
            _ => {
                if f.get("confirm_name") != slug {
                    return Err(ApiError::invalid_field(
                        "confirm_name",
                        format!("must be the project's slug {slug:?}"),
                    ));
                }
                let (_, revoked) = delete_project(ctx, &p.s.caller, &org, &slug).await?;
                return redirect_with_flash(
                    &format!("/studio/{org}"),
                    &format!("Deleted the project {slug}; {revoked} app grant(s) stopped working."),
                );
            }
        };
        match result {
            Ok(message) => return redirect_with_flash(&path, message),
            Err(ApiError::Internal(d)) => return Err(ApiError::Internal(d)),
            Err(e) => {
                status = e.status();
                errors = FieldErrors::from_error(&e, &["name"]);
                name = f.get("name");
            }
        }
    }
    let view = SettingsView {
        chrome: p.chrome("Settings", ProjTab::Settings).with_problem(errors.page.clone()),
        path,
        slug,
        name,
        public: p.r.project.visibility == "public",
        can_manage: p.role.allows(Permission::OrgManage),
        errors,
    };
    render_page(status, &view)
}
