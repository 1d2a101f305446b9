//! Password hashing with Argon2id, stored as PHC strings.
//!
//! Why Argon2id, not WebCrypto PBKDF2: Cloudflare's workerd caps PBKDF2 at
//! 100,000 iterations, below OWASP's 600,000 for PBKDF2-SHA256. Argon2id in
//! pure Rust has no cap and is memory-hard; [`KdfParams::CURRENT`] is OWASP's
//! minimum Argon2id setting. Format (as the reference implementation):
//! `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, unpadded standard base64,
//! 16-byte salt, 32-byte hash. Stored hashes are untrusted input: parameters
//! outside [`KdfParams::within_bounds`] are refused before any work is done,
//! so a crafted or corrupted row cannot make a request burn unbounded CPU.

use std::fmt;
use std::ops::RangeInclusive;

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;

use crate::crypto::ct_eq;

/// Argon2id cost parameters: memory in KiB, iterations, lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

impl KdfParams {
    /// What new hashes are made with (OWASP minimum for Argon2id).
    pub const CURRENT: KdfParams = KdfParams::new(19456, 2, 1);

    pub const fn new(m_kib: u32, t: u32, p: u32) -> Self {
        Self { m_kib, t, p }
    }

    /// True when these parameters are ones we are willing to compute:
    /// `1 <= p <= 4`, `1 <= t <= 10`, `8*p <= m_kib <= 65536` (64 MiB).
    pub fn within_bounds(&self) -> bool {
        (1..=4).contains(&self.p) && (1..=10).contains(&self.t) && self.m_kib <= 65536 && self.m_kib >= 8 * self.p
    }
}

/// Salt length of new hashes, in bytes.
pub const SALT_LEN: usize = 16;
/// Output length of new hashes, in bytes.
pub const HASH_LEN: usize = 32;
const SALT_RANGE: RangeInclusive<usize> = 8..=64;
const HASH_RANGE: RangeInclusive<usize> = 16..=64;

/// Why a stored hash was refused (see `Display`), or, for `Compute`, why
/// Argon2 itself failed (not expected once the other checks pass).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KdfError {
    Malformed,
    UnsupportedAlgorithm(String),
    MissingVersion,
    UnsupportedVersion(String),
    MissingParam(&'static str),
    DuplicateParam(String),
    UnknownParam(String),
    InvalidParamValue(String),
    InvalidBase64(&'static str),
    BadSaltLength(usize),
    BadHashLength(usize),
    ParamsOutOfBounds(KdfParams),
    Compute(String),
}

impl fmt::Display for KdfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => write!(f, "not a PHC string ($alg$v=..$params$salt$hash)"),
            Self::UnsupportedAlgorithm(a) => write!(f, "unsupported algorithm '{a}'"),
            Self::MissingVersion => write!(f, "missing version (v=19)"),
            Self::UnsupportedVersion(v) => write!(f, "unsupported version '{v}'"),
            Self::MissingParam(p) => write!(f, "missing parameter '{p}'"),
            Self::DuplicateParam(p) => write!(f, "duplicate parameter '{p}'"),
            Self::UnknownParam(p) => write!(f, "unknown parameter '{p}'"),
            Self::InvalidParamValue(p) => write!(f, "invalid value for parameter '{p}'"),
            Self::InvalidBase64(part) => write!(f, "{part} is not valid base64"),
            Self::BadSaltLength(n) => write!(f, "salt is {n} bytes; expected 8-64"),
            Self::BadHashLength(n) => write!(f, "hash is {n} bytes; expected 16-64"),
            Self::ParamsOutOfBounds(k) => write!(f, "parameters out of bounds: {k:?}"),
            Self::Compute(msg) => write!(f, "argon2 failed: {msg}"),
        }
    }
}

impl std::error::Error for KdfError {}

/// A stored hash, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedHash {
    pub params: KdfParams,
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
}

