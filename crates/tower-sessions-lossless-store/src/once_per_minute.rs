//! Lets an event that can come thousands of times a second (a refusal
//! under a flood) reach the log at most once a minute, with how many were
//! left out since: a flood must not fill the log too.

use std::{
    sync::atomic::{
        AtomicU64,
        Ordering::{AcqRel, Acquire, Relaxed},
    },
    time::Instant,
};

/// One kind of event's turn in the log: at most one line a minute.
#[derive(Debug)]
pub struct OncePerMinute {
    started: Instant,
    /// When the next line may be written, in ms since `started`.
    next_ms: AtomicU64,
    /// Events since the last line written.
    left_out: AtomicU64,
}

impl Default for OncePerMinute {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            next_ms: 0.into(),
            left_out: 0.into(),
        }
    }
}

impl OncePerMinute {
    const EVERY_MS: u64 = 60_000;

    /// One event: `Some(n)` when it is to be logged now, `n` being how many
    /// were not logged since the last line; `None` when it is left out.
    pub fn due(&self) -> Option<u64> {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let next = self.next_ms.load(Acquire);
        if now >= next
            && self
                .next_ms
                .compare_exchange(next, now.saturating_add(Self::EVERY_MS), AcqRel, Acquire)
                .is_ok()
        {
            return Some(self.left_out.swap(0, Relaxed));
        }
        self.left_out.fetch_add(1, Relaxed);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_event_is_logged_and_the_rest_of_the_minute_only_counted() {
        let log = OncePerMinute::default();
        assert_eq!(log.due(), Some(0));
        for _ in 0..1000 {
            assert_eq!(log.due(), None);
        }
        assert_eq!(log.left_out.load(Relaxed), 1000);
    }
}
