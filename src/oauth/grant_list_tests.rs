use super::*;
use serde_json::json;

fn pairs(q: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

fn bad_message(e: ApiError) -> String {
    assert_eq!(e.status(), 400, "{e:?}");
    e.message()
}

#[test]
fn statuses_follow_the_lifecycle() {
    let t0 = 1_000_000;
    // Consented, code not redeemed: pending while the code lives, then expired.
    assert_eq!(status_of(t0, None, None, None, t0), Status::Pending);
    assert_eq!(status_of(t0, None, None, None, t0 + CODE_LIFETIME_SECS - 1), Status::Pending);
    assert_eq!(status_of(t0, None, None, None, t0 + CODE_LIFETIME_SECS), Status::Expired);
    // Redeemed without a refresh token: one access token's life.
    assert_eq!(status_of(t0, Some(t0 + 5), None, None, t0 + 5 + ACCESS_TOKEN_SECS - 1), Status::Active);
    assert_eq!(status_of(t0, Some(t0 + 5), None, None, t0 + 5 + ACCESS_TOKEN_SECS), Status::Expired);
    // With a refresh token: until its absolute end plus the last access token.
    let refresh = refresh_expiry(t0, true);
    assert_eq!(refresh, Some(t0 + REFRESH_LIFETIME_SECS));
    assert_eq!(refresh_expiry(t0, false), None);
    let end = t0 + REFRESH_LIFETIME_SECS + ACCESS_TOKEN_SECS;
    assert_eq!(status_of(t0, Some(t0 + 5), refresh, None, end - 1), Status::Active);
    assert_eq!(status_of(t0, Some(t0 + 5), refresh, None, end), Status::Expired);
    // Revoked wins over everything.
    assert_eq!(status_of(t0, None, None, Some(t0 + 1), t0 + 2), Status::Revoked);
    assert_eq!(status_of(t0, Some(t0), refresh, Some(t0 + 1), t0 + 2), Status::Revoked);
}

#[test]
fn status_sql_names_each_status_once() {
    for s in Status::ALL {
        assert_eq!(Status::parse(s.as_str()), Some(s));
        assert!(status_sql(s, 9).contains("revoked_at"), "{s:?}");
    }
    assert!(status_sql(Status::Active, 9).contains("?9"));
    assert_eq!(Status::parse("ACTIVE"), None);
}

#[test]
fn list_queries_parse() {
    let q = parse_list(&pairs(""), Scope::Org).unwrap();
    assert_eq!(q, ListQuery { filter: Filter::default(), status: Status::Active, limit: PAGE_DEFAULT, after: None });
    let q = parse_list(
        &pairs(
            "project=shop&user=usr_1&client=https%3A%2F%2Fapp.example%2Fc.json&channel=draft&status=revoked&limit=7",
        ),
        Scope::Org,
    )
    .unwrap();
    assert_eq!(q.filter.project.as_deref(), Some("shop"));
    assert_eq!(q.filter.user.as_deref(), Some("usr_1"));
    assert_eq!(q.filter.client.as_deref(), Some("https://app.example/c.json"));
    assert_eq!(q.filter.channel.as_deref(), Some("draft"));
    assert_eq!((q.status, q.limit), (Status::Revoked, 7));
    let me = parse_list(&pairs("org=acme&status=pending"), Scope::Me).unwrap();
    assert_eq!((me.filter.org.as_deref(), me.status), (Some("acme"), Status::Pending));
}

#[test]
fn bad_list_queries_are_400s_naming_the_parameter() {
    for (q, scope, names) in [
        ("colour=red", Scope::Org, "colour"),
        ("org=acme", Scope::Org, "org"),
        ("user=usr_1", Scope::Me, "user"),
        ("status=gone", Scope::Org, "status"),
        ("status=", Scope::Org, "status"),
        ("channel=staging", Scope::Org, "channel"),
        ("project=", Scope::Org, "project"),
        ("project=a&project=b", Scope::Org, "project"),
        ("limit=501", Scope::Org, "limit"),
        ("limit=0", Scope::Me, "limit"),
        ("cursor=%%%", Scope::Org, "cursor"),
        ("cursor=bm90LWEtY3Vyc29y", Scope::Me, "cursor"),
    ] {
        let e = parse_list(&pairs(q), scope).unwrap_err();
        let m = bad_message(e);
        assert!(m.contains(names), "{q}: {m}");
    }
    let long = format!("client={}", "a".repeat(MAX_VALUE + 1));
    assert!(bad_message(parse_list(&pairs(&long), Scope::Org).unwrap_err()).contains("client"));
}

#[test]
fn bulk_filters_parse() {
    let f = parse_bulk(&json!({ "user": "usr_1", "channel": "production" })).unwrap();
    assert_eq!(f.user.as_deref(), Some("usr_1"));
    assert_eq!(f.channel.as_deref(), Some("production"));
    assert_eq!((f.project, f.client, f.org), (None, None, None));
    let f = parse_bulk(&json!({ "client": "dcr_x", "project": null })).unwrap();
    assert_eq!((f.client.as_deref(), f.project), (Some("dcr_x"), None));
}

#[test]
fn bad_bulk_filters_are_400s() {
    for (body, code, names) in [
        (json!({}), "empty_filter", "project"),
        (json!({ "project": null }), "empty_filter", "project"),
        (json!({ "org": "acme" }), "invalid_filter", "org"),
        (json!({ "everything": true }), "invalid_filter", "everything"),
        (json!({ "user": 5 }), "invalid_filter", "user"),
        (json!({ "user": "" }), "invalid_filter", "user"),
        (json!({ "channel": "staging" }), "invalid_filter", "channel"),
        (json!([1]), "invalid_json", "object"),
    ] {
        let e = parse_bulk(&body).unwrap_err();
        assert!(matches!(&e, ApiError::BadRequest { code: c, .. } if *c == code), "{body}: {e:?}");
        assert!(bad_message(e).contains(names), "{body}");
    }
}
