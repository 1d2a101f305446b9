//! HTTP edge: routes, error shapes and (on wasm32) the glue that turns them
//! into Workers responses. The pure parts (route table, error -> status and
//! body) are tested natively.

pub mod body;
pub mod error;
pub mod html;
pub mod route;

pub use error::ApiError;
