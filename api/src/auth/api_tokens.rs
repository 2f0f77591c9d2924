//! API tokens for partner integrations: shown once, stored as SHA-256, prefixed `pbt_`, scoped to
//! a role on a tenant or payer, expiring, revocable, last use recorded. A token never carries
//! more than its creator holds, then or now.

use chrono::{DateTime, Duration, Utc};
use entity::api_tokens;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::tenancy::principal::{Credential, Grant, GrantTarget, Principal};
use crate::auth::secrets::{random_secret, sha256_hex};
use crate::auth::{active_user, load_grants};
use crate::ids::Target;
use crate::input::Page;
use crate::error::{AppError, AppResult};
use crate::ids::{ApiTokenId, PayerId, TenantId, UserId};
use crate::auth::AuthContext;
use crate::tenancy::{Role, Scope};

pub const PREFIX: &str = "pbt_";
const MAX_LIFETIME_DAYS: i64 = 366;
const INVALID: &str = "invalid, expired or revoked API token";

/// What the creator asks for.
pub struct NewApiToken {
    pub name: String,
    pub role: Role,
    pub target: Target,
    pub expires_at: DateTime<Utc>,
}

/// A partner-integration token as its owners see it: never its secret or the secret's hash.
pub struct ApiToken {
    pub id: ApiTokenId,
    pub name: String,
    /// The first characters of the secret, to recognise it.
    pub display_prefix: String,
    pub role: Role,
    pub tenant_id: Option<TenantId>,
    pub payer_id: Option<PayerId>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl TryFrom<api_tokens::Model> for ApiToken {
    type Error = AppError;

    /// A stored role this version does not know is an error, not a guess.
    fn try_from(m: api_tokens::Model) -> AppResult<Self> {
        let role = m.role;
        Ok(Self {
            id: ApiTokenId(m.id),
            name: m.name,
            display_prefix: m.display_prefix,
            role,
            tenant_id: m.tenant_id.map(TenantId),
            payer_id: m.payer_id.map(PayerId),
            created_by: UserId(m.created_by),
            created_at: m.created_at,
            expires_at: m.expires_at,
            revoked_at: m.revoked_at,
            last_used_at: m.last_used_at,
        })
    }
}

/// Creates a token; returns it and the secret, which is never shown again.
pub async fn create(scope: &Scope, input: NewApiToken) -> AppResult<(ApiToken, String)> {
    if scope.principal().api_token_id().is_some() {
        return Err(AppError::forbidden("API tokens cannot create API tokens"));
    }
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("name", "must be 1 to 100 characters"));
    }
    let now = Utc::now();
    if input.expires_at <= now {
        return Err(AppError::invalid("expiresAt", "must be in the future"));
    }
    if input.expires_at > now + Duration::days(MAX_LIFETIME_DAYS) {
        return Err(AppError::invalid("expiresAt", format!("must be within {MAX_LIFETIME_DAYS} days")));
    }
    let (tenant_id, payer_id) = match input.target {
        Target::Tenant(id) => (Some(id.0), None),
        Target::Payer(id) => (None, Some(id.0)),
    };
    let secret = random_secret(PREFIX);
    let row = api_tokens::ActiveModel {
        id: Set(ApiTokenId::new().0),
        name: Set(name),
        display_prefix: Set(secret.chars().take(PREFIX.len() + 6).collect()),
        token_hash: Set(sha256_hex(&secret)),
        role: Set(input.role),
        tenant_id: Set(tenant_id),
        payer_id: Set(payer_id),
        created_by: Set(scope.principal().user_id.0),
        created_at: Set(now),
        expires_at: Set(input.expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
    };
    // Holding the role on the target is the whole check: nobody mints more than they hold.
    let row = scope.insert_for_target(row, input.role).await?;
    Ok((row.try_into()?, secret))
}

pub async fn list(scope: &Scope, page: Page) -> AppResult<Vec<ApiToken>> {
    let mut query = scope.api_tokens();
    if let Some(after) = page.after_id()? {
        query = query.filter(api_tokens::Column::Id.gt(after));
    }
    query.order_by_asc(api_tokens::Column::Id).limit(page.fetch()).all().await?.into_iter().map(ApiToken::try_from).collect()
}

/// Revokes a token the caller made or administers. Revoking twice is harmless.
pub async fn revoke(scope: &Scope, id: ApiTokenId) -> AppResult<ApiToken> {
    let by_id = || scope.api_tokens().filter(api_tokens::Column::Id.eq(id.0));
    let token = by_id().one().await?.ok_or(AppError::NotFound("API token"))?;
    if token.revoked_at.is_some() {
        return token.try_into();
    }
    scope
        .update_api_tokens()
        .filter(api_tokens::Column::Id.eq(id.0))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .col_expr(api_tokens::Column::RevokedAt, Expr::value(Utc::now()))
        .exec()
        .await?;
    by_id().one().await?.ok_or(AppError::NotFound("API token"))?.try_into()
}

/// Turns a presented `pbt_` secret into a principal limited to the token's grant, provided its
/// creator is still active and still holds that role there.
pub(super) async fn authenticate(state: &AuthContext<'_>, secret: &str) -> AppResult<Principal> {
    let now = Utc::now();
    let token = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(sha256_hex(secret)))
        .one(state.db)
        .await?
        .filter(|t| t.revoked_at.is_none() && t.expires_at > now)
        .ok_or(AppError::Unauthenticated(INVALID))?;
    let creator =
        active_user(state.db, UserId(token.created_by)).await?.ok_or(AppError::Unauthenticated(INVALID))?;
    let role = token.role;
    let creator_now = Principal {
        user_id: UserId(creator.id),
        email: creator.email.clone(),
        credential: Credential::ApiToken(ApiTokenId(token.id)),
        grants: load_grants(state.db, UserId(creator.id)).await?,
    };
    let target = match (token.tenant_id, token.payer_id) {
        (Some(t), None) => {
            let tenant = entity::tenants::Entity::find_by_id(t).one(state.db).await?.ok_or(AppError::Unauthenticated(INVALID))?;
            if creator_now.role_on_tenant(&tenant.path).is_none_or(|r| r < role) {
                return Err(AppError::Unauthenticated(INVALID));
            }
            GrantTarget::Tenant { id: TenantId(t), path: tenant.path }
        }
        (None, Some(p)) => {
            let scope = Scope::new(state.db.clone(), creator_now.clone());
            scope.payer(PayerId(p), role).await.map_err(|_| AppError::Unauthenticated(INVALID))?;
            GrantTarget::Payer { id: PayerId(p) }
        }
        _ => return Err(AppError::Unauthenticated(INVALID)),
    };
    // Record use at most once a minute per token, to keep writes off the hot path.
    if token.last_used_at.is_none_or(|t| t < now - Duration::minutes(1)) {
        api_tokens::Entity::update_many()
            .col_expr(api_tokens::Column::LastUsedAt, Expr::value(Some(now)))
            .filter(api_tokens::Column::Id.eq(token.id))
            .exec(state.db)
            .await?;
    }
    Ok(Principal {
        user_id: UserId(creator.id),
        email: creator.email,
        credential: Credential::ApiToken(ApiTokenId(token.id)),
        grants: vec![Grant { role, target }],
    })
}
