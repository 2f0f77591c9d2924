//! Cursor connections over time-ordered ids, with a capped page size.

use async_graphql::OutputType;
use async_graphql::connection::{Connection, Edge};

use crate::domain::Page;
use crate::error::AppError;
use crate::graphql::error::ApiResult;

/// Reads `first`/`after` arguments into a page.
pub fn page(first: Option<i32>, after: Option<String>) -> ApiResult<Page> {
    let first = match first {
        None => Page::DEFAULT,
        Some(n) if n >= 1 && u64::try_from(n).is_ok_and(|n| n <= Page::MAX) => u64::try_from(n).unwrap_or(Page::DEFAULT),
        Some(_) => return Err(AppError::invalid("first", format!("must be between 1 and {}", Page::MAX)).into()),
    };
    if after.as_ref().is_some_and(|a| a.len() > 200) {
        return Err(AppError::invalid("after", "is not a valid cursor").into());
    }
    Ok(Page { after, first })
}

/// Builds a connection from rows fetched with `page.fetch()`.
pub fn connection<R, N: OutputType, K: ToString>(
    mut rows: Vec<R>,
    page: Page,
    id: impl Fn(&R) -> K,
    node: impl Fn(R) -> N,
) -> Connection<String, N> {
    let has_next = rows.len() as u64 > page.first;
    rows.truncate(usize::try_from(page.first).unwrap_or(usize::MAX));
    let mut conn = Connection::new(page.after.is_some(), has_next);
    conn.edges.extend(rows.into_iter().map(|r| Edge::new(id(&r).to_string(), node(r))));
    conn
}
