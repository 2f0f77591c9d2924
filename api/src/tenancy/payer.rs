//! A payer the caller may act on, and the way domain code reaches that payer's rows.
//!
//! [`Scope::payer`](crate::tenancy::Scope::payer) checks the caller's role and returns a
//! [`ScopedPayer`]. Its finders start every query with `payer_id = <this payer>`, its writes set
//! that column themselves, and its transaction carries the same filter, so an id taken from
//! request input can only ever name a row of the payer the caller was checked on (a row of
//! another payer reads as not found). The connection stays inside this module.

use std::future::Future;
use std::ops::Deref;

use entity::payers;
use sea_orm::sea_query::{ExprTrait, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, IdenStatic, ConnectionTrait, DatabaseTransaction, TransactionTrait, DeleteMany, EntityTrait, FromQueryResult, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, TryGetableMany,
};

use crate::db::{BeginWrite, Db};
use crate::error::{AppError, AppResult};

/// A table whose rows each belong to one payer (a non-null `payer_id` column).
pub trait PayerOwned: EntityTrait {
    fn payer_column() -> Self::Column;
}

macro_rules! payer_owned {
    ($($table:ident),* $(,)?) => {
        $(impl PayerOwned for entity::$table::Entity {
            fn payer_column() -> Self::Column {
                entity::$table::Column::PayerId
            }
        })*
    };
}

payer_owned!(
    abc_cost_reports,
    billing_group_accounts,
    billing_group_plan_versions,
    billing_groups,
    billing_periods,
    billing_results,
    billing_transfers,
    cost_allocation_keys,
    cost_daily,
    cost_daily_tags,
    cost_data_versions,
    cost_monthly,
    cost_monthly_pricing,
    cost_monthly_service,
    cost_monthly_tags,
    cost_monthly_usage,
    cost_tag_coverage,
    custom_line_items,
    export_validations,
    ingestions,
    invitations,
    invoices,
    jobs,
    linked_accounts,
    optimization_hub_states,
    optimization_recommendations,
    organizational_units,
    period_adjustments,
    period_snapshots,
    policies,
    policy_attachments,
    priced_periods,
    pricing_plans,
    pricing_rules,
);

