//! Server-rendered Studio pages: sign in, sign up by invitation, and a home
//! page listing the caller's organizations. Forms post same-origin (checked)
//! and every dynamic string is escaped (`http::html`). Labels are the ones a
//! screen reader and the tests look for: "Email", "Password", "Sign in".

use super::account::{self, SignupInput};
use super::auth;
use crate::http::context::{Ctx, Incoming};
use crate::http::html::{escape, page, PAGE_HEADERS};
use crate::http::ApiError;
use crate::identity::validate;
use crate::store::orgs;
use worker::Response;

fn html(status: u16, body: String) -> Result<Response, ApiError> {
    let resp = Response::ok(body).map_err(|e| ApiError::Internal(e.to_string()))?.with_status(status);
    for (k, v) in PAGE_HEADERS {
        resp.headers().set(k, v).map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    resp.headers().set("Cache-Control", "no-store").map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(resp)
}

fn redirect(to: &str, cookie: Option<&str>) -> Result<Response, ApiError> {
    let resp = Response::empty().map_err(|e| ApiError::Internal(e.to_string()))?.with_status(303);
    resp.headers().set("Location", to).map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Some(c) = cookie {
        resp.headers().set("Set-Cookie", c).map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    Ok(resp)
}

/// Only same-site absolute paths may be a post-login destination: a leading
/// `/` but not `//`, and only URL-safe characters (no whitespace, controls or
/// backslashes, which browsers strip or reinterpret into another host).
fn safe_next(next: Option<&str>) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/-_.~%?=&+:@!$'()*,;".contains(c);
    match next {
        Some(n) if n.len() <= 4096 && n.starts_with('/') && !n.starts_with("//") && n.chars().all(allowed) => {
            n.to_string()
        }
        _ => "/studio".to_string(),
    }
}

fn error_box(message: Option<&str>) -> String {
    message.map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m))).unwrap_or_default()
}

fn login_form(next: &str, email: &str, message: Option<&str>) -> String {
    page(
        "Sign in",
        &format!(
            "{}<form method=\"post\" action=\"/studio/login\">\
             <input type=\"hidden\" name=\"next\" value=\"{}\">\
             <label for=\"email\">Email</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required value=\"{}\">\
             <label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
             <button type=\"submit\">Sign in</button></form>\
             <p class=\"muted\">No account? Ask an organization admin for an invitation, then follow its link to <a href=\"/studio/signup\">sign up</a>.</p>",
            error_box(message),
            escape(next),
            escape(email)
        ),
    )
}

fn field(form: &[(String, String)], name: &str) -> String {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

pub async fn login_page(_ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    html(200, login_form(&safe_next(inc.query("next").as_deref()), "", None))
}

pub async fn login_submit(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    auth::check_same_origin(ctx, &inc.headers)?;
    let form = inc.form().await?;
    let next = safe_next(Some(&field(&form, "next")));
    let raw_email = field(&form, "email");
    let Ok(email) = validate::normalize_email("email", &raw_email) else {
        return html(422, login_form(&next, &raw_email, Some("Enter a valid email address.")));
    };
    let pass = field(&form, "password");
    match auth::verify_login(ctx, &email, &pass, &auth::client_ip(&inc.headers)).await {
        Ok(user_id) => redirect(&next, Some(&auth::start_session(ctx, &user_id).await?)),
        Err(ApiError::Unauthorized(m)) => html(401, login_form(&next, &raw_email, Some(&m))),
        Err(ApiError::TooManyRequests { message, .. }) => html(429, login_form(&next, &raw_email, Some(&message))),
        Err(e) => Err(e),
    }
}

fn signup_form(invitation: &str, email: &str, name: &str, message: Option<&str>) -> String {
    page(
        "Sign up",
        &format!(
            "{}<form method=\"post\" action=\"/studio/signup\">\
             <input type=\"hidden\" name=\"invitation\" value=\"{}\">\
             <label for=\"name\">Name</label><input id=\"name\" name=\"name\" required value=\"{}\">\
             <label for=\"email\">Email</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required value=\"{}\">\
             <label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" minlength=\"10\" required>\
             <button type=\"submit\">Sign up</button></form>\
             <p class=\"muted\">Already have an account? <a href=\"/studio/login\">Sign in</a>, then accept the invitation.</p>",
            error_box(message),
            escape(invitation),
            escape(name),
            escape(email)
        ),
    )
}

pub async fn signup_page(_ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    let invitation = inc.query("invitation").unwrap_or_default();
    let message = invitation.is_empty().then_some("Signing up needs an invitation link from an organization admin.");
    html(200, signup_form(&invitation, "", "", message))
}

pub async fn signup_submit(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    auth::check_same_origin(ctx, &inc.headers)?;
    let form = inc.form().await?;
    let (invitation, raw_email, raw_name, pass) =
        (field(&form, "invitation"), field(&form, "email"), field(&form, "name"), field(&form, "password"));
    let again = |status: u16, m: &str| html(status, signup_form(&invitation, &raw_email, &raw_name, Some(m)));
    let email = match validate::normalize_email("email", &raw_email) {
        Ok(e) => e,
        Err(e) => return again(422, &e.to_string()),
    };
    let name = match validate::validate_display_name("name", &raw_name, 100) {
        Ok(n) => n,
        Err(e) => return again(422, &e.to_string()),
    };
    if let Err(e) = validate::validate_password("password", &pass) {
        return again(422, &e.to_string());
    }
    if invitation.is_empty() {
        return again(403, "Signing up needs an invitation link from an organization admin.");
    }
    let input = SignupInput {
        email: email.clone(),
        password: pass.clone(),
        name,
        invitation: Some(invitation.clone()),
        bootstrap_secret: None,
    };
    match account::create_account(ctx, input).await {
        // A pending hub sync is retried by the cron trigger; the account exists.
        Ok((user, _)) => redirect("/studio", Some(&auth::start_session(ctx, &user.id).await?)),
        Err(ApiError::Internal(d)) => Err(ApiError::Internal(d)),
        Err(e) => again(e.status(), &e.message()),
    }
}

pub async fn logout_submit(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    auth::check_same_origin(ctx, &inc.headers)?;
    let cookie = auth::end_session(ctx, &inc.headers).await?;
    redirect("/studio/login", Some(&cookie))
}

pub async fn home(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    let caller = match auth::identify(ctx, &inc.method, &inc.headers).await {
        Ok(Some(c)) => c,
        _ => return redirect("/studio/login?next=%2Fstudio", None),
    };
    let list = orgs::for_user(&ctx.db, &caller.user.id).await?;
    let items: String = if list.is_empty() {
        "<p class=\"muted\">You are not a member of any organization yet.</p>".into()
    } else {
        let li: String = list
            .iter()
            .map(|o| {
                format!(
                    "<li><strong>{}</strong> <span class=\"muted\">({}) · {}</span></li>",
                    escape(&o.name),
                    escape(&o.slug),
                    escape(&o.role)
                )
            })
            .collect();
        format!("<h2>Organizations</h2><ul>{li}</ul>")
    };
    let body = format!(
        "<p>Signed in as <strong>{}</strong> ({})</p>{items}\
         <form method=\"post\" action=\"/studio/logout\"><button type=\"submit\">Sign out</button></form>",
        escape(&caller.user.name),
        escape(&caller.user.email)
    );
    html(200, page("Dockyard Studio", &body))
}
