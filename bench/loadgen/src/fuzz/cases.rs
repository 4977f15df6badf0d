//! The hostile requests: what a broken client or an attacker sends. Each
//! case is named for its class, so a failure says which kind of input
//! found it.

use fastrand::Rng;

/// Every path the server answers that is not a server function.
const PAGES: &[&str] = &[
    "/",
    "/setsession",
    "/getsession",
    "/popsession",
    "/inspector/panels",
    "/livez",
    "/healthz",
    "/robots.txt",
    "/pkg/leptos-sessions.js",
];

/// The server functions' paths.
const FUNCTIONS: &[&str] = &[
    "/api/set_session",
    "/api/get_session",
    "/api/pop_session",
    "/api/save_note",
    "/api/get_note",
    "/api/set_key",
    "/api/pop_key",
    "/api/clear_session",
    "/api/inspect",
    "/api/list_keys",
];

const CONTENT_TYPES: &[&str] = &[
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin1",
    "application/json",
    "application/json; charset=utf-16",
    "text/plain",
    "text/plain; charset=utf-8",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "application/cbor",
    "application/octet-stream",
    "application/xml",
    "*/*",
    ";;;",
    "",
];

const METHODS: &[&str] = &[
    "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "HEAD", "FOO", "get", "post", "PROPFIND",
    "M-SEARCH", "GET", "POST",
];

pub const CLASSES: &[&str] = &[
    "cookie",
    "duplicated-cookie",
    "body-content-type",
    "json-shape",
    "body-size",
    "truncated-body",
    "extra-body",
    "chunked",
    "chunked-breaks-off",
    "framing-conflict",
    "unknown-function",
    "odd-method",
    "path-query",
    "obs-text-header",
    "header-flood",
    "abandoned-page",
    "form",
];

/// One request, as bytes on the wire.
pub struct Case {
    pub class: &'static str,
    pub bytes: Vec<u8>,
    /// The client stops writing after `bytes` and reads until the server
    /// closes: for framing the server cannot reuse the connection after.
    pub breaks_off: bool,
    /// A HEAD request: its answer has no body whatever its headers say.
    pub head: bool,
    /// The server may hang up without an answer (SECURITY.md, row 15): the
    /// request cannot be framed (a header line of 70 KB or more, a target
    /// with raw bytes over 0x7F), or the client hung up as it sent it (a
    /// page left mid-render: hyper reads the client's FIN as the client
    /// gone). For every other case a close without an answer fails the run.
    pub may_close: bool,
}

pub struct Gen {
    rng: Rng,
    host: String,
    /// A real session cookie value of this worker's (from `/setsession`).
    pub good: String,
    /// Only this class, when set (to chase one finding).
    only: Option<&'static str>,
}

enum Body {
    /// `Content-Length` as sent.
    Sized(Vec<u8>),
    /// Bytes after a given `Content-Length` header (which may lie).
    Declared(String, Vec<u8>),
    /// Transfer-Encoding: chunked, already encoded.
    Chunked(Vec<u8>),
    None,
}

impl Gen {
    pub fn new(seed: u64, host: &str, good: String, only: Option<&'static str>) -> Self {
        Self {
            rng: Rng::with_seed(seed),
            host: host.to_owned(),
            good,
            only,
        }
    }

