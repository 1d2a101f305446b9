//! Version numbers of published project versions: strict `MAJOR.MINOR.PATCH`.
//!
//! Why strict (no `v` prefix, no leading zeros, no pre-release or build
//! metadata): versions are part of URLs (`.../versions/<v>`) and are compared
//! to order history; one spelling per version keeps both unambiguous.

use serde::{Deserialize, Serialize};

/// How much a publish changes the contract callers rely on. Ordered
/// `Patch < Minor < Major`, so the suggestion for a set of changes is the
/// `max()` of their bumps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    /// Descriptions, titles, annotations, UI, Instructions.
    Patch,
    /// Additive: new Types, new optional properties, loosened constraints.
    Minor,
    /// Breaking: removed or renamed Types, removed properties, newly required
    /// properties, narrowed types or constraints, added scopes.
    Major,
}

impl Bump {
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

/// The first version a project publishes.
pub const FIRST_VERSION: &str = "1.0.0";

/// `"1.2.3"` -> `(1, 2, 3)`; anything else (`"01.2.3"`, `"1.2"`, `"v1.2.3"`,
/// `"1.2.3-rc.1"`, overflow) -> `None`.
pub fn parse_semver(s: &str) -> Option<(u64, u64, u64)> {
    let mut parts = s.split('.');
    let major = number(parts.next()?)?;
    let minor = number(parts.next()?)?;
    let patch = number(parts.next()?)?;
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

fn number(part: &str) -> Option<u64> {
    let digits_only = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = part.len() > 1 && part.starts_with('0');
    if !digits_only || leading_zero {
        return None;
    }
    part.parse().ok()
}

/// `a > b` as versions; `false` when either does not parse.
pub fn is_greater(a: &str, b: &str) -> bool {
    match (parse_semver(a), parse_semver(b)) {
        (Some(a), Some(b)) => a > b,
        _ => false,
    }
}

/// The version after `current` for `bump`; [`FIRST_VERSION`] when nothing
/// was published yet. `None` when `current` does not parse or would
/// overflow.
pub fn try_next_version(current: Option<&str>, bump: Bump) -> Option<String> {
    let Some(current) = current else {
        return Some(FIRST_VERSION.to_string());
    };
    let (major, minor, patch) = parse_semver(current)?;
    let (major, minor, patch) = match bump {
        Bump::Major => (major.checked_add(1)?, 0, 0),
        Bump::Minor => (major, minor.checked_add(1)?, 0),
        Bump::Patch => (major, minor, patch.checked_add(1)?),
    };
    Some(format!("{major}.{minor}.{patch}"))
}

/// [`try_next_version`] that always answers: a `current` that does not parse
/// (never produced by Dockyard) is treated like no version, giving
/// [`FIRST_VERSION`]; the store's uniqueness check then refuses a clash.
pub fn next_version(current: Option<&str>, bump: Bump) -> String {
    try_next_version(current, bump).unwrap_or_else(|| FIRST_VERSION.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strictly() {
        assert_eq!(parse_semver("0.0.0"), Some((0, 0, 0)));
        assert_eq!(parse_semver("1.20.300"), Some((1, 20, 300)));
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.02.3",
            "v1.2.3",
            "1.2.3-rc.1",
            "1.2.3+b",
            " 1.2.3",
            "1..3",
            "1.2.-3",
            "99999999999999999999.0.0",
        ] {
            assert_eq!(parse_semver(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn compares_numerically() {
        assert!(is_greater("1.10.0", "1.9.9"));
        assert!(is_greater("2.0.0", "1.99.99"));
        assert!(!is_greater("1.0.0", "1.0.0"));
        assert!(!is_greater("1.0.0", "1.0.1"));
        assert!(!is_greater("x", "1.0.0"));
    }

    #[test]
    fn next_versions() {
        assert_eq!(next_version(None, Bump::Patch), "1.0.0");
        assert_eq!(next_version(Some("1.2.3"), Bump::Major), "2.0.0");
        assert_eq!(next_version(Some("1.2.3"), Bump::Minor), "1.3.0");
        assert_eq!(next_version(Some("1.2.3"), Bump::Patch), "1.2.4");
        assert_eq!(next_version(Some("0.9.1"), Bump::Major), "1.0.0");
        assert_eq!(try_next_version(Some("junk"), Bump::Patch), None);
        assert_eq!(next_version(Some("junk"), Bump::Patch), "1.0.0");
        let max = format!("1.{}.0", u64::MAX);
        assert_eq!(try_next_version(Some(&max), Bump::Minor), None);
    }

    #[test]
    fn bump_order_and_wire_names() {
        assert_eq!([Bump::Minor, Bump::Major, Bump::Patch].into_iter().max(), Some(Bump::Major));
        assert_eq!(serde_json::to_string(&Bump::Minor).ok().as_deref(), Some("\"minor\""));
        assert_eq!(Bump::Patch.as_str(), "patch");
    }
}
