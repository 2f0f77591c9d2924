//! Cell values as exports write them: decimals, dates, account ids, and the ways they say "missing".

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// `true` when a text cell means "no value": empty, or the bare word `NULL` (FOCUS samples).
pub fn is_missing(s: &str) -> bool {
    let s = s.trim();
    s.is_empty() || s.eq_ignore_ascii_case("null")
}

/// A decimal cell, straight from its text (never through a float). Accepts plain and scientific
/// notation (`1.5E-7`); digits beyond what `Decimal` holds (28) are rounded.
pub fn decimal(s: &str) -> Result<Option<Decimal>, String> {
    let s = s.trim();
    if is_missing(s) {
        return Ok(None);
    }
    let parsed = if s.contains(['e', 'E']) { Decimal::from_scientific(s) } else { Decimal::from_str(s) };
    parsed.map(Some).map_err(|_| format!("'{}' is not a number", shorten(s)))
}

/// The exact decimal a Parquet DOUBLE was written from.
///
/// Caveat: AWS writes CUR 2.0 and FOCUS costs as DOUBLE, so the file holds the nearest binary
/// double, not the decimal AWS computed. We recover the shortest decimal that reads back as the
/// same double (what `repr` in Python or `Display` in Rust prints). That is the original value
/// whenever it had at most 15 significant digits — true of every CUR cost below 100,000 with
/// 10 decimal places — and otherwise the closest short decimal, never a float sum.
pub fn decimal_from_f64(x: f64) -> Result<Decimal, String> {
    if !x.is_finite() {
        return Err(format!("'{x}' is not a number"));
    }
    // Fast path: a value with at most 10 decimals and 15 significant digits. `m / 10^10` is a
    // decimal of ≤ 15 digits that reads back as `x`; two different decimals of ≤ 15 digits never
    // read back as the same double, so it is the value the shortest representation gives.
    let scaled = x * 1e10;
    if scaled.abs() < 1e15 {
        let m = scaled.round();
        if m / 1e10 == x {
            // |m| < 10^15 fits an i64 exactly.
            #[allow(clippy::cast_possible_truncation)]
            return Ok(Decimal::new(m as i64, 10));
        }
    }
    // Slow path: Rust prints the shortest round-trip decimal (never exponent notation).
    let text = x.to_string();
    Decimal::from_str(&text).or_else(|_| Decimal::from_scientific(&format!("{x:e}"))).map_err(|_| format!("'{x}' does not fit a decimal"))
}

/// A calendar date from a timestamp or date cell: `2024-09-01`, `2024-09-01T00:00:00Z`,
/// `2024-09-01 00:00:00`, `2024-09-01T00:00:00.000Z`. AWS writes them in UTC, so the date part is
/// the UTC date.
pub fn date(s: &str) -> Result<Option<NaiveDate>, String> {
    let s = s.trim();
    if is_missing(s) {
        return Ok(None);
    }
    let head = s.get(..10).unwrap_or(s);
    let valid_tail = s.len() == 10 || matches!(s.as_bytes().get(10), Some(b'T' | b' '));
    match NaiveDate::parse_from_str(head, "%Y-%m-%d") {
        Ok(d) if valid_tail => Ok(Some(d)),
        _ => Err(format!("'{}' is not a date or timestamp", shorten(s))),
    }
}

/// An AWS account id: 1–12 digits. Kept as written (no padding): ids are text so leading zeros
/// survive, and a shorter id in a file is what the file says.
pub fn account_id(s: &str) -> Result<(), String> {
    if !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("'{}' is not an AWS account id (12 digits)", shorten(s)))
    }
}

/// At most 60 characters of a cell, for error messages.
pub fn shorten(s: &str) -> String {
    if s.chars().count() <= 60 { s.to_owned() } else { format!("{}…", s.chars().take(60).collect::<String>()) }
}

