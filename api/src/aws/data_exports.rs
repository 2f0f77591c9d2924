//! AWS Data Exports (CUR 2.0, FOCUS and the other tables), through a payer's assumed role:
//! ListExports to the last page, then GetExport for each export's query and destination.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_config::{Region, SdkConfig};
use aws_credential_types::Credentials;

use crate::aws::error::{AwsError, AwsResult};

/// One export as its definition says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataExport {
    pub name: String,
    pub arn: String,
    /// e.g. `SELECT … FROM COST_AND_USAGE_REPORT`; the table names the kind of export.
    pub query_statement: String,
    /// Table name → its configuration (`TIME_GRANULARITY`, `INCLUDE_RESOURCES`, …).
    pub table_configurations: BTreeMap<String, BTreeMap<String, String>>,
    pub bucket: Option<String>,
    pub prefix: Option<String>,
    pub region: Option<String>,
    /// `PARQUET` | `TEXT_OR_CSV`
    pub format: Option<String>,
    /// `PARQUET` | `GZIP`
    pub compression: Option<String>,
}

#[async_trait]
pub trait DataExportsApi: Send + Sync {
    /// Every export of the account (ListExports, all pages), each read with GetExport.
    async fn exports(&self, c: &Credentials) -> AwsResult<Vec<DataExport>>;
}

/// The real adapter on `aws-sdk-bcmdataexports`.
pub struct SdkDataExports {
    conf: aws_sdk_bcmdataexports::Config,
}

impl SdkDataExports {
    pub fn new(sdk: &SdkConfig) -> Self {
        // The Data Exports API lives in us-east-1 only (the endpoint override still wins).
        Self::from_conf(aws_sdk_bcmdataexports::config::Builder::from(sdk).region(Region::from_static("us-east-1")).build())
    }

    /// From a ready client configuration; every call is recorded in the audit trail.
    pub fn from_conf(conf: aws_sdk_bcmdataexports::Config) -> Self {
        Self { conf: conf.to_builder().interceptor(crate::audit::aws::AuditInterceptor).build() }
    }

    fn client(&self, c: &Credentials) -> aws_sdk_bcmdataexports::Client {
        aws_sdk_bcmdataexports::Client::from_conf(self.conf.to_builder().credentials_provider(c.clone()).build())
    }
}

const SERVICE: &str = "bcm-data-exports";
/// Pages read before we stop: a guard against a token that never ends.
const MAX_PAGES: u32 = 100;

fn definition(e: &aws_sdk_bcmdataexports::types::Export) -> DataExport {
    let query = e.data_query();
    let s3 = e.destination_configurations().and_then(|d| d.s3_destination());
    let output = s3.and_then(|s| s.s3_output_configurations());
    DataExport {
        name: e.name().to_owned(),
        arn: e.export_arn().unwrap_or_default().to_owned(),
        query_statement: query.map(|q| q.query_statement().to_owned()).unwrap_or_default(),
        table_configurations: query
            .and_then(|q| q.table_configurations())
            .map(|t| t.iter().map(|(table, conf)| (table.clone(), conf.iter().map(|(k, v)| (k.clone(), v.clone())).collect())).collect())
            .unwrap_or_default(),
        bucket: s3.map(|s| s.s3_bucket().to_owned()),
        prefix: s3.map(|s| s.s3_prefix().to_owned()),
        region: s3.map(|s| s.s3_region().to_owned()),
        format: output.map(|o| o.format().as_str().to_owned()),
        compression: output.map(|o| o.compression().as_str().to_owned()),
    }
}

#[async_trait]
impl DataExportsApi for SdkDataExports {
    async fn exports(&self, c: &Credentials) -> AwsResult<Vec<DataExport>> {
        let client = self.client(c);
        let (mut arns, mut token, mut pages) = (Vec::new(), None::<String>, 0_u32);
        loop {
            let page = client.list_exports().set_next_token(token.take()).send().await.map_err(|e| AwsError::from_sdk(SERVICE, "ListExports", e))?;
            pages += 1;
            arns.extend(page.exports().iter().map(|e| e.export_arn().to_owned()));
            match page.next_token().filter(|t| !t.is_empty()) {
                Some(next) if pages < MAX_PAGES => token = Some(next.to_owned()),
                Some(_) => return Err(AwsError::unexpected(SERVICE, "ListExports", "more than 100 pages of exports")),
                None => break,
            }
        }
        let mut out = Vec::with_capacity(arns.len());
        for arn in arns {
            let got = client.get_export().export_arn(&arn).send().await.map_err(|e| AwsError::from_sdk(SERVICE, "GetExport", e))?;
            let export = got.export().ok_or_else(|| AwsError::unexpected(SERVICE, "GetExport", &format!("no export in the answer for {arn}")))?;
            let mut d = definition(export);
            if d.arn.is_empty() {
                d.arn = arn;
            }
            out.push(d);
        }
        Ok(out)
    }
}

/// Stands in where no Data Exports adapter was given.
pub struct NoDataExports;

#[async_trait]
impl DataExportsApi for NoDataExports {
    async fn exports(&self, _: &Credentials) -> AwsResult<Vec<DataExport>> {
        Err(AwsError::unexpected(SERVICE, "ListExports", "no Data Exports client configured"))
    }
}
