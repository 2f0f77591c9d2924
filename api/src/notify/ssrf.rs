//! Webhook targets: only http/https, and never loopback, link-local, private or otherwise
//! internal addresses unless `PB_WEBHOOK_ALLOW_PRIVATE` is set. Names are checked again after
//! resolving, right before connecting, and the connection is pinned to the checked address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

use crate::error::{AppError, AppResult};

/// Addresses a webhook must not reach by default.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return internal_v4(v4);
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || v6 == Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0) // NAT64 prefix base
        }
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240
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
pub async fn resolve_checked(url: &Url, allow_private: bool) -> Result<SocketAddr, String> {
    let port = url.port_or_known_default().ok_or("no port")?;
    let addrs: Vec<SocketAddr> = match url.host() {
        Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        Some(Host::Domain(name)) => {
            tokio::net::lookup_host((name, port)).await.map_err(|e| format!("resolving {name}: {e}"))?.collect()
        }
        None => return Err("no host".to_owned()),
    };
    if !allow_private && addrs.iter().any(|a| is_internal(a.ip())) {
        return Err("the host resolves to a loopback, link-local or private address".to_owned());
    }
    addrs.into_iter().next().ok_or_else(|| "the host has no address".to_owned())
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
        ] {
            assert!(check_url(url, false).is_err(), "{url}");
        }
        assert!(check_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(check_url("https://hooks.example.com/x", false).is_ok());
        assert!(check_url("https://8.8.8.8/x", false).is_ok());
        assert!(check_url("ftp://example.com/", false).is_err());
        assert!(check_url("file:///etc/passwd", true).is_err());
        assert!(check_url("https://user:pw@example.com/", false).is_err());
    }
}
