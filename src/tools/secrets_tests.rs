use serde_json::json;

use super::*;

#[test]
fn the_name_rule() {
    for ok in ["a", "_", "API_KEY", "_x9", "z".repeat(64).as_str(), "orders_hmac"] {
        assert!(valid_name(ok), "{ok}");
    }
    for bad in ["", "1a", "a-b", "a.b", "a b", "é", "z".repeat(65).as_str(), "a\n", "A$"] {
        assert!(!valid_name(bad), "{bad:?}");
    }
}

#[test]
fn channels() {
    assert_eq!(Channel::parse("draft"), Some(Channel::Draft));
    assert_eq!(Channel::parse("production"), Some(Channel::Production));
    for bad in ["", "Draft", "prod", "both"] {
        assert_eq!(Channel::parse(bad), None, "{bad}");
    }
    assert_eq!(Channel::Production.as_str(), "production");
}

#[test]
fn put_bodies() {
    let both = parse_put(&json!({"value": "s3cret"})).unwrap();
    assert_eq!(both.channels, [Channel::Draft, Channel::Production]);
    assert_eq!(both.value, "s3cret");
    let one = parse_put(&json!({"value": "v", "channel": "production"})).unwrap();
    assert_eq!(one.channels, [Channel::Production]);
    assert_eq!(parse_put(&json!({"value": "v", "channel": null})).unwrap().channels.len(), 2);
    let at_limit = "é".repeat(MAX_VALUE_BYTES / 2);
    assert!(parse_put(&json!({ "value": at_limit })).is_ok());
    let fields = |b: serde_json::Value| parse_put(&b).unwrap_err().into_iter().map(|(f, _)| f).collect::<Vec<_>>();
    assert_eq!(fields(json!({"value": "x".repeat(MAX_VALUE_BYTES + 1)})), ["value"]);
    assert_eq!(fields(json!({"value": ""})), ["value"]);
    assert_eq!(fields(json!({"value": 5})), ["value"]);
    assert_eq!(fields(json!({})), ["value"]);
    assert_eq!(fields(json!({"value": "v", "channel": "both"})), ["channel"]);
    assert_eq!(fields(json!({"value": "v", "channel": 1})), ["channel"]);
    assert_eq!(fields(json!({"value": "v", "extra": 1})), ["/"]);
    assert_eq!(fields(json!({"value": 1, "channel": "x"})), ["value", "channel"]);
    assert_eq!(fields(json!(["v"])), ["/"]);
}

#[test]
fn messages_and_debug_never_show_the_value() {
    let value = "do-not-show-me-".repeat(400);
    for (_, m) in parse_put(&json!({ "value": value, "channel": "nope" })).unwrap_err() {
        assert!(!m.contains("do-not-show-me"), "{m}");
    }
    let p = parse_put(&json!({"value": "do-not-show-me"})).unwrap();
    assert!(!format!("{p:?}").contains("do-not-show-me"));
}

#[test]
fn the_list_view_groups_channels_by_name() {
    let t = |c: i64| Times { created_at: c, updated_at: c + 1, last_used_at: None };
    let rows = vec![
        Row { name: "b".into(), channel: Channel::Production, times: t(10) },
        Row { name: "a".into(), channel: Channel::Draft, times: t(1) },
        Row { name: "b".into(), channel: Channel::Draft, times: t(5) },
    ];
    let v = serde_json::to_value(list_view(&rows)).unwrap();
    assert_eq!(
        v,
        json!([
            {"name": "a", "channels": {"draft": {"created_at": 1, "updated_at": 2, "last_used_at": null}, "production": null}},
            {"name": "b", "channels": {"draft": {"created_at": 5, "updated_at": 6, "last_used_at": null},
                                       "production": {"created_at": 10, "updated_at": 11, "last_used_at": null}}}
        ])
    );
}
