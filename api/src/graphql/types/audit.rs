use async_graphql::{ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::audit::read::AuditFilter;
use crate::error::AppError;
use crate::graphql::error::ApiResult;
use crate::ids::PayerId;

/// One audit record, with CloudTrail's field names.
pub struct AuditEvent {
    pub seq: i64,
    pub body: Value,
}

impl AuditEvent {
    pub fn from_row(row: entity::audit_events::Model) -> Self {
        Self { seq: row.seq, body: serde_json::from_str(&row.body).unwrap_or(Value::Null) }
    }

    fn text(&self, key: &str) -> Option<String> {
        self.body.get(key).and_then(Value::as_str).map(str::to_owned)
    }
}

/// Who made the call.
#[derive(SimpleObject)]
pub struct AuditUserIdentity {
    /// `User` | `ApiToken` | `System` | `Unknown` (not signed in).
    #[graphql(name = "type")]
    pub kind: String,
    pub principal_id: Option<String>,
    pub user_name: Option<String>,
    pub tenant_id: Option<String>,
    pub token_id: Option<String>,
}

#[Object]
impl AuditEvent {
    /// Position in the chain (also the cursor).
    async fn sequence(&self) -> String {
        self.seq.to_string()
    }
    #[graphql(name = "eventID")]
    async fn event_id(&self) -> Option<String> {
        self.text("eventID")
    }
    async fn event_version(&self) -> Option<String> {
        self.text("eventVersion")
    }
    async fn event_time(&self) -> Option<DateTime<Utc>> {
        self.text("eventTime").and_then(|t| t.parse().ok())
    }
    async fn event_source(&self) -> Option<String> {
        self.text("eventSource")
    }
    async fn event_name(&self) -> Option<String> {
        self.text("eventName")
    }
    /// `ApiCall` (our API) or `AwsApiCall`.
    async fn event_type(&self) -> Option<String> {
        self.text("eventType")
    }
    async fn read_only(&self) -> bool {
        self.body.get("readOnly").and_then(Value::as_bool).unwrap_or(false)
    }
    async fn user_identity(&self) -> AuditUserIdentity {
        let id = self.body.get("userIdentity").cloned().unwrap_or(Value::Null);
        let s = |k: &str| id.get(k).and_then(Value::as_str).map(str::to_owned);
        AuditUserIdentity {
            kind: s("type").unwrap_or_default(),
            principal_id: s("principalId"),
            user_name: s("userName"),
            tenant_id: s("tenantId"),
            token_id: s("tokenId"),
        }
    }
    async fn recipient_account_id(&self) -> Option<String> {
        self.text("recipientAccountId")
    }
    async fn aws_region(&self) -> Option<String> {
        self.text("awsRegion")
    }
    #[graphql(name = "sourceIPAddress")]
    async fn source_ip_address(&self) -> Option<String> {
        self.text("sourceIPAddress")
    }
    async fn user_agent(&self) -> Option<String> {
        self.text("userAgent")
    }
    /// The call's arguments, secrets redacted.
    async fn request_parameters(&self) -> Json<Value> {
        Json(self.body.get("requestParameters").cloned().unwrap_or(Value::Null))
    }
    /// Ids and states of what the call returned.
    async fn response_elements(&self) -> Json<Value> {
        Json(self.body.get("responseElements").cloned().unwrap_or(Value::Null))
    }
    async fn error_code(&self) -> Option<String> {
        self.text("errorCode")
    }
    async fn error_message(&self) -> Option<String> {
        self.text("errorMessage")
    }
    /// Our `x-request-id`; for AWS calls, AWS's request id.
    #[graphql(name = "requestID")]
    async fn request_id(&self) -> Option<String> {
        self.text("requestID")
    }
    async fn tenant_id(&self) -> Option<ID> {
        self.text("tenantId").map(ID)
    }
    async fn payer_id(&self) -> Option<ID> {
        self.text("payerId").map(ID)
    }
    /// The whole record as CloudTrail writes it.
    async fn record(&self) -> Json<Value> {
        Json(self.body.clone())
    }
}

/// Narrows `auditEvents` and `exportAuditEvents`; all parts optional, combined with AND.
#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    /// Inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub to: Option<DateTime<Utc>>,
    pub event_name: Option<String>,
    pub event_source: Option<String>,
    pub user_id: Option<ID>,
    pub token_id: Option<ID>,
    pub payer_id: Option<ID>,
    pub error_code: Option<String>,
    pub read_only: Option<bool>,
}

impl AuditEventFilter {
    pub fn into_domain(self) -> ApiResult<AuditFilter> {
        let uuid = |field: &str, id: Option<ID>| -> ApiResult<Option<uuid::Uuid>> {
            id.map(|i| i.parse::<uuid::Uuid>().map_err(|_| AppError::invalid(field, "is not an id").into())).transpose()
        };
        Ok(AuditFilter {
            from: self.from,
            to: self.to,
            event_name: self.event_name,
            event_source: self.event_source,
            user_id: uuid("userId", self.user_id)?,
            token_id: uuid("tokenId", self.token_id)?,
            payer_id: self.payer_id.map(|p| PayerId::parse(&p)).transpose()?,
            error_code: self.error_code,
            read_only: self.read_only,
        })
    }
}
