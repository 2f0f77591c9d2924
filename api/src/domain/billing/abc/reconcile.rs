//! The sync: per payer, create in ABC what it lacks, update what differs, delete what we created
//! and no longer have, and record each object's outcome.

use std::collections::{HashMap, HashSet};

use aws_credential_types::Credentials;
use entity::{custom_line_items, pricing_plan_rules, pricing_rules};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveEnum, ColumnTrait, QueryFilter};
use serde::Serialize;

use super::{AbcSyncStatus, Local, SESSION, SyncArgs, Table, adapter, current_members, current_period, for_abc_payers};
use crate::aws::billing_conductor::{
    AbcCustomLineItem, AbcPricingRule, BillingConductor, BillingGroupSpec, CustomLineItemSpec, PricingPlanSpec, PricingRuleSpec, app_error,
};
use crate::aws::AwsError;
use crate::domain::payers as payer_domain;
use crate::domain::billing::custom_line_items::child_ids;
use crate::error::{AppError, AppResult, Context as _};
use crate::tenancy::{PayerAccess, PayerRead, PlatformPayer};
use crate::jobs::{JobContext, Step};
use crate::money::from_units;

/// Records one object's sync outcome on the payer's row of its table.
async fn mark(payer: &PlatformPayer, table: Table, id: uuid::Uuid, arn: Option<&str>, outcome: Result<(), String>) -> AppResult<()> {
    let (status, error) = match outcome {
        Ok(()) => (AbcSyncStatus::Synced, None),
        Err(reason) => (AbcSyncStatus::Failed, Some(reason)),
    };
    let outcome = Outcome { status, error, arn: arn.map(str::to_owned) };
    match table {
        Table::Groups => outcome.store::<entity::billing_groups::Entity>(payer, id).await,
        Table::Plans => outcome.store::<entity::pricing_plans::Entity>(payer, id).await,
        Table::Rules => outcome.store::<pricing_rules::Entity>(payer, id).await,
        Table::Items => outcome.store::<entity::custom_line_items::Entity>(payer, id).await,
    }
    .context("recording a billing object's sync outcome")
}

/// A sync outcome as the four billing tables store it (the same column names in each).
struct Outcome {
    status: AbcSyncStatus,
    error: Option<String>,
    arn: Option<String>,
}

impl Outcome {
    async fn store<E>(self, payer: &PlatformPayer, id: uuid::Uuid) -> AppResult<()>
    where
        E: crate::tenancy::PayerOwned,
        E::Column: std::str::FromStr,
    {
        let column = |name: &str| <E::Column as std::str::FromStr>::from_str(name).map_err(|_| AppError::internal(anyhow::anyhow!("{} has no column {name}", E::default().table_name())));
        let mut update = payer
            .update_rows::<E>()
            .col_expr(column("abc_sync_status")?, Expr::value(self.status))
            .col_expr(column("abc_sync_error")?, Expr::value(self.error))
            .filter(Expr::col(column("id")?).eq(id));
        if let Some(arn) = self.arn {
            update = update.col_expr(column("abc_arn")?, Expr::value(arn));
        }
        update.exec().await?;
        Ok(())
    }
}

/// A percentage or amount from storage units, as ABC reads it (5.00000000 → 5).
fn decimal(units: i64) -> Decimal {
    from_units(units).normalize()
}

fn rule_spec(r: &pricing_rules::Model) -> PricingRuleSpec {
    let tiering = r.rule_type == entity::pricing_rules::RuleType::Tiering;
    PricingRuleSpec {
        name: r.name.clone(),
        description: r.description.clone(),
        scope: r.scope.to_value(),
        rule_type: r.rule_type.to_value(),
        modifier_percentage: (!tiering).then(|| decimal(r.modifier_percentage)),
        service: r.service.clone(),
        billing_entity: r.billing_entity.clone(),
        usage_type: r.usage_type.clone(),
        operation: r.operation.clone(),
        free_tier: if tiering { Some(r.free_tier.unwrap_or(true)) } else { None },
    }
}

/// Whether ABC's rule already says what ours says (scope and type cannot change in ABC).
fn same_rule(ours: &PricingRuleSpec, abc: &PricingRuleSpec) -> bool {
    ours.name == abc.name && ours.description == abc.description && ours.modifier_percentage == abc.modifier_percentage && ours.free_tier == abc.free_tier
}

