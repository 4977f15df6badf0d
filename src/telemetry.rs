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

    /// Added unless the filter names tower-sessions itself (by its modules:
    /// a target is matched by prefix, and `tower_sessions` alone would
    /// silence the store crate's lines too). It logs every
    /// store error it passes on at `error` (one line per request while the
    /// store is down) and every cookie naming no stored session at `warn`
    /// (a client replaying old cookies would fill the log): the app logs
    /// each store failure itself, an outage once.
    const QUIET_TOWER_SESSIONS: &'static str =
        "tower_sessions::service=off,tower_sessions_core=off";

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
        let text = if self.0.contains("tower_sessions::") || self.0.contains("tower_sessions_core")
        {
            self.0.clone()
        } else {
            format!("{},{}", self.0, Self::QUIET_TOWER_SESSIONS)
        };
        // Parsed once already: it cannot fail now.
        EnvFilter::builder().parse_lossy(text)
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
