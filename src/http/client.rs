//! Which client a request comes from, for the limit on new sessions per
//! client: the peer address of the connection, or, only when that peer is
//! one of the proxies named in `SESSION_TRUSTED_PROXIES`, the address that
//! proxy reports in `X-Forwarded-For` (or `Forwarded`, as
//! `SESSION_TRUSTED_PROXY_HEADER` says). No header is trusted by default:
//! any client can write one.
//!
//! A proxy appends the address it saw to the right of what the request
//! brought, so the header is read from the right: trusted proxies are
//! stepped over, and the first address that is not one is the client.
//! Whatever lies further left was written by the client and is never read.

use std::{
    net::{IpAddr, Ipv6Addr, SocketAddr},
    sync::Arc,
};

use axum::{
    extract::{ConnectInfo, Request},
    http::{HeaderMap, HeaderName},
};
use ipnet::IpNet;

use crate::session::new_sessions::{Client, NewSessionLimiter};

/// The proxies whose forwarding header is read (`SESSION_TRUSTED_PROXIES`):
/// addresses and CIDR ranges. Empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// What `SESSION_TRUSTED_PROXIES` takes, for its error message.
    pub const ACCEPTED: &'static str =
        "comma-separated IP addresses or CIDR ranges, e.g. 10.0.0.0/8,192.0.2.7 (empty: none)";

    /// Parses a comma-separated list; `Err` with the entry that is not an
    /// address or a range.
    ///
    /// # Errors
    /// The first entry that does not parse.
    pub fn parse(text: &str) -> Result<Self, String> {
        text.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| entry.to_owned())
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn contains(&self, addr: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&addr))
    }
}

/// The header a trusted proxy writes (`SESSION_TRUSTED_PROXY_HEADER`). Only
/// one is read: a proxy that writes one passes the other on as the client
/// sent it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2`.
    #[default]
    XForwardedFor,
    /// RFC 7239: `Forwarded: for=client, for="[2001:db8::1]:4711"`.
    Forwarded,
}

impl ForwardedHeader {
    /// What `SESSION_TRUSTED_PROXY_HEADER` takes.
    pub const ACCEPTED: &'static str = "X-Forwarded-For or Forwarded";

    /// The header `text` names (in any case); `None` for any other.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Some(Self::XForwardedFor),
            "forwarded" => Some(Self::Forwarded),
            _ => None,
        }
    }

    fn name(self) -> HeaderName {
        match self {
            Self::XForwardedFor => HeaderName::from_static("x-forwarded-for"),
            Self::Forwarded => HeaderName::from_static("forwarded"),
        }
    }

    /// The addresses the header lists, left to right; `None` for an entry
    /// that is not one (`unknown`, an obfuscated name, garbage).
    fn hops(self, headers: &HeaderMap) -> Vec<Option<IpAddr>> {
        let entries = headers
            .get_all(self.name())
            .iter()
            .flat_map(|value| value.to_str().map_or(vec!["?"], |v| v.split(',').collect()))
            .map(str::trim)
            .filter(|entry| !entry.is_empty());
        match self {
            Self::XForwardedFor => entries.map(address).collect(),
            Self::Forwarded => entries
                .map(|element| {
                    element.split(';').find_map(|pair| {
                        let (name, value) = pair.split_once('=')?;
                        name.trim()
                            .eq_ignore_ascii_case("for")
                            .then(|| address(value.trim().trim_matches('"')))
                    })?
                })
                .collect(),
        }
    }
}

/// An address as a proxy writes it: bare, with a port, or `[v6]:port`.
fn address(text: &str) -> Option<IpAddr> {
    text.parse::<IpAddr>()
        .or_else(|_| text.parse::<SocketAddr>().map(|s| s.ip()))
        .or_else(|_| text.trim_matches(['[', ']']).parse::<IpAddr>())
        .ok()
}

/// How clients are told apart: the proxies trusted, their header, and the
/// limiter every request's [`Client`] shares.
#[derive(Debug, Clone)]
pub struct ClientIdentity {
    proxies: Arc<TrustedProxies>,
    header: ForwardedHeader,
    limiter: NewSessionLimiter,
}

impl ClientIdentity {
    pub fn new(
        proxies: TrustedProxies,
        header: ForwardedHeader,
        limiter: NewSessionLimiter,
    ) -> Self {
        Self {
            proxies: Arc::new(proxies),
            header,
            limiter,
        }
    }

