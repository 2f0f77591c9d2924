use async_graphql::{Context, ID, MaybeUndefined, Object};

use crate::domain::billing::custom_line_items::{self, ItemChanges, NewItem};
use crate::domain::billing::groups::{self, GroupChanges, NewGroup};
use crate::domain::billing::plans::{self, NewPlan, PlanChanges};
use crate::domain::billing::rules::{self, NewRule, RuleChanges};
use crate::domain::billing::{current_period, resellers, results};
use crate::graphql::types::payers::Payer;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::billing::{
    BillingGroup, BillingResult, CreateBillingGroupInput, CreateCustomLineItemInput, CreatePricingPlanInput, CreatePricingRuleInput, CustomLineItem,
    PricingPlan, PricingRule, UpdateBillingGroupInput, UpdateCustomLineItemInput, UpdatePricingPlanInput, UpdatePricingRuleInput,
    uuid_of, uuids,
};
use crate::ids::{PayerId, TenantId};

#[derive(Default)]
pub struct BillingMutation;

#[Object]
impl BillingMutation {
    /// Gives the customer of a billing group — a reseller or distributor tenant — its own payer
    /// over the group's accounts, priced at the group's price, on which it prices its own
    /// customers (admins of the group's payer). The new payer has no AWS access.
    async fn create_reseller_payer(&self, ctx: &Context<'_>, billing_group_id: ID, name: String) -> ApiResult<Payer> {
        Ok(Payer(resellers::create(&ctx.scope()?, uuid_of(&billing_group_id, "billing group")?, &name).await?))
    }

    /// Creates a billing group (operators and up). Its accounts join from `billingPeriod`.
    async fn create_billing_group(&self, ctx: &Context<'_>, input: CreateBillingGroupInput) -> ApiResult<BillingGroup> {
        let period = input.billing_period.clone().unwrap_or_else(current_period);
        let new = NewGroup {
            payer: PayerId::parse(&input.payer_id)?,
            name: input.name,
            description: input.description,
            primary_account_id: input.primary_account_id,
            account_ids: input.account_ids,
            pricing_plan_id: uuid_of(&input.pricing_plan_id, "pricing plan")?,
            customer_tenant_id: input.customer_tenant_id.as_ref().map(|t| TenantId::parse(t)).transpose()?,
            billing_period: input.billing_period,
        };
        Ok(BillingGroup::new(groups::create(&ctx.scope()?, new).await?, &period))
    }

