//! Optimization insights: Cost Optimization Hub recommendations per payer and customer.

use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::domain::optimization as domain;

/// Where a payer's Cost Optimization Hub stood at the last pull.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::optimization_hub_states::HubStatus")]
pub enum OptimizationHubStatus {
    /// Turned on: recommendations are pulled daily.
    Active,
    /// Not turned on in the payer's management account (Billing and Cost Management console →
    /// Cost Optimization Hub → Enable, for the organization).
    Inactive,
    /// The payer's role may not read it: update the payer's CloudFormation stack.
    AccessDenied,
    /// The last pull failed; `lastError` says why (partners only).
    Failed,
}

#[derive(SimpleObject)]
pub struct OptimizationEnrollment {
    /// Null until the first pull.
    pub status: Option<OptimizationHubStatus>,
    /// The whole organization's accounts are enrolled, not only the management account.
    pub member_accounts_included: bool,
    pub checked_at: Option<DateTime<Utc>>,
    /// AWS had more recommendations than we keep (10,000 per payer).
    pub truncated: bool,
    /// What went wrong at the last pull; shown to partners only.
    pub last_error: Option<String>,
}

/// One recommendation. Savings and cost are AWS's monthly estimates in `currency`.
#[derive(SimpleObject)]
pub struct OptimizationRecommendation {
    pub id: ID,
    pub account_id: String,
    pub region: String,
    pub resource_id: String,
    /// e.g. `Ec2Instance`, `EbsVolume`, `ComputeSavingsPlans`.
    pub resource_type: String,
    /// e.g. `Rightsize`, `Stop`, `Upgrade`, `PurchaseSavingsPlans`, `Delete`.
    pub action_type: String,
    pub current_summary: String,
    pub recommended_summary: String,
    /// `VeryLow` … `VeryHigh`.
    pub implementation_effort: String,
    pub restart_needed: bool,
    pub rollback_possible: bool,
    pub estimated_monthly_savings: Decimal,
    pub estimated_monthly_cost: Decimal,
    pub currency: String,
    /// The customer whose billing group holds the account this month.
    pub customer_tenant_id: Option<ID>,
    pub last_refreshed_at: Option<DateTime<Utc>>,
}

/// A customer's estimated savings in one currency (`customerTenantId` null: accounts in no
/// customer's billing group this month).
#[derive(SimpleObject)]
pub struct CustomerSavings {
    pub payer_id: ID,
    pub customer_tenant_id: Option<ID>,
    pub customer_name: Option<String>,
    pub recommendation_count: u64,
    pub currency: String,
    pub estimated_monthly_savings: Decimal,
}

#[derive(SimpleObject)]
pub struct SavingsTotal {
    pub currency: String,
    pub estimated_monthly_savings: Decimal,
}

/// A payer's optimization insights as the caller may see them.
#[derive(SimpleObject)]
pub struct OptimizationInsights {
    pub payer_id: ID,
    pub enrollment: OptimizationEnrollment,
    /// Recommendations in view (all, not only those listed).
    pub recommendation_count: u64,
    /// Estimated monthly savings in view, per currency.
    pub totals: Vec<SavingsTotal>,
    /// The largest savings first.
    pub recommendations: Vec<OptimizationRecommendation>,
    /// Per customer, largest first.
    pub by_customer: Vec<CustomerSavings>,
}

fn id(u: uuid::Uuid) -> ID {
    ID(u.to_string())
}

impl From<domain::CustomerSavings> for CustomerSavings {
    fn from(s: domain::CustomerSavings) -> Self {
        Self {
            payer_id: id(s.payer_id),
            customer_tenant_id: s.customer_tenant_id.map(id),
            customer_name: s.customer_name,
            recommendation_count: s.recommendations,
            currency: s.currency,
            estimated_monthly_savings: s.estimated_monthly_savings,
        }
    }
}

impl From<domain::Insights> for OptimizationInsights {
    fn from(i: domain::Insights) -> Self {
        let e = i.enrollment;
        Self {
            payer_id: id(i.payer_id),
            enrollment: OptimizationEnrollment {
                status: e.status.map(Into::into),
                member_accounts_included: e.member_accounts_included,
                checked_at: e.checked_at,
                truncated: e.truncated,
                last_error: e.last_error,
            },
            recommendation_count: i.recommendations,
            totals: i.totals.into_iter().map(|(currency, estimated_monthly_savings)| SavingsTotal { currency, estimated_monthly_savings }).collect(),
            recommendations: i
                .listed
                .into_iter()
                .map(|r| OptimizationRecommendation {
                    id: id(r.id),
                    account_id: r.account_id,
                    region: r.region,
                    resource_id: r.resource_id,
                    resource_type: r.resource_type,
                    action_type: r.action_type,
                    current_summary: r.current_summary,
                    recommended_summary: r.recommended_summary,
                    implementation_effort: r.implementation_effort,
                    restart_needed: r.restart_needed,
                    rollback_possible: r.rollback_possible,
                    estimated_monthly_savings: r.estimated_monthly_savings,
                    estimated_monthly_cost: r.estimated_monthly_cost,
                    currency: r.currency,
                    customer_tenant_id: r.customer_tenant_id.map(id),
                    last_refreshed_at: r.last_refreshed_at,
                })
                .collect(),
            by_customer: i.by_customer.into_iter().map(Into::into).collect(),
        }
    }
}