/// What every payer handle offers: the payer's rows, through finders that carry its filter.
/// Implemented by [`ScopedPayer`] (a request's, after the role check), [`PayerTxn`] (a write
/// transaction of either) and the platform's payer handle (jobs); domain helpers shared by
/// requests and jobs take `&impl PayerAccess`.
pub trait PayerAccess: PayerRead + connected::Writable {
    /// Deletes this payer's rows of one table that match the filters added to the result.
    fn delete<E: PayerOwned>(&self) -> Delete<'_, E, Self::Conn> {
        Delete::of(self.owner(), self.conn())
    }

    /// Deletes parts of this payer's rows (a plan's rule links) that match the filters added.
    fn delete_parts<E: PayerPart>(&self) -> Delete<'_, E, Self::Conn> {
        Delete::matching(sea_orm::Condition::all().add(parts_of::<E>(self.owner())), self.conn())
    }

    /// Stores a part of one of this payer's rows; a part of another payer's row is not found.
    fn insert_part<A>(&self, row: A) -> impl Future<Output = AppResult<()>> + Send
    where
        A: ActiveModelTrait + Send,
        A::Entity: PayerPart,
        <<A::Entity as PayerPart>::Whole as EntityTrait>::Model: Sync,
    {
        self.insert_parts(vec![row])
    }

    /// Stores parts of this payer's rows in one statement (an invoice's lines); if any names a
    /// whole that is not this payer's, nothing is stored and the answer is not found.
    fn insert_parts<A>(&self, rows: Vec<A>) -> impl Future<Output = AppResult<()>> + Send
    where
        A: ActiveModelTrait + Send,
        A::Entity: PayerPart,
        <<A::Entity as PayerPart>::Whole as EntityTrait>::Model: Sync,
    {
        let mut wholes: Vec<sea_orm::Value> = Vec::new();
        let mut unnamed = false;
        for row in &rows {
            match row.get(<A::Entity as PayerPart>::whole_column()).into_value() {
                Some(w) if !wholes.contains(&w) => wholes.push(w),
                Some(_) => {}
                None => unnamed = true,
            }
        }
        async move {
            if rows.is_empty() {
                return Ok(());
            }
            let key = <A::Entity as PayerPart>::whole_key();
            let expected = wholes.len() as u64;
            let mine = Rows::<<A::Entity as PayerPart>::Whole, Self::Conn>::of(self.owner(), self.conn()).filter(sea_orm::sea_query::Expr::col(key).is_in(wholes)).count().await?;
            if unnamed || mine != expected {
                return Err(AppError::NotFound("row"));
            }
            A::Entity::insert_many(rows).exec_without_returning(self.conn()).await?;
            Ok(())
        }
    }

    /// The payers priced from this payer's billing groups, at any depth (reseller's payers),
    /// as handles on this handle's connection: what they store is priced from this payer's
    /// prices, so a change here recomputes it in the same transaction.
    fn priced_from_this(&self) -> impl Future<Output = AppResult<Vec<PayerOn<'_, Self::Conn>>>> + Send {
        async move {
            let mut out = Vec::new();
            let mut frontier = vec![self.owner()];
            for _ in 0..MAX_CHAIN {
                let groups: Vec<uuid::Uuid> = entity::billing_groups::Entity::find()
                    .filter(entity::billing_groups::Column::PayerId.is_in(frontier.clone()))
                    .select_only()
                    .column(entity::billing_groups::Column::Id)
                    .into_tuple()
                    .all(self.conn())
                    .await?;
                if groups.is_empty() {
                    break;
                }
                frontier = payers::Entity::find()
                    .filter(payers::Column::UpstreamBillingGroupId.is_in(groups))
                    .order_by_asc(payers::Column::Id)
                    .select_only()
                    .column(payers::Column::Id)
                    .into_tuple()
                    .all(self.conn())
                    .await?;
                out.extend(frontier.iter().map(|&payer| PayerOn { payer, conn: self.conn() }));
                if frontier.is_empty() {
                    break;
                }
            }
            Ok(out)
        }
    }

    /// Stores a reseller's payer over one of this payer's billing groups (the one the row names
    /// as upstream) for that group's customer tenant, whatever tenant the row names: NOT_FOUND for
    /// a group of another payer or one with no customer.
    fn insert_payer_over_group(&self, mut row: payers::ActiveModel) -> impl Future<Output = AppResult<payers::Model>> + Send {
        async move {
            let group = match &row.upstream_billing_group_id {
                sea_orm::ActiveValue::Set(Some(g)) | sea_orm::ActiveValue::Unchanged(Some(g)) => *g,
                _ => return Err(AppError::NotFound("billing group")),
            };
            let group = entity::billing_groups::Entity::find_by_id(group)
                .filter(entity::billing_groups::Column::PayerId.eq(self.owner()))
                .one(self.conn())
                .await?
                .ok_or(AppError::NotFound("billing group"))?;
            let customer = group.customer_tenant_id.ok_or(AppError::NotFound("tenant"))?;
            row.tenant_id = sea_orm::ActiveValue::Set(customer);
            Ok(row.insert(self.conn()).await?)
        }
    }

    /// Whether a reseller's payer prices from this payer's billing group `group`.
    fn group_has_resellers(&self, group: uuid::Uuid) -> impl Future<Output = AppResult<bool>> + Send {
        async move {
            let mine = entity::billing_groups::Entity::find_by_id(group).filter(entity::billing_groups::Column::PayerId.eq(self.owner())).count(self.conn()).await?;
            Ok(mine > 0 && payers::Entity::find().filter(payers::Column::UpstreamBillingGroupId.eq(group)).count(self.conn()).await? > 0)
        }
    }

    /// Changes this payer's rows of one table that match the filters added to the result.
    fn update_rows<E: PayerOwned>(&self) -> UpdateRows<'_, E, Self::Conn> {
        UpdateRows::matching(sea_orm::Condition::all().add(E::payer_column().eq(self.owner())), vec![E::payer_column()], self.conn())
    }

    /// Stores a new row of this payer (its `payer_id` is set here, whatever the caller put).
    fn insert<A>(&self, mut row: A) -> impl Future<Output = AppResult<<A::Entity as EntityTrait>::Model>> + Send
    where
        A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
        A::Entity: PayerOwned,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        row.set(<A::Entity as PayerOwned>::payer_column(), self.owner().into());
        async move { Ok(row.insert(self.conn()).await?) }
    }

    /// Stores new rows of this payer in one statement (their `payer_id` is set here).
    fn insert_all<A>(&self, mut rows: Vec<A>) -> impl Future<Output = AppResult<()>> + Send
    where
        A: ActiveModelTrait + Send,
        A::Entity: PayerOwned,
    {
        for row in &mut rows {
            row.set(<A::Entity as PayerOwned>::payer_column(), self.owner().into());
        }
        async move {
            if !rows.is_empty() {
                A::Entity::insert_many(rows).exec_without_returning(self.conn()).await?;
            }
            Ok(())
        }
    }

    /// [`insert_all`](Self::insert_all), keeping the row already there when one has the same
    /// unique `key` (a conflict changes nothing, whoever's row it met).
    fn insert_all_unless_present<A>(&self, mut rows: Vec<A>, key: &[<A::Entity as EntityTrait>::Column]) -> impl Future<Output = AppResult<()>> + Send
    where
        A: ActiveModelTrait + Send,
        A::Entity: PayerOwned,
    {
        for row in &mut rows {
            row.set(<A::Entity as PayerOwned>::payer_column(), self.owner().into());
        }
        let on_conflict = sea_orm::sea_query::OnConflict::columns(key.iter().copied()).do_nothing().to_owned();
        async move {
            if !rows.is_empty() {
                A::Entity::insert_many(rows).on_conflict(on_conflict).exec_without_returning(self.conn()).await?;
            }
            Ok(())
        }
    }

    /// Stores a new row of this payer unless one with the same key is there already.
    fn insert_unless_present<A>(&self, mut row: A) -> impl Future<Output = AppResult<()>> + Send
    where
        A: ActiveModelTrait + Send,
        A::Entity: PayerOwned,
    {
        row.set(<A::Entity as PayerOwned>::payer_column(), self.owner().into());
        async move {
            A::Entity::insert(row).on_conflict_do_nothing().exec(self.conn()).await?;
            Ok(())
        }
    }

    /// Stores a row of this payer, or updates `update` of the row already there with the same
    /// `key` (a unique key). The update applies only when the row met is this payer's: a
    /// conflict with another payer's row changes nothing.
    fn upsert<A>(&self, mut row: A, key: &[<A::Entity as EntityTrait>::Column], update: Vec<<A::Entity as EntityTrait>::Column>) -> impl Future<Output = AppResult<()>> + Send
    where
        A: ActiveModelTrait + Send,
        A::Entity: PayerOwned,
    {
        let payer_column = <A::Entity as PayerOwned>::payer_column();
        row.set(payer_column, self.owner().into());
        let mine = sea_orm::sea_query::Expr::col((A::Entity::default(), payer_column)).eq(self.owner());
        let on_conflict = sea_orm::sea_query::OnConflict::columns(key.iter().copied()).update_columns(update).action_and_where(mine).to_owned();
        async move {
            A::Entity::insert(row).on_conflict(on_conflict).exec_without_returning(self.conn()).await?;
            Ok(())
        }
    }

    /// Saves changes to a row read through a handle; a row of another payer is not found.
    fn update<A>(&self, row: A) -> impl Future<Output = AppResult<<A::Entity as EntityTrait>::Model>> + Send
    where
        A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
        A::Entity: PayerOwned,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        // The payer column of a row read through a handle is unchanged or set by the caller;
        // either way it must be this payer.
        let mine = row.get(<A::Entity as PayerOwned>::payer_column()).into_value() == Some(self.owner().into());
        async move {
            if !mine {
                return Err(AppError::NotFound("row"));
            }
            Ok(row.update(self.conn()).await?)
        }
    }
}

