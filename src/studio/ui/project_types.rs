//! `types` (the list with kind, scope and status badges), the Type editor
//! (`types/<name>`, `types/new`) and the UI preview (`types/<name>/preview`).
//!
//! The editor is a plain form (`projects::type_form` turns its fields into
//! the Type document) posted to its own path; Save goes through
//! `draft::save_type`, the operation behind `PUT .../draft/types/<name>`,
//! with the draft revision the page was rendered at as its `If-Match`
//! (hidden `revision`): a stale save is refused with 409 and the page comes
//! back with everything the person typed and a note to copy it and reload.
//! A 422's `fields` (JSON Pointers) are shown under the input that holds
//! them (`type_form::field_of`).
//!
//! The preview: the Preview button posts the form into the sandboxed frame
//! (`formtarget`), whose document is the UI HTML served from its own path
//! with its own CSP (inline scripts allowed, no network, `sandbox
//! allow-scripts` again as a header) and `frame-ancestors 'self'`; the frame
//! has no `allow-same-origin`, so the UI runs in an opaque origin and cannot
//! reach the Studio. project.js plays the host side of the MCP Apps bridge
//! (initialize, then tool-input and tool-result with sample arguments).

use super::{Proj, ProjTab};
use crate::http::context::{Ctx, Incoming};
use crate::http::html::PAGE_HEADERS;
use crate::http::ApiError;
use crate::identity::validate::FieldError;
use crate::projects::diff;
use crate::projects::type_form::{self, TypeForm, HINTS};
use crate::studio::draft::{load_draft, load_pointer, production_snapshot, save_type, snapshot_of};
use crate::studio::test_panel::{self, RunRequest, TestPanel};
use crate::studio::ui::forms::{self, FieldErrors, Form};
use crate::studio::ui::{redirect_with_flash, render_page, Chrome};
use askama::Template;
use worker::Response;

/// One row of the list.
pub struct TypeLine {
    pub name: String,
    pub title: String,
    pub kind: String,
    pub scopes: Vec<String>,
    /// new, modified or published
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "studio/project_types.html")]
pub struct TypesView {
    chrome: Chrome,
    base: String,
    rows: Vec<TypeLine>,
    removed: Vec<String>,
}

#[derive(Template)]
#[template(path = "studio/project_type_editor.html")]
pub struct EditorView {
    chrome: Chrome,
    action: String,
    preview: String,
    is_new: bool,
    revision: i64,
    form: TypeForm,
    hints: Vec<(&'static str, &'static str, bool)>,
    errors: FieldErrors,
    /// All messages of a field, one per line (several paths may land on one field).
    stale: bool,
    /// The test panel (saved Types only).
    test: Option<TestPanel>,
    /// This response's CSP nonce for CodeMirror's generated `<style>` (see `with_frames`).
    style_nonce: String,
}
crate::studio_page!(TypesView, EditorView);

impl EditorView {
    /// Every message for `field` ("" when none).
    pub fn errors_of(&self, field: &str) -> Vec<String> {
        self.errors.fields.iter().filter(|e| e.field == field).map(|e| e.message.clone()).collect()
    }
}

