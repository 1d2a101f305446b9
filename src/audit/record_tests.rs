use super::*;
use serde_json::json;

/// A full record with hostile client-chosen text (shared by the format tests).
pub fn sample() -> McpRecord {
    McpRecord {
        id: "req_0123456789abcdef0123456789abcdef".into(),
        at: 1_795_514_400_000,
        duration_ms: 12,
        org: "acme".into(),
        project: "shop".into(),
        channel: "production".into(),
        version: Some("1.2.0".into()),
        method: "tools/call".into(),
        tool: Some("show_order".into()),
        tool_kind: Some("interactive".into()),
        era: Some("modern".into()),
        protocol_version: Some("2026-07-28".into()),
        status: Status::Ok,
        error_code: None,
        user_id: Some("usr_1".into()),
        user_email: Some("ada@example.com".into()),
        client_id: Some("https://app.example/c.json".into()),
        client_name: Some("=HYPERLINK(\"x\")".into()),
        grant_id: Some("grt_1".into()),
        host_name: Some("Claude, \"Desktop\"".into()),
        host_version: Some("-1".into()),
        args_sha256: Some("ab".into()),
        args_bytes: Some(20),
        result_sha256: Some("cd".into()),
        result_bytes: Some(300),
    }
}

fn message(record: &McpRecord) -> Value {
    json!({"kind": "mcp", "v": 1, "record": record})
}

#[test]
fn the_keys_are_exactly_the_issue_list_in_order() {
    let v = serde_json::to_value(sample()).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted_fields = FIELDS.to_vec();
    sorted_fields.sort();
    assert_eq!(keys, sorted_fields, "serde_json maps are sorted; the set is what matters here");
    let text = serde_json::to_string(&sample()).unwrap();
    let positions: Vec<usize> = FIELDS.iter().map(|f| text.find(&format!("\"{f}\":")).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "the struct serializes in FIELDS order");
    let empty = McpRecord { version: None, tool: None, error_code: None, ..sample() };
    let v = serde_json::to_value(empty).unwrap();
    assert!(v["version"].is_null() && v["tool"].is_null() && v.get("error_code").is_some(), "nulls are kept");
}

#[test]
fn valid_messages_decode() {
    let m = QueueMessage::decode(&message(&sample())).unwrap();
    assert_eq!(m.id(), sample().id);
    let denied = McpRecord { status: Status::Denied, error_code: Some(ErrorCode::TokenMissing), ..sample() };
    assert!(QueueMessage::decode(&message(&denied)).is_ok());
    let with_payload = json!({"kind": "mcp", "v": 1, "record": sample(), "payload": "v1.aaa.bbb"});
    assert!(QueueMessage::decode(&with_payload).is_ok());
    let action = ActionRecord {
        id: "act_0123456789abcdef0123456789abcdef".into(),
        at: 1,
        org: None,
        actor_id: "usr_1".into(),
        actor_email: "ada@example.com".into(),
        via: "session".into(),
        action: Action::ApiTokenCreate,
        target: "tok_1".into(),
        details: json!({"name": "ci"}),
    };
    let m = QueueMessage::decode(&json!({"kind": "action", "v": 1, "record": action})).unwrap();
    assert_eq!(m.id(), "act_0123456789abcdef0123456789abcdef");
    assert_eq!(serde_json::to_value(Action::MemberRoleChange).unwrap(), "member.role_change");
}

