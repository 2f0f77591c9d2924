use sea_orm::entity::prelude::*;

/// A tenant's own setting overrides; a null value inherits from the nearest ancestor that sets it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenant_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    /// `en` | `zh-CN`: the locale of mail to people without their own.
    pub default_locale: Option<String>,
    /// The display name on outgoing mail (the address stays `PB_MAIL_FROM`'s).
    pub sender_name: Option<String>,
    pub branding_name: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
