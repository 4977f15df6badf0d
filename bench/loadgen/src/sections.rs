//! The parts of the results outside the main load tables: machine, the
//! metrics' cost, page weight, time to interactive, memory.

use std::fmt::Write;

use serde_json::Value;

use crate::report::Error;

pub fn page_weight(out: &mut String, weight: &Value) -> Result<(), Error> {
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

pub fn machine(out: &mut String, info: &Value) -> Result<(), Error> {
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

pub fn time_to_interactive(out: &mut String, tti: &Value) -> Result<(), Error> {
    let loads = tti["tti_ms"].as_array().map_or(0, Vec::len);
    let show = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.0} ms"));
    writeln!(
        out,
        "## Time to interactive\n\nChromium (Debian), {loads} cold loads of `/` (fresh context each), \
         median: first contentful paint (server-rendered HTML) {}; hydrated (the page's \
         marker set, read by the page itself) {}; first click answered (hydrated, \"Get \
         session\" pressed, answer shown) {}, of which {} from Playwright's click call to \
         the answer (its actionability checks and round trips included) and {} from the \
         click event to the answer on screen (the page's own part: its fetch and render, \
         on the page's clock).\n",
        show(median(&tti["fcp_ms"])),
        show(median(&tti["hydrated_ms"])),
        show(tti_median(tti)),
        show(median(&tti["click_ms"])),
        show(median(&tti["answer_ms"])),
    )?;
    Ok(())
}

pub fn memory_use(out: &mut String, m: &Value) -> Result<(), Error> {
    let kb = |v: &Value| v.as_f64().unwrap_or(0.0);
    let sessions = kb(&m["sessions"]);
    let per = (kb(&m["rss_kb"]) - kb(&m["idle_rss_kb"])) * 1024.0 / sessions;
    writeln!(
        out,
        "## Memory\n\nServer RSS on the memory store: {:.1} MiB idle, {:.1} MiB with {sessions:.0} \
         live sessions (≈ {per:.0} B each). On SQLite (its read cache holds up to 100,000 \
         sessions): {:.1} MiB idle, {:.1} MiB with {sessions:.0}. SQLite file with {sessions:.0} \
         sessions: {:.1} MiB (≈ {:.0} B per session).\n",
        kb(&m["idle_rss_kb"]) / 1024.0,
        kb(&m["rss_kb"]) / 1024.0,
        kb(&m["sqlite_idle_rss_kb"]) / 1024.0,
        kb(&m["sqlite_rss_kb"]) / 1024.0,
        kb(&m["sqlite_file_bytes"]) / 1_048_576.0,
        kb(&m["sqlite_file_bytes"]) / sessions,
    )?;
    Ok(())
}

/// `bench/metrics-cost`: the same read workload with `METRICS_ADDR` unset
/// and set, round by round.
pub fn metrics_cost(out: &mut String, cost: &Value) -> Result<(), Error> {
    let num = |v: &Value| v.as_f64().unwrap_or(0.0);
    writeln!(
        out,
        "## What the metrics cost\n\n`GET /getsession` signed in on SQLite (read cache on), {} \
         users, {:.0} s each, with `METRICS_ADDR` unset (off: nothing recorded, no layer \
         installed) and set (on: every request and store call counted and timed), \
         interleaved round by round, a fresh server each time.\n",
        cost["users"],
        num(&cost["secs"])
    )?;
    writeln!(
        out,
        "| round | off req/s | on req/s | on/off | off p99 | on p99 |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|")?;
    let ms = |v: &Value| format!("{:.2} ms", num(v) / 1000.0);
    for (i, round) in cost["rounds"].as_array().into_iter().flatten().enumerate() {
        writeln!(
            out,
            "| {} | {:.0} | {:.0} | {:.3} | {} | {} |",
            i + 1,
            num(&round["off_rps"]),
            num(&round["on_rps"]),
            num(&round["on_rps"]) / num(&round["off_rps"]),
            ms(&round["off_p99_us"]),
            ms(&round["on_p99_us"]),
        )?;
    }
    writeln!(
        out,
        "| **median** | **{:.0}** | **{:.0}** | **{:.3}** | {} | {} |\n\nOn/off in the median \
         row is the median of the rounds' own ratios (each round's pair ran back to back). \
         Errors: {}.\n",
        num(&cost["off_rps"]),
        num(&cost["on_rps"]),
        num(&cost["ratio"]),
        ms(&cost["off_p99_us"]),
        ms(&cost["on_p99_us"]),
        cost["errors"]
    )?;
    Ok(())
}
