use std::{collections::HashMap, path::Path};

use super::*;

const SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("leptos-sessions")
        .build()
}

fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Settings::from_vars(options(), |name| vars.get(name).cloned())
}

#[test]
fn production_is_the_default_and_needs_a_secret() {
    let err = settings(&[]).unwrap_err().to_string();
    assert!(err.contains("SESSION_SECRET"), "{err}");
    let err = settings(&[("LEPTOS_ENV", "PROD")]).unwrap_err().to_string();
    assert!(err.contains("SESSION_SECRET"), "{err}");
}

#[test]
fn a_short_secret_is_refused_in_every_environment() {
    for env in ["PROD", "DEV"] {
        let err = settings(&[("LEPTOS_ENV", env), ("SESSION_SECRET", "short")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("SESSION_SECRET is 5 bytes"), "{err}");
    }
}

#[test]
fn production_cookies_are_secure_unless_turned_off() {
    let s = settings(&[("SESSION_SECRET", SECRET)]).unwrap();
    assert_eq!(s.environment, Environment::Production);
    assert!(s.cookie_secure);
    let s = settings(&[
        ("SESSION_SECRET", SECRET),
        ("SESSION_COOKIE_SECURE", "false"),
    ])
    .unwrap();
    assert!(!s.cookie_secure);
    assert!(settings(&[
        ("SESSION_SECRET", SECRET),
        ("SESSION_COOKIE_SECURE", "maybe")
    ])
    .is_err());
}

#[test]
fn development_generates_one_key_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let first = settings(&[("LEPTOS_ENV", "DEV"), ("DATA_DIR", data)]).unwrap();
    assert!(
        !first.cookie_secure,
        "plain-http development needs a non-Secure cookie"
    );
    let second = settings(&[("LEPTOS_ENV", "dev"), ("DATA_DIR", data)]).unwrap();
    assert_eq!(first.secret.key().master(), second.secret.key().master());
    let kept = std::path::Path::new(data).join(DEV_SECRET_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kept).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the key file must be private");
    }
}

#[test]
fn the_store_defaults_to_sqlite_in_the_data_folder() {
    let s = settings(&[("SESSION_SECRET", SECRET), ("DATA_DIR", "/srv/app")]).unwrap();
    assert_eq!(
        s.store.url,
        StoreUrl::sqlite(Path::new("/srv/app/sessions.db"))
    );
    assert_eq!(
        s.store.cache,
        CachePolicy::Sole,
        "one instance on its own SQLite file caches what it reads"
    );
    let shared = settings(&[
        ("SESSION_SECRET", SECRET),
        ("SESSION_STORE", "redis://127.0.0.1:6379"),
    ])
    .unwrap();
    assert_eq!(
        shared.store.cache,
        CachePolicy::Off,
        "a shared store is not cached"
    );
    let err = settings(&[("SESSION_SECRET", SECRET), ("SESSION_STORE", "mongo://x")])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(r#"SESSION_STORE="mongo://x" is not"#),
        "{err}"
    );
    assert!(err.contains("sqlite://PATH"), "{err}");
}

#[test]
fn the_secret_never_shows_in_debug_output() {
    let s = settings(&[("SESSION_SECRET", SECRET)]).unwrap();
    let shown = format!("{s:?}");
    assert!(!shown.contains("0123456789abcdef"), "{shown}");
}

