//! Billing: billing groups and their member accounts per period, pricing plans and rules,
//! custom line items, stored pro-forma results, and the columns and table the AWS Billing
//! Conductor sync fills (`abc_*`, `payers.billing_mode`, `abc_cost_reports`). Money and
//! percentages are fixed-point 10⁻⁸ units in BIGINT columns, exact on SQLite and PostgreSQL.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Payers {
    Table,
    Id,
    BillingMode,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum BillingGroups {
    Table,
    Id,
    PayerId,
    Name,
    Description,
    PrimaryAccountId,
    PricingPlanId,
    CustomerTenantId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BillingGroupAccounts {
    Table,
    Id,
    BillingGroupId,
    PayerId,
    AccountId,
    BillingPeriodStart,
    BillingPeriodEnd,
}

#[derive(DeriveIden)]
enum PricingPlans {
    Table,
    Id,
    PayerId,
    Name,
    Description,
    Base,
    PassTax,
    PassCredits,
    PassRefunds,
    PassPartnerDiscounts,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PricingRules {
    Table,
    Id,
    PayerId,
    Name,
    Description,
    Scope,
    RuleType,
    ModifierPercentage,
    Service,
    BillingEntity,
    UsageType,
    Operation,
    FreeTier,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PricingPlanRules {
    Table,
    PricingPlanId,
    PricingRuleId,
}

#[derive(DeriveIden)]
enum CustomLineItems {
    Table,
    Id,
    PayerId,
    BillingGroupId,
    Name,
    Description,
    ChargeType,
    FlatAmount,
    Percentage,
    ChildItemIds,
    BillingPeriodStart,
    BillingPeriodEnd,
    LinkedAccountId,
    ExcludeSavingsPlanNegation,
    Currency,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BillingResults {
    Table,
    Id,
    PayerId,
    BillingGroupId,
    BillingPeriod,
    ComputedAt,
    ComputedBy,
    Reason,
    Source,
    Currency,
    AwsCost,
    ProformaCost,
    Margin,
    Detail,
}

#[derive(DeriveIden)]
enum AbcCostReports {
    Table,
    Id,
    PayerId,
    BillingGroupId,
    BillingPeriod,
    AwsCost,
    ProformaCost,
    Margin,
    Currency,
    FetchedAt,
}

#[derive(DeriveIden)]
enum Abc {
    AbcArn,
    AbcSyncStatus,
    AbcSyncError,
}

fn payer_fk<T: IntoIden, C: IntoIden>(table: T, col: C) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, col).to(Payers::Table, Payers::Id).on_delete(ForeignKeyAction::Cascade).to_owned()
}

/// The Billing Conductor columns every synced object carries.
fn with_abc(mut table: TableCreateStatement) -> TableCreateStatement {
    table.col(text_null(Abc::AbcArn)).col(string_len_null(Abc::AbcSyncStatus, 16)).col(text_null(Abc::AbcSyncError));
    table
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Payers::Table).add_column(string_len(Payers::BillingMode, 32).default("NATIVE")).to_owned()).await?;

        m.create_table(with_abc(
            Table::create()
                .table(PricingPlans::Table)
                .col(pk_uuid(PricingPlans::Id))
                .col(uuid(PricingPlans::PayerId))
                .col(string_len(PricingPlans::Name, 128))
                .col(text(PricingPlans::Description))
                .col(string_len(PricingPlans::Base, 16))
                .col(boolean(PricingPlans::PassTax))
                .col(boolean(PricingPlans::PassCredits))
                .col(boolean(PricingPlans::PassRefunds))
                .col(boolean(PricingPlans::PassPartnerDiscounts))
                .col(timestamp_with_time_zone(PricingPlans::CreatedAt))
                .col(timestamp_with_time_zone(PricingPlans::UpdatedAt))
                .foreign_key(&mut payer_fk(PricingPlans::Table, PricingPlans::PayerId))
                .to_owned(),
        ))
        .await?;
        m.create_index(Index::create().name("ux_pricing_plans_name").table(PricingPlans::Table).unique().col(PricingPlans::PayerId).col(PricingPlans::Name).to_owned()).await?;

        m.create_table(with_abc(
            Table::create()
                .table(PricingRules::Table)
                .col(pk_uuid(PricingRules::Id))
                .col(uuid(PricingRules::PayerId))
                .col(string_len(PricingRules::Name, 128))
                .col(text(PricingRules::Description))
                .col(string_len(PricingRules::Scope, 16))
                .col(string_len(PricingRules::RuleType, 16))
                .col(big_integer(PricingRules::ModifierPercentage))
                .col(text_null(PricingRules::Service))
                .col(text_null(PricingRules::BillingEntity))
                .col(text_null(PricingRules::UsageType))
                .col(text_null(PricingRules::Operation))
                .col(boolean_null(PricingRules::FreeTier))
                .col(timestamp_with_time_zone(PricingRules::CreatedAt))
                .col(timestamp_with_time_zone(PricingRules::UpdatedAt))
                .foreign_key(&mut payer_fk(PricingRules::Table, PricingRules::PayerId))
                .to_owned(),
        ))
        .await?;
        m.create_index(Index::create().name("ux_pricing_rules_name").table(PricingRules::Table).unique().col(PricingRules::PayerId).col(PricingRules::Name).to_owned()).await?;

        m.create_table(
            Table::create()
                .table(PricingPlanRules::Table)
                .col(uuid(PricingPlanRules::PricingPlanId))
                .col(uuid(PricingPlanRules::PricingRuleId))
                .primary_key(Index::create().col(PricingPlanRules::PricingPlanId).col(PricingPlanRules::PricingRuleId))
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(PricingPlanRules::Table, PricingPlanRules::PricingPlanId)
                        .to(PricingPlans::Table, PricingPlans::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(PricingPlanRules::Table, PricingPlanRules::PricingRuleId)
                        .to(PricingRules::Table, PricingRules::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_pricing_plan_rules_rule").table(PricingPlanRules::Table).col(PricingPlanRules::PricingRuleId).to_owned()).await?;

        m.create_table(with_abc(
            Table::create()
                .table(BillingGroups::Table)
                .col(pk_uuid(BillingGroups::Id))
                .col(uuid(BillingGroups::PayerId))
                .col(string_len(BillingGroups::Name, 128))
                .col(text(BillingGroups::Description))
                .col(string_len(BillingGroups::PrimaryAccountId, 12))
                .col(uuid(BillingGroups::PricingPlanId))
                .col(uuid_null(BillingGroups::CustomerTenantId))
                .col(timestamp_with_time_zone(BillingGroups::CreatedAt))
                .col(timestamp_with_time_zone(BillingGroups::UpdatedAt))
                .foreign_key(&mut payer_fk(BillingGroups::Table, BillingGroups::PayerId))
                // A plan in use cannot be deleted; the domain says so in words first.
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(BillingGroups::Table, BillingGroups::PricingPlanId)
                        .to(PricingPlans::Table, PricingPlans::Id)
                        .on_delete(ForeignKeyAction::Restrict)
                        .to_owned(),
                )
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(BillingGroups::Table, BillingGroups::CustomerTenantId)
                        .to(Tenants::Table, Tenants::Id)
                        .on_delete(ForeignKeyAction::SetNull)
                        .to_owned(),
                )
                .to_owned(),
        ))
        .await?;
        m.create_index(Index::create().name("ux_billing_groups_name").table(BillingGroups::Table).unique().col(BillingGroups::PayerId).col(BillingGroups::Name).to_owned()).await?;
        m.create_index(Index::create().name("ix_billing_groups_customer").table(BillingGroups::Table).col(BillingGroups::CustomerTenantId).to_owned()).await?;

        m.create_table(
            Table::create()
                .table(BillingGroupAccounts::Table)
                .col(pk_uuid(BillingGroupAccounts::Id))
                .col(uuid(BillingGroupAccounts::BillingGroupId))
                .col(uuid(BillingGroupAccounts::PayerId))
                .col(string_len(BillingGroupAccounts::AccountId, 12))
                .col(char_len(BillingGroupAccounts::BillingPeriodStart, 7))
                .col(char_len_null(BillingGroupAccounts::BillingPeriodEnd, 7))
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(BillingGroupAccounts::Table, BillingGroupAccounts::BillingGroupId)
                        .to(BillingGroups::Table, BillingGroups::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .foreign_key(&mut payer_fk(BillingGroupAccounts::Table, BillingGroupAccounts::PayerId))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_billing_group_accounts_group").table(BillingGroupAccounts::Table).col(BillingGroupAccounts::BillingGroupId).to_owned()).await?;
        m.create_index(
            Index::create().name("ix_billing_group_accounts_account").table(BillingGroupAccounts::Table).col(BillingGroupAccounts::PayerId).col(BillingGroupAccounts::AccountId).to_owned(),
        )
        .await?;

        m.create_table(with_abc(
            Table::create()
                .table(CustomLineItems::Table)
                .col(pk_uuid(CustomLineItems::Id))
                .col(uuid(CustomLineItems::PayerId))
                .col(uuid(CustomLineItems::BillingGroupId))
                .col(string_len(CustomLineItems::Name, 128))
                .col(text(CustomLineItems::Description))
                .col(string_len(CustomLineItems::ChargeType, 8))
                .col(big_integer_null(CustomLineItems::FlatAmount))
                .col(big_integer_null(CustomLineItems::Percentage))
                .col(text(CustomLineItems::ChildItemIds))
                .col(char_len(CustomLineItems::BillingPeriodStart, 7))
                .col(char_len_null(CustomLineItems::BillingPeriodEnd, 7))
                .col(string_len_null(CustomLineItems::LinkedAccountId, 12))
                .col(boolean(CustomLineItems::ExcludeSavingsPlanNegation))
                .col(string_len(CustomLineItems::Currency, 3))
                .col(timestamp_with_time_zone(CustomLineItems::CreatedAt))
                .col(timestamp_with_time_zone(CustomLineItems::UpdatedAt))
                .foreign_key(&mut payer_fk(CustomLineItems::Table, CustomLineItems::PayerId))
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(CustomLineItems::Table, CustomLineItems::BillingGroupId)
                        .to(BillingGroups::Table, BillingGroups::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        ))
        .await?;
        m.create_index(Index::create().name("ix_custom_line_items_group").table(CustomLineItems::Table).col(CustomLineItems::BillingGroupId).to_owned()).await?;

        m.create_table(
            Table::create()
                .table(BillingResults::Table)
                .col(pk_uuid(BillingResults::Id))
                .col(uuid(BillingResults::PayerId))
                .col(uuid(BillingResults::BillingGroupId))
                .col(char_len(BillingResults::BillingPeriod, 7))
                .col(timestamp_with_time_zone(BillingResults::ComputedAt))
                .col(text(BillingResults::ComputedBy))
                .col(text(BillingResults::Reason))
                .col(string_len(BillingResults::Source, 8))
                .col(string_len(BillingResults::Currency, 3))
                .col(big_integer(BillingResults::AwsCost))
                .col(big_integer(BillingResults::ProformaCost))
                .col(big_integer(BillingResults::Margin))
                .col(text(BillingResults::Detail))
                .foreign_key(&mut payer_fk(BillingResults::Table, BillingResults::PayerId))
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(BillingResults::Table, BillingResults::BillingGroupId)
                        .to(BillingGroups::Table, BillingGroups::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_billing_results_group_period").table(BillingResults::Table).col(BillingResults::BillingGroupId).col(BillingResults::BillingPeriod).to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_billing_results_payer_period").table(BillingResults::Table).col(BillingResults::PayerId).col(BillingResults::BillingPeriod).to_owned()).await?;

        m.create_table(
            Table::create()
                .table(AbcCostReports::Table)
                .col(pk_uuid(AbcCostReports::Id))
                .col(uuid(AbcCostReports::PayerId))
                .col(uuid(AbcCostReports::BillingGroupId))
                .col(char_len(AbcCostReports::BillingPeriod, 7))
                .col(big_integer(AbcCostReports::AwsCost))
                .col(big_integer(AbcCostReports::ProformaCost))
                .col(big_integer(AbcCostReports::Margin))
                .col(string_len(AbcCostReports::Currency, 3))
                .col(timestamp_with_time_zone(AbcCostReports::FetchedAt))
                .foreign_key(&mut payer_fk(AbcCostReports::Table, AbcCostReports::PayerId))
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(AbcCostReports::Table, AbcCostReports::BillingGroupId)
                        .to(BillingGroups::Table, BillingGroups::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_abc_cost_reports_group_period").table(AbcCostReports::Table).col(AbcCostReports::BillingGroupId).col(AbcCostReports::BillingPeriod).to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AbcCostReports::Table.into_iden(),
            BillingResults::Table.into_iden(),
            CustomLineItems::Table.into_iden(),
            BillingGroupAccounts::Table.into_iden(),
            BillingGroups::Table.into_iden(),
            PricingPlanRules::Table.into_iden(),
            PricingRules::Table.into_iden(),
            PricingPlans::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        m.alter_table(Table::alter().table(Payers::Table).drop_column(Payers::BillingMode).to_owned()).await?;
        Ok(())
    }
}
