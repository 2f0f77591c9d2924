//! AWS Billing Conductor (ABC), through a payer's assumed role: billing groups, pricing plans and
//! rules, custom line items, and the cost reports ABC computes for them.
//!
//! ABC takes at most 30 accounts or pricing rules per call, so membership changes are sent as the
//! difference between the old and the new set, in batches of at most 30. Money crosses ABC's API
//! as `f64` (charges, percentages) or as decimal strings (cost reports); here it is `Decimal`.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::str::FromStr;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_sdk_billingconductor::types::{
    AccountGrouping, BillingPeriodRange, ComputationPreference, CreateFreeTierConfig, CreateTieringInput,
    CustomLineItemBillingPeriodRange, CustomLineItemChargeDetails, CustomLineItemFlatChargeDetails,
    CustomLineItemPercentageChargeDetails, CustomLineItemType, GroupByAttributeName, LineItemFilter,
    LineItemFilterAttributeName, LineItemFilterValue, ListAccountAssociationsFilter,
    MatchOption, PricingRuleScope, PricingRuleType, UpdateCustomLineItemChargeDetails,
    UpdateCustomLineItemFlatChargeDetails, UpdateCustomLineItemPercentageChargeDetails, UpdateFreeTierConfig,
    UpdateTieringInput,
};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::aws::error::{AwsError, AwsErrorKind, AwsResult};
use crate::error::AppError;

/// ABC accepts at most this many accounts or pricing rules in one call.
pub const BATCH: usize = 30;

/// The tag every object we create in ABC carries: our id for it. Objects without it were made
/// elsewhere (the console, the prior tool) and are never deleted by us.
pub const OWNER_TAG: &str = "partner-billing:id";

const SERVICE: &str = "billingconductor";

/// A billing group as we want it in ABC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillingGroupSpec {
    pub name: String,
    pub description: String,
    pub primary_account_id: String,
    pub pricing_plan_arn: String,
    /// Every member, the primary account included.
    pub account_ids: Vec<String>,
}

/// A billing group as ABC lists it (members come from `list_group_accounts`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbcBillingGroup {
    pub arn: String,
    pub name: String,
    pub description: String,
    pub primary_account_id: String,
    pub pricing_plan_arn: Option<String>,
    pub size: i64,
    /// `ACTIVE` | `PRIMARY_ACCOUNT_MISSING` | `PENDING`
    pub status: String,
    pub status_reason: Option<String>,
}

/// What a new billing group was created with: its ARN and the accounts the create call carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedGroup {
    pub arn: String,
    pub account_ids: Vec<String>,
}

/// A pricing plan (its rules travel separately: `set_plan_rules`, `list_plan_rules`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricingPlanSpec {
    pub name: String,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbcPricingPlan {
    pub arn: String,
    pub spec: PricingPlanSpec,
    /// How many rules it has.
    pub size: i64,
}

/// A pricing rule. `scope`: GLOBAL | SERVICE | BILLING_ENTITY | SKU; `rule_type`: MARKUP |
/// DISCOUNT | TIERING.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricingRuleSpec {
    pub name: String,
    pub description: String,
    pub scope: String,
    pub rule_type: String,
    /// Percent (5 = 5 %), for MARKUP and DISCOUNT.
    pub modifier_percentage: Option<Decimal>,
    pub service: Option<String>,
    pub billing_entity: Option<String>,
    pub usage_type: Option<String>,
    pub operation: Option<String>,
    /// For TIERING: whether the AWS free tier is passed on.
    pub free_tier: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbcPricingRule {
    pub arn: String,
    pub spec: PricingRuleSpec,
}

/// A custom line item. Exactly one of `flat` (an amount per period) and `percentage` (of the
/// group's pro-forma charge, or of the custom line items in `associated_arns`) is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomLineItemSpec {
    pub name: String,
    pub description: String,
    pub billing_group_arn: String,
    /// FEE | CREDIT
    pub charge_type: String,
    pub flat: Option<Decimal>,
    pub percentage: Option<Decimal>,
    pub associated_arns: Vec<String>,
    pub account_id: Option<String>,
    pub exclude_savings_plan_negation: bool,
    /// `YYYY-MM`, inclusive; `None` is the current period.
    pub start_period: Option<String>,
    /// `YYYY-MM`, exclusive; `None` is open-ended.
    pub end_period: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbcCustomLineItem {
    pub arn: String,
    pub spec: CustomLineItemSpec,
    pub currency: String,
}

