//! One raw HTTP/1.1 connection: the fuzzer writes bytes no well-behaved
//! client library would send (obs-text, broken framing), so it cannot use
//! hyper's client; it reads the answers' framing itself, just enough to
//! keep a connection alive between requests.

use std::time::Duration;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::timeout,
};

/// Longer than any answer the server may take; a request still unanswered
/// after this is a hang, which the run counts as a failure.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(10);

/// How a request ended.
#[derive(Debug)]
pub enum Ending {
    /// The status of every answer read for the request (more than one when
    /// the request's bytes held a second, garbage request).
    Answered(Vec<u16>, String),
    /// The server closed the connection without a word.
    Closed,
    /// No answer within [`ANSWER_WITHIN`].
    Hung,
}

pub struct Wire {
    host: String,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

impl Wire {
    pub fn new(host: &str) -> Self {
        Self {
            host: host.to_owned(),
            stream: None,
            buf: Vec::with_capacity(64 * 1024),
        }
    }

    /// Sends `bytes` on the kept-alive connection and reads one framed answer.
    /// With `breaks_off`, stops writing after `bytes` (half-close), reads
    /// until the server closes, and drops the connection.
    ///
    /// # Errors
    /// Only when no connection can be opened at all.
    pub async fn exchange(
        &mut self,
        bytes: &[u8],
        breaks_off: bool,
        head: bool,
    ) -> Result<Ending, String> {
        // A kept-alive connection the server has since closed fails on first
        // use with nothing read: that is not the request's doing, so it is
        // sent once more on a new connection.
        for attempt in 0..2 {
            let fresh = self.stream.is_none();
            if fresh {
                let stream = TcpStream::connect(&self.host)
                    .await
                    .map_err(|e| format!("{}: {e}", self.host))?;
                stream.set_nodelay(true).map_err(|e| e.to_string())?;
                self.stream = Some(stream);
                self.buf.clear();
            }
            let ending = match timeout(ANSWER_WITHIN, self.once(bytes, breaks_off, head)).await {
                Ok(ending) => ending,
                Err(_) => Ending::Hung,
            };
            let keep = matches!(&ending, Ending::Answered(_, conn) if conn == "keep-alive");
            if !keep || breaks_off {
                self.stream = None;
            }
            if matches!(ending, Ending::Closed) && !fresh && attempt == 0 {
                continue;
            }
            return Ok(ending);
        }
        Ok(Ending::Closed)
    }

    /// Everything the server sends for `bytes` until it closes, on a new
    /// connection.
    ///
    /// # Errors
    /// When no connection can be opened.
    pub async fn raw_answer(&mut self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        let mut stream = TcpStream::connect(&self.host)
            .await
            .map_err(|e| format!("{}: {e}", self.host))?;
        stream.write_all(bytes).await.map_err(|e| e.to_string())?;
        let mut buf = Vec::new();
        timeout(ANSWER_WITHIN, stream.read_to_end(&mut buf))
            .await
            .map_err(|_| "no answer".to_owned())?
            .map_err(|e| e.to_string())?;
        Ok(buf)
    }

    async fn once(&mut self, bytes: &[u8], breaks_off: bool, head: bool) -> Ending {
        let Some(stream) = self.stream.as_mut() else {
            return Ending::Closed;
        };
        // A write that fails (the server answered early and closed, as it
        // may for an oversized body) still leaves its answer to read.
        let _ = stream.write_all(bytes).await;
        if breaks_off {
            let _ = stream.shutdown().await;
            return read_to_close(stream, &mut self.buf).await;
        }
        read_framed(stream, &mut self.buf, head).await
    }
}

/// Every answer until the server closes (bounded by the caller's timeout).
async fn read_to_close(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Ending {
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let statuses = statuses_in(buf);
    if statuses.is_empty() {
        Ending::Closed
    } else {
        Ending::Answered(statuses, "close".into())
    }
}

/// The status of each answer in a stream of answers: every status line at
/// the start or after a blank line (bodies here never hold one).
fn statuses_in(buf: &[u8]) -> Vec<u16> {
    let mut statuses = Vec::new();
    let mut at = 0;
    while let Some(found) = find(&buf[at..], b"HTTP/1.1 ") {
        let start = at + found;
        if start == 0 || buf[..start].ends_with(b"\n") {
            let code = buf
                .get(start + 9..start + 12)
                .and_then(|c| std::str::from_utf8(c).ok()?.parse::<u16>().ok());
            statuses.extend(code);
        }
        at = start + 9;
    }
    statuses
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// One answer, read by its framing; 1xx interim answers are skipped.
async fn read_framed(stream: &mut TcpStream, buf: &mut Vec<u8>, head: bool) -> Ending {
    loop {
        let (status, connection, framing, head_len) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut res = httparse::Response::new(&mut headers);
            match res.parse(buf) {
                Ok(httparse::Status::Complete(len)) => {
                    let status = res.code.unwrap_or(0);
                    let header = |name: &str| {
                        res.headers
                            .iter()
                            .find(|h| h.name.eq_ignore_ascii_case(name))
                            .map(|h| String::from_utf8_lossy(h.value).to_ascii_lowercase())
                    };
                    let connection = header("connection").unwrap_or_else(|| "keep-alive".into());
                    let framing = if head || status < 200 || status == 204 || status == 304 {
                        Framing::Length(0)
                    } else if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
                        Framing::Chunked
                    } else if let Some(n) = header("content-length").and_then(|v| v.parse().ok()) {
                        Framing::Length(n)
                    } else {
                        Framing::UntilClose
                    };
                    break (status, connection, framing, len);
                }
                Ok(httparse::Status::Partial) => {
                    if !fill(stream, buf).await {
                        return if buf.is_empty() {
                            Ending::Closed
                        } else {
                            Ending::Answered(statuses_in(buf), "close".into())
                        };
                    }
                }
                Err(_) => return Ending::Answered(vec![0], "close".into()),
            }
        };
        buf.drain(..head_len);
        let complete = match framing {
            Framing::Length(n) => read_exactly(stream, buf, n).await,
            Framing::Chunked => read_chunked(stream, buf).await,
            Framing::UntilClose => {
                while fill(stream, buf).await {}
                buf.clear();
                false
            }
        };
        if (100..200).contains(&status) {
            continue;
        }
        let mut statuses = vec![status];
        // Anything after the answer is an answer to bytes the server read
        // as a second request: counted, and the connection not reused.
        statuses.extend(statuses_in(buf));
        let reusable = complete && buf.is_empty() && connection == "keep-alive";
        let connection = if reusable { connection } else { "close".into() };
        return Ending::Answered(statuses, connection);
    }
}

enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

/// Reads more into `buf`; false when the server closed.
async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 16 * 1024];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

async fn read_exactly(stream: &mut TcpStream, buf: &mut Vec<u8>, n: usize) -> bool {
    while buf.len() < n {
        if !fill(stream, buf).await {
            return false;
        }
    }
    buf.drain(..n);
    true
}

async fn read_chunked(stream: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    loop {
        let (size, line) = loop {
            match httparse::parse_chunk_size(buf) {
                Ok(httparse::Status::Complete((line, size))) => break (size as usize, line),
                Ok(httparse::Status::Partial) => {
                    if !fill(stream, buf).await {
                        return false;
                    }
                }
                Err(_) => return false,
            }
        };
        buf.drain(..line);
        if size == 0 {
            // No trailers from this server: the final CRLF ends the answer.
            return read_exactly(stream, buf, 2).await;
        }
        if !read_exactly(stream, buf, size + 2).await {
            return false;
        }
    }
}
