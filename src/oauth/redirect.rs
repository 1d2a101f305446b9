//! Redirect URIs: which ones a client may register, and the one type through
//! which `/oauth/authorize` may send a browser back to a client.
//!
//! Why a type: an open redirector (or a code delivered to an attacker's URI)
//! is the classic OAuth hole. [`ValidatedRedirect`] has a private field and a
//! single constructor, [`ValidatedRedirect::exact`], which checks the requested
//! URI against the client's registered list. Code that holds a
//! `ValidatedRedirect` therefore cannot be pointing anywhere unchecked, and
//! every authorization response ([`ValidatedRedirect::success`] /
//! [`ValidatedRedirect::error`]) carries `iss` (RFC 9207).
//!
//! Decisions:
//! - Registered URIs are `https://…`, or `http://` on a loopback host
//!   (`127.0.0.1`, `[::1]`, `localhost`; RFC 8252 §7.3/§8.3). Private-use
//!   schemes (`cursor://…`) are not accepted: the MCP hosts we target use
//!   https or loopback callbacks. No fragment, no userinfo, ASCII only, no
//!   whitespace or backslash, at most [`MAX_REDIRECT_URI_LEN`] bytes.
//! - Matching is exact string comparison, with no normalization: a trailing
//!   slash, a different query, different case or percent-encoding is a
//!   mismatch.
//! - The one exception (RFC 8252 §7.3): when the *registered* URI is `http`
//!   on a loopback host, the requested one may use any port, provided
//!   everything else (host spelling, path, query) is byte-identical. Native
//!   apps bind an ephemeral port at sign-in time. `localhost` and
//!   `127.0.0.1` are different hosts for this purpose.

use url::Url;

/// Longest redirect URI we accept, in bytes.
pub const MAX_REDIRECT_URI_LEN: usize = 2000;

const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "[::1]", "localhost"];

/// May a client register `uri` as a redirect URI? `Err` says why not.
pub fn validate_registered_redirect(uri: &str) -> Result<(), String> {
    parse_redirect(uri).map(|_| ())
}

fn parse_redirect(uri: &str) -> Result<Url, String> {
    if uri.len() > MAX_REDIRECT_URI_LEN {
        return Err(format!("redirect URI longer than {MAX_REDIRECT_URI_LEN} bytes"));
    }
    if uri.bytes().any(|b| !(0x21..0x7f).contains(&b) || b == b'\\') {
        return Err("redirect URI must be ASCII without whitespace, control characters or '\\'".into());
    }
    let authority = uri.strip_prefix("https://").or_else(|| uri.strip_prefix("http://"));
    if authority.is_none_or(|a| a.is_empty() || a.starts_with(['/', '?', '#'])) {
        return Err("redirect URI must be an absolute https URL (or http on a loopback host)".into());
    }
    let url = Url::parse(uri).map_err(|e| format!("redirect URI is not a valid URL ({e})"))?;
    if url.fragment().is_some() {
        return Err("redirect URI must not contain a fragment".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("redirect URI must not contain userinfo".into());
    }
    let host = url.host_str().unwrap_or("");
    match url.scheme() {
        "https" if !host.is_empty() => Ok(url),
        "http" if LOOPBACK_HOSTS.contains(&host) => Ok(url),
        "http" => Err("http redirect URIs are only allowed on loopback hosts (127.0.0.1, [::1], localhost)".into()),
        _ => Err("redirect URI must be an absolute https URL (or http on a loopback host)".into()),
    }
}

/// `http://<loopback host>[:port]<rest>` split into (host, rest); `None` for
/// anything else.
fn loopback_parts(uri: &str) -> Option<(&str, &str)> {
    let after = uri.strip_prefix("http://")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']')?;
        let (h, p) = authority.split_at(close + 1);
        (h, p)
    } else {
        match authority.rfind(':') {
            Some(i) => authority.split_at(i),
            None => (authority, ""),
        }
    };
    if !port.is_empty() {
        let digits = port.strip_prefix(':')?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    LOOPBACK_HOSTS.contains(&host).then_some((host, rest))
}

/// A redirect URI that was checked against the client's registration. The
/// only way to build one is [`ValidatedRedirect::exact`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedRedirect {
    raw: String,
    /// Boxed: keeps `Result<_, AuthorizeError>` small.
    url: Box<Url>,
}

