//! `application/x-www-form-urlencoded` bodies (the Studio's forms), decoded
//! strictly. The WHATWG decoder (`url::form_urlencoded`) replaces bytes that
//! are not UTF-8 with U+FFFD, so a form field of `%ff%fe` used to be saved as
//! "\u{fffd}\u{fffd}" (an org renamed, a token created under a mangled name:
//! found by tests/hostile/battery.test.mjs). A browser never sends that, so
//! it is refused with a 400 and nothing is written. `+` is a space, `%XX` a
//! byte, and a `%` not followed by two hex digits stays literal, as in WHATWG.

use super::ApiError;

/// The pairs of a form body, in order; a 400 `invalid_form` when a name or
/// value is not UTF-8 after percent-decoding.
pub fn parse(bytes: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    for part in bytes.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match part.iter().position(|b| *b == b'=') {
            Some(i) => (&part[..i], &part[i + 1..]),
            None => (part, &[][..]),
        };
        match (decode(name), decode(value)) {
            (Some(n), Some(v)) => out.push((n, v)),
            _ => {
                return Err(ApiError::bad_request(
                    "invalid_form",
                    "the form is not valid UTF-8 once percent-decoded; send it as a browser would",
                ))
            }
        }
    }
    Ok(out)
}

fn decode(s: &[u8]) -> Option<String> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut buf = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => buf.push(b' '),
            b'%' if i + 2 < s.len() => match (hex(s[i + 1]), hex(s[i + 2])) {
                (Some(h), Some(l)) => {
                    buf.push(h * 16 + l);
                    i += 2;
                }
                _ => buf.push(b'%'),
            },
            b => buf.push(b),
        }
        i += 1;
    }
    String::from_utf8(buf).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &str) -> Vec<(String, String)> {
        parse(s.as_bytes()).unwrap()
    }

    #[test]
    fn decodes_like_a_browser_encodes() {
        assert_eq!(
            pairs("name=Acme+%26+Co&slug=acme&empty=&flag"),
            vec![
                ("name".into(), "Acme & Co".into()),
                ("slug".into(), "acme".into()),
                ("empty".into(), "".into()),
                ("flag".into(), "".into())
            ]
        );
        assert_eq!(pairs("n=%C3%A9t%C3%A9"), vec![("n".into(), "été".into())]);
        assert_eq!(pairs("&&a=1&"), vec![("a".into(), "1".into())]);
        // A `%` without two hex digits stays literal (WHATWG).
        assert_eq!(pairs("a=%zz%&b=%4"), vec![("a".into(), "%zz%".into()), ("b".into(), "%4".into())]);
        assert_eq!(pairs("a=100%25"), vec![("a".into(), "100%".into())]);
    }

    #[test]
    fn refuses_what_is_not_utf8() {
        for bad in ["name=%ff%fe", "%c0%af=x", "a=%ed%a0%80", "a=ok&b=%80"] {
            let e = parse(bad.as_bytes()).unwrap_err();
            assert_eq!((e.status(), e.code()), (400, "invalid_form"), "{bad}");
        }
        assert_eq!(parse(b"a=\xff").unwrap_err().status(), 400);
    }
}