impl<T: connected::Writable + Sync> PayerAccess for T {}

/// Handles that open their own write transaction (every full handle on a connection of its
/// own; a handle borrowing a caller's transaction writes in that one).
pub trait PayerTransactions: PayerAccess {
    /// A write transaction on this payer's rows (see [`BeginWrite`]; inside another
    /// transaction, a savepoint).
    fn begin_write(&self) -> impl Future<Output = AppResult<PayerTxn>> + Send;
}

impl<T> PayerTransactions for T
where
    T: PayerAccess,
    T::Conn: TransactionTrait<Transaction = DatabaseTransaction>,
{
    async fn begin_write(&self) -> AppResult<PayerTxn> {
        Ok(PayerTxn { payer: self.owner(), txn: self.conn().begin_write().await? })
    }
}

/// A table whose rows are parts of one payer-owned row and carry no payer column of their own
/// (a pricing plan's links to its rules): reached through the whole's payer.
pub trait PayerPart: EntityTrait {
    type Whole: PayerOwned;
    /// The column naming the whole.
    fn whole_column() -> Self::Column;
    /// The whole's key that column holds.
    fn whole_key() -> <Self::Whole as EntityTrait>::Column;
}

impl PayerPart for entity::pricing_plan_rules::Entity {
    type Whole = entity::pricing_plans::Entity;
    fn whole_column() -> Self::Column {
        entity::pricing_plan_rules::Column::PricingPlanId
    }
    fn whole_key() -> entity::pricing_plans::Column {
        entity::pricing_plans::Column::Id
    }
}

/// An invoice's lines are parts of the payer's invoice.
impl PayerPart for entity::invoice_lines::Entity {
    type Whole = entity::invoices::Entity;
    fn whole_column() -> Self::Column {
        entity::invoice_lines::Column::InvoiceId
    }
    fn whole_key() -> entity::invoices::Column {
        entity::invoices::Column::Id
    }
}

/// The PDF kept at issue is part of the payer's invoice.
impl PayerPart for entity::invoice_files::Entity {
    type Whole = entity::invoices::Entity;
    fn whole_column() -> Self::Column {
        entity::invoice_files::Column::InvoiceId
    }
    fn whole_key() -> entity::invoices::Column {
        entity::invoices::Column::Id
    }
}

/// `whole_column IN (the keys of this payer's wholes)`.
fn parts_of<E: PayerPart>(payer: uuid::Uuid) -> sea_orm::sea_query::SimpleExpr {
    let wholes = sea_orm::sea_query::Query::select()
        .column((E::Whole::default(), E::whole_key()))
        .from(E::Whole::default())
        .and_where(sea_orm::sea_query::Expr::col((E::Whole::default(), <E::Whole as PayerOwned>::payer_column())).eq(payer))
        .to_owned();
    sea_orm::sea_query::Expr::col((E::default(), E::whole_column())).in_subquery(wholes)
}

/// What every payer handle offers for reading, including a payer's read view of the payers it
/// prices from (`in_chain`), which offers nothing else.
pub trait PayerRead: connected::Connected + Sync {
    /// The payer this handle reaches.
    fn payer_id(&self) -> uuid::Uuid {
        self.owner()
    }

    /// This payer's rows of one table.
    fn rows<E: PayerOwned>(&self) -> Rows<'_, E, Self::Conn> {
        Rows::of(self.owner(), self.conn())
    }

    /// Parts of this payer's rows (an invoice's lines) of one table.
    fn part_rows<E: PayerPart>(&self) -> Rows<'_, E, Self::Conn> {
        Rows::matching(sea_orm::Condition::all().add(parts_of::<E>(self.owner())), self.conn())
    }

    /// A read view of `payer` if it is this payer or one this payer's prices stack on (a
    /// reseller's payer prices the data of the payers above it, through the billing groups
    /// its link names, at most [`MAX_CHAIN`] above); NOT_FOUND for any other payer.
    fn in_chain(&self, payer: uuid::Uuid) -> impl Future<Output = AppResult<PricedFrom<'_, Self::Conn>>> + Send {
        async move {
            let mut at = self.owner();
            for _ in 0..=MAX_CHAIN {
                if at == payer {
                    return Ok(PricedFrom { payer, conn: self.conn() });
                }
                let Some((above, _)) = link_above(self.conn(), at).await? else { break };
                at = above;
            }
            Err(AppError::NotFound("payer"))
        }
    }

    /// The tenant that owns this payer (the partner that issues its invoices: its name is on
    /// every charge, whoever reads them).
    fn owning_tenant(&self) -> impl Future<Output = AppResult<Option<entity::tenants::Model>>> + Send {
        async move {
            let Some(payer) = payers::Entity::find_by_id(self.owner()).one(self.conn()).await? else { return Ok(None) };
            Ok(entity::tenants::Entity::find_by_id(payer.tenant_id).one(self.conn()).await?)
        }
    }

    /// A reseller's payer: a read view of the payer it prices from, with the billing group of
    /// that payer its link names. `None` for a payer of its own.
    fn upstream(&self) -> impl Future<Output = AppResult<Option<(PricedFrom<'_, Self::Conn>, uuid::Uuid)>>> + Send {
        async move { Ok(link_above(self.conn(), self.owner()).await?.map(|(payer, group)| (PricedFrom { payer, conn: self.conn() }, group))) }
    }
}

