//! Optimization insights end to end. moto has no Cost Optimization Hub, so it is the official
//! `aws-smithy-mocks` client (answers switched by the test: not enrolled, then three pages of
//! recommendations); STS and Organizations are moto. GraphQL, the domain and the durable pull
//! job run for real, on both databases.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aws_sdk_costoptimizationhub::operation::list_enrollment_statuses::{ListEnrollmentStatusesError, ListEnrollmentStatusesOutput};
use aws_sdk_costoptimizationhub::types::error::AccessDeniedException;
use aws_sdk_costoptimizationhub::operation::list_recommendations::ListRecommendationsOutput;
use aws_sdk_costoptimizationhub::types::{AccountEnrollmentStatus, EnrollmentStatus, Recommendation};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use e2e::{DbKind, Session, TestApp, aws, on_both_databases};
use partner_billing::aws::{AwsClients, SdkCostOptimizationHub};
use serde_json::{Value, json};

const ACME_ACCOUNT: &str = "210000000001";
const GLOBEX_ACCOUNT: &str = "210000000002";
const UNGROUPED: &str = "210000000003";

fn rec(n: u32, account: &str, savings: f64) -> Recommendation {
    Recommendation::builder()
        .recommendation_id(format!("rec-{n:04}"))
        .account_id(account)
        .region("eu-west-1")
        .resource_id(format!("i-{n:08}"))
        .current_resource_type("Ec2Instance")
        .action_type(if n.is_multiple_of(2) { "Stop" } else { "Rightsize" })
        .restart_needed(true)
        .estimated_monthly_savings(savings)
        .estimated_monthly_cost(savings * 2.0)
        .currency_code("USD")
        .build()
}

fn page(items: Vec<Recommendation>, next: Option<&str>) -> ListRecommendationsOutput {
    ListRecommendationsOutput::builder().set_items(Some(items)).set_next_token(next.map(str::to_owned)).build()
}

const DENIED: &str = "User: arn:aws:sts::123456789012:assumed-role/PartnerBillingAccess/pb is not authorized to perform: cost-optimization-hub:ListEnrollmentStatuses";

/// Cost Optimization Hub answering "not enrolled" until `enrolled` is set, then three pages;
/// refusing the role while `denied` is set.
fn hub(enrolled: &Arc<AtomicBool>, denied: &Arc<AtomicBool>) -> (SdkCostOptimizationHub, Vec<Rule>) {
    let on = enrolled.clone();
    let refuse = denied.clone();
    let refused = mock!(aws_sdk_costoptimizationhub::Client::list_enrollment_statuses).match_requests(move |_| refuse.load(Ordering::SeqCst)).then_error(|| {
        let meta = aws_smithy_types::error::ErrorMetadata::builder().code("AccessDeniedException").message(DENIED).build();
        ListEnrollmentStatusesError::AccessDeniedException(AccessDeniedException::builder().message(DENIED).meta(meta).build().unwrap())
    });
    let status = mock!(aws_sdk_costoptimizationhub::Client::list_enrollment_statuses).then_compute_output(move |_| {
        let s = if on.load(Ordering::SeqCst) { EnrollmentStatus::Active } else { EnrollmentStatus::Inactive };
        ListEnrollmentStatusesOutput::builder().items(AccountEnrollmentStatus::builder().account_id("123456789012").status(s).build()).include_member_accounts(true).build()
    });
    let first = mock!(aws_sdk_costoptimizationhub::Client::list_recommendations)
        .match_requests(|i| i.next_token().is_none() && i.include_all_recommendations() == Some(false))
        .then_output(|| page(vec![rec(1, ACME_ACCOUNT, 12.34), rec(2, GLOBEX_ACCOUNT, 0.1)], Some("p2")));
    let second = mock!(aws_sdk_costoptimizationhub::Client::list_recommendations)
        .match_requests(|i| i.next_token() == Some("p2"))
        .then_output(|| page(vec![rec(3, ACME_ACCOUNT, 1234.5678), rec(4, UNGROUPED, 40.0)], Some("p3")));
    let third = mock!(aws_sdk_costoptimizationhub::Client::list_recommendations)
        .match_requests(|i| i.next_token() == Some("p3"))
        .then_output(|| page(vec![rec(5, GLOBEX_ACCOUNT, 7.07)], None));
    let client = mock_client!(aws_sdk_costoptimizationhub, RuleMode::MatchAny, [&refused, &status, &first, &second, &third]);
    (SdkCostOptimizationHub::from_conf(client.config().clone()), vec![status, first, second, third, refused])
}

