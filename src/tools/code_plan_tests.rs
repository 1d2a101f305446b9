use std::collections::BTreeMap;

use serde_json::json;

use super::*;
use crate::tools::{Caller, Channel};

fn spec(source: &str, hosts: &[&str]) -> CodeSpec {
    CodeSpec { source: source.into(), allowed_hosts: hosts.iter().map(|h| h.to_string()).collect(), timeout_ms: None }
}

fn call(channel: Channel, org_hosts: Option<&[&str]>) -> DataCall {
    DataCall {
        tool: "convert".into(),
        arguments: json!({"value": 1}),
        caller: Caller {
            org: "acme".into(),
            project: "tools".into(),
            channel,
            user_id: Some("usr_1".into()),
            client_id: None,
        },
        request_id: "req_1".into(),
        secrets: BTreeMap::from([("API_KEY".to_string(), "s3cret".to_string())]),
        upstream_hosts: org_hosts.map(|h| h.iter().map(|s| s.to_string()).collect()),
        allow_loopback: false,
    }
}

#[test]
fn one_isolate_per_source_and_policy_for_both_channels() {
    let s = spec("export default { run() { return {} } }", &["api.example.com"]);
    let draft = Plan::new(&s, &call(Channel::Draft, None));
    let production = Plan::new(&s, &call(Channel::Production, None));
    assert_eq!(draft.id, production.id, "one hash serves draft and production");
    assert!(draft.id.starts_with("code-v2-"));
    let edited = Plan::new(
        &spec("export default { run() { return {a:1} } }", &["api.example.com"]),
        &call(Channel::Draft, None),
    );
    assert_ne!(edited.id, draft.id, "a changed source is another isolate");
    let other_hosts =
        Plan::new(&spec("export default { run() { return {} } }", &["b.example.com"]), &call(Channel::Draft, None));
    assert_ne!(other_hosts.id, draft.id, "the outbound policy is part of what the isolate holds");
    assert_ne!(trial_id(&s.source), draft.id, "a trial load never shares a call's isolate");
}

#[test]
fn secrets_travel_with_the_call_not_in_the_id() {
    let s = spec("export default { run() { return {} } }", &[]);
    let mut a = call(Channel::Draft, None);
    let before = Plan::new(&s, &a).id;
    a.secrets.insert("API_KEY".into(), "rotated".into());
    assert_eq!(Plan::new(&s, &a).id, before, "a secret change keeps the isolate");
    let p = payload(&a, 1500);
    assert_eq!(p["env"]["secrets"]["API_KEY"], "rotated");
    assert_eq!(p["env"]["org"], "acme");
    assert_eq!(p["env"]["project"], "tools");
    assert_eq!(p["env"]["channel"], "draft");
    assert_eq!(p["env"]["caller"]["user_id"], "usr_1");
    assert_eq!(p["args"], json!({"value": 1}));
    assert_eq!(p["limits"]["subrequests"], MAX_SUBREQUESTS);
    assert_eq!(p["deadlineMs"], 1500, "the runner ends the call itself and keeps its logs");
}

#[test]
fn effective_hosts_are_the_intersection_with_the_org_list() {
    let s = spec("x", &["api.example.com", "Other.example.com"]);
    let open = Plan::new(&s, &call(Channel::Draft, None));
    assert_eq!(open.policy.allowed_hosts, vec!["api.example.com", "other.example.com"]);
    let narrowed = Plan::new(&s, &call(Channel::Draft, Some(&["other.example.com", "third.example.com"])));
    assert_eq!(narrowed.policy.allowed_hosts, vec!["other.example.com"]);
    let none = Plan::new(&s, &call(Channel::Draft, Some(&[])));
    assert!(none.policy.allowed_hosts.is_empty());
    assert_eq!(open.timeout_ms, 10_000);
    assert_eq!(open.cpu_ms, 10_000);
}

#[test]
fn the_gateway_allows_only_the_effective_hosts_over_https() {
    let policy = |hosts: &[&str], dev| GatewayPolicy {
        allowed_hosts: hosts.iter().map(|h| h.to_string()).collect(),
        allow_loopback: dev,
        deadline_ms: 1000,
    };
    let p = policy(&["api.example.com"], false);
    assert!(gateway_verdict(&p, "https://api.example.com/v1?x=1").is_ok());
    assert!(gateway_verdict(&p, "https://API.example.com./v1").is_ok());
    let other = gateway_verdict(&p, "https://evil.example.net/").unwrap_err();
    assert!(other.contains("evil.example.net is not in this tool's allowed hosts (api.example.com)"), "{other}");
    let ported = policy(&["api.example.com:8443"], false);
    assert!(gateway_verdict(&ported, "https://api.example.com:8443/").is_ok());
    assert!(gateway_verdict(&ported, "https://api.example.com/").is_err(), "an entry with a port allows only that one");
    assert_eq!(gateway_verdict(&p, "http://api.example.com/").unwrap_err(), "the URL must use https");
    assert!(gateway_verdict(&p, "https://user:pw@api.example.com/").unwrap_err().contains("credentials"));
    let empty = gateway_verdict(&policy(&[], false), "https://api.example.com/").unwrap_err();
    assert!(empty.contains("effective allowed_hosts is empty"), "{empty}");
    // Loopback: only under the dev flag, and only when listed with its port.
    let lo = policy(&["127.0.0.1:8080"], false);
    assert!(gateway_verdict(&lo, "http://127.0.0.1:8080/").unwrap_err().contains("loopback"));
    let dev = policy(&["127.0.0.1:8080"], true);
    assert!(gateway_verdict(&dev, "http://127.0.0.1:8080/x").is_ok());
    assert!(gateway_verdict(&dev, "http://127.0.0.1:9090/x").is_err());
    // The guard comes first: a listed private address is still refused.
    let private = policy(&["10.0.0.1", "169.254.169.254"], true);
    assert!(gateway_verdict(&private, "https://10.0.0.1/").unwrap_err().contains("non-public"));
    assert!(gateway_verdict(&private, "https://169.254.169.254/").unwrap_err().contains("non-public"));
    assert!(gateway_verdict(&dev, "http://[::ffff:127.0.0.1]:8080/").is_err());
}

