//! Prometheus metrics, served on their own listener at `METRICS_ADDR` and
//! off unless it is set.
//!
//! Each app owns its registry ([`Metrics`]) rather than recording into a
//! process-wide one: the HTTP tests run many apps in one process at once, and
//! each checks its own counts exactly. Disabled, a [`Metrics`] holds nothing,
//! every call on it returns at once, and the HTTP layer and the store's
//! measuring wrapper are not installed at all, so what the feature costs is
//! measured against nothing (`bench/metrics-cost`).
//!
//! Every label is a closed set: route templates (never a raw path), status
//! codes, store operations and the reasons in [`labels`]. No session id,
//! cookie or value is ever a label.

pub mod endpoint;
mod families;
pub mod http;
mod labels;

use std::{fmt, sync::Arc, time::Duration};

use axum::http::StatusCode;
use prometheus_client::encoding::prometheus_text;

pub use self::labels::{
    CreationRefusal, EndReason, Operation, SaveConflict, StoreError, STATIC, UNMATCHED,
};
use self::{
    families::Families,
    labels::{
        ConflictLabels, EndLabels, OperationLabels, RefusalLabels, RequestLabels, RouteLabels,
        StoreErrorLabels,
    },
};

/// The app's metrics, or nothing when they are off. Clones share the counts.
#[derive(Clone, Default)]
pub struct Metrics(Option<Arc<Families>>);

impl Metrics {
    /// Metrics that record nothing and cost nothing.
    pub fn disabled() -> Self {
        Self(None)
    }

    /// A fresh registry with every metric at zero.
    pub fn new() -> Self {
        Self(Some(Arc::new(Families::new())))
    }

    pub fn is_enabled(&self) -> bool {
        self.0.is_some()
    }

    /// The registry in the Prometheus text format (version 0.0.4); empty
    /// when disabled.
    pub fn render(&self) -> String {
        let mut text = String::new();
        if let Some(families) = &self.0 {
            // Writing to a String cannot fail.
            let _ = prometheus_text::encode(&mut text, &families.registry);
        }
        text
    }

    /// One answered request: `route` is the matched route's template
    /// (`None`: no route matched, e.g. the 404 page).
    pub fn request(&self, route: Option<&str>, status: StatusCode, took: Duration) {
        let Some(f) = &self.0 else { return };
        let route = route.unwrap_or(UNMATCHED).to_owned();
        f.request_seconds
            .get_or_create(&RouteLabels {
                route: route.clone(),
            })
            .observe(took.as_secs_f64());
        f.requests
            .get_or_create(&RequestLabels {
                route,
                status: status.as_u16(),
            })
            .inc();
    }

    /// Shows each of the app's route templates from the first scrape, at 0:
    /// its request count with the status it answers when all is well (200;
    /// [`UNMATCHED`]: 404) and its latency histogram, so that a rate over
    /// them has a series before the first request (and an alert is not
    /// left with no data). [`STATIC`] and [`UNMATCHED`] are added here.
    pub fn show_routes<'a>(&self, routes: impl IntoIterator<Item = &'a str>) {
        let Some(f) = &self.0 else { return };
        let all = routes.into_iter().chain([STATIC, UNMATCHED]);
        for route in all.map(str::to_owned) {
            let status = if route == UNMATCHED { 404 } else { 200 };
            drop(f.request_seconds.get_or_create(&RouteLabels {
                route: route.clone(),
            }));
            drop(f.requests.get_or_create(&RequestLabels { route, status }));
        }
    }

    /// One call the sessions made on the store; `Err` when it failed or
    /// was refused. A refused call never reached the store: its time is not
    /// the store's, so it is left out of the latency histogram.
    pub fn store_call(
        &self,
        operation: Operation,
        outcome: Result<(), StoreError>,
        took: Duration,
    ) {
        let Some(f) = &self.0 else { return };
        let labels = OperationLabels { operation };
        f.store_calls.get_or_create(&labels).inc();
        if outcome != Err(StoreError::Refused) {
            f.store_call_seconds
                .get_or_create(&labels)
                .observe(took.as_secs_f64());
        }
        if let Err(error) = outcome {
            f.store_errors
                .get_or_create(&StoreErrorLabels { operation, error })
                .inc();
        }
    }

    /// A save found its session written by another request since it read it.
    pub fn save_conflict(&self, outcome: SaveConflict) {
        if let Some(f) = &self.0 {
            f.conflicts.get_or_create(&ConflictLabels { outcome }).inc();
        }
    }

    /// The breaker closed (`true`: calls go to the store) or opened.
    pub fn store_up(&self, up: bool) {
        if let Some(f) = &self.0 {
            f.store_up.set(i64::from(up));
        }
    }

    /// A read answered from the read cache (`true`) or not found in it.
    pub fn cache_lookup(&self, hit: bool) {
        if let Some(f) = &self.0 {
            if hit { &f.cache_hits } else { &f.cache_misses }.inc();
        }
    }

    pub fn session_created(&self) {
        if let Some(f) = &self.0 {
            f.created.inc();
        }
    }

    /// A login gave a stored session a new id (the old one is deleted).
    pub fn session_renewed(&self) {
        if let Some(f) = &self.0 {
            f.renewed.inc();
        }
    }

    /// A new session was refused, nothing stored, for `cause`.
    pub fn creation_refused(&self, cause: CreationRefusal) {
        if let Some(f) = &self.0 {
            f.refused.get_or_create(&RefusalLabels { cause }).inc();
        }
    }

    pub fn sessions_ended(&self, reason: EndReason, count: u64) {
        if let Some(f) = &self.0 {
            f.ended.get_or_create(&EndLabels { reason }).inc_by(count);
        }
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.is_enabled() { "on" } else { "off" };
        write!(f, "Metrics({state})")
    }
}
