//! Importing an existing ABC setup into our model, linked by ARN.

use std::collections::HashMap;

use aws_credential_types::Credentials;
use chrono::{DateTime, Utc};
use entity::{billing_group_accounts, billing_groups, custom_line_items, pricing_plan_rules, pricing_plans, pricing_rules};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use super::{AbcSyncStatus, Local, adapter, current_members, current_period};
use crate::aws::AwsClients;
use crate::error::AppError;
use crate::aws::AwsResult;
use crate::aws::billing_conductor::{AbcBillingGroup, AbcCustomLineItem, AbcPricingPlan, AbcPricingRule, BillingConductor, app_error};
use crate::domain::billing::billing_payer;
use crate::domain::payers as payer_domain;
use crate::error::{AppResult, Context as _};
use crate::ids::PayerId;
use crate::money::to_units;
use crate::tenancy::{PayerAccess, PayerOwned, PayerTransactions, PayerTxn, Role, Scope};

/// What an import brought in.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ImportReport {
    pub pricing_rules: usize,
    pub pricing_plans: usize,
    pub billing_groups: usize,
    pub custom_line_items: usize,
    /// Objects left out, with why.
    pub skipped: Vec<String>,
}

/// A row id for an ABC object: the one we already link to it, else the one carrying its name.
fn adopt<'a, T>(rows: &'a [T], arn: &str, name: &str, arn_of: impl Fn(&T) -> Option<&str>, name_of: impl Fn(&T) -> &str) -> Option<&'a T> {
    rows.iter().find(|r| arn_of(r) == Some(arn)).or_else(|| rows.iter().find(|r| name_of(r) == name))
}

/// Brings an existing ABC setup (pricing rules, plans with their rules, billing groups with their
/// current members, custom line items) into our model, linked by ARN and marked SYNCED. Objects
/// already linked, or with the same name, are updated rather than duplicated. Operators and up.
pub async fn import(scope: &Scope, aws: &AwsClients, payer: PayerId) -> AppResult<ImportReport> {
    let payer = billing_payer(scope, payer, Role::Operator).await?;
    let abc = adapter(aws)?;
    let session = crate::aws::credentials::session_name(&scope.principal().email);
    let creds = payer_domain::credentials(&payer, aws, &session).await.context("assuming the payer's role for a Billing Conductor import")?;
    // Everything is read before anything is written, so a failed call changes nothing.
    let setup = Setup::read(abc, &creds).await.map_err(app_error).context("reading the payer's Billing Conductor setup")?;

    let txn = payer.begin_write().await?;
    let mut import = Import {
        txn: &txn,
        payer: payer.id,
        existing: Local::load(&txn).await.context("loading the payer's billing objects")?,
        now: Utc::now(),
        period: current_period(),
        report: ImportReport::default(),
    };
    let rule_ids = import.rules(&setup.rules).await?;
    let plan_ids = import.plans(&setup.plans, &setup.plan_rules, &rule_ids).await?;
    let group_ids = import.groups(&setup.groups, &setup.members, &plan_ids).await?;
    import.items(&setup.items, &group_ids).await?;
    let Import { report, .. } = import;
    txn.commit().await?;
    Ok(report)
}

/// A payer's whole ABC setup, as listed.
struct Setup {
    rules: Vec<AbcPricingRule>,
    plans: Vec<AbcPricingPlan>,
    /// The rule ARNs of each plan, by plan ARN.
    plan_rules: HashMap<String, Vec<String>>,
    groups: Vec<AbcBillingGroup>,
    /// The current member accounts of each group, by group ARN.
    members: HashMap<String, Vec<String>>,
    items: Vec<AbcCustomLineItem>,
}

