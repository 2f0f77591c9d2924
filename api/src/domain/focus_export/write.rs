//! The FOCUS file writers. Amounts are exact decimals end to end: CSV cells are the decimal's own
//! text with 8 places (the precision the product stores and shows), Parquet columns are
//! `Decimal128(38, 8)`; no amount passes through a float. Times are UTC, ISO 8601
//! (`2026-03-01T00:00:00Z` in CSV, `timestamp[us, UTC]` in Parquet).

use std::sync::Arc;

use arrow_array::{ArrayRef, Decimal128Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use chrono::{NaiveDate, NaiveTime};
use parquet::arrow::ArrowWriter;
use rust_decimal::Decimal;

use super::{FocusRow, View};
use crate::domain::billing::next_period;
use crate::error::{AppError, AppResult};

/// Decimal places of every amount in the file.
const SCALE: u32 = 8;
/// Digits of a Parquet decimal.
const PRECISION: u8 = 38;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// An amount or quantity (Decimal).
    Decimal,
    /// A UTC date-time.
    Time,
}

/// The FOCUS 1.2 columns every file has, in order, then our `x_` columns.
pub const COLUMNS: &[(&str, Kind)] = &[
    ("AvailabilityZone", Kind::Text),
    ("BilledCost", Kind::Decimal),
    ("BillingAccountId", Kind::Text),
    ("BillingAccountName", Kind::Text),
    ("BillingAccountType", Kind::Text),
    ("BillingCurrency", Kind::Text),
    ("BillingPeriodEnd", Kind::Time),
    ("BillingPeriodStart", Kind::Time),
    ("ChargeCategory", Kind::Text),
    ("ChargeClass", Kind::Text),
    ("ChargeDescription", Kind::Text),
    ("ChargeFrequency", Kind::Text),
    ("ChargePeriodEnd", Kind::Time),
    ("ChargePeriodStart", Kind::Time),
    ("CommitmentDiscountCategory", Kind::Text),
    ("CommitmentDiscountId", Kind::Text),
    ("CommitmentDiscountName", Kind::Text),
    ("CommitmentDiscountStatus", Kind::Text),
    ("CommitmentDiscountType", Kind::Text),
    ("ConsumedQuantity", Kind::Decimal),
    ("ConsumedUnit", Kind::Text),
    ("ContractedCost", Kind::Decimal),
    ("ContractedUnitPrice", Kind::Decimal),
    ("EffectiveCost", Kind::Decimal),
    ("InvoiceId", Kind::Text),
    ("InvoiceIssuerName", Kind::Text),
    ("ListCost", Kind::Decimal),
    ("ListUnitPrice", Kind::Decimal),
    ("PricingCategory", Kind::Text),
    ("PricingQuantity", Kind::Decimal),
    ("PricingUnit", Kind::Text),
    ("ProviderName", Kind::Text),
    ("PublisherName", Kind::Text),
    ("RegionId", Kind::Text),
    ("RegionName", Kind::Text),
    ("ResourceId", Kind::Text),
    ("ResourceName", Kind::Text),
    ("ResourceType", Kind::Text),
    ("ServiceCategory", Kind::Text),
    ("ServiceName", Kind::Text),
    ("SkuId", Kind::Text),
    ("SkuPriceId", Kind::Text),
    ("SubAccountId", Kind::Text),
    ("SubAccountName", Kind::Text),
    ("SubAccountType", Kind::Text),
    ("Tags", Kind::Text),
    ("x_BillingGroupId", Kind::Text),
    ("x_ChargeType", Kind::Text),
    ("x_CustomLineItemId", Kind::Text),
    ("x_ServiceCode", Kind::Text),
];

/// The AWS-cost view's extra column: the pro-forma charge of the row.
pub const PROFORMA_COLUMN: (&str, Kind) = ("x_ProformaCost", Kind::Decimal);

fn columns(view: View) -> Vec<(&'static str, Kind)> {
    let mut out = COLUMNS.to_vec();
    if view == View::AwsCost {
        out.push(PROFORMA_COLUMN);
    }
    out
}

/// One cell's value.
enum Cell {
    Null,
    Text(String),
    Decimal(Decimal),
    /// Microseconds since the epoch, UTC.
    Time(i64),
}

/// Midnight UTC of the first day of a `YYYY-MM` month, in microseconds.
fn month_start(month: &str) -> AppResult<i64> {
    let day = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| AppError::internal(anyhow::anyhow!("FOCUS export: {month:?} is not a month")))?;
    Ok(day.and_time(NaiveTime::MIN).and_utc().timestamp_micros())
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

