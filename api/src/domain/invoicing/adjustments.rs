//! Late data on a closed period. After cost data of a closed period is written again, each
//! billing group's rows are priced with the configuration frozen at close, and what differs from
//! the snapshot (less what earlier notes already corrected) becomes the group's PENDING
//! adjustment. The snapshot itself never changes; an admin turns an adjustment into a credit or
//! debit note (`invoices::note_from_adjustment`).

use std::collections::BTreeMap;

use chrono::Utc;
use entity::period_adjustments::{self, AdjustmentStatus};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::periods::{self, ItemLine, SnapshotLines, UsageLine};
use crate::domain::billing::results::{self, Grain};
use crate::error::{AppError, AppResult};
use crate::tenancy::{PayerAccess, PayerRead, PayerTransactions, PlatformPayer};
use crate::money::to_units;

/// The pending adjustments of a payer's period.
pub(in crate::domain) async fn pending(payer: &impl PayerRead, period: &str) -> AppResult<Vec<period_adjustments::Model>> {
    payer
        .rows::<period_adjustments::Entity>()
        .filter(period_adjustments::Column::BillingPeriod.eq(period))
        .filter(period_adjustments::Column::Status.eq(AdjustmentStatus::Pending))
        .order_by_asc(period_adjustments::Column::ComputedAt)
        .all()
        .await
}

/// Reads an adjustment's lines.
pub(in crate::domain) fn lines(a: &period_adjustments::Model) -> AppResult<SnapshotLines> {
    serde_json::from_str(&a.lines).map_err(|e| AppError::internal(anyhow::anyhow!("adjustment {} has unreadable lines: {e}", a.id)))
}

/// `now − billed`, line by line; lines that do not differ are left out.
pub fn difference(now: &SnapshotLines, billed: &SnapshotLines) -> SnapshotLines {
    let mut usage: BTreeMap<(String, String), UsageLine> = BTreeMap::new();
    for (sign, lines) in [(Decimal::ONE, now), (Decimal::NEGATIVE_ONE, billed)] {
        for l in &lines.usage {
            let e = usage.entry((l.account_id.clone(), l.service_code.clone())).or_insert_with(|| UsageLine { aws_cost: Decimal::ZERO, proforma_cost: Decimal::ZERO, ..l.clone() });
            e.aws_cost += sign * l.aws_cost;
            e.proforma_cost += sign * l.proforma_cost;
        }
    }
    let mut items: BTreeMap<Uuid, ItemLine> = BTreeMap::new();
    for (sign, lines) in [(Decimal::ONE, now), (Decimal::NEGATIVE_ONE, billed)] {
        for i in &lines.items {
            let e = items.entry(i.id).or_insert_with(|| ItemLine { amount: Decimal::ZERO, ..i.clone() });
            e.amount += sign * i.amount;
        }
    }
    SnapshotLines {
        usage: usage
            .into_values()
            .filter(|l| !l.aws_cost.is_zero() || !l.proforma_cost.is_zero())
            .map(|mut l| {
                l.aws_cost = l.aws_cost.normalize();
                l.proforma_cost = l.proforma_cost.normalize();
                l
            })
            .collect(),
        items: items
            .into_values()
            .filter(|i| !i.amount.is_zero())
            .map(|mut i| {
                i.amount = i.amount.normalize();
                i
            })
            .collect(),
    }
}

/// The sum of several sets of lines.
fn sum(sets: &[SnapshotLines]) -> SnapshotLines {
    sets.iter().fold(SnapshotLines::default(), |acc, s| {
        // acc + s = acc − (−s)
        let negated = SnapshotLines {
            usage: s.usage.iter().map(|l| UsageLine { aws_cost: -l.aws_cost, proforma_cost: -l.proforma_cost, ..l.clone() }).collect(),
            items: s.items.iter().map(|i| ItemLine { amount: -i.amount, ..i.clone() }).collect(),
        };
        difference(&acc, &negated)
    })
}

/// Totals of a set of lines: (AWS cost, pro-forma charge).
pub fn totals(lines: &SnapshotLines) -> (Decimal, Decimal) {
    let aws = lines.usage.iter().map(|l| l.aws_cost).sum();
    let proforma = lines.usage.iter().map(|l| l.proforma_cost).sum::<Decimal>() + lines.items.iter().map(|i| i.amount).sum::<Decimal>();
    (aws, proforma)
}

