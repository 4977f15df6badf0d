//! The results of one run as Markdown: every figure next to its baseline
//! from the same run, and each target of the issue marked met or missed.

use std::{fmt::Write, fs, path::Path};

use serde_json::Value;

use crate::{
    sections::{machine, memory_use, metrics_cost, page_weight, time_to_interactive},
    targets::targets,
};

pub type Error = Box<dyn std::error::Error>;

/// Renders the JSON lines in `results` (written by `bench/run`).
///
/// # Errors
/// When the file cannot be read or a line is not JSON.
pub fn render(results: &Path) -> Result<String, Error> {
    let lines: Vec<Value> = fs::read_to_string(results)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let of = |kind: &'static str| lines.iter().filter(move |l| l["kind"] == kind);
    let loads: Vec<&Value> = of("load").collect();
    let (full, half): (Vec<&Value>, Vec<&Value>) = loads.iter().partition(|l| l["rate"].is_null());
    let mut out = String::new();

    writeln!(out, "# Benchmark results\n")?;
    for info in of("info") {
        machine(&mut out, info)?;
    }
    for steal in of("steal") {
        writeln!(
            out,
            "While our app was measured on its four stores, the hypervisor gave {}% of this \
             machine's CPU time to others (`steal` in `/proc/stat`).\n",
            steal["percent"]
        )?;
    }
    throughput_table(&mut out, &full)?;
    half_load_table(&mut out, &half)?;
    targets(&mut out, &full, &half, &lines)?;
    for cost in of("metrics-cost") {
        metrics_cost(&mut out, cost)?;
    }
    for weight in of("weight") {
        page_weight(&mut out, weight)?;
    }
    for tti in of("tti") {
        time_to_interactive(&mut out, tti)?;
    }
    for memory in of("memory") {
        memory_use(&mut out, memory)?;
    }
    crate::flood::section(&mut out, &of("flood").collect::<Vec<_>>())?;
    for fuzz in of("fuzz") {
        crate::resilience::hostile_requests(&mut out, fuzz)?;
    }
    let outages: Vec<&Value> = of("outage").chain(of("failover")).collect();
    crate::resilience::outages(&mut out, &outages)?;
    crate::resilience::restarts(
        &mut out,
        &of("drain").collect::<Vec<_>>(),
        &of("drain-check").collect::<Vec<_>>(),
    )?;
    for soak in of("soak") {
        crate::resilience::soak(&mut out, soak)?;
    }
    Ok(out)
}

pub fn find<'a>(rows: &[&'a Value], target: &str, workload: &str) -> Option<&'a Value> {
    rows.iter()
        .copied()
        .find(|r| r["target"] == target && r["workload"] == workload)
}

pub fn rps(row: Option<&Value>) -> Option<f64> {
    row.and_then(|r| r["rps"].as_f64())
}

fn ms(us: &Value) -> String {
    format!("{:.2} ms", us.as_f64().unwrap_or(0.0) / 1000.0)
}

/// The Flask baseline a workload compares with: writes with writes, every
/// read-like workload with the seed's `/getsession`.
fn flask_baseline(workload: &str) -> &'static str {
    if workload == "write" {
        "write"
    } else {
        "read"
    }
}

fn throughput_table(out: &mut String, rows: &[&Value]) -> Result<(), Error> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    writeln!(
        out,
        "## Throughput and latency\n\n{} users, each with its own cookie jar and connection, \
         {:.0} s measured after a warm-up; closed loop (each user sends its next request when \
         the last is answered). Ratios use the Flask seed and our ceiling (`/livez`, same \
         server) from this run.\n",
        first["users"],
        first["secs"].as_f64().unwrap_or(0.0)
    )?;
    writeln!(
        out,
        "| target | workload | req/s | p50 | p99 | errors | × Flask seed | % of ceiling |"
    )?;
    writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|")?;
    for row in rows {
        let target = row["target"].as_str().unwrap_or_default();
        let workload = row["workload"].as_str().unwrap_or_default();
        let flask = rps(find(rows, "flask-seed", flask_baseline(workload)));
        let ceiling = rps(find(rows, target, "ceiling"));
        let value = row["rps"].as_f64().unwrap_or(0.0);
        let times = flask.map_or("–".into(), |f| format!("{:.1}×", value / f));
        let share = ceiling.map_or("–".into(), |c| format!("{:.0} %", 100.0 * value / c));
        writeln!(
            out,
            "| {target} | {workload} | {value:.0} | {} | {} | {} | {times} | {share} |",
            ms(&row["p50_us"]),
            ms(&row["p99_us"]),
            row["errors"]
        )?;
    }
    writeln!(out)?;
    Ok(())
}

fn half_load_table(out: &mut String, rows: &[&Value]) -> Result<(), Error> {
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "## Latency at half of the maximum\n\nA fixed total rate of half the closed-loop \
         req/s above; latency counted from when each request was due. The last two \
         columns are how late the generator itself sent them (its tokio timer rounds up to \
         the next millisecond, and it shares the cores with the server), which the \
         latencies include.\n"
    )?;
    writeln!(
        out,
        "| target | workload | rate | p50 | p99 | max | errors | sent late, p50 | sent late, p99 |"
    )?;
    writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|")?;
    for row in rows {
        writeln!(
            out,
            "| {} | {} | {:.0}/s | {} | {} | {} | {} | {} | {} |",
            row["target"].as_str().unwrap_or_default(),
            row["workload"].as_str().unwrap_or_default(),
            row["rate"].as_f64().unwrap_or(0.0),
            ms(&row["p50_us"]),
            ms(&row["p99_us"]),
            ms(&row["max_us"]),
            row["errors"],
            ms(&row["late_p50_us"]),
            ms(&row["late_p99_us"]),
        )?;
    }
    writeln!(out)?;
    Ok(())
}
