//! `flood`: signed-in users read and write (the soak's mix) while flood
//! connections ask for `GET /setsession` with no cookie, as fast as they are
//! answered: what a flood of new sessions does to the store and to the
//! visitors already there. With `addresses`, each flood request comes
//! "from" one of that many clients, through `X-Forwarded-For` (the app must
//! trust this machine as its proxy). One JSON line.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use hdrhistogram::Histogram;
use serde::Serialize;
use tokio::task::JoinSet;

use crate::conn::Conn;

pub struct Plan {
    pub base: String,
    pub target: String,
    pub users: usize,
    /// Flood connections; 0 for the run without the flood.
    pub flood: usize,
    pub secs: u64,
    /// Client addresses the flood is spread over; 0: no header.
    pub addresses: u32,
    /// The app's metrics (`http://host:port`), for what was created and refused.
    pub metrics: Option<String>,
    /// The store's file (SQLite), whose growth is reported with its `-wal`.
    pub file: Option<String>,
}

#[derive(Serialize)]
pub struct Row {
    kind: &'static str,
    target: String,
    users: usize,
    flood_connections: usize,
    secs: u64,
    addresses: u32,
    user_requests: u64,
    user_errors: u64,
    user_p50_us: u64,
    user_p99_us: u64,
    first_error: Option<String>,
    flood_requests: u64,
    /// Flood answers by status.
    flood_statuses: BTreeMap<u16, u64>,
    /// From `/metrics` over the run: sessions stored, and refusals by cause.
    sessions_created: Option<f64>,
    refused_rate: Option<f64>,
    refused_store_full: Option<f64>,
    store_growth_bytes: Option<i64>,
}

