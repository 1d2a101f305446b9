//! The SSRF guard: addresses and URLs.
//!
//! The oracle below is written independently of `outbound::guard` (from the
//! standard library's predicates and the IANA ranges), so a hole in the
//! guard's table is not hidden by the same hole in the check.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::outbound::guard::{check, classify, AddressClass, Policy};

/// Must never be fetched (whatever the policy, but loopback under dev).
fn v4_refused(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || ip.is_unspecified()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || a >= 240
}

fn v6_refused(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    // Forms that embed an IPv4 address are judged by that address alone:
    // mapped / compatible / translated, NAT64 (64:ff9b::/96) and 6to4. (The
    // fuzzer's first find: NAT64 of a public address, 64:ff9b::2e00:0, is
    // public; this oracle had refused everything outside 2000::/3.)
    if s[..5] == [0; 5] && (s[5] == 0xffff || s[5] == 0) || s[..4] == [0; 4] && s[4] == 0xffff && s[5] == 0 {
        return v4_refused(v4(s[6], s[7]));
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        return v4_refused(v4(s[6], s[7]));
    }
    if s[0] == 0x2002 && v4_refused(v4(s[1], s[2])) {
        return true;
    }
    ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] & 0xffc0) == 0xfec0
        || !(0x2000..=0x3fff).contains(&s[0])
}

fn refused(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_refused(v4),
        IpAddr::V6(v6) => v6_refused(v6),
    }
}

/// Input: raw bytes as addresses (4 and 16 at a time), and as a URL.
pub fn ssrf(data: &[u8]) {
    for chunk in data.chunks_exact(4).take(4) {
        let ip = IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(chunk).expect("4 bytes")));
        if refused(ip) {
            assert_ne!(classify(ip), AddressClass::Public, "{ip} is classified public");
        }
    }
    if let Some(chunk) = data.get(..16) {
        let ip = IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(chunk).expect("16 bytes")));
        if refused(ip) {
            assert_ne!(classify(ip), AddressClass::Public, "{ip} is classified public");
        }
    }
    let raw = super::text(data);
    for policy in [Policy { allow_loopback: false }, Policy { allow_loopback: true }] {
        let Ok(url) = check(&raw, policy) else { continue };
        let ip = match url.host() {
            Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        let loopback = ip.is_some_and(|ip| ip.is_loopback())
            || url.host_str().is_some_and(|h| h.trim_end_matches('.').eq_ignore_ascii_case("localhost"))
            || url.host_str().is_some_and(|h| h.trim_end_matches('.').to_ascii_lowercase().ends_with(".localhost"));
        if let Some(ip) = ip {
            assert!(!refused(ip) || (policy.allow_loopback && ip.is_loopback()), "{raw:?} fetches {ip}");
        }
        assert!(!loopback || policy.allow_loopback, "{raw:?} reaches loopback without the dev policy");
        assert!(url.scheme() == "https" || (url.scheme() == "http" && loopback), "{raw:?}: scheme {}", url.scheme());
        assert!(url.username().is_empty() && url.password().is_none(), "{raw:?} carries credentials");
        // What the caller fetches (the parsed URL) is judged the same.
        let again: Result<Url, _> = check(url.as_str(), policy);
        assert_eq!(again.as_ref().map(Url::as_str), Ok(url.as_str()), "{raw:?} re-checks differently");
    }
}
