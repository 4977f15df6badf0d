//! The HTML shell and the app: one page, or the 404 page.

use leptos::{either::Either, prelude::*};

use crate::ui::{location, NotFound, Workbench};

/// The document around the app, rendered on the server.
///
/// The `/pkg` links are written here from names read once ([`PkgNames`])
/// rather than by leptos's `HashedStylesheet` and `HydrationScripts`, which
/// read `hash.txt` from disk on every render. The loader imports the script
/// statically, so the browser fetches it while it parses the page; the
/// module is preloaded beside it.
#[cfg(feature = "ssr")]
pub fn shell(
    options: LeptosOptions,
    pkg: std::sync::Arc<crate::assets::PkgNames>,
) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                // One title for the page and the 404 page, so it is written
                // here once, not by a head component hydrated in the bundle.
                <title>"Leptos sessions"</title>
                <meta name="description" content="Set, get and pop a server-side session." />
                // No favicon: saves every visit a request that would render the 404 page.
                <link rel="icon" href="data:," />
                <AutoReload options />
                <link id="leptos" rel="stylesheet" href=pkg.stylesheet.clone() />
                <link
                    rel="preload"
                    href=pkg.module.clone()
                    r#as="fetch"
                    r#type="application/wasm"
                    crossorigin="anonymous"
                />
                // A script's text is written as it is (leptos escapes no child of
                // `<script>`).
                <script type="module" nonce=nonce>
                    {pkg.loader.to_string()}
                </script>
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The app: one page, the session workbench, at `/`; the 404 page at any
/// other path (the server answers it with 404).
///
/// No router: with one page it only matched `/` and read the query, and it
/// cost the bundle over a quarter of its size and a page's render about
/// 13 % of its CPU (`bench/ANALYSIS.md`). The server registers `/` itself
/// ([`crate::startup`]) and renders it whole before answering
/// (`render_app_async`): the answer a no-JS redirect asks for is in the
/// HTML, not streamed in for a script to place.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <main>
            {if location::path() == "/" {
                Either::Left(view! { <Workbench /> })
            } else {
                Either::Right(view! { <NotFound /> })
            }}
        </main>
    }
}