impl Setup {
    async fn read(abc: &dyn BillingConductor, creds: &Credentials) -> AwsResult<Self> {
        let rules = abc.list_pricing_rules(creds).await?;
        let plans = abc.list_pricing_plans(creds).await?;
        let mut plan_rules = HashMap::new();
        for plan in &plans {
            plan_rules.insert(plan.arn.clone(), abc.list_plan_rules(creds, &plan.arn).await?);
        }
        let groups = abc.list_billing_groups(creds).await?;
        let mut members = HashMap::new();
        for group in &groups {
            members.insert(group.arn.clone(), abc.list_group_accounts(creds, &group.arn).await?);
        }
        let items = abc.list_custom_line_items(creds).await?;
        Ok(Self { rules, plans, plan_rules, groups, members, items })
    }
}

/// A value Billing Conductor gave, as the stored enum; one this version does not know stops the
/// import (nothing is written) and names itself.
fn known<T: sea_orm::ActiveEnum<Value = String>>(what: &str, value: &str) -> AppResult<T> {
    T::try_from_value(&value.to_owned())
        .map_err(|_| AppError::Conflict(format!("Billing Conductor has a {what} {value:?} that this version does not know; nothing was imported")))
}

/// One import's writes, inside its transaction: each step adopts or inserts one kind of object
/// and returns our ids by ARN for the steps after it.
struct Import<'a> {
    txn: &'a PayerTxn,
    payer: uuid::Uuid,
    /// Our rows before the import, to adopt by ARN or name.
    existing: Local,
    now: DateTime<Utc>,
    /// The current billing period: new memberships and custom line items start in it.
    period: String,
    report: ImportReport,
}

