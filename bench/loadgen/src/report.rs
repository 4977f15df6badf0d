//! The results of one run as Markdown: every figure next to its baseline
//! from the same run, and each target of the issue marked met or missed.

use std::{fmt::Write, fs, path::Path};

use serde_json::Value;

type Error = Box<dyn std::error::Error>;

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
    throughput_table(&mut out, &full)?;
    half_load_table(&mut out, &half)?;
    targets(&mut out, &full, &half, &lines)?;
    for weight in of("weight") {
        page_weight(&mut out, weight)?;
    }
    for tti in of("tti") {
        time_to_interactive(&mut out, tti)?;
    }
    for memory in of("memory") {
        memory_use(&mut out, memory)?;
    }
    Ok(out)
}

fn find<'a>(rows: &[&'a Value], target: &str, workload: &str) -> Option<&'a Value> {
    rows.iter()
        .copied()
        .find(|r| r["target"] == target && r["workload"] == workload)
}

fn rps(row: Option<&Value>) -> Option<f64> {
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
         req/s above; latency counted from when each request was due.\n"
    )?;
    writeln!(
        out,
        "| target | workload | rate | p50 | p99 | max | errors |"
    )?;
    writeln!(out, "|---|---|---:|---:|---:|---:|---:|")?;
    for row in rows {
        writeln!(
            out,
            "| {} | {} | {:.0}/s | {} | {} | {} | {} |",
            row["target"].as_str().unwrap_or_default(),
            row["workload"].as_str().unwrap_or_default(),
            row["rate"].as_f64().unwrap_or(0.0),
            ms(&row["p50_us"]),
            ms(&row["p99_us"]),
            ms(&row["max_us"]),
            row["errors"]
        )?;
    }
    writeln!(out)?;
    Ok(())
}

struct Target {
    what: String,
    measured: Option<f64>,
    goal: f64,
    unit: &'static str,
    at_most: bool,
}

fn targets(
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

fn page_weight(out: &mut String, weight: &Value) -> Result<(), Error> {
    writeln!(
        out,
        "## Page weight\n\n| file | raw | gzip -9 | brotli 11 |\n|---|---:|---:|---:|"
    )?;
    for file in weight["files"].as_array().into_iter().flatten() {
        writeln!(
            out,
            "| {} | {} B | {} B | {} B |",
            file["name"].as_str().unwrap_or_default(),
            file["raw"],
            file["gzip"],
            file["brotli"]
        )?;
    }
    let visit = &weight["first_visit"];
    writeln!(
        out,
        "\nA first visit to `/` (empty cache, `Accept-Encoding: gzip, deflate, br`):\n"
    )?;
    writeln!(out, "| request | encoding | bytes |\n|---|---|---:|")?;
    for fetched in visit["requests"].as_array().into_iter().flatten() {
        let encoding = fetched["encoding"]
            .as_str()
            .filter(|e| !e.is_empty())
            .unwrap_or("identity");
        writeln!(
            out,
            "| `{}` | {encoding} | {} |",
            fetched["path"].as_str().unwrap_or_default(),
            fetched["bytes"]
        )?;
    }
    writeln!(
        out,
        "| **total** | | **{}** |\n\n`/pkg` is served with `Cache-Control: {}`.\n",
        visit["total_bytes"],
        visit["pkg_cache_control"].as_str().unwrap_or("(none)")
    )?;
    Ok(())
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("?")
}

fn machine(out: &mut String, info: &Value) -> Result<(), Error> {
    writeln!(
        out,
        "Written by `bench/run` on {}: {} cores ({}), {}, loopback only; load generator and \
         servers share the machine. {}; Python {} with {}; {}; {}.\n",
        text(&info["date"]),
        info["cores"],
        text(&info["cpu"]),
        text(&info["os"]),
        text(&info["rustc"]),
        text(&info["python"]),
        text(&info["gunicorn"]),
        text(&info["redis"]),
        text(&info["postgres"]),
    )?;
    Ok(())
}

fn median(values: &Value) -> Option<f64> {
    let mut v: Vec<f64> = values
        .as_array()?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// The first answered click and the first paint, median of the cold loads.
pub fn tti_median(tti: &Value) -> Option<f64> {
    median(&tti["tti_ms"])
}

fn time_to_interactive(out: &mut String, tti: &Value) -> Result<(), Error> {
    let loads = tti["tti_ms"].as_array().map_or(0, Vec::len);
    let show = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.0} ms"));
    writeln!(
        out,
        "## Time to interactive\n\nChromium (Debian), {loads} cold loads of `/` (fresh context each), \
         median: first contentful paint (server-rendered HTML) {}; first click answered \
         (hydrated, \"Get session\" pressed, answer shown) {}.\n",
        show(median(&tti["fcp_ms"])),
        show(tti_median(tti)),
    )?;
    Ok(())
}

fn memory_use(out: &mut String, m: &Value) -> Result<(), Error> {
    let kb = |v: &Value| v.as_f64().unwrap_or(0.0);
    let sessions = kb(&m["sessions"]);
    let per = (kb(&m["rss_kb"]) - kb(&m["idle_rss_kb"])) * 1024.0 / sessions;
    writeln!(
        out,
        "## Memory\n\nServer RSS on the memory store: {:.1} MiB idle, {:.1} MiB with {sessions:.0} \
         live sessions (≈ {per:.0} B each). SQLite file with {sessions:.0} sessions: {:.1} MiB \
         (≈ {:.0} B per session).\n",
        kb(&m["idle_rss_kb"]) / 1024.0,
        kb(&m["rss_kb"]) / 1024.0,
        kb(&m["sqlite_file_bytes"]) / 1_048_576.0,
        kb(&m["sqlite_file_bytes"]) / sessions,
    )?;
    Ok(())
}
