//! A page-view counter on tower-sessions, its sessions in this crate's
//! store: `cargo run -p tower-sessions-lossless-store --example counter`,
//! then `curl -c jar -b jar http://127.0.0.1:3000/` a few times.
//! `SESSION_STORE` picks the backend (`sqlite://counter.db` unless set).

use axum::{routing::get, Router};
use time::Duration;
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use tower_sessions_lossless_store::{scope::RequestScopeLayer, Store, StoreSettings};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("SESSION_STORE").unwrap_or_else(|_| "sqlite://counter.db".into());
    let store = Store::connect(&StoreSettings::new(url.parse()?)).await?;
    let sessions =
        SessionManagerLayer::new(store).with_expiry(Expiry::OnInactivity(Duration::minutes(30)));
    let app = Router::new()
        .route("/", get(count))
        .layer(sessions)
        // In front of tower-sessions' layer: releases what the store keeps
        // of each request's loads when the request ends.
        .layer(RequestScopeLayer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app).await?;
    Ok(())
}

/// Counts the session's views. Two requests at once that set *different*
/// keys both land (the store merges them); two that set the same key, as
/// these do, end with the later save's value.
async fn count(session: Session) -> String {
    let seen: u64 = session.get("views").await.ok().flatten().unwrap_or(0);
    match session.insert("views", seen + 1).await {
        Ok(()) => format!("{} views\n", seen + 1),
        Err(err) => format!("the session store failed: {err}\n"),
    }
}
