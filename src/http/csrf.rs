//! CSRF: may a state-changing browser request be trusted to come from this
//! instance's own pages? A pure decision over two headers the browser sets and
//! page scripts cannot forge, `Origin` and `Sec-Fetch-Site`.
//!
//! Why both: under `Referrer-Policy: no-referrer` (which Dockyard's pages sent
//! until issue 9, and which a proxy or another browser setting may still
//! impose) Chromium and Firefox send `Origin: null` on a same-origin form POST,
//! so the Origin alone locked every person out of sign-in and consent. They
//! then still send `Sec-Fetch-Site: same-origin`, which says the same thing.
//! Pages now send `Referrer-Policy: same-origin` (`http::html::PAGE_HEADERS`),
//! so browsers send the real Origin on our own forms; this check accepts both.
//!
//! The rules, in order:
//! 1. a foreign `Origin` is refused, always;
//! 2. a `Sec-Fetch-Site` other than `same-origin` (`same-site`, `cross-site`,
//!    `none`, anything else) is refused, even beside our Origin: the browser
//!    says the request did not come from our pages;
//! 3. our own `Origin` is accepted;
//! 4. `Origin: null` or no Origin is accepted only with
//!    `Sec-Fetch-Site: same-origin`;
//! 5. without either header: refused where a session cookie is at stake
//!    ([`Mode::Strict`]), accepted for the cookieless JSON sign-in and
//!    sign-up API ([`Mode::CookielessApi`]), whose callers are scripts and CLI
//!    clients that send neither.
//!
//! Forms keep their own defences on top: `SameSite=Lax` session cookies and,
//! on the consent form, a token bound to the session and the client.

/// Where the check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Cookie-authenticated writes and every HTML form: a browser must vouch.
    Strict,
    /// `POST /api/v1/login` and `/api/v1/signup`: no cookie is used, so a
    /// request without browser headers (curl, a CLI) is fine.
    CookielessApi,
}

/// Why a request was refused (the message a person sees with the 403).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    ForeignOrigin(String),
    CrossSite(String),
    NullOrigin,
    NoOrigin,
}

impl Refusal {
    pub fn message(&self, public_url: &str) -> String {
        match self {
            Refusal::ForeignOrigin(o) => {
                format!("cross-site request refused: Origin {o:?} is not this instance ({public_url})")
            }
            Refusal::CrossSite(s) => format!("cross-site request refused: the browser marked it Sec-Fetch-Site: {s}"),
            Refusal::NullOrigin => {
                "cross-site request refused: Origin \"null\" without Sec-Fetch-Site: same-origin".into()
            }
            Refusal::NoOrigin => {
                "cross-site request refused: a request that uses the session cookie must carry this instance's Origin"
                    .into()
            }
        }
    }
}

/// The decision. `public_url` is this instance's origin (`Config::public_url`,
/// already serialized as an origin); header values are compared exactly.
pub fn check(origin: Option<&str>, sec_fetch_site: Option<&str>, public_url: &str, mode: Mode) -> Result<(), Refusal> {
    let origin = origin.map(str::trim);
    let site = sec_fetch_site.map(|s| s.trim().to_ascii_lowercase());
    if let Some(o) = origin.filter(|o| *o != "null" && *o != public_url) {
        return Err(Refusal::ForeignOrigin(o.to_string()));
    }
    if let Some(s) = site.as_deref().filter(|s| *s != "same-origin") {
        return Err(Refusal::CrossSite(s.to_string()));
    }
    match (origin, site.as_deref()) {
        (Some(_), Some(_)) | (None, Some(_)) => Ok(()), // ours or null, vouched same-origin
        (Some(o), None) if o == public_url => Ok(()),
        (Some(_), None) => Err(Refusal::NullOrigin),
        (None, None) if mode == Mode::CookielessApi => Ok(()),
        (None, None) => Err(Refusal::NoOrigin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const US: &str = "https://mcp.example.com";
    const EVIL: &str = "https://evil.example";

    /// Origin × Sec-Fetch-Site, in both modes. `true` = accepted.
    #[test]
    fn origin_by_sec_fetch_site() {
        let origins = [None, Some("null"), Some(US), Some(EVIL), Some("https://sub.mcp.example.com")];
        let sites = [None, Some("same-origin"), Some("same-site"), Some("cross-site"), Some("none"), Some("bogus")];
        #[rustfmt::skip]
        let strict = [
            //       none   same-origin same-site cross-site none   bogus
            /* -- */ [false, true,       false,    false,     false, false],
            /* null*/[false, true,       false,    false,     false, false],
            /* us */ [true,  true,       false,    false,     false, false],
            /* evil*/[false, false,      false,    false,     false, false],
            /* sub */[false, false,      false,    false,     false, false],
        ];
        for (i, o) in origins.iter().enumerate() {
            for (j, s) in sites.iter().enumerate() {
                let got = check(*o, *s, US, Mode::Strict).is_ok();
                assert_eq!(got, strict[i][j], "strict: Origin {o:?}, Sec-Fetch-Site {s:?}");
                // The cookieless API differs in exactly one cell: neither header.
                let api = check(*o, *s, US, Mode::CookielessApi).is_ok();
                assert_eq!(
                    api,
                    strict[i][j] || (o.is_none() && s.is_none()),
                    "api: Origin {o:?}, Sec-Fetch-Site {s:?}"
                );
            }
        }
    }

    #[test]
    fn a_foreign_origin_is_named_in_the_refusal_even_when_marked_same_origin() {
        let r = check(Some(EVIL), Some("same-origin"), US, Mode::Strict).unwrap_err();
        assert_eq!(r, Refusal::ForeignOrigin(EVIL.into()));
        assert!(r.message(US).contains("\"https://evil.example\" is not this instance (https://mcp.example.com)"));
    }

    #[test]
    fn refusals_say_what_the_browser_said() {
        assert_eq!(
            check(Some("null"), Some("cross-site"), US, Mode::Strict),
            Err(Refusal::CrossSite("cross-site".into()))
        );
        assert_eq!(check(Some("null"), None, US, Mode::Strict), Err(Refusal::NullOrigin));
        assert_eq!(check(None, None, US, Mode::Strict), Err(Refusal::NoOrigin));
        for r in [Refusal::CrossSite("same-site".into()), Refusal::NullOrigin, Refusal::NoOrigin] {
            assert!(r.message(US).starts_with("cross-site request refused"), "{r:?}");
        }
    }

    #[test]
    fn exact_comparison_of_the_origin() {
        // A trailing slash, another scheme or port is another origin.
        for o in ["https://mcp.example.com/", "http://mcp.example.com", "https://mcp.example.com:8443"] {
            assert!(check(Some(o), Some("same-origin"), US, Mode::Strict).is_err(), "{o}");
        }
        // Header values are case-insensitive tokens; whitespace around them is not meaningful.
        assert!(check(Some(US), Some("Same-Origin"), US, Mode::Strict).is_ok());
        assert!(check(Some(" null "), Some(" same-origin"), US, Mode::Strict).is_ok());
    }
}
