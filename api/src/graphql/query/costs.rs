use async_graphql::{Context, ID, Object};
use rust_decimal::Decimal;

use crate::domain::costs::{self, CostFilter, GroupKey, SummaryRequest, TagFilter};
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::costs::{
    AccountBillLine, AccountMonthlyBill, CostAllocationKey, CostChange, CostDimension, CostForecast, CostGranularity, CostGroup, CostKey, CostMetric, CostPoint, CostSummary, CostSummaryInput,
    HealthStatus, IngestionHealth, IngestionRecord, MonthOverMonth, MonthOverMonthInput, ServiceCategory,
};
use crate::ids::{PayerId, TenantId};

#[derive(Default)]
pub struct CostsQuery;

fn payer_ids(ids: &[ID]) -> ApiResult<Vec<PayerId>> {
    Ok(ids.iter().map(|i| PayerId::parse(i)).collect::<Result<_, _>>()?)
}

fn customer_id(id: Option<&ID>) -> ApiResult<Option<TenantId>> {
    Ok(id.map(|t| TenantId::parse(t)).transpose()?)
}

#[Object]
impl CostsQuery {
    /// Organization cost over time, grouped by any of account, service, region, usage type,
    /// charge type and service category.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Report.cost() + child_complexity")]
    async fn cost_summary(&self, ctx: &Context<'_>, input: CostSummaryInput) -> ApiResult<CostSummary> {
        let f = input.filter.unwrap_or_default();
        let by_tag = input.group_by.contains(&CostDimension::Tag);
        let req = SummaryRequest {
            payers: payer_ids(&input.payer_ids)?,
            from: input.from,
            to: input.to,
            granularity: match input.granularity {
                CostGranularity::Day => costs::Granularity::Day,
                CostGranularity::Month => costs::Granularity::Month,
            },
            group_by: input.group_by.into_iter().map(Into::into).collect(),
            metric: input.metric.into(),
            filter: CostFilter {
                account_ids: f.account_ids,
                service_codes: f.service_codes,
                regions: f.regions,
                charge_types: f.charge_types,
                tag: f.tag.map(|t| TagFilter { key: t.key.into(), values: t.values }),
            },
            customer: customer_id(input.customer_tenant_id.as_ref())?,
            tag_key: input.tag_key.map(Into::into),
        };
        let s = costs::summary(&ctx.scope()?, req).await?;
        let names = &s.service_names;
        let key = |k: GroupKey| {
            let tag = by_tag.then(|| k.tag.clone());
            CostKey { tag, ..CostKey::new(k, names, &s.account_names) }
        };
        Ok(CostSummary {
            currency: s.currency,
            total: s.total,
            series: s.series.into_iter().map(|p| CostPoint { period: p.period, key: key(p.key), amount: p.amount }).collect(),
            groups: s.groups.into_iter().map(|(k, a)| CostGroup { key: key(k), amount: a }).collect(),
            custom_line_items: s.custom_line_items,
            unpriced_account_ids: s.unpriced_account_ids,
        })
    }

    /// Each key's cost this month against last month, with the biggest movers.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Report.cost() + child_complexity")]
    async fn month_over_month(&self, ctx: &Context<'_>, input: MonthOverMonthInput) -> ApiResult<MonthOverMonth> {
        let group_by = input.group_by.into_iter().map(Into::into).collect();
        let (changes, names, accounts) = costs::month_over_month(&ctx.scope()?, payer_ids(&input.payer_ids)?, customer_id(input.customer_tenant_id.as_ref())?, &input.month, group_by, input.metric.into()).await?;
        let mut ups: Vec<_> = changes.iter().filter(|c| c.delta > Decimal::ZERO).cloned().collect();
        ups.sort_by_key(|c| std::cmp::Reverse(c.delta));
        let mut downs: Vec<_> = changes.iter().filter(|c| c.delta < Decimal::ZERO).cloned().collect();
        downs.sort_by_key(|c| c.delta);
        Ok(MonthOverMonth {
            month: input.month,
            top_increases: ups.into_iter().take(5).map(|c| CostChange::new(c, &names, &accounts)).collect(),
            top_decreases: downs.into_iter().take(5).map(|c| CostChange::new(c, &names, &accounts)).collect(),
            changes: changes.into_iter().map(|c| CostChange::new(c, &names, &accounts)).collect(),
        })
    }