fn item_spec(item: &custom_line_items::Model, group_arn: &str, arns: &HashMap<uuid::Uuid, String>) -> CustomLineItemSpec {
    let current = current_period();
    CustomLineItemSpec {
        name: item.name.clone(),
        description: item.description.clone(),
        billing_group_arn: group_arn.to_owned(),
        charge_type: item.charge_type.to_value(),
        flat: item.flat_amount.map(decimal),
        percentage: item.percentage.map(decimal),
        associated_arns: child_ids(item).iter().filter_map(|id| arns.get(id).cloned()).collect(),
        account_id: item.linked_account_id.clone(),
        exclude_savings_plan_negation: item.exclude_savings_plan_negation,
        // ABC keeps no history: an item that started in the past starts now there.
        start_period: Some(if item.billing_period_start > current { item.billing_period_start.clone() } else { current }),
        end_period: item.billing_period_end.clone(),
    }
}

fn same_item(ours: &CustomLineItemSpec, abc: &AbcCustomLineItem) -> bool {
    let theirs = &abc.spec;
    ours.name == theirs.name
        && ours.description == theirs.description
        && ours.flat == theirs.flat
        && ours.percentage == theirs.percentage
        && ours.exclude_savings_plan_negation == theirs.exclude_savings_plan_negation
}

/// What one sync run did.
#[derive(Debug, Default, Serialize)]
pub struct SyncReport {
    pub created: usize,
    pub updated: usize,
    pub deleted: usize,
    pub failed: usize,
}

/// One payer's reconcile, with the payer's credentials and the ABC adapter.
struct Reconcile<'a> {
    payer: &'a PlatformPayer,
    abc: &'a dyn BillingConductor,
    creds: Credentials,
    report: SyncReport,
}

