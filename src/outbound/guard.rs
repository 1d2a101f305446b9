//! The SSRF guard (pure): may Dockyard fetch this URL, or connect to this
//! address? One answer for every outbound request — CIMD documents now, data
//! tools (`http` Types, the `code` sandbox's gateway) later — so the rules
//! live in one place and are tested as one table.
//!
//! The rules:
//! - https only; plain http only to a loopback host under the dev setting.
//! - No credentials (`user:password@`) in a URL.
//! - IP literals must be publicly routable: loopback, private (RFC 1918),
//!   link-local, shared (CGNAT), unique-local, unspecified / "this network",
//!   multicast, broadcast, documentation, benchmarking and reserved ranges
//!   are refused, and so are the cloud metadata addresses. IPv6 forms that
//!   embed an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`,
//!   NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that address; an
//!   embedded non-public address is refused even under the dev setting.
//! - Spellings: the URL parser (WHATWG, like the runtime's `fetch`)
//!   normalizes decimal, octal, hex and short IPv4 forms (`2130706433`,
//!   `0x7f.1`, `0177.0.0.1`, `127.1`), full-width digits and a trailing dot
//!   into the address itself, so they are judged as that address. The caller
//!   must fetch the *parsed* URL ([`check`] returns it), never the raw text.
//! - Names: `localhost` and `*.localhost` are loopback; single-label names and
//!   local-only suffixes (`.local`, `.internal`, `.lan`, `.home.arpa`, …) and
//!   the cloud metadata names (`metadata.google.internal`, …) are refused.
//! - `ALLOW_LOOPBACK_UPSTREAMS=true` (dev and tests only) opens loopback —
//!   127.0.0.0/8, `::1`, `localhost` — over http or https, and nothing else.
//!
//! What is and is not covered — "hostnames that resolve into refused
//! ranges": on Workers, `fetch` resolves names inside the runtime and never
//! shows us the address, so a public name pointing at 10.0.0.1 (or DNS
//! rebinding) cannot be refused here. What covers it in production is the
//! platform: a Worker's subrequests leave from Cloudflare's network, which
//! does not route to private, loopback or link-local space, and Workers may
//! only use a fixed set of ports. Where an address *is* observable (a future
//! runtime socket, a resolver answer), call [`check_ip`] on it. Under
//! `wrangler dev` subrequests leave from the developer's machine, so a name
//! that resolves to a private address is reachable there: a dev-only gap.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// What a caller allows beyond the public internet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// `ALLOW_LOOPBACK_UPSTREAMS` (dev and tests only): loopback hosts, over
    /// http or https.
    pub allow_loopback: bool,
}

/// The kind of an IP address (IANA's special-purpose address registries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    Public,
    /// 127.0.0.0/8, `::1`.
    Loopback,
    /// 10/8, 172.16/12, 192.168/16.
    Private,
    /// 169.254/16, fe80::/10.
    LinkLocal,
    /// 100.64/10 (carrier-grade NAT).
    Shared,
    /// fc00::/7.
    UniqueLocal,
    /// 0.0.0.0/8 ("this network"; 0.0.0.0 reaches the local host), `::`.
    Unspecified,
    /// 224/4, ff00::/8.
    Multicast,
    /// 255.255.255.255.
    Broadcast,
    /// 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20.
    Documentation,
    /// 198.18/15, 2001:2::/48.
    Benchmarking,
    /// 240/4, 192.0.0/24, 192.88.99/24, IPv6 outside 2000::/3, 2001::/23,
    /// 64:ff9b:1::/48: nothing we should ever reach.
    Reserved,
    /// A cloud metadata service: 169.254.169.254 (AWS, GCP, Azure, …),
    /// 169.254.170.2 (ECS), 168.63.129.16 (Azure), 100.100.100.200
    /// (Alibaba), fd00:ec2::254 (AWS IPv6).
    Metadata,
    /// An IPv6 form (mapped, compatible, NAT64, 6to4) of this non-public
    /// IPv4 address.
    Embedded(Ipv4Addr),
}

impl fmt::Display for AddressClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressClass::Public => f.write_str("public"),
            AddressClass::Loopback => f.write_str("loopback"),
            AddressClass::Private => f.write_str("private"),
            AddressClass::LinkLocal => f.write_str("link-local"),
            AddressClass::Shared => f.write_str("shared (carrier-grade NAT)"),
            AddressClass::UniqueLocal => f.write_str("unique-local"),
            AddressClass::Unspecified => f.write_str("unspecified"),
            AddressClass::Multicast => f.write_str("multicast"),
            AddressClass::Broadcast => f.write_str("broadcast"),
            AddressClass::Documentation => f.write_str("documentation"),
            AddressClass::Benchmarking => f.write_str("benchmarking"),
            AddressClass::Reserved => f.write_str("reserved"),
            AddressClass::Metadata => f.write_str("cloud metadata"),
            AddressClass::Embedded(v4) => write!(f, "an IPv6 form of the non-public address {v4}"),
        }
    }
}

/// Why a URL or address is refused. The texts are predicates about the
/// caller's own URL ("the client id URL " + reason), never about an upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not an absolute URL.
    Unparseable,
    /// Not https (plain http only to loopback under the dev setting).
    Scheme,
    /// `user:password@` in the URL.
    Credentials,
    NoHost,
    /// An IP literal outside public space.
    Address {
        ip: IpAddr,
        class: AddressClass,
    },
    /// A loopback host, and the dev setting is off.
    Loopback,
    /// A name that only resolves on a local network.
    LocalName(String),
    /// A cloud metadata service's name.
    MetadataName(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Unparseable => f.write_str("is not a valid absolute URL"),
            Refusal::Scheme => f.write_str("must use https"),
            Refusal::Credentials => f.write_str("must not carry credentials"),
            Refusal::NoHost => f.write_str("has no host"),
            Refusal::Address { ip, class } => write!(f, "points at a non-public address ({ip}: {class})"),
            Refusal::Loopback => f.write_str("points at a loopback host"),
            Refusal::LocalName(name) => write!(f, "names a local host ({name})"),
            Refusal::MetadataName(name) => write!(f, "names a cloud metadata service ({name})"),
        }
    }
}

