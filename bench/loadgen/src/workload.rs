//! What one virtual user does, request by request, and what a right answer is.

use clap::ValueEnum;
use reqwest::{header, Client};
use serde::{Deserialize, Serialize};

/// The workloads of the issue, in the order the table shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Workload {
    /// `GET /getsession` on an established session.
    Read,
    /// `GET /setsession`, then `GET /popsession`: new, cycled and ended sessions.
    Write,
    /// The page's server-function get (`POST /api/get_session`, form-encoded).
    ServerFn,
    /// `GET /` rendered on the server with a live session.
    Page,
    /// The stylesheet, as a browser asks for it (gzip and brotli accepted).
    Static,
    /// `GET /livez`: our HTTP stack with no session and no store.
    Ceiling,
}

/// One virtual user's fixed part: its client (jar, connection) and paths.
pub struct User {
    client: Client,
    base: String,
    workload: Workload,
    stylesheet: String,
}

impl User {
    /// A user with a fresh jar, signed in where the workload needs a session.
    pub async fn start(base: &str, workload: Workload) -> Result<Self, String> {
        let client = Client::builder()
            .cookie_store(true)
            .pool_max_idle_per_host(1)
            .build()
            .map_err(|e| e.to_string())?;
        let mut user = Self {
            client,
            base: base.to_owned(),
            workload,
            stylesheet: String::new(),
        };
        match workload {
            Workload::Read | Workload::Page => {
                user.expect_get("/setsession", "The session has been Set").await?;
            }
            Workload::ServerFn => {
                user.post_fn("set_session", "\"The session has been Set\"").await?;
            }
            Workload::Static => user.stylesheet = user.find_stylesheet().await?,
            Workload::Write | Workload::Ceiling => {}
        }
        Ok(user)
    }

    /// The `n`th request of this user; `Err` says what was wrong with the answer.
    pub async fn step(&self, n: u64) -> Result<(), String> {
        match self.workload {
            Workload::Read => self.expect_get("/getsession", "Welcome Admin").await,
            Workload::Write if n % 2 == 0 => {
                self.expect_get("/setsession", "The session has been Set").await
            }
            Workload::Write => self.expect_get("/popsession", "Session Deleted").await,
            Workload::ServerFn => self.post_fn("get_session", "\"Welcome Admin\"").await,
            Workload::Page => self.expect_get_containing("/", ">Set session</button>").await,
            Workload::Static => self.expect_get_containing(&self.stylesheet, "").await,
            Workload::Ceiling => self.expect_get("/livez", "ok").await,
        }
    }

    async fn fetch(&self, path: &str) -> Result<String, String> {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .header(header::ACCEPT_ENCODING, "gzip, br")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !res.status().is_success() {
            return Err(format!("{path}: {}", res.status()));
        }
        res.text().await.map_err(|e| e.to_string())
    }

    async fn expect_get(&self, path: &str, answer: &str) -> Result<(), String> {
        let body = self.fetch(path).await?;
        if body == answer {
            Ok(())
        } else {
            Err(format!("{path}: {body:.60}"))
        }
    }

    async fn expect_get_containing(&self, path: &str, part: &str) -> Result<(), String> {
        let body = self.fetch(path).await?;
        if body.contains(part) {
            Ok(())
        } else {
            Err(format!("{path}: {body:.60}"))
        }
    }

    async fn post_fn(&self, name: &str, answer: &str) -> Result<(), String> {
        let res = self
            .client
            .post(format!("{}/api/{name}", self.base))
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = res.status();
        let body = res.text().await.map_err(|e| e.to_string())?;
        if status.is_success() && body == answer {
            Ok(())
        } else {
            Err(format!("/api/{name}: {status} {body:.60}"))
        }
    }

    /// The stylesheet's address as the page links it (hashed names included).
    async fn find_stylesheet(&self) -> Result<String, String> {
        let page = self.fetch("/").await?;
        let end = page.find(".css\"").ok_or("no stylesheet link in the page")? + 4;
        let start = page[..end].rfind('"').ok_or("no stylesheet link in the page")? + 1;
        Ok(page[start..end].to_owned())
    }
}
