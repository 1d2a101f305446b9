//! Data tools (datacore owns this file; datasecrets adds `secrets`).

pub mod secrets;
