//! Requests the server has surely taken when it is signalled: each sends
//! a write's head and half its body well before the signal (so the server
//! has read the head, and is reading the body), and the rest just after.
//! A server that drains answers them in whole; one that stops at once
//! cannot, whatever else was in flight.

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// How many requests the run holds open across the signal.
pub const PROBES: usize = 4;

/// How long before the signal each probe has sent its head: far longer
/// than a server takes to read a head that has arrived.
pub const LEAD: Duration = Duration::from_millis(500);

/// How long after the signal each probe sends the rest of its body.
const REST_AFTER: Duration = Duration::from_millis(100);

/// The value a probe's write sets: above any a user's counter reaches.
pub const VALUE: u64 = 1_000_000_000;

/// One probe: sends its head and half its body at once, the rest
/// [`REST_AFTER`] the signal, and reads the answer. `Ok` is the status of
/// a whole answer; `Err`, how it was cut off.
///
/// # Errors
/// The connection failed, or the answer was not whole.
pub async fn run(
    host: &str,
    cookies: &HashMap<String, String>,
    signalled: Arc<OnceLock<Instant>>,
) -> Result<u16, String> {
    let body = format!("key=n&value={VALUE}");
    let (first, rest) = body.split_at(body.len() / 2);
    let cookie: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let head = format!(
        "POST /api/set_key HTTP/1.1\r\nHost: {host}\r\nCookie: {}\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{first}",
        cookie.join("; "),
        body.len()
    );
    let mut stream = TcpStream::connect(host).await.map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| format!("head: {e}"))?;
    let signal = loop {
        if let Some(at) = signalled.get() {
            break *at;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    tokio::time::sleep_until((signal + REST_AFTER).into()).await;
    stream
        .write_all(rest.as_bytes())
        .await
        .map_err(|e| format!("the body's rest, after the signal: {e}"))?;
    let mut answer = Vec::new();
    // The server closes after answering (it is stopping).
    let read = tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut answer)).await;
    let closed_by = match read {
        Err(_) => "no close in 15 s".to_owned(),
        Ok(Err(e)) => e.to_string(),
        Ok(Ok(_)) => "the server's close".to_owned(),
    };
    whole_answer(&answer).ok_or_else(|| {
        format!(
            "held across the signal: {} bytes of an answer, then {closed_by}",
            answer.len()
        )
    })
}

/// The status of `bytes` when they are one whole answer with a length.
fn whole_answer(bytes: &[u8]) -> Option<u16> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut res = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(head) = res.parse(bytes).ok()? else {
        return None;
    };
    let length: usize = res
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse().ok())?;
    (bytes.len() == head + length).then_some(res.code?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_whole_answer_counts() {
        let whole = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        assert_eq!(whole_answer(whole), Some(200));
        assert_eq!(whole_answer(&whole[..whole.len() - 1]), None);
        assert_eq!(whole_answer(b"HTTP/1.1 200 OK\r\nContent-Le"), None);
        assert_eq!(whole_answer(b""), None);
    }
}