    pub fn next_case(&mut self) -> Case {
        let class = self
            .only
            .unwrap_or_else(|| CLASSES[self.rng.usize(..CLASSES.len())]);
        let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
        let mut method = "GET".to_owned();
        let mut target = self.any_path().as_bytes().to_vec();
        let mut body = Body::None;
        let mut breaks_off = false;
        let mut may_close = false;
        match class {
            "cookie" => {
                method = self.pick(&["GET", "POST"]).into();
                let cookie = self.cookie();
                headers.push(("Cookie".into(), cookie));
                if method == "POST" {
                    body = Body::Sized(self.form_body());
                    headers.push(("Content-Type".into(), CONTENT_TYPES[0].into()));
                }
            }
            "duplicated-cookie" => {
                let junk = self.ascii(1..40);
                let good = format!("session={}", self.good);
                let bad = format!("session={}", String::from_utf8_lossy(&junk));
                let pair = if self.rng.bool() {
                    [good, bad]
                } else {
                    [bad, good]
                };
                headers.push(("Cookie".into(), pair.join("; ").into_bytes()));
            }
            "body-content-type" => {
                method = "POST".into();
                target = self.pick(FUNCTIONS).as_bytes().to_vec();
                let ct = self.pick(CONTENT_TYPES);
                headers.push(("Content-Type".into(), ct.into()));
                body = Body::Sized(self.any_body());
            }
            "json-shape" => {
                method = "POST".into();
                target = self.pick(FUNCTIONS).as_bytes().to_vec();
                headers.push(("Content-Type".into(), b"application/json".to_vec()));
                body = Body::Sized(self.json());
            }
            "body-size" => {
                method = "POST".into();
                target = self.pick(FUNCTIONS).as_bytes().to_vec();
                headers.push(("Content-Type".into(), CONTENT_TYPES[0].into()));
                let limit = 16 * 1024;
                let len = match self.rng.u8(..10) {
                    0 => 1024 * 1024,
                    1 => 64 * 1024,
                    _ => limit - 64 + self.rng.usize(..128),
                };
                let mut b = b"key=k&value=".to_vec();
                b.resize(len, b'v');
                // Some at the limit are sent chunked, with no length to refuse early.
                body = if self.rng.u8(..4) == 0 {
                    Body::Chunked(chunked(&b, 4096, true))
                } else {
                    Body::Sized(b)
                };
            }
            "truncated-body" => {
                method = "POST".into();
                target = self.pick(FUNCTIONS).as_bytes().to_vec();
                headers.push(("Content-Type".into(), CONTENT_TYPES[0].into()));
                let b = self.form_body();
                let declared = b.len() + 1 + self.rng.usize(..20_000);
                body = Body::Declared(declared.to_string(), b);
                breaks_off = true;
            }
            "extra-body" => {
                method = "POST".into();
                target = self.pick(FUNCTIONS).as_bytes().to_vec();
                headers.push(("Content-Type".into(), CONTENT_TYPES[0].into()));
                let mut b = self.form_body();
                let declared = self.rng.usize(..=b.len());
                // At least one byte past the declared length: with none, this
                // is a whole request and then the client's FIN, which the
                // server may take as the client gone (the abandoned page).
                b.extend_from_slice(&self.bytes(1..200));
                body = Body::Declared(declared.to_string(), b);
                breaks_off = true;
            }
            "chunked" => {
                method = "POST".into();
                target = self.pick(FUNCTIONS).as_bytes().to_vec();
                headers.push(("Content-Type".into(), CONTENT_TYPES[0].into()));
                let b = self.form_body();
                let size = 1 + self.rng.usize(..64);
                body = Body::Chunked(chunked(&b, size, true));
            }
            "chunked-breaks-off" => {
                method = "POST".into();
                target = self.pick(FUNCTIONS).as_bytes().to_vec();
                headers.push(("Content-Type".into(), CONTENT_TYPES[0].into()));
                let b = self.form_body();
                let mut wire = chunked(&b, 1 + self.rng.usize(..64), false);
                match self.rng.u8(..3) {
                    0 => wire.truncate(self.rng.usize(..=wire.len())),
                    1 => wire.extend_from_slice(b"zz\r\nnot hex\r\n"),
                    _ => wire.extend_from_slice(b"ffffffffffffffffff\r\n"),
                }
                body = Body::Chunked(wire);
                breaks_off = true;
            }
            "framing-conflict" => {
                method = "POST".into();
                target = self.pick(FUNCTIONS).as_bytes().to_vec();
                let b = self.form_body();
                let len = b.len().to_string().into_bytes();
                match self.rng.u8(..5) {
                    0 => {
                        headers.push(("Transfer-Encoding".into(), b"chunked".to_vec()));
                        headers.push(("Content-Length".into(), len));
                    }
                    1 => {
                        headers.push(("Content-Length".into(), len.clone()));
                        headers.push(("Content-Length".into(), b"1".to_vec()));
                    }
                    2 => headers.push(("Content-Length".into(), b"-1".to_vec())),
                    3 => headers.push(("Content-Length".into(), b"1e3".to_vec())),
                    _ => headers.push(("Transfer-Encoding".into(), b"gzip, chunked, x".to_vec())),
                }
                body = Body::Declared(String::new(), b);
                breaks_off = true;
            }
            "unknown-function" => {
                method = self.pick(&["GET", "POST"]).into();
                let mut t = b"/api/".to_vec();
                t.extend(self.ascii(0..40));
                target = t;
                if method == "POST" {
                    body = Body::Sized(self.form_body());
                }
            }
            "odd-method" => {
                method = self.pick(METHODS).into();
                if self.rng.bool() {
                    body = Body::Sized(self.form_body());
                }
            }
            "path-query" => {
                target = self.path_query();
                // Raw bytes outside the URI grammar end the connection.
                breaks_off = target.iter().any(|b| !b.is_ascii_graphic());
                may_close = target.iter().any(|b| *b > 0x7f);
            }
            "obs-text-header" => {
                let name = self.pick(&[
                    "User-Agent",
                    "Accept",
                    "Accept-Encoding",
                    "Accept-Language",
                    "Origin",
                    "Referer",
                    "Sec-Fetch-Site",
                    "Content-Type",
                    "Cookie",
                    "X-Forwarded-For",
                    "If-None-Match",
                ]);
                let mut value = self.ascii(0..20);
                value.extend((0..1 + self.rng.usize(..30)).map(|_| self.rng.u8(0x80..=0xff)));
                headers.push((name.into(), value));
                if self.rng.bool() {
                    method = "POST".into();
                    target = self.pick(FUNCTIONS).as_bytes().to_vec();
                    body = Body::Sized(self.form_body());
                }
            }
            "header-flood" => {
                let n = self.rng.usize(..200);
                for i in 0..n {
                    let value = self.ascii(0..200);
                    headers.push((format!("X-Flood-{i}"), value));
                }
                if self.rng.u8(..4) == 0 {
                    headers.push((
                        "X-Long".into(),
                        vec![b'a'; 70_000 + self.rng.usize(..70_000)],
                    ));
                    breaks_off = true;
                    may_close = true;
                }
            }
            "abandoned-page" => {
                // A visitor who leaves while the page renders: the request,
                // then the client's side of the connection closed at once.
                target = self
                    .pick(&[
                        "/",
                        "/?answer=set",
                        "/?error=key_missing",
                        "/inspector/panels",
                    ])
                    .as_bytes()
                    .to_vec();
                headers.push((
                    "Cookie".into(),
                    format!("session={}", self.good).into_bytes(),
                ));
                breaks_off = true;
                may_close = true;
            }
            _ => {
                // "form": well-formed calls with odd values, as the page's
                // forms send them, with JavaScript (JSON) and without (303).
                method = "POST".into();
                target = self.pick(FUNCTIONS).as_bytes().to_vec();
                headers.push(("Content-Type".into(), CONTENT_TYPES[0].into()));
                headers.push((
                    "Cookie".into(),
                    format!("session={}", self.good).into_bytes(),
                ));
                if self.rng.bool() {
                    headers.push(("Accept".into(), b"application/json".to_vec()));
                }
                body = Body::Sized(self.form_body());
            }
        }
        self.same_site_or_not(&method, &mut headers);
        let head = method == "HEAD";
        Case {
            class,
            bytes: self.assemble(&method, &target, &headers, body),
            breaks_off,
            head,
            may_close,
        }
    }

