//! The concurrent-request script, the same for every store.
//!
//! Each pair starts from a new session (`POST /create`), then sends two
//! requests of that session at the same time, from two clients (so on two
//! connections), and once both have answered looks the session up in the
//! store itself:
//! - lost updates: `/set?key=a` and `/set?key=b`; each of `a`, `b` missing
//!   afterwards although its request answered with a success is one lost
//!   update;
//! - resurrections: `/logout` and `/set?key=c`; the old session id still
//!   loading afterwards is one resurrection (the logout undone).
//!
//! A request answered with a server error (5xx: the store failed the
//! handler's load or the layer's save) is an outcome of the race, counted
//! apart; anything else going wrong (no answer, a 4xx, the barrier's partner
//! not coming) leaves the pair out as failed.

use std::time::Duration;

use anyhow::Context;
use tower_sessions::SessionStore;

use crate::{
    app::{self, Server},
    client::{Answer, Clients},
};

/// How a run goes, the same for every store.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Pairs per scenario and store.
    pub pairs: u64,
    /// Handler work between the session's load and its save.
    pub work: Duration,
    /// Whether both requests of a pair wait for each other after loading
    /// the session, so that both load before either saves or deletes.
    pub barrier: bool,
}

/// One scenario's result on one store.
#[derive(Clone, Copy, Debug, Default)]
pub struct Count {
    /// Pairs that completed (both requests answered).
    pub pairs: u64,
    /// Lost updates, or resurrections, in those pairs.
    pub events: u64,
    /// Requests of those pairs answered with a server error.
    pub errors: u64,
}

impl Count {
    /// `n` per 1,000 completed pairs.
    pub fn per_thousand(self, n: u64) -> f64 {
        if self.pairs == 0 {
            return 0.0;
        }
        n as f64 * 1000.0 / self.pairs as f64
    }

    fn add(&mut self, outcome: Outcome) {
        self.pairs += 1;
        self.events += outcome.events;
        self.errors += outcome.errors;
    }
}

/// What one pair did.
struct Outcome {
    events: u64,
    errors: u64,
}

/// What one store did in both scenarios.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub lost_updates: Count,
    pub resurrections: Count,
    /// Pairs of either scenario left out because the script failed.
    pub failed_pairs: u64,
    /// The first failure's cause, for the log.
    pub first_failure: Option<String>,
    /// The first server error's answer, for the log.
    pub first_error: Option<String>,
}

impl Tally {
    fn fail(&mut self, cause: anyhow::Error) {
        self.failed_pairs += 1;
        self.first_failure
            .get_or_insert_with(|| format!("{cause:#}"));
    }
}

/// Runs both scenarios against `store` through a fresh app on loopback.
///
/// # Errors
/// When the app cannot start. A pair that fails (no answer, a 4xx, the
/// store failing the check's look-up) is counted in `failed_pairs` instead.
pub async fn measure<S: SessionStore + Clone>(
    store: S,
    settings: &Settings,
) -> anyhow::Result<Tally> {
    let server = Server::start(app::router(store.clone(), settings)).await?;
    let clients = Clients::new(format!("http://{}", server.addr))?;
    let mut tally = Tally::default();
    for pair in 0..settings.pairs {
        match lost_updates(&clients, &store, pair, &mut tally.first_error).await {
            Ok(outcome) => tally.lost_updates.add(outcome),
            Err(cause) => tally.fail(cause),
        }
    }
    for pair in settings.pairs..2 * settings.pairs {
        match resurrection(&clients, &store, pair, &mut tally.first_error).await {
            Ok(outcome) => tally.resurrections.add(outcome),
            Err(cause) => tally.fail(cause),
        }
    }
    Ok(tally)
}

/// The server errors among `answers`, the first one kept in `first_error`.
fn errors(answers: &[Answer], first_error: &mut Option<String>) -> u64 {
    let mut errors = 0;
    for answer in answers {
        if let Answer::ServerError(body) = answer {
            errors += 1;
            first_error.get_or_insert_with(|| body.clone());
        }
    }
    errors
}

/// One pair of the first scenario: keys missing although their request
/// answered with a success.
async fn lost_updates<S: SessionStore>(
    clients: &Clients,
    store: &S,
    pair: u64,
    first_error: &mut Option<String>,
) -> anyhow::Result<Outcome> {
    let id = clients.create().await?;
    let left = format!("/set?pair={pair}&key=a");
    let right = format!("/set?pair={pair}&key=b");
    let answers = clients.race(id, &left, &right).await?;
    let record = store.load(&id).await.context("loading the session")?;
    let data = record.map(|record| record.data).unwrap_or_default();
    let lost = ["a", "b"]
        .iter()
        .zip(&answers)
        .filter(|(key, answer)| answer.is_success() && !data.contains_key(**key))
        .count();
    Ok(Outcome {
        events: lost as u64,
        errors: errors(&answers, first_error),
    })
}

/// One pair of the second scenario: whether the logged-out session is back.
async fn resurrection<S: SessionStore>(
    clients: &Clients,
    store: &S,
    pair: u64,
    first_error: &mut Option<String>,
) -> anyhow::Result<Outcome> {
    let id = clients.create().await?;
    let left = format!("/logout?pair={pair}");
    let right = format!("/set?pair={pair}&key=c");
    let answers = clients.race(id, &left, &right).await?;
    let resurrected = store
        .load(&id)
        .await
        .context("loading the session")?
        .is_some();
    Ok(Outcome {
        events: u64::from(resurrected),
        errors: errors(&answers, first_error),
    })
}
