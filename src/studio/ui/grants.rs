//! `/studio/<org>/settings/authorized-apps` (Authorized apps): the org's
//! grants with filters (the same query parameters and parser as
//! `GET /api/v1/orgs/<org>/grants`), each row's Revoke and, above the
//! table, Revoke all matching — through `studio::ops::grants`, like the API.

use super::forms;
use super::{redirect_with_flash, render_page, Chrome, OrgTab, Session};
use crate::http::context::{Ctx, Incoming};
use crate::http::html::format_time;
use crate::http::page;
use crate::http::ApiError;
use crate::oauth::grant_list::{self, Filter, Scope, Status};
use crate::store::grants::{GrantRow, Owner};
use crate::store::{orgs, projects};
use crate::studio::ops::grants as ops;
use askama::Template;
use serde_json::{Map, Value};
use worker::Response;

/// One grant as its row shows it.
pub struct GrantLine {
    pub id: String,
    pub member: String,
    pub email: String,
    pub app: String,
    pub client_id: String,
    pub project: String,
    pub channel: &'static str,
    pub scopes: Vec<String>,
    pub created: String,
    pub last_used: String,
    pub status: &'static str,
    pub revocable: bool,
}

impl GrantLine {
    pub fn of(g: &GrantRow, now: i64) -> GrantLine {
        let status = grant_list::status_of(g.created_at, g.redeemed_at, g.refresh_expires_at, g.revoked_at, now);
        GrantLine {
            id: g.grant_id.clone(),
            member: g.user_name.clone().unwrap_or_else(|| "(former member)".into()),
            email: g.user_email.clone().unwrap_or_default(),
            app: g.client_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| g.client_id.clone()),
            client_id: g.client_id.clone(),
            project: g.project_slug.clone().unwrap_or_else(|| "(deleted project)".into()),
            channel: if g.channel == "draft" { "Draft" } else { "Production" },
            scopes: g.scopes.split(' ').filter(|s| !s.is_empty()).map(str::to_string).collect(),
            created: format_time(g.created_at),
            last_used: g.last_used_at.map(format_time).unwrap_or_else(|| "never".into()),
            status: status.as_str(),
            revocable: g.revoked_at.is_none(),
        }
    }
}

#[derive(Template)]
#[template(path = "studio/authorized_apps.html")]
pub struct AuthorizedAppsView {
    chrome: Chrome,
    path: String,
    path_and_query: String,
    filter: Filter,
    filtered: bool,
    status: &'static str,
    statuses: Vec<&'static str>,
    projects: Vec<(String, String)>,
    members: Vec<(String, String)>,
    rows: Vec<GrantLine>,
    next_href: Option<String>,
}
crate::studio_page!(AuthorizedAppsView);

/// The query's pairs without empty values (an unused filter field).
fn query_pairs(inc: &Incoming) -> Vec<(String, String)> {
    inc.url.query_pairs().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

pub async fn page(ctx: &Ctx, inc: &mut Incoming, s: Session, slug: &str, post: bool) -> Result<Response, ApiError> {
    let org = ops::org_admin(ctx, &s.caller, slug).await?;
    let path = format!("/studio/{}/settings/authorized-apps", org.slug);
    let path_and_query = match inc.url.query() {
        Some(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.clone(),
    };
    if post {
        let form = forms::read(ctx, inc, &s).await?;
        let message = match forms::expect_intent(&form, &["revoke", "revoke_matching"])?.as_str() {
            "revoke" => {
                let g = ops::revoke_in_org(ctx, &s.caller, &org.slug, &form.get("grant")).await?;
                let line = GrantLine::of(&g, ctx.now);
                format!(
                    "Revoked {} for {} on {}. It takes effect on the next request: the app's next call fails.",
                    line.app, line.member, line.project
                )
            }
            _ => {
                let body = Value::Object(
                    form.strings(&["project", "user", "client", "channel"]).into_iter().collect::<Map<_, _>>(),
                );
                let n = ops::revoke_matching(ctx, &s.caller, &org.slug, &body).await?;
                format!(
                    "Revoked {n} matching grant(s). It takes effect on the next request: each app's next call fails."
                )
            }
        };
        return redirect_with_flash(&path_and_query, &message);
    }
    let q = grant_list::parse_list(&query_pairs(inc), Scope::Org)?;
    let mut rows = ops::list(ctx, Owner::Org(&org.id), &q).await?;
    let more = rows.len() > q.limit as usize;
    rows.truncate(q.limit as usize);
    let next_href = match rows.last() {
        Some(last) if more => {
            let cursor = page::encode_cursor(&page::After { created_at: last.created_at, id: last.grant_id.clone() });
            let mut pairs: Vec<(String, String)> =
                query_pairs(inc).into_iter().filter(|(k, _)| k != "cursor").collect();
            pairs.push(("cursor".into(), cursor));
            let q: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
            Some(format!("{path}?{q}"))
        }
        _ => None,
    };
    let (_, role) = crate::studio::orgs::membership(ctx, &s.caller, &org.slug).await?;
    let projects = projects::for_org(&ctx.db, &org.id).await?.into_iter().map(|p| (p.slug.clone(), p.name)).collect();
    let members = orgs::members(&ctx.db, &org.id)
        .await?
        .into_iter()
        .map(|m| (m.user_id, format!("{} ({})", m.name, m.email)))
        .collect();
    let view = AuthorizedAppsView {
        chrome: Chrome::signed_in(&s, "Authorized apps").for_org(&org, &role, OrgTab::AuthorizedApps),
        path,
        path_and_query,
        filtered: !q.filter.is_empty(),
        filter: q.filter,
        status: q.status.as_str(),
        statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
        projects,
        members,
        rows: rows.iter().map(|g| GrantLine::of(g, ctx.now)).collect(),
        next_href,
    };
    render_page(200, &view)
}
