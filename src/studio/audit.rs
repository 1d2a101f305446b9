//! The audit log API (`/api/v1/orgs/<org>/audit...`, `/api/v1/me/audit...`).
//!
//! - The org log needs `audit.read`; a non-member gets 404 (the org's
//!   existence is not revealed), a member without it 403. Every query is
//!   keyed by the org id, so another org's record id or cursor is a 404.
//! - `/api/v1/me/audit` is any signed-in member's own calls (their user id),
//!   in the orgs they still belong to; `.../actions` the same for
//!   management actions (account-level ones, like API tokens, included).
//! - JSON listings are pages (`{"records": [...], "next_cursor": ...}`,
//!   newest first); `format=ndjson|csv` streams every match, read from D1 in
//!   chunks of [`EXPORT_CHUNK`], so an export's memory stays bounded.
//! - One record (`GET .../audit/<id>`) is the only place a stored payload
//!   is decrypted and shown; lists and exports never carry it.

use super::auth;
use super::orgs::authorize;
use crate::audit::cursor::{self, CursorError};
use crate::audit::export::{self, ACTION_FIELDS, MCP_FIELDS};
use crate::audit::query::{
    self, fingerprint, where_clause, Filter, Format, Listing, Position, Query, QueryError, Scope,
};
use crate::audit::record::McpRecord;
use crate::audit::redact::{payload_aad, PAYLOAD_KEY_PURPOSE};
use crate::audit::stats;
use crate::http::context::{Ctx, Incoming};
use crate::http::ApiError;
use crate::identity::roles::Permission;
use crate::store::audit as store;
use crate::webcrypto;
use serde::Serialize;
use serde_json::{json, Value};
use worker::{D1Database, Env, Response};

/// Records read from D1 per export chunk.
pub const EXPORT_CHUNK: usize = 500;

pub fn bad_query(e: QueryError) -> ApiError {
    ApiError::bad_request("invalid_query", e.describe())
}

fn parse(inc: &Incoming, listing: Listing) -> Result<Query, ApiError> {
    let pairs: Vec<(String, String)> = inc.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    query::parse(listing, &pairs).map_err(bad_query)
}

fn after(ctx: &Ctx, scope: &Scope, q: &Query) -> Result<Option<Position>, ApiError> {
    let Some(c) = &q.cursor else { return Ok(None) };
    let key = cursor::cursor_key(&ctx.config.secrets_key);
    match cursor::decode(&key, &scope.label(), &fingerprint(&q.filter), c) {
        Ok(p) => Ok(Some(p)),
        Err(e @ CursorError::Foreign) => Err(ApiError::NotFound(format!("query parameter `cursor`: {}", e.message()))),
        Err(e) => Err(bad_query(QueryError::new("cursor", e.message()))),
    }
}

/// What a listing reads: MCP records (`audit_events`) or management
/// actions (`audit_actions`). Rows stay typed to the end, so JSON, NDJSON
/// and CSV all show the keys in the record's own order.
pub trait Source: Serialize + Sized + 'static {
    const ACTIONS: bool;
    const FIELDS: &'static [&'static str];
    const NAME: &'static str;
    fn position(&self) -> Position;
    async fn fetch(db: &D1Database, w: &query::Where, limit: usize) -> Result<Vec<Self>, ApiError>;
}

impl Source for McpRecord {
    const ACTIONS: bool = false;
    const FIELDS: &'static [&'static str] = &MCP_FIELDS;
    const NAME: &'static str = "audit";
    fn position(&self) -> Position {
        Position { at: self.at, id: self.id.clone() }
    }
    async fn fetch(db: &D1Database, w: &query::Where, limit: usize) -> Result<Vec<Self>, ApiError> {
        store::list(db, w, limit).await
    }
}

impl Source for store::ActionView {
    const ACTIONS: bool = true;
    const FIELDS: &'static [&'static str] = &ACTION_FIELDS;
    const NAME: &'static str = "audit-actions";
    fn position(&self) -> Position {
        Position { at: self.at, id: self.id.clone() }
    }
    async fn fetch(db: &D1Database, w: &query::Where, limit: usize) -> Result<Vec<Self>, ApiError> {
        store::list_actions(db, w, limit).await
    }
}

/// A JSON body with its keys in declaration order (not `serde_json::Value`,
/// whose maps are sorted).
fn ordered_json<T: Serialize>(body: &T) -> Result<Response, ApiError> {
    let resp = Response::from_json(body).map_err(|e| ApiError::Internal(e.to_string()))?;
    let _ = resp.headers().set("Cache-Control", "no-store");
    Ok(resp)
}

