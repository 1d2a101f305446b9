//! Where a sign-in or sign-up form may send the browser next, and what a
//! person may paste as an invitation. Pure, so the rules are unit-tested.
//!
//! `next` carries the page that asked for a sign-in, typically the
//! `/oauth/authorize?...` request of an MCP host, through the sign-in and
//! sign-up forms. It comes from the query string and hidden fields, so it is
//! attacker-controlled: only same-site absolute paths pass ([`safe_next`]),
//! never another host (an open redirect would hand a phishing page our
//! domain's trust).

/// The default destination: the Studio home.
pub const HOME: &str = "/studio";

/// `next` when it is a same-site absolute path (a leading `/` but not `//`,
/// at most 4096 bytes, only URL-safe characters: no whitespace, controls or
/// backslashes, which browsers strip or reinterpret into another host);
/// [`HOME`] otherwise.
pub fn safe_next(next: Option<&str>) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/-_.~%?=&+:@!$'()*,;".contains(c);
    match next {
        Some(n) if n.len() <= 4096 && n.starts_with('/') && !n.starts_with("//") && n.chars().all(allowed) => {
            n.to_string()
        }
        _ => HOME.to_string(),
    }
}

/// The invitation code in what a person pasted: the link an admin sent
/// (`https://HOST/studio/signup?invitation=inv_...`, any host: the code is
/// checked against D1 anyway) or the bare code. `None` when there is nothing
/// that looks like a code, so the form can say so instead of failing later.
pub fn invitation_code(pasted: &str) -> Option<String> {
    let pasted = pasted.trim();
    let code = if pasted.contains("invitation=") {
        let query = pasted.split_once('?').map_or(pasted, |(_, q)| q);
        let query = query.split('#').next().unwrap_or_default();
        url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "invitation").map(|(_, v)| v.into_owned())?
    } else {
        pasted.to_string()
    };
    let plausible = !code.is_empty()
        && code.len() <= 200
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    plausible.then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_site_paths_are_a_destination() {
        for ok in ["/studio", "/oauth/authorize?client_id=dcr_1&redirect_uri=https%3A%2F%2Fa.example%2Fcb&state=x"] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "/ /evil",
            "/studio\n",
            "javascript:alert(1)",
            "studio",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), HOME, "{bad:?}");
        }
        assert_eq!(safe_next(None), HOME);
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(4096)))), HOME, "too long");
    }

    #[test]
    fn an_invitation_is_the_link_or_the_code() {
        let code = "inv_Ab3-x_Y9";
        assert_eq!(invitation_code(code).as_deref(), Some(code));
        assert_eq!(invitation_code(&format!("  {code}\n")).as_deref(), Some(code), "whitespace from a paste");
        for link in [
            format!("https://mcp.example.com/studio/signup?invitation={code}"),
            format!("http://127.0.0.1:8787/studio/signup?next=%2Fstudio&invitation={code}#top"),
            format!("/studio/signup?invitation={code}"),
            format!("invitation={code}"),
        ] {
            assert_eq!(invitation_code(&link).as_deref(), Some(code), "{link}");
        }
    }

    #[test]
    fn anything_else_is_not_an_invitation() {
        for bad in [
            "",
            "   ",
            "https://mcp.example.com/studio/signup",
            "https://mcp.example.com/studio/signup?invitation=",
            "inv_<script>",
            "two words",
        ] {
            assert_eq!(invitation_code(bad), None, "{bad:?}");
        }
        assert_eq!(invitation_code(&"a".repeat(201)), None, "too long");
    }
}
