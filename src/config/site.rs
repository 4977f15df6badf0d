//! The `LEPTOS_*` settings (the address, the built site) and the site folder.
//!
//! Leptos reads these variables itself, and its own errors name neither the
//! variable nor what it wants ("Config Error: invalid socket address
//! syntax"): each is checked here first, and named. A site folder that lacks
//! a file the page links would serve an unstyled page that never hydrates,
//! so start-up stops instead, naming the path.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use leptos::config::LeptosOptions;

use super::{parse_environment, ConfigError};
use crate::assets::PkgNames;

/// A variable, what it must be, and the check that it is.
type Check = (&'static str, &'static str, fn(&str) -> bool);

/// The `LEPTOS_*` variables Leptos parses.
const PARSED: &[Check] = &[
    (
        "LEPTOS_SITE_ADDR",
        "an IP address and a port, e.g. 127.0.0.1:3000 or 0.0.0.0:3000 (not a host name)",
        |v| v.parse::<SocketAddr>().is_ok(),
    ),
    ("LEPTOS_RELOAD_PORT", "a port number", |v| {
        v.parse::<u32>().is_ok()
    }),
    ("LEPTOS_RELOAD_EXTERNAL_PORT", "a port number", |v| {
        v.parse::<u32>().is_ok()
    }),
    ("LEPTOS_RELOAD_WS_PROTOCOL", "ws or wss", |v| {
        matches!(v.to_ascii_lowercase().as_str(), "ws" | "wss")
    }),
    ("LEPTOS_HASH_FILES", "true or false", |v| {
        v.parse::<bool>().is_ok()
    }),
];

/// Checks the `LEPTOS_*` variables that Leptos's loader would refuse without
/// naming them.
///
/// # Errors
/// [`ConfigError`] naming the first variable that is wrong, and what it takes.
pub fn check_vars(var: &impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
    parse_environment(var("LEPTOS_ENV"))?;
    for &(name, wanted, parses) in PARSED {
        if let Some(value) = var(name).filter(|v| !parses(v)) {
            return Err(ConfigError::BadValue {
                name,
                value,
                wanted,
            });
        }
    }
    Ok(())
}

/// Leptos's options from the environment, each variable checked first
/// ([`check_vars`]); any refusal left is Leptos's own, said as such.
///
/// # Errors
/// [`ConfigError`] naming the variable.
pub fn options() -> Result<LeptosOptions, ConfigError> {
    check_vars(&|name| std::env::var(name).ok())?;
    let mut leptos = leptos::config::get_configuration(None)
        .map_err(|e| ConfigError::Leptos(e.to_string()))?
        .leptos_options;
    // cargo-leptos (`hash-files`) writes the assets' hashes beside the
    // server binary, but says so (LEPTOS_HASH_FILES) only to a server it
    // runs itself. Started any other way (a service manager, the tests,
    // the benchmark), the server finds them there, as Leptos would.
    if std::env::var_os("LEPTOS_HASH_FILES").is_none() {
        leptos.hash_files = PkgNames::hash_file(&leptos).is_some_and(|hashes| hashes.is_file());
    }
    // cargo-leptos 0.3.10 rewrites only the unhashed stylesheet on an
    // edit, while the page links the first build's hashed one.
    if leptos.hash_files && std::env::var_os("LEPTOS_WATCH").is_some() {
        tracing::warn!(
            "hashed asset names under `cargo leptos watch`: stylesheet edits will not reach \
             the page; use `make watch`, or set LEPTOS_HASH_FILES=false"
        );
    }
    Ok(leptos)
}

/// Checks that `LEPTOS_SITE_ROOT` is a folder holding every file the page
/// links (its stylesheet, script and WebAssembly module under `/pkg`).
///
/// # Errors
/// [`ConfigError::SiteRoot`] or [`ConfigError::SiteFile`], naming the path.
pub fn check_site(options: &LeptosOptions) -> Result<(), ConfigError> {
    let root = Path::new(options.site_root.as_ref());
    if !root.is_dir() {
        return Err(ConfigError::SiteRoot {
            root: options.site_root.to_string(),
            path: absolute(root),
        });
    }
    let names = PkgNames::read(options);
    for linked in [&names.stylesheet, &names.script, &names.module] {
        let file = root.join(linked.trim_start_matches('/'));
        if file.is_file() {
            continue;
        }
        let hashes = PkgNames::hash_file(options);
        let hint = match hashes {
            Some(hashes) if !options.hash_files && !hashes.is_file() => format!(
                "the release build names its files with hashes, listed in {} beside the \
                 server binary, which is missing: copy the build's hash.txt with the binary \
                 (or build the site and the server together: cargo leptos build --release)",
                hashes.display()
            ),
            _ => "build the site and the server together (cargo leptos build --release), or \
                  point LEPTOS_SITE_ROOT at the folder that build wrote"
                .to_owned(),
        };
        return Err(ConfigError::SiteFile {
            linked: linked.to_string(),
            path: absolute(&file),
            root: options.site_root.to_string(),
            hint,
        });
    }
    Ok(())
}

/// `path` from the working directory, as the message should show it.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn checked(vars: &[(&str, &str)]) -> Result<(), String> {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        check_vars(&|name| vars.get(name).map(|v| (*v).to_owned())).map_err(|e| e.to_string())
    }

    #[test]
    fn each_leptos_variable_is_named_with_what_it_takes() {
        assert_eq!(checked(&[]), Ok(()));
        let ok = [
            ("LEPTOS_ENV", "PROD"),
            ("LEPTOS_SITE_ADDR", "0.0.0.0:3000"),
            ("LEPTOS_RELOAD_PORT", "3001"),
            ("LEPTOS_RELOAD_WS_PROTOCOL", "wss"),
            ("LEPTOS_HASH_FILES", "false"),
        ];
        assert_eq!(checked(&ok), Ok(()));
        for (name, value, wanted) in [
            ("LEPTOS_ENV", "staging", "use DEV or PROD"),
            ("LEPTOS_SITE_ADDR", "nonsense", "an IP address and a port"),
            ("LEPTOS_SITE_ADDR", "localhost:3000", "not a host name"),
            ("LEPTOS_RELOAD_PORT", "x", "a port number"),
            ("LEPTOS_RELOAD_WS_PROTOCOL", "http", "ws or wss"),
            ("LEPTOS_HASH_FILES", "yes", "true or false"),
        ] {
            let err = checked(&[(name, value)]).unwrap_err();
            assert!(
                err.contains(&format!("{name}={value:?}")) && err.contains(wanted),
                "{err}"
            );
        }
    }

    fn site(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in files {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        dir
    }

    fn options_for(root: &Path) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("app")
            .site_root(root.to_string_lossy().as_ref())
            .build()
    }

    #[test]
    fn a_site_folder_without_a_linked_file_is_refused_naming_the_path() {
        let module = PkgNames::read(&options_for(Path::new("."))).module;
        let whole = site(&["pkg/app.css", "pkg/app.js", module.trim_start_matches('/')]);
        assert!(check_site(&options_for(whole.path())).is_ok());

        let no_css = site(&["pkg/app.js", module.trim_start_matches('/')]);
        let err = check_site(&options_for(no_css.path()))
            .unwrap_err()
            .to_string();
        let missing = no_css.path().join("pkg/app.css");
        assert!(err.contains(&missing.display().to_string()), "{err}");
        assert!(err.contains("/pkg/app.css"), "{err}");

        let err = check_site(&options_for(Path::new("/nonexistent/site")))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("LEPTOS_SITE_ROOT=\"/nonexistent/site\""),
            "{err}"
        );
    }
}