/// Names of cloud metadata services (refused before any suffix rule).
const METADATA_NAMES: [&str; 8] = [
    "metadata",
    "metadata.google.internal",
    "metadata.goog",
    "instance-data",
    "instance-data.ec2.internal",
    "metadata.azure.com",
    "metadata.tencentyun.com",
    "metadata.platformequinix.com",
];

/// Suffixes of names that resolve only on local networks, or never.
const LOCAL_SUFFIXES: [&str; 12] = [
    ".local",
    ".localdomain",
    ".internal",
    ".intranet",
    ".lan",
    ".home",
    ".corp",
    ".home.arpa",
    ".onion",
    ".invalid",
    ".test",
    ".example",
];

/// Parses `raw` and checks it; the URL to fetch is the returned one (its
/// normalized form), never `raw`.
pub fn check(raw: &str, policy: Policy) -> Result<Url, Refusal> {
    let url = Url::parse(raw).map_err(|_| Refusal::Unparseable)?;
    check_url(&url, policy)?;
    Ok(url)
}

/// May we fetch this (parsed) URL, or follow a redirect to it?
pub fn check_url(url: &Url, policy: Policy) -> Result<(), Refusal> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::Credentials);
    }
    let loopback = match url.host() {
        None => return Err(Refusal::NoHost),
        Some(Host::Ipv4(ip)) => check_ip(IpAddr::V4(ip), policy).map(|()| ip.is_loopback())?,
        Some(Host::Ipv6(ip)) => check_ip(IpAddr::V6(ip), policy).map(|()| ip.is_loopback())?,
        Some(Host::Domain(name)) => check_name(name, policy)?,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(Refusal::Scheme),
    }
}

/// May we connect to this address? For IP literals, and wherever a name's
/// resolution is observable. Loopback passes only under the dev setting.
pub fn check_ip(ip: IpAddr, policy: Policy) -> Result<(), Refusal> {
    match classify(ip) {
        AddressClass::Public => Ok(()),
        AddressClass::Loopback if policy.allow_loopback => Ok(()),
        AddressClass::Loopback => Err(Refusal::Loopback),
        class => Err(Refusal::Address { ip, class }),
    }
}

/// `Ok(true)` for a loopback name that the dev setting allows.
fn check_name(name: &str, policy: Policy) -> Result<bool, Refusal> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return if policy.allow_loopback { Ok(true) } else { Err(Refusal::Loopback) };
    }
    if METADATA_NAMES.contains(&name.as_str()) {
        return Err(Refusal::MetadataName(name));
    }
    if !name.contains('.') || LOCAL_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return Err(Refusal::LocalName(name));
    }
    Ok(false)
}

/// The class of an address.
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    use AddressClass::*;
    let [a, b, c, d] = ip.octets();
    match (a, b, c, d) {
        (169, 254, 169, 254) | (169, 254, 170, 2) | (168, 63, 129, 16) | (100, 100, 100, 200) => Metadata,
        (0, ..) => Unspecified,
        (127, ..) => Loopback,
        (10, ..) | (192, 168, ..) => Private,
        (172, 16..=31, ..) => Private,
        (169, 254, ..) => LinkLocal,
        (100, 64..=127, ..) => Shared,
        (192, 0, 2, _) | (198, 51, 100, _) | (203, 0, 113, _) => Documentation,
        (198, 18..=19, ..) => Benchmarking,
        (255, 255, 255, 255) => Broadcast,
        (224..=239, ..) => Multicast,
        (240..=255, ..) | (192, 0, 0, _) | (192, 88, 99, _) => Reserved,
        _ => Public,
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    use AddressClass::*;
    let s = ip.segments();
    let v4_at = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    let embedded = |v4: Ipv4Addr| match classify_v4(v4) {
        Public => Public,
        _ => Embedded(v4),
    };
    if ip == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x254) {
        return Metadata;
    }
    if ip.is_unspecified() {
        return Unspecified;
    }
    if ip.is_loopback() {
        return Loopback;
    }
    // ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (translated), ::a.b.c.d (compatible).
    if s[..5] == [0; 5] && (s[5] == 0xffff || s[5] == 0) || s[..4] == [0; 4] && s[4] == 0xffff && s[5] == 0 {
        return embedded(v4_at(s[6], s[7]));
    }
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        return embedded(v4_at(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return embedded(v4_at(s[1], s[2]));
    }
    match s[0] {
        0xfc00..=0xfdff => UniqueLocal,
        0xfe80..=0xfebf => LinkLocal,
        0xff00..=0xffff => Multicast,
        0x2001 if s[1] == 0x0db8 => Documentation,
        0x3fff if s[1] < 0x1000 => Documentation,
        0x2001 if s[1] == 0x0002 && s[2] == 0 => Benchmarking,
        // IETF protocol assignments (Teredo, ORCHID, AMT, …).
        0x2001 if s[1] < 0x0200 => Reserved,
        0x2000..=0x3fff => Public,
        // Outside global unicast: NAT64 local use, discard-only, site-local, …
        _ => Reserved,
    }
}

#[cfg(test)]
#[path = "guard_tests.rs"]
mod tests;
