//! Service control policies of a payer's organization: the library, create/update/delete,
//! attach and detach (never the last one on a target: AWS requires one).

use std::collections::HashMap;

use chrono::Utc;
use entity::{payers, policies, policy_attachments};
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::aws::credentials::session_name;
use crate::aws::{AwsClients, OrgPolicy};
use crate::domain::payers as payer_domain;
use crate::domain::policy_templates;
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::notify::outbox::{self, Event};
use crate::tenancy::{PayerAccess, PayerTransactions, PayerRead, PayerTxn, Role, Scope, ScopedPayer};

/// A service control policy of a payer's organization, with the roots, OUs and accounts it is
/// attached to (as last synced or changed here).
pub struct Policy {
    pub payer_id: PayerId,
    pub id: String,
    pub name: String,
    pub description: String,
    pub aws_managed: bool,
    /// The library template it was made from.
    pub template_id: Option<String>,
    pub target_ids: Vec<String>,
}

/// The policies with their attachments, read in one query for all of them.
async fn with_targets(payer: &ScopedPayer, rows: Vec<policies::Model>) -> AppResult<Vec<Policy>> {
    let ids: Vec<String> = rows.iter().map(|p| p.policy_id.clone()).collect();
    let mut targets: HashMap<String, Vec<String>> = HashMap::new();
    if !ids.is_empty() {
        let attachments = payer
            .rows::<policy_attachments::Entity>()
            .filter(policy_attachments::Column::PolicyId.is_in(ids))
            .order_by_asc(policy_attachments::Column::TargetId)
            .all()
            .await?;
        for a in attachments {
            targets.entry(a.policy_id).or_default().push(a.target_id);
        }
    }
    Ok(rows
        .into_iter()
        .map(|m| {
            let target_ids = targets.remove(&m.policy_id).unwrap_or_default();
            policy(m, target_ids)
        })
        .collect())
}

fn policy(m: policies::Model, target_ids: Vec<String>) -> Policy {
    Policy {
        payer_id: PayerId(m.payer_id),
        id: m.policy_id,
        name: m.name,
        description: m.description,
        aws_managed: m.aws_managed,
        template_id: m.template_id,
        target_ids,
    }
}

async fn with_targets_one(payer: &ScopedPayer, row: policies::Model) -> AppResult<Policy> {
    with_targets(payer, vec![row]).await?.pop().ok_or_else(|| AppError::internal(anyhow::anyhow!("placing a policy returned nothing")))
}

/// AWS's limit on an SCP document.
pub const MAX_DOCUMENT_CHARS: usize = 5120;

/// Parses, checks and minifies a policy document.
pub fn checked_document(document: &str) -> AppResult<String> {
    let value: Value = serde_json::from_str(document).map_err(|e| AppError::invalid("document", format!("is not valid JSON: {e}")))?;
    let statements = value.get("Statement");
    let ok = value.get("Version").and_then(Value::as_str) == Some("2012-10-17")
        && statements.is_some_and(|s| s.is_object() || s.as_array().is_some_and(|a| !a.is_empty()));
    if !ok {
        return Err(AppError::invalid("document", "must be a policy with \"Version\": \"2012-10-17\" and at least one Statement"));
    }
    let minified = value.to_string();
    let chars = minified.chars().count();
    if chars > MAX_DOCUMENT_CHARS {
        return Err(AppError::invalid("document", format!("is {chars} characters without spaces; AWS allows {MAX_DOCUMENT_CHARS}")));
    }
    Ok(minified)
}

fn checked_policy_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    let ok = !name.is_empty() && name.len() <= 128 && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@-_ ".contains(c));
    if !ok {
        return Err(AppError::invalid("name", "must be 1–128 letters, digits, spaces or +=,.@-_"));
    }
    Ok(name.to_owned())
}

fn checked_description(description: &str) -> AppResult<String> {
    let d = description.trim();
    if d.chars().count() > 512 {
        return Err(AppError::invalid("description", "must be at most 512 characters"));
    }
    Ok(d.to_owned())
}

/// A root, OU or account id.
fn checked_target(target: &str) -> AppResult<&str> {
    let ok = crate::aws::is_account_id(target)
        || (target.starts_with("r-") && target.len() <= 34)
        || (target.starts_with("ou-") && target.len() <= 68);
    let clean = target.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !ok || !clean {
        return Err(AppError::invalid("targetId", "must be a root (r-…), OU (ou-…) or 12-digit account id"));
    }
    Ok(target)
}

async fn session_creds(scope: &Scope, aws: &AwsClients, payer: &ScopedPayer) -> AppResult<aws_credential_types::Credentials> {
    payer_domain::credentials(payer, aws, &session_name(&scope.principal().email)).await
}

