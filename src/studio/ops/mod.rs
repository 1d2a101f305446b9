//! Operations: what an `/api/v1` handler decides, callable by the Studio's
//! pages too, so one decision has one code path.
//!
//! The pattern (follow it when a page needs an API decision):
//! - `ops::<area>::<verb>(ctx, caller, <path ids>, body) -> Result<T, ApiError>`
//!   takes the signed-in [`Caller`](super::auth::Caller), the raw path ids
//!   (slugs) and, for writes, a [`Body`](crate::http::body::Body). It checks
//!   membership and permission itself (404 for a non-member, 403 naming the
//!   permission), validates the body (422 with every field), changes the
//!   store, writes the audit action, and returns typed data.
//! - The JSON handler is thin: `auth::require`, `inc.json()`, the op, then
//!   the JSON view of its output.
//! - The form handler (`studio::ui::*`) builds the same body from the form
//!   (`ui::forms::Form::body`), calls the same op, and shows the output or
//!   the refusal (a 422's fields next to their inputs).

pub mod account;
pub mod grants;
pub mod members;
pub mod orgs;
pub mod projects;
pub mod roles;
pub mod secrets;
