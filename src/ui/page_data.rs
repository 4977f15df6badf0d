//! What the page shows as it loads: read by the server before it renders,
//! and handed to the browser in the page's hydration data.
//!
//! One read before the render rather than a resource per read inside it:
//! the render then waits for nothing, and the browser's bundle carries no
//! resource or suspense code for data it never fetches (it only takes the
//! server's copy; `bench/ANALYSIS.md` has what that saved).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, session::inspect::Panels};

/// An answer as the page shows it.
pub type Shown = Result<String, AppError>;

/// What the page shows as it loads. The server keeps it on the request for
/// the render; the browser gets the part of it that `Handed` holds.
#[derive(Debug, Clone)]
pub struct PageData {
    /// The stored note, for the note field.
    pub note: Option<String>,
    /// The answer a no-JS form post was redirected back with, if any.
    pub redirected: Option<Shown>,
    /// The inspector's two panels, rendered.
    pub panels: Result<Panels, AppError>,
}

/// What the browser takes from the hydration data: the page's data less
/// the panels' HTML, which the page holds already. Sent twice (as HTML and
/// again escaped inside a JSON string) it was a third of a session's page
/// and the largest part of its serialization (`bench/ANALYSIS.md`).
#[derive(Debug, Serialize, Deserialize)]
struct Handed {
    note: Option<String>,
    redirected: Option<Shown>,
    /// The session cookie's name, or why the panels could not be read.
    cookie: Result<String, AppError>,
}

impl PageData {
    /// The server's read, while rendering; in the browser, what the
    /// hydration data hands over (the browser never reads it again). There
    /// the panels' HTML is empty: the page shows them as the server
    /// rendered them until they are read again.
    pub fn shared() -> Self {
        let full = imp::from_request();
        let handed = SharedValue::new(|| match &full {
            Some(data) => Handed {
                note: data.note.clone(),
                redirected: data.redirected.clone(),
                cookie: data
                    .panels
                    .as_ref()
                    .map(|p| p.cookie.clone())
                    .map_err(Clone::clone),
            },
            None => Handed {
                note: None,
                redirected: None,
                cookie: Err(AppError::Internal),
            },
        })
        .into_inner();
        full.unwrap_or_else(|| Self {
            note: handed.note,
            redirected: handed.redirected,
            panels: handed.cookie.map(|cookie| Panels {
                cookie,
                browser: String::new(),
                server: String::new(),
            }),
        })
    }
}

#[cfg(feature = "ssr")]
pub use imp::load;

#[cfg(feature = "ssr")]
mod imp {
    use axum::{extract::Request, http::request::Parts, middleware::Next, response::Response};
    use leptos::prelude::use_context;

    use super::{PageData, Shown};
    use crate::{
        answer::Answer,
        error::AppError,
        session::{
            api::ssr::{panels_of, session_of},
            op::Op,
            UserSession,
        },
    };

    pub fn from_request() -> Option<PageData> {
        use_context::<Parts>()?
            .extensions
            .get::<PageData>()
            .cloned()
    }

    /// Middleware for the page's route: reads what the page shows and puts
    /// it on the request for the render.
    pub async fn load(req: Request, next: Next) -> Response {
        let (mut parts, body) = req.into_parts();
        let (data, failed) = read(&mut parts).await;
        parts.extensions.insert(data);
        let mut response = next.run(Request::from_parts(parts, body)).await;
        // A greeting that could not be read answers with the error's status,
        // as the server function it stands for would.
        if let Some(err) = failed {
            *response.status_mut() = err.status_code();
        }
        response
    }

    /// The page's data, and the error of a greeting that could not be read.
    /// The session is taken once: each taking checks its lifetime again.
    async fn read(parts: &mut Parts) -> (PageData, Option<AppError>) {
        let session = session_of(parts).await;
        let (note, panels) = match &session {
            Ok(session) => (
                session.note().await.ok().flatten(),
                panels_of(session, parts).await,
            ),
            Err(err) => (None, Err(err.clone())),
        };
        let (redirected, failed) = redirected(parts, &session).await;
        let data = PageData {
            note,
            redirected,
            panels,
        };
        (data, failed)
    }

    /// The answer a no-JS redirect carries: an error by its code, an answer
    /// by its code, or the greeting read from the session again rather than
    /// trusted from the URL.
    async fn redirected(
        parts: &Parts,
        session: &Result<UserSession, AppError>,
    ) -> (Option<Shown>, Option<AppError>) {
        if let Some(code) = query(parts, "error") {
            return (Some(Err(AppError::from_code(&code))), None);
        }
        let Some(code) = query(parts, "answer") else {
            return (None, None);
        };
        match Answer::from_code(&code) {
            Ok(Some(answer)) => (Some(Ok(answer.to_string())), None),
            Ok(None) => {
                let greeting = match session {
                    Ok(session) => Op::Get.run(session).await,
                    Err(err) => Err(err.clone()),
                };
                match greeting {
                    Ok(answer) => (Some(Ok(answer.to_string())), None),
                    Err(err) => (Some(Err(err.clone())), Some(err)),
                }
            }
            Err(_) => (None, None),
        }
    }

    fn query(parts: &Parts, name: &str) -> Option<String> {
        url::form_urlencoded::parse(parts.uri.query()?.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }
}

#[cfg(not(feature = "ssr"))]
mod imp {
    pub fn from_request() -> Option<super::PageData> {
        None
    }
}
