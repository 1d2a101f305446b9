//! `/studio/<org>/audit` (Audit log) and `/studio/<org>/audit/<id>` (one
//! record). The filters are the API's query parameters, parsed by the same
//! `audit::query::parse`; records, stats and the record come from the same
//! functions as `GET /api/v1/orgs/<org>/audit[/stats|/<id>]`; the export
//! links point at that API (`format=csv|ndjson`), which streams the file.
//!
//! The page's From and To are dates (`<input type="date">`); To means the
//! end of that day (UTC), so "To: today" includes today.

use super::{render_page, Chrome, OrgTab, Session};
use crate::audit::query::{self, parse_time, Listing, Scope};
use crate::audit::record::{McpRecord, Status};
use crate::http::context::{Ctx, Incoming};
use crate::http::html::format_time;
use crate::http::ApiError;
use crate::identity::roles::Permission;
use crate::store::{orgs, projects};
use crate::studio::audit::{bad_query, page_of, record_of, stats_of, Stats};
use crate::studio::orgs::{membership, require_permission};
use askama::Template;
use worker::Response;

const DAY_MS: i64 = 86_400_000;
const FILTERS: [&str; 8] = ["project", "channel", "tool", "status", "user", "client", "from", "to"];

/// The filter values as typed (for the form and the links).
#[derive(Default)]
pub struct Typed {
    project: String,
    channel: String,
    tool: String,
    status: String,
    user: String,
    client: String,
    from: String,
    to: String,
}

pub struct RecordLine {
    time: String,
    project: String,
    channel: String,
    call: String,
    status: &'static str,
    status_class: &'static str,
    error_code: Option<&'static str>,
    member: String,
    client: String,
    duration: i64,
    href: String,
}

pub struct ToolLine {
    tool: String,
    count: i64,
    error_rate: String,
    p95: String,
    href: String,
}

pub struct Bar {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
    err_y: i64,
    err_h: i64,
    label: String,
}

pub struct Chart {
    width: i64,
    height: i64,
    base: i64,
    max: i64,
    bars: Vec<Bar>,
    caption: String,
    summary: String,
    start_label: String,
    end_label: String,
}

#[derive(Template)]
#[template(path = "studio/audit.html")]
pub struct AuditView {
    chrome: Chrome,
    path: String,
    f: Typed,
    filtered: bool,
    projects: Vec<String>,
    members: Vec<(String, String)>,
    statuses: Vec<&'static str>,
    export_csv: String,
    export_ndjson: String,
    stats: Stats,
    tools: Vec<ToolLine>,
    chart: Chart,
    records: Vec<RecordLine>,
    next_href: Option<String>,
}

#[derive(Template)]
#[template(path = "studio/audit_record.html")]
pub struct AuditRecordView {
    chrome: Chrome,
    org_slug: String,
    fields: Vec<(String, String)>,
    payload: Option<String>,
}
crate::studio_page!(AuditView, AuditRecordView);

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Denied | Status::Invalid | Status::RateLimited => "",
        _ => "err",
    }
}

/// The API query pairs of the page's filters: empty fields dropped, a To
/// date moved to the end of its day.
fn api_pairs(typed: &[(String, String)]) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    for (k, v) in typed {
        if v.is_empty() {
            continue;
        }
        if k == "to" && v.len() == 10 {
            let start = parse_time(v).map_err(|m| bad_query(query::QueryError::new("to", m)))?;
            out.push((k.clone(), (start + DAY_MS - 1).to_string()));
        } else {
            out.push((k.clone(), v.clone()));
        }
    }
    Ok(out)
}

fn encode(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

fn chart_of(stats: &Stats) -> Chart {
    let (width, height, top, bottom) = (720i64, 180i64, 18i64, 20i64);
    let base = height - bottom;
    let n = stats.series.len().max(1) as i64;
    let max = stats.series.iter().map(|p| p.count).max().unwrap_or(0);
    let slot = (width / n).max(1);
    let scale = |v: i64| if max == 0 { 0 } else { v * (base - top) / max };
    let bars = stats
        .series
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (h, err_h) = (scale(p.count), scale(p.errors));
            Bar {
                x: i as i64 * slot,
                y: base - h,
                w: (slot - 1).max(1),
                h,
                err_y: base - err_h,
                err_h,
                label: format!("{}: {} calls, {} failed", format_time(p.at / 1000), p.count, p.errors),
            }
        })
        .collect();
    let total: i64 = stats.series.iter().map(|p| p.count).sum();
    let errors: i64 = stats.series.iter().map(|p| p.errors).sum();
    let minutes = stats.interval_ms / 60_000;
    Chart {
        width,
        height,
        base,
        max,
        bars,
        caption: format!(
            "{total} calls ({errors} failed) from {} to {}, in buckets of {} minute(s); failed calls are red.",
            format_time(stats.from / 1000),
            format_time(stats.to / 1000),
            minutes
        ),
        summary: format!("{total} calls, {errors} failed, at most {max} in one bucket"),
        start_label: format_time(stats.from / 1000),
        end_label: format_time(stats.to / 1000),
    }
}

