//! Cost Optimization Hub, through a payer's assumed role: whether the payer has turned it on
//! (ListEnrollmentStatuses) and its recommendations (ListRecommendations, every page up to a
//! bound). The service answers from us-east-1 only.

use std::str::FromStr;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_sdk_costoptimizationhub::types::{EnrollmentStatus, Recommendation};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::aws::error::{AwsError, AwsResult};

const SERVICE: &str = "cost-optimization-hub";
const LIST_RECOMMENDATIONS: &str = "ListRecommendations";
const LIST_ENROLLMENT: &str = "ListEnrollmentStatuses";
/// The only region Cost Optimization Hub has an endpoint in.
pub const REGION: &str = "us-east-1";
/// Recommendations asked for per page.
pub const PAGE_SIZE: i32 = 100;

/// Whether the payer's account receives recommendations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enrollment {
    /// Turned on; `member_accounts` when the whole organization is included.
    Active { member_accounts: bool },
    /// Never turned on, or turned off.
    Inactive,
}

/// One recommendation, amounts exact (see [`exact`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubRecommendation {
    pub id: String,
    pub account_id: String,
    pub region: String,
    pub resource_id: String,
    /// What the resource is, e.g. `Ec2Instance`.
    pub resource_type: String,
    /// What to do, e.g. `Rightsize`, `Stop`, `PurchaseSavingsPlans`.
    pub action_type: String,
    pub current_summary: String,
    pub recommended_summary: String,
    /// `VeryLow` … `VeryHigh`.
    pub implementation_effort: String,
    pub restart_needed: bool,
    pub rollback_possible: bool,
    pub monthly_savings: Decimal,
    pub monthly_cost: Decimal,
    pub currency: String,
    pub last_refreshed_at: Option<DateTime<Utc>>,
}

/// What a listing returned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recommendations {
    pub items: Vec<HubRecommendation>,
    /// Pages read (ListRecommendations calls).
    pub pages: u32,
    /// More were on offer than the limit asked for.
    pub truncated: bool,
}

#[async_trait]
pub trait CostOptimizationHubApi: Send + Sync {
    /// The caller's own enrollment (ListEnrollmentStatuses, the first page).
    async fn enrollment(&self, c: &Credentials) -> AwsResult<Enrollment>;
    /// ListRecommendations, one recommendation per resource, following nextToken until `limit`
    /// recommendations are read or the last page.
    async fn recommendations(&self, c: &Credentials, limit: usize) -> AwsResult<Recommendations>;
}

/// The real adapter on `aws-sdk-costoptimizationhub`.
pub struct SdkCostOptimizationHub {
    conf: aws_sdk_costoptimizationhub::Config,
}

impl SdkCostOptimizationHub {
    /// From the platform's SDK configuration, in the service's one region (an endpoint override,
    /// as in tests, still applies).
    pub fn new(sdk: &SdkConfig) -> Self {
        let conf = aws_sdk_costoptimizationhub::config::Builder::from(sdk).region(aws_config::Region::new(REGION)).build();
        Self::from_conf(conf)
    }

    /// From a ready client configuration; every call is recorded in the audit trail.
    pub fn from_conf(conf: aws_sdk_costoptimizationhub::Config) -> Self {
        Self { conf: conf.to_builder().interceptor(crate::audit::aws::AuditInterceptor).build() }
    }

    fn client(&self, c: &Credentials) -> aws_sdk_costoptimizationhub::Client {
        aws_sdk_costoptimizationhub::Client::from_conf(self.conf.to_builder().credentials_provider(c.clone()).build())
    }
}

/// An amount the API sends as a JSON number (an `f64` in the SDK), as the decimal it was
/// written as: the shortest text that reads back as the same `f64` (`12.34`, not the binary
/// expansion 12.339999…), rounded to our stored 8 places. NaN and infinities are refused.
pub fn exact(v: f64) -> Option<Decimal> {
    if !v.is_finite() {
        return None;
    }
    let text = v.to_string();
    Decimal::from_str(&text).ok().or_else(|| Decimal::from_scientific(&text).ok()).map(|d| d.round_dp(crate::money::SCALE).normalize())
}

fn text(v: Option<&str>) -> String {
    v.unwrap_or_default().to_owned()
}

