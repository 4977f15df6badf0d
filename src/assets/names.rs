//! The names the build gave the stylesheet, the script and the module under
//! `/pkg`, for the page's `<head>`.
//!
//! With hashed names they come from `hash.txt` beside the server binary.
//! Leptos's own head components read that file on every render (a
//! `readlink`, a `stat` and an `open` each time: about 7 % of a page's CPU
//! under load, `bench/ANALYSIS.md`); it cannot change while the binary runs
//! (a rebuild replaces both), so it is read once, when the app is built.

use std::{path::PathBuf, sync::Arc};

use leptos::config::LeptosOptions;

/// The `/pkg` addresses the page links, and the script that loads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkgNames {
    pub stylesheet: Arc<str>,
    pub script: Arc<str>,
    pub module: Arc<str>,
    /// A module script: imports the bundle's script, instantiates its
    /// module, and hydrates the page.
    pub loader: Arc<str>,
}

impl PkgNames {
    /// The addresses for `options`: hashed when the build hashed them and
    /// left its `hash.txt`, the plain output name otherwise.
    pub fn read(options: &LeptosOptions) -> Self {
        let hashes = options
            .hash_files
            .then(|| std::fs::read_to_string(Self::hash_file(options)?).ok())
            .flatten();
        Self::from_hashes(options, hashes.as_deref())
    }

    /// Where cargo-leptos writes the hashes: beside the server binary.
    pub fn hash_file(options: &LeptosOptions) -> Option<PathBuf> {
        let exe = std::env::current_exe().ok()?;
        Some(exe.parent()?.join(options.hash_file.as_ref()))
    }

    fn from_hashes(options: &LeptosOptions, hashes: Option<&str>) -> Self {
        let hash_of = |kind: &str| {
            hashes?.lines().find_map(|line| {
                let (file, hash) = line.trim().split_once(':')?;
                (file.trim() == kind).then(|| format!(".{}", hash.trim()))
            })
        };
        let name = |kind: &str, plain_suffix: &str, ext: &str| {
            let hash = hash_of(kind).unwrap_or_else(|| plain_suffix.to_owned());
            format!(
                "/{}/{}{hash}.{ext}",
                options.site_pkg_dir, options.output_name
            )
        };
        // Without cargo-leptos (a plain `cargo build`), wasm-bindgen names
        // the module `<name>_bg.wasm`, as leptos's own loader expects.
        let plain_module = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
            ""
        } else {
            "_bg"
        };
        let (script, module) = (name("js", "", "js"), name("wasm", plain_module, "wasm"));
        let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let loader = format!(
            "import init, {{ hydrate }} from {};\ninit({{ module_or_path: {} }}).then(hydrate);",
            quoted(&script),
            quoted(&module)
        );
        Self {
            stylesheet: name("css", "", "css").into(),
            script: script.into(),
            module: module.into(),
            loader: loader.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_come_from_the_hash_file() {
        let options = LeptosOptions::builder().output_name("site").build();
        let names = PkgNames::from_hashes(&options, Some("js: aaa\nwasm: bbb\ncss: ccc\n"));
        assert_eq!(&*names.stylesheet, "/pkg/site.ccc.css");
        assert_eq!(&*names.script, "/pkg/site.aaa.js");
        assert_eq!(&*names.module, "/pkg/site.bbb.wasm");
        assert!(names.loader.contains(r#"from "/pkg/site.aaa.js""#));
        let plain = PkgNames::from_hashes(&options, None);
        assert_eq!(&*plain.stylesheet, "/pkg/site.css");
    }
}
