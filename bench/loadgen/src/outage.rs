//! `outage`: users reading and writing while the store is stopped and
//! started again by the caller's commands; what the users saw, in phases.
//! A failover is the same run with a crash for the stop and, for the start,
//! a wait until a replica has taken over.

use std::{
    process::Command,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
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
    /// When the store is stopped, from the start of the load.
    pub down_at: Duration,
    pub down_for: Duration,
    /// How long the load goes on after the store is back.
    pub after: Duration,
    pub stop: String,
    pub start: String,
    /// A failover of a replicated store: a write its primary acknowledged
    /// may not have reached the replica that took over, so lost writes are
    /// counted, not failed.
    pub failover: bool,
}

/// What one request saw.
struct Seen {
    sent: Instant,
    took: Duration,
    /// The status, or 0 when the request got no answer.
    status: u16,
}

#[derive(Serialize)]
pub struct Row {
    kind: &'static str,
    target: String,
    users: usize,
    down_secs: f64,
    requests: usize,
    /// Answers other than 200 and 503, and requests with no answer.
    pub others: usize,
    /// Every status seen, with its count (0: no answer).
    statuses: std::collections::BTreeMap<u16, usize>,
    /// 503s while the store was down, and their p99 from two seconds in.
    refused: usize,
    refused_p99_after_2s_us: u64,
    refused_max_after_2s_us: u64,
    /// Requests sent from one second after the store answered again, and
    /// how many of them succeeded.
    after_1s: usize,
    after_1s_ok: usize,
    /// From the start of the stop command until the answer to the last
    /// request that was not a 200: how long users saw failures.
    failing_ms: u64,
    /// Users who saw at least one answer other than a 200.
    users_failed: usize,
    /// Users whose session (user and last acknowledged write) was intact
    /// afterwards, out of all; users signed out; users still signed in whose
    /// last acknowledged write was gone.
    sessions_intact: usize,
    sessions_lost: usize,
    writes_lost: usize,
    pub pass: bool,
}

/// Runs the plan.
///
/// # Errors
/// When a user cannot sign in, or a command cannot be run.
pub async fn run(plan: &Plan) -> Result<Row, String> {
    let conns = crate::conn::signed_in(&plan.base, plan.users).await?;
    let begin = Instant::now();
    let over = Arc::new(AtomicBool::new(false));
    let mut tasks = JoinSet::new();
    for conn in conns {
        tasks.spawn(user(conn, over.clone()));
    }
    tokio::time::sleep_until((begin + plan.down_at).into()).await;
    let stopping = Instant::now();
    in_background(&plan.stop).await?;
    let down = Instant::now();
    tokio::time::sleep_until((down + plan.down_for).into()).await;
    // Returns once the store answers again (the command's own readiness check).
    in_background(&plan.start).await?;
    let back = Instant::now();
    // The load goes on for `after` from when the store is back, however
    // long its stop and start took (Redis's `SHUTDOWN SAVE` under load took
    // 2.2 s once, and a fixed end left no request after the store was back).
    tokio::time::sleep_until((back + plan.after).into()).await;
    over.store(true, Ordering::Relaxed);

    let mut seen = Vec::new();
    let mut finished = Vec::new();
    let mut users_failed = 0;
    while let Some(done) = tasks.join_next().await {
        let (conn, mut log, acked) = done.map_err(|e| e.to_string())?;
        users_failed += usize::from(log.iter().any(|s| s.status != 200));
        seen.append(&mut log);
        finished.push((conn, acked));
    }
    let (mut sessions_intact, mut sessions_lost, mut writes_lost) = (0, 0, 0);
    for (mut conn, acked) in finished {
        match after_the_run(&mut conn, acked).await {
            Session::Intact => sessions_intact += 1,
            Session::Lost => sessions_lost += 1,
            Session::WriteLost => writes_lost += 1,
        }
    }
    let failing_ms = seen
        .iter()
        .filter(|s| s.status != 200 && s.sent + s.took >= stopping)
        .map(|s| (s.sent + s.took).duration_since(stopping).as_millis() as u64)
        .max()
        .unwrap_or(0);

    let others = seen
        .iter()
        .filter(|s| !matches!(s.status, 200 | 503))
        .count();
    let refused = seen.iter().filter(|s| s.status == 503).count();
    let mut statuses = std::collections::BTreeMap::new();
    for s in &seen {
        *statuses.entry(s.status).or_default() += 1;
    }
    let mut late = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
    for s in &seen {
        if s.status == 503 && s.sent >= down + Duration::from_secs(2) && s.sent < back {
            late.saturating_record(s.took.as_micros() as u64);
        }
    }
    let after: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.sent >= back + Duration::from_secs(1))
        .collect();
    let after_1s_ok = after.iter().filter(|s| s.status == 200).count();
    let p99 = late.value_at_quantile(0.99);
    let pass = others == 0
        && p99 < 50_000
        && !after.is_empty()
        && after_1s_ok == after.len()
        && sessions_lost == 0
        && (plan.failover || writes_lost == 0);
    Ok(Row {
        kind: if plan.failover { "failover" } else { "outage" },
        target: plan.target.clone(),
        users: plan.users,
        down_secs: back.duration_since(down).as_secs_f64(),
        requests: seen.len(),
        others,
        statuses,
        refused,
        refused_p99_after_2s_us: p99,
        refused_max_after_2s_us: late.max(),
        after_1s: after.len(),
        after_1s_ok,
        failing_ms,
        users_failed,
        sessions_intact,
        sessions_lost,
        writes_lost,
        pass,
    })
}

