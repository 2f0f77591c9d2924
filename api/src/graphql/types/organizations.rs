use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::aws::OrgPolicy;
use crate::domain::{self, policy_templates::PolicyTemplate as Template};
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;

/// A member account of a payer's organization (as last synced).
pub struct LinkedAccount(pub domain::accounts::PlacedAccount);

#[Object]
impl LinkedAccount {
    /// 12-digit AWS account id.
    async fn account_id(&self) -> &str {
        &self.0.account.account_id
    }
    async fn payer_id(&self) -> ID {
        ID(self.0.account.payer_id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.account.name
    }
    async fn email(&self) -> &str {
        &self.0.account.email
    }
    /// ACTIVE, SUSPENDED or PENDING_CLOSURE.
    async fn status(&self) -> &str {
        &self.0.account.status
    }
    /// CREATED or INVITED.
    async fn joined_method(&self) -> Option<&str> {
        self.0.account.joined_method.as_deref()
    }
    async fn joined_at(&self) -> Option<DateTime<Utc>> {
        self.0.account.joined_at
    }
    /// The root (r-…) or OU (ou-…) the account sits in.
    async fn parent_id(&self) -> Option<&str> {
        self.0.account.parent_id.as_deref()
    }
    /// The OU the account sits in, when it is in one.
    async fn organizational_unit(&self) -> Option<OrganizationalUnit> {
        self.0.organizational_unit.clone().map(OrganizationalUnit)
    }
    /// SCP ids attached directly to the account.
    async fn attached_policy_ids(&self) -> &[String] {
        &self.0.attached_policy_ids
    }
    async fn synced_at(&self) -> DateTime<Utc> {
        self.0.account.synced_at
    }
}

pub struct OrganizationalUnit(pub domain::accounts::OrganizationalUnit);

#[Object]
impl OrganizationalUnit {
    async fn id(&self) -> &str {
        &self.0.id
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn parent_id(&self) -> &str {
        &self.0.parent_id
    }
}

#[derive(InputObject, Default)]
pub struct LinkedAccountFilter {
    /// Part of the account id, name or email.
    pub search: Option<String>,
    pub status: Option<String>,
    /// Only accounts directly in this root or OU.
    pub parent_id: Option<String>,
}

#[derive(InputObject)]
pub struct TagInput {
    pub key: String,
    pub value: String,
}

#[derive(InputObject)]
pub struct CreateLinkedAccountInput {
    pub payer_id: ID,
    pub email: String,
    pub name: String,
    pub ou_id: Option<String>,
    #[graphql(default)]
    pub tags: Vec<TagInput>,
}

#[derive(InputObject)]
pub struct InviteAccountInput {
    pub payer_id: ID,
    pub account_id: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
}

/// An invitation to join a payer's organization (an Organizations handshake).
pub struct Invitation(pub domain::invitations::Invitation);

#[Object]
impl Invitation {
    async fn handshake_id(&self) -> &str {
        &self.0.handshake_id
    }
    /// The invited account id or email.
    async fn target(&self) -> &str {
        &self.0.target
    }
    /// REQUESTED, OPEN, CANCELED, ACCEPTED, DECLINED or EXPIRED.
    async fn state(&self) -> &str {
        &self.0.state
    }
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    async fn requested_at(&self) -> Option<DateTime<Utc>> {
        self.0.requested_at
    }
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
}

/// A service control policy of a payer's organization.
pub struct Policy(pub domain::policies::Policy);

#[Object]
impl Policy {
    async fn id(&self) -> &str {
        &self.0.id
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn aws_managed(&self) -> bool {
        self.0.aws_managed
    }
    /// The library template it was made from.
    async fn template_id(&self) -> Option<&str> {
        self.0.template_id.as_deref()
    }
    /// Roots, OUs and accounts it is attached to (as last synced or changed here).
    async fn target_ids(&self) -> &[String] {
        &self.0.target_ids
    }
    /// The JSON document, read from AWS.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn document(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(domain::policies::document(&ctx.scope()?, &ctx.app()?.aws, self.0.payer_id, &self.0.id).await?)
    }
}

/// A policy attached to a target, as AWS reports it.
#[derive(SimpleObject)]
pub struct AttachedPolicy {
    pub id: String,
    pub name: String,
    pub description: String,
    pub aws_managed: bool,
}

impl From<OrgPolicy> for AttachedPolicy {
    fn from(p: OrgPolicy) -> Self {
        Self { id: p.id, name: p.name, description: p.description, aws_managed: p.aws_managed }
    }
}

#[derive(InputObject)]
pub struct UpdatePolicyInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub document: Option<String>,
}

/// A ready-made SCP from the library.
pub struct PolicyTemplate(pub &'static Template);

#[derive(SimpleObject)]
pub struct PolicyTemplateParameter {
    pub name: &'static str,
    pub description_en: &'static str,
    pub description_zh: &'static str,
    pub example: &'static str,
}

#[Object]
impl PolicyTemplate {
    async fn id(&self) -> &str {
        self.0.id
    }
    async fn name_en(&self) -> &str {
        self.0.name_en
    }
    async fn name_zh(&self) -> &str {
        self.0.name_zh
    }
    async fn description_en(&self) -> &str {
        self.0.description_en
    }
    async fn description_zh(&self) -> &str {
        self.0.description_zh
    }
    /// Each parameter takes a list of strings.
    async fn parameters(&self) -> Vec<PolicyTemplateParameter> {
        self.0
            .parameters
            .iter()
            .map(|p| PolicyTemplateParameter { name: p.name, description_en: p.description_en, description_zh: p.description_zh, example: p.example })
            .collect()
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::jobs::JobState")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// A background job (account creation, sync…) and how far it got.
pub struct Job(pub domain::jobs::JobView);

#[Object]
impl Job {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn state(&self) -> JobState {
        self.0.state.into()
    }
    async fn payer_id(&self) -> Option<ID> {
        self.0.payer.map(|p| ID(p.0.to_string()))
    }
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    async fn max_attempts(&self) -> i32 {
        self.0.max_attempts
    }
    /// What the job is doing now.
    async fn progress(&self) -> Option<&str> {
        self.0.progress.as_deref()
    }
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// The outcome once it succeeded (e.g. the new account id).
    async fn result(&self) -> Option<Json<serde_json::Value>> {
        self.0.result.as_deref().and_then(|r| serde_json::from_str(r).ok()).map(Json)
    }
    async fn run_at(&self) -> DateTime<Utc> {
        self.0.run_at
    }
    /// The worker running the job, or that ran its last step (`host:pid:suffix`; the pod's name
    /// on Kubernetes). Shown to platform staff only; null for everyone else.
    async fn worker(&self) -> Option<&str> {
        self.0.worker.as_deref()
    }
    /// When a worker last took the job.
    async fn claimed_at(&self) -> Option<DateTime<Utc>> {
        self.0.claimed_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
}

#[derive(InputObject, Default)]
pub struct JobFilter {
    pub payer_id: Option<ID>,
    pub kind: Option<String>,
    pub state: Option<JobState>,
}
