//! People who sign in: creation with a first membership, listing, disabling, password changes.

use chrono::{DateTime, Utc};
use entity::{memberships, users};
use serde_json::json;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect};
use secrecy::{ExposeSecret, SecretString};

use crate::db::{BeginWrite, Db};
use crate::auth::password::{NO_PASSWORD, check_password_policy, hash_password, verify_password};
use crate::auth::password_tokens;
use crate::notify::outbox;
use crate::auth::sessions::{normalize_email, revoke_sessions_in, revoke_user_sessions};
use crate::domain::{Page, Target, checked_name};
use crate::error::{AppError, AppResult};
use crate::ids::{MembershipId, UserId};
use crate::tenancy::{Role, Scope, TenantEvents};

pub const LOCALES: [&str; 2] = ["en", "zh-CN"];

/// A person who signs in, as the API shows them: never their password hash.
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub locale: String,
    pub disabled_at: Option<DateTime<Utc>>,
    /// Invited, and has not set a password yet.
    pub invitation_pending: bool,
    pub created_at: DateTime<Utc>,
}

impl From<users::Model> for User {
    fn from(m: users::Model) -> Self {
        Self {
            invitation_pending: m.password_hash == NO_PASSWORD,
            id: UserId(m.id),
            email: m.email,
            display_name: m.display_name,
            locale: m.locale,
            disabled_at: m.disabled_at,
            created_at: m.created_at,
        }
    }
}

/// A user to create, with the membership they start with.
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    /// None invites the user: they get a mail with a one-time link to set their own password.
    pub password: Option<SecretString>,
    pub locale: String,
    pub role: Role,
    pub target: Target,
}

/// A syntactically valid address, normalised to lower case.
pub fn checked_email(field: &str, email: &str) -> AppResult<String> {
    let email = normalize_email(email);
    if email.len() > 254 || !email_address::EmailAddress::is_valid(&email) || !email.contains('.') {
        return Err(AppError::invalid(field, "is not a valid email address"));
    }
    Ok(email)
}

/// A user checked and with their password hashed, ready to insert.
pub struct CheckedUser {
    email: String,
    display_name: String,
    password_hash: String,
    locale: String,
    role: Role,
    target: Target,
}

/// Validates a user to create and hashes their password. Call it before opening the transaction
/// that inserts them: hashing is meant to be slow, and on SQLite a write transaction holds the
/// database's one write lock.
pub async fn check_user(input: NewUser) -> AppResult<CheckedUser> {
    let email = checked_email("email", &input.email)?;
    let display_name = if input.display_name.trim().is_empty() {
        String::new()
    } else {
        checked_name("displayName", &input.display_name, 200)?
    };
    if !LOCALES.contains(&input.locale.as_str()) {
        return Err(AppError::invalid("locale", format!("must be one of {}", LOCALES.join(", "))));
    }
    let password_hash = match input.password {
        Some(password) => {
            check_password_policy("password", password.expose_secret(), &email)?;
            hash_password(password).await?
        }
        None => NO_PASSWORD.to_owned(),
    };
    Ok(CheckedUser { email, display_name, password_hash, locale: input.locale, role: input.role, target: input.target })
}

