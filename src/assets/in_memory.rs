//! `/pkg` served from memory when file names are hashed.
//!
//! `ServeDir` opens and stats the file on the blocking pool for every
//! request: 16–18k req/s for the stylesheet against 70–90k for a route that
//! does nothing (`bench/`). A hashed name never changes content, so the files
//! are read once at start-up. Anything not found in memory (a file built after
//! start-up, under a new hashed name) is still served from disk.

use std::{collections::HashMap, path::Path, sync::Arc};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{
        header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE},
        HeaderMap, HeaderValue, Method,
    },
    response::{IntoResponse, Response},
};
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// The files of the asset folder, each with its precompressed forms.
#[derive(Clone)]
pub struct Loaded {
    files: Arc<HashMap<String, Asset>>,
    disk: ServeDir,
}

struct Asset {
    content_type: HeaderValue,
    plain: Bytes,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
}

impl Loaded {
    /// Reads every file under `dir`; `disk` serves what is not there.
    pub fn read(dir: &Path, disk: ServeDir) -> Self {
        let mut raw = HashMap::new();
        if let Err(err) = read_tree(dir, "", &mut raw) {
            tracing::warn!(dir = %dir.display(), error = %err, "could not read the assets; serving them from disk");
        }
        let mut files = HashMap::new();
        for (name, plain) in &raw {
            if name.ends_with(".br") || name.ends_with(".gz") {
                continue;
            }
            let content_type = mime_guess::from_path(name)
                .first_raw()
                .map_or(HeaderValue::from_static("application/octet-stream"), |m| {
                    HeaderValue::from_static(m)
                });
            let asset = Asset {
                content_type,
                plain: plain.clone(),
                brotli: raw.get(&format!("{name}.br")).cloned(),
                gzip: raw.get(&format!("{name}.gz")).cloned(),
            };
            files.insert(name.clone(), asset);
        }
        Self {
            files: Arc::new(files),
            disk,
        }
    }
}

fn read_tree(dir: &Path, prefix: &str, into: &mut HashMap<String, Bytes>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type()?.is_dir() {
            read_tree(&entry.path(), &format!("{name}/"), into)?;
        } else {
            into.insert(name, Bytes::from(std::fs::read(entry.path())?));
        }
    }
    Ok(())
}

/// Answers from memory, or from disk for anything else (including methods
/// other than GET and HEAD, which `ServeDir` refuses properly).
pub async fn serve(State(loaded): State<Loaded>, request: Request) -> Response {
    let name = request.uri().path().trim_start_matches('/');
    let head = request.method() == Method::HEAD;
    match loaded.files.get(name) {
        Some(asset) if head || request.method() == Method::GET => {
            asset.response(request.headers(), head)
        }
        _ => {
            let Ok(res) = loaded.disk.oneshot(request).await;
            res.into_response()
        }
    }
}

impl Asset {
    fn response(&self, request: &HeaderMap, head: bool) -> Response {
        let (body, encoding) = match (&self.brotli, &self.gzip) {
            (Some(brotli), _) if accepts(request, "br") => (brotli, Some("br")),
            (_, Some(gzip)) if accepts(request, "gzip") => (gzip, Some("gzip")),
            _ => (&self.plain, None),
        };
        let length = HeaderValue::from(body.len());
        let mut res = if head {
            Body::empty().into_response()
        } else {
            Body::from(body.clone()).into_response()
        };
        let headers = res.headers_mut();
        headers.insert(CONTENT_TYPE, self.content_type.clone());
        headers.insert(CONTENT_LENGTH, length);
        if let Some(encoding) = encoding {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        res
    }
}

/// Whether the request's `Accept-Encoding` takes `coding` (`q=0` refuses it).
fn accepts(request: &HeaderMap, coding: &str) -> bool {
    request
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Ok(1.0), |q| q.trim().parse::<f32>());
            name.eq_ignore_ascii_case(coding) && weight.is_ok_and(|q| q > 0.0)
        })
}
