//! Streamable HTTP rules that do not depend on the era: header lookup,
//! `Accept` negotiation, `Content-Type`, `Origin` and CORS.
//!
//! Decisions (spec text: 2025-11-25 and 2026-07-28 "Sending Messages"):
//! - **Accept.** Clients MUST list both `application/json` and
//!   `text/event-stream`. We enforce that a POST *accepts* both (406
//!   otherwise) but read `Accept` by RFC 9110 rules: wildcards count
//!   (`*/*`, `application/*`, `text/*`), `q=0` means "not acceptable", and
//!   a request without `Accept` accepts everything (RFC 9110 §12.5.1).
//!   `Accept: application/json` alone is refused, as the official SDKs do.
//! - **JSON or SSE.** A request is answered with one JSON object unless the
//!   client ranks `text/event-stream` strictly above `application/json`
//!   (for example `text/event-stream, application/json;q=0.5`); then it is
//!   one SSE event. Our answers are single messages, so JSON is never
//!   worse; SSE is there for clients that ask for it.
//! - **Origin.** Allowed when equal (ASCII case-insensitive, ignoring a
//!   trailing `/`) to the public origin or to one of `ALLOWED_ORIGINS`.
//!   `null` is an origin like any other: refused unless listed.
//! - **CORS.** Only allowed origins get `Access-Control-Allow-Origin`
//!   (echoed, never `*`) and the exposed headers; credentials are bearer
//!   tokens, never cookies, so `Allow-Credentials` is not sent.

/// Exposed to browser-based hosts: the 401 challenge, the legacy session
/// id, the protocol version and the request id (`Dockyard-Request-Id`, for
/// support: listed so it is readable wherever it is sent).
pub const EXPOSE_HEADERS: &str = "WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version, Dockyard-Request-Id";
/// Request headers a browser-based host may send.
pub const ALLOW_HEADERS: &str = "Authorization, Content-Type, Accept, Mcp-Session-Id, \
     MCP-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID";
pub const ALLOW_METHODS: &str = "GET, POST, DELETE, OPTIONS";
/// Preflight cache lifetime (seconds).
pub const PREFLIGHT_MAX_AGE: &str = "86400";

/// The first value of header `name`, with optional whitespace stripped
/// (RFC 9110 §5.5). Names compare case-insensitively.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim_matches(|c| c == ' ' || c == '\t'))
}

/// How much the client wants each of our two response media types.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AcceptPrefs {
    pub json_q: f32,
    pub sse_q: f32,
}

impl AcceptPrefs {
    /// MUST (POST): the client accepts both JSON and SSE.
    pub fn accepts_both(&self) -> bool {
        self.json_q > 0.0 && self.sse_q > 0.0
    }

    pub fn accepts_sse(&self) -> bool {
        self.sse_q > 0.0
    }

    /// Answer with SSE only when the client explicitly prefers it.
    pub fn prefers_sse(&self) -> bool {
        self.sse_q > self.json_q
    }
}

/// The q-value the most specific matching media range gives `ty/sub`.
fn q_for(accept: &str, ty: &str, sub: &str) -> f32 {
    let mut best: Option<(u8, f32)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim();
        let (rt, rs) = media.split_once('/').unwrap_or((media, ""));
        let specificity = if rt.eq_ignore_ascii_case(ty) && rs.eq_ignore_ascii_case(sub) {
            3
        } else if rt.eq_ignore_ascii_case(ty) && rs == "*" {
            2
        } else if rt == "*" && rs == "*" {
            1
        } else {
            continue;
        };
        let mut q = 1.0f32;
        for p in parts {
            if let Some((k, v)) = p.split_once('=') {
                if k.trim().eq_ignore_ascii_case("q") {
                    q = v.trim().parse::<f32>().unwrap_or(1.0).clamp(0.0, 1.0);
                }
            }
        }
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, q));
        }
    }
    best.map_or(0.0, |(_, q)| q)
}

/// Reads `Accept`; an absent or empty header accepts everything.
pub fn accept_prefs(accept: Option<&str>) -> AcceptPrefs {
    match accept {
        None => AcceptPrefs { json_q: 1.0, sse_q: 1.0 },
        Some(a) if a.trim().is_empty() => AcceptPrefs { json_q: 1.0, sse_q: 1.0 },
        Some(a) => AcceptPrefs { json_q: q_for(a, "application", "json"), sse_q: q_for(a, "text", "event-stream") },
    }
}

/// MUST: the body is JSON (`application/json`, parameters allowed).
pub fn is_json_content_type(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"))
}

fn same_origin(a: &str, b: &str) -> bool {
    a.trim().trim_end_matches('/').eq_ignore_ascii_case(b.trim().trim_end_matches('/'))
}

