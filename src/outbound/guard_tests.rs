//! The guard's table: every URL spelling and address class we know of, with
//! and without the dev setting.

use super::*;

const OFF: Policy = Policy { allow_loopback: false };
const DEV: Policy = Policy { allow_loopback: true };

fn v4(s: &str) -> AddressClass {
    classify(IpAddr::V4(s.parse().unwrap()))
}

fn v6(s: &str) -> AddressClass {
    classify(IpAddr::V6(s.parse().unwrap()))
}

#[test]
fn ipv4_classes() {
    use AddressClass::*;
    for (ip, class) in [
        ("8.8.8.8", Public),
        ("1.1.1.1", Public),
        ("172.15.255.255", Public),
        ("172.32.0.1", Public),
        ("100.63.255.255", Public),
        ("100.128.0.1", Public),
        ("169.253.255.255", Public),
        ("192.0.1.1", Public),
        ("198.17.255.255", Public),
        ("198.20.0.1", Public),
        ("223.255.255.255", Public),
        ("0.0.0.0", Unspecified),
        ("0.1.2.3", Unspecified),
        ("127.0.0.1", Loopback),
        ("127.255.255.254", Loopback),
        ("10.0.0.1", Private),
        ("10.255.255.255", Private),
        ("172.16.0.1", Private),
        ("172.31.255.255", Private),
        ("192.168.0.1", Private),
        ("169.254.0.1", LinkLocal),
        ("169.254.169.254", Metadata),
        ("169.254.170.2", Metadata),
        ("168.63.129.16", Metadata),
        ("100.100.100.200", Metadata),
        ("100.64.0.1", Shared),
        ("100.127.255.255", Shared),
        ("192.0.2.1", Documentation),
        ("198.51.100.7", Documentation),
        ("203.0.113.9", Documentation),
        ("198.18.0.1", Benchmarking),
        ("198.19.255.255", Benchmarking),
        ("224.0.0.1", Multicast),
        ("239.255.255.250", Multicast),
        ("240.0.0.1", Reserved),
        ("255.255.255.254", Reserved),
        ("255.255.255.255", Broadcast),
        ("192.0.0.8", Reserved),
        ("192.88.99.1", Reserved),
    ] {
        assert_eq!(v4(ip), class, "{ip}");
    }
}

#[test]
fn ipv6_classes() {
    use AddressClass::*;
    let embedded = |s: &str| Embedded(s.parse().unwrap());
    for (ip, class) in [
        ("2606:4700::1111", Public),
        ("2a00:1450:4001::200e", Public),
        ("2001:4860:4860::8888", Public),
        ("::ffff:8.8.8.8", Public),
        ("64:ff9b::808:808", Public),
        ("2002:808:808::1", Public),
        ("::", Unspecified),
        ("::1", Loopback),
        ("::ffff:127.0.0.1", embedded("127.0.0.1")),
        ("::ffff:7f00:1", embedded("127.0.0.1")),
        ("0:0:0:0:0:ffff:127.0.0.1", embedded("127.0.0.1")),
        ("::ffff:10.0.0.1", embedded("10.0.0.1")),
        ("::ffff:169.254.169.254", embedded("169.254.169.254")),
        ("::ffff:0:127.0.0.1", embedded("127.0.0.1")),
        ("::127.0.0.1", embedded("127.0.0.1")),
        ("::10.0.0.1", embedded("10.0.0.1")),
        ("::2", embedded("0.0.0.2")),
        ("64:ff9b::a00:1", embedded("10.0.0.1")),
        ("64:ff9b::7f00:1", embedded("127.0.0.1")),
        ("2002:7f00:1::", embedded("127.0.0.1")),
        ("2002:c0a8:101::1", embedded("192.168.1.1")),
        ("fd00:ec2::254", Metadata),
        ("fc00::1", UniqueLocal),
        ("fd12:3456::1", UniqueLocal),
        ("fe80::1", LinkLocal),
        ("febf::1", LinkLocal),
        ("ff02::1", Multicast),
        ("2001:db8::1", Documentation),
        ("3fff::1", Documentation),
        ("2001:2::1", Benchmarking),
        ("2001::1", Reserved),
        ("2001:10::1", Reserved),
        ("64:ff9b:1::1", Reserved),
        ("100::1", Reserved),
        ("fec0::1", Reserved),
        ("4000::1", Reserved),
        ("5f00::1", Reserved),
    ] {
        assert_eq!(v6(ip), class, "{ip}");
    }
}

