//! Audit targets: page cursors and the query strings of the audit API.

use crate::audit::cursor::{decode, encode, CursorError};
use crate::audit::query::{fingerprint, parse, where_clause, Filter, Listing, Position, Scope};

const KEY: &[u8] = b"fuzz cursor key";

/// Input: a cursor string on the first line; the rest of the lines are a
/// scope, a fingerprint, an id and a time for a round trip.
pub fn cursor(data: &[u8]) {
    let text = super::text(data);
    let mut lines = text.split('\n');
    let presented = lines.next().unwrap_or_default();
    // A string we did not sign is never a position.
    match decode(KEY, "org:org_1", "{}", presented) {
        Ok(pos) => assert_eq!(encode(KEY, "org:org_1", "{}", &pos), presented, "an unsigned cursor accepted"),
        Err(e) => assert!(matches!(e, CursorError::Forged | CursorError::Foreign | CursorError::OtherFilter)),
    }
    let scope = lines.next().unwrap_or("org:org_1");
    let filter = lines.next().unwrap_or("{}");
    let id = lines.next().unwrap_or("req_1");
    let at = lines.next().and_then(|s| s.parse::<i64>().ok()).unwrap_or(1_700_000_000_000);
    let pos = Position { at, id: id.to_string() };
    let c = encode(KEY, scope, filter, &pos);
    if c.len() <= 1000 {
        assert_eq!(decode(KEY, scope, filter, &c), Ok(pos), "a cursor did not round-trip");
        assert_eq!(decode(b"another key", scope, filter, &c), Err(CursorError::Forged));
        let other = format!("{scope}x");
        assert_eq!(decode(KEY, &other, filter, &c), Err(CursorError::Foreign));
    }
}

/// Input: a query string (`project=shop&from=2026-11-24`), parsed for every
/// listing.
pub fn audit_query(data: &[u8]) {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(data).into_owned().collect();
    for listing in [Listing::Org, Listing::Mine, Listing::Stats, Listing::Actions] {
        let Ok(q) = parse(listing, &pairs) else { continue };
        if let (Some(from), Some(to)) = (q.filter.from, q.filter.to) {
            assert!(from <= to, "a reversed range was accepted");
        }
        let _ = fingerprint(&q.filter);
        for (scope, actions) in [(Scope::Org("org_1".into()), false), (Scope::Member("usr_1".into()), true)] {
            let after = Position { at: 5, id: "req_1".into() };
            let w = where_clause(&scope, &q.filter, Some(&after), actions);
            // Values are bound, never spliced: ?N for N in 1..=len, nothing else.
            for n in 1..=w.args.len() {
                assert!(w.sql.contains(&format!("?{n}")), "placeholder ?{n} missing in {}", w.sql);
            }
            assert!(!w.sql.contains(&format!("?{}", w.args.len() + 1)), "a placeholder without argument");
            // The SQL text depends on which filters are given, never on
            // their values: the same filters with other values give it too.
            let v = |o: &Option<String>| o.as_ref().map(|_| "v".to_string());
            let f = &q.filter;
            let blank = Filter {
                org: v(&f.org),
                project: v(&f.project),
                channel: v(&f.channel),
                tool: v(&f.tool),
                user: v(&f.user),
                client: v(&f.client),
                from: f.from.map(|_| 0),
                to: f.to.map(|_| 0),
                ..f.clone()
            };
            let other = Position { at: 0, id: "v".into() };
            assert_eq!(where_clause(&scope, &blank, Some(&other), actions).sql, w.sql, "a value reached the SQL text");
        }
    }
}