/// A new policy row (the handle that stores it sets its payer).
fn row(p: &OrgPolicy, template: Option<&str>) -> policies::ActiveModel {
    policies::ActiveModel {
        payer_id: sea_orm::ActiveValue::NotSet,
        policy_id: Set(p.id.clone()),
        name: Set(p.name.clone()),
        description: Set(p.description.clone()),
        aws_managed: Set(p.aws_managed),
        template_id: Set(template.map(str::to_owned)),
        synced_at: Set(Utc::now()),
    }
}

/// The payer's SCPs as last synced or changed here.
pub async fn list(scope: &Scope, payer: PayerId) -> AppResult<Vec<Policy>> {
    let payer = scope.payer(payer, Role::Viewer).await?;
    let rows = payer.rows::<policies::Entity>().order_by_asc(policies::Column::Name).all().await?;
    with_targets(&payer, rows).await
}

/// A policy's document, read from AWS.
pub async fn document(scope: &Scope, aws: &AwsClients, payer: PayerId, policy_id: &str) -> AppResult<String> {
    let payer = scope.payer(payer, Role::Viewer).await?;
    find(&payer, policy_id).await?;
    let creds = session_creds(scope, aws, &payer).await?;
    Ok(aws.organizations.describe_policy(&creds, policy_id).await?.1)
}

async fn find(payer: &ScopedPayer, policy_id: &str) -> AppResult<policies::Model> {
    payer.rows::<policies::Entity>().filter(policies::Column::PolicyId.eq(policy_id)).one().await?.ok_or(AppError::NotFound("policy"))
}

pub async fn create(scope: &Scope, aws: &AwsClients, payer: PayerId, name: &str, description: &str, document: &str) -> AppResult<Policy> {
    create_inner(scope, aws, payer, name, description, document, None).await
}

pub async fn create_from_template(
    scope: &Scope,
    aws: &AwsClients,
    payer: PayerId,
    template_id: &str,
    name: Option<&str>,
    params: &Value,
) -> AppResult<Policy> {
    let template = policy_templates::find(template_id)?;
    let document = template.render(params)?;
    let name = name.unwrap_or(template.name_en);
    create_inner(scope, aws, payer, name, template.description_en, &document.to_string(), Some(template.id)).await
}

async fn create_inner(
    scope: &Scope,
    aws: &AwsClients,
    payer: PayerId,
    name: &str,
    description: &str,
    document: &str,
    template: Option<&str>,
) -> AppResult<Policy> {
    let payer = scope.payer(payer, Role::Admin).await?;
    let (name, description, document) = (checked_policy_name(name)?, checked_description(description)?, checked_document(document)?);
    let creds = session_creds(scope, aws, &payer).await?;
    let created = aws.organizations.create_policy(&creds, &name, &description, &document).await?;
    let stored = payer.insert(row(&created, template)).await?;
    with_targets_one(&payer, stored).await
}

pub struct PolicyChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub document: Option<String>,
}

pub async fn update(scope: &Scope, aws: &AwsClients, payer: PayerId, policy_id: &str, changes: PolicyChanges) -> AppResult<Policy> {
    let payer = scope.payer(payer, Role::Admin).await?;
    let existing = find(&payer, policy_id).await?;
    if existing.aws_managed {
        return Err(AppError::invalid("policyId", "AWS-managed policies cannot be changed"));
    }
    let name = changes.name.as_deref().map(checked_policy_name).transpose()?;
    let description = changes.description.as_deref().map(checked_description).transpose()?;
    let document = changes.document.as_deref().map(checked_document).transpose()?;
    let creds = session_creds(scope, aws, &payer).await?;
    let updated = aws.organizations.update_policy(&creds, policy_id, name.as_deref(), description.as_deref(), document.as_deref()).await?;
    let mut r: policies::ActiveModel = existing.into();
    r.name = Set(updated.name);
    r.description = Set(updated.description);
    r.synced_at = Set(Utc::now());
    let stored = payer.update(r).await?;
    with_targets_one(&payer, stored).await
}

pub async fn delete(scope: &Scope, aws: &AwsClients, payer: PayerId, policy_id: &str) -> AppResult<Policy> {
    let payer = scope.payer(payer, Role::Admin).await?;
    let existing = find(&payer, policy_id).await?;
    if existing.aws_managed {
        return Err(AppError::invalid("policyId", "AWS-managed policies cannot be deleted"));
    }
    let creds = session_creds(scope, aws, &payer).await?;
    aws.organizations.delete_policy(&creds, policy_id).await?;
    let txn = payer.begin_write().await?;
    txn.delete::<policy_attachments::Entity>().filter(policy_attachments::Column::PolicyId.eq(policy_id)).exec().await?;
    txn.delete::<policies::Entity>().filter(policies::Column::PolicyId.eq(policy_id)).exec().await?;
    txn.commit().await?;
    // Gone, so attached nowhere.
    Ok(policy(existing, Vec::new()))
}