impl Import<'_> {
    async fn rules(&mut self, rules: &[AbcPricingRule]) -> AppResult<HashMap<String, uuid::Uuid>> {
        let mut ids = HashMap::new();
        for r in rules {
            let s = &r.spec;
            let modifier = to_units(s.modifier_percentage.unwrap_or_default())?;
            let found = adopt(&self.existing.rules, &r.arn, &s.name, |x| x.abc_arn.as_deref(), |x| &x.name);
            let id = found.map_or_else(uuid::Uuid::now_v7, |f| f.id);
            let row = match found {
                Some(found) => {
                    let mut row: pricing_rules::ActiveModel = found.clone().into();
                    row.description = Set(s.description.clone());
                    row.modifier_percentage = Set(modifier);
                    row.free_tier = Set(s.free_tier);
                    row.updated_at = Set(self.now);
                    row
                }
                None => pricing_rules::ActiveModel {
                    id: Set(id),
                    payer_id: Set(self.payer),
                    name: Set(s.name.clone()),
                    description: Set(s.description.clone()),
                    scope: Set(known("pricing rule scope", &s.scope)?),
                    rule_type: Set(known("pricing rule type", &s.rule_type)?),
                    modifier_percentage: Set(modifier),
                    service: Set(s.service.clone()),
                    billing_entity: Set(s.billing_entity.clone()),
                    usage_type: Set(s.usage_type.clone()),
                    operation: Set(s.operation.clone()),
                    free_tier: Set(s.free_tier),
                    created_at: Set(self.now),
                    updated_at: Set(self.now),
                    ..Default::default()
                },
            };
            store(self.txn, linked(row, &r.arn), found.is_none()).await.context("storing an imported pricing rule")?;
            ids.insert(r.arn.clone(), id);
            self.report.pricing_rules += 1;
        }
        Ok(ids)
    }

    /// Plans, each with its rules as ABC has them (rules not imported are left out).
    async fn plans(
        &mut self,
        plans: &[AbcPricingPlan],
        plan_rules: &HashMap<String, Vec<String>>,
        rule_ids: &HashMap<String, uuid::Uuid>,
    ) -> AppResult<HashMap<String, uuid::Uuid>> {
        let mut ids = HashMap::new();
        for p in plans {
            let found = adopt(&self.existing.plans, &p.arn, &p.spec.name, |x| x.abc_arn.as_deref(), |x| &x.name);
            let plan_id = found.map_or_else(uuid::Uuid::now_v7, |f| f.id);
            let row = match found {
                Some(found) => {
                    let mut row: pricing_plans::ActiveModel = found.clone().into();
                    row.description = Set(p.spec.description.clone());
                    row.updated_at = Set(self.now);
                    row
                }
                // ABC prices from public on-demand rates; taxes, credits and refunds pass through as they are.
                None => pricing_plans::ActiveModel {
                    id: Set(plan_id),
                    payer_id: Set(self.payer),
                    name: Set(p.spec.name.clone()),
                    description: Set(p.spec.description.clone()),
                    base: Set(entity::pricing_plans::PlanBase::List),
                    pass_tax: Set(true),
                    pass_credits: Set(true),
                    pass_refunds: Set(true),
                    pass_partner_discounts: Set(false),
                    created_at: Set(self.now),
                    updated_at: Set(self.now),
                    ..Default::default()
                },
            };
            store(self.txn, linked(row, &p.arn), found.is_none()).await.context("storing an imported pricing plan")?;
            self.txn.delete_parts::<pricing_plan_rules::Entity>().filter(pricing_plan_rules::Column::PricingPlanId.eq(plan_id)).exec().await.context("clearing an imported plan's rules")?;
            for rule_arn in plan_rules.get(&p.arn).into_iter().flatten() {
                if let Some(rule_id) = rule_ids.get(rule_arn) {
                    self.txn.insert_part(pricing_plan_rules::ActiveModel { pricing_plan_id: Set(plan_id), pricing_rule_id: Set(*rule_id) }).await.context("linking an imported plan to its rule")?;
                }
            }
            ids.insert(p.arn.clone(), plan_id);
            self.report.pricing_plans += 1;
        }
        Ok(ids)
    }

    /// Groups whose plan was imported, with the current period's members made ABC's (earlier
    /// periods are left as they were).
    async fn groups(
        &mut self,
        groups: &[AbcBillingGroup],
        members: &HashMap<String, Vec<String>>,
        plan_ids: &HashMap<String, uuid::Uuid>,
    ) -> AppResult<HashMap<String, uuid::Uuid>> {
        let mut ids = HashMap::new();
        for g in groups {
            let Some(plan_id) = g.pricing_plan_arn.as_ref().and_then(|a| plan_ids.get(a)) else {
                self.report.skipped.push(format!("billing group {}: its pricing plan was not found", g.name));
                continue;
            };
            let found = adopt(&self.existing.groups, &g.arn, &g.name, |x| x.abc_arn.as_deref(), |x| &x.name);
            let group_id = found.map_or_else(uuid::Uuid::now_v7, |f| f.id);
            let row = match found {
                Some(found) => {
                    let mut row: billing_groups::ActiveModel = found.clone().into();
                    row.description = Set(g.description.clone());
                    row.primary_account_id = Set(g.primary_account_id.clone());
                    row.pricing_plan_id = Set(*plan_id);
                    row.updated_at = Set(self.now);
                    row
                }
                None => billing_groups::ActiveModel {
                    id: Set(group_id),
                    payer_id: Set(self.payer),
                    name: Set(g.name.clone()),
                    description: Set(g.description.clone()),
                    primary_account_id: Set(g.primary_account_id.clone()),
                    pricing_plan_id: Set(*plan_id),
                    customer_tenant_id: Set(None),
                    created_at: Set(self.now),
                    updated_at: Set(self.now),
                    ..Default::default()
                },
            };
            store(self.txn, linked(row, &g.arn), found.is_none()).await.context("storing an imported billing group")?;
            self.members(group_id, members.get(&g.arn).cloned().unwrap_or_default()).await?;
            ids.insert(g.arn.clone(), group_id);
            self.report.billing_groups += 1;
        }
        Ok(ids)
    }

    /// Makes ABC's members the group's members in the current period.
    async fn members(&self, group_id: uuid::Uuid, theirs: Vec<String>) -> AppResult<()> {
        let current = current_members(self.txn, group_id).await?;
        let change = crate::aws::billing_conductor::membership_diff(&current, &theirs);
        close_memberships(self.txn, group_id, &change.removed, &self.period).await?;
        for account in &change.added {
            let member = billing_group_accounts::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                billing_group_id: Set(group_id),
                payer_id: Set(self.payer),
                account_id: Set(account.clone()),
                billing_period_start: Set(self.period.clone()),
                billing_period_end: Set(None),
            };
            self.txn.insert(member).await?;
        }
        Ok(())
    }

    /// Custom line items of the imported groups.
    async fn items(&mut self, items: &[AbcCustomLineItem], group_ids: &HashMap<String, uuid::Uuid>) -> AppResult<()> {
        for i in items {
            let s = &i.spec;
            let Some(group_id) = group_ids.get(&s.billing_group_arn) else {
                self.report.skipped.push(format!("custom line item {}: its billing group was not found", s.name));
                continue;
            };
            let flat = s.flat.map(to_units).transpose()?;
            let percentage = s.percentage.map(to_units).transpose()?;
            let found = adopt(&self.existing.items, &i.arn, &s.name, |x| x.abc_arn.as_deref(), |x| &x.name);
            let row = match found {
                Some(found) => {
                    let mut row: custom_line_items::ActiveModel = found.clone().into();
                    row.description = Set(s.description.clone());
                    row.flat_amount = Set(flat);
                    row.percentage = Set(percentage);
                    row.exclude_savings_plan_negation = Set(s.exclude_savings_plan_negation);
                    row.updated_at = Set(self.now);
                    row
                }
                None => custom_line_items::ActiveModel {
                    id: Set(uuid::Uuid::now_v7()),
                    payer_id: Set(self.payer),
                    billing_group_id: Set(*group_id),
                    name: Set(s.name.clone()),
                    description: Set(s.description.clone()),
                    charge_type: Set(known("custom line item charge type", &s.charge_type)?),
                    flat_amount: Set(flat),
                    percentage: Set(percentage),
                    child_item_ids: Set("[]".to_owned()),
                    billing_period_start: Set(self.period.clone()),
                    billing_period_end: Set(None),
                    linked_account_id: Set(s.account_id.clone()),
                    exclude_savings_plan_negation: Set(s.exclude_savings_plan_negation),
                    currency: Set(i.currency.clone()),
                    created_at: Set(self.now),
                    updated_at: Set(self.now),
                    ..Default::default()
                },
            };
            store(self.txn, linked(row, &i.arn), found.is_none()).await.context("storing an imported custom line item")?;
            self.report.custom_line_items += 1;
        }
        Ok(())
    }
}

