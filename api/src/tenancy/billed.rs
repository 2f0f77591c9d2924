//! The customers billed on a payer and the partner that invoices them, reached from the payer's
//! write transaction. Drafting and issuing an invoice writes the payer's documents, reads the
//! customer's contracts and takes the next number of the issuer's sequence, all in the one
//! transaction that holds the payer's billing lock; these handles are the only way that
//! transaction reaches rows outside the payer.

use entity::{billing_groups, invoices, period_snapshots, tenants};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter};

use crate::error::{AppError, AppResult};
use crate::tenancy::payer::{PayerTxn, Rows, UpdateRows};
use crate::tenancy::TenantOwned;

/// A customer tenant billed on a payer: one the payer's billing groups, period snapshots or
/// documents name. It reads the customer's own rows (its contracts) in the payer's transaction.
pub struct BilledCustomer<'t> {
    txn: &'t PayerTxn,
    tenant: tenants::Model,
}

/// The partner that invoices a billed customer (its parent tenant): its exchange rates are read
/// and its document numbers taken in the payer's transaction.
pub struct Issuer<'t> {
    txn: &'t PayerTxn,
    tenant: tenants::Model,
}

impl PayerTxn {
    /// A customer billed on this payer. A tenant that none of the payer's billing groups,
    /// snapshots or documents names (or that no longer exists) is NOT_FOUND.
    pub async fn billed_customer(&self, customer: uuid::Uuid) -> AppResult<BilledCustomer<'_>> {
        let payer = self.payer_id();
        let in_groups = Query::select().column(billing_groups::Column::CustomerTenantId).from(billing_groups::Entity).and_where(billing_groups::Column::PayerId.eq(payer)).to_owned();
        let in_snapshots =
            Query::select().column(period_snapshots::Column::CustomerTenantId).from(period_snapshots::Entity).and_where(period_snapshots::Column::PayerId.eq(payer)).to_owned();
        let in_documents = Query::select().column(invoices::Column::CustomerTenantId).from(invoices::Entity).and_where(invoices::Column::PayerId.eq(payer)).to_owned();
        let named = Condition::any()
            .add(tenants::Column::Id.in_subquery(in_groups))
            .add(tenants::Column::Id.in_subquery(in_snapshots))
            .add(tenants::Column::Id.in_subquery(in_documents));
        let tenant = tenants::Entity::find_by_id(customer).filter(named).one(self.joined()).await?.ok_or(AppError::NotFound("customer"))?;
        Ok(BilledCustomer { txn: self, tenant })
    }
}

impl<'t> BilledCustomer<'t> {
    /// The customer's tenant row.
    pub fn tenant(&self) -> &tenants::Model {
        &self.tenant
    }

    /// The payer this customer was reached from.
    pub fn payer_id(&self) -> uuid::Uuid {
        self.txn.payer_id()
    }

    /// The customer's rows of one table (its contracts).
    pub fn rows<E: TenantOwned>(&self) -> Rows<'t, E, DatabaseTransaction> {
        tenant_rows(self.txn.joined(), self.tenant.id)
    }

    /// The partner that invoices this customer; a customer without a parent has nobody to
    /// invoice it.
    pub async fn issuer(&self) -> AppResult<Issuer<'t>> {
        let parent = self.tenant.parent_id.ok_or_else(|| AppError::invalid("customerTenantId", "a customer without a parent has nobody to invoice it"))?;
        let tenant = tenants::Entity::find_by_id(parent).one(self.txn.joined()).await?.ok_or(AppError::NotFound("tenant"))?;
        Ok(Issuer { txn: self.txn, tenant })
    }

    /// The transaction, for the outbox (`tests/layers.rs` checks who calls it).
    pub(crate) fn joined(&self) -> &DatabaseTransaction {
        self.txn.joined()
    }
}

impl<'t> Issuer<'t> {
    /// The issuer's tenant row.
    pub fn tenant(&self) -> &tenants::Model {
        &self.tenant
    }

    /// The issuer's rows of one table (exchange rates, document sequences).
    pub fn rows<E: TenantOwned>(&self) -> Rows<'t, E, DatabaseTransaction> {
        tenant_rows(self.txn.joined(), self.tenant.id)
    }

    /// Stores a new row of the issuer unless one with the same key is there (its tenant column
    /// is set here).
    pub async fn insert_unless_present<A>(&self, mut row: A) -> AppResult<()>
    where
        A: ActiveModelTrait + Send,
        A::Entity: TenantOwned,
    {
        row.set(<A::Entity as TenantOwned>::tenant_column(), self.tenant.id.into());
        A::Entity::insert(row).on_conflict_do_nothing().exec(self.txn.joined()).await?;
        Ok(())
    }

    /// Changes the issuer's rows of one table that match the filters added to the result.
    pub fn update_rows<E: TenantOwned>(&self) -> UpdateRows<'t, E, DatabaseTransaction> {
        UpdateRows::matching(Condition::all().add(Expr::col((E::default(), E::tenant_column())).eq(self.tenant.id)), vec![E::tenant_column()], self.txn.joined())
    }
}

fn tenant_rows<E: TenantOwned>(txn: &DatabaseTransaction, tenant: uuid::Uuid) -> Rows<'_, E, DatabaseTransaction> {
    Rows::matching(Condition::all().add(Expr::col((E::default(), E::tenant_column())).eq(tenant)), txn)
}

