//! The metrics' labels: each a closed set of values the code names, so no
//! request can add a series, and none carries an id, a cookie or a value.

use std::fmt;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};

/// The route label of a request no route matched. The raw path is never a
/// label: anyone could make up a new one with every request.
pub const UNMATCHED: &str = "unmatched";

/// The route label of a file from the site folder (`/pkg/…`, `/robots.txt`):
/// no route template names them, and asset traffic is not junk.
pub const STATIC: &str = "static";

/// A [`crate::session::store::Backend`] call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    Insert,
    Fetch,
    Replace,
    Remove,
    Ping,
    DeleteExpired,
}

impl Operation {
    pub const ALL: [Self; 6] = [
        Self::Insert,
        Self::Fetch,
        Self::Replace,
        Self::Remove,
        Self::Ping,
        Self::DeleteExpired,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Self::Insert => "insert",
            Self::Fetch => "fetch",
            Self::Replace => "replace",
            Self::Remove => "remove",
            Self::Ping => "ping",
            Self::DeleteExpired => "delete_expired",
        }
    }
}

/// How a store call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreError {
    /// The store answered with an error, or did not answer in time.
    Failed,
    /// Not asked: the circuit breaker is open.
    Refused,
}

impl StoreError {
    pub const ALL: [Self; 2] = [Self::Failed, Self::Refused];

    fn as_str(self) -> &'static str {
        match self {
            Self::Failed => "failed",
            Self::Refused => "refused",
        }
    }
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// A pop left none of the visitor's keys in it.
    Pop,
    /// Clear session.
    Clear,
    /// Used after its absolute lifetime.
    AbsoluteTimeout,
    /// Past its idle expiry, deleted by the sweep.
    ExpiredSweep,
}

impl EndReason {
    pub const ALL: [Self; 4] = [
        Self::Pop,
        Self::Clear,
        Self::AbsoluteTimeout,
        Self::ExpiredSweep,
    ];

    /// The idle timeout is the store record's own expiry (see
    /// `session::lifetime`): no request sees it happen, only the sweep, so
    /// it is counted under that.
    pub const HELP: &'static str = "Sessions ended, by reason: pop (a pop left none of the \
        visitor's keys), clear (Clear session), absolute_timeout (used after its absolute \
        lifetime), expired_sweep (records past their idle expiry, deleted by the sweep on \
        SQLite, PostgreSQL and memory). An idle timeout has no reason of its own: it is the \
        store record's expiry, which no request sees, so it is counted as expired_sweep when \
        swept, and not at all on Redis, which expires keys itself";

    fn as_str(self) -> &'static str {
        match self {
            Self::Pop => "pop",
            Self::Clear => "clear",
            Self::AbsoluteTimeout => "absolute_timeout",
            Self::ExpiredSweep => "expired_sweep",
        }
    }
}

macro_rules! label_value {
    ($($ty:ty),*) => {$(
        impl EncodeLabelValue for $ty {
            fn encode(&self, encoder: &mut LabelValueEncoder) -> fmt::Result {
                EncodeLabelValue::encode(&self.as_str(), encoder)
            }
        }
    )*};
}

/// What a save did on finding that another request had written its
/// session since this one read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SaveConflict {
    /// Applied this request's changes to what is stored now.
    Merged,
    /// The session had been ended meanwhile: it stays ended, nothing written.
    Ended,
}

impl SaveConflict {
    pub const ALL: [Self; 2] = [Self::Merged, Self::Ended];

    fn as_str(self) -> &'static str {
        match self {
            Self::Merged => "merged",
            Self::Ended => "ended",
        }
    }
}

/// Why a new session was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CreationRefusal {
    /// Its client started more than the limit per client allows (a 429).
    Rate,
    /// The store holds the most sessions it may (a 503).
    StoreFull,
}

impl CreationRefusal {
    pub const ALL: [Self; 2] = [Self::Rate, Self::StoreFull];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rate => "rate",
            Self::StoreFull => "store_full",
        }
    }
}

label_value!(
    Operation,
    StoreError,
    EndReason,
    SaveConflict,
    CreationRefusal
);

/// `route` is a template from the router's own table, or [`UNMATCHED`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: String,
    pub status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct OperationLabels {
    pub operation: Operation,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct StoreErrorLabels {
    pub operation: Operation,
    pub error: StoreError,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct ConflictLabels {
    pub outcome: SaveConflict,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct EndLabels {
    pub reason: EndReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct RefusalLabels {
    pub cause: CreationRefusal,
}
