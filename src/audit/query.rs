//! Query strings of the audit API, and the SQL they mean.
//!
//! Every parameter is checked and a bad one is a 400 naming it
//! ([`QueryError`]): an unknown parameter (a typo must not silently widen
//! the result), one given twice, an empty value, a malformed time, a
//! reversed range, an unknown status or format, a page size above
//! [`MAX_LIMIT`]. Cursors are checked by [`super::cursor`].
//!
//! Decisions:
//! - `from` is inclusive and `to` exclusive, in Unix milliseconds or ISO
//!   8601 (`2026-11-24`, `2026-11-24T10:00:00Z`, `...T10:00:00.250+02:00`;
//!   a time of day needs `Z` or an offset, since a server-local time would
//!   be a guess). `from` after `to` is a 400; `from` equal to `to` is an
//!   empty range.
//! - Exports (`format=ndjson|csv`) stream every matching record, newest
//!   first; `limit` and `cursor` are page controls of the JSON listing and
//!   are refused with an export format rather than half-applied.
//! - The SQL uses bound parameters only; values never reach the SQL text.

use serde::Serialize;

use super::record::{Action, Status};
use crate::http::page;
use crate::identity::validate::validate_slug;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 500;

/// A 400 that names the offending query parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub param: String,
    pub message: String,
}

impl QueryError {
    pub fn new(param: &str, message: impl Into<String>) -> Self {
        QueryError { param: param.to_string(), message: message.into() }
    }

    /// The sentence the client sees.
    pub fn describe(&self) -> String {
        format!("query parameter `{}`: {}", self.param, self.message)
    }
}

/// Which listing a query string is for (each accepts its own parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// `GET /api/v1/orgs/<org>/audit`.
    Org,
    /// `GET /api/v1/me/audit`: the caller's own calls, in any of their orgs.
    Mine,
    /// `GET .../audit/stats`.
    Stats,
    /// `GET .../audit/actions` and `/api/v1/me/audit/actions`.
    Actions,
}

impl Listing {
    fn params(self) -> &'static [&'static str] {
        const PAGE: [&str; 3] = ["limit", "cursor", "format"];
        match self {
            Listing::Org => {
                &["project", "channel", "tool", "status", "user", "client", "from", "to", PAGE[0], PAGE[1], PAGE[2]]
            }
            Listing::Mine => {
                &["org", "project", "channel", "tool", "status", "client", "from", "to", PAGE[0], PAGE[1], PAGE[2]]
            }
            Listing::Stats => &["project", "channel", "tool", "status", "user", "client", "from", "to", "interval"],
            Listing::Actions => &["org", "action", "user", "from", "to", PAGE[0], PAGE[1], PAGE[2]],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Ndjson,
    Csv,
}

/// The filters of one query (all ANDed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Filter {
    pub org: Option<String>,
    pub project: Option<String>,
    pub channel: Option<String>,
    pub tool: Option<String>,
    pub status: Option<Status>,
    pub user: Option<String>,
    pub client: Option<String>,
    pub action: Option<Action>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// A parsed query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub filter: Filter,
    pub limit: usize,
    pub cursor: Option<String>,
    pub format: Format,
    /// `interval` of a stats query, as given (`stats::parse_interval` reads it).
    pub interval: Option<String>,
}