/// Prices a closed period's data again with its frozen configuration and records what differs,
/// per billing group, in the caller's transaction. Returns the number of groups with a pending
/// difference. An open period has nothing to adjust.
pub async fn refresh(payer: &impl PayerAccess, period: &str) -> AppResult<usize> {
    if !crate::domain::billing::snapshot::is_closed(payer, period).await? {
        return Ok(0);
    }
    let mut differing = 0;
    for snapshot in periods::snapshots(payer, period).await? {
        let configuration = periods::snapshot_configuration(&snapshot)?;
        let priced = results::priced_by(payer, period, Grain::Month, &configuration.inputs).await?;
        let now = periods::lines_of(&priced);
        let of_group = payer
            .rows::<period_adjustments::Entity>()
            .filter(period_adjustments::Column::BillingPeriod.eq(period))
            .filter(period_adjustments::Column::BillingGroupId.eq(snapshot.billing_group_id))
            .all()
            .await?;
        let mut billed = vec![periods::snapshot_lines(&snapshot)?];
        for noted in of_group.iter().filter(|a| a.status == AdjustmentStatus::Noted) {
            billed.push(lines(noted)?);
        }
        let delta = difference(&now, &sum(&billed));
        let current = of_group.iter().find(|a| a.status == AdjustmentStatus::Pending);
        let unchanged = match current {
            Some(a) => lines(a)? == delta,
            None => delta.is_empty(),
        };
        if !(delta.is_empty()) {
            differing += 1;
        }
        if unchanged {
            continue;
        }
        if let Some(a) = current {
            let mut m: period_adjustments::ActiveModel = a.clone().into();
            m.status = Set(AdjustmentStatus::Superseded);
            payer.update(m).await?;
        }
        if delta.is_empty() {
            continue;
        }
        let (aws, proforma) = totals(&delta);
        let adjustment = period_adjustments::ActiveModel {
            id: Set(Uuid::now_v7()),
            payer_id: Set(payer.payer_id()),
            billing_period: Set(period.to_owned()),
            billing_group_id: Set(snapshot.billing_group_id),
            status: Set(AdjustmentStatus::Pending),
            currency: Set(snapshot.currency.clone()),
            aws_cost_delta: Set(to_units(aws)?),
            proforma_delta: Set(to_units(proforma)?),
            lines: Set(serde_json::to_string(&delta).map_err(AppError::internal)?),
            computed_at: Set(Utc::now()),
            note_id: Set(None),
        };
        payer.insert(adjustment).await?;
    }
    Ok(differing)
}

/// After cost data of a payer was written: refreshes the adjustments of each closed period among
/// `periods`, each in its own transaction under the payer's lock.
/// Resellers' payers priced from this payer's data are refreshed too.
pub async fn refresh_after_ingest(payer: &PlatformPayer, periods: &[String]) -> AppResult<usize> {
    let mut differing = refresh_closed(payer, periods).await?;
    for below in payer.priced_from_this().await? {
        differing += refresh_closed(&below, periods).await?;
    }
    Ok(differing)
}

/// [`refresh`] of each closed period among `periods`, each in its own transaction under the
/// payer's lock.
async fn refresh_closed(payer: &impl PayerTransactions, periods: &[String]) -> AppResult<usize> {
    let mut differing = 0;
    for period in periods {
        if !crate::domain::billing::snapshot::is_closed(payer, period).await? {
            continue;
        }
        let txn = super::begin_payer_write(payer).await?;
        differing += refresh(&txn, period).await?;
        txn.commit().await?;
    }
    Ok(differing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(account: &str, service: &str, aws: &str, proforma: &str) -> UsageLine {
        UsageLine { account_id: account.into(), service_code: service.into(), service_name: service.into(), aws_cost: aws.parse().unwrap(), proforma_cost: proforma.parse().unwrap() }
    }

    #[test]
    fn the_difference_keeps_only_lines_that_moved() {
        let billed = SnapshotLines { usage: vec![usage("111111111111", "AmazonEC2", "100", "110"), usage("111111111111", "AmazonS3", "10", "11")], items: vec![] };
        let now = SnapshotLines { usage: vec![usage("111111111111", "AmazonEC2", "90", "99"), usage("111111111111", "AmazonS3", "10", "11"), usage("222222222222", "AmazonS3", "1", "1.1")], items: vec![] };
        let d = difference(&now, &billed);
        assert_eq!(d.usage, vec![usage("111111111111", "AmazonEC2", "-10", "-11"), usage("222222222222", "AmazonS3", "1", "1.1")]);
        assert_eq!(totals(&d), ("-9".parse().unwrap(), "-9.9".parse().unwrap()));
        // What a note already corrected is billed too: nothing is left.
        assert!(difference(&now, &sum(&[billed, d])).usage.is_empty());
    }
}
