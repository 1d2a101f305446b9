//! Publishing and history (`.../publish`, `.../versions`). Publish is atomic:
//! 1. read the draft and the production pointer from the hub;
//! 2. refuse an unchanged draft; diff against production; pick the version;
//! 3. insert the immutable version row and its history entry (one D1 batch);
//! 4. move the pointer in the hub with a compare-and-set.
//!
//! If 3 fails nothing was written. If 4 errors, the move may or may not have
//! happened (the hub may have committed it and the answer got lost), so the
//! worker asks the hub again before touching the rows ([`settle`]):
//! - production points at the new version: the publish succeeded (201);
//! - it provably does not: the hub marks the version withdrawn in the same
//!   step (so no late promote can point at it either), and the rows of 3 are
//!   deleted: the number is free again and production serves the old version;
//! - the hub cannot be asked: nothing is provable, so the rows are kept
//!   (listed, promotable, never served while the pointer is elsewhere) and the
//!   caller gets a 500. A version row that production may point at is never
//!   deleted, so production never looks for a missing row.
//!
//! A promote's failed move is settled the same way; only its history entry
//! is at stake.

use super::draft::{
    load_draft_and_production_secrets, load_pointer, production_snapshot, project_ref, snapshot_of, ProjectRef,
};
use crate::audit::record::Action;
use crate::audit_io::actions::management;
use crate::http::context::{Ctx, Incoming};
use crate::http::respond::json;
use crate::http::ApiError;
use crate::identity::roles::Permission;
use crate::objects::call;
use crate::objects::hub_api::ProductionPointer;
use crate::projects::{diff, limits};
use crate::store::{self, versions};
use serde_json::json;

const PAGE: i64 = 20;

fn injected(ctx: &Ctx, name: &str) -> Result<(), ApiError> {
    if ctx.config.fault(name) {
        return Err(ApiError::Internal(format!("injected fault {name}")));
    }
    Ok(())
}

/// The compare-and-set of the production pointer. `publish` says the version
/// is new (a withdrawn number may be used again by a new publish only).
async fn move_pointer(
    ctx: &Ctx,
    r: &ProjectRef,
    expected: Option<&ProductionPointer>,
    next: &ProductionPointer,
    publish: bool,
) -> Result<(), ApiError> {
    injected(ctx, "publish.pointer")?;
    let cmd = json!({ "expected": expected, "next": next, "publish": publish, "now": ctx.now });
    call(&r.stub, "/production/set", &cmd).await?;
    // Test-only: the hub moved the pointer, but the answer is lost.
    injected(ctx, "publish.pointer-after")
}

/// What a failed pointer move turned out to be.
enum Settled {
    /// Production points at the new version: the move happened.
    Moved,
    /// Production provably does not point at it (and, for a publish, never
    /// will: the hub withdrew the version).
    NotMoved,
    /// The hub could not be asked.
    Unknown,
}

/// Asks the hub where production points after a failed move to `next`. For
/// a publish (`withdraw`), the hub also withdraws the version when production
/// is elsewhere, in the same step, so its rows may be deleted.
async fn settle(ctx: &Ctx, r: &ProjectRef, next: &ProductionPointer, withdraw: bool) -> Settled {
    let answer = async {
        injected(ctx, "publish.reread")?;
        if withdraw {
            let cmd = json!({ "version": next.version, "now": ctx.now });
            call(&r.stub, "/production/withdraw", &cmd).await.map(|a| a["withdrawn"].as_bool() == Some(true))
        } else {
            load_pointer(ctx, r).await.map(|p| p.as_ref() != Some(next))
        }
    };
    match answer.await {
        Ok(true) => Settled::NotMoved,
        Ok(false) => Settled::Moved,
        Err(e) => {
            worker::console_error!("production pointer of {} unknown after a failed move: {e:?}", r.project.id);
            Settled::Unknown
        }
    }
}

pub async fn publish(ctx: &Ctx, inc: &mut Incoming, org: &str, project: &str) -> Result<worker::Response, ApiError> {
    let r = project_ref(ctx, inc, org, project, Permission::ProjectPublish).await?;
    let b = inc.json().await?;
    json(201, &publish_with(ctx, &r, b).await?)
}

