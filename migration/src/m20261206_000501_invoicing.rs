//! Closing a month and billing it (#20):
//!
//! - `billing_periods`: per payer and month, OPEN (no row, or a row that says so) or CLOSED, with
//!   who closed it and the hash of what was frozen.
//! - `period_snapshots`: at close, one row per billing group: totals, the priced lines by account
//!   and service, the custom line items, the configuration in force and a hash of the cost rows
//!   priced. Closed numbers are read from here, never recomputed.
//! - `period_adjustments`: what data that arrived after close would change, per group; PENDING
//!   until it becomes a credit or debit note.
//! - `invoices` (invoices, credit notes and debit notes; one lifecycle) and `invoice_lines`.
//! - `invoice_files`: the PDF of each issued document, rendered once at issue.
//! - `document_sequences`: the last number issued per issuing tenant and kind; taking a number is
//!   one `UPDATE … RETURNING` in the issuing transaction, so numbers have no gaps.
//! - `exchange_rates`: the rate an admin entered for a period, frozen onto each invoice.
//! - Contracts gain tax and payment terms and the invoice language; tenants a billing address and
//!   tax id for the documents.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, blob, big_integer_null, boolean, date_null, integer, pk_uuid, string_len, string_len_null, text, text_null, timestamp_with_time_zone, timestamp_with_time_zone_null, uuid, uuid_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Payers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    BillingAddress,
    TaxId,
}

#[derive(DeriveIden)]
enum Contracts {
    Table,
    TaxRate,
    TaxInclusive,
    PaymentTermsDays,
    Language,
}

