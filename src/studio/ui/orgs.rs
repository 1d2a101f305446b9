//! `/studio` (the caller's organizations, Create organization) and
//! `/studio/<org>` (its projects, Create project). Creation goes through
//! `studio::ops`, like `POST /api/v1/orgs` and `.../projects`.

use super::forms::{self, FieldErrors};
use super::{redirect_with_flash, render_page, Chrome, OrgTab, Session};
use crate::http::context::{Ctx, Incoming};
use crate::http::ApiError;
use crate::identity::roles::Permission;
use crate::store::{orgs, projects};
use crate::studio::ops;
use askama::Template;
use worker::Response;

#[derive(Template)]
#[template(path = "studio/home.html")]
pub struct HomeView {
    chrome: Chrome,
    user_name: String,
    user_email: String,
    orgs: Vec<orgs::OrgWithRole>,
    errors: FieldErrors,
    name: String,
    slug: String,
}

#[derive(Template)]
#[template(path = "studio/org.html")]
pub struct OrgView {
    chrome: Chrome,
    org_slug: String,
    role_name: String,
    can_edit: bool,
    projects: Vec<projects::Project>,
    errors: FieldErrors,
    name: String,
    slug: String,
}
crate::studio_page!(HomeView, OrgView);

/// A refusal of a create form: a taken slug is the slug's problem.
fn create_errors(err: &ApiError) -> FieldErrors {
    match err {
        ApiError::Conflict(m) => {
            FieldErrors { fields: vec![crate::identity::validate::FieldError::new("slug", m.clone())], page: None }
        }
        e => FieldErrors::from_error(e, &["name", "slug"]),
    }
}

async fn home_view(
    ctx: &Ctx,
    s: &Session,
    errors: FieldErrors,
    name: String,
    slug: String,
) -> Result<HomeView, ApiError> {
    let list = orgs::for_user(&ctx.db, &s.caller.user.id).await?;
    Ok(HomeView {
        chrome: Chrome::signed_in(s, "Organizations").with_problem(errors.page.clone()),
        user_name: s.caller.user.name.clone(),
        user_email: s.caller.user.email.clone(),
        orgs: list,
        errors,
        name,
        slug,
    })
}

pub async fn home(ctx: &Ctx, inc: &mut Incoming, s: Session, post: bool) -> Result<Response, ApiError> {
    if !post {
        return render_page(200, &home_view(ctx, &s, FieldErrors::none(), String::new(), String::new()).await?);
    }
    let form = forms::read(ctx, inc, &s).await?;
    forms::expect_intent(&form, &["create"])?;
    match ops::orgs::create(ctx, &s.caller, form.body(&["name", "slug"])).await {
        Ok(org) => {
            redirect_with_flash(&format!("/studio/{}", org.slug), &format!("Created the organization {}.", org.name))
        }
        Err(ApiError::Internal(d)) => Err(ApiError::Internal(d)),
        Err(e) => {
            let view = home_view(ctx, &s, create_errors(&e), form.get("name"), form.get("slug")).await?;
            render_page(e.status(), &view)
        }
    }
}

pub async fn org(ctx: &Ctx, inc: &mut Incoming, s: Session, slug: &str, post: bool) -> Result<Response, ApiError> {
    let (org, role) = crate::studio::orgs::membership(ctx, &s.caller, slug).await?;
    let can_edit = role.allows(Permission::ProjectEdit);
    let (errors, name, pslug, status) = if post {
        let form = forms::read(ctx, inc, &s).await?;
        forms::expect_intent(&form, &["create"])?;
        match ops::projects::create(ctx, &s.caller, &org.slug, form.body(&["name", "slug"])).await {
            Ok((org, p)) => {
                return redirect_with_flash(
                    &format!("/studio/{}/{}", org.slug, p.slug),
                    &format!("Created the project {}.", p.name),
                )
            }
            Err(ApiError::Internal(d)) => return Err(ApiError::Internal(d)),
            Err(e) => (create_errors(&e), form.get("name"), form.get("slug"), e.status()),
        }
    } else {
        (FieldErrors::none(), String::new(), String::new(), 200)
    };
    let projects = if can_edit { projects::for_org(&ctx.db, &org.id).await? } else { Vec::new() };
    let view = OrgView {
        chrome: Chrome::signed_in(&s, "Projects")
            .for_org(&org, &role, OrgTab::Projects)
            .with_problem(errors.page.clone()),
        org_slug: org.slug.clone(),
        role_name: role.name.clone(),
        can_edit,
        projects,
        errors,
        name,
        slug: pslug,
    };
    render_page(status, &view)
}
