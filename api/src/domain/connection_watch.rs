//! Watching a new registration until its role exists: after `registerPayer` (or a role change)
//! a durable job probes the payer the way `checkPayerConnection` does, every 30 seconds for the
//! first 10 minutes, then every 5 minutes, for at most 24 hours, and marks it PayerStatus::Connected the first
//! time the probe passes. Until then the payer stays PayerStatus::Pending with the last reason in
//! `statusReason`: a stack not deployed yet is not a failure, so nobody is told of one.

use std::time::Duration;

use chrono::Utc;
use entity::payers;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, QueryFilter};
use serde_json::json;

use crate::domain::payers::{PayerStatus, WatchArgs, probe};
use crate::error::AppResult;
use crate::ids::PayerId;
use crate::jobs::{JobContext, Step};
use crate::tenancy::PayerAccess;

/// How long a registration is watched.
pub const WATCH_FOR: chrono::Duration = chrono::Duration::hours(24);
const SESSION: &str = "pb-connection-watch";

/// When to probe again, `elapsed` after the watch began: every 30 s for 10 minutes, then every
/// 5 minutes; `None` once the watch is over.
pub fn next_probe_after(elapsed: chrono::Duration) -> Option<Duration> {
    if elapsed >= WATCH_FOR {
        None
    } else if elapsed < chrono::Duration::minutes(10) {
        Some(Duration::from_secs(30))
    } else {
        Some(Duration::from_secs(300))
    }
}

/// One probe.
pub async fn run_watch(ctx: &JobContext, mut p: WatchArgs) -> AppResult<Step<WatchArgs>> {
    let Some(payer) = ctx.platform().find_payer(PayerId(p.payer_id)).await? else {
        return Ok(Step::Done(json!({ "connected": false, "stopped": "the payer was removed" })));
    };
    if payer.role_arn != p.role_arn {
        return Ok(Step::Done(json!({ "connected": false, "stopped": "the payer's role changed; a new watch follows it" })));
    }
    if payer.status == PayerStatus::Connected {
        return Ok(Step::Done(json!({ "connected": true, "probes": p.probes })));
    }
    p.probes += 1;
    let outcome = probe(&ctx.aws, &payer, SESSION).await;
    let now = Utc::now();
    let id = PayerId(payer.id);
    match outcome {
        Ok(()) => {
            // Only a payer still waiting turns PayerStatus::Connected here; a payer someone checked meanwhile
            // keeps that answer.
            payer
                .update_rows::<payers::Entity>()
                .col_expr(payers::Column::Status, Expr::value(PayerStatus::Connected))
                .col_expr(payers::Column::StatusReason, Expr::value(Option::<String>::None))
                .col_expr(payers::Column::LastCheckedAt, Expr::value(Some(now)))
                .col_expr(payers::Column::UpdatedAt, Expr::value(now))
                .filter(payers::Column::Status.is_in([PayerStatus::Pending, PayerStatus::Error]))
                .filter(payers::Column::RoleArn.eq(p.role_arn.as_str()))
                .exec()
                .await?;
            tracing::info!(payer = %id, probes = p.probes, "a watched registration connected");
            Ok(Step::Done(json!({ "connected": true, "probes": p.probes })))
        }
        Err(reason) => {
            ctx.aws.broker.forget(id);
            let next = next_probe_after(now - p.since);
            let said = match next {
                Some(_) => format!("waiting for the access role: {reason}"),
                None => format!("not connected after 24 hours of checks: {reason}. Deploy the stack, then check the connection"),
            };
            payer
                .update_rows::<payers::Entity>()
                .col_expr(payers::Column::StatusReason, Expr::value(Some(said.clone())))
                .col_expr(payers::Column::LastCheckedAt, Expr::value(Some(now)))
                .filter(payers::Column::Status.eq(PayerStatus::Pending))
                .exec()
                .await?;
            match next {
                Some(after) => Ok(Step::Continue {
                    progress: Some(format!("probe {}: {said}", p.probes)),
                    payload: p,
                    after,
                }),
                None => Ok(Step::Done(json!({ "connected": false, "probes": p.probes, "reason": said }))),
            }
        }
    }
}

crate::jobs::job_handler! {
    /// Runs [`AWAIT_CONNECTION`](crate::domain::payers::AWAIT_CONNECTION).
    pub AwaitConnection, WatchArgs, |ctx, _job, args| run_watch(ctx, args).await.map_err(crate::jobs::JobFailure::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_every_half_minute_then_every_five_minutes_for_a_day() {
        let at = |m: i64| next_probe_after(chrono::Duration::minutes(m));
        assert_eq!(at(0), Some(Duration::from_secs(30)));
        assert_eq!(at(9), Some(Duration::from_secs(30)));
        assert_eq!(at(10), Some(Duration::from_secs(300)));
        assert_eq!(at(24 * 60 - 1), Some(Duration::from_secs(300)));
        assert_eq!(at(24 * 60), None);
        // 20 probes in the first 10 minutes, then 12 an hour: about 300 in all, a bounded cost.
        let mut elapsed = chrono::Duration::zero();
        let mut probes = 0;
        while let Some(after) = next_probe_after(elapsed) {
            probes += 1;
            elapsed += chrono::Duration::from_std(after).unwrap();
        }
        assert_eq!(probes, 20 + 12 * 24 - 2);
    }
}
