//! Who is asking: the client's address, for rate limits and logs.
//!
//! Without trusted proxies, the client is the socket's peer and forwarding
//! headers are ignored (anyone can write them). With `--trusted-proxies CIDR,…`
//! (env `AISLE_TRUSTED_PROXIES`), a request whose peer is a trusted proxy is
//! attributed to the address that proxy saw: the right-most address in
//! `Forwarded: for=…` (RFC 7239) or else `X-Forwarded-For` that is not itself a
//! trusted proxy. Whether the original request was HTTPS is read the same way
//! (`Forwarded: proto=https`, `X-Forwarded-Proto`), for secure cookies.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// Networks whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl FromStr for TrustedProxies {
    type Err = String;

    /// `10.0.0.0/8,192.168.1.7,::1`: comma-separated networks or single addresses.
    fn from_str(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{s:?} is not an address or CIDR network"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

impl TrustedProxies {
    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Whether any proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The client a request from `peer` with `headers` comes from.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        // The chain as the proxies appended it, client first.
        let chain = forwarded_for(headers);
        let chain = if chain.is_empty() {
            x_forwarded_for(headers)
        } else {
            chain
        };
        // Walk back from our side: the first hop not run by us is the client.
        let mut client = peer;
        for hop in chain.into_iter().rev() {
            client = canonical(hop);
            if !self.contains(client) {
                break;
            }
        }
        client
    }

    /// Whether a request from `peer` with `headers` came over HTTPS, as far
    /// as a trusted proxy says (the server itself speaks plain HTTP).
    pub fn is_https(&self, peer: IpAddr, headers: &HeaderMap) -> bool {
        if !self.contains(peer) {
            return false;
        }
        let forwarded = headers
            .get_all("forwarded")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split([',', ';']))
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(name, _)| name.trim().eq_ignore_ascii_case("proto"))
            .map(|(_, value)| value.trim().trim_matches('"').to_owned())
            .next_back();
        let proto = forwarded.or_else(|| {
            headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(|v| v.trim().to_owned())
        });
        proto.is_some_and(|p| p.eq_ignore_ascii_case("https"))
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) are the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// `for=` addresses of every `Forwarded` header, in order. Obfuscated
/// identifiers (`for=_hidden`, `for=unknown`) are skipped.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.trim().split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                .and_then(|(_, value)| node_address(value.trim().trim_matches('"')))
        })
        .collect()
}

/// `X-Forwarded-For` addresses of every such header, in order.
fn x_forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| node_address(hop.trim()))
        .collect()
}

/// The address of a node: `1.2.3.4`, `1.2.3.4:80`, `[2001:db8::1]:80`, `2001:db8::1`.
fn node_address(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = node.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    node.strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(ip, _)| ip.parse().ok())
}

/// The client's address, as [`TrustedProxies::client`] tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = peer_of(parts);
        Ok(ClientIp(
            state.network.trusted_proxies.client(peer, &parts.headers),
        ))
    }
}

/// The socket's peer address (unspecified when the request did not come
/// over a socket, as in some tests).
pub fn peer_of(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_forwarding_headers_are_ignored() {
        let proxies = TrustedProxies::default();
        let h = headers(&[("x-forwarded-for", "1.2.3.4"), ("forwarded", "for=5.6.7.8")]);
        assert_eq!(proxies.client(ip("9.9.9.9"), &h), ip("9.9.9.9"));
        assert!(!proxies.is_https(ip("9.9.9.9"), &headers(&[("x-forwarded-proto", "https")])));
    }

    #[test]
    fn behind_a_trusted_proxy_the_first_untrusted_hop_from_the_right_is_the_client() {
        let proxies: TrustedProxies = "10.0.0.0/8, 192.168.1.7".parse().unwrap();
        // A client forging X-Forwarded-For gets its own address appended by the proxy.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 1.2.3.4, 10.1.1.1")]);
        assert_eq!(proxies.client(ip("192.168.1.7"), &h), ip("1.2.3.4"));
        // Not from a trusted proxy: the header is not believed.
        assert_eq!(proxies.client(ip("8.8.8.8"), &h), ip("8.8.8.8"));
        // Forwarded wins over X-Forwarded-For; quoted IPv6 with port.
        let h = headers(&[
            (
                "forwarded",
                r#"for="[2001:db8::7]:4711";proto=https, for=10.0.0.2"#,
            ),
            ("x-forwarded-for", "1.1.1.1"),
        ]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &h), ip("2001:db8::7"));
        assert!(proxies.is_https(ip("10.0.0.1"), &h));
        // No header at all: the proxy is the client.
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1")
        );
        // Garbage hops are skipped.
        let h = headers(&[("x-forwarded-for", "<script>, 1.2.3.4, unknown")]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &h), ip("1.2.3.4"));
        // IPv4-mapped IPv6 peers count as IPv4.
        assert_eq!(
            proxies.client(
                ip("::ffff:10.0.0.1"),
                &headers(&[("x-forwarded-for", "1.2.3.4")])
            ),
            ip("1.2.3.4")
        );
    }

    #[test]
    fn the_setting_names_what_it_cannot_parse() {
        let error = "10.0.0.0/8,nope".parse::<TrustedProxies>().unwrap_err();
        assert!(error.contains("nope"), "{error}");
        assert!("".parse::<TrustedProxies>().unwrap().is_empty());
    }
}
