//! Where an authorization error goes once the client and its redirect URI
//! checked out: straight back to the client, or first to a page that says
//! so (RFC 6749 §4.1.2.1, RFC 9700 §4.11.2).
//!
//! Why a page: RFC 9700 §4.11.2 ("Authorization Server as Open
//! Redirector") — an attacker registers a client with their own redirect
//! URI, then sends a victim a link to Dockyard's `/oauth/authorize` that is
//! bound to fail (plain PKCE, an unknown resource, a bad scope) or that the
//! victim will deny. The error response is a redirect to the attacker's
//! site *from a URL on Dockyard*, which lends the phishing page Dockyard's
//! credibility. The BCP: the server "SHOULD only automatically redirect the
//! user agent if it trusts the redirection URI. If the URI is not trusted,
//! the authorization server MAY inform the user and rely on the user to make
//! the correct decision" (the MCP authorization spec repeats it). So for a
//! client Dockyard does not trust, an error that would be redirected is an
//! HTML page — "<client> could not be authorized: <description>. You are
//! being sent back to <host>" — whose **Continue** link is the exact error
//! response (`error`, `error_description`, `state`, `iss`, built by
//! [`ValidatedRedirect::error`]). No automatic redirect, no script.
//!
//! Decisions:
//! - **Which clients are trusted: none** ([`trusts_redirect_uris`]). Every
//!   client Dockyard knows is registered by whoever asks — Dynamic Client
//!   Registration (anyone, 30 an hour per address) or a Client ID Metadata
//!   Document (any https URL) — so nobody vouched for its redirect URIs.
//!   The only first-party client (`dockyard-studio`) is refused at
//!   `/oauth/authorize` before any of this. Should an operator-vetted client
//!   registry ever exist, its clients are the ones to trust here.
//! - **Which errors: all of them**, the user's own Deny (`access_denied`)
//!   included: the BCP names "a valid request the user declines" as one of
//!   the three ways to bounce a user to the attacker, and a user who denies
//!   does not expect to be sent to the app anyway. Only the successful
//!   response (a code, after the user clicked Authorize on a consent page
//!   naming the redirect host) is redirected at once.
//! - Errors *before* the redirect URI is verified (unknown client, missing
//!   or unregistered `redirect_uri`) never reach this module: they are our
//!   own error page, never a link or a redirect (`authorize::AuthorizeError::NoRedirect`).
//! - The page shows the error's description as the client will receive it
//!   (our own words, never the client's) and the client's name as it
//!   registered it: untrusted text, escaped by the template.

use super::redirect::ValidatedRedirect;

/// An error authorization response to deliver.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorResponse<'a> {
    pub redirect: &'a ValidatedRedirect,
    /// RFC 6749 §4.1.2.1 `error`.
    pub error: &'a str,
    pub description: Option<&'a str>,
    pub state: Option<&'a str>,
    /// RFC 9207 `iss` (`PUBLIC_URL`).
    pub iss: &'a str,
}

/// How the error reaches the client.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// A 302 to this URL (a trusted client).
    Redirect(String),
    /// The interstitial page (an untrusted client).
    Page(Interstitial),
}

/// What the interstitial shows (unescaped: the template escapes).
#[derive(Debug, Clone, PartialEq)]
pub struct Interstitial {
    /// The client's registered name, or its client id without one.
    pub client_name: String,
    /// What went wrong: the `error_description`, or the `error` code.
    pub reason: String,
    pub error: String,
    /// "claude.ai", "127.0.0.1:5000", "the app that handles cursor:// links".
    pub destination: String,
    /// The exact error response: where Continue leads.
    pub continue_url: String,
}

/// Does Dockyard trust this client's redirect URIs enough to send errors
/// there without asking? No client is trusted (see the module docs).
pub fn trusts_redirect_uris(_client_id: &str) -> bool {
    false
}

