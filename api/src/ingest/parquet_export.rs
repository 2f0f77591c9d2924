//! Parquet exports (CUR 2.0, legacy CUR, FOCUS): only the columns we need are decoded (column
//! projection), one row group at a time in batches, so memory stays flat whatever the file size.
//! Text columns are read dictionary-encoded: a batch interns each distinct value once, and a row
//! costs an integer lookup per field.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, ArrayRef, Int32Array, MapArray, PrimitiveArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use chrono::{Datelike, NaiveDate};
use indicatif::ProgressBar;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use rust_decimal::Decimal;

use super::aggregate::{Aggregator, Interner, Row, Sym, sym};
use super::layout::{ALL, F, FIELDS, Layout};
use super::parse;
use super::tags::SelectedKey;

/// Rows per decoded batch.
const BATCH_ROWS: usize = 32 * 1024;
/// Days from 0001-01-01 to 1970-01-01.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// An opened Parquet export: its footer, layout and row groups.
pub struct ParquetExport {
    pub path: PathBuf,
    pub layout: Layout,
    meta: ArrowReaderMetadata,
    projection: Vec<usize>,
    /// First row number of each row group.
    group_start: Vec<u64>,
    group_bytes: Vec<u64>,
}

/// The role a field plays, which decides the Arrow types it may have.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Text,
    Number,
    Date,
    Map,
    /// A map<string, string>, or text holding a JSON object (FOCUS `Tags`).
    MapOrJson,
}

fn role(f: F) -> Role {
    match f {
        F::PeriodStart | F::UsageStart => Role::Date,
        F::ProductMap => Role::Map,
        F::TagMap | F::CategoryMap => Role::MapOrJson,
        F::Unblended
        | F::NetUnblended
        | F::Effective
        | F::List
        | F::Usage
        | F::SpEffective
        | F::SpCommitment
        | F::SpUsedCommitment
        | F::RiEffective
        | F::RiUnusedUpfront
        | F::RiUnusedRecurring => Role::Number,
        _ => Role::Text,
    }
}



fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
        || matches!(t, DataType::Dictionary(_, v) if matches!(v.as_ref(), DataType::Utf8 | DataType::LargeUtf8))
}

fn type_fits(role: Role, f: F, t: &DataType) -> bool {
    match role {
        Role::Text => is_text(t) || (matches!(f, F::Account | F::AccountFallback | F::Payer) && matches!(t, DataType::Int64 | DataType::Int32)),
        Role::Number => {
            is_text(t) || matches!(t, DataType::Float64 | DataType::Float32 | DataType::Decimal128(_, _) | DataType::Int64 | DataType::Int32)
        }
        Role::Date => is_text(t) || matches!(t, DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64),
        Role::MapOrJson => is_text(t) || type_fits(Role::Map, f, t),
        Role::Map => match t {
            DataType::Map(entries, _) => match entries.data_type() {
                DataType::Struct(kv) => kv.len() == 2 && kv.iter().all(|c| c.data_type() == &DataType::Utf8),
                _ => false,
            },
            _ => false,
        },
    }
}

fn expected(role: Role) -> &'static str {
    match role {
        Role::Text => "text",
        Role::Number => "a number (double, decimal or text)",
        Role::Date => "a timestamp or date",
        Role::Map => "a map<string, string>",
        Role::MapOrJson => "a map<string, string> or JSON text",
    }
}

