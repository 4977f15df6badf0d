//! The results sections for hostile input and failure: the fuzzer's
//! counts, the store outages, SIGTERM under load and the soak.

use std::fmt::Write;

use serde_json::Value;

use crate::report::Error;

/// The fuzzer's run: answers by status class, then by case class.
pub fn hostile_requests(out: &mut String, row: &Value) -> Result<(), Error> {
    let count = |v: &Value| v.as_u64().unwrap_or(0);
    writeln!(
        out,
        "## Hostile requests\n\n{} requests from `loadgen fuzz` ({:.0} s, {:.0} req/s) against \
         the release binary on SQLite; what it sends and what counts as a failure are in \
         SECURITY.md. **{} failures** (a 5xx, an answer that is not HTTP, a request left \
         unanswered for 10 s, or closed or cut off without an answer where the request could \
         be framed and the client stayed); {} requests not counted exactly once. Each request \
         is counted once below, by its own answer; {} more answers came to bytes after a \
         request (read as a second request). The server's RSS after each tenth of the \
         requests: {} ({}).\n",
        count(&row["requests"]),
        row["secs"].as_f64().unwrap_or(0.0),
        row["rps"].as_f64().unwrap_or(0.0),
        count(&row["failures"]),
        count(&row["unaccounted"]),
        row["extra_answers"]
            .as_object()
            .map_or(0, |m| m.values().map(count).sum::<u64>()),
        row["rss_kb"]
            .as_array()
            .map(|s| s
                .iter()
                .map(|kb| format!("{} MB", count(kb) / 1024))
                .collect::<Vec<_>>()
                .join(", "))
            .unwrap_or_default(),
        if row["rss_unmeasured"] == true {
            "**not measured: fewer than ten samples**"
        } else if row["rss_unbounded"] == true {
            "**growing without bound**"
        } else {
            "bounded"
        },
    )?;
    // The four classes always, so a column of zeros shows there were none.
    let mut classes: Vec<String> = ["2xx", "3xx", "4xx", "5xx"].map(String::from).to_vec();
    if let Some(seen) = row["by_status"].as_object() {
        classes.extend(
            seen.keys()
                .filter(|k| !classes.contains(k))
                .cloned()
                .collect::<Vec<_>>(),
        );
    }
    let header: Vec<&str> = classes.iter().map(String::as_str).collect();
    writeln!(out, "| case | {} |", header.join(" | "))?;
    writeln!(out, "|---|{}", "---:|".repeat(classes.len()))?;
    let Some(cases) = row["by_case"].as_object() else {
        return Ok(());
    };
    for (case, statuses) in cases {
        let mut cells = Vec::new();
        for class in &classes {
            let n: u64 = statuses
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter(|(status, _)| status_class(status) == class.as_str())
                        .map(|(_, n)| count(n))
                        .sum()
                })
                .unwrap_or(0);
            cells.push(n.to_string());
        }
        writeln!(out, "| {case} | {} |", cells.join(" | "))?;
    }
    let totals: Vec<String> = classes
        .iter()
        .map(|c| count(&row["by_status"][c.as_str()]).to_string())
        .collect();
    writeln!(out, "| **all** | {} |\n", totals.join(" | "))?;
    for sample in row["samples"].as_array().into_iter().flatten() {
        writeln!(out, "- failure: `{}`", sample.as_str().unwrap_or_default())?;
    }
    Ok(())
}

fn status_class(status: &str) -> String {
    match status.as_bytes().first() {
        Some(b @ b'1'..=b'5') => format!("{}xx", *b as char),
        _ => status.to_owned(),
    }
}

/// One row per store stopped, restarted or failed over under load.
pub fn outages(out: &mut String, rows: &[&Value]) -> Result<(), Error> {
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "## Store outages and failovers under load\n\n{} users read and write (by turn: `GET \
         /getsession`, the `set_key` server function, `list_keys`, `set_key`) through the \
         release binary \
         (`scripts/check-outage.sh`) while: Redis or PostgreSQL is stopped for 5 s and started \
         again; PostgreSQL is restarted; a Redis Cluster primary (of three, a replica each) is \
         killed; the Sentinel set-up's primary is killed (node timeout and sentinel \
         down-after 1 s). \"down\" is until the store answers again or a replica has taken \
         over; \"failing\" from the stop until the last answer that was not a 200, \"users failed\" \
         how many users saw one. Goals: only \
         200s and 503s, no 200 that shows the user signed out or a write it acknowledged \
         missing (during the run and after it), a 503 while a stopped store is down and a p99 \
         under 50 ms for the 503s from 2 s into a 5 s outage (\"–\": none, as a restart or a \
         failover may honestly have), every request from 1 s after the store is back a 200, \
         every user still signed in afterwards. In a failover, Redis replicates \
         asynchronously: writes acknowledged in the last second before the crash may be lost, \
         no other.\n",
        rows[0]["users"]
    )?;
    writeln!(
        out,
        "| store | down | failing | users failed | requests | 503s | other or wrong answers | p99 (max) \
         of 503s from 2 s | ok from 1 s after | sessions intact | writes lost | |"
    )?;
    writeln!(
        out,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    )?;
    for row in rows {
        let n = |k: &str| row[k].as_u64().unwrap_or(0);
        let refused = match (
            row["refused_p99_after_2s_us"].as_f64(),
            row["refused_max_after_2s_us"].as_f64(),
        ) {
            (Some(p99), Some(max)) => format!("{:.1} ms ({:.0} ms)", p99 / 1000.0, max / 1000.0),
            _ => "–".to_owned(),
        };
        writeln!(
            out,
            "| {} | {:.1} s | {:.1} s | {} | {} | {} | {} | {refused} | {} of {} | {} of \
             {} | {} | {} |",
            row["target"].as_str().unwrap_or_default(),
            row["down_secs"].as_f64().unwrap_or(0.0),
            n("failing_ms") as f64 / 1000.0,
            n("users_failed"),
            n("requests"),
            n("refused"),
            n("others") + n("signed_out") + n("garbled"),
            n("after_1s_ok"),
            n("after_1s"),
            n("sessions_intact"),
            n("users"),
            n("writes_lost"),
            if row["pass"] == true {
                "met".to_owned()
            } else {
                let missed: Vec<&str> = row["missed"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                format!("**missed**: {}", missed.join("; "))
            },
        )?;
    }
    writeln!(out)?;
    Ok(())
}