/// Where `response` goes for the client `client_id` named `client_name`.
pub fn deliver(client_id: &str, client_name: Option<&str>, response: &ErrorResponse) -> Delivery {
    let r = response;
    let url = r.redirect.error(r.error, r.description, r.state, r.iss);
    if trusts_redirect_uris(client_id) {
        return Delivery::Redirect(url);
    }
    let reason = r.description.filter(|d| !d.trim().is_empty()).unwrap_or(r.error);
    Delivery::Page(Interstitial {
        client_name: client_name.filter(|n| !n.trim().is_empty()).unwrap_or(client_id).to_string(),
        reason: reason.trim_end_matches('.').to_string(),
        error: r.error.to_string(),
        destination: r.redirect.destination(),
        continue_url: url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    const ISS: &str = "https://mcp.example.com";

    fn redirect(uri: &str) -> ValidatedRedirect {
        ValidatedRedirect::exact(uri, &[uri.to_string()]).unwrap()
    }

    fn page(d: Delivery) -> Interstitial {
        match d {
            Delivery::Page(p) => p,
            Delivery::Redirect(url) => panic!("redirected at once to {url}"),
        }
    }

    #[test]
    fn no_client_is_trusted() {
        for id in [
            "dcr_0123456789abcdef",
            "https://app.example.com/oauth/client.json",
            "https://claude.ai/oauth/claude-code-client-metadata",
            "dockyard-studio",
            "",
        ] {
            assert!(!trusts_redirect_uris(id), "{id}");
        }
    }

    #[test]
    fn every_redirected_error_becomes_the_interstitial() {
        let r = redirect("https://evil.example/cb");
        for (error, description) in [
            ("invalid_request", Some("code_challenge_method=S256 is required (plain is not accepted)")),
            ("invalid_target", Some("resource 'https://x' is not an endpoint of this server")),
            ("invalid_scope", Some("your role grants none of the requested scopes")),
            ("unsupported_response_type", Some("response_type 'token' is not supported; use code")),
            ("access_denied", Some("the user denied access")),
            ("server_error", None),
        ] {
            let resp = ErrorResponse { redirect: &r, error, description, state: Some("st"), iss: ISS };
            let p = page(deliver("dcr_1", Some("Notes"), &resp));
            assert_eq!(p.error, error);
            assert_eq!(p.reason, description.unwrap_or(error));
            assert_eq!(p.destination, "evil.example");
            assert_eq!(p.continue_url, r.error(error, description, Some("st"), ISS));
        }
    }

    #[test]
    fn continue_is_the_exact_error_response() {
        let r = redirect("https://app.example.com/cb?tenant=a");
        let resp = ErrorResponse {
            redirect: &r,
            error: "invalid_request",
            description: Some("PKCE is required"),
            state: Some("s t&u"),
            iss: ISS,
        };
        let p = page(deliver("dcr_1", None, &resp));
        let url = Url::parse(&p.continue_url).unwrap();
        assert_eq!(url.origin().ascii_serialization(), "https://app.example.com");
        assert_eq!(url.path(), "/cb");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let want = [("tenant", "a"), ("error", "invalid_request"), ("error_description", "PKCE is required")];
        let want: Vec<(String, String)> = want
            .iter()
            .chain(&[("state", "s t&u"), ("iss", ISS)])
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(pairs, want);
        // Without state or description, neither parameter appears.
        let bare = ErrorResponse { redirect: &r, error: "server_error", description: None, state: None, iss: ISS };
        let p = page(deliver("dcr_1", None, &bare));
        assert!(!p.continue_url.contains("state=") && !p.continue_url.contains("error_description"));
        assert_eq!(p.reason, "server_error");
    }

    #[test]
    fn names_the_client_and_where_the_user_goes() {
        let cursor = redirect("cursor://anysphere.cursor-mcp/oauth/callback");
        let resp = ErrorResponse {
            redirect: &cursor,
            error: "invalid_scope",
            description: Some("bad."),
            state: None,
            iss: ISS,
        };
        let p = page(deliver("https://cursor.com/client.json", Some("<b>Cursor</b>"), &resp));
        assert_eq!(p.client_name, "<b>Cursor</b>", "verbatim: the template escapes");
        assert_eq!(p.destination, "the app that handles cursor:// links");
        assert_eq!(p.reason, "bad", "the page adds its own full stop");
        let loopback = redirect("http://127.0.0.1:5000/cb");
        let resp = ErrorResponse { redirect: &loopback, error: "e", description: Some("  "), state: None, iss: ISS };
        let p = page(deliver("dcr_9", Some(" "), &resp));
        assert_eq!(
            (p.client_name.as_str(), p.destination.as_str(), p.reason.as_str()),
            ("dcr_9", "127.0.0.1:5000", "e")
        );
    }
}
