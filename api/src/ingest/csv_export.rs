//! CSV and CSV.gz exports (CUR 2.0, legacy CUR with `lineItem/UnblendedCost` headers, FOCUS),
//! streamed record by record through one reused buffer: memory does not grow with the file.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;
use csv::ByteRecord;
use flate2::read::MultiGzDecoder;
use indicatif::ProgressBar;
use rust_decimal::Decimal;

use super::aggregate::{Aggregator, Interner, Row, Sym, sym};
use super::layout::{F, Layout};
use super::parse;
use super::tags::SelectedKey;

/// A CSV export whose header was read and recognized.
pub struct CsvExport {
    pub path: PathBuf,
    pub layout: Layout,
    pub gzip: bool,
    pub bytes: u64,
}

/// Counts the (compressed) bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    progress: ProgressBar,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}

fn is_gzip(path: &Path) -> Result<bool, String> {
    let mut magic = [0u8; 2];
    let mut f = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let n = f.read(&mut magic).map_err(|e| format!("cannot read: {e}"))?;
    Ok(n == 2 && magic == [0x1f, 0x8b])
}

fn reader(path: &Path, gzip: bool, progress: ProgressBar) -> Result<csv::Reader<Box<dyn Read>>, String> {
    let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let counted = Counting { inner: file, progress };
    let inner: Box<dyn Read> =
        if gzip { Box::new(BufReader::with_capacity(256 * 1024, MultiGzDecoder::new(counted))) } else { Box::new(counted) };
    Ok(csv::ReaderBuilder::new().has_headers(true).buffer_capacity(256 * 1024).from_reader(inner))
}

impl CsvExport {
    /// Reads and recognizes the header. Errors are messages without the file name.
    pub fn open(path: &Path, keys: &[SelectedKey]) -> Result<Self, String> {
        let gzip = is_gzip(path)?;
        let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or_default();
        let mut r = reader(path, gzip, ProgressBar::hidden())?;
        let header = r.byte_headers().map_err(|e| format!("cannot read the header line: {}", csv_error(&e, gzip)))?;
        let names: Vec<String> = header.iter().map(|h| String::from_utf8_lossy(h).into_owned()).collect();
        if names.iter().all(|n| n.trim().is_empty()) {
            return Err("is empty: no header line".to_owned());
        }
        let mut layout = Layout::resolve(&names).map_err(|e| e.0)?;
        layout.bind_keys(keys).map_err(|e| e.0)?;
        Ok(Self { path: path.to_owned(), layout, gzip, bytes })
    }

    /// Aggregates every record; returns the records read.
    pub fn read(&self, agg: &mut Aggregator, progress: &ProgressBar, stop: &AtomicBool) -> Result<u64, String> {
        let mut r = reader(&self.path, self.gzip, progress.clone())?;
        let mut rec = ByteRecord::new();
        let mut rows = 0u64;
        loop {
            match r.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(format!("line {}: {}", rows + 2, csv_error(&e, self.gzip))),
            }
            rows += 1;
            if rows.is_multiple_of(65_536) && stop.load(Ordering::Relaxed) {
                break;
            }
            let mut row = RecordRow { layout: &self.layout, rec: &rec };
            agg.add_row(&self.layout, &mut row, 0, rows + 1).map_err(|(f, e)| format!("line {}, column {}: {e}", rows + 1, self.layout.name(f)))?;
        }
        Ok(rows)
    }
}

fn csv_error(e: &csv::Error, gzip: bool) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) if gzip => format!("cannot decompress (truncated or not gzip?): {io}"),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!("has {len} fields where the header has {expected_len}"),
        _ => e.to_string(),
    }
}

struct RecordRow<'a> {
    layout: &'a Layout,
    rec: &'a ByteRecord,
}

impl RecordRow<'_> {
    fn cell(&self, f: F) -> Result<Option<&str>, String> {
        match self.layout.col(f).and_then(|c| self.rec.get(c)) {
            None => Ok(None),
            Some(b) => std::str::from_utf8(b).map(Some).map_err(|_| "is not valid UTF-8".to_owned()),
        }
    }
}

impl Row for RecordRow<'_> {
    fn text(&mut self, f: F, _: usize, strings: &mut Interner) -> Result<Sym, String> {
        Ok(self.cell(f)?.map_or(sym::EMPTY, |s| strings.intern(s)))
    }

    fn decimal(&mut self, f: F, _: usize) -> Result<Option<Decimal>, String> {
        self.cell(f)?.map_or(Ok(None), parse::decimal)
    }

    fn date(&mut self, f: F, _: usize) -> Result<Option<NaiveDate>, String> {
        self.cell(f)?.map_or(Ok(None), parse::date)
    }

    /// CUR 2.0 CSV writes map columns as a JSON object.
    fn product_attr(&mut self, _: usize, key: &str, strings: &mut Interner) -> Result<Sym, String> {
        let Some(text) = self.cell(F::ProductMap)? else { return Ok(sym::EMPTY) };
        if parse::is_missing(text) {
            return Ok(sym::EMPTY);
        }
        let map: HashMap<String, serde_json::Value> = serde_json::from_str(text).map_err(|_| "is not a JSON object".to_owned())?;
        Ok(match map.get(key) {
            Some(serde_json::Value::String(s)) => strings.intern(s),
            _ => sym::EMPTY,
        })
    }
}
