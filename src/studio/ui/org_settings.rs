//! `/studio/<org>/settings`: the org's name and audit settings (payloads,
//! retention, SIEM webhook), saved through the same operation as
//! `PATCH /api/v1/orgs/<org>` (`studio::audit_settings::patch`). The
//! upstream allowlist of data tools is not here yet (it lands with them).

use super::forms::{self, FieldErrors};
use super::{redirect_with_flash, render_page, Chrome, OrgTab, Session};
use crate::http::body::Body;
use crate::http::context::{Ctx, Incoming};
use crate::http::html::format_time;
use crate::http::ApiError;
use crate::store::audit as store;
use crate::studio::audit_settings::{current, patch};
use crate::studio::ops::members::admin;
use askama::Template;
use serde_json::{json, Map, Value};
use worker::Response;

#[derive(Template)]
#[template(path = "studio/org_settings.html")]
pub struct OrgSettingsView {
    chrome: Chrome,
    path: String,
    name: String,
    payloads: bool,
    retention: String,
    webhook_url: String,
    webhook_status: Option<String>,
    webhook_secret: Option<String>,
    errors: FieldErrors,
}
crate::studio_page!(OrgSettingsView);

pub async fn page(ctx: &Ctx, inc: &mut Incoming, s: Session, slug: &str, post: bool) -> Result<Response, ApiError> {
    let (org, role) = admin(ctx, &s.caller, slug).await?;
    let path = format!("/studio/{}/settings", org.slug);
    let row = store::settings(&ctx.db, &org.id).await?;
    let now = current(row.as_ref());
    let mut view = OrgSettingsView {
        chrome: Chrome::signed_in(&s, "Settings").for_org(&org, &role, OrgTab::Settings),
        path: path.clone(),
        name: org.name.clone(),
        payloads: now.payloads,
        retention: now.retention_days.to_string(),
        webhook_url: now.webhook_url.clone().unwrap_or_default(),
        webhook_status: row.as_ref().filter(|r| r.webhook_url.is_some()).map(|r| match r.webhook_delivered_at {
            Some(at) if r.webhook_failures == 0 => format!("Last delivered {}.", format_time(at)),
            _ if r.webhook_failures > 0 => format!(
                "{} failed deliveries in a row: {}",
                r.webhook_failures,
                r.webhook_last_error.clone().unwrap_or_default()
            ),
            _ => "Nothing delivered yet.".into(),
        }),
        webhook_secret: None,
        errors: FieldErrors::none(),
    };
    if !post {
        return render_page(200, &view);
    }
    let form = forms::read(ctx, inc, &s).await?;
    forms::expect_intent(&form, &["save"])?;
    let retention = form.get("retention_days");
    let webhook = form.get("webhook_url");
    let mut audit = Map::new();
    audit.insert("payloads".into(), json!(form.get("payloads") == "true"));
    audit.insert(
        "retention_days".into(),
        retention.trim().parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(retention.clone())),
    );
    let webhook_now = now.webhook_url.clone().unwrap_or_default();
    if webhook.trim() != webhook_now {
        let w = webhook.trim();
        audit.insert("webhook_url".into(), if w.is_empty() { Value::Null } else { json!(w) });
    }
    let mut body = Map::new();
    body.insert("name".into(), json!(form.get("name")));
    body.insert("audit".into(), Value::Object(audit));
    match patch(ctx, &s.caller, &org.slug, Body::from_object(body)).await {
        Ok(answer) => match answer["webhook_secret"].as_str() {
            None => redirect_with_flash(&path, "Saved the settings."),
            Some(secret) => {
                view.webhook_secret = Some(secret.to_string());
                view.name = form.get("name");
                view.payloads = answer["audit"]["payloads"].as_bool().unwrap_or(false);
                view.retention = answer["audit"]["retention_days"].to_string();
                view.webhook_url = webhook.trim().to_string();
                render_page(200, &view)
            }
        },
        Err(ApiError::Internal(d)) => Err(ApiError::Internal(d)),
        Err(e) => {
            view.errors = FieldErrors::from_error(&e, &["name", "audit.retention_days", "audit.webhook_url"]);
            view.chrome.problem = view.errors.page.clone();
            (view.name, view.payloads, view.retention, view.webhook_url) =
                (form.get("name"), form.get("payloads") == "true", retention, webhook);
            render_page(e.status(), &view)
        }
    }
}