async fn refresh(app: &TestApp, who: &Session, payer: &str) -> Value {
    let job = app.as_user(who).refresh_optimization_insights(payer).await;
    let job = app.wait_job(who, &job).await;
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    job
}

fn amounts(v: &Value, key: &str) -> Vec<String> {
    v.as_array().unwrap().iter().map(|r| r[key].as_str().unwrap().to_owned()).collect()
}

async fn recommendations_are_pulled_and_shown_per_customer(db: DbKind) {
    let enrolled = Arc::new(AtomicBool::new(false));
    let denied = Arc::new(AtomicBool::new(false));
    let (adapter, rules) = hub(&enrolled, &denied);
    let clients = AwsClients::from_sdk_config(&aws::sdk_config(&aws::moto_url()).await).with_cost_optimization_hub(Arc::new(adapter));
    let app = TestApp::spawn_with_aws(db, vec![], clients).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Optimize Co").await;
    let org = aws::organization(0).await;
    let payer = app.connected_payer(&p, &org.management).await;
    let partner_admin = app.as_user(&p.admin);
    let acme = partner_admin.create_tenant(&p.tenant_id, "CUSTOMER", "Acme").await;
    let globex = partner_admin.create_tenant(&p.tenant_id, "CUSTOMER", "Globex").await;
    let acme_viewer = partner_admin.create_user("viewer@acme-opt.example", "VIEWER", ("tenantId", &acme)).await;
    let operator = app.as_user(&p.operator);
    let plan = operator.create_pricing_plan(json!({ "payerId": payer, "name": "at-cost", "pricingRuleIds": [] })).await;
    for (name, account, tenant) in [("Acme", ACME_ACCOUNT, &acme), ("Globex", GLOBEX_ACCOUNT, &globex)] {
        operator.create_billing_group(json!({ "payerId": payer, "name": name, "primaryAccountId": account, "accountIds": [account], "pricingPlanId": plan, "customerTenantId": tenant })).await;
    }
    let (viewer, customer_viewer) = (app.as_user(&p.viewer), app.as_user(&acme_viewer));

    // Never pulled: no status yet, nothing listed.
    let before = viewer.optimization_insights(&payer, None, None).await;
    assert_eq!(before["enrollment"], json!({ "status": null, "memberAccountsIncluded": false, "checkedAt": null, "truncated": false, "lastError": null }));

    // Who may pull: partner operators and up; a viewer may not, and to a customer the payer
    // itself is not there (they see their accounts' recommendations, not the payer).
    viewer.try_refresh_optimization_insights(&payer).await.assert_code("FORBIDDEN");
    customer_viewer.try_refresh_optimization_insights(&payer).await.assert_code("NOT_FOUND");

    // Not enrolled: the state says so, no recommendation is asked for.
    let job = refresh(&app, &p.operator, &payer).await;
    assert_eq!(job["result"]["enrollment"], "INACTIVE", "{job}");
    assert_eq!(rules[1].num_calls(), 0);
    let off = viewer.optimization_insights(&payer, None, None).await;
    assert_eq!(off["enrollment"]["status"], "INACTIVE");
    assert_eq!(off["recommendationCount"], 0);

    // Enrolled: every page is read and stored.
    enrolled.store(true, Ordering::SeqCst);
    let job = refresh(&app, &p.operator, &payer).await;
    assert_eq!((job["result"]["recommendations"].as_u64(), job["result"]["pages"].as_u64()), (Some(5), Some(3)), "{job}");
    let i = viewer.optimization_insights(&payer, None, None).await;
    assert_eq!(i["enrollment"]["status"], "ACTIVE");
    assert_eq!(i["enrollment"]["memberAccountsIncluded"], true);
    assert_eq!(i["recommendationCount"], 5);
    // 12.34 + 0.1 + 1234.5678 + 40 + 7.07, exactly.
    assert_eq!(i["totals"], json!([{ "currency": "USD", "estimatedMonthlySavings": "1294.0778" }]));
    assert_eq!(amounts(&i["recommendations"], "estimatedMonthlySavings"), ["1234.5678", "40", "12.34", "7.07", "0.1"], "largest first");
    assert_eq!(i["recommendations"][0]["estimatedMonthlyCost"], "2469.1356");
    assert_eq!(i["recommendations"][0]["customerTenantId"], json!(acme));
    assert_eq!(i["recommendations"][1]["customerTenantId"], Value::Null, "an account in no customer's group");
    assert_eq!(
        i["byCustomer"],
        json!([
            { "customerTenantId": acme, "customerName": "Acme", "recommendationCount": 2, "currency": "USD", "estimatedMonthlySavings": "1246.9078" },
            { "customerTenantId": null, "customerName": null, "recommendationCount": 1, "currency": "USD", "estimatedMonthlySavings": "40" },
            { "customerTenantId": globex, "customerName": "Globex", "recommendationCount": 2, "currency": "USD", "estimatedMonthlySavings": "7.17" },
        ])
    );
    let top = viewer.optimization_insights(&payer, None, Some(2)).await;
    assert_eq!(top["recommendations"].as_array().unwrap().len(), 2);
    assert_eq!(top["recommendationCount"], 5, "the count is of all, not of those listed");
    for bad in [0, 501] {
        let res = viewer.try_optimization_insights(&payer, None, Some(bad)).await;
        res.assert_code("VALIDATION");
        assert!(res.body.to_string().contains("first"), "{}", res.body);
    }

    // The partner looks at one customer: the same numbers the customer sees.
    let partner_on_acme = viewer.optimization_insights(&payer, Some(&acme), None).await;
    let customer = customer_viewer.optimization_insights(&payer, None, None).await;
    for v in [&partner_on_acme, &customer] {
        assert_eq!(v["recommendationCount"], 2);
        assert_eq!(v["totals"], json!([{ "currency": "USD", "estimatedMonthlySavings": "1246.9078" }]));
        assert_eq!(amounts(&v["recommendations"], "accountId"), [ACME_ACCOUNT, ACME_ACCOUNT]);
    }
    let body = customer.to_string();
    for other in [GLOBEX_ACCOUNT, UNGROUPED, "Globex", "i-00000004"] {
        assert!(!body.contains(other), "{other} leaked to the customer: {body}");
    }
    assert_eq!(customer["byCustomer"][0]["customerName"], "Acme");
    assert_eq!(customer["byCustomer"].as_array().unwrap().len(), 1);
    customer_viewer.try_optimization_insights(&payer, Some(&globex), None).await.assert_code("NOT_FOUND");

    // The upsell list: per customer across the partner's payers; a customer has none.
    let upsell = viewer.optimization_savings_by_customer().await;
    assert_eq!(amounts(&upsell, "estimatedMonthlySavings"), ["1246.9078", "40", "7.17"]);
    assert_eq!(upsell[0]["payerId"], json!(payer));
    assert_eq!(customer_viewer.optimization_savings_by_customer().await, json!([]));

    // A later pull replaces what was stored: not enrolled any more, nothing kept.
    enrolled.store(false, Ordering::SeqCst);
    refresh(&app, &p.operator, &payer).await;
    let gone = viewer.optimization_insights(&payer, None, None).await;
    assert_eq!((&gone["enrollment"]["status"], &gone["recommendationCount"]), (&json!("INACTIVE"), &json!(0)));
    assert_eq!(app.count("optimization_recommendations").await, 0);

    // The role may not read it (a stack older than the permission): ACCESS_DENIED, with AWS's
    // words for the partner and none for the customer; the job is done, not retried.
    denied.store(true, Ordering::SeqCst);
    let job = refresh(&app, &p.operator, &payer).await;
    assert_eq!((job["result"]["enrollment"].as_str(), job["attempts"].as_i64(), &job["lastError"]), (Some("ACCESS_DENIED"), Some(0), &Value::Null), "done at once, no failed attempt: {job}");
    let partner = viewer.optimization_insights(&payer, None, None).await;
    assert_eq!(partner["enrollment"]["status"], "ACCESS_DENIED");
    let said = partner["enrollment"]["lastError"].as_str().unwrap().to_owned();
    assert!(said.contains("AccessDeniedException") && said.contains("ListEnrollmentStatuses"), "{said}");
    let customer = customer_viewer.optimization_insights(&payer, None, None).await;
    assert_eq!(customer["enrollment"], json!({ "status": "ACCESS_DENIED", "memberAccountsIncluded": false, "checkedAt": partner["enrollment"]["checkedAt"], "truncated": false, "lastError": null }));
    assert!(rules[4].num_calls() >= 1);
}

on_both_databases!(recommendations_are_pulled_and_shown_per_customer);
