use sea_orm::entity::prelude::*;

/// How a contract continues at its end date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Renewal {
    #[sea_orm(string_value = "AUTO")]
    Auto,
    #[sea_orm(string_value = "MANUAL")]
    Manual,
    /// Ends at its end date (which it must have).
    #[sea_orm(string_value = "FIXED_TERM")]
    FixedTerm,
}

/// A contract between a partner and one of its customer tenants.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_tenant_id: Uuid,
    pub name: String,
    pub start_date: Date,
    /// Inclusive; null = open-ended.
    pub end_date: Option<Date>,
    pub renewal: Renewal,
    /// JSON array of the payer ids the contract covers.
    pub payer_ids: String,
    pub billing_email: String,
    pub contract_change_email: String,
    /// `[A-Z0-9-]{1,10}`.
    pub invoice_prefix: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Tax percent on invoices, 10⁻⁸ units (0 = no tax).
    pub tax_rate: i64,
    /// Whether invoice amounts include the tax (else it is added).
    pub tax_inclusive: bool,
    /// Days from issue to due date.
    pub payment_terms_days: i32,
    /// The invoices' language: `en` | `zh-CN`.
    pub language: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