/// One billing group's totals for a billing period, as ABC computed them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbcCostReport {
    pub billing_group_arn: String,
    pub aws_cost: Decimal,
    pub proforma_cost: Decimal,
    pub margin: Decimal,
    pub margin_percentage: Option<Decimal>,
    pub currency: String,
}

/// One line of a billing group's cost report, by product name and billing period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbcCostReportLine {
    pub product_name: Option<String>,
    pub billing_period: Option<String>,
    pub aws_cost: Decimal,
    pub proforma_cost: Decimal,
    pub margin: Decimal,
    pub currency: String,
}

/// What a membership change sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MembershipChange {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

/// The members to add and to remove to go from `old` to `new`, each sorted and without repeats.
pub fn membership_diff(old: &[String], new: &[String]) -> MembershipChange {
    let old: BTreeSet<&String> = old.iter().collect();
    let new: BTreeSet<&String> = new.iter().collect();
    MembershipChange {
        added: new.difference(&old).map(|s| (*s).clone()).collect(),
        removed: old.difference(&new).map(|s| (*s).clone()).collect(),
    }
}

/// An ABC failure as the domain reports it: conflicts and exhausted limits are CONFLICT (the
/// user has to change something first), everything else keeps the general AWS mapping. The
/// message always carries AWS's code and reason.
pub fn app_error(err: AwsError) -> AppError {
    match err.code.as_deref() {
        Some("ConflictException" | "ServiceLimitExceededException") if err.kind == AwsErrorKind::Service => {
            AppError::Conflict(err.to_string())
        }
        _ => err.into(),
    }
}

#[async_trait]
pub trait BillingConductor: Send + Sync {
    /// CreateBillingGroup carrying the primary account and up to 29 other members (ABC takes
    /// 1–30); the caller adds the rest with `set_group_accounts`. `token` makes a retry idempotent.
    async fn create_billing_group(&self, c: &Credentials, group: &BillingGroupSpec, token: &str) -> AwsResult<CreatedGroup>;
    /// UpdateBillingGroup: name, description and pricing plan (ABC cannot change the primary).
    async fn update_billing_group(&self, c: &Credentials, arn: &str, group: &BillingGroupSpec) -> AwsResult<()>;
    async fn delete_billing_group(&self, c: &Credentials, arn: &str) -> AwsResult<()>;
    /// Disassociates `old − new` and associates `new − old`, in batches of at most 30.
    async fn set_group_accounts(&self, c: &Credentials, arn: &str, old: &[String], new: &[String]) -> AwsResult<MembershipChange>;
    async fn create_pricing_plan(&self, c: &Credentials, plan: &PricingPlanSpec, token: &str) -> AwsResult<String>;
    async fn update_pricing_plan(&self, c: &Credentials, arn: &str, plan: &PricingPlanSpec) -> AwsResult<()>;
    async fn delete_pricing_plan(&self, c: &Credentials, arn: &str) -> AwsResult<()>;
    /// Disassociates `old − new` and associates `new − old` pricing rules, in batches of at most 30.
    async fn set_plan_rules(&self, c: &Credentials, plan_arn: &str, old: &[String], new: &[String]) -> AwsResult<MembershipChange>;
    async fn create_pricing_rule(&self, c: &Credentials, rule: &PricingRuleSpec, token: &str) -> AwsResult<String>;
    /// UpdatePricingRule: name, description, modifier or free tier (ABC cannot change scope or type).
    async fn update_pricing_rule(&self, c: &Credentials, arn: &str, rule: &PricingRuleSpec) -> AwsResult<()>;
    async fn delete_pricing_rule(&self, c: &Credentials, arn: &str) -> AwsResult<()>;
    async fn create_custom_line_item(&self, c: &Credentials, item: &CustomLineItemSpec, token: &str) -> AwsResult<String>;
    /// UpdateCustomLineItem: name, description, amount or percentage, filter and period range.
    async fn update_custom_line_item(&self, c: &Credentials, arn: &str, item: &CustomLineItemSpec) -> AwsResult<()>;
    async fn delete_custom_line_item(&self, c: &Credentials, arn: &str) -> AwsResult<()>;
    /// ListBillingGroups of the current period, every page.
    async fn list_billing_groups(&self, c: &Credentials) -> AwsResult<Vec<AbcBillingGroup>>;
    async fn list_pricing_plans(&self, c: &Credentials) -> AwsResult<Vec<AbcPricingPlan>>;
    async fn list_pricing_rules(&self, c: &Credentials) -> AwsResult<Vec<AbcPricingRule>>;
    async fn list_custom_line_items(&self, c: &Credentials) -> AwsResult<Vec<AbcCustomLineItem>>;
    /// ListAccountAssociations filtered on the group: its member account ids, every page.
    async fn list_group_accounts(&self, c: &Credentials, group_arn: &str) -> AwsResult<Vec<String>>;
    /// ListPricingRulesAssociatedToPricingPlan: rule ARNs, every page.
    async fn list_plan_rules(&self, c: &Credentials, plan_arn: &str) -> AwsResult<Vec<String>>;
    /// ListBillingGroupCostReports for one billing period (`YYYY-MM`), every page.
    async fn list_cost_reports(&self, c: &Credentials, period: &str) -> AwsResult<Vec<AbcCostReport>>;
    /// GetBillingGroupCostReport from `from` (inclusive) to `to` (exclusive), grouped by
    /// PRODUCT_NAME and BILLING_PERIOD, every page.
    async fn cost_report(&self, c: &Credentials, group_arn: &str, from: &str, to: &str) -> AwsResult<Vec<AbcCostReportLine>>;
    /// Our id from the object's `OWNER_TAG`, if we created it.
    async fn owner_id(&self, c: &Credentials, arn: &str) -> AwsResult<Option<String>>;
}

