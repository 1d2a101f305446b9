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
//! - Three kinds of registrable URI ([`RedirectKind`]):
//!   - `https://…` with a host;
//!   - `http://` on a loopback host (`127.0.0.1`, `[::1]`, `localhost`;
//!     RFC 8252 §7.3/§8.3);
//!   - a private-use scheme (RFC 8252 §7.1): any syntactically valid RFC 3986
//!     scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`) other than
//!     [`FORBIDDEN_SCHEMES`] (compared ignoring case), followed by a
//!     non-empty remainder: `cursor://anysphere.cursor-mcp/oauth/callback`,
//!     `com.example.app:/cb`. No reverse-DNS rule: `cursor` has no dot, and
//!     it is the host this exists for.
//!
//!   For all three: no fragment, no userinfo, ASCII only, no whitespace or
//!   backslash, at most [`MAX_REDIRECT_URI_LEN`] bytes.
//! - Who may register what ([`check_registrable`]): public clients
//!   (`token_endpoint_auth_method: none`) all three kinds; confidential
//!   clients (they hold a secret, so they are servers) https and loopback
//!   only. A private-use scheme names "whichever app on this device claims
//!   the scheme", which is a native-app (public client) idea; a server with
//!   a secret has an https callback, and refusing the scheme there keeps a
//!   leaked secret from pairing with a callback any local app can claim.
//! - Matching is exact string comparison, with no normalization: a trailing
//!   slash, a different query, different case or percent-encoding is a
//!   mismatch. This holds for https and private-use URIs alike.
//! - The one exception (RFC 8252 §7.3): when the *registered* URI is `http`
//!   on a loopback host, the requested one may use any port, provided
//!   everything else (host spelling, path, query) is byte-identical. Native
//!   apps bind an ephemeral port at sign-in time. A registered loopback URI
//!   without a port (Claude Code, VS Code) matches every port, and the
//!   requested one may also omit it. `localhost` and `127.0.0.1` are
//!   different hosts for this purpose.

use url::Url;

/// Longest redirect URI we accept, in bytes.
pub const MAX_REDIRECT_URI_LEN: usize = 2000;

const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "[::1]", "localhost"];

/// Schemes never accepted as private-use redirect schemes: the web's own
/// (they have their own rules), and those that run code or read local data
/// in a browser.
pub const FORBIDDEN_SCHEMES: [&str; 8] = ["http", "https", "javascript", "data", "file", "vbscript", "blob", "about"];

/// What kind of redirect URI a registrable URI is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectKind {
    Https,
    /// `http` on a loopback host: any port matches.
    Loopback,
    /// A private-use scheme such as `cursor:` (public clients only).
    PrivateUse,
}

/// May some client register `uri` as a redirect URI? `Err` says why not.
/// (Whether *this* client may: [`check_registrable`].)
pub fn validate_registered_redirect(uri: &str) -> Result<(), String> {
    parse_redirect(uri).map(|_| ())
}

/// The kind of a registrable redirect URI, or why it is not one.
pub fn redirect_kind(uri: &str) -> Result<RedirectKind, String> {
    parse_redirect(uri).map(|(_, kind)| kind)
}

/// May a client register `uri`? `public`: its `token_endpoint_auth_method`
/// is `none`. Confidential clients may not use private-use schemes (see the
/// module docs).
pub fn check_registrable(uri: &str, public: bool) -> Result<RedirectKind, String> {
    let kind = redirect_kind(uri)?;
    if kind == RedirectKind::PrivateUse && !public {
        return Err("private-use scheme redirect URIs (such as cursor://) are only for public clients \
                    (token_endpoint_auth_method none); a confidential client needs an https redirect URI"
            .into());
    }
    Ok(kind)
}

/// The scheme of `uri` when it is syntactically an RFC 3986 scheme
/// followed by `:`.
fn scheme_of(uri: &str) -> Option<&str> {
    let (scheme, _) = uri.split_once(':')?;
    is_scheme(scheme).then_some(scheme)
}

