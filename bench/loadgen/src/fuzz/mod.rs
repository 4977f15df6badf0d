//! `fuzz`: hostile requests at scale. Workers send the cases of [`cases`]
//! over raw connections and count each request once, by what it came to
//! (its answer's status, or closed, cut or hung), by status class and by
//! case class. A run fails on any 5xx (a 503 included: the store is
//! healthy), an answer that is not HTTP, a request left unanswered, a
//! connection closed or an answer's head cut off where the case does not
//! allow it ([`cases::Case::may_close`]), counts that do not add up to the
//! requests sent, and the server's memory growing without bound or not
//! measured; the caller checks the server's log for panics.

pub mod cases;
mod verdict;
mod wire;

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use serde::Serialize;
use tokio::task::JoinSet;

use self::{verdict::Tally, wire::Wire};

pub struct Plan {
    pub base: String,
    pub requests: u64,
    pub workers: usize,
    pub seed: u64,
    /// The server's process, to sample its resident memory.
    pub pid: u32,
    /// Only this case class, when set.
    pub only: Option<&'static str>,
}

#[derive(Serialize, Default)]
pub struct Row {
    kind: &'static str,
    requests: u64,
    secs: f64,
    rps: f64,
    /// Requests by what they came to, one each: the status class ("2xx" …
    /// "5xx") of their answer, "not-http", "closed" (the server hung up
    /// without a word), "cut" (part of an answer's head, then a close) or
    /// "hung".
    by_status: BTreeMap<String, u64>,
    /// Requests by case class, then what they came to (the status itself).
    by_case: BTreeMap<&'static str, BTreeMap<String, u64>>,
    /// Answers to the bytes after a request, read by the server as one more
    /// request ("extra-body"), by status: beside the counts, not in them.
    extra_answers: BTreeMap<String, u64>,
    /// Requests sent that `by_case` does not count exactly once, by class
    /// and in all; any is a failure of the fuzzer's own bookkeeping.
    pub unaccounted: u64,
    /// Requests that failed (one count each, whatever the reasons).
    pub failures: u64,
    samples: Vec<String>,
    /// The server's RSS in KiB after each tenth of the requests.
    rss_kb: Vec<u64>,
    pub rss_unbounded: bool,
    /// Fewer than the ten samples: the process was gone or its memory
    /// unreadable, so the memory rule could not be applied.
    pub rss_unmeasured: bool,
    pub pass: bool,
}

/// Runs the plan; the row says what came back.
///
/// # Errors
/// When the server cannot be reached or will not give a session to start.
pub async fn run(plan: &Plan) -> Result<Row, String> {
    let host = plan
        .base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let sampler = tokio::spawn(sample_rss(plan.pid, next.clone(), plan.requests));
    let mut tasks = JoinSet::new();
    for w in 0..plan.workers {
        let (host, next, total, only) = (host.clone(), next.clone(), plan.requests, plan.only);
        let seed = plan.seed.wrapping_mul(1_000_003).wrapping_add(w as u64);
        tasks.spawn(async move { worker(&host, seed, next, total, only).await });
    }
    let mut tally = Tally::default();
    while let Some(done) = tasks.join_next().await {
        let part = done.map_err(|e| e.to_string())??;
        tally.absorb(part);
    }
    let secs = started.elapsed().as_secs_f64();
    let rss_kb = sampler.await.map_err(|e| e.to_string())?;
    let mut by_status = BTreeMap::new();
    for counts in tally.by_case.values() {
        for (what, n) in counts {
            let class = match what.as_bytes()[0] {
                b @ b'1'..=b'5' => format!("{}xx", b as char),
                _ => what.clone(),
            };
            *by_status.entry(class).or_default() += n;
        }
    }
    let requests = plan.requests;
    let unaccounted = tally.unaccounted(requests);
    let rss_unbounded = unbounded(&rss_kb);
    let rss_unmeasured = rss_kb.len() < TENTHS;
    Ok(Row {
        kind: "fuzz",
        requests,
        secs,
        rps: requests as f64 / secs,
        by_status,
        by_case: tally.by_case,
        extra_answers: tally.extra_answers,
        unaccounted,
        failures: tally.failures,
        samples: tally.samples,
        rss_kb,
        rss_unbounded,
        rss_unmeasured,
        pass: tally.failures == 0 && unaccounted == 0 && !rss_unbounded && !rss_unmeasured,
    })
}

/// RSS samples a run takes: one after each tenth of the requests.
const TENTHS: usize = 10;

/// More than 32 MiB of growth from half way to the end (too few samples to
/// tell are the run's `rss_unmeasured`, a failure of its own). Memory that
/// settles (caches filled, allocator arenas grown) stays well under it: 8 MiB
/// over the second half of a million requests. A leak of a few KB per
/// request does not: a page abandoned mid-render once leaked its reactive
/// owner, 104 MiB over the same half.
fn unbounded(rss_kb: &[u64]) -> bool {
    let (Some(half), Some(end)) = (rss_kb.get(TENTHS / 2 - 1), rss_kb.last()) else {
        return false;
    };
    end.saturating_sub(*half) > 32 * 1024
}

async fn worker(
    host: &str,
    seed: u64,
    next: Arc<AtomicU64>,
    total: u64,
    only: Option<&'static str>,
) -> Result<Tally, String> {
    let mut wire = Wire::new(host);
    let mut gen = cases::Gen::new(seed, host, good_cookie(host).await?, only);
    let mut tally = Tally::default();
    let mut sent = 0u64;
    while next.fetch_add(1, Ordering::Relaxed) < total {
        sent += 1;
        // The cases pop sessions too: a fresh real session now and then
        // keeps the tampered and duplicated cookies close to real ones.
        if sent.is_multiple_of(500) {
            gen.good = good_cookie(host).await?;
        }
        let case = gen.next_case();
        *tally.sent.entry(case.class).or_default() += 1;
        let ending = wire
            .exchange(&case.bytes, case.breaks_off, case.head)
            .await?;
        tally.record(&case, verdict::judge(&case, &ending));
    }
    Ok(tally)
}

/// A real session cookie's value, from the seed's `/setsession`.
async fn good_cookie(host: &str) -> Result<String, String> {
    let mut wire = Wire::new(host);
    let req = format!("GET /setsession HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    let head = wire.raw_answer(req.as_bytes()).await?;
    let text = String::from_utf8_lossy(&head);
    text.lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or(l.strip_prefix("Set-Cookie: "))
        })
        .find_map(|c| {
            c.strip_prefix("session=")?
                .split(';')
                .next()
                .map(str::to_owned)
        })
        .ok_or_else(|| {
            format!(
                "no session cookie from /setsession: {}",
                text.lines().next().unwrap_or("")
            )
        })
}

/// RSS (KiB) after each tenth of the requests; a sample that cannot be
/// read is left out (and the run's `rss_unmeasured` says so).
async fn sample_rss(pid: u32, next: Arc<AtomicU64>, total: u64) -> Vec<u64> {
    let mut samples = Vec::new();
    for tenth in 1..=TENTHS as u64 {
        let at = total * tenth / TENTHS as u64;
        while next.load(Ordering::Relaxed) < at {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        samples.extend(crate::conn::rss_kb(pid));
    }
    samples
}
