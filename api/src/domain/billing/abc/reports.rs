//! Pulling Billing Conductor's cost reports of the billing groups we link.

use std::collections::HashMap;

use chrono::Utc;
use entity::{abc_cost_reports, billing_groups};
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter};

use super::{ReportsArgs, SESSION, adapter, current_period, for_abc_payers, previous_period};
use crate::aws::billing_conductor::app_error;
use crate::domain::payers as payer_domain;
use crate::error::{AppResult, Context as _};
use crate::jobs::{JobContext, Step};
use crate::tenancy::{PayerAccess, PayerRead, PayerTransactions, PlatformPayer};
use crate::money::to_units;

/// The `billing.abc_reports` job (daily): ABC's cost report of every billing group we link, for
/// the previous and the current billing period, replacing what was stored for them.
pub async fn run_reports_job(state: &JobContext, args: ReportsArgs) -> AppResult<Step<ReportsArgs>> {
    for_abc_payers(state, args.payer_id, |payer| async move { pull_reports(state, &payer).await }).await
}

/// Pulls one payer's ABC cost reports into `abc_cost_reports`; returns how many rows it stored.
pub async fn pull_reports(state: &JobContext, payer: &PlatformPayer) -> AppResult<usize> {
    let aws = &state.aws;
    let creds = payer_domain::credentials(payer, aws, SESSION).await.context("assuming the payer's role for Billing Conductor reports")?;
    let abc = adapter(aws)?;
    let groups: HashMap<String, uuid::Uuid> = payer
        .rows::<billing_groups::Entity>()
        .all()
        .await
        .context("loading the payer's billing groups")?
        .into_iter()
        .filter_map(|g| g.abc_arn.map(|a| (a, g.id)))
        .collect();
    let mut stored = 0;
    for period in [previous_period(), current_period()] {
        let reports = abc.list_cost_reports(&creds, &period).await.map_err(app_error).context("listing Billing Conductor cost reports")?;
        let txn = payer.begin_write().await?;
        for report in reports {
            let Some(group) = groups.get(&report.billing_group_arn) else { continue };
            txn.delete::<abc_cost_reports::Entity>()
                .filter(abc_cost_reports::Column::BillingGroupId.eq(*group))
                .filter(abc_cost_reports::Column::BillingPeriod.eq(period.clone()))
                .exec()
                .await
                .context("replacing a billing group's stored cost report")?;
            txn.insert(abc_cost_reports::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                payer_id: Set(payer.id),
                billing_group_id: Set(*group),
                billing_period: Set(period.clone()),
                aws_cost: Set(to_units(report.aws_cost)?),
                proforma_cost: Set(to_units(report.proforma_cost)?),
                margin: Set(to_units(report.margin)?),
                currency: Set(report.currency),
                fetched_at: Set(Utc::now()),
            })
            .await
            .context("storing a billing group's cost report")?;
            stored += 1;
        }
        txn.commit().await?;
    }
    Ok(stored)
}

crate::jobs::job_handler! {
    /// Pulls Billing Conductor's cost reports.
    pub AbcReports, ReportsArgs, |ctx, _job, args| run_reports_job(ctx, args).await.map_err(crate::jobs::JobFailure::from)
}