#[test]
fn public_https_urls_pass() {
    for url in [
        "https://app.example.com/oauth/client.json",
        "https://claude.ai/oauth/mcp-oauth-client-metadata",
        "https://8.8.8.8/c.json",
        "https://[2606:4700::1111]/c.json",
        "https://example.com:8443/x?y=z",
        "https://xn--bcher-kva.example.org/",
        "https://APP.Example.COM/",
        "https://app.example.com./c.json",
    ] {
        assert!(check(url, OFF).is_ok(), "{url}: {:?}", check(url, OFF));
        assert!(check(url, DEV).is_ok(), "{url} (dev)");
    }
}

/// Every refused URL, with the reason, with the dev setting off and on.
#[test]
fn refused_urls() {
    let addr = |ip: &str| {
        let ip: IpAddr = ip.parse().unwrap();
        Refusal::Address { ip, class: classify(ip) }
    };
    let off_and_dev: Vec<(&str, Refusal)> = vec![
        ("http://app.example.com/c.json", Refusal::Scheme),
        ("ftp://app.example.com/c.json", Refusal::Scheme),
        ("file:///etc/passwd", Refusal::NoHost),
        ("gopher://127.0.0.1:70/x", Refusal::Scheme),
        ("ws://app.example.com/", Refusal::Scheme),
        ("https://user@app.example.com/c.json", Refusal::Credentials),
        ("https://user:pw@app.example.com/c.json", Refusal::Credentials),
        ("https://:pw@app.example.com/c.json", Refusal::Credentials),
        ("not a url", Refusal::Unparseable),
        ("/relative/path", Refusal::Unparseable),
        ("https://10.0.0.1/c.json", addr("10.0.0.1")),
        ("https://10.1.2.3:8443/c.json", addr("10.1.2.3")),
        ("https://172.16.5.4/c.json", addr("172.16.5.4")),
        ("https://192.168.1.1/c.json", addr("192.168.1.1")),
        ("https://169.254.169.254/latest/meta-data", addr("169.254.169.254")),
        ("https://169.254.1.1/", addr("169.254.1.1")),
        ("https://100.64.0.1/", addr("100.64.0.1")),
        ("https://100.100.100.200/", addr("100.100.100.200")),
        ("https://168.63.129.16/", addr("168.63.129.16")),
        ("https://0.0.0.0/", addr("0.0.0.0")),
        ("https://224.0.0.1/", addr("224.0.0.1")),
        ("https://255.255.255.255/", addr("255.255.255.255")),
        ("https://192.0.2.1/", addr("192.0.2.1")),
        ("https://198.18.0.1/", addr("198.18.0.1")),
        ("https://[::]/", addr("::")),
        ("https://[fc00::1]/", addr("fc00::1")),
        ("https://[fd00:ec2::254]/latest/meta-data", addr("fd00:ec2::254")),
        ("https://[fe80::1]/", addr("fe80::1")),
        ("https://[ff02::1]/", addr("ff02::1")),
        ("https://[2001:db8::1]/", addr("2001:db8::1")),
        // IPv6 spellings of loopback and private space: refused even in dev.
        ("https://[::ffff:127.0.0.1]/", addr("::ffff:127.0.0.1")),
        ("https://[::ffff:7f00:1]/", addr("::ffff:127.0.0.1")),
        ("http://[::ffff:7f00:1]:8787/", addr("::ffff:127.0.0.1")),
        ("https://[0:0:0:0:0:ffff:7f00:1]/", addr("::ffff:127.0.0.1")),
        ("https://[::127.0.0.1]/", addr("::127.0.0.1")),
        ("https://[::ffff:10.0.0.1]/", addr("::ffff:10.0.0.1")),
        ("https://[::ffff:169.254.169.254]/", addr("::ffff:169.254.169.254")),
        ("https://[64:ff9b::7f00:1]/", addr("64:ff9b::7f00:1")),
        ("https://[2002:7f00:1::]/", addr("2002:7f00:1::")),
        // IPv4 spellings the URL parser normalizes into the private address.
        ("https://0x0a000001/", addr("10.0.0.1")),
        ("https://167772161/", addr("10.0.0.1")),
        ("https://012.0.0.1/", addr("10.0.0.1")),
        ("https://10.1/", addr("10.0.0.1")),
        ("https://0xa9.0xfe.0xa9.0xfe/", addr("169.254.169.254")),
        ("https://2852039166/", addr("169.254.169.254")),
        ("https://0251.0376.0251.0376/", addr("169.254.169.254")),
        ("https://0/", addr("0.0.0.0")),
        ("https://10.0.0.1./", addr("10.0.0.1")),
        // Full-width digits: the url crate's IDNA step would map them to
        // 10.0.0.1; Dockyard builds idna's stub back end (Cargo.toml), which
        // refuses every non-ASCII host, so the URL never parses at all.
        ("https://１０.０.０.１/", Refusal::Unparseable),
        // Local and metadata names.
        ("https://intranet/c.json", Refusal::LocalName("intranet".into())),
        ("https://printer.local/c.json", Refusal::LocalName("printer.local".into())),
        ("https://db.internal/c.json", Refusal::LocalName("db.internal".into())),
        ("https://nas.home.arpa/", Refusal::LocalName("nas.home.arpa".into())),
        ("https://router.lan/", Refusal::LocalName("router.lan".into())),
        ("https://thing.test/", Refusal::LocalName("thing.test".into())),
        ("https://x.onion/", Refusal::LocalName("x.onion".into())),
        (
            "https://metadata.google.internal/computeMetadata/v1/",
            Refusal::MetadataName("metadata.google.internal".into()),
        ),
        ("https://metadata.google.internal./", Refusal::MetadataName("metadata.google.internal".into())),
        ("https://METADATA.GOOGLE.INTERNAL/", Refusal::MetadataName("metadata.google.internal".into())),
        ("https://metadata/", Refusal::MetadataName("metadata".into())),
        ("https://instance-data.ec2.internal/", Refusal::MetadataName("instance-data.ec2.internal".into())),
        ("https://metadata.azure.com/", Refusal::MetadataName("metadata.azure.com".into())),
    ];
    for (url, why) in &off_and_dev {
        assert_eq!(check(url, OFF).as_ref().err(), Some(why), "{url}");
        assert_eq!(check(url, DEV).as_ref().err(), Some(why), "{url} (dev)");
    }
}

