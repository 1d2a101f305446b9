use super::*;

const DEV: Policy = Policy { allow_loopback: true };
const PROD: Policy = Policy { allow_loopback: false };

fn entry(raw: &str, policy: Policy) -> Result<String, String> {
    parse_entry(raw, policy).map(|e| e.to_string())
}

#[test]
fn entries_are_hostnames_with_an_optional_port() {
    for (raw, normal) in [
        ("api.example.com", "api.example.com"),
        ("API.Example.COM", "api.example.com"),
        ("api.example.com.", "api.example.com"),
        ("api.example.com:8443", "api.example.com:8443"),
        ("api.example.com:443", "api.example.com:443"),
        ("xn--bcher-kva.example.com", "xn--bcher-kva.example.com"),
    ] {
        assert_eq!(entry(raw, PROD).as_deref(), Ok(normal), "{raw}");
    }
}

#[test]
fn everything_else_is_refused_with_a_reason() {
    for raw in [
        "",
        "https://api.example.com",
        "api.example.com/path",
        "*.example.com",
        "user@api.example.com",
        "api example.com",
        "b\u{fc}cher.example.com",
        "api.example.com:0",
        "api.example.com:65536",
        "api.example.com:",
        "api.example.com:x",
        "intranet",
        "metadata.google.internal",
        "printer.local",
        "93.184.216.34",
        "10.0.0.1",
        "[2606:4700::1]",
        "::1",
        "169.254.169.254",
    ] {
        let e = entry(raw, DEV);
        assert!(e.is_err(), "{raw:?} accepted as {e:?}");
        assert!(e.unwrap_err().contains(&format!("{raw:?}")), "the message names the entry");
    }
}

#[test]
fn loopback_only_under_the_dev_setting() {
    for raw in ["127.0.0.1:8787", "localhost:8787", "[::1]:8787", "localhost", "127.0.0.1"] {
        assert!(entry(raw, DEV).is_ok(), "{raw}");
        let e = entry(raw, PROD).unwrap_err();
        assert!(e.contains("ALLOW_LOOPBACK_UPSTREAMS"), "{raw}: {e}");
    }
    assert_eq!(entry("[::1]:8787", DEV).unwrap(), "[::1]:8787");
    // Private space stays refused even in development.
    assert!(entry("10.1.2.3:80", DEV).is_err());
    assert!(entry("[::ffff:10.0.0.1]:80", DEV).is_err());
}

#[test]
fn lists_report_every_bad_entry_by_index() {
    let raw: Vec<String> = ["a.example.com", "bad/x", "b.example.com", "10.0.0.1"].map(String::from).to_vec();
    let e = parse_list(&raw, PROD).unwrap_err();
    assert_eq!(e.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [1, 3]);
    let too_many: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("h{i}.example.com")).collect();
    assert!(parse_list(&too_many, PROD).is_err());
    assert_eq!(parse_list(&raw[..1], PROD).unwrap().len(), 1);
}

fn url(u: &str) -> Url {
    Url::parse(u).unwrap()
}

#[test]
fn allows_matches_host_exactly_and_port_when_given() {
    let list: Vec<String> = ["api.example.com", "pay.example.com:8443", "127.0.0.1:9000"].map(String::from).to_vec();
    let l = Some(&list[..]);
    assert!(allows(None, &url("https://anything.example.org/")));
    assert!(!allows(Some(&[]), &url("https://api.example.com/")), "[] allows nothing");
    assert!(allows(l, &url("https://api.example.com/x")));
    assert!(allows(l, &url("https://API.example.com./x")));
    assert!(allows(l, &url("https://api.example.com:444/x")), "no port in the entry: any port");
    assert!(!allows(l, &url("https://x.api.example.com/")), "no subdomains");
    assert!(!allows(l, &url("https://example.com/")));
    assert!(allows(l, &url("https://pay.example.com:8443/")));
    assert!(!allows(l, &url("https://pay.example.com/")), "443 is not 8443");
    assert!(allows(l, &url("http://127.0.0.1:9000/")));
    assert!(!allows_with(l, &url("http://127.0.0.1:9000/"), PROD), "a loopback entry is dead without the dev setting");
    assert!(!allows(l, &url("http://127.0.0.1:9001/")));
    let garbage: Vec<String> = vec!["not a host".into()];
    assert!(!allows(Some(&garbage), &url("https://api.example.com/")));
}

#[test]
fn intersection_narrows_a_code_types_hosts() {
    let own: Vec<String> =
        ["api.example.com", "pay.example.com", "x.example.com:8443", "bad/"].map(String::from).to_vec();
    assert_eq!(intersect(None, &own), ["api.example.com", "pay.example.com", "x.example.com:8443"]);
    let org: Vec<String> = ["api.example.com", "pay.example.com:8443", "x.example.com:9000"].map(String::from).to_vec();
    assert_eq!(intersect(Some(&org), &own), ["api.example.com", "pay.example.com:8443"]);
    assert_eq!(intersect(Some(&[]), &own), Vec::<String>::new());
    assert_eq!(intersect(Some(&org), &[]), Vec::<String>::new());
}
