//! The SDK interceptor that records every AWS call (one event per operation, after retries).

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use serde_json::Value;

use crate::audit::{CallScope, NewEvent};

/// Adds the audit trail to every client built from this configuration.
#[derive(Debug, Default, Clone)]
pub struct AuditInterceptor;

/// What the last attempt's raw response said.
#[derive(Debug, Clone, Default)]
struct Captured {
    request_id: Option<String>,
    error_code: Option<String>,
}

impl Storable for Captured {
    type Storer = StoreReplace<Self>;
}

/// The request's parameters as CloudTrail records them (JSON protocols: the body, member names in
/// lower camel case); other protocols are recorded without them.
#[derive(Debug, Clone, Default)]
struct RequestParameters(Value);

impl Storable for RequestParameters {
    type Storer = StoreReplace<Self>;
}

/// Bodies larger than this are not parsed for the trail (no call of ours sends one).
const MAX_PARAMETERS_BYTES: usize = 64 * 1024;

/// `TimePeriod` → `timePeriod`, all the way down, as CloudTrail names request members.
fn lower_camel(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let mut chars = k.chars();
                    let key = chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default();
                    (key, lower_camel(v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(lower_camel).collect()),
        other => other,
    }
}

/// CloudTrail's `tlsDetails` for a call sent over TLS: the host the request named. The SDK does
/// not expose the negotiated TLS version or cipher suite, so they are left out rather than
/// guessed; a call over plain HTTP (an emulator) has no `tlsDetails`, as in CloudTrail.
#[derive(Debug, Clone, Default)]
struct TlsDetails(Option<Value>);

impl Storable for TlsDetails {
    type Storer = StoreReplace<Self>;
}

fn tls_details(uri: &str) -> Option<Value> {
    let url = url::Url::parse(uri).ok().filter(|u| u.scheme() == "https")?;
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str()?),
        None => url.host_str()?.to_owned(),
    };
    Some(serde_json::json!({ "clientProvidedHostHeader": host }))
}

fn request_parameters(request: &aws_smithy_runtime_api::http::Request) -> Value {
    let json = request.headers().get("content-type").is_some_and(|t| t.contains("json"));
    match request.body().bytes() {
        Some(bytes) if json && !bytes.is_empty() && bytes.len() <= MAX_PARAMETERS_BYTES => {
            serde_json::from_slice::<Value>(bytes).map(lower_camel).unwrap_or(Value::Null)
        }
        _ => Value::Null,
    }
}

/// The endpoint prefix CloudTrail names a service by (`ce.amazonaws.com`), from the SDK's
/// service name (`CostExplorer`).
fn event_source(sdk_service: &str) -> String {
    // The SDK names services either way ("Cost Explorer", "CostExplorer"): compare letters only.
    let letters: String = sdk_service.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    let prefix = match letters.as_str() {
        "costexplorer" => "ce".to_owned(),
        "bcmdataexports" => "bcm-data-exports".to_owned(),
        "costandusagereportservice" => "cur".to_owned(),
        "costoptimizationhub" => "cost-optimization-hub".to_owned(),
        _ => sdk_service.trim().to_ascii_lowercase().replace(' ', "-"),
    };
    format!("{prefix}.amazonaws.com")
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len]).filter(|s| !s.is_empty() && s.len() <= 200)
}

fn capture(response: &Response) -> Captured {
    let header = |name: &str| response.headers().get(name).map(str::to_owned);
    let body = response.body().bytes().map(String::from_utf8_lossy).unwrap_or_default();
    let request_id = header("x-amzn-requestid")
        .or_else(|| header("x-amz-request-id"))
        .or_else(|| between(&body, "<RequestId>", "</RequestId>").map(str::to_owned));
    let error_code = if response.status().is_success() {
        None
    } else {
        header("x-amzn-errortype")
            .map(|t| t.split(':').next().unwrap_or_default().to_owned())
            .or_else(|| between(&body, "<Code>", "</Code>").map(str::to_owned))
            .or_else(|| between(&body, "\"__type\":\"", "\"").map(str::to_owned))
            .map(|c| c.rsplit('#').next().unwrap_or_default().to_owned())
            .filter(|c| !c.is_empty())
    };
    Captured { request_id, error_code }
}

/// The modeled error's code and request id, read from its debug form. Every SDK error carries
/// an `ErrorMetadata` whose debug output holds `code: Some("…")` and `"aws_request_id": "…"`;
/// reading it this way works for every service without naming each operation's error type.
fn from_debug(debug: &str) -> Captured {
    // A modeled error without metadata still names its variant: `ThrottlingException(…)`.
    let inner = debug.split_once("TypeErasedError:").map_or(debug, |(_, rest)| rest);
    let variant = inner
        .split(['(', ' ', '{'])
        .next()
        .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric()) && !matches!(*v, "Unhandled" | "ServiceError" | "OperationError"))
        .map(str::to_owned);
    Captured {
        error_code: between(debug, "code: Some(\"", "\")").map(str::to_owned).or(variant),
        request_id: between(debug, "\"aws_request_id\": \"", "\"").map(str::to_owned),
    }
}

