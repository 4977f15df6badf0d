//! The targets, each marked met or missed from the same run's figures.

use std::fmt::Write;

use serde_json::Value;

use crate::{
    report::{find, rps, Error},
    sections::tti_median,
};

struct Target {
    what: String,
    measured: Option<f64>,
    goal: f64,
    unit: &'static str,
    at_most: bool,
}

/// What a throughput figure is compared with.
#[derive(Clone, Copy)]
enum Baseline {
    /// Our `/livez` on the same server, as a percentage.
    Ceiling,
    /// A Flask target's workload, as a factor.
    Flask(&'static str, &'static str),
}

/// The throughput targets: what, our target and workload, against
/// what, and the least it should reach.
const RATIOS: &[(&str, &str, &str, Baseline, f64)] = &[
    (
        "`GET /getsession` on SQLite vs the Flask seed",
        "sqlite",
        "read",
        Baseline::Flask("flask-seed", "read"),
        25.0,
    ),
    (
        "`GET /getsession` on SQLite vs our ceiling",
        "sqlite",
        "read",
        Baseline::Ceiling,
        60.0,
    ),
    (
        "server-function get on SQLite vs the Flask seed",
        "sqlite",
        "server-fn",
        Baseline::Flask("flask-seed", "read"),
        15.0,
    ),
    (
        "server-function get on SQLite vs our ceiling",
        "sqlite",
        "server-fn",
        Baseline::Ceiling,
        40.0,
    ),
    (
        "write cycle on SQLite vs Flask-Session on Redis",
        "sqlite",
        "write",
        Baseline::Flask("flask-session-redis", "write"),
        10.0,
    ),
    (
        "write cycle on Redis vs Flask-Session on Redis",
        "redis",
        "write",
        Baseline::Flask("flask-session-redis", "write"),
        10.0,
    ),
    (
        "`GET /`, a first visit (no session), on SQLite vs our ceiling",
        "sqlite",
        "first-visit",
        Baseline::Ceiling,
        40.0,
    ),
    (
        "`GET /` with a session on SQLite vs our ceiling",
        "sqlite",
        "page",
        Baseline::Ceiling,
        30.0,
    ),
    (
        "static asset vs our ceiling",
        "sqlite",
        "static",
        Baseline::Ceiling,
        50.0,
    ),
];

pub fn targets(
    out: &mut String,
    full: &[&Value],
    half: &[&Value],
    lines: &[Value],
) -> Result<(), Error> {
    let mut list: Vec<Target> = RATIOS
        .iter()
        .map(|&(what, target, workload, baseline, goal)| {
            let ours = rps(find(full, target, workload));
            let measured = match baseline {
                Baseline::Ceiling => ours
                    .zip(rps(find(full, target, "ceiling")))
                    .map(|(a, b)| 100.0 * a / b),
                Baseline::Flask(name, workload) => ours
                    .zip(rps(find(full, name, workload)))
                    .map(|(a, b)| a / b),
            };
            Target {
                what: what.to_owned(),
                measured,
                goal,
                unit: if matches!(baseline, Baseline::Ceiling) {
                    "%"
                } else {
                    "×"
                },
                at_most: false,
            }
        })
        .collect();
    // The goal is for our stores; the baselines' rows stay in the latency table.
    let ours = half.iter().filter(|row| {
        !row["target"]
            .as_str()
            .is_some_and(|target| target.starts_with("flask"))
    });
    for row in ours {
        list.push(Target {
            what: format!(
                "p99 at half load, {} {}",
                row["target"].as_str().unwrap_or_default(),
                row["workload"].as_str().unwrap_or_default()
            ),
            measured: row["p99_us"].as_f64().map(|us| us / 1000.0),
            goal: 5.0,
            unit: "ms",
            at_most: true,
        });
    }
    for line in lines {
        if line["kind"] == "weight" {
            let wasm = line["files"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|f| f["name"].as_str().is_some_and(|n| n.ends_with(".wasm")));
            for (what, key, goal) in [("gzip -9", "gzip", 150.0), ("brotli", "brotli", 120.0)] {
                list.push(Target {
                    what: format!("release WASM, {what}"),
                    measured: wasm.and_then(|f| f[key].as_f64()).map(|b| b / 1000.0),
                    goal,
                    unit: "KB",
                    at_most: true,
                });
            }
        }
        if line["kind"] == "tti" {
            list.push(Target {
                what: "first answered click, median".into(),
                measured: tti_median(line),
                goal: 150.0,
                unit: "ms",
                at_most: true,
            });
        }
    }
    writeln!(
        out,
        "## Targets\n\n| target | measured | goal | |\n|---|---:|---:|---|"
    )?;
    for t in list {
        let (measured, verdict) = match t.measured {
            Some(m) => {
                let met = if t.at_most { m <= t.goal } else { m >= t.goal };
                (
                    format!("{m:.1} {}", t.unit),
                    if met { "met" } else { "**missed**" },
                )
            }
            None => ("–".into(), "not measured"),
        };
        let bound = if t.at_most { "≤" } else { "≥" };
        writeln!(
            out,
            "| {} | {measured} | {bound} {} {} | {verdict} |",
            t.what, t.goal, t.unit
        )?;
    }
    writeln!(out)?;
    Ok(())
}
