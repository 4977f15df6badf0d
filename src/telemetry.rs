//! Logging set-up. Nothing here, or anywhere, logs session ids or cookies.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Logs to stderr (colour only on a terminal); `RUST_LOG` overrides the default `info`.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