impl<T: connected::Connected + Sync> PayerRead for T {}

/// The payer above a reseller's payer and the billing group of it that the link names.
async fn link_above(conn: &impl ConnectionTrait, payer: uuid::Uuid) -> AppResult<Option<(uuid::Uuid, uuid::Uuid)>> {
    let Some(link) = payers::Entity::find_by_id(payer).one(conn).await?.and_then(|p| p.upstream_billing_group_id) else { return Ok(None) };
    // The group cannot be deleted while a reseller's payer prices from it.
    let group = entity::billing_groups::Entity::find_by_id(link).one(conn).await?.ok_or(AppError::NotFound("upstream billing group"))?;
    Ok(Some((group.payer_id, group.id)))
}

/// The most reseller tiers a chain of payers climbs (the billing engine allows three).
pub const MAX_CHAIN: usize = 3;

/// A read view of a payer in a handle's chain ([`PayerRead::in_chain`]), on the handle's
/// connection (inside its transaction when it has one).
pub struct PricedFrom<'c, C> {
    payer: uuid::Uuid,
    conn: &'c C,
}

impl<'c, C: ConnectionTrait + Sync> PricedFrom<'c, C> {
    /// [`PayerRead::upstream`] of this view, on the same connection (to climb a chain).
    pub async fn above(&self) -> AppResult<Option<(PricedFrom<'c, C>, uuid::Uuid)>> {
        Ok(link_above(self.conn, self.payer).await?.map(|(payer, group)| (PricedFrom { payer, conn: self.conn }, group)))
    }
}

impl<C: ConnectionTrait + Sync> connected::Connected for PricedFrom<'_, C> {
    type Conn = C;
    fn conn(&self) -> &C {
        self.conn
    }
    fn owner(&self) -> uuid::Uuid {
        self.payer
    }
}

/// A full payer handle on another handle's connection (the payers [`PayerAccess::priced_from_this`]
/// reaches, inside the transaction of the payer they price from).
pub struct PayerOn<'c, C> {
    payer: uuid::Uuid,
    conn: &'c C,
}

impl<C: ConnectionTrait + Sync> connected::Connected for PayerOn<'_, C> {
    type Conn = C;
    fn conn(&self) -> &C {
        self.conn
    }
    fn owner(&self) -> uuid::Uuid {
        self.payer
    }
}

impl<C: ConnectionTrait + Sync> connected::Writable for PayerOn<'_, C> {}

/// The connection behind a handle. The module is private, so code outside `tenancy` can neither
/// name this trait nor call `conn()`: it reaches rows only through [`PayerAccess`]'s finders.
mod connected {
    use sea_orm::{ConnectionTrait};

    pub trait Connected {
        type Conn: ConnectionTrait + Sync;
        fn conn(&self) -> &Self::Conn;
        fn owner(&self) -> uuid::Uuid;
    }

    /// A handle that may write (every handle but a read view of a payer above).
    pub trait Writable: Connected {}
}

/// The payer's own row belongs to it too (so a handle can change the payer's status).
impl PayerOwned for payers::Entity {
    fn payer_column() -> Self::Column {
        payers::Column::Id
    }
}

/// A payer the caller holds the asked-for role on (derefs to its row).
#[derive(Clone)]
pub struct ScopedPayer {
    payer: payers::Model,
    tenant_path: String,
    db: Db,
}

impl Deref for ScopedPayer {
    type Target = payers::Model;
    fn deref(&self) -> &payers::Model {
        &self.payer
    }
}

impl connected::Writable for ScopedPayer {}

impl connected::Connected for ScopedPayer {
    type Conn = Db;
    fn conn(&self) -> &Db {
        &self.db
    }
    fn owner(&self) -> uuid::Uuid {
        self.payer.id
    }
}

impl ScopedPayer {
    /// Built only by `Scope::payer`, after the role check.
    pub(super) fn new(payer: payers::Model, tenant_path: String, db: Db) -> Self {
        Self { payer, tenant_path, db }
    }

    pub fn model(&self) -> &payers::Model {
        &self.payer
    }

    /// This payer alone as a set for reads that take one (it was checked already: no query).
    pub fn as_payer_set(&self) -> PayerSet {
        PayerSet::new(vec![self.payer.id], self.db.clone())
    }

    /// The path of the tenant that owns the payer.
    pub fn tenant_path(&self) -> &str {
        &self.tenant_path
    }
}

/// A payer a platform job acts on: the same finders as [`ScopedPayer`], without a caller's role
/// (jobs are the platform's own work). Only [`UnscopedPlatformAccess`](super::unscoped::UnscopedPlatformAccess) builds one.
#[derive(Clone)]
pub struct PlatformPayer {
    payer: payers::Model,
    db: Db,
}