/// MUST (DNS rebinding): whether a present `Origin` may talk to us.
pub fn origin_allowed(origin: &str, public_origin: &str, allowed: &[String]) -> bool {
    same_origin(origin, public_origin) || allowed.iter().any(|a| same_origin(origin, a))
}

fn h(name: &str, value: &str) -> (String, String) {
    (name.to_string(), value.to_string())
}

/// CORS headers for an actual (non-preflight) response. `Vary: Origin` is
/// always present so shared caches never mix answers across origins.
pub fn cors_headers(origin: Option<&str>, allowed: bool) -> Vec<(String, String)> {
    let mut out = vec![h("vary", "Origin")];
    if let (Some(o), true) = (origin, allowed) {
        out.push(h("access-control-allow-origin", o));
        out.push(h("access-control-expose-headers", EXPOSE_HEADERS));
    }
    out
}

/// Headers of a 204 preflight answer for an allowed origin. Requested
/// header names (for example `Mcp-Param-Region`, which no fixed list can
/// name) are echoed when they are valid tokens.
pub fn preflight_headers(origin: Option<&str>, requested: Option<&str>) -> Vec<(String, String)> {
    let mut out = cors_headers(origin, true);
    let mut allow = ALLOW_HEADERS.to_string();
    if let Some(req) = requested {
        for name in req.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let token = name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            let known = ALLOW_HEADERS.split(',').any(|k| k.trim().eq_ignore_ascii_case(name));
            if token && !known {
                allow.push_str(", ");
                allow.push_str(name);
            }
        }
    }
    out.push(h("access-control-allow-methods", ALLOW_METHODS));
    out.push(h("access-control-allow-headers", &allow));
    out.push(h("access-control-max-age", PREFLIGHT_MAX_AGE));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lookup_is_case_insensitive_and_trims_ows() {
        let hs = vec![("mcp-name".to_string(), " \tget \t".to_string())];
        assert_eq!(header(&hs, "Mcp-Name"), Some("get"));
        assert_eq!(header(&hs, "mcp-method"), None);
    }

    #[test]
    fn accept_negotiation() {
        let both = accept_prefs(Some("application/json, text/event-stream"));
        assert!(both.accepts_both() && !both.prefers_sse());
        assert!(!accept_prefs(Some("application/json")).accepts_both());
        assert!(!accept_prefs(Some("text/event-stream")).accepts_both());
        assert!(accept_prefs(Some("*/*")).accepts_both());
        assert!(accept_prefs(None).accepts_both());
        assert!(accept_prefs(Some("application/*, text/*")).accepts_both());
        let sse = accept_prefs(Some("text/event-stream, application/json;q=0.5"));
        assert!(sse.accepts_both() && sse.prefers_sse());
        let zero = accept_prefs(Some("*/*, text/event-stream;q=0"));
        assert!(!zero.accepts_both(), "the specific q=0 wins over */*");
        assert!(!accept_prefs(Some("text/html")).accepts_both());
    }

    #[test]
    fn content_type_rules() {
        assert!(is_json_content_type(Some("application/json")));
        assert!(is_json_content_type(Some("Application/JSON; charset=utf-8")));
        assert!(!is_json_content_type(Some("text/plain")));
        assert!(!is_json_content_type(Some("application/jsonx")));
        assert!(!is_json_content_type(None));
    }

    #[test]
    fn origin_rules() {
        let extra = vec!["https://app.example".to_string()];
        assert!(origin_allowed("https://mcp.example.com", "https://mcp.example.com/", &extra));
        assert!(origin_allowed("HTTPS://APP.EXAMPLE", "https://mcp.example.com", &extra));
        assert!(!origin_allowed("https://evil.example", "https://mcp.example.com", &extra));
        assert!(!origin_allowed("null", "https://mcp.example.com", &extra));
    }

    #[test]
    fn cors_only_for_allowed_origins() {
        let ok = cors_headers(Some("https://a.example"), true);
        assert!(ok.contains(&h("access-control-allow-origin", "https://a.example")));
        assert!(ok.iter().any(|(k, v)| k == "access-control-expose-headers"
            && v.contains("WWW-Authenticate")
            && v.contains("Mcp-Session-Id")
            && v.contains("Dockyard-Request-Id")));
        let no = cors_headers(Some("https://a.example"), false);
        assert_eq!(no, vec![h("vary", "Origin")]);
        let pre = preflight_headers(Some("https://a.example"), Some("mcp-param-region, x y"));
        let allow = &pre.iter().find(|(k, _)| k == "access-control-allow-headers").unwrap().1;
        assert!(allow.contains("mcp-param-region") && !allow.contains("x y"));
        assert!(allow.contains("Mcp-Method") && allow.contains("Authorization"));
    }
}
