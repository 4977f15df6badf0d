//! The SQLite store's writes, on a thread of their own (group commit).
//!
//! Through sqlx each statement crossed to its connection's worker thread and
//! back: three wake-ups a statement, a third of the server's CPU in the write
//! cycle (`bench/ANALYSIS.md`). Here one thread owns a synchronous connection
//! and runs every write queued meanwhile as one transaction: one wake-up and
//! one commit per batch. Writes run in the order they were queued, as they
//! did one at a time, so a compare-and-swap sees the same serial order.

use std::{
    collections::VecDeque,
    path::Path,
    sync::{mpsc, Mutex, PoisonError, RwLock},
    thread::{self, JoinHandle},
    time::Duration,
};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

use super::batch::{Answer, Job, Statements, Write};
use crate::{BoxError, StoreFailure};

/// Most writes in one transaction, so that a long queue still gets answers
/// as it goes (64 users queue at most 64).
const BATCH_MAX: usize = 256;

/// The queue to the writer thread, and the thread.
#[derive(Debug)]
pub struct Writer {
    /// `None` once closed. The only sender: dropping it ends the thread's
    /// loop once the queue is empty.
    queue: RwLock<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Opens a connection of its own to the (migrated) file at `path`, and
    /// starts the thread.
    ///
    /// # Errors
    /// When the file cannot be opened, or its schema is not the one the
    /// statements expect.
    pub fn start(path: &Path) -> Result<Self, BoxError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // As on sqlx's connections (see `Sqlite::connect`); other processes
        // writing the same file are waited for, up to 5 s.
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A schema these statements do not fit fails start-up, not every write.
        Statements::prepare(&conn)?;
        let (queue, jobs) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || serve(&conn, &jobs))?;
        Ok(Self {
            queue: RwLock::new(Some(queue)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Runs `write` in its turn; the rows it changed.
    ///
    /// # Errors
    /// [`StoreFailure`] when the statement or its transaction failed, or the
    /// writer is closed or stopped.
    pub async fn write(&self, write: Write) -> Answer {
        self.queue(write).await.unwrap_or_else(|_| Err(stopped()))
    }

    /// Queues `write`; its answer comes once its transaction has committed.
    fn queue(&self, write: Write) -> oneshot::Receiver<Answer> {
        let (reply, answer) = oneshot::channel();
        let queue = self.queue.read().unwrap_or_else(PoisonError::into_inner);
        match &*queue {
            Some(queue) => {
                // Fails only if the thread has ended: the job, and its reply, drop.
                let _ = queue.send(Job { write, reply });
            }
            None => drop(reply.send(Err(StoreFailure::backend("the SQLite store is closed")))),
        }
        answer
    }

    /// Whether the thread still takes writes.
    ///
    /// # Errors
    /// [`StoreFailure`] when it has stopped, or the store is closed.
    pub fn check(&self) -> Result<(), StoreFailure> {
        let thread = self.thread.lock().unwrap_or_else(PoisonError::into_inner);
        match &*thread {
            Some(thread) if !thread.is_finished() => Ok(()),
            _ => Err(stopped()),
        }
    }

    /// Lets every queued write land, then ends the thread; later writes
    /// answer an error.
    pub async fn close(&self) {
        drop(
            self.queue
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            // A panic was logged where it happened (`Watch`).
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

fn stopped() -> StoreFailure {
    StoreFailure::backend("the SQLite writer thread has stopped")
}

/// The thread: waits for a write, then runs it and every one queued behind it.
fn serve(conn: &Connection, jobs: &mpsc::Receiver<Job>) {
    let _watch = Watch;
    let mut statements = match Statements::prepare(conn) {
        Ok(statements) => statements,
        Err(err) => {
            tracing::error!(%err, "the SQLite writer cannot prepare its statements");
            jobs.iter()
                .for_each(|job| job.answer(Err(StoreFailure::backend(&err))));
            return;
        }
    };
    let mut batch = VecDeque::with_capacity(BATCH_MAX);
    while let Ok(first) = jobs.recv() {
        batch.push_back(first);
        batch.extend(jobs.try_iter().take(BATCH_MAX - 1));
        while !batch.is_empty() {
            statements.transaction(&mut batch);
        }
    }
}

/// Logs the thread's death by panic; its queued writes then answer an error
/// (their replies drop), and so does every later one.
struct Watch;

impl Drop for Watch {
    fn drop(&mut self) {
        if thread::panicking() {
            tracing::error!("the SQLite writer thread panicked: every write now fails");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations;

    #[tokio::test]
    async fn close_lets_every_queued_write_land_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessions.db");
        let other = Connection::open(&path).unwrap();
        other.execute_batch(migrations::SQLITE[0].2).unwrap();
        let writer = Writer::start(&path).unwrap();

        // Another connection holds the write lock, so the writes queue.
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let answers: Vec<_> = (0..100)
            .map(|n| writer.queue(insert(&n.to_string())))
            .collect();
        let closing = tokio::spawn(async move {
            writer.close().await;
            writer
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        other.execute_batch("COMMIT").unwrap();
        let writer = closing.await.unwrap();

        let count: i64 = other
            .query_row("SELECT count(*) FROM sessions", [], |row| row.get(0))
            .unwrap();
        assert_eq!(count, 100, "all landed by the time close returned");
        for answer in answers {
            assert_eq!(answer.await.unwrap().unwrap(), 1);
        }
        assert!(writer.write(insert("late")).await.is_err());
    }

    fn insert(id: &str) -> Write {
        Write::Insert {
            id: id.into(),
            data: b"{}".to_vec(),
            expires_at: i64::MAX,
        }
    }
}