/// Parses the query pairs of `listing`.
pub fn parse(listing: Listing, pairs: &[(String, String)]) -> Result<Query, QueryError> {
    let allowed = listing.params();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if !allowed.contains(&k.as_str()) {
            let hint = format!("is not a filter of this listing; use {}", allowed.join(", "));
            return Err(QueryError::new(&shown(k), hint));
        }
        if pairs[..i].iter().any(|(p, _)| p == k) {
            return Err(QueryError::new(k, "is given more than once"));
        }
        if v.is_empty() {
            return Err(QueryError::new(k, "is empty"));
        }
    }
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let mut f = Filter::default();
    if let Some(v) = get("org") {
        validate_slug("org", v).map_err(|_| QueryError::new("org", "is not an organization slug"))?;
        f.org = Some(v.into());
    }
    if let Some(v) = get("project") {
        validate_slug("project", v).map_err(|_| QueryError::new("project", "is not a project slug"))?;
        f.project = Some(v.into());
    }
    if let Some(v) = get("channel") {
        if v != "draft" && v != "production" {
            return Err(QueryError::new("channel", "must be draft or production"));
        }
        f.channel = Some(v.into());
    }
    if let Some(v) = get("tool") {
        let ok = v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
        if !ok {
            return Err(QueryError::new("tool", "is not a tool name (1-64 of A-Z a-z 0-9 _ . -)"));
        }
        f.tool = Some(v.into());
    }
    if let Some(v) = get("status") {
        let all: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
        f.status = Some(
            Status::parse(v).ok_or_else(|| QueryError::new("status", format!("must be one of {}", all.join(", "))))?,
        );
    }
    if let Some(v) = get("user") {
        if v.len() > 100 || !v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(QueryError::new("user", "is not a user id"));
        }
        f.user = Some(v.into());
    }
    if let Some(v) = get("client") {
        if v.len() > 2000 || !v.bytes().all(|b| (0x21..0x7f).contains(&b)) {
            return Err(QueryError::new("client", "is not a client id"));
        }
        f.client = Some(v.into());
    }
    if let Some(v) = get("action") {
        f.action = Some(Action::parse(v).ok_or_else(|| QueryError::new("action", "is not an audited action"))?);
    }
    f.from = get("from").map(|v| parse_time(v).map_err(|m| QueryError::new("from", m))).transpose()?;
    f.to = get("to").map(|v| parse_time(v).map_err(|m| QueryError::new("to", m))).transpose()?;
    if let (Some(from), Some(to)) = (f.from, f.to) {
        if from > to {
            return Err(QueryError::new("from", "is after `to` (the range is reversed)"));
        }
    }
    let format = match get("format") {
        None | Some("json") => Format::Json,
        Some("ndjson") => Format::Ndjson,
        Some("csv") => Format::Csv,
        Some(_) => return Err(QueryError::new("format", "must be json, ndjson or csv")),
    };
    if format != Format::Json {
        for p in ["limit", "cursor"] {
            if get(p).is_some() {
                return Err(QueryError::new(p, "does not apply to exports (they stream every matching record)"));
            }
        }
    }
    let limit = match get("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => match page::limit_value(v, MAX_LIMIT as u32) {
            Some(n) => n as usize,
            None => return Err(QueryError::new("limit", format!("must be a whole number from 1 to {MAX_LIMIT}"))),
        },
    };
    Ok(Query {
        filter: f,
        limit,
        cursor: get("cursor").map(str::to_string),
        format,
        interval: get("interval").map(str::to_string),
    })
}

/// A parameter name as shown in an error (bounded, printable).
fn shown(k: &str) -> String {
    let s: String = k.chars().filter(|c| !c.is_control()).take(40).collect();
    if s.is_empty() {
        "(empty name)".into()
    } else {
        s
    }
}

/// Latest time accepted (9999-12-31T23:59:59.999Z).
const MAX_MS: i64 = 253_402_300_799_999;

/// Unix milliseconds from `1732442400000` or an ISO 8601 date/date-time.
pub fn parse_time(v: &str) -> Result<i64, String> {
    const HELP: &str = "must be Unix milliseconds or ISO 8601 (2026-11-24 or 2026-11-24T10:00:00Z)";
    if v.bytes().all(|b| b.is_ascii_digit()) {
        return match v.parse::<i64>() {
            Ok(n) if n <= MAX_MS => Ok(n),
            _ => Err(format!("{HELP}; {v} is out of range")),
        };
    }
    iso_ms(v).ok_or_else(|| HELP.to_string())
}

fn digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

