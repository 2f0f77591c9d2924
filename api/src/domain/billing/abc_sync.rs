//! Keeping AWS Billing Conductor (ABC) in step with our billing model, for payers in
//! `BILLING_CONDUCTOR` mode; importing an existing ABC setup; pulling ABC's cost reports.
//!
//! The sync is a reconcile, not a replay of edits: the durable job `billing.abc_sync` reads the
//! payer's ABC objects and our rows, then creates what ABC lacks, updates what differs and deletes
//! what we created and no longer have (only objects carrying our owner tag). Every object ends
//! `SYNCED` with its ARN, or `FAILED` with AWS's reason; failed objects are tried again by the
//! next run (every 15 minutes, and whenever something asks for a sync).

use std::collections::{HashMap, HashSet};

use aws_credential_types::Credentials;
use chrono::{Datelike, Months, Utc};
use entity::{
    abc_cost_reports, billing_group_accounts, billing_groups, custom_line_items, jobs, payers, pricing_plan_rules,
    pricing_plans, pricing_rules,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::db::{BeginWrite, Db};
use crate::aws::billing_conductor::{
    AbcCustomLineItem, AbcPricingRule, BillingConductor, BillingGroupSpec, CustomLineItemSpec, PricingPlanSpec,
    PricingRuleSpec, app_error,
};
use crate::aws::{AwsClients, AwsError};
use crate::domain::payers as payer_domain;
use crate::error::{AppError, AppResult};
use crate::ids::{PayerId, TenantId};
use crate::jobs::{NewJob, Step, enqueue};
use crate::money::{from_units, to_units};
use crate::jobs::JobContext;
use crate::tenancy::{Role, Scope};

/// Billing modes of a payer.
pub const NATIVE: &str = "NATIVE";
pub const BILLING_CONDUCTOR: &str = "BILLING_CONDUCTOR";

/// Sync states of a billing object.
pub const PENDING: &str = "PENDING";
pub const SYNCED: &str = "SYNCED";
pub const FAILED: &str = "FAILED";

/// Job kinds.
pub const SYNC_JOB: &str = "billing.abc_sync";
pub const REPORTS_JOB: &str = "billing.abc_reports";

/// The AssumeRole session name of the sync jobs (shows in the payer's CloudTrail).
const SESSION: &str = "pb-abc-sync";

/// The billing objects ABC mirrors, by table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Table {
    Groups,
    Plans,
    Rules,
    Items,
}

impl Table {
    const ALL: [Table; 4] = [Table::Rules, Table::Plans, Table::Groups, Table::Items];

    fn name(self) -> &'static str {
        match self {
            Table::Groups => "billing_groups",
            Table::Plans => "pricing_plans",
            Table::Rules => "pricing_rules",
            Table::Items => "custom_line_items",
        }
    }

    /// What a person calls it.
    fn noun(self) -> &'static str {
        match self {
            Table::Groups => "billing group",
            Table::Plans => "pricing plan",
            Table::Rules => "pricing rule",
            Table::Items => "custom line item",
        }
    }
}

/// `YYYY-MM` of today (UTC).
fn current_period() -> String {
    Utc::now().format("%Y-%m").to_string()
}

/// `YYYY-MM` of the month before today's.
fn previous_period() -> String {
    let today = Utc::now().date_naive();
    today.with_day(1).and_then(|d| d.checked_sub_months(Months::new(1))).map(|d| d.format("%Y-%m").to_string()).unwrap_or_default()
}

/// Records one object's sync outcome.
async fn mark(db: &impl ConnectionTrait, table: Table, id: uuid::Uuid, arn: Option<&str>, outcome: Result<(), String>) -> AppResult<()> {
    let (status, error) = match outcome {
        Ok(()) => (SYNCED, None),
        Err(reason) => (FAILED, Some(reason)),
    };
    let mut update = Query::update();
    update
        .table(Alias::new(table.name()))
        .value(Alias::new("abc_sync_status"), status)
        .value(Alias::new("abc_sync_error"), error)
        .and_where(Expr::col(Alias::new("id")).eq(id));
    if let Some(arn) = arn {
        update.value(Alias::new("abc_arn"), arn);
    }
    db.execute(&update).await?;
    Ok(())
}

