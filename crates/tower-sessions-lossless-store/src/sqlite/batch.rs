//! One batch of writes as one transaction, on the writer thread's
//! connection, with its statements prepared once.

use std::collections::VecDeque;

use rusqlite::{params, Connection, Statement};
use tokio::sync::oneshot;

use crate::StoreFailure;

/// One write, with its values as the statements bind them.
#[derive(Debug)]
pub enum Write {
    /// Never overwrites: changes no row when the id is taken.
    Insert {
        id: String,
        data: Vec<u8>,
        expires_at: i64,
    },
    /// Only over the live record still holding `expected`; never creates one,
    /// so a session that a pop deleted stays deleted.
    Replace {
        id: String,
        expected: Vec<u8>,
        data: Vec<u8>,
        expires_at: i64,
        now: i64,
    },
    Remove {
        id: String,
    },
    DeleteExpired {
        now: i64,
    },
}

/// The rows a write changed.
pub type Answer = Result<u64, StoreFailure>;

/// A write and the request waiting for its answer.
pub struct Job {
    pub write: Write,
    pub reply: oneshot::Sender<Answer>,
}

impl Job {
    pub fn answer(self, answer: Answer) {
        // The request that asked may be gone (its client hung up): nobody to tell.
        let _ = self.reply.send(answer);
    }
}

/// The writer connection's statements, prepared once.
pub struct Statements<'c> {
    conn: &'c Connection,
    begin: Statement<'c>,
    commit: Statement<'c>,
    rollback: Statement<'c>,
    insert: Statement<'c>,
    replace: Statement<'c>,
    remove: Statement<'c>,
    delete_expired: Statement<'c>,
}

impl<'c> Statements<'c> {
    pub fn prepare(conn: &'c Connection) -> rusqlite::Result<Self> {
        Ok(Self {
            conn,
            // IMMEDIATE: the write lock is taken (or waited for) here, not
            // half-way through the batch.
            begin: conn.prepare("BEGIN IMMEDIATE")?,
            commit: conn.prepare("COMMIT")?,
            rollback: conn.prepare("ROLLBACK")?,
            insert: conn.prepare(
                "INSERT INTO sessions (id, data, expires_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO NOTHING",
            )?,
            replace: conn.prepare(
                "UPDATE sessions SET data = ?1, expires_at = ?2
                 WHERE id = ?3 AND expires_at > ?4 AND data = ?5",
            )?,
            remove: conn.prepare("DELETE FROM sessions WHERE id = ?1")?,
            delete_expired: conn.prepare("DELETE FROM sessions WHERE expires_at <= ?1")?,
        })
    }

    /// Runs writes from the front of `batch` as one transaction and answers
    /// them. A write that fails is answered alone (SQLite undoes just that
    /// statement) unless SQLite rolled the whole transaction back; then the
    /// writes before it are undone too and answered so, and the rest stay
    /// in `batch` for the next transaction.
    pub fn transaction(&mut self, batch: &mut VecDeque<Job>) {
        if !self.conn.is_autocommit() {
            // A failed COMMIT whose ROLLBACK failed too: start clean.
            let _ = self.rollback.execute([]);
        }
        if let Err(err) = self.begin.execute([]) {
            batch
                .drain(..)
                .for_each(|job| job.answer(Err(StoreFailure::backend(&err))));
            return;
        }
        let mut applied = Vec::with_capacity(batch.len());
        while let Some(job) = batch.pop_front() {
            match self.apply(&job.write) {
                Ok(changed) => applied.push((job, changed)),
                Err(err) => {
                    let undone = self.conn.is_autocommit();
                    job.answer(Err(StoreFailure::backend(&err)));
                    if undone {
                        for (job, _) in applied {
                            job.answer(Err(StoreFailure::backend(&err)));
                        }
                        return;
                    }
                }
            }
        }
        match self.commit.execute([]) {
            Ok(_) => applied
                .into_iter()
                .for_each(|(job, changed)| job.answer(Ok(changed))),
            Err(err) => {
                if !self.conn.is_autocommit() {
                    let _ = self.rollback.execute([]);
                }
                for (job, _) in applied {
                    job.answer(Err(StoreFailure::backend(&err)));
                }
            }
        }
    }

    fn apply(&mut self, write: &Write) -> rusqlite::Result<u64> {
        let changed = match write {
            Write::Insert {
                id,
                data,
                expires_at,
            } => self.insert.execute(params![id, data, expires_at]),
            Write::Replace {
                id,
                expected,
                data,
                expires_at,
                now,
            } => self
                .replace
                .execute(params![data, expires_at, id, now, expected]),
            Write::Remove { id } => self.remove.execute(params![id]),
            Write::DeleteExpired { now } => self.delete_expired.execute(params![now]),
        }?;
        Ok(u64::try_from(changed).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations;

    #[test]
    fn a_failing_write_is_answered_alone_and_the_rest_of_its_batch_lands() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("sessions.db")).unwrap();
        conn.execute_batch(migrations::SQLITE[0].2).unwrap();
        // SQLite's own way to fail one statement: a trigger refusing a value.
        conn.execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON sessions WHEN NEW.data = x'626164'
             BEGIN SELECT RAISE(ABORT, 'refused'); END",
        )
        .unwrap();
        let mut statements = Statements::prepare(&conn).unwrap();

        let writes = [
            insert("a", b"one"),
            insert("b", b"bad"),
            insert("c", b"three"),
            insert("a", b"again"),
            Write::Remove { id: "c".into() },
            Write::Replace {
                id: "c".into(),
                expected: b"three".to_vec(),
                data: b"back".to_vec(),
                expires_at: i64::MAX,
                now: 0,
            },
        ];
        let mut batch = VecDeque::new();
        let mut answers: Vec<_> = writes
            .into_iter()
            .map(|write| {
                let (reply, answer) = oneshot::channel();
                batch.push_back(Job { write, reply });
                answer
            })
            .collect();
        statements.transaction(&mut batch);
        let answers: Vec<_> = answers.iter_mut().map(|a| a.try_recv().unwrap()).collect();

        assert!(matches!(answers[0], Ok(1)));
        assert!(
            matches!(&answers[1], Err(StoreFailure::Backend(err)) if err.contains("refused")),
            "{:?}",
            answers[1]
        );
        assert!(matches!(answers[2], Ok(1)));
        assert!(matches!(answers[3], Ok(0)), "an insert never overwrites");
        assert!(matches!(answers[4], Ok(1)));
        assert!(
            matches!(answers[5], Ok(0)),
            "a popped session stays deleted"
        );
        drop(statements);
        let rows: Vec<(String, Vec<u8>)> = conn
            .prepare("SELECT id, data FROM sessions ORDER BY id")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows, [("a".to_owned(), b"one".to_vec())]);
    }

    fn insert(id: &str, data: &[u8]) -> Write {
        Write::Insert {
            id: id.into(),
            data: data.to_vec(),
            expires_at: i64::MAX,
        }
    }
}
