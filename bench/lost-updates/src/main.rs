//! `lost-updates`: runs the same concurrent-request script against each
//! tower-sessions store and counts, per 1,000 pairs of requests of one
//! session, the updates lost and the logged-out sessions brought back.
//! See README.md beside Cargo.toml.

#![forbid(unsafe_code)]

mod app;
mod client;
mod race;
mod stores;
mod table;

use std::{path::PathBuf, time::Duration, time::Instant};

use clap::Parser;

use crate::{race::Settings, stores::Backend};

#[derive(Parser)]
struct Cli {
    /// A store to run against (repeat the flag): memory, sqlite (a file in a
    /// temporary folder), sqlite://PATH, redis://HOST:PORT, postgres://…
    /// The PostgreSQL database should be a fresh one.
    #[arg(long = "store", default_values_t = [String::from("memory"), String::from("sqlite")])]
    stores: Vec<String>,
    /// Pairs of requests per scenario and store.
    #[arg(long, default_value_t = 1000)]
    pairs: u64,
    /// Milliseconds of handler work between the session's load and its save.
    #[arg(long, default_value_t = 5)]
    work_ms: u64,
    /// Both requests of a pair load the session, then wait for each other,
    /// so that neither saves (or deletes) before the other has loaded.
    #[arg(long)]
    barrier: bool,
    /// Also writes the table to this file.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let backends = cli
        .stores
        .iter()
        .map(|url| url.parse::<Backend>().map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let settings = Settings {
        pairs: cli.pairs,
        work: Duration::from_millis(cli.work_ms),
        barrier: cli.barrier,
    };
    let started = Instant::now();
    let mut rows = Vec::new();
    for backend in &backends {
        eprintln!("lost-updates: {} …", backend.label());
        for row in stores::rows(backend, &settings).await? {
            if let Some(cause) = row.first_failure() {
                eprintln!("lost-updates: first failed pair: {cause}");
            }
            if let Some(answer) = row.first_error() {
                eprintln!("lost-updates: first 5xx answer: {answer}");
            }
            rows.push(row);
        }
    }
    let table = table::render(&rows, &settings, started.elapsed());
    print!("{table}");
    if let Some(path) = cli.out {
        std::fs::write(&path, &table)?;
    }
    Ok(())
}
