//! What is counted: every metric, its name, its help text and its buckets,
//! registered once per app.

use prometheus_client::{
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{exponential_buckets, Histogram},
    },
    registry::{Registry, Unit},
};

use tower_sessions_lossless_store::{CallOutcome, Operation, SaveConflict};

use super::labels::{
    ConflictLabels, CreationRefusal, EndLabels, EndReason, OperationLabels, RefusalLabels,
    RequestLabels, RouteLabels, StoreErrorLabels,
};

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Every metric of one app, in its registry; [`super::Metrics`] records
/// into them.
pub struct Families {
    pub registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub request_seconds: Histograms<RouteLabels>,
    pub store_calls: Family<OperationLabels, Counter>,
    pub store_call_seconds: Histograms<OperationLabels>,
    pub store_errors: Family<StoreErrorLabels, Counter>,
    pub store_up: Gauge,
    pub cache_hits: Counter,
    pub cache_misses: Counter,
    pub created: Counter,
    pub renewed: Counter,
    pub ended: Family<EndLabels, Counter>,
    pub conflicts: Family<ConflictLabels, Counter>,
    pub refused: Family<RefusalLabels, Counter>,
}

/// 0.25 ms to about 4 s, doubling: a cache hit answers in well under a
/// millisecond, a store's timeout is two seconds.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

impl Families {
    pub fn new() -> Self {
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
            conflicts: Family::default(),
            refused: Family::default(),
        };
        families.store_up.set(1);
        // Every reason, operation and error is shown from the start, at 0, so
        // a rate over them has a series to start from (an alert on store
        // errors reads 0 on a healthy instance, not "no data"). The routes
        // are shown by `Metrics::show_routes`.
        for reason in EndReason::ALL {
            drop(families.ended.get_or_create(&EndLabels { reason }));
        }
        for outcome in SaveConflict::ALL {
            drop(
                families
                    .conflicts
                    .get_or_create(&ConflictLabels::of(outcome)),
            );
        }
        for cause in CreationRefusal::ALL {
            drop(families.refused.get_or_create(&RefusalLabels { cause }));
        }
        for operation in Operation::ALL {
            let labels = OperationLabels::of(operation);
            drop(families.store_calls.get_or_create(&labels));
            drop(families.store_call_seconds.get_or_create(&labels));
            for error in CallOutcome::ERRORS {
                drop(
                    families
                        .store_errors
                        .get_or_create(&StoreErrorLabels::of(operation, error)),
                );
            }
        }
        families.register()
    }

    fn register(mut self) -> Self {
        let r = &mut self.registry;
        r.register(
            "http_requests",
            "HTTP requests answered, by route template (\"static\" for a file of the site \
             folder, \"unmatched\" when no route matched: the 404 page, a refused target) \
             and status code",
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
        r.register(
            "session_save_conflicts",
            "Saves that found their session written by another request since they read it: \
             merged (this request's changes applied to what is stored now, nothing lost) or \
             ended (the session was ended meanwhile and stays ended: nothing written)",
            self.conflicts.clone(),
        );
        r.register(
            "session_creations_refused",
            "New sessions refused, nothing stored, by cause: rate (the client started more \
             than the limit per client allows: a 429) or store_full (the store holds \
             SESSION_MAX_SESSIONS already: a 503)",
            self.refused.clone(),
        );
        self
    }
}
