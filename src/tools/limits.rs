//! The per-project data-tool rate window (pure arithmetic; the project hub
//! stores the window, `objects::hub_data`).
//!
//! Why the project's Durable Object and not the Workers rate-limit binding:
//! the limit is per project and configurable per project at run time (the
//! binding's limit is fixed in `wrangler.toml`), it must count draft and
//! production together (one hub serves both), and a test must see the exact
//! count (the binding is eventually consistent and approximate by design).
//! The hub runs one request at a time, so check-and-count is one step.
//!
//! Semantics: a fixed window of 60 s that starts at the first call (the
//! arithmetic of `identity::ratelimit`); once it holds the limit, calls are
//! refused until it ends, and a refused call is not counted. A fixed window
//! lets at most twice the limit through across one window edge; that is
//! the usual trade for O(1) state and is written down here on purpose.
//!
//! Test-only: `DOCKYARD_TEST_RATE_WINDOW_SECS` (1..=60, read by the hub,
//! [`window_secs`]) shortens the window so that an end-to-end test can see a
//! window end without waiting a minute. Unset (every deployment) or not a
//! number in range, the window is 60 s; the limit stays "per minute" in
//! every message, since only tests shorten it.

pub use crate::identity::ratelimit::Window;
use crate::identity::ratelimit::{check, record_failure, Decision, Limit};

/// Executions per minute when the project sets nothing (issue 12).
pub const DEFAULT_RATE_PER_MINUTE: u32 = 60;
/// The bounds of `data_tool_rate_per_minute`.
pub const MIN_RATE_PER_MINUTE: u32 = 1;
pub const MAX_RATE_PER_MINUTE: u32 = 10_000;
/// The window length.
pub const WINDOW_SECS: u64 = 60;
/// The test-only var that shortens the window (see the module doc).
pub const TEST_WINDOW_VAR: &str = "DOCKYARD_TEST_RATE_WINDOW_SECS";

/// The window length for the value of [`TEST_WINDOW_VAR`]: that many
/// seconds when it is an integer from 1 to 60, else [`WINDOW_SECS`].
pub fn window_secs(test_var: Option<&str>) -> u64 {
    test_var.and_then(|v| v.trim().parse::<u64>().ok()).filter(|n| (1..=WINDOW_SECS).contains(n)).unwrap_or(WINDOW_SECS)
}

/// Counts one execution at `now` (unix seconds) in a window of
/// `window_secs`: `Ok(next window)` to store, or `Err(retry_after_secs)` (at
/// least 1) when the window is full.
pub fn take(window: Window, per_minute: u32, now: u64, window_secs: u64) -> Result<Window, u64> {
    let limit = Limit { max: per_minute.max(1), window_secs };
    match check(&window, limit, now) {
        Decision::Allow => Ok(record_failure(window, limit, now)),
        Decision::Deny { retry_after } => Err(retry_after),
    }
}

/// Checks a `data_tool_rate_per_minute` value sent to `PATCH .../projects/<p>`.
pub fn parse_setting(v: &serde_json::Value) -> Result<u32, String> {
    let bad =
        || format!("data_tool_rate_per_minute must be an integer from {MIN_RATE_PER_MINUTE} to {MAX_RATE_PER_MINUTE}");
    let n = v.as_u64().ok_or_else(bad)?;
    if !(MIN_RATE_PER_MINUTE as u64..=MAX_RATE_PER_MINUTE as u64).contains(&n) {
        return Err(bad());
    }
    Ok(n as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_window_fills_refuses_and_recovers() {
        let mut w = Window::default();
        for i in 0..3 {
            w = take(w, 3, 1000 + i, WINDOW_SECS).expect("under the limit");
        }
        assert_eq!(w.count, 3);
        assert_eq!(take(w, 3, 1010, WINDOW_SECS), Err(50), "retry when the window that started at 1000 ends");
        assert_eq!(take(w, 3, 1059, WINDOW_SECS), Err(1));
        let fresh = take(w, 3, 1060, WINDOW_SECS).expect("a new window");
        assert_eq!((fresh.start, fresh.count), (1060, 1));
    }

    #[test]
    fn a_refused_call_is_not_counted() {
        let w = Window { start: 100, count: 1 };
        assert_eq!(take(w, 1, 101, WINDOW_SECS), Err(59));
        assert_eq!(take(w, 1, 101, WINDOW_SECS), Err(59));
        assert_eq!(w.count, 1);
    }

    #[test]
    fn a_test_window_is_shorter_and_bounded() {
        assert_eq!(window_secs(None), 60);
        assert_eq!(window_secs(Some("2")), 2);
        assert_eq!(window_secs(Some(" 60 ")), 60);
        for bad in ["0", "61", "-1", "2.5", "x", ""] {
            assert_eq!(window_secs(Some(bad)), 60, "{bad:?}");
        }
        let w = take(Window::default(), 1, 1000, 2).expect("the first call");
        assert_eq!(take(w, 1, 1001, 2), Err(1));
        assert!(take(w, 1, 1002, 2).is_ok(), "a 2 s window ends after 2 s");
    }

    #[test]
    fn the_setting_is_bounded() {
        assert_eq!(parse_setting(&json!(1)), Ok(1));
        assert_eq!(parse_setting(&json!(10000)), Ok(10000));
        for bad in [json!(0), json!(10001), json!(-1), json!(2.5), json!("5"), json!(null)] {
            assert!(parse_setting(&bad).is_err(), "{bad}");
        }
    }
}
