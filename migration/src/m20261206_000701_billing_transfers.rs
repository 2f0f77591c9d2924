//! AWS Billing Transfer (#21): `billing_transfers`, one row per invitation of a customer's
//! organization to transfer its bill to a payer, followed through its lifecycle (INVITED →
//! ACCEPTED → ACTIVE → ENDED, or DECLINED / EXPIRED / WITHDRAWN), with the TRANSFER_BILLING
//! billing group that prices it and the auto-create preference.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, pk_uuid, string_len, string_len_null, text_null, timestamp_with_time_zone, timestamp_with_time_zone_null, uuid, uuid_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BillingTransfers {
    Table,
    Id,
    PayerId,
    Direction,
    TargetAccountId,
    TargetEmail,
    Name,
    StartMonth,
    EndMonth,
    Status,
    HandshakeId,
    TransferId,
    TransferArn,
    Notes,
    ExpiresAt,
    GroupPricingPlanId,
    GroupAbcArn,
    GroupCreatedAt,
    AutoCreateGroups,
    AutoPricingPlanId,
    InvitedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Payers {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(BillingTransfers::Table)
                .col(pk_uuid(BillingTransfers::Id))
                .col(uuid(BillingTransfers::PayerId))
                .col(string_len(BillingTransfers::Direction, 16))
                .col(string_len_null(BillingTransfers::TargetAccountId, 12))
                .col(string_len_null(BillingTransfers::TargetEmail, 320))
                .col(string_len(BillingTransfers::Name, 128))
                .col(string_len(BillingTransfers::StartMonth, 7))
                .col(string_len_null(BillingTransfers::EndMonth, 7))
                .col(string_len(BillingTransfers::Status, 16))
                .col(string_len_null(BillingTransfers::HandshakeId, 64))
                .col(string_len_null(BillingTransfers::TransferId, 64))
                .col(string_len_null(BillingTransfers::TransferArn, 256))
                .col(text_null(BillingTransfers::Notes))
                .col(timestamp_with_time_zone_null(BillingTransfers::ExpiresAt))
                .col(uuid_null(BillingTransfers::GroupPricingPlanId))
                .col(string_len_null(BillingTransfers::GroupAbcArn, 256))
                .col(timestamp_with_time_zone_null(BillingTransfers::GroupCreatedAt))
                .col(boolean(BillingTransfers::AutoCreateGroups).default(false))
                .col(uuid_null(BillingTransfers::AutoPricingPlanId))
                .col(string_len(BillingTransfers::InvitedBy, 320))
                .col(timestamp_with_time_zone(BillingTransfers::CreatedAt))
                .col(timestamp_with_time_zone(BillingTransfers::UpdatedAt))
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(BillingTransfers::Table, BillingTransfers::PayerId)
                        .to(Payers::Table, Payers::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_billing_transfers_payer").table(BillingTransfers::Table).col(BillingTransfers::PayerId).to_owned()).await?;
        // One row per AWS transfer of a payer, so a repeated or adopted invitation never doubles.
        m.create_index(
            Index::create()
                .name("ux_billing_transfers_transfer")
                .table(BillingTransfers::Table)
                .unique()
                .col(BillingTransfers::PayerId)
                .col(BillingTransfers::TransferId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(BillingTransfers::Table).to_owned()).await
    }
}