/// Marks every object of a payer that is not in sync as PENDING (switching to ABC mode marks all).
async fn mark_pending(db: &impl ConnectionTrait, payer: uuid::Uuid, all: bool) -> AppResult<()> {
    for table in Table::ALL {
        let mut update = Query::update();
        update
            .table(Alias::new(table.name()))
            .value(Alias::new("abc_sync_status"), PENDING)
            .value(Alias::new("abc_sync_error"), Option::<String>::None)
            .and_where(Expr::col(Alias::new("payer_id")).eq(payer));
        if !all {
            update.and_where(Expr::col(Alias::new("abc_sync_status")).is_null());
        }
        db.execute(&update).await?;
    }
    Ok(())
}

/// A job for one payer's sync, unless one is already waiting to run.
async fn enqueue_sync(db: &impl ConnectionTrait, payer: &payers::Model) -> AppResult<()> {
    let waiting = jobs::Entity::find()
        .filter(jobs::Column::Kind.eq(SYNC_JOB))
        .filter(jobs::Column::PayerId.eq(payer.id))
        .filter(jobs::Column::State.eq(crate::jobs::QUEUED))
        .one(db)
        .await?;
    if waiting.is_none() {
        let mut job = NewJob::new(SYNC_JOB, json!({ "payer_id": payer.id }));
        job.payer = Some(PayerId(payer.id));
        job.tenant = Some(TenantId(payer.tenant_id));
        enqueue(db, job).await?;
    }
    Ok(())
}

/// After a billing object of `payer` changed: in ABC mode, marks what is not yet tracked
/// PENDING and asks for a sync. Does nothing for NATIVE payers.
pub async fn request_sync(db: &impl ConnectionTrait, payer: uuid::Uuid) -> AppResult<()> {
    let Some(payer) = payers::Entity::find_by_id(payer).one(db).await? else { return Ok(()) };
    if payer.billing_mode != BILLING_CONDUCTOR {
        return Ok(());
    }
    mark_pending(db, payer.id, false).await?;
    enqueue_sync(db, &payer).await
}

/// Switches a payer between NATIVE and BILLING_CONDUCTOR (payer admins). Switching to ABC marks
/// every billing object PENDING and starts a sync; switching back stops pushing (ARNs are kept).
pub async fn set_mode(state: &JobContext, scope: &Scope, payer: PayerId, mode: &str) -> AppResult<payers::Model> {
    if mode != NATIVE && mode != BILLING_CONDUCTOR {
        return Err(AppError::invalid("mode", "must be NATIVE or BILLING_CONDUCTOR"));
    }
    let payer = super::billing_payer(scope, payer, Role::Admin).await?;
    let txn = scope.db().begin_write().await?;
    let mut row: payers::ActiveModel = payer.into();
    row.billing_mode = Set(mode.to_owned());
    row.updated_at = Set(Utc::now());
    let payer = row.update(&txn).await?;
    if mode == BILLING_CONDUCTOR {
        mark_pending(&txn, payer.id, true).await?;
        enqueue_sync(&txn, &payer).await?;
    }
    txn.commit().await?;
    state.jobs_wakeup.notify_one();
    Ok(payer)
}

/// One object that failed to sync.
#[derive(Clone, Debug, Serialize)]
pub struct SyncFailure {
    /// `billing group` | `pricing plan` | `pricing rule` | `custom line item`
    pub kind: &'static str,
    pub id: uuid::Uuid,
    pub name: String,
    pub error: String,
}

