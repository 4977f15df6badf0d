//! `drain`: users reading and writing while the server is sent SIGTERM;
//! then, against a new instance, `drain-check`: is every acknowledged
//! write there, and nothing else?

use std::{
    collections::{BTreeMap, HashMap},
    path::Path,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use crate::conn::{Conn, Failure};

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
    /// Answered; and whether it was sent before the signal and answered
    /// after it (a request the server drained).
    Answered(u16, bool),
    /// The server never took it (its session must then not show it either);
    /// how the client can tell, see [`ending`].
    NotTaken(&'static str),
    /// Taken and not answered in whole: cut off before its answer, or mid-answer.
    Broken(String),
}

/// How a request sent before or after the signal ended.
///
/// The server (axum's `serve` with graceful shutdown, hyper's HTTP/1) stops
/// at the signal as follows: it closes its listener, so a new connection is
/// refused; it closes each kept-alive connection that is idle, that is
/// whose next request's head hyper has not read; and it answers in whole
/// every request whose head it has read, then closes. So a request the
/// server never took ends in one of three ways the client can tell apart:
/// - refused;
/// - not sent: the close reached hyper's client before it wrote the
///   request, and it hands the request back ("canceled");
/// - reset before any answer: a socket closed with our request still
///   unread in its buffer answers with a RST (not a FIN), and so does one
///   our request reaches after it closed; either way nothing read it.
///
/// A FIN before the answer's head means the server read our request
/// (nothing was left unread, else the kernel would have sent a RST) and
/// closed without answering: a request it took and dropped, as a server
/// that exits at once on SIGTERM does. The one honest exception is a
/// request written in the instant between the server closing an idle
/// connection and its FIN arriving; that can only happen once the server is
/// stopping, so it is allowed for requests sent after the signal and a
/// failure for every request sent before it. An answer cut off after its
/// head is always a failure.
fn ending(result: Result<u16, Failure>, sent_before_signal: bool) -> Ending {
    match result {
        Ok(status) => Ending::Answered(status, false),
        Err(Failure::Refused(_)) => Ending::NotTaken("refused"),
        Err(Failure::NotSent(_)) => Ending::NotTaken("not sent"),
        Err(Failure::Reset(_)) => Ending::NotTaken("reset unread"),
        Err(Failure::Closed(_)) if !sent_before_signal => Ending::NotTaken("closed as it stopped"),
        Err(Failure::Closed(why)) => Ending::Broken(format!("sent before the signal: {why}")),
        Err(Failure::Other(why)) => Ending::Broken(why),
    }
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
    /// Requests the server did not take once it was stopping, in all and
    /// by how the client could tell (see [`ending`]).
    not_taken: usize,
    not_taken_by: BTreeMap<&'static str, usize>,
    /// Requests sent before the signal and answered in whole after it: the
    /// drain at work. None would mean the server had nothing in flight at
    /// the signal, which 64 users never leave it, or dropped all of it.
    pub drained: usize,
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
    // Set before the signal is sent: a request sent while it is unset was
    // sent before the server could have begun to stop.
    let signalled = Arc::new(AtomicBool::new(false));
    let mut tasks = JoinSet::new();
    for conn in conns {
        tasks.spawn(user(conn, deadline, signalled.clone()));
    }
    tokio::time::sleep(plan.signal_after).await;
    signalled.store(true, Ordering::SeqCst);
    let signalled = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &plan.pid.to_string()])
        .status()
        .map_err(|e| e.to_string())?;
    if !killed.success() {
        return Err(format!("kill -TERM {}: {killed}", plan.pid));
    }
    let exit_ms = exited(plan.pid, signalled).await;

    let (mut requests, mut failures, mut not_taken, mut drained) = (0, 0, 0, 0);
    let mut not_taken_by = BTreeMap::new();
    let mut first_failure = None;
    let mut left = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (endings, user_left) = done.map_err(|e| e.to_string())?;
        requests += endings.len();
        for ending in endings {
            match ending {
                Ending::Answered(200, across) => drained += usize::from(across),
                Ending::NotTaken(how) => {
                    not_taken += 1;
                    *not_taken_by.entry(how).or_default() += 1;
                }
                Ending::Answered(status, _) => {
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
        not_taken_by,
        drained,
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
async fn user(
    mut conn: Conn,
    deadline: Instant,
    signalled: Arc<AtomicBool>,
) -> (Vec<Ending>, Left) {
    let mut endings = Vec::new();
    let (mut acked, mut unanswered) = (0, None);
    let mut n = 0u64;
    while Instant::now() < deadline {
        n += 1;
        let write = n.is_multiple_of(2);
        let sent_before_signal = !signalled.load(Ordering::SeqCst);
        let answer = if write {
            conn.post_form("/api/set_key", format!("key=n&value={n}"))
                .await
        } else {
            conn.get("/getsession", false).await
        };
        let mut ending = ending(answer.map(|a| a.status), sent_before_signal);
        if let Ending::Answered(_, across) = &mut ending {
            *across = sent_before_signal && signalled.load(Ordering::SeqCst);
        }
        match ending {
            Ending::Answered(200, _) if write => {
                acked = n;
                unanswered = None;
            }
            Ending::NotTaken(_) if write => unanswered = Some(n),
            _ => {}
        }
        let stop = matches!(ending, Ending::NotTaken(_) | Ending::Broken(_));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(failure: Failure, sent_before_signal: bool) -> bool {
        !matches!(
            ending(Err(failure), sent_before_signal),
            Ending::NotTaken(_)
        )
    }

    #[test]
    fn a_close_before_the_answer_to_a_request_sent_before_the_signal_is_a_dropped_request() {
        let why = || "connection closed before message completed".to_owned();
        assert!(taken(Failure::Closed(why()), true));
        assert!(!taken(Failure::Closed(why()), false));
        // Cut off mid-answer, whenever it was sent.
        assert!(taken(Failure::Other("error reading a body".into()), false));
        // Never taken: refused, unsent, reset with the request unread.
        for before in [true, false] {
            assert!(!taken(Failure::Refused(String::new()), before));
            assert!(!taken(Failure::NotSent(String::new()), before));
            assert!(!taken(Failure::Reset(String::new()), before));
        }
    }
}
