use async_graphql::{ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::graphql::types::enums::RoleGql;

/// A partner-integration token (never its secret).
pub struct ApiToken(pub crate::auth::api_tokens::ApiToken);

#[Object]
impl ApiToken {
    async fn id(&self) -> ID {
        ID(self.0.id.0.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The first characters of the secret, to recognise it.
    async fn prefix(&self) -> &str {
        &self.0.display_prefix
    }
    async fn role(&self) -> RoleGql {
        RoleGql::from(self.0.role)
    }
    async fn tenant_id(&self) -> Option<ID> {
        self.0.tenant_id.map(|id| ID(id.0.to_string()))
    }
    async fn payer_id(&self) -> Option<ID> {
        self.0.payer_id.map(|id| ID(id.0.to_string()))
    }
    async fn created_by_id(&self) -> ID {
        ID(self.0.created_by.0.to_string())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
}

/// A new token with its secret, shown this once.
#[derive(SimpleObject)]
pub struct CreatedApiToken {
    pub token: ApiToken,
    /// `pbt_…`; store it now, it cannot be shown again.
    pub secret: String,
}

#[derive(InputObject)]
pub struct CreateApiTokenInput {
    pub name: String,
    pub role: RoleGql,
    pub tenant_id: Option<ID>,
    pub payer_id: Option<ID>,
    pub expires_at: DateTime<Utc>,
}
