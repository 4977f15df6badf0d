//! How the inspector words a time left. Both builds: the server writes the
//! first value, the page's countdown ticks it on.

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

#[cfg(test)]
mod tests {
    use super::time_left;

    #[test]
    fn counts_down_in_minutes_and_hours_and_ends_at_now() {
        assert_eq!(time_left(30 * 60 * 1000), "in 30:00");
        assert_eq!(time_left(61_001), "in 1:02");
        assert_eq!(time_left(1), "in 0:01");
        assert_eq!(time_left(0), "now");
        assert_eq!(time_left(-5), "now");
        assert_eq!(time_left(7 * 24 * 3600 * 1000), "in 168:00:00");
    }
}
