//! PKCE (RFC 7636), S256 only.
//!
//! Why only S256: OAuth 2.1 and the MCP authorization spec require PKCE, and
//! `plain` sends the verifier itself through the browser, which defeats the
//! point (an intercepted authorization response would carry everything an
//! attacker needs). `/oauth/authorize` refuses `plain` and a missing method;
//! the token endpoint then checks the verifier here.

use crate::crypto::{b64url_decode, b64url_encode, ct_eq};
use sha2::{Digest, Sha256};

/// Shortest and longest verifier (RFC 7636 §4.1).
pub const VERIFIER_MIN: usize = 43;
pub const VERIFIER_MAX: usize = 128;

/// Is `verifier` well formed: 43–128 characters of the unreserved set
/// `[A-Za-z0-9-._~]` (RFC 7636 §4.1)?
pub fn valid_verifier(verifier: &str) -> bool {
    (VERIFIER_MIN..=VERIFIER_MAX).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Is `c` an S256 challenge: base64url without padding of a SHA-256 digest,
/// i.e. exactly 43 characters that decode to 32 bytes?
pub fn valid_challenge(c: &str) -> bool {
    c.len() == 43 && b64url_decode(c).is_some_and(|d| d.len() == 32)
}

/// `BASE64URL(SHA256(verifier)) == challenge` (RFC 7636 §4.6).
///
/// MUST 1: a malformed verifier is refused before hashing (a 1-character
/// verifier would otherwise be brute-forceable by whoever saw the code).
/// MUST 2: the comparison is constant-time.
pub fn verify_s256(verifier: &str, challenge: &str) -> bool {
    // MUST 1: verifier syntax.
    if !valid_verifier(verifier) {
        return false;
    }
    let computed = b64url_encode(&Sha256::digest(verifier.as_bytes()));
    // MUST 2: constant-time compare.
    ct_eq(computed.as_bytes(), challenge.as_bytes())
}

/// The challenge for `verifier` (what a client sends to `/authorize`); for
/// tests and tools.
pub fn challenge_for(verifier: &str) -> String {
    b64url_encode(&Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert_eq!(challenge_for(VERIFIER), CHALLENGE);
        assert!(valid_challenge(CHALLENGE));
        assert!(verify_s256(VERIFIER, CHALLENGE));
    }

    #[test]
    fn wrong_verifier_is_refused() {
        let mut wrong = VERIFIER.to_string();
        wrong.replace_range(0..1, "e");
        assert!(!verify_s256(&wrong, CHALLENGE));
        assert!(!verify_s256(VERIFIER, &challenge_for(&wrong)));
        assert!(!verify_s256("", CHALLENGE));
    }

    #[test]
    fn plain_pkce_does_not_verify() {
        // A `plain` client sends challenge == verifier; S256 never accepts it.
        assert!(!verify_s256(VERIFIER, VERIFIER));
        let long_plain = "a".repeat(43);
        assert!(!verify_s256(&long_plain, &long_plain));
    }

    #[test]
    fn verifier_syntax_is_enforced() {
        assert!(valid_verifier(&"a".repeat(43)));
        assert!(valid_verifier(&"Zz09-._~".repeat(16)));
        for bad in ["a".repeat(42), "a".repeat(129), format!("{}+", "a".repeat(42)), format!("{} ", "a".repeat(43))] {
            assert!(!valid_verifier(&bad), "{bad}");
            // Even when the challenge matches the hash, a malformed verifier fails.
            assert!(!verify_s256(&bad, &challenge_for(&bad)), "{bad}");
        }
        assert!(!valid_verifier(&"é".repeat(30)));
    }

    #[test]
    fn challenge_syntax_is_enforced() {
        assert!(!valid_challenge(""));
        assert!(!valid_challenge(&CHALLENGE[..42]));
        assert!(!valid_challenge(&format!("{CHALLENGE}A")));
        assert!(!valid_challenge(&format!("{}=", &CHALLENGE[..42])));
        assert!(!valid_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"));
        // 43 characters whose last one has non-zero padding bits.
        assert!(!valid_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"));
    }
}
