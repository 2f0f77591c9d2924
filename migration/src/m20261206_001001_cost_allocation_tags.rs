//! Cost allocation tags and cost categories (#22 item 4): the keys a partner selects per payer
//! (`cost_allocation_keys`), the cost of each selected key's values at the day grain
//! (`cost_daily_tags`, written with `cost_daily` in the transaction that replaces a period), and
//! which keys each period was read with (`cost_tag_coverage`), so a view can say which periods
//! were read before a key was selected; `cost_monthly_tags` sums the tagged parts per month.
//!
//! `cost_daily_tags` holds only cost that has a value for the key: the cost without one is the
//! day grain's total less the tagged part, so the table grows with tagged cost, not with the
//! number of keys times every row. Each row keeps its day-grain row's key columns and which of
//! that row's amounts are zero (`zero_amounts`, the bits of `cost_monthly_pricing`), so the
//! billing engine prices a tagged part exactly as it prices the row it is part of.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_pk_auto, char_len, date, small_integer, string_len, text, text_null, timestamp_with_time_zone, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CostAllocationKeys {
    Table,
    Id,
    PayerId,
    Position,
    Kind,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CostDailyTags {
    Table,
    Id,
    PayerId,
    Source,
    BillingPeriod,
    UsageDate,
    UsageAccountId,
    ServiceCode,
    ServiceName,
    UsageType,
    Operation,
    Region,
    ChargeType,
    BillingEntity,
    PricingUnit,
    Currency,
    ZeroAmounts,
    KeyKind,
    KeyName,
    TagValue,
    UnblendedCost,
    NetUnblendedCost,
    AmortizedCost,
    ListCost,
    LineCount,
    IngestionId,
}

/// `cost_daily_tags` summed per usage month by the columns the billing engine prices by: what
/// whole-month views by tag read (and price), as `cost_monthly_pricing` is for the day grain.
#[derive(DeriveIden)]
enum CostMonthlyTags {
    Table,
    Id,
    PayerId,
    Source,
    BillingPeriod,
    UsageMonth,
    UsageAccountId,
    ServiceCode,
    ServiceName,
    UsageType,
    Operation,
    ChargeType,
    BillingEntity,
    Currency,
    ZeroAmounts,
    KeyKind,
    KeyName,
    TagValue,
    UnblendedCost,
    NetUnblendedCost,
    AmortizedCost,
    ListCost,
    LineCount,
}

#[derive(DeriveIden)]
enum CostTagCoverage {
    Table,
    Id,
    PayerId,
    Source,
    BillingPeriod,
    KeyKind,
    KeyName,
}

#[derive(DeriveIden)]
enum Payers {
    Table,
    Id,
}

fn to_payer(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, column).to(Payers::Table, Payers::Id).on_delete(ForeignKeyAction::Cascade).to_owned()
}

pub const MONTHLY_TAG_COLUMNS: &str = "payer_id, source, billing_period, usage_month, usage_account_id, service_code, service_name, usage_type, operation, \
     charge_type, billing_entity, currency, zero_amounts, key_kind, key_name, tag_value, unblended_cost, net_unblended_cost, amortized_cost, list_cost, line_count";

