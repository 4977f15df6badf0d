//! One virtual user's HTTP/1.1 connection and cookie jar, on hyper directly:
//! the load generator shares the two cores with the servers it measures,
//! so each request should cost it as little as possible.

use std::{collections::HashMap, fmt, io};

use bytes::Bytes;
use cookie::Cookie;
use http_body_util::{BodyExt, Full};
use hyper::{
    client::conn::http1::SendRequest,
    header::{self, HeaderValue},
    Method, Request,
};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use self::stream::{FirstWrite, Stream};

mod stream;

/// What came back, as sent (not decompressed).
pub struct Answer {
    pub status: u16,
    pub encoding: Option<String>,
    pub body: Bytes,
}

/// Why a request got no whole answer, as far as its client can tell: the
/// drain check tells a request the server never took from one it dropped.
#[derive(Debug)]
pub enum Failure {
    /// No connection: nothing listens (refused), or the listener closed
    /// with it still unaccepted (reset as it was made). Nothing was written.
    Refused(String),
    /// The connection ended before the request was written: hyper hands
    /// the request back unsent ("canceled").
    NotSent(String),
    /// The request was written (see [`Conn::first_write`]) and the
    /// connection was reset (RST) before any answer came.
    Reset(String),
    /// The request was written (see [`Conn::first_write`]) and the
    /// connection was closed (FIN) before the answer's head was whole.
    Closed(String),
    /// Anything else: an answer cut off mid-body, no connection for another
    /// reason, a protocol error.
    Other(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(why)
            | Self::NotSent(why)
            | Self::Reset(why)
            | Self::Closed(why)
            | Self::Other(why) => f.write_str(why),
        }
    }
}

impl From<Failure> for String {
    fn from(failure: Failure) -> Self {
        failure.to_string()
    }
}

pub struct Conn {
    host: String,
    sender: SendRequest<Full<Bytes>>,
    /// The cookies the server set, by name, as a browser keeps them for one site.
    jar: HashMap<String, String>,
    first_write: FirstWrite,
}

impl Conn {
    /// Opens a kept-alive connection to `base` (`http://host:port`).
    pub async fn open(base: &str) -> Result<Self, Failure> {
        let host = base
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let first_write = FirstWrite::default();
        Ok(Self {
            sender: connect(&host, &first_write).await?,
            host,
            jar: HashMap::new(),
            first_write,
        })
    }

    /// The jar, to hand a session to another connection (or process).
    pub fn cookies(&self) -> HashMap<String, String> {
        self.jar.clone()
    }

    /// Replaces the jar with `cookies` (from [`Conn::cookies`]).
    pub fn set_cookies(&mut self, cookies: HashMap<String, String>) {
        self.jar = cookies;
    }

    /// Forgets every cookie: the next request is a new visitor's.
    pub fn clear_cookies(&mut self) {
        self.jar.clear();
    }

    pub async fn get(&mut self, path: &str, compressed: bool) -> Result<Answer, Failure> {
        let mut req = self.request(Method::GET, path, Bytes::new());
        if compressed {
            let accept = HeaderValue::from_static("br, gzip");
            req.headers_mut().insert(header::ACCEPT_ENCODING, accept);
        }
        self.send(req).await
    }

    /// `GET path` as a proxy forwards it for the client `from`
    /// (`X-Forwarded-For`), when given.
    pub async fn get_from(&mut self, path: &str, from: Option<&str>) -> Result<Answer, Failure> {
        let mut req = self.request(Method::GET, path, Bytes::new());
        if let Some(from) = from.and_then(|from| HeaderValue::from_str(from).ok()) {
            req.headers_mut().insert("x-forwarded-for", from);
        }
        self.send(req).await
    }

    /// A form-encoded POST, as the hydrated page's server-function calls.
    pub async fn post_form(
        &mut self,
        path: &str,
        body: impl Into<Bytes>,
    ) -> Result<Answer, Failure> {
        let mut req = self.request(Method::POST, path, body.into());
        let headers = req.headers_mut();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        self.send(req).await
    }

