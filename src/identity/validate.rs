//! Input validation for identity data, with precise, human messages.
//!
//! Why: every form and API body that creates accounts, organizations, roles
//! or tokens must apply the same rules, and a rejected request should say
//! exactly which rule failed for which field (`FieldError` serializes to
//! `{"field": ..., "message": ...}` for API error bodies). Pure functions, no
//! regex crate: the patterns are small enough to check by hand.

use std::fmt;

/// One rejected field: `field` names it as the client sent it (e.g. `email`,
/// `scopes[2]`), `message` says what is wrong in plain words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// Maximum length of an email address (RFC 5321 path limit minus brackets).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Maximum length of the part before the '@'.
pub const MAX_EMAIL_LOCAL_CHARS: usize = 64;

/// Characters refused anywhere in an email address: quoting, address-list
/// and header syntax that we never want to store or echo.
const EMAIL_FORBIDDEN: &[char] = &['"', '<', '>', '(', ')', ',', ';', '[', ']', '\\'];

/// Trim and lowercase an email address, then check it. Only plain ASCII
/// addresses are accepted (international domains must be in punycode);
/// apostrophes are allowed in the local part (`o'brien@example.com`).
pub fn normalize_email(field: &str, raw: &str) -> Result<String, FieldError> {
    let err = |message: &str| Err(FieldError::new(field, message));
    let email = raw.trim().to_ascii_lowercase();
    if email.is_empty() {
        return err("is required");
    }
    if email.chars().count() > MAX_EMAIL_CHARS {
        return err("must be at most 254 characters");
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control() || EMAIL_FORBIDDEN.contains(&c)) {
        return err("must not contain spaces, control characters, quotes, brackets or commas");
    }
    if !email.is_ascii() {
        return err("must contain only ASCII characters (use punycode for international domains)");
    }
    let (local, domain) = match email.split_once('@') {
        Some((local, domain)) if !domain.contains('@') => (local, domain),
        _ => return err("must contain exactly one '@'"),
    };
    if local.is_empty() {
        return err("needs a name before the '@'");
    }
    if local.len() > MAX_EMAIL_LOCAL_CHARS {
        return err("the part before the '@' must be at most 64 characters");
    }
    if !domain.contains('.') {
        return err("the domain after the '@' must contain a dot, like example.com");
    }
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    if !labels_ok {
        return err("the domain may only contain a-z, 0-9, '-' and dots, and no part may start or end with '-'");
    }
    let tld = domain.rsplit('.').next().unwrap_or_default();
    let tld_ok = (tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_lowercase())) || tld.starts_with("xn--");
    if !tld_ok {
        return err("the domain must end in a top-level domain of at least 2 letters");
    }
    Ok(email)
}

/// Slugs that would collide with routes, well-known paths, Studio pages
/// (`/studio/account`, `/studio/<org>/audit`, `/studio/<org>/settings`,
/// `/studio/login`, `/studio/signup`, `.../types/new`) or obvious
/// impersonation targets.
#[rustfmt::skip]
pub const RESERVED_SLUGS: &[&str] = &[
    "draft", "api", "oauth", ".well-known", "well-known", "studio", "healthz", "static",
    "assets", "admin", "login", "logout", "signup", "www", "mcp", "authorize", "token",
    "register", "revoke", "jwks", "settings", "new", "account", "audit",
];

/// Slug pattern `[a-z0-9][a-z0-9-]{0,62}` and not in [`RESERVED_SLUGS`].
/// A trailing '-' is allowed (the pattern allows it).
pub fn validate_slug(field: &str, s: &str) -> Result<(), FieldError> {
    let bytes = s.as_bytes();
    let pattern_ok = matches!(bytes.first(), Some(b) if b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.len() <= 63
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
    if !pattern_ok {
        return Err(FieldError::new(
            field,
            "must be 1-63 characters of a-z, 0-9 and '-', starting with a letter or digit",
        ));
    }
    if RESERVED_SLUGS.contains(&s) {
        return Err(FieldError::new(field, format!("'{s}' is reserved")));
    }
    Ok(())
}

/// Bidirectional-text overrides and isolates: invisible, and able to make a
/// name render as something else, so treated like control characters.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A free-text name: trimmed, 1..=`max_chars` characters (Unicode scalar
/// values), no control characters. Returns the trimmed value to store.
pub fn validate_display_name(field: &str, s: &str, max_chars: usize) -> Result<String, FieldError> {
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    if trimmed.chars().count() > max_chars {
        return Err(FieldError::new(field, format!("must be at most {max_chars} characters")));
    }
    if trimmed.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(trimmed.to_string())
}

/// Minimum password length, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Maximum password length, in bytes (every byte costs KDF time).
pub const MAX_PASSWORD_BYTES: usize = 256;

/// At least 10 characters, at most 256 bytes, not only whitespace. The
/// password is not trimmed: what the user typed is what gets hashed.
pub fn validate_password(field: &str, s: &str) -> Result<(), FieldError> {
    if s.chars().count() < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(field, "must be at least 10 characters"));
    }
    if s.len() > MAX_PASSWORD_BYTES {
        return Err(FieldError::new(field, "must be at most 256 bytes"));
    }
    if s.chars().all(char::is_whitespace) {
        return Err(FieldError::new(field, "must not be only whitespace"));
    }
    Ok(())
}