fn line(org: &str, r: &McpRecord) -> RecordLine {
    RecordLine {
        time: format_time(r.at / 1000),
        project: r.project.clone(),
        channel: r.channel.clone(),
        call: match &r.tool {
            Some(t) => format!("{} {t}", r.method),
            None => r.method.clone(),
        },
        status: r.status.as_str(),
        status_class: status_class(r.status),
        error_code: r.error_code.map(|c| c.as_str()),
        member: r.user_email.clone().or_else(|| r.user_id.clone()).unwrap_or_else(|| "anonymous".into()),
        client: r.client_name.clone().or_else(|| r.client_id.clone()).unwrap_or_else(|| "-".into()),
        duration: r.duration_ms,
        href: format!("/studio/{org}/audit/{}", r.id),
    }
}

pub async fn page(ctx: &Ctx, inc: &mut Incoming, s: Session, slug: &str) -> Result<Response, ApiError> {
    let (org, role) = membership(ctx, &s.caller, slug).await?;
    require_permission(&role, Permission::AuditRead)?;
    let all: Vec<(String, String)> = inc.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let typed: Vec<(String, String)> = all.iter().filter(|(k, _)| FILTERS.contains(&k.as_str())).cloned().collect();
    let filters = api_pairs(&typed)?;
    let mut list_pairs = filters.clone();
    list_pairs.extend(all.iter().filter(|(k, v)| k == "cursor" && !v.is_empty()).cloned());
    if let Some((k, _)) = all.iter().find(|(k, _)| !FILTERS.contains(&k.as_str()) && k != "cursor") {
        return Err(bad_query(query::QueryError::new(k, "is not a filter of this page")));
    }
    let q = query::parse(Listing::Org, &list_pairs).map_err(bad_query)?;
    let scope = Scope::Org(org.id.clone());
    let (records, next) = page_of::<McpRecord>(ctx, &scope, &q).await?;
    let sq = query::parse(Listing::Stats, &filters).map_err(bad_query)?;
    let stats = stats_of(ctx, &org.id, sq).await?;
    let get = |k: &str| typed.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let f = Typed {
        project: get("project"),
        channel: get("channel"),
        tool: get("tool"),
        status: get("status"),
        user: get("user"),
        client: get("client"),
        from: get("from"),
        to: get("to"),
    };
    let path = format!("/studio/{}/audit", org.slug);
    let api = format!("/api/v1/orgs/{}/audit", org.slug);
    let export = |fmt: &str| {
        let mut p = filters.clone();
        p.push(("format".into(), fmt.into()));
        format!("{api}?{}", encode(&p))
    };
    let tool_href = |tool: &str| {
        let mut p: Vec<(String, String)> =
            typed.iter().filter(|(k, v)| k != "tool" && !v.is_empty()).cloned().collect();
        p.push(("tool".into(), tool.into()));
        format!("{path}?{}", encode(&p))
    };
    let tools = stats
        .tools
        .iter()
        .map(|t| ToolLine {
            tool: t.tool.clone(),
            count: t.count,
            error_rate: format!("{:.1}%", t.error_rate * 100.0),
            p95: t.p95_ms.map(|v| format!("{v} ms")).unwrap_or_else(|| "-".into()),
            href: tool_href(&t.tool),
        })
        .collect();
    let next_href = next.map(|c| {
        let mut p: Vec<(String, String)> = typed.iter().filter(|(_, v)| !v.is_empty()).cloned().collect();
        p.push(("cursor".into(), c));
        format!("{path}?{}", encode(&p))
    });
    let projects = projects::for_org(&ctx.db, &org.id).await?.into_iter().map(|p| p.slug).collect();
    let members = orgs::members(&ctx.db, &org.id)
        .await?
        .into_iter()
        .map(|m| (m.user_id, format!("{} ({})", m.name, m.email)))
        .collect();
    let view = AuditView {
        chrome: Chrome::signed_in(&s, "Audit log").for_org(&org, &role, OrgTab::Audit),
        filtered: !filters.is_empty(),
        export_csv: export("csv"),
        export_ndjson: export("ndjson"),
        chart: chart_of(&stats),
        records: records.iter().map(|r| line(&org.slug, r)).collect(),
        statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
        path,
        f,
        projects,
        members,
        stats,
        tools,
        next_href,
    };
    render_page(200, &view)
}

pub async fn record(ctx: &Ctx, s: Session, slug: &str, id: &str) -> Result<Response, ApiError> {
    let (org, record, payload) = record_of(ctx, &s.caller, slug, id).await?;
    let (_, role) = membership(ctx, &s.caller, &org.slug).await?;
    let fields = match serde_json::to_value(&record) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k, v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
            .collect(),
        _ => Vec::new(),
    };
    let mut fields: Vec<(String, String)> = fields;
    if let Some(at) = fields.iter_mut().find(|(k, _)| k == "at") {
        at.1 = format!("{} ({})", format_time(record.at / 1000), at.1);
    }
    let view = AuditRecordView {
        chrome: Chrome::signed_in(&s, "Audit record").for_org(&org, &role, OrgTab::Audit),
        org_slug: org.slug.clone(),
        fields,
        payload: (!payload.is_null()).then(|| serde_json::to_string_pretty(&payload).unwrap_or_default()),
    };
    render_page(200, &view)
}
