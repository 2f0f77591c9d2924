//! The audit trail: every GraphQL mutation, every sensitive read and every outbound AWS call as
//! one CloudTrail-shaped event, appended to a SHA-256 hash chain (one chain per database).
//!
//! How events arrive:
//! - GraphQL: `graphql::audit_extension::AuditExtension` wraps each top-level `Mutation` field (and the
//!   sensitive reads in `SENSITIVE_READS` there) and appends exactly one `ApiCall` event
//!   after it resolved, succeeded or failed. `requestParameters` are the field's arguments with
//!   variables substituted, redacted ([`redact`]); `responseElements` keep only ids and states.
//! - AWS: [`aws::AuditInterceptor`] sits on every SDK client. Its hooks are synchronous, so it
//!   pushes each finished call into the buffer of the current [`CallScope`] (a task-local set
//!   around GraphQL execution and around each job step). The buffer is appended before the
//!   mutation's own event, and again when the request or job step ends, so once a response has
//!   been sent its AWS calls are in the trail (tests rely on this, no polling).
//!
//! Failure mode, and its limit: when appending the mutation's event fails, the mutation answers
//! `INTERNAL` ("the change could not be audited"), but the resolver's own writes are already
//! committed: resolvers use their own connections, not a transaction shared with the audit
//! write. So a change without its audit record is possible when the audit write fails after a
//! successful change; it is never silent (the caller gets an error and the server logs it). Making
//! it atomic needs the scoped data handle to run inside a per-field transaction, which is
//! follow-up work.
//!
//! Chain: each row stores the previous row's hash and its own, SHA-256 over a canonical JSON
//! array of every column (see [`chain`]). Appends are serialised by a process-wide async mutex
//! and, on PostgreSQL, by a row lock on the chain-head row in `settings`, so replicas cannot fork
//! the chain. Retention prunes whole UTC days and leaves an HMAC-signed checkpoint (key
//! generated once into `settings`), so `partner-billing audit verify` still passes.
//!
//! Reading: only admins read the trail (`auditEvents`, `exportAuditEvents`), scoped like every
//! other read: platform admins see everything, tenant admins the events of their subtree, payer
//! admins their payer's. An event belongs to the tenant/payer the call acted on when it
//! succeeded, and to the caller's own home tenant (or payer) when it failed — so a failed
//! attempt on another partner's id is visible to the caller's admins, not to the other partner.

pub mod aws;
pub mod chain;
pub mod digest;
pub mod jobs;
pub mod read;
pub mod redact;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::tenancy::principal::{Credential, GrantTarget, Principal};

pub use chain::{Auditor, ChainBreak, VerifyReport, append_in};

/// `eventSource` of our own API.
pub const API_SOURCE: &str = "partnerbilling.api";
pub const EVENT_VERSION: &str = "1.08";

/// Who caused an event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Actor {
    /// `User` | `ApiToken` | `System` | `Unknown` (not signed in: sign-in, refresh, bootstrap).
    pub kind: &'static str,
    pub user_id: Option<Uuid>,
    pub user_name: Option<String>,
    pub token_id: Option<Uuid>,
    /// The caller's home: the highest tenant they hold a grant on, else their payer.
    pub tenant_id: Option<Uuid>,
    pub payer_id: Option<Uuid>,
}

impl Actor {
    pub fn system() -> Self {
        Self { kind: "System", ..Self::default() }
    }

    pub fn unknown(user_name: Option<String>) -> Self {
        Self { kind: "Unknown", user_name, ..Self::default() }
    }

    pub fn from_principal(p: &Principal) -> Self {
        let home_tenant = p
            .grants
            .iter()
            .filter_map(|g| match &g.target {
                GrantTarget::Tenant { id, path } => Some((path.len(), id.0)),
                GrantTarget::Payer { .. } => None,
            })
            .min()
            .map(|(_, id)| id);
        let home_payer = p.grants.iter().find_map(|g| match g.target {
            GrantTarget::Payer { id } => Some(id.0),
            GrantTarget::Tenant { .. } => None,
        });
        let (kind, token_id) = match p.credential {
            Credential::Session(_) => ("User", None),
            Credential::ApiToken(id) => ("ApiToken", Some(id.0)),
        };
        Self {
            kind,
            user_id: Some(p.user_id.0),
            user_name: Some(p.email.clone()),
            token_id,
            tenant_id: home_tenant,
            payer_id: if home_tenant.is_some() { None } else { home_payer },
        }
    }

    fn identity(&self) -> Value {
        json!({
            "type": self.kind,
            "principalId": self.user_id.map(|u| u.to_string()),
            "userName": self.user_name,
            "tenantId": self.tenant_id.map(|u| u.to_string()),
            "tokenId": self.token_id.map(|u| u.to_string()),
        })
    }
}

/// What an event acted on: decides who may read it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    pub tenant_id: Option<Uuid>,
    pub payer_id: Option<Uuid>,
    /// The payer's AWS account (recipientAccountId of its AWS calls).
    pub account_id: Option<String>,
}

/// One event before it is chained.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub event_id: Uuid,
    pub event_time: DateTime<Utc>,
    pub event_source: String,
    pub event_name: String,
    /// `ApiCall` | `AwsApiCall`
    pub event_type: &'static str,
    pub read_only: bool,
    pub actor: Actor,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_parameters: Value,
    pub response_elements: Value,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub request_id: Option<String>,
    pub recipient_account_id: Option<String>,
    pub aws_region: Option<String>,
    /// CloudTrail's `tlsDetails`; absent when the call did not use TLS.
    pub tls_details: Option<Value>,
    pub target: Target,
}

