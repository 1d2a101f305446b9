//! Aggregates: per-tool count, error rate and latency percentiles, and a
//! series of calls per interval.
//!
//! Decisions:
//! - The range is the query's `from`/`to`; without `from` it is the 24 hours
//!   before `to` (and `to` defaults to now), so a bare `GET .../stats` is
//!   bounded work on any log size.
//! - `interval` is `<n><unit>` with unit `m`, `h` or `d` (`15m`, `1h`, `7d`),
//!   from one minute to 31 days, and at most [`MAX_BUCKETS`] buckets in the
//!   range (else a 400 naming `interval`). Without one, the smallest of
//!   1m, 5m, 15m, 1h, 6h, 1d that gives at most 200 buckets. Buckets are
//!   aligned to the Unix epoch (UTC), and empty buckets are in the series.
//! - `tools` covers records with a tool (`tools/call`); the series counts
//!   every record. "Errors" are every record whose status is not `ok`
//!   (refusals included: an admin asking "why does every call fail" needs
//!   them), so `error_rate = errors / count`, rounded to 4 decimals.
//! - Percentiles are nearest-rank: p50 is the duration at rank
//!   `ceil(0.50 n)` of the tool's sorted durations, p95 at `ceil(0.95 n)`.
//!   D1 computes them with window functions ([`tools_sql`]), so the worker
//!   reads one row per tool whatever the number of records.

use serde::{Deserialize, Serialize};

use super::query::QueryError;

pub const DEFAULT_RANGE_MS: i64 = 24 * 3_600_000;
pub const MAX_BUCKETS: i64 = 1000;
const MINUTE: i64 = 60_000;
const LADDER: [i64; 6] = [MINUTE, 5 * MINUTE, 15 * MINUTE, 60 * MINUTE, 360 * MINUTE, 1440 * MINUTE];
/// At most this many tools are listed (the busiest first).
pub const MAX_TOOLS: usize = 200;

/// `15m`, `1h`, `7d` in milliseconds.
pub fn parse_interval(s: &str) -> Result<i64, String> {
    const HELP: &str = "must be a number and a unit m, h or d, from 1m to 31d (e.g. 15m, 1h, 1d)";
    let Some((i, unit)) = s.char_indices().last() else { return Err(HELP.into()) };
    let num = &s[..i];
    let canonical =
        !num.is_empty() && num.len() <= 6 && num.bytes().all(|b| b.is_ascii_digit()) && !num.starts_with('0');
    let n: i64 = match num.parse() {
        Ok(n) if canonical => n,
        _ => return Err(HELP.into()),
    };
    let ms = match unit {
        'm' => n * MINUTE,
        'h' => n * 60 * MINUTE,
        'd' => n * 1440 * MINUTE,
        _ => return Err(HELP.into()),
    };
    if ms <= 31 * 1440 * MINUTE {
        Ok(ms)
    } else {
        Err(HELP.into())
    }
}

/// `ceil(a / b)` for positive numbers.
fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

/// The range and bucket size of a stats query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: i64,
    pub to: i64,
    pub interval: i64,
}

pub fn range(from: Option<i64>, to: Option<i64>, interval: Option<&str>, now_ms: i64) -> Result<Range, QueryError> {
    let to = to.unwrap_or(now_ms + 1);
    let from = from.unwrap_or(to - DEFAULT_RANGE_MS).min(to);
    let span = (to - from).max(1);
    let interval = match interval {
        Some(text) => {
            let iv = parse_interval(text).map_err(|m| QueryError::new("interval", m))?;
            if ceil_div(span, iv) > MAX_BUCKETS {
                return Err(QueryError::new(
                    "interval",
                    format!(
                        "gives more than {MAX_BUCKETS} buckets for this range; pick a larger one or a shorter range"
                    ),
                ));
            }
            iv
        }
        None => LADDER.iter().copied().find(|iv| ceil_div(span, *iv) <= 200).unwrap_or_else(|| ceil_div(span, 200)),
    };
    Ok(Range { from, to, interval })
}

/// Per-tool aggregates over the records matching `where_sql`.
pub fn tools_sql(where_sql: &str) -> String {
    format!(
        "WITH f AS (SELECT tool, duration_ms, status FROM audit_events WHERE {where_sql} AND tool IS NOT NULL), \
         r AS (SELECT tool, duration_ms, status, \
           ROW_NUMBER() OVER (PARTITION BY tool ORDER BY duration_ms) AS rn, \
           COUNT(*) OVER (PARTITION BY tool) AS n FROM f) \
         SELECT tool, MAX(n) AS count, SUM(CASE WHEN status <> 'ok' THEN 1 ELSE 0 END) AS errors, \
           MIN(CASE WHEN rn * 100 >= n * 50 THEN duration_ms END) AS p50_ms, \
           MIN(CASE WHEN rn * 100 >= n * 95 THEN duration_ms END) AS p95_ms \
         FROM r GROUP BY tool ORDER BY count DESC, tool LIMIT {MAX_TOOLS}"
    )
}

/// Calls per bucket; `?{interval_arg}` is bound to the interval in ms.
/// D1 binds a JS number as REAL, and `at / 60000.0` is a real division that
/// aligns nothing, so the interval is cast to INTEGER in the statement.
pub fn series_sql(where_sql: &str, interval_arg: usize) -> String {
    let iv = format!("CAST(?{interval_arg} AS INTEGER)");
    format!(
        "SELECT (at / {iv}) * {iv} AS bucket, COUNT(*) AS count, \
           SUM(CASE WHEN status <> 'ok' THEN 1 ELSE 0 END) AS errors \
         FROM audit_events WHERE {where_sql} GROUP BY bucket ORDER BY bucket"
    )
}

