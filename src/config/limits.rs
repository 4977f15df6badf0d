//! The settings that keep a flood of new sessions out: the limit per
//! client, which proxies may name the client, and the store's bound.

use super::ConfigError;
use crate::{
    http::client::{ForwardedHeader, TrustedProxies},
    session::new_sessions::NewSessionLimit,
};

/// `SESSION_NEW_PER_CLIENT_*`, `SESSION_TRUSTED_PROXIES`,
/// `SESSION_TRUSTED_PROXY_HEADER` and `SESSION_MAX_SESSIONS`.
pub(super) struct Limits {
    pub new_sessions: NewSessionLimit,
    pub trusted_proxies: TrustedProxies,
    pub proxy_header: ForwardedHeader,
    pub max_sessions: Option<u64>,
}

const ABOVE_ZERO: &str = "a whole number above 0";

pub(super) fn from_vars(var: &impl Fn(&str) -> Option<String>) -> Result<Limits, ConfigError> {
    let zero = |name| ConfigError::BadValue {
        name,
        value: "0".into(),
        wanted: ABOVE_ZERO,
    };
    let max_sessions = match number(var, "SESSION_MAX_SESSIONS", ABOVE_ZERO)? {
        Some(0) => return Err(zero("SESSION_MAX_SESSIONS")),
        max => max,
    };
    let mut new_sessions = NewSessionLimit::default();
    match number(var, "SESSION_NEW_PER_CLIENT_BURST", ABOVE_ZERO)? {
        Some(0) => return Err(zero("SESSION_NEW_PER_CLIENT_BURST")),
        Some(burst) => new_sessions.burst = burst,
        None => {}
    }
    if let Some(rate) = number(
        var,
        "SESSION_NEW_PER_CLIENT_PER_MINUTE",
        "a whole number (0: no limit per client)",
    )? {
        new_sessions.per_minute = rate;
    }
    let trusted_proxies = TrustedProxies::parse(
        &var("SESSION_TRUSTED_PROXIES").unwrap_or_default(),
    )
    .map_err(|entry| ConfigError::BadValue {
        name: "SESSION_TRUSTED_PROXIES",
        value: entry,
        wanted: TrustedProxies::ACCEPTED,
    })?;
    let proxy_header = match var("SESSION_TRUSTED_PROXY_HEADER")
        .as_deref()
        .map(str::trim)
    {
        None | Some("") => ForwardedHeader::default(),
        Some(text) => ForwardedHeader::parse(text).ok_or_else(|| ConfigError::BadValue {
            name: "SESSION_TRUSTED_PROXY_HEADER",
            value: text.into(),
            wanted: ForwardedHeader::ACCEPTED,
        })?,
    };
    Ok(Limits {
        new_sessions,
        trusted_proxies,
        proxy_header,
        max_sessions,
    })
}

/// A whole number, when set.
fn number<T: std::str::FromStr>(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    wanted: &'static str,
) -> Result<Option<T>, ConfigError> {
    match var(name).as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| ConfigError::BadValue {
            name,
            value: text.into(),
            wanted,
        }),
    }
}
