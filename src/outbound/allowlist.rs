//! Host allowlists (pure): the org's `upstream_hosts` and a code Type's
//! `allowed_hosts`, which combine by intersection.
//!
//! An entry is a hostname, optionally with `:port` (`api.example.com`,
//! `api.example.com:8443`). Why this shape: it is what people write, it
//! cannot be misread as a pattern, and it is compared exactly, after the
//! same normalization the URL parser applies (lower case, punycode, no
//! trailing dot). No wildcards: `example.com` does not allow
//! `api.example.com`; list each host.
//! - Without a port an entry allows every port of that host (the scheme is
//!   already fixed to https by the SSRF guard); with one, only that port
//!   (the URL's explicit or default port).
//! - IP literals are refused, except loopback (`127.0.0.1:8787`, `[::1]:8787`,
//!   `localhost:8787`) under `ALLOW_LOOPBACK_UPSTREAMS` (dev and tests). A
//!   public IP has no name a certificate can vouch for and is one typo from a
//!   private one; names the guard refuses (single labels, `.internal`, …)
//!   are refused here too.
//! - The org list: absent (`null`) = no org restriction; `[]` = no upstream
//!   at all (data tools that reach out are all refused).
//!
//! The SSRF guard (`guard`) always runs as well: an allowlist narrows what
//! the guard lets through, it never widens it.

use url::{Host, Url};

use super::guard::{self, Policy, Refusal};

/// At most this many entries in one list.
pub const MAX_ENTRIES: usize = 100;

/// One parsed entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// As the URL parser prints it: lower case, punycode, IPv6 in brackets.
    pub host: String,
    pub port: Option<u16>,
}

impl std::fmt::Display for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            Some(p) => write!(f, "{}:{p}", self.host),
            None => f.write_str(&self.host),
        }
    }
}

/// Parses one entry; the error says what is wrong in words for a 422.
pub fn parse_entry(raw: &str, policy: Policy) -> Result<Entry, String> {
    let bad = |why: &str| Err(format!("{raw:?} {why}"));
    if raw.is_empty() || raw.len() > 260 {
        return bad("is not a hostname (1-260 characters)");
    }
    if raw.contains("://") {
        return bad("must be a hostname, optionally with :port, not a URL");
    }
    if raw.chars().any(|c| matches!(c, '/' | '?' | '#' | '@' | '*' | '\\') || c.is_whitespace() || c.is_control()) {
        return bad("must be a hostname, optionally with :port (no path, wildcard or credentials)");
    }
    if !raw.is_ascii() {
        return bad("must be ASCII (write an international name in punycode, xn--...)");
    }
    let (host_part, port) = split_port(raw).map_err(|why| format!("{raw:?} {why}"))?;
    let Ok(url) = Url::parse(&format!("https://{host_part}/")) else {
        return bad("is not a valid hostname or host:port");
    };
    match url.host() {
        Some(Host::Domain(_)) => {}
        Some(Host::Ipv4(_) | Host::Ipv6(_)) => {
            let loopback = guard::check_url(&url, Policy { allow_loopback: true }).is_ok()
                && guard::check_url(&url, Policy { allow_loopback: false }) == Err(Refusal::Loopback);
            if !(loopback && policy.allow_loopback) {
                return bad(if loopback {
                    "is a loopback address, allowed only with ALLOW_LOOPBACK_UPSTREAMS (local development)"
                } else {
                    "is an IP address; list hostnames (IP literals only for loopback in local development)"
                });
            }
        }
        None => return bad("has no host"),
    }
    match guard::check_url(&url, policy) {
        Ok(()) => {}
        Err(Refusal::Loopback) => {
            return bad("is a loopback host, allowed only with ALLOW_LOOPBACK_UPSTREAMS (local development)")
        }
        Err(why) => return Err(format!("{raw:?}: a URL to this host {why}")),
    }
    let host = url.host_str().unwrap_or_default().trim_end_matches('.').to_string();
    Ok(Entry { host, port })
}

/// `host[:port]` or `[v6][:port]` -> (host, port). Port 1-65535, digits only.
fn split_port(raw: &str) -> Result<(&str, Option<u16>), &'static str> {
    let (host, port) = if raw.starts_with('[') {
        match raw.find(']') {
            Some(end) if end + 1 == raw.len() => (raw, None),
            Some(end) => match raw[end + 1..].strip_prefix(':') {
                Some(p) => (&raw[..=end], Some(p)),
                None => return Err("is not a valid hostname or host:port"),
            },
            None => return Err("is not a valid hostname or host:port"),
        }
    } else {
        match raw.split_once(':') {
            Some((_, rest)) if rest.contains(':') => return Err("is an IPv6 address without [brackets]"),
            Some((h, p)) => (h, Some(p)),
            None => (raw, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err("has a port outside 1-65535"),
        },
        Some(_) => return Err("has a port outside 1-65535"),
    };
    if host.is_empty() {
        return Err("has no host");
    }
    Ok((host, port))
}

/// Parses a whole list: every problem as (index, message), or the entries.
pub fn parse_list(raw: &[String], policy: Policy) -> Result<Vec<Entry>, Vec<(usize, String)>> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    if raw.len() > MAX_ENTRIES {
        problems.push((MAX_ENTRIES, format!("at most {MAX_ENTRIES} entries")));
    }
    for (i, r) in raw.iter().enumerate() {
        match parse_entry(r, policy) {
            Ok(e) => out.push(e),
            Err(m) => problems.push((i, m)),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Does `entry` cover the URL's host and port?
fn covers(entry: &Entry, url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default().trim_end_matches('.').to_ascii_lowercase();
    host == entry.host && entry.port.is_none_or(|p| Some(p) == url.port_or_known_default())
}

/// Whether `list` allows `url` (`None`: no list, everything the guard
/// allows). Entries that do not parse (stored before a rule changed)
/// allow nothing. The loopback policy matters only for parsing loopback
/// entries; pass the one the deployment runs with.
pub fn allows(list: Option<&[String]>, url: &Url) -> bool {
    allows_with(list, url, Policy { allow_loopback: true })
}

/// [`allows`] with an explicit parsing policy.
pub fn allows_with(list: Option<&[String]>, url: &Url, policy: Policy) -> bool {
    let Some(list) = list else { return true };
    list.iter().filter_map(|raw| parse_entry(raw, policy).ok()).any(|e| covers(&e, url))
}

/// The hosts a code Type may reach: its own `allowed_hosts`, narrowed by the
/// org list (`None`: no org list, the Type's own entries as they are). An
/// entry without a port against an org entry with one becomes `host:port`.
/// Unparseable entries on either side are dropped. Sorted, unique.
pub fn intersect(org: Option<&[String]>, type_hosts: &[String]) -> Vec<String> {
    let policy = Policy { allow_loopback: true };
    let own = type_hosts.iter().filter_map(|h| parse_entry(h, policy).ok());
    let mut out: Vec<String> = match org {
        None => own.map(|e| e.to_string()).collect(),
        Some(org) => {
            let org: Vec<Entry> = org.iter().filter_map(|h| parse_entry(h, policy).ok()).collect();
            own.flat_map(|t| {
                org.iter()
                    .filter(|o| o.host == t.host)
                    .filter_map(|o| match (t.port, o.port) {
                        (None, p) | (p, None) => Some(Entry { host: t.host.clone(), port: p }),
                        (Some(a), Some(b)) if a == b => Some(Entry { host: t.host.clone(), port: Some(a) }),
                        _ => None,
                    })
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
        }
    };
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
#[path = "allowlist_tests.rs"]
mod tests;
