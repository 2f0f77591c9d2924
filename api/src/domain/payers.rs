//! Payers: AWS management accounts, reached only by assuming a role the partner created there,
//! with an ExternalId the platform generated.

use chrono::Utc;
use entity::payers;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait,
};

use crate::db::BeginWrite;
use crate::auth::secrets::random_secret;
use crate::aws::credentials::{PayerRole, session_name};
use crate::aws::{AwsClients, AwsErrorKind, is_account_id};
use crate::domain::{Page, checked_name};
use crate::error::{AppError, AppResult};
use crate::ids::{PayerId, ROOT_TENANT_ID, TenantId};
use crate::tenancy::{Role, Scope};

/// Connection states; a reseller's payer (`domain::billing::resellers`) is `Reseller`.
pub use entity::payers::PayerStatus;

/// Refuses AWS work for a reseller's payer.
pub fn require_aws_access(payer: &payers::Model) -> AppResult<()> {
    if payer.upstream_billing_group_id.is_some() {
        return Err(AppError::Conflict("a reseller's payer has no AWS access: its costs come from its distributor's billing group".into()));
    }
    Ok(())
}

/// Checks an IAM role ARN in the payer's own account: `arn:<partition>:iam::<account>:role/[path/]name`.
pub fn check_role_arn(role_arn: &str, account_id: &str) -> AppResult<String> {
    let arn = role_arn.trim();
    let invalid = |why: &str| AppError::invalid("roleArn", why);
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return Err(invalid("must look like arn:aws:iam::<account>:role/<name>"));
    };
    if *prefix != "arn" || !["aws", "aws-cn", "aws-us-gov"].contains(partition) || *service != "iam" || !region.is_empty() {
        return Err(invalid("must look like arn:aws:iam::<account>:role/<name>"));
    }
    if *account != account_id {
        return Err(invalid("must be a role in the payer's own account"));
    }
    let Some(path_and_name) = resource.strip_prefix("role/") else {
        return Err(invalid("must name an IAM role (…:role/<name>)"));
    };
    let name = path_and_name.rsplit('/').next().unwrap_or_default();
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(c))
        && path_and_name.len() <= 512;
    if !name_ok {
        return Err(invalid("the role name must be 1–64 letters, digits or +=,.@-_"));
    }
    Ok(arn.to_owned())
}

fn checked_account_id(account_id: &str) -> AppResult<String> {
    let id = account_id.trim();
    if !is_account_id(id) {
        return Err(AppError::invalid("accountId", "must be exactly 12 digits (keep leading zeros)"));
    }
    Ok(id.to_owned())
}

const ALREADY_REGISTERED: &str = "this AWS account is already registered as a payer you can see";

fn conflict_on_duplicate(err: sea_orm::DbErr) -> AppError {
    // Only the per-tenant index can refuse: the caller administers that tenant.
    AppError::on_unique_violation(err, || AppError::Conflict(ALREADY_REGISTERED.into()))
}

pub struct NewPayer {
    pub tenant: TenantId,
    pub account_id: String,
    pub name: String,
    pub role_arn: String,
}