impl Deref for PlatformPayer {
    type Target = payers::Model;
    fn deref(&self) -> &payers::Model {
        &self.payer
    }
}

impl connected::Writable for PlatformPayer {}

impl connected::Connected for PlatformPayer {
    type Conn = Db;
    fn conn(&self) -> &Db {
        &self.db
    }
    fn owner(&self) -> uuid::Uuid {
        self.payer.id
    }
}

impl PlatformPayer {
    pub(super) fn new(payer: payers::Model, db: Db) -> Self {
        Self { payer, db }
    }

    pub fn model(&self) -> &payers::Model {
        &self.payer
    }
}

/// Payers a read may reach together (a cost view over several payers), each checked by
/// [`Scope::readable_payers`](super::Scope::readable_payers): its finders and its aggregate
/// statements carry `payer_id IN (these payers)`.
#[derive(Clone)]
pub struct PayerSet {
    ids: Vec<uuid::Uuid>,
    db: Db,
}

impl PayerSet {
    pub(super) fn new(ids: Vec<uuid::Uuid>, db: Db) -> Self {
        Self { ids, db }
    }

    pub fn ids(&self) -> &[uuid::Uuid] {
        &self.ids
    }

    /// One payer of the set as a handle of its own (what a cost view prices through: stored
    /// prices it keeps for the next reader are that payer's rows); NOT_FOUND for a payer not in it.
    pub fn payer(&self, id: uuid::Uuid) -> AppResult<SetPayer> {
        if !self.ids.contains(&id) {
            return Err(AppError::NotFound("payer"));
        }
        Ok(SetPayer { payer: id, db: self.db.clone() })
    }

    /// These payers' rows of one table.
    pub fn rows<E: PayerOwned>(&self) -> Rows<'_, E, Db> {
        Rows { select: E::find().filter(E::payer_column().is_in(self.ids.clone())), conn: &self.db }
    }

    /// The customer tenants assigned to these payers' billing groups (whose names their cost
    /// views show, though the caller may hold no role on them).
    pub fn assigned_customers(&self) -> Rows<'_, entity::tenants::Entity, Db> {
        let assigned = sea_orm::sea_query::Query::select()
            .column(entity::billing_groups::Column::CustomerTenantId)
            .from(entity::billing_groups::Entity)
            .and_where(sea_orm::sea_query::Expr::col((entity::billing_groups::Entity, entity::billing_groups::Column::PayerId)).is_in(self.ids.clone()))
            .to_owned();
        Rows { select: entity::tenants::Entity::find().filter(sea_orm::sea_query::Expr::col((entity::tenants::Entity, entity::tenants::Column::Id)).in_subquery(assigned)), conn: &self.db }
    }

    /// Runs an aggregate over one payer-owned table, named `table` in its FROM clause, with
    /// `table.payer_id IN (these payers)` added to its conditions.
    pub async fn aggregate<M: FromQueryResult>(&self, table: &str, mut select: SelectStatement) -> AppResult<Vec<M>> {
        let column = sea_orm::sea_query::Expr::col((sea_orm::sea_query::Alias::new(table), sea_orm::sea_query::Alias::new("payer_id")));
        select.and_where(column.is_in(self.ids.clone()));
        let statement = self.db.get_database_backend().build(&select);
        Ok(M::find_by_statement(statement).all(&self.db).await?)
    }

    /// Runs one aggregate per payer of the set, `select(payer)` over one payer-owned table named
    /// `table` with `table.payer_id = payer` added, as one statement (`UNION ALL`) per hundred
    /// payers; the rows of every payer's aggregate together. Where one aggregate over the set
    /// cannot use a per-payer index (the latest day of many payers), each of these can.
    pub async fn aggregate_per_payer<M: FromQueryResult>(&self, table: &str, select: impl Fn(uuid::Uuid) -> SelectStatement) -> AppResult<Vec<M>> {
        // SQLite allows at most 500 terms in a compound SELECT.
        const PAYERS_PER_STATEMENT: usize = 100;
        let column = sea_orm::sea_query::Expr::col((sea_orm::sea_query::Alias::new(table), sea_orm::sea_query::Alias::new("payer_id")));
        let mut out = Vec::new();
        for chunk in self.ids.chunks(PAYERS_PER_STATEMENT) {
            let mut branches = chunk.iter().map(|p| {
                let mut branch = select(*p);
                branch.and_where(column.clone().eq(*p));
                branch
            });
            let Some(mut statement) = branches.next() else { continue };
            for branch in branches {
                statement.union(sea_orm::sea_query::UnionType::All, branch);
            }
            let statement = self.db.get_database_backend().build(&statement);
            out.extend(M::find_by_statement(statement).all(&self.db).await?);
        }
        Ok(out)
    }
}

/// One payer of a checked [`PayerSet`], with a handle's finders.
pub struct SetPayer {
    payer: uuid::Uuid,
    db: Db,
}

impl connected::Writable for SetPayer {}

impl connected::Connected for SetPayer {
    type Conn = Db;
    fn conn(&self) -> &Db {
        &self.db
    }
    fn owner(&self) -> uuid::Uuid {
        self.payer
    }
}

/// A write transaction reaching one payer's rows, with the same finders as the handle it came from.
pub struct PayerTxn {
    payer: uuid::Uuid,
    txn: DatabaseTransaction,
}

impl connected::Writable for PayerTxn {}

impl connected::Connected for PayerTxn {
    type Conn = DatabaseTransaction;
    fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }
    fn owner(&self) -> uuid::Uuid {
        self.payer
    }
}

