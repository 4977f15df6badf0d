//! The embedded store: one SQLite file, nothing to install.

mod batch;
mod writer;

use std::{
    fs::{File, TryLockError},
    path::Path,
    sync::Arc,
    time::Duration,
};

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Connection;
use time::OffsetDateTime;

use self::{batch::Write, writer::Writer};
use crate::{backend::Backend, migrations, Id, Kind, StoreError, StoreFailure};

pub const KIND: Kind = Kind {
    name: "sqlite",
    label: "SQLite",
    schemes: &["sqlite"],
    check: |text| match text.strip_prefix("sqlite://") {
        Some("") | None => Err("no file path".into()),
        Some(_) => Ok(()),
    },
    advice: "that the file's folder exists or can be created and that this user may write there",
    open: |with| {
        Box::pin(async move {
            let path = with.url.strip_prefix("sqlite://").unwrap_or(&with.url);
            Ok(Arc::new(Sqlite::connect(Path::new(path), with.sole).await?) as Arc<dyn Backend>)
        })
    },
    can_be_held_alone: true,
};

/// One file: reads on sqlx's pool, this process's writes queued to one
/// writer thread ([`writer`]).
///
/// SQLite allows one writer per file. Left to collide, concurrent writers
/// wait in SQLite's busy handler, which sleeps in steps of up to 100 ms: under
/// four concurrent `/setsession` clients that put p99 at about 150 ms. Queued
/// to one connection they wait only for each other's writes.
#[derive(Debug, Clone)]
pub struct Sqlite {
    pool: SqlitePool,
    /// Whether this instance holds the file alone (see [`lock`]).
    sole: bool,
    writer: Arc<Writer>,
    /// Held while the store is open, and let go by [`Backend::close`]
    /// rather than by the last clone's drop, so that a new instance can open
    /// the file as soon as this one has closed (a task of the old server may
    /// still be dropping its clone); see [`lock`].
    lock: Arc<std::sync::Mutex<Option<File>>>,
}

impl Sqlite {
    /// Opens (creating if needed) the file at `path` and brings its schema up
    /// to date (see [`crate::migrations`]); `sole`
    /// when this instance must be the file's only user.
    ///
    /// # Errors
    /// [`StoreError`] when the folder or the database cannot be created or
    /// opened, or another instance's use of the file conflicts with `sole`.
    pub async fn connect(path: &Path, sole: bool) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|err| {
                failed(format!(
                    "could not create the folder {}: {err}",
                    dir.display()
                ))
            })?;
        }
        let lock = lock(path, sole)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            // WAL lets readers go on while one request writes; with WAL,
            // NORMAL never corrupts the file, and only a power cut (not a
            // crash of this process) can lose the last moments of writes.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            // Other processes on the same file still wait their turn.
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(failed)?;
        migrate(path, &pool).await?;
        let writer = Writer::start(path).map_err(failed)?;
        Ok(Self {
            pool,
            sole,
            writer: Arc::new(writer),
            lock: Arc::new(std::sync::Mutex::new(Some(lock))),
        })
    }
}

fn failed(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
    StoreError::open(KIND.name, err)
}

/// Brings the schema up to date. Instances sharing the file may start
/// together, and sqlx's migrator takes no lock on SQLite: an exclusive lock on
/// `<path>-migrate-lock`, waited for, lets one migrate at a time.
async fn migrate(path: &Path, pool: &SqlitePool) -> Result<(), StoreError> {
    let turn = open_beside(path, "-migrate-lock")?;
    let turn = tokio::task::spawn_blocking(move || turn.lock().map(|()| turn))
        .await
        .map_err(failed)?
        .map_err(failed)?;
    let migrated = migrations::migrator(migrations::SQLITE)
        .await
        .map_err(failed)?
        .run(pool)
        .await
        .map_err(failed);
    drop(turn);
    migrated
}

/// The file `<path><suffix>`, created if missing.
fn open_beside(path: &Path, suffix: &str) -> Result<File, StoreError> {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&name)
        .map_err(|err| failed(format!("could not open {}: {err}", name.display())))
}

/// Locks the file next to the database, `<path>-lock`: exclusively when
/// this instance caches every session it reads (only coherent if all writes go
/// through it), shared otherwise, so a caching instance and any other on the
/// same file refuse to run together instead of serving stale sessions. The
/// operating system releases the lock when the process ends, however it ends.
fn lock(path: &Path, sole: bool) -> Result<File, StoreError> {
    let file = open_beside(path, "-lock")?;
    let taken = if sole {
        file.try_lock()
    } else {
        file.try_lock_shared()
    };
    match taken {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(StoreError::in_use(
            KIND.name,
            path,
            format!(
                "{} is in use by another instance, and one of the two keeps every session \
                 it reads in memory (CachePolicy::Sole), which is only safe for the file's \
                 only user; to share the file, open it with CachePolicy::Off (or a \
                 CachePolicy::Ttl of a few seconds) on every instance",
                path.display()
            ),
        )),
        Err(TryLockError::Error(err)) => Err(failed(err)),
    }
}

/// Update statements never insert, so a session that a concurrent pop deleted
/// is never brought back.
#[async_trait]
impl Backend for Sqlite {
    fn kind(&self) -> &'static str {
        KIND.name
    }

    async fn insert(
        &self,
        id: &Id,
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> Result<bool, StoreFailure> {
        let write = Write::Insert {
            id: id.to_string(),
            data: bytes.to_vec(),
            expires_at: unix_ms(expiry),
        };
        Ok(self.writer.write(write).await? == 1)
    }

    async fn fetch(&self, id: &Id) -> Result<Option<Vec<u8>>, StoreFailure> {
        sqlx::query_scalar("SELECT data FROM sessions WHERE id = ? AND expires_at > ?")
            .bind(id.to_string())
            .bind(unix_ms(OffsetDateTime::now_utc()))
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreFailure::backend)
    }

    async fn replace(
        &self,
        id: &Id,
        expected: &[u8],
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> Result<bool, StoreFailure> {
        let write = Write::Replace {
            id: id.to_string(),
            expected: expected.to_vec(),
            data: bytes.to_vec(),
            expires_at: unix_ms(expiry),
            now: unix_ms(OffsetDateTime::now_utc()),
        };
        Ok(self.writer.write(write).await? == 1)
    }

    async fn remove(&self, id: &Id) -> Result<(), StoreFailure> {
        let write = Write::Remove { id: id.to_string() };
        self.writer.write(write).await.map(drop)
    }

    async fn ping(&self) -> Result<(), StoreFailure> {
        self.writer.check()?;
        let mut conn = self.pool.acquire().await.map_err(StoreFailure::backend)?;
        conn.ping().await.map_err(StoreFailure::backend)
    }

    async fn count_live(&self) -> Result<u64, StoreFailure> {
        let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE expires_at > ?")
            .bind(unix_ms(OffsetDateTime::now_utc()))
            .fetch_one(&self.pool)
            .await
            .map_err(StoreFailure::backend)?;
        Ok(u64::try_from(live).unwrap_or(0))
    }

    async fn delete_expired(&self) -> Result<u64, StoreFailure> {
        let now = unix_ms(OffsetDateTime::now_utc());
        self.writer.write(Write::DeleteExpired { now }).await
    }

    fn held_alone(&self) -> bool {
        self.sole
    }

    async fn close(&self) {
        // Every queued write lands before the lock goes.
        self.writer.close().await;
        self.pool.close().await;
        if let Ok(mut lock) = self.lock.lock() {
            lock.take();
        }
    }
}

/// How the table keeps times: Unix milliseconds.
fn unix_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}
