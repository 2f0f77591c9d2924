use sea_orm::entity::prelude::*;

/// Where a billing transfer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum TransferStatus {
    /// Sent; the customer has not answered.
    #[sea_orm(string_value = "INVITED")]
    Invited,
    /// Accepted; the payer takes over the bill from the start month.
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    /// The start month has come: the payer pays the customer's bill.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    /// Not answered in time.
    #[sea_orm(string_value = "EXPIRED")]
    Expired,
    /// The payer withdrew the invitation before it was answered.
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
    /// The end month has come.
    #[sea_orm(string_value = "ENDED")]
    Ended,
}

/// One invitation of a customer's organization to transfer its bill to a payer (AWS Billing
/// Transfer), as last seen, with the TRANSFER_BILLING group that prices it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billing_transfers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub payer_id: Uuid,
    /// `INBOUND`: the payer takes over another organization's bill (the only kind we start).
    pub direction: String,
    /// The customer's management account (12 digits), when invited by id.
    pub target_account_id: Option<String>,
    /// The customer's management account email, when invited by email.
    pub target_email: Option<String>,
    /// The transfer's name at AWS.
    pub name: String,
    /// `YYYY-MM`: the transfer takes effect on the first of this month (UTC).
    pub start_month: String,
    /// `YYYY-MM`: the transfer ends on the first of this month (UTC), once ended.
    pub end_month: Option<String>,
    pub status: TransferStatus,
    pub handshake_id: Option<String>,
    /// AWS's transfer id (`rt-…`).
    pub transfer_id: Option<String>,
    pub transfer_arn: Option<String>,
    pub notes: Option<String>,
    /// When the invitation expires unanswered.
    pub expires_at: Option<DateTimeUtc>,
    /// The pricing plan of the TRANSFER_BILLING group; null with a group is AWS's Passthrough.
    pub group_pricing_plan_id: Option<Uuid>,
    /// The group's Billing Conductor ARN (Billing Conductor mode).
    pub group_abc_arn: Option<String>,
    /// Set once the TRANSFER_BILLING group exists.
    pub group_created_at: Option<DateTimeUtc>,
    /// NATIVE billing mode: our billing group holding the organization's accounts.
    pub billing_group_id: Option<Uuid>,
    /// Billing Conductor creates a group per organization transferring onward.
    pub auto_create_groups: bool,
    /// The plan of those groups; null is Passthrough.
    pub auto_pricing_plan_id: Option<Uuid>,
    pub invited_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