/// Registers a payer on a tenant the caller administers; the platform makes its ExternalId.
pub async fn register(scope: &Scope, input: NewPayer) -> AppResult<payers::Model> {
    let tenant = scope.tenant(input.tenant, Role::Admin).await?;
    crate::domain::contracts::require_active_for_payers(scope.db(), &tenant).await?;
    let account_id = checked_account_id(&input.account_id)?;
    let name = checked_name("name", &input.name, 200)?;
    let role_arn = check_role_arn(&input.role_arn, &account_id)?;
    // A registration is this partner's claim, proven only when the account's role accepts this
    // registration's own ExternalId. Registrations the caller cannot see are never consulted, so
    // the answer says nothing about other partners' payers (docs/aws-setup.md).
    let visible_duplicate = payers::Entity::find()
        .filter(scope.payers_filter(Role::Viewer))
        .filter(payers::Column::AccountId.eq(account_id.as_str()))
        .one(scope.db())
        .await?;
    if visible_duplicate.is_some() {
        return Err(AppError::Conflict(ALREADY_REGISTERED.into()));
    }
    let now = Utc::now();
    let payer = payers::ActiveModel {
        id: Set(PayerId::new().0),
        tenant_id: Set(tenant.id),
        account_id: Set(account_id),
        name: Set(name),
        role_arn: Set(role_arn),
        external_id: Set(random_secret("pb-")),
        status: Set(PayerStatus::Pending),
        status_reason: Set(None),
        last_checked_at: Set(None),
        cost_export_bucket: Set(None),
        cost_export_prefix: Set(None),
        billing_mode: Set(entity::payers::BillingMode::Native),
        upstream_billing_group_id: Set(None),
        dashboard_url: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(scope.db())
    .await
    .map_err(conflict_on_duplicate)?;
    // The role comes when someone deploys the stack: a job probes until it does.
    watch_connection(scope.db(), &payer).await?;
    Ok(payer)
}

pub async fn get(scope: &Scope, id: PayerId) -> AppResult<payers::Model> {
    Ok(scope.payer(id, Role::Viewer).await?.0)
}

/// Payers the caller can see, optionally only those of one tenant.
pub async fn list(scope: &Scope, tenant: Option<TenantId>, page: Page) -> AppResult<Vec<payers::Model>> {
    let mut query = payers::Entity::find().filter(scope.payers_filter(Role::Viewer));
    if let Some(tenant) = tenant {
        scope.tenant(tenant, Role::Viewer).await?;
        query = query.filter(payers::Column::TenantId.eq(tenant.0));
    }
    if let Some(after) = page.after_id()? {
        query = query.filter(payers::Column::Id.gt(after));
    }
    Ok(query.order_by_asc(payers::Column::Id).limit(page.fetch()).all(scope.db()).await?)
}

pub struct PayerChanges {
    pub name: Option<String>,
    pub role_arn: Option<String>,
    /// An https dashboard link; empty removes it.
    pub dashboard_url: Option<String>,
}

/// Renames a payer or points it at another role (which resets its connection state).
pub async fn update(scope: &Scope, aws: &AwsClients, id: PayerId, changes: PayerChanges) -> AppResult<payers::Model> {
    let (payer, _) = scope.payer(id, Role::Admin).await?;
    if changes.role_arn.is_some() {
        require_aws_access(&payer)?;
    }
    let name = changes.name.as_deref().map(|n| checked_name("name", n, 200)).transpose()?;
    let role_arn = changes.role_arn.as_deref().map(|a| check_role_arn(a, &payer.account_id)).transpose()?;
    let dashboard_url = changes.dashboard_url.as_deref().map(crate::domain::links::checked_dashboard_url).transpose()?;
    let role_changed = role_arn.as_ref().is_some_and(|a| *a != payer.role_arn);
    let mut row: payers::ActiveModel = payer.into();
    if let Some(name) = name {
        row.name = Set(name);
    }
    if let Some(arn) = role_arn {
        row.role_arn = Set(arn);
    }
    if let Some(url) = dashboard_url {
        row.dashboard_url = Set(url);
    }
    if role_changed {
        row.status = Set(PayerStatus::Pending);
        row.status_reason = Set(None);
        aws.broker.forget(id);
    }
    row.updated_at = Set(Utc::now());
    let payer = row.update(scope.db()).await?;
    if role_changed {
        watch_connection(scope.db(), &payer).await?;
    }
    Ok(payer)
}

/// Removes a payer (and the roles held on it). Returns it as it was.
pub async fn remove(scope: &Scope, aws: &AwsClients, id: PayerId) -> AppResult<payers::Model> {
    let (payer, _) = scope.payer(id, Role::Admin).await?;
    payers::Entity::delete_by_id(payer.id).exec(scope.db()).await?;
    aws.broker.forget(id);
    Ok(payer)
}

/// Moves a payer to another tenant; platform admins only.
pub async fn move_to(scope: &Scope, id: PayerId, tenant: TenantId) -> AppResult<payers::Model> {
    let (payer, _) = scope.payer(id, Role::Viewer).await?;
    let root = scope.tenant(ROOT_TENANT_ID, Role::Viewer).await.ok();
    let platform_admin = root.is_some_and(|r| scope.principal().role_on_tenant(&r.path) == Some(Role::Admin));
    if !platform_admin {
        return Err(AppError::forbidden("only platform admins move payers between tenants"));
    }
    let destination = scope.tenant(tenant, Role::Admin).await?;
    crate::domain::contracts::require_active_for_payers(scope.db(), &destination).await?;
    let mut row: payers::ActiveModel = payer.into();
    row.tenant_id = Set(destination.id);
    row.updated_at = Set(Utc::now());
    row.update(scope.db()).await.map_err(conflict_on_duplicate)
}

/// Probes a registration until its role exists (`domain::connection_watch` runs it).
pub const AWAIT_CONNECTION: &str = "payers.await_connection";

/// The watch job's arguments.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct WatchArgs {
    pub payer_id: uuid::Uuid,
    /// The role ARN watched: a later role change starts its own watch and ends this one.
    pub role_arn: String,
    pub since: chrono::DateTime<Utc>,
    #[serde(default)]
    pub probes: u32,
}

