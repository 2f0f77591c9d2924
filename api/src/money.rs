//! Money storage. Amounts are `rust_decimal::Decimal` in code and fixed-point integers of
//! 10⁻⁸ (of the currency unit) in the database: exact on SQLite (which has no exact decimal
//! column type) and on PostgreSQL, and SQL `SUM` stays exact because it adds integers.
//!
//! 10⁻⁸ keeps every cent exact with room to spare; CUR line items carry up to 10 decimals, so
//! aggregated rows are rounded (banker's rounding) to 8 places once, at the day grain. An `i64`
//! of 10⁻⁸ units holds ±92 billion, far beyond any single stored amount or payer total.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{AppError, AppResult};

/// Decimal places kept in storage.
pub const SCALE: u32 = 8;

/// A decimal amount as stored units (10⁻⁸), rounding half to even beyond 8 places.
pub fn to_units(amount: Decimal) -> AppResult<i64> {
    let mut rounded = amount.round_dp_with_strategy(SCALE, RoundingStrategy::MidpointNearestEven);
    rounded.rescale(SCALE);
    let mantissa = rounded.mantissa();
    i64::try_from(mantissa).map_err(|_| AppError::invalid("amount", "is too large"))
}

/// Stored units back to a decimal amount (always 8 decimal places; `normalize()` to trim).
pub fn from_units(units: i64) -> Decimal {
    Decimal::new(units, SCALE)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn round_trips_exactly() {
        for s in ["0", "12.34", "-0.01", "0.00000001", "123456789.12345678", "-92233720368.54775807"] {
            assert_eq!(from_units(to_units(d(s)).unwrap()), d(s), "{s}");
        }
        assert_eq!(from_units(to_units(d("12.34")).unwrap()).normalize().to_string(), "12.34");
    }

    #[test]
    fn rounds_cur_precision_half_to_even() {
        assert_eq!(to_units(d("0.000000015")).unwrap(), 2);
        assert_eq!(to_units(d("0.000000025")).unwrap(), 2);
        assert_eq!(to_units(d("0.0000000251")).unwrap(), 3);
        assert_eq!(to_units(d("1.2345678949")).unwrap(), 123_456_789);
    }

    #[test]
    fn sums_of_units_are_exact_where_floats_are_not() {
        let parts = ["0.1", "0.2", "0.3"];
        let units: i64 = parts.iter().map(|p| to_units(d(p)).unwrap()).sum();
        assert_eq!(from_units(units), d("0.6"));
        assert_ne!(0.1_f64 + 0.2 + 0.3, 0.6);
    }

    #[test]
    fn overflow_is_refused() {
        assert!(to_units(d("100000000000")).is_err());
    }
}