    /// The client's address: `peer`'s own, unless `peer` is a trusted
    /// proxy; then the right-most address in the header that is not one
    /// (an entry that cannot be read stops the walk at the proxy that
    /// passed it, so such clients share that proxy's limit).
    pub fn client_addr(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut reporter = peer.to_canonical();
        if !self.proxies.contains(reporter) {
            return reporter;
        }
        for hop in self.header.hops(headers).into_iter().rev() {
            let Some(hop) = hop.map(|hop| hop.to_canonical()) else {
                return reporter;
            };
            if !self.proxies.contains(hop) {
                return hop;
            }
            reporter = hop;
        }
        reporter
    }
}

/// What the limit counts per client: an IPv4 address, or an IPv6 address's
/// /64 (one subscriber's network gets a whole /64, so counting its
/// addresses one by one would count nothing).
pub fn limit_key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & (u128::MAX << 64);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

impl ClientIdentity {
    /// Puts the request's [`Client`] in its extensions, for the session
    /// wrapper to ask when the request would start a session. Requests that
    /// start none are never limited, so this refuses nothing itself. Run
    /// through tower's `map_request`, which calls the layer below at once
    /// (axum's middleware functions clone and box it for every request).
    pub fn identify(&self, mut req: Request) -> Request {
        // Served without the peer's address (a test's bare router): every
        // request counts as one client, so the limit still holds.
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |info| info.0.ip());
        let addr = self.client_addr(peer, req.headers());
        let client = Client::new(limit_key(addr), self.limiter.clone());
        req.extensions_mut().insert(client);
        req
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn identity(proxies: &str, header: ForwardedHeader) -> ClientIdentity {
        let proxies = TrustedProxies::parse(proxies).unwrap();
        ClientIdentity::new(proxies, header, NewSessionLimiter::off())
    }

    fn headers(name: &'static str, values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(name, HeaderValue::from_static(value));
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_header_is_read_only_from_a_trusted_proxy_and_from_the_right() {
        let xff = ForwardedHeader::XForwardedFor;
        let trusting = identity("10.0.0.0/8, 192.0.2.7", xff);
        let sent = headers("x-forwarded-for", &["6.6.6.6, 203.0.113.9", "10.1.1.1"]);
        // From a trusted proxy: right to left, past the trusted hop.
        assert_eq!(
            trusting.client_addr(ip("192.0.2.7"), &sent),
            ip("203.0.113.9")
        );
        // From anyone else: the peer, whatever the header says.
        assert_eq!(
            trusting.client_addr(ip("198.51.100.1"), &sent),
            ip("198.51.100.1")
        );
        // Trusting nobody (the default): the peer.
        let none = identity("", xff);
        assert_eq!(none.client_addr(ip("192.0.2.7"), &sent), ip("192.0.2.7"));
        // No header, or garbage in it: the proxy itself.
        let proxy = ip("10.0.0.1");
        assert_eq!(trusting.client_addr(proxy, &HeaderMap::new()), proxy);
        let garbage = headers("x-forwarded-for", &["6.6.6.6, nonsense"]);
        assert_eq!(trusting.client_addr(proxy, &garbage), proxy);
        // Ports and IPv4-mapped IPv6 addresses are read as the address.
        let ported = headers("x-forwarded-for", &["203.0.113.9:4711"]);
        assert_eq!(trusting.client_addr(proxy, &ported), ip("203.0.113.9"));
        let mapped = ip("::ffff:203.0.113.9");
        assert_eq!(
            trusting.client_addr(mapped, &HeaderMap::new()),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn forwarded_is_read_only_when_it_is_the_header_named() {
        let sent = headers(
            "forwarded",
            &[r#"for=6.6.6.6, for="[2001:db8::17]:4711";proto=https, For=10.2.2.2"#],
        );
        let proxy = ip("10.0.0.1");
        let forwarded = identity("10.0.0.0/8", ForwardedHeader::Forwarded);
        assert_eq!(forwarded.client_addr(proxy, &sent), ip("2001:db8::17"));
        let xff = identity("10.0.0.0/8", ForwardedHeader::XForwardedFor);
        assert_eq!(xff.client_addr(proxy, &sent), proxy);
        let hidden = headers("forwarded", &["for=_hidden"]);
        assert_eq!(forwarded.client_addr(proxy, &hidden), proxy);
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64() {
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(limit_key(ip("203.0.113.9")), ip("203.0.113.9"));
    }

    #[test]
    fn trusted_proxies_are_addresses_and_ranges() {
        assert!(TrustedProxies::parse("10.0.0.0/8, ::1,192.0.2.7").is_ok());
        assert_eq!(TrustedProxies::parse(""), Ok(TrustedProxies::default()));
        assert_eq!(
            TrustedProxies::parse("10.0.0.0/8, proxy"),
            Err("proxy".into())
        );
    }
}
