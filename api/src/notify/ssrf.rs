//! Webhook targets: only http/https, and never loopback, link-local, private or otherwise
//! internal addresses unless `PB_WEBHOOK_ALLOW_PRIVATE` is set. Names are checked again after
//! resolving, right before connecting, and the connection is pinned to the checked address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ipnet::IpNet;
use url::{Host, Url};

use crate::error::{AppError, AppResult};
use crate::notify::error::DeliveryError;

/// IPv4 blocks a webhook must not reach: the whole IANA IPv4 Special-Purpose Address Registry
/// (including its "globally reachable" anycast entries: no webhook lives there), multicast, and
/// the limited broadcast address.
const SPECIAL_V4: &[&str] = &[
    "0.0.0.0/8",          // "this network"
    "10.0.0.0/8",         // private
    "100.64.0.0/10",      // shared address space (carrier-grade NAT)
    "127.0.0.0/8",        // loopback
    "169.254.0.0/16",     // link-local (cloud metadata services)
    "172.16.0.0/12",      // private
    "192.0.0.0/24",       // IETF protocol assignments (DS-Lite, NAT64 discovery, PCP, TURN…)
    "192.0.2.0/24",       // documentation (TEST-NET-1)
    "192.31.196.0/24",    // AS112-v4
    "192.52.193.0/24",    // AMT
    "192.88.99.0/24",     // deprecated 6to4 relay anycast
    "192.168.0.0/16",     // private
    "192.175.48.0/24",    // direct delegation AS112
    "198.18.0.0/15",      // benchmarking
    "198.51.100.0/24",    // documentation (TEST-NET-2)
    "203.0.113.0/24",     // documentation (TEST-NET-3)
    "224.0.0.0/4",        // multicast
    "240.0.0.0/4",        // reserved, and 255.255.255.255 limited broadcast
];

/// IPv6 blocks refused outright, inside the global unicast range 2000::/3 (everything outside
/// it — loopback, unspecified, IPv4-compatible, discard, ULA, link-local, site-local,
/// multicast… — is refused by `internal_v6` before this list is read).
const SPECIAL_V6: &[&str] = &[
    "2001::/23",          // IETF protocol assignments: Teredo 2001::/32, benchmarking, AMT, ORCHID, DRIP…
    "2001:db8::/32",      // documentation
    "2002::/16",          // 6to4: embeds an IPv4 address, relays are deprecated (RFC 7526)
    "2620:4f:8000::/48",  // direct delegation AS112
    "3fff::/20",          // documentation
];

fn nets(list: &[&str]) -> Vec<IpNet> {
    list.iter().filter_map(|n| n.parse().ok()).collect()
}

static V4_NETS: std::sync::LazyLock<Vec<IpNet>> = std::sync::LazyLock::new(|| nets(SPECIAL_V4));
static V6_NETS: std::sync::LazyLock<Vec<IpNet>> = std::sync::LazyLock::new(|| nets(SPECIAL_V6));

/// Addresses a webhook must not reach by default.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    V4_NETS.iter().any(|n| n.contains(&IpAddr::V4(ip)))
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    // Forms that carry an IPv4 address are judged by that address: IPv4-mapped (::ffff:0:0/96)
    // and the well-known NAT64 prefix (64:ff9b::/96, RFC 6052), through which an IPv6-only host
    // legitimately reaches public IPv4 services.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return internal_v4(v4);
    }
    let s = ip.segments();
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = s[6].to_be_bytes();
        let [c, d] = s[7].to_be_bytes();
        return internal_v4(Ipv4Addr::new(a, b, c, d));
    }
    // Only global unicast (2000::/3) may be reached. This also refuses the local-use NAT64
    // prefix 64:ff9b:1::/48 and the deprecated IPv4-compatible ::a.b.c.d form.
    if (s[0] & 0xe000) != 0x2000 {
        return true;
    }
    V6_NETS.iter().any(|n| n.contains(&IpAddr::V6(ip)))
}

