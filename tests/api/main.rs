//! HTTP-level tests against the real router, on real SQLite files.

mod cookies;
mod health;
mod helpers;
mod restart;
mod seed_routes;
mod server_fns;
