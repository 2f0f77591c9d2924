//! Effective-dated pricing (#20): which plan (base, switches, rules) a billing group was priced
//! with from which billing period on. A change records a new version effective from the period
//! the user chose (default: the current one); months before it keep the version they had.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{pk_uuid, string_len, text, timestamp_with_time_zone, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BillingGroupPlanVersions {
    Table,
    Id,
    PayerId,
    BillingGroupId,
    EffectiveFrom,
    PricingPlanId,
    Plan,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum BillingGroups {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(BillingGroupPlanVersions::Table)
                .col(pk_uuid(BillingGroupPlanVersions::Id))
                .col(uuid(BillingGroupPlanVersions::PayerId))
                .col(uuid(BillingGroupPlanVersions::BillingGroupId))
                .col(string_len(BillingGroupPlanVersions::EffectiveFrom, 7))
                .col(uuid(BillingGroupPlanVersions::PricingPlanId))
                .col(text(BillingGroupPlanVersions::Plan))
                .col(string_len(BillingGroupPlanVersions::RecordedBy, 320))
                .col(timestamp_with_time_zone(BillingGroupPlanVersions::RecordedAt))
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(BillingGroupPlanVersions::Table, BillingGroupPlanVersions::BillingGroupId)
                        .to(BillingGroups::Table, BillingGroups::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_billing_group_plan_versions")
                .table(BillingGroupPlanVersions::Table)
                .unique()
                .col(BillingGroupPlanVersions::BillingGroupId)
                .col(BillingGroupPlanVersions::EffectiveFrom)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(BillingGroupPlanVersions::Table).to_owned()).await
    }
}
