//! The built assets under `/pkg`: compressed ahead of time, held in memory
//! when their names are hashed, outside the session layer (a stylesheet needs
//! no cookie work).

mod in_memory;
mod names;

pub use names::PkgNames;

use std::path::Path;

use axum::{
    http::{
        header::{CACHE_CONTROL, CONTENT_LENGTH, VARY},
        HeaderValue, StatusCode,
    },
    middleware,
    response::Response,
    routing::any,
    Router,
};
use leptos::config::LeptosOptions;
use tower_http::{
    compression::{predicate::DefaultPredicate, Predicate},
    services::ServeDir,
    set_header::SetResponseHeaderLayer,
};

use crate::metrics::http::StaticFile;

/// One TCP initial congestion window (10 segments): a smaller answer
/// arrives in the first round trip, compressed or not.
const WORTH_COMPRESSING: u64 = 14 * 1024;

/// Which dynamic answers the server compresses as it sends them: those of a
/// known size above [`WORTH_COMPRESSING`]. The page (2.6 KB, streamed) is
/// not: compressing it halved page throughput (7.9k to 4.2k req/s with
/// gzip, 3.8k with brotli, `bench/`) and saves no round trip. The assets
/// under `/pkg` are compressed ahead of time instead.
pub fn worth_compressing() -> impl Predicate {
    DefaultPredicate::new().and(|_: _, _: _, headers: &axum::http::HeaderMap, _: &_| {
        headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
            .is_some_and(|n| n > WORTH_COMPRESSING)
    })
}

/// `/pkg`, preferring the `.br` and `.gz` files `cargo leptos build
/// --release --precompress` writes next to each asset (the browser gets
/// brotli 11 without the server compressing on every request). Unhashed
/// names can change content while the server runs (`cargo leptos watch`), so
/// those are read from disk every time.
pub fn router<S: Clone + Send + Sync + 'static>(options: &LeptosOptions) -> Router<S> {
    let dir = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let disk = ServeDir::new(&dir).precompressed_br().precompressed_gzip();
    let pkg = format!("/{}", options.site_pkg_dir);
    let router = if options.hash_files {
        let loaded = in_memory::Loaded::read(&dir, disk);
        Router::new().nest_service(&pkg, any(in_memory::serve).with_state(loaded))
    } else {
        Router::new().nest_service(&pkg, disk)
    };
    router
        .layer(middleware::map_response(mark_static))
        .layer(SetResponseHeaderLayer::if_not_present(
            CACHE_CONTROL,
            cache_control(options.hash_files),
        ))
        // The same name answers brotli, gzip or plain bytes: shared caches
        // must keep them apart (`ServeDir` does not say so itself).
        .layer(SetResponseHeaderLayer::overriding(
            VARY,
            HeaderValue::from_static("accept-encoding"),
        ))
}

/// Counts the answer under the `static` route in the metrics (no route
/// template names a file).
async fn mark_static(mut res: Response) -> Response {
    res.extensions_mut().insert(StaticFile);
    res
}

/// [`mark_static`] for the app's fallback, which answers a file of the site
/// folder (`/robots.txt`) with a 200 and anything else with the 404 page
/// (`leptos_axum::file_and_error_handler`: the page is never a 200 there).
pub async fn mark_site_file(res: Response) -> Response {
    if res.status() == StatusCode::OK {
        mark_static(res).await
    } else {
        res
    }
}

/// With hashed file names (`hash-files`), a name never changes content, so
/// browsers may keep a file for a year without asking. Without them, they
/// must ask each time (a cheap 304 while it is unchanged), or a deploy would
/// leave them running an old bundle.
fn cache_control(hashed: bool) -> HeaderValue {
    HeaderValue::from_static(if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    })
}
