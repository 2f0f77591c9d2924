//! The adapter at the SDK level with `aws-smithy-mocks` (moto has no Cost Optimization Hub): the
//! exact requests it sends, and pages, not-enrolled, denied and throttled answers as the caller
//! reads them.

use std::time::Duration;

use aws_sdk_costoptimizationhub::config::retry::RetryConfig;
use aws_sdk_costoptimizationhub::operation::list_enrollment_statuses::ListEnrollmentStatusesOutput;
use aws_sdk_costoptimizationhub::operation::list_recommendations::{ListRecommendationsError, ListRecommendationsInput, ListRecommendationsOutput};
use aws_sdk_costoptimizationhub::types::error::{AccessDeniedException, ThrottlingException};
use aws_sdk_costoptimizationhub::types::{AccountEnrollmentStatus, EnrollmentStatus, Recommendation};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;

use super::*;
use crate::aws::error::AwsErrorKind;
use crate::error::AppError;

fn creds() -> Credentials {
    Credentials::new("AKIA", "secret", None, None, "test")
}

fn hub(rules: &[&Rule]) -> SdkCostOptimizationHub {
    // No retries: a throttled call must reach the caller, not be replayed against the mock.
    let client = mock_client!(aws_sdk_costoptimizationhub, RuleMode::MatchAny, rules, |c| c.retry_config(RetryConfig::disabled()));
    SdkCostOptimizationHub::from_conf(client.config().clone())
}

fn rec(n: u32, account: &str, savings: f64) -> Recommendation {
    Recommendation::builder()
        .recommendation_id(format!("rec-{n:04}"))
        .account_id(account)
        .region("eu-west-1")
        .resource_arn(format!("arn:aws:ec2:eu-west-1:{account}:instance/i-{n:08}"))
        .current_resource_type("Ec2Instance")
        .action_type("Rightsize")
        .current_resource_summary("m5.2xlarge")
        .recommended_resource_summary("m5.large")
        .implementation_effort("Medium")
        .restart_needed(true)
        .rollback_possible(true)
        .estimated_monthly_savings(savings)
        .estimated_monthly_cost(savings * 2.0)
        .currency_code("USD")
        .last_refresh_timestamp(aws_smithy_types::DateTime::from_secs(1_764_979_200))
        .build()
}

/// The request we mean to send: one recommendation per resource, pages of 100.
fn asks_as_we_mean(i: &ListRecommendationsInput) -> bool {
    i.include_all_recommendations() == Some(false) && i.max_results() == Some(PAGE_SIZE) && i.filter().is_none()
}

fn page(items: Vec<Recommendation>, next: Option<&str>) -> ListRecommendationsOutput {
    ListRecommendationsOutput::builder().set_items(Some(items)).set_next_token(next.map(str::to_owned)).build()
}

fn pages() -> [Rule; 3] {
    [
        mock!(aws_sdk_costoptimizationhub::Client::list_recommendations)
            .match_requests(|i| asks_as_we_mean(i) && i.next_token().is_none())
            .then_output(|| page(vec![rec(1, "111111111111", 12.34), rec(2, "222222222222", 0.1)], Some("p2"))),
        mock!(aws_sdk_costoptimizationhub::Client::list_recommendations)
            .match_requests(|i| asks_as_we_mean(i) && i.next_token() == Some("p2"))
            .then_output(|| page(vec![rec(3, "111111111111", 1234.5678), rec(4, "012345678901", 0.0)], Some("p3"))),
        mock!(aws_sdk_costoptimizationhub::Client::list_recommendations)
            .match_requests(|i| asks_as_we_mean(i) && i.next_token() == Some("p3"))
            .then_output(|| page(vec![rec(5, "222222222222", 7.07)], None)),
    ]
}

#[tokio::test]
async fn every_page_is_read_with_exact_amounts() {
    let [p1, p2, p3] = pages();
    let got = hub(&[&p1, &p2, &p3]).recommendations(&creds(), 10_000).await.unwrap();
    assert_eq!((got.pages, got.truncated, got.items.len()), (3, false, 5));
    assert_eq!((p1.num_calls(), p2.num_calls(), p3.num_calls()), (1, 1, 1));
    let first = &got.items[0];
    assert_eq!(first.id, "rec-0001");
    assert_eq!(first.account_id, "111111111111");
    assert_eq!(first.resource_id, "arn:aws:ec2:eu-west-1:111111111111:instance/i-00000001", "the ARN when there is no resource id");
    assert_eq!((first.action_type.as_str(), first.resource_type.as_str(), first.implementation_effort.as_str()), ("Rightsize", "Ec2Instance", "Medium"));
    assert_eq!((first.current_summary.as_str(), first.recommended_summary.as_str()), ("m5.2xlarge", "m5.large"));
    assert_eq!(first.last_refreshed_at.map(|t| t.to_rfc3339()), Some("2025-12-06T00:00:00+00:00".to_owned()));
    // The amounts as AWS wrote them, not the binary doubles' expansions.
    let savings: Vec<String> = got.items.iter().map(|r| r.monthly_savings.to_string()).collect();
    assert_eq!(savings, ["12.34", "0.1", "1234.5678", "0", "7.07"]);
    assert_eq!(got.items[0].monthly_cost.to_string(), "24.68");
}

