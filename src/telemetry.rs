//! Logging set-up. Nothing here, or anywhere, logs session ids or cookies.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// The default filter. PostgreSQL's notices ("schema already exists,
/// skipping" at every start) are not news.
const DEFAULT_FILTER: &str = "info,sqlx::postgres::notice=warn";

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

/// Logs to stderr in `format` (text in colour only on a terminal);
/// `RUST_LOG` overrides [`DEFAULT_FILTER`].
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => logs.with_ansi(false).json().flatten_event(true).init(),
    }
}
