//! AWS errors as users should read them: what failed, why, and AWS's request id.

use std::fmt;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// What kind of failure, for deciding what to tell the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsErrorKind {
    /// No answer: connection refused, DNS, timeout.
    Unreachable,
    AccessDenied,
    Throttled,
    /// Any other error AWS answered with.
    Service,
    /// A response we could not use.
    Unexpected,
}

/// One failed AWS call.
#[derive(Debug, Clone)]
pub struct AwsError {
    pub service: &'static str,
    pub operation: &'static str,
    pub kind: AwsErrorKind,
    pub code: Option<String>,
    pub message: Option<String>,
    pub request_id: Option<String>,
    /// What the caller was doing (`AppError::context`), for the log; not part of `Display`.
    /// Behind a pointer, so a failed call's `Result` stays small.
    pub context: Option<std::sync::Arc<String>>,
}

pub type AwsResult<T> = Result<T, AwsError>;

impl AwsError {
    pub fn unexpected(service: &'static str, operation: &'static str, what: &str) -> Self {
        Self { service, operation, kind: AwsErrorKind::Unexpected, code: None, message: Some(what.to_owned()), request_id: None, context: None }
    }

    /// Records what the caller was doing; an outer description comes first, as in a cause chain.
    #[must_use]
    pub fn doing(mut self, doing: String) -> Self {
        self.context = Some(std::sync::Arc::new(match self.context.take() {
            Some(inner) => format!("{doing}: {inner}"),
            None => doing,
        }));
        self
    }

    /// Classifies an SDK error.
    pub fn from_sdk<E, R>(service: &'static str, operation: &'static str, err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug,
    {
        let (kind, code, message, request_id) = match &err {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => (AwsErrorKind::Unreachable, None, None, None),
            SdkError::ServiceError(service_err) => {
                let e = service_err.err();
                let code = e.code().map(str::to_owned);
                let kind = match code.as_deref() {
                    Some("AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation") => AwsErrorKind::AccessDenied,
                    Some(c) if c.contains("Throttl") || c == "TooManyRequestsException" || c == "RequestLimitExceeded" => {
                        AwsErrorKind::Throttled
                    }
                    _ => AwsErrorKind::Service,
                };
                (kind, code, e.message().map(str::to_owned), e.meta().extra("aws_request_id").map(str::to_owned))
            }
            _ => (AwsErrorKind::Unexpected, None, None, None),
        };
        if kind == AwsErrorKind::Unexpected || kind == AwsErrorKind::Unreachable {
            tracing::warn!(service, operation, error = %aws_smithy_types::error::display::DisplayErrorContext(&err), "AWS call failed");
        }
        Self { service, operation, kind, code, message, request_id, context: None }
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            AwsErrorKind::Unreachable => write!(f, "AWS unreachable: {} {} got no answer", self.service, self.operation),
            AwsErrorKind::Throttled => write!(f, "AWS throttled {} {}; try again later", self.service, self.operation),
            _ => {
                write!(f, "{} {} failed", self.service, self.operation)?;
                if let Some(code) = &self.code {
                    write!(f, ": {code}")?;
                }
                if let Some(message) = &self.message {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
        }
    }
}