pub async fn list(ctx: &Ctx, p: Proj) -> Result<Response, ApiError> {
    let draft = load_draft(ctx, &p.r).await?;
    let pointer = load_pointer(ctx, &p.r).await?;
    let published = production_snapshot(ctx, &p.r, pointer.as_ref()).await?;
    let snapshot = snapshot_of(&draft)?;
    let d = diff::diff(published.as_ref(), &snapshot);
    let rows = snapshot
        .types
        .iter()
        .map(|t| TypeLine {
            name: t.name.clone(),
            title: t.title.clone().unwrap_or_default(),
            kind: serde_json::to_value(t.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
            scopes: t.scopes.clone(),
            status: if d.added.contains(&t.name) {
                "new"
            } else if d.changed.iter().any(|c| c.name == t.name) {
                "modified"
            } else {
                "published"
            },
        })
        .collect();
    let view = TypesView { chrome: p.chrome("Types", ProjTab::Types), base: p.base.clone(), rows, removed: d.removed };
    render_page(200, &view)
}

fn hints_of(form: &TypeForm) -> Vec<(&'static str, &'static str, bool)> {
    let labels = ["Read-only", "Destructive", "Idempotent", "Open world"];
    HINTS.iter().zip(labels).map(|(h, l)| (*h, l, form.hints.iter().any(|x| x == h))).collect()
}

/// The editor's fields; a browser posts a textarea's line breaks as CRLF,
/// which are stored as the LF the person saw.
fn form_of(f: &Form) -> TypeForm {
    let get = |name: &str| f.get(name).replace("\r\n", "\n");
    TypeForm {
        name: get("name"),
        title: get("title"),
        description: get("description"),
        kind: get("kind"),
        input_schema: get("input_schema"),
        output_schema: get("output_schema"),
        scopes: get("scopes"),
        hints: HINTS.iter().filter(|h| !f.get(h).is_empty()).map(|h| h.to_string()).collect(),
        ui_html: get("ui_html"),
        url: get("url"),
        timeout_ms: get("timeout_ms"),
        headers: get("headers"),
        secret: get("secret"),
        source: get("source"),
        allowed_hosts: get("allowed_hosts"),
    }
}

/// A 422's problems placed on the form's fields (JSON Pointer kept in the message).
fn placed(err: &ApiError) -> FieldErrors {
    match err {
        ApiError::Invalid(list) => {
            let mut out = FieldErrors::none();
            let mut page = Vec::new();
            for e in list {
                match type_form::field_of(&e.field) {
                    Some(f) => out.fields.push(FieldError::new(f, format!("{}: {}", e.field, e.message))),
                    None => page.push(format!("{} {}", e.field, e.message)),
                }
            }
            out.page = (!page.is_empty()).then(|| page.join("; "));
            out
        }
        e => FieldErrors { fields: Vec::new(), page: Some(e.message()) },
    }
}

/// The editor's CSP: the page CSP plus `frame-src 'self'` (it frames its own
/// preview path) and a per-response style nonce: CodeMirror injects its
/// theme as one `<style>` element, which `style-src 'self'` alone blocks
/// (the editors then render unstyled); editor.js hands it the nonce
/// (`EditorView.cspNonce`) from the form's `data-style-nonce`. Scripts stay `'self'` only.
fn with_frames(resp: Response, style_nonce: &str) -> Result<Response, ApiError> {
    let csp = format!("{}; frame-src 'self'", PAGE_HEADERS[1].1)
        .replace("style-src 'self'", &format!("style-src 'self' 'nonce-{style_nonce}'"));
    resp.headers().set("Content-Security-Policy", &csp).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(resp)
}

pub async fn editor(ctx: &Ctx, inc: &mut Incoming, p: Proj, name: &str, post: bool) -> Result<Response, ApiError> {
    let is_new = name == "new";
    let draft = load_draft(ctx, &p.r).await?;
    let (form, revision, errors, stale, status) = if post {
        let f = forms::read(ctx, inc, &p.s).await?;
        forms::expect_intent(&f, &["save"])?;
        let form = form_of(&f);
        let revision = f.get("revision").parse::<i64>().ok();
        let target = if is_new { form.name.trim().to_string() } else { name.to_string() };
        let result = match form.to_doc() {
            Err(problems) => Err(ApiError::Invalid(problems.into_iter().map(|(f, m)| FieldError::new(f, m)).collect())),
            Ok(_) if target.is_empty() => Err(ApiError::invalid_field("name", "is required")),
            Ok(doc) => save_type(ctx, &p.r, &target, doc.to_string().as_bytes(), revision).await,
        };
        match result {
            Ok((code, _)) => {
                let verb = if code == 201 { "Created" } else { "Saved" };
                return redirect_with_flash(
                    &format!("{}/types/{target}", p.base),
                    &format!("{verb} the Type {target} in the draft; test it on the Draft endpoint."),
                );
            }
            Err(ApiError::Internal(d)) => return Err(ApiError::Internal(d)),
            Err(ApiError::Conflict(_)) => (form, revision.unwrap_or(draft.revision), FieldErrors::none(), true, 409),
            Err(e) => {
                let status = e.status();
                let errors = match &e {
                    ApiError::Invalid(_) => placed(&e),
                    _ => FieldErrors { fields: Vec::new(), page: Some(e.message()) },
                };
                (form, revision.unwrap_or(draft.revision), errors, false, status)
            }
        }
    } else if is_new {
        (type_form::blank(), draft.revision, FieldErrors::none(), false, 200)
    } else {
        let doc = draft
            .types
            .iter()
            .find(|t| t["name"].as_str() == Some(name))
            .ok_or_else(|| ApiError::NotFound(format!("the draft has no Type {name:?}")))?;
        (TypeForm::from_doc(doc), draft.revision, FieldErrors::none(), false, 200)
    };
    let test = saved(&draft, name).filter(|_| !is_new).map(|doc| TestPanel::of(&p.base, doc, None));
    render_editor(&p, name, Shown { form, revision, errors, stale, status }, test)
}

/// The saved Type `name` of the draft.
fn saved<'a>(draft: &'a crate::objects::hub_api::Draft, name: &str) -> Option<&'a serde_json::Value> {
    draft.types.iter().find(|t| t["name"].as_str() == Some(name))
}

