//! Org settings: `PATCH /api/v1/orgs/<org>` (`{"name"?, "audit"?: {payloads,
//! retention_days, webhook_url}, "upstream_hosts"?}`, needs `org.manage`;
//! `upstream_hosts` is `studio::upstream_hosts`) and the `audit` view
//! that `GET /api/v1/orgs/<org>` shows to members with `org.manage` or
//! `audit.read` (the webhook URL may carry a receiver's token, so not to
//! every member).
//!
//! Setting a webhook URL answers its signing secret once (`webhook_secret`);
//! it is derived, never stored (`audit::settings`), and setting the URL
//! again rotates it.

use super::auth::{self, Caller};
use super::orgs::{membership, require_permission};
use crate::audit::record::Action;
use crate::audit::settings::{parse_patch, AuditSettings};
use crate::audit_io::{actions, settings_cache};
use crate::crypto;
use crate::http::body::Body;
use crate::http::context::{Ctx, Incoming};
use crate::http::respond::json;
use crate::http::ApiError;
use crate::identity::roles::{Permission, Role};
use crate::identity::validate;
use crate::store::{audit as store, orgs};
use serde_json::{json, Value};

pub fn current(row: Option<&store::SettingsRow>) -> AuditSettings {
    match row {
        None => AuditSettings::default(),
        Some(r) => AuditSettings {
            payloads: r.payloads != 0,
            retention_days: r.retention_days,
            webhook_url: r.webhook_url.clone(),
        },
    }
}

fn view(row: Option<&store::SettingsRow>) -> Value {
    let s = current(row);
    json!({
        "payloads": s.payloads,
        "retention_days": s.retention_days,
        "webhook_url": s.webhook_url,
        "webhook": row.filter(|r| r.webhook_url.is_some()).map(|r| json!({
            "failures": r.webhook_failures, "last_error": r.webhook_last_error, "delivered_at": r.webhook_delivered_at,
        })),
    })
}

/// The `audit` object of `GET /api/v1/orgs/<org>`, for roles that may see it.
pub async fn view_for(ctx: &Ctx, org_id: &str, role: &Role) -> Result<Option<Value>, ApiError> {
    if !role.allows(Permission::OrgManage) && !role.allows(Permission::AuditRead) {
        return Ok(None);
    }
    Ok(Some(view(store::settings(&ctx.db, org_id).await?.as_ref())))
}

/// `PATCH /api/v1/orgs/<org>`.
pub async fn patch_org(ctx: &Ctx, inc: &mut Incoming, slug: &str) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let b = inc.json().await?;
    json(200, &patch(ctx, &caller, slug, b).await?)
}

/// The operation behind `PATCH /api/v1/orgs/<org>` and the Studio's org
/// Settings page (`studio::ops` pattern, kept beside its handler): checks
/// `org.manage`, applies the body, answers the JSON the API returns.
pub async fn patch(ctx: &Ctx, caller: &Caller, slug: &str, mut b: Body) -> Result<Value, ApiError> {
    let (mut org, role) = membership(ctx, caller, slug).await?;
    require_permission(&role, Permission::OrgManage)?;
    let name = b.opt_string("name", 200).and_then(|n| b.check(validate::validate_display_name("name", &n, 100)));
    let audit = b.opt_object("audit");
    let upstream = super::upstream_hosts::take(&mut b, ctx.config.allow_loopback_upstreams);
    let patch = match &audit {
        None => None,
        Some(a) => match parse_patch(a, ctx.config.allow_loopback_upstreams) {
            Ok(p) => Some(p),
            Err(errors) => {
                b.errors(errors);
                None
            }
        },
    };
    b.finish()?;
    if let Some(name) = &name {
        orgs::set_name(&ctx.db, &org.id, name).await?;
        org.name = name.clone();
    }
    let mut secret = None;
    if let Some(patch) = &patch {
        let before = store::settings(&ctx.db, &org.id).await?;
        let next = patch.apply(&current(before.as_ref()));
        let nonce = patch.sets_webhook().then(|| crypto::random_token(""));
        store::save_settings(
            &ctx.db,
            &org.id,
            next.payloads,
            next.retention_days,
            next.webhook_url.as_deref(),
            nonce.as_deref(),
            ctx.now,
        )
        .await?;
        settings_cache::forget(&org.slug);
        secret = nonce.map(|n| crate::audit::settings::webhook_secret(&ctx.config.secrets_key, &org.id, &n));
        actions::management(
            ctx,
            caller,
            Some(&org.slug),
            Action::AuditSettings,
            &org.slug,
            json!({ "payloads": next.payloads, "retention_days": next.retention_days, "webhook_url": next.webhook_url }),
        );
    }
    super::upstream_hosts::apply(ctx, caller, &org, upstream).await?;
    let settings = store::settings(&ctx.db, &org.id).await?;
    let upstream_hosts = orgs::upstream_hosts(&ctx.db, &org.id).await?;
    let mut body = json!({ "org": org, "audit": view(settings.as_ref()), "upstream_hosts": upstream_hosts });
    if let Some(secret) = secret {
        body["webhook_secret"] = json!(secret);
        body["note"] = json!("webhook_secret signs every delivery (Dockyard-Signature); it is shown only now");
    }
    Ok(body)
}
