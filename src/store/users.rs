//! `users`: accounts. Emails are stored normalized (see identity::validate).

use super::{first, run, Arg};
use crate::http::ApiError;
use serde::{Deserialize, Serialize};
use worker::D1Database;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserCredentials {
    pub id: String,
    pub password_hash: String,
}

pub async fn count(db: &D1Database) -> Result<i64, ApiError> {
    #[derive(Deserialize)]
    struct N {
        n: i64,
    }
    Ok(first::<N>(db, "SELECT COUNT(*) AS n FROM users", &[]).await?.map_or(0, |r| r.n))
}

pub async fn credentials_by_email(db: &D1Database, email: &str) -> Result<Option<UserCredentials>, ApiError> {
    first(db, "SELECT id, password_hash FROM users WHERE email = ?1", &[email.into()]).await
}

pub async fn by_id(db: &D1Database, id: &str) -> Result<Option<User>, ApiError> {
    first(db, "SELECT id, email, name, created_at FROM users WHERE id = ?1", &[id.into()]).await
}

pub async fn by_email(db: &D1Database, email: &str) -> Result<Option<User>, ApiError> {
    first(db, "SELECT id, email, name, created_at FROM users WHERE email = ?1", &[email.into()]).await
}

/// Bootstrap insert: only succeeds while the instance has no account at all,
/// so two racing bootstrap signups cannot both win.
pub async fn insert_first(db: &D1Database, user: &User, password_hash: &str) -> Result<bool, ApiError> {
    let n = run(
        db,
        "INSERT INTO users (id, email, name, password_hash, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM users)",
        &[
            (&user.id).into(),
            (&user.email).into(),
            (&user.name).into(),
            password_hash.into(),
            Arg::Int(user.created_at),
        ],
    )
    .await?;
    Ok(n == 1)
}

pub async fn set_password_hash(db: &D1Database, id: &str, hash: &str) -> Result<(), ApiError> {
    run(db, "UPDATE users SET password_hash = ?2 WHERE id = ?1", &[id.into(), hash.into()]).await.map(|_| ())
}
