//! Billing types. Partner-side types carry AWS cost and margin; `CustomerCharges` (for
//! end-customer users) deliberately has no field for either.

use async_graphql::{Enum, ID};
use uuid::Uuid;

use crate::error::AppError;

mod custom_line_items;
mod groups;
mod plans;
mod resellers;
mod results;
mod rules;

pub use custom_line_items::*;
pub use groups::*;
pub use plans::*;
pub use resellers::*;
pub use results::*;
pub use rules::*;

/// A billing object id from request input; anything malformed is "not found".
pub fn uuid_of(id: &ID, what: &'static str) -> Result<Uuid, AppError> {
    id.parse::<Uuid>().map_err(|_| AppError::NotFound(what))
}

fn id(u: Uuid) -> ID {
    ID(u.to_string())
}

/// Where a billing object stands with AWS Billing Conductor.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::billing::abc::AbcSyncStatus")]
pub enum BillingSyncStatus {
    Pending,
    Synced,
    Failed,
}

fn sync_status(s: Option<crate::domain::billing::abc::AbcSyncStatus>) -> Option<BillingSyncStatus> {
    s.map(Into::into)
}

/// Ids from input; a malformed one is "not found".
pub fn uuids(ids: &[ID], what: &'static str) -> Result<Vec<Uuid>, AppError> {
    ids.iter().map(|i| uuid_of(i, what)).collect()
}