/// Reads and writes in turn until `end`; returns what it saw and the last
/// value of its counter that a write answered 200 for.
async fn user(mut conn: Conn, over: Arc<AtomicBool>) -> (Conn, Vec<Seen>, u64) {
    let mut log = Vec::new();
    let mut acked = 0;
    let mut n = 0u64;
    while !over.load(Ordering::Relaxed) {
        n += 1;
        let sent = Instant::now();
        let answer = if n.is_multiple_of(2) {
            conn.post_form("/api/set_key", format!("key=n&value={n}"))
                .await
        } else {
            conn.get("/getsession", false).await
        };
        let status = answer.as_ref().map_or(0, |a| a.status);
        if status == 200 && n.is_multiple_of(2) {
            acked = n;
        }
        log.push(Seen {
            sent,
            took: sent.elapsed(),
            status,
        });
        // A refusal comes at once: pace a refused user as a client honouring
        // `Retry-After` would not, but without spinning the machine's cores.
        if status != 200 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    (conn, log, acked)
}

enum Session {
    /// Still signed in, and its key holds the last acknowledged write (or a
    /// later one whose answer was a timeout's 503).
    Intact,
    /// Signed out, or not readable at all.
    Lost,
    /// Signed in, but an earlier value than the last acknowledged write.
    WriteLost,
}

async fn after_the_run(conn: &mut Conn, acked: u64) -> Session {
    let Ok(answer) = conn.get("/getsession", false).await else {
        return Session::Lost;
    };
    if answer.body != "Welcome Admin" {
        return Session::Lost;
    }
    let Ok(keys) = conn.post_form("/api/list_keys", "").await else {
        return Session::Lost;
    };
    let Ok(keys) = serde_json::from_slice::<Vec<(String, String)>>(&keys.body) else {
        return Session::Lost;
    };
    let stored = keys
        .iter()
        .find(|(k, _)| k == "n")
        .and_then(|(_, v)| v.parse::<u64>().ok())
        .unwrap_or(0);
    if stored >= acked {
        Session::Intact
    } else {
        Session::WriteLost
    }
}

/// Runs `command` off the runtime's threads, which the users need.
async fn in_background(command: &str) -> Result<(), String> {
    let command = command.to_owned();
    tokio::task::spawn_blocking(move || shell(&command))
        .await
        .map_err(|e| e.to_string())?
}

fn shell(command: &str) -> Result<(), String> {
    let status = Command::new("bash")
        .arg("-c")
        .arg(command)
        .status()
        .map_err(|e| format!("{command}: {e}"))?;
    status
        .success()
        .then_some(())
        .ok_or(format!("{command}: {status}"))
}
