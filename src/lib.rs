//! Server-side sessions for a hydrated Leptos app: the Flask sessions
//! tutorial, ported with the data in a real store behind an opaque cookie.
//!
//! Built twice: with `ssr` it is the axum server ([`startup`]); with `hydrate`
//! it is the WASM bundle that takes over the server-rendered page.
#![forbid(unsafe_code)]
// A leptos view is one nested type; the workbench's, awaited whole by the
// server's render, is deeper than rustc's default limit (leptos's advice).
#![recursion_limit = "256"]

pub mod answer;
pub mod app;
pub mod error;
pub mod limits;
pub mod session;
pub mod ui;

#[cfg(feature = "ssr")]
mod assets;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
mod health;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod metrics;
#[cfg(feature = "ssr")]
pub mod startup;
#[cfg(feature = "ssr")]
pub mod telemetry;

/// Entry point of the WASM bundle: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