/// A row of [`tools_sql`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ToolRow {
    pub tool: String,
    pub count: i64,
    pub errors: i64,
    pub p50_ms: Option<i64>,
    pub p95_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolStats {
    pub tool: String,
    pub count: i64,
    pub error_rate: f64,
    pub p50_ms: Option<i64>,
    pub p95_ms: Option<i64>,
}

pub fn tool_stats(rows: Vec<ToolRow>) -> Vec<ToolStats> {
    rows.into_iter()
        .map(|r| ToolStats {
            error_rate: rate(r.errors, r.count),
            tool: r.tool,
            count: r.count,
            p50_ms: r.p50_ms,
            p95_ms: r.p95_ms,
        })
        .collect()
}

fn rate(errors: i64, count: i64) -> f64 {
    if count <= 0 {
        return 0.0;
    }
    (errors as f64 / count as f64 * 10_000.0).round() / 10_000.0
}

/// A row of [`series_sql`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BucketRow {
    pub bucket: i64,
    pub count: i64,
    pub errors: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub at: i64,
    pub count: i64,
    pub errors: i64,
}

/// Every bucket of the range, empty ones included.
pub fn series(range: &Range, rows: &[BucketRow]) -> Vec<Point> {
    let iv = range.interval;
    let first = range.from.div_euclid(iv) * iv;
    let mut out = Vec::new();
    let mut at = first;
    while at < range.to && out.len() as i64 <= MAX_BUCKETS {
        let hit = rows.iter().find(|r| r.bucket == at);
        out.push(Point { at, count: hit.map_or(0, |r| r.count), errors: hit.map_or(0, |r| r.errors) });
        at += iv;
    }
    out
}

/// Nearest-rank percentile of sorted values (the definition [`tools_sql`] implements).
pub fn nearest_rank(sorted: &[i64], p: i64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as i64;
    let rank = ceil_div(n * p, 100).max(1);
    sorted.get(rank as usize - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("1m"), Ok(60_000));
        assert_eq!(parse_interval("15m"), Ok(900_000));
        assert_eq!(parse_interval("1h"), Ok(3_600_000));
        assert_eq!(parse_interval("7d"), Ok(604_800_000));
        assert_eq!(parse_interval("31d"), Ok(31 * 86_400_000));
        for bad in
            ["", "h", "0h", "-1h", "1.5h", "1s", "32d", "01h", "1H", "1 h", "99999999999999999999d", "１h", "h１", "é"]
        {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ranges() {
        let now = 10 * DEFAULT_RANGE_MS;
        let r = range(None, None, None, now).unwrap();
        assert_eq!(
            (r.from, r.to, r.interval),
            (now + 1 - DEFAULT_RANGE_MS, now + 1, 15 * MINUTE),
            "24 h in 96 buckets"
        );
        let r = range(Some(0), Some(3_600_000), None, now).unwrap();
        assert_eq!(r.interval, MINUTE);
        let r = range(Some(0), Some(3_600_000), Some("5m"), now).unwrap();
        assert_eq!(r.interval, 5 * MINUTE);
        let e = range(Some(0), Some(365 * 86_400_000), Some("1m"), now).unwrap_err();
        assert_eq!(e.param, "interval");
        assert_eq!(range(Some(0), None, Some("bad"), now).unwrap_err().param, "interval");
        let wide = range(Some(0), Some(5000 * 86_400_000), None, now).unwrap();
        assert!(ceil_div(5000 * 86_400_000, wide.interval) <= 200);
    }

    #[test]
    fn series_fills_gaps_and_aligns() {
        let r = Range { from: 90_000, to: 300_000, interval: MINUTE };
        let rows =
            [BucketRow { bucket: 120_000, count: 3, errors: 1 }, BucketRow { bucket: 240_000, count: 1, errors: 0 }];
        let s = series(&r, &rows);
        let got: Vec<(i64, i64, i64)> = s.iter().map(|p| (p.at, p.count, p.errors)).collect();
        assert_eq!(got, vec![(60_000, 0, 0), (120_000, 3, 1), (180_000, 0, 0), (240_000, 1, 0)]);
    }

    #[test]
    fn tool_rows_and_rates() {
        let rows = vec![ToolRow { tool: "a".into(), count: 3, errors: 1, p50_ms: Some(5), p95_ms: Some(9) }];
        let t = tool_stats(rows);
        assert_eq!(t[0].error_rate, 0.3333);
        assert_eq!(serde_json::to_value(&t[0]).unwrap()["p95_ms"], 9);
        assert_eq!(rate(0, 0), 0.0);
    }

    #[test]
    fn the_sql_rank_condition_is_nearest_rank() {
        // tools_sql picks MIN(d) over rn*100 >= n*p, i.e. the smallest rank
        // with rank >= n*p/100: exactly ceil(n*p/100).
        for n in 1..=250_i64 {
            let sorted: Vec<i64> = (1..=n).map(|i| i * 10).collect();
            for p in [50, 95] {
                let sql_rank = (1..=n).find(|rn| rn * 100 >= n * p).unwrap();
                assert_eq!(Some(sorted[sql_rank as usize - 1]), nearest_rank(&sorted, p), "n={n} p={p}");
            }
        }
        assert_eq!(nearest_rank(&[7], 95), Some(7));
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 50), Some(2));
        assert!(tools_sql("org_id = ?1").contains("WHERE org_id = ?1 AND tool IS NOT NULL"));
        assert!(series_sql("org_id = ?1", 2)
            .starts_with("SELECT (at / CAST(?2 AS INTEGER)) * CAST(?2 AS INTEGER) AS bucket"));
    }
}
