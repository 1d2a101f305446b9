//! The HTML of the authorization flow: sign-in, consent and refusal pages.
//! Every dynamic string (client name, hosts, slugs, scopes, hidden fields) is
//! escaped; pages carry `frame-ancestors 'none'` and `X-Frame-Options: DENY`
//! (http::html::PAGE_HEADERS), so consent is never rendered inside a frame.

use crate::http::html::{escape, page, PAGE_HEADERS};
use crate::http::ApiError;
use worker::Response;

pub fn html(status: u16, body: String) -> Result<Response, ApiError> {
    let resp = Response::ok(body).map_err(|e| ApiError::Internal(e.to_string()))?.with_status(status);
    for (k, v) in PAGE_HEADERS {
        resp.headers().set(k, v).map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    resp.headers().set("Cache-Control", "no-store").map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(resp)
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
pub fn sign_in(next: &str, client_name: &str) -> String {
    let intro =
        format!("<p><strong>{}</strong> wants to connect to Dockyard. Sign in to continue.</p>", escape(client_name));
    crate::studio::pages::login_form(next, "", None, &intro)
}

pub fn refusal(title: &str, message: &str) -> String {
    page(
        title,
        &format!(
            "<p class=\"error\" role=\"alert\">{}</p><p class=\"muted\">Nothing was authorized.</p>",
            escape(message)
        ),
    )
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

pub fn consent(c: &Consent<'_>) -> String {
    let hidden: String = c
        .params
        .iter()
        .map(|(k, v)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", escape(k), escape(v)))
        .collect();
    let scopes: String = c.scopes.iter().map(|s| format!("<li><code>{}</code></li>", escape(s))).collect();
    page(
        "Authorize access",
        &format!(
            "<p><strong>{name}</strong> <span class=\"muted\">({client_id})</span> wants to use the \
             <strong>{channel}</strong> endpoint of <strong>{org}/{project}</strong> as you ({email}).</p>\
             <p>After you authorize, you are sent back to <strong>{host}</strong>.</p>\
             <p>It will be allowed to:</p><ul>{scopes}</ul>\
             <form method=\"post\" action=\"/oauth/authorize\">{hidden}\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <button type=\"submit\" name=\"decision\" value=\"allow\">Authorize</button> \
             <button type=\"submit\" name=\"decision\" value=\"deny\" style=\"background:#6b7280\">Deny</button></form>",
            name = escape(c.client_name),
            client_id = escape(c.client_id),
            channel = if c.draft { "Draft" } else { "Production" },
            org = escape(c.org),
            project = escape(c.project),
            email = escape(c.user_email),
            host = escape(c.redirect_host),
            csrf = escape(c.csrf),
        ),
    )
}
