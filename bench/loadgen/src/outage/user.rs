//! One user of the outage run: it reads and writes in turn, and checks
//! every answer of 200 against what it was told before: still signed in,
//! and its counter at least the last value a write was acknowledged for.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use crate::conn::Conn;

/// What one request saw.
pub struct Seen {
    pub sent: Instant,
    pub took: Duration,
    /// The status, or 0 when the request got no answer.
    pub status: u16,
}

/// A write that was acknowledged (answered 200) and later found missing.
pub struct Loss {
    pub acked_at: Instant,
}

/// What one user saw and found, during the run and after it.
pub struct User {
    pub conn: Conn,
    pub log: Vec<Seen>,
    acks: Ledger,
    /// Answers of 200 that showed it signed out (or as another user).
    pub signed_out: usize,
    /// Answers of 200 to a read of its keys that were not a list of keys.
    pub garbled: usize,
    pub losses: Vec<Loss>,
}

/// The signed-in user's greeting (the seed's `/setsession` signs in as Admin).
const SIGNED_IN: &[u8] = b"Welcome Admin";

impl User {
    pub fn new(conn: Conn) -> Self {
        Self {
            conn,
            log: Vec::new(),
            acks: Ledger::default(),
            signed_out: 0,
            garbled: 0,
            losses: Vec::new(),
        }
    }

    /// Until `over`, in turn: reads its greeting, writes its counter, reads
    /// its keys, writes its counter (as many writes as reads).
    pub async fn run(mut self, over: Arc<AtomicBool>) -> Self {
        let mut n = 0u64;
        while !over.load(Ordering::Relaxed) {
            n += 1;
            let sent = Instant::now();
            let status = match n % 4 {
                1 => self.read_greeting().await,
                3 => self.read_keys().await,
                _ => self.write(n).await,
            };
            self.log.push(Seen {
                sent,
                took: sent.elapsed(),
                status,
            });
            // A refusal comes at once: pace a refused user as a client honouring
            // `Retry-After` would not, but without spinning the machine's cores.
            if status != 200 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        self
    }

    /// After the run: false when the session cannot be read or shows the
    /// user signed out; a lost write is recorded as during the run.
    pub async fn still_signed_in(&mut self) -> bool {
        let (signed_out, garbled) = (self.signed_out, self.garbled);
        let greeting = self.read_greeting().await;
        let keys = self.read_keys().await;
        greeting == 200 && keys == 200 && self.signed_out == signed_out && self.garbled == garbled
    }

    async fn read_greeting(&mut self) -> u16 {
        let Ok(answer) = self.conn.get("/getsession", false).await else {
            return 0;
        };
        if answer.status == 200 && answer.body != SIGNED_IN {
            self.signed_out += 1;
        }
        answer.status
    }

    async fn read_keys(&mut self) -> u16 {
        let Ok(answer) = self.conn.post_form("/api/list_keys", "").await else {
            return 0;
        };
        if answer.status != 200 {
            return answer.status;
        }
        let Ok(keys) = serde_json::from_slice::<Vec<(String, String)>>(&answer.body) else {
            self.garbled += 1;
            return answer.status;
        };
        let stored = keys
            .iter()
            .find(|(k, _)| k == "n")
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .unwrap_or(0);
        self.losses.extend(self.acks.found(stored));
        200
    }

    async fn write(&mut self, n: u64) -> u16 {
        let answer = self
            .conn
            .post_form("/api/set_key", format!("key=n&value={n}"))
            .await;
        let status = answer.as_ref().map_or(0, |a| a.status);
        if status == 200 {
            self.acks.acked(n, Instant::now());
        }
        status
    }
}

/// A user's acknowledged writes: the value each set, and when its 200 came.
#[derive(Default)]
struct Ledger(Vec<(u64, Instant)>);

impl Ledger {
    fn acked(&mut self, n: u64, at: Instant) {
        self.0.push((n, at));
    }

    /// The store holds `stored`: every acknowledged write of a higher value
    /// is lost (a write answered 503, a timeout, may have landed, so a value
    /// higher than the last acknowledged one is fine). Each loss is counted
    /// once: from here on `stored` is the floor.
    fn found(&mut self, stored: u64) -> Vec<Loss> {
        let lost = self.0.iter().filter(|(n, _)| *n > stored);
        let losses = lost.map(|&(_, acked_at)| Loss { acked_at }).collect();
        self.0.retain(|(n, _)| *n <= stored);
        losses
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_below_the_last_acknowledged_write_is_each_write_above_it_lost_once() {
        let start = Instant::now();
        let mut ledger = Ledger::default();
        for n in [2, 4, 6, 8] {
            ledger.acked(n, start + Duration::from_millis(n));
        }
        // A later value (a timed-out write that landed) loses nothing.
        assert!(ledger.found(9).is_empty());
        let lost = ledger.found(4);
        let at: Vec<Instant> = lost.iter().map(|l| l.acked_at).collect();
        assert_eq!(
            at,
            [
                start + Duration::from_millis(6),
                start + Duration::from_millis(8)
            ]
        );
        assert!(ledger.found(4).is_empty());
        // Signed out (no counter at all): everything acknowledged is lost.
        assert_eq!(ledger.found(0).len(), 2);
    }
}