    /// AWS service codes, their FOCUS service category and the service names that map to them.
    /// Cost by category is `costSummary(groupBy: [SERVICE_CATEGORY])`, in any metric.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn service_categories(&self, ctx: &Context<'_>) -> ApiResult<Vec<ServiceCategory>> {
        ctx.scope()?;
        Ok(costs::known_service_categories()
            .into_iter()
            .map(|(code, category, names)| ServiceCategory {
                service_code: code.to_owned(),
                category: category.to_owned(),
                service_names: names.into_iter().map(str::to_owned).collect(),
            })
            .collect())
    }

    /// Month-end projection from the run rate.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Report.cost() + child_complexity")]
    async fn cost_forecast(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "As in `CostSummaryInput.payerIds`.")] payer_ids: Vec<ID>,
        month: String,
        #[graphql(default_with = "CostMetric::Unblended")] metric: CostMetric,
        #[graphql(desc = "One customer's part, as in `CostSummaryInput.customerTenantId`.")] customer_tenant_id: Option<ID>,
    ) -> ApiResult<CostForecast> {
        let f = costs::forecast(&ctx.scope()?, self::payer_ids(&payer_ids)?, customer_id(customer_tenant_id.as_ref())?, &month, metric.into()).await?;
        Ok(CostForecast {
            month,
            month_to_date: f.month_to_date,
            projected: f.projected,
            days_with_data: f.days_with_data,
            days_in_month: f.days_in_month,
            method: "month-to-date cost ÷ days up to the newest day with data × days in the month; a past month projects to its total; PRO_FORMA custom line items are added as they stand, not extrapolated".into(),
        })
    }

    /// One account's bill for any month, with a CSV of it: unblended cost by default; end
    /// customers ask for PRO_FORMA (what they are billed) or LIST for their own accounts.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Report.cost() + child_complexity")]
    async fn account_monthly_bill(
        &self,
        ctx: &Context<'_>,
        payer_id: ID,
        account_id: String,
        month: String,
        #[graphql(default_with = "String::from(\"en\")")] locale: String,
        #[graphql(default_with = "CostMetric::Unblended")] metric: CostMetric,
    ) -> ApiResult<AccountMonthlyBill> {
        let bill = costs::account_bill(&ctx.scope()?, PayerId::parse(&payer_id)?, &account_id, &month, metric.into()).await?;
        let csv = costs::bill_csv(&bill, &locale)?;
        Ok(AccountMonthlyBill {
            account_id,
            month,
            currency: bill.currency,
            metric,
            total: bill.total,
            csv,
            lines: bill
                .lines
                .into_iter()
                .map(|l| AccountBillLine {
                    service_code: l.service_code,
                    service_name: l.service_name,
                    usage_type: l.usage_type,
                    operation: l.operation,
                    description: l.description,
                    usage: l.usage,
                    unit: l.pricing_unit,
                    cost: l.cost,
                    custom_line_item: l.custom_line_item,
                })
                .collect(),
        })
    }

    /// The payer's selected cost allocation keys, in the order chosen. Anyone who may see the
    /// payer's costs (end customers too).
    async fn cost_allocation_keys(&self, ctx: &Context<'_>, payer_id: ID) -> ApiResult<Vec<CostAllocationKey>> {
        Ok(costs::allocation_keys(&ctx.scope()?, PayerId::parse(&payer_id)?).await?.into_iter().map(Into::into).collect())
    }

    /// Whether a payer's cost data is current.
    async fn ingestion_health(&self, ctx: &Context<'_>, payer_id: ID) -> ApiResult<IngestionHealth> {
        let h = costs::ingestion_health(&ctx.scope()?, PayerId::parse(&payer_id)?).await?;
        let status = match h.status {
            "SUCCESS" => HealthStatus::Success,
            "WARNING" => HealthStatus::Warning,
            "FAILED" => HealthStatus::Failed,
            _ => HealthStatus::NotAvailable,
        };
        let last_ingestion = h.last.map(|i| IngestionRecord {
            id: ID(i.id.to_string()),
            status: i.status.into(),
            message: i.error,
            source: i.source,
            billing_period: i.billing_period,
            rows_read: i.rows_read,
            rows_written: i.rows_written,
            started_at: i.started_at,
            finished_at: i.finished_at,
            heartbeat_at: i.heartbeat_at,
            holder: i.holder,
        });
        Ok(IngestionHealth { status, reason: h.reason, lag_days: h.lag_days, last_ingestion })
    }
}
