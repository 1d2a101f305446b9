use super::*;

fn q(listing: Listing, s: &str) -> Result<Query, QueryError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(s.as_bytes()).into_owned().collect();
    parse(listing, &pairs)
}

fn err(listing: Listing, s: &str) -> String {
    q(listing, s).unwrap_err().param
}

#[test]
fn every_filter_parses() {
    let r = q(
        Listing::Org,
        "project=shop&channel=draft&tool=show_order&status=denied&user=usr_1&client=https%3A%2F%2Fapp.example%2Fc.json\
         &from=2026-11-24&to=1796000000000&limit=500",
    )
    .unwrap();
    let f = &r.filter;
    assert_eq!(f.project.as_deref(), Some("shop"));
    assert_eq!(f.channel.as_deref(), Some("draft"));
    assert_eq!(f.tool.as_deref(), Some("show_order"));
    assert_eq!(f.status, Some(Status::Denied));
    assert_eq!(f.user.as_deref(), Some("usr_1"));
    assert_eq!(f.client.as_deref(), Some("https://app.example/c.json"));
    assert_eq!((f.from, f.to), (Some(1_795_478_400_000), Some(1_796_000_000_000)));
    assert_eq!((r.limit, r.format, r.cursor), (500, Format::Json, None));
    let d = q(Listing::Org, "").unwrap();
    assert_eq!((d.limit, d.format, d.filter), (DEFAULT_LIMIT, Format::Json, Filter::default()));
    assert_eq!(q(Listing::Org, "format=csv").unwrap().format, Format::Csv);
    assert_eq!(q(Listing::Mine, "org=acme&format=ndjson").unwrap().filter.org.as_deref(), Some("acme"));
    assert_eq!(q(Listing::Stats, "interval=1h").unwrap().interval.as_deref(), Some("1h"));
    assert_eq!(q(Listing::Actions, "action=member.remove").unwrap().filter.action, Some(Action::MemberRemove));
}

#[test]
fn bad_input_names_the_parameter() {
    assert_eq!(err(Listing::Org, "projct=shop"), "projct", "a typo is not silently ignored");
    assert_eq!(err(Listing::Org, "org=acme"), "org", "the org log is already one org");
    assert_eq!(err(Listing::Mine, "user=usr_2"), "user", "me/audit is only the caller's own");
    assert_eq!(err(Listing::Stats, "limit=5"), "limit");
    assert_eq!(err(Listing::Org, "status=ok&status=denied"), "status");
    assert_eq!(err(Listing::Org, "tool="), "tool");
    assert_eq!(err(Listing::Org, "project=Shop!"), "project");
    assert_eq!(err(Listing::Org, "channel=staging"), "channel");
    assert_eq!(err(Listing::Org, "tool=a%20b"), "tool");
    assert_eq!(err(Listing::Org, &format!("tool={}", "t".repeat(65))), "tool");
    assert_eq!(err(Listing::Org, "status=failed"), "status");
    assert_eq!(err(Listing::Org, "user=usr%27%20OR%201%3D1"), "user");
    assert_eq!(err(Listing::Org, "client=a%0Ab"), "client");
    assert_eq!(err(Listing::Actions, "action=publish"), "action");
    for bad in [
        "yesterday",
        "2026-13-01",
        "2026-02-30",
        "2026-11-24T10:00:00",
        "2026-11-24T25:00Z",
        "-5",
        "1e12",
        "99999999999999999999",
        "2026-11-24T10:00:00.Z",
        "2026-11-24T10:00:00+2:00",
    ] {
        assert_eq!(err(Listing::Org, &format!("from={}", urlenc(bad))), "from", "{bad}");
    }
    assert_eq!(err(Listing::Org, "to=not-a-time"), "to");
    assert_eq!(err(Listing::Org, "from=2026-11-25&to=2026-11-24"), "from", "a reversed range");
    assert!(q(Listing::Org, "from=2026-11-24&to=2026-11-24").is_ok(), "an empty range is fine");
    assert_eq!(err(Listing::Org, "format=xml"), "format");
    assert_eq!(err(Listing::Org, "format=csv&limit=10"), "limit");
    assert_eq!(err(Listing::Org, "format=ndjson&cursor=abc"), "cursor");
    for bad in ["0", "501", "-1", "ten", "1.5"] {
        assert_eq!(err(Listing::Org, &format!("limit={bad}")), "limit", "{bad}");
    }
    let e = q(Listing::Org, "limit=1000").unwrap_err();
    assert_eq!(e.describe(), "query parameter `limit`: must be a whole number from 1 to 500");
    let e = q(Listing::Org, &format!("{}=1", "\u{7}x".repeat(50))).unwrap_err();
    assert_eq!(e.param.chars().count(), 40, "a hostile name is shown bounded");
}

