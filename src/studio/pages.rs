//! The sign-in, sign-up and sign-out pages (`/studio/login`, `/studio/signup`,
//! `/studio/logout`), from `templates/studio/{login,signup}.html`. Forms post
//! same-origin (checked, `http::csrf`); askama escapes every value. Labels
//! are the ones a screen reader and the browser tests look for: "Email",
//! "Password", "Sign in", "Invitation link or code", "Sign up".
//!
//! Sign-in and sign-up carry `next` (the page that asked, e.g. an
//! `/oauth/authorize` request) and return there afterwards, only to same-site
//! paths (`http::next::safe_next`): a person invited in the middle of an OAuth
//! flow signs up and lands on the consent page.

use super::account::{self, SignupInput};
use super::auth;
use super::ui::{render_page, Chrome};
use crate::http::context::{Ctx, Incoming};
use crate::http::next::{invitation_code, safe_next, HOME};
use crate::http::ApiError;
use crate::identity::validate;
use askama::Template;
use worker::Response;

fn redirect(to: &str, cookie: Option<&str>) -> Result<Response, ApiError> {
    let resp = super::ui::redirect(to)?;
    if let Some(c) = cookie {
        resp.headers().set("Set-Cookie", c).map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    Ok(resp)
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
/// /oauth/authorize (`client_name`: the app asking). It links to sign-up by
/// invitation with the same `next`, so a person invited during an OAuth flow
/// comes back to the consent page.
#[derive(Template)]
#[template(path = "studio/login.html")]
pub struct LoginView {
    pub chrome: Chrome,
    pub next: String,
    pub email: String,
    pub signup_href: String,
    pub client_name: Option<String>,
}
crate::studio_page!(LoginView, SignupView);

impl LoginView {
    pub fn new(next: &str, email: &str, message: Option<&str>, client_name: Option<&str>) -> LoginView {
        LoginView {
            chrome: Chrome::public("Sign in").with_problem(message.map(str::to_string)),
            next: next.to_string(),
            email: email.to_string(),
            signup_href: with_next("/studio/signup", next),
            client_name: client_name.map(str::to_string),
        }
    }
}

fn field(form: &[(String, String)], name: &str) -> String {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

pub async fn login_page(_ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    render_page(200, &LoginView::new(&safe_next(inc.query("next").as_deref()), "", None, None))
}

pub async fn login_submit(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    auth::check_same_origin(ctx, &inc.headers)?;
    let form = inc.form().await?;
    let next = safe_next(Some(&field(&form, "next")));
    let raw_email = field(&form, "email");
    let again = |status: u16, m: &str| render_page(status, &LoginView::new(&next, &raw_email, Some(m), None));
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

/// Sign-up by invitation: the invitation link (or its code) arrives in the URL
/// from the admin's link, or the person pastes it here (they came from the
/// sign-in page of an OAuth flow, which cannot know it). It shows again the
/// values typed so far (never the password).
#[derive(Template)]
#[template(path = "studio/signup.html")]
pub struct SignupView {
    pub chrome: Chrome,
    pub next: String,
    pub continues: bool,
    pub invitation: String,
    pub email: String,
    pub name: String,
    pub login_href: String,
}

impl SignupView {
    fn new(next: &str, invitation: &str, email: &str, name: &str, message: Option<&str>) -> SignupView {
        SignupView {
            chrome: Chrome::public("Sign up").with_problem(message.map(str::to_string)),
            next: next.to_string(),
            continues: next != HOME,
            invitation: invitation.to_string(),
            email: email.to_string(),
            name: name.to_string(),
            login_href: with_next("/studio/login", next),
        }
    }
}

pub async fn signup_page(_ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    let invitation = inc.query("invitation").unwrap_or_default();
    let next = safe_next(inc.query("next").as_deref());
    render_page(200, &SignupView::new(&next, &invitation, "", "", None))
}

pub async fn signup_submit(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    auth::check_same_origin(ctx, &inc.headers)?;
    let form = inc.form().await?;
    let next = safe_next(Some(&field(&form, "next")));
    let (pasted, raw_email, raw_name, pass) =
        (field(&form, "invitation"), field(&form, "email"), field(&form, "name"), field(&form, "password"));
    let again =
        |status: u16, m: &str| render_page(status, &SignupView::new(&next, &pasted, &raw_email, &raw_name, Some(m)));
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

/// Sign out (the header's button on every page): same-origin only, like
/// every form; the session ends whether or not the page's token is current,
/// so a stale tab can still sign out.
pub async fn logout_submit(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    auth::check_same_origin(ctx, &inc.headers)?;
    let cookie = auth::end_session(ctx, &inc.headers).await?;
    redirect("/studio/login", Some(&cookie))
}