impl ParquetExport {
    /// Reads the footer and checks the schema. Errors are messages without the file name.
    pub fn open(path: &Path, keys: &[SelectedKey]) -> Result<Self, String> {
        let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
        let plain = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
            .map_err(|e| format!("not a readable Parquet file (truncated or corrupt?): {e}"))?;
        let schema = plain.schema().clone();
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let mut layout = Layout::resolve(&names).map_err(|e| e.0)?;
        layout.bind_keys(keys).map_err(|e| e.0)?;
        for f in ALL {
            if let Some(c) = layout.col(f).filter(|_| layout.reads(f)) {
                let t = schema.field(c).data_type();
                if !type_fits(role(f), f, t) {
                    return Err(format!("column {} has type {t}; expected {}", layout.name(f), expected(role(f))));
                }
            }
        }
        // Ask for top-level text columns as dictionaries (the hint must list every column).
        let hinted: Vec<Field> = schema
            .fields()
            .iter()
            .map(|f| {
                if f.data_type() == &DataType::Utf8 {
                    f.as_ref().clone().with_data_type(DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)))
                } else {
                    f.as_ref().clone()
                }
            })
            .collect();
        let options = ArrowReaderOptions::new().with_schema(Arc::new(Schema::new_with_metadata(hinted, schema.metadata().clone())));
        let meta = ArrowReaderMetadata::try_new(plain.metadata().clone(), options).map_err(|e| format!("cannot read its schema: {e}"))?;
        let mut group_start = Vec::new();
        let mut group_bytes = Vec::new();
        let mut rows = 0u64;
        for g in meta.metadata().row_groups() {
            group_start.push(rows);
            rows += g.num_rows().max(0).cast_unsigned();
            group_bytes.push(g.compressed_size().max(0).cast_unsigned());
        }
        let projection = layout.projection();
        Ok(Self { path: path.to_owned(), layout, meta, projection, group_start, group_bytes })
    }

    pub fn row_groups(&self) -> usize {
        self.group_start.len()
    }

    pub fn bytes(&self) -> u64 {
        self.group_bytes.iter().sum()
    }

    /// Aggregates one row group; returns the rows read.
    pub fn read_group(&self, group: usize, agg: &mut Aggregator, progress: &ProgressBar, stop: &AtomicBool) -> Result<u64, String> {
        let file = File::open(&self.path).map_err(|e| format!("cannot open: {e}"))?;
        let mask = ProjectionMask::roots(self.meta.parquet_schema(), self.projection.iter().copied());
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone())
            .with_projection(mask)
            .with_row_groups(vec![group])
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| format!("row group {group}: {e}"))?;
        let group_rows = self.meta.metadata().row_group(group).num_rows().max(1).cast_unsigned();
        let bytes = self.group_bytes.get(group).copied().unwrap_or_default();
        let mut done = 0u64;
        for batch in reader {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let batch = batch.map_err(|e| format!("row group {group}: cannot decode (truncated or corrupt?): {e}"))?;
            let first_row = self.group_start.get(group).copied().unwrap_or_default() + done;
            self.aggregate_batch(&batch, first_row, agg)?;
            let n = batch.num_rows() as u64;
            progress.inc(bytes * n / group_rows);
            done += n;
        }
        Ok(done)
    }

    fn aggregate_batch(&self, batch: &RecordBatch, first_row: u64, agg: &mut Aggregator) -> Result<(), String> {
        let mut row = BatchRow::new(&self.layout, &self.projection, batch, &mut agg.strings)?;
        for i in 0..batch.num_rows() {
            let line = first_row + i as u64 + 1;
            agg.add_row(&self.layout, &mut row, i, line).map_err(|(f, e)| format!("row {line}, column {}: {e}", self.layout.name(f)))?;
        }
        Ok(())
    }
}