/// `cost_monthly_tags` summed from some of `cost_daily_tags`'s rows (`filter`: a WHERE clause).
pub fn monthly_tags_select(filter: &str) -> String {
    let keys = "payer_id, source, billing_period, usage_month, usage_account_id, service_code, usage_type, operation, charge_type, billing_entity, currency, \
                zero_amounts, key_kind, key_name, tag_value";
    format!(
        "SELECT payer_id, source, billing_period, usage_month, usage_account_id, service_code, \
         MAX(CASE WHEN service_name <> service_code THEN service_name END), usage_type, operation, charge_type, billing_entity, currency, zero_amounts, \
         key_kind, key_name, tag_value, SUM(unblended_cost), SUM(net_unblended_cost), SUM(amortized_cost), SUM(list_cost), SUM(line_count) \
         FROM (SELECT t.*, SUBSTR(CAST(usage_date AS TEXT), 1, 7) AS usage_month FROM cost_daily_tags t {filter}) t \
         GROUP BY {keys}"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use CostAllocationKeys as K;
        m.create_table(
            Table::create()
                .table(K::Table)
                .col(big_pk_auto(K::Id))
                .col(uuid(K::PayerId))
                .col(small_integer(K::Position))
                .col(string_len(K::Kind, 16))
                .col(string_len(K::Name, 128))
                .col(timestamp_with_time_zone(K::CreatedAt))
                .foreign_key(&mut to_payer(K::Table, K::PayerId))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ux_cost_allocation_keys").table(K::Table).unique().col(K::PayerId).col(K::Kind).col(K::Name).to_owned()).await?;

        use CostDailyTags as T;
        m.create_table(
            Table::create()
                .table(T::Table)
                .col(big_pk_auto(T::Id))
                .col(uuid(T::PayerId))
                .col(string_len(T::Source, 8))
                .col(char_len(T::BillingPeriod, 7))
                .col(date(T::UsageDate))
                .col(string_len(T::UsageAccountId, 12))
                .col(text(T::ServiceCode))
                .col(text(T::ServiceName))
                .col(text(T::UsageType))
                .col(text(T::Operation))
                .col(text(T::Region))
                .col(text(T::ChargeType))
                .col(text(T::BillingEntity))
                .col(text(T::PricingUnit))
                .col(string_len(T::Currency, 3))
                .col(small_integer(T::ZeroAmounts))
                .col(string_len(T::KeyKind, 16))
                .col(string_len(T::KeyName, 128))
                .col(text(T::TagValue))
                .col(big_integer(T::UnblendedCost))
                .col(big_integer(T::NetUnblendedCost))
                .col(big_integer(T::AmortizedCost))
                .col(big_integer(T::ListCost))
                .col(big_integer(T::LineCount))
                .col(uuid(T::IngestionId))
                .foreign_key(&mut to_payer(T::Table, T::PayerId))
                .to_owned(),
        )
        .await?;
        // Views read one key of a payer's periods; replacing deletes by (payer, period, source).
        m.create_index(
            Index::create().name("ix_cost_daily_tags_key").table(T::Table).col(T::PayerId).col(T::KeyKind).col(T::KeyName).col(T::BillingPeriod).col(T::Source).to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_cost_daily_tags_period").table(T::Table).col(T::PayerId).col(T::BillingPeriod).col(T::Source).to_owned()).await?;

        use CostMonthlyTags as M;
        m.create_table(
            Table::create()
                .table(M::Table)
                .col(big_pk_auto(M::Id))
                .col(uuid(M::PayerId))
                .col(string_len(M::Source, 8))
                .col(char_len(M::BillingPeriod, 7))
                .col(char_len(M::UsageMonth, 7))
                .col(string_len(M::UsageAccountId, 12))
                .col(text(M::ServiceCode))
                .col(text_null(M::ServiceName))
                .col(text(M::UsageType))
                .col(text(M::Operation))
                .col(text(M::ChargeType))
                .col(text(M::BillingEntity))
                .col(string_len(M::Currency, 3))
                .col(small_integer(M::ZeroAmounts))
                .col(string_len(M::KeyKind, 16))
                .col(string_len(M::KeyName, 128))
                .col(text(M::TagValue))
                .col(big_integer(M::UnblendedCost))
                .col(big_integer(M::NetUnblendedCost))
                .col(big_integer(M::AmortizedCost))
                .col(big_integer(M::ListCost))
                .col(big_integer(M::LineCount))
                .foreign_key(&mut to_payer(M::Table, M::PayerId))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_cost_monthly_tags_key").table(M::Table).col(M::PayerId).col(M::KeyKind).col(M::KeyName).col(M::BillingPeriod).col(M::Source).to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_cost_monthly_tags_period").table(M::Table).col(M::PayerId).col(M::BillingPeriod).col(M::Source).to_owned()).await?;

        use CostTagCoverage as C;
        m.create_table(
            Table::create()
                .table(C::Table)
                .col(big_pk_auto(C::Id))
                .col(uuid(C::PayerId))
                .col(string_len(C::Source, 8))
                .col(char_len(C::BillingPeriod, 7))
                .col(string_len(C::KeyKind, 16))
                .col(string_len(C::KeyName, 128))
                .foreign_key(&mut to_payer(C::Table, C::PayerId))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ux_cost_tag_coverage").table(C::Table).unique().col(C::PayerId).col(C::BillingPeriod).col(C::Source).col(C::KeyKind).col(C::KeyName).to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CostTagCoverage::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(CostMonthlyTags::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(CostDailyTags::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(CostAllocationKeys::Table).to_owned()).await
    }
}
