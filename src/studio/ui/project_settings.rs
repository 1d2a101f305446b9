//! `settings` (project Settings): the name (`project.edit`), visibility with
//! the kill switch (one button that makes a public project private at once;
//! `org.manage`), the data-tool rate limit (`project.publish` to change it,
//! every project member sees it), the project's secrets (write-only, per
//! channel; `project.publish`, see `project_secrets`), and deletion with a
//! typed confirmation (`org.manage`).
//!
//! Each form calls the API's operation (`projects::update_project`,
//! `projects::delete_project`, `ops::secrets`); the typed name is checked
//! here too, so a post without the dialog cannot delete by accident. Each
//! form has its own error set, so a refused form shows its messages at its
//! own fields (the secret form's Name is not the project's name).

use super::{Proj, ProjTab};
use crate::http::body::Body;
use crate::http::context::{Ctx, Incoming};
use crate::http::ApiError;
use crate::identity::roles::Permission;
use crate::studio::projects::{data_settings, delete_project, update_project, RATE_FIELD};
use crate::studio::ui::forms::{self, FieldErrors, Form};
use crate::studio::ui::{redirect_with_flash, render_page, Chrome};
use askama::Template;
use serde_json::{Map, Value};
use worker::Response;

#[path = "project_secrets.rs"]
mod secrets;
use secrets::{SecretChannel, SecretForm};

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
    /// The data-tool rate limit (calls per minute), or what was typed.
    rate: String,
    can_set_rate: bool,
    rate_errors: FieldErrors,
    /// `None` when the role may not see secrets (no `project.publish`).
    secrets: Option<Vec<SecretChannel>>,
    secret: SecretForm,
}
crate::studio_page!(SettingsView);

fn body(pairs: &[(&str, &str)]) -> Body {
    let map: Map<String, Value> = pairs.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();
    Body::from_object(map)
}

/// The rate form as the API's body: a whole number as a JSON number, and
/// anything else as the string typed, so the API's own 422 explains it.
fn rate_body(f: &Form) -> Body {
    let typed = f.get(RATE_FIELD);
    let value = typed.trim().parse::<u64>().map(Value::from).unwrap_or(Value::String(typed));
    let mut map = Map::new();
    map.insert(RATE_FIELD.to_string(), value);
    Body::from_object(map)
}

/// What a refused form leaves on the page.
enum Refused {
    Rename(FieldErrors, String),
    Rate(FieldErrors, String),
    Secret(SecretForm),
}

pub async fn page(ctx: &Ctx, inc: &mut Incoming, p: Proj, post: bool) -> Result<Response, ApiError> {
    let path = format!("{}/settings", p.base);
    let slug = p.r.project.slug.clone();
    let org = p.org.slug.clone();
    let mut refused = None;
    let mut status = 200;
    if post {
        let f = forms::read(ctx, inc, &p.s).await?;
        let intents = ["rename", "make_private", "make_public", "data_rate", "secret_set", "secret_delete", "delete"];
        let intent = forms::expect_intent(&f, &intents)?;
        let result = match intent.as_str() {
            "rename" => {
                update_project(ctx, &p.s.caller, &org, &slug, f.body(&["name"])).await.map(|_| "Saved the name.".into())
            }
            "make_private" => {
                update_project(ctx, &p.s.caller, &org, &slug, body(&[("visibility", "private")])).await.map(|_| {
                    "The project is private now: production answers only signed-in members, from the next request."
                        .into()
                })
            }
            "make_public" => update_project(ctx, &p.s.caller, &org, &slug, body(&[("visibility", "public")]))
                .await
                .map(|_| "The project is public now: anyone can call its production endpoint.".into()),
            "data_rate" => update_project(ctx, &p.s.caller, &org, &slug, rate_body(&f)).await.map(|v| {
                format!(
                    "Saved the data-tool rate limit: {} calls per minute, from the next call.",
                    v[RATE_FIELD].as_u64().unwrap_or_default()
                )
            }),
            "secret_set" => secrets::set(ctx, &p, &f).await,
            "secret_delete" => secrets::delete(ctx, &p, &f).await,
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
            Ok(message) => return redirect_with_flash(&path, &message),
            Err(ApiError::Internal(d)) => return Err(ApiError::Internal(d)),
            Err(e) => {
                status = e.status();
                refused = Some(match intent.as_str() {
                    "data_rate" => Refused::Rate(FieldErrors::from_error(&e, &[RATE_FIELD]), f.get(RATE_FIELD)),
                    "secret_set" | "secret_delete" => Refused::Secret(SecretForm::refused(&f, &e)),
                    _ => Refused::Rename(FieldErrors::from_error(&e, &["name"]), f.get("name")),
                });
            }
        }
    }
    let can_publish = p.role.allows(Permission::ProjectPublish);
    let (mut errors, mut name) = (FieldErrors::none(), p.r.project.name.clone());
    let (mut rate_errors, mut secret) = (FieldErrors::none(), SecretForm::default());
    let mut rate = None;
    match refused {
        None => {}
        Some(Refused::Rename(e, n)) => (errors, name) = (e, n),
        Some(Refused::Rate(e, typed)) => (rate_errors, rate) = (e, Some(typed)),
        Some(Refused::Secret(s)) => secret = s,
    }
    let rate = match rate {
        Some(typed) => typed,
        None => data_settings(ctx, &org, &slug, None).await?.to_string(),
    };
    let secrets = match can_publish {
        true => Some(secrets::channels(ctx, &p).await?),
        false => None,
    };
    let problem = errors.page.clone().or(rate_errors.page.clone()).or(secret.errors.page.clone());
    let view = SettingsView {
        chrome: p.chrome("Settings", ProjTab::Settings).with_problem(problem),
        path,
        slug,
        name,
        public: p.r.project.visibility == "public",
        can_manage: p.role.allows(Permission::OrgManage),
        errors,
        rate,
        can_set_rate: can_publish,
        rate_errors,
        secrets,
        secret,
    };
    render_page(status, &view)
}