/// Publishes the draft (body: optional `notes`, `version`): the API's
/// `POST .../publish` and the Studio's Publish page. Answers the 201 body.
pub async fn publish_with(
    ctx: &Ctx,
    r: &ProjectRef,
    mut b: crate::http::body::Body,
) -> Result<serde_json::Value, ApiError> {
    let notes = b.opt_string("notes", 2000).unwrap_or_default();
    let requested = b.opt_string("version", 64);
    if let Some(v) = &requested {
        if diff::parse_semver(v).is_none() {
            b.error("version", "must be a semantic version MAJOR.MINOR.PATCH, such as 1.4.0");
        }
    }
    b.finish()?;

    let (draft, production_secrets) = load_draft_and_production_secrets(ctx, r).await?;
    let pointer = load_pointer(ctx, r).await?;
    let snapshot = snapshot_of(&draft)?;
    let snapshot_json = snapshot.canonical_json();
    // Saves keep drafts within the limit; a draft saved before it existed is
    // refused here, before anything is written, never by D1 with a 500.
    if snapshot_json.len() > limits::MAX_DRAFT_BYTES {
        return Err(ApiError::DraftTooLarge { bytes: snapshot_json.len(), limit: limits::MAX_DRAFT_BYTES });
    }
    // = `snapshot.content_hash()`, without serializing it again.
    let hash = crate::crypto::sha256_hex(snapshot_json.as_bytes());
    if let Some(p) = pointer.as_ref().filter(|p| p.content_hash == hash) {
        return Err(ApiError::Conflict(format!(
            "nothing to publish: the draft is identical to production version {}",
            p.version
        )));
    }
    let published = production_snapshot(ctx, r, pointer.as_ref()).await?;
    let d = diff::diff(published.as_ref(), &snapshot);
    let latest = versions::latest(&ctx.db, &r.project.id).await?;
    let version = match requested {
        Some(v) => {
            if let Some(l) = &latest {
                if !diff::is_greater(&v, &l.version) {
                    return Err(ApiError::invalid_field(
                        "version",
                        format!("must be greater than the latest version {}", l.version),
                    ));
                }
            }
            v
        }
        None => diff::next_version(
            latest.as_ref().map(|l| l.version.as_str()),
            d.suggested_bump.unwrap_or(diff::Bump::Patch),
        ),
    };
    let seq = latest.as_ref().map_or(1, |l| l.seq + 1);
    let history_seq = versions::next_history_seq(&ctx.db, &r.project.id).await?;
    // The stored diff is trimmed to its share of the row (the answer below has it whole).
    let diff_json = limits::stored_diff(&d, limits::MAX_STORED_DIFF_BYTES);
    let row = versions::NewVersion {
        project_id: &r.project.id,
        version: &version,
        seq,
        notes: &notes,
        author_id: &r.actor_id,
        now: ctx.now,
        content_hash: &hash,
        diff: &diff_json,
        snapshot: &snapshot_json,
    };
    injected(ctx, "publish.d1")?;
    match store::batch(&ctx.db, versions::insert(&ctx.db, &row, history_seq)?).await {
        Err(e) if store::is_unique_violation(&e) => {
            return Err(ApiError::Conflict(format!(
                "version {version} exists already, or another publish just ran; retry"
            )))
        }
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    let next = ProductionPointer { version: version.clone(), seq, content_hash: hash.clone() };
    if let Err(e) = move_pointer(ctx, r, pointer.as_ref(), &next, true).await {
        match settle(ctx, r, &next, true).await {
            Settled::Moved => {}
            Settled::NotMoved => {
                versions::delete_unreleased(&ctx.db, &r.project.id, &version, history_seq).await?;
                return Err(e);
            }
            Settled::Unknown => return Err(e),
        }
    }
    let previous = pointer.as_ref().map(|p| p.version.as_str());
    let details = json!({ "version": version, "previous": previous, "content_hash": hash, "notes": notes });
    management(ctx, &r.caller, Some(&r.org_slug), Action::ProjectPublish, &r.project.slug, details);
    Ok(json!({
            "version": { "version": version, "seq": seq, "notes": notes, "author_id": r.actor_id,
                         "created_at": ctx.now, "content_hash": hash },
            "diff": d,
            "previous": pointer.map(|p| p.version),
            "warnings": crate::projects::warnings::publish_warnings(&snapshot, &production_secrets),
    }))
}

pub async fn list(ctx: &Ctx, inc: &mut Incoming, org: &str, project: &str) -> Result<worker::Response, ApiError> {
    let r = project_ref(ctx, inc, org, project, Permission::ProjectPublish).await?;
    let before = match inc.query("cursor") {
        None => i64::MAX,
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| ApiError::bad_request("invalid_cursor", "cursor is not one this API returned"))?,
    };
    let limit = match inc.query("limit") {
        None => PAGE,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| ApiError::bad_request("invalid_limit", "limit must be 1 to 100"))?,
    };
    let pointer = load_pointer(ctx, &r).await?;
    let rows = versions::page(&ctx.db, &r.project.id, before, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<_> = rows
        .iter()
        .take(limit as usize)
        .map(|v| {
            let mut item = json!(v);
            item["production"] = json!(pointer.as_ref().is_some_and(|p| p.version == v.version));
            item
        })
        .collect();
    let next_cursor = if more { items.last().map(|v| v["seq"].to_string()) } else { None };
    let history = versions::history(&ctx.db, &r.project.id, 50).await?;
    json(200, &json!({ "versions": items, "next_cursor": next_cursor, "production": pointer, "history": history }))
}

