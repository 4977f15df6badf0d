//! `loadgen`: what `bench/run` measures with.
//!
//! - `load`: virtual users, each with its own cookie jar and connection,
//!   run one workload for a fixed time after a warm-up, closed-loop or at a
//!   fixed total rate; prints one JSON line.
//! - `sessions`: creates N sessions (for the memory and file-size figures).
//! - `weight`: raw, gzip and brotli sizes of the built assets; one JSON line.
//! - `fuzz`: hostile requests at scale; exits non-zero on a failure.
//! - `outage`: users reading and writing while the store is stopped and
//!   started; exits non-zero when a target is missed.
//! - `drain`, `drain-check`: users reading and writing while the server is
//!   sent SIGTERM; then, on a new instance, whether every acknowledged
//!   write is there.
//! - `soak`: mixed load for minutes, with each minute's figures.
//! - `flood`: signed-in users under the soak's mix while connections ask
//!   for new sessions without a cookie.
//! - `report`: turns the JSON lines of a run into the results table.

mod conn;
mod drain;
mod flood;
mod fuzz;
mod load;
mod outage;
mod report;
mod resilience;
mod sections;
mod soak;
mod targets;
mod weight;
mod workload;

use std::{path::PathBuf, time::Duration};

use clap::{Parser, Subcommand};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs one workload against one server and prints a JSON line.
    Load {
        /// The server, e.g. http://127.0.0.1:3000
        #[arg(long)]
        base: String,
        /// What the row is called in the table (e.g. "sqlite", "flask-seed").
        #[arg(long)]
        target: String,
        #[arg(long, value_enum)]
        workload: workload::Workload,
        #[arg(long, default_value_t = 64)]
        users: usize,
        /// Seconds measured, after the warm-up.
        #[arg(long, default_value_t = 8)]
        secs: u64,
        #[arg(long, default_value_t = 2)]
        warmup_secs: u64,
        /// Total requests per second to send; closed-loop (as fast as the
        /// server answers) when absent.
        #[arg(long)]
        rate: Option<f64>,
    },
    /// Signed-in users read and write while `flood` connections ask for
    /// `/setsession` with no cookie; prints a JSON line.
    Flood {
        #[arg(long)]
        base: String,
        #[arg(long)]
        target: String,
        #[arg(long, default_value_t = 64)]
        users: usize,
        /// Flood connections (0: the users alone, for comparison).
        #[arg(long, default_value_t = 32)]
        flood: usize,
        #[arg(long, default_value_t = 10)]
        secs: u64,
        /// Client addresses to spread the flood over, through
        /// `X-Forwarded-For` (0: none, one client).
        #[arg(long, default_value_t = 0)]
        addresses: u32,
        /// The app's metrics listener, e.g. http://127.0.0.1:9100
        #[arg(long)]
        metrics: Option<String>,
        /// The SQLite file, to report its growth.
        #[arg(long)]
        file: Option<String>,
    },
    /// Creates `count` sessions with `GET /setsession`, each from a new jar.
    Sessions {
        #[arg(long)]
        base: String,
        #[arg(long)]
        count: usize,
    },
    /// Sizes of the files in `dir` (raw, gzip -9, brotli 11) as a JSON line.
    Weight {
        dir: PathBuf,
        /// The server, to add up a first visit's bytes as the browser gets them.
        #[arg(long)]
        base: String,
    },
    /// Sends `requests` hostile requests and prints a JSON line; fails on a
    /// 5xx, an answer that is not HTTP, a hang, a close without an answer
    /// where the case does not allow one, counts that do not add up, or
    /// memory that grows without bound or could not be sampled.
    Fuzz {
        #[arg(long)]
        base: String,
        #[arg(long, default_value_t = 1_000_000)]
        requests: u64,
        #[arg(long, default_value_t = 32)]
        workers: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The server's process id, to watch its memory (required: a run
        /// whose memory cannot be sampled fails).
        #[arg(long)]
        pid: u32,
        /// Only one class of case (see the `by_case` keys).
        #[arg(long)]
        only: Option<String>,
    },
    /// Users read and write; `stop` runs after `down_at` seconds, `start`
    /// after `down_for` more; prints a JSON line.
    Outage {
        #[arg(long)]
        base: String,
        #[arg(long)]
        target: String,
        #[arg(long, default_value_t = 64)]
        users: usize,
        #[arg(long, default_value_t = 3)]
        down_at: u64,
        #[arg(long, default_value_t = 5)]
        down_for: u64,
        /// Seconds of load after the store is back.
        #[arg(long, default_value_t = 3)]
        after: u64,
        /// A bash command that stops the store.
        #[arg(long)]
        stop: String,
        /// A bash command that starts it and returns once it answers.
        #[arg(long)]
        start: String,
        /// The stop is a crash of a replicated store's primary and the start
        /// waits for a replica to take over: writes acknowledged in the last
        /// second before the crash may be lost, no other (use with
        /// `--down-for 0`).
        #[arg(long)]
        failover: bool,
    },
    /// Users read and write; the server is sent SIGTERM after
    /// `signal_after` seconds; prints a JSON line and leaves each user's
    /// session and last acknowledged write in `state`.
    Drain {
        #[arg(long)]
        base: String,
        #[arg(long)]
        target: String,
        #[arg(long, default_value_t = 64)]
        users: usize,
        #[arg(long)]
        pid: u32,
        #[arg(long, default_value_t = 2)]
        signal_after: u64,
        #[arg(long)]
        state: PathBuf,
    },
    /// Checks the sessions `drain` left against a new instance.
    DrainCheck {
        #[arg(long)]
        base: String,
        #[arg(long)]
        target: String,
        #[arg(long)]
        state: PathBuf,
    },
    /// Mixed load (reads, writes, notes, page views) for `minutes`; one
    /// JSON line with each minute's figures.
    Soak {
        #[arg(long)]
        base: String,
        #[arg(long, default_value_t = 64)]
        users: usize,
        #[arg(long, default_value_t = 10)]
        minutes: u32,
        #[arg(long)]
        pid: u32,
        /// The SQLite file's write-ahead log.
        #[arg(long)]
        wal: PathBuf,
    },
    /// Reads the JSON lines of a run and prints the results in Markdown.
    Report { results: PathBuf },
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    match Cli::parse().command {
        Command::Load {
            base,
            target,
            workload,
            users,
            secs,
            warmup_secs,
            rate,
        } => {
            let plan = load::Plan {
                base,
                workload,
                users,
                measure: Duration::from_secs(secs),
                warmup: Duration::from_secs(warmup_secs),
                rate,
            };
            let outcome = load::run(&plan).await?;
            println!("{}", serde_json::to_string(&outcome.row(&target, &plan))?);
        }
        Command::Flood {
            base,
            target,
            users,
            flood,
            secs,
            addresses,
            metrics,
            file,
        } => {
            let plan = flood::Plan {
                base,
                target,
                users,
                flood,
                secs,
                addresses,
                metrics,
                file,
            };
            println!("{}", serde_json::to_string(&flood::run(&plan).await?)?);
        }
        Command::Sessions { base, count } => load::create_sessions(&base, count).await?,
        Command::Weight { dir, base } => {
            println!(
                "{}",
                serde_json::to_string(&weight::measure(&dir, &base).await?)?
            );
        }
        Command::Fuzz {
            base,
            requests,
            workers,
            seed,
            pid,
            only,
        } => {
            let only = match only {
                Some(name) => Some(
                    *fuzz::cases::CLASSES
                        .iter()
                        .find(|c| **c == name)
                        .ok_or(format!("no case class {name}"))?,
                ),
                None => None,
            };
            let plan = fuzz::Plan {
                base,
                requests,
                workers,
                seed,
                pid,
                only,
            };
            let row = fuzz::run(&plan).await?;
            println!("{}", serde_json::to_string(&row)?);
            if !row.pass {
                return Err(format!(
                    "{} failures; {} requests unaccounted for; memory unbounded: {}, \
                     unmeasured: {}",
                    row.failures, row.unaccounted, row.rss_unbounded, row.rss_unmeasured
                )
                .into());
            }
        }
        Command::Outage {
            base,
            target,
            users,
            down_at,
            down_for,
            after,
            stop,
            start,
            failover,
        } => {
            let plan = outage::Plan {
                base,
                target,
                users,
                down_at: Duration::from_secs(down_at),
                down_for: Duration::from_secs(down_for),
                after: Duration::from_secs(after),
                stop,
                start,
                failover,
            };
            let row = outage::run(&plan).await?;
            println!("{}", serde_json::to_string(&row)?);
            if !row.pass {
                return Err("the outage missed a target (see the JSON line)".into());
            }
        }
        Command::Drain {
            base,
            target,
            users,
            pid,
            signal_after,
            state,
        } => {
            let plan = drain::Plan {
                base,
                target,
                users,
                pid,
                signal_after: Duration::from_secs(signal_after),
            };
            let row = drain::run(&plan, &state).await?;
            println!("{}", serde_json::to_string(&row)?);
            if row.failures > 0 {
                return Err("requests the server took went unanswered, or not in whole".into());
            }
            if row.drained == 0 {
                return Err("no request in flight at the signal was answered after it".into());
            }
        }
        Command::DrainCheck {
            base,
            target,
            state,
        } => {
            let row = drain::check(&base, &target, &state).await?;
            println!("{}", serde_json::to_string(&row)?);
            if row.intact < row.users || row.unanswered_landed > 0 {
                return Err("a session lost a write, or shows one never answered".into());
            }
        }
        Command::Soak {
            base,
            users,
            minutes,
            pid,
            wal,
        } => {
            let plan = soak::Plan {
                base,
                users,
                minutes,
                pid,
                wal,
            };
            let row = soak::run(&plan).await?;
            println!("{}", serde_json::to_string(&row)?);
            if !row.pass {
                return Err("the soak missed a target (see the JSON line)".into());
            }
        }
        Command::Report { results } => print!("{}", report::render(&results)?),
    }
    Ok(())
}
