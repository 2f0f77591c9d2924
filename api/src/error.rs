//! The one error type of the domain. Its `Display` is safe to show a user; `Internal` keeps the
//! cause for the log and shows a generic message.

use std::fmt;

/// Stable codes carried in GraphQL `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    Validation,
    Conflict,
    RateLimited,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::Validation => "VALIDATION",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::Internal => "INTERNAL",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("{0}")]
    Forbidden(String),
    /// Also the answer for anything outside the caller's scope.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Validation { field: Option<String>, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    RateLimited(String),
    /// A failed AWS call; its `Display` says what failed and why in words a person can act on.
    /// Boxed: with its log context it would make every `AppResult` large.
    #[error("{0}")]
    Aws(Box<crate::aws::error::AwsError>),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

/// Says what was being done when a fallible call failed, as zero2prod's `.context("…")`:
/// `billing_groups::Entity::find()….all(db).await.context("loading the payer's billing groups")?`.
/// The description joins an internal error's cause chain and an AWS error's log line, so the
/// log reads "loading the payer's billing groups: database: …"; what a client is shown does not
/// change (an internal error still reads "internal error", an AWS error still says which call
/// failed and why).
pub trait Context<T> {
    fn context(self, doing: &'static str) -> AppResult<T>;
    /// [`Context::context`] with a description built only on failure.
    fn with_context(self, doing: impl FnOnce() -> String) -> AppResult<T>;
}

impl<T, E: Into<AppError>> Context<T> for Result<T, E> {
    fn context(self, doing: &'static str) -> AppResult<T> {
        self.map_err(|e| e.into().context(doing))
    }

    fn with_context(self, doing: impl FnOnce() -> String) -> AppResult<T> {
        self.map_err(|e| e.into().context(doing()))
    }
}

/// The code an AWS failure carries: who has to act on it.
fn aws_code(e: &crate::aws::error::AwsError) -> ErrorCode {
    use crate::aws::error::AwsErrorKind;
    match e.kind {
        AwsErrorKind::AccessDenied => ErrorCode::Forbidden,
        AwsErrorKind::Throttled => ErrorCode::RateLimited,
        AwsErrorKind::Unreachable | AwsErrorKind::Unexpected => ErrorCode::Internal,
        AwsErrorKind::Service => match e.code.as_deref().unwrap_or_default() {
            c if c.starts_with("Duplicate") || c.contains("ConcurrentModification") || c.contains("ConstraintViolation") => {
                ErrorCode::Conflict
            }
            c if c.contains("NotFound") || c.contains("Invalid") || c.contains("Malformed") || c.contains("Validation") => {
                ErrorCode::Validation
            }
            _ => ErrorCode::Internal,
        },
    }
}

impl From<crate::aws::error::AwsError> for AppError {
    fn from(err: crate::aws::error::AwsError) -> Self {
        Self::Aws(Box::new(err))
    }
}

impl AppError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Validation { .. } => ErrorCode::Validation,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::RateLimited(_) => ErrorCode::RateLimited,
            Self::Aws(e) => aws_code(e),
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// A validation error about one input field.
    pub fn invalid(field: &str, message: impl fmt::Display) -> Self {
        Self::Validation { field: Some(field.to_owned()), message: format!("{field}: {message}") }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }

    /// A failed write whose unique index refused it becomes `taken()`, what the caller should
    /// hear (another billing group of this payer has that name, a user with this email exists);
    /// any other database error stays internal.
    pub fn on_unique_violation(err: sea_orm::DbErr, taken: impl FnOnce() -> AppError) -> Self {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => taken(),
            _ => err.into(),
        }
    }

    /// [`Self::on_unique_violation`] for a database error already converted (a payer handle's
    /// write returns `AppError`).
    pub fn or_on_unique_violation(self, taken: impl FnOnce() -> AppError) -> Self {
        let unique = match &self {
            AppError::Internal(e) => e
                .downcast_ref::<sea_orm::DbErr>()
                .is_some_and(|d| matches!(d.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))),
            _ => false,
        };
        if unique { taken() } else { self }
    }

    /// Whether trying again later may succeed: AWS unreachable, throttled or answering
    /// unexpectedly, or an internal error (a database hiccup). Validation, access and conflicts
    /// will not get better by waiting. Job steps retry on this (`jobs::JobFailure::from`).
    pub fn is_transient(&self) -> bool {
        use crate::aws::error::AwsErrorKind;
        match self {
            Self::Aws(e) => matches!(e.kind, AwsErrorKind::Unreachable | AwsErrorKind::Throttled | AwsErrorKind::Unexpected),
            Self::Internal(_) => true,
            _ => false,
        }
    }

    /// Adds what was being done (see [`Context`]): to an internal error's cause chain, and to
    /// an AWS error's log line; errors worded for the user (validation, not found, …) pass as
    /// they are, since they already say what went wrong.
    pub fn context(self, doing: impl fmt::Display + Send + Sync + 'static) -> Self {
        match self {
            Self::Internal(cause) => Self::Internal(cause.context(doing)),
            Self::Aws(e) => Self::Aws(Box::new(e.doing(doing.to_string()))),
            other => other,
        }
    }

    /// One line for the log: the code and message, and for an internal error its cause chain.
    /// Never a backtrace (`{:?}` of an anyhow error prints one when `RUST_BACKTRACE` is set),
    /// so a client repeating a bad request cannot grow the log by pages per request.
    pub fn for_log(&self) -> String {
        match self {
            Self::Internal(cause) => format!("INTERNAL: {cause:#}"),
            Self::Aws(e) => match &e.context {
                Some(doing) => format!("{}: {doing}: {e}", self.code().as_str()),
                None => format!("{}: {e}", self.code().as_str()),
            },
            other => format!("{}: {other}", other.code().as_str()),
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Internal(anyhow::Error::new(err).context("database"))
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(err: tokio::task::JoinError) -> Self {
        Self::Internal(anyhow::Error::new(err).context("blocking task"))
    }
}

#[cfg(test)]
mod tests {
    use super::AppError;

    #[test]
    fn log_text_has_the_cause_chain_and_no_backtrace() {
        let err = AppError::internal(anyhow::anyhow!("disk full").context("writing the export"));
        let text = err.for_log();
        assert_eq!(text, "INTERNAL: writing the export: disk full");
        assert!(!text.to_lowercase().contains("backtrace"));
        assert_eq!(AppError::invalid("email", "bad").for_log(), "VALIDATION: email: bad");
    }

    #[test]
    fn context_reaches_the_log_and_not_the_client() {
        use super::Context as _;
        let failed: Result<(), sea_orm::DbErr> = Err(sea_orm::DbErr::Custom("connection reset".into()));
        let err = failed.context("loading the payer's billing groups").unwrap_err();
        assert_eq!(err.for_log(), "INTERNAL: loading the payer's billing groups: database: Custom Error: connection reset");
        assert_eq!(err.to_string(), "internal error");

        let aws = crate::aws::error::AwsError::unexpected("billingconductor", "ListBillingGroups", "no body");
        let err = AppError::from(aws).context("syncing the payer's billing groups");
        assert_eq!(err.to_string(), "billingconductor ListBillingGroups failed: no body");
        assert_eq!(err.for_log(), "INTERNAL: syncing the payer's billing groups: billingconductor ListBillingGroups failed: no body");

        let err = AppError::NotFound("payer").context("loading the payer");
        assert_eq!(err.to_string(), "payer not found");
    }
}