impl NewEvent {
    /// A bare event of our API, now.
    pub fn api(name: &str, actor: Actor) -> Self {
        Self {
            event_id: Uuid::now_v7(),
            // Milliseconds, so the stored text and the indexed column agree exactly.
            event_time: DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap_or_else(Utc::now),
            event_source: API_SOURCE.to_owned(),
            event_name: name.to_owned(),
            event_type: "ApiCall",
            read_only: false,
            actor,
            source_ip: None,
            user_agent: None,
            request_parameters: Value::Null,
            response_elements: Value::Null,
            error_code: None,
            error_message: None,
            request_id: None,
            recipient_account_id: None,
            aws_region: None,
            tls_details: None,
            target: Target::default(),
        }
    }

    /// The tenant and payer the event is filed under (see the module doc).
    pub fn owner(&self) -> (Option<Uuid>, Option<Uuid>) {
        let t = &self.target;
        if self.error_code.is_none() && (t.tenant_id.is_some() || t.payer_id.is_some()) {
            (t.tenant_id, t.payer_id)
        } else {
            (self.actor.tenant_id, self.actor.payer_id)
        }
    }

    /// The CloudTrail record, redacted.
    pub fn body(&self) -> Value {
        let (tenant, payer) = self.owner();
        let mut body = json!({
            "eventVersion": EVENT_VERSION,
            "eventID": self.event_id.to_string(),
            "eventTime": self.event_time.to_rfc3339_opts(SecondsFormat::Millis, true),
            "eventSource": self.event_source,
            "eventName": self.event_name,
            "eventType": self.event_type,
            "readOnly": self.read_only,
            "userIdentity": redact::redact(self.actor.identity()),
            "recipientAccountId": self.recipient_account_id,
            "awsRegion": self.aws_region,
            "sourceIPAddress": self.source_ip,
            "userAgent": self.user_agent.as_deref().map(redact::redact_text),
            "requestParameters": redact::redact(self.request_parameters.clone()),
            "responseElements": redact::redact(self.response_elements.clone()),
            "errorCode": self.error_code,
            "errorMessage": self.error_message.as_deref().map(redact::redact_text),
            "requestID": self.request_id,
            // Every event we record is a management event in CloudTrail's terms (no data events).
            "managementEvent": true,
            "eventCategory": "Management",
            "tenantId": tenant.map(|u| u.to_string()),
            "payerId": payer.map(|u| u.to_string()),
        });
        if let (Some(tls), Some(map)) = (&self.tls_details, body.as_object_mut()) {
            map.insert("tlsDetails".to_owned(), tls.clone());
        }
        body
    }
}

/// Who is acting in the current task, and the AWS calls they made that are not yet written.
#[derive(Debug, Default)]
pub struct CallScope {
    pub actor: Actor,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    target: Mutex<Target>,
    /// Who a sign-in or refresh turned out to be (the request itself carried no credential).
    signed_in: Mutex<Option<(Uuid, String)>>,
    pending: Mutex<Vec<NewEvent>>,
    /// AWS calls made in this scope so far (see `graphql::limits`).
    aws_calls: std::sync::atomic::AtomicUsize,
}

tokio::task_local! {
    static SCOPE: Arc<CallScope>;
}

impl CallScope {
    pub fn new(actor: Actor) -> Self {
        Self { actor, ..Self::default() }
    }

    /// The scope of one HTTP request.
    pub fn for_request(actor: Actor, client: &crate::auth::sessions::ClientInfo, request_id: &str) -> Self {
        Self {
            actor,
            source_ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
            request_id: Some(request_id.to_owned()),
            ..Self::default()
        }
    }

    /// The scope of a job step, acting on the job's payer or tenant.
    pub fn for_job(target: Target) -> Self {
        let scope = Self::new(Actor::system());
        scope.set_target(target);
        scope
    }

    /// Runs `f` with this scope current: AWS calls made inside are attributed to it.
    pub async fn run<F: Future>(self: Arc<Self>, f: F) -> F::Output {
        SCOPE.scope(self, f).await
    }

    /// The scope of the current task, if any.
    pub fn current() -> Option<Arc<Self>> {
        SCOPE.try_with(Arc::clone).ok()
    }

    pub fn set_target(&self, target: Target) {
        *self.target.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = target;
    }

    /// Records who a credential mutation signed in, so its event names them rather than "Unknown".
    pub fn signed_in_as(&self, user_id: Uuid, email: &str) {
        *self.signed_in.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((user_id, email.to_owned()));
    }

    /// The user a credential mutation signed in, if it did.
    pub fn signed_in(&self) -> Option<(Uuid, String)> {
        self.signed_in.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    pub fn target(&self) -> Target {
        self.target.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    pub fn push(&self, event: NewEvent) {
        self.aws_calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(event);
    }

    /// How many AWS calls were made in this scope.
    pub fn aws_calls(&self) -> usize {
        self.aws_calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn take_pending(&self) -> Vec<NewEvent> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

/// What a job acts on: its payer (with the payer's account) or its tenant.
pub async fn job_target(db: &crate::db::Db, job: &entity::jobs::Model) -> Target {
    use sea_orm::EntityTrait;
    if let Some(payer) = job.payer_id
        && let Ok(Some(row)) = entity::payers::Entity::find_by_id(payer).one(db).await
    {
        return Target { tenant_id: Some(row.tenant_id), payer_id: Some(row.id), account_id: Some(row.account_id) };
    }
    Target { tenant_id: job.tenant_id, payer_id: job.payer_id, account_id: None }
}

/// Appends the AWS calls made in `scope` that are not written yet.
pub async fn flush_current_of(scope: &CallScope, auditor: &Auditor) -> crate::error::AppResult<()> {
    auditor.append(scope.take_pending()).await
}
