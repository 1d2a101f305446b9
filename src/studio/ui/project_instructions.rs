//! `instructions`: the project's Instructions (markdown sent to hosts at
//! initialize) in an editor with a preview. The preview is rendered in the
//! browser (`studio-ui/markdown.js`, markdown-it: raw HTML shown as text,
//! links only to http(s), mailto or relative URLs), live as the person types;
//! the Worker carries no markdown renderer (about 40 KB gzip of wasm, for one
//! preview: bench/README.md, "Bundle size"). Without script, Preview posts
//! the form and the page shows the text as it is. Save goes through `draft::save_instructions` (the API's
//! operation) with the page's draft revision as `If-Match`, and a stale save
//! comes back with the typed text kept.

use super::{Proj, ProjTab};
use crate::http::context::{Ctx, Incoming};
use crate::http::ApiError;
use crate::studio::draft::{load_draft, save_instructions};
use crate::studio::ui::forms::{self, FieldErrors};
use crate::studio::ui::{redirect_with_flash, render_page, Chrome};
use askama::Template;
use worker::Response;

#[derive(Template)]
#[template(path = "studio/project_instructions.html")]
pub struct InstructionsView {
    chrome: Chrome,
    path: String,
    revision: i64,
    text: String,
    errors: FieldErrors,
    stale: bool,
}
crate::studio_page!(InstructionsView);

pub async fn page(ctx: &Ctx, inc: &mut Incoming, p: Proj, post: bool) -> Result<Response, ApiError> {
    let path = format!("{}/instructions", p.base);
    let draft = load_draft(ctx, &p.r).await?;
    let (text, revision, errors, stale, status) = if post {
        let f = forms::read(ctx, inc, &p.s).await?;
        let intent = forms::expect_intent(&f, &["save", "preview"])?;
        // A browser posts line breaks as CRLF; they are stored as the LF the person saw.
        let text = f.get("instructions").replace("\r\n", "\n");
        let revision = f.get("revision").parse::<i64>().ok();
        if intent == "preview" {
            (text, revision.unwrap_or(draft.revision), FieldErrors::none(), false, 200)
        } else {
            let body = crate::http::body::Body::from_object(
                [("instructions".to_string(), serde_json::Value::String(text.clone()))].into_iter().collect(),
            );
            match save_instructions(ctx, &p.r, body, revision).await {
                Ok(_) => return redirect_with_flash(&path, "Saved the Instructions in the draft."),
                Err(ApiError::Internal(d)) => return Err(ApiError::Internal(d)),
                Err(ApiError::Conflict(_)) => {
                    (text, revision.unwrap_or(draft.revision), FieldErrors::none(), true, 409)
                }
                Err(e) => {
                    let status = e.status();
                    (
                        text,
                        revision.unwrap_or(draft.revision),
                        FieldErrors::from_error(&e, &["instructions"]),
                        false,
                        status,
                    )
                }
            }
        }
    } else {
        (draft.instructions.clone(), draft.revision, FieldErrors::none(), false, 200)
    };
    let view = InstructionsView {
        chrome: p.chrome("Instructions", ProjTab::Instructions).with_problem(errors.page.clone()),
        path,
        revision,
        text,
        errors,
        stale,
    };
    render_page(status, &view)
}
