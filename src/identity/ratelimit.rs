//! Login throttling: a fixed window of failed attempts with lockout.
//!
//! Why: password guessing must be slowed per account (10 failures per 15
//! minutes) and per client IP (50 per 15 minutes). This module is only the
//! arithmetic, with the clock passed in (Unix seconds), so it is exactly
//! testable; the Durable Object that stores one [`Window`] per key is written
//! elsewhere.
//!
//! Semantics:
//! - A window starts at the first failure and lasts `window_secs`.
//! - Once it holds `max` failures, [`check`] denies until the window ends
//!   (the lockout); denied attempts should not be recorded, and recording
//!   more failures never extends the window.
//! - After the window ends, the next failure starts a fresh one.
//! - A successful login should clear the per-account window ([`reset`]); the
//!   per-IP window is normally left alone. That choice is the caller's.

/// Failures counted in the current window. `start` is in Unix seconds.
/// `Window::default()` is "no failures".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
pub struct Window {
    pub start: u64,
    pub count: u32,
}

/// At most `max` failures per `window_secs`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: u32,
    pub window_secs: u64,
}

/// Per account (normalized email): 10 failures per 15 minutes.
pub const PER_ACCOUNT: Limit = Limit { max: 10, window_secs: 900 };
/// Per client IP: 50 failures per 15 minutes.
pub const PER_IP: Limit = Limit { max: 50, window_secs: 900 };

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Try again in `retry_after` seconds (always at least 1; suitable for a
    /// `Retry-After` header).
    Deny {
        retry_after: u64,
    },
}

/// True when `w` no longer applies at `now` (its window has ended), so the
/// stored value may be deleted.
pub fn is_expired(w: &Window, limit: Limit, now: u64) -> bool {
    now >= w.start.saturating_add(limit.window_secs)
}

/// May another attempt be made at `now`? Denies when the current window
/// already holds `limit.max` failures.
pub fn check(w: &Window, limit: Limit, now: u64) -> Decision {
    if is_expired(w, limit, now) || w.count < limit.max {
        return Decision::Allow;
    }
    let end = w.start.saturating_add(limit.window_secs);
    // If the clock went backwards (now < start), never ask for more than one
    // full window.
    Decision::Deny { retry_after: (end - now).min(limit.window_secs).max(1) }
}

/// The window after one more failure at `now`: a fresh window if the old one
/// has ended, otherwise the same window with one more failure.
pub fn record_failure(w: Window, limit: Limit, now: u64) -> Window {
    if is_expired(&w, limit, now) {
        Window { start: now, count: 1 }
    } else {
        Window { start: w.start, count: w.count.saturating_add(1) }
    }
}

/// An empty window: what a successful login stores for its account.
pub fn reset() -> Window {
    Window::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_700_000_000;
    const SMALL: Limit = Limit { max: 3, window_secs: 60 };

    fn fail_n(n: u32, limit: Limit, at: u64) -> Window {
        (0..n).fold(reset(), |w, _| record_failure(w, limit, at))
    }

    #[test]
    fn empty_window_allows() {
        assert_eq!(check(&reset(), PER_ACCOUNT, T0), Decision::Allow);
        assert_eq!(check(&reset(), PER_ACCOUNT, 0), Decision::Allow);
        assert!(is_expired(&reset(), PER_ACCOUNT, T0));
    }

    #[test]
    fn first_failure_starts_window_at_now() {
        let w = record_failure(reset(), SMALL, T0);
        assert_eq!(w, Window { start: T0, count: 1 });
        let w = record_failure(w, SMALL, T0 + 30);
        assert_eq!(w, Window { start: T0, count: 2 });
    }

    #[test]
    fn denies_at_max_until_window_end() {
        let w = fail_n(3, SMALL, T0);
        assert_eq!(w.count, 3);
        assert_eq!(check(&fail_n(2, SMALL, T0), SMALL, T0), Decision::Allow);
        assert_eq!(check(&w, SMALL, T0), Decision::Deny { retry_after: 60 });
        assert_eq!(check(&w, SMALL, T0 + 59), Decision::Deny { retry_after: 1 });
        assert_eq!(check(&w, SMALL, T0 + 60), Decision::Allow);
        assert!(!is_expired(&w, SMALL, T0 + 59));
        assert!(is_expired(&w, SMALL, T0 + 60));
    }

    #[test]
    fn failure_after_expiry_starts_fresh_window() {
        let w = fail_n(3, SMALL, T0);
        let w = record_failure(w, SMALL, T0 + 60);
        assert_eq!(w, Window { start: T0 + 60, count: 1 });
        assert_eq!(check(&w, SMALL, T0 + 61), Decision::Allow);
    }

    #[test]
    fn recording_while_locked_does_not_extend_the_window() {
        let w = fail_n(5, SMALL, T0);
        assert_eq!(w, Window { start: T0, count: 5 });
        assert_eq!(check(&w, SMALL, T0 + 10), Decision::Deny { retry_after: 50 });
        assert_eq!(check(&w, SMALL, T0 + 60), Decision::Allow);
    }

    #[test]
    fn per_account_limit_is_ten_per_fifteen_minutes() {
        let nine = fail_n(9, PER_ACCOUNT, T0);
        assert_eq!(check(&nine, PER_ACCOUNT, T0 + 100), Decision::Allow);
        let ten = record_failure(nine, PER_ACCOUNT, T0 + 100);
        assert_eq!(check(&ten, PER_ACCOUNT, T0 + 100), Decision::Deny { retry_after: 800 });
        assert_eq!(check(&ten, PER_ACCOUNT, T0 + 900), Decision::Allow);
        assert_eq!(check(&ten, PER_IP, T0 + 100), Decision::Allow, "IP allows 50");
    }

    #[test]
    fn per_ip_limit_is_fifty_per_fifteen_minutes() {
        let w = fail_n(49, PER_IP, T0);
        assert_eq!(check(&w, PER_IP, T0), Decision::Allow);
        let w = record_failure(w, PER_IP, T0 + 1);
        assert_eq!(check(&w, PER_IP, T0 + 1), Decision::Deny { retry_after: 899 });
    }

    #[test]
    fn reset_clears_lockout() {
        let w = fail_n(10, PER_ACCOUNT, T0);
        assert!(matches!(check(&w, PER_ACCOUNT, T0), Decision::Deny { .. }));
        assert_eq!(check(&reset(), PER_ACCOUNT, T0), Decision::Allow);
        assert_eq!(reset(), Window { start: 0, count: 0 });
    }

    #[test]
    fn clock_going_backwards_is_bounded() {
        let w = fail_n(3, SMALL, T0);
        assert_eq!(check(&w, SMALL, T0 - 1000), Decision::Deny { retry_after: 60 });
        let w = record_failure(w, SMALL, T0 - 1000);
        assert_eq!(w, Window { start: T0, count: 4 });
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        let w = Window { start: u64::MAX - 5, count: u32::MAX };
        assert_eq!(record_failure(w, SMALL, u64::MAX - 1).count, u32::MAX);
        assert!(matches!(check(&w, SMALL, u64::MAX - 1), Decision::Deny { .. }));
    }

    #[test]
    fn window_serializes_as_plain_fields() {
        let w = Window { start: T0, count: 2 };
        let json = serde_json::to_value(w).expect("ser");
        assert_eq!(json, serde_json::json!({"start": T0, "count": 2}));
        let back: Window = serde_json::from_value(json).expect("de");
        assert_eq!(back, w);
    }
}
