use sea_orm::entity::prelude::*;

/// What one billing group was billed for a closed period, frozen at close.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "period_snapshots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub payer_id: Uuid,
    /// `YYYY-MM`
    pub billing_period: String,
    pub billing_group_id: Uuid,
    pub group_name: String,
    pub customer_tenant_id: Option<Uuid>,
    /// The cost data source priced: `cur` | `focus` | `ce` | `none`.
    pub source: String,
    pub currency: String,
    /// 10⁻⁸ units.
    pub aws_cost: i64,
    /// 10⁻⁸ units.
    pub proforma_cost: i64,
    /// 10⁻⁸ units; proforma − aws.
    pub margin: i64,
    /// JSON: the priced lines by account and service, and the custom line items as applied.
    pub lines: String,
    /// JSON: the plan, rules, custom line items and members in force, with their versions.
    pub configuration: String,
    /// SHA-256 (hex) of the cost rows priced, in order.
    pub rows_hash: String,
    /// SHA-256 (hex) of everything above; recorded in the audit trail at close.
    pub content_hash: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