/// What the editor form shows.
struct Shown {
    form: TypeForm,
    revision: i64,
    errors: FieldErrors,
    stale: bool,
    status: u16,
}

fn render_editor(p: &Proj, name: &str, shown: Shown, test: Option<TestPanel>) -> Result<Response, ApiError> {
    let is_new = name == "new";
    let title = if is_new { "New Type".to_string() } else { format!("Type {name}") };
    let action = format!("{}/types/{name}", p.base);
    let mut chrome = p.chrome(title, ProjTab::Types).with_problem(shown.errors.page.clone());
    chrome.editor = true;
    let view = EditorView {
        chrome,
        preview: format!("{action}/preview"),
        action,
        is_new,
        revision: shown.revision,
        hints: hints_of(&shown.form),
        form: shown.form,
        errors: shown.errors,
        stale: shown.stale,
        test,
        style_nonce: crate::crypto::new_id("css"),
    };
    with_frames(render_page(shown.status, &view)?, &view.style_nonce)
}

/// The test panel's Run: the saved Type called on the draft endpoint as a
/// host would (`studio::test_panel`), then the editor page with the result.
pub async fn run(ctx: &Ctx, inc: &mut Incoming, p: Proj, name: &str) -> Result<Response, ApiError> {
    let f = forms::read(ctx, inc, &p.s).await?;
    forms::expect_intent(&f, &["run"])?;
    let draft = load_draft(ctx, &p.r).await?;
    let doc = saved(&draft, name).ok_or_else(|| ApiError::NotFound(format!("the draft has no Type {name:?}")))?;
    let type_scopes = draft
        .types
        .iter()
        .flat_map(|t| t["scopes"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect();
    let arguments = crate::projects::test_form::arguments(&doc["input_schema"], &f.fields);
    let ran = test_panel::run(
        ctx,
        RunRequest {
            org: &p.org,
            project: &p.r.project,
            role: &p.role,
            user_id: &p.s.caller.user.id,
            type_scopes,
            tool: name,
            arguments,
        },
    )
    .await?;
    let mut test = TestPanel::of(&p.base, doc, Some(&f.fields));
    test.ran = Some(ran);
    let shown = Shown {
        form: TypeForm::from_doc(doc),
        revision: draft.revision,
        errors: FieldErrors::none(),
        stale: false,
        status: 200,
    };
    render_editor(&p, name, shown, Some(test))
}

/// The UI preview document: the posted (or saved) UI HTML, with its own CSP.
pub async fn preview(ctx: &Ctx, inc: &mut Incoming, p: Proj, name: &str, post: bool) -> Result<Response, ApiError> {
    let html = if post {
        forms::read(ctx, inc, &p.s).await?.get("ui_html")
    } else {
        let draft = load_draft(ctx, &p.r).await?;
        let doc = draft.types.iter().find(|t| t["name"].as_str() == Some(name));
        doc.and_then(|d| d["ui"]["html"].as_str().map(str::to_string)).unwrap_or_else(|| {
            "<!doctype html><title>Preview</title><p>Press Preview to see the UI HTML here.</p>".into()
        })
    };
    let resp = Response::ok(html).map_err(|e| ApiError::Internal(e.to_string()))?;
    let h = resp.headers();
    let set = |k: &str, v: &str| h.set(k, v).map_err(|e| ApiError::Internal(e.to_string()));
    set("Content-Type", "text/html; charset=utf-8")?;
    set(
        "Content-Security-Policy",
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:; \
         form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox allow-scripts",
    )?;
    set("X-Content-Type-Options", "nosniff")?;
    set("Referrer-Policy", "no-referrer")?;
    set("Cache-Control", "no-store")?;
    Ok(resp)
}