/// The SCPs attached directly to a target, read from AWS.
pub async fn for_target(scope: &Scope, aws: &AwsClients, payer: PayerId, target: &str) -> AppResult<Vec<OrgPolicy>> {
    let payer = scope.payer(payer, Role::Viewer).await?;
    let target = checked_target(target)?;
    let creds = session_creds(scope, aws, &payer).await?;
    Ok(aws.organizations.policies_for_target(&creds, target).await?)
}

/// Records `policy.attached` / `policy.detached` in the change's transaction.
async fn attachment_event(
    txn: &PayerTxn,
    scope: &Scope,
    payer: &payers::Model,
    policy: &policies::Model,
    target: &str,
    event_type: &'static str,
) -> AppResult<()> {
    let data = json!({ "policyId": policy.policy_id, "policyName": policy.name, "targetId": target, "by": scope.principal().email });
    outbox::record_in(txn, Event { event_type, payer, subject: Some(target.to_owned()), data }).await?;
    Ok(())
}

pub async fn attach(scope: &Scope, aws: &AwsClients, payer: PayerId, policy_id: &str, target: &str) -> AppResult<Policy> {
    let payer = scope.payer(payer, Role::Operator).await?;
    let policy = find(&payer, policy_id).await?;
    let target = checked_target(target)?;
    let creds = session_creds(scope, aws, &payer).await?;
    aws.organizations.attach_policy(&creds, policy_id, target).await?;
    let txn = payer.begin_write().await?;
    txn.insert_unless_present(policy_attachments::ActiveModel {
        payer_id: Set(payer.id),
        policy_id: Set(policy_id.to_owned()),
        target_id: Set(target.to_owned()),
    })
    .await?;
    attachment_event(&txn, scope, &payer, &policy, target, outbox::POLICY_ATTACHED).await?;
    txn.commit().await?;
    with_targets_one(&payer, policy).await
}

pub async fn detach(scope: &Scope, aws: &AwsClients, payer: PayerId, policy_id: &str, target: &str) -> AppResult<Policy> {
    let payer = scope.payer(payer, Role::Operator).await?;
    let policy = find(&payer, policy_id).await?;
    let target = checked_target(target)?;
    let creds = session_creds(scope, aws, &payer).await?;
    let attached = aws.organizations.policies_for_target(&creds, target).await?;
    if !attached.iter().any(|p| p.id == policy_id) {
        return Err(AppError::invalid("policyId", "is not attached to that target"));
    }
    if attached.len() <= 1 {
        return Err(AppError::invalid(
            "policyId",
            "is the last SCP on that target; AWS requires at least one, so attach another (e.g. FullAWSAccess) first",
        ));
    }
    aws.organizations.detach_policy(&creds, policy_id, target).await?;
    let txn = payer.begin_write().await?;
    txn.delete::<policy_attachments::Entity>()
        .filter(policy_attachments::Column::PolicyId.eq(policy_id))
        .filter(policy_attachments::Column::TargetId.eq(target))
        .exec()
        .await?;
    attachment_event(&txn, scope, &payer, &policy, target, outbox::POLICY_DETACHED).await?;
    txn.commit().await?;
    with_targets_one(&payer, policy).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_validated_and_minified() {
        let doc = "{ \"Version\": \"2012-10-17\",\n  \"Statement\": [ { \"Effect\": \"Deny\", \"Action\": \"s3:*\", \"Resource\": \"*\" } ] }";
        // Key order depends on serde_json's features in the build; compare content, not order.
        let minified = checked_document(doc).unwrap();
        assert!(!minified.contains(' ') && !minified.contains('\n'), "{minified}");
        let expected: Value = serde_json::from_str(r#"{"Statement":[{"Action":"s3:*","Effect":"Deny","Resource":"*"}],"Version":"2012-10-17"}"#).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&minified).unwrap(), expected);
        assert!(checked_document("{not json").is_err());
        assert!(checked_document(r#"{"Statement": []}"#).is_err());
        let big = format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"{}","Resource":"*"}}]}}"#, "a".repeat(5200));
        let err = checked_document(&big).unwrap_err();
        assert!(matches!(err, AppError::Validation { ref field, .. } if field.as_deref() == Some("document")));
    }

    #[test]
    fn targets_are_roots_ous_or_accounts() {
        assert!(checked_target("r-ab12").is_ok());
        assert!(checked_target("ou-ab12-cd34ef56").is_ok());
        assert!(checked_target("012345678901").is_ok());
        assert!(checked_target("p-123").is_err());
        assert!(checked_target("ou-x'; drop").is_err());
    }
}