/// Raw Argon2id v19 output of `len` bytes; refuses out-of-bounds params.
fn argon2id(pw: &str, salt: &[u8], k: KdfParams, len: usize) -> Result<Vec<u8>, KdfError> {
    if !k.within_bounds() {
        return Err(KdfError::ParamsOutOfBounds(k));
    }
    let compute_err = |e: argon2::Error| KdfError::Compute(e.to_string());
    let params = Params::new(k.m_kib, k.t, k.p, Some(len)).map_err(compute_err)?;
    let mut out = vec![0u8; len];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(pw.as_bytes(), salt, &mut out)
        .map_err(compute_err)?;
    Ok(out)
}

fn encode_phc(k: KdfParams, salt: &[u8], hash: &[u8]) -> String {
    let KdfParams { m_kib, t, p } = k;
    let (salt, hash) = (STANDARD_NO_PAD.encode(salt), STANDARD_NO_PAD.encode(hash));
    format!("$argon2id$v=19$m={m_kib},t={t},p={p}${salt}${hash}")
}

/// Hash `password` into a PHC string. The caller supplies the salt
/// (`crypto::random_bytes::<16>()`), which keeps this function testable.
///
/// # Panics
/// If `params` is outside [`KdfParams::within_bounds`]: parameters are chosen
/// by code (normally [`KdfParams::CURRENT`]), so that is a programming error.
pub fn hash_password(password: &str, salt: &[u8; SALT_LEN], params: KdfParams) -> String {
    match argon2id(password, salt, params, HASH_LEN) {
        Ok(hash) => encode_phc(params, salt, &hash),
        Err(err) => panic!("hash_password called with unusable parameters: {err}"),
    }
}

/// Canonical decimal `u32`: digits only, no sign, no leading zeros.
fn parse_decimal(name: &str, value: &str) -> Result<u32, KdfError> {
    let canonical =
        !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) && (value == "0" || !value.starts_with('0'));
    let parsed = if canonical { value.parse().ok() } else { None };
    parsed.ok_or_else(|| KdfError::InvalidParamValue(name.to_string()))
}

fn parse_params(section: &str) -> Result<KdfParams, KdfError> {
    let (mut m, mut t, mut p) = (None, None, None);
    for pair in section.split(',') {
        let Some((name, value)) = pair.split_once('=') else {
            return Err(KdfError::InvalidParamValue(pair.to_string()));
        };
        let slot = match name {
            "m" => &mut m,
            "t" => &mut t,
            "p" => &mut p,
            other => return Err(KdfError::UnknownParam(other.to_string())),
        };
        if slot.is_some() {
            return Err(KdfError::DuplicateParam(name.to_string()));
        }
        *slot = Some(parse_decimal(name, value)?);
    }
    let missing = KdfError::MissingParam;
    let (m, t, p) = (m.ok_or(missing("m"))?, t.ok_or(missing("t"))?, p.ok_or(missing("p"))?);
    Ok(KdfParams::new(m, t, p))
}

fn decode_b64(part: &'static str, b64: &str) -> Result<Vec<u8>, KdfError> {
    STANDARD_NO_PAD.decode(b64).map_err(|_| KdfError::InvalidBase64(part))
}

