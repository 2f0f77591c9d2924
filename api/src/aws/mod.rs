//! AWS access. The platform runs with its own identity from the standard credential chain and
//! reaches each payer only by assuming a role there with the payer's ExternalId. Each capability
//! is a trait with a real adapter on the official SDK; every client honours the endpoint
//! override, retry and timeout settings.

pub mod cost_explorer;
pub mod cost_optimization_hub;
pub mod billing_conductor;
pub mod billing_transfer;
pub mod credentials;
pub mod cur_definitions;
pub mod data_exports;
pub mod dynamodb;
pub mod error;
pub mod organizations;
pub mod s3;
pub mod sts;

use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, Region, SdkConfig};

use crate::config::Config;
pub use cost_explorer::{CostExplorerApi, SdkCostExplorer};
pub use cost_optimization_hub::{CostOptimizationHubApi, SdkCostOptimizationHub};
pub use billing_conductor::{BillingConductor, SdkBillingConductor};
pub use billing_transfer::{BillingTransferApi, SdkBillingTransfer};
pub use credentials::CredentialBroker;
pub use cur_definitions::{CurDefinitionsApi, CurReportDefinition, SdkCurDefinitions};
pub use data_exports::{DataExport, DataExportsApi, SdkDataExports};
pub use dynamodb::{DynamoDbApi, SdkDynamoDb};
pub use error::{AwsError, AwsErrorKind, AwsResult};
pub use organizations::{
    CreateAccountStatus, Handshake, InviteTarget, OrgAccount, OrgPolicy, OrgUnit, OrganizationInfo, OrganizationsApi,
    SdkOrganizations,
};
pub use s3::{S3Api, S3Object, SdkS3};
pub use sts::{SdkSts, StsApi, TemporaryCredentials};

pub use crate::ids::is_account_id;

/// The SDK loader with our region, endpoint override, retries and timeouts; credentials come
/// from the standard chain unless the caller sets a provider (tests do).
pub fn sdk_loader(config: &Config) -> ConfigLoader {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(config.aws_region.clone()))
        .retry_config(RetryConfig::standard().with_max_attempts(config.aws_max_attempts))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_timeout(Duration::from_secs(config.aws_timeout_seconds))
                .build(),
        );
    if let Some(url) = &config.aws_endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader
}

/// The AWS capabilities the application uses.
#[derive(Clone)]
pub struct AwsClients {
    pub sts: Arc<dyn StsApi>,
    pub organizations: Arc<dyn OrganizationsApi>,
    pub s3: Arc<dyn S3Api>,
    pub broker: Arc<CredentialBroker>,
    pub cost_explorer: Arc<dyn CostExplorerApi>,
    pub dynamodb: Arc<dyn DynamoDbApi>,
    /// AWS Billing Conductor; `None` where none was given (tests of other capabilities).
    pub billing_conductor: Option<Arc<dyn BillingConductor>>,
    /// AWS Data Exports definitions (CUR 2.0, FOCUS).
    pub data_exports: Arc<dyn DataExportsApi>,
    /// Legacy CUR report definitions.
    pub cur_definitions: Arc<dyn CurDefinitionsApi>,
    /// AWS Billing Transfer (Organizations responsibility transfers and their ABC groups).
    pub billing_transfer: Arc<dyn BillingTransferApi>,
    /// Cost Optimization Hub recommendations.
    pub cost_optimization_hub: Arc<dyn CostOptimizationHubApi>,
}

impl AwsClients {
    /// Real adapters over one SDK configuration.
    pub fn from_sdk_config(sdk: &SdkConfig) -> Self {
        let sts: Arc<dyn StsApi> = Arc::new(SdkSts::new(sdk));
        Self::new(sts, Arc::new(SdkOrganizations::new(sdk)))
            .with_s3(Arc::new(SdkS3::new(sdk)))
            .with_cost_explorer(Arc::new(SdkCostExplorer::new(sdk)))
            .with_dynamodb(Arc::new(SdkDynamoDb::new(sdk)))
            .with_billing_conductor(Arc::new(SdkBillingConductor::new(sdk)))
            .with_data_exports(Arc::new(SdkDataExports::new(sdk)))
            .with_cur_definitions(Arc::new(SdkCurDefinitions::new(sdk)))
            .with_billing_transfer(Arc::new(SdkBillingTransfer::new(sdk)))
            .with_cost_optimization_hub(Arc::new(SdkCostOptimizationHub::new(sdk)))
    }

    /// The same clients with another Cost Optimization Hub adapter.
    pub fn with_cost_optimization_hub(mut self, hub: Arc<dyn CostOptimizationHubApi>) -> Self {
        self.cost_optimization_hub = hub;
        self
    }

    /// The same clients with another Billing Transfer adapter.
    pub fn with_billing_transfer(mut self, billing_transfer: Arc<dyn BillingTransferApi>) -> Self {
        self.billing_transfer = billing_transfer;
        self
    }

    /// The same clients with another Data Exports adapter.
    pub fn with_data_exports(mut self, data_exports: Arc<dyn DataExportsApi>) -> Self {
        self.data_exports = data_exports;
        self
    }

    /// The same clients with another legacy CUR adapter.
    pub fn with_cur_definitions(mut self, cur_definitions: Arc<dyn CurDefinitionsApi>) -> Self {
        self.cur_definitions = cur_definitions;
        self
    }

    /// The same clients with a Billing Conductor adapter.
    pub fn with_billing_conductor(mut self, abc: Arc<dyn BillingConductor>) -> Self {
        self.billing_conductor = Some(abc);
        self
    }

    /// The same clients with another Cost Explorer adapter.
    pub fn with_cost_explorer(mut self, ce: Arc<dyn CostExplorerApi>) -> Self {
        self.cost_explorer = ce;
        self
    }

    /// The same clients with another DynamoDB adapter.
    pub fn with_dynamodb(mut self, dynamodb: Arc<dyn DynamoDbApi>) -> Self {
        self.dynamodb = dynamodb;
        self
    }

    /// The same clients with another S3 adapter.
    pub fn with_s3(mut self, s3: Arc<dyn S3Api>) -> Self {
        self.s3 = s3;
        self
    }

    pub fn new(sts: Arc<dyn StsApi>, organizations: Arc<dyn OrganizationsApi>) -> Self {
        Self {
            broker: Arc::new(CredentialBroker::new(sts.clone())),
            sts,
            organizations,
            s3: Arc::new(s3::NoS3),
            cost_explorer: Arc::new(cost_explorer::NoCostExplorer),
            dynamodb: Arc::new(dynamodb::NoDynamoDb),
            billing_conductor: None,
            data_exports: Arc::new(data_exports::NoDataExports),
            cur_definitions: Arc::new(cur_definitions::NoCurDefinitions),
            billing_transfer: Arc::new(billing_transfer::NoBillingTransfer),
            cost_optimization_hub: Arc::new(cost_optimization_hub::NoCostOptimizationHub),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(super::is_account_id("012345678901"));
        assert!(!super::is_account_id("12345678901"));
        assert!(!super::is_account_id("1234567890123"));
        assert!(!super::is_account_id("01234567890a"));
    }
}
