//! `outage`: users reading and writing while the store is stopped and
//! started again by the caller's commands; what the users saw, in phases.
//! A failover is the same run with a crash for the stop and, for the start,
//! a wait until a replica has taken over.

mod user;

use std::{
    collections::BTreeMap,
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

use self::user::{Seen, User};

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
    /// may not have reached the replica that took over (see [`LOSS_WINDOW`]).
    pub failover: bool,
}

/// How long before a primary's crash a write it acknowledged may be lost
/// in a failover. Redis replicates asynchronously: the primary answers,
/// then streams the write to its replica, and a SIGKILL loses what the
/// replica had not yet read: on loopback, the last few milliseconds. A
/// second allows for a replica starved of CPU on a shared two-core host.
/// A write acknowledged earlier was on the replica long before the crash,
/// and one acknowledged after it came from the new primary (or another
/// shard): losing either is a store or a server losing data, not the
/// failover, and fails the run.
pub const LOSS_WINDOW: Duration = Duration::from_secs(1);

/// The bound on the 503s' p99 from two seconds into an outage.
const REFUSED_P99_US: u64 = 50_000;

#[derive(Serialize)]
pub struct Row {
    kind: &'static str,
    target: String,
    users: usize,
    down_secs: f64,
    requests: usize,
    /// Requests sent from the start of the stop until the store answered
    /// again (or a replica had taken over).
    during: usize,
    /// Answers other than 200 and 503, and requests with no answer.
    others: usize,
    /// Every status seen, with its count (0: no answer).
    statuses: BTreeMap<u16, usize>,
    /// 503s in all; those sent while the store was down.
    refused: usize,
    refused_while_down: usize,
    /// The p99 and maximum of the 503s sent from two seconds into the
    /// outage until the store was back; absent when there were none.
    refused_p99_after_2s_us: Option<u64>,
    refused_max_after_2s_us: Option<u64>,
    /// Requests sent from one second after the store answered again, and
    /// how many of them succeeded.
    after_1s: usize,
    after_1s_ok: usize,
    /// From the start of the stop command until the answer to the last
    /// request that was not a 200: how long users saw failures.
    failing_ms: u64,
    /// Users who saw at least one answer other than a 200.
    users_failed: usize,
    /// Answers of 200, during the run, that showed the user signed out;
    /// and answers of 200 to a read of the keys that were not keys.
    signed_out: usize,
    garbled: usize,
    /// Users whose session (user and last acknowledged write) was intact
    /// afterwards, out of all; users signed out (or unreadable) afterwards.
    sessions_intact: usize,
    sessions_lost: usize,
    /// Acknowledged writes found missing, during the run or after it; in a
    /// failover, those of them acknowledged outside [`LOSS_WINDOW`] before
    /// the crash.
    writes_lost: usize,
    writes_lost_outside_window: usize,
    /// The targets missed; none when the run passes.
    missed: Vec<&'static str>,
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
        tasks.spawn(User::new(conn).run(over.clone()));
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
    let mut users = Vec::new();
    let (mut users_failed, mut signed_out, mut garbled) = (0, 0, 0);
    while let Some(done) = tasks.join_next().await {
        let mut user = done.map_err(|e| e.to_string())?;
        users_failed += usize::from(user.log.iter().any(|s| s.status != 200));
        signed_out += user.signed_out;
        garbled += user.garbled;
        seen.append(&mut user.log);
        users.push(user);
    }
    let (mut sessions_intact, mut sessions_lost) = (0, 0);
    let (mut writes_lost, mut writes_lost_outside_window) = (0, 0);
    // A crash comes after the stop command starts and before it returns.
    let window = stopping.checked_sub(LOSS_WINDOW).unwrap_or(stopping)..=down;
    for user in &mut users {
        if user.still_signed_in().await {
            sessions_intact += 1;
        } else {
            sessions_lost += 1;
        }
        writes_lost += user.losses.len();
        writes_lost_outside_window += user
            .losses
            .iter()
            .filter(|loss| !window.contains(&loss.acked_at))
            .count();
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
    let while_down = |s: &&Seen| s.sent >= down && s.sent < back;
    let refused_while_down = seen
        .iter()
        .filter(while_down)
        .filter(|s| s.status == 503)
        .count();
    let during = seen
        .iter()
        .filter(|s| s.sent >= stopping && s.sent < back)
        .count();
    let mut statuses = BTreeMap::new();
    for s in &seen {
        *statuses.entry(s.status).or_default() += 1;
    }
    let mut late = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
    for s in seen.iter().filter(while_down) {
        if s.status == 503 && s.sent >= down + Duration::from_secs(2) {
            late.saturating_record(s.took.as_micros() as u64);
        }
    }
    // No 503 is no p99: absent, not 0.
    let (p99, max) = if late.is_empty() {
        (None, None)
    } else {
        (Some(late.value_at_quantile(0.99)), Some(late.max()))
    };
    let after: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.sent >= back + Duration::from_secs(1))
        .collect();
    let after_1s_ok = after.iter().filter(|s| s.status == 200).count();

    let mut missed = Vec::new();
    let mut miss = |missed_it: bool, target: &'static str| {
        if missed_it {
            missed.push(target);
        }
    };
    miss(others > 0, "an answer other than 200 or 503, or none");
    miss(signed_out > 0, "a 200 that showed the user signed out");
    miss(garbled > 0, "a 200 to a read of the keys that was not keys");
    // The load ran across the outage, whatever the mode.
    miss(during == 0, "no request sent while the store was stopped");
    // An outage with a gap must be seen: with the store down for seconds,
    // a request can only be refused. A restart (no gap) or a failover may
    // honestly go unseen: a store client that retries across the gap (a
    // pool reconnecting, a cluster client following the new primary) within
    // its timeout answers every request; that the store did restart or fail
    // over is the commands' own check (`pg_ctl -w`, `kill_node` waiting
    // until the node is gone, `until_*_failover` until a replica is primary).
    let gap = !plan.failover && !plan.down_for.is_zero();
    miss(
        gap && refused_while_down == 0,
        "no 503 while the store was down",
    );
    // With the store down for more than two seconds there must be 503s to
    // take the p99 of; elsewhere the bound applies when there are some.
    let p99_required = gap && plan.down_for > Duration::from_secs(2);
    miss(
        p99.map_or(p99_required, |p| p >= REFUSED_P99_US),
        "the p99 of the 503s from 2 s in (under 50 ms, and some 503s to take it of)",
    );
    miss(
        after.is_empty() || after_1s_ok < after.len(),
        "every request from 1 s after the store was back a 200",
    );
    miss(sessions_lost > 0, "every user still signed in afterwards");
    if plan.failover {
        miss(
            writes_lost_outside_window > 0,
            "no acknowledged write lost but in the last second before the crash",
        );
    } else {
        miss(writes_lost > 0, "no acknowledged write lost");
    }
    Ok(Row {
        kind: if plan.failover { "failover" } else { "outage" },
        target: plan.target.clone(),
        users: plan.users,
        down_secs: back.duration_since(down).as_secs_f64(),
        requests: seen.len(),
        during,
        others,
        statuses,
        refused,
        refused_while_down,
        refused_p99_after_2s_us: p99,
        refused_max_after_2s_us: max,
        after_1s: after.len(),
        after_1s_ok,
        failing_ms,
        users_failed,
        signed_out,
        garbled,
        sessions_intact,
        sessions_lost,
        writes_lost,
        writes_lost_outside_window,
        pass: missed.is_empty(),
        missed,
    })
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
