//! Server-rendered Studio pages: sign in, sign up by invitation, and a home
//! page listing the caller's organizations. Forms post same-origin (checked,
//! `http::csrf`) and every dynamic string is escaped (`http::html`). Labels
//! are the ones a screen reader and the browser tests look for: "Email",
//! "Password", "Sign in", "Invitation link or code", "Sign up".
//!
//! Sign-in and sign-up carry `next` (the page that asked, e.g. an
//! `/oauth/authorize` request) and return there afterwards, only to same-site
//! paths (`http::next::safe_next`): a person invited in the middle of an OAuth
//! flow signs up and lands on the consent page.

use super::account::{self, SignupInput};
use super::auth;
use crate::http::context::{Ctx, Incoming};
use crate::http::html::{escape, page, PAGE_HEADERS};
use crate::http::next::{invitation_code, safe_next, HOME};
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

fn error_box(message: Option<&str>) -> String {
    message.map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m))).unwrap_or_default()
}

/// `path`, carrying `next` along unless it is the default destination.
fn with_next(path: &str, next: &str) -> String {
    if next == HOME {
        return path.to_string();
    }
    let query: String = url::form_urlencoded::Serializer::new(String::new()).append_pair("next", next).finish();
    format!("{path}?{query}")
}

/// The sign-in form, shared by /studio/login and the sign-in step of
/// /oauth/authorize (`intro`: already-escaped HTML above the form). It links
/// to sign-up by invitation with the same `next`, so a person invited during
/// an OAuth flow comes back to the consent page.
pub fn login_form(next: &str, email: &str, message: Option<&str>, intro: &str) -> String {
    page(
        "Sign in",
        &format!(
            "{intro}{}<form method=\"post\" action=\"/studio/login\">\
             <input type=\"hidden\" name=\"next\" value=\"{}\">\
             <label for=\"email\">Email</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required value=\"{}\">\
             <label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
             <button type=\"submit\">Sign in</button></form>\
             <p class=\"muted\">No account yet? <a href=\"{}\">Sign up if invited</a>: \
             you need the invitation link an organization admin sent you.</p>",
            error_box(message),
            escape(next),
            escape(email),
            escape(&with_next("/studio/signup", next)),
        ),
    )
}

fn field(form: &[(String, String)], name: &str) -> String {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

pub async fn login_page(_ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    html(200, login_form(&safe_next(inc.query("next").as_deref()), "", None, ""))
}

pub async fn login_submit(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    auth::check_same_origin(ctx, &inc.headers)?;
    let form = inc.form().await?;
    let next = safe_next(Some(&field(&form, "next")));
    let raw_email = field(&form, "email");
    let again = |status: u16, m: &str| html(status, login_form(&next, &raw_email, Some(m), ""));
    let Ok(email) = validate::normalize_email("email", &raw_email) else {
        return again(422, "Enter a valid email address.");
    };
    let pass = field(&form, "password");
    match auth::verify_login(ctx, &email, &pass, &auth::client_ip(&inc.headers)).await {
        Ok(user_id) => redirect(&next, Some(&auth::start_session(ctx, &user_id).await?)),
        Err(ApiError::Unauthorized(m)) => again(401, &m),
        Err(ApiError::TooManyRequests { message, .. }) => again(429, &message),
        Err(e) => Err(e),
    }
}

/// What the sign-up form shows again: the values typed so far (never the password).
struct SignupView<'a> {
    next: &'a str,
    invitation: &'a str,
    email: &'a str,
    name: &'a str,
}

/// Sign-up by invitation: the invitation link (or its code) arrives in the URL
/// from the admin's link, or the person pastes it here (they came from the
/// sign-in page of an OAuth flow, which cannot know it).
fn signup_form(v: &SignupView<'_>, message: Option<&str>) -> String {
    page(
        "Sign up",
        &format!(
            "{}{}<form method=\"post\" action=\"/studio/signup\">\
             <input type=\"hidden\" name=\"next\" value=\"{}\">\
             <label for=\"invitation\">Invitation link or code</label>\
             <input id=\"invitation\" name=\"invitation\" required autocomplete=\"off\" spellcheck=\"false\" \
             aria-describedby=\"invitation-help\" value=\"{}\">\
             <p id=\"invitation-help\" class=\"muted\">Paste the link from the invitation an organization admin sent you.</p>\
             <label for=\"name\">Name</label><input id=\"name\" name=\"name\" autocomplete=\"name\" required value=\"{}\">\
             <label for=\"email\">Email</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required value=\"{}\">\
             <label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" minlength=\"10\" required>\
             <button type=\"submit\">Sign up</button></form>\
             <p class=\"muted\">Already have an account? <a href=\"{}\">Sign in</a>, then accept the invitation.</p>",
            error_box(message),
            if v.next == HOME { "" } else { "<p>After signing up you continue where you left off.</p>" },
            escape(v.next),
            escape(v.invitation),
            escape(v.name),
            escape(v.email),
            escape(&with_next("/studio/login", v.next)),
        ),
    )
}

pub async fn signup_page(_ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    let invitation = inc.query("invitation").unwrap_or_default();
    let next = safe_next(inc.query("next").as_deref());
    html(200, signup_form(&SignupView { next: &next, invitation: &invitation, email: "", name: "" }, None))
}

pub async fn signup_submit(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    auth::check_same_origin(ctx, &inc.headers)?;
    let form = inc.form().await?;
    let next = safe_next(Some(&field(&form, "next")));
    let (pasted, raw_email, raw_name, pass) =
        (field(&form, "invitation"), field(&form, "email"), field(&form, "name"), field(&form, "password"));
    let view = SignupView { next: &next, invitation: &pasted, email: &raw_email, name: &raw_name };
    let again = |status: u16, m: &str| html(status, signup_form(&view, Some(m)));
    let Some(invitation) = invitation_code(&pasted) else {
        return again(422, "Paste the invitation link (or its code) an organization admin sent you.");
    };
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
    let input =
        SignupInput { email, password: pass.clone(), name, invitation: Some(invitation), bootstrap_secret: None };
    match account::create_account(ctx, input).await {
        // A pending hub sync is retried by the cron trigger; the account exists.
        Ok((user, _)) => redirect(&next, Some(&auth::start_session(ctx, &user.id).await?)),
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