#[derive(Serialize)]
struct Page<'a, T> {
    records: &'a [T],
    next_cursor: Option<String>,
}

async fn listing<T: Source>(ctx: &Ctx, scope: Scope, q: Query) -> Result<Response, ApiError> {
    if q.format != Format::Json {
        after(ctx, &scope, &q)?;
        return export::<T>(ctx, scope, q.filter, q.format);
    }
    let (records, next_cursor) = page_of::<T>(ctx, &scope, &q).await?;
    ordered_json(&Page { records: &records, next_cursor })
}

/// One page of a listing, newest first, and the cursor of the next (the
/// API's JSON listing and the Studio's Audit log page).
pub async fn page_of<T: Source>(ctx: &Ctx, scope: &Scope, q: &Query) -> Result<(Vec<T>, Option<String>), ApiError> {
    let start = after(ctx, scope, q)?;
    let w = where_clause(scope, &q.filter, start.as_ref(), T::ACTIONS);
    let mut records = T::fetch(&ctx.db, &w, q.limit + 1).await?;
    let next_cursor = if records.len() > q.limit {
        records.truncate(q.limit);
        let key = cursor::cursor_key(&ctx.config.secrets_key);
        records.last().map(|last| cursor::encode(&key, &scope.label(), &fingerprint(&q.filter), &last.position()))
    } else {
        None
    };
    Ok((records, next_cursor))
}

/// Streams every match as NDJSON or CSV, newest first.
fn export<T: Source>(ctx: &Ctx, scope: Scope, filter: Filter, format: Format) -> Result<Response, ApiError> {
    struct State {
        env: Env,
        scope: Scope,
        filter: Filter,
        after: Option<Position>,
        first: bool,
        done: bool,
    }
    let state = State { env: ctx.env.clone(), scope, filter, after: None, first: true, done: false };
    let chunks = futures_util::stream::unfold(state, move |mut st| async move {
        if st.done {
            return None;
        }
        let mut out = String::new();
        if st.first && format == Format::Csv {
            out.push_str(&export::csv_header(T::FIELDS));
        }
        st.first = false;
        let w = where_clause(&st.scope, &st.filter, st.after.as_ref(), T::ACTIONS);
        let batch = match st.env.d1("DB") {
            Ok(db) => T::fetch(&db, &w, EXPORT_CHUNK).await,
            Err(e) => Err(ApiError::Internal(e.to_string())),
        };
        match batch {
            Ok(batch) => {
                st.done = batch.len() < EXPORT_CHUNK;
                st.after = batch.last().map(Source::position);
                for r in &batch {
                    out.push_str(&match format {
                        Format::Csv => export::csv_row(T::FIELDS, r),
                        _ => export::ndjson_line(r),
                    });
                }
            }
            Err(e) => {
                // The status is sent already: end the stream, and say so in the log.
                worker::console_error!("audit export ended early: {e:?}");
                st.done = true;
            }
        }
        Some((Ok::<Vec<u8>, worker::Error>(out.into_bytes()), st))
    });
    let resp = Response::from_stream(chunks).map_err(|e| ApiError::Internal(e.to_string()))?;
    let (ct, ext) = match format {
        Format::Csv => (export::CSV_CONTENT_TYPE, "csv"),
        _ => (export::NDJSON_CONTENT_TYPE, "ndjson"),
    };
    let h = resp.headers();
    let set = |k: &str, v: &str| h.set(k, v).map_err(|e| ApiError::Internal(e.to_string()));
    set("Content-Type", ct)?;
    set("Content-Disposition", &format!("attachment; filename=\"dockyard-{}.{ext}\"", T::NAME))?;
    set("Cache-Control", "no-store")?;
    set("X-Content-Type-Options", "nosniff")?;
    Ok(resp)
}

/// `GET /api/v1/orgs/<org>/audit`.
pub async fn list_org(ctx: &Ctx, inc: &mut Incoming, slug: &str) -> Result<Response, ApiError> {
    let (_, org, _) = authorize(ctx, inc, slug, Permission::AuditRead).await?;
    let q = parse(inc, Listing::Org)?;
    listing::<McpRecord>(ctx, Scope::Org(org.id), q).await
}

/// `GET /api/v1/orgs/<org>/audit/actions`.
pub async fn list_org_actions(ctx: &Ctx, inc: &mut Incoming, slug: &str) -> Result<Response, ApiError> {
    let (_, org, _) = authorize(ctx, inc, slug, Permission::AuditRead).await?;
    let mut q = parse(inc, Listing::Actions)?;
    if q.filter.org.as_deref().is_some_and(|o| o != org.slug) {
        return Err(bad_query(QueryError::new("org", "names another organization than the path")));
    }
    q.filter.org = None;
    listing::<store::ActionView>(ctx, Scope::Org(org.id), q).await
}