/// The real adapter on `aws-sdk-billingconductor`.
pub struct SdkBillingConductor {
    conf: aws_sdk_billingconductor::Config,
}

impl SdkBillingConductor {
    pub fn new(sdk: &SdkConfig) -> Self {
        Self::from_conf(aws_sdk_billingconductor::Config::from(sdk))
    }

    /// From a ready client configuration (tests use mocked clients). Every call is recorded in
    /// the audit trail.
    pub fn from_conf(conf: aws_sdk_billingconductor::Config) -> Self {
        Self { conf: conf.to_builder().interceptor(crate::audit::aws::AuditInterceptor).build() }
    }

    fn client(&self, credentials: &Credentials) -> aws_sdk_billingconductor::Client {
        aws_sdk_billingconductor::Client::from_conf(self.conf.to_builder().credentials_provider(credentials.clone()).build())
    }
}

macro_rules! call {
    ($op:literal, $fut:expr) => {
        $fut.await.map_err(|e| AwsError::from_sdk(SERVICE, $op, e))
    };
}

/// Follows NextToken: `page` gets the token (none first) and answers items and the next token.
async fn paginate<T, F, Fut>(mut page: F) -> AwsResult<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = AwsResult<(Vec<T>, Option<String>)>>,
{
    let (mut out, mut token) = (Vec::new(), None);
    loop {
        let (items, next) = page(token.take()).await?;
        out.extend(items);
        match next {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => return Ok(out),
        }
    }
}

/// Sends `ids` in batches of at most `BATCH`, in order.
async fn in_batches<F, Fut>(ids: &[String], mut send: F) -> AwsResult<()>
where
    F: FnMut(Vec<String>) -> Fut,
    Fut: Future<Output = AwsResult<()>>,
{
    for batch in ids.chunks(BATCH) {
        send(batch.to_vec()).await?;
    }
    Ok(())
}

/// Goes from `old` to `new` members: `remove` what left, then `add` what joined, in batches.
async fn apply_diff<R, RF, A, AF>(old: &[String], new: &[String], remove: R, add: A) -> AwsResult<MembershipChange>
where
    R: FnMut(Vec<String>) -> RF,
    RF: Future<Output = AwsResult<()>>,
    A: FnMut(Vec<String>) -> AF,
    AF: Future<Output = AwsResult<()>>,
{
    let change = membership_diff(old, new);
    in_batches(&change.removed, remove).await?;
    in_batches(&change.added, add).await?;
    Ok(change)
}

fn build_error(op: &'static str, e: impl std::fmt::Display) -> AwsError {
    AwsError::unexpected(SERVICE, op, &e.to_string())
}

