//! `projects`: slug, name and settings (visibility) of each project.

use super::{all, first, run, Arg};
use crate::http::ApiError;
use serde::{Deserialize, Serialize};
use worker::D1Database;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Project {
    pub id: String,
    pub org_id: String,
    pub slug: String,
    pub name: String,
    pub visibility: String,
    pub created_at: i64,
}

const COLUMNS: &str = "id, org_id, slug, name, visibility, created_at";

pub async fn by_slug(db: &D1Database, org_id: &str, slug: &str) -> Result<Option<Project>, ApiError> {
    first(db, &format!("SELECT {COLUMNS} FROM projects WHERE org_id = ?1 AND slug = ?2"), &[org_id.into(), slug.into()])
        .await
}

/// Whether `<org>/<project>` names an existing project (by slugs).
pub async fn exists(db: &D1Database, org_slug: &str, project_slug: &str) -> Result<bool, ApiError> {
    #[derive(Deserialize)]
    struct Row {
        #[allow(dead_code)]
        id: String,
    }
    let row: Option<Row> = first(
        db,
        "SELECT p.id FROM projects p JOIN orgs o ON o.id = p.org_id WHERE o.slug = ?1 AND p.slug = ?2",
        &[org_slug.into(), project_slug.into()],
    )
    .await?;
    Ok(row.is_some())
}

pub async fn for_org(db: &D1Database, org_id: &str) -> Result<Vec<Project>, ApiError> {
    all(db, &format!("SELECT {COLUMNS} FROM projects WHERE org_id = ?1 ORDER BY slug"), &[org_id.into()]).await
}

pub async fn insert(db: &D1Database, p: &Project, created_by: &str) -> Result<(), ApiError> {
    run(
        db,
        "INSERT INTO projects (id, org_id, slug, name, visibility, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[
            (&p.id).into(),
            (&p.org_id).into(),
            (&p.slug).into(),
            (&p.name).into(),
            (&p.visibility).into(),
            created_by.into(),
            Arg::Int(p.created_at),
        ],
    )
    .await
    .map(|_| ())
}

pub async fn update(db: &D1Database, p: &Project) -> Result<(), ApiError> {
    run(
        db,
        "UPDATE projects SET name = ?2, visibility = ?3 WHERE id = ?1",
        &[(&p.id).into(), (&p.name).into(), (&p.visibility).into()],
    )
    .await
    .map(|_| ())
}

/// Removes a deleted project from D1 in one batch: its versions, release
/// history, grants index rows and the project row (the slug is free again).
/// Audit records stay, by design: the trail of a deleted project is kept.
pub async fn delete(db: &D1Database, project_id: &str) -> Result<(), ApiError> {
    let id: Arg<'_> = project_id.into();
    let stmts = vec![
        super::stmt(db, "DELETE FROM release_history WHERE project_id = ?1", std::slice::from_ref(&id))?,
        super::stmt(db, "DELETE FROM versions WHERE project_id = ?1", std::slice::from_ref(&id))?,
        super::grants::delete_project(db, project_id)?,
        super::stmt(db, "DELETE FROM projects WHERE id = ?1", std::slice::from_ref(&id))?,
    ];
    super::batch(db, stmts).await.map(|_| ())
}
