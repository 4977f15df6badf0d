//! The app the races run through: three routes behind tower-sessions'
//! `SessionManagerLayer` over the store under test, served on 127.0.0.1:0.
//!
//! - `POST /create`: a new session holding the key [`SEED`].
//! - `POST /set?pair=N&key=K`: loads the session, meets its partner (when
//!   the barrier is on), does [`Settings::work`] of handler work, sets `K`;
//!   the layer saves the session after the response is built.
//! - `POST /logout?pair=N`: loads the session, meets its partner, and
//!   flushes it (`Session::flush` deletes it from the store at once).

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    extract::{Query, State},
    http::StatusCode,
    routing::post,
    Router,
};
use serde::Deserialize;
use tokio::{net::TcpListener, sync::Barrier, task::JoinHandle};
use tower_sessions::{Session, SessionManagerLayer, SessionStore};

use crate::race::Settings;

/// The key every session is created with.
pub const SEED: &str = "seed";

/// How long a handler waits at the barrier for its partner before giving up
/// with 408 (the pair then counts as failed, not as a race either way).
const MEET_WITHIN: Duration = Duration::from_secs(5);

/// What a handler answers when the session (so the store) or the barrier
/// fails: the status and the cause, which the client reports once.
type Failure = (StatusCode, String);

/// The store failed: 500, an outcome of the race.
fn failure(cause: impl std::fmt::Display) -> Failure {
    (StatusCode::INTERNAL_SERVER_ERROR, cause.to_string())
}

/// The handlers' shared state: the settings and, per pair, the barrier both
/// requests of the pair wait at once they have loaded the session.
#[derive(Clone)]
struct Race {
    work: Duration,
    barrier: bool,
    meetings: Arc<Mutex<HashMap<u64, Arc<Barrier>>>>,
}

impl Race {
    /// Returns once both requests of `pair` have loaded their session (at
    /// once when the barrier is off).
    async fn meet(&self, pair: u64) -> Result<(), Failure> {
        if !self.barrier {
            return Ok(());
        }
        let barrier = {
            let mut meetings = self.meetings.lock().expect("meetings lock");
            meetings
                .entry(pair)
                .or_insert_with(|| Arc::new(Barrier::new(2)))
                .clone()
        };
        let met = tokio::time::timeout(MEET_WITHIN, barrier.wait())
            .await
            .map_err(|_| {
                let cause = format!("pair {pair}: the other request never came");
                (StatusCode::REQUEST_TIMEOUT, cause)
            })?;
        if met.is_leader() {
            self.meetings.lock().expect("meetings lock").remove(&pair);
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct Step {
    pair: u64,
    key: Option<String>,
}

async fn create(session: Session) -> Result<StatusCode, Failure> {
    session.insert(SEED, 1).await.map_err(failure)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set(
    State(race): State<Race>,
    Query(step): Query<Step>,
    session: Session,
) -> Result<StatusCode, Failure> {
    let key = step
        .key
        .ok_or((StatusCode::BAD_REQUEST, String::from("no key")))?;
    session.get::<u32>(SEED).await.map_err(failure)?;
    race.meet(step.pair).await?;
    tokio::time::sleep(race.work).await;
    session.insert(&key, 1).await.map_err(failure)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn logout(
    State(race): State<Race>,
    Query(step): Query<Step>,
    session: Session,
) -> Result<StatusCode, Failure> {
    session.get::<u32>(SEED).await.map_err(failure)?;
    race.meet(step.pair).await?;
    session.flush().await.map_err(failure)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The router over `store`.
pub fn router<S: SessionStore + Clone>(store: S, settings: &Settings) -> Router {
    let race = Race {
        work: settings.work,
        barrier: settings.barrier,
        meetings: Arc::default(),
    };
    Router::new()
        .route("/create", post(create))
        .route("/set", post(set))
        .route("/logout", post(logout))
        .with_state(race)
        .layer(SessionManagerLayer::new(store).with_secure(false))
}

/// The app serving on a free loopback port until it is dropped.
pub struct Server {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    /// Binds 127.0.0.1:0 and serves `router` there.
    ///
    /// # Errors
    /// When the port cannot be bound.
    pub async fn start(router: Router) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, router).await {
                eprintln!("lost-updates: the server stopped: {err}");
            }
        });
        Ok(Self { addr, task })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}
