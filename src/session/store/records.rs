//! What each backend does: keep encoded session records by id. The session
//! rules (merging concurrent saves, never re-creating a deleted record) are
//! built on these four operations once, in [`super::Store`].

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::{session::Id, session_store};

/// A backend's records, each an encoded [`tower_sessions::session::Record`].
#[async_trait]
pub trait Records: Send + Sync {
    /// Adds a record under an id nobody holds; `false` when the id is taken.
    async fn insert(
        &self,
        id: &Id,
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> session_store::Result<bool>;

    /// The live (unexpired) record's bytes.
    async fn fetch(&self, id: &Id) -> session_store::Result<Option<Vec<u8>>>;

    /// Replaces a live record, only if it still holds `expected` (when
    /// given); `false` when it does not, or is gone. Never creates one.
    async fn replace(
        &self,
        id: &Id,
        expected: Option<&[u8]>,
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> session_store::Result<bool>;

    /// Deletes the record, if any.
    async fn remove(&self, id: &Id) -> session_store::Result<()>;
}

/// A backend that keeps expired records until told to delete them.
#[async_trait]
pub trait Sweep: Send + Sync {
    async fn delete_expired(&self) -> session_store::Result<()>;
}