impl PayerTxn {
    pub fn payer_id(&self) -> uuid::Uuid {
        self.payer
    }

    /// The transaction, for the lower layers whose writes must join it (the outbox, the job
    /// queue, the audit trail). Only `notify`, `jobs` and `audit` call it (`tests/layers.rs`
    /// checks); domain code uses the finders.
    pub(crate) fn joined(&self) -> &DatabaseTransaction {
        &self.txn
    }

    pub async fn commit(self) -> AppResult<()> {
        Ok(self.txn.commit().await?)
    }
}

/// A query on one payer's rows of a table: sea-orm's filter, order and select methods apply
/// (they add to the payer condition; none removes it), and it runs on the handle's connection.
pub struct Rows<'c, E: EntityTrait, C> {
    select: Select<E>,
    conn: &'c C,
}

impl<'c, E: PayerOwned, C: ConnectionTrait> Rows<'c, E, C> {
    fn of(payer: uuid::Uuid, conn: &'c C) -> Self {
        Self { select: E::find().filter(E::payer_column().eq(payer)), conn }
    }

    /// The row with this primary key, if its payer is among `payers`.
    pub(super) fn by_key_of_payers(key: <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType, payers: sea_orm::sea_query::SelectStatement, conn: &'c C) -> Self {
        let column = sea_orm::sea_query::Expr::col((E::default(), E::payer_column()));
        Self { select: E::find_by_id(key).filter(column.in_subquery(payers)), conn }
    }
}

impl<'c, E: EntityTrait, C: ConnectionTrait> Rows<'c, E, C> {
    /// Rows of a table matching a visibility condition of `Scope`.
    pub(super) fn matching(condition: sea_orm::Condition, conn: &'c C) -> Self {
        Self { select: E::find().filter(condition), conn }
    }

    pub async fn all(self) -> AppResult<Vec<E::Model>> {
        Ok(self.select.all(self.conn).await?)
    }

    pub async fn one(self) -> AppResult<Option<E::Model>> {
        Ok(self.select.one(self.conn).await?)
    }

    pub async fn count(self) -> AppResult<u64>
    where
        E::Model: Sync,
    {
        Ok(self.select.count(self.conn).await?)
    }

    /// The selected columns as tuples (after `select_only().column(…)`).
    pub async fn tuples<T: TryGetableMany>(self) -> AppResult<Vec<T>> {
        Ok(self.select.into_tuple::<T>().all(self.conn).await?)
    }

    /// The selected columns of the first row as a tuple (after `select_only().column(…)`).
    pub async fn tuple<T: TryGetableMany>(self) -> AppResult<Option<T>> {
        Ok(self.select.into_tuple::<T>().one(self.conn).await?)
    }

    /// The selected columns as another shape (after `select_only().column_as(…)`).
    pub async fn into_all<M: FromQueryResult>(self) -> AppResult<Vec<M>> {
        Ok(self.select.into_model::<M>().all(self.conn).await?)
    }
}

impl<E: EntityTrait, C> QueryFilter for Rows<'_, E, C> {
    type QueryStatement = SelectStatement;
    fn query(&mut self) -> &mut SelectStatement {
        QueryFilter::query(&mut self.select)
    }
}

impl<E: EntityTrait, C> QueryOrder for Rows<'_, E, C> {
    type QueryStatement = SelectStatement;
    fn query(&mut self) -> &mut SelectStatement {
        QueryOrder::query(&mut self.select)
    }
}

impl<E: EntityTrait, C> QuerySelect for Rows<'_, E, C> {
    type QueryStatement = SelectStatement;
    fn query(&mut self) -> &mut SelectStatement {
        QuerySelect::query(&mut self.select)
    }
}

/// A delete of one payer's rows of a table, narrowed by the filters added to it.
pub struct Delete<'c, E: EntityTrait, C> {
    delete: DeleteMany<E>,
    conn: &'c C,
}

impl<'c, E: PayerOwned, C: ConnectionTrait> Delete<'c, E, C> {
    fn of(payer: uuid::Uuid, conn: &'c C) -> Self {
        Self { delete: E::delete_many().filter(E::payer_column().eq(payer)), conn }
    }
}

impl<'c, E: EntityTrait, C: ConnectionTrait> Delete<'c, E, C> {
    /// Rows of a table matching a visibility condition of `Scope`.
    pub(super) fn matching(condition: sea_orm::Condition, conn: &'c C) -> Self {
        Self { delete: E::delete_many().filter(condition), conn }
    }

    /// Deletes the matching rows; returns how many.
    pub async fn exec(self) -> AppResult<u64> {
        Ok(self.delete.exec(self.conn).await?.rows_affected)
    }
}

impl<E: EntityTrait, C> QueryFilter for Delete<'_, E, C> {
    type QueryStatement = sea_orm::sea_query::DeleteStatement;
    fn query(&mut self) -> &mut sea_orm::sea_query::DeleteStatement {
        QueryFilter::query(&mut self.delete)
    }
}

/// An update of one payer's rows of a table, narrowed by the filters added to it.
pub struct UpdateRows<'c, E: EntityTrait, C> {
    update: sea_orm::UpdateMany<E>,
    conn: &'c C,
    /// The owner columns (payer, tenant) an update through a handle must not set.
    owners: Vec<E::Column>,
    moves_rows: bool,
}

impl<'c, E: EntityTrait, C: ConnectionTrait> UpdateRows<'c, E, C> {
    pub(super) fn matching(condition: sea_orm::Condition, owners: Vec<E::Column>, conn: &'c C) -> Self {
        Self { update: E::update_many().filter(condition), conn, owners, moves_rows: false }
    }