fn cell(row: &FocusRow, column: &str) -> AppResult<Cell> {
    Ok(match column {
        "BilledCost" => Cell::Decimal(row.billed),
        "BillingAccountId" => text(&row.billing_account_id),
        "BillingAccountName" => text(&row.billing_account_name),
        "BillingAccountType" => text(row.billing_account_type),
        "BillingCurrency" => text(&row.currency),
        "BillingPeriodStart" => Cell::Time(month_start(&row.billing_period)?),
        "BillingPeriodEnd" => Cell::Time(month_start(&next_period(&row.billing_period))?),
        "ChargeCategory" => text(row.charge_category),
        "ChargeDescription" => text(&row.charge_description),
        "ChargeFrequency" => text(row.charge_frequency),
        "ChargePeriodStart" => Cell::Time(month_start(&row.charge_month)?),
        "ChargePeriodEnd" => Cell::Time(month_start(&next_period(&row.charge_month))?),
        "ContractedCost" => Cell::Decimal(row.contracted),
        "EffectiveCost" => Cell::Decimal(row.effective),
        "InvoiceIssuerName" => text(&row.invoice_issuer),
        "ListCost" => Cell::Decimal(row.list),
        "PricingCategory" => row.pricing_category.map_or(Cell::Null, text),
        "ProviderName" => text("AWS"),
        "PublisherName" => text(&row.publisher),
        "ServiceCategory" => text(row.service_category),
        "ServiceName" => text(&row.service_name),
        "SubAccountId" => text(&row.sub_account_id),
        "SubAccountName" => row.sub_account_name.as_deref().map_or(Cell::Null, text),
        "SubAccountType" => text("Linked account"),
        "x_BillingGroupId" => row.billing_group_id.map_or(Cell::Null, |id| Cell::Text(id.to_string())),
        "x_ChargeType" => text(&row.charge_type),
        "x_CustomLineItemId" => row.custom_line_item_id.map_or(Cell::Null, |id| Cell::Text(id.to_string())),
        "x_ServiceCode" => row.service_code.as_deref().map_or(Cell::Null, text),
        "x_ProformaCost" => row.proforma.map_or(Cell::Null, Cell::Decimal),
        // Columns the product has no data for (regions and resources at month grain, SKUs,
        // commitments, quantities at a grain that sums several usage types, tags, the invoice).
        _ => Cell::Null,
    })
}

/// An amount at the file's scale, rounded half-even to 10⁻⁸ (the product's precision).
fn scaled(v: Decimal) -> Decimal {
    let mut v = v.round_dp(SCALE);
    v.rescale(SCALE);
    v
}

