//! Logging set-up. Nothing here, or anywhere, logs session ids or cookies.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// The default filter. PostgreSQL's notices ("schema already exists,
/// skipping" at every start) are not news.
const DEFAULT_FILTER: &str = "info,sqlx::postgres::notice=warn";

/// Logs to stderr (colour only on a terminal); `RUST_LOG` overrides [`DEFAULT_FILTER`].
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
