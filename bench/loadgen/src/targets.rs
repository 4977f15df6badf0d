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

pub fn targets(
    out: &mut String,
    full: &[&Value],
    half: &[&Value],
    lines: &[Value],
) -> Result<(), Error> {
    let flask_read = rps(find(full, "flask-seed", "read"));
    let flask_session_write = rps(find(full, "flask-session-redis", "write"));
    let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a / b);
    let ceiling = |t: &str| rps(find(full, t, "ceiling"));
    let at_least = |what: String, measured, goal, unit| Target {
        what,
        measured,
        goal,
        unit,
        at_most: false,
    };
    let mut list = vec![
        at_least(
            "`GET /getsession` on SQLite vs the Flask seed".into(),
            ratio(rps(find(full, "sqlite", "read")), flask_read),
            25.0,
            "×",
        ),
        at_least(
            "`GET /getsession` on SQLite vs our ceiling".into(),
            ratio(rps(find(full, "sqlite", "read")), ceiling("sqlite")).map(|r| r * 100.0),
            60.0,
            "%",
        ),
        at_least(
            "server-function get on SQLite vs the Flask seed".into(),
            ratio(rps(find(full, "sqlite", "server-fn")), flask_read),
            15.0,
            "×",
        ),
        at_least(
            "server-function get on SQLite vs our ceiling".into(),
            ratio(rps(find(full, "sqlite", "server-fn")), ceiling("sqlite")).map(|r| r * 100.0),
            40.0,
            "%",
        ),
        at_least(
            "write cycle on SQLite vs Flask-Session on Redis".into(),
            ratio(rps(find(full, "sqlite", "write")), flask_session_write),
            10.0,
            "×",
        ),
        at_least(
            "write cycle on Redis vs Flask-Session on Redis".into(),
            ratio(rps(find(full, "redis", "write")), flask_session_write),
            10.0,
            "×",
        ),
        at_least(
            "`GET /` on SQLite vs our ceiling".into(),
            ratio(rps(find(full, "sqlite", "page")), ceiling("sqlite")).map(|r| r * 100.0),
            40.0,
            "%",
        ),
        at_least(
            "static asset vs our ceiling".into(),
            ratio(rps(find(full, "sqlite", "static")), ceiling("sqlite")).map(|r| r * 100.0),
            50.0,
            "%",
        ),
    ];
    for row in half {
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
            list.push(Target {
                what: "release WASM, gzip".into(),
                measured: wasm.and_then(|f| f["gzip"].as_f64()).map(|b| b / 1000.0),
                goal: 150.0,
                unit: "KB",
                at_most: true,
            });
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
