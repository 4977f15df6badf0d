//! Probes for load balancers and orchestrators: `GET /livez`, whether the
//! process serves at all, and `GET /healthz`, whether its session store answers.

use std::time::Duration;

use axum::{extract::State, http::StatusCode};
use tower_sessions_lossless_store::{Store, StoreFailure};

const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// Always 200 while the process serves: touches no session and no store, so
/// it is also the benchmark's ceiling for this HTTP stack.
pub async fn livez() -> &'static str {
    "ok"
}

/// 200 when the store answers within two seconds, 503 when it does not.
pub async fn healthz(State(store): State<Store>) -> (StatusCode, String) {
    let kind = store.kind();
    let cache = if store.is_cached() {
        " (read cache on)"
    } else {
        ""
    };
    match tokio::time::timeout(PING_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => (
            StatusCode::OK,
            format!("ok: the {kind} session store answers{cache}\n"),
        ),
        // While the breaker is open it said so once, when it opened: a
        // probe every few seconds must not add a line each.
        Ok(Err(err @ StoreFailure::Down)) => {
            tracing::debug!(error = %err, store = kind, "health check: store failed");
            unavailable(kind)
        }
        Ok(Err(err)) => {
            tracing::error!(error = %err, store = kind, "health check: store failed");
            unavailable(kind)
        }
        Err(_) => {
            tracing::error!(store = kind, "health check: store timed out");
            unavailable(kind)
        }
    }
}

fn unavailable(kind: &str) -> (StatusCode, String) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        format!("unavailable: the {kind} session store does not answer\n"),
    )
}
