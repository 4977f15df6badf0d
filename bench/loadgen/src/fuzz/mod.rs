//! `fuzz`: hostile requests at scale. Workers send the cases of [`cases`]
//! over raw connections and count every answer by status class and by case
//! class. A run fails on any 5xx other than a store outage's 503, on a
//! request left unanswered, and on the server's memory growing without
//! bound; the caller checks the server's log for panics.

pub mod cases;
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

use self::wire::{Ending, Wire};

pub struct Plan {
    pub base: String,
    pub requests: u64,
    pub workers: usize,
    pub seed: u64,
    /// The server's process, to sample its resident memory.
    pub pid: Option<u32>,
    /// Only this case class, when set.
    pub only: Option<&'static str>,
}

/// How many failures are described in full in the row.
const SAMPLES: usize = 5;

#[derive(Serialize, Default)]
pub struct Row {
    kind: &'static str,
    requests: u64,
    secs: f64,
    rps: f64,
    /// Answers by status class ("2xx" … "5xx"), plus "closed" (the server
    /// hung up without an answer, as it may on broken framing) and "hung".
    by_status: BTreeMap<String, u64>,
    /// Answers by case class, then status.
    by_case: BTreeMap<&'static str, BTreeMap<String, u64>>,
    /// 5xx answers that were not a store outage's 503, plus hung requests.
    pub failures: u64,
    samples: Vec<String>,
    /// The server's RSS in KiB after each tenth of the requests.
    rss_kb: Vec<u64>,
    pub rss_unbounded: bool,
}

#[derive(Default)]
struct Tally {
    by_case: BTreeMap<&'static str, BTreeMap<String, u64>>,
    failures: u64,
    samples: Vec<String>,
}

impl Tally {
    fn count(&mut self, class: &'static str, what: String) {
        self.add(class, what, 1);
    }

    fn add(&mut self, class: &'static str, what: String, n: u64) {
        *self
            .by_case
            .entry(class)
            .or_default()
            .entry(what)
            .or_default() += n;
    }

    /// Adds another worker's tally to this one.
    fn absorb(&mut self, other: Tally) {
        self.failures += other.failures;
        let room = SAMPLES.saturating_sub(self.samples.len());
        self.samples.extend(other.samples.into_iter().take(room));
        for (class, counts) in other.by_case {
            for (what, n) in counts {
                self.add(class, what, n);
            }
        }
    }

    fn fail(&mut self, class: &'static str, bytes: &[u8], why: String) {
        self.failures += 1;
        if self.samples.len() < SAMPLES {
            let shown: String = String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
                .escape_debug()
                .collect();
            self.samples.push(format!("{class}: {why}: {shown}"));
        }
    }
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
    let sampler = plan.pid.map(|pid| {
        let next = next.clone();
        let total = plan.requests;
        tokio::spawn(sample_rss(pid, next, total))
    });
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
    let rss_kb = match sampler {
        Some(sampler) => sampler.await.map_err(|e| e.to_string())?,
        None => Vec::new(),
    };
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
    Ok(Row {
        kind: "fuzz",
        requests,
        secs,
        rps: requests as f64 / secs,
        by_status,
        by_case: tally.by_case,
        failures: tally.failures,
        samples: tally.samples,
        rss_unbounded: unbounded(&rss_kb),
        rss_kb,
    })
}

/// More than 32 MiB of growth from half way to the end. Memory that
/// settles (caches filled, allocator arenas grown) stays well under it: 8 MiB
/// over the second half of a million requests. A leak of a few KB per
/// request does not: a page abandoned mid-render once leaked its reactive
/// owner, 104 MiB over the same half.
fn unbounded(rss_kb: &[u64]) -> bool {
    let (Some(half), Some(end)) = (rss_kb.get(4), rss_kb.last()) else {
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
        match wire
            .exchange(&case.bytes, case.breaks_off, case.head)
            .await?
        {
            Ending::Answered(statuses, _) => {
                for status in statuses {
                    tally.count(case.class, status.to_string());
                    if status >= 500 && status != 503 {
                        tally.fail(case.class, &case.bytes, format!("answered {status}"));
                    } else if status == 503 {
                        // A store outage is the one 5xx allowed; the fuzz
                        // runs on a healthy store, so a 503 here is news too.
                        tally.fail(case.class, &case.bytes, "answered 503".into());
                    } else if status == 0 {
                        tally.fail(case.class, &case.bytes, "an answer that is not HTTP".into());
                    }
                }
            }
            Ending::Closed => tally.count(case.class, "closed".into()),
            Ending::Hung => {
                tally.count(case.class, "hung".into());
                tally.fail(case.class, &case.bytes, "no answer in 10 s".into());
            }
        }
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

/// RSS (KiB) after each tenth of the requests.
async fn sample_rss(pid: u32, next: Arc<AtomicU64>, total: u64) -> Vec<u64> {
    let mut samples = Vec::new();
    for tenth in 1..=10 {
        let at = total * tenth / 10;
        while next.load(Ordering::Relaxed) < at {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        samples.extend(crate::conn::rss_kb(pid));
    }
    samples
}
