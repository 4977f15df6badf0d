//! Settings, read once from the environment at start-up.
//!
//! Every variable is listed in the README and in `.env.example`. Production is
//! the default: with `LEPTOS_ENV` unset the cookie is `Secure` and a missing
//! `SESSION_SECRET` stops start-up. Every refusal names its variable; the
//! `LEPTOS_*` ones and the site folder are checked in `site.rs`.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use leptos::config::LeptosOptions;
use tower_sessions_lossless_store::{CachePolicy, StoreSettings, StoreUrl};

pub use self::error::ConfigError;
use self::secret::session_secret;
pub use self::secret::SessionSecret;
#[cfg(test)]
use self::secret::DEV_SECRET_FILE;

use crate::{
    http::client::{ForwardedHeader, TrustedProxies},
    session::{lifetime::Lifetime, new_sessions::NewSessionLimit},
    telemetry::{LogFilter, LogFormat},
};

/// The shortest `SESSION_SECRET` accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 64;

/// Where the sessions live in PostgreSQL (README, "Stores").
const POSTGRES_SCHEMA: &str = "leptos_sessions";

/// The store at `url` with the crate's defaults, in the PostgreSQL schema
/// this app has always kept its sessions in (the crate's default is named
/// for the crate).
pub fn store_settings(url: StoreUrl) -> StoreSettings {
    let mut store = StoreSettings::new(url);
    store.postgres_schema = POSTGRES_SCHEMA.to_owned();
    store
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub leptos: LeptosOptions,
    pub environment: Environment,
    pub data_dir: PathBuf,
    pub store: StoreSettings,
    pub lifetime: Lifetime,
    pub cookie_secure: bool,
    pub secret: SessionSecret,
    /// Keys of earlier `SESSION_SECRET`s whose cookies are still accepted.
    pub previous_secrets: Vec<SessionSecret>,
    /// Where `/metrics` is served; `None`: metrics are off.
    pub metrics_addr: Option<SocketAddr>,
    pub log_format: LogFormat,
    pub log_filter: LogFilter,
    /// The limit on new sessions per client.
    pub new_sessions: NewSessionLimit,
    /// Proxies whose forwarding header names the client; none by default.
    pub trusted_proxies: TrustedProxies,
    /// The header those proxies write.
    pub proxy_header: ForwardedHeader,
}

/// Where the app runs; decides the security defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Local development over plain http (`LEPTOS_ENV=DEV`).
    Development,
    /// Anything else (`LEPTOS_ENV=PROD`, or unset).
    Production,
}

impl Settings {
    /// Reads the settings from the process environment.
    ///
    /// # Errors
    /// [`ConfigError`] naming the variable that is missing or wrong.
    pub fn load() -> Result<Self, ConfigError> {
        let leptos = site::options()?;
        let settings = Self::from_vars(leptos, |name| std::env::var(name).ok())?;
        site::check_site(&settings.leptos)?;
        Ok(settings)
    }

