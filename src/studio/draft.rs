//! The draft working copy (`/api/v1/orgs/<org>/projects/<p>/draft...`): read
//! it, edit Types and Instructions (validated here, stored in the project's
//! hub, visible to the very next read), and diff it against production.
//! Optimistic concurrency: `If-Match: "<revision>"` refuses a stale edit.
//! Size: each Type is at most 1 MiB and the whole draft at most
//! `limits::MAX_DRAFT_BYTES` as published (so a version fits one D1 row); the
//! hub refuses a save past that with 413 `draft_too_large` naming the limit,
//! and `GET .../draft` reports `size: {bytes, limit}`.

use super::auth::Caller;
use super::type_save;
use crate::http::context::{Ctx, Incoming};
use crate::http::respond::json;
use crate::http::ApiError;
use crate::identity::roles::Permission;
use crate::identity::validate::{self, FieldError};
use crate::objects::hub_api::{Draft, ProductionPointer};
use crate::objects::{call, hub};
use crate::projects::diff::{self, Snapshot};
use crate::projects::limits;
use crate::projects::types::{self, TypeDoc};
use crate::store::{projects, versions};
use serde_json::{json, Value};

/// Max Instructions size (markdown).
pub const MAX_INSTRUCTIONS_BYTES: usize = 64 * 1024;

pub struct ProjectRef {
    pub project: projects::Project,
    pub actor_id: String,
    pub stub: worker::Stub,
    /// Who asked, and the org's slug: for the audit log's management records.
    pub caller: Caller,
    pub org_slug: String,
}

/// Signed in, member with `p`, and the project exists.
pub async fn project_ref(
    ctx: &Ctx,
    inc: &Incoming,
    org: &str,
    project: &str,
    p: Permission,
) -> Result<ProjectRef, ApiError> {
    let caller = super::auth::require(ctx, &inc.method, &inc.headers).await?;
    project_ref_for(ctx, caller, org, project, p).await
}

/// [`project_ref`] for a caller already identified (the Studio's pages).
pub async fn project_ref_for(
    ctx: &Ctx,
    caller: Caller,
    org: &str,
    project: &str,
    p: Permission,
) -> Result<ProjectRef, ApiError> {
    let (org, role) = super::orgs::membership(ctx, &caller, org).await?;
    super::orgs::require_permission(&role, p)?;
    let not_found = || ApiError::NotFound(format!("no project {project:?} in this organization"));
    validate::validate_slug("project", project).map_err(|_| not_found())?;
    let project = projects::by_slug(&ctx.db, &org.id, project).await?.ok_or_else(not_found)?;
    let stub = hub(ctx, &org.slug, &project.slug)?;
    Ok(ProjectRef { project, actor_id: caller.user.id.clone(), stub, caller, org_slug: org.slug })
}

pub async fn load_draft(ctx: &Ctx, r: &ProjectRef) -> Result<Draft, ApiError> {
    let v = call(&r.stub, "/draft/get", &json!({ "now": ctx.now })).await?;
    serde_json::from_value(v).map_err(|e| ApiError::Internal(format!("hub draft: {e}")))
}

/// The draft and the names of the project's secrets that have a production
/// value, in one hop (for the publish and diff warnings).
pub async fn load_draft_and_production_secrets(
    ctx: &Ctx,
    r: &ProjectRef,
) -> Result<(Draft, std::collections::BTreeSet<String>), ApiError> {
    let v = call(&r.stub, "/draft/get", &json!({ "now": ctx.now, "with_secret_names": true })).await?;
    let names = v["secret_names"]["production"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    let draft = serde_json::from_value(v).map_err(|e| ApiError::Internal(format!("hub draft: {e}")))?;
    Ok((draft, names))
}

pub async fn load_pointer(ctx: &Ctx, r: &ProjectRef) -> Result<Option<ProductionPointer>, ApiError> {
    let v = call(&r.stub, "/production/get", &json!({ "now": ctx.now })).await?;
    serde_json::from_value(v["production"].clone()).map_err(|e| ApiError::Internal(format!("hub pointer: {e}")))
}

/// The draft as a snapshot of typed documents.
pub fn snapshot_of(draft: &Draft) -> Result<Snapshot, ApiError> {
    let mut types: Vec<TypeDoc> = draft
        .types
        .iter()
        .map(|v| serde_json::from_value(v.clone()))
        .collect::<Result<_, _>>()
        .map_err(|e| ApiError::Internal(format!("stored Type does not parse: {e}")))?;
    types.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Snapshot { types, instructions: draft.instructions.clone() })
}

