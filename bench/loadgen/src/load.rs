//! Runs virtual users against a server for a fixed time and records each
//! request's latency.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;
use tokio::task::JoinSet;

use crate::workload::{User, Workload};

/// No user sends more than this many requests, whatever the duration.
const MAX_REQUESTS_PER_USER: u64 = 5_000_000;

pub struct Plan {
    pub base: String,
    pub workload: Workload,
    pub users: usize,
    pub measure: Duration,
    pub warmup: Duration,
    pub rate: Option<f64>,
}

/// What the measured window saw.
pub struct Outcome {
    latencies: Histogram<u64>,
    /// How late the generator sent each request, against when it was due:
    /// its own timer and scheduling, which the latencies include.
    late: Histogram<u64>,
    errors: u64,
    first_error: Option<String>,
    window: Duration,
}

/// One line of results.
#[derive(Serialize)]
pub struct Row<'a> {
    kind: &'static str,
    target: &'a str,
    workload: Workload,
    users: usize,
    secs: f64,
    rate: Option<f64>,
    requests: u64,
    errors: u64,
    rps: f64,
    p50_us: u64,
    p99_us: u64,
    max_us: u64,
    late_p50_us: u64,
    late_p99_us: u64,
}

impl Outcome {
    pub fn row<'a>(&self, target: &'a str, plan: &Plan) -> Row<'a> {
        let requests = self.latencies.len();
        Row {
            kind: "load",
            target,
            workload: plan.workload,
            users: plan.users,
            secs: self.window.as_secs_f64(),
            rate: plan.rate,
            requests,
            errors: self.errors,
            rps: requests as f64 / self.window.as_secs_f64(),
            p50_us: self.latencies.value_at_quantile(0.50),
            p99_us: self.latencies.value_at_quantile(0.99),
            max_us: self.latencies.max(),
            late_p50_us: self.late.value_at_quantile(0.50),
            late_p99_us: self.late.value_at_quantile(0.99),
        }
    }
}

fn histogram() -> Histogram<u64> {
    // 1 µs to 60 s at 3 significant digits.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid bounds")
}

/// Signs every user in, then lets them all run: `plan.warmup` unrecorded,
/// then `plan.measure` recorded.
///
/// # Errors
/// When a user cannot even start (server down, wrong answer at sign-in).
pub async fn run(plan: &Plan) -> Result<Outcome, String> {
    if plan
        .rate
        .is_some_and(|rate| !(rate.is_finite() && rate > 0.0))
    {
        return Err(format!("no load at a rate of {:?} req/s", plan.rate));
    }
    let mut users = Vec::with_capacity(plan.users);
    for _ in 0..plan.users {
        users.push(User::start(&plan.base, plan.workload).await?);
    }
    let start = Instant::now() + Duration::from_millis(100);
    let record_from = start + plan.warmup;
    let end = record_from + plan.measure;
    // At a fixed rate each user sends every `users / rate` seconds, the users
    // spread evenly over one period.
    let period = plan
        .rate
        .map(|rate| Duration::from_secs_f64(plan.users as f64 / rate));

    let mut tasks = JoinSet::new();
    for (i, mut user) in users.into_iter().enumerate() {
        let offset = period.map(|p| p.mul_f64(i as f64 / plan.users as f64));
        tasks.spawn(async move {
            let (mut latencies, mut late) = (histogram(), histogram());
            let (mut errors, mut first_error) = (0, None);
            let mut due = start + offset.unwrap_or_default();
            for n in 0..MAX_REQUESTS_PER_USER {
                if period.is_none() {
                    due = Instant::now().max(start);
                }
                // Only when early: a timer per request would cost the
                // generator more than a closed loop's request itself.
                if due > Instant::now() {
                    tokio::time::sleep_until(due.into()).await;
                }
                if due >= end {
                    break;
                }
                let sent = Instant::now();
                let result = user.step(n).await;
                // Counted from when the request was due, so a server that
                // falls behind a fixed rate shows it (no coordinated omission).
                let took = due.elapsed();
                if due >= record_from {
                    match result {
                        Ok(()) => {
                            latencies.saturating_record(took.as_micros() as u64);
                            late.saturating_record(
                                sent.saturating_duration_since(due).as_micros() as u64
                            );
                        }
                        Err(why) => {
                            errors += 1;
                            first_error.get_or_insert(why);
                        }
                    }
                }
                if let Some(period) = period {
                    due += period;
                }
            }
            (latencies, late, errors, first_error)
        });
    }

    let mut outcome = Outcome {
        latencies: histogram(),
        late: histogram(),
        errors: 0,
        first_error: None,
        window: plan.measure,
    };
    while let Some(done) = tasks.join_next().await {
        let (latencies, late, errors, first_error) = done.map_err(|e| e.to_string())?;
        outcome
            .latencies
            .add(latencies)
            .map_err(|e| e.to_string())?;
        outcome.late.add(late).map_err(|e| e.to_string())?;
        outcome.errors += errors;
        if outcome.first_error.is_none() {
            outcome.first_error = first_error;
        }
    }
    if let Some(why) = &outcome.first_error {
        eprintln!("loadgen: {} errors, the first: {why}", outcome.errors);
    }
    Ok(outcome)
}

/// `count` new sessions over 32 connections, each request a new visitor
/// (an empty jar every time).
///
/// # Errors
/// When a set is not answered as the seed answers it.
pub async fn create_sessions(base: &str, count: usize) -> Result<(), String> {
    const WORKERS: usize = 32;
    let mut tasks = JoinSet::new();
    for w in 0..WORKERS {
        let base = base.to_owned();
        let share = count / WORKERS + usize::from(w < count % WORKERS);
        tasks.spawn(async move {
            let mut conn = crate::conn::Conn::open(&base).await?;
            for _ in 0..share {
                conn.clear_cookies();
                let answer = conn.get("/setsession", false).await?;
                if answer.body != "The session has been Set" {
                    return Err(format!("/setsession: {}", answer.status));
                }
            }
            Ok::<_, String>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| e.to_string())??;
    }
    Ok(())
}