/// A decimal as ABC's `f64`.
fn to_f64(op: &'static str, field: &str, d: Decimal) -> AwsResult<f64> {
    d.to_f64().ok_or_else(|| build_error(op, format!("{field} {d} does not fit")))
}

/// ABC's `f64` back to the decimal it was written as (5.1 stays 5.1, not 5.0999…).
fn from_f64(v: f64) -> Option<Decimal> {
    Decimal::from_str(&v.to_string()).ok().map(|d| d.normalize())
}

/// A cost report amount (a decimal string); missing reads as zero.
fn amount(op: &'static str, v: Option<&str>) -> AwsResult<Decimal> {
    match v {
        None | Some("") => Ok(Decimal::ZERO),
        Some(s) => Decimal::from_str(s).or_else(|_| Decimal::from_scientific(s)).map_err(|_| build_error(op, format!("amount {s:?} is not a number"))),
    }
}

fn text(v: Option<&str>) -> String {
    v.unwrap_or_default().to_owned()
}

fn owner_tags(token: &str) -> HashMap<String, String> {
    HashMap::from([(OWNER_TAG.to_owned(), token.to_owned())])
}

/// The create call's members: the primary first, then others up to 30 in all.
fn first_batch(group: &BillingGroupSpec) -> Vec<String> {
    let mut ids = vec![group.primary_account_id.clone()];
    ids.extend(group.account_ids.iter().filter(|a| **a != group.primary_account_id).take(BATCH - 1).cloned());
    ids
}

fn savings_plan_filter(op: &'static str) -> AwsResult<LineItemFilter> {
    LineItemFilter::builder()
        .attribute(LineItemFilterAttributeName::LineItemType)
        .match_option(MatchOption::NotEqual)
        .values(LineItemFilterValue::SavingsPlanNegation)
        .build()
        .map_err(|e| build_error(op, e))
}

fn excludes_savings_plan_negation(filters: Option<&[LineItemFilter]>) -> bool {
    filters.unwrap_or_default().iter().any(|f| {
        f.attribute() == &LineItemFilterAttributeName::LineItemType
            && f.match_option() == &MatchOption::NotEqual
            && f.values().contains(&LineItemFilterValue::SavingsPlanNegation)
    })
}

fn period_range(op: &'static str, item: &CustomLineItemSpec) -> AwsResult<Option<CustomLineItemBillingPeriodRange>> {
    let Some(start) = &item.start_period else { return Ok(None) };
    CustomLineItemBillingPeriodRange::builder()
        .inclusive_start_billing_period(start)
        .set_exclusive_end_billing_period(item.end_period.clone())
        .build()
        .map(Some)
        .map_err(|e| build_error(op, e))
}

fn create_charge(op: &'static str, item: &CustomLineItemSpec) -> AwsResult<CustomLineItemChargeDetails> {
    let mut charge = CustomLineItemChargeDetails::builder().r#type(CustomLineItemType::from(item.charge_type.as_str()));
    if let Some(flat) = item.flat {
        charge = charge.flat(CustomLineItemFlatChargeDetails::builder().charge_value(to_f64(op, "flat", flat)?).build().map_err(|e| build_error(op, e))?);
    }
    if let Some(pct) = item.percentage {
        let details = CustomLineItemPercentageChargeDetails::builder()
            .percentage_value(to_f64(op, "percentage", pct)?)
            .set_associated_values((!item.associated_arns.is_empty()).then(|| item.associated_arns.clone()))
            .build()
            .map_err(|e| build_error(op, e))?;
        charge = charge.percentage(details);
    }
    if item.exclude_savings_plan_negation {
        charge = charge.line_item_filters(savings_plan_filter(op)?);
    }
    charge.build().map_err(|e| build_error(op, e))
}

fn update_charge(op: &'static str, item: &CustomLineItemSpec) -> AwsResult<UpdateCustomLineItemChargeDetails> {
    let mut charge = UpdateCustomLineItemChargeDetails::builder();
    if let Some(flat) = item.flat {
        charge = charge.flat(UpdateCustomLineItemFlatChargeDetails::builder().charge_value(to_f64(op, "flat", flat)?).build().map_err(|e| build_error(op, e))?);
    }
    if let Some(pct) = item.percentage {
        charge = charge.percentage(
            UpdateCustomLineItemPercentageChargeDetails::builder().percentage_value(to_f64(op, "percentage", pct)?).build().map_err(|e| build_error(op, e))?,
        );
    }
    // An empty list clears a filter set earlier.
    let filters = if item.exclude_savings_plan_negation { vec![savings_plan_filter(op)?] } else { Vec::new() };
    Ok(charge.set_line_item_filters(Some(filters)).build())
}