fn recommendation(r: &Recommendation) -> AwsResult<HubRecommendation> {
    let unexpected = |what: &str| AwsError::unexpected(SERVICE, LIST_RECOMMENDATIONS, what);
    let id = r.recommendation_id().filter(|s| !s.is_empty()).ok_or_else(|| unexpected("a recommendation has no id"))?;
    let account_id = r.account_id().filter(|a| crate::ids::is_account_id(a)).ok_or_else(|| unexpected("a recommendation has no 12-digit account id"))?;
    let amount = |v: Option<f64>, what: &str| match v {
        None => Ok(Decimal::ZERO),
        Some(v) => exact(v).ok_or_else(|| unexpected(&format!("recommendation {id}: {what} is not a number"))),
    };
    Ok(HubRecommendation {
        id: id.to_owned(),
        account_id: account_id.to_owned(),
        region: text(r.region()),
        resource_id: text(r.resource_id().or(r.resource_arn())),
        resource_type: text(r.current_resource_type()),
        action_type: text(r.action_type()),
        current_summary: text(r.current_resource_summary()),
        recommended_summary: text(r.recommended_resource_summary()),
        implementation_effort: text(r.implementation_effort()),
        restart_needed: r.restart_needed().unwrap_or(false),
        rollback_possible: r.rollback_possible().unwrap_or(false),
        monthly_savings: amount(r.estimated_monthly_savings(), "estimatedMonthlySavings")?,
        monthly_cost: amount(r.estimated_monthly_cost(), "estimatedMonthlyCost")?,
        currency: r.currency_code().filter(|c| !c.is_empty()).unwrap_or("USD").to_owned(),
        last_refreshed_at: r.last_refresh_timestamp().and_then(|t| DateTime::<Utc>::from_timestamp(t.secs(), t.subsec_nanos())),
    })
}

/// Pages read before we stop, whatever the limit: a guard against a token that never ends.
pub const MAX_PAGES: u32 = 1000;

#[async_trait]
impl CostOptimizationHubApi for SdkCostOptimizationHub {
    async fn enrollment(&self, c: &Credentials) -> AwsResult<Enrollment> {
        let out = self
            .client(c)
            .list_enrollment_statuses()
            .include_organization_info(false)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, LIST_ENROLLMENT, e))?;
        let active = out.items().iter().any(|i| i.status() == Some(&EnrollmentStatus::Active));
        Ok(if active { Enrollment::Active { member_accounts: out.include_member_accounts().unwrap_or(false) } } else { Enrollment::Inactive })
    }

    async fn recommendations(&self, c: &Credentials, limit: usize) -> AwsResult<Recommendations> {
        let client = self.client(c);
        let mut out = Recommendations::default();
        let mut token: Option<String> = None;
        loop {
            let page = client
                .list_recommendations()
                .include_all_recommendations(false)
                .max_results(PAGE_SIZE)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(SERVICE, LIST_RECOMMENDATIONS, e))?;
            out.pages += 1;
            for r in page.items() {
                if out.items.len() == limit {
                    out.truncated = true;
                    return Ok(out);
                }
                out.items.push(recommendation(r)?);
            }
            match page.next_token().filter(|t| !t.is_empty()) {
                Some(_) if out.items.len() >= limit || out.pages >= MAX_PAGES => {
                    out.truncated = true;
                    return Ok(out);
                }
                Some(next) => token = Some(next.to_owned()),
                None => return Ok(out),
            }
        }
    }
}

/// Stands in where no Cost Optimization Hub adapter was given.
pub struct NoCostOptimizationHub;

#[async_trait]
impl CostOptimizationHubApi for NoCostOptimizationHub {
    async fn enrollment(&self, _: &Credentials) -> AwsResult<Enrollment> {
        Err(AwsError::unexpected(SERVICE, LIST_ENROLLMENT, "no Cost Optimization Hub client configured"))
    }

    async fn recommendations(&self, _: &Credentials, _: usize) -> AwsResult<Recommendations> {
        Err(AwsError::unexpected(SERVICE, LIST_RECOMMENDATIONS, "no Cost Optimization Hub client configured"))
    }
}

#[cfg(test)]
#[path = "cost_optimization_hub_tests.rs"]
mod tests;