/// Role name pattern `[a-z][a-z0-9_]{0,31}`.
pub fn validate_role_name(field: &str, s: &str) -> Result<(), FieldError> {
    let bytes = s.as_bytes();
    let ok = matches!(bytes.first(), Some(b) if b.is_ascii_lowercase())
        && bytes.len() <= 32
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(field, "must be 1-32 characters of a-z, 0-9 and '_', starting with a letter"))
    }
}

/// Scope pattern `[a-z0-9_.:-]+`, 1..=64 characters.
pub fn validate_scope(field: &str, s: &str) -> Result<(), FieldError> {
    let ok = (1..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b':' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(field, "must be 1-64 characters of a-z, 0-9, '_', '.', ':' and '-'"))
    }
}

/// An API token's label: like a display name, at most 64 characters.
/// Returns the trimmed value to store.
pub fn validate_token_name(field: &str, s: &str) -> Result<String, FieldError> {
    validate_display_name(field, s, 64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message of a rejection (panics if the input was accepted).
    fn rejected<T: fmt::Debug>(result: Result<T, FieldError>) -> String {
        result.expect_err("should be rejected").message
    }

    fn email_msg(raw: &str) -> String {
        let err = normalize_email("email", raw).expect_err(raw);
        assert_eq!(err.field, "email");
        err.message
    }

    #[test]
    fn field_error_display_and_json() {
        let e = FieldError::new("scopes[2]", "must be short");
        assert_eq!(e.to_string(), "scopes[2]: must be short");
        let expected = serde_json::json!({"field": "scopes[2]", "message": "must be short"});
        assert_eq!(serde_json::to_value(&e).expect("serializes"), expected);
    }

    #[test]
    fn email_is_trimmed_and_lowercased() {
        let ok = |raw: &str| normalize_email("email", raw).expect(raw);
        assert_eq!(ok("  Alice@Example.COM \n"), "alice@example.com");
        let apostrophe = "o'brien+tag@mail.example.co.uk";
        assert_eq!(ok(apostrophe), apostrophe);
        assert_eq!(ok("x@a-b.io"), "x@a-b.io");
        assert_eq!(ok("x@example.xn--p1ai"), "x@example.xn--p1ai");
        let longest_local = format!("{}@example.com", "a".repeat(64));
        assert_eq!(ok(&longest_local), longest_local);
    }

    #[test]
    fn email_rejections_say_which_rule() {
        assert_eq!(email_msg("   "), "is required");
        assert!(email_msg(&format!("a@{}.com", "b".repeat(250))).contains("254"));
        assert!(email_msg("a b@example.com").contains("spaces"));
        assert!(email_msg("a\u{7}b@example.com").contains("control"));
        assert!(email_msg("\"a\"@example.com").contains("quotes"));
        assert!(email_msg("<a@example.com>").contains("quotes"));
        assert!(email_msg("josé@example.com").contains("ASCII"));
        assert_eq!(email_msg("example.com"), "must contain exactly one '@'");
        assert_eq!(email_msg("a@b@example.com"), "must contain exactly one '@'");
        assert_eq!(email_msg("@example.com"), "needs a name before the '@'");
        assert!(email_msg(&format!("{}@example.com", "a".repeat(65))).contains("64"));
        assert!(email_msg("a@localhost").contains("must contain a dot"));
        let bad_domains = ["a@-ex.com", "a@ex-.com", "a@ex..com", "a@.ex.com"];
        for bad in bad_domains.into_iter().chain(["a@ex.com.", "a@e_x.com"]) {
            assert!(email_msg(bad).contains("may only contain"), "{bad}");
        }
        assert!(email_msg("a@example.c").contains("top-level"));
        assert!(email_msg("a@example.c0m").contains("top-level"));
    }

    #[test]
    fn slug_pattern_exactly() {
        let longest = "a".repeat(63);
        for ok in ["a", "0", "acme", "acme-corp", "a-", "9lives", &longest] {
            assert_eq!(validate_slug("slug", ok), Ok(()), "{ok}");
        }
        let pattern = "must be 1-63 characters of a-z, 0-9 and '-', starting with a letter or digit";
        let too_long = "a".repeat(64);
        for bad in ["", "-a", "Acme", "acme_corp", "acme corp", "ácme", &too_long] {
            let expected = Err(FieldError::new("slug", pattern));
            assert_eq!(validate_slug("slug", bad), expected, "{bad:?}");
        }
    }

    #[test]
    fn reserved_slugs_are_refused_by_name() {
        let expected = Err(FieldError::new("org", "'api' is reserved"));
        assert_eq!(validate_slug("org", "api"), expected);
        for reserved in RESERVED_SLUGS {
            assert!(validate_slug("slug", reserved).is_err(), "{reserved}");
        }
        assert_eq!(validate_slug("slug", "apis"), Ok(()));
        assert_eq!(RESERVED_SLUGS.len(), 24);
    }

    #[test]
    fn display_name_trims_and_counts_characters() {
        let check = |s: &str, max: usize| validate_display_name("name", s, max);
        assert_eq!(check("  Ada  ", 10), Ok("Ada".to_string()));
        assert_eq!(check("ééééé", 5), Ok("ééééé".to_string()));
        assert_eq!(rejected(check("éééééé", 5)), "must be at most 5 characters");
        assert_eq!(rejected(check(" \t ", 5)), "is required");
        for bad in ["a\u{0}b", "a\nb", "evil\u{202E}txt.exe", "a\u{2066}b"] {
            let message = rejected(check(bad, 50));
            assert_eq!(message, "must not contain control characters", "{bad:?}");
        }
        assert_eq!(check("a", 5).map_err(|e| e.field), Ok("a".to_string()));
        assert_eq!(check("", 5).map_err(|e| e.field), Err("name".to_string()));
    }

    #[test]
    fn password_rules() {
        let check = |s: &str| validate_password("password", s);
        assert_eq!(check("0123456789"), Ok(()));
        assert_eq!(check("éééééééééé"), Ok(()), "10 characters, 20 bytes");
        assert_eq!(rejected(check("012345678")), "must be at least 10 characters");
        assert_eq!(check(&"x".repeat(256)), Ok(()));
        assert_eq!(rejected(check(&"x".repeat(257))), "must be at most 256 bytes");
        // 129 two-byte characters = 258 bytes.
        assert_eq!(rejected(check(&"é".repeat(129))), "must be at most 256 bytes");
        assert_eq!(rejected(check(&" ".repeat(12))), "must not be only whitespace");
        assert_eq!(check("  pass phrase  "), Ok(()));
        assert_eq!(check("0").map_err(|e| e.field), Err("password".to_string()));
    }

    #[test]
    fn role_name_pattern() {
        for ok in ["a", "mcp_user", "team2", &format!("a{}", "b".repeat(31))] {
            assert_eq!(validate_role_name("name", ok), Ok(()), "{ok}");
        }
        for bad in ["", "2team", "_x", "Team", "a-b", &"a".repeat(33)] {
            let message = rejected(validate_role_name("name", bad));
            assert!(message.starts_with("must be 1-32 characters"), "{bad}");
        }
    }

    #[test]
    fn scope_pattern() {
        let longest = "a".repeat(64);
        for ok in ["tools:read", "billing.refund", "a", "x-y_z:1", &longest] {
            assert_eq!(validate_scope("scopes[0]", ok), Ok(()), "{ok}");
        }
        for bad in ["", "Tools:read", "tools read", "*", "a/b", &"a".repeat(65)] {
            let err = validate_scope("scopes[0]", bad).expect_err(bad);
            assert_eq!(err.field, "scopes[0]");
        }
    }

    #[test]
    fn token_name_is_a_short_display_name() {
        let check = |s: &str| validate_token_name("name", s);
        assert_eq!(check(" ci bot "), Ok("ci bot".to_string()));
        assert_eq!(check(&"t".repeat(64)), Ok("t".repeat(64)));
        assert_eq!(rejected(check(&"t".repeat(65))), "must be at most 64 characters");
        assert_eq!(rejected(check("")), "is required");
    }
}