impl Reconcile<'_> {
    /// Records an object's outcome; AWS failures are kept with their reason.
    async fn record(&mut self, table: Table, id: uuid::Uuid, arn: Option<&str>, outcome: Result<(), AwsError>) -> AppResult<()> {
        if outcome.is_err() {
            self.report.failed += 1;
        }
        mark(self.payer, table, id, arn, outcome.map_err(|e| app_error(e).to_string())).await
    }

    async fn rules(&mut self, local: &mut Local) -> AppResult<()> {
        let listed: HashMap<String, AbcPricingRule> = self.abc.list_pricing_rules(&self.creds).await.context("listing Billing Conductor pricing rules")?.into_iter().map(|r| (r.arn.clone(), r)).collect();
        for rule in &mut local.rules {
            let spec = rule_spec(rule);
            let outcome = match rule.abc_arn.as_deref().and_then(|a| listed.get(a)) {
                Some(abc) if same_rule(&spec, &abc.spec) => Ok(()),
                Some(abc) => self.abc.update_pricing_rule(&self.creds, &abc.arn, &spec).await.map(|()| self.report.updated += 1),
                None => match self.abc.create_pricing_rule(&self.creds, &spec, &rule.id.to_string()).await {
                    Ok(arn) => {
                        self.report.created += 1;
                        rule.abc_arn = Some(arn);
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
            };
            self.record(Table::Rules, rule.id, rule.abc_arn.as_deref(), outcome).await?;
        }
        Ok(())
    }

    async fn plans(&mut self, local: &mut Local) -> AppResult<()> {
        let listed: HashMap<String, PricingPlanSpec> =
            self.abc.list_pricing_plans(&self.creds).await.context("listing Billing Conductor pricing plans")?.into_iter().map(|p| (p.arn, p.spec)).collect();
        let rule_arns: HashMap<uuid::Uuid, String> = local.rules.iter().filter_map(|r| r.abc_arn.clone().map(|a| (r.id, a))).collect();
        for plan in &mut local.plans {
            let spec = PricingPlanSpec { name: plan.name.clone(), description: plan.description.clone() };
            let mut outcome = match plan.abc_arn.as_deref().and_then(|a| listed.get(a).map(|s| (a, s))) {
                Some((_, abc)) if *abc == spec => Ok(()),
                Some((arn, _)) => self.abc.update_pricing_plan(&self.creds, arn, &spec).await.map(|()| self.report.updated += 1),
                None => match self.abc.create_pricing_plan(&self.creds, &spec, &plan.id.to_string()).await {
                    Ok(arn) => {
                        self.report.created += 1;
                        plan.abc_arn = Some(arn);
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
            };
            if let (Ok(()), Some(arn)) = (&outcome, plan.abc_arn.as_deref()) {
                let ours: Vec<String> = self
                    .payer
                    .part_rows::<pricing_plan_rules::Entity>()
                    .filter(pricing_plan_rules::Column::PricingPlanId.eq(plan.id))
                    .all()
                    .await?
                    .iter()
                    .filter_map(|link| rule_arns.get(&link.pricing_rule_id).cloned())
                    .collect();
                outcome = match self.abc.list_plan_rules(&self.creds, arn).await {
                    Ok(theirs) => self.abc.set_plan_rules(&self.creds, arn, &theirs, &ours).await.map(|_| ()),
                    Err(e) => Err(e),
                };
            }
            self.record(Table::Plans, plan.id, plan.abc_arn.as_deref(), outcome).await?;
        }
        Ok(())
    }

    async fn groups(&mut self, local: &mut Local) -> AppResult<()> {
        let listed: HashMap<String, _> = self.abc.list_billing_groups(&self.creds).await.context("listing Billing Conductor billing groups")?.into_iter().map(|g| (g.arn.clone(), g)).collect();
        let plan_arns: HashMap<uuid::Uuid, String> = local.plans.iter().filter_map(|p| p.abc_arn.clone().map(|a| (p.id, a))).collect();
        for group in &mut local.groups {
            let Some(plan_arn) = plan_arns.get(&group.pricing_plan_id) else {
                mark(self.payer, Table::Groups, group.id, None, Err("its pricing plan is not in Billing Conductor yet".to_owned())).await?;
                self.report.failed += 1;
                continue;
            };
            let spec = BillingGroupSpec {
                name: group.name.clone(),
                description: group.description.clone(),
                primary_account_id: group.primary_account_id.clone(),
                pricing_plan_arn: plan_arn.clone(),
                account_ids: current_members(self.payer, group.id).await?,
            };
            let outcome = match group.abc_arn.as_deref().and_then(|a| listed.get(a)) {
                Some(abc) if abc.primary_account_id != spec.primary_account_id => {
                    let reason = "Billing Conductor cannot change a billing group's primary account: delete the group and create it again";
                    mark(self.payer, Table::Groups, group.id, None, Err(reason.to_owned())).await?;
                    self.report.failed += 1;
                    continue;
                }
                Some(abc) => {
                    let changed = abc.name != spec.name || abc.description != spec.description || abc.pricing_plan_arn.as_deref() != Some(plan_arn.as_str());
                    let updated = if changed { self.abc.update_billing_group(&self.creds, &abc.arn, &spec).await.map(|()| self.report.updated += 1) } else { Ok(()) };
                    match updated {
                        Ok(()) => match self.abc.list_group_accounts(&self.creds, &abc.arn).await {
                            Ok(theirs) => self.abc.set_group_accounts(&self.creds, &abc.arn, &theirs, &spec.account_ids).await.map(|_| ()),
                            Err(e) => Err(e),
                        },
                        Err(e) => Err(e),
                    }
                }
                None => match self.abc.create_billing_group(&self.creds, &spec, &group.id.to_string()).await {
                    Ok(created) => {
                        self.report.created += 1;
                        // Stored before the members follow, so a failure there keeps the ARN.
                        group.abc_arn = Some(created.arn.clone());
                        mark(self.payer, Table::Groups, group.id, group.abc_arn.as_deref(), Ok(())).await?;
                        self.abc.set_group_accounts(&self.creds, &created.arn, &created.account_ids, &spec.account_ids).await.map(|_| ())
                    }
                    Err(e) => Err(e),
                },
            };
            self.record(Table::Groups, group.id, group.abc_arn.as_deref(), outcome).await?;
        }
        Ok(())
    }

    async fn items(&mut self, local: &mut Local) -> AppResult<()> {
        let listed: HashMap<String, AbcCustomLineItem> =
            self.abc.list_custom_line_items(&self.creds).await.context("listing Billing Conductor custom line items")?.into_iter().map(|i| (i.arn.clone(), i)).collect();
        let group_arns: HashMap<uuid::Uuid, String> = local.groups.iter().filter_map(|g| g.abc_arn.clone().map(|a| (g.id, a))).collect();
        let period = current_period();
        // Items that others refer to (percentage of items) go first, so their ARNs exist.
        let children: HashSet<uuid::Uuid> = local.items.iter().flat_map(child_ids).collect();
        local.items.sort_by_key(|i| !children.contains(&i.id));
        for i in 0..local.items.len() {
            let arns: HashMap<uuid::Uuid, String> = local.items.iter().filter_map(|i| i.abc_arn.clone().map(|a| (i.id, a))).collect();
            let item = &local.items[i];
            if item.billing_period_end.as_deref().is_some_and(|end| *end <= *period) {
                // Over before this period: ABC only has the current one, so nothing to push.
                mark(self.payer, Table::Items, item.id, None, Ok(())).await?;
                continue;
            }
            let Some(group_arn) = group_arns.get(&item.billing_group_id) else {
                mark(self.payer, Table::Items, item.id, None, Err("its billing group is not in Billing Conductor yet".to_owned())).await?;
                self.report.failed += 1;
                continue;
            };
            let spec = item_spec(item, group_arn, &arns);
            let (id, mut arn) = (item.id, item.abc_arn.clone());
            let outcome = match arn.as_deref().and_then(|a| listed.get(a)) {
                Some(abc) if same_item(&spec, abc) => Ok(()),
                Some(abc) => {
                    let update = CustomLineItemSpec { start_period: None, end_period: None, ..spec };
                    self.abc.update_custom_line_item(&self.creds, &abc.arn, &update).await.map(|()| self.report.updated += 1)
                }
                None => match self.abc.create_custom_line_item(&self.creds, &spec, &id.to_string()).await {
                    Ok(created) => {
                        self.report.created += 1;
                        arn = Some(created);
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
            };
            local.items[i].abc_arn.clone_from(&arn);
            self.record(Table::Items, id, arn.as_deref(), outcome).await?;
        }
        Ok(())
    }

    /// Deletes ABC objects we created that no row of ours holds any more: line items, groups,
    /// plans, then rules, so nothing is deleted while something else still uses it.
    async fn orphans(&mut self, local: &Local) -> AppResult<()> {
        let ours = local.arns();
        let doing = "listing Billing Conductor objects to find orphans";
        let items: Vec<String> = self.abc.list_custom_line_items(&self.creds).await.context(doing)?.into_iter().map(|i| i.arn).collect();
        let groups: Vec<String> = self.abc.list_billing_groups(&self.creds).await.context(doing)?.into_iter().map(|g| g.arn).collect();
        let plans: Vec<String> = self.abc.list_pricing_plans(&self.creds).await.context(doing)?.into_iter().map(|p| p.arn).collect();
        let rules: Vec<String> = self.abc.list_pricing_rules(&self.creds).await.context(doing)?.into_iter().map(|r| r.arn).collect();
        for (table, arns) in [(Table::Items, items), (Table::Groups, groups), (Table::Plans, plans), (Table::Rules, rules)] {
            for arn in arns.iter().filter(|a| !ours.contains(*a)) {
                if self.abc.owner_id(&self.creds, arn).await?.is_none() {
                    continue;
                }
                let deleted = match table {
                    Table::Items => self.abc.delete_custom_line_item(&self.creds, arn).await,
                    Table::Groups => self.abc.delete_billing_group(&self.creds, arn).await,
                    Table::Plans => self.abc.delete_pricing_plan(&self.creds, arn).await,
                    Table::Rules => self.abc.delete_pricing_rule(&self.creds, arn).await,
                };
                match deleted {
                    Ok(()) => self.report.deleted += 1,
                    // Tried again next run; nothing of ours to mark.
                    Err(e) => {
                        tracing::warn!(%arn, error = %e, "could not delete a {} from Billing Conductor", table.noun());
                        self.report.failed += 1;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Brings one payer's ABC objects in step with ours.
pub async fn sync_payer(state: &JobContext, payer: &PlatformPayer) -> AppResult<SyncReport> {
    let aws = &state.aws;
    let creds = payer_domain::credentials(payer, aws, SESSION).await.context("assuming the payer's role for a Billing Conductor sync")?;
    let mut run = Reconcile { payer, abc: adapter(aws)?, creds, report: SyncReport::default() };
    let mut local = Local::load(payer).await.context("loading the payer's billing objects")?;
    let pass = async {
        run.rules(&mut local).await?;
        run.plans(&mut local).await?;
        run.groups(&mut local).await?;
        run.items(&mut local).await?;
        run.orphans(&local).await
    };
    pass.await.map_err(|e| match e {
        AppError::Aws(e) => app_error(*e),
        other => other,
    })?;
    Ok(run.report)
}

/// The `billing.abc_sync` job: one payer, or every payer in ABC mode.
pub async fn run_sync_job(state: &JobContext, args: SyncArgs) -> AppResult<Step<SyncArgs>> {
    for_abc_payers(state, args.payer_id, |payer| async move { sync_payer(state, &payer).await }).await
}

crate::jobs::job_handler! {
    /// Pushes billing configuration to AWS Billing Conductor (one payer, or every payer in ABC mode).
    pub AbcSync, SyncArgs, |ctx, _job, args| run_sync_job(ctx, args).await.map_err(crate::jobs::JobFailure::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_compare_on_what_abc_can_change() {
        let ours = PricingRuleSpec {
            name: "global".into(),
            description: String::new(),
            scope: "GLOBAL".into(),
            rule_type: "DISCOUNT".into(),
            modifier_percentage: Some(Decimal::new(5, 0)),
            service: None,
            billing_entity: None,
            usage_type: None,
            operation: None,
            free_tier: None,
        };
        let mut theirs = ours.clone();
        theirs.modifier_percentage = Some(Decimal::new(500, 2));
        assert!(same_rule(&ours, &theirs), "5 and 5.00 are the same percentage");
        theirs.modifier_percentage = Some(Decimal::new(51, 1));
        assert!(!same_rule(&ours, &theirs));
    }
}