/// The row of a checked user.
fn user_row(input: &CheckedUser) -> users::ActiveModel {
    let now = Utc::now();
    users::ActiveModel {
        id: Set(UserId::new().0),
        email: Set(input.email.clone()),
        display_name: Set(input.display_name.clone()),
        password_hash: Set(input.password_hash.clone()),
        locale: Set(input.locale.clone()),
        disabled_at: Set(None),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

fn duplicate_email() -> AppError {
    AppError::Conflict("a user with this email already exists".into())
}

/// Inserts a checked user and their first membership, for the platform's own set-up (the first
/// admin, the CLI); a request adds users through `Scope::begin_adding_users`.
pub async fn insert_user(db: &impl ConnectionTrait, input: CheckedUser, granted_by: Option<UserId>) -> AppResult<users::Model> {
    let user = user_row(&input).insert(db).await.map_err(|e| AppError::on_unique_violation(e, duplicate_email))?;
    membership_row(UserId(user.id), input.target, input.role, granted_by).insert(db).await?;
    Ok(user)
}

/// A new membership row (whoever stores it checks that it may).
pub(crate) fn membership_row(user: UserId, target: Target, role: Role, granted_by: Option<UserId>) -> memberships::ActiveModel {
    let (tenant_id, payer_id) = match target {
        Target::Tenant(t) => (Some(t.0), None),
        Target::Payer(p) => (None, Some(p.0)),
    };
    memberships::ActiveModel {
        id: Set(MembershipId::new().0),
        user_id: Set(user.0),
        tenant_id: Set(tenant_id),
        payer_id: Set(payer_id),
        role: Set(role),
        granted_by: Set(granted_by.map(|u| u.0)),
        created_at: Set(Utc::now()),
    }
}

/// Checks that the caller administers `target` (NOT_FOUND outside their scope).
pub(crate) async fn require_admin_on(scope: &Scope, target: Target) -> AppResult<()> {
    match target {
        Target::Tenant(id) => scope.tenant(id, Role::Admin).await.map(|_| ()),
        Target::Payer(id) => scope.payer(id, Role::Admin).await.map(|_| ()),
    }
}

/// Creates a user with a first membership on a target the caller administers. Without a
/// password the user is invited: a `user.invited` mail carries a link to set one.
pub async fn create(scope: &Scope, input: NewUser) -> AppResult<User> {
    // Checked before the slow hash, and again as the transaction opens.
    require_admin_on(scope, input.target).await?;
    let invited = input.password.is_none();
    let checked = check_user(input).await?;
    let (tenant, payer) = match checked.target {
        Target::Tenant(t) => (Some(t), None),
        Target::Payer(p) => (None, Some(p)),
    };
    let txn = scope.begin_adding_users(tenant, payer, Role::Admin).await?;
    let user = txn.insert(user_row(&checked), checked.role, Some(scope.principal().user_id)).await.map_err(|e| e.or_on_unique_violation(duplicate_email))?;
    if invited {
        let data = json!({ "userId": user.id, "email": user.email, "invitedBy": scope.principal().email });
        outbox::record_for_tenant_in(&txn, outbox::USER_INVITED, Some(user.email.clone()), data).await?;
    }
    txn.commit().await?;
    Ok(user.into())
}

/// Sends an invited user (who has not set a password yet) a new invitation mail.
pub async fn resend_invitation(scope: &Scope, id: UserId) -> AppResult<User> {
    let user = scope.user(id, Role::Admin).await?;
    if user.password_hash != NO_PASSWORD || user.disabled_at.is_some() {
        return Err(AppError::invalid("id", "this user has already set a password or is disabled"));
    }
    let txn = user.begin_write().await?;
    if txn.event_tenant().is_none() {
        return Err(AppError::NotFound("user"));
    }
    let data = json!({ "userId": user.id, "email": user.email, "invitedBy": scope.principal().email });
    outbox::record_for_tenant_in(&txn, outbox::USER_INVITED, Some(user.email.clone()), data).await?;
    txn.commit().await?;
    Ok(user.model().clone().into())
}

/// Sets a password with the one-time token of an invitation mail (no sign-in needed); every
/// session of the user ends. Returns the user's email so the caller can sign in.
pub async fn set_password_with_token(db: &Db, token: &str, new: SecretString) -> AppResult<String> {
    // Checked and hashed before the transaction, which then only writes.
    let user_id = password_tokens::holder(db, token).await?;
    let user = crate::auth::active_user(db, user_id)
        .await?
        .ok_or_else(|| AppError::invalid("token", "is invalid or has expired; ask for a new invitation"))?;
    check_password_policy("password", new.expose_secret(), &user.email)?;
    let hash = hash_password(new).await?;
    let email = user.email.clone();
    let txn = db.begin_write().await?;
    password_tokens::consume(&txn, token, user_id).await?;
    let changed = password_row(user, hash).update(&txn).await?;
    if let Some(tenant) = crate::tenancy::user::home_tenant(&txn, user_id.0).await? {
        let (event, data) = password_changed(&changed);
        outbox::record_for_tenant(&txn, event, tenant, Some(changed.email.clone()), data).await?;
    }
    revoke_user_sessions(&txn, user_id, None, "password_changed").await?;
    txn.commit().await?;
    Ok(email)
}

/// A user's row with a new password hash.
fn password_row(user: users::Model, hash: String) -> users::ActiveModel {
    let mut row: users::ActiveModel = user.into();
    row.password_hash = Set(hash);
    row.password_changed_at = Set(Utc::now());
    row.updated_at = Set(Utc::now());
    row
}

/// The `password.changed` event of a user (a mail tells them).
fn password_changed(user: &users::Model) -> (&'static str, serde_json::Value) {
    (outbox::PASSWORD_CHANGED, json!({ "userId": user.id, "email": user.email }))
}

/// The caller themselves, or a user the caller administers.
pub async fn get(scope: &Scope, id: UserId, need: Role) -> AppResult<User> {
    Ok(visible(scope, id, need).await?.into())
}

/// The row of a user the caller sees with at least `need`.
pub(crate) async fn visible(scope: &Scope, id: UserId, need: Role) -> AppResult<users::Model> {
    scope.users(need).filter(users::Column::Id.eq(id.0)).one().await?.ok_or(AppError::NotFound("user"))
}

/// Users the caller administers (and the caller).
pub async fn list(scope: &Scope, page: Page) -> AppResult<Vec<User>> {
    let mut query = scope.users(Role::Admin);
    if let Some(after) = page.after_id()? {
        query = query.filter(users::Column::Id.gt(after));
    }
    Ok(query.order_by_asc(users::Column::Id).limit(page.fetch()).all().await?.into_iter().map(User::from).collect())
}

/// Disables a user and ends their sessions. The caller must administer every place the user
/// holds a role, so a reseller admin cannot lock out a platform admin.
pub async fn disable(scope: &Scope, id: UserId) -> AppResult<User> {
    if id == scope.principal().user_id {
        return Err(AppError::invalid("id", "you cannot disable yourself"));
    }
    let user = scope.user(id, Role::Admin).await?;
    if !scope.covers_all_memberships_of(user.id, Role::Admin).await? {
        return Err(AppError::forbidden("this user also holds roles outside what you administer"));
    }
    if user.disabled_at.is_some() {
        return Ok(user.model().clone().into());
    }
    let txn = user.begin_write().await?;
    let mut row: users::ActiveModel = user.model().clone().into();
    row.disabled_at = Set(Some(Utc::now()));
    row.updated_at = Set(Utc::now());
    let disabled = txn.update(row).await?;
    revoke_sessions_in(&txn, None, "disabled").await?;
    txn.commit().await?;
    Ok(disabled.into())
}

/// Changes the caller's own password; every other session of theirs ends.
pub async fn change_password(scope: &Scope, current: SecretString, new: SecretString) -> AppResult<()> {
    let Some(session) = scope.principal().session_id() else {
        return Err(AppError::forbidden("an API token cannot change a password"));
    };
    // The caller is always among the users they see.
    let user = scope.user(scope.principal().user_id, Role::Viewer).await?;
    if !verify_password(current, Some(user.password_hash.clone())).await? {
        return Err(AppError::invalid("currentPassword", "is not your current password"));
    }
    check_password_policy("newPassword", new.expose_secret(), &user.email)?;
    let hash = hash_password(new).await?;
    let txn = user.begin_write().await?;
    let changed = txn.update(password_row(user.model().clone(), hash)).await?;
    let (event, data) = password_changed(&changed);
    outbox::record_for_tenant_in(&txn, event, Some(changed.email.clone()), data).await?;
    revoke_sessions_in(&txn, Some(session), "password_changed").await?;
    txn.commit().await?;
    Ok(())
}
