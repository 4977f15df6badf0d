//! `soak`: mixed load for a long time (reads, writes, notes, page views),
//! with each minute's figures, the server's RSS and the SQLite write-ahead
//! log's size, to show that nothing drifts.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use hdrhistogram::Histogram;
use serde::Serialize;
use tokio::task::JoinSet;

use crate::conn::{rss_kb, Conn};

pub struct Plan {
    pub base: String,
    pub users: usize,
    pub minutes: u32,
    pub pid: u32,
    /// The SQLite file's write-ahead log (`<file>-wal`).
    pub wal: PathBuf,
}

#[derive(Serialize)]
pub struct Minute {
    minute: u32,
    requests: u64,
    errors: u64,
    p50_us: u64,
    p99_us: u64,
    rss_kb: u64,
    wal_bytes: u64,
}

#[derive(Serialize)]
pub struct Row {
    kind: &'static str,
    users: usize,
    minutes: Vec<Minute>,
    first_error: Option<String>,
    /// No errors; the last minute's p99 within twice the first's (plus a
    /// millisecond); RSS at the end within a tenth (plus 16 MiB) of the
    /// second minute's; the log never over 64 MiB.
    pub pass: bool,
}

struct Window {
    latencies: Histogram<u64>,
    errors: u64,
}

fn window() -> Window {
    Window {
        latencies: Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid bounds"),
        errors: 0,
    }
}

/// Runs the plan.
///
/// # Errors
/// When a user cannot start.
pub async fn run(plan: &Plan) -> Result<Row, String> {
    let minutes = plan.minutes.max(2) as usize;
    let windows: Arc<Vec<Mutex<Window>>> =
        Arc::new((0..minutes).map(|_| Mutex::new(window())).collect());
    let first_error = Arc::new(Mutex::new(None::<String>));
    let begin = Instant::now();
    let end = begin + Duration::from_secs(60 * minutes as u64);
    let mut tasks = JoinSet::new();
    let conns = crate::conn::signed_in(&plan.base, plan.users).await?;
    for (i, mut conn) in conns.into_iter().enumerate() {
        let (windows, first_error) = (windows.clone(), first_error.clone());
        tasks.spawn(async move {
            let mut n = i as u64;
            while Instant::now() < end {
                n += 1;
                let sent = Instant::now();
                let result = step(&mut conn, n).await;
                let slot = (sent.duration_since(begin).as_secs() / 60) as usize;
                let Some(slot) = windows.get(slot) else { break };
                let mut w = slot.lock().expect("not poisoned");
                match result {
                    Ok(()) => w
                        .latencies
                        .saturating_record(sent.elapsed().as_micros() as u64),
                    Err(why) => {
                        w.errors += 1;
                        first_error.lock().expect("not poisoned").get_or_insert(why);
                    }
                }
            }
        });
    }
    // Memory and the log at the end of each minute.
    let mut samples = Vec::with_capacity(minutes);
    for m in 1..=minutes {
        tokio::time::sleep_until((begin + Duration::from_secs(60 * m as u64)).into()).await;
        let wal = std::fs::metadata(&plan.wal).map_or(0, |m| m.len());
        samples.push((rss_kb(plan.pid).unwrap_or(0), wal));
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| e.to_string())?;
    }
    let minutes: Vec<Minute> = windows
        .iter()
        .zip(samples)
        .enumerate()
        .map(|(i, (w, (rss_kb, wal_bytes)))| {
            let w = w.lock().expect("not poisoned");
            Minute {
                minute: i as u32 + 1,
                requests: w.latencies.len(),
                errors: w.errors,
                p50_us: w.latencies.value_at_quantile(0.5),
                p99_us: w.latencies.value_at_quantile(0.99),
                rss_kb,
                wal_bytes,
            }
        })
        .collect();
    let (first, second, last) = (&minutes[0], &minutes[1], &minutes[minutes.len() - 1]);
    let pass = minutes.iter().all(|m| m.errors == 0)
        && last.p99_us <= 2 * first.p99_us + 1000
        && last.rss_kb <= second.rss_kb + second.rss_kb / 10 + 16 * 1024
        && minutes.iter().all(|m| m.wal_bytes <= 64 << 20);
    let first_error = first_error.lock().expect("not poisoned").clone();
    Ok(Row {
        kind: "soak",
        users: plan.users,
        minutes,
        first_error,
        pass,
    })
}

/// One request of the mix, by turn: a read, a write, a note, a page view.
pub(crate) async fn step(conn: &mut Conn, n: u64) -> Result<(), String> {
    let (status, what) = match n % 4 {
        0 => (conn.get("/getsession", false).await?.status, "read"),
        1 => (
            conn.post_form("/api/set_key", format!("key=k{}&value={n}", n % 8))
                .await?
                .status,
            "write",
        ),
        2 => (
            conn.post_form("/api/save_note", format!("note=note+{n}"))
                .await?
                .status,
            "note",
        ),
        _ => (conn.get("/", true).await?.status, "page"),
    };
    if status == 200 {
        Ok(())
    } else {
        Err(format!("{what}: {status}"))
    }
}