fn billing_group(g: &aws_sdk_billingconductor::types::BillingGroupListElement) -> AbcBillingGroup {
    AbcBillingGroup {
        arn: text(g.arn()),
        name: text(g.name()),
        description: text(g.description()),
        primary_account_id: text(g.primary_account_id()),
        pricing_plan_arn: g.computation_preference().map(|p| p.pricing_plan_arn().to_owned()),
        size: g.size(),
        status: g.status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
        status_reason: g.status_reason().map(str::to_owned),
    }
}

fn pricing_rule(r: &aws_sdk_billingconductor::types::PricingRuleListElement) -> AbcPricingRule {
    AbcPricingRule {
        arn: text(r.arn()),
        spec: PricingRuleSpec {
            name: text(r.name()),
            description: text(r.description()),
            scope: r.scope().map(|s| s.as_str().to_owned()).unwrap_or_default(),
            rule_type: r.r#type().map(|t| t.as_str().to_owned()).unwrap_or_default(),
            modifier_percentage: r.modifier_percentage().and_then(from_f64),
            service: r.service().map(str::to_owned),
            billing_entity: r.billing_entity().map(str::to_owned),
            usage_type: r.usage_type().map(str::to_owned),
            operation: r.operation().map(str::to_owned),
            free_tier: r.tiering().and_then(|t| t.free_tier()).map(|f| f.activated()),
        },
    }
}

