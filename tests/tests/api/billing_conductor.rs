//! AWS Billing Conductor end to end. moto has no Billing Conductor, so ABC is the official
//! `aws-smithy-mocks` client over a small in-memory stand-in that answers like ABC (paginated
//! lists, ARNs, our owner tag); STS and Organizations are moto. Everything else runs for real:
//! GraphQL, the domain, the durable sync job, on both databases.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use aws_sdk_billingconductor::operation::associate_accounts::AssociateAccountsOutput;
use aws_sdk_billingconductor::operation::associate_pricing_rules::AssociatePricingRulesOutput;
use aws_sdk_billingconductor::operation::create_billing_group::{CreateBillingGroupError, CreateBillingGroupOutput};
use aws_sdk_billingconductor::operation::create_custom_line_item::CreateCustomLineItemOutput;
use aws_sdk_billingconductor::operation::create_pricing_plan::CreatePricingPlanOutput;
use aws_sdk_billingconductor::operation::create_pricing_rule::CreatePricingRuleOutput;
use aws_sdk_billingconductor::operation::disassociate_accounts::DisassociateAccountsOutput;
use aws_sdk_billingconductor::operation::disassociate_pricing_rules::DisassociatePricingRulesOutput;
use aws_sdk_billingconductor::operation::list_account_associations::ListAccountAssociationsOutput;
use aws_sdk_billingconductor::operation::list_billing_group_cost_reports::ListBillingGroupCostReportsOutput;
use aws_sdk_billingconductor::operation::list_billing_groups::ListBillingGroupsOutput;
use aws_sdk_billingconductor::operation::list_custom_line_items::ListCustomLineItemsOutput;
use aws_sdk_billingconductor::operation::list_pricing_plans::ListPricingPlansOutput;
use aws_sdk_billingconductor::operation::list_pricing_rules::ListPricingRulesOutput;
use aws_sdk_billingconductor::operation::list_pricing_rules_associated_to_pricing_plan::ListPricingRulesAssociatedToPricingPlanOutput;
use aws_sdk_billingconductor::operation::list_tags_for_resource::ListTagsForResourceOutput;
use aws_sdk_billingconductor::operation::delete_billing_group::DeleteBillingGroupOutput;
use aws_sdk_billingconductor::types::error::ValidationException;
use aws_sdk_billingconductor::types::{
    AccountAssociationsListElement, BillingGroupCostReportElement, BillingGroupListElement, BillingGroupStatus, ComputationPreference,
    CurrencyCode, CustomLineItemListElement, CustomLineItemType, ListCustomLineItemChargeDetails, ListCustomLineItemFlatChargeDetails,
    ListCustomLineItemPercentageChargeDetails, PricingPlanListElement, PricingRuleListElement, PricingRuleScope, PricingRuleType,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use e2e::{DbKind, Partner, TestApp, aws, on_both_databases};
use partner_billing::aws::{AwsClients, SdkBillingConductor};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const OWNER_TAG: &str = "partner-billing:id";
const REJECTED: &str = "Accounts 300000000003 are already associated with another billing group.";

/// What ABC holds for the payer, and every write call it received, in order.
#[derive(Default)]
struct Abc {
    next: u32,
    rules: Vec<PricingRuleListElement>,
    plans: Vec<PricingPlanListElement>,
    groups: Vec<BillingGroupListElement>,
    items: Vec<CustomLineItemListElement>,
    members: BTreeMap<String, BTreeSet<String>>,
    plan_rules: BTreeMap<String, BTreeSet<String>>,
    /// ARN → our id, for objects we created (the owner tag).
    tags: HashMap<String, String>,
    calls: Vec<String>,
    /// While set, CreateBillingGroup answers a ValidationException.
    reject_groups: bool,
}

impl Abc {
    fn arn(&mut self, kind: &str) -> String {
        self.next += 1;
        format!("arn:aws:billingconductor::123456789012:{kind}/{:010}", self.next)
    }

    fn calls(&self, prefix: &str) -> Vec<String> {
        self.calls.iter().filter(|c| c.starts_with(prefix)).cloned().collect()
    }
}

type Shared = Arc<Mutex<Abc>>;

/// Two items a page, so every list follows NextToken.
fn page<T: Clone>(all: &[T], token: Option<&str>) -> (Vec<T>, Option<String>) {
    let start: usize = token.and_then(|t| t.parse().ok()).unwrap_or(0);
    let end = (start + 2).min(all.len());
    (all[start.min(end)..end].to_vec(), (end < all.len()).then(|| end.to_string()))
}

fn tagged(tags: Option<&HashMap<String, String>>) -> Option<String> {
    tags.and_then(|t| t.get(OWNER_TAG)).cloned()
}

/// The mock rules answering like ABC over `abc`.
fn rules(abc: &Shared) -> Vec<Rule> {
    let [a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18] = std::array::from_fn(|_| abc.clone());
    vec![
        mock!(aws_sdk_billingconductor::Client::create_billing_group).match_requests(move |_| a1.lock().unwrap().reject_groups).then_error(|| {
            CreateBillingGroupError::ValidationException(
                ValidationException::builder()
                    .message(REJECTED)
                    .meta(aws_smithy_types::error::ErrorMetadata::builder().code("ValidationException").message(REJECTED).build())
                    .build()
                    .unwrap(),
            )
        }),
        mock!(aws_sdk_billingconductor::Client::create_billing_group).then_compute_output(move |r| {
            let mut abc = a2.lock().unwrap();
            let arn = abc.arn("billinggroup");
            let accounts: Vec<String> = r.account_grouping().map(|g| g.linked_account_ids().to_vec()).unwrap_or_default();
            abc.calls.push(format!("CreateBillingGroup {} {}", r.name().unwrap_or_default(), accounts.len()));
            let plan = r.computation_preference().map(|p| p.pricing_plan_arn().to_owned()).unwrap_or_default();
            abc.groups.push(
                BillingGroupListElement::builder()
                    .arn(&arn)
                    .name(r.name().unwrap_or_default())
                    .description(r.description().unwrap_or_default())
                    .primary_account_id(r.primary_account_id().unwrap_or_default())
                    .computation_preference(ComputationPreference::builder().pricing_plan_arn(plan).build().unwrap())
                    .status(BillingGroupStatus::Active)
                    .build(),
            );
            abc.members.insert(arn.clone(), accounts.into_iter().collect());
            if let Some(id) = tagged(r.tags()) {
                abc.tags.insert(arn.clone(), id);
            }
            CreateBillingGroupOutput::builder().arn(arn).build()
        }),
        mock!(aws_sdk_billingconductor::Client::delete_billing_group).then_compute_output(move |r| {
            let mut abc = a3.lock().unwrap();
            let arn = r.arn().unwrap_or_default().to_owned();
            abc.calls.push(format!("DeleteBillingGroup {arn}"));
            abc.groups.retain(|g| g.arn() != Some(arn.as_str()));
            abc.members.remove(&arn);
            DeleteBillingGroupOutput::builder().arn(arn).build()
        }),
        mock!(aws_sdk_billingconductor::Client::list_billing_groups).then_compute_output(move |r| {
            let (items, next) = page(&a4.lock().unwrap().groups, r.next_token());
            ListBillingGroupsOutput::builder().set_billing_groups(Some(items)).set_next_token(next).build()
        }),
        mock!(aws_sdk_billingconductor::Client::associate_accounts).then_compute_output(move |r| {
            let mut abc = a5.lock().unwrap();
            let arn = r.arn().unwrap_or_default().to_owned();
            abc.calls.push(format!("AssociateAccounts {}", r.account_ids().len()));
            abc.members.entry(arn.clone()).or_default().extend(r.account_ids().iter().cloned());
            AssociateAccountsOutput::builder().arn(arn).build()
        }),
        mock!(aws_sdk_billingconductor::Client::disassociate_accounts).then_compute_output(move |r| {
            let mut abc = a6.lock().unwrap();
            let arn = r.arn().unwrap_or_default().to_owned();
            abc.calls.push(format!("DisassociateAccounts {}", r.account_ids().join(",")));
            let members = abc.members.entry(arn.clone()).or_default();
            for a in r.account_ids() {
                members.remove(a);
            }
            DisassociateAccountsOutput::builder().arn(arn).build()
        }),
        mock!(aws_sdk_billingconductor::Client::list_account_associations).then_compute_output(move |r| {
            let abc = a7.lock().unwrap();
            let group = r.filters().and_then(|f| f.association()).unwrap_or_default();
            let all: Vec<AccountAssociationsListElement> = abc
                .members
                .get(group)
                .into_iter()
                .flatten()
                .map(|a| AccountAssociationsListElement::builder().account_id(a).billing_group_arn(group).build())
                .collect();
            let (items, next) = page(&all, r.next_token());
            ListAccountAssociationsOutput::builder().set_linked_accounts(Some(items)).set_next_token(next).build()
        }),
        mock!(aws_sdk_billingconductor::Client::create_pricing_plan).then_compute_output(move |r| {
            let mut abc = a8.lock().unwrap();
            let arn = abc.arn("pricingplan");
            abc.calls.push(format!("CreatePricingPlan {}", r.name().unwrap_or_default()));
            abc.plans.push(PricingPlanListElement::builder().arn(&arn).name(r.name().unwrap_or_default()).description(r.description().unwrap_or_default()).build());
            if let Some(id) = tagged(r.tags()) {
                abc.tags.insert(arn.clone(), id);
            }
            CreatePricingPlanOutput::builder().arn(arn).build()
        }),
        mock!(aws_sdk_billingconductor::Client::list_pricing_plans).then_compute_output(move |r| {
            let (items, next) = page(&a9.lock().unwrap().plans, r.next_token());
            ListPricingPlansOutput::builder().set_pricing_plans(Some(items)).set_next_token(next).build()
        }),
        mock!(aws_sdk_billingconductor::Client::associate_pricing_rules).then_compute_output(move |r| {
            let mut abc = a10.lock().unwrap();
            let arn = r.arn().unwrap_or_default().to_owned();
            abc.calls.push(format!("AssociatePricingRules {}", r.pricing_rule_arns().len()));
            abc.plan_rules.entry(arn.clone()).or_default().extend(r.pricing_rule_arns().iter().cloned());
            AssociatePricingRulesOutput::builder().arn(arn).build()
        }),
        mock!(aws_sdk_billingconductor::Client::disassociate_pricing_rules).then_compute_output(move |r| {
            let mut abc = a11.lock().unwrap();
            let arn = r.arn().unwrap_or_default().to_owned();
            abc.calls.push(format!("DisassociatePricingRules {}", r.pricing_rule_arns().len()));
            let rules = abc.plan_rules.entry(arn.clone()).or_default();
            for rule in r.pricing_rule_arns() {
                rules.remove(rule);
            }
            DisassociatePricingRulesOutput::builder().arn(arn).build()
        }),
        mock!(aws_sdk_billingconductor::Client::list_pricing_rules_associated_to_pricing_plan).then_compute_output(move |r| {
            let abc = a12.lock().unwrap();
            let all: Vec<String> = abc.plan_rules.get(r.pricing_plan_arn().unwrap_or_default()).into_iter().flatten().cloned().collect();
            let (items, next) = page(&all, r.next_token());
            ListPricingRulesAssociatedToPricingPlanOutput::builder().set_pricing_rule_arns(Some(items)).set_next_token(next).build()
        }),
        mock!(aws_sdk_billingconductor::Client::create_pricing_rule).then_compute_output(move |r| {
            let mut abc = a13.lock().unwrap();
            let arn = abc.arn("pricingrule");
            abc.calls.push(format!("CreatePricingRule {} {:?}", r.name().unwrap_or_default(), r.modifier_percentage()));
            abc.rules.push(
                PricingRuleListElement::builder()
                    .arn(&arn)
                    .name(r.name().unwrap_or_default())
                    .description(r.description().unwrap_or_default())
                    .set_scope(r.scope().cloned())
                    .set_type(r.r#type().cloned())
                    .set_modifier_percentage(r.modifier_percentage())
                    .set_service(r.service().map(str::to_owned))
                    .build(),
            );
            if let Some(id) = tagged(r.tags()) {
                abc.tags.insert(arn.clone(), id);
            }
            CreatePricingRuleOutput::builder().arn(arn).build()
        }),
        mock!(aws_sdk_billingconductor::Client::list_pricing_rules).then_compute_output(move |r| {
            let (items, next) = page(&a14.lock().unwrap().rules, r.next_token());
            ListPricingRulesOutput::builder().set_pricing_rules(Some(items)).set_next_token(next).build()
        }),
        mock!(aws_sdk_billingconductor::Client::create_custom_line_item).then_compute_output(move |r| {
            let mut abc = a15.lock().unwrap();
            let arn = abc.arn("customlineitem");
            abc.calls.push(format!("CreateCustomLineItem {}", r.name().unwrap_or_default()));
            let charge = r.charge_details();
            let mut details = ListCustomLineItemChargeDetails::builder().r#type(charge.map(|c| c.r#type().clone()).unwrap_or(CustomLineItemType::Fee));
            if let Some(flat) = charge.and_then(|c| c.flat()) {
                details = details.flat(ListCustomLineItemFlatChargeDetails::builder().charge_value(flat.charge_value()).build().unwrap());
            }
            abc.items.push(
                CustomLineItemListElement::builder()
                    .arn(&arn)
                    .name(r.name().unwrap_or_default())
                    .description(r.description().unwrap_or_default())
                    .set_billing_group_arn(r.billing_group_arn().map(str::to_owned))
                    .currency_code(CurrencyCode::Usd)
                    .charge_details(details.build().unwrap())
                    .build(),
            );
            if let Some(id) = tagged(r.tags()) {
                abc.tags.insert(arn.clone(), id);
            }
            CreateCustomLineItemOutput::builder().arn(arn).build()
        }),
        mock!(aws_sdk_billingconductor::Client::list_custom_line_items).then_compute_output(move |r| {
            let (items, next) = page(&a16.lock().unwrap().items, r.next_token());
            ListCustomLineItemsOutput::builder().set_custom_line_items(Some(items)).set_next_token(next).build()
        }),
        mock!(aws_sdk_billingconductor::Client::list_tags_for_resource).then_compute_output(move |r| {
            let abc = a17.lock().unwrap();
            let tag = abc.tags.get(r.resource_arn().unwrap_or_default()).cloned();
            ListTagsForResourceOutput::builder().set_tags(tag.map(|id| HashMap::from([(OWNER_TAG.to_owned(), id)]))).build()
        }),
        mock!(aws_sdk_billingconductor::Client::list_billing_group_cost_reports).then_compute_output(move |r| {
            let abc = a18.lock().unwrap();
            let all: Vec<BillingGroupCostReportElement> = abc
                .groups
                .iter()
                .map(|g| {
                    BillingGroupCostReportElement::builder()
                        .set_arn(g.arn().map(str::to_owned))
                        .aws_cost("1000.12345678")
                        .proforma_cost("1100.5")
                        .margin("100.37654322")
                        .margin_percentage("9.12")
                        .currency("USD")
                        .build()
                })
                .collect();
            let (items, next) = page(&all, r.next_token());
            ListBillingGroupCostReportsOutput::builder().set_billing_group_cost_reports(Some(items)).set_next_token(next).build()
        }),
    ]
}

/// An app whose payer is connected (moto) and whose Billing Conductor is the stand-in.
async fn spawn(db: DbKind, abc: &Shared) -> (TestApp, Partner, String) {
    let org = aws::organization(0).await;
    let rules = rules(abc);
    let refs: Vec<&Rule> = rules.iter().collect();
    let client = mock_client!(aws_sdk_billingconductor, RuleMode::MatchAny, &refs);
    let sdk = aws::sdk_config(&aws::moto_url()).await;
    let clients = AwsClients::from_sdk_config(&sdk).with_billing_conductor(Arc::new(SdkBillingConductor::from_conf(client.config().clone())));
    let app = TestApp::spawn_with_aws(db, vec![], clients).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Conductor Co").await;
    let payer = app.connected_payer(&p, &org.management).await;
    (app, p, payer)
}

/// Waits until no Billing Conductor job of the payer is waiting or running.
async fn settle(app: &TestApp, payer: &str) {
    let payer: uuid::Uuid = payer.parse().unwrap();
    for _ in 0..300 {
        let busy = entity::jobs::Entity::find()
            .filter(entity::jobs::Column::Kind.starts_with("billing.abc"))
            .filter(entity::jobs::Column::PayerId.eq(payer))
            .filter(entity::jobs::Column::State.is_in([partner_billing::jobs::JobState::Queued, partner_billing::jobs::JobState::Running]))
            .all(&app.db)
            .await
            .unwrap();
        if busy.is_empty() {
            return;
        }
        app.state.jobs_wakeup.notify_one();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the Billing Conductor jobs did not finish");
}

/// Runs a job with these arguments for the payer now and waits for it.
async fn run_job(app: &TestApp, args: &impl partner_billing::jobs::JobArgs, payer: &str) {
    let mut job = partner_billing::jobs::NewJob::of(args).unwrap();
    job.payer = Some(partner_billing::ids::PayerId(payer.parse().unwrap()));
    partner_billing::jobs::enqueue(&app.db, job).await.unwrap();
    settle(app, payer).await;
}

fn accounts(n: u64) -> Vec<String> {
    (1..=n).map(|i| format!("{:012}", 300_000_000_000 + i)).collect()
}

/// A payer's groups with their Billing Conductor state. (story's billingGroups selection cannot
/// take these fields: billing_transfer.rs compares its whole answer.)
const GROUPS: &str = "query($p: ID!) { billingGroups(payerId: $p) { id name primaryAccountId accountIds abcArn abcSyncStatus abcSyncError } }";
/// The same for plans, with their rules' names.
const PLANS: &str = "query($p: ID!) { pricingPlans(payerId: $p) { name description pricingRules { name } } }";

/// A pricing plan with one GLOBAL 5.25 % discount rule; returns the plan id.
async fn plan_with_rule(app: &TestApp, p: &Partner, payer: &str) -> String {
    let operator = app.as_user(&p.operator);
    let rule = operator.create_pricing_rule(json!({ "payerId": payer, "name": "global-5", "scope": "GLOBAL", "type": "DISCOUNT", "modifierPercentage": "5.25" })).await;
    operator.create_pricing_plan(json!({ "payerId": payer, "name": "standard", "pricingRuleIds": [rule] })).await
}

async fn billing_mode_pushes_groups_to_billing_conductor(db: DbKind) {
    let abc: Shared = Arc::default();
    let (app, p, payer) = spawn(db, &abc).await;
    let plan = plan_with_rule(&app, &p, &payer).await;
    settle(&app, &payer).await;
    assert!(abc.lock().unwrap().calls.is_empty(), "a NATIVE payer pushes nothing");
    let (viewer, operator) = (app.as_user(&p.viewer), app.as_user(&p.operator));
    let native = viewer.billing_conductor_status(&payer).await;
    assert_eq!(native["mode"], "NATIVE");
    assert_eq!(
        (&native["synced"], &native["pending"]),
        (&json!(0), &json!(0)),
        "nothing waits to be pushed in NATIVE mode"
    );

    // Only payer admins switch the mode.
    for who in [&p.operator, &p.viewer] {
        app.as_user(who).try_set_payer_billing_mode(&payer, "BILLING_CONDUCTOR").await.assert_code("FORBIDDEN");
    }
    let set = app.as_user(&p.admin).set_payer_billing_mode(&payer, "BILLING_CONDUCTOR").await;
    assert_eq!(set["mode"], "BILLING_CONDUCTOR");
    let (synced, pending) = (set["synced"].as_u64(), set["pending"].as_u64());
    assert_eq!(synced.unwrap() + pending.unwrap(), 2, "the rule and the plan, pushed or waiting");
    settle(&app, &payer).await;
    assert_eq!(abc.lock().unwrap().calls, ["CreatePricingRule global-5 Some(5.25)", "CreatePricingPlan standard", "AssociatePricingRules 1"]);

    // A group of 35 accounts: created with 30 (the primary first), the other 5 associated.
    let members = accounts(35);
    let created = operator
        .try_create_billing_group(json!({ "payerId": payer, "name": "acme-prod", "description": "Acme production", "primaryAccountId": members[0], "accountIds": members, "pricingPlanId": plan }))
        .await;
    assert_eq!(created.data("createBillingGroup.abcSyncStatus"), "PENDING");
    settle(&app, &payer).await;
    assert_eq!(abc.lock().unwrap().calls("CreateBillingGroup"), ["CreateBillingGroup acme-prod 30"]);
    assert_eq!(abc.lock().unwrap().calls("AssociateAccounts"), ["AssociateAccounts 5"]);
    let groups = viewer.run(GROUPS, json!({ "p": payer })).await;
    assert_eq!(groups.data("billingGroups.0.abcSyncStatus"), "SYNCED");
    let arn = groups.data("billingGroups.0.abcArn").as_str().unwrap().to_owned();
    assert!(arn.starts_with("arn:aws:billingconductor::"), "{arn}");
    assert_eq!(abc.lock().unwrap().members[&arn].len(), 35);

    // Editing the membership sends only the difference; a second run sends nothing more.
    let group = groups.data("billingGroups.0.id").as_str().unwrap().to_owned();
    let mut edited: Vec<String> = members[..33].to_vec();
    edited.push(format!("{:012}", 399_999_999_999u64));
    operator.update_billing_group(&group, json!({ "accountIds": edited })).await;
    settle(&app, &payer).await;
    run_job(&app, &partner_billing::domain::billing::abc::SyncArgs { payer_id: Some(payer.parse().unwrap()) }, &payer).await;
    {
        let abc = abc.lock().unwrap();
        assert_eq!(abc.calls("DisassociateAccounts"), [format!("DisassociateAccounts {},{}", members[33], members[34])]);
        assert_eq!(abc.calls("AssociateAccounts"), ["AssociateAccounts 5", "AssociateAccounts 1"]);
        assert_eq!(abc.calls("Create").len(), 3, "nothing is created twice");
        assert_eq!(abc.members[&arn], edited.iter().cloned().collect::<BTreeSet<_>>());
    }
    let status = viewer.billing_conductor_status(&payer).await;
    assert_eq!((&status["synced"], &status["pending"]), (&json!(3), &json!(0)));

    // Deleting the group deletes it in ABC too (it carries our tag).
    assert_eq!(operator.delete_billing_group(&group).await, group);
    settle(&app, &payer).await;
    assert_eq!(abc.lock().unwrap().calls("DeleteBillingGroup"), [format!("DeleteBillingGroup {arn}")]);
    assert!(abc.lock().unwrap().groups.is_empty());
}

async fn an_aws_refusal_shows_on_the_object_and_is_retried(db: DbKind) {
    let abc: Shared = Arc::default();
    let (app, p, payer) = spawn(db, &abc).await;
    let plan = plan_with_rule(&app, &p, &payer).await;
    app.as_user(&p.admin).set_payer_billing_mode(&payer, "BILLING_CONDUCTOR").await;
    let viewer = app.as_user(&p.viewer);
    settle(&app, &payer).await;

    abc.lock().unwrap().reject_groups = true;
    let members = accounts(3);
    app.as_user(&p.operator)
        .create_billing_group(json!({ "payerId": payer, "name": "taken", "primaryAccountId": members[0], "accountIds": members, "pricingPlanId": plan }))
        .await;
    settle(&app, &payer).await;
    let groups = viewer.run(GROUPS, json!({ "p": payer })).await;
    assert_eq!(groups.data("billingGroups.0.abcSyncStatus"), "FAILED");
    assert_eq!(groups.data("billingGroups.0.abcArn"), &Value::Null);
    let error = groups.data("billingGroups.0.abcSyncError").as_str().unwrap();
    assert_eq!(error, format!("billingconductor CreateBillingGroup failed: ValidationException: {REJECTED}"));
    let failed = viewer.billing_conductor_status(&payer).await["failed"][0].clone();
    assert_eq!(failed["kind"], "billing group");
    assert_eq!(failed["name"], "taken");
    assert!(failed["error"].as_str().unwrap().contains(REJECTED), "{failed}");

    // Once ABC accepts it, the next run of the job pushes it.
    abc.lock().unwrap().reject_groups = false;
    run_job(&app, &partner_billing::domain::billing::abc::SyncArgs { payer_id: Some(payer.parse().unwrap()) }, &payer).await;
    let groups = viewer.run(GROUPS, json!({ "p": payer })).await;
    assert_eq!(groups.data("billingGroups.0.abcSyncStatus"), "SYNCED");
    assert_eq!(groups.data("billingGroups.0.abcSyncError"), &Value::Null);
    assert_eq!(abc.lock().unwrap().calls("CreateBillingGroup"), ["CreateBillingGroup taken 3"]);

    // The daily pull stores ABC's numbers for the group, exactly.
    run_job(&app, &partner_billing::domain::billing::abc::ReportsArgs { payer_id: Some(payer.parse().unwrap()) }, &payer).await;
    let reports = entity::abc_cost_reports::Entity::find().all(&app.db).await.unwrap();
    assert!(!reports.is_empty());
    assert!(reports.iter().all(|r| r.aws_cost == 100_012_345_678 && r.proforma_cost == 110_050_000_000 && r.margin == 10_037_654_322), "{reports:?}");
}

async fn import_brings_an_existing_setup_in(db: DbKind) {
    let abc: Shared = Arc::default();
    {
        // The prior tool's setup: two rules, a plan with both, a group of three, a fee.
        let mut a = abc.lock().unwrap();
        let (r1, r2, plan, group, item) = (a.arn("pricingrule"), a.arn("pricingrule"), a.arn("pricingplan"), a.arn("billinggroup"), a.arn("customlineitem"));
        a.rules.push(PricingRuleListElement::builder().arn(&r1).name("global-discount").description("").scope(PricingRuleScope::Global).r#type(PricingRuleType::Discount).modifier_percentage(5.1).build());
        a.rules.push(PricingRuleListElement::builder().arn(&r2).name("ec2-markup").scope(PricingRuleScope::Service).r#type(PricingRuleType::Markup).modifier_percentage(10.0).service("AmazonEC2").build());
        a.plans.push(PricingPlanListElement::builder().arn(&plan).name("legacy-plan").description("from the old tool").size(2).build());
        a.plan_rules.insert(plan.clone(), [r1, r2].into_iter().collect());
        a.groups.push(
            BillingGroupListElement::builder()
                .arn(&group)
                .name("legacy-group")
                .primary_account_id("300000000001")
                .computation_preference(ComputationPreference::builder().pricing_plan_arn(&plan).build().unwrap())
                .build(),
        );
        a.members.insert(group.clone(), accounts(3).into_iter().collect());
        a.items.push(
            CustomLineItemListElement::builder()
                .arn(&item)
                .name("support-fee")
                .description("Monthly support")
                .billing_group_arn(&group)
                .currency_code(CurrencyCode::Usd)
                .charge_details(
                    ListCustomLineItemChargeDetails::builder()
                        .r#type(CustomLineItemType::Fee)
                        .flat(ListCustomLineItemFlatChargeDetails::builder().charge_value(12.34).build().unwrap())
                        .build()
                        .unwrap(),
                )
                .build(),
        );
        let orphan = a.arn("customlineitem");
        a.items.push(
            CustomLineItemListElement::builder()
                .arn(orphan)
                .name("orphan-credit")
                .description("")
                .billing_group_arn("arn:aws:billingconductor::123456789012:billinggroup/gone")
                .charge_details(
                    ListCustomLineItemChargeDetails::builder()
                        .r#type(CustomLineItemType::Credit)
                        .percentage(ListCustomLineItemPercentageChargeDetails::builder().percentage_value(5.0).build().unwrap())
                        .build()
                        .unwrap(),
                )
                .build(),
        );
    }
    let (app, p, payer) = spawn(db, &abc).await;
    let (viewer, operator) = (app.as_user(&p.viewer), app.as_user(&p.operator));
    viewer.try_import_billing_conductor(&payer).await.assert_code("FORBIDDEN");
    let counts = operator.import_billing_conductor(&payer).await;
    assert_eq!((&counts["pricingRules"], &counts["pricingPlans"], &counts["billingGroups"], &counts["customLineItems"]), (&json!(2), &json!(1), &json!(1), &json!(1)));
    assert_eq!(counts["skipped"], json!(["custom line item orphan-credit: its billing group was not found"]));

    let mut rules = viewer.pricing_rules(&payer).await.as_array().unwrap().clone();
    rules.sort_by_key(|r| r["name"].as_str().unwrap().to_owned());
    assert_eq!((&rules[0]["name"], &rules[0]["type"], &rules[0]["service"]), (&json!("ec2-markup"), &json!("MARKUP"), &json!("AmazonEC2")));
    assert_eq!(rules[1]["modifierPercentage"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap(), "5.1".parse().unwrap());
    assert!(rules.iter().all(|r| r["abcSyncStatus"] == "SYNCED"));
    let plans = viewer.run(PLANS, json!({ "p": payer })).await;
    assert_eq!(plans.data("pricingPlans.0.name"), "legacy-plan");
    assert_eq!(plans.data("pricingPlans.0.pricingRules").as_array().unwrap().len(), 2);
    let groups = viewer.run(GROUPS, json!({ "p": payer })).await;
    assert_eq!(groups.data("billingGroups.0.accountIds"), &json!(accounts(3)));
    assert_eq!(groups.data("billingGroups.0.primaryAccountId"), "300000000001");
    let items = viewer.custom_line_items(&payer).await;
    assert_eq!(items[0]["name"], "support-fee");
    assert_eq!(items[0]["flatAmount"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap(), "12.34".parse().unwrap());

    // Importing again changes nothing: objects are matched by ARN.
    assert_eq!(operator.import_billing_conductor(&payer).await["billingGroups"], 1);
    assert_eq!(app.count("billing_groups").await, 1);
    assert_eq!(app.count("pricing_rules").await, 2);
    assert_eq!(app.count("billing_group_accounts").await, 3);
    assert!(abc.lock().unwrap().calls.is_empty(), "an import only reads");
}

on_both_databases!(billing_mode_pushes_groups_to_billing_conductor, an_aws_refusal_shows_on_the_object_and_is_retried, import_brings_an_existing_setup_in);
