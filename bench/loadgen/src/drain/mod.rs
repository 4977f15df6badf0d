//! `drain`: users reading and writing while the server is sent SIGTERM;
//! then, against a new instance, `drain-check`: is every acknowledged
//! write there, and nothing else?

use std::{
    collections::{BTreeMap, HashMap},
    path::Path,
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use crate::conn::{Conn, Failure};

mod probe;

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
    /// Answered; and whether it was written before the signal and answered
    /// after it (a request the server drained).
    Answered(u16, bool),
    /// The server never took it (its session must then not show it either);
    /// how the client can tell, see [`ending`].
    NotTaken(&'static str),
    /// Taken and not answered in whole: cut off before its answer, or mid-answer.
    Broken(String),
}

/// When a request's first byte reached its socket, against the signal.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Written {
    Never,
    /// This long before the signal was sent.
    Before(Duration),
    After,
}

/// A request written this long before the signal was read by the server
/// before it could begin to stop: see [`ending`].
const READ_WITHIN: Duration = Duration::from_millis(50);

/// How a request ended, by its failure and when it was written.
///
/// At the signal the server (axum's `serve` with graceful shutdown over
/// hyper's HTTP/1) closes its listener, so a new connection is refused;
/// answers in whole every request whose head hyper has read, then closes;
/// and closes each kept-alive connection that is idle, that is whose next
/// request's head hyper has not read: even when that request's bytes are
/// already in the socket, since axum's connection task picks between
/// reading and the shutdown at random (an unbiased `select!`), and when the
/// shutdown comes first the request is dropped unread. That is HTTP/1.1's
/// keep-alive close race, which clients retry on (RFC 9112, 9.3.1), and
/// the client sees it as it would see a request read and then dropped: a
/// close before any answer. So such a close counts as not taken for a
/// request written after the signal was sent, or less than [`READ_WITHIN`]
/// before it: a readable connection waits for the server's attention a few
/// milliseconds at most (with no margin, 24 runs on SQLite, Redis and
/// PostgreSQL closed on 38 requests in 4 of them, each written 0 to 3 ms
/// before the signal: the time `kill` takes to start and the server to
/// see the signal), so a request written earlier was read, and a close on
/// it is a request the server took and dropped. What no server
/// may drop, whatever the race, is a request it is still reading when
/// signalled: [`probe`] holds some open across the signal, which is what
/// catches a server that stops at once. A refused connection (or one reset
/// as it was made: the listener closed with it unaccepted) and a request
/// hyper hands back unsent are not taken; an answer cut off after its head
/// is always a failure.
fn ending(result: Result<u16, Failure>, written: Written) -> Ending {
    match (result, written) {
        (Ok(status), _) => Ending::Answered(status, false),
        (Err(Failure::Refused(_)), _) => Ending::NotTaken("refused"),
        (Err(Failure::NotSent(_)), _)
        | (Err(Failure::Closed(_) | Failure::Reset(_)), Written::Never) => {
            Ending::NotTaken("not sent")
        }
        (Err(Failure::Closed(_) | Failure::Reset(_)), Written::After) => {
            Ending::NotTaken("written after the signal, closed")
        }
        (Err(Failure::Closed(_) | Failure::Reset(_)), Written::Before(lead))
            if lead < READ_WITHIN =>
        {
            Ending::NotTaken("written just before the signal, closed")
        }
        (Err(Failure::Closed(why) | Failure::Reset(why)), Written::Before(lead)) => {
            Ending::Broken(format!(
                "written {} ms before the signal, then: {why}",
                lead.as_millis()
            ))
        }
        (Err(Failure::Other(why)), _) => Ending::Broken(why),
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
    /// Requests written before the signal and answered in whole after it:
    /// the drain at work. None would mean the server had nothing in flight
    /// at the signal, which 64 users never leave it, or dropped all of it.
    pub drained: usize,
    /// Requests held open across the signal ([`probe`]), and how many of
    /// them were answered in whole (a failure each that was not).
    held: usize,
    held_answered: usize,
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
    let probes = crate::conn::signed_in(&plan.base, probe::PROBES).await?;
    let begin = Instant::now();
    // Users stop once the server does; this is for a server that never does.
    let deadline = begin + plan.signal_after + Duration::from_secs(60);
    // When the signal is sent, set just before it is: a request written
    // earlier was at the server before it could have begun to stop.
    let signalled = Arc::new(OnceLock::new());
    let mut tasks = JoinSet::new();
    for conn in conns {
        tasks.spawn(user(conn, deadline, signalled.clone()));
    }
    let signal_at = begin + plan.signal_after;
    tokio::time::sleep_until((signal_at - probe::LEAD.min(plan.signal_after)).into()).await;
    let host = plan
        .base
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let mut held = JoinSet::new();
    for conn in probes {
        let (host, cookies, signalled) = (host.to_owned(), conn.cookies(), signalled.clone());
        held.spawn(async move {
            let answer = probe::run(&host, &cookies, signalled).await;
            (cookies, answer)
        });
    }
    tokio::time::sleep_until(signal_at.into()).await;
    let signalled = *signalled.get_or_init(Instant::now);
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
    let mut held_answered = 0;
    while let Some(done) = held.join_next().await {
        let (cookies, answer) = done.map_err(|e| e.to_string())?;
        let why = match answer {
            Ok(200) => {
                held_answered += 1;
                left.push(Left {
                    cookies,
                    acked: probe::VALUE,
                    unanswered: None,
                });
                continue;
            }
            Ok(status) => format!("held across the signal: answered {status}"),
            Err(why) => why,
        };
        failures += 1;
        first_failure.get_or_insert(why);
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
        held: probe::PROBES,
        held_answered,
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
    signalled: Arc<OnceLock<Instant>>,
) -> (Vec<Ending>, Left) {
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
        // Read after the request ended: a signal sent since is set by now.
        let signal = signalled.get().copied();
        let written = match (conn.first_write(), signal) {
            (None, _) => Written::Never,
            (Some(at), Some(signal)) if at >= signal => Written::After,
            // Not signalled yet: as good as long before.
            (Some(at), signal) => Written::Before(signal.map_or(Duration::MAX, |s| s - at)),
        };
        let mut ending = ending(answer.map(|a| a.status), written);
        if let Ending::Answered(_, across) = &mut ending {
            *across = matches!(written, Written::Before(_)) && signal.is_some();
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

    fn taken(failure: Failure, written: Written) -> bool {
        !matches!(ending(Err(failure), written), Ending::NotTaken(_))
    }

    #[test]
    fn a_request_written_well_before_the_signal_and_closed_on_was_dropped() {
        let why = || "connection closed before message completed".to_owned();
        let long_before = Written::Before(READ_WITHIN);
        let just_before = Written::Before(READ_WITHIN - Duration::from_millis(1));
        assert!(taken(Failure::Closed(why()), long_before));
        assert!(taken(Failure::Reset(why()), long_before));
        for race in [just_before, Written::After, Written::Never] {
            assert!(!taken(Failure::Closed(why()), race));
            assert!(!taken(Failure::Reset(why()), race));
        }
        // Cut off mid-answer, whenever it was written.
        assert!(taken(
            Failure::Other("error reading a body".into()),
            Written::After
        ));
        // Never taken: refused, handed back unsent.
        for written in [Written::Never, long_before, Written::After] {
            assert!(!taken(Failure::Refused(String::new()), written));
            assert!(!taken(Failure::NotSent(String::new()), written));
        }
    }
}
