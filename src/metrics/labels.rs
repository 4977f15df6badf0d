//! The metrics' labels: each a closed set of values the code names, so no
//! request can add a series, and none carries an id, a cookie or a value.
//! The store's operations and outcomes are the store crate's closed sets,
//! labelled by their own names.

use std::fmt;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use tower_sessions_lossless_store::{CallOutcome, Operation, SaveConflict};

/// The route label of a request no route matched. The raw path is never a
/// label: anyone could make up a new one with every request.
pub const UNMATCHED: &str = "unmatched";

/// The route label of a file from the site folder (`/pkg/…`, `/robots.txt`):
/// no route template names them, and asset traffic is not junk.
pub const STATIC: &str = "static";

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

label_value!(EndReason, CreationRefusal);

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

/// Built from an [`Operation`] only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct OperationLabels {
    operation: &'static str,
}

impl OperationLabels {
    pub fn of(operation: Operation) -> Self {
        Self {
            operation: operation.as_str(),
        }
    }
}

/// Built from an [`Operation`] and a [`CallOutcome`] that is an error only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct StoreErrorLabels {
    operation: &'static str,
    error: &'static str,
}

impl StoreErrorLabels {
    pub fn of(operation: Operation, error: CallOutcome) -> Self {
        Self {
            operation: operation.as_str(),
            error: error.as_str(),
        }
    }
}

/// Built from a [`SaveConflict`] only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct ConflictLabels {
    outcome: &'static str,
}

impl ConflictLabels {
    pub fn of(outcome: SaveConflict) -> Self {
        Self {
            outcome: outcome.as_str(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct EndLabels {
    pub reason: EndReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct RefusalLabels {
    pub cause: CreationRefusal,
}