async fn find_version(ctx: &Ctx, r: &ProjectRef, version: &str) -> Result<versions::VersionRow, ApiError> {
    versions::get(&ctx.db, &r.project.id, version)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no version {version:?} of this project")))
}

pub async fn get(
    ctx: &Ctx,
    inc: &mut Incoming,
    org: &str,
    project: &str,
    version: &str,
) -> Result<worker::Response, ApiError> {
    let r = project_ref(ctx, inc, org, project, Permission::ProjectPublish).await?;
    let row = find_version(ctx, &r, version).await?;
    let diff_value: serde_json::Value = serde_json::from_str(&row.diff).unwrap_or_default();
    let snapshot: serde_json::Value = serde_json::from_str(&row.snapshot).unwrap_or_default();
    json(
        200,
        &json!({
            "version": row.version, "seq": row.seq, "notes": row.notes, "author_id": row.author_id,
            "created_at": row.created_at, "content_hash": row.content_hash, "diff": diff_value, "snapshot": snapshot,
        }),
    )
}

pub async fn promote(
    ctx: &Ctx,
    inc: &mut Incoming,
    org: &str,
    project: &str,
    version: &str,
) -> Result<worker::Response, ApiError> {
    let r = project_ref(ctx, inc, org, project, Permission::ProjectPublish).await?;
    json(200, &promote_with(ctx, &r, version).await?)
}

/// Points production at `version` (`POST .../versions/<v>/promote` and the
/// Studio's Promote). Answers the API's body.
pub async fn promote_with(ctx: &Ctx, r: &ProjectRef, version: &str) -> Result<serde_json::Value, ApiError> {
    let row = find_version(ctx, r, version).await?;
    let pointer = load_pointer(ctx, r).await?;
    if pointer.as_ref().is_some_and(|p| p.version == row.version) {
        return Err(ApiError::Conflict(format!("version {} is already in production", row.version)));
    }
    let history_seq = versions::next_history_seq(&ctx.db, &r.project.id).await?;
    let entry =
        versions::history_stmt(&ctx.db, &r.project.id, history_seq, "promote", &row.version, &r.actor_id, ctx.now)?;
    match store::batch(&ctx.db, vec![entry]).await {
        Err(e) if store::is_unique_violation(&e) => {
            return Err(ApiError::Conflict("another release just ran; retry".into()))
        }
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    let next = ProductionPointer { version: row.version.clone(), seq: row.seq, content_hash: row.content_hash.clone() };
    if let Err(e) = move_pointer(ctx, r, pointer.as_ref(), &next, false).await {
        match settle(ctx, r, &next, false).await {
            Settled::Moved => {}
            Settled::NotMoved => {
                versions::delete_history(&ctx.db, &r.project.id, history_seq).await?;
                return Err(e);
            }
            // The history entry is kept: a log line too many beats a lost one.
            Settled::Unknown => return Err(e),
        }
    }
    let previous = pointer.map(|p| p.version);
    let details = json!({ "version": next.version, "previous": previous });
    management(ctx, &r.caller, Some(&r.org_slug), Action::ProjectPromote, &r.project.slug, details);
    Ok(json!({ "production": next, "previous": previous }))
}