#[test]
fn malformed_messages_are_refused_with_a_reason() {
    let bad = |f: &dyn Fn(&mut McpRecord)| {
        let mut r = sample();
        f(&mut r);
        QueueMessage::decode(&message(&r)).unwrap_err()
    };
    assert!(bad(&|r| r.id = "req_short".into()).contains("32 hex"));
    assert!(bad(&|r| r.id = "REQ_0123456789ABCDEF0123456789ABCDEF".into()).contains("32 hex"));
    assert!(bad(&|r| r.channel = "staging".into()).contains("channel"));
    assert!(bad(&|r| r.era = Some("ancient".into())).contains("era"));
    assert!(bad(&|r| r.at = 0).contains("at"));
    assert!(bad(&|r| r.duration_ms = -1).contains("duration"));
    assert!(bad(&|r| r.error_code = Some(ErrorCode::TokenMissing)).contains("no error_code"));
    assert!(bad(&|r| r.status = Status::Denied).contains("needs an error_code"));
    assert!(bad(&|r| {
        r.status = Status::Invalid;
        r.error_code = Some(ErrorCode::TokenMissing);
    })
    .contains("does not belong"));
    assert!(bad(&|r| r.host_name = Some("h".repeat(5000))).contains("longer"));
    assert!(bad(&|r| r.org = String::new()).contains("empty"));
    for garbage in [
        json!("not json at all"),
        json!(null),
        json!(42),
        json!([]),
        json!({}),
        json!({"kind": "mcp"}),
        json!({"kind": "nope", "v": 1, "record": {}}),
        json!({"kind": "mcp", "v": 2, "record": sample()}),
        json!({"kind": "mcp", "v": 1, "record": sample(), "extra": true}),
        json!({"kind": "mcp", "v": 1, "record": sample(), "payload": "plaintext"}),
        json!({"kind": "mcp", "v": 1, "record": {"id": "req_x"}}),
    ] {
        assert!(QueueMessage::decode(&garbage).is_err(), "{garbage}");
    }
    let mut extra = serde_json::to_value(sample()).unwrap();
    extra["surprise"] = json!(1);
    assert!(QueueMessage::decode(&json!({"kind": "mcp", "v": 1, "record": extra})).is_err());
}

#[test]
fn docs_list_every_code_and_action() {
    let doc = include_str!("../../docs/AUDIT.md");
    for c in ErrorCode::ALL {
        let row = format!("| `{}` | `{}` |", c.as_str(), c.status().as_str());
        assert!(doc.contains(&row), "docs/AUDIT.md lacks the row {row}");
    }
    let statuses: Vec<String> = Status::ALL.iter().map(|s| format!("` | `{}` |", s.as_str())).collect();
    let rows = doc.lines().filter(|l| l.starts_with("| `") && statuses.iter().any(|s| l.contains(s.as_str()))).count();
    assert_eq!(rows, ErrorCode::ALL.len(), "docs/AUDIT.md lists a code the enum does not have");
    for a in Action::ALL {
        assert!(doc.contains(&format!("`{}`", a.as_str())), "docs/AUDIT.md lacks the action {}", a.as_str());
    }
    for f in FIELDS {
        assert!(doc.contains(&format!("`{f}`")), "docs/AUDIT.md lacks the field {f}");
    }
}

#[test]
fn system_actions_decode_and_unknown_vias_do_not() {
    let action = |via: &str| ActionRecord {
        id: "act_0123456789abcdef0123456789abcdef".into(),
        at: 1,
        org: Some("acme".into()),
        actor_id: SYSTEM_ACTOR.into(),
        actor_email: SYSTEM_ACTOR.into(),
        via: via.into(),
        action: Action::GrantRevokeSync,
        target: "usr_1".into(),
        details: json!({"cause": "member.remove", "revoked_count": 1}),
    };
    let ok = QueueMessage::decode(&json!({"kind": "action", "v": 1, "record": action("system")})).unwrap();
    assert_eq!(ok.id(), "act_0123456789abcdef0123456789abcdef");
    assert_eq!(Action::parse("grant.revoke_sync"), Some(Action::GrantRevokeSync));
    let bad = QueueMessage::decode(&json!({"kind": "action", "v": 1, "record": action("cron")})).unwrap_err();
    assert!(bad.contains("via"), "{bad}");
}

#[test]
fn the_word_enums_travel_as_their_words_and_unknown_words_are_refused() {
    for c in ErrorCode::ALL {
        assert_eq!(serde_json::to_value(c).unwrap(), json!(c.as_str()));
        assert_eq!(serde_json::from_value::<ErrorCode>(json!(c.as_str())).unwrap(), *c);
    }
    for s in Status::ALL {
        assert_eq!(serde_json::from_str::<Status>(&serde_json::to_string(&s).unwrap()).unwrap(), s);
    }
    for a in Action::ALL {
        assert_eq!(serde_json::from_value::<Action>(json!(a.as_str())).unwrap(), *a);
    }
    assert!(serde_json::from_value::<ErrorCode>(json!("TokenMissing")).is_err(), "the Rust name is not a word");
    assert!(serde_json::from_value::<Status>(json!(1)).is_err());
    let mut v = message(&McpRecord { status: Status::Denied, error_code: Some(ErrorCode::TokenMissing), ..sample() });
    v["record"]["error_code"] = json!("no_such_code");
    let err = QueueMessage::decode(&v).expect_err("an unknown code is refused");
    assert!(err.contains("unknown error code `no_such_code`"), "{err}");
}
