//! `GET /metrics` on a listener of its own (`METRICS_ADDR`), apart from the
//! app's: what it tells about traffic and the store is for operators, and a
//! separate address keeps it off the public one by construction.

use std::{io, net::SocketAddr};

use axum::{
    extract::State, http::header::CONTENT_TYPE, response::IntoResponse, routing::get, Router,
};
use prometheus_client::encoding::prometheus_text;
use tokio::{net::TcpListener, task::JoinHandle};

use super::Metrics;

/// The metrics listener, bound and not yet serving, with the app's metrics.
pub struct Endpoint {
    listener: TcpListener,
    metrics: Metrics,
}

impl Endpoint {
    /// Binds `addr` (port 0 picks a free port) for a fresh registry.
    ///
    /// # Errors
    /// The bind's error.
    pub async fn bind(addr: SocketAddr) -> io::Result<Self> {
        Ok(Self {
            listener: TcpListener::bind(addr).await?,
            metrics: Metrics::new(),
        })
    }

    /// The metrics this endpoint serves, for the app to record into.
    pub fn metrics(&self) -> Metrics {
        self.metrics.clone()
    }

    /// The address actually bound.
    ///
    /// # Errors
    /// The socket's error, if it has none.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves `/metrics` until the task is aborted.
    pub fn spawn(self) -> JoinHandle<()> {
        let router = Router::new()
            .route("/metrics", get(scrape))
            .with_state(self.metrics);
        tokio::spawn(async move {
            if let Err(err) = axum::serve(self.listener, router).await {
                tracing::error!(error = %err, "the metrics listener failed");
            }
        })
    }
}

async fn scrape(State(metrics): State<Metrics>) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, prometheus_text::CONTENT_TYPE)],
        metrics.render(),
    )
}
