//! Cost Explorer, through a payer's assumed role: GetCostAndUsage by day, linked account and
//! service, in the five cost metrics, every page.

use std::str::FromStr;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_sdk_costexplorer::types::{DateInterval, Granularity, GroupDefinition, GroupDefinitionType, MetricValue};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::aws::error::{AwsError, AwsResult};

/// The metrics asked for, in the order of [`Metrics`]' fields.
pub const METRICS: [&str; 5] = ["AmortizedCost", "BlendedCost", "NetAmortizedCost", "NetUnblendedCost", "UnblendedCost"];

/// One amount with its unit (`USD`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Amount {
    pub amount: Decimal,
    pub unit: String,
}

/// The five cost metrics of one group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metrics {
    pub amortized: Amount,
    pub blended: Amount,
    pub net_amortized: Amount,
    pub net_unblended: Amount,
    pub unblended: Amount,
}

/// One linked account's cost of one service on one day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceDayCost {
    pub date: NaiveDate,
    pub account_id: String,
    /// Cost Explorer's SERVICE dimension value, e.g. `Amazon Elastic Compute Cloud - Compute`.
    pub service: String,
    pub metrics: Metrics,
    /// Cost Explorer marks days whose numbers may still change.
    pub estimated: bool,
}

/// Everything one query returned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DailyCosts {
    pub rows: Vec<ServiceDayCost>,
    /// Pages read (GetCostAndUsage calls).
    pub pages: u32,
}

#[async_trait]
pub trait CostExplorerApi: Send + Sync {
    /// GetCostAndUsage, DAILY, grouped by LINKED_ACCOUNT and SERVICE, days `start` up to but
    /// not including `end`, following NextPageToken to the last page.
    async fn daily_by_account_and_service(&self, c: &Credentials, start: NaiveDate, end: NaiveDate) -> AwsResult<DailyCosts>;
}

/// The real adapter on `aws-sdk-costexplorer`.
pub struct SdkCostExplorer {
    conf: aws_sdk_costexplorer::Config,
}

impl SdkCostExplorer {
    pub fn new(sdk: &SdkConfig) -> Self {
        Self::from_conf(aws_sdk_costexplorer::Config::from(sdk))
    }

    /// From a ready client configuration; every call is recorded in the audit trail.
    pub fn from_conf(conf: aws_sdk_costexplorer::Config) -> Self {
        Self { conf: conf.to_builder().interceptor(crate::audit::aws::AuditInterceptor).build() }
    }

    fn client(&self, c: &Credentials) -> aws_sdk_costexplorer::Client {
        aws_sdk_costexplorer::Client::from_conf(self.conf.to_builder().credentials_provider(c.clone()).build())
    }
}

const SERVICE: &str = "ce";
const OPERATION: &str = "GetCostAndUsage";

/// A Cost Explorer amount (a decimal string, sometimes in exponent form) exactly; never a float.
pub fn parse_amount(s: &str) -> Option<Decimal> {
    let s = s.trim();
    Decimal::from_str(s).ok().or_else(|| Decimal::from_scientific(s).ok())
}

fn amount(metrics: Option<&std::collections::HashMap<String, MetricValue>>, name: &str) -> AwsResult<Amount> {
    let unexpected = |what: String| AwsError::unexpected(SERVICE, OPERATION, &what);
    // A metric Cost Explorer leaves out has no cost that day.
    let Some(m) = metrics.and_then(|m| m.get(name)) else {
        return Ok(Amount { amount: Decimal::ZERO, unit: "USD".to_owned() });
    };
    let raw = m.amount().unwrap_or("0");
    let amount = parse_amount(raw).ok_or_else(|| unexpected(format!("{name} amount {raw:?} is not a decimal number")))?;
    Ok(Amount { amount, unit: m.unit().filter(|u| !u.is_empty()).unwrap_or("USD").to_owned() })
}

fn day(s: &str) -> AwsResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| AwsError::unexpected(SERVICE, OPERATION, &format!("time period start {s:?} is not a date")))
}

/// The rows of one response page.
pub fn rows_of(page: &aws_sdk_costexplorer::operation::get_cost_and_usage::GetCostAndUsageOutput) -> AwsResult<Vec<ServiceDayCost>> {
    let mut out = Vec::new();
    for result in page.results_by_time() {
        let start = result.time_period().map(|p| p.start()).ok_or_else(|| AwsError::unexpected(SERVICE, OPERATION, "a result has no time period"))?;
        let date = day(start)?;
        for group in result.groups() {
            let [account_id, service] = group.keys() else {
                return Err(AwsError::unexpected(SERVICE, OPERATION, "a group does not have exactly two keys (LINKED_ACCOUNT, SERVICE)"));
            };
            let m = group.metrics();
            out.push(ServiceDayCost {
                date,
                account_id: account_id.clone(),
                service: service.clone(),
                metrics: Metrics {
                    amortized: amount(m, METRICS[0])?,
                    blended: amount(m, METRICS[1])?,
                    net_amortized: amount(m, METRICS[2])?,
                    net_unblended: amount(m, METRICS[3])?,
                    unblended: amount(m, METRICS[4])?,
                },
                estimated: result.estimated(),
            });
        }
    }
    Ok(out)
}

/// Pages read before we stop: a guard against a token that never ends.
const MAX_PAGES: u32 = 1000;