/// Parses and checks a webhook URL (no network access).
pub fn check_url(input: &str, allow_private: bool) -> AppResult<Url> {
    let url = Url::parse(input.trim()).map_err(|_| AppError::invalid("url", "is not a valid URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(AppError::invalid("url", "must be an http:// or https:// URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(AppError::invalid("url", "must not contain credentials"));
    }
    if input.len() > 2000 {
        return Err(AppError::invalid("url", "must be at most 2000 characters"));
    }
    let internal = match url.host() {
        None => return Err(AppError::invalid("url", "must name a host")),
        Some(Host::Ipv4(ip)) => is_internal(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_internal(IpAddr::V6(ip)),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost") || name.ends_with(".internal") || name.ends_with(".local")
        }
    };
    if internal && !allow_private {
        return Err(AppError::invalid("url", "points to a loopback, link-local or private address"));
    }
    Ok(url)
}

/// Resolves the URL's host and checks every address; returns the address to connect to.
pub async fn resolve_checked(url: &Url, allow_private: bool) -> Result<SocketAddr, DeliveryError> {
    let refused = |why: &str| DeliveryError::Refused(why.to_owned());
    let port = url.port_or_known_default().ok_or_else(|| refused("no port"))?;
    let addrs: Vec<SocketAddr> = match url.host() {
        Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        Some(Host::Domain(name)) => {
            tokio::net::lookup_host((name, port)).await.map_err(|source| DeliveryError::Resolve { host: name.to_owned(), source })?.collect()
        }
        None => return Err(refused("no host")),
    };
    if !allow_private && addrs.iter().any(|a| is_internal(a.ip())) {
        return Err(refused("the host resolves to a loopback, link-local or private address"));
    }
    addrs.into_iter().next().ok_or_else(|| refused("the host has no address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_targets_are_refused_by_default() {
        for url in [
            "http://127.0.0.1/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/",
            "http://192.168.1.5/",
            "http://172.16.0.1/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[fd00::1]/",
            "http://localhost:8080/",
            "http://0.0.0.0/",
            "http://100.64.0.1/",
            // IPv4 embedded in IPv6 (NAT64 /96, local-use NAT64, IPv4-compatible, 6to4, Teredo).
            "http://[64:ff9b::a00:1]/",
            "http://[64:ff9b::7f00:1]/",
            "http://[64:ff9b::169.254.169.254]/",
            "http://[64:ff9b:1::a00:1]/",
            "http://[64:ff9b:1::808:808]/",
            "http://[::127.0.0.1]/",
            "http://[::8.8.8.8]/",
            "http://[2002:7f00:1::1]/",
            "http://[2002:808:808::1]/",
            "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
            // IANA special-purpose entries the old filter missed.
            "http://192.0.0.192/",
            "http://192.0.0.9/",
            "http://192.31.196.1/",
            "http://192.52.193.1/",
            "http://192.88.99.1/",
            "http://192.175.48.1/",
            "http://198.51.100.7/",
            "http://203.0.113.9/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "http://[::]/",
            "http://[100::1]/",
            "http://[2001:db8::1]/",
            "http://[3fff::1]/",
            "http://[2620:4f:8000::1]/",
            "http://[fec0::1]/",
            "http://[ff02::1]/",
            "http://[5f00::1]/",
        ] {
            assert!(check_url(url, false).is_err(), "{url}");
        }
        assert!(check_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(check_url("https://hooks.example.com/x", false).is_ok());
        assert!(check_url("https://8.8.8.8/x", false).is_ok());
        // Public destinations stay reachable, including through NAT64 and IPv4-mapped forms.
        assert!(check_url("https://[2606:4700:4700::1111]/x", false).is_ok());
        assert!(check_url("https://[64:ff9b::808:808]/x", false).is_ok());
        assert!(check_url("https://[::ffff:8.8.8.8]/x", false).is_ok());
        assert!(check_url("https://192.0.1.1/x", false).is_ok());
        assert!(check_url("ftp://example.com/", false).is_err());
        assert!(check_url("file:///etc/passwd", true).is_err());
        assert!(check_url("https://user:pw@example.com/", false).is_err());
    }
}

#[cfg(test)]
mod resolve_tests {
    use super::*;

    #[tokio::test]
    async fn every_resolved_address_is_checked_and_the_checked_one_is_returned() {
        // "localhost" resolves to loopback addresses only: refused without a second lookup.
        let url = Url::parse("http://localhost:9/x").unwrap();
        assert!(resolve_checked(&url, false).await.unwrap_err().public().contains("private"));
        let ok = resolve_checked(&url, true).await.unwrap();
        assert!(ok.ip().is_loopback() && ok.port() == 9);
        // A literal address is checked as is (no lookup at all).
        let literal = Url::parse("http://[64:ff9b::7f00:1]:8080/").unwrap();
        assert!(resolve_checked(&literal, false).await.is_err());
    }
}