    /// Reads the settings from `var`, a lookup of environment variables.
    ///
    /// # Errors
    /// [`ConfigError`] naming the variable that is missing or wrong.
    pub fn from_vars(
        leptos: LeptosOptions,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let environment = parse_environment(var("LEPTOS_ENV"))?;
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "data".into()));
        let url = match var("SESSION_STORE").filter(|v| !v.trim().is_empty()) {
            Some(url) => url.parse()?,
            None => StoreUrl::sqlite(&data_dir.join("sessions.db")),
        };
        let mut store = store_settings(url);
        if let Some(ttl) = seconds(&var, "SESSION_CACHE_TTL_SECS", " (0: no cache)")? {
            store.cache = if ttl.is_zero() {
                CachePolicy::Off
            } else {
                CachePolicy::Ttl(ttl)
            };
        }
        if let Some(every) = positive_seconds(&var, "SESSION_SWEEP_INTERVAL_SECS")? {
            store.sweep_every = every;
        }
        let limits = limits::from_vars(&var)?;
        store.max_sessions = limits.max_sessions;
        let mut lifetime = Lifetime::default();
        if let Some(idle) = positive_seconds(&var, "SESSION_IDLE_TIMEOUT_SECS")? {
            lifetime.idle = idle;
        }
        if let Some(absolute) = positive_seconds(&var, "SESSION_ABSOLUTE_TIMEOUT_SECS")? {
            lifetime.absolute = absolute;
        }
        let cookie_secure = match var("SESSION_COOKIE_SECURE").as_deref() {
            None | Some("") => environment == Environment::Production,
            Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(other) => return Err(ConfigError::BadSecureFlag(other.into())),
        };
        let secret = session_secret(environment, &data_dir, var("SESSION_SECRET"))?;
        let previous_secrets = var("SESSION_PREVIOUS_SECRETS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .enumerate()
            .map(|(i, s)| {
                SessionSecret::from_text(s)
                    .map_err(|_| ConfigError::ShortPreviousSecret(i + 1, s.len()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let metrics_addr = match var("METRICS_ADDR").as_deref().map(str::trim) {
            None | Some("") => None,
            Some(addr) => Some(
                addr.parse()
                    .map_err(|_| ConfigError::BadMetricsAddr(addr.into()))?,
            ),
        };
        Ok(Self {
            leptos,
            environment,
            data_dir,
            store,
            lifetime,
            cookie_secure,
            secret,
            previous_secrets,
            metrics_addr,
            log_format: log_format(&var)?,
            log_filter: log_filter(&var)?,
            new_sessions: limits.new_sessions,
            trusted_proxies: limits.trusted_proxies,
            proxy_header: limits.proxy_header,
        })
    }
}

/// `LOG_FORMAT`. Read before the other settings too, so that their errors
/// are logged in the format asked for.
///
/// # Errors
/// [`ConfigError::BadLogFormat`], naming the formats there are.
pub fn log_format(var: &impl Fn(&str) -> Option<String>) -> Result<LogFormat, ConfigError> {
    let value = var("LOG_FORMAT").unwrap_or_default();
    match value.trim() {
        "" => Ok(LogFormat::default()),
        text => LogFormat::parse(text).ok_or(ConfigError::BadLogFormat(value)),
    }
}

/// `RUST_LOG`, checked as tracing would read it. Read before the other
/// settings too (see [`log_format`]); a filter that does not parse is
/// reported with them, never replaced in silence.
///
/// # Errors
/// [`ConfigError::BadLogFilter`], with the parser's reason.
pub fn log_filter(var: &impl Fn(&str) -> Option<String>) -> Result<LogFilter, ConfigError> {
    let value = var("RUST_LOG").unwrap_or_default();
    match value.trim() {
        "" => Ok(LogFilter::default()),
        text => LogFilter::parse(text).map_err(|why| ConfigError::BadLogFilter { value, why }),
    }
}

fn seconds(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    hint: &'static str,
) -> Result<Option<Duration>, ConfigError> {
    match var(name).as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text
            .parse()
            .map(|secs| Some(Duration::from_secs(secs)))
            .map_err(|_| ConfigError::BadSeconds {
                name,
                value: text.into(),
                hint,
            }),
    }
}

fn positive_seconds(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<Duration>, ConfigError> {
    match seconds(var, name, " above 0")? {
        Some(secs) if secs.is_zero() => Err(ConfigError::BadSeconds {
            name,
            value: "0".into(),
            hint: " above 0",
        }),
        other => Ok(other),
    }
}

fn parse_environment(value: Option<String>) -> Result<Environment, ConfigError> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("dev" | "development") => Ok(Environment::Development),
        None | Some("prod" | "production") => Ok(Environment::Production),
        Some(_) => Err(ConfigError::BadEnvironment(value.unwrap_or_default())),
    }
}

mod error;
mod limits;
mod secret;
mod site;
#[cfg(test)]
mod tests;