/// Loopback: refused by default; the dev setting opens exactly loopback.
#[test]
fn loopback_only_with_the_dev_setting() {
    for url in [
        "https://127.0.0.1/c.json",
        "http://127.0.0.1:9000/c.json",
        "https://127.1.2.3/c.json",
        "https://2130706433/c.json",
        "https://0x7f000001/c.json",
        "https://0x7f.1/c.json",
        "https://017700000001/c.json",
        "https://0177.0.0.1/c.json",
        "https://127.1/c.json",
        "https://127.0.0.1./c.json",
        "http://[::1]:9000/c.json",
        "https://[0:0:0:0:0:0:0:1]/c.json",
        "http://localhost:9000/client.json",
        "https://localhost/c.json",
        "http://LOCALHOST./c.json",
        "https://api.localhost/c.json",
    ] {
        assert_eq!(check(url, OFF).err(), Some(Refusal::Loopback), "{url}");
        let parsed = check(url, DEV).unwrap_or_else(|e| panic!("{url} (dev): {e}"));
        let host = parsed.host_str().unwrap().trim_end_matches('.');
        assert!(host.starts_with("127.") || host == "[::1]" || host.ends_with("localhost"), "{url} -> {parsed}");
    }
    // Plain http stays refused for anything else, dev or not.
    for url in ["http://example.com/", "http://8.8.8.8/", "http://[2606:4700::1111]/"] {
        assert_eq!(check(url, DEV).err(), Some(Refusal::Scheme), "{url}");
    }
}

#[test]
fn the_checked_url_is_the_normalized_one() {
    let url = check("https://0x7f.1:8443/a/../c.json", DEV).unwrap();
    assert_eq!(url.as_str(), "https://127.0.0.1:8443/c.json");
    let url = check("https://APP.example.com/x", OFF).unwrap();
    assert_eq!(url.host_str(), Some("app.example.com"));
}

#[test]
fn addresses_where_resolution_is_observable() {
    for ip in ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"] {
        assert_eq!(check_ip(ip.parse().unwrap(), OFF), Ok(()), "{ip}");
    }
    for ip in ["127.0.0.1", "::1"] {
        assert_eq!(check_ip(ip.parse().unwrap(), OFF), Err(Refusal::Loopback), "{ip}");
        assert_eq!(check_ip(ip.parse().unwrap(), DEV), Ok(()), "{ip} (dev)");
    }
    for ip in ["10.0.0.1", "169.254.169.254", "::ffff:127.0.0.1", "fd00:ec2::254", "fe80::1", "100.64.0.1"] {
        assert!(check_ip(ip.parse().unwrap(), DEV).is_err(), "{ip} (dev)");
    }
}

#[test]
fn refusals_read_as_predicates_about_the_url() {
    let r = check("https://10.0.0.1/", OFF).unwrap_err();
    assert_eq!(r.to_string(), "points at a non-public address (10.0.0.1: private)");
    let r = check("https://[::ffff:7f00:1]/", DEV).unwrap_err();
    assert_eq!(
        r.to_string(),
        "points at a non-public address (::ffff:127.0.0.1: an IPv6 form of the non-public address 127.0.0.1)"
    );
    assert_eq!(Refusal::Scheme.to_string(), "must use https");
    assert_eq!(Refusal::MetadataName("metadata".into()).to_string(), "names a cloud metadata service (metadata)");
}
