//! `drain`: users reading and writing while the server is sent SIGTERM;
//! then, against a new instance, `drain-check`: is every acknowledged
//! write there, and nothing else?

use std::{
    collections::HashMap,
    path::Path,
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use crate::conn::Conn;

pub struct Plan {
    pub base: String,
    pub target: String,
    pub users: usize,
    /// The server's process, to signal and to watch exit.
    pub pid: u32,
    pub signal_after: Duration,
}

/// How one request ended, as the client can tell.
enum Ending {
    Answered(u16),
    /// Refused, or the connection closed before the request was read: the
    /// server never took it (its session must then not show it either).
    NotTaken,
    /// Anything else: an answer cut short, a reset mid-answer.
    Broken(String),
}

/// What one user leaves for the check: its cookies, the value its last
/// acknowledged write set, and the value of a write that got no answer
/// after it (which must not have landed).
#[derive(Serialize, Deserialize)]
pub struct Left {
    cookies: HashMap<String, String>,
    acked: u64,
    unanswered: Option<u64>,
}

#[derive(Serialize)]
pub struct Row {
    kind: &'static str,
    target: String,
    users: usize,
    requests: usize,
    /// Requests that got an answer other than 200, or a broken one.
    pub failures: usize,
    first_failure: Option<String>,
    /// Requests the server did not take once it was stopping.
    not_taken: usize,
    /// From the signal to the process's exit.
    exit_ms: u64,
}

/// Runs the load, signals the server, and writes what each user left to
/// `state` for [`check`].
///
/// # Errors
/// When a user cannot sign in, or the signal cannot be sent.
pub async fn run(plan: &Plan, state: &Path) -> Result<Row, String> {
    let conns = crate::conn::signed_in(&plan.base, plan.users).await?;
    // Users stop once the server does; this is for a server that never does.
    let deadline = Instant::now() + plan.signal_after + Duration::from_secs(60);
    let mut tasks = JoinSet::new();
    for conn in conns {
        tasks.spawn(user(conn, deadline));
    }
    tokio::time::sleep(plan.signal_after).await;
    let signalled = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &plan.pid.to_string()])
        .status()
        .map_err(|e| e.to_string())?;
    if !killed.success() {
        return Err(format!("kill -TERM {}: {killed}", plan.pid));
    }
    let exit_ms = exited(plan.pid, signalled).await;

    let (mut requests, mut failures, mut not_taken) = (0, 0, 0);
    let mut first_failure = None;
    let mut left = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (endings, user_left) = done.map_err(|e| e.to_string())?;
        requests += endings.len();
        for ending in endings {
            match ending {
                Ending::Answered(200) => {}
                Ending::NotTaken => not_taken += 1,
                Ending::Answered(status) => {
                    failures += 1;
                    first_failure.get_or_insert(format!("answered {status}"));
                }
                Ending::Broken(why) => {
                    failures += 1;
                    first_failure.get_or_insert(why);
                }
            }
        }
        left.push(user_left);
    }
    std::fs::write(
        state,
        serde_json::to_string(&left).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    Ok(Row {
        kind: "drain",
        target: plan.target.clone(),
        users: plan.users,
        requests,
        failures,
        first_failure,
        not_taken,
        exit_ms,
    })
}

/// Milliseconds from `since` until the process has exited (gone, or a
/// zombie waiting for its parent); at most a minute.
async fn exited(pid: u32, since: Instant) -> u64 {
    while since.elapsed() < Duration::from_secs(60) {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The state follows the parenthesised command name.
        let state = stat
            .rsplit(')')
            .next()
            .and_then(|r| r.split_whitespace().next());
        if matches!(state, None | Some("Z" | "X")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    since.elapsed().as_millis() as u64
}

/// Writes and reads in turn until the server stops taking requests.
async fn user(mut conn: Conn, deadline: Instant) -> (Vec<Ending>, Left) {
    let mut endings = Vec::new();
    let (mut acked, mut unanswered) = (0, None);
    let mut n = 0u64;
    while Instant::now() < deadline {
        n += 1;
        let write = n.is_multiple_of(2);
        let answer = if write {
            conn.post_form("/api/set_key", format!("key=n&value={n}"))
                .await
        } else {
            conn.get("/getsession", false).await
        };
        let ending = match answer {
            Ok(a) => Ending::Answered(a.status),
            Err(why) if not_taken(&why) => Ending::NotTaken,
            Err(why) => Ending::Broken(why),
        };
        match ending {
            Ending::Answered(200) if write => {
                acked = n;
                unanswered = None;
            }
            Ending::NotTaken if write => unanswered = Some(n),
            _ => {}
        }
        let stop = matches!(ending, Ending::NotTaken | Ending::Broken(_));
        endings.push(ending);
        if stop {
            break;
        }
    }
    let cookies = conn.cookies();
    (
        endings,
        Left {
            cookies,
            acked,
            unanswered,
        },
    )
}

/// A refused connection, or one closed before the request was read: with
/// a FIN, or with a reset when our request was still unread in the server's
/// socket as it closed. A write taken and then cut off instead would show
/// in `drain-check` (`unanswered_landed`).
fn not_taken(why: &str) -> bool {
    why.contains("Connection refused")
        || why.contains("connection closed before message completed")
        || why.contains("Connection reset by peer")
}

#[derive(Serialize)]
pub struct CheckRow {
    kind: &'static str,
    target: String,
    pub users: usize,
    /// Sessions whose user and last acknowledged write are there.
    pub intact: usize,
    /// Sessions showing a write whose request got no answer: taken, but
    /// its answer lost.
    pub unanswered_landed: usize,
}

/// Reads every user's session from a new instance.
///
/// # Errors
/// When `state` cannot be read or the server cannot be reached.
pub async fn check(base: &str, target: &str, state: &Path) -> Result<CheckRow, String> {
    let text = std::fs::read_to_string(state).map_err(|e| e.to_string())?;
    let left: Vec<Left> = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let (mut intact, mut unanswered_landed) = (0, 0);
    for user in &left {
        let mut conn = Conn::open(base).await?;
        conn.set_cookies(user.cookies.clone());
        let who = conn.get("/getsession", false).await?;
        let keys = conn.post_form("/api/list_keys", "").await?;
        let keys: Vec<(String, String)> = serde_json::from_slice(&keys.body).unwrap_or_default();
        let stored = keys
            .iter()
            .find(|(k, _)| k == "n")
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .unwrap_or(0);
        if who.body == "Welcome Admin" && stored == user.acked {
            intact += 1;
        }
        if user.unanswered.is_some_and(|n| stored == n) {
            unanswered_landed += 1;
        }
    }
    Ok(CheckRow {
        kind: "drain-check",
        target: target.to_owned(),
        users: left.len(),
        intact,
        unanswered_landed,
    })
}