fn read_only(operation: &str) -> bool {
    ["Describe", "List", "Get"].iter().any(|p| operation.starts_with(p))
}

impl Intercept for AuditInterceptor {
    fn name(&self) -> &'static str {
        "PartnerBillingAudit"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(RequestParameters(request_parameters(context.request())));
        cfg.interceptor_state().store_put(TlsDetails(tls_details(context.request().uri())));
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(capture(context.response()));
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (operation, service) =
            cfg.load::<Metadata>().map(|m| (m.name().to_owned(), m.service().to_ascii_lowercase())).unwrap_or_default();
        let Some(scope) = CallScope::current() else {
            tracing::warn!(service, operation, "AWS call outside an audited context; not in the audit trail");
            return Ok(());
        };
        let mut captured = cfg.load::<Captured>().cloned().unwrap_or_default();
        let mut error_message = None;
        match context.output_or_error() {
            Some(Err(err)) => {
                let debug = err.as_operation_error().map(|e| format!("{e:?}")).unwrap_or_else(|| format!("{err:?}"));
                let typed = from_debug(&debug);
                captured.error_code = captured.error_code.or(typed.error_code);
                captured.request_id = captured.request_id.or(typed.request_id);
                if captured.error_code.is_none() {
                    captured.error_code = Some(if context.response().is_none() { "NetworkFailure" } else { "UnknownError" }.to_owned());
                }
                error_message = between(&debug, "message: Some(\"", "\")").map(str::to_owned);
            }
            Some(Ok(_)) => captured.error_code = None,
            None => {}
        }
        let target = scope.target();
        let mut event = NewEvent::api(&operation, scope.actor.clone());
        event.event_source = event_source(&service);
        event.event_type = "AwsApiCall";
        event.read_only = read_only(&operation);
        event.source_ip = scope.source_ip.clone();
        event.user_agent = scope.user_agent.clone();
        event.request_id = captured.request_id;
        event.error_code = captured.error_code;
        event.error_message = error_message;
        event.aws_region = cfg.load::<aws_config::Region>().map(|r| r.as_ref().to_owned());
        event.recipient_account_id = target.account_id.clone();
        event.request_parameters = cfg.load::<RequestParameters>().map(|p| p.0.clone()).unwrap_or(Value::Null);
        event.response_elements = Value::Null;
        event.tls_details = cfg.load::<TlsDetails>().and_then(|t| t.0.clone());
        event.target = target;
        crate::metrics::aws_call(&service, &operation, event.error_code.as_deref());
        scope.push(event);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_details_name_the_host_of_https_calls_only() {
        assert_eq!(tls_details("https://ce.us-east-1.amazonaws.com/"), Some(serde_json::json!({ "clientProvidedHostHeader": "ce.us-east-1.amazonaws.com" })));
        assert_eq!(tls_details("https://s3.example:8443/bucket?x=1"), Some(serde_json::json!({ "clientProvidedHostHeader": "s3.example:8443" })));
        assert_eq!(tls_details("http://127.0.0.1:5000/"), None);
        assert_eq!(tls_details("not a url"), None);
    }

    #[test]
    fn reads_code_and_request_id_from_error_metadata_debug() {
        let debug = r#"AccessDeniedException(AccessDeniedException { message: Some("nope"), meta: ErrorMetadata { code: Some("AccessDeniedException"), message: Some("nope"), extras: Some({"aws_request_id": "req-123"}) } })"#;
        let c = from_debug(debug);
        assert_eq!(c.error_code.as_deref(), Some("AccessDeniedException"));
        assert_eq!(c.request_id.as_deref(), Some("req-123"));
        assert!(read_only("ListAccounts") && read_only("DescribeOrganization") && !read_only("CloseAccount"));
    }

    #[test]
    fn services_are_named_by_their_endpoint_prefix_as_cloudtrail_does() {
        assert_eq!(event_source("CostExplorer"), "ce.amazonaws.com");
        assert_eq!(event_source("Cost Explorer"), "ce.amazonaws.com");
        assert_eq!(event_source("BCM Data Exports"), "bcm-data-exports.amazonaws.com");
        assert_eq!(event_source("Cost and Usage Report Service"), "cur.amazonaws.com");
        assert_eq!(event_source("BCMDataExports"), "bcm-data-exports.amazonaws.com");
        assert_eq!(event_source("CostandUsageReportService"), "cur.amazonaws.com");
        assert_eq!(event_source("billingconductor"), "billingconductor.amazonaws.com");
        assert_eq!(event_source("Organizations"), "organizations.amazonaws.com");
        assert_eq!(event_source("STS"), "sts.amazonaws.com");
    }

