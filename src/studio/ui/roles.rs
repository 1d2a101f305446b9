//! `/studio/<org>/settings/roles`: built-in and custom roles with their
//! scopes and permissions; create, edit and delete custom ones through
//! `studio::ops::roles`, like the API.

use super::forms::{self, FieldErrors, Form};
use super::{redirect_with_flash, render_page, Chrome, OrgTab, Session};
use crate::http::body::Body;
use crate::http::context::{Ctx, Incoming};
use crate::http::ApiError;
use crate::identity::roles::Permission;
use crate::studio::ops::roles as ops;
use askama::Template;
use serde_json::{json, Map};
use worker::Response;

pub struct RoleLine {
    name: String,
    builtin: bool,
    scopes: Vec<String>,
    scopes_text: String,
    permissions: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "studio/roles.html")]
pub struct RolesView {
    chrome: Chrome,
    path: String,
    roles: Vec<RoleLine>,
    all_permissions: Vec<&'static str>,
    errors: FieldErrors,
    name: String,
    scopes: String,
}
crate::studio_page!(RolesView);

/// The role body the API takes, from the form's fields.
fn role_body(form: &Form, with_name: bool) -> Body {
    let mut map = Map::new();
    if with_name {
        map.insert("name".into(), json!(form.get("name").trim()));
    }
    let scopes: Vec<String> =
        form.get("scopes").split([' ', ',']).filter(|s| !s.is_empty()).map(str::to_string).collect();
    map.insert("scopes".into(), json!(scopes));
    let permissions: Vec<String> =
        form.fields.iter().filter(|(k, _)| k == "permissions").map(|(_, v)| v.clone()).collect();
    map.insert("permissions".into(), json!(permissions));
    Body::from_object(map)
}

pub async fn page(ctx: &Ctx, inc: &mut Incoming, s: Session, slug: &str, post: bool) -> Result<Response, ApiError> {
    let (org, role) = crate::studio::ops::members::admin(ctx, &s.caller, slug).await?;
    let path = format!("/studio/{}/settings/roles", org.slug);
    let (mut errors, mut name, mut scopes, mut status) = (FieldErrors::none(), String::new(), String::new(), 200);
    if post {
        let form = forms::read(ctx, inc, &s).await?;
        let intent = forms::expect_intent(&form, &["create", "update", "delete"])?;
        let target = form.get("role");
        let outcome = match intent.as_str() {
            "create" => ops::create(ctx, &s.caller, &org.slug, role_body(&form, true))
                .await
                .map(|r| format!("Created the role {}.", r.name)),
            "update" => ops::update(ctx, &s.caller, &org.slug, &target, role_body(&form, false))
                .await
                .map(|(r, _)| format!("Saved the role {}; its members have the new access.", r.name)),
            _ => ops::delete(ctx, &s.caller, &org.slug, &target).await.map(|()| format!("Deleted the role {target}.")),
        };
        match outcome {
            Ok(message) => return redirect_with_flash(&path, &message),
            Err(ApiError::Internal(d)) => return Err(ApiError::Internal(d)),
            Err(e) => {
                status = e.status();
                let shown: &[&str] = if intent == "create" { &["name", "scopes"] } else { &[] };
                errors = FieldErrors::from_error(&e, shown);
                if intent == "create" {
                    (name, scopes) = (form.get("name"), form.get("scopes"));
                }
            }
        }
    }
    let (_, list) = ops::list(ctx, &s.caller, &org.slug).await?;
    let roles = list
        .iter()
        .map(|r| {
            let j = r.to_json();
            let scopes: Vec<String> = j["scopes"]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            RoleLine {
                name: r.name.clone(),
                builtin: r.builtin,
                scopes_text: scopes.join(" "),
                scopes,
                permissions: r.permissions.iter().map(|p| p.as_str()).collect(),
            }
        })
        .collect();
    let view = RolesView {
        chrome: Chrome::signed_in(&s, "Roles").for_org(&org, &role, OrgTab::Roles).with_problem(errors.page.clone()),
        path,
        roles,
        all_permissions: Permission::ALL.iter().map(|p| p.as_str()).collect(),
        errors,
        name,
        scopes,
    };
    render_page(status, &view)
}