    fn assemble(
        &self,
        method: &str,
        target: &[u8],
        headers: &[(String, Vec<u8>)],
        body: Body,
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(512);
        out.extend_from_slice(method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(target);
        out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
        out.extend_from_slice(self.host.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (name, value) in headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        let payload = match body {
            Body::Sized(b) => {
                out.extend_from_slice(format!("Content-Length: {}\r\n", b.len()).as_bytes());
                b
            }
            Body::Declared(n, b) => {
                if !n.is_empty() {
                    out.extend_from_slice(format!("Content-Length: {n}\r\n").as_bytes());
                }
                b
            }
            Body::Chunked(b) => {
                out.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
                b
            }
            Body::None => Vec::new(),
        };
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&payload);
        out
    }

    /// Same-site, cross-site, or no browser headers at all (curl).
    fn same_site_or_not(&mut self, method: &str, headers: &mut Vec<(String, Vec<u8>)>) {
        if method == "GET"
            || headers
                .iter()
                .any(|(n, _)| n == "Origin" || n == "Sec-Fetch-Site")
        {
            return;
        }
        match self.rng.u8(..4) {
            0 => headers.push(("Sec-Fetch-Site".into(), b"same-origin".to_vec())),
            1 => headers.push((
                "Origin".into(),
                format!("http://{}", self.host).into_bytes(),
            )),
            2 => headers.push(("Origin".into(), b"https://evil.example".to_vec())),
            _ => {}
        }
    }

    /// A page or a server function, every path as likely.
    fn any_path(&mut self) -> &'static str {
        let i = self.rng.usize(..PAGES.len() + FUNCTIONS.len());
        PAGES.get(i).unwrap_or_else(|| &FUNCTIONS[i - PAGES.len()])
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.rng.usize(..from.len())]
    }

    fn bytes(&mut self, len: std::ops::Range<usize>) -> Vec<u8> {
        let n = self.rng.usize(len);
        (0..n).map(|_| self.rng.u8(..)).collect()
    }

    /// Printable ASCII without the bytes that would end a header or cookie.
    fn ascii(&mut self, len: std::ops::Range<usize>) -> Vec<u8> {
        let n = self.rng.usize(len);
        (0..n)
            .map(|_| loop {
                let b = self.rng.u8(0x21..0x7f);
                if !matches!(b, b';' | b',' | b'"' | b'\\') {
                    break b;
                }
            })
            .collect()
    }

    fn cookie(&mut self) -> Vec<u8> {
        let good = self.good.clone();
        match self.rng.u8(..10) {
            0 => Vec::new(),
            1 => format!("session={}", String::from_utf8_lossy(&self.ascii(0..5000))).into_bytes(),
            2 => {
                // The real id, one character changed: tampered.
                let mut v = good.into_bytes();
                if !v.is_empty() {
                    let i = self.rng.usize(..v.len());
                    v[i] = if v[i] == b'A' { b'B' } else { b'A' };
                }
                [b"session=".to_vec(), v].concat()
            }
            3 => (0..100)
                .map(|i| format!("c{i}={}", i * 7))
                .collect::<Vec<_>>()
                .join("; ")
                .into_bytes(),
            4 => format!("session={}", "x".repeat(8000 + self.rng.usize(..12_000))).into_bytes(),
            5 => [b"session=".to_vec(), self.obs_text()].concat(),
            6 => b"session=%ff%fe%00; session=\"quoted\"".to_vec(),
            7 => b";;;;=;=;session".to_vec(),
            8 => "session=s\u{e9}ssion-\u{1f36a}".as_bytes().to_vec(),
            _ => format!("session={good}; other={}", self.rng.u64(..)).into_bytes(),
        }
    }

    fn obs_text(&mut self) -> Vec<u8> {
        (0..1 + self.rng.usize(..40))
            .map(|_| self.rng.u8(0x80..=0xff))
            .collect()
    }

    /// A form body with odd but printable fields, sometimes not UTF-8.
    fn form_body(&mut self) -> Vec<u8> {
        let key = self.ascii(0..80);
        let value = self.ascii(0..300);
        let mut b = match self.rng.u8(..6) {
            0 => b"note=".to_vec(),
            1 => Vec::new(),
            _ => b"key=".to_vec(),
        };
        b.extend(key);
        b.extend_from_slice(b"&value=");
        b.extend(value);
        match self.rng.u8(..8) {
            0 => b.extend_from_slice(b"%ff%fe%80"),
            1 => b.extend(self.obs_text()),
            2 => b.extend_from_slice(b"&key=again&key=%00%0a"),
            _ => {}
        }
        b
    }

    fn any_body(&mut self) -> Vec<u8> {
        match self.rng.u8(..5) {
            0 => self.bytes(0..2000),
            1 => self.json(),
            2 => self.form_body(),
            3 => b"--x\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--x--\r\n"
                .to_vec(),
            _ => Vec::new(),
        }
    }

    fn json(&mut self) -> Vec<u8> {
        match self.rng.u8(..8) {
            0 => {
                let depth = 100 + self.rng.usize(..5000);
                [vec![b'['; depth], vec![b']'; depth]].concat()
            }
            1 => b"{\"key\": 1, \"value\": [true, null]}".to_vec(),
            2 => b"{\"key\": \"\\ud800\", \"value\": \"x\"}".to_vec(),
            3 => b"\"just a string\"".to_vec(),
            4 => b"{\"key\": \"k\", \"value\": \"v\", \"key\": \"again\"}".to_vec(),
            5 => b"{".to_vec(),
            6 => format!("{{\"note\": \"{}\"}}", "n".repeat(self.rng.usize(..1000))).into_bytes(),
            _ => b"null".to_vec(),
        }
    }

    fn path_query(&mut self) -> Vec<u8> {
        let mut t = self.any_path().as_bytes().to_vec();
        match self.rng.u8(..9) {
            0 => t.extend_from_slice(b"/../../etc/passwd"),
            1 => t.extend_from_slice(b"%2e%2e%2f%2e%2e%2f"),
            2 => t = [b"//".to_vec(), t].concat(),
            3 => t.extend_from_slice(b"?a=1&a=2&%ff=%fe&=&&"),
            4 => {
                t.push(b'?');
                t.extend(self.ascii(0..10_000));
            }
            5 => t.extend_from_slice(b"%zz%%%"),
            6 => t.extend(self.obs_text()),
            7 => t = format!("/{}", "a/".repeat(self.rng.usize(..3000))).into_bytes(),
            _ => t = b"*".to_vec(),
        }
        // Spaces and '#' would change what the request line means.
        t.retain(|b| *b != b' ' && *b != b'#');
        t
    }
}

/// `data` in chunks of `size`, with the final zero chunk when `finish`.
fn chunked(data: &[u8], size: usize, finish: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / size * 8 + 8);
    for piece in data.chunks(size.max(1)) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    if finish {
        out.extend_from_slice(b"0\r\n\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The longest header line of a request's head.
    fn longest_header_line(bytes: &[u8]) -> usize {
        let end = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(bytes.len());
        bytes[..end]
            .split(|b| *b == b'\n')
            .map(<[u8]>::len)
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn only_unframeable_requests_and_abandoned_pages_may_be_closed_without_an_answer() {
        let mut gen = Gen::new(7, "127.0.0.1:1", "good".into(), None);
        let mut allowed = 0;
        for _ in 0..20_000 {
            let case = gen.next_case();
            let target = case.bytes.split(|b| *b == b' ').nth(1).unwrap_or_default();
            let unframeable =
                longest_header_line(&case.bytes) >= 70_000 || target.iter().any(|b| *b > 0x7f);
            assert_eq!(
                case.may_close,
                unframeable || case.class == "abandoned-page",
                "{}",
                case.class
            );
            allowed += usize::from(case.may_close);
        }
        assert!(allowed > 0);
    }
}