#[derive(DeriveIden)]
enum BillingPeriods {
    Table,
    Id,
    PayerId,
    BillingPeriod,
    Status,
    ClosedAt,
    ClosedBy,
    SnapshotHash,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PeriodSnapshots {
    Table,
    Id,
    PayerId,
    BillingPeriod,
    BillingGroupId,
    GroupName,
    CustomerTenantId,
    Source,
    Currency,
    AwsCost,
    ProformaCost,
    Margin,
    Lines,
    Configuration,
    RowsHash,
    ContentHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PeriodAdjustments {
    Table,
    Id,
    PayerId,
    BillingPeriod,
    BillingGroupId,
    Status,
    Currency,
    AwsCostDelta,
    ProformaDelta,
    Lines,
    ComputedAt,
    NoteId,
}

#[derive(DeriveIden)]
enum Invoices {
    Table,
    Id,
    Kind,
    IssuerTenantId,
    CustomerTenantId,
    ContractId,
    PayerId,
    BillingPeriod,
    InvoiceId,
    AdjustmentId,
    Status,
    Number,
    Sequence,
    Language,
    SourceCurrency,
    Currency,
    ExchangeRate,
    TaxRate,
    TaxInclusive,
    Subtotal,
    Tax,
    Total,
    PaymentTermsDays,
    IssueDate,
    DueDate,
    IssuedAt,
    IssuedBy,
    PaidAt,
    PaymentDate,
    PaymentReference,
    VoidedAt,
    VoidReason,
    Reason,
    ContentHash,
    Issuer,
    Customer,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InvoiceLines {
    Table,
    Id,
    InvoiceId,
    Position,
    Kind,
    BillingGroupId,
    GroupName,
    AccountId,
    ServiceCode,
    Description,
    SourceAmount,
    Amount,
    Tax,
}

#[derive(DeriveIden)]
enum InvoiceFiles {
    Table,
    InvoiceId,
    FileName,
    ContentType,
    Content,
    Sha256,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DocumentSequences {
    Table,
    TenantId,
    Kind,
    LastValue,
}

#[derive(DeriveIden)]
enum ExchangeRates {
    Table,
    Id,
    TenantId,
    BillingPeriod,
    FromCurrency,
    ToCurrency,
    Rate,
    EnteredBy,
    EnteredAt,
}

fn fk(from: (impl IntoIden, impl IntoIden), to: (impl IntoIden, impl IntoIden), on_delete: ForeignKeyAction) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to.0, to.1).on_delete(on_delete).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            big_integer(Contracts::TaxRate).default(0).to_owned(),
            boolean(Contracts::TaxInclusive).default(false).to_owned(),
            integer(Contracts::PaymentTermsDays).default(30).to_owned(),
            string_len(Contracts::Language, 8).default("en").to_owned(),
        ] {
            m.alter_table(Table::alter().table(Contracts::Table).add_column(column).to_owned()).await?;
        }
        for column in [text(Tenants::BillingAddress).default("").to_owned(), string_len(Tenants::TaxId, 64).default("").to_owned()] {
            m.alter_table(Table::alter().table(Tenants::Table).add_column(column).to_owned()).await?;
        }

        m.create_table(
            Table::create()
                .table(BillingPeriods::Table)
                .col(pk_uuid(BillingPeriods::Id))
                .col(uuid(BillingPeriods::PayerId))
                .col(string_len(BillingPeriods::BillingPeriod, 7))
                .col(string_len(BillingPeriods::Status, 16))
                .col(timestamp_with_time_zone_null(BillingPeriods::ClosedAt))
                .col(string_len_null(BillingPeriods::ClosedBy, 320))
                .col(string_len_null(BillingPeriods::SnapshotHash, 64))
                .col(timestamp_with_time_zone(BillingPeriods::UpdatedAt))
                .foreign_key(&mut fk((BillingPeriods::Table, BillingPeriods::PayerId), (Payers::Table, Payers::Id), ForeignKeyAction::Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ux_billing_periods").table(BillingPeriods::Table).unique().col(BillingPeriods::PayerId).col(BillingPeriods::BillingPeriod).to_owned()).await?;

        m.create_table(
            Table::create()
                .table(PeriodSnapshots::Table)
                .col(pk_uuid(PeriodSnapshots::Id))
                .col(uuid(PeriodSnapshots::PayerId))
                .col(string_len(PeriodSnapshots::BillingPeriod, 7))
                // Not a foreign key: a snapshot outlives the group it froze.
                .col(uuid(PeriodSnapshots::BillingGroupId))
                .col(string_len(PeriodSnapshots::GroupName, 128))
                .col(uuid_null(PeriodSnapshots::CustomerTenantId))
                .col(string_len(PeriodSnapshots::Source, 8))
                .col(string_len(PeriodSnapshots::Currency, 3))
                .col(big_integer(PeriodSnapshots::AwsCost))
                .col(big_integer(PeriodSnapshots::ProformaCost))
                .col(big_integer(PeriodSnapshots::Margin))
                .col(text(PeriodSnapshots::Lines))
                .col(text(PeriodSnapshots::Configuration))
                .col(string_len(PeriodSnapshots::RowsHash, 64))
                .col(string_len(PeriodSnapshots::ContentHash, 64))
                .col(timestamp_with_time_zone(PeriodSnapshots::CreatedAt))
                .foreign_key(&mut fk((PeriodSnapshots::Table, PeriodSnapshots::PayerId), (Payers::Table, Payers::Id), ForeignKeyAction::Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_period_snapshots")
                .table(PeriodSnapshots::Table)
                .unique()
                .col(PeriodSnapshots::PayerId)
                .col(PeriodSnapshots::BillingPeriod)
                .col(PeriodSnapshots::BillingGroupId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PeriodAdjustments::Table)
                .col(pk_uuid(PeriodAdjustments::Id))
                .col(uuid(PeriodAdjustments::PayerId))
                .col(string_len(PeriodAdjustments::BillingPeriod, 7))
                .col(uuid(PeriodAdjustments::BillingGroupId))
                .col(string_len(PeriodAdjustments::Status, 16))
                .col(string_len(PeriodAdjustments::Currency, 3))
                .col(big_integer(PeriodAdjustments::AwsCostDelta))
                .col(big_integer(PeriodAdjustments::ProformaDelta))
                .col(text(PeriodAdjustments::Lines))
                .col(timestamp_with_time_zone(PeriodAdjustments::ComputedAt))
                .col(uuid_null(PeriodAdjustments::NoteId))
                .foreign_key(&mut fk((PeriodAdjustments::Table, PeriodAdjustments::PayerId), (Payers::Table, Payers::Id), ForeignKeyAction::Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_period_adjustments")
                .table(PeriodAdjustments::Table)
                .col(PeriodAdjustments::PayerId)
                .col(PeriodAdjustments::BillingPeriod)
                .col(PeriodAdjustments::BillingGroupId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Invoices::Table)
                .col(pk_uuid(Invoices::Id))
                .col(string_len(Invoices::Kind, 16))
                .col(uuid(Invoices::IssuerTenantId))
                .col(uuid(Invoices::CustomerTenantId))
                .col(uuid(Invoices::ContractId))
                .col(uuid(Invoices::PayerId))
                .col(string_len(Invoices::BillingPeriod, 7))
                .col(uuid_null(Invoices::InvoiceId))
                .col(uuid_null(Invoices::AdjustmentId))
                .col(string_len(Invoices::Status, 16))
                .col(string_len_null(Invoices::Number, 40))
                .col(big_integer_null(Invoices::Sequence))
                .col(string_len(Invoices::Language, 8))
                .col(string_len(Invoices::SourceCurrency, 3))
                .col(string_len(Invoices::Currency, 3))
                .col(big_integer(Invoices::ExchangeRate))
                .col(big_integer(Invoices::TaxRate))
                .col(boolean(Invoices::TaxInclusive))
                .col(big_integer(Invoices::Subtotal))
                .col(big_integer(Invoices::Tax))
                .col(big_integer(Invoices::Total))
                .col(integer(Invoices::PaymentTermsDays))
                .col(date_null(Invoices::IssueDate))
                .col(date_null(Invoices::DueDate))
                .col(timestamp_with_time_zone_null(Invoices::IssuedAt))
                .col(string_len_null(Invoices::IssuedBy, 320))
                .col(timestamp_with_time_zone_null(Invoices::PaidAt))
                .col(date_null(Invoices::PaymentDate))
                .col(string_len_null(Invoices::PaymentReference, 200))
                .col(timestamp_with_time_zone_null(Invoices::VoidedAt))
                .col(text_null(Invoices::VoidReason))
                .col(text_null(Invoices::Reason))
                .col(string_len_null(Invoices::ContentHash, 64))
                // The parties as they were when the document was made (JSON: name, address, tax id).
                .col(text(Invoices::Issuer))
                .col(text(Invoices::Customer))
                .col(string_len(Invoices::CreatedBy, 320))
                .col(timestamp_with_time_zone(Invoices::CreatedAt))
                .col(timestamp_with_time_zone(Invoices::UpdatedAt))
                .foreign_key(&mut fk((Invoices::Table, Invoices::IssuerTenantId), (Tenants::Table, Tenants::Id), ForeignKeyAction::Restrict))
                .foreign_key(&mut fk((Invoices::Table, Invoices::CustomerTenantId), (Tenants::Table, Tenants::Id), ForeignKeyAction::Restrict))
                .to_owned(),
        )
        .await?;
        // Numbers are unique per issuer; several drafts have none.
        m.create_index(Index::create().name("ux_invoices_number").table(Invoices::Table).unique().col(Invoices::IssuerTenantId).col(Invoices::Number).to_owned()).await?;
        m.create_index(Index::create().name("ix_invoices_customer").table(Invoices::Table).col(Invoices::CustomerTenantId).col(Invoices::BillingPeriod).to_owned()).await?;
        m.create_index(Index::create().name("ix_invoices_payer").table(Invoices::Table).col(Invoices::PayerId).col(Invoices::BillingPeriod).to_owned()).await?;

        m.create_table(
            Table::create()
                .table(InvoiceLines::Table)
                .col(pk_uuid(InvoiceLines::Id))
                .col(uuid(InvoiceLines::InvoiceId))
                .col(integer(InvoiceLines::Position))
                .col(string_len(InvoiceLines::Kind, 16))
                .col(uuid_null(InvoiceLines::BillingGroupId))
                .col(string_len(InvoiceLines::GroupName, 128))
                .col(string_len(InvoiceLines::AccountId, 12))
                .col(string_len(InvoiceLines::ServiceCode, 128))
                .col(text(InvoiceLines::Description))
                .col(big_integer(InvoiceLines::SourceAmount))
                .col(big_integer(InvoiceLines::Amount))
                .col(big_integer(InvoiceLines::Tax))
                .foreign_key(&mut fk((InvoiceLines::Table, InvoiceLines::InvoiceId), (Invoices::Table, Invoices::Id), ForeignKeyAction::Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_invoice_lines_invoice").table(InvoiceLines::Table).col(InvoiceLines::InvoiceId).col(InvoiceLines::Position).to_owned()).await?;

        // The PDF as issued: what was mailed is what is downloaded, byte for byte.
        m.create_table(
            Table::create()
                .table(InvoiceFiles::Table)
                .col(pk_uuid(InvoiceFiles::InvoiceId))
                .col(string_len(InvoiceFiles::FileName, 80))
                .col(string_len(InvoiceFiles::ContentType, 64))
                .col(blob(InvoiceFiles::Content))
                .col(string_len(InvoiceFiles::Sha256, 64))
                .col(timestamp_with_time_zone(InvoiceFiles::CreatedAt))
                .foreign_key(&mut fk((InvoiceFiles::Table, InvoiceFiles::InvoiceId), (Invoices::Table, Invoices::Id), ForeignKeyAction::Cascade))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DocumentSequences::Table)
                .col(uuid(DocumentSequences::TenantId))
                .col(string_len(DocumentSequences::Kind, 16))
                .col(big_integer(DocumentSequences::LastValue))
                .primary_key(Index::create().col(DocumentSequences::TenantId).col(DocumentSequences::Kind))
                .foreign_key(&mut fk((DocumentSequences::Table, DocumentSequences::TenantId), (Tenants::Table, Tenants::Id), ForeignKeyAction::Cascade))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ExchangeRates::Table)
                .col(pk_uuid(ExchangeRates::Id))
                .col(uuid(ExchangeRates::TenantId))
                .col(string_len(ExchangeRates::BillingPeriod, 7))
                .col(string_len(ExchangeRates::FromCurrency, 3))
                .col(string_len(ExchangeRates::ToCurrency, 3))
                .col(big_integer(ExchangeRates::Rate))
                .col(string_len(ExchangeRates::EnteredBy, 320))
                .col(timestamp_with_time_zone(ExchangeRates::EnteredAt))
                .foreign_key(&mut fk((ExchangeRates::Table, ExchangeRates::TenantId), (Tenants::Table, Tenants::Id), ForeignKeyAction::Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_exchange_rates")
                .table(ExchangeRates::Table)
                .unique()
                .col(ExchangeRates::TenantId)
                .col(ExchangeRates::BillingPeriod)
                .col(ExchangeRates::FromCurrency)
                .col(ExchangeRates::ToCurrency)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ExchangeRates::Table.into_iden(),
            DocumentSequences::Table.into_iden(),
            InvoiceFiles::Table.into_iden(),
            InvoiceLines::Table.into_iden(),
            Invoices::Table.into_iden(),
            PeriodAdjustments::Table.into_iden(),
            PeriodSnapshots::Table.into_iden(),
            BillingPeriods::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for column in [Tenants::BillingAddress, Tenants::TaxId] {
            m.alter_table(Table::alter().table(Tenants::Table).drop_column(column).to_owned()).await?;
        }
        for column in [Contracts::TaxRate, Contracts::TaxInclusive, Contracts::PaymentTermsDays, Contracts::Language] {
            m.alter_table(Table::alter().table(Contracts::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
