//! The limit on new sessions per client (`SESSION_NEW_PER_CLIENT_BURST`,
//! `SESSION_NEW_PER_CLIENT_PER_MINUTE`): beyond it a request that would
//! store a new session gets a 429 with `Retry-After`, and nothing is stored.
//!
//! Which client a request comes from is decided in front of the session
//! layer (`http::client`), which hands each request a [`Client`]; the check
//! itself is made by [`super::UserSession`] at the one point where it
//! knows a write is about to store a session that has none yet. So only
//! those requests count: reads, writes and logins of existing sessions, a
//! first visit's page and pops of no session are never limited. A limiter
//! in front of every request (`tower_governor`) could not tell them apart:
//! whether a request creates a session is known only once its handler
//! writes.
//!
//! The counting is `governor`'s keyed GCRA: per client one timestamp, no
//! timer, no task. Clients idle long enough to be back at a full burst are
//! forgotten once a minute, so memory follows the clients of the last
//! minute or so, not every client ever seen.

use std::{
    net::IpAddr,
    num::NonZeroU32,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota};
use tower_sessions_lossless_store::OncePerMinute;

use crate::{
    error::AppError,
    limits::{NewSessionsRefusal, NEW_SESSIONS_BURST, NEW_SESSIONS_PER_MINUTE},
    metrics::{CreationRefusal, Metrics},
};

/// The limit per client, as set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewSessionLimit {
    /// New sessions one client may start at once.
    pub burst: u32,
    /// New sessions a minute after that; 0 turns the limit off.
    pub per_minute: u32,
}

impl Default for NewSessionLimit {
    fn default() -> Self {
        Self {
            burst: NEW_SESSIONS_BURST,
            per_minute: NEW_SESSIONS_PER_MINUTE,
        }
    }
}

/// The app's one limiter, shared by every request (a cheap clone); `off`
/// when the limit is.
#[derive(Debug, Clone)]
pub struct NewSessionLimiter(Option<Arc<Limiter>>);

struct Limiter {
    limit: NewSessionLimit,
    per_client: DefaultKeyedRateLimiter<IpAddr>,
    metrics: Metrics,
    log: OncePerMinute,
    started: Instant,
    /// When clients back at a full burst were last forgotten, in ms since `started`.
    tidied_ms: AtomicU64,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("limit", &self.limit)
            .finish()
    }
}

impl NewSessionLimiter {
    /// A limiter for `limit`, counting its refusals in `metrics`.
    pub fn new(limit: NewSessionLimit, metrics: Metrics) -> Self {
        let (Some(burst), Some(per_minute)) = (
            NonZeroU32::new(limit.burst),
            NonZeroU32::new(limit.per_minute),
        ) else {
            return Self::off();
        };
        let quota = Quota::per_minute(per_minute).allow_burst(burst);
        Self(Some(Arc::new(Limiter {
            limit,
            per_client: DefaultKeyedRateLimiter::dashmap(quota),
            metrics,
            log: OncePerMinute::default(),
            started: Instant::now(),
            tidied_ms: AtomicU64::new(0),
        })))
    }

    /// No limit.
    pub fn off() -> Self {
        Self(None)
    }
}

impl Limiter {
    fn check(&self, client: IpAddr) -> Result<(), AppError> {
        self.tidy();
        let Err(not_until) = self.per_client.check_key(&client) else {
            return Ok(());
        };
        let wait = not_until.wait_time_from(self.per_client.clock().now());
        let refusal = NewSessionsRefusal {
            burst: self.limit.burst,
            per_minute: self.limit.per_minute,
            // Whole seconds, rounded up: asking again sooner is refused again.
            retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        };
        self.metrics.creation_refused(CreationRefusal::Rate);
        if let Some(left_out) = self.log.due() {
            tracing::warn!(
                %client,
                burst = refusal.burst,
                per_minute = refusal.per_minute,
                refused_before = left_out,
                "a new session refused: its client is over the limit per client (SESSION_NEW_PER_CLIENT_*); logged at most once a minute"
            );
        }
        Err(AppError::TooManyNewSessions(Some(refusal)))
    }

    /// Forgets, at most once a minute, the clients back at a full burst.
    fn tidy(&self) {
        const EVERY: Duration = Duration::from_secs(60);
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.tidied_ms.load(Ordering::Acquire);
        if u128::from(now.saturating_sub(last)) < EVERY.as_millis()
            || self
                .tidied_ms
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            return;
        }
        self.per_client.retain_recent();
        self.per_client.shrink_to_fit();
    }
}

/// The client a request comes from (an address, or an IPv6 /64), with the
/// limiter it is counted in; put on each request by `http::client`.
#[derive(Debug, Clone)]
pub struct Client {
    key: IpAddr,
    limiter: NewSessionLimiter,
}

impl Client {
    pub fn new(key: IpAddr, limiter: NewSessionLimiter) -> Self {
        Self { key, limiter }
    }

    /// Counts one new session for this client.
    ///
    /// # Errors
    /// [`AppError::TooManyNewSessions`] when the client is over its limit:
    /// the session must not be stored.
    pub fn start_session(&self) -> Result<(), AppError> {
        match &self.limiter.0 {
            Some(limiter) => limiter.check(self.key),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_burst_then_waits_and_others_are_not_touched() {
        let limit = NewSessionLimit {
            burst: 3,
            per_minute: 60,
        };
        let limiter = NewSessionLimiter::new(limit, Metrics::disabled());
        let one = Client::new([192, 0, 2, 1].into(), limiter.clone());
        for _ in 0..3 {
            assert_eq!(one.start_session(), Ok(()));
        }
        let Err(AppError::TooManyNewSessions(Some(refusal))) = one.start_session() else {
            panic!("the fourth new session within a second must be refused");
        };
        assert_eq!((refusal.burst, refusal.per_minute), (3, 60));
        assert_eq!(refusal.retry_after_secs, 1);
        let other = Client::new([192, 0, 2, 2].into(), limiter);
        assert_eq!(other.start_session(), Ok(()));
    }

    #[test]
    fn a_rate_of_zero_is_no_limit() {
        let limit = NewSessionLimit {
            burst: 1,
            per_minute: 0,
        };
        let client = Client::new(
            [192, 0, 2, 1].into(),
            NewSessionLimiter::new(limit, Metrics::disabled()),
        );
        for _ in 0..1000 {
            assert_eq!(client.start_session(), Ok(()));
        }
    }
}