fn custom_line_item(i: &aws_sdk_billingconductor::types::CustomLineItemListElement) -> AbcCustomLineItem {
    let charge = i.charge_details();
    AbcCustomLineItem {
        arn: text(i.arn()),
        spec: CustomLineItemSpec {
            name: text(i.name()),
            description: text(i.description()),
            billing_group_arn: text(i.billing_group_arn()),
            charge_type: charge.map(|c| c.r#type().as_str().to_owned()).unwrap_or_default(),
            flat: charge.and_then(|c| c.flat()).and_then(|f| from_f64(f.charge_value())),
            percentage: charge.and_then(|c| c.percentage()).and_then(|p| from_f64(p.percentage_value())),
            associated_arns: Vec::new(),
            account_id: i.account_id().map(str::to_owned),
            exclude_savings_plan_negation: excludes_savings_plan_negation(charge.and_then(|c| c.line_item_filters.as_deref())),
            start_period: None,
            end_period: None,
        },
        currency: i.currency_code().map(|c| c.as_str().to_owned()).unwrap_or_else(|| "USD".to_owned()),
    }
}

#[async_trait]
impl BillingConductor for SdkBillingConductor {
    async fn create_billing_group(&self, c: &Credentials, group: &BillingGroupSpec, token: &str) -> AwsResult<CreatedGroup> {
        const OP: &str = "CreateBillingGroup";
        let accounts = first_batch(group);
        let grouping = AccountGrouping::builder().set_linked_account_ids(Some(accounts.clone())).build();
        let plan = ComputationPreference::builder().pricing_plan_arn(&group.pricing_plan_arn).build().map_err(|e| build_error(OP, e))?;
        let out = call!(
            "CreateBillingGroup",
            self.client(c)
                .create_billing_group()
                .client_token(token)
                .name(&group.name)
                .description(&group.description)
                .primary_account_id(&group.primary_account_id)
                .account_grouping(grouping)
                .computation_preference(plan)
                .set_tags(Some(owner_tags(token)))
                .send()
        )?;
        let arn = out.arn().ok_or_else(|| build_error(OP, "no ARN in the response"))?.to_owned();
        Ok(CreatedGroup { arn, account_ids: accounts })
    }

    async fn update_billing_group(&self, c: &Credentials, arn: &str, group: &BillingGroupSpec) -> AwsResult<()> {
        let plan = ComputationPreference::builder().pricing_plan_arn(&group.pricing_plan_arn).build().map_err(|e| build_error("UpdateBillingGroup", e))?;
        call!(
            "UpdateBillingGroup",
            self.client(c).update_billing_group().arn(arn).name(&group.name).description(&group.description).computation_preference(plan).send()
        )
        .map(|_| ())
    }

    async fn delete_billing_group(&self, c: &Credentials, arn: &str) -> AwsResult<()> {
        call!("DeleteBillingGroup", self.client(c).delete_billing_group().arn(arn).send()).map(|_| ())
    }

    async fn set_group_accounts(&self, c: &Credentials, arn: &str, old: &[String], new: &[String]) -> AwsResult<MembershipChange> {
        let client = self.client(c);
        apply_diff(
            old,
            new,
            |ids| {
                let req = client.disassociate_accounts().arn(arn).set_account_ids(Some(ids));
                async move { call!("DisassociateAccounts", req.send()).map(|_| ()) }
            },
            |ids| {
                let req = client.associate_accounts().arn(arn).set_account_ids(Some(ids));
                async move { call!("AssociateAccounts", req.send()).map(|_| ()) }
            },
        )
        .await
    }

    async fn create_pricing_plan(&self, c: &Credentials, plan: &PricingPlanSpec, token: &str) -> AwsResult<String> {
        let out = call!(
            "CreatePricingPlan",
            self.client(c).create_pricing_plan().client_token(token).name(&plan.name).description(&plan.description).set_tags(Some(owner_tags(token))).send()
        )?;
        out.arn().map(str::to_owned).ok_or_else(|| build_error("CreatePricingPlan", "no ARN in the response"))
    }

    async fn update_pricing_plan(&self, c: &Credentials, arn: &str, plan: &PricingPlanSpec) -> AwsResult<()> {
        call!("UpdatePricingPlan", self.client(c).update_pricing_plan().arn(arn).name(&plan.name).description(&plan.description).send()).map(|_| ())
    }

    async fn delete_pricing_plan(&self, c: &Credentials, arn: &str) -> AwsResult<()> {
        call!("DeletePricingPlan", self.client(c).delete_pricing_plan().arn(arn).send()).map(|_| ())
    }

    async fn set_plan_rules(&self, c: &Credentials, plan_arn: &str, old: &[String], new: &[String]) -> AwsResult<MembershipChange> {
        let client = self.client(c);
        apply_diff(
            old,
            new,
            |arns| {
                let req = client.disassociate_pricing_rules().arn(plan_arn).set_pricing_rule_arns(Some(arns));
                async move { call!("DisassociatePricingRules", req.send()).map(|_| ()) }
            },
            |arns| {
                let req = client.associate_pricing_rules().arn(plan_arn).set_pricing_rule_arns(Some(arns));
                async move { call!("AssociatePricingRules", req.send()).map(|_| ()) }
            },
        )
        .await
    }

    async fn create_pricing_rule(&self, c: &Credentials, rule: &PricingRuleSpec, token: &str) -> AwsResult<String> {
        const OP: &str = "CreatePricingRule";
        let modifier = rule.modifier_percentage.map(|m| to_f64(OP, "modifier_percentage", m)).transpose()?;
        let tiering = match rule.free_tier {
            Some(on) => Some(
                CreateTieringInput::builder()
                    .free_tier(CreateFreeTierConfig::builder().activated(on).build().map_err(|e| build_error(OP, e))?)
                    .build(),
            ),
            None => None,
        };
        let out = call!(
            "CreatePricingRule",
            self.client(c)
                .create_pricing_rule()
                .client_token(token)
                .name(&rule.name)
                .description(&rule.description)
                .scope(PricingRuleScope::from(rule.scope.as_str()))
                .r#type(PricingRuleType::from(rule.rule_type.as_str()))
                .set_modifier_percentage(modifier)
                .set_service(rule.service.clone())
                .set_billing_entity(rule.billing_entity.clone())
                .set_usage_type(rule.usage_type.clone())
                .set_operation(rule.operation.clone())
                .set_tiering(tiering)
                .set_tags(Some(owner_tags(token)))
                .send()
        )?;
        out.arn().map(str::to_owned).ok_or_else(|| build_error(OP, "no ARN in the response"))
    }

    async fn update_pricing_rule(&self, c: &Credentials, arn: &str, rule: &PricingRuleSpec) -> AwsResult<()> {
        const OP: &str = "UpdatePricingRule";
        let modifier = rule.modifier_percentage.map(|m| to_f64(OP, "modifier_percentage", m)).transpose()?;
        let tiering = match rule.free_tier {
            Some(on) => Some(
                UpdateTieringInput::builder()
                    .free_tier(UpdateFreeTierConfig::builder().activated(on).build().map_err(|e| build_error(OP, e))?)
                    .build(),
            ),
            None => None,
        };
        call!(
            "UpdatePricingRule",
            self.client(c)
                .update_pricing_rule()
                .arn(arn)
                .name(&rule.name)
                .description(&rule.description)
                .set_modifier_percentage(modifier)
                .set_tiering(tiering)
                .send()
        )
        .map(|_| ())
    }

    async fn delete_pricing_rule(&self, c: &Credentials, arn: &str) -> AwsResult<()> {
        call!("DeletePricingRule", self.client(c).delete_pricing_rule().arn(arn).send()).map(|_| ())
    }

    async fn create_custom_line_item(&self, c: &Credentials, item: &CustomLineItemSpec, token: &str) -> AwsResult<String> {
        const OP: &str = "CreateCustomLineItem";
        let out = call!(
            "CreateCustomLineItem",
            self.client(c)
                .create_custom_line_item()
                .client_token(token)
                .name(&item.name)
                .description(&item.description)
                .billing_group_arn(&item.billing_group_arn)
                .charge_details(create_charge(OP, item)?)
                .set_account_id(item.account_id.clone())
                .set_billing_period_range(period_range(OP, item)?)
                .set_tags(Some(owner_tags(token)))
                .send()
        )?;
        out.arn().map(str::to_owned).ok_or_else(|| build_error(OP, "no ARN in the response"))
    }

    async fn update_custom_line_item(&self, c: &Credentials, arn: &str, item: &CustomLineItemSpec) -> AwsResult<()> {
        const OP: &str = "UpdateCustomLineItem";
        call!(
            "UpdateCustomLineItem",
            self.client(c)
                .update_custom_line_item()
                .arn(arn)
                .name(&item.name)
                .description(&item.description)
                .charge_details(update_charge(OP, item)?)
                .set_billing_period_range(period_range(OP, item)?)
                .send()
        )
        .map(|_| ())
    }

    async fn delete_custom_line_item(&self, c: &Credentials, arn: &str) -> AwsResult<()> {
        call!("DeleteCustomLineItem", self.client(c).delete_custom_line_item().arn(arn).send()).map(|_| ())
    }

    async fn list_billing_groups(&self, c: &Credentials) -> AwsResult<Vec<AbcBillingGroup>> {
        let client = self.client(c);
        paginate(|token| {
            let req = client.list_billing_groups().set_next_token(token);
            async move {
                let page = call!("ListBillingGroups", req.send())?;
                Ok((page.billing_groups().iter().map(billing_group).collect(), page.next_token().map(str::to_owned)))
            }
        })
        .await
    }

    async fn list_pricing_plans(&self, c: &Credentials) -> AwsResult<Vec<AbcPricingPlan>> {
        let client = self.client(c);
        paginate(|token| {
            let req = client.list_pricing_plans().set_next_token(token);
            async move {
                let page = call!("ListPricingPlans", req.send())?;
                let plans = page
                    .pricing_plans()
                    .iter()
                    .map(|p| AbcPricingPlan {
                        arn: text(p.arn()),
                        spec: PricingPlanSpec { name: text(p.name()), description: text(p.description()) },
                        size: p.size(),
                    })
                    .collect();
                Ok((plans, page.next_token().map(str::to_owned)))
            }
        })
        .await
    }

    async fn list_pricing_rules(&self, c: &Credentials) -> AwsResult<Vec<AbcPricingRule>> {
        let client = self.client(c);
        paginate(|token| {
            let req = client.list_pricing_rules().set_next_token(token);
            async move {
                let page = call!("ListPricingRules", req.send())?;
                Ok((page.pricing_rules().iter().map(pricing_rule).collect(), page.next_token().map(str::to_owned)))
            }
        })
        .await
    }

    async fn list_custom_line_items(&self, c: &Credentials) -> AwsResult<Vec<AbcCustomLineItem>> {
        let client = self.client(c);
        paginate(|token| {
            let req = client.list_custom_line_items().set_next_token(token);
            async move {
                let page = call!("ListCustomLineItems", req.send())?;
                Ok((page.custom_line_items().iter().map(custom_line_item).collect(), page.next_token().map(str::to_owned)))
            }
        })
        .await
    }

    async fn list_group_accounts(&self, c: &Credentials, group_arn: &str) -> AwsResult<Vec<String>> {
        let client = self.client(c);
        let filter = ListAccountAssociationsFilter::builder().association(group_arn).build();
        paginate(|token| {
            let req = client.list_account_associations().filters(filter.clone()).set_next_token(token);
            async move {
                let page = call!("ListAccountAssociations", req.send())?;
                Ok((page.linked_accounts().iter().filter_map(|a| a.account_id().map(str::to_owned)).collect(), page.next_token().map(str::to_owned)))
            }
        })
        .await
    }

    async fn list_plan_rules(&self, c: &Credentials, plan_arn: &str) -> AwsResult<Vec<String>> {
        let client = self.client(c);
        paginate(|token| {
            let req = client.list_pricing_rules_associated_to_pricing_plan().pricing_plan_arn(plan_arn).set_next_token(token);
            async move {
                let page = call!("ListPricingRulesAssociatedToPricingPlan", req.send())?;
                Ok((page.pricing_rule_arns().to_vec(), page.next_token().map(str::to_owned)))
            }
        })
        .await
    }

    async fn list_cost_reports(&self, c: &Credentials, period: &str) -> AwsResult<Vec<AbcCostReport>> {
        const OP: &str = "ListBillingGroupCostReports";
        let client = self.client(c);
        paginate(|token| {
            let req = client.list_billing_group_cost_reports().billing_period(period).set_next_token(token);
            async move {
                let page = call!("ListBillingGroupCostReports", req.send())?;
                let reports = page
                    .billing_group_cost_reports()
                    .iter()
                    .map(|r| {
                        Ok(AbcCostReport {
                            billing_group_arn: text(r.arn()),
                            aws_cost: amount(OP, r.aws_cost())?,
                            proforma_cost: amount(OP, r.proforma_cost())?,
                            margin: amount(OP, r.margin())?,
                            margin_percentage: r.margin_percentage().map(|m| amount(OP, Some(m))).transpose()?,
                            currency: r.currency().unwrap_or("USD").to_owned(),
                        })
                    })
                    .collect::<AwsResult<Vec<_>>>()?;
                Ok((reports, page.next_token().map(str::to_owned)))
            }
        })
        .await
    }

    async fn cost_report(&self, c: &Credentials, group_arn: &str, from: &str, to: &str) -> AwsResult<Vec<AbcCostReportLine>> {
        const OP: &str = "GetBillingGroupCostReport";
        let range = BillingPeriodRange::builder()
            .inclusive_start_billing_period(from)
            .exclusive_end_billing_period(to)
            .build()
            .map_err(|e| build_error(OP, e))?;
        let client = self.client(c);
        paginate(|token| {
            let req = client
                .get_billing_group_cost_report()
                .arn(group_arn)
                .billing_period_range(range.clone())
                .group_by(GroupByAttributeName::ProductName)
                .group_by(GroupByAttributeName::BillingPeriod)
                .set_next_token(token);
            async move {
                let page = call!("GetBillingGroupCostReport", req.send())?;
                let lines = page
                    .billing_group_cost_report_results()
                    .iter()
                    .map(|r| {
                        let attribute = |key: &str| r.attributes().iter().find(|a| a.key() == Some(key)).and_then(|a| a.value()).map(str::to_owned);
                        Ok(AbcCostReportLine {
                            product_name: attribute("PRODUCT_NAME"),
                            billing_period: attribute("BILLING_PERIOD"),
                            aws_cost: amount(OP, r.aws_cost())?,
                            proforma_cost: amount(OP, r.proforma_cost())?,
                            margin: amount(OP, r.margin())?,
                            currency: r.currency().unwrap_or("USD").to_owned(),
                        })
                    })
                    .collect::<AwsResult<Vec<_>>>()?;
                Ok((lines, page.next_token().map(str::to_owned)))
            }
        })
        .await
    }

    async fn owner_id(&self, c: &Credentials, arn: &str) -> AwsResult<Option<String>> {
        let out = call!("ListTagsForResource", self.client(c).list_tags_for_resource().resource_arn(arn).send())?;
        Ok(out.tags().and_then(|t| t.get(OWNER_TAG)).cloned())
    }
}

#[cfg(test)]
mod tests;