    #[test]
    fn request_members_are_in_lower_camel_case_all_the_way_down() {
        let body = serde_json::json!({ "TimePeriod": { "Start": "2026-11-01", "End": "2026-12-01" }, "Metrics": ["UnblendedCost"], "GroupBy": [{ "Type": "DIMENSION", "Key": "SERVICE" }] });
        assert_eq!(
            lower_camel(body),
            serde_json::json!({ "timePeriod": { "start": "2026-11-01", "end": "2026-12-01" }, "metrics": ["UnblendedCost"], "groupBy": [{ "type": "DIMENSION", "key": "SERVICE" }] })
        );
    }
}

/// The interceptor on SDK clients fed by `aws-smithy-mocks`: AWS errors land in the trail with
/// their codes and AWS's request ids, attributed to whoever is acting.
#[cfg(test)]
mod mock_tests {
    use std::sync::Arc;

    use aws_credential_types::Credentials;
    use aws_sdk_organizations::operation::describe_organization::DescribeOrganizationError;
    use aws_sdk_organizations::types::error::TooManyRequestsException;
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    use aws_smithy_mocks::{mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    use crate::audit::{Actor, CallScope, Target};
    use crate::aws::{OrganizationsApi, SdkOrganizations, SdkSts, StsApi};

    fn scope() -> Arc<CallScope> {
        let actor = Actor { kind: "User", user_id: Some(uuid::Uuid::now_v7()), user_name: Some("ops@partner.example".into()), ..Actor::default() };
        let scope = Arc::new(CallScope::new(actor));
        scope.set_target(Target { tenant_id: None, payer_id: None, account_id: Some("012345678901".into()) });
        scope
    }

    #[tokio::test]
    async fn access_denied_is_recorded_with_its_code() {
        let assume = mock!(aws_sdk_sts::Client::assume_role).then_error(|| {
            AssumeRoleError::generic(
                ErrorMetadata::builder().code("AccessDenied").message("not authorized to perform: sts:AssumeRole").custom("aws_request_id", "req-denied-1").build(),
            )
        });
        let sts = SdkSts::from_conf(mock_client!(aws_sdk_sts, [&assume]).config().clone());
        let s = scope();
        let result = s.clone().run(sts.assume_role("arn:aws:iam::012345678901:role/PB", "ext-secret-value", "pb-x")).await;
        assert!(result.is_err());
        let events = s.take_pending();
        assert_eq!(events.len(), 1, "{events:?}");
        let body = events[0].body();
        assert_eq!(body["eventSource"], "sts.amazonaws.com");
        assert_eq!(body["eventName"], "AssumeRole");
        assert_eq!(body["eventType"], "AwsApiCall");
        assert_eq!(body["errorCode"], "AccessDenied");
        assert_eq!(body["requestID"], "req-denied-1");
        assert_eq!(body["readOnly"], false);
        assert_eq!(body["userIdentity"]["userName"], "ops@partner.example");
        assert_eq!(body["recipientAccountId"], "012345678901");
        assert!(!body.to_string().contains("ext-secret-value"));
    }

    #[tokio::test]
    async fn throttling_is_recorded_with_its_code() {
        let describe = mock!(aws_sdk_organizations::Client::describe_organization)
            .then_error(|| DescribeOrganizationError::TooManyRequestsException(TooManyRequestsException::builder().message("Rate exceeded").build()));
        let orgs = SdkOrganizations::from_conf(mock_client!(aws_sdk_organizations, [&describe]).config().clone());
        let s = scope();
        let creds = Credentials::for_tests();
        let result = s.clone().run(orgs.describe_organization(&creds)).await;
        assert!(result.is_err());
        let events = s.take_pending();
        assert_eq!(events.len(), 1, "{events:?}");
        let body = events[0].body();
        assert_eq!(body["eventSource"], "organizations.amazonaws.com");
        assert_eq!(body["eventName"], "DescribeOrganization");
        assert_eq!(body["errorCode"], "TooManyRequestsException");
        assert_eq!(body["readOnly"], true);
    }

    #[tokio::test]
    async fn calls_outside_any_scope_are_not_lost_silently_and_do_not_fail() {
        let assume = mock!(aws_sdk_sts::Client::assume_role)
            .then_error(|| AssumeRoleError::generic(ErrorMetadata::builder().code("AccessDenied").build()));
        let sts = SdkSts::from_conf(mock_client!(aws_sdk_sts, [&assume]).config().clone());
        // No scope: the call still behaves as before (a warning is logged).
        assert!(sts.assume_role("arn:aws:iam::012345678901:role/PB", "e", "s").await.is_err());
    }
}