    /// Sets a column. Setting an owner column (which would move rows to another payer or
    /// tenant) makes `exec` fail without writing.
    pub fn col_expr(mut self, column: E::Column, value: sea_orm::sea_query::SimpleExpr) -> Self {
        self.moves_rows |= self.owners.iter().any(|o| o.as_str() == column.as_str());
        self.update = self.update.col_expr(column, value);
        self
    }

    /// Changes the matching rows; returns how many.
    pub async fn exec(self) -> AppResult<u64> {
        if self.moves_rows {
            return Err(AppError::internal(anyhow::anyhow!("an update through a handle set an owner column")));
        }
        Ok(self.update.exec(self.conn).await?.rows_affected)
    }
}

impl<E: EntityTrait, C> QueryFilter for UpdateRows<'_, E, C> {
    type QueryStatement = sea_orm::sea_query::UpdateStatement;
    fn query(&mut self) -> &mut sea_orm::sea_query::UpdateStatement {
        QueryFilter::query(&mut self.update)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use entity::{payers, policies};
    use sea_orm::sea_query::Expr;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

    use super::*;
    use crate::tenancy::testing::{database, tenant};

    async fn payer(db: &Db, account: &str) -> payers::Model {
        let tenant = tenant(db, &format!("tenant-of-{account}")).await;
        crate::tenancy::testing::payer(db, &tenant, account).await
    }

    fn policy(payer: uuid::Uuid, id: &str) -> policies::ActiveModel {
        policies::ActiveModel {
            payer_id: Set(payer),
            policy_id: Set(id.into()),
            name: Set(id.into()),
            description: Set(String::new()),
            aws_managed: Set(false),
            template_id: Set(None),
            synced_at: Set(Utc::now()),
        }
    }

    async fn names(db: &Db, payer: uuid::Uuid) -> Vec<String> {
        policies::Entity::find()
            .filter(policies::Column::PayerId.eq(payer))
            .order_by_asc(policies::Column::PolicyId)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| format!("{}={}", p.policy_id, p.name))
            .collect()
    }

    /// Handles that reach beyond one payer follow only the reseller links the data holds: a
    /// reseller's payer reads the distributor's (never the other way, never an unrelated payer),
    /// the distributor's changes reach the payers priced from it, a plan's rule links and a
    /// reseller's payer are written only over this payer's own plans and groups, and a checked
    /// set hands out only its own payers.
    #[tokio::test]
    async fn reseller_chain_handles_reach_only_the_payers_linked_to_it() {
        use crate::tenancy::testing::{group, plan};
        use entity::pricing_plan_rules as links;
        let (_dir, db) = database().await;
        let (distributor, other) = (payer(&db, "111111111111").await, payer(&db, "222222222222").await);
        let reseller_tenant = tenant(&db, "reseller").await;
        let distributor_plan = plan(&db, distributor.id).await;
        let sold = group(&db, distributor.id, distributor_plan.id, "sold", Some(reseller_tenant.id)).await;
        let other_plan = plan(&db, other.id).await;
        let other_group = group(&db, other.id, other_plan.id, "other", Some(reseller_tenant.id)).await;
        let mut reseller = crate::tenancy::testing::payer(&db, &reseller_tenant, "555555555555").await.into_active_model();
        reseller.upstream_billing_group_id = Set(Some(sold.id));
        let reseller = reseller.update(&db).await.unwrap();
        let (up, down, elsewhere) = (
            ScopedPayer::new(distributor.clone(), "/d/".into(), db.clone()),
            ScopedPayer::new(reseller.clone(), "/r/".into(), db.clone()),
            ScopedPayer::new(other.clone(), "/o/".into(), db.clone()),
        );

        // Up the chain only.
        assert_eq!(down.in_chain(distributor.id).await.unwrap().payer_id(), distributor.id);
        assert!(matches!(down.in_chain(other.id).await, Err(AppError::NotFound(_))));
        assert!(matches!(up.in_chain(reseller.id).await, Err(AppError::NotFound(_))));
        let (above, link) = down.upstream().await.unwrap().unwrap();
        assert_eq!((above.payer_id(), link), (distributor.id, sold.id));
        assert!(up.upstream().await.unwrap().is_none());
        // Down the chain: the distributor's changes reach the reseller's payer, no one else's.
        assert_eq!(up.priced_from_this().await.unwrap().iter().map(|p| p.payer_id()).collect::<Vec<_>>(), [reseller.id]);
        assert!(elsewhere.priced_from_this().await.unwrap().is_empty());
        assert!(up.group_has_resellers(sold.id).await.unwrap());
        assert!(!elsewhere.group_has_resellers(sold.id).await.unwrap(), "another payer's group is not this payer's to ask about");

        // A plan's rule links: only over this payer's plans.
        let rule = crate::tenancy::testing::rule;
        let (mine, theirs) = (rule(distributor.id).insert(&db).await.unwrap(), rule(other.id).insert(&db).await.unwrap());
        links::ActiveModel { pricing_plan_id: Set(other_plan.id), pricing_rule_id: Set(theirs.id) }.insert(&db).await.unwrap();
        let foreign = links::ActiveModel { pricing_plan_id: Set(other_plan.id), pricing_rule_id: Set(mine.id) };
        assert!(matches!(up.insert_part(foreign).await, Err(AppError::NotFound(_))));
        up.insert_part(links::ActiveModel { pricing_plan_id: Set(distributor_plan.id), pricing_rule_id: Set(mine.id) }).await.unwrap();
        assert_eq!(up.delete_parts::<links::Entity>().exec().await.unwrap(), 1, "only this payer's plan's link goes");
        assert_eq!(links::Entity::find().all(&db).await.unwrap().len(), 1, "the other payer's link stays");

        // A reseller's payer over a group: only this payer's group, for that group's customer.
        let over = |group: uuid::Uuid, tenant: uuid::Uuid| payers::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            tenant_id: Set(tenant),
            account_id: Set("444444444444".into()),
            name: Set("tier".into()),
            role_arn: Set(String::new()),
            external_id: Set(format!("reseller-{group}")),
            status: Set(payers::PayerStatus::Reseller),
            status_reason: Set(None),
            last_checked_at: Set(None),
            cost_export_bucket: Set(None),
            cost_export_prefix: Set(None),
            billing_mode: Set(payers::BillingMode::Native),
            upstream_billing_group_id: Set(Some(group)),
            dashboard_url: Set(None),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
        };
        assert!(matches!(up.insert_payer_over_group(over(other_group.id, reseller_tenant.id)).await, Err(AppError::NotFound(_))));
        let second_customer = tenant(&db, "second-reseller").await;
        let second = group(&db, distributor.id, distributor_plan.id, "second", Some(second_customer.id)).await;
        let made = up.insert_payer_over_group(over(second.id, other.tenant_id)).await.unwrap();
        assert_eq!(made.tenant_id, second_customer.id, "the tenant is the group's customer, whatever the row said");

        // A checked set hands out its own payers only.
        let set = up.as_payer_set();
        assert_eq!(set.payer(distributor.id).unwrap().payer_id(), distributor.id);
        assert!(matches!(set.payer(other.id), Err(AppError::NotFound(_))));
    }

    /// Every way a handle reaches rows keeps to its payer: another payer's rows are neither read,
    /// changed, deleted nor overwritten through it, whatever ids or payer columns the caller passes.
    #[tokio::test]
    async fn a_payer_handle_reaches_only_its_own_rows() {
        let (_dir, db) = database().await;
        let (a, b) = (payer(&db, "111111111111").await, payer(&db, "222222222222").await);
        policy(b.id, "p-b").insert(&db).await.unwrap();
        let handle = ScopedPayer::new(a.clone(), "/111111111111/".into(), db.clone());

        // An insert that names the other payer is stored as the handle's.
        let stored = handle.insert(policy(b.id, "p-a")).await.unwrap();
        assert_eq!(stored.payer_id, a.id);
        // Finders: the other payer's row is not there, even asked for by its key.
        assert_eq!(handle.rows::<policies::Entity>().all().await.unwrap().len(), 1);
        assert!(handle.rows::<policies::Entity>().filter(policies::Column::PolicyId.eq("p-b")).one().await.unwrap().is_none());
        assert_eq!(handle.rows::<policies::Entity>().count().await.unwrap(), 1);

        // Updating a row of the other payer through this handle is NOT_FOUND and changes nothing.
        let theirs = policies::Entity::find_by_id((b.id, "p-b".to_owned())).one(&db).await.unwrap().unwrap();
        let mut change: policies::ActiveModel = theirs.into();
        change.name = Set("taken".into());
        assert!(matches!(handle.update(change).await, Err(AppError::NotFound(_))));
        // A bulk update reaches this payer's rows only; one that sets the payer column fails unwritten.
        let changed = handle.update_rows::<policies::Entity>().col_expr(policies::Column::Name, Expr::value("renamed")).exec().await.unwrap();
        assert_eq!(changed, 1);
        let moved = handle.update_rows::<policies::Entity>().col_expr(policies::Column::PayerId, Expr::value(b.id)).exec().await;
        assert!(moved.is_err());
        // An upsert that meets another payer's row on a key without the payer leaves that row as
        // it was; one that meets this payer's row updates it.
        use entity::cost_allocation_keys::{self as keys, KeyKind};
        let key = |payer: uuid::Uuid, name: &str| keys::ActiveModel {
            id: Set(7),
            payer_id: Set(payer),
            position: Set(0),
            kind: Set(KeyKind::Tag),
            name: Set(name.into()),
            created_at: Set(Utc::now()),
        };
        key(b.id, "team").insert(&db).await.unwrap();
        handle.upsert(key(a.id, "taken"), &[keys::Column::Id], vec![keys::Column::Name, keys::Column::PayerId]).await.unwrap();
        let kept = keys::Entity::find_by_id(7).one(&db).await.unwrap().unwrap();
        assert_eq!((kept.payer_id, kept.name.as_str()), (b.id, "team"));
        let mut again = policy(a.id, "p-a");
        again.name = Set("upserted".into());
        handle.upsert(again, &[policies::Column::PayerId, policies::Column::PolicyId], vec![policies::Column::Name]).await.unwrap();
        assert_eq!(names(&db, a.id).await, vec!["p-a=upserted".to_owned()]);
        assert_eq!(names(&db, b.id).await, vec!["p-b=p-b".to_owned()]);

        // A delete of every row deletes this payer's, in a transaction that commits.
        let txn = handle.begin_write().await.unwrap();
        assert_eq!(txn.rows::<policies::Entity>().all().await.unwrap().len(), 1);
        assert_eq!(txn.delete::<policies::Entity>().exec().await.unwrap(), 1);
        txn.commit().await.unwrap();

        assert_eq!(names(&db, a.id).await, Vec::<String>::new());
        assert_eq!(names(&db, b.id).await, vec!["p-b=p-b".to_owned()]);
    }
}