/// `GET /api/v1/me/audit`.
pub async fn list_mine(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let q = parse(inc, Listing::Mine)?;
    listing::<McpRecord>(ctx, Scope::Member(caller.user.id), q).await
}

/// `GET /api/v1/me/audit/actions`.
pub async fn list_my_actions(ctx: &Ctx, inc: &mut Incoming) -> Result<Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let q = parse(inc, Listing::Actions)?;
    if q.filter.user.is_some() {
        return Err(bad_query(QueryError::new("user", "is always you here")));
    }
    listing::<store::ActionView>(ctx, Scope::Member(caller.user.id), q).await
}

/// `GET /api/v1/orgs/<org>/audit/<id>`: one record, with its payload.
pub async fn get_one(ctx: &Ctx, inc: &mut Incoming, slug: &str, id: &str) -> Result<Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    if let Some((k, _)) = inc.url.query_pairs().next() {
        authorize(ctx, inc, slug, Permission::AuditRead).await?;
        return Err(bad_query(QueryError::new(&k, "is not a parameter of this route (it takes none)")));
    }
    let (_, record, payload) = record_of(ctx, &caller, slug, id).await?;
    #[derive(Serialize)]
    struct One {
        record: McpRecord,
        payload: Value,
    }
    ordered_json(&One { record, payload })
}

/// One record of the org's log and its payload (decrypted; `null` when none
/// was kept), for a member with `audit.read`.
pub async fn record_of(
    ctx: &Ctx,
    caller: &auth::Caller,
    slug: &str,
    id: &str,
) -> Result<(crate::store::orgs::Org, McpRecord, Value), ApiError> {
    let (org, role) = super::orgs::membership(ctx, caller, slug).await?;
    super::orgs::require_permission(&role, Permission::AuditRead)?;
    let not_found = || ApiError::NotFound("no audit record with this id in this organization".into());
    if id.len() > 64 {
        return Err(not_found());
    }
    let (record, sealed) = store::get(&ctx.db, &org.id, id).await?.ok_or_else(not_found)?;
    let payload = match sealed {
        None => Value::Null,
        Some(sealed) => open_payload(ctx, &record.id, &sealed).await,
    };
    Ok((org, record, payload))
}

async fn open_payload(ctx: &Ctx, record_id: &str, sealed: &str) -> Value {
    let opened = async {
        let key = webcrypto::seal::derive_key(&ctx.config.secrets_key, PAYLOAD_KEY_PURPOSE).await?;
        let bytes = webcrypto::seal::decrypt(&key, sealed, &payload_aad(record_id)).await?;
        serde_json::from_slice::<Value>(&bytes).map_err(|e| e.to_string())
    };
    match opened.await {
        Ok(v) => v,
        Err(e) => {
            // A rotated SECRETS_KEY makes old payloads unreadable; say so.
            worker::console_error!("audit payload of {record_id} could not be decrypted: {e}");
            json!({ "error": "the payload could not be decrypted (was SECRETS_KEY rotated?)" })
        }
    }
}

/// Per-tool aggregates and calls over time.
#[derive(Serialize)]
pub struct Stats {
    pub tools: Vec<stats::ToolStats>,
    pub series: Vec<stats::Point>,
    pub from: i64,
    pub to: i64,
    pub interval_ms: i64,
}

/// `GET /api/v1/orgs/<org>/audit/stats`.
pub async fn stats(ctx: &Ctx, inc: &mut Incoming, slug: &str) -> Result<Response, ApiError> {
    let (_, org, _) = authorize(ctx, inc, slug, Permission::AuditRead).await?;
    let q = parse(inc, Listing::Stats)?;
    ordered_json(&stats_of(ctx, &org.id, q).await?)
}

/// The stats of the org `org_id` for a parsed stats query (the API and the
/// Audit log page).
pub async fn stats_of(ctx: &Ctx, org_id: &str, q: Query) -> Result<Stats, ApiError> {
    let range = stats::range(q.filter.from, q.filter.to, q.interval.as_deref(), ctx.now_ms).map_err(bad_query)?;
    let filter = Filter { from: Some(range.from), to: Some(range.to), ..q.filter };
    let w = where_clause(&Scope::Org(org_id.to_string()), &filter, None, false);
    let tools = stats::tool_stats(store::tool_stats(&ctx.db, &w).await?);
    let series = stats::series(&range, &store::series(&ctx.db, &w, range.interval).await?);
    Ok(Stats { tools, series, from: range.from, to: range.to, interval_ms: range.interval })
}
