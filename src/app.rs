//! The HTML shell and the page's routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Meta, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::ui::{NotFound, Workbench};

/// The document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                // No favicon: saves every visit a request that would render the 404 page.
                <link rel="icon" href="data:," />
                <AutoReload options=options.clone() />
                // Hashed names when the build hashes them (long-cached /pkg).
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The app: one page, the session workbench.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Leptos sessions" />
        <Meta name="description" content="Set, get and pop a server-side session." />
        <Router>
            <main>
                <Routes fallback=NotFound>
                    // Async: the answer a no-JS redirect asks for must be in
                    // the HTML itself, not streamed in for a script to place.
                    <Route path=path!("") view=Workbench ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}
