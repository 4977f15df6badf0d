//! HTTP-level tests against the real router and real stores: SQLite files,
//! Redis servers and PostgreSQL databases made for each test, and turns on
//! one Redis Cluster and one Sentinel set-up.

mod assets;
mod bad_input;
mod binary;
mod caching;
mod concurrent_writers;
mod cookies;
mod cross_site;
mod every_store;
mod flood;
mod health;
mod helpers;
mod hostile_requests;
mod inspector;
mod key_rotation;
mod log_format;
mod logs;
mod metrics;
mod metrics_shown;
mod notes;
mod outage;
mod races;
mod read_cache;
mod redis_ha;
mod redis_server;
mod scrape;
mod seed_routes;
mod server_fns;
mod shared_stores;
mod shutdown;
mod start_up;
mod stores;
mod sweeper;
mod timeouts;
mod trailing_saves;
mod upgrade;
mod workbench;