#[tokio::test]
async fn a_limit_stops_reading_and_says_so() {
    let [p1, p2, p3] = pages();
    let got = hub(&[&p1, &p2, &p3]).recommendations(&creds(), 3).await.unwrap();
    assert_eq!((got.items.len(), got.pages, got.truncated), (3, 2, true));
    assert_eq!(p3.num_calls(), 0, "no page beyond the limit is asked for");
    let [p1, p2, p3] = pages();
    let exactly = hub(&[&p1, &p2, &p3]).recommendations(&creds(), 5).await.unwrap();
    assert_eq!((exactly.items.len(), exactly.truncated), (5, false), "all there was fits the limit");
}

#[tokio::test]
async fn a_token_that_never_ends_stops_at_the_page_bound() {
    // Empty pages that always offer another: the limit of recommendations is never reached.
    let endless = mock!(aws_sdk_costoptimizationhub::Client::list_recommendations).then_output(|| page(vec![], Some("again")));
    let got = hub(&[&endless]).recommendations(&creds(), 10_000).await.unwrap();
    assert_eq!((got.pages, got.truncated, got.items.len()), (MAX_PAGES, true, 0));
    assert_eq!(endless.num_calls(), 1000);
}

#[tokio::test]
async fn enrollment_is_read_for_the_payer_account_itself() {
    let status = |s: EnrollmentStatus| AccountEnrollmentStatus::builder().account_id("123456789012").status(s).build();
    let active = mock!(aws_sdk_costoptimizationhub::Client::list_enrollment_statuses)
        .match_requests(|i| i.include_organization_info() == Some(false) && i.account_id().is_none())
        .then_output(move || ListEnrollmentStatusesOutput::builder().items(status(EnrollmentStatus::Active)).include_member_accounts(true).build());
    assert_eq!(hub(&[&active]).enrollment(&creds()).await.unwrap(), Enrollment::Active { member_accounts: true });
    assert_eq!(active.num_calls(), 1);
    let inactive = mock!(aws_sdk_costoptimizationhub::Client::list_enrollment_statuses)
        .then_output(move || ListEnrollmentStatusesOutput::builder().items(status(EnrollmentStatus::Inactive)).build());
    assert_eq!(hub(&[&inactive]).enrollment(&creds()).await.unwrap(), Enrollment::Inactive);
    let never = mock!(aws_sdk_costoptimizationhub::Client::list_enrollment_statuses).then_output(|| ListEnrollmentStatusesOutput::builder().build());
    assert_eq!(hub(&[&never]).enrollment(&creds()).await.unwrap(), Enrollment::Inactive, "no status at all: never turned on");
}

fn meta(code: &str, message: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code(code).message(message).build()
}

#[tokio::test]
async fn not_enrolled_and_denied_answers_are_access_denied() {
    let msg = "Account 123456789012 is not enrolled in Cost Optimization Hub";
    let denied = mock!(aws_sdk_costoptimizationhub::Client::list_recommendations).then_error(move || {
        ListRecommendationsError::AccessDeniedException(AccessDeniedException::builder().message(msg).meta(meta("AccessDeniedException", msg)).build().unwrap())
    });
    let e = hub(&[&denied]).recommendations(&creds(), 100).await.unwrap_err();
    assert_eq!(e.kind, AwsErrorKind::AccessDenied);
    assert_eq!(e.to_string(), format!("cost-optimization-hub ListRecommendations failed: AccessDeniedException: {msg}"));
    assert!(!AppError::from(e).is_transient(), "denied is not retried");
}

fn throttled() -> Rule {
    mock!(aws_sdk_costoptimizationhub::Client::list_recommendations)
        .sequence()
        .error(|| ListRecommendationsError::ThrottlingException(ThrottlingException::builder().message("Rate exceeded").meta(meta("ThrottlingException", "Rate exceeded")).build()))
        .output(|| page(vec![rec(9, "111111111111", 5.0)], None))
        .build()
}

#[tokio::test]
async fn throttling_is_transient_and_the_sdk_retries_it() {
    let once = throttled();
    let e = hub(&[&once]).recommendations(&creds(), 100).await.unwrap_err();
    assert_eq!(e.kind, AwsErrorKind::Throttled);
    assert!(AppError::from(e).is_transient(), "the job tries again later");
    // With the platform's standard retries the second answer comes through.
    let rule = throttled();
    let client = mock_client!(aws_sdk_costoptimizationhub, RuleMode::Sequential, [&rule], |c| c
        .retry_config(RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(1))));
    let got = SdkCostOptimizationHub::from_conf(client.config().clone()).recommendations(&creds(), 100).await.unwrap();
    assert_eq!((got.items.len(), rule.num_calls()), (1, 2));
}

#[test]
fn doubles_become_the_decimals_they_were_written_as() {
    assert_eq!(exact(0.1).map(|d| d.to_string()), Some("0.1".to_owned()));
    assert_eq!(exact(33.333333333333336).map(|d| d.to_string()), Some("33.33333333".to_owned()), "8 places, as stored");
    assert_eq!(exact(1e21).map(|d| d.to_string()), Some("1000000000000000000000".to_owned()));
    assert_eq!(exact(f64::NAN), None);
    assert_eq!(exact(f64::INFINITY), None);
}
