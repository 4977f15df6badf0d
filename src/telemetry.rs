//! Logging set-up. Nothing here, or anywhere, logs session ids or cookies.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// How each log line is written (`LOG_FORMAT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// For people: one readable line per event.
    #[default]
    Text,
    /// For log shippers: one JSON object per line, the event's fields at
    /// its top level.
    Json,
}

impl LogFormat {
    /// The values `LOG_FORMAT` accepts, as its error message lists them.
    pub const ACCEPTED: &'static str = "text (the default) or json";

    /// `text` or `json`, in any case.
    pub fn parse(value: &str) -> Option<Self> {
        match value.to_ascii_lowercase().as_str() {
            "text" => Some(Self::Text),
            "json" => Some(Self::Json),
            _ => None,
        }
    }
}

/// Which events are logged (`RUST_LOG`, in tracing's `EnvFilter` syntax),
/// checked when read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFilter(String);

impl LogFilter {
    /// Unset `RUST_LOG`. PostgreSQL's notices ("schema already exists,
    /// skipping" at every start) are not news.
    pub const DEFAULT: &'static str = "info,sqlx::postgres::notice=warn";

    /// `text` if tracing can read it.
    ///
    /// # Errors
    /// The parser's reason, as text.
    pub fn parse(text: &str) -> Result<Self, String> {
        EnvFilter::builder()
            .parse(text)
            .map(|_| Self(text.to_owned()))
            .map_err(|err| err.to_string())
    }

    fn filter(&self) -> EnvFilter {
        // Parsed once already: it cannot fail now.
        EnvFilter::builder().parse_lossy(&self.0)
    }
}

impl Default for LogFilter {
    fn default() -> Self {
        Self(Self::DEFAULT.to_owned())
    }
}

/// Logs to stderr in `format` (text in colour only on a terminal), the
/// events `filter` lets through.
pub fn init(format: LogFormat, filter: &LogFilter) {
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter.filter())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => logs.with_ansi(false).json().flatten_event(true).init(),
    }
}

/// Lets an event that can come thousands of times a second (a refusal
/// under a flood) reach the log at most once a minute, with how many were
/// left out since: a flood must not fill the log too.
#[derive(Debug)]
pub struct OncePerMinute {
    started: std::time::Instant,
    /// When the next line may be written, in ms since `started`.
    next_ms: std::sync::atomic::AtomicU64,
    /// Events since the last line written.
    left_out: std::sync::atomic::AtomicU64,
}

impl Default for OncePerMinute {
    fn default() -> Self {
        Self {
            started: std::time::Instant::now(),
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
        use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};
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
    use super::OncePerMinute;

    #[test]
    fn the_first_event_is_logged_and_the_rest_of_the_minute_only_counted() {
        let log = OncePerMinute::default();
        assert_eq!(log.due(), Some(0));
        for _ in 0..1000 {
            assert_eq!(log.due(), None);
        }
        assert_eq!(
            log.left_out.load(std::sync::atomic::Ordering::Relaxed),
            1000
        );
    }
}
