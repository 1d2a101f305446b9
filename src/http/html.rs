//! HTML output: every string that reaches a page goes through [`escape`]
//! (text and attribute values alike), and every page carries headers that keep
//! it out of frames and stop content sniffing.
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
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
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

/// A whole page around `body` (already-escaped HTML). `title` is escaped here.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · Dockyard</title><style>{STYLE}</style></head>\
         <body><main><h1>{}</h1>{body}</main></body></html>",
        escape(title),
        escape(title)
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f6f7f9;color:#1d2330;margin:0}\
main{max-width:28rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:12px;box-shadow:0 1px 4px #0002}\
label{display:block;margin:1rem 0 .25rem;font-weight:600}input{width:100%;padding:.5rem;box-sizing:border-box}\
button{margin-top:1.25rem;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#1d4ed8;color:#fff;font-size:1rem}\
.error{background:#fee2e2;color:#991b1b;padding:.75rem;border-radius:6px}.muted{color:#5b6478}";

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn page_escapes_its_title() {
        let html = page("<b>x</b>", "<p>ok</p>");
        assert!(html.contains("<title>&lt;b&gt;x&lt;/b&gt; · Dockyard</title>"));
        assert!(html.contains("<p>ok</p>"));
        assert!(!html.contains("<b>x</b>"));
    }
}