/// Decode and check a stored PHC string. Only `argon2id`, version 19, with
/// exactly the parameters `m`, `t`, `p` (any order) within bounds, a salt of
/// 8-64 bytes and a hash of 16-64 bytes.
pub fn parse_phc(stored: &str) -> Result<ParsedHash, KdfError> {
    let rest = stored.strip_prefix('$').ok_or(KdfError::Malformed)?;
    let parts: Vec<&str> = rest.split('$').collect();
    let algorithm = parts.first().copied().unwrap_or_default();
    if algorithm != "argon2id" {
        return Err(KdfError::UnsupportedAlgorithm(algorithm.to_string()));
    }
    let (version, params, salt, hash) = match parts.as_slice() {
        [_, version, params, salt, hash] => (*version, *params, *salt, *hash),
        [_, params, _, _] if !params.starts_with("v=") => return Err(KdfError::MissingVersion),
        _ => return Err(KdfError::Malformed),
    };
    match version.strip_prefix("v=") {
        Some("19") => {}
        Some(other) => return Err(KdfError::UnsupportedVersion(other.to_string())),
        None => return Err(KdfError::MissingVersion),
    }
    let params = parse_params(params)?;
    if !params.within_bounds() {
        return Err(KdfError::ParamsOutOfBounds(params));
    }
    let (salt, hash) = (decode_b64("salt", salt)?, decode_b64("hash", hash)?);
    if !SALT_RANGE.contains(&salt.len()) {
        return Err(KdfError::BadSaltLength(salt.len()));
    }
    if !HASH_RANGE.contains(&hash.len()) {
        return Err(KdfError::BadHashLength(hash.len()));
    }
    Ok(ParsedHash { params, salt, hash })
}

/// Check `password` against a stored PHC string (recomputed with its params
/// and salt, compared in constant time). `Ok(false)`: wrong password; `Err`:
/// the stored value is unusable.
pub fn verify_password(password: &str, stored: &str) -> Result<bool, KdfError> {
    let parsed = parse_phc(stored)?;
    let computed = argon2id(password, &parsed.salt, parsed.params, parsed.hash.len())?;
    Ok(ct_eq(&computed, &parsed.hash))
}

/// True when `stored` should be replaced by a fresh [`hash_password`] after a
/// successful login: it is unparsable, or weaker than what we issue now
/// (memory or iterations below [`KdfParams::CURRENT`], or salt/hash shorter
/// than 16/32 bytes). A different lane count alone does not trigger it.
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = parse_phc(stored) else {
        return true;
    };
    parsed.params.m_kib < KdfParams::CURRENT.m_kib
        || parsed.params.t < KdfParams::CURRENT.t
        || parsed.salt.len() < SALT_LEN
        || parsed.hash.len() < HASH_LEN
}

/// Salt of the dummy hash used by [`dummy_verify`]; not a secret.
const DUMMY_SALT: [u8; SALT_LEN] = *b"dockyard-dummy!!";

/// Do the same work as verifying against a real [`KdfParams::CURRENT`] hash,
/// and throw the result away. Call it when the account does not exist so
/// "no such user" takes as long as "wrong password".
pub fn dummy_verify(password: &str) {
    let dummy = encode_phc(KdfParams::CURRENT, &DUMMY_SALT, &[0u8; HASH_LEN]);
    let outcome = verify_password(password, &dummy);
    std::hint::black_box(outcome).ok();
}

#[cfg(test)]
mod tests {
    use super::*;
    use KdfError::*;

    /// Cheap parameters so debug-build tests stay fast.
    const FAST: KdfParams = KdfParams::new(64, 1, 1);
    const SALT: [u8; 16] = [7u8; 16];
    const REF_SALT: &str = "c29tZXNhbHQ";
    const REF_HASH: &str = "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

    fn with_params(section: &str) -> String {
        format!("$argon2id$v=19${section}${REF_SALT}${REF_HASH}")
    }

    /// Argon2id straight from the crate, bypassing our wrapper.
    fn direct(password: &[u8], salt: &[u8], k: KdfParams, len: usize) -> Vec<u8> {
        let params = Params::new(k.m_kib, k.t, k.p, Some(len)).expect("params");
        let mut out = vec![0u8; len];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(password, salt, &mut out)
            .expect("hash");
        out
    }

    #[test]
    fn reference_vector_from_phc_winner_argon2() {
        // phc-winner-argon2 test.c: "password", "somesalt", m=65536,t=2,p=1.
        let stored = with_params("m=65536,t=2,p=1");
        let parsed = parse_phc(&stored).expect("parses");
        assert_eq!(parsed.salt, b"somesalt");
        assert_eq!(
            crate::crypto::hex_encode(&parsed.hash),
            "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7"
        );
        assert_eq!(verify_password("password", &stored), Ok(true));
        assert_eq!(verify_password("Password", &stored), Ok(false));
    }