/// Runs the plan.
///
/// # Errors
/// When a user cannot sign in.
pub async fn run(plan: &Plan) -> Result<Row, String> {
    let conns = crate::conn::signed_in(&plan.base, plan.users).await?;
    let before = counts(plan.metrics.as_deref()).await;
    let size_before = file_size(plan.file.as_deref());
    let end = Instant::now() + Duration::from_secs(plan.secs);
    // 1 µs to 60 s at 3 significant digits, as `load` records.
    let histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
    let latencies = Arc::new(Mutex::new(histogram));
    let errors = Arc::new(Mutex::new((0u64, None::<String>)));
    let statuses = Arc::new(Mutex::new(BTreeMap::<u16, u64>::new()));
    let mut tasks = JoinSet::new();
    for (i, mut conn) in conns.into_iter().enumerate() {
        let (latencies, errors) = (latencies.clone(), errors.clone());
        tasks.spawn(async move {
            let mut n = i as u64;
            while Instant::now() < end {
                n += 1;
                let sent = Instant::now();
                match crate::soak::step(&mut conn, n).await {
                    Ok(()) => latencies
                        .lock()
                        .expect("not poisoned")
                        .saturating_record(sent.elapsed().as_micros() as u64),
                    Err(why) => {
                        let mut e = errors.lock().expect("not poisoned");
                        e.0 += 1;
                        e.1.get_or_insert(why);
                    }
                }
            }
        });
    }
    let flood = plan.flood;
    for f in 0..flood {
        let (base, statuses, addresses) = (plan.base.clone(), statuses.clone(), plan.addresses);
        tasks.spawn(async move {
            let Ok(mut conn) = Conn::open(&base).await else {
                return;
            };
            // Connection f sends from addresses f, f + flood, f + 2 * flood, …
            let (mut n, stride) = (f as u32, flood as u32);
            while Instant::now() < end {
                // A new visitor each time: no cookie.
                conn.clear_cookies();
                let from = (addresses > 0).then(|| {
                    let i = n % addresses;
                    format!("10.77.{}.{}", i / 256, i % 256)
                });
                n = n.wrapping_add(stride);
                let status = match conn.get_from("/setsession", from.as_deref()).await {
                    Ok(answer) => answer.status,
                    Err(_) => match Conn::open(&base).await {
                        Ok(fresh) => {
                            conn = fresh;
                            0
                        }
                        Err(_) => 0,
                    },
                };
                *statuses
                    .lock()
                    .expect("not poisoned")
                    .entry(status)
                    .or_default() += 1;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| e.to_string())?;
    }
    let after = counts(plan.metrics.as_deref()).await;
    let moved = |i: usize| Some(after.as_ref()?[i] - before.as_ref()?[i]);
    let latencies = latencies.lock().expect("not poisoned");
    let (user_errors, first_error) = errors.lock().expect("not poisoned").clone();
    let flood_statuses = statuses.lock().expect("not poisoned").clone();
    Ok(Row {
        kind: "flood",
        target: plan.target.clone(),
        users: plan.users,
        flood_connections: plan.flood,
        secs: plan.secs,
        addresses: plan.addresses,
        user_requests: latencies.len(),
        user_errors,
        user_p50_us: latencies.value_at_quantile(0.5),
        user_p99_us: latencies.value_at_quantile(0.99),
        first_error,
        flood_requests: flood_statuses.values().sum(),
        flood_statuses,
        sessions_created: moved(0),
        refused_rate: moved(1),
        refused_store_full: moved(2),
        store_growth_bytes: file_size(plan.file.as_deref())
            .zip(size_before)
            .map(|(after, before)| after - before),
    })
}

/// A file's size with its `-wal`, if it has one.
fn file_size(path: Option<&str>) -> Option<i64> {
    let path = path?;
    let size = |p: &str| std::fs::metadata(p).map_or(0, |m| m.len() as i64);
    Some(size(path) + size(&format!("{path}-wal")))
}

/// `sessions_created_total`, then `session_creations_refused_total` for
/// `rate` and `store_full`, from the app's `/metrics`.
async fn counts(metrics: Option<&str>) -> Option<[f64; 3]> {
    let mut conn = Conn::open(metrics?).await.ok()?;
    let text = String::from_utf8(conn.get("/metrics", false).await.ok()?.body.to_vec()).ok()?;
    let value = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Some([
        value("leptos_sessions_sessions_created_total "),
        value("leptos_sessions_session_creations_refused_total{cause=\"rate\"} "),
        value("leptos_sessions_session_creations_refused_total{cause=\"store_full\"} "),
    ])
}

/// The flood's rows in the report: each run beside the one without the flood.
///
/// # Errors
/// Only when writing to the string fails.
pub fn section(out: &mut String, rows: &[&serde_json::Value]) -> Result<(), std::fmt::Error> {
    use std::fmt::Write;
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(out, "## A flood of new sessions\n")?;
    writeln!(
        out,
        "64 signed-in users (reads, keys, notes, pages) for 10 s, alone and beside flood \
         connections asking for `/setsession` with no cookie; the spread flood comes from \
         1,000 addresses through `X-Forwarded-For` (this machine trusted as the proxy) on an \
         app with a small `SESSION_MAX_SESSIONS`.\n"
    )?;
    writeln!(
        out,
        "| run | flood requests | sessions created | 429 | 503 | store growth | users' requests | users' p99 | users' errors |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    for r in rows {
        let n = |key: &str| r[key].as_f64().map_or("–".into(), |v| format!("{v:.0}"));
        let status = |code: &str| r["flood_statuses"][code].as_u64().unwrap_or(0);
        let run = match (r["flood_connections"].as_u64(), r["addresses"].as_u64()) {
            (Some(0), _) => format!("{}: users alone", r["target"].as_str().unwrap_or("?")),
            (Some(c), Some(0)) => format!(
                "{}: {c} connections, one client",
                r["target"].as_str().unwrap_or("?")
            ),
            (Some(c), Some(a)) => format!(
                "{}: {c} connections, {a} clients",
                r["target"].as_str().unwrap_or("?")
            ),
            _ => "?".into(),
        };
        let growth = r["store_growth_bytes"]
            .as_i64()
            .map_or("–".into(), |b| format!("{:.1} MB", b as f64 / 1e6));
        writeln!(
            out,
            "| {run} | {} | {} | {} | {} | {growth} | {} | {:.1} ms | {} |",
            n("flood_requests"),
            n("sessions_created"),
            status("429"),
            status("503"),
            n("user_requests"),
            r["user_p99_us"].as_f64().unwrap_or(0.0) / 1000.0,
            n("user_errors"),
        )?;
    }
    writeln!(out)?;
    Ok(())
}
