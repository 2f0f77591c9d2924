//! Per-principal rate limiting of GraphQL requests (governor's GCRA): each user, each API token
//! and each anonymous client address has its own bucket of `PB_RATE_LIMIT_BURST` requests that
//! refills at `PB_RATE_LIMIT_PER_MINUTE`. Checked in the handler after authentication and before
//! the request is parsed, so a refused request runs nothing.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::AuthOutcome;
use crate::tenancy::principal::Credential;
use crate::config::Config;

/// Whose bucket a request draws from.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum Principal {
    User(uuid::Uuid),
    ApiToken(uuid::Uuid),
    /// Anonymous, or credentials that were refused: the client address.
    Client(String),
}

impl Principal {
    pub fn of(auth: &AuthOutcome, client_ip: Option<&str>) -> Self {
        match auth {
            AuthOutcome::Authenticated(p) => match p.credential {
                Credential::Session(_) => Self::User(p.user_id.0),
                Credential::ApiToken(id) => Self::ApiToken(id.0),
            },
            _ => Self::Client(client_ip.unwrap_or("unknown").to_owned()),
        }
    }
}

/// The limiter of one process (replicas each count their own requests).
pub struct RateLimits {
    limiter: Option<DefaultKeyedRateLimiter<Principal>>,
    pub per_minute: u32,
    pub burst: u32,
}

/// Buckets kept before idle ones are dropped.
const KEEP_KEYS: usize = 10_000;

impl RateLimits {
    pub fn new(config: &Config) -> Self {
        let limiter = NonZeroU32::new(config.rate_limit_per_minute).map(|per_minute| {
            let burst = NonZeroU32::new(config.rate_limit_burst).unwrap_or(per_minute);
            RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst))
        });
        Self { limiter, per_minute: config.rate_limit_per_minute, burst: config.rate_limit_burst }
    }

    /// `Err(wait)` when the principal is over its rate.
    pub fn check(&self, who: &Principal) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        if limiter.len() > KEEP_KEYS {
            limiter.retain_recent();
        }
        limiter.check_key(who).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// The refusal's message: which limit, and when to try again.
    pub fn message(&self, wait: Duration) -> String {
        format!(
            "rate limit exceeded: {} requests per minute (bursts of {}) per user, API token or anonymous client address; try again in {} s",
            self.per_minute,
            self.burst,
            wait.as_secs().max(1)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_principal_has_its_own_bucket() {
        let config = Config::from_pairs([("rate_limit_per_minute", "1".to_owned()), ("rate_limit_burst", "3".to_owned())]).unwrap();
        let limits = RateLimits::new(&config);
        let a = Principal::User(uuid::Uuid::now_v7());
        let b = Principal::Client("192.0.2.1".to_owned());
        for _ in 0..3 {
            assert!(limits.check(&a).is_ok());
        }
        let wait = limits.check(&a).unwrap_err();
        assert!(wait > Duration::ZERO);
        assert!(limits.message(wait).contains("1 requests per minute"));
        assert!(limits.check(&b).is_ok(), "another principal is not affected");
        let off = RateLimits::new(&Config::from_pairs([("rate_limit_per_minute", "0".to_owned())]).unwrap());
        for _ in 0..1000 {
            assert!(off.check(&a).is_ok());
        }
    }
}
