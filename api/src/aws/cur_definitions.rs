//! Legacy Cost and Usage Report definitions, through a payer's assumed role:
//! DescribeReportDefinitions to the last page.

use async_trait::async_trait;
use aws_config::{Region, SdkConfig};
use aws_credential_types::Credentials;

use crate::aws::error::{AwsError, AwsResult};

/// One legacy CUR report definition.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CurReportDefinition {
    pub name: String,
    /// `HOURLY` | `DAILY` | `MONTHLY`
    pub time_unit: String,
    /// `Parquet` | `textORcsv`
    pub format: String,
    /// `Parquet` | `GZIP` | `ZIP`
    pub compression: String,
    /// `RESOURCES`, `SPLIT_COST_ALLOCATION_DATA`, `MANUAL_DISCOUNT_COMPATIBILITY`
    pub schema_elements: Vec<String>,
    pub bucket: String,
    pub prefix: String,
    pub region: String,
}

#[async_trait]
pub trait CurDefinitionsApi: Send + Sync {
    /// Every report definition of the account (DescribeReportDefinitions, all pages).
    async fn report_definitions(&self, c: &Credentials) -> AwsResult<Vec<CurReportDefinition>>;
}

/// The real adapter on `aws-sdk-costandusagereport`.
pub struct SdkCurDefinitions {
    conf: aws_sdk_costandusagereport::Config,
}

impl SdkCurDefinitions {
    pub fn new(sdk: &SdkConfig) -> Self {
        // The CUR API lives in us-east-1 only (the endpoint override still wins).
        Self::from_conf(aws_sdk_costandusagereport::config::Builder::from(sdk).region(Region::from_static("us-east-1")).build())
    }

    /// From a ready client configuration; every call is recorded in the audit trail.
    pub fn from_conf(conf: aws_sdk_costandusagereport::Config) -> Self {
        Self { conf: conf.to_builder().interceptor(crate::audit::aws::AuditInterceptor).build() }
    }

    fn client(&self, c: &Credentials) -> aws_sdk_costandusagereport::Client {
        aws_sdk_costandusagereport::Client::from_conf(self.conf.to_builder().credentials_provider(c.clone()).build())
    }
}

const SERVICE: &str = "cur";
const OPERATION: &str = "DescribeReportDefinitions";
/// Pages read before we stop: a guard against a token that never ends.
const MAX_PAGES: u32 = 100;

#[async_trait]
impl CurDefinitionsApi for SdkCurDefinitions {
    async fn report_definitions(&self, c: &Credentials) -> AwsResult<Vec<CurReportDefinition>> {
        let client = self.client(c);
        let (mut out, mut token, mut pages) = (Vec::new(), None::<String>, 0_u32);
        loop {
            let page = client.describe_report_definitions().set_next_token(token.take()).send().await.map_err(|e| AwsError::from_sdk(SERVICE, OPERATION, e))?;
            pages += 1;
            out.extend(page.report_definitions().iter().map(|r| CurReportDefinition {
                name: r.report_name().to_owned(),
                time_unit: r.time_unit().as_str().to_owned(),
                format: r.format().as_str().to_owned(),
                compression: r.compression().as_str().to_owned(),
                schema_elements: r.additional_schema_elements().iter().map(|e| e.as_str().to_owned()).collect(),
                bucket: r.s3_bucket().to_owned(),
                prefix: r.s3_prefix().to_owned(),
                region: r.s3_region().as_str().to_owned(),
            }));
            match page.next_token().filter(|t| !t.is_empty()) {
                Some(next) if pages < MAX_PAGES => token = Some(next.to_owned()),
                Some(_) => return Err(AwsError::unexpected(SERVICE, OPERATION, "more than 100 pages of report definitions")),
                None => return Ok(out),
            }
        }
    }
}

/// Stands in where no CUR adapter was given.
pub struct NoCurDefinitions;

#[async_trait]
impl CurDefinitionsApi for NoCurDefinitions {
    async fn report_definitions(&self, _: &Credentials) -> AwsResult<Vec<CurReportDefinition>> {
        Err(AwsError::unexpected(SERVICE, OPERATION, "no Cost and Usage Report client configured"))
    }
}