#[cfg(test)]
mod tests {
    use entity::{document_sequences, exchange_rates, invoices::DocumentKind, pricing_plan_rules as links};
    use sea_orm::sea_query::ExprTrait;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

    use crate::error::AppError;
    use crate::tenancy::testing::{database, group, payer, plan, rate, rule, tenant_below};
    use crate::tenancy::{PayerAccess, PayerTransactions, ScopedPayer};

    /// From a payer's transaction, invoicing reaches the customers billed on that payer and no
    /// other tenant, reads their issuer's rows and no other tenant's, and keeps the issuer's
    /// writes on the issuer; an invoice's parts are stored only for the payer's own wholes.
    #[tokio::test]
    async fn a_payer_transaction_reaches_its_billed_customers_and_their_issuer_only() {
        let (_dir, db) = database().await;
        let partner = tenant_below(&db, None, "partner").await;
        let elsewhere = tenant_below(&db, None, "elsewhere").await;
        let billed = tenant_below(&db, Some(&partner), "billed").await;
        let sibling = tenant_below(&db, Some(&partner), "sibling").await;
        let theirs = tenant_below(&db, Some(&elsewhere), "theirs").await;
        let (mine, other) = (payer(&db, &partner, "111111111111").await, payer(&db, &elsewhere, "222222222222").await);
        let (my_plan, their_plan) = (plan(&db, mine.id).await, plan(&db, other.id).await);
        group(&db, mine.id, my_plan.id, "billed", Some(billed.id)).await;
        group(&db, other.id, their_plan.id, "theirs", Some(theirs.id)).await;
        let orphan_group_customer = tenant_below(&db, None, "top-level customer").await;
        group(&db, mine.id, my_plan.id, "no parent", Some(orphan_group_customer.id)).await;
        rate(partner.id, "EUR").insert(&db).await.unwrap();
        rate(elsewhere.id, "GBP").insert(&db).await.unwrap();
        let foreign = document_sequences::ActiveModel { tenant_id: Set(elsewhere.id), kind: Set(DocumentKind::Invoice), last_value: Set(41) };
        foreign.insert(&db).await.unwrap();
        let (my_rule, their_rule) = (rule(mine.id).insert(&db).await.unwrap(), rule(other.id).insert(&db).await.unwrap());

        let txn = ScopedPayer::new(mine.clone(), partner.path.clone(), db.clone()).begin_write().await.unwrap();
        for stranger in [sibling.id, theirs.id, partner.id, uuid::Uuid::now_v7()] {
            assert!(matches!(txn.billed_customer(stranger).await, Err(AppError::NotFound(_))), "a tenant no group, snapshot or document of this payer names");
        }
        let customer = txn.billed_customer(billed.id).await.unwrap();
        assert_eq!((customer.tenant().id, customer.payer_id()), (billed.id, mine.id));
        let issuer = customer.issuer().await.unwrap();
        assert_eq!(issuer.tenant().id, partner.id, "the customer's parent issues its invoices");
        let rates = issuer.rows::<exchange_rates::Entity>().all().await.unwrap();
        assert_eq!(rates.iter().map(|r| r.to_currency.as_str()).collect::<Vec<_>>(), ["EUR"], "only the issuer's rates");

        // A sequence row naming another tenant (which has one) is stored as the issuer's; the
        // update reaches the issuer's row only.
        issuer.insert_unless_present(document_sequences::ActiveModel { tenant_id: Set(elsewhere.id), kind: Set(DocumentKind::Invoice), last_value: Set(0) }).await.unwrap();
        let add_one = sea_orm::sea_query::Expr::col(document_sequences::Column::LastValue).add(1);
        assert_eq!(issuer.update_rows::<document_sequences::Entity>().col_expr(document_sequences::Column::LastValue, add_one).exec().await.unwrap(), 1);
        let moved = issuer.update_rows::<document_sequences::Entity>().col_expr(document_sequences::Column::TenantId, sea_orm::sea_query::Expr::value(elsewhere.id)).exec().await;
        assert!(moved.is_err(), "an update through the issuer may not move its rows to another tenant");
        let top = txn.billed_customer(orphan_group_customer.id).await.unwrap();
        assert!(matches!(top.issuer().await, Err(AppError::Validation { .. })), "a customer without a parent has no issuer");

        // Parts in one batch: one naming another payer's whole refuses the batch.
        let batch = vec![
            links::ActiveModel { pricing_plan_id: Set(my_plan.id), pricing_rule_id: Set(my_rule.id) },
            links::ActiveModel { pricing_plan_id: Set(their_plan.id), pricing_rule_id: Set(their_rule.id) },
        ];
        assert!(matches!(txn.insert_parts(batch).await, Err(AppError::NotFound(_))));
        txn.insert_parts(vec![links::ActiveModel { pricing_plan_id: Set(my_plan.id), pricing_rule_id: Set(my_rule.id) }]).await.unwrap();
        txn.commit().await.unwrap();

        let sequences = document_sequences::Entity::find().all(&db).await.unwrap();
        let mut seen: Vec<_> = sequences.iter().map(|s| (s.tenant_id == partner.id, s.last_value)).collect();
        seen.sort();
        assert_eq!(seen, [(false, 41), (true, 1)], "the other tenant's sequence is untouched; the issuer's took one number");
        let stored = links::Entity::find().filter(links::Column::PricingPlanId.is_in([my_plan.id, their_plan.id])).all(&db).await.unwrap();
        assert_eq!(stored.len(), 1, "the refused batch stored nothing");
    }
}
