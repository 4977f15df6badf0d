//! Prometheus metrics, served on their own listener at `METRICS_ADDR` and
//! off unless it is set.
//!
//! Each app owns its registry ([`Metrics`]) rather than recording into a
//! process-wide one: the HTTP tests run many apps in one process at once, and
//! each checks its own counts exactly. Disabled, a [`Metrics`] holds nothing,
//! every call on it returns at once, and the HTTP layer and the store's
//! measuring wrapper are not installed at all, so what the feature costs is
//! measured against nothing (`bench/metrics-cost`). The store reports to it
//! as its observer ([`store`]).
//!
//! Every label is a closed set: route templates (never a raw path), status
//! codes, store operations and the reasons in [`labels`]. No session id,
//! cookie or value is ever a label.

pub mod endpoint;
mod families;
pub mod http;
mod labels;
mod store;

use std::{fmt, sync::Arc, time::Duration};

use axum::http::StatusCode;
use prometheus_client::encoding::prometheus_text;

use self::{
    families::Families,
    labels::{EndLabels, RefusalLabels, RequestLabels, RouteLabels},
};
pub use self::{
    labels::{CreationRefusal, EndReason, STATIC, UNMATCHED},
    store::StoreMetrics,
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
