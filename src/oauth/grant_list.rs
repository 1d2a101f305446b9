//! Authorized apps, pure: what a listed grant's status is, which query
//! parameters the grants lists take, and what a bulk revocation's filter is.
//! The glue (`authz::grants_api`, `store::grants`) only moves these values
//! between HTTP, D1 and the hubs.
//!
//! Why a status of our own: the D1 index (`grants_index`) gets a row at
//! consent, before the client redeemed its code. A code that is never
//! redeemed must not make an "app" that can reach our tools, so a row is
//! `pending` until the redemption is mirrored (`redeemed_at`), and a pending
//! row whose code expired is `expired` (it can never be used). The default
//! listing (`status=active`) is exactly the grants that can still be used:
//! redeemed, not revoked, and not past their last possible access token
//! ([`usable_until`]).
//!
//! Bad input is a 400 naming the parameter: an unknown or repeated query
//! parameter, an empty value, an unknown `status` or `channel`, a bad
//! `limit` or `cursor` (`http::page`). A bulk revocation with no filter at all
//! is a 400 too: "revoke everything" is not something a typo should do.

use super::codes::CODE_LIFETIME_SECS;
use super::refresh::REFRESH_LIFETIME_SECS;
use super::tokens::ACCESS_TOKEN_SECS;
use crate::http::page::{self, After};
use crate::http::ApiError;
use serde_json::Value;

/// Grants per page unless `limit` says otherwise, and the most `limit` may say.
pub const PAGE_DEFAULT: u32 = 50;
pub const PAGE_MAX: u32 = 500;

/// Where a listed grant stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Redeemed, not revoked, and a token of it may still work.
    Active,
    /// Consented, but the code was not redeemed (yet): nothing was issued.
    Pending,
    /// Revoked (by an admin, the member, RFC 7009, a replayed code, a reused
    /// refresh token, a member removal or a project delete).
    Revoked,
    /// Never revoked, but no token of it can work any more: the code expired
    /// unredeemed, or the refresh token's absolute life (or, without one,
    /// the first access token) ran out.
    Expired,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Active, Status::Pending, Status::Revoked, Status::Expired];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Pending => "pending",
            Status::Revoked => "revoked",
            Status::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The refresh expiry stored at consent: a client registered for the
/// `refresh_token` grant gets one at redemption, living
/// [`REFRESH_LIFETIME_SECS`] from the grant's creation (rotation or not).
pub fn refresh_expiry(created_at: i64, issues_refresh: bool) -> Option<i64> {
    issues_refresh.then_some(created_at + REFRESH_LIFETIME_SECS)
}

/// The last moment a token of a redeemed grant can work: an access token
/// lives [`ACCESS_TOKEN_SECS`], and the last one is issued at the refresh
/// expiry (or, without a refresh token, at redemption).
pub fn usable_until(redeemed_at: i64, refresh_expires_at: Option<i64>) -> i64 {
    refresh_expires_at.unwrap_or(redeemed_at) + ACCESS_TOKEN_SECS
}

/// The status of an index row at `now` (the SQL of `store::grants` says the
/// same thing as a `WHERE` clause; [`status_sql`]).
pub fn status_of(
    created_at: i64,
    redeemed_at: Option<i64>,
    refresh_expires_at: Option<i64>,
    revoked_at: Option<i64>,
    now: i64,
) -> Status {
    match (revoked_at, redeemed_at) {
        (Some(_), _) => Status::Revoked,
        (None, None) if now < created_at + CODE_LIFETIME_SECS => Status::Pending,
        (None, None) => Status::Expired,
        (None, Some(r)) if now < usable_until(r, refresh_expires_at) => Status::Active,
        (None, Some(_)) => Status::Expired,
    }
}

/// [`status_of`] as SQL over `grants_index g`, with `now` bound at `?{now}`.
pub fn status_sql(status: Status, now: u8) -> String {
    let active = format!(
        "(g.redeemed_at IS NOT NULL AND COALESCE(g.refresh_expires_at, g.redeemed_at) + {ACCESS_TOKEN_SECS} > ?{now})"
    );
    let pending = format!("(g.redeemed_at IS NULL AND g.created_at + {CODE_LIFETIME_SECS} > ?{now})");
    match status {
        Status::Revoked => "g.revoked_at IS NOT NULL".into(),
        Status::Active => format!("g.revoked_at IS NULL AND {active}"),
        Status::Pending => format!("g.revoked_at IS NULL AND {pending}"),
        Status::Expired => format!("g.revoked_at IS NULL AND NOT {active} AND NOT {pending}"),
    }
}