#[async_trait]
impl CostExplorerApi for SdkCostExplorer {
    async fn daily_by_account_and_service(&self, c: &Credentials, start: NaiveDate, end: NaiveDate) -> AwsResult<DailyCosts> {
        let client = self.client(c);
        let period = DateInterval::builder()
            .start(start.format("%Y-%m-%d").to_string())
            .end(end.format("%Y-%m-%d").to_string())
            .build()
            .map_err(|e| AwsError::unexpected(SERVICE, OPERATION, &e.to_string()))?;
        let group = |key: &str| GroupDefinition::builder().r#type(GroupDefinitionType::Dimension).key(key).build();
        let mut out = DailyCosts::default();
        let mut token: Option<String> = None;
        loop {
            let mut request = client
                .get_cost_and_usage()
                .time_period(period.clone())
                .granularity(Granularity::Daily)
                .group_by(group("LINKED_ACCOUNT"))
                .group_by(group("SERVICE"))
                .set_next_page_token(token.take());
            for metric in METRICS {
                request = request.metrics(metric);
            }
            let page = request.send().await.map_err(|e| AwsError::from_sdk(SERVICE, OPERATION, e))?;
            out.pages += 1;
            out.rows.extend(rows_of(&page)?);
            match page.next_page_token().filter(|t| !t.is_empty()) {
                Some(next) if out.pages < MAX_PAGES => token = Some(next.to_owned()),
                Some(_) => return Err(AwsError::unexpected(SERVICE, OPERATION, "more than 1000 pages; narrow the date range")),
                None => return Ok(out),
            }
        }
    }
}

/// Stands in where no Cost Explorer adapter was given.
pub struct NoCostExplorer;

#[async_trait]
impl CostExplorerApi for NoCostExplorer {
    async fn daily_by_account_and_service(&self, _: &Credentials, _: NaiveDate, _: NaiveDate) -> AwsResult<DailyCosts> {
        Err(AwsError::unexpected(SERVICE, OPERATION, "no Cost Explorer client configured"))
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_costexplorer::operation::get_cost_and_usage::{GetCostAndUsageInput, GetCostAndUsageOutput};
    use aws_sdk_costexplorer::types::{Group, ResultByTime};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use super::*;

    fn mv(amount: &str) -> MetricValue {
        MetricValue::builder().amount(amount).unit("USD").build()
    }

    fn page(day: &str, account: &str, service: &str, unblended: &str, token: Option<&str>) -> GetCostAndUsageOutput {
        let mut g = Group::builder().keys(account).keys(service);
        for m in METRICS {
            g = g.metrics(m, mv(if m == "UnblendedCost" { unblended } else { "1" }));
        }
        let result = ResultByTime::builder()
            .time_period(DateInterval::builder().start(day).end("2026-11-23").build().unwrap())
            .groups(g.build())
            .estimated(true)
            .build();
        GetCostAndUsageOutput::builder().results_by_time(result).set_next_page_token(token.map(str::to_owned)).build()
    }

    fn asks_for_the_seed_query(input: &GetCostAndUsageInput) -> bool {
        let groups: Vec<&str> = input.group_by().iter().filter_map(|g| g.key()).collect();
        input.granularity() == Some(&Granularity::Daily)
            && input.metrics().iter().map(String::as_str).eq(METRICS)
            && groups == ["LINKED_ACCOUNT", "SERVICE"]
            && input.time_period().is_some_and(|p| p.start() == "2026-11-22" && p.end() == "2026-11-23")
    }

    #[tokio::test]
    async fn follows_next_page_token_with_the_seed_query() {
        let first = mock!(aws_sdk_costexplorer::Client::get_cost_and_usage)
            .match_requests(|i| asks_for_the_seed_query(i) && i.next_page_token().is_none())
            .then_output(|| page("2026-11-22", "012345678901", "Amazon Simple Storage Service", "0.0000000123", Some("p2")));
        let second = mock!(aws_sdk_costexplorer::Client::get_cost_and_usage)
            .match_requests(|i| asks_for_the_seed_query(i) && i.next_page_token() == Some("p2"))
            .then_output(|| page("2026-11-22", "109876543210", "AWS Lambda", "1.5E-3", None));
        let client = mock_client!(aws_sdk_costexplorer, RuleMode::MatchAny, [&first, &second]);
        let ce = SdkCostExplorer::from_conf(client.config().clone());
        let creds = Credentials::new("a", "b", None, None, "t");
        let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let got = ce.daily_by_account_and_service(&creds, day, day.succ_opt().unwrap()).await.unwrap();
        assert_eq!(got.pages, 2);
        assert_eq!(first.num_calls() + second.num_calls(), 2);
        assert_eq!(got.rows.len(), 2);
        assert_eq!(got.rows[0].account_id, "012345678901");
        assert_eq!(got.rows[0].metrics.unblended.amount, Decimal::from_str("0.0000000123").unwrap());
        assert_eq!(got.rows[1].metrics.unblended.amount, Decimal::from_str("0.0015").unwrap());
        assert!(got.rows[1].estimated);
    }

    #[test]
    fn amounts_are_exact_decimals() {
        assert_eq!(parse_amount("12.3456789012"), Some(Decimal::from_str("12.3456789012").unwrap()));
        assert_eq!(parse_amount("-2.5e-2"), Some(Decimal::from_str("-0.025").unwrap()));
        assert_eq!(parse_amount("n/a"), None);
    }
}
