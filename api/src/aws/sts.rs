//! STS: assuming a payer's role, and asking who a set of credentials belongs to.

use std::time::SystemTime;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use chrono::{DateTime, Utc};

use crate::aws::error::{AwsError, AwsResult};

/// Short-lived credentials for one payer's role.
#[derive(Clone, Debug)]
pub struct TemporaryCredentials {
    pub credentials: Credentials,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait StsApi: Send + Sync {
    /// AssumeRole with an ExternalId, for one hour.
    async fn assume_role(&self, role_arn: &str, external_id: &str, session_name: &str) -> AwsResult<TemporaryCredentials>;
    /// GetCallerIdentity: the account the credentials belong to.
    async fn caller_account(&self, credentials: &Credentials) -> AwsResult<String>;
}

/// The real adapter on `aws-sdk-sts`.
pub struct SdkSts {
    client: aws_sdk_sts::Client,
}

impl SdkSts {
    pub fn new(sdk: &SdkConfig) -> Self {
        Self::from_conf(aws_sdk_sts::Config::from(sdk))
    }

    /// From a ready client configuration (tests add interceptors this way). Every call is
    /// recorded in the audit trail.
    pub fn from_conf(conf: aws_sdk_sts::Config) -> Self {
        let conf = conf.to_builder().interceptor(crate::audit::aws::AuditInterceptor).build();
        Self { client: aws_sdk_sts::Client::from_conf(conf) }
    }
}

const SERVICE: &str = "sts";

#[async_trait]
impl StsApi for SdkSts {
    async fn assume_role(&self, role_arn: &str, external_id: &str, session_name: &str) -> AwsResult<TemporaryCredentials> {
        let out = self
            .client
            .assume_role()
            .role_arn(role_arn)
            .external_id(external_id)
            .role_session_name(session_name)
            .duration_seconds(3600)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, "AssumeRole", e))?;
        let c = out.credentials().ok_or_else(|| AwsError::unexpected(SERVICE, "AssumeRole", "no credentials in the response"))?;
        let expires_system = SystemTime::try_from(*c.expiration())
            .map_err(|_| AwsError::unexpected(SERVICE, "AssumeRole", "expiration out of range"))?;
        Ok(TemporaryCredentials {
            credentials: Credentials::new(
                c.access_key_id(),
                c.secret_access_key(),
                Some(c.session_token().to_owned()),
                Some(expires_system),
                "partner-billing-assume-role",
            ),
            expires_at: DateTime::<Utc>::from(expires_system),
        })
    }

    async fn caller_account(&self, credentials: &Credentials) -> AwsResult<String> {
        let conf = self.client.config().to_builder().credentials_provider(credentials.clone()).build();
        let out = aws_sdk_sts::Client::from_conf(conf)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, "GetCallerIdentity", e))?;
        out.account().map(str::to_owned).ok_or_else(|| AwsError::unexpected(SERVICE, "GetCallerIdentity", "no account in the response"))
    }
}
