//! Why start-up cannot go on.

use std::path::PathBuf;

use tower_sessions_lossless_store::BadStoreUrl;

use super::MIN_SECRET_BYTES;
use crate::telemetry::{LogFilter, LogFormat};

/// Why start-up cannot go on; each message names the variable to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("SESSION_SECRET is not set. In production (LEPTOS_ENV=PROD or unset) it is required: at least {MIN_SECRET_BYTES} bytes, e.g. `openssl rand -hex 64`")]
    MissingSecret,
    #[error("SESSION_SECRET is {0} bytes; it must be at least {MIN_SECRET_BYTES} (e.g. `openssl rand -hex 64`)")]
    ShortSecret(usize),
    #[error("SESSION_PREVIOUS_SECRETS: entry {0} is {1} bytes; each must be at least {MIN_SECRET_BYTES}")]
    ShortPreviousSecret(usize, usize),
    #[error("LEPTOS_ENV={0:?} is not understood; use DEV or PROD")]
    BadEnvironment(String),
    #[error("SESSION_COOKIE_SECURE={0:?} is not understood; use true or false")]
    BadSecureFlag(String),
    #[error(
        "METRICS_ADDR={0:?} is not understood; use an IP address and port, e.g. 127.0.0.1:9100"
    )]
    BadMetricsAddr(String),
    #[error("LOG_FORMAT={0:?} is not understood; use {accepted}", accepted = LogFormat::ACCEPTED)]
    BadLogFormat(String),
    /// The crate's message starts with the URL as written.
    #[error("SESSION_STORE={0}")]
    BadStore(#[from] BadStoreUrl),
    #[error("{name}={value:?} is not understood; use a whole number of seconds{hint}")]
    BadSeconds {
        name: &'static str,
        value: String,
        hint: &'static str,
    },
    #[error("could not read or keep the development key in {path}: {source}")]
    DevSecretFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{name}={value:?} is not understood; use {wanted}")]
    BadValue {
        name: &'static str,
        value: String,
        wanted: &'static str,
    },
    #[error("RUST_LOG={value:?} is not understood ({why}); use tracing's filter syntax, e.g. info or debug,sqlx=warn (unset: {default})", default = LogFilter::DEFAULT)]
    BadLogFilter { value: String, why: String },
    #[error("LEPTOS_SITE_ROOT={root:?}: there is no folder {path}; it must hold the built site (cargo leptos build --release writes target/site): set LEPTOS_SITE_ROOT to that folder, or start the server from the folder that holds it")]
    SiteRoot { root: String, path: PathBuf },
    #[error("LEPTOS_SITE_ROOT={root:?}: the page links {linked}, but {path} is missing: {hint}")]
    SiteFile {
        linked: String,
        path: PathBuf,
        root: String,
        hint: String,
    },
    #[error("Leptos's configuration (a LEPTOS_* variable): {0}")]
    Leptos(String),
}