/// Which grants a list or a bulk revocation means (every field ANDed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Org slug (only `/me/grants`, which spans orgs).
    pub org: Option<String>,
    /// Project slug.
    pub project: Option<String>,
    /// User id (only the org list and bulk revocation).
    pub user: Option<String>,
    /// Client id: a DCR id or a CIMD URL.
    pub client: Option<String>,
    /// `draft` or `production`.
    pub channel: Option<String>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }
}

/// Whose grants a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `GET /api/v1/orgs/<org>/grants`: filter by `user`, not by `org`.
    Org,
    /// `GET /api/v1/me/grants`: filter by `org`, not by `user`.
    Me,
}

/// A parsed list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub filter: Filter,
    pub status: Status,
    pub limit: u32,
    pub after: Option<After>,
}

/// The longest filter value accepted (a CIMD client id is a URL).
const MAX_VALUE: usize = 2048;

fn bad(param: &str, why: &str) -> ApiError {
    let shown: String = param.chars().take(64).collect();
    ApiError::bad_request("invalid_parameter", format!("query parameter {shown:?} {why}"))
}

/// Checks one filter value (shared by the query and the bulk body); the
/// error says what is wrong with it.
fn filter_value(name: &str, value: &str) -> Result<String, String> {
    if value.is_empty() {
        return Err("must not be empty".into());
    }
    if value.len() > MAX_VALUE {
        return Err(format!("must be at most {MAX_VALUE} bytes"));
    }
    if name == "channel" && value != "draft" && value != "production" {
        return Err("must be \"draft\" or \"production\"".into());
    }
    Ok(value.to_string())
}

/// Parses a list's query string (decoded pairs, in order).
pub fn parse_list(pairs: &[(String, String)], scope: Scope) -> Result<ListQuery, ApiError> {
    let known: &[&str] = match scope {
        Scope::Org => &["project", "user", "client", "channel", "status", "limit", "cursor"],
        Scope::Me => &["org", "project", "client", "channel", "status", "limit", "cursor"],
    };
    let mut seen: Vec<&str> = Vec::new();
    let (mut filter, mut status, mut limit, mut cursor) = (Filter::default(), Status::Active, None, None);
    for (name, value) in pairs {
        let Some(&name) = known.iter().find(|k| **k == name.as_str()) else {
            return Err(bad(name, &format!("is not known here; use {}", known.join(", "))));
        };
        if seen.contains(&name) {
            return Err(bad(name, "is given more than once"));
        }
        seen.push(name);
        match name {
            "status" => {
                status =
                    Status::parse(value).ok_or_else(|| bad(name, "must be one of active, pending, revoked, expired"))?
            }
            "limit" => limit = Some(value.as_str()),
            "cursor" => cursor = Some(value.as_str()),
            _ => {
                let value = Some(filter_value(name, value).map_err(|why| bad(name, &why))?);
                match name {
                    "org" => filter.org = value,
                    "project" => filter.project = value,
                    "user" => filter.user = value,
                    "client" => filter.client = value,
                    _ => filter.channel = value,
                }
            }
        }
    }
    let limit = page::parse_limit(limit, PAGE_DEFAULT, PAGE_MAX)?;
    Ok(ListQuery { filter, status, limit, after: page::parse_cursor(cursor)? })
}

/// Parses the body of `POST .../grants/revoke`: `{project?, user?, client?,
/// channel?}`, each a non-empty string; anything else, or nothing, is a 400.
pub fn parse_bulk(body: &Value) -> Result<Filter, ApiError> {
    let Value::Object(map) = body else {
        return Err(ApiError::bad_request("invalid_json", "the body must be a JSON object"));
    };
    let field = |name: &str, why: &str| {
        let shown: String = name.chars().take(64).collect();
        ApiError::bad_request("invalid_filter", format!("field {shown:?} {why}"))
    };
    let mut filter = Filter::default();
    for (name, value) in map {
        let slot = match name.as_str() {
            "project" => &mut filter.project,
            "user" => &mut filter.user,
            "client" => &mut filter.client,
            "channel" => &mut filter.channel,
            _ => return Err(field(name, "is not a filter; use project, user, client, channel")),
        };
        match value {
            Value::Null => {}
            Value::String(s) => *slot = Some(filter_value(name, s).map_err(|why| field(name, &why))?),
            _ => return Err(field(name, "must be a string")),
        }
    }
    if filter.is_empty() {
        return Err(ApiError::bad_request(
            "empty_filter",
            "name at least one of project, user, client, channel; an empty filter would revoke every grant",
        ));
    }
    Ok(filter)
}

#[cfg(test)]
#[path = "grant_list_tests.rs"]
mod tests;
