//! What a backend is: a keeper of encoded session records by id. The session
//! rules (merging concurrent saves, never re-creating a deleted record, the
//! read cache) are built on these operations once, in [`crate::Store`].
//!
//! Dispatch is dynamic (`Arc<dyn Backend>`): a backend is one file
//! implementing this trait, plus its line in [`crate::url`]'s table of URL
//! schemes. Every call already awaits I/O, so the indirection costs nothing
//! measurable.

use std::{fmt, time::Duration};

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::{Id, Room, StoreFailure};

#[async_trait]
pub trait Backend: fmt::Debug + Send + Sync + 'static {
    /// The store's name, as health checks and the logs say it.
    fn kind(&self) -> &'static str;

    /// Adds a record under an id nobody holds; `false` when the id is taken.
    async fn insert(
        &self,
        id: &Id,
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> Result<bool, StoreFailure>;

    /// The live (unexpired) record's bytes.
    async fn fetch(&self, id: &Id) -> Result<Option<Vec<u8>>, StoreFailure>;

    /// Replaces a live record only if it still holds `expected`; `false`
    /// when it does not, or is gone. Never creates one.
    async fn replace(
        &self,
        id: &Id,
        expected: &[u8],
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> Result<bool, StoreFailure>;

    /// Deletes the record, if any.
    async fn remove(&self, id: &Id) -> Result<(), StoreFailure>;

    /// Whether the store answers right now.
    async fn ping(&self) -> Result<(), StoreFailure>;

    /// Whether expired records stay until [`Backend::delete_expired`] (the SQL
    /// stores, the memory map) rather than expiring by themselves (Redis).
    fn needs_sweeping(&self) -> bool {
        true
    }

    /// Deletes every expired record; returns how many there were.
    async fn delete_expired(&self) -> Result<u64, StoreFailure> {
        Ok(0)
    }

    /// Whether this instance is the store's only user (it holds a lock that
    /// says so), so that a read cache may keep entries as long as they live.
    fn held_alone(&self) -> bool {
        false
    }

    /// Whether a read cache in front saves anything (not for a map in memory).
    fn worth_caching(&self) -> bool {
        true
    }

    /// How many live sessions it holds, where that is known without a call
    /// to a server (the memory map); `None` elsewhere. The memory store has
    /// no other window: the tests count its sessions through this.
    fn live_count(&self) -> Option<usize> {
        None
    }

    /// How many live sessions it holds, asked of the store (a `COUNT(*)`,
    /// `DBSIZE`): every [`Backend::count_every`] at most, never per request.
    async fn count_live(&self) -> Result<u64, StoreFailure>;

    /// How often [`Backend::count_live`] may be asked.
    fn count_every(&self) -> Duration {
        Duration::from_secs(5)
    }

    /// What the store's server says of its room for sessions (Redis'
    /// `maxmemory`); asked once, at start-up.
    async fn room(&self) -> Room {
        Room::Unbounded
    }

    /// Lets pending writes land and closes connections; for shutdown.
    async fn close(&self) {}
}
