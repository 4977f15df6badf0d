//! Which store, as one URL, and the table of every kind of
//! store this server can use. Credentials in a URL never reach a log or an
//! error message: `Display` and `Debug` mask them.

use std::{
    fmt,
    path::{Path, PathBuf},
    str::FromStr,
};

use url::Url;

use crate::{memory, postgres, redis, sqlite, Kind};

/// Every kind of store, by the URL schemes it answers to. A new backend is
/// its own file (a [`crate::backend::Backend`] and its [`Kind`]) and one line here.
const KINDS: &[&Kind] = &[&sqlite::KIND, &postgres::KIND, &redis::KIND, &memory::KIND];

/// Where sessions live, as one URL (`sqlite://sessions.db`, `redis://…`, …).
#[derive(Clone)]
pub struct StoreUrl {
    kind: &'static Kind,
    text: String,
}

impl PartialEq for StoreUrl {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for StoreUrl {}

const ACCEPTED: &str = "use `sqlite://PATH` (e.g. sqlite://data/sessions.db), \
`redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]` (also rediss://, redis-cluster://, redis-sentinel://), \
`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, or `memory`";

/// A store URL could not be read. The message masks any password, and
/// starts with the URL as written (quoted), so an app can put the name of
/// the setting it came from in front (e.g. `SESSION_STORE=`).
#[derive(Debug, thiserror::Error)]
#[error("{shown:?} is not a store URL ({why}); {ACCEPTED}")]
pub struct BadStoreUrl {
    shown: String,
    why: String,
}

impl BadStoreUrl {
    fn new(url: &str, why: impl fmt::Display) -> Self {
        let shown = match Url::parse(url) {
            Ok(parsed) if url.contains("://") => masked(&parsed),
            _ => mask_userinfo(url),
        };
        Self {
            shown,
            why: mask_userinfo(&why.to_string()),
        }
    }
}

impl FromStr for StoreUrl {
    type Err = BadStoreUrl;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        // `memory` has no `://`: the whole text is its scheme.
        let scheme = text.split_once("://").map_or(text, |(scheme, _)| scheme);
        let kind = KINDS
            .iter()
            .find(|kind| kind.schemes.contains(&scheme))
            .ok_or_else(|| BadStoreUrl::new(text, format_args!("unknown scheme {scheme:?}")))?;
        (kind.check)(text).map_err(|why| BadStoreUrl::new(text, why))?;
        Ok(Self {
            kind,
            text: text.to_owned(),
        })
    }
}

impl StoreUrl {
    /// A SQLite file (the default store, in `DATA_DIR`).
    pub fn sqlite(path: &Path) -> Self {
        Self {
            kind: &sqlite::KIND,
            text: format!("sqlite://{}", path.display()),
        }
    }

    /// The throwaway store in this process.
    pub fn memory() -> Self {
        Self {
            kind: &memory::KIND,
            text: "memory".to_owned(),
        }
    }

    /// Which kind of store: `sqlite`, `postgres`, `redis` or `memory`.
    pub fn kind(&self) -> &'static Kind {
        self.kind
    }

    /// The file of a `sqlite://` URL.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.text.strip_prefix("sqlite://").map(PathBuf::from)
    }

    /// What the URL reaches, for an operator: the file of a `sqlite://` URL
    /// (from the working directory), the host and port of the others.
    pub fn place(&self) -> String {
        if let Some(path) = self.sqlite_path() {
            return std::path::absolute(&path)
                .unwrap_or(path)
                .display()
                .to_string();
        }
        let Ok(url) = Url::parse(&self.text) else {
            return self.to_string();
        };
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => format!("{host} (its default port)"),
            (None, _) => return self.to_string(),
        };
        if url.query_pairs().any(|(key, _)| key == "node") {
            format!("{host} (and the other nodes the URL names)")
        } else {
            host
        }
    }

    /// `text` with every password of this URL in it masked: a client's
    /// error may quote the URL it was given.
    pub(crate) fn mask_in(&self, text: &str) -> String {
        let Ok(url) = Url::parse(&self.text) else {
            return mask_userinfo(text);
        };
        let mut secrets: Vec<String> = url
            .query_pairs()
            .filter(|(key, _)| key.to_ascii_lowercase().contains("password"))
            .map(|(_, value)| value.into_owned())
            .collect();
        if let Some(password) = url.password() {
            secrets.push(password.to_owned());
            let decoded = url::form_urlencoded::parse(format!("p={password}").as_bytes())
                .next()
                .map(|(_, value)| value.into_owned());
            secrets.extend(decoded);
        }
        let mut text = text.to_owned();
        for secret in secrets.iter().filter(|s| !s.is_empty()) {
            text = text.replace(secret.as_str(), "***");
        }
        text
    }

    /// The URL with its credentials, for the store's client only.
    pub(crate) fn expose(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Url::parse(&self.text) {
            Ok(url) if self.text.contains("://") => f.write_str(&masked(&url)),
            _ => f.write_str(&mask_userinfo(&self.text)),
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
            StoreUrl::sqlite(Path::new("data/sessions.db"))
        );
        assert_eq!(
            parse("sqlite:///var/lib/s.db").sqlite_path(),
            Some("/var/lib/s.db".into())
        );
        assert_eq!(parse("memory"), StoreUrl::memory());
        assert_eq!(parse("redis://127.0.0.1:6379/2").kind().name, "redis");
        assert_eq!(
            parse("rediss://:pw@cache.example:6380/0").kind().name,
            "redis"
        );
        assert_eq!(
            parse("redis-cluster://a:7000?node=b:7001").kind().name,
            "redis"
        );
        assert_eq!(
            parse("redis-sentinel://h:26379/0?sentinelServiceName=main")
                .kind()
                .name,
            "redis"
        );
        assert_eq!(
            parse("postgres://app:pw@db.internal:5432/app").kind().name,
            "postgres"
        );
        assert_eq!(parse("postgresql://localhost/app").kind().name, "postgres");
    }

    #[test]
    fn bad_urls_name_every_accepted_form() {
        for bad in ["mysql://x/y", "sqlite://", "redis//nohost", "", "nonsense"] {
            let err = bad.parse::<StoreUrl>().unwrap_err().to_string();
            for form in [
                "sqlite://PATH",
                "redis://[[USER]:PASSWORD@]HOST",
                "postgres://USER[:PASSWORD]@HOST",
                "memory",
            ] {
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
        let err = "redis-sentinel://h:26379/0?sentinelPassword=hunter2"
            .parse::<StoreUrl>()
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn the_place_is_the_host_or_the_file_and_errors_quoting_the_url_are_masked() {
        assert_eq!(
            parse("postgres://app:pw@db.internal:5433/app").place(),
            "db.internal:5433"
        );
        assert_eq!(parse("redis://cache").place(), "cache (its default port)");
        assert!(parse("redis-cluster://a:7000?node=b:7001")
            .place()
            .starts_with("a:7000 (and the other nodes"));
        let file = parse("sqlite://data/s.db").place();
        assert!(
            file.starts_with('/') && file.ends_with("data/s.db"),
            "{file}"
        );
        let url = parse(
            "redis-sentinel://u:hun%40ter2@h:26379/0?sentinelServiceName=m&sentinelPassword=sesame",
        );
        let said = url.mask_in("could not reach redis://u:hun%40ter2@h / hun@ter2 / sesame");
        assert!(!said.contains("hun") && !said.contains("sesame"), "{said}");
    }
}
