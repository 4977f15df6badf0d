//! Page weight: the built assets compressed as a server can send them, and
//! the bytes a first visit actually transfers.

use std::{fs, io::Write, path::Path};

use flate2::{write::GzEncoder, Compression};
use reqwest::{header, Client};
use serde::Serialize;

#[derive(Serialize)]
pub struct Weight {
    kind: &'static str,
    files: Vec<File>,
    first_visit: FirstVisit,
}

#[derive(Serialize)]
struct File {
    name: String,
    raw: usize,
    gzip: usize,
    brotli: usize,
}

/// What a browser with an empty cache downloads for `/` (bodies as sent,
/// compressed if the server compresses), and how `/pkg` may be cached.
#[derive(Serialize)]
struct FirstVisit {
    requests: Vec<Fetched>,
    total_bytes: usize,
    pkg_cache_control: String,
}

#[derive(Serialize)]
struct Fetched {
    path: String,
    encoding: String,
    bytes: usize,
}

/// # Errors
/// When `dir` cannot be read or the server does not answer.
pub async fn measure(dir: &Path, base: &str) -> Result<Weight, Box<dyn std::error::Error>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if !["wasm", "js", "css"]
            .iter()
            .any(|ext| name.ends_with(&format!(".{ext}")))
        {
            continue;
        }
        let raw = fs::read(&path)?;
        files.push(File {
            name,
            raw: raw.len(),
            gzip: gzip(&raw)?.len(),
            brotli: brotli(&raw)?.len(),
        });
    }
    files.sort_by_key(|f| std::cmp::Reverse(f.raw));
    Ok(Weight {
        kind: "weight",
        files,
        first_visit: first_visit(base).await?,
    })
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

fn brotli(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes)?;
    }
    Ok(out)
}

async fn first_visit(base: &str) -> Result<FirstVisit, Box<dyn std::error::Error>> {
    // Bodies as sent: no decompression on the way in.
    let client = Client::builder().no_gzip().no_brotli().build()?;
    let get = |path: String| {
        let client = client.clone();
        let url = format!("{base}{path}");
        async move {
            let res = client
                .get(url)
                .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
                .send()
                .await?
                .error_for_status()?;
            let encoding = header_text(&res, header::CONTENT_ENCODING);
            let cache = header_text(&res, header::CACHE_CONTROL);
            let bytes = res.bytes().await?;
            Ok::<_, reqwest::Error>((
                Fetched {
                    path,
                    encoding,
                    bytes: bytes.len(),
                },
                cache,
                bytes,
            ))
        }
    };
    let (page, _, html) = get("/".to_owned()).await?;
    let html = decompressed(&page.encoding, &html)?;
    let mut requests = vec![page];
    let mut pkg_cache_control = String::new();
    for path in linked_assets(&html) {
        let (fetched, cache, _) = get(path).await?;
        pkg_cache_control = cache;
        requests.push(fetched);
    }
    Ok(FirstVisit {
        total_bytes: requests.iter().map(|r| r.bytes).sum(),
        requests,
        pkg_cache_control,
    })
}

fn header_text(res: &reqwest::Response, name: header::HeaderName) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// `body` as it was before the server compressed it with `encoding`.
pub fn decompressed(encoding: &str, body: &[u8]) -> std::io::Result<String> {
    let bytes = match encoding {
        "gzip" => {
            let mut out = Vec::new();
            std::io::copy(&mut flate2::read::GzDecoder::new(body), &mut out)?;
            out
        }
        "br" => {
            let mut out = Vec::new();
            std::io::copy(&mut brotli::Decompressor::new(body, 4096), &mut out)?;
            out
        }
        _ => body.to_vec(),
    };
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The `/pkg/…` files the page loads: its stylesheet, script and, by the
/// script's name, the WASM module it fetches.
fn linked_assets(html: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for piece in html.split('"') {
        if piece.starts_with("/pkg/")
            && [".css", ".js", ".wasm"]
                .iter()
                .any(|ext| piece.ends_with(ext))
            && !found.iter().any(|f| f == piece)
        {
            found.push(piece.to_owned());
        }
    }
    found
}
