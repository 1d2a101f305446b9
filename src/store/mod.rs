//! D1 access (wasm32 glue), one module per table group. Queries are plain SQL
//! with bound parameters only; a D1 failure becomes `ApiError::Internal` (500,
//! detail logged), never a panic. Schema: `schema/` and `schema/STORAGE.md`.

pub mod audit;
pub mod clients;
pub mod credentials;
pub mod grants;
pub mod invitations;
pub mod membership;
pub mod orgs;
pub mod projects;
pub mod users;
pub mod versions;

use crate::http::ApiError;
use serde::de::DeserializeOwned;
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

/// A bound SQL parameter.
pub enum Arg<'a> {
    Text(&'a str),
    Int(i64),
    Null,
}

impl From<&Arg<'_>> for JsValue {
    fn from(a: &Arg<'_>) -> JsValue {
        match a {
            Arg::Text(s) => JsValue::from_str(s),
            Arg::Int(n) => JsValue::from_f64(*n as f64),
            Arg::Null => JsValue::NULL,
        }
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(s)
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(s)
    }
}
impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}
impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(s: Option<&'a str>) -> Self {
        s.map_or(Arg::Null, Arg::Text)
    }
}

pub fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("D1: {e}"))
}

pub fn stmt(db: &D1Database, sql: &str, args: &[Arg<'_>]) -> Result<D1PreparedStatement, ApiError> {
    let values: Vec<JsValue> = args.iter().map(JsValue::from).collect();
    db.prepare(sql).bind(&values).map_err(internal)
}

pub async fn first<T: DeserializeOwned>(db: &D1Database, sql: &str, args: &[Arg<'_>]) -> Result<Option<T>, ApiError> {
    stmt(db, sql, args)?.first::<T>(None).await.map_err(internal)
}

pub async fn all<T: DeserializeOwned>(db: &D1Database, sql: &str, args: &[Arg<'_>]) -> Result<Vec<T>, ApiError> {
    stmt(db, sql, args)?.all().await.map_err(internal)?.results::<T>().map_err(internal)
}

/// Runs a write; returns the number of rows it changed.
pub async fn run(db: &D1Database, sql: &str, args: &[Arg<'_>]) -> Result<usize, ApiError> {
    let result = stmt(db, sql, args)?.run().await.map_err(internal)?;
    Ok(changes(&result))
}

/// Runs statements atomically (D1 batches are transactions).
pub async fn batch(db: &D1Database, stmts: Vec<D1PreparedStatement>) -> Result<Vec<usize>, ApiError> {
    let results = db.batch(stmts).await.map_err(internal)?;
    Ok(results.iter().map(changes).collect())
}

fn changes(r: &worker::D1Result) -> usize {
    r.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0)
}

/// True when a D1 error is a UNIQUE constraint violation (a lost race on an
/// insert that was checked beforehand).
pub fn is_unique_violation(e: &ApiError) -> bool {
    matches!(e, ApiError::Internal(d) if d.contains("UNIQUE constraint failed") || d.contains("SQLITE_CONSTRAINT"))
}