fn urlenc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[test]
fn iso_times() {
    let t = |s: &str| parse_time(s).unwrap();
    assert_eq!(t("1970-01-01"), 0);
    assert_eq!(t("1970-01-01T00:00:01Z"), 1000);
    assert_eq!(t("2026-11-24T10:00:00Z"), 1_795_514_400_000);
    assert_eq!(t("2026-11-24T12:00:00+02:00"), 1_795_514_400_000);
    assert_eq!(t("2026-11-24T05:30:00-04:30"), 1_795_514_400_000);
    assert_eq!(t("2026-11-24T10:00:00.25Z"), 1_795_514_400_250);
    assert_eq!(t("2026-11-24T10:00:00.123456789Z"), 1_795_514_400_123);
    assert_eq!(t("2026-11-24t10:00z"), 1_795_514_400_000);
    assert_eq!(t("2024-02-29"), 1_709_164_800_000, "leap day");
    assert!(parse_time("2023-02-29").is_err());
    assert_eq!(t("1795514400000"), 1_795_514_400_000);
    assert_eq!(t("9999-12-31T23:59:59.999Z"), 253_402_300_799_999);
    assert!(parse_time("253402300800000").is_err());
}

#[test]
fn the_where_clause_binds_everything() {
    let f = q(Listing::Org, "project=shop&status=ok&from=1000&to=2000").unwrap().filter;
    let w = where_clause(&Scope::Org("org_1".into()), &f, None, false);
    assert_eq!(w.sql, "org_id = ?1 AND project = ?2 AND status = ?3 AND at >= ?4 AND at < ?5");
    assert_eq!(
        w.args,
        vec![
            SqlArg::Text("org_1".into()),
            SqlArg::Text("shop".into()),
            SqlArg::Text("ok".into()),
            SqlArg::Int(1000),
            SqlArg::Int(2000)
        ]
    );
    let after = Position { at: 1500, id: "req_x".into() };
    let w = where_clause(&Scope::Member("usr_1".into()), &Filter::default(), Some(&after), false);
    assert_eq!(
        w.sql,
        "user_id = ?1 AND (org_id IN (SELECT org_id FROM memberships WHERE user_id = ?1)) \
         AND (at < ?2 OR (at = ?2 AND id < ?3))"
    );
    let f = q(Listing::Actions, "user=usr_2&action=role.create").unwrap().filter;
    let w = where_clause(&Scope::Member("usr_1".into()), &f, None, true);
    assert!(w.sql.starts_with("actor_id = ?1 AND (org_id IS NULL OR org_id IN"), "{}", w.sql);
    assert!(w.sql.ends_with("actor_id = ?2 AND action = ?3"), "{}", w.sql);
    let hostile = Filter { tool: Some("x' OR '1'='1".into()), ..Default::default() };
    let w = where_clause(&Scope::Org("o".into()), &hostile, None, false);
    assert!(!w.sql.contains('\''), "values never reach the SQL text");
}

#[test]
fn fingerprints_differ_by_filter() {
    let a = q(Listing::Org, "project=a").unwrap().filter;
    let b = q(Listing::Org, "project=b").unwrap().filter;
    assert_ne!(fingerprint(&a), fingerprint(&b));
    assert_eq!(fingerprint(&a), fingerprint(&q(Listing::Org, "project=a&limit=5").unwrap().filter));
}