/// The published snapshot production serves now, if any. Publishing never
/// deletes a row production may point at; should one be missing anyway, the
/// diff is taken against nothing (and logged), so a publish can repair it.
pub async fn production_snapshot(
    ctx: &Ctx,
    r: &ProjectRef,
    pointer: Option<&ProductionPointer>,
) -> Result<Option<Snapshot>, ApiError> {
    let Some(p) = pointer else { return Ok(None) };
    let Some(row) = versions::get(&ctx.db, &r.project.id, &p.version).await? else {
        worker::console_error!("project {}: production points at missing version {}", r.project.id, p.version);
        return Ok(None);
    };
    serde_json::from_str(&row.snapshot).map(Some).map_err(|e| ApiError::Internal(format!("stored snapshot: {e}")))
}

/// The draft's size as its published snapshot will store it (`limits`).
fn size_of(draft: &Draft) -> usize {
    let lens: Vec<usize> = draft.types.iter().map(|t| t.to_string().len()).collect();
    limits::snapshot_bytes(limits::json_string_len(&draft.instructions), &lens)
}

/// Every problem, each named by its JSON path, in one 422.
fn problems_to_error(problems: Vec<types::Problem>) -> ApiError {
    ApiError::Invalid(
        problems
            .into_iter()
            .map(|p| FieldError::new(if p.path.is_empty() { "/".to_string() } else { p.path }, p.message))
            .collect(),
    )
}

fn if_match(inc: &Incoming) -> Result<Option<i64>, ApiError> {
    let Some(raw) = inc.headers.get("If-Match").ok().flatten() else { return Ok(None) };
    raw.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i64>()
        .map(Some)
        .map_err(|_| ApiError::bad_request("invalid_if_match", "If-Match must be the draft revision, e.g. \"12\""))
}

pub async fn get(ctx: &Ctx, inc: &mut Incoming, org: &str, project: &str) -> Result<worker::Response, ApiError> {
    let r = project_ref(ctx, inc, org, project, Permission::ProjectEdit).await?;
    let draft = load_draft(ctx, &r).await?;
    let mut body = json!(draft);
    body["size"] = json!({ "bytes": size_of(&draft), "limit": limits::MAX_DRAFT_BYTES });
    let resp = json(200, &body)?;
    resp.headers().set("ETag", &format!("\"{}\"", draft.revision)).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(resp)
}

pub async fn put_type(
    ctx: &Ctx,
    inc: &mut Incoming,
    org: &str,
    project: &str,
    name: &str,
) -> Result<worker::Response, ApiError> {
    let r = project_ref(ctx, inc, org, project, Permission::ProjectEdit).await?;
    let expected = if_match(inc)?;
    let raw = inc.json_bytes(types::MAX_TYPE_BYTES).await?;
    let (status, body) = save_type(ctx, &r, name, &raw, expected).await?;
    json(status, &body)
}

/// Validates and stores one Type (`PUT .../draft/types/<name>` and the
/// Studio's editor): `expected` is the `If-Match` revision. Answers the
/// status (201 created, 200 replaced) and the API's JSON body.
pub async fn save_type(
    ctx: &Ctx,
    r: &ProjectRef,
    name: &str,
    raw: &[u8],
    expected: Option<i64>,
) -> Result<(u16, Value), ApiError> {
    // Malformed JSON is a 400 here as everywhere; schema problems are the 422.
    crate::http::body::Body::parse(raw, types::MAX_TYPE_BYTES)?;
    // One hop: the draft and the project's secret names (`type_save`).
    let draft_answer = call(&r.stub, "/draft/get", &json!({ "now": ctx.now, "with_secret_names": true })).await?;
    let draft: Draft =
        serde_json::from_value(draft_answer.clone()).map_err(|e| ApiError::Internal(format!("hub draft: {e}")))?;
    let others: Vec<String> =
        draft.types.iter().filter_map(|t| t["name"].as_str().map(str::to_string)).filter(|n| n != name).collect();
    let others: Vec<&str> = others.iter().map(String::as_str).collect();
    let upstream_hosts = crate::store::orgs::upstream_hosts(&ctx.db, &r.project.org_id).await?;
    let opts = type_save::options(ctx, &draft_answer, upstream_hosts);
    let pure = types::validate_type(raw, name, &others, &opts);
    let sent: Value = serde_json::from_slice(raw).unwrap_or(Value::Null);
    let runtime = type_save::runtime_checks(ctx, &sent, pure.as_ref().err().map_or(&[], Vec::as_slice)).await;
    let doc = match pure {
        Ok(doc) if runtime.is_empty() => doc,
        Ok(_) => return Err(problems_to_error(crate::projects::problem::finish(runtime))),
        Err(mut problems) => {
            problems.extend(runtime);
            return Err(problems_to_error(crate::projects::problem::finish(problems)));
        }
    };
    let answer =
        call(&r.stub, "/draft/put-type", &json!({ "name": name, "doc": doc, "if_revision": expected, "now": ctx.now }))
            .await?;
    let status = if answer["created"].as_bool() == Some(true) { 201 } else { 200 };
    let warnings = crate::projects::warnings::type_warnings(&doc);
    Ok((status, json!({ "type": doc, "revision": answer["revision"], "warnings": warnings })))
}