    /// Changes a billing group; a new account list applies from `billingPeriod` on.
    async fn update_billing_group(&self, ctx: &Context<'_>, id: ID, input: UpdateBillingGroupInput) -> ApiResult<BillingGroup> {
        let period = input.billing_period.clone().unwrap_or_else(current_period);
        let customer = match input.customer_tenant_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(t) => Some(Some(TenantId::parse(&t)?)),
        };
        let changes = GroupChanges {
            name: input.name,
            description: input.description,
            primary_account_id: input.primary_account_id,
            account_ids: input.account_ids,
            pricing_plan_id: input.pricing_plan_id.as_ref().map(|p| uuid_of(p, "pricing plan")).transpose()?,
            customer_tenant_id: customer,
            billing_period: input.billing_period,
        };
        Ok(BillingGroup::new(groups::update(&ctx.scope()?, uuid_of(&id, "billing group")?, changes).await?, &period))
    }

    /// Deletes a billing group with its custom line items and stored results; returns it as it was.
    async fn delete_billing_group(&self, ctx: &Context<'_>, id: ID) -> ApiResult<BillingGroup> {
        Ok(BillingGroup::new(groups::delete(&ctx.scope()?, uuid_of(&id, "billing group")?).await?, &current_period()))
    }

    async fn create_pricing_plan(&self, ctx: &Context<'_>, input: CreatePricingPlanInput) -> ApiResult<PricingPlan> {
        let new = NewPlan {
            payer: PayerId::parse(&input.payer_id)?,
            name: input.name,
            description: input.description,
            base: Some(input.base.into()),
            pricing_rule_ids: uuids(&input.pricing_rule_ids, "pricing rule")?,
            pass_tax: input.pass_tax,
            pass_credits: input.pass_credits,
            pass_refunds: input.pass_refunds,
            pass_partner_discounts: input.pass_partner_discounts,
        };
        Ok(plans::create(&ctx.scope()?, new).await?.into())
    }

    async fn update_pricing_plan(&self, ctx: &Context<'_>, id: ID, input: UpdatePricingPlanInput) -> ApiResult<PricingPlan> {
        let changes = PlanChanges {
            name: input.name,
            description: input.description,
            base: input.base.map(Into::into),
            pricing_rule_ids: input.pricing_rule_ids.as_deref().map(|ids| uuids(ids, "pricing rule")).transpose()?,
            pass_tax: input.pass_tax,
            pass_credits: input.pass_credits,
            pass_refunds: input.pass_refunds,
            pass_partner_discounts: input.pass_partner_discounts,
            effective_from: input.effective_from,
        };
        Ok(plans::update(&ctx.scope()?, uuid_of(&id, "pricing plan")?, changes).await?.into())
    }

    /// Deletes a pricing plan no billing group uses; returns it as it was.
    async fn delete_pricing_plan(&self, ctx: &Context<'_>, id: ID) -> ApiResult<PricingPlan> {
        Ok(plans::delete(&ctx.scope()?, uuid_of(&id, "pricing plan")?).await?.into())
    }

    async fn create_pricing_rule(&self, ctx: &Context<'_>, input: CreatePricingRuleInput) -> ApiResult<PricingRule> {
        let new = NewRule {
            payer: PayerId::parse(&input.payer_id)?,
            name: input.name,
            description: input.description,
            scope: input.scope.into(),
            rule_type: input.rule_type.into(),
            modifier_percentage: input.modifier_percentage,
            service: input.service,
            billing_entity: input.billing_entity,
            usage_type: input.usage_type,
            operation: input.operation,
            free_tier: input.free_tier,
        };
        Ok(rules::create(&ctx.scope()?, new).await?.into())
    }

    /// Renames a rule or changes its modifier or free tier switch (scope and type stay).
    async fn update_pricing_rule(&self, ctx: &Context<'_>, id: ID, input: UpdatePricingRuleInput) -> ApiResult<PricingRule> {
        let changes = RuleChanges { name: input.name, description: input.description, modifier_percentage: input.modifier_percentage, free_tier: input.free_tier, effective_from: input.effective_from };
        Ok(rules::update(&ctx.scope()?, uuid_of(&id, "pricing rule")?, changes).await?.into())
    }

    /// Deletes a rule and takes it out of every plan; returns it as it was.
    async fn delete_pricing_rule(&self, ctx: &Context<'_>, id: ID) -> ApiResult<PricingRule> {
        Ok(rules::delete(&ctx.scope()?, uuid_of(&id, "pricing rule")?).await?.into())
    }

    async fn create_custom_line_item(&self, ctx: &Context<'_>, input: CreateCustomLineItemInput) -> ApiResult<CustomLineItem> {
        let new = NewItem {
            billing_group_id: uuid_of(&input.billing_group_id, "billing group")?,
            name: input.name,
            description: input.description,
            charge_type: input.charge_type.into(),
            flat_amount: input.flat_amount,
            percentage: input.percentage,
            child_item_ids: uuids(&input.child_item_ids, "custom line item")?,
            billing_period_start: input.billing_period_start,
            billing_period_end: input.billing_period_end,
            linked_account_id: input.linked_account_id,
            exclude_savings_plan_negation: input.exclude_savings_plan_negation,
        };
        Ok(custom_line_items::create(&ctx.scope()?, new).await?.into())
    }

    async fn update_custom_line_item(&self, ctx: &Context<'_>, id: ID, input: UpdateCustomLineItemInput) -> ApiResult<CustomLineItem> {
        let end = match input.billing_period_end {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(e) => Some(Some(e)),
        };
        let changes = ItemChanges {
            name: input.name,
            description: input.description,
            flat_amount: input.flat_amount,
            percentage: input.percentage,
            child_item_ids: input.child_item_ids.as_deref().map(|ids| uuids(ids, "custom line item")).transpose()?,
            billing_period_start: input.billing_period_start,
            billing_period_end: end,
            exclude_savings_plan_negation: input.exclude_savings_plan_negation,
        };
        Ok(custom_line_items::update(&ctx.scope()?, uuid_of(&id, "custom line item")?, changes).await?.into())
    }

    async fn delete_custom_line_item(&self, ctx: &Context<'_>, id: ID) -> ApiResult<CustomLineItem> {
        Ok(custom_line_items::delete(&ctx.scope()?, uuid_of(&id, "custom line item")?).await?.into())
    }

    /// Computes every billing group of the payer for the period and stores the results; earlier
    /// results stay readable through `billingResults`.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Report.cost() + crate::graphql::limits::list_cost(child_complexity)")]
    async fn recompute_billing(&self, ctx: &Context<'_>, payer_id: ID, billing_period: String) -> ApiResult<Vec<BillingResult>> {
        let list = results::recompute(&ctx.scope()?, PayerId::parse(&payer_id)?, &billing_period).await?;
        Ok(list.into_iter().map(BillingResult::from).collect())
    }
}