    fn request(&self, method: Method, path: &str, body: Bytes) -> Request<Full<Bytes>> {
        let mut req = Request::new(Full::new(body));
        *req.method_mut() = method;
        *req.uri_mut() = path.parse().unwrap_or_default();
        let headers = req.headers_mut();
        if let Ok(host) = HeaderValue::from_str(&self.host) {
            headers.insert(header::HOST, host);
        }
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            if let Ok(value) = HeaderValue::from_str(&cookies.join("; ")) {
                headers.insert(header::COOKIE, value);
            }
        }
        req
    }

    /// When the last request's first byte was written to its socket; none
    /// when it never was.
    pub fn first_write(&self) -> Option<std::time::Instant> {
        self.first_write.at()
    }

    async fn send(&mut self, req: Request<Full<Bytes>>) -> Result<Answer, Failure> {
        self.first_write.clear();
        // A server may close after each answer (gunicorn's sync workers do,
        // by design): open a new connection then, as a browser would.
        if self.sender.ready().await.is_err() {
            self.sender = connect(&self.host, &self.first_write).await?;
        }
        let res = self
            .sender
            .send_request(req)
            .await
            .map_err(|e| before_the_answer(&e))?;
        for value in res.headers().get_all(header::SET_COOKIE) {
            let Some(cookie) = value.to_str().ok().and_then(|v| Cookie::parse(v).ok()) else {
                continue;
            };
            let removed = cookie.max_age().is_some_and(|age| age.is_zero());
            if removed {
                self.jar.remove(cookie.name());
            } else {
                self.jar
                    .insert(cookie.name().to_owned(), cookie.value().to_owned());
            }
        }
        let status = res.status().as_u16();
        let encoding = res
            .headers()
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = res
            .into_body()
            .collect()
            .await
            .map_err(|e| Failure::Other(with_cause(&e)))?
            .to_bytes();
        Ok(Answer {
            status,
            encoding,
            body,
        })
    }
}

/// `users` connections, each signed in with the seed's `/setsession`.
///
/// # Errors
/// When the server cannot be reached or does not set the session.
pub async fn signed_in(base: &str, users: usize) -> Result<Vec<Conn>, String> {
    let mut conns = Vec::with_capacity(users);
    for _ in 0..users {
        let mut conn = Conn::open(base).await?;
        let set = conn.get("/setsession", false).await?;
        if set.status != 200 {
            return Err(format!("/setsession answered {}", set.status));
        }
        conns.push(conn);
    }
    Ok(conns)
}

/// The resident memory of process `pid`, in KiB.
pub fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn connect(
    host: &str,
    first_write: &FirstWrite,
) -> Result<SendRequest<Full<Bytes>>, Failure> {
    let stream = TcpStream::connect(host).await.map_err(|e| {
        let why = format!("{host}: {e}");
        if matches!(
            e.kind(),
            io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
        ) {
            Failure::Refused(why)
        } else {
            Failure::Other(why)
        }
    })?;
    stream
        .set_nodelay(true)
        .map_err(|e| Failure::Other(e.to_string()))?;
    let stream = Stream {
        tcp: stream,
        first_write: first_write.clone(),
    };
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| Failure::Other(e.to_string()))?;
    tokio::spawn(connection);
    Ok(sender)
}

/// What became of a request that got no answer's head, from hyper's error.
fn before_the_answer(err: &hyper::Error) -> Failure {
    let why = with_cause(err);
    let io_kind = std::error::Error::source(err)
        .and_then(|cause| cause.downcast_ref::<io::Error>())
        .map(io::Error::kind);
    if err.is_canceled() {
        Failure::NotSent(why)
    } else if err.is_incomplete_message() {
        Failure::Closed(why)
    } else if matches!(
        io_kind,
        Some(io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe)
    ) {
        Failure::Reset(why)
    } else {
        Failure::Other(why)
    }
}

/// hyper's error and what caused it ("connection error: Connection reset by
/// peer"): its own words alone do not say which.
fn with_cause(err: &hyper::Error) -> String {
    match std::error::Error::source(err) {
        Some(cause) => format!("{err}: {cause}"),
        None => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::{io::AsyncReadExt, net::TcpListener};

    use super::*;

    /// How a GET ends against a server that accepts one connection and
    /// then, having read the request or not, closes it without answering;
    /// and whether the request was noted as written.
    async fn failure_when_closed(read_first: bool) -> (Failure, bool) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            stream.readable().await.unwrap();
            // Let the whole request arrive.
            tokio::time::sleep(Duration::from_millis(50)).await;
            if read_first {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await.unwrap();
            }
        });
        let mut conn = Conn::open(&base).await.unwrap();
        let failure = conn.get("/", false).await.err().unwrap();
        server.await.unwrap();
        (failure, conn.first_write().is_some())
    }

    #[tokio::test]
    async fn a_request_written_and_closed_on_is_closed_or_reset_and_noted_as_written() {
        let (read, written) = failure_when_closed(true).await;
        assert!(matches!(read, Failure::Closed(_)), "{read:?}");
        assert!(written);
        let (unread, written) = failure_when_closed(false).await;
        assert!(matches!(unread, Failure::Reset(_)), "{unread:?}");
        assert!(written);
    }

    #[tokio::test]
    async fn nothing_listening_is_refused() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        assert!(matches!(Conn::open(&base).await, Err(Failure::Refused(_))));
    }
}
