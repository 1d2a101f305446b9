//! The Secrets section of project Settings: per channel (Draft, Production)
//! a table of names with their times, a form to set or replace one (Name,
//! Value, Channel) and Delete per row (with the confirmation dialog). The
//! forms call `studio::ops::secrets`, the operations of the secrets API,
//! with the body that API takes, so the permission (`project.publish`), the
//! rules and the messages are the API's.
//!
//! Write-only: the Value input is a password field that is never filled
//! back, not even after a refusal, and no flash or error quotes a value.

use super::Proj;
use crate::http::context::Ctx;
use crate::http::html::format_time;
use crate::http::ApiError;
use crate::studio::ops::secrets as op;
use crate::studio::ui::forms::{FieldErrors, Form};
use crate::tools::secrets::Channel;
use serde_json::{Map, Value};

/// One stored name in one channel, as the table shows it.
pub struct SecretRow {
    pub name: String,
    pub created: String,
    pub updated: String,
    pub last_used: String,
}

/// One channel's table.
pub struct SecretChannel {
    pub label: &'static str,
    pub channel: &'static str,
    pub rows: Vec<SecretRow>,
}

/// The set form: what was typed (never the value) and its errors.
#[derive(Default)]
pub struct SecretForm {
    pub name: String,
    pub channel: String,
    pub errors: FieldErrors,
}

impl SecretForm {
    /// The form after a refusal: a 422 of the set form goes next to Name,
    /// Value or Channel; anything else (and any refused delete) is a
    /// sentence on the page.
    pub fn refused(f: &Form, e: &ApiError) -> SecretForm {
        if f.intent() == "secret_delete" {
            return SecretForm { errors: FieldErrors::from_error(e, &[]), ..SecretForm::default() };
        }
        SecretForm {
            name: f.get("name").trim().to_string(),
            channel: f.get("channel"),
            errors: FieldErrors::from_error(e, &["name", "value", "channel"]),
        }
    }

    pub fn selected(&self, channel: &str) -> bool {
        self.channel == channel
    }
}

fn label(channel: Channel) -> &'static str {
    match channel {
        Channel::Draft => "Draft",
        Channel::Production => "Production",
    }
}

/// Whether the list view (`ops::secrets::list`) has `name` in `channel`.
fn listed(list: &Value, name: &str, channel: &str) -> bool {
    list.as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == name))
        .is_some_and(|s| !s["channels"][channel].is_null())
}

/// The set form's post: `{"value", "channel"?}` (the select's "both"
/// leaves the channel out, as the API reads it), then `ops::secrets::put`.
pub async fn set(ctx: &Ctx, p: &Proj, f: &Form) -> Result<String, ApiError> {
    let r = op::publisher(ctx, &p.s.caller, &p.org.slug, &p.r.project.slug).await?;
    let name = f.get("name").trim().to_string();
    op::check_name(&name)?;
    let channel = f.get("channel");
    let mut body = Map::new();
    body.insert("value".into(), Value::String(f.get("value")));
    if channel != "both" {
        body.insert("channel".into(), Value::String(channel.clone()));
    }
    let before = op::list(ctx, &r).await?;
    let answer = op::put(ctx, &r, &name, &Value::Object(body)).await?;
    let set: Vec<&str> = answer["set"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let replaced = set.iter().any(|c| listed(&before, &name, c));
    let channels: Vec<&str> = set.iter().filter_map(|c| Channel::parse(c)).map(label).collect::<Vec<_>>();
    let verb = if replaced { "Replaced" } else { "Set" };
    Ok(format!(
        "{verb} the secret {name} on {}: data tools read the new value from their next call.",
        channels.join(" and ")
    ))
}

/// A row's Delete: `ops::secrets::delete` for that name and channel.
pub async fn delete(ctx: &Ctx, p: &Proj, f: &Form) -> Result<String, ApiError> {
    let r = op::publisher(ctx, &p.s.caller, &p.org.slug, &p.r.project.slug).await?;
    let name = f.get("name");
    let gone = op::delete(ctx, &r, &name, Some(&f.get("channel"))).await?;
    let channels: Vec<&str> = gone.iter().filter_map(|c| Channel::parse(c)).map(label).collect();
    Ok(format!("Deleted the secret {name} from {}.", channels.join(" and ")))
}

/// The tables: every channel, each with its names (sorted) and times.
pub async fn channels(ctx: &Ctx, p: &Proj) -> Result<Vec<SecretChannel>, ApiError> {
    let list = op::list(ctx, &p.r).await?;
    let entries = list.as_array().cloned().unwrap_or_default();
    let time = |v: &Value| v.as_i64().map(format_time);
    Ok([Channel::Draft, Channel::Production]
        .into_iter()
        .map(|c| SecretChannel {
            label: label(c),
            channel: c.as_str(),
            rows: entries
                .iter()
                .filter_map(|e| {
                    let t = &e["channels"][c.as_str()];
                    (!t.is_null()).then(|| SecretRow {
                        name: e["name"].as_str().unwrap_or_default().to_string(),
                        created: time(&t["created_at"]).unwrap_or_default(),
                        updated: time(&t["updated_at"]).unwrap_or_default(),
                        last_used: time(&t["last_used_at"]).unwrap_or_else(|| "never".into()),
                    })
                })
                .collect(),
        })
        .collect())
}
