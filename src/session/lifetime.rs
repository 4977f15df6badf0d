//! How long a session may live, enforced on the server: an idle timeout and an
//! absolute lifetime (OWASP Session Management Cheat Sheet).
//!
//! Idle: the store record expires `idle` after its last save, so an idle
//! session is gone from the store's point of view whatever the cookie says.
//! Reads refresh it, at most every `refresh_every()`, so that a session in
//! use stays alive without a write on every request.
//! Absolute: the session's creation time is kept in it; once `absolute` has
//! passed, the session is ended on its next use.

use std::time::Duration;

/// The two limits; configured by `SESSION_IDLE_TIMEOUT_SECS` and
/// `SESSION_ABSOLUTE_TIMEOUT_SECS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for Lifetime {
    /// 30 minutes idle, 12 hours in all.
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(30 * 60),
            absolute: Duration::from_secs(12 * 3600),
        }
    }
}

impl Lifetime {
    /// How stale the last refresh may be before a read writes a new one:
    /// a minute, or half the idle timeout when that is shorter.
    pub fn refresh_every(&self) -> Duration {
        (self.idle / 2).min(Duration::from_secs(60))
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX)
}
