//! The two clients a pair's requests are sent from, each with a connection
//! of its own, holding the session's cookie.

use std::{str::FromStr, time::Duration};

use anyhow::Context;
use reqwest::{header, Client, Response};
use tower_sessions::session::Id;

/// The two requests of a pair, each on a client (and connection) of its own.
pub struct Clients {
    base: String,
    left: Client,
    right: Client,
}

impl Clients {
    pub fn new(base: String) -> anyhow::Result<Self> {
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
    pub async fn create(&self) -> anyhow::Result<Id> {
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
    /// session `id`; whether each answered with a success rather than a
    /// server error. Fails on any other answer.
    pub async fn race(
        &self,
        id: Id,
        left_path: &str,
        right_path: &str,
    ) -> anyhow::Result<[Answer; 2]> {
        let cookie = format!("id={id}");
        let send = |client: &Client, path: &str| {
            client
                .post(format!("{}{path}", self.base))
                .header(header::COOKIE, &cookie)
                .send()
        };
        let (left, right) =
            tokio::join!(send(&self.left, left_path), send(&self.right, right_path));
        Ok([
            answer(left)
                .await
                .with_context(|| format!("POST {left_path}"))?,
            answer(right)
                .await
                .with_context(|| format!("POST {right_path}"))?,
        ])
    }
}

/// How a request of a pair was answered.
pub enum Answer {
    Success,
    /// A server error: its status and body.
    ServerError(String),
}

impl Answer {
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Success)
    }
}

/// A success or a server error; an error for anything else.
async fn answer(response: reqwest::Result<Response>) -> anyhow::Result<Answer> {
    let response = response?;
    let status = response.status();
    if status.is_success() {
        return Ok(Answer::Success);
    }
    let body = response.text().await.unwrap_or_default();
    anyhow::ensure!(status.is_server_error(), "{status}: {body}");
    Ok(Answer::ServerError(format!("{status}: {body}")))
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