/// A payer's billing mode and how far its objects are in step with ABC.
#[derive(Clone, Debug)]
pub struct SyncStatus {
    pub payer: payers::Model,
    pub synced: u64,
    pub pending: u64,
    pub failed: Vec<SyncFailure>,
}

/// The billing mode and sync state of a payer (viewers may read it). A NATIVE payer pushes
/// nothing, so none of its objects is pending or failed (an object synced before a switch back
/// to NATIVE still counts as synced).
pub async fn status(scope: &Scope, payer: PayerId) -> AppResult<SyncStatus> {
    let payer = super::billing_payer(scope, payer, Role::Viewer).await?;
    let local = Local::load(scope.db(), payer.id).await?;
    let pushed = payer.billing_mode == BILLING_CONDUCTOR;
    let mut status = SyncStatus { payer, synced: 0, pending: 0, failed: Vec::new() };
    for (table, id, name, sync, error) in local.states() {
        match sync {
            Some(SYNCED) => status.synced += 1,
            _ if !pushed => {}
            Some(FAILED) => status.failed.push(SyncFailure { kind: table.noun(), id, name: name.to_owned(), error: error.unwrap_or_default().to_owned() }),
            _ => status.pending += 1,
        }
    }
    Ok(status)
}

/// One object's sync state: (table, id, name, status, error).
type ObjectState<'a> = (Table, uuid::Uuid, &'a str, Option<&'a str>, Option<&'a str>);

/// Our billing rows of one payer.
struct Local {
    groups: Vec<billing_groups::Model>,
    plans: Vec<pricing_plans::Model>,
    rules: Vec<pricing_rules::Model>,
    items: Vec<custom_line_items::Model>,
}

impl Local {
    async fn load(db: &impl ConnectionTrait, payer: uuid::Uuid) -> AppResult<Self> {
        Ok(Self {
            groups: billing_groups::Entity::find().filter(billing_groups::Column::PayerId.eq(payer)).all(db).await?,
            plans: pricing_plans::Entity::find().filter(pricing_plans::Column::PayerId.eq(payer)).all(db).await?,
            rules: pricing_rules::Entity::find().filter(pricing_rules::Column::PayerId.eq(payer)).all(db).await?,
            items: custom_line_items::Entity::find().filter(custom_line_items::Column::PayerId.eq(payer)).all(db).await?,
        })
    }

    /// Every object as (table, id, name, status, error).
    fn states(&self) -> Vec<ObjectState<'_>> {
        let mut out = Vec::new();
        out.extend(self.rules.iter().map(|r| (Table::Rules, r.id, r.name.as_str(), r.abc_sync_status.as_deref(), r.abc_sync_error.as_deref())));
        out.extend(self.plans.iter().map(|p| (Table::Plans, p.id, p.name.as_str(), p.abc_sync_status.as_deref(), p.abc_sync_error.as_deref())));
        out.extend(self.groups.iter().map(|g| (Table::Groups, g.id, g.name.as_str(), g.abc_sync_status.as_deref(), g.abc_sync_error.as_deref())));
        out.extend(self.items.iter().map(|i| (Table::Items, i.id, i.name.as_str(), i.abc_sync_status.as_deref(), i.abc_sync_error.as_deref())));
        out
    }

    /// Every ARN we hold.
    fn arns(&self) -> HashSet<String> {
        let groups = self.groups.iter().filter_map(|g| g.abc_arn.clone());
        let plans = self.plans.iter().filter_map(|p| p.abc_arn.clone());
        let rules = self.rules.iter().filter_map(|r| r.abc_arn.clone());
        groups.chain(plans).chain(rules).chain(self.items.iter().filter_map(|i| i.abc_arn.clone())).collect()
    }
}

/// A percentage or amount from storage units, as ABC reads it (5.00000000 → 5).
fn decimal(units: i64) -> Decimal {
    from_units(units).normalize()
}