/// A legacy CUR CSV header (`lineItem/UnblendedCost`, `reservation/ReservationARN`) as the
/// snake_case name CUR 2.0 and Athena use (`line_item_unblended_cost`,
/// `reservation_reservation_a_r_n`). Names already in snake_case come back unchanged.
pub fn snake_column(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    let mut at_start = true;
    for c in name.trim().chars() {
        if c == '/' || c == ':' {
            out.push('_');
            at_start = true;
        } else if c.is_ascii_uppercase() {
            if !at_start {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            at_start = false;
        } else {
            out.push(c);
            at_start = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn null_and_empty_are_missing() {
        for s in ["", "  ", "NULL", "null", " NULL "] {
            assert_eq!(decimal(s).unwrap(), None, "{s:?}");
            assert_eq!(date(s).unwrap(), None, "{s:?}");
            assert!(is_missing(s));
        }
        assert!(!is_missing("0"));
        assert!(!is_missing("NULLABLE"));
    }

    #[test]
    fn decimals_keep_every_digit() {
        assert_eq!(decimal("0.0000008000").unwrap(), Some(d("0.0000008")));
        assert_eq!(decimal("-2.61370000000").unwrap(), Some(d("-2.6137")));
        assert_eq!(decimal("1234.5678901234").unwrap(), Some(d("1234.5678901234")));
        assert_eq!(decimal("0.0000000001").unwrap(), Some(d("0.0000000001")));
        assert_eq!(decimal("1.5E-7").unwrap(), Some(d("0.00000015")));
        assert_eq!(decimal("-3e2").unwrap(), Some(d("-300")));
        assert!(decimal("12,50").unwrap_err().contains("'12,50' is not a number"));
        assert!(decimal("abc").is_err());
    }

    #[test]
    fn ten_decimal_costs_sum_exactly() {
        let parts = ["0.1234567891", "0.0000000009", "-0.1234567900"];
        let sum: Decimal = parts.iter().map(|p| decimal(p).unwrap().unwrap()).sum();
        assert_eq!(sum, Decimal::ZERO);
    }

    #[test]
    fn doubles_come_back_as_the_decimal_they_were_written_from() {
        for s in ["0.1", "0.0000000001", "-2.6137", "12345.6789012345", "99999.9999999999", "0.30000000000000004", "1e-7", "123456789.125", "-0.0000004"] {
            let x: f64 = s.parse().unwrap();
            let want = Decimal::from_scientific(&format!("{x:e}")).unwrap();
            assert_eq!(decimal_from_f64(x).unwrap(), want.normalize(), "{s}");
        }
        assert_eq!(decimal_from_f64(0.1 + 0.2).unwrap(), d("0.30000000000000004"));
        assert_eq!(decimal_from_f64(1.2345678901).unwrap(), d("1.2345678901"));
        assert_eq!(decimal_from_f64(-0.0).unwrap(), Decimal::ZERO);
        assert!(decimal_from_f64(f64::NAN).is_err());
        assert!(decimal_from_f64(f64::INFINITY).is_err());
    }

    #[test]
    fn dates_from_any_timestamp_form() {
        let sept = NaiveDate::from_ymd_opt(2024, 9, 18).unwrap();
        for s in ["2024-09-18", "2024-09-18T22:00:00Z", "2024-09-18 22:00:00", "2024-09-18T22:00:00.000Z"] {
            assert_eq!(date(s).unwrap(), Some(sept), "{s}");
        }
        assert!(date("18/09/2024").is_err());
        assert!(date("2024-09-18X").is_err());
    }

    #[test]
    fn account_ids_are_digits() {
        assert!(account_id("012345678901").is_ok());
        assert!(account_id("51738928782").is_ok());
        assert!(account_id("1234567890123").is_err());
        assert!(account_id("ocid6.tenancy").is_err());
        assert!(account_id("").is_err());
    }

    #[test]
    fn legacy_headers_become_cur2_names() {
        assert_eq!(snake_column("lineItem/UnblendedCost"), "line_item_unblended_cost");
        assert_eq!(snake_column("lineItem/UsageAccountId"), "line_item_usage_account_id");
        assert_eq!(snake_column("reservation/ReservationARN"), "reservation_reservation_a_r_n");
        assert_eq!(snake_column("savingsPlan/SavingsPlanEffectiveCost"), "savings_plan_savings_plan_effective_cost");
        assert_eq!(snake_column("pricing/publicOnDemandCost"), "pricing_public_on_demand_cost");
        assert_eq!(snake_column("product/region"), "product_region");
        assert_eq!(snake_column("product/ProductName"), "product_product_name");
        assert_eq!(snake_column("bill/BillingPeriodStartDate"), "bill_billing_period_start_date");
        assert_eq!(snake_column("line_item_unblended_cost"), "line_item_unblended_cost");
    }
}
