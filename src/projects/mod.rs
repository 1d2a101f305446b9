//! Projects: the Type model and its validation, draft edits, the diff between
//! draft and production with a semver suggestion. Pure logic.

mod data_checks;
pub mod diff;
pub mod limits;
pub mod problem;
mod schema_diff;
pub mod semver;
pub mod toolset;
mod type_checks;
pub mod type_form;
pub mod types;
pub mod warnings;