impl crate::jobs::JobArgs for WatchArgs {
    const KIND: &'static str = AWAIT_CONNECTION;
}

/// Starts watching a payer that is not connected yet (one watch per payer and role: a repeated
/// call is a no-op).
async fn watch_connection(db: &impl sea_orm::ConnectionTrait, payer: &payers::Model) -> AppResult<()> {
    let args = WatchArgs { payer_id: payer.id, role_arn: payer.role_arn.clone(), since: Utc::now(), probes: 0 };
    let mut job = crate::jobs::NewJob::of(&args)?;
    job.payer = Some(PayerId(payer.id));
    job.tenant = Some(TenantId(payer.tenant_id));
    job.max_attempts = 3;
    job.idempotency_key = Some(format!("await-connection:{}:{}", payer.id, payer.role_arn));
    crate::jobs::enqueue(db, job).await?;
    Ok(())
}

/// Checks that the platform can reach the payer: AssumeRole with the ExternalId, the role's
/// account is the payer's, and the payer is its organization's management account. The outcome
/// is stored on the payer (PayerStatus::Connected, or PayerStatus::Error with the reason in plain words).
pub async fn check_connection(scope: &Scope, aws: &AwsClients, id: PayerId) -> AppResult<payers::Model> {
    let (payer, _) = scope.payer(id, Role::Operator).await?;
    require_aws_access(&payer)?;
    let outcome = probe(aws, &payer, &session_name(&scope.principal().email)).await;
    if outcome.is_err() {
        aws.broker.forget(id);
    }
    let was_failing = payer.status == PayerStatus::Error;
    let txn = scope.db().begin_write().await?;
    let mut row: payers::ActiveModel = payer.into();
    let mut failed_now = None;
    match outcome {
        Ok(()) => {
            row.status = Set(PayerStatus::Connected);
            row.status_reason = Set(None);
        }
        Err(reason) => {
            tracing::info!(payer = %id, %reason, "payer connection check failed");
            row.status = Set(PayerStatus::Error);
            row.status_reason = Set(Some(reason.clone()));
            failed_now = Some(reason).filter(|_| !was_failing);
        }
    }
    row.last_checked_at = Set(Some(Utc::now()));
    row.updated_at = Set(Utc::now());
    let payer = row.update(&txn).await?;
    if let Some(reason) = failed_now {
        connection_failed(&txn, &payer, &reason).await?;
    }
    txn.commit().await?;
    Ok(payer)
}

/// Tells the payer's people that it became unreachable (once per failure, not on every check).
async fn connection_failed(db: &impl sea_orm::ConnectionTrait, payer: &payers::Model, reason: &str) -> AppResult<()> {
    use crate::notify::outbox;
    let data = serde_json::json!({ "payerId": payer.id, "accountId": payer.account_id, "reason": reason });
    outbox::record(db, outbox::Event { event_type: outbox::PAYER_CONNECTION_FAILED, payer, subject: Some(payer.account_id.clone()), data }).await?;
    Ok(())
}