#[test]
fn an_unknown_environment_is_an_error() {
    let err = settings(&[("LEPTOS_ENV", "staging")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("LEPTOS_ENV"), "{err}");
}

#[test]
fn cache_and_sweep_take_whole_seconds() {
    let s = settings(&[
        ("SESSION_SECRET", SECRET),
        ("SESSION_CACHE_TTL_SECS", "5"),
        ("SESSION_SWEEP_INTERVAL_SECS", "60"),
    ])
    .unwrap();
    assert_eq!(s.store.cache, CachePolicy::Ttl(Duration::from_secs(5)));
    assert_eq!(s.store.sweep_every, Duration::from_secs(60));
    let off = settings(&[("SESSION_SECRET", SECRET), ("SESSION_CACHE_TTL_SECS", "0")]).unwrap();
    assert_eq!(off.store.cache, CachePolicy::Off);
    for (name, value) in [
        ("SESSION_CACHE_TTL_SECS", "5m"),
        ("SESSION_SWEEP_INTERVAL_SECS", "0"),
        ("SESSION_SWEEP_INTERVAL_SECS", "-1"),
        ("SESSION_IDLE_TIMEOUT_SECS", "0"),
        ("SESSION_ABSOLUTE_TIMEOUT_SECS", "12h"),
    ] {
        let err = settings(&[("SESSION_SECRET", SECRET), (name, value)])
            .unwrap_err()
            .to_string();
        assert!(err.contains(name), "{err}");
    }
}

#[test]
fn store_passwords_never_show_in_debug_output() {
    let s = settings(&[
        ("SESSION_SECRET", SECRET),
        ("SESSION_STORE", "postgres://app:hunter2@db/app"),
    ])
    .unwrap();
    let shown = format!("{s:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn timeouts_default_to_30_minutes_idle_and_12_hours_in_all() {
    let s = settings(&[("SESSION_SECRET", SECRET)]).unwrap();
    assert_eq!(s.lifetime.idle, Duration::from_secs(1800));
    assert_eq!(s.lifetime.absolute, Duration::from_secs(43200));
    let s = settings(&[
        ("SESSION_SECRET", SECRET),
        ("SESSION_IDLE_TIMEOUT_SECS", "600"),
        ("SESSION_ABSOLUTE_TIMEOUT_SECS", "3600"),
    ])
    .unwrap();
    assert_eq!(s.lifetime.idle, Duration::from_secs(600));
    assert_eq!(s.lifetime.absolute, Duration::from_secs(3600));
}

#[test]
fn previous_secrets_are_a_comma_separated_list_of_full_length_keys() {
    let other = "f".repeat(64);
    let s = settings(&[
        ("SESSION_SECRET", SECRET),
        ("SESSION_PREVIOUS_SECRETS", &format!("{other}, {SECRET},")),
    ])
    .unwrap();
    assert_eq!(s.previous_secrets.len(), 2);
    assert!(settings(&[("SESSION_SECRET", SECRET)])
        .unwrap()
        .previous_secrets
        .is_empty());
    let err = settings(&[
        ("SESSION_SECRET", SECRET),
        ("SESSION_PREVIOUS_SECRETS", &format!("{other},short")),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("SESSION_PREVIOUS_SECRETS") && err.contains("entry 2"),
        "{err}"
    );
    assert!(
        !err.contains("short"),
        "the key itself is never shown: {err}"
    );
}

#[test]
fn metrics_are_off_unless_metrics_addr_names_an_address() {
    let s = settings(&[("SESSION_SECRET", SECRET)]).unwrap();
    assert_eq!(s.metrics_addr, None);
    let s = settings(&[("SESSION_SECRET", SECRET), ("METRICS_ADDR", "")]).unwrap();
    assert_eq!(s.metrics_addr, None);
    let s = settings(&[
        ("SESSION_SECRET", SECRET),
        ("METRICS_ADDR", "127.0.0.1:9100"),
    ])
    .unwrap();
    assert_eq!(
        s.metrics_addr,
        Some(SocketAddr::from(([127, 0, 0, 1], 9100)))
    );
    for wrong in ["9100", "localhost:9100", "127.0.0.1"] {
        let err = settings(&[("SESSION_SECRET", SECRET), ("METRICS_ADDR", wrong)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("METRICS_ADDR") && err.contains(wrong), "{err}");
    }
}

#[test]
fn log_format_is_text_or_json_and_anything_else_names_both() {
    let s = settings(&[("SESSION_SECRET", SECRET)]).unwrap();
    assert_eq!(s.log_format, LogFormat::Text);
    for (value, format) in [
        ("text", LogFormat::Text),
        ("json", LogFormat::Json),
        ("JSON", LogFormat::Json),
    ] {
        let s = settings(&[("SESSION_SECRET", SECRET), ("LOG_FORMAT", value)]).unwrap();
        assert_eq!(s.log_format, format, "{value}");
    }
    let err = settings(&[("SESSION_SECRET", SECRET), ("LOG_FORMAT", "xml")])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("LOG_FORMAT=\"xml\"") && err.contains("text") && err.contains("json"),
        "{err}"
    );
}

#[test]
fn a_log_filter_that_does_not_parse_is_refused_not_replaced() {
    let s = settings(&[("SESSION_SECRET", SECRET)]).unwrap();
    assert_eq!(s.log_filter, LogFilter::default());
    for good in ["info", "debug,sqlx=warn", "leptos_sessions=trace", "  "] {
        let s = settings(&[("SESSION_SECRET", SECRET), ("RUST_LOG", good)]);
        assert!(s.is_ok(), "{good}: {:?}", s.err());
    }
    for bad in ["info,sqlx=loud", "[{"] {
        let err = settings(&[("SESSION_SECRET", SECRET), ("RUST_LOG", bad)])
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("RUST_LOG={bad:?}")), "{err}");
        assert!(err.contains(LogFilter::DEFAULT), "{err}");
    }
}

#[test]
fn the_flood_limits_have_defaults_and_each_refusal_names_its_variable() {
    let s = settings(&[("SESSION_SECRET", SECRET)]).unwrap();
    assert_eq!(s.new_sessions, NewSessionLimit::default());
    assert_eq!(s.trusted_proxies, TrustedProxies::default());
    assert_eq!(s.proxy_header, ForwardedHeader::XForwardedFor);
    assert_eq!(s.store.max_sessions, None);
    let s = settings(&[
        ("SESSION_SECRET", SECRET),
        ("SESSION_NEW_PER_CLIENT_BURST", "3"),
        ("SESSION_NEW_PER_CLIENT_PER_MINUTE", "0"),
        ("SESSION_MAX_SESSIONS", "5000"),
        ("SESSION_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7"),
        ("SESSION_TRUSTED_PROXY_HEADER", "forwarded"),
    ])
    .unwrap();
    assert_eq!((s.new_sessions.burst, s.new_sessions.per_minute), (3, 0));
    assert_eq!(s.store.max_sessions, Some(5000));
    assert_eq!(s.proxy_header, ForwardedHeader::Forwarded);
    for (name, value) in [
        ("SESSION_NEW_PER_CLIENT_BURST", "0"),
        ("SESSION_NEW_PER_CLIENT_BURST", "many"),
        ("SESSION_NEW_PER_CLIENT_PER_MINUTE", "-1"),
        ("SESSION_MAX_SESSIONS", "0"),
        ("SESSION_TRUSTED_PROXIES", "10.0.0.0/8, proxy.local"),
        ("SESSION_TRUSTED_PROXY_HEADER", "X-Real-IP"),
    ] {
        let err = settings(&[("SESSION_SECRET", SECRET), (name, value)])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(name), "{name}={value}: {err}");
    }
}
