//! Shapes of request input that every layer reads: a page of a list, a checked display name.

/// Keyset pagination: `after` is the cursor (a time-ordered v7 id, or a natural key such as an
/// AWS account id for lists keyed by one).
#[derive(Debug, Clone)]
pub struct Page {
    pub after: Option<String>,
    pub first: u64,
}

impl Page {
    pub const MAX: u64 = 100;
    pub const DEFAULT: u64 = 50;

    /// Rows to fetch: one more than asked, to know whether another page follows.
    pub fn fetch(&self) -> u64 {
        self.first + 1
    }

    /// The cursor as a v7 id.
    pub fn after_id(&self) -> crate::error::AppResult<Option<uuid::Uuid>> {
        self.after
            .as_deref()
            .map(|c| c.parse::<uuid::Uuid>().map_err(|_| crate::error::AppError::invalid("after", "is not a valid cursor")))
            .transpose()
    }
}

/// A trimmed, length-checked display name.
pub fn checked_name(field: &str, value: &str, max: usize) -> crate::error::AppResult<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max {
        return Err(crate::error::AppError::invalid(field, format!("must be 1 to {max} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(crate::error::AppError::invalid(field, "must not contain control characters"));
    }
    Ok(trimmed.to_owned())
}
