//! The Studio: the management JSON API (`/api/v1`) and server-rendered pages
//! (`/studio`). wasm32 glue over the pure identity rules and the D1 store.

pub mod access_sync;
pub mod account;
pub mod audit;
pub mod audit_settings;
pub mod auth;
pub mod draft;
pub mod ops;
pub mod orgs;
pub mod pages;
pub mod projects;
pub mod releases;
pub mod secrets;
pub mod test_panel;
pub mod type_save;
pub mod ui;
pub mod upstream_hosts;
