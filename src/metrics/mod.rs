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
pub mod http;
mod labels;

use std::{fmt, sync::Arc, time::Duration};

use axum::http::StatusCode;
use prometheus_client::{
    encoding::prometheus_text,
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{exponential_buckets, Histogram},
    },
    registry::{Registry, Unit},
};

use self::labels::{EndLabels, OperationLabels, RequestLabels, RouteLabels, StoreErrorLabels};
pub use self::labels::{EndReason, Operation, StoreError, UNMATCHED};

/// The app's metrics, or nothing when they are off. Clones share the counts.
#[derive(Clone, Default)]
pub struct Metrics(Option<Arc<Families>>);

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

struct Families {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Histograms<RouteLabels>,
    store_calls: Family<OperationLabels, Counter>,
    store_call_seconds: Histograms<OperationLabels>,
    store_errors: Family<StoreErrorLabels, Counter>,
    store_up: Gauge,
    cache_hits: Counter,
    cache_misses: Counter,
    created: Counter,
    renewed: Counter,
    ended: Family<EndLabels, Counter>,
}

/// 0.25 ms to about 4 s, doubling: a cache hit answers in well under a
/// millisecond, a store's timeout is two seconds.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

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

impl Families {
    fn new() -> Self {
        let families = Self {
            registry: Registry::with_prefix("leptos_sessions"),
            requests: Family::default(),
            request_seconds: Family::new_with_constructor(latency_histogram),
            store_calls: Family::default(),
            store_call_seconds: Family::new_with_constructor(latency_histogram),
            store_errors: Family::default(),
            // The store answered at start-up, or the app would not be running.
            store_up: Gauge::default(),
            cache_hits: Counter::default(),
            cache_misses: Counter::default(),
            created: Counter::default(),
            renewed: Counter::default(),
            ended: Family::default(),
        };
        families.store_up.set(1);
        // Every reason and operation is shown from the start, at 0, so a
        // rate over them has a series to start from.
        for reason in EndReason::ALL {
            drop(families.ended.get_or_create(&EndLabels { reason }));
        }
        for operation in Operation::ALL {
            drop(
                families
                    .store_calls
                    .get_or_create(&OperationLabels { operation }),
            );
        }
        families.register()
    }

    fn register(mut self) -> Self {
        let r = &mut self.registry;
        r.register(
            "http_requests",
            "HTTP requests answered, by route template (\"unmatched\" when no route \
             matched: the 404 page, a refused target) and status code",
            self.requests.clone(),
        );
        r.register_with_unit(
            "http_request_duration",
            "Time from a request's arrival to its response's head, by route template",
            Unit::Seconds,
            self.request_seconds.clone(),
        );
        r.register(
            "store_calls",
            "Calls the sessions made on the session store, by operation (delete_expired is \
             the sweep; none on Redis, which expires keys itself)",
            self.store_calls.clone(),
        );
        r.register_with_unit(
            "store_call_duration",
            "Time of the store calls that reached the store, by operation",
            Unit::Seconds,
            self.store_call_seconds.clone(),
        );
        r.register(
            "store_errors",
            "Store calls that failed, by operation and error: failed (the store answered \
             with an error, or timed out), refused (not asked: the circuit breaker is open)",
            self.store_errors.clone(),
        );
        r.register(
            "store_up",
            "1 while calls go to the session store, 0 while its circuit breaker is open \
             (it failed 3 times in a row; one call every 250 ms probes it)",
            self.store_up.clone(),
        );
        r.register(
            "read_cache_hits",
            "Session reads answered from the read cache (only when it is on: by default \
             on SQLite)",
            self.cache_hits.clone(),
        );
        r.register(
            "read_cache_misses",
            "Session reads the read cache could not answer, which went to the store",
            self.cache_misses.clone(),
        );
        r.register(
            "sessions_created",
            "Sessions stored for a visitor who had none (a login on an existing session \
             is an id renewal instead)",
            self.created.clone(),
        );
        r.register(
            "session_id_renewals",
            "Logins that gave an existing session a new id, deleting the old one",
            self.renewed.clone(),
        );
        r.register("sessions_ended", EndReason::HELP, self.ended.clone());
        self
    }
}
