use sea_orm::entity::prelude::*;

/// Where a billing object (group, plan, rule, custom line item) stands with AWS Billing
/// Conductor; none while its payer has never been in Billing Conductor mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum AbcSyncStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "SYNCED")]
    Synced,
    /// Billing Conductor refused it; `abc_sync_error` says why.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// A billing group of one payer: linked accounts billed together to one customer, priced with
/// one pricing plan (AWS Billing Conductor's billing group).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billing_groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub payer_id: Uuid,
    /// `[a-zA-Z0-9_+=.\-@]{1,128}`, unique per payer.
    pub name: String,
    /// At most 1024 characters.
    pub description: String,
    /// 12-digit account id; a member of the group.
    pub primary_account_id: String,
    pub pricing_plan_id: Uuid,
    /// The customer tenant whose users see this group's charges (`myCharges`).
    pub customer_tenant_id: Option<Uuid>,
    /// Billing Conductor ARN once synced.
    pub abc_arn: Option<String>,
    pub abc_sync_status: Option<AbcSyncStatus>,
    /// AWS's reason for the last failed sync.
    pub abc_sync_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