pub async fn delete_type(
    ctx: &Ctx,
    inc: &mut Incoming,
    org: &str,
    project: &str,
    name: &str,
) -> Result<worker::Response, ApiError> {
    let r = project_ref(ctx, inc, org, project, Permission::ProjectEdit).await?;
    let expected = if_match(inc)?;
    let answer =
        call(&r.stub, "/draft/delete-type", &json!({ "name": name, "if_revision": expected, "now": ctx.now })).await?;
    json(200, &json!({ "deleted": name, "revision": answer["revision"] }))
}

pub async fn put_instructions(
    ctx: &Ctx,
    inc: &mut Incoming,
    org: &str,
    project: &str,
) -> Result<worker::Response, ApiError> {
    let r = project_ref(ctx, inc, org, project, Permission::ProjectEdit).await?;
    let expected = if_match(inc)?;
    let b = inc.json_limited(MAX_INSTRUCTIONS_BYTES + 1024).await?;
    json(200, &save_instructions(ctx, &r, b, expected).await?)
}

/// Stores the Instructions (body: `instructions`), `expected` as `If-Match`.
pub async fn save_instructions(
    ctx: &Ctx,
    r: &ProjectRef,
    mut b: crate::http::body::Body,
    expected: Option<i64>,
) -> Result<Value, ApiError> {
    let text = b.opt_string("instructions", usize::MAX).unwrap_or_default();
    if text.len() > MAX_INSTRUCTIONS_BYTES {
        b.error("instructions", format!("must be at most {} KiB", MAX_INSTRUCTIONS_BYTES / 1024));
    }
    b.finish()?;
    let answer = call(
        &r.stub,
        "/draft/put-instructions",
        &json!({ "instructions": text, "if_revision": expected, "now": ctx.now }),
    )
    .await?;
    Ok(json!({ "revision": answer["revision"] }))
}

pub async fn diff(ctx: &Ctx, inc: &mut Incoming, org: &str, project: &str) -> Result<worker::Response, ApiError> {
    let r = project_ref(ctx, inc, org, project, Permission::ProjectEdit).await?;
    json(200, &diff_of(ctx, &r).await?)
}

/// The draft against production (`GET .../draft/diff` and the Publish page).
pub async fn diff_of(ctx: &Ctx, r: &ProjectRef) -> Result<Value, ApiError> {
    let (draft, production_secrets) = load_draft_and_production_secrets(ctx, r).await?;
    let pointer = load_pointer(ctx, r).await?;
    let published = production_snapshot(ctx, r, pointer.as_ref()).await?;
    let snapshot = snapshot_of(&draft)?;
    let d = diff::diff(published.as_ref(), &snapshot);
    let latest = versions::latest(&ctx.db, &r.project.id).await?;
    let suggested_version =
        d.suggested_bump.map(|b| diff::next_version(latest.as_ref().map(|l| l.version.as_str()), b));
    Ok(json!({
        "revision": draft.revision,
        "production": pointer,
        "diff": d,
        "suggested_version": suggested_version,
        "warnings": crate::projects::warnings::publish_warnings(&snapshot, &production_secrets),
    }))
}
