//! The one place domain errors become GraphQL errors: `extensions.code` always set, internal
//! causes logged (inside the request's span, so with its request id) and never returned.

use async_graphql::ErrorExtensions;

use crate::error::{AppError, ErrorCode};

/// A resolver error, already mapped. Deliberately not `Display`, so a domain error cannot slip
/// through async-graphql's blanket conversion without its code.
#[derive(Clone)]
pub struct ApiError(async_graphql::Error);

pub type ApiResult<T> = Result<T, ApiError>;

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        let code = err.code();
        let message = match &err {
            AppError::Internal(cause) => {
                // Once, as the cause chain on one line: no backtrace (see `AppError::for_log`).
                tracing::error!(error = %format!("{cause:#}"), "internal error");
                "internal error; the server log has the details under this response's x-request-id".to_owned()
            }
            other => {
                if let AppError::Aws(_) = other {
                    // With what was being done (`AppError::context`), which the client is not shown.
                    tracing::warn!(error = %other.for_log(), "AWS call failed");
                }
                other.to_string()
            }
        };
        let field = match &err {
            AppError::Validation { field, .. } => field.clone(),
            _ => None,
        };
        let aws_code = match &err {
            AppError::Aws(e) => e.code.clone().or_else(|| Some(format!("{:?}", e.kind))),
            _ => None,
        };
        Self(async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code.as_str());
            if let Some(field) = &field {
                ext.set("field", field.as_str());
            }
            if let Some(aws_code) = &aws_code {
                ext.set("awsErrorCode", aws_code.as_str());
            }
        }))
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        err.0
    }
}

/// Code for errors raised by async-graphql itself (parse, validation, limits).
pub const REQUEST_ERROR_CODE: ErrorCode = ErrorCode::Validation;