    #[test]
    fn encoding_matches_argon2_crate_and_is_pinned() {
        let stored = hash_password("password", &SALT, FAST);
        let pinned = "$argon2id$v=19$m=64,t=1,p=1$BwcHBwcHBwcHBwcHBwcHBw$DJQryp7QILXgTZqVrDKysMv6eOJjVInpRV1aXQez3oM";
        assert_eq!(stored, pinned);
        let parsed = parse_phc(&stored).expect("own output parses");
        assert_eq!(parsed.hash, direct(b"password", &SALT, FAST, 32));
        assert_eq!((parsed.salt.as_slice(), parsed.params), (&SALT[..], FAST));
        assert_eq!(hash_password("password", &SALT, FAST), stored);
    }

    #[test]
    fn roundtrip_and_wrong_password() {
        let stored = hash_password("correct horse battery", &SALT, FAST);
        assert_eq!(verify_password("correct horse battery", &stored), Ok(true));
        assert_eq!(verify_password("correct horse batterY", &stored), Ok(false));
        assert_eq!(verify_password("", &stored), Ok(false));
        let other_salt = hash_password("correct horse battery", &[8u8; 16], FAST);
        assert_ne!(other_salt, stored);
        // Hashes of other lengths (16..=64 bytes) verify too.
        for len in [16usize, 64] {
            let stored = encode_phc(FAST, &SALT, &direct(b"pw", &SALT, FAST, len));
            assert_eq!(verify_password("pw", &stored), Ok(true), "len {len}");
            assert_eq!(verify_password("pW", &stored), Ok(false), "len {len}");
        }
    }

    #[test]
    fn current_params_roundtrip_and_dummy_verify() {
        let stored = hash_password("hunter2hunter2", &SALT, KdfParams::CURRENT);
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(verify_password("hunter2hunter2", &stored), Ok(true));
        assert_eq!(verify_password("hunter2hunter3", &stored), Ok(false));
        assert!(!needs_rehash(&stored));
        dummy_verify("anything at all");
        let dummy = encode_phc(KdfParams::CURRENT, &DUMMY_SALT, &[0u8; HASH_LEN]);
        assert_eq!(parse_phc(&dummy).map(|p| p.params), Ok(KdfParams::CURRENT));
    }

    #[test]
    fn parse_accepts_any_param_order_and_the_bounds_themselves() {
        let any_order = parse_phc(&with_params("p=1,t=2,m=65536")).map(|h| h.params);
        assert_eq!(any_order, Ok(KdfParams::new(65536, 2, 1)));
        assert!(parse_phc(&with_params("m=65536,t=10,p=4")).is_ok());
        assert!(parse_phc(&with_params("m=32,t=1,p=4")).is_ok());
    }