/// Inserts a new row or updates an adopted one.
async fn store<A>(txn: &PayerTxn, row: A, new: bool) -> AppResult<()>
where
    A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    A::Entity: PayerOwned,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    if new {
        txn.insert(row).await?;
    } else {
        txn.update(row).await?;
    }
    Ok(())
}

/// Sets an imported row's ABC link: its ARN, in sync.
fn linked<A: LinkedRow>(mut row: A, arn: &str) -> A {
    row.link(arn);
    row
}

/// The ABC columns every synced table has.
trait LinkedRow {
    fn link(&mut self, arn: &str);
}

macro_rules! linked_row {
    ($($m:ident),*) => {$(
        impl LinkedRow for $m::ActiveModel {
            fn link(&mut self, arn: &str) {
                self.abc_arn = Set(Some(arn.to_owned()));
                self.abc_sync_status = Set(Some(AbcSyncStatus::Synced));
                self.abc_sync_error = Set(None);
            }
        }
    )*};
}
linked_row!(billing_groups, pricing_plans, pricing_rules, custom_line_items);

/// Ends the given accounts' open memberships of a group before `period`.
async fn close_memberships(txn: &PayerTxn, group: uuid::Uuid, accounts: &[String], period: &str) -> AppResult<()> {
    if accounts.is_empty() {
        return Ok(());
    }
    txn.update_rows::<billing_group_accounts::Entity>()
        .col_expr(billing_group_accounts::Column::BillingPeriodEnd, Expr::value(Some(period.to_owned())))
        .filter(billing_group_accounts::Column::BillingGroupId.eq(group))
        .filter(billing_group_accounts::Column::AccountId.is_in(accounts.iter().cloned()))
        .filter(billing_group_accounts::Column::BillingPeriodEnd.is_null())
        .exec()
        .await?;
    Ok(())
}