impl ValidatedRedirect {
    /// `requested` if it is one of `registered`.
    ///
    /// MUST 1 (OAuth 2.1 §4.1.1, exact match): byte-for-byte string equality,
    /// no normalization.
    /// MUST 2 (RFC 8252 §7.3): a loopback `http` registration matches any port
    /// with the same host spelling, path and query.
    /// MUST 3: the requested URI itself must be a valid redirect URI (entries
    /// stored before a rule tightened are not trusted blindly).
    pub fn exact(requested: &str, registered: &[String]) -> Option<ValidatedRedirect> {
        // MUST 3: the requested URI must be valid on its own.
        let url = parse_redirect(requested).ok()?;
        // MUST 1: exact match.
        let exact = registered.iter().any(|r| r == requested);
        // MUST 2: loopback port freedom, everything else identical.
        let loopback = || {
            let (host, rest) = loopback_parts(requested)?;
            registered
                .iter()
                .find(|r| validate_registered_redirect(r).is_ok() && loopback_parts(r) == Some((host, rest)))
        };
        if exact || loopback().is_some() {
            Some(ValidatedRedirect { raw: requested.to_string(), url: Box::new(url) })
        } else {
            None
        }
    }

    /// The redirect URI as the client sent it (what the code is bound to).
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// `host[:port]`, to show on the consent page ("you will be sent to …").
    pub fn host(&self) -> String {
        let host = self.url.host_str().unwrap_or("");
        match self.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        }
    }

    /// The successful authorization response (RFC 6749 §4.1.2, RFC 9207):
    /// `code`, `state` (when the request had one) and `iss`, appended to any
    /// query the redirect URI already has.
    pub fn success(&self, code: &str, state: Option<&str>, iss: &str) -> String {
        self.with_params(&[("code", Some(code)), ("state", state), ("iss", Some(iss))])
    }

    /// An error authorization response (RFC 6749 §4.1.2.1, RFC 9207).
    pub fn error(&self, error: &str, description: Option<&str>, state: Option<&str>, iss: &str) -> String {
        let params = [("error", Some(error)), ("error_description", description), ("state", state), ("iss", Some(iss))];
        self.with_params(&params)
    }

    fn with_params(&self, params: &[(&str, Option<&str>)]) -> String {
        let mut url = (*self.url).clone();
        {
            let mut query = url.query_pairs_mut();
            for (name, value) in params {
                if let Some(value) = value {
                    query.append_pair(name, value);
                }
            }
        }
        url.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn registrable_redirect_uris() {
        for ok in [
            "https://claude.ai/api/mcp/auth_callback",
            "https://app.example.com/cb?tenant=1",
            "https://example.com",
            "http://127.0.0.1/callback",
            "http://127.0.0.1:33418/",
            "http://[::1]:8080/cb",
            "http://localhost:6274/oauth/callback",
            "https://localhost/cb",
        ] {
            assert_eq!(validate_registered_redirect(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "/callback",
            "example.com/cb",
            "http://example.com/cb",
            "http://127.0.0.2/cb",
            "http://localhost.evil.com/cb",
            "https://example.com/cb#frag",
            "https://example.com/cb#",
            "https://user:pw@example.com/cb",
            "https://user@example.com/cb",
            "javascript:alert(1)",
            "cursor://anysphere/cb",
            "data:text/html,hi",
            "HTTPS://example.com/cb",
            "https:example.com/cb",
            "https://example.com/c b",
            "https://example.com/cb\n",
            " https://example.com/cb",
            "https://example.com\\@evil.com/",
            "https://exämple.com/cb",
            "https:///cb",
        ] {
            assert!(validate_registered_redirect(bad).is_err(), "{bad:?}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_REDIRECT_URI_LEN));
        assert!(validate_registered_redirect(&long).is_err());
    }

    #[test]
    fn exact_match_only() {
        let registered = reg(&["https://app.example.com/cb", "https://app.example.com/q?x=1"]);
        assert!(ValidatedRedirect::exact("https://app.example.com/cb", &registered).is_some());
        assert!(ValidatedRedirect::exact("https://app.example.com/q?x=1", &registered).is_some());
        for mismatch in [
            "https://app.example.com/cb/",
            "https://app.example.com/cb?",
            "https://app.example.com/cb?x=1",
            "https://app.example.com/q?x=2",
            "https://app.example.com/q?x=1&y=2",
            "https://app.example.com/q",
            "https://APP.example.com/cb",
            "https://app.example.com/CB",
            "https://app.example.com/c%62",
            "https://app.example.com:443/cb",
            "https://app.example.com/cb#x",
            "https://evil.example.com/cb",
            "http://app.example.com/cb",
            "",
        ] {
            assert_eq!(ValidatedRedirect::exact(mismatch, &registered), None, "{mismatch}");
        }
        assert_eq!(ValidatedRedirect::exact("https://app.example.com/cb", &[]), None);
    }

    #[test]
    fn loopback_registrations_allow_any_port_only() {
        let registered = reg(&["http://127.0.0.1/callback", "http://localhost:6274/cb?x=1", "http://[::1]/v6"]);
        for ok in [
            "http://127.0.0.1/callback",
            "http://127.0.0.1:49152/callback",
            "http://localhost:1/cb?x=1",
            "http://localhost/cb?x=1",
            "http://[::1]:9000/v6",
        ] {
            let v = ValidatedRedirect::exact(ok, &registered);
            assert_eq!(v.as_ref().map(|v| v.as_str()), Some(ok), "{ok}");
        }
        for bad in [
            "http://127.0.0.1:49152/callback/",
            "http://127.0.0.1:49152/other",
            "http://127.0.0.1:49152/callback?x=1",
            "http://localhost:49152/callback",
            "http://127.0.0.1:49152/cb?x=1",
            "http://localhost:6274/cb?x=2",
            "http://localhost:6274/cb",
            "https://127.0.0.1:49152/callback",
            "http://127.0.0.1:/callback",
            "http://[::1]:9000/v6/",
        ] {
            assert_eq!(ValidatedRedirect::exact(bad, &registered), None, "{bad}");
        }
        // An https loopback registration gets no port freedom.
        let https = reg(&["https://localhost:8443/cb"]);
        assert!(ValidatedRedirect::exact("https://localhost:9443/cb", &https).is_none());
        // A non-loopback http entry smuggled into storage is never honoured.
        let bogus = reg(&["http://evil.com/cb"]);
        assert!(ValidatedRedirect::exact("http://evil.com/cb", &bogus).is_none());
    }

    #[test]
    fn responses_carry_code_state_and_iss_with_encoding() {
        let registered = reg(&["https://app.example.com/cb?tenant=a%20b"]);
        let r = ValidatedRedirect::exact("https://app.example.com/cb?tenant=a%20b", &registered).unwrap();
        let ok = r.success("dyc_abc", Some("s t&u=v"), "https://mcp.example.com");
        assert_eq!(
            ok,
            "https://app.example.com/cb?tenant=a%20b&code=dyc_abc&state=s+t%26u%3Dv&iss=https%3A%2F%2Fmcp.example.com"
        );
        let parsed = Url::parse(&ok).unwrap();
        let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        assert_eq!(pairs[2], ("state".to_string(), "s t&u=v".to_string()));
        assert_eq!(pairs[3], ("iss".to_string(), "https://mcp.example.com".to_string()));

        let no_state = r.success("c", None, "https://i");
        assert!(!no_state.contains("state="), "{no_state}");

        let err = r.error("access_denied", Some("the user said no"), Some("xyz"), "https://mcp.example.com");
        let parsed = Url::parse(&err).unwrap();
        let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["tenant", "error", "error_description", "state", "iss"]);
        assert_eq!(pairs[2].1, "the user said no");
        assert!(!r.error("e", None, None, "i").contains("error_description"));
    }

    #[test]
    fn host_for_consent() {
        let r = ValidatedRedirect::exact("https://claude.ai/api/cb", &reg(&["https://claude.ai/api/cb"])).unwrap();
        assert_eq!(r.host(), "claude.ai");
        let l = ValidatedRedirect::exact("http://127.0.0.1:5000/cb", &reg(&["http://127.0.0.1/cb"])).unwrap();
        assert_eq!(l.host(), "127.0.0.1:5000");
    }
}