/// SIGTERM under load, one row per store, with the new instance's check.
pub fn restarts(out: &mut String, drains: &[&Value], checks: &[&Value]) -> Result<(), Error> {
    if drains.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "## SIGTERM under load\n\n{} users read and write (`GET /getsession`, `set_key`) \
         through the release binary; after 2 s it is sent SIGTERM (`scripts/check-drain.sh`). \
         A request the server did not take is fine: refused, handed back unsent, or closed on \
         when written after the signal or less than 50 ms before it (the server may close a \
         kept-alive connection whose next request it has not read). Any other must get its \
         whole answer, and so must four writes held open across the signal (head 500 ms \
         before, the body's rest 100 ms after; \"held\"), which a server that stops at once \
         cannot answer. \"drained\": written before the signal and answered after it (there \
         must be some). A new instance then reads every \
         session: the last acknowledged write must be there, and no write that went \
         unanswered. The bound on exit is 12 s (10 s of grace for requests in flight, then \
         the store's close).\n",
        drains[0]["users"]
    )?;
    writeln!(
        out,
        "| store | requests | broken or non-200 | drained | held answered | not taken | exit \
         after SIGTERM | sessions intact | unanswered writes landed |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    for drain in drains {
        let target = drain["target"].as_str().unwrap_or_default();
        let check = checks.iter().find(|c| c["target"] == target);
        let n = |v: &Value, k: &str| v[k].as_u64().unwrap_or(0);
        let (intact, landed) = check.map_or(("–".into(), "–".into()), |c| {
            (
                format!("{} of {}", n(c, "intact"), n(c, "users")),
                n(c, "unanswered_landed").to_string(),
            )
        });
        writeln!(
            out,
            "| {target} | {} | {} | {} | {} of {} | {} | {} ms | {intact} | {landed} |",
            n(drain, "requests"),
            n(drain, "failures"),
            n(drain, "drained"),
            n(drain, "held_answered"),
            n(drain, "held"),
            n(drain, "not_taken"),
            n(drain, "exit_ms"),
        )?;
    }
    writeln!(out)?;
    Ok(())
}

/// The soak, minute by minute.
pub fn soak(out: &mut String, row: &Value) -> Result<(), Error> {
    let minutes = row["minutes"].as_array().cloned().unwrap_or_default();
    writeln!(
        out,
        "## Soak\n\n{} minutes of mixed load from {} users on SQLite with its read cache \
         (by turn: `GET /getsession`, a `set_key`, a note, a page view). Goals: no errors, \
         the last minute's p99 within twice the first's (plus 1 ms), RSS at the end within a \
         tenth (plus 16 MiB) of the second minute's, the write-ahead log never over 64 MiB: \
         **{}**.\n",
        minutes.len(),
        row["users"],
        if row["pass"] == true { "met" } else { "missed" },
    )?;
    writeln!(
        out,
        "| minute | requests | errors | p50 | p99 | RSS | WAL |"
    )?;
    writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|")?;
    for m in &minutes {
        let n = |k: &str| m[k].as_u64().unwrap_or(0);
        writeln!(
            out,
            "| {} | {} | {} | {:.2} ms | {:.2} ms | {} MB | {:.1} MB |",
            n("minute"),
            n("requests"),
            n("errors"),
            n("p50_us") as f64 / 1000.0,
            n("p99_us") as f64 / 1000.0,
            n("rss_kb") / 1024,
            n("wal_bytes") as f64 / 1_048_576.0,
        )?;
    }
    if let Some(why) = row["first_error"].as_str() {
        writeln!(out, "\nFirst error: {why}")?;
    }
    writeln!(out)?;
    Ok(())
}
