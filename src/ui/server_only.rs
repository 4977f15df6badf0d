//! Reads the server renders into the page and the browser never repeats.

use std::future::Future;

/// Runs `read` on the server; in the browser, a future that never ends.
///
/// For a resource whose key never changes (the note as the page loaded, the
/// answer a no-JS redirect carries), the browser takes the value from the
/// page's hydration data and never runs its fetcher; leptos still compiles
/// the fetcher, with its server function's client code, into the bundle.
/// Here the browser's fetcher is empty, and that code stays out.
pub async fn server_only<T, Fut>(read: impl FnOnce() -> Fut) -> T
where
    Fut: Future<Output = T>,
{
    #[cfg(feature = "ssr")]
    {
        read().await
    }
    #[cfg(not(feature = "ssr"))]
    {
        drop(read);
        std::future::pending().await
    }
}
