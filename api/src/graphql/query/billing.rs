use async_graphql::{Context, ID, Object};

use crate::domain::billing::{self, current_period, custom_line_items, groups, plans, resellers, results, rules};
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::billing::{
    BillingGroup, BillingGroupCostReport, BillingGroupCostReportSummary, BillingReportGroupBy, BillingResult, CustomLineItem, CustomerCharges, PricingPlan,
    PricingRule, ResellerMargin, uuid_of,
};
use crate::ids::PayerId;
use crate::tenancy::Role;

#[derive(Default)]
pub struct BillingQuery;

#[Object]
impl BillingQuery {
    /// A payer's billing groups, with their member accounts in `billingPeriod` (default: the current one).
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn billing_groups(&self, ctx: &Context<'_>, payer_id: ID, billing_period: Option<String>) -> ApiResult<Vec<BillingGroup>> {
        let period = billing_period.map(|p| billing::checked_period("billingPeriod", &p)).transpose()?.unwrap_or_else(current_period);
        let list = ctx.request()?.prefetched.billing_groups(&ctx.scope()?, PayerId::parse(&payer_id)?).await?;
        Ok(list.into_iter().map(|g| BillingGroup::new(g, &period)).collect())
    }

    async fn billing_group(&self, ctx: &Context<'_>, id: ID, billing_period: Option<String>) -> ApiResult<BillingGroup> {
        let period = billing_period.map(|p| billing::checked_period("billingPeriod", &p)).transpose()?.unwrap_or_else(current_period);
        let (group, _) = groups::find(&ctx.scope()?, uuid_of(&id, "billing group")?, Role::Viewer).await?;
        Ok(BillingGroup::new(group, &period))
    }

    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn pricing_plans(&self, ctx: &Context<'_>, payer_id: ID) -> ApiResult<Vec<PricingPlan>> {
        Ok(plans::list(&ctx.scope()?, PayerId::parse(&payer_id)?).await?.into_iter().map(PricingPlan::from).collect())
    }

    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn pricing_rules(&self, ctx: &Context<'_>, payer_id: ID) -> ApiResult<Vec<PricingRule>> {
        Ok(rules::list(&ctx.scope()?, PayerId::parse(&payer_id)?).await?.into_iter().map(PricingRule::from).collect())
    }

    /// A payer's custom line items; only those active in `billingPeriod` when given.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn custom_line_items(&self, ctx: &Context<'_>, payer_id: ID, billing_period: Option<String>) -> ApiResult<Vec<CustomLineItem>> {
        let items = custom_line_items::list(&ctx.scope()?, PayerId::parse(&payer_id)?, billing_period.as_deref()).await?;
        Ok(items.into_iter().map(CustomLineItem::from).collect())
    }

    /// Per billing group: AWS cost, pro-forma charge and margin for the period, computed now,
    /// beside Billing Conductor's numbers when they were pulled.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Report.cost() + crate::graphql::limits::list_cost(child_complexity)")]
    async fn billing_group_cost_reports(&self, ctx: &Context<'_>, payer_id: ID, billing_period: String) -> ApiResult<Vec<BillingGroupCostReportSummary>> {
        let (scope, payer) = (ctx.scope()?, PayerId::parse(&payer_id)?);
        let groups = ctx.request()?.prefetched.billing_groups(&scope, payer).await?;
        let list = results::group_summaries(&scope, payer, &billing_period, groups).await?;
        Ok(list.into_iter().map(BillingGroupCostReportSummary::from).collect())
    }

    /// A reseller payer's month: its distributor's charge (the reseller's cost), its groups'
    /// charges and the margin. For the payer's viewers.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Report.cost() + child_complexity")]
    async fn reseller_margin(&self, ctx: &Context<'_>, payer_id: ID, billing_period: String) -> ApiResult<ResellerMargin> {
        Ok(resellers::margin(&ctx.scope()?, PayerId::parse(&payer_id)?, &billing_period).await?.into())
    }

    /// One group's AWS cost, pro-forma charge and margin from `from` to `to` (`YYYY-MM`, both included).
    #[graphql(complexity = "crate::graphql::limits::Heavy::Report.cost() + child_complexity")]
    async fn billing_group_cost_report(
        &self,
        ctx: &Context<'_>,
        billing_group_id: ID,
        from: String,
        to: String,
        #[graphql(default_with = "BillingReportGroupBy::Service")] group_by: BillingReportGroupBy,
    ) -> ApiResult<BillingGroupCostReport> {
        let report = results::group_report(&ctx.scope()?, uuid_of(&billing_group_id, "billing group")?, &from, &to, group_by.into()).await?;
        Ok(BillingGroupCostReport::new(report, from, to, group_by))
    }

    /// Stored computations of a group for a period, newest first (a recomputation adds one).
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn billing_results(&self, ctx: &Context<'_>, billing_group_id: ID, billing_period: String) -> ApiResult<Vec<BillingResult>> {
        let list = results::stored(&ctx.scope()?, uuid_of(&billing_group_id, "billing group")?, &billing_period).await?;
        Ok(list.into_iter().map(BillingResult::from).collect())
    }

    /// For end-customer users: their pro-forma charges by service, per billing group whose
    /// customer tenant they belong to. Never AWS cost or margin.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Report.cost() + crate::graphql::limits::list_cost(child_complexity)")]
    async fn my_charges(&self, ctx: &Context<'_>, billing_period: String) -> ApiResult<Vec<CustomerCharges>> {
        let list = results::my_charges(&ctx.scope()?, &billing_period).await?;
        Ok(list.into_iter().map(|c| CustomerCharges::new(c, &billing_period)).collect())
    }

    /// For end-customer users: the payers their billing groups are on, to ask the cost views
    /// (`costSummary`, `monthOverMonth`, …) about in their own price. A partner's users get the
    /// payers their customers' billing groups are on (the same reach as `myCharges`).
    async fn my_payer_ids(&self, ctx: &Context<'_>) -> ApiResult<Vec<ID>> {
        Ok(results::my_payer_ids(&ctx.scope()?).await?.into_iter().map(|p| ID(p.0.to_string())).collect())
    }
}
