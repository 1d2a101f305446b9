//! HTML output: pages are askama templates (`studio::ui`), which escape every
//! value; [`escape`] is for the few strings built outside them. Every page
//! carries headers that keep it out of frames, stop content sniffing and
//! allow no inline script or style (the CSS and JS are static assets).
//!
//! `Referrer-Policy: same-origin`, not `no-referrer`: under `no-referrer`
//! Chromium and Firefox send `Origin: null` on a same-origin form POST, which
//! is how sign-in and consent broke in real browsers (issue 9). `same-origin`
//! lets the browser name our origin on our own forms and still sends nothing
//! to any other site, so the invitation token in `/studio/signup?invitation=`
//! and the parameters of `/oauth/authorize` never leak in a `Referer`
//! (`strict-origin-when-cross-origin` would send other sites our origin).

/// Escapes `& < > " '` so the text is safe in element content and in quoted
/// attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// Security headers for every HTML page.
pub const PAGE_HEADERS: [(&str, &str); 5] = [
    ("Content-Type", "text/html; charset=utf-8"),
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
];

/// The page CSP with one more `form-action` source: an origin such as
/// `https://claude.ai` (from any http(s) URL), or a scheme-source such as
/// `cursor:` (a private-use redirect scheme, whose origin is opaque and
/// cannot be named). Anything else — `javascript:`, `data:`, a malformed
/// value — is left out.
pub fn csp_with_form_action(source: &str) -> String {
    let extra = form_action_source(source).map(|s| format!(" {s}")).unwrap_or_default();
    PAGE_HEADERS[1].1.replace("form-action 'self'", &format!("form-action 'self'{extra}"))
}

fn form_action_source(source: &str) -> Option<String> {
    if let Some(scheme) = source.strip_suffix(':') {
        return crate::oauth::redirect::is_private_use_scheme(scheme).then(|| source.to_string());
    }
    let url = url::Url::parse(source).ok().filter(|u| matches!(u.scheme(), "https" | "http"))?;
    Some(url.origin().ascii_serialization())
}

/// A Unix time (seconds) as a person reads it on a page: `2026-12-01 17:30 UTC`.
pub fn format_time(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", rem / 3600, rem % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_utc_dates() {
        assert_eq!(format_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_time(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_time(1_796_146_200), "2026-12-01 17:30 UTC");
        assert_eq!(format_time(-60), "1969-12-31 23:59 UTC");
    }

    #[test]
    fn pages_allow_no_inline_script_or_style() {
        let csp = PAGE_HEADERS[1].1;
        assert!(csp.contains("script-src 'self'") && csp.contains("style-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape("<script>alert('x')</script>"), "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;");
        assert_eq!(escape("a\"b&c"), "a&quot;b&amp;c");
        assert_eq!(escape("plain ünïcode"), "plain ünïcode");
    }

    #[test]
    fn form_action_can_name_one_more_origin() {
        let csp = csp_with_form_action("http://127.0.0.1:3000/callback?x=1");
        assert!(csp.contains("form-action 'self' http://127.0.0.1:3000;"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        let hostile = csp_with_form_action("javascript:alert(1)");
        assert!(hostile.contains("form-action 'self';"), "{hostile}");
        for refused in ["javascript:", "JavaScript:", "data:", "https:", "http:", "1x:", "a b:", ":", "x;y:", "'self':"]
        {
            let csp = csp_with_form_action(refused);
            assert!(csp.contains("form-action 'self';"), "{refused}: {csp}");
        }
    }

    #[test]
    fn form_action_can_name_a_private_use_scheme() {
        let csp = csp_with_form_action("cursor:");
        assert!(csp.contains("form-action 'self' cursor:;"), "{csp}");
        let csp = csp_with_form_action("com.example.app:");
        assert!(csp.contains("form-action 'self' com.example.app:;"), "{csp}");
    }

    #[test]
    fn pages_let_browsers_name_our_origin_on_our_own_forms() {
        // no-referrer made Chromium and Firefox send `Origin: null` on the
        // sign-in and consent forms (issue 9); same-origin sends nothing elsewhere.
        let policy = PAGE_HEADERS.iter().find(|(k, _)| *k == "Referrer-Policy").map(|(_, v)| *v);
        assert_eq!(policy, Some("same-origin"));
    }
}