pub(crate) async fn probe(aws: &AwsClients, payer: &payers::Model, session: &str) -> Result<(), String> {
    let role = PayerRole { payer: PayerId(payer.id), role_arn: payer.role_arn.clone(), external_id: payer.external_id.clone() };
    let credentials = aws.broker.credentials(&role, session).await.map_err(|e| match e.kind {
        AwsErrorKind::AccessDenied => format!(
            "cannot assume {}: the role is missing, its trust policy does not trust the platform's account, or the ExternalId does not match (AWS said: {})",
            payer.role_arn,
            e.message.as_deref().unwrap_or("AccessDenied")
        ),
        _ => e.to_string(),
    })?;
    let account = aws.sts.caller_account(&credentials).await.map_err(|e| e.to_string())?;
    if account != payer.account_id {
        return Err(format!("account mismatch: the role belongs to account {account}, not the payer's account {}", payer.account_id));
    }
    match aws.organizations.describe_organization(&credentials).await {
        Ok(Some(org)) if org.management_account_id == payer.account_id => Ok(()),
        Ok(Some(org)) => Err(format!(
            "not the management account: {} is a member of organization {} whose management account is {}",
            payer.account_id, org.id, org.management_account_id
        )),
        Ok(None) => Err(format!("not a management account: {} is not in an AWS Organization", payer.account_id)),
        Err(e) if e.kind == AwsErrorKind::AccessDenied => {
            Err("the role may not call organizations:DescribeOrganization; deploy the current payer role template".to_owned())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// The AWS console link that creates the payer's role from our template, parameters filled in.
pub fn quick_create_url(template_url: &str, platform_account: &str, region: &str, payer: &payers::Model) -> String {
    let role_name = payer.role_arn.rsplit('/').next().unwrap_or("PartnerBillingAccess");
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("templateURL", template_url)
        .append_pair("stackName", "PartnerBillingAccess")
        .append_pair("param_PlatformAccountId", platform_account)
        .append_pair("param_ExternalId", &payer.external_id)
        .append_pair("param_RoleName", role_name)
        .finish();
    format!("https://console.aws.amazon.com/cloudformation/home?region={region}#/stacks/quickcreate?{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_must_be_roles_in_the_payer_account() {
        assert!(check_role_arn("arn:aws:iam::012345678901:role/PartnerBillingAccess", "012345678901").is_ok());
        assert!(check_role_arn("arn:aws-cn:iam::012345678901:role/path/to/Role_1", "012345678901").is_ok());
        for bad in [
            "arn:aws:iam::999999999999:role/X",
            "arn:aws:iam::012345678901:user/X",
            "arn:aws:s3:::bucket",
            "arn:aws:iam:us-east-1:012345678901:role/X",
            "arn:aws:iam::012345678901:role/",
            "arn:aws:iam::012345678901:role/bad name",
            "not an arn",
        ] {
            let err = check_role_arn(bad, "012345678901").unwrap_err();
            assert!(matches!(err, AppError::Validation { ref field, .. } if field.as_deref() == Some("roleArn")), "{bad}");
        }
    }

    pub(super) fn payer() -> payers::Model {
        let now = Utc::now();
        payers::Model {
            id: uuid::Uuid::now_v7(),
            tenant_id: uuid::Uuid::now_v7(),
            account_id: "012345678901".into(),
            name: "p".into(),
            role_arn: "arn:aws:iam::012345678901:role/PBAccess".into(),
            external_id: "pb-abc_DEF-123".into(),
            status: PayerStatus::Pending,
            status_reason: None,
            last_checked_at: None,
            cost_export_bucket: None,
            cost_export_prefix: None,
            billing_mode: entity::payers::BillingMode::Native,
            upstream_billing_group_id: None,
            dashboard_url: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn quick_create_link_carries_the_parameters() {
        let url = quick_create_url("https://example.com/t.yaml", "111111111111", "us-east-1", &payer());
        assert!(url.starts_with("https://console.aws.amazon.com/cloudformation/home?region=us-east-1#/stacks/quickcreate?"));
        assert!(url.contains("templateURL=https%3A%2F%2Fexample.com%2Ft.yaml"));
        assert!(url.contains("param_ExternalId=pb-abc_DEF-123"));
        assert!(url.contains("param_RoleName=PBAccess"));
        assert!(url.contains("param_PlatformAccountId=111111111111"));
    }
}

/// The AWS adapters at the SDK level, with `aws-smithy-mocks` feeding documented responses:
/// the exact requests we send, and how AWS errors become reasons people can act on.
#[cfg(test)]
mod aws_mock_tests {
    use std::sync::Arc;

    use aws_sdk_organizations::operation::describe_organization::DescribeOrganizationOutput;
    use aws_sdk_organizations::types::Organization;
    use aws_sdk_sts::operation::assume_role::{AssumeRoleError, AssumeRoleOutput};
    use aws_sdk_sts::operation::get_caller_identity::{GetCallerIdentityError, GetCallerIdentityOutput};
    use aws_sdk_sts::types::Credentials as StsCredentials;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    use super::tests::payer;
    use super::*;
    use crate::aws::{SdkOrganizations, SdkSts};

    fn assumed() -> AssumeRoleOutput {
        let expiry = aws_smithy_types::DateTime::from_secs(Utc::now().timestamp() + 3600);
        AssumeRoleOutput::builder()
            .credentials(
                StsCredentials::builder()
                    .access_key_id("ASIAEXAMPLE")
                    .secret_access_key("secret")
                    .session_token("token")
                    .expiration(expiry)
                    .build()
                    .unwrap(),
            )
            .build()
    }

    fn organization(management: &str) -> DescribeOrganizationOutput {
        DescribeOrganizationOutput::builder()
            .organization(Organization::builder().id("o-exampleorgid").master_account_id(management).build())
            .build()
    }

    fn clients(sts: aws_sdk_sts::Client, orgs: aws_sdk_organizations::Client) -> AwsClients {
        AwsClients::new(
            Arc::new(SdkSts::from_conf(sts.config().clone())),
            Arc::new(SdkOrganizations::from_conf(orgs.config().clone())),
        )
    }

    #[tokio::test]
    async fn assume_role_sends_the_external_id_and_session_name() {
        let p = payer();
        let (arn, ext) = (p.role_arn.clone(), p.external_id.clone());
        let assume = mock!(aws_sdk_sts::Client::assume_role)
            .match_requests(move |r| {
                r.role_arn() == Some(arn.as_str())
                    && r.external_id() == Some(ext.as_str())
                    && r.role_session_name() == Some("pb-ops@partner.example")
                    && r.duration_seconds() == Some(3600)
            })
            .then_output(assumed);
        let who = mock!(aws_sdk_sts::Client::get_caller_identity)
            .then_output(|| GetCallerIdentityOutput::builder().account("012345678901").build());
        let describe = mock!(aws_sdk_organizations::Client::describe_organization).then_output(|| organization("012345678901"));
        let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&assume, &who]);
        let orgs = mock_client!(aws_sdk_organizations, [&describe]);
        let result = probe(&clients(sts, orgs), &p, "pb-ops@partner.example").await;
        assert_eq!(result, Ok(()));
        assert_eq!(assume.num_calls(), 1);
        assert_eq!(who.num_calls(), 1);
        assert_eq!(describe.num_calls(), 1);
    }

    #[tokio::test]
    async fn access_denied_names_role_trust_and_external_id() {
        let assume = mock!(aws_sdk_sts::Client::assume_role).then_error(|| {
            AssumeRoleError::generic(
                ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message("User: arn:aws:iam::111111111111:user/platform is not authorized to perform: sts:AssumeRole")
                    .build(),
            )
        });
        let sts = mock_client!(aws_sdk_sts, [&assume]);
        let orgs = mock_client!(aws_sdk_organizations, []);
        let reason = probe(&clients(sts, orgs), &payer(), "pb-x").await.unwrap_err();
        assert!(reason.contains("cannot assume arn:aws:iam::012345678901:role/PBAccess"), "{reason}");
        assert!(reason.contains("trust policy") && reason.contains("ExternalId does not match"), "{reason}");
        assert!(reason.contains("not authorized to perform: sts:AssumeRole"), "AWS's own words are kept: {reason}");
    }

    #[tokio::test]
    async fn throttling_reads_as_try_again_later() {
        let assume = mock!(aws_sdk_sts::Client::assume_role).then_output(assumed);
        let who = mock!(aws_sdk_sts::Client::get_caller_identity).then_error(|| {
            GetCallerIdentityError::generic(ErrorMetadata::builder().code("Throttling").message("Rate exceeded").build())
        });
        let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&assume, &who]);
        let orgs = mock_client!(aws_sdk_organizations, []);
        let reason = probe(&clients(sts, orgs), &payer(), "pb-x").await.unwrap_err();
        assert!(reason.contains("AWS throttled sts GetCallerIdentity; try again later"), "{reason}");
    }
}

/// Credentials to act in a payer's organization. If the role cannot be assumed the payer is
/// marked PayerStatus::Error with the reason, so the connection status tells people what broke.
pub async fn credentials(
    db: &(impl sea_orm::ConnectionTrait + TransactionTrait),
    aws: &AwsClients,
    payer: &payers::Model,
    session: &str,
) -> AppResult<aws_credential_types::Credentials> {
    require_aws_access(payer)?;
    let role = PayerRole { payer: PayerId(payer.id), role_arn: payer.role_arn.clone(), external_id: payer.external_id.clone() };
    match aws.broker.credentials(&role, session).await {
        Ok(c) => Ok(c),
        Err(e) => {
            if e.kind == AwsErrorKind::AccessDenied {
                let reason = format!("cannot assume {}: {e}", payer.role_arn);
                let txn = db.begin_write().await?;
                let changed = payers::Entity::update_many()
                    .col_expr(payers::Column::Status, sea_orm::sea_query::Expr::value(PayerStatus::Error))
                    .col_expr(payers::Column::StatusReason, sea_orm::sea_query::Expr::value(Some(reason.clone())))
                    .filter(payers::Column::Id.eq(payer.id))
                    .filter(payers::Column::Status.ne(PayerStatus::Error))
                    .exec(&txn)
                    .await?;
                if changed.rows_affected == 1 {
                    connection_failed(&txn, payer, &reason).await?;
                } else {
                    payers::Entity::update_many()
                        .col_expr(payers::Column::StatusReason, sea_orm::sea_query::Expr::value(Some(reason)))
                        .filter(payers::Column::Id.eq(payer.id))
                        .exec(&txn)
                        .await?;
                }
                txn.commit().await?;
            }
            Err(e.into())
        }
    }
}

#[cfg(test)]
mod registration_migration_tests {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, Statement};

    async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_owned())).await.unwrap().unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }

    /// An existing SQLite database keeps its payers and everything that references them when the
    /// account id stops being unique (the table is rebuilt with foreign keys off).
    #[tokio::test]
    async fn upgrading_keeps_payers_and_their_children_and_allows_a_second_registration() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/pb.db?mode=rwc", dir.path().display());
        let db = crate::startup::connect_database(&url).await.unwrap();
        let before = Migrator::migrations().iter().position(|m| m.name() == "m20261205_000101_payer_registrations").unwrap();
        Migrator::up(db.pool(), Some(u32::try_from(before).unwrap())).await.unwrap();
        for sql in [
            "INSERT INTO tenants (id, parent_id, kind, name, path, created_at, updated_at) VALUES ('t1', NULL, 'distributor', 'A', '/t1/', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            "INSERT INTO tenants (id, parent_id, kind, name, path, created_at, updated_at) VALUES ('t2', NULL, 'distributor', 'B', '/t2/', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            "INSERT INTO payers (id, tenant_id, account_id, name, role_arn, external_id, status, billing_mode, created_at, updated_at) VALUES ('p1', 't1', '111111111111', 'x', 'arn', 'e1', 'PayerStatus::Pending', 'NATIVE', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            "INSERT INTO export_validations (payer_id, checked_at, exports) VALUES ('p1', '2026-01-01T00:00:00Z', '[]')",
        ] {
            db.pool().execute_unprepared(sql).await.unwrap();
        }
        // Before: the same account under another tenant is refused by the global index.
        let second = "INSERT INTO payers (id, tenant_id, account_id, name, role_arn, external_id, status, billing_mode, created_at, updated_at) VALUES ('p2', 't2', '111111111111', 'y', 'arn', 'e2', 'PayerStatus::Pending', 'NATIVE', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')";
        assert!(db.pool().execute_unprepared(second).await.is_err());
        Migrator::up(db.pool(), None).await.unwrap();
        assert_eq!(count(db.pool(), "SELECT COUNT(*) FROM payers").await, 1);
        assert_eq!(count(db.pool(), "SELECT COUNT(*) FROM export_validations").await, 1);
        db.pool().execute_unprepared(second).await.unwrap();
        // Still unique per tenant.
        let same_tenant = "INSERT INTO payers (id, tenant_id, account_id, name, role_arn, external_id, status, billing_mode, created_at, updated_at) VALUES ('p3', 't2', '111111111111', 'z', 'arn', 'e3', 'PayerStatus::Pending', 'NATIVE', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')";
        assert!(db.pool().execute_unprepared(same_tenant).await.is_err());
        // Foreign keys still point at the rebuilt table and still cascade.
        assert_eq!(count(db.pool(), "SELECT COUNT(*) FROM pragma_foreign_key_check").await, 0);
        db.pool().execute_unprepared("DELETE FROM payers WHERE id = 'p1'").await.unwrap();
        assert_eq!(count(db.pool(), "SELECT COUNT(*) FROM export_validations").await, 0);
    }
}
