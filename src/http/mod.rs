//! HTTP edge: routes, error shapes and (on wasm32) the request context
//! (`context`), the capped body reader (`capped`) and response builders
//! (`respond`) that turn them
//! into Workers responses. The pure parts (route table, error -> status and
//! body, the CSRF decision, which routes get CORS, post-sign-in destinations,
//! page cursors) are tested natively.

pub mod body;
pub mod cors;
pub mod csrf;
pub mod error;
pub mod form;
pub mod html;
pub mod next;
pub mod page;
pub mod route;
pub mod studio_route;

pub use error::ApiError;

#[cfg(target_arch = "wasm32")]
pub mod capped;
#[cfg(target_arch = "wasm32")]
pub mod context;
#[cfg(target_arch = "wasm32")]
pub mod respond;
