//! Closing a month and billing it (#20). `docs/invoicing.md` tells the whole story.
//!
//! - [`periods`]: a payer's billing period is OPEN until an admin (or the daily job, some days
//!   after month end) closes it; closing freezes one snapshot per billing group.
//! - [`adjustments`]: data that arrives for a closed period is priced as the period was, and the
//!   difference from the snapshot waits as a pending adjustment.
//! - [`invoices`]: one invoice per customer and closed period, DRAFT → ISSUED → PAID or VOID,
//!   numbered at issue; credit and debit notes share the lifecycle and reference an invoice.
//! - [`rates`]: exchange rates an admin enters per period.
//! - [`documents`]: the PDF (typst) and CSV of an invoice or note.

pub mod adjustments;
pub mod documents;
pub mod invoices;
pub mod periods;
pub mod rates;

use rust_decimal::{Decimal, RoundingStrategy};
use sha2::{Digest, Sha256};

use crate::audit::{CallScope, NewEvent, Target};
use crate::error::AppResult;
use crate::tenancy::{PayerTransactions, PayerTxn};

/// A write transaction holding the payer's billing lock (as a billing change does), so closing,
/// reopening, drafting and issuing of one payer run one at a time.
pub async fn begin_payer_write(payer: &impl PayerTransactions) -> AppResult<PayerTxn> {
    let txn = payer.begin_write().await?;
    crate::domain::billing::lock(&txn).await?;
    Ok(txn)
}

/// SHA-256 as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Digits after the point of a currency's minor unit (ISO 4217).
pub fn minor_digits(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// An amount rounded to the currency's minor unit, halves away from zero.
pub fn round_money(v: Decimal, currency: &str) -> Decimal {
    v.round_dp_with_strategy(minor_digits(currency), RoundingStrategy::MidpointAwayFromZero)
}

/// Adds an event of our own to the audit trail (what was frozen or issued, with its hash) in the
/// payer's transaction, so the record commits with the change or not at all: a period closed by
/// the daily job is never CLOSED without its record. The actor is the request's caller, or the
/// system for a job step.
async fn audit(txn: &PayerTxn, name: &str, tenant: Option<uuid::Uuid>, response: serde_json::Value) -> AppResult<()> {
    let scope = CallScope::current();
    let actor = scope.as_ref().map_or_else(crate::audit::Actor::system, |s| s.actor.clone());
    let mut event = NewEvent::api(name, actor);
    event.request_id = scope.and_then(|s| s.request_id.clone());
    event.response_elements = response;
    event.target = Target { tenant_id: tenant, payer_id: Some(txn.payer_id()), account_id: None };
    crate::audit::append_in(txn, vec![event]).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_rounds_half_away_from_zero_to_the_minor_unit() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(round_money(d("10.005"), "EUR"), d("10.01"));
        assert_eq!(round_money(d("-10.005"), "EUR"), d("-10.01"));
        assert_eq!(round_money(d("1234.5"), "JPY"), d("1235"));
        assert_eq!(round_money(d("1.0005"), "KWD"), d("1.001"));
    }
}
