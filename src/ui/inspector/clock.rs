//! Time as the inspector shows it: a moment in UTC, a time left, and the
//! clock that counts it down (a signal, ticking once a second in the
//! browser).

use leptos::prelude::*;
use time::OffsetDateTime;

/// `ms` milliseconds left as `m:ss` (or `h:mm:ss`); "now" once none are left.
pub fn time_left(ms: i64) -> String {
    if ms <= 0 {
        return "now".to_owned();
    }
    // Round up: a countdown that shows 0:00 has already ended.
    let secs = (ms + 999) / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("in {h}:{m:02}:{s:02}")
    } else {
        format!("in {m}:{s:02}")
    }
}

/// Unix milliseconds as the page shows a moment: `2026-11-27 09:41:03 UTC`.
pub fn when(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).map_or_else(
        |_| "Out of range".to_owned(),
        |t| {
            format!(
                "{} {:02}:{:02}:{:02} UTC",
                t.date(),
                t.hour(),
                t.minute(),
                t.second()
            )
        },
    )
}

/// Now, in Unix milliseconds, by the clock of the side rendering.
pub fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000
    }
}

/// Now, as a signal: set once on the server, once a second in the browser.
pub fn ticking() -> ReadSignal<i64> {
    let (now, set_now) = signal(now_ms());
    // Effects run only in the browser.
    Effect::new(move || {
        if let Ok(interval) = set_interval_with_handle(
            move || {
                set_now.try_set(now_ms());
            },
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || interval.clear());
        }
    });
    now
}

#[cfg(test)]
mod tests {
    use super::{time_left, when};

    #[test]
    fn counts_down_in_minutes_and_hours_and_ends_at_now() {
        assert_eq!(time_left(30 * 60 * 1000), "in 30:00");
        assert_eq!(time_left(61_001), "in 1:02");
        assert_eq!(time_left(1), "in 0:01");
        assert_eq!(time_left(0), "now");
        assert_eq!(time_left(-5), "now");
        assert_eq!(time_left(7 * 24 * 3600 * 1000), "in 168:00:00");
    }

    #[test]
    fn moments_read_in_utc() {
        assert_eq!(when(1_764_236_463_000), "2025-11-27 09:41:03 UTC");
        assert_eq!(when(i64::MAX), "Out of range");
    }
}