fn rule_spec(r: &pricing_rules::Model) -> PricingRuleSpec {
    let tiering = r.rule_type == "TIERING";
    PricingRuleSpec {
        name: r.name.clone(),
        description: r.description.clone(),
        scope: r.scope.clone(),
        rule_type: r.rule_type.clone(),
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

/// The child custom line items of a percentage item, as stored (a JSON array of our ids).
fn child_ids(item: &custom_line_items::Model) -> Vec<uuid::Uuid> {
    serde_json::from_str(&item.child_item_ids).unwrap_or_default()
}

fn item_spec(item: &custom_line_items::Model, group_arn: &str, arns: &HashMap<uuid::Uuid, String>) -> CustomLineItemSpec {
    let current = current_period();
    CustomLineItemSpec {
        name: item.name.clone(),
        description: item.description.clone(),
        billing_group_arn: group_arn.to_owned(),
        charge_type: item.charge_type.clone(),
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

/// Members of a group in the current billing period.
async fn current_members(db: &impl ConnectionTrait, group: uuid::Uuid) -> AppResult<Vec<String>> {
    let period = current_period();
    let rows = billing_group_accounts::Entity::find()
        .filter(billing_group_accounts::Column::BillingGroupId.eq(group))
        .filter(billing_group_accounts::Column::BillingPeriodStart.lte(period.clone()))
        .filter(
            Condition::any()
                .add(billing_group_accounts::Column::BillingPeriodEnd.is_null())
                .add(billing_group_accounts::Column::BillingPeriodEnd.gt(period)),
        )
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| r.account_id).collect())
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
    db: &'a Db,
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
        mark(self.db, table, id, arn, outcome.map_err(|e| app_error(e).to_string())).await
    }

    async fn rules(&mut self, local: &mut Local) -> AppResult<()> {
        let listed: HashMap<String, AbcPricingRule> = self.abc.list_pricing_rules(&self.creds).await?.into_iter().map(|r| (r.arn.clone(), r)).collect();
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
            self.abc.list_pricing_plans(&self.creds).await?.into_iter().map(|p| (p.arn, p.spec)).collect();
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
                let ours: Vec<String> = pricing_plan_rules::Entity::find()
                    .filter(pricing_plan_rules::Column::PricingPlanId.eq(plan.id))
                    .all(self.db)
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
        let listed: HashMap<String, _> = self.abc.list_billing_groups(&self.creds).await?.into_iter().map(|g| (g.arn.clone(), g)).collect();
        let plan_arns: HashMap<uuid::Uuid, String> = local.plans.iter().filter_map(|p| p.abc_arn.clone().map(|a| (p.id, a))).collect();
        for group in &mut local.groups {
            let Some(plan_arn) = plan_arns.get(&group.pricing_plan_id) else {
                mark(self.db, Table::Groups, group.id, None, Err("its pricing plan is not in Billing Conductor yet".to_owned())).await?;
                self.report.failed += 1;
                continue;
            };
            let spec = BillingGroupSpec {
                name: group.name.clone(),
                description: group.description.clone(),
                primary_account_id: group.primary_account_id.clone(),
                pricing_plan_arn: plan_arn.clone(),
                account_ids: current_members(self.db, group.id).await?,
            };
            let outcome = match group.abc_arn.as_deref().and_then(|a| listed.get(a)) {
                Some(abc) if abc.primary_account_id != spec.primary_account_id => {
                    let reason = "Billing Conductor cannot change a billing group's primary account: delete the group and create it again";
                    mark(self.db, Table::Groups, group.id, None, Err(reason.to_owned())).await?;
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
                        mark(self.db, Table::Groups, group.id, group.abc_arn.as_deref(), Ok(())).await?;
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
            self.abc.list_custom_line_items(&self.creds).await?.into_iter().map(|i| (i.arn.clone(), i)).collect();
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
                mark(self.db, Table::Items, item.id, None, Ok(())).await?;
                continue;
            }
            let Some(group_arn) = group_arns.get(&item.billing_group_id) else {
                mark(self.db, Table::Items, item.id, None, Err("its billing group is not in Billing Conductor yet".to_owned())).await?;
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
        let items: Vec<String> = self.abc.list_custom_line_items(&self.creds).await?.into_iter().map(|i| i.arn).collect();
        let groups: Vec<String> = self.abc.list_billing_groups(&self.creds).await?.into_iter().map(|g| g.arn).collect();
        let plans: Vec<String> = self.abc.list_pricing_plans(&self.creds).await?.into_iter().map(|p| p.arn).collect();
        let rules: Vec<String> = self.abc.list_pricing_rules(&self.creds).await?.into_iter().map(|r| r.arn).collect();
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

fn adapter(aws: &AwsClients) -> AppResult<&dyn BillingConductor> {
    aws.billing_conductor.as_deref().ok_or_else(|| AppError::internal(anyhow::anyhow!("no Billing Conductor client configured")))
}

/// Brings one payer's ABC objects in step with ours.
pub async fn sync_payer(db: &Db, aws: &AwsClients, payer: &payers::Model) -> AppResult<SyncReport> {
    let creds = payer_domain::credentials(db, aws, payer, SESSION).await?;
    let mut run = Reconcile { db, abc: adapter(aws)?, creds, report: SyncReport::default() };
    let mut local = Local::load(db, payer.id).await?;
    let pass = async {
        run.rules(&mut local).await?;
        run.plans(&mut local).await?;
        run.groups(&mut local).await?;
        run.items(&mut local).await?;
        run.orphans(&local).await
    };
    pass.await.map_err(|e| match e {
        AppError::Aws(e) => app_error(e),
        other => other,
    })?;
    Ok(run.report)
}

#[derive(Deserialize)]
struct PayerPayload {
    #[serde(default)]
    payer_id: Option<uuid::Uuid>,
}

/// Runs `each` for the payer in the job's payload, or, when scheduled (no payer), for every payer
/// in ABC mode. One payer's failure fails a single-payer job (retried with backoff); in the
/// scheduled run it is reported and the other payers still run.
async fn for_abc_payers<T, F, Fut>(state: &JobContext, job: &jobs::Model, mut each: F) -> AppResult<Step>
where
    T: Serialize,
    F: FnMut(payers::Model) -> Fut,
    Fut: std::future::Future<Output = AppResult<T>>,
{
    let payload: PayerPayload = serde_json::from_str(&job.payload).map_err(|e| AppError::invalid("payload", e))?;
    let mut query = payers::Entity::find().filter(payers::Column::BillingMode.eq(BILLING_CONDUCTOR));
    if let Some(id) = payload.payer_id {
        query = query.filter(payers::Column::Id.eq(id));
    }
    let mut results = serde_json::Map::new();
    for payer in query.all(&state.db).await? {
        let id = payer.id.to_string();
        let result = match each(payer).await {
            Ok(done) => serde_json::to_value(done).map_err(AppError::internal)?,
            Err(e) if payload.payer_id.is_some() => return Err(e),
            Err(e) => {
                tracing::warn!(payer = %id, error = %e, "Billing Conductor job failed for a payer");
                json!({ "error": e.to_string() })
            }
        };
        results.insert(id, result);
    }
    Ok(Step::Done(serde_json::Value::Object(results)))
}

/// The `billing.abc_sync` job: one payer (payload `payer_id`), or every payer in ABC mode.
pub async fn run_sync_job(state: &JobContext, job: &jobs::Model) -> AppResult<Step> {
    for_abc_payers(state, job, |payer| async move { sync_payer(&state.db, &state.aws, &payer).await }).await
}

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
    let payer = super::billing_payer(scope, payer, Role::Operator).await?;
    let abc = adapter(aws)?;
    let session = crate::aws::credentials::session_name(&scope.principal().email);
    let creds = payer_domain::credentials(scope.db(), aws, &payer, &session).await?;
    // Everything is read before anything is written, so a failed call changes nothing.
    let rules = abc.list_pricing_rules(&creds).await.map_err(app_error)?;
    let plans = abc.list_pricing_plans(&creds).await.map_err(app_error)?;
    let mut plan_rules = HashMap::new();
    for plan in &plans {
        plan_rules.insert(plan.arn.clone(), abc.list_plan_rules(&creds, &plan.arn).await.map_err(app_error)?);
    }
    let groups = abc.list_billing_groups(&creds).await.map_err(app_error)?;
    let mut members = HashMap::new();
    for group in &groups {
        members.insert(group.arn.clone(), abc.list_group_accounts(&creds, &group.arn).await.map_err(app_error)?);
    }
    let items = abc.list_custom_line_items(&creds).await.map_err(app_error)?;

    let txn = scope.db().begin_write().await?;
    let existing = Local::load(&txn, payer.id).await?;
    let now = Utc::now();
    let period = current_period();
    let mut report = ImportReport::default();

    let mut rule_ids = HashMap::new();
    for r in &rules {
        let s = &r.spec;
        let modifier = to_units(s.modifier_percentage.unwrap_or_default())?;
        let found = adopt(&existing.rules, &r.arn, &s.name, |x| x.abc_arn.as_deref(), |x| &x.name);
        let id = found.map_or_else(uuid::Uuid::now_v7, |f| f.id);
        let row = match found {
            Some(found) => {
                let mut row: pricing_rules::ActiveModel = found.clone().into();
                row.description = Set(s.description.clone());
                row.modifier_percentage = Set(modifier);
                row.free_tier = Set(s.free_tier);
                row.updated_at = Set(now);
                row
            }
            None => pricing_rules::ActiveModel {
                id: Set(id),
                payer_id: Set(payer.id),
                name: Set(s.name.clone()),
                description: Set(s.description.clone()),
                scope: Set(s.scope.clone()),
                rule_type: Set(s.rule_type.clone()),
                modifier_percentage: Set(modifier),
                service: Set(s.service.clone()),
                billing_entity: Set(s.billing_entity.clone()),
                usage_type: Set(s.usage_type.clone()),
                operation: Set(s.operation.clone()),
                free_tier: Set(s.free_tier),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            },
        };
        store(&txn, linked(row, &r.arn), found.is_none()).await?;
        rule_ids.insert(r.arn.clone(), id);
        report.pricing_rules += 1;
    }

    let mut plan_ids = HashMap::new();
    for p in &plans {
        let found = adopt(&existing.plans, &p.arn, &p.spec.name, |x| x.abc_arn.as_deref(), |x| &x.name);
        let plan_id = found.map_or_else(uuid::Uuid::now_v7, |f| f.id);
        let row = match found {
            Some(found) => {
                let mut row: pricing_plans::ActiveModel = found.clone().into();
                row.description = Set(p.spec.description.clone());
                row.updated_at = Set(now);
                row
            }
            // ABC prices from public on-demand rates; taxes, credits and refunds pass through as they are.
            None => pricing_plans::ActiveModel {
                id: Set(plan_id),
                payer_id: Set(payer.id),
                name: Set(p.spec.name.clone()),
                description: Set(p.spec.description.clone()),
                base: Set("LIST".to_owned()),
                pass_tax: Set(true),
                pass_credits: Set(true),
                pass_refunds: Set(true),
                pass_partner_discounts: Set(false),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            },
        };
        store(&txn, linked(row, &p.arn), found.is_none()).await?;
        pricing_plan_rules::Entity::delete_many().filter(pricing_plan_rules::Column::PricingPlanId.eq(plan_id)).exec(&txn).await?;
        for rule_arn in plan_rules.get(&p.arn).into_iter().flatten() {
            if let Some(rule_id) = rule_ids.get(rule_arn) {
                pricing_plan_rules::ActiveModel { pricing_plan_id: Set(plan_id), pricing_rule_id: Set(*rule_id) }.insert(&txn).await?;
            }
        }
        plan_ids.insert(p.arn.clone(), plan_id);
        report.pricing_plans += 1;
    }

    let mut group_ids = HashMap::new();
    for g in &groups {
        let Some(plan_id) = g.pricing_plan_arn.as_ref().and_then(|a| plan_ids.get(a)) else {
            report.skipped.push(format!("billing group {}: its pricing plan was not found", g.name));
            continue;
        };
        let found = adopt(&existing.groups, &g.arn, &g.name, |x| x.abc_arn.as_deref(), |x| &x.name);
        let group_id = found.map_or_else(uuid::Uuid::now_v7, |f| f.id);
        let row = match found {
            Some(found) => {
                let mut row: billing_groups::ActiveModel = found.clone().into();
                row.description = Set(g.description.clone());
                row.primary_account_id = Set(g.primary_account_id.clone());
                row.pricing_plan_id = Set(*plan_id);
                row.updated_at = Set(now);
                row
            }
            None => billing_groups::ActiveModel {
                id: Set(group_id),
                payer_id: Set(payer.id),
                name: Set(g.name.clone()),
                description: Set(g.description.clone()),
                primary_account_id: Set(g.primary_account_id.clone()),
                pricing_plan_id: Set(*plan_id),
                customer_tenant_id: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            },
        };
        store(&txn, linked(row, &g.arn), found.is_none()).await?;
        // The current period's members become ABC's; earlier periods are left as they were.
        let current = current_members(&txn, group_id).await?;
        let theirs = members.get(&g.arn).cloned().unwrap_or_default();
        let change = crate::aws::billing_conductor::membership_diff(&current, &theirs);
        close_memberships(&txn, group_id, &change.removed, &period).await?;
        for account in &change.added {
            billing_group_accounts::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                billing_group_id: Set(group_id),
                payer_id: Set(payer.id),
                account_id: Set(account.clone()),
                billing_period_start: Set(period.clone()),
                billing_period_end: Set(None),
            }
            .insert(&txn)
            .await?;
        }
        group_ids.insert(g.arn.clone(), group_id);
        report.billing_groups += 1;
    }

    for i in &items {
        let s = &i.spec;
        let Some(group_id) = group_ids.get(&s.billing_group_arn) else {
            report.skipped.push(format!("custom line item {}: its billing group was not found", s.name));
            continue;
        };
        let flat = s.flat.map(to_units).transpose()?;
        let percentage = s.percentage.map(to_units).transpose()?;
        let found = adopt(&existing.items, &i.arn, &s.name, |x| x.abc_arn.as_deref(), |x| &x.name);
        let row = match found {
            Some(found) => {
                let mut row: custom_line_items::ActiveModel = found.clone().into();
                row.description = Set(s.description.clone());
                row.flat_amount = Set(flat);
                row.percentage = Set(percentage);
                row.exclude_savings_plan_negation = Set(s.exclude_savings_plan_negation);
                row.updated_at = Set(now);
                row
            }
            None => custom_line_items::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                payer_id: Set(payer.id),
                billing_group_id: Set(*group_id),
                name: Set(s.name.clone()),
                description: Set(s.description.clone()),
                charge_type: Set(s.charge_type.clone()),
                flat_amount: Set(flat),
                percentage: Set(percentage),
                child_item_ids: Set("[]".to_owned()),
                billing_period_start: Set(period.clone()),
                billing_period_end: Set(None),
                linked_account_id: Set(s.account_id.clone()),
                exclude_savings_plan_negation: Set(s.exclude_savings_plan_negation),
                currency: Set(i.currency.clone()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            },
        };
        store(&txn, linked(row, &i.arn), found.is_none()).await?;
        report.custom_line_items += 1;
    }
    txn.commit().await?;
    Ok(report)
}

/// Inserts a new row or updates an adopted one.
async fn store<A>(db: &impl ConnectionTrait, row: A, new: bool) -> AppResult<()>
where
    A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    if new {
        row.insert(db).await?;
    } else {
        row.update(db).await?;
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
                self.abc_sync_status = Set(Some(SYNCED.to_owned()));
                self.abc_sync_error = Set(None);
            }
        }
    )*};
}
linked_row!(billing_groups, pricing_plans, pricing_rules, custom_line_items);

