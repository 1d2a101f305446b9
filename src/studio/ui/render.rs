//! Turning a view into a response: the page headers (strict CSP, no frames,
//! `no-store`), 303 redirects with a flash message, and errors as pages.
//!
//! The flash message rides in a short-lived cookie (`dy_flash`, HttpOnly,
//! `Path=/studio`, one minute) set by the redirect and cleared by the page
//! that shows it; its text is escaped like any other value.

use super::Chrome;
use crate::http::html::PAGE_HEADERS;
use crate::http::ApiError;
use askama::Template;
use worker::{Headers, Response};

const FLASH_COOKIE: &str = "dy_flash";

/// The templates' escaper (`askama.toml`): `http::html::escape`, so a page
/// escapes exactly as every other HTML Dockyard writes.
#[derive(Clone, Copy)]
pub struct Escape;

impl askama::filters::Escaper for Escape {
    fn write_escaped_str<W: std::fmt::Write>(&self, mut dest: W, string: &str) -> std::fmt::Result {
        dest.write_str(&crate::http::html::escape(string))
    }
}

/// A view struct whose template extends `base.html`.
pub trait Page: Template {
    fn chrome(&self) -> &Chrome;
}

/// Implements [`Page`] for view structs with a `chrome` field.
#[macro_export]
macro_rules! studio_page {
    ($($view:ident),+ $(,)?) => {$(
        impl $crate::studio::ui::Page for $view {
            fn chrome(&self) -> &$crate::studio::ui::Chrome {
                &self.chrome
            }
        }
    )+};
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// An HTML response with the page headers.
pub fn html(status: u16, body: String) -> Result<Response, ApiError> {
    let resp = Response::ok(body).map_err(internal)?.with_status(status);
    for (k, v) in PAGE_HEADERS {
        resp.headers().set(k, v).map_err(internal)?;
    }
    resp.headers().set("Cache-Control", "no-store").map_err(internal)?;
    Ok(resp)
}

/// Renders `view` with `status`; clears the flash cookie it showed.
pub fn render_page<T: Page>(status: u16, view: &T) -> Result<Response, ApiError> {
    let resp = html(status, view.render().map_err(internal)?)?;
    if view.chrome().clear_flash {
        resp.headers()
            .append("Set-Cookie", &format!("{FLASH_COOKIE}=; Path=/studio; HttpOnly; SameSite=Lax; Max-Age=0"))
            .map_err(internal)?;
    }
    Ok(resp)
}

/// A 303 to `to` (a same-site path).
pub fn redirect(to: &str) -> Result<Response, ApiError> {
    let resp = Response::empty().map_err(internal)?.with_status(303);
    resp.headers().set("Location", to).map_err(internal)?;
    resp.headers().set("Cache-Control", "no-store").map_err(internal)?;
    Ok(resp)
}

/// A 303 to `to` that shows `message` on the next page.
pub fn redirect_with_flash(to: &str, message: &str) -> Result<Response, ApiError> {
    let resp = redirect(to)?;
    let value: String = url::form_urlencoded::byte_serialize(message.as_bytes()).collect();
    resp.headers()
        .append("Set-Cookie", &format!("{FLASH_COOKIE}={value}; Path=/studio; HttpOnly; SameSite=Lax; Max-Age=60"))
        .map_err(internal)?;
    Ok(resp)
}

/// The flash message a redirect left, if any (at most 300 characters).
pub fn read_flash(headers: &Headers) -> Option<String> {
    let raw = headers.get("Cookie").ok().flatten()?;
    let value = raw.split(';').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        (k == FLASH_COOKIE && !v.is_empty()).then(|| v.to_string())
    })?;
    let text: String =
        url::form_urlencoded::parse(format!("m={value}").as_bytes()).next()?.1.chars().take(300).collect();
    (!text.trim().is_empty()).then_some(text)
}

/// A page that only says something (an error, a refusal).
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessageView {
    pub chrome: Chrome,
    pub message: String,
    pub note: Option<String>,
    pub link: Option<(String, String)>,
}
crate::studio_page!(MessageView);

/// The page a person sees instead of an error body: a 4xx says what went
/// wrong in a sentence, a 5xx says only that it failed (the detail is logged).
pub fn error_page(err: &ApiError) -> Response {
    error_page_for(err, None)
}

/// [`error_page`] with the signed-in header (Sign out) when there is a session.
pub fn error_page_for(err: &ApiError, session: Option<&super::Session>) -> Response {
    if let ApiError::Internal(detail) = err {
        worker::console_error!("internal error: {detail}");
    }
    let title = match err.status() {
        401 => "Sign in required",
        403 => "Not allowed",
        404 => "Not found",
        409 => "Conflict",
        410 => "No longer valid",
        429 => "Too many requests",
        s if s >= 500 => "Something went wrong",
        _ => "That did not work",
    };
    let message = if err.status() >= 500 {
        "The Studio could not complete this request. Try again.".into()
    } else {
        err.message()
    };
    let view = MessageView {
        chrome: match session {
            Some(s) => Chrome { narrow: true, ..Chrome::signed_in(s, title) },
            None => Chrome::public(title),
        },
        message,
        note: None,
        link: Some(("/studio".into(), "Back to the Studio".into())),
    };
    let resp = render_page(err.status(), &view).unwrap_or_else(|_| crate::http::respond::error_response(err));
    for (name, value) in err.headers() {
        let _ = resp.headers().set(name, &value);
    }
    resp
}
