//! `/studio/<org>/settings`: the org's name and audit settings (payloads,
//! retention, SIEM webhook), saved through the same operation as
//! `PATCH /api/v1/orgs/<org>` (`studio::audit_settings::patch`), and the
//! upstream allowlist of data tools in a form of its own
//! (`studio::upstream_hosts::set`, the same rules as the PATCH's
//! `upstream_hosts`). Each form sends only its own fields, so saving one
//! never overwrites what the other holds.
//!
//! The allowlist form: a select **Upstream allowlist** (off: no org list,
//! the SSRF guard alone decides; on: only the hosts listed, none when the
//! list is empty) and a textarea **Allowed upstream hosts**, one host (or
//! host:port) a line. A refused entry is shown at the textarea by its line.

use super::forms::{self, FieldErrors};
use super::{redirect_with_flash, render_page, Chrome, OrgTab, Session};
use crate::http::body::Body;
use crate::http::context::{Ctx, Incoming};
use crate::http::html::format_time;
use crate::http::ApiError;
use crate::store::audit as store;
use crate::store::orgs;
use crate::studio::audit_settings::{current, patch};
use crate::studio::ops::members::admin;
use crate::studio::upstream_hosts;
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
    /// The allowlist is on (`upstream_hosts` is a list, maybe empty).
    hosts_on: bool,
    /// One entry a line (or what was typed, after a refusal).
    hosts_text: String,
    /// The allowlist form's refusals, one sentence each (naming the line).
    hosts_errors: Vec<String>,
}
crate::studio_page!(OrgSettingsView);

pub async fn page(ctx: &Ctx, inc: &mut Incoming, s: Session, slug: &str, post: bool) -> Result<Response, ApiError> {
    let (org, role) = admin(ctx, &s.caller, slug).await?;
    let path = format!("/studio/{}/settings", org.slug);
    let row = store::settings(&ctx.db, &org.id).await?;
    let now = current(row.as_ref());
    let hosts = orgs::upstream_hosts(&ctx.db, &org.id).await?;
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
        hosts_on: hosts.is_some(),
        hosts_text: hosts.unwrap_or_default().join("\n"),
        hosts_errors: Vec::new(),
    };
    if !post {
        return render_page(200, &view);
    }
    let form = forms::read(ctx, inc, &s).await?;
    if forms::expect_intent(&form, &["save", "upstream_hosts"])? == "upstream_hosts" {
        return save_hosts(ctx, &s, &org.slug, &path, &form, view).await;
    }
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

/// The allowlist form's entries: one a line (commas split too), blanks dropped.
fn entries(text: &str) -> Vec<String> {
    text.split(['\n', ',']).map(str::trim).filter(|e| !e.is_empty()).map(str::to_string).collect()
}

/// A refusal of the allowlist as sentences: `upstream_hosts[i]` names the
/// i-th entry, shown with its line as typed.
fn host_messages(e: &ApiError, typed: &[String]) -> Vec<String> {
    let ApiError::Invalid(list) = e else { return vec![e.message()] };
    list.iter()
        .map(|f| {
            let index = f.field.strip_prefix("upstream_hosts[").and_then(|r| r.strip_suffix(']'));
            match index.and_then(|i| i.parse::<usize>().ok()) {
                Some(i) => format!("{} {}", typed.get(i).map(String::as_str).unwrap_or("?"), f.message),
                None => format!("The list {}", f.message),
            }
        })
        .collect()
}

async fn save_hosts(
    ctx: &Ctx,
    s: &Session,
    org: &str,
    path: &str,
    form: &forms::Form,
    mut view: OrgSettingsView,
) -> Result<Response, ApiError> {
    let on = form.get("allowlist") == "on";
    let typed = entries(&form.get("upstream_hosts"));
    let mut body = Map::new();
    body.insert("upstream_hosts".into(), if on { json!(typed) } else { Value::Null });
    match upstream_hosts::set(ctx, &s.caller, org, Body::from_object(body)).await {
        Ok(None) => redirect_with_flash(
            path,
            "Turned the upstream allowlist off: data tools may call any public host, from the next call.",
        ),
        Ok(Some(list)) if list.is_empty() => redirect_with_flash(
            path,
            "Saved an empty upstream allowlist: data tools may call no host at all, from the next call.",
        ),
        Ok(Some(list)) => redirect_with_flash(
            path,
            &format!(
                "Saved the upstream allowlist ({}): it applies from the next call and the next save.",
                list.join(", ")
            ),
        ),
        Err(ApiError::Internal(d)) => Err(ApiError::Internal(d)),
        Err(e) => {
            view.hosts_errors = host_messages(&e, &typed);
            view.hosts_on = on;
            view.hosts_text = form.get("upstream_hosts");
            render_page(e.status(), &view)
        }
    }
}