#[test]
fn replies_map_to_answers_and_failures() {
    let ok = |json: Option<&str>| Reply { ok: true, json: json.map(String::from), ..Default::default() };
    assert_eq!(answer(&ok(Some(r#"{"a":1}"#)), 1000).unwrap(), json!({"a": 1}));
    assert_eq!(answer(&ok(Some("5")), 1000).unwrap(), json!(5), "a non-object is from_answer's to refuse");
    assert_eq!(answer(&ok(None), 1000).unwrap_err(), Failure::NotAnObject);
    let big = format!("\"{}\"", "x".repeat(MAX_ANSWER_BYTES));
    assert_eq!(answer(&ok(Some(&big)), 1000).unwrap_err(), Failure::TooLarge { limit_bytes: MAX_ANSWER_BYTES });
    let threw =
        Reply { kind: "threw".into(), name: "RangeError".into(), message: "bad unit".into(), ..Default::default() };
    assert_eq!(answer(&threw, 1000).unwrap_err(), Failure::HandlerThrew("RangeError: bad unit".into()));
    let no_run = Reply { kind: "no_run".into(), ..Default::default() };
    assert!(matches!(answer(&no_run, 1000).unwrap_err(), Failure::HandlerThrew(m) if m.contains("no run(args, env)")));
    let timeout = Reply { kind: "timeout".into(), logs: vec!["log: before".into()], ..Default::default() };
    assert_eq!(answer(&timeout, 1500).unwrap_err(), Failure::HandlerTimeout { limit_ms: 1500 });
    assert_eq!(bounded_logs(&timeout), vec!["log: before".to_string()], "a timeout keeps its lines");
}

#[test]
fn logs_are_bounded_again_outside_the_sandbox() {
    let reply = Reply { logs: (0..100).map(|i| format!("log: line {i}")).collect(), ..Default::default() };
    let logs = bounded_logs(&reply);
    assert_eq!(logs.len(), MAX_LOG_LINES + 1);
    assert_eq!(logs[0], "log: line 0");
    assert_eq!(logs.last().unwrap(), "(36 more console lines were not kept)");
    let wide = Reply { logs: vec!["x".repeat(MAX_LOG_BYTES), "y".into()], dropped_logs: 2, ..Default::default() };
    let logs = bounded_logs(&wide);
    assert_eq!(logs.len(), 2);
    assert_eq!(logs[1], "(3 more console lines were not kept)");
    assert!(bounded_logs(&Reply::default()).is_empty());
}

#[test]
fn load_errors_name_the_line() {
    let text =
        "Failed to start Worker:\nUncaught SyntaxError: Unexpected token ';'\n  at file:///bundle/handler.js:2:10";
    assert_eq!(load_problem(text).unwrap(), "SyntaxError: Unexpected token ';' (line 2)");
    assert_eq!(error_line("at file:///bundle/handler.js:417:3"), Some(417));
    assert_eq!(load_problem("Handler does not export a fetch() function."), None);
    let no_line = "Failed to start Worker:\nUncaught SyntaxError: The requested module './handler.js' does not provide an export named 'x'";
    assert!(load_problem(no_line).unwrap().starts_with("SyntaxError: The requested module"));
    let hung = "The Workers runtime canceled this request because it detected that your Worker's code had hung and would never generate a response.";
    assert_eq!(rpc_failure(hung, 500), Failure::HandlerTimeout { limit_ms: 500 });
    assert!(matches!(rpc_failure(text, 500), Failure::HandlerThrew(m) if m.ends_with("(line 2)")));
    assert!(matches!(rpc_failure("socket closed", 500), Failure::Unavailable(_)));
}

#[test]
fn gateway_headers() {
    for kept in ["Authorization", "content-type", "X-Api-Key", "Accept"] {
        assert!(forwards_request_header(kept), "{kept}");
    }
    for dropped in
        ["Host", "content-length", "CF-Connecting-IP", "x-forwarded-for", "Proxy-Authorization", "Connection"]
    {
        assert!(!forwards_request_header(dropped), "{dropped}");
    }
    assert!(forwards_response_header("content-type"));
    assert!(forwards_response_header("location"));
    for dropped in ["Dockyard-Refused", "content-encoding", "content-length"] {
        assert!(!forwards_response_header(dropped), "{dropped}");
    }
}
