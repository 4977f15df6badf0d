//! What one virtual user does, request by request, and what a right answer is.

use clap::ValueEnum;
use serde::{Deserialize, Serialize};

use crate::{
    conn::{Answer, Conn},
    weight::decompressed,
};

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
    /// `GET /` rendered on the server with a live session, asked for as a
    /// browser asks (compression accepted).
    Page,
    /// `GET /` as a first visit asks for it: no session, compression accepted.
    FirstVisit,
    /// The stylesheet, compressed as a browser asks for it.
    Static,
    /// `GET /livez`: our HTTP stack with no session and no store.
    Ceiling,
}

/// One virtual user: its connection, its cookie jar, and what it fetches.
pub struct User {
    conn: Conn,
    workload: Workload,
    stylesheet: String,
}

impl User {
    /// A user with a fresh jar, signed in where the workload needs a session.
    /// Compressed answers are checked here, once, in full; under load only
    /// their status and encoding are (decompressing is the browser's work,
    /// not the server's, and would eat the machine both share).
    pub async fn start(base: &str, workload: Workload) -> Result<Self, String> {
        let mut user = Self {
            conn: Conn::open(base).await?,
            workload,
            stylesheet: String::new(),
        };
        match workload {
            Workload::Read => {
                user.expect_get("/setsession", "The session has been Set")
                    .await?
            }
            Workload::ServerFn => {
                user.expect_post("set_session", "\"The session has been Set\"")
                    .await?;
            }
            Workload::Page => {
                user.expect_get("/setsession", "The session has been Set")
                    .await?;
                let page = user.page("/").await?;
                if !page.contains(">Set session</button>") {
                    return Err(format!("/: not the page: {page:.80}"));
                }
            }
            Workload::FirstVisit => {
                let page = user.page("/").await?;
                if !page.contains(">Set session</button>") {
                    return Err(format!("/: not the page: {page:.80}"));
                }
            }
            Workload::Static => {
                let page = user.page("/").await?;
                user.stylesheet = stylesheet(&page)?;
                user.page(&user.stylesheet.clone()).await?;
            }
            Workload::Write | Workload::Ceiling => {}
        }
        Ok(user)
    }

    /// The `n`th request of this user; `Err` says what was wrong with the answer.
    pub async fn step(&mut self, n: u64) -> Result<(), String> {
        match self.workload {
            Workload::Read => self.expect_get("/getsession", "Welcome Admin").await,
            Workload::Write if n.is_multiple_of(2) => {
                self.expect_get("/setsession", "The session has been Set")
                    .await
            }
            Workload::Write => self.expect_get("/popsession", "Session Deleted").await,
            Workload::ServerFn => self.expect_post("get_session", "\"Welcome Admin\"").await,
            Workload::Page | Workload::FirstVisit => self.expect_any_encoding("/").await,
            Workload::Static => {
                let path = std::mem::take(&mut self.stylesheet);
                let result = self.expect_compressed(&path).await;
                self.stylesheet = path;
                result
            }
            Workload::Ceiling => self.expect_get("/livez", "ok").await,
        }
    }

    async fn expect_get(&mut self, path: &str, expected: &str) -> Result<(), String> {
        let answer = self.conn.get(path, false).await?;
        check(path, &answer, expected)
    }

    async fn expect_post(&mut self, name: &str, expected: &str) -> Result<(), String> {
        let path = format!("/api/{name}");
        let answer = self.conn.post_form(&path, "").await?;
        check(&path, &answer, expected)
    }

    /// Asked for compressed, whether or not the server compresses it.
    async fn expect_any_encoding(&mut self, path: &str) -> Result<(), String> {
        let answer = self.conn.get(path, true).await?;
        if answer.status == 200 && !answer.body.is_empty() {
            Ok(())
        } else {
            Err(format!("{path}: {}", answer.status))
        }
    }

    async fn expect_compressed(&mut self, path: &str) -> Result<(), String> {
        let answer = self.conn.get(path, true).await?;
        match (answer.status, answer.encoding.as_deref()) {
            (200, Some("br" | "gzip")) if !answer.body.is_empty() => Ok(()),
            (status, encoding) => Err(format!("{path}: {status}, encoding {encoding:?}")),
        }
    }

    /// A compressed page or file, decompressed.
    async fn page(&mut self, path: &str) -> Result<String, String> {
        let answer = self.conn.get(path, true).await?;
        if answer.status != 200 {
            return Err(format!("{path}: {}", answer.status));
        }
        decompressed(answer.encoding.as_deref().unwrap_or(""), &answer.body)
            .map_err(|e| e.to_string())
    }
}

fn check(path: &str, answer: &Answer, expected: &str) -> Result<(), String> {
    if answer.status == 200 && answer.body == expected.as_bytes() {
        Ok(())
    } else {
        let body = String::from_utf8_lossy(&answer.body);
        Err(format!("{path}: {} {body:.60}", answer.status))
    }
}

/// The stylesheet's address as the page links it (hashed names included).
fn stylesheet(page: &str) -> Result<String, String> {
    let end = page
        .find(".css\"")
        .ok_or("no stylesheet link in the page")?
        + 4;
    let start = page[..end]
        .rfind('"')
        .ok_or("no stylesheet link in the page")?
        + 1;
    Ok(page[start..end].to_owned())
}