/// One column of a batch, typed once per batch.
enum Col<'a> {
    Absent,
    Dict { keys: &'a Int32Array, syms: Vec<Sym> },
    Text(&'a ArrayRef),
    F64(&'a PrimitiveArray<Float64Type>),
    Num(&'a ArrayRef),
    Days(Vec<Option<i32>>),
    Map(&'a MapArray),
}

struct BatchRow<'a> {
    cols: Vec<Col<'a>>,
}

fn text_at(a: &ArrayRef, i: usize) -> Option<String> {
    if a.is_null(i) {
        return None;
    }
    match a.data_type() {
        DataType::Utf8 => Some(a.as_string::<i32>().value(i).to_owned()),
        DataType::LargeUtf8 => Some(a.as_string::<i64>().value(i).to_owned()),
        DataType::Utf8View => Some(a.as_string_view().value(i).to_owned()),
        DataType::Int64 => Some(format!("{:012}", a.as_primitive::<Int64Type>().value(i))),
        DataType::Int32 => Some(format!("{:012}", a.as_primitive::<Int32Type>().value(i))),
        DataType::Dictionary(k, _) if **k == DataType::Int32 => {
            let d = a.as_dictionary::<Int32Type>();
            let k = usize::try_from(d.keys().value(i)).ok()?;
            text_at(d.values(), k)
        }
        _ => None,
    }
}

/// Days since the epoch of every row of a date or timestamp column (`None` for nulls).
fn days_of(a: &ArrayRef) -> Result<Vec<Option<i32>>, String> {
    fn per<T: arrow_array::ArrowPrimitiveType<Native = i64>>(a: &ArrayRef, per_day: i64) -> Vec<Option<i32>> {
        let p = a.as_primitive::<T>();
        p.iter().map(|v| v.and_then(|v| i32::try_from(v.div_euclid(per_day)).ok())).collect()
    }
    Ok(match a.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => per::<TimestampSecondType>(a, 86_400),
        DataType::Timestamp(TimeUnit::Millisecond, _) => per::<TimestampMillisecondType>(a, 86_400_000),
        DataType::Timestamp(TimeUnit::Microsecond, _) => per::<TimestampMicrosecondType>(a, 86_400_000_000),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => per::<TimestampNanosecondType>(a, 86_400_000_000_000),
        DataType::Date32 => a.as_primitive::<Date32Type>().iter().collect(),
        DataType::Date64 => per::<Date64Type>(a, 86_400_000),
        _ => {
            let mut out = Vec::with_capacity(a.len());
            for i in 0..a.len() {
                let d = match text_at(a, i) {
                    Some(s) => parse::date(&s)?,
                    None => None,
                };
                out.push(d.map(|d| d.num_days_from_ce() - EPOCH_DAYS_FROM_CE));
            }
            out
        }
    })
}

impl<'a> BatchRow<'a> {
    fn new(layout: &Layout, projection: &[usize], batch: &'a RecordBatch, strings: &mut Interner) -> Result<Self, String> {
        let mut cols = Vec::with_capacity(FIELDS);
        for f in ALL {
            let col = match layout.col(f).and_then(|c| projection.binary_search(&c).ok()) {
                None => Col::Absent,
                Some(b) => {
                    let a = batch.column(b);
                    match (role(f), a.data_type()) {
                        (Role::Date, _) => Col::Days(days_of(a).map_err(|e| format!("column {}: {e}", layout.name(f)))?),
                        (Role::Map, _) => Col::Map(a.as_map()),
                        (Role::MapOrJson, DataType::Map(_, _)) => Col::Map(a.as_map()),
                        (Role::Number, DataType::Float64) => Col::F64(a.as_primitive::<Float64Type>()),
                        (Role::Number, _) => Col::Num(a),
                        (Role::Text | Role::MapOrJson, DataType::Dictionary(k, v)) if **k == DataType::Int32 && **v == DataType::Utf8 => {
                            let d = a.as_dictionary::<Int32Type>();
                            let values: &StringArray = d.values().as_string::<i32>();
                            let syms = (0..values.len()).map(|j| if values.is_null(j) { sym::EMPTY } else { strings.intern(values.value(j)) }).collect();
                            Col::Dict { keys: d.keys(), syms }
                        }
                        (Role::Text | Role::MapOrJson, _) => Col::Text(a),
                    }
                }
            };
            cols.push(col);
        }
        Ok(Self { cols })
    }

    fn col(&self, f: F) -> &Col<'a> {
        self.cols.get(f as usize).unwrap_or(&Col::Absent)
    }
}

fn number_at(a: &ArrayRef, i: usize) -> Result<Option<Decimal>, String> {
    if a.is_null(i) {
        return Ok(None);
    }
    match a.data_type() {
        DataType::Float64 => parse::decimal_from_f64(a.as_primitive::<Float64Type>().value(i)).map(Some),
        // A FLOAT widens to f64 exactly; its shortest decimal as f32 is what was written.
        DataType::Float32 => parse::decimal(&a.as_primitive::<Float32Type>().value(i).to_string()),
        DataType::Decimal128(_, scale) => {
            let v = a.as_primitive::<Decimal128Type>().value(i);
            let scale = u32::try_from(*scale).map_err(|_| format!("decimal scale {scale} is not supported"))?;
            Decimal::try_from_i128_with_scale(v, scale).map(Some).map_err(|_| "the decimal does not fit 28 digits".to_owned())
        }
        DataType::Int64 => Ok(Some(Decimal::from(a.as_primitive::<Int64Type>().value(i)))),
        DataType::Int32 => Ok(Some(Decimal::from(a.as_primitive::<Int32Type>().value(i)))),
        _ => match text_at(a, i) {
            Some(s) => parse::decimal(&s),
            None => Ok(None),
        },
    }
}

/// Row `i`'s value of the first entry whose key matches; [`sym::EMPTY`] when none or null.
fn map_entry(m: &MapArray, i: usize, matches: impl Fn(&str) -> bool, strings: &mut Interner) -> Sym {
    if m.is_null(i) {
        return sym::EMPTY;
    }
    let offsets = m.value_offsets();
    let (start, end) = match (offsets.get(i), offsets.get(i + 1)) {
        (Some(&s), Some(&e)) => (usize::try_from(s).unwrap_or(0), usize::try_from(e).unwrap_or(0)),
        _ => return sym::EMPTY,
    };
    let keys = m.keys().as_string::<i32>();
    let values = m.values().as_string::<i32>();
    for j in start..end {
        if matches(keys.value(j)) {
            return if values.is_null(j) { sym::EMPTY } else { strings.intern(values.value(j)) };
        }
    }
    sym::EMPTY
}

impl Row for BatchRow<'_> {
    fn text(&mut self, f: F, i: usize, strings: &mut Interner) -> Result<Sym, String> {
        Ok(match self.col(f) {
            Col::Dict { keys, syms } => {
                if keys.is_null(i) {
                    sym::EMPTY
                } else {
                    let k = keys.value(i);
                    usize::try_from(k).ok().and_then(|k| syms.get(k).copied()).unwrap_or(sym::EMPTY)
                }
            }
            Col::Text(a) => text_at(a, i).map_or(sym::EMPTY, |s| strings.intern(&s)),
            _ => sym::EMPTY,
        })
    }

    fn decimal(&mut self, f: F, i: usize) -> Result<Option<Decimal>, String> {
        match self.col(f) {
            Col::F64(p) => {
                if p.is_null(i) {
                    Ok(None)
                } else {
                    parse::decimal_from_f64(p.value(i)).map(Some)
                }
            }
            Col::Num(a) => number_at(a, i),
            _ => Ok(None),
        }
    }

    fn date(&mut self, f: F, i: usize) -> Result<Option<NaiveDate>, String> {
        match self.col(f) {
            Col::Days(days) => match days.get(i).copied().flatten() {
                Some(d) => NaiveDate::from_num_days_from_ce_opt(d + EPOCH_DAYS_FROM_CE).map(Some).ok_or_else(|| "the date is out of range".to_owned()),
                None => Ok(None),
            },
            _ => Ok(None),
        }
    }

    fn product_attr(&mut self, i: usize, key: &str, strings: &mut Interner) -> Result<Sym, String> {
        let Col::Map(m) = self.col(F::ProductMap) else { return Ok(sym::EMPTY) };
        Ok(map_entry(m, i, |k| k == key, strings))
    }

    fn map_value(&mut self, f: F, i: usize, keys: &[String], strings: &mut Interner) -> Result<Option<Sym>, String> {
        match self.col(f) {
            Col::Map(m) => {
                // The first of the keys in preference order, not the first entry that matches.
                for key in keys {
                    let v = map_entry(m, i, |k| k == key.as_str(), strings);
                    if v != sym::EMPTY {
                        return Ok(Some(v));
                    }
                }
                Ok(Some(sym::EMPTY))
            }
            Col::Absent => Ok(Some(sym::EMPTY)),
            _ => Ok(None),
        }
    }
}
