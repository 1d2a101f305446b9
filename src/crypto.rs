//! Small cryptographic primitives shared by the rest of Dockyard.
//!
//! Why this module exists: every place that mints an id or a secret token,
//! hashes a token for storage, signs a cookie, or compares a secret should do
//! it the same way, with the same encodings. Keeping these few functions in
//! one pure module (no I/O, no `worker`) means they are unit-tested natively
//! and nobody hand-rolls a non-constant-time comparison or a weak random id.
//!
//! Encodings: hex is always lowercase; base64 here is the URL-safe alphabet
//! without padding (safe in URLs, cookies and headers).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `N` bytes from the operating system's CSPRNG (WebCrypto
/// `getRandomValues` on Workers).
///
/// # Panics
/// Only if the platform RNG itself fails. There is no safe fallback for
/// missing randomness (ids and tokens would become guessable), so failing
/// the request loudly is the correct behaviour.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    if let Err(err) = getrandom::fill(&mut buf) {
        panic!("operating system RNG failed: {err}");
    }
    buf
}

/// A bearer secret: `prefix` followed by base64url (no padding) of 32 random
/// bytes (256 bits), e.g. `random_token("dy_")` -> `dy_` + 43 characters.
pub fn random_token(prefix: &str) -> String {
    let bytes: [u8; 32] = random_bytes();
    format!("{prefix}{}", b64url_encode(&bytes))
}

/// A public identifier: `"{prefix}_{32 lowercase hex chars}"` from 16 random
/// bytes, e.g. `new_id("usr")` -> `usr_3f9c…`. Not a secret.
pub fn new_id(prefix: &str) -> String {
    let bytes: [u8; 16] = random_bytes();
    format!("{prefix}_{}", hex_encode(&bytes))
}

/// SHA-256 of `data` as 64 lowercase hex characters.
pub fn sha256_hex(data: &[u8]) -> String {
    hex_encode(&Sha256::digest(data))
}

/// HMAC-SHA-256 of `data` under `key` (any key length is accepted).
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC defines a result for keys of every length (long keys are hashed,
    // short ones padded), so this constructor cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Constant-time equality of two byte strings. Slices of different lengths
/// are unequal (the length itself is not treated as secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Base64url without padding (RFC 4648 §5).
pub fn b64url_encode(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Inverse of [`b64url_encode`]. Returns `None` for padding, characters
/// outside the URL-safe alphabet, impossible lengths and non-canonical
/// trailing bits.
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s).ok()
}

/// Lowercase hex of `data`.
pub fn hex_encode(data: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(data.len() * 2);
    for &byte in data {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_fill_the_buffer_and_differ() {
        let a: [u8; 32] = random_bytes();
        let b: [u8; 32] = random_bytes();
        assert_ne!(a, b, "two 256-bit draws must not collide");
        assert_ne!(a, [0u8; 32]);
        let empty: [u8; 0] = random_bytes();
        assert_eq!(empty.len(), 0);
    }

    #[test]
    fn random_token_has_prefix_and_43_urlsafe_chars() {
        let t = random_token("dy_");
        let body = t.strip_prefix("dy_").expect("prefix kept");
        assert_eq!(body.len(), 43);
        assert!(body.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(b64url_decode(body).map(|v| v.len()), Some(32));
        assert_ne!(random_token("dy_"), t);
    }

    #[test]
    fn new_id_is_prefix_underscore_32_lower_hex() {
        let id = new_id("usr");
        let hex = id.strip_prefix("usr_").expect("prefix and underscore");
        assert_eq!(hex.len(), 32);
        assert!(hex.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')));
        assert_ne!(new_id("usr"), id);
    }

    #[test]
    fn sha256_known_answers() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn hmac_sha256_rfc4231_vectors() {
        // RFC 4231 test case 1.
        let mac = hmac_sha256(&[0x0b; 20], b"Hi There");
        assert_eq!(hex_encode(&mac), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        // Test case 2: short key.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex_encode(&mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // Test case 6: key longer than the block size.
        let mac = hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(hex_encode(&mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    #[test]
    fn ct_eq_compares_content_and_length() {
        assert!(ct_eq(b"secret", b"secret"));
        assert!(ct_eq(b"", b""));
        assert!(!ct_eq(b"secret", b"secreT"));
        assert!(!ct_eq(b"secret", b"secret2"));
        assert!(!ct_eq(b"", b"x"));
    }

    #[test]
    fn b64url_roundtrip_and_alphabet() {
        assert_eq!(b64url_encode(b""), "");
        assert_eq!(b64url_encode(b"f"), "Zg");
        assert_eq!(b64url_encode(b"foobar"), "Zm9vYmFy");
        // 0xfb 0xff encodes to characters that differ between alphabets.
        assert_eq!(b64url_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(b64url_decode("-_8"), Some(vec![0xfb, 0xff]));
        for len in 0..40 {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(b64url_decode(&b64url_encode(&data)), Some(data));
        }
    }

    #[test]
    fn b64url_decode_rejects_invalid_input() {
        assert_eq!(b64url_decode("Zg=="), None, "padding");
        assert_eq!(b64url_decode("+/8"), None, "standard alphabet");
        assert_eq!(b64url_decode("Z"), None, "impossible length");
        assert_eq!(b64url_decode("Zh"), None, "non-canonical trailing bits");
        assert_eq!(b64url_decode("Zm9v YmFy"), None, "whitespace");
    }

    #[test]
    fn hex_encode_is_lowercase_and_padded() {
        assert_eq!(hex_encode(&[]), "");
        assert_eq!(hex_encode(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }
}