/// Ends the given accounts' open memberships of a group before `period`.
async fn close_memberships(db: &impl ConnectionTrait, group: uuid::Uuid, accounts: &[String], period: &str) -> AppResult<()> {
    if accounts.is_empty() {
        return Ok(());
    }
    billing_group_accounts::Entity::update_many()
        .col_expr(billing_group_accounts::Column::BillingPeriodEnd, Expr::value(Some(period.to_owned())))
        .filter(billing_group_accounts::Column::BillingGroupId.eq(group))
        .filter(billing_group_accounts::Column::AccountId.is_in(accounts.iter().cloned()))
        .filter(billing_group_accounts::Column::BillingPeriodEnd.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The `billing.abc_reports` job (daily): ABC's cost report of every billing group we link, for
/// the previous and the current billing period, replacing what was stored for them.
pub async fn run_reports_job(state: &JobContext, job: &jobs::Model) -> AppResult<Step> {
    for_abc_payers(state, job, |payer| async move { pull_reports(&state.db, &state.aws, &payer).await }).await
}

/// Pulls one payer's ABC cost reports into `abc_cost_reports`; returns how many rows it stored.
pub async fn pull_reports(db: &Db, aws: &AwsClients, payer: &payers::Model) -> AppResult<usize> {
    let creds = payer_domain::credentials(db, aws, payer, SESSION).await?;
    let abc = adapter(aws)?;
    let groups: HashMap<String, uuid::Uuid> = billing_groups::Entity::find()
        .filter(billing_groups::Column::PayerId.eq(payer.id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|g| g.abc_arn.map(|a| (a, g.id)))
        .collect();
    let mut stored = 0;
    for period in [previous_period(), current_period()] {
        let reports = abc.list_cost_reports(&creds, &period).await.map_err(app_error)?;
        let txn = db.begin_write().await?;
        for report in reports {
            let Some(group) = groups.get(&report.billing_group_arn) else { continue };
            abc_cost_reports::Entity::delete_many()
                .filter(abc_cost_reports::Column::BillingGroupId.eq(*group))
                .filter(abc_cost_reports::Column::BillingPeriod.eq(period.clone()))
                .exec(&txn)
                .await?;
            abc_cost_reports::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                payer_id: Set(payer.id),
                billing_group_id: Set(*group),
                billing_period: Set(period.clone()),
                aws_cost: Set(to_units(report.aws_cost)?),
                proforma_cost: Set(to_units(report.proforma_cost)?),
                margin: Set(to_units(report.margin)?),
                currency: Set(report.currency),
                fetched_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
            stored += 1;
        }
        txn.commit().await?;
    }
    Ok(stored)
}

crate::jobs::job_handler! {
    /// Pushes billing configuration to AWS Billing Conductor (one payer, or every payer in ABC mode).
    pub AbcSync, SYNC_JOB, |ctx, job| run_sync_job(ctx, job).await.map_err(crate::jobs::JobFailure::from)
}

crate::jobs::job_handler! {
    /// Pulls Billing Conductor's cost reports.
    pub AbcReports, REPORTS_JOB, |ctx, job| run_reports_job(ctx, job).await.map_err(crate::jobs::JobFailure::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_year_and_month() {
        let (previous, current) = (previous_period(), current_period());
        assert_eq!(current.len(), 7);
        assert!(previous < current, "{previous} < {current}");
    }

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