fn iso_ms(v: &str) -> Option<i64> {
    let (date, rest) = match v.find(['T', 't']) {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    let mut d = date.split('-');
    let (y, m, day) = (digits(d.next()?, 4)?, digits(d.next()?, 2)?, digits(d.next()?, 2)?);
    if d.next().is_some() || !(1..=12).contains(&m) || day < 1 || day > days_in_month(y, m) {
        return None;
    }
    let days = days_from_civil(y, m, day);
    let Some(rest) = rest else { return Some(days * 86_400_000) };
    // The offset: Z, or ±HH:MM.
    let (clock, offset_min) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else {
        let i = rest.rfind(['+', '-'])?;
        let (c, off) = (&rest[..i], &rest[i..]);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let (oh, om) = off[1..].split_once(':')?;
        let (oh, om) = (digits(oh, 2)?, digits(om, 2)?);
        if oh > 23 || om > 59 {
            return None;
        }
        (c, sign * (oh * 60 + om))
    };
    let (hms, frac) = match clock.split_once('.') {
        Some((a, b)) if !b.is_empty() && b.len() <= 9 && b.bytes().all(|x| x.is_ascii_digit()) => (a, Some(b)),
        Some(_) => return None,
        None => (clock, None),
    };
    let mut t = hms.split(':');
    let (h, mi) = (digits(t.next()?, 2)?, digits(t.next()?, 2)?);
    let s = match t.next() {
        Some(s) => digits(s, 2)?,
        None if frac.is_none() => 0,
        None => return None,
    };
    if t.next().is_some() || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    let ms = frac.map_or(0, |f| format!("{f:0<3}")[..3].parse::<i64>().unwrap_or(0));
    let total = days * 86_400_000 + ((h * 60 + mi - offset_min) * 60 + s) * 1000 + ms;
    (0..=MAX_MS).contains(&total).then_some(total)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A bound SQL parameter (the glue maps it to D1's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlArg {
    Text(String),
    Int(i64),
}

/// Whose records a query may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// One org's log (by org id).
    Org(String),
    /// A member's own records, in the orgs they still belong to.
    Member(String),
}

impl Scope {
    /// The label a cursor is bound to.
    pub fn label(&self) -> String {
        match self {
            Scope::Org(id) => format!("org:{id}"),
            Scope::Member(id) => format!("me:{id}"),
        }
    }
}

/// A `WHERE` clause with numbered placeholders and its arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Where {
    pub sql: String,
    pub args: Vec<SqlArg>,
}

impl Where {
    fn and(&mut self, template: &str, arg: SqlArg) {
        self.args.push(arg);
        let n = self.args.len();
        if !self.sql.is_empty() {
            self.sql.push_str(" AND ");
        }
        self.sql.push_str(&template.replace('?', &format!("?{n}")));
    }

    fn raw(&mut self, sql: &str) {
        if !self.sql.is_empty() {
            self.sql.push_str(" AND ");
        }
        self.sql.push_str(sql);
    }
}

/// The keyset position a page starts after (newest first: `at`, then `id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub at: i64,
    pub id: String,
}

/// The `WHERE` of an MCP-record query (table `audit_events`) or, with
/// `actions`, of a management-action query (table `audit_actions`).
pub fn where_clause(scope: &Scope, f: &Filter, after: Option<&Position>, actions: bool) -> Where {
    let mut w = Where::default();
    let text = |s: &str| SqlArg::Text(s.to_string());
    match scope {
        Scope::Org(id) => w.and("org_id = ?", text(id)),
        Scope::Member(user) => {
            let who = if actions { "actor_id" } else { "user_id" };
            w.and(&format!("{who} = ?"), text(user));
            let n = w.args.len();
            let member = if actions { "(org_id IS NULL OR org_id IN" } else { "(org_id IN" };
            w.raw(&format!("{member} (SELECT org_id FROM memberships WHERE user_id = ?{n}))"));
        }
    }
    let columns: [(&str, Option<&String>); 6] = [
        ("org", f.org.as_ref()),
        ("project", f.project.as_ref()),
        ("channel", f.channel.as_ref()),
        ("tool", f.tool.as_ref()),
        (if actions { "actor_id" } else { "user_id" }, f.user.as_ref()),
        ("client_id", f.client.as_ref()),
    ];
    for (col, v) in columns {
        if let Some(v) = v {
            w.and(&format!("{col} = ?"), text(v));
        }
    }
    if let Some(s) = f.status {
        w.and("status = ?", text(s.as_str()));
    }
    if let Some(a) = f.action {
        w.and("action = ?", text(a.as_str()));
    }
    if let Some(from) = f.from {
        w.and("at >= ?", SqlArg::Int(from));
    }
    if let Some(to) = f.to {
        w.and("at < ?", SqlArg::Int(to));
    }
    if let Some(p) = after {
        w.args.push(SqlArg::Int(p.at));
        w.args.push(text(&p.id));
        let (a, i) = (w.args.len() - 1, w.args.len());
        w.raw(&format!("(at < ?{a} OR (at = ?{a} AND id < ?{i}))"));
    }
    w
}

/// A stable text of the filter, which cursors are bound to.
pub fn fingerprint(f: &Filter) -> String {
    serde_json::to_string(f).unwrap_or_default()
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
