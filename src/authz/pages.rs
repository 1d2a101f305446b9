//! The HTML of the authorization flow: sign-in, consent, refusal and error
//! interstitial pages,
//! in the Studio's look (`templates/base.html`, `templates/oauth/`). askama
//! escapes every value (client name, hosts, slugs, scopes, hidden fields);
//! pages carry `frame-ancestors 'none'` and `X-Frame-Options: DENY`
//! (http::html::PAGE_HEADERS), so consent is never rendered inside a frame.

use crate::http::ApiError;
use crate::studio::pages::LoginView;
use crate::studio::ui::render::MessageView;
use crate::studio::ui::Chrome;
use askama::Template;
use worker::Response;

fn rendered(t: &impl Template) -> Result<String, ApiError> {
    t.render().map_err(|e| ApiError::Internal(e.to_string()))
}

pub fn html(status: u16, body: String) -> Result<Response, ApiError> {
    crate::studio::ui::render::html(status, body)
}

/// The consent page: its form's answer is a redirect to the client, and
/// browsers apply `form-action` to that redirect too, so the client's origin
/// (or, for a private-use redirect, its scheme: `cursor:`) is allowed there
/// and only there.
pub fn consent_html(body: String, redirect_origin: &str) -> Result<Response, ApiError> {
    let resp = html(200, body)?;
    let csp = crate::http::html::csp_with_form_action(redirect_origin);
    resp.headers().set("Content-Security-Policy", &csp).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(resp)
}

pub fn redirect(location: &str) -> Result<Response, ApiError> {
    let resp = Response::empty().map_err(|e| ApiError::Internal(e.to_string()))?.with_status(302);
    resp.headers().set("Location", location).map_err(|e| ApiError::Internal(e.to_string()))?;
    resp.headers().set("Cache-Control", "no-store").map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(resp)
}

/// Sign in first; the form returns to this very authorization request, and
/// its "Sign up if invited" link carries the request along too.
pub fn sign_in(next: &str, client_name: &str) -> Result<String, ApiError> {
    rendered(&LoginView::new(next, "", None, Some(client_name)))
}

pub fn refusal(title: &str, message: &str) -> Result<String, ApiError> {
    rendered(&MessageView {
        chrome: Chrome::public(title),
        message: message.to_string(),
        note: Some("Nothing was authorized.".into()),
        link: None,
    })
}

pub struct Consent<'a> {
    pub client_name: &'a str,
    pub client_id: &'a str,
    pub redirect_host: &'a str,
    pub org: &'a str,
    pub project: &'a str,
    pub draft: bool,
    pub scopes: &'a [String],
    pub user_email: &'a str,
    /// The original authorization request, posted back with the decision.
    pub params: &'a [(String, String)],
    pub csrf: &'a str,
}

#[derive(Template)]
#[template(path = "oauth/consent.html")]
struct ConsentView<'a> {
    chrome: Chrome,
    c: &'a Consent<'a>,
    channel: &'static str,
}

pub fn consent(c: &Consent<'_>) -> Result<String, ApiError> {
    rendered(&ConsentView {
        chrome: Chrome::public("Authorize access"),
        c,
        channel: if c.draft { "Draft" } else { "Production" },
    })
}

#[derive(Template)]
#[template(path = "oauth/error_redirect.html")]
struct InterstitialView<'a> {
    chrome: Chrome,
    v: &'a crate::oauth::authorize_error::Interstitial,
}

/// The page an error for an untrusted client is offered on (RFC 9700
/// §4.11.2): what failed, where Continue leads, and the link itself. A plain
/// link needs no `form-action` source, so the page CSP is unchanged.
pub fn error_interstitial(v: &crate::oauth::authorize_error::Interstitial) -> Result<String, ApiError> {
    rendered(&InterstitialView { chrome: Chrome::public("Authorization failed"), v })
}
