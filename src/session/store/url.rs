//! `SESSION_STORE`: which store, as one URL. Credentials in it never reach a
//! log or an error message: `Display` and `Debug` mask them.

use std::{fmt, path::PathBuf, str::FromStr};

use url::Url;

/// Where sessions live, as written in `SESSION_STORE`.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// `sqlite://PATH`: a file, created on first run.
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`: a PostgreSQL database.
    Postgres(Url),
    /// `redis://…`, `rediss://…`, `redis-cluster://…`, `redis-sentinel://…`
    /// (and their `valkey` spellings): Redis in any form fred connects to.
    Redis(Url),
    /// `memory`: gone when the process stops; for throwaway runs.
    Memory,
}

const ACCEPTED: &str = "use `sqlite://PATH` (e.g. sqlite://data/sessions.db), \
`redis://[:PASSWORD@]HOST[:PORT][/DB]` (also rediss://, redis-cluster://, redis-sentinel://), \
`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, or `memory`";

/// `SESSION_STORE` could not be read. The message masks any password.
#[derive(Debug, thiserror::Error)]
#[error("SESSION_STORE={shown:?} is not a store URL ({why}); {ACCEPTED}")]
pub struct BadStoreUrl {
    shown: String,
    why: String,
}

impl BadStoreUrl {
    fn new(url: &str, why: impl fmt::Display) -> Self {
        Self {
            shown: mask_userinfo(url),
            why: mask_userinfo(&why.to_string()),
        }
    }
}

const REDIS_SCHEMES: &[&str] = &[
    "redis",
    "rediss",
    "redis-cluster",
    "rediss-cluster",
    "redis-sentinel",
    "rediss-sentinel",
    "valkey",
    "valkeys",
    "valkey-cluster",
    "valkeys-cluster",
    "valkey-sentinel",
    "valkeys-sentinel",
];

impl FromStr for StoreUrl {
    type Err = BadStoreUrl;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text == "memory" {
            return Ok(Self::Memory);
        }
        if let Some(path) = text.strip_prefix("sqlite://") {
            return match path {
                "" => Err(BadStoreUrl::new(text, "no file path")),
                path => Ok(Self::Sqlite(PathBuf::from(path))),
            };
        }
        let url = Url::parse(text).map_err(|e| BadStoreUrl::new(text, e))?;
        match url.scheme() {
            "postgres" | "postgresql" => {
                text.parse::<sqlx::postgres::PgConnectOptions>()
                    .map_err(|e| BadStoreUrl::new(text, e))?;
                Ok(Self::Postgres(url))
            }
            scheme if REDIS_SCHEMES.contains(&scheme) => {
                fred::types::config::Config::from_url(text)
                    .map_err(|e| BadStoreUrl::new(text, e))?;
                Ok(Self::Redis(url))
            }
            scheme => Err(BadStoreUrl::new(
                text,
                format_args!("unknown scheme {scheme:?}"),
            )),
        }
    }
}

impl StoreUrl {
    /// The URL with its credentials, for the store's client only.
    pub(super) fn expose(&self) -> String {
        match self {
            Self::Postgres(url) | Self::Redis(url) => url.as_str().to_owned(),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) | Self::Redis(url) => f.write_str(&masked(url)),
            Self::Memory => f.write_str("memory"),
        }
    }
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreUrl({self})")
    }
}

/// `url` with its password, and any query parameter naming a password, as `***`.
fn masked(url: &Url) -> String {
    let mut url = url.clone();
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let secret = k.to_ascii_lowercase().contains("password");
                let value = if secret { "***".into() } else { v.into_owned() };
                (k.into_owned(), value)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

/// Masks `user:password@` in text that may not parse as a URL at all.
fn mask_userinfo(text: &str) -> String {
    let Some(start) = text.find("://").map(|i| i + 3) else {
        return text.to_owned();
    };
    let rest = &text[start..];
    let host_end = rest.find('/').unwrap_or(rest.len());
    match rest[..host_end].rfind('@') {
        Some(at) => format!("{}***@{}", &text[..start], &rest[at + 1..]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> StoreUrl {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn each_accepted_form_parses() {
        assert_eq!(
            parse("sqlite://data/sessions.db"),
            StoreUrl::Sqlite("data/sessions.db".into())
        );
        assert_eq!(
            parse("sqlite:///var/lib/s.db"),
            StoreUrl::Sqlite("/var/lib/s.db".into())
        );
        assert_eq!(parse("memory"), StoreUrl::Memory);
        assert!(matches!(
            parse("redis://127.0.0.1:6379/2"),
            StoreUrl::Redis(_)
        ));
        assert!(matches!(
            parse("rediss://:pw@cache.example:6380/0"),
            StoreUrl::Redis(_)
        ));
        assert!(matches!(
            parse("redis-cluster://a:7000?node=b:7001"),
            StoreUrl::Redis(_)
        ));
        assert!(matches!(
            parse("redis-sentinel://h:26379/0?sentinelServiceName=main"),
            StoreUrl::Redis(_)
        ));
        assert!(matches!(
            parse("postgres://app:pw@db.internal:5432/app"),
            StoreUrl::Postgres(_)
        ));
        assert!(matches!(
            parse("postgresql://localhost/app"),
            StoreUrl::Postgres(_)
        ));
    }

    #[test]
    fn bad_urls_name_every_accepted_form() {
        for bad in ["mysql://x/y", "sqlite://", "redis//nohost", "", "nonsense"] {
            let err = bad.parse::<StoreUrl>().unwrap_err().to_string();
            for form in ["sqlite://PATH", "redis://", "postgres://", "memory"] {
                assert!(err.contains(form), "{bad}: {err}");
            }
        }
    }

    #[test]
    fn passwords_never_show() {
        for text in [
            "postgres://app:hunter2@db/app",
            "redis://:hunter2@cache:6379/0",
            "redis-sentinel://u:hunter2@h:26379/0?sentinelServiceName=m&sentinelPassword=hunter2",
        ] {
            let url = parse(text);
            assert!(!url.to_string().contains("hunter2"), "{url}");
            assert!(!format!("{url:?}").contains("hunter2"), "{url:?}");
            assert!(url.expose().contains("hunter2"));
        }
        let err = "mysql://app:hunter2@db/app"
            .parse::<StoreUrl>()
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
        let err = "postgres://app:hunter2@db:notaport/app"
            .parse::<StoreUrl>()
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
