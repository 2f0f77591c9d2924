//! Per-payer credential cache. Credentials are refreshed ahead of expiry, and concurrent requests
//! for one payer and session share a single AssumeRole.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_credential_types::Credentials;
use chrono::{Duration, Utc};

use crate::aws::error::AwsResult;
use crate::aws::sts::{StsApi, TemporaryCredentials};
use crate::ids::PayerId;

/// Refresh this long before AWS's expiry, so no call starts with credentials about to lapse.
const REFRESH_AHEAD_MINUTES: i64 = 10;

/// What is needed to reach a payer.
#[derive(Clone, Debug)]
pub struct PayerRole {
    pub payer: PayerId,
    pub role_arn: String,
    pub external_id: String,
}

type Slot = Arc<tokio::sync::Mutex<Option<TemporaryCredentials>>>;

pub struct CredentialBroker {
    sts: Arc<dyn StsApi>,
    slots: Mutex<HashMap<(PayerId, String), Slot>>,
}

impl CredentialBroker {
    pub fn new(sts: Arc<dyn StsApi>) -> Self {
        Self { sts, slots: Mutex::new(HashMap::new()) }
    }

    fn slot(&self, key: (PayerId, String)) -> Slot {
        // A poisoned map only means another task panicked mid-insert; the map itself is fine.
        let mut slots = self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        slots.entry(key).or_default().clone()
    }

    /// Credentials for a payer's role; `session_name` (which user asks) shows in the payer's
    /// CloudTrail.
    pub async fn credentials(&self, role: &PayerRole, session_name: &str) -> AwsResult<Credentials> {
        let slot = self.slot((role.payer, session_name.to_owned()));
        // Holding the slot's lock while calling STS is the single flight: others wait here.
        let mut cached = slot.lock().await;
        if let Some(c) = cached.as_ref().filter(|c| c.expires_at > Utc::now() + Duration::minutes(REFRESH_AHEAD_MINUTES)) {
            return Ok(c.credentials.clone());
        }
        let fresh = self.sts.assume_role(&role.role_arn, &role.external_id, session_name).await?;
        let credentials = fresh.credentials.clone();
        *cached = Some(fresh);
        Ok(credentials)
    }

    /// Drops a payer's cached credentials (role changed, payer removed, check failed).
    pub fn forget(&self, payer: PayerId) {
        let mut slots = self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        slots.retain(|(p, _), _| *p != payer);
    }
}

/// An AssumeRole session name naming the user: `pb-<email>`, limited to STS's characters and
/// length.
pub fn session_name(email: &str) -> String {
    let cleaned: String = email
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) { c } else { '-' })
        .collect();
    format!("pb-{cleaned}").chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;

    use super::*;

    struct CountingSts(AtomicUsize);

    #[async_trait]
    impl StsApi for CountingSts {
        async fn assume_role(&self, _: &str, _: &str, _: &str) -> AwsResult<TemporaryCredentials> {
            self.0.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            Ok(TemporaryCredentials {
                credentials: Credentials::new("AKIA", "secret", Some("token".into()), None, "test"),
                expires_at: Utc::now() + Duration::hours(1),
            })
        }
        async fn caller_account(&self, _: &Credentials) -> AwsResult<String> {
            Ok("000000000000".into())
        }
    }

    #[tokio::test]
    async fn cached_until_near_expiry_and_forgotten_on_request() {
        let sts = Arc::new(CountingSts(AtomicUsize::new(0)));
        let broker = CredentialBroker::new(sts.clone());
        let role = PayerRole { payer: PayerId::new(), role_arn: "arn".into(), external_id: "x".into() };
        broker.credentials(&role, "pb-a").await.unwrap();
        broker.credentials(&role, "pb-a").await.unwrap();
        assert_eq!(sts.0.load(Ordering::SeqCst), 1);
        broker.forget(role.payer);
        broker.credentials(&role, "pb-a").await.unwrap();
        assert_eq!(sts.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn session_names_fit_sts_rules() {
        assert_eq!(session_name("Ops Team@partner.example"), "pb-Ops-Team@partner.example");
        assert!(session_name(&"a".repeat(100)).len() <= 64);
    }
}