/// RFC 3986 §3.1: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
fn is_scheme(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// May `scheme` (without the `:`) be a private-use redirect scheme?
pub fn is_private_use_scheme(scheme: &str) -> bool {
    is_scheme(scheme) && !FORBIDDEN_SCHEMES.iter().any(|f| f.eq_ignore_ascii_case(scheme))
}

fn parse_redirect(uri: &str) -> Result<(Url, RedirectKind), String> {
    const WEB: &str = "redirect URI must be an absolute https URL, http on a loopback host, or a private-use scheme";
    if uri.len() > MAX_REDIRECT_URI_LEN {
        return Err(format!("redirect URI longer than {MAX_REDIRECT_URI_LEN} bytes"));
    }
    if uri.bytes().any(|b| !(0x21..0x7f).contains(&b) || b == b'\\') {
        return Err("redirect URI must be ASCII without whitespace, control characters or '\\'".into());
    }
    let Some(scheme) = scheme_of(uri) else {
        return Err(format!("{WEB} (it has no valid scheme)"));
    };
    let web = matches!(scheme, "http" | "https");
    if !web && FORBIDDEN_SCHEMES.iter().any(|f| f.eq_ignore_ascii_case(scheme)) {
        return Err(format!("redirect URI scheme '{scheme}' is not allowed"));
    }
    let rest = &uri[scheme.len() + 1..];
    if web {
        let authority = rest.strip_prefix("//");
        if authority.is_none_or(|a| a.is_empty() || a.starts_with(['/', '?', '#'])) {
            return Err(WEB.into());
        }
    } else if rest.trim_start_matches('/').is_empty() || rest.starts_with(['?', '#']) {
        return Err(format!("redirect URI '{scheme}:' needs a path after the scheme"));
    }
    let url = Url::parse(uri).map_err(|e| format!("redirect URI is not a valid URL ({e})"))?;
    if url.fragment().is_some() {
        return Err("redirect URI must not contain a fragment".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("redirect URI must not contain userinfo".into());
    }
    let host = url.host_str().unwrap_or("");
    match scheme {
        "https" if !host.is_empty() => Ok((url, RedirectKind::Https)),
        "http" if LOOPBACK_HOSTS.contains(&host) => Ok((url, RedirectKind::Loopback)),
        "http" => Err("http redirect URIs are only allowed on loopback hosts (127.0.0.1, [::1], localhost)".into()),
        "https" => Err(WEB.into()),
        _ => Ok((url, RedirectKind::PrivateUse)),
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
    kind: RedirectKind,
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
        let (url, kind) = parse_redirect(requested).ok()?;
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
            Some(ValidatedRedirect { raw: requested.to_string(), url: Box::new(url), kind })
        } else {
            None
        }
    }

    /// The redirect URI as the client sent it (what the code is bound to).
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The kind of URI this is.
    pub fn kind(&self) -> RedirectKind {
        self.kind
    }

    /// Where the browser goes after consent, in words for the consent page
    /// (unescaped: the renderer escapes): `host[:port]` for https and
    /// loopback, "the app that handles cursor:// links" for a private-use
    /// scheme (its "host" is whatever the app chose, not a site).
    pub fn destination(&self) -> String {
        match self.kind {
            RedirectKind::PrivateUse => {
                let scheme = self.scheme();
                let slashes = if self.raw[scheme.len() + 1..].starts_with("//") { "//" } else { "" };
                format!("the app that handles {scheme}:{slashes} links")
            }
            _ => self.host(),
        }
    }

    /// The CSP source that lets the consent form's post-submit redirect
    /// through `form-action`: the origin for https and loopback, `scheme:`
    /// for a private-use scheme (an opaque origin cannot be named).
    pub fn form_action_source(&self) -> String {
        match self.kind {
            RedirectKind::PrivateUse => format!("{}:", self.scheme()),
            _ => self.url.origin().ascii_serialization(),
        }
    }

    /// The scheme as the client spelled it.
    fn scheme(&self) -> &str {
        self.raw.split_once(':').map_or("", |(s, _)| s)
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
    fn private_use_schemes_are_registrable_except_the_dangerous_ones() {
        for ok in [
            "cursor://anysphere.cursor-mcp/oauth/callback",
            "com.example.app:/oauth2redirect/example-provider",
            "vscode://vscode.github-authentication/did-authenticate",
            "x:/cb",
            "a+b-c.d://host/p?q=1",
            "Cursor://anysphere.cursor-mcp/cb",
        ] {
            assert_eq!(redirect_kind(ok), Ok(RedirectKind::PrivateUse), "{ok}");
        }
        for scheme in FORBIDDEN_SCHEMES.iter().filter(|s| !s.starts_with("http")) {
            for spelling in [scheme.to_string(), scheme.to_uppercase()] {
                let uri = format!("{spelling}://x/cb");
                assert!(redirect_kind(&uri).is_err(), "{uri}");
                let uri = format!("{spelling}:alert(1)");
                assert!(redirect_kind(&uri).is_err(), "{uri}");
            }
        }
        for bad in [
            "1cursor://x/cb",
            "-x://x/cb",
            "cur_sor://x/cb",
            "cur sor://x/cb",
            ":/cb",
            "cursor:",
            "cursor://",
            "cursor:?x=1",
            "cursor:#x",
            "cursor://x/cb#frag",
            "cursor://user@x/cb",
            "cursor://u:p@x/cb",
            "cursör://x/cb",
            "cursor://x/c b",
            "cursor://x\\y",
            "HTTP://127.0.0.1/cb",
            "Https://example.com/cb",
        ] {
            assert!(redirect_kind(bad).is_err(), "{bad:?}");
        }
        assert_eq!(redirect_kind("https://example.com/cb"), Ok(RedirectKind::Https));
        assert_eq!(redirect_kind("http://localhost/cb"), Ok(RedirectKind::Loopback));
    }

    #[test]
    fn confidential_clients_get_https_and_loopback_only() {
        let cursor = "cursor://anysphere.cursor-mcp/oauth/callback";
        assert_eq!(check_registrable(cursor, true), Ok(RedirectKind::PrivateUse));
        let err = check_registrable(cursor, false).unwrap_err();
        assert!(err.contains("only for public clients"), "{err}");
        for uri in ["https://claude.ai/api/mcp/auth_callback", "http://127.0.0.1/cb"] {
            assert!(check_registrable(uri, false).is_ok(), "{uri}");
            assert!(check_registrable(uri, true).is_ok(), "{uri}");
        }
        assert!(check_registrable("javascript:alert(1)", true).is_err());
    }

    #[test]
    fn private_use_redirects_match_exactly() {
        let registered = reg(&[
            "cursor://anysphere.cursor-mcp/oauth/callback",
            "https://www.cursor.com/agents/mcp/oauth/callback",
            "http://localhost:8787/callback",
        ]);
        let ok = ValidatedRedirect::exact("cursor://anysphere.cursor-mcp/oauth/callback", &registered).unwrap();
        assert_eq!(ok.kind(), RedirectKind::PrivateUse);
        for mismatch in [
            "cursor://anysphere.cursor-mcp/oauth/callback/",
            "cursor://anysphere.cursor-mcp/oauth/callback?x=1",
            "cursor://ANYSPHERE.cursor-mcp/oauth/callback",
            "Cursor://anysphere.cursor-mcp/oauth/callback",
            "cursor://anysphere.cursor-mcp:1/oauth/callback",
            "cursor://anysphere.cursor-mcp/oauth/%63allback",
            "cursor:anysphere.cursor-mcp/oauth/callback",
            "cursorx://anysphere.cursor-mcp/oauth/callback",
            "evil://anysphere.cursor-mcp/oauth/callback",
        ] {
            assert_eq!(ValidatedRedirect::exact(mismatch, &registered), None, "{mismatch}");
        }
        // Cursor's loopback entry has a port: any port still matches.
        assert!(ValidatedRedirect::exact("http://localhost:51234/callback", &registered).is_some());
        assert!(ValidatedRedirect::exact("http://localhost/callback", &registered).is_some());
        assert!(ValidatedRedirect::exact("http://127.0.0.1:8787/callback", &registered).is_none());
        // A stored forbidden scheme (never registrable) is never honoured.
        let bogus = reg(&["javascript://x/%0aalert(1)"]);
        assert!(ValidatedRedirect::exact("javascript://x/%0aalert(1)", &bogus).is_none());
    }

    #[test]
    fn private_use_responses_keep_the_uri_and_add_the_parameters() {
        let uri = "cursor://anysphere.cursor-mcp/oauth/callback";
        let r = ValidatedRedirect::exact(uri, &reg(&[uri])).unwrap();
        assert_eq!(
            r.success("dyc_1", Some("st"), "https://mcp.example.com"),
            "cursor://anysphere.cursor-mcp/oauth/callback?code=dyc_1&state=st&iss=https%3A%2F%2Fmcp.example.com"
        );
        let native = "com.example.app:/cb";
        let n = ValidatedRedirect::exact(native, &reg(&[native])).unwrap();
        assert_eq!(n.success("c", None, "https://i"), "com.example.app:/cb?code=c&iss=https%3A%2F%2Fi");
    }

    #[test]
    fn consent_destination_and_form_action_source() {
        let uri = "cursor://anysphere.cursor-mcp/oauth/callback";
        let r = ValidatedRedirect::exact(uri, &reg(&[uri])).unwrap();
        assert_eq!(r.destination(), "the app that handles cursor:// links");
        assert_eq!(r.form_action_source(), "cursor:");
        let n = ValidatedRedirect::exact("com.example.app:/cb", &reg(&["com.example.app:/cb"])).unwrap();
        assert_eq!(n.destination(), "the app that handles com.example.app: links");
        assert_eq!(n.form_action_source(), "com.example.app:");
        let h = ValidatedRedirect::exact("https://claude.ai/cb", &reg(&["https://claude.ai/cb"])).unwrap();
        assert_eq!(h.destination(), "claude.ai");
        assert_eq!(h.form_action_source(), "https://claude.ai");
        let l = ValidatedRedirect::exact("http://127.0.0.1:5000/cb", &reg(&["http://127.0.0.1/cb"])).unwrap();
        assert_eq!(l.destination(), "127.0.0.1:5000");
        assert_eq!(l.form_action_source(), "http://127.0.0.1:5000");
    }

    #[test]
    fn portless_loopback_registrations_match_every_port() {
        // Claude Code and VS Code register loopback URIs without a port.
        let registered = reg(&["http://localhost/callback", "http://127.0.0.1/callback"]);
        for ok in ["http://localhost:33418/callback", "http://localhost/callback", "http://127.0.0.1:1/callback"] {
            assert!(ValidatedRedirect::exact(ok, &registered).is_some(), "{ok}");
        }
        for bad in [
            "http://localhost:33418/callback/",
            "http://localhost:33418/Callback",
            "http://[::1]:33418/callback",
            "http://localhost:99999x/callback",
            "http://localhost:/callback",
        ] {
            assert!(ValidatedRedirect::exact(bad, &registered).is_none(), "{bad}");
        }
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
