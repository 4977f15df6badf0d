//! The concurrent-request script, the same for every store.
//!
//! Each pair starts from a new session (`POST /create`), then sends two
//! requests of that session at the same time, from two clients (so on two
//! connections), and once both have answered looks the session up in the
//! store itself:
//! - lost updates: `/set?key=a` and `/set?key=b`; each of `a`, `b` missing
//!   afterwards is one lost update;
//! - resurrections: `/logout` and `/set?key=c`; the old session id still
//!   loading afterwards is one resurrection (the logout undone).

use std::{str::FromStr, time::Duration};

use anyhow::Context;
use reqwest::{header, Client, Response};
use tower_sessions::{session::Id, SessionStore};

use crate::app::{self, Server};

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
    /// Pairs that completed (both requests answered with a success).
    pub pairs: u64,
    /// Lost updates, or resurrections, in those pairs.
    pub events: u64,
}

impl Count {
    /// Events per 1,000 completed pairs.
    pub fn per_thousand(self) -> f64 {
        if self.pairs == 0 {
            return 0.0;
        }
        self.events as f64 * 1000.0 / self.pairs as f64
    }
}

/// What one store did in both scenarios.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub lost_updates: Count,
    pub resurrections: Count,
    /// Pairs of either scenario left out because a request failed.
    pub failed_pairs: u64,
    /// The first failure's cause, for the log.
    pub first_failure: Option<String>,
}

impl Tally {
    fn fail(&mut self, cause: anyhow::Error) {
        self.failed_pairs += 1;
        self.first_failure
            .get_or_insert_with(|| format!("{cause:#}"));
    }
}

/// The two requests of a pair, each on a client (and connection) of its own.
struct Clients {
    base: String,
    left: Client,
    right: Client,
}

impl Clients {
    fn new(base: String) -> anyhow::Result<Self> {
        let client = || {
            Client::builder()
                .timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(1)
                .build()
        };
        Ok(Self {
            base,
            left: client()?,
            right: client()?,
        })
    }

    /// A new session; its id, read from the response's cookie.
    async fn create(&self) -> anyhow::Result<Id> {
        let response = ok(self.left.post(format!("{}/create", self.base)).send().await)
            .await
            .context("POST /create")?;
        let cookie = response
            .headers()
            .get(header::SET_COOKIE)
            .context("POST /create set no cookie")?
            .to_str()?;
        let value = cookie
            .split(';')
            .next()
            .and_then(|pair| pair.strip_prefix("id="))
            .context("the cookie is not `id=…`")?;
        Id::from_str(value).context("the cookie's session id")
    }

    /// Sends `left_path` and `right_path` at the same time with the cookie of
    /// session `id`; fails when either does not answer with a success.
    async fn race(&self, id: Id, left_path: &str, right_path: &str) -> anyhow::Result<()> {
        let cookie = format!("id={id}");
        let send = |client: &Client, path: &str| {
            client
                .post(format!("{}{path}", self.base))
                .header(header::COOKIE, &cookie)
                .send()
        };
        let (left, right) =
            tokio::join!(send(&self.left, left_path), send(&self.right, right_path));
        ok(left)
            .await
            .with_context(|| format!("POST {left_path}"))?;
        ok(right)
            .await
            .with_context(|| format!("POST {right_path}"))?;
        Ok(())
    }
}

/// The response when it is a success; else an error with its status and body.
async fn ok(response: reqwest::Result<Response>) -> anyhow::Result<Response> {
    let response = response?;
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    anyhow::bail!("{status}: {body}")
}

/// Runs both scenarios against `store` through a fresh app on loopback.
///
/// # Errors
/// When the app cannot start. A pair that fails (a request answered with an
/// error, the store failing a look-up) is counted in `failed_pairs` instead.
pub async fn measure<S: SessionStore + Clone>(
    store: S,
    settings: &Settings,
) -> anyhow::Result<Tally> {
    let server = Server::start(app::router(store.clone(), settings)).await?;
    let clients = Clients::new(format!("http://{}", server.addr))?;
    let mut tally = Tally::default();
    for pair in 0..settings.pairs {
        match lost_updates(&clients, &store, pair).await {
            Ok(lost) => {
                tally.lost_updates.pairs += 1;
                tally.lost_updates.events += lost;
            }
            Err(cause) => tally.fail(cause),
        }
    }
    for pair in settings.pairs..2 * settings.pairs {
        match resurrection(&clients, &store, pair).await {
            Ok(resurrected) => {
                tally.resurrections.pairs += 1;
                tally.resurrections.events += u64::from(resurrected);
            }
            Err(cause) => tally.fail(cause),
        }
    }
    Ok(tally)
}

/// One pair of the first scenario: how many of its two keys are missing.
async fn lost_updates<S: SessionStore>(
    clients: &Clients,
    store: &S,
    pair: u64,
) -> anyhow::Result<u64> {
    let id = clients.create().await?;
    let left = format!("/set?pair={pair}&key=a");
    let right = format!("/set?pair={pair}&key=b");
    clients.race(id, &left, &right).await?;
    let record = store.load(&id).await.context("loading the session")?;
    let data = record.map(|record| record.data).unwrap_or_default();
    Ok(["a", "b"]
        .iter()
        .filter(|key| !data.contains_key(**key))
        .count() as u64)
}

/// One pair of the second scenario: whether the logged-out session is back.
async fn resurrection<S: SessionStore>(
    clients: &Clients,
    store: &S,
    pair: u64,
) -> anyhow::Result<bool> {
    let id = clients.create().await?;
    let left = format!("/logout?pair={pair}");
    let right = format!("/set?pair={pair}&key=c");
    clients.race(id, &left, &right).await?;
    Ok(store
        .load(&id)
        .await
        .context("loading the session")?
        .is_some())
}
