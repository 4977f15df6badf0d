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
    /// Part of an answer's head, then the connection closed.
    Cut,
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
    ending_of_all(buf)
}

/// How a request ended, from everything the server sent before it closed.
fn ending_of_all(buf: &[u8]) -> Ending {
    if buf.is_empty() {
        return Ending::Closed;
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    match httparse::Response::new(&mut headers).parse(buf) {
        Ok(httparse::Status::Complete(_)) => Ending::Answered(statuses_in(buf), "close".into()),
        Ok(httparse::Status::Partial) => Ending::Cut,
        Err(_) => Ending::Answered(vec![0], "close".into()),
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
    let mut interim = false;
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
                        // Nothing at all is a close without a word; part of
                        // a head, or only an interim 1xx, an answer cut off.
                        return if buf.is_empty() && !interim {
                            Ending::Closed
                        } else {
                            Ending::Cut
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
            interim = true;
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

#[cfg(test)]
mod tests {
    use tokio::net::TcpListener;

    use super::*;

    /// How a request ends against a server that reads it, sends `answer`
    /// and closes.
    async fn ending_for(answer: &'static [u8], breaks_off: bool) -> Ending {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request).await;
            stream.write_all(answer).await.unwrap();
        });
        let mut wire = Wire::new(&host);
        let ending = wire
            .exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", breaks_off, false)
            .await
            .unwrap();
        server.await.unwrap();
        ending
    }

    #[tokio::test]
    async fn a_close_without_a_word_is_closed_and_part_of_a_head_is_cut() {
        for breaks_off in [false, true] {
            assert!(matches!(ending_for(b"", breaks_off).await, Ending::Closed));
            for partial in [&b"HTTP/1."[..], b"HTTP/1.1 200 OK\r\nContent-Le"] {
                let partial: &'static [u8] = partial;
                assert!(
                    matches!(ending_for(partial, breaks_off).await, Ending::Cut),
                    "{}",
                    String::from_utf8_lossy(partial)
                );
            }
            let whole = ending_for(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", breaks_off);
            assert!(matches!(whole.await, Ending::Answered(s, _) if s == [200]));
            let garbage = ending_for(b"SSH-2.0-OpenSSH\r\n\r\n", breaks_off);
            assert!(matches!(garbage.await, Ending::Answered(s, _) if s == [0]));
        }
    }
}