    #[test]
    fn parse_and_verify_refuse_each_defect_with_its_reason() {
        let good = with_params("m=65536,t=2,p=1");
        let (p, k) = (with_params, KdfParams::new);
        let sh = |salt: &str, hash: &str| format!("$argon2id$v=19$m=64,t=1,p=1${salt}${hash}");
        let alg = |a: &str| good.replacen("argon2id", a, 1);
        let b64 = |n: usize| STANDARD_NO_PAD.encode(vec![1u8; n]);
        let cases: Vec<(String, KdfError)> = vec![
            (String::new(), Malformed),
            (good[1..].to_string(), Malformed),
            (format!("$argon2id$v=19$m=64,t=1,p=1${REF_SALT}"), Malformed),
            (format!("{good}$extra"), Malformed),
            (alg("argon2i"), UnsupportedAlgorithm("argon2i".into())),
            (alg("argon2d"), UnsupportedAlgorithm("argon2d".into())),
            (alg("pbkdf2-sha256"), UnsupportedAlgorithm("pbkdf2-sha256".into())),
            (alg("ARGON2ID"), UnsupportedAlgorithm("ARGON2ID".into())),
            (good.replacen("v=19", "v=16", 1), UnsupportedVersion("16".into())),
            (good.replacen("$v=19", "", 1), MissingVersion),
            (p("m=64,t=1"), MissingParam("p")),
            (p("t=1,p=1"), MissingParam("m")),
            (p("m=64,m=64,t=1,p=1"), DuplicateParam("m".into())),
            (p("m=64,t=1,p=1,keyid=AAAA"), UnknownParam("keyid".into())),
            (p("m=64,t=x,p=1"), InvalidParamValue("t".into())),
            (p("m=+64,t=1,p=1"), InvalidParamValue("m".into())),
            (p("m=064,t=1,p=1"), InvalidParamValue("m".into())),
            (p("m=99999999999,t=1,p=1"), InvalidParamValue("m".into())),
            (p("m=64,t=1,p"), InvalidParamValue("p".into())),
            (p("m=65537,t=2,p=1"), ParamsOutOfBounds(k(65537, 2, 1))),
            (p("m=64,t=11,p=1"), ParamsOutOfBounds(k(64, 11, 1))),
            (p("m=64,t=1,p=5"), ParamsOutOfBounds(k(64, 1, 5))),
            (p("m=7,t=1,p=1"), ParamsOutOfBounds(k(7, 1, 1))),
            (p("m=16,t=1,p=3"), ParamsOutOfBounds(k(16, 1, 3))),
            (p("m=64,t=0,p=1"), ParamsOutOfBounds(k(64, 0, 1))),
            (p("m=64,t=1,p=0"), ParamsOutOfBounds(k(64, 1, 0))),
            (sh("c29tZXNhbHQ=", REF_HASH), InvalidBase64("salt")),
            (sh("c29t_XNhbHQ", REF_HASH), InvalidBase64("salt")),
            (sh(REF_SALT, "CTFh!"), InvalidBase64("hash")),
            (sh("c29tZXNhbA", REF_HASH), BadSaltLength(7)),
            (sh(&b64(65), REF_HASH), BadSaltLength(65)),
            (sh(REF_SALT, &b64(15)), BadHashLength(15)),
            (sh(REF_SALT, &b64(65)), BadHashLength(65)),
        ];
        for (stored, expected) in cases {
            assert_eq!(parse_phc(&stored), Err(expected.clone()), "{stored}");
            assert_eq!(verify_password("password", &stored), Err(expected), "{stored}");
        }
    }

    #[test]
    fn needs_rehash_when_weaker_or_unparsable() {
        assert!(needs_rehash("garbage"));
        let (k, cur) = (KdfParams::new, KdfParams::CURRENT);
        // (params, salt bytes, hash bytes, expected)
        let rows = [
            (FAST, 16, 32, true),
            (k(65536, 3, 2), 16, 32, false),
            (k(65536, 1, 1), 16, 32, true),
            (k(19455, 2, 1), 16, 32, true),
            (cur, 8, 32, true),
            (cur, 16, 16, true),
            (cur, 16, 32, false),
        ];
        for (params, salt_len, hash_len, expected) in rows {
            let stored = encode_phc(params, &vec![1u8; salt_len], &vec![1u8; hash_len]);
            assert_eq!(needs_rehash(&stored), expected, "{stored}");
        }
    }

    #[test]
    #[should_panic(expected = "unusable parameters")]
    fn hash_password_panics_on_out_of_bounds_params() {
        hash_password("pw", &SALT, KdfParams::new(1 << 20, 1, 1));
    }

    #[test]
    fn errors_say_the_reason() {
        assert_eq!(MissingParam("m").to_string(), "missing parameter 'm'");
        assert_eq!(BadSaltLength(7).to_string(), "salt is 7 bytes; expected 8-64");
        let alg = UnsupportedAlgorithm("argon2i".into()).to_string();
        assert_eq!(alg, "unsupported algorithm 'argon2i'");
    }
}