/// ISO 8601, UTC, seconds.
fn iso(micros: i64) -> AppResult<String> {
    let t = chrono::DateTime::from_timestamp_micros(micros).ok_or_else(|| AppError::internal(anyhow::anyhow!("FOCUS export: time {micros} out of range")))?;
    Ok(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// The rows as CSV: a header of column names, then one line per row; null is an empty cell.
/// Text cells pass through `csv_safe` (formula injection), amounts and times are written as is.
pub fn csv(rows: &[FocusRow], view: View) -> AppResult<Vec<u8>> {
    let columns = columns(view);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(columns.iter().map(|(name, _)| *name)).map_err(AppError::internal)?;
    for row in rows {
        let mut record = Vec::with_capacity(columns.len());
        for (name, _) in &columns {
            record.push(match cell(row, name)? {
                Cell::Null => String::new(),
                Cell::Text(s) => crate::csv_safe::cell(&s).into_owned(),
                Cell::Decimal(d) => scaled(d).to_string(),
                Cell::Time(t) => iso(t)?,
            });
        }
        writer.write_record(&record).map_err(AppError::internal)?;
    }
    writer.into_inner().map_err(|e| AppError::internal(anyhow::anyhow!("writing the FOCUS CSV: {e}")))
}

/// The rows as one Parquet file (Snappy): text as UTF-8 strings, amounts as
/// `Decimal128(38, 8)`, times as microsecond timestamps in UTC.
pub fn parquet(rows: &[FocusRow], view: View) -> AppResult<Vec<u8>> {
    let columns = columns(view);
    let mut fields = Vec::with_capacity(columns.len());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
    let failed = |e: arrow_schema::ArrowError| AppError::internal(anyhow::anyhow!("building the FOCUS Parquet columns: {e}"));
    for (name, kind) in &columns {
        let cells = rows.iter().map(|r| cell(r, name)).collect::<AppResult<Vec<Cell>>>()?;
        let (data_type, array): (DataType, ArrayRef) = match kind {
            Kind::Text => {
                let values: Vec<Option<String>> = cells.into_iter().map(|c| if let Cell::Text(s) = c { Some(s) } else { None }).collect();
                (DataType::Utf8, Arc::new(StringArray::from(values)))
            }
            Kind::Decimal => {
                let values: Vec<Option<i128>> = cells.into_iter().map(|c| if let Cell::Decimal(d) = c { Some(scaled(d).mantissa()) } else { None }).collect();
                let array = Decimal128Array::from(values).with_precision_and_scale(PRECISION, SCALE as i8).map_err(failed)?;
                (DataType::Decimal128(PRECISION, SCALE as i8), Arc::new(array))
            }
            Kind::Time => {
                let values: Vec<Option<i64>> = cells.into_iter().map(|c| if let Cell::Time(t) = c { Some(t) } else { None }).collect();
                (DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), Arc::new(TimestampMicrosecondArray::from(values).with_timezone("UTC")))
            }
        };
        fields.push(Field::new(*name, data_type, true));
        arrays.push(array);
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(failed)?;
    let written = |e: parquet::errors::ParquetError| AppError::internal(anyhow::anyhow!("writing the FOCUS Parquet file: {e}"));
    let mut writer = ArrowWriter::try_new(Vec::new(), batch.schema(), None).map_err(written)?;
    writer.write(&batch).map_err(written)?;
    writer.into_inner().map_err(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(billed: &str) -> FocusRow {
        FocusRow {
            billing_account_id: "012345678901".into(),
            billing_account_name: "=HYPERLINK(\"x\")".into(),
            billing_account_type: "Billing group",
            currency: "USD".into(),
            billing_period: "2026-12".into(),
            charge_month: "2026-12".into(),
            charge_category: "Usage",
            charge_frequency: "Usage-Based",
            pricing_category: Some("Standard"),
            charge_description: "Amazon EC2: Usage in 2026-12".into(),
            billed: billed.parse().unwrap(),
            effective: billed.parse().unwrap(),
            contracted: billed.parse().unwrap(),
            list: "0.1".parse().unwrap(),
            invoice_issuer: "Partner".into(),
            publisher: "AWS".into(),
            service_category: "Compute",
            service_name: "Amazon EC2".into(),
            service_code: Some("AmazonEC2".into()),
            sub_account_id: "012345678901".into(),
            sub_account_name: None,
            charge_type: "Usage".into(),
            billing_group_id: None,
            custom_line_item_id: None,
            proforma: None,
        }
    }

    #[test]
    fn csv_keeps_amounts_exact_and_times_in_utc() {
        let bytes = csv(&[row("0.30000000000000004"), row("-43.01")], View::Charges).unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(headers.len(), COLUMNS.len(), "no x_ProformaCost in a customer's file");
        let at = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(&rows[0][at("BilledCost")], "0.30000000");
        assert_eq!(&rows[1][at("BilledCost")], "-43.01000000");
        assert_eq!(&rows[0][at("BillingAccountId")], "012345678901", "the leading zero stays");
        assert_eq!(&rows[0][at("BillingPeriodStart")], "2026-12-01T00:00:00Z");
        assert_eq!(&rows[0][at("BillingPeriodEnd")], "2027-01-01T00:00:00Z");
        assert_eq!(&rows[0][at("BillingAccountName")], "'=HYPERLINK(\"x\")", "text is formula-safe");
        assert_eq!(&rows[0][at("ChargeClass")], "", "null is an empty cell");
    }

    #[test]
    fn parquet_holds_decimal128_amounts() {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let mut r = row("12.34");
        r.proforma = Some("-0.00000001".parse().unwrap());
        let bytes = parquet(&[r], View::AwsCost).unwrap();
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &bytes).unwrap();
        let reader = SerializedFileReader::new(file).unwrap();
        let schema = reader.metadata().file_metadata().schema_descr();
        assert_eq!(schema.num_columns(), COLUMNS.len() + 1);
        let billed = schema.columns().iter().find(|c| c.name() == "BilledCost").unwrap();
        assert_eq!((billed.type_precision(), billed.type_scale()), (38, 8));
        assert_eq!(reader.metadata().file_metadata().num_rows(), 1);
    }
}
