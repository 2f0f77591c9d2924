//! Stored prices (#17): each billing group's priced open period, kept so that the billing pages
//! and the customer's views read a result instead of pricing thousands of rows per request.
//!
//! A stored price is valid for exactly the inputs it was priced from: the group's pricing
//! configuration for the period (hashed) and the version of the payer's cost data for the period.
//! Every writer of cost data gives the period a new version in the transaction that replaces its
//! rows (`cost_data_versions`), so a price computed from older data is never read as current.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, string_len, text, timestamp_with_time_zone, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CostDataVersions {
    Table,
    PayerId,
    BillingPeriod,
    Version,
}

#[derive(DeriveIden)]
enum PricedPeriods {
    Table,
    BillingGroupId,
    BillingPeriod,
    PayerId,
    InputsHash,
    DataVersion,
    Source,
    Currency,
    AwsCost,
    ProformaCost,
    Summary,
    Lines,
    ComputedAt,
}

#[derive(DeriveIden)]
enum Payers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum BillingGroups {
    Table,
    Id,
}

fn cascade(from: (impl IntoIden, impl IntoIden), to: (impl IntoIden, impl IntoIden)) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CostDataVersions::Table)
                .col(uuid(CostDataVersions::PayerId))
                .col(string_len(CostDataVersions::BillingPeriod, 7))
                .col(uuid(CostDataVersions::Version))
                .primary_key(Index::create().col(CostDataVersions::PayerId).col(CostDataVersions::BillingPeriod))
                .foreign_key(&mut cascade((CostDataVersions::Table, CostDataVersions::PayerId), (Payers::Table, Payers::Id)))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PricedPeriods::Table)
                .col(uuid(PricedPeriods::BillingGroupId))
                .col(string_len(PricedPeriods::BillingPeriod, 7))
                .col(uuid(PricedPeriods::PayerId))
                .col(string_len(PricedPeriods::InputsHash, 64))
                // Empty while the period has no cost data at all.
                .col(string_len(PricedPeriods::DataVersion, 36))
                .col(string_len(PricedPeriods::Source, 16))
                .col(string_len(PricedPeriods::Currency, 3))
                .col(big_integer(PricedPeriods::AwsCost))
                .col(big_integer(PricedPeriods::ProformaCost))
                .col(text(PricedPeriods::Summary))
                .col(text(PricedPeriods::Lines))
                .col(timestamp_with_time_zone(PricedPeriods::ComputedAt))
                .primary_key(Index::create().col(PricedPeriods::BillingGroupId).col(PricedPeriods::BillingPeriod))
                .foreign_key(&mut cascade((PricedPeriods::Table, PricedPeriods::PayerId), (Payers::Table, Payers::Id)))
                .foreign_key(&mut cascade((PricedPeriods::Table, PricedPeriods::BillingGroupId), (BillingGroups::Table, BillingGroups::Id)))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PricedPeriods::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(CostDataVersions::Table).to_owned()).await
    }
}
