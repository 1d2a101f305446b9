//! `publish` (the diff against production with field-level changes, the
//! suggested version, which can be overridden, Release notes and Publish)
//! and `versions` (history with author, notes and diff; Promote with a
//! confirmation). Both need `project.publish`: for a role without it the
//! tabs are hidden and the page says so. Publish and Promote call
//! `releases::publish_with` / `promote_with`, the API's operations.

use super::{message, Proj, ProjTab};
use crate::http::context::{Ctx, Incoming};
use crate::http::html::format_time;
use crate::http::ApiError;
use crate::store::{users, versions};
use crate::studio::draft::{diff_of, load_pointer};
use crate::studio::releases::{promote_with, publish_with};
use crate::studio::ui::forms::{self, FieldErrors};
use crate::studio::ui::{redirect_with_flash, render_page, Chrome};
use askama::Template;
use serde_json::{json, Value};
use std::collections::HashMap;
use worker::Response;

/// A diff as the pages show it.
pub struct DiffLines {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// (name, changed fields, bump)
    pub changed: Vec<(String, Vec<String>, String)>,
    pub instructions: bool,
    pub reasons: Vec<String>,
}

impl DiffLines {
    fn of(d: &Value) -> DiffLines {
        let names = |v: &Value| -> Vec<String> {
            v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
        };
        DiffLines {
            added: names(&d["added"]),
            removed: names(&d["removed"]),
            changed: d["changed"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|c| {
                            (
                                c["name"].as_str().unwrap_or_default().to_string(),
                                names(&c["fields"]),
                                c["bump"].as_str().unwrap_or_default().to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            instructions: d["instructions_changed"].as_bool().unwrap_or(false),
            reasons: names(&d["reasons"]),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty() && !self.instructions
    }
}

#[derive(Template)]
#[template(path = "studio/project_publish.html")]
pub struct PublishView {
    chrome: Chrome,
    path: String,
    diff: DiffLines,
    production: Option<String>,
    suggested: String,
    bump: String,
    version: String,
    notes: String,
    errors: FieldErrors,
}

pub struct VersionLine {
    pub version: String,
    pub created: String,
    pub author: String,
    pub notes: String,
    pub production: bool,
    pub diff: DiffLines,
}

#[derive(Template)]
#[template(path = "studio/project_versions.html")]
pub struct VersionsView {
    chrome: Chrome,
    path: String,
    rows: Vec<VersionLine>,
}
crate::studio_page!(PublishView, VersionsView);

const NO_PUBLISH: &str = "Your role cannot publish this project (it needs the project.publish permission). Test your changes on the Draft endpoint and ask a developer or an admin to publish them.";

pub async fn publish(ctx: &Ctx, inc: &mut Incoming, p: Proj, post: bool) -> Result<Response, ApiError> {
    if !p.can_publish() {
        return message(&p, "Publish", ProjTab::Publish, NO_PUBLISH.into());
    }
    let path = format!("{}/publish", p.base);
    let (version, notes, errors, status) = if post {
        let f = forms::read(ctx, inc, &p.s).await?;
        forms::expect_intent(&f, &["publish"])?;
        match publish_with(ctx, &p.r, f.body(&["version", "notes"])).await {
            Ok(answer) => {
                let v = answer["version"]["version"].as_str().unwrap_or_default().to_string();
                return redirect_with_flash(
                    &format!("{}/versions", p.base),
                    &format!("Published version {v}: production serves it now."),
                );
            }
            Err(ApiError::Internal(d)) => return Err(ApiError::Internal(d)),
            Err(e) => {
                (f.get("version"), f.get("notes"), FieldErrors::from_error(&e, &["version", "notes"]), e.status())
            }
        }
    } else {
        (String::new(), String::new(), FieldErrors::none(), 200)
    };
    let d = diff_of(ctx, &p.r).await?;
    let suggested = d["suggested_version"].as_str().unwrap_or_default().to_string();
    let view = PublishView {
        chrome: p.chrome("Publish", ProjTab::Publish).with_problem(errors.page.clone()),
        path,
        diff: DiffLines::of(&d["diff"]),
        production: d["production"]["version"].as_str().map(str::to_string),
        bump: d["diff"]["suggested_bump"].as_str().unwrap_or_default().to_string(),
        version: if version.is_empty() { suggested.clone() } else { version },
        suggested,
        notes,
        errors,
    };
    render_page(status, &view)
}

pub async fn versions(ctx: &Ctx, inc: &mut Incoming, p: Proj, post: bool) -> Result<Response, ApiError> {
    if !p.can_publish() {
        return message(&p, "Versions", ProjTab::Versions, NO_PUBLISH.into());
    }
    let path = format!("{}/versions", p.base);
    if post {
        let f = forms::read(ctx, inc, &p.s).await?;
        forms::expect_intent(&f, &["promote"])?;
        let v = f.get("version");
        promote_with(ctx, &p.r, &v).await?;
        return redirect_with_flash(&path, &format!("Production serves version {v} again (promoted)."));
    }
    let pointer = load_pointer(ctx, &p.r).await?;
    let rows = versions::page(&ctx.db, &p.r.project.id, i64::MAX, 50).await?;
    let mut names: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    for v in rows {
        if !names.contains_key(&v.author_id) {
            let n =
                users::by_id(&ctx.db, &v.author_id).await?.map(|u| u.name).unwrap_or_else(|| "a former member".into());
            names.insert(v.author_id.clone(), n);
        }
        let full = versions::get(&ctx.db, &p.r.project.id, &v.version).await?;
        let diff: Value = full.and_then(|r| serde_json::from_str(&r.diff).ok()).unwrap_or_else(|| json!({}));
        out.push(VersionLine {
            production: pointer.as_ref().is_some_and(|ptr| ptr.version == v.version),
            created: format_time(v.created_at),
            author: names[&v.author_id].clone(),
            notes: v.notes,
            diff: DiffLines::of(&diff),
            version: v.version,
        });
    }
    let view = VersionsView { chrome: p.chrome("Versions", ProjTab::Versions), path, rows: out };
    render_page(200, &view)
}
