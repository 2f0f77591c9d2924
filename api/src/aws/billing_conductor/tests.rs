//! The adapter at the SDK level with `aws-smithy-mocks` (moto has no Billing Conductor): the exact
//! requests it sends, and documented responses and errors as the caller reads them.

use std::sync::{Arc, Mutex};

use aws_sdk_billingconductor::operation::associate_accounts::AssociateAccountsOutput;
use aws_sdk_billingconductor::operation::associate_pricing_rules::AssociatePricingRulesOutput;
use aws_sdk_billingconductor::operation::create_billing_group::{CreateBillingGroupError, CreateBillingGroupOutput};
use aws_sdk_billingconductor::operation::create_custom_line_item::CreateCustomLineItemOutput;
use aws_sdk_billingconductor::operation::create_pricing_plan::CreatePricingPlanError;
use aws_sdk_billingconductor::operation::create_pricing_rule::{CreatePricingRuleError, CreatePricingRuleOutput};
use aws_sdk_billingconductor::operation::delete_pricing_rule::DeletePricingRuleError;
use aws_sdk_billingconductor::operation::disassociate_accounts::DisassociateAccountsOutput;
use aws_sdk_billingconductor::operation::disassociate_pricing_rules::DisassociatePricingRulesOutput;
use aws_sdk_billingconductor::operation::get_billing_group_cost_report::GetBillingGroupCostReportOutput;
use aws_sdk_billingconductor::operation::list_account_associations::ListAccountAssociationsOutput;
use aws_sdk_billingconductor::operation::list_billing_group_cost_reports::ListBillingGroupCostReportsOutput;
use aws_sdk_billingconductor::operation::list_billing_groups::{ListBillingGroupsError, ListBillingGroupsOutput};
use aws_sdk_billingconductor::operation::list_custom_line_items::ListCustomLineItemsOutput;
use aws_sdk_billingconductor::operation::list_pricing_plans::ListPricingPlansOutput;
use aws_sdk_billingconductor::operation::list_pricing_rules::ListPricingRulesOutput;
use aws_sdk_billingconductor::operation::list_pricing_rules_associated_to_pricing_plan::ListPricingRulesAssociatedToPricingPlanOutput;
use aws_sdk_billingconductor::types::error::{
    AccessDeniedException, ConflictException, ServiceLimitExceededException, ThrottlingException, ValidationException,
};
use aws_sdk_billingconductor::types::{
    AccountAssociationsListElement, Attribute, BillingGroupCostReportElement, BillingGroupCostReportResultElement,
    BillingGroupListElement, BillingGroupStatus, CurrencyCode, CustomLineItemListElement, ListCustomLineItemChargeDetails,
    ListCustomLineItemFlatChargeDetails, PricingPlanListElement, PricingRuleListElement,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;

use super::*;
use crate::error::ErrorCode;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

const GROUP: &str = "arn:aws:billingconductor::123456789012:billinggroup/abcdef1234";
const PLAN: &str = "arn:aws:billingconductor::123456789012:pricingplan/plan123456";

fn creds() -> Credentials {
    Credentials::new("AKIA", "secret", None, None, "test")
}

fn accounts(from: u64, n: u64) -> Vec<String> {
    (from..from + n).map(|i| format!("{:012}", 100_000_000_000 + i)).collect()
}

fn abc(rules: &[&Rule]) -> SdkBillingConductor {
    // No retries: a throttled call must reach the caller, not be replayed against the mock.
    let client = mock_client!(aws_sdk_billingconductor, RuleMode::MatchAny, rules, |c| c
        .retry_config(aws_sdk_billingconductor::config::retry::RetryConfig::disabled()));
    SdkBillingConductor::from_conf(client.config().clone())
}

/// Records the account or rule ids of each batch call.
fn recorder() -> Arc<Mutex<Vec<Vec<String>>>> {
    Arc::new(Mutex::new(Vec::new()))
}

fn sizes(seen: &Mutex<Vec<Vec<String>>>) -> Vec<usize> {
    seen.lock().unwrap().iter().map(Vec::len).collect()
}

fn group_spec(members: Vec<String>) -> BillingGroupSpec {
    BillingGroupSpec {
        name: "acme-prod".into(),
        description: "Acme production".into(),
        primary_account_id: members[0].clone(),
        pricing_plan_arn: PLAN.into(),
        account_ids: members,
    }
}

#[tokio::test]
async fn creating_a_group_of_65_accounts_sends_batches_of_30_30_and_5() {
    let members = accounts(1, 65);
    let primary = members[0].clone();
    let create = mock!(aws_sdk_billingconductor::Client::create_billing_group)
        .match_requests(move |r| {
            let ids = r.account_grouping().map(|g| g.linked_account_ids()).unwrap_or_default();
            r.name() == Some("acme-prod")
                && r.description() == Some("Acme production")
                && r.primary_account_id() == Some(primary.as_str())
                && ids.len() == 30
                && ids[0] == primary
                && r.computation_preference().map(|p| p.pricing_plan_arn()) == Some(PLAN)
                && r.client_token() == Some("0192f0c4-group")
                && r.tags().and_then(|t| t.get(OWNER_TAG)).map(String::as_str) == Some("0192f0c4-group")
        })
        .then_output(|| CreateBillingGroupOutput::builder().arn(GROUP).build());
    let seen = recorder();
    let log = seen.clone();
    let associate = mock!(aws_sdk_billingconductor::Client::associate_accounts)
        .match_requests(|r| r.arn() == Some(GROUP))
        .then_compute_output(move |r| {
            log.lock().unwrap().push(r.account_ids().to_vec());
            AssociateAccountsOutput::builder().arn(GROUP).build()
        });
    let abc = abc(&[&create, &associate]);

    let spec = group_spec(members.clone());
    let created = abc.create_billing_group(&creds(), &spec, "0192f0c4-group").await.unwrap();
    assert_eq!(created.arn, GROUP);
    assert_eq!(created.account_ids, members[..30]);
    let change = abc.set_group_accounts(&creds(), GROUP, &created.account_ids, &members).await.unwrap();

    assert_eq!(create.num_calls(), 1);
    assert_eq!(sizes(&seen), [30, 5], "after the create's 30, the other 35 go as 30 then 5");
    let mut sent: Vec<String> = created.account_ids.clone();
    sent.extend(seen.lock().unwrap().concat());
    sent.sort();
    assert_eq!(sent, members, "every member is sent exactly once");
    assert_eq!((change.added.len(), change.removed.len()), (35, 0));
}

#[tokio::test]
async fn editing_membership_sends_only_the_difference() {
    let old = accounts(1, 40);
    let mut new = old[35..].to_vec(); // keeps 5
    new.extend(accounts(500, 2));
    let (removed, added) = (recorder(), recorder());
    let (r, a) = (removed.clone(), added.clone());
    let disassociate = mock!(aws_sdk_billingconductor::Client::disassociate_accounts)
        .match_requests(|r| r.arn() == Some(GROUP))
        .then_compute_output(move |req| {
            r.lock().unwrap().push(req.account_ids().to_vec());
            DisassociateAccountsOutput::builder().arn(GROUP).build()
        });
    let associate = mock!(aws_sdk_billingconductor::Client::associate_accounts)
        .match_requests(|r| r.arn() == Some(GROUP))
        .then_compute_output(move |req| {
            a.lock().unwrap().push(req.account_ids().to_vec());
            AssociateAccountsOutput::builder().arn(GROUP).build()
        });
    let abc = abc(&[&disassociate, &associate]);

    abc.set_group_accounts(&creds(), GROUP, &old, &new).await.unwrap();
    assert_eq!(sizes(&removed), [30, 5]);
    assert_eq!(removed.lock().unwrap().concat(), old[..35]);
    assert_eq!(added.lock().unwrap().clone(), [accounts(500, 2)]);

    // Unchanged membership (in another order) sends nothing.
    let mut shuffled = new.clone();
    shuffled.reverse();
    let change = abc.set_group_accounts(&creds(), GROUP, &new, &shuffled).await.unwrap();
    assert_eq!(change, MembershipChange::default());
    assert_eq!((disassociate.num_calls(), associate.num_calls()), (2, 1));
}

#[tokio::test]
async fn plan_rules_change_as_a_difference_in_batches_of_30() {
    let rule = |i: u64| format!("arn:aws:billingconductor::123456789012:pricingrule/rule{i:06}");
    let old: Vec<String> = (0..3).map(rule).collect();
    let new: Vec<String> = (2..35).map(rule).collect();
    let (removed, added) = (recorder(), recorder());
    let (r, a) = (removed.clone(), added.clone());
    let disassociate = mock!(aws_sdk_billingconductor::Client::disassociate_pricing_rules)
        .match_requests(|r| r.arn() == Some(PLAN))
        .then_compute_output(move |req| {
            r.lock().unwrap().push(req.pricing_rule_arns().to_vec());
            DisassociatePricingRulesOutput::builder().arn(PLAN).build()
        });
    let associate = mock!(aws_sdk_billingconductor::Client::associate_pricing_rules)
        .match_requests(|r| r.arn() == Some(PLAN))
        .then_compute_output(move |req| {
            a.lock().unwrap().push(req.pricing_rule_arns().to_vec());
            AssociatePricingRulesOutput::builder().arn(PLAN).build()
        });
    let abc = abc(&[&disassociate, &associate]);
    abc.set_plan_rules(&creds(), PLAN, &old, &new).await.unwrap();
    assert_eq!(removed.lock().unwrap().clone(), [vec![rule(0), rule(1)]]);
    assert_eq!(sizes(&added), [30, 2]);
    assert_eq!(added.lock().unwrap().concat(), (3..35).map(rule).collect::<Vec<_>>());
}

#[tokio::test]
async fn rules_and_line_items_carry_exact_decimals() {
    let rule = mock!(aws_sdk_billingconductor::Client::create_pricing_rule)
        .match_requests(|r| {
            r.scope() == Some(&PricingRuleScope::Service)
                && r.r#type() == Some(&PricingRuleType::Markup)
                && r.modifier_percentage() == Some(10.25)
                && r.service() == Some("AmazonEC2")
                && r.tiering().is_none()
        })
        .then_output(|| CreatePricingRuleOutput::builder().arn("arn:rule/ec2").build());
    let item = mock!(aws_sdk_billingconductor::Client::create_custom_line_item)
        .match_requests(|r| {
            let charge = r.charge_details();
            r.billing_group_arn() == Some(GROUP)
                && charge.is_some_and(|c| {
                    c.r#type() == &CustomLineItemType::Fee
                        && c.flat().map(|f| f.charge_value()) == Some(12.34)
                        && c.percentage().is_none()
                        && excludes_savings_plan_negation(c.line_item_filters.as_deref())
                })
                && r.billing_period_range().map(|p| (p.inclusive_start_billing_period(), p.exclusive_end_billing_period())) == Some(("2026-11", None))
                && r.account_id() == Some("100000000001")
        })
        .then_output(|| CreateCustomLineItemOutput::builder().arn("arn:cli/fee").build());
    let abc = abc(&[&rule, &item]);
    let spec = PricingRuleSpec {
        name: "ec2-markup".into(),
        description: String::new(),
        scope: "SERVICE".into(),
        rule_type: "MARKUP".into(),
        modifier_percentage: Some(dec("10.25")),
        service: Some("AmazonEC2".into()),
        billing_entity: None,
        usage_type: None,
        operation: None,
        free_tier: None,
    };
    assert_eq!(abc.create_pricing_rule(&creds(), &spec, "t1").await.unwrap(), "arn:rule/ec2");
    let fee = CustomLineItemSpec {
        name: "support".into(),
        description: "Support fee".into(),
        billing_group_arn: GROUP.into(),
        charge_type: "FEE".into(),
        flat: Some(dec("12.34")),
        percentage: None,
        associated_arns: Vec::new(),
        account_id: Some("100000000001".into()),
        exclude_savings_plan_negation: true,
        start_period: Some("2026-11".into()),
        end_period: None,
    };
    assert_eq!(abc.create_custom_line_item(&creds(), &fee, "t2").await.unwrap(), "arn:cli/fee");
    assert_eq!((rule.num_calls(), item.num_calls()), (1, 1));
}

#[tokio::test]
async fn every_list_follows_next_token() {
    let groups = mock!(aws_sdk_billingconductor::Client::list_billing_groups)
        .sequence()
        .output(|| {
            ListBillingGroupsOutput::builder()
                .billing_groups(
                    BillingGroupListElement::builder()
                        .arn(GROUP)
                        .name("acme-prod")
                        .primary_account_id("100000000001")
                        .computation_preference(ComputationPreference::builder().pricing_plan_arn(PLAN).build().unwrap())
                        .size(65)
                        .status(BillingGroupStatus::Active)
                        .build(),
                )
                .next_token("groups-2")
                .build()
        })
        .output(|| ListBillingGroupsOutput::builder().billing_groups(BillingGroupListElement::builder().arn("arn:group/2").name("beta").build()).build())
        .build();
    let groups_page2 = Arc::new(Mutex::new(Vec::new()));
    let tokens = groups_page2.clone();
    let accounts_rule = mock!(aws_sdk_billingconductor::Client::list_account_associations)
        .match_requests(move |r| {
            tokens.lock().unwrap().push(r.next_token().map(str::to_owned));
            r.filters().and_then(|f| f.association()) == Some(GROUP)
        })
        .sequence()
        .output(|| {
            ListAccountAssociationsOutput::builder()
                .linked_accounts(AccountAssociationsListElement::builder().account_id("100000000001").billing_group_arn(GROUP).build())
                .next_token("acc-2")
                .build()
        })
        .output(|| ListAccountAssociationsOutput::builder().linked_accounts(AccountAssociationsListElement::builder().account_id("100000000002").build()).build())
        .build();
    let plan_rules = mock!(aws_sdk_billingconductor::Client::list_pricing_rules_associated_to_pricing_plan)
        .match_requests(|r| r.pricing_plan_arn() == Some(PLAN))
        .sequence()
        .output(|| ListPricingRulesAssociatedToPricingPlanOutput::builder().pricing_rule_arns("arn:rule/1").next_token("r-2").build())
        .output(|| ListPricingRulesAssociatedToPricingPlanOutput::builder().pricing_rule_arns("arn:rule/2").build())
        .build();
    let plans = mock!(aws_sdk_billingconductor::Client::list_pricing_plans)
        .sequence()
        .output(|| ListPricingPlansOutput::builder().pricing_plans(PricingPlanListElement::builder().arn(PLAN).name("standard").size(2).build()).next_token("p-2").build())
        .output(|| ListPricingPlansOutput::builder().pricing_plans(PricingPlanListElement::builder().arn("arn:plan/2").name("gold").build()).build())
        .build();
    let rules = mock!(aws_sdk_billingconductor::Client::list_pricing_rules)
        .sequence()
        .output(|| {
            ListPricingRulesOutput::builder()
                .pricing_rules(
                    PricingRuleListElement::builder()
                        .arn("arn:rule/1")
                        .name("global-discount")
                        .scope(PricingRuleScope::Global)
                        .r#type(PricingRuleType::Discount)
                        .modifier_percentage(5.1)
                        .build(),
                )
                .next_token("rules-2")
                .build()
        })
        .output(|| {
            ListPricingRulesOutput::builder()
                .pricing_rules(PricingRuleListElement::builder().arn("arn:rule/2").name("ec2").scope(PricingRuleScope::Service).service("AmazonEC2").build())
                .build()
        })
        .build();
    let items = mock!(aws_sdk_billingconductor::Client::list_custom_line_items)
        .sequence()
        .output(|| {
            ListCustomLineItemsOutput::builder()
                .custom_line_items(
                    CustomLineItemListElement::builder()
                        .arn("arn:cli/1")
                        .name("support")
                        .billing_group_arn(GROUP)
                        .currency_code(CurrencyCode::Usd)
                        .charge_details(
                            ListCustomLineItemChargeDetails::builder()
                                .r#type(CustomLineItemType::Fee)
                                .flat(ListCustomLineItemFlatChargeDetails::builder().charge_value(12.34).build().unwrap())
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .next_token("cli-2")
                .build()
        })
        .output(|| ListCustomLineItemsOutput::builder().custom_line_items(CustomLineItemListElement::builder().arn("arn:cli/2").name("credit").build()).build())
        .build();
    let reports = mock!(aws_sdk_billingconductor::Client::list_billing_group_cost_reports)
        .match_requests(|r| r.billing_period() == Some("2026-10"))
        .sequence()
        .output(|| {
            ListBillingGroupCostReportsOutput::builder()
                .billing_group_cost_reports(
                    BillingGroupCostReportElement::builder()
                        .arn(GROUP)
                        .aws_cost("1234.5678901234")
                        .proforma_cost("1300.10")
                        .margin("65.5321098766")
                        .margin_percentage("5.04")
                        .currency("USD")
                        .build(),
                )
                .next_token("rep-2")
                .build()
        })
        .output(|| {
            ListBillingGroupCostReportsOutput::builder()
                .billing_group_cost_reports(BillingGroupCostReportElement::builder().arn("arn:group/2").aws_cost("0").proforma_cost("0").margin("0").build())
                .build()
        })
        .build();
    let report = mock!(aws_sdk_billingconductor::Client::get_billing_group_cost_report)
        .match_requests(|r| {
            r.arn() == Some(GROUP)
                && r.group_by() == [GroupByAttributeName::ProductName, GroupByAttributeName::BillingPeriod]
                && r.billing_period_range().map(|p| (p.inclusive_start_billing_period(), p.exclusive_end_billing_period())) == Some(("2026-09", "2026-11"))
        })
        .sequence()
        .output(|| {
            GetBillingGroupCostReportOutput::builder()
                .billing_group_cost_report_results(
                    BillingGroupCostReportResultElement::builder()
                        .arn(GROUP)
                        .aws_cost("100.01")
                        .proforma_cost("110.02")
                        .margin("10.01")
                        .currency("USD")
                        .attributes(Attribute::builder().key("PRODUCT_NAME").value("Amazon Elastic Compute Cloud").build())
                        .attributes(Attribute::builder().key("BILLING_PERIOD").value("2026-09").build())
                        .build(),
                )
                .next_token("gr-2")
                .build()
        })
        .output(|| {
            GetBillingGroupCostReportOutput::builder()
                .billing_group_cost_report_results(
                    BillingGroupCostReportResultElement::builder()
                        .aws_cost("3")
                        .proforma_cost("3.3")
                        .margin("0.3")
                        .attributes(Attribute::builder().key("PRODUCT_NAME").value("Amazon Simple Storage Service").build())
                        .attributes(Attribute::builder().key("BILLING_PERIOD").value("2026-10").build())
                        .build(),
                )
                .build()
        })
        .build();
    let abc = abc(&[&groups, &accounts_rule, &plan_rules, &plans, &rules, &items, &reports, &report]);

    let g = abc.list_billing_groups(&creds()).await.unwrap();
    assert_eq!(g.iter().map(|g| g.arn.as_str()).collect::<Vec<_>>(), [GROUP, "arn:group/2"]);
    assert_eq!((g[0].pricing_plan_arn.as_deref(), g[0].size, g[0].status.as_str()), (Some(PLAN), 65, "ACTIVE"));
    assert_eq!(abc.list_group_accounts(&creds(), GROUP).await.unwrap(), ["100000000001", "100000000002"]);
    assert_eq!(groups_page2.lock().unwrap().clone(), [None, Some("acc-2".to_owned())], "the second page asks with the token");
    assert_eq!(abc.list_plan_rules(&creds(), PLAN).await.unwrap(), ["arn:rule/1", "arn:rule/2"]);
    let p = abc.list_pricing_plans(&creds()).await.unwrap();
    assert_eq!(p.iter().map(|p| p.spec.name.as_str()).collect::<Vec<_>>(), ["standard", "gold"]);
    let r = abc.list_pricing_rules(&creds()).await.unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!((r[0].spec.scope.as_str(), r[0].spec.rule_type.as_str(), r[0].spec.modifier_percentage), ("GLOBAL", "DISCOUNT", Some(dec("5.1"))));
    assert_eq!(r[1].spec.service.as_deref(), Some("AmazonEC2"));
    let i = abc.list_custom_line_items(&creds()).await.unwrap();
    assert_eq!(i.len(), 2);
    assert_eq!((i[0].spec.charge_type.as_str(), i[0].spec.flat, i[0].currency.as_str()), ("FEE", Some(dec("12.34")), "USD"));
    let rep = abc.list_cost_reports(&creds(), "2026-10").await.unwrap();
    assert_eq!(rep.len(), 2);
    assert_eq!(
        (rep[0].aws_cost, rep[0].proforma_cost, rep[0].margin, rep[0].margin_percentage),
        (dec("1234.5678901234"), dec("1300.10"), dec("65.5321098766"), Some(dec("5.04")))
    );
    let lines = abc.cost_report(&creds(), GROUP, "2026-09", "2026-11").await.unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!((lines[0].product_name.as_deref(), lines[0].billing_period.as_deref()), (Some("Amazon Elastic Compute Cloud"), Some("2026-09")));
    assert_eq!((lines[1].proforma_cost, lines[1].billing_period.as_deref()), (dec("3.3"), Some("2026-10")));
    for rule in [&groups, &accounts_rule, &plan_rules, &plans, &rules, &items, &reports, &report] {
        assert_eq!(rule.num_calls(), 2, "two pages each");
    }
}

fn meta(code: &str, message: &str) -> ErrorMetadata {
    // As the SDK deserialises it from the wire: the code travels in the metadata.
    ErrorMetadata::builder().code(code).message(message).build()
}

#[tokio::test]
async fn aws_errors_reach_the_caller_readable() {
    let conflict = mock!(aws_sdk_billingconductor::Client::delete_pricing_rule).then_error(|| {
        DeletePricingRuleError::ConflictException(
            ConflictException::builder()
                .message("The pricing rule is attached to a pricing plan.")
                .resource_id("rule1")
                .resource_type("PRICING_RULE")
                .meta(meta("ConflictException", "The pricing rule is attached to a pricing plan."))
                .build()
                .unwrap(),
        )
    });
    let invalid = mock!(aws_sdk_billingconductor::Client::create_billing_group).then_error(|| {
        CreateBillingGroupError::ValidationException(
            ValidationException::builder()
                .message("Accounts are already associated with another billing group.")
                .meta(meta("ValidationException", "Accounts are already associated with another billing group."))
                .build()
                .unwrap(),
        )
    });
    let limit = mock!(aws_sdk_billingconductor::Client::create_pricing_plan).then_error(|| {
        CreatePricingPlanError::ServiceLimitExceededException(
            ServiceLimitExceededException::builder()
                .message("You have reached the maximum number of pricing plans.")
                .limit_code("L-12345")
                .service_code("billingconductor")
                .meta(meta("ServiceLimitExceededException", "You have reached the maximum number of pricing plans."))
                .build()
                .unwrap(),
        )
    });
    let denied = mock!(aws_sdk_billingconductor::Client::list_billing_groups).then_error(|| {
        ListBillingGroupsError::AccessDeniedException(
            AccessDeniedException::builder()
                .message("User is not authorized to perform billingconductor:ListBillingGroups")
                .meta(meta("AccessDeniedException", "User is not authorized to perform billingconductor:ListBillingGroups"))
                .build()
                .unwrap(),
        )
    });
    let throttled = mock!(aws_sdk_billingconductor::Client::create_pricing_rule).then_error(|| {
        CreatePricingRuleError::ThrottlingException(
            ThrottlingException::builder().message("Rate exceeded").meta(meta("ThrottlingException", "Rate exceeded")).build().unwrap(),
        )
    });
    let abc = abc(&[&conflict, &invalid, &limit, &denied, &throttled]);

    let e = abc.delete_pricing_rule(&creds(), "arn:rule/1").await.unwrap_err();
    assert_eq!((e.kind, e.code.as_deref()), (AwsErrorKind::Service, Some("ConflictException")));
    let app = app_error(e);
    assert_eq!(app.code(), ErrorCode::Conflict);
    assert_eq!(app.to_string(), "billingconductor DeletePricingRule failed: ConflictException: The pricing rule is attached to a pricing plan.");

    let e = abc.create_billing_group(&creds(), &group_spec(accounts(1, 2)), "t").await.unwrap_err();
    let app = app_error(e);
    assert_eq!(app.code(), ErrorCode::Validation);
    assert!(app.to_string().contains("ValidationException: Accounts are already associated with another billing group."), "{app}");

    let plan = PricingPlanSpec { name: "p".into(), description: String::new() };
    let app = app_error(abc.create_pricing_plan(&creds(), &plan, "t").await.unwrap_err());
    assert_eq!(app.code(), ErrorCode::Conflict);
    assert!(app.to_string().contains("ServiceLimitExceededException: You have reached the maximum number of pricing plans."), "{app}");

    let e = abc.list_billing_groups(&creds()).await.unwrap_err();
    assert_eq!(e.kind, AwsErrorKind::AccessDenied);
    let app = app_error(e);
    assert_eq!(app.code(), ErrorCode::Forbidden);
    assert!(app.to_string().contains("not authorized to perform billingconductor:ListBillingGroups"), "{app}");

    let rule = PricingRuleSpec {
        name: "r".into(),
        description: String::new(),
        scope: "GLOBAL".into(),
        rule_type: "DISCOUNT".into(),
        modifier_percentage: Some(dec("5")),
        service: None,
        billing_entity: None,
        usage_type: None,
        operation: None,
        free_tier: None,
    };
    let e = abc.create_pricing_rule(&creds(), &rule, "t").await.unwrap_err();
    assert_eq!(e.kind, AwsErrorKind::Throttled);
    let app = app_error(e);
    assert_eq!(app.code(), ErrorCode::RateLimited);
    assert_eq!(app.to_string(), "AWS throttled billingconductor CreatePricingRule; try again later");
}

#[test]
fn the_difference_ignores_order_and_repeats() {
    let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let change = membership_diff(&s(&["b", "a", "a", "c"]), &s(&["c", "d", "b", "d"]));
    assert_eq!(change, MembershipChange { added: s(&["d"]), removed: s(&["a"]) });
    assert_eq!(from_f64(5.1), Some(dec("5.1")));
}
