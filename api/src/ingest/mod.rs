//! Cost ingestion: CUR 2.0, legacy CUR and FOCUS 1.0–1.2 exports (Parquet, CSV, CSV.gz, or a
//! manifest naming them) into the day-grain store `cost_daily`.
//!
//! The files are checksummed, recognized from their columns, then read in parallel (one Parquet
//! row group or one CSV file per task) with only the needed columns decoded. Lines are summed in
//! memory per day-grain key, so memory follows the number of distinct keys, not the file size.
//! Each (source, billing period) found is then replaced in one transaction. Identical files
//! (same checksums) already current are a no-op recorded as SKIPPED; bad input is recorded as
//! FAILED with the file, row and column, and nothing is written.

mod aggregate;
mod csv_export;
pub mod generate;
mod layout;
mod manifest;
mod parquet_export;
mod parse;
pub(crate) mod store;

use std::fmt;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use entity::payers;
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use sea_orm::EntityTrait;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use self::aggregate::Aggregator;
use self::csv_export::CsvExport;
use self::parquet_export::ParquetExport;
pub use self::store::PeriodWritten as PeriodReport;
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::tenancy::unscoped::UnscopedPlatformAccess;

/// How to run an ingestion.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Draw a progress bar on standard error (only when it is a terminal).
    pub progress: bool,
    /// Reader threads; 0 means one per core.
    pub threads: usize,
}

/// One input file as read.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    /// `CUR Parquet`, `legacy CUR CSV.gz`, `FOCUS CSV`, …
    pub format: String,
    pub rows: u64,
}

/// How a run ended when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The periods found were replaced.
    Succeeded,
    /// The same files were already current; nothing was read or written.
    Skipped,
}

/// What an ingestion did.
#[derive(Debug, Clone)]
pub struct IngestionReport {
    pub outcome: Outcome,
    /// The `ingestions` rows of this run (one per period; one when nothing was found).
    pub ingestion_ids: Vec<Uuid>,
    pub files: Vec<FileReport>,
    /// Periods replaced (empty when skipped).
    pub periods: Vec<PeriodReport>,
    /// For a skipped run: the (source, period) pairs that were already current.
    pub skipped: Vec<(String, String)>,
    pub rows_read: u64,
    /// FOCUS rows of other providers (Azure, OCI, …), left out.
    pub rows_other_provider: u64,
    pub duration: Duration,
}

impl fmt::Display for IngestionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.outcome {
            Outcome::Succeeded => "SUCCEEDED",
            Outcome::Skipped => "SKIPPED (these files are already ingested)",
        };
        writeln!(f, "ingestion {status} in {:.1} s", self.duration.as_secs_f64())?;
        for file in &self.files {
            writeln!(f, "  file {} ({}, {} bytes, {} rows, sha256 {})", file.path, file.format, file.bytes, file.rows, file.sha256)?;
        }
        for (source, period) in &self.skipped {
            writeln!(f, "  {source} {period}: unchanged")?;
        }
        for p in &self.periods {
            writeln!(
                f,
                "  {} {}: {} lines -> {} day-grain rows; unblended {}, amortized {}",
                p.source,
                p.billing_period,
                p.lines,
                p.rows_written,
                p.unblended.round_dp(2),
                p.amortized.round_dp(2)
            )?;
        }
        if self.outcome == Outcome::Succeeded {
            write!(f, "  rows read {}", self.rows_read)?;
            if self.rows_other_provider > 0 {
                write!(f, " ({} of other providers left out)", self.rows_other_provider)?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

enum Export {
    Parquet(ParquetExport),
    Csv(CsvExport),
}

struct Input {
    report: FileReport,
    export: Export,
}

fn sha256_file(path: &Path) -> Result<(String, u64), String> {
    let mut file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| format!("cannot read: {e}"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), bytes))
}

fn is_parquet(path: &Path) -> Result<bool, String> {
    let mut magic = [0u8; 4];
    let mut f = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let n = f.read(&mut magic).map_err(|e| format!("cannot read: {e}"))?;
    Ok(n == 4 && &magic == b"PAR1")
}

/// Recognizes one file from its header or footer (no checksum yet: see [`checksum_all`]).
fn prepare_one(path: &Path) -> Result<Input, String> {
    let bytes = std::fs::metadata(path).map_err(|e| format!("cannot open: {e}"))?.len();
    let mut report = FileReport { path: path.display().to_string(), sha256: String::new(), bytes, format: String::new(), rows: 0 };
    let export = if is_parquet(path)? {
        let p = ParquetExport::open(path)?;
        report.format = format!("{} Parquet", p.layout.describe());
        Export::Parquet(p)
    } else {
        let c = CsvExport::open(path)?;
        report.format = format!("{} {}", c.layout.describe(), if c.gzip { "CSV.gz" } else { "CSV" });
        Export::Csv(c)
    };
    Ok(Input { report, export })
}

/// Expands and recognizes the inputs. On failure, the files seen so far (the failing one last,
/// without a format) come back with the message.
fn prepare(inputs: &[PathBuf]) -> Result<Vec<Input>, (Vec<FileReport>, String)> {
    let files = manifest::expand(inputs).map_err(|e| (Vec::new(), e))?;
    let mut out: Vec<Input> = Vec::new();
    for path in &files {
        match prepare_one(path) {
            Ok(input) => out.push(input),
            Err(e) => {
                let mut seen: Vec<FileReport> = out.into_iter().map(|i| i.report).collect();
                seen.push(FileReport { path: path.display().to_string(), sha256: String::new(), bytes: 0, format: String::new(), rows: 0 });
                return Err((seen, format!("{}: {e}", path.display())));
            }
        }
    }
    Ok(out)
}

/// Fills in the SHA-256 (and size) of each file. A file that cannot be read is left out of a
/// failure's record, as it could not be checksummed; `Err` names it.
fn checksum_all(reports: &mut Vec<FileReport>) -> Result<(), String> {
    let mut failed = None;
    reports.retain_mut(|r| {
        if failed.is_some() {
            return false;
        }
        match sha256_file(Path::new(&r.path)) {
            Ok((sum, bytes)) => {
                r.sha256 = sum;
                r.bytes = bytes;
                true
            }
            Err(e) => {
                failed = Some(format!("{}: {e}", r.path));
                false
            }
        }
    });
    failed.map_or(Ok(()), Err)
}

fn fingerprint(files: &[FileReport]) -> String {
    let mut sums: Vec<&str> = files.iter().map(|f| f.sha256.as_str()).collect();
    sums.sort_unstable();
    let mut h = Sha256::new();
    for s in sums {
        h.update(s.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// One task for a reader thread.
enum Task {
    Group { input: usize, group: usize },
    Csv { input: usize },
}

/// Reads every input into one aggregator, in parallel. Returns rows read per input. Setting
/// `stop` makes the readers give up at their next batch (the result is then incomplete).
fn aggregate_all(inputs: &[Input], threads: usize, progress: &ProgressBar, stop: &AtomicBool) -> Result<(Aggregator, Vec<u64>), String> {
    let mut tasks = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        match &input.export {
            Export::Csv(_) => tasks.push(Task::Csv { input: i }),
            Export::Parquet(p) => tasks.extend((0..p.row_groups()).map(|g| Task::Group { input: i, group: g })),
        }
    }
    // Whole CSV files first: they cannot be split, so they should not start last.
    tasks.sort_by_key(|t| matches!(t, Task::Group { .. }));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = if threads == 0 { cores } else { threads }.clamp(1, tasks.len().max(1));
    let next = AtomicUsize::new(0);
    let first_error: Mutex<Option<String>> = Mutex::new(None);
    let rows: Vec<AtomicU64> = inputs.iter().map(|_| AtomicU64::new(0)).collect();
    let aggregators: Vec<Aggregator> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut agg = Aggregator::default();
                    while !stop.load(Ordering::Relaxed) {
                        let Some(task) = tasks.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
                        let (input, result) = match *task {
                            Task::Csv { input } => match &inputs[input].export {
                                Export::Csv(c) => (input, c.read(&mut agg, progress, stop)),
                                Export::Parquet(_) => (input, Ok(0)),
                            },
                            Task::Group { input, group } => match &inputs[input].export {
                                Export::Parquet(p) => (input, p.read_group(group, &mut agg, progress, stop)),
                                Export::Csv(_) => (input, Ok(0)),
                            },
                        };
                        match result {
                            Ok(n) => {
                                rows[input].fetch_add(n, Ordering::Relaxed);
                            }
                            Err(e) => {
                                stop.store(true, Ordering::Relaxed);
                                let mut first = first_error.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                                first.get_or_insert_with(|| format!("{}: {e}", inputs[input].report.path));
                            }
                        }
                    }
                    agg
                })
            })
            .collect();
        workers.into_iter().filter_map(|w| w.join().ok()).collect()
    });
    if let Some(e) = first_error.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner) {
        return Err(e);
    }
    if aggregators.len() != threads {
        return Err("a reader thread stopped unexpectedly".to_owned());
    }
    let mut all = aggregators.into_iter();
    let mut total = all.next().unwrap_or_default();
    for other in all {
        total.merge(other)?;
    }
    Ok((total, rows.into_iter().map(AtomicU64::into_inner).collect()))
}

/// Stops the readers and waits for them, so nothing outlives the run.
async fn stop_reading<T>(stop: &AtomicBool, bar: &ProgressBar, read: tokio::task::JoinHandle<T>) {
    stop.store(true, Ordering::Relaxed);
    let _ = read.await;
    bar.finish_and_clear();
}

fn progress_bar(options: &IngestOptions, total: u64) -> ProgressBar {
    if !options.progress || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{spinner} reading [{bar:40}] {bytes}/{total_bytes} {elapsed} (eta {eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Ingests cost export files for one payer with default options (no progress bar).
pub async fn ingest_files(platform: &UnscopedPlatformAccess, payer: PayerId, files: &[PathBuf]) -> AppResult<IngestionReport> {
    ingest_files_with(platform, payer, files, &IngestOptions::default()).await
}

/// Ingests cost export files (or manifests, or folders of them) for one payer: replaces each
/// (source, billing period) they contain, atomically. Bad input is recorded as FAILED and comes
/// back as a validation error naming the file, row and column.
pub async fn ingest_files_with(
    platform: &UnscopedPlatformAccess,
    payer: PayerId,
    files: &[PathBuf],
    options: &IngestOptions,
) -> AppResult<IngestionReport> {
    let db = platform.db();
    let clock = Instant::now();
    let started_at = Utc::now();
    payers::Entity::find_by_id(payer.0).one(db).await?.ok_or(AppError::NotFound("payer"))?;

    let inputs = files.to_vec();
    let prepared = tokio::task::spawn_blocking(move || prepare(&inputs)).await?;
    let inputs = match prepared {
        Ok(inputs) => inputs,
        Err((mut reports, message)) => {
            // Checksum what was found, so the failure records which files it was about.
            let reports = tokio::task::spawn_blocking(move || {
                let _ = checksum_all(&mut reports);
                reports
            })
            .await?;
            let files_json = serde_json::to_string(&reports).map_err(AppError::internal)?;
            let record = store::Record { payer, source: None, files_json: &files_json, fingerprint: &fingerprint(&reports), rows_read: 0, started_at };
            store::fail(db, None, &record, &message).await?;
            return Err(AppError::invalid("files", message));
        }
    };
    let mut kinds: Vec<&'static str> = inputs
        .iter()
        .map(|i| match &i.export {
            Export::Parquet(p) => p.layout.kind.source(),
            Export::Csv(c) => c.layout.kind.source(),
        })
        .collect();
    kinds.dedup();
    let source = (kinds.len() == 1).then(|| kinds[0].to_owned());
    let total_bytes = inputs
        .iter()
        .map(|i| match &i.export {
            Export::Parquet(p) => p.bytes(),
            Export::Csv(c) => c.bytes,
        })
        .sum();

    // The checksums (which decide whether these files are already current) and the read run at
    // the same time: a separate pass over the files first would add its whole duration. When the
    // files turn out to be current, the read is stopped and its result dropped.
    let mut reports: Vec<FileReport> = inputs.iter().map(|i| i.report.clone()).collect();
    let checksums = tokio::task::spawn_blocking(move || {
        let result = checksum_all(&mut reports);
        (reports, result)
    });
    let bar = progress_bar(options, total_bytes);
    let threads = options.threads;
    let worker_bar = bar.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let reader_stop = Arc::clone(&stop);
    let read = tokio::task::spawn_blocking(move || aggregate_all(&inputs, threads, &worker_bar, &reader_stop));
    let (mut reports, checksummed) = checksums.await?;
    tracing::debug!(elapsed_ms = clock.elapsed().as_millis(), "ingest: files checksummed");
    let print = fingerprint(&reports);
    let files_json = serde_json::to_string(&reports).map_err(AppError::internal)?;
    let mut record = store::Record { payer, source: source.as_deref(), files_json: &files_json, fingerprint: &print, rows_read: 0, started_at };
    if let Err(message) = checksummed {
        stop_reading(&stop, &bar, read).await;
        store::fail(db, None, &record, &message).await?;
        return Err(AppError::invalid("files", message));
    }

    if let Some(pairs) = store::current_from(db, payer, &print).await? {
        stop_reading(&stop, &bar, read).await;
        let ids = store::skipped(db, &record, &pairs).await?;
        return Ok(IngestionReport {
            outcome: Outcome::Skipped,
            ingestion_ids: ids,
            files: reports,
            periods: Vec::new(),
            skipped: pairs,
            rows_read: 0,
            rows_other_provider: 0,
            duration: clock.elapsed(),
        });
    }
    store::close_interrupted(db, payer, &print).await?;
    let run = store::start(db, &record).await?;

    let read = read.await?;
    bar.finish_and_clear();
    tracing::debug!(elapsed_ms = clock.elapsed().as_millis(), "ingest: files read and aggregated");
    let (agg, rows) = match read {
        Ok(ok) => ok,
        Err(message) => {
            store::fail(db, Some(run), &record, &message).await?;
            return Err(AppError::invalid("files", message));
        }
    };
    for (report, n) in reports.iter_mut().zip(&rows) {
        report.rows = *n;
    }
    let files_json = serde_json::to_string(&reports).map_err(AppError::internal)?;
    record.files_json = &files_json;
    record.rows_read = rows.iter().sum();
    let rows_other_provider = agg.lines_other_provider;
    let periods = match store::replace(db, run, &record, agg).await {
        Ok(p) => p,
        Err(e) => {
            let message = match &e {
                AppError::Validation { message, .. } => message.clone(),
                _ => "the database refused the write; the previous data is unchanged".to_owned(),
            };
            store::fail(db, Some(run), &record, &message).await?;
            return Err(e);
        }
    };
    tracing::debug!(elapsed_ms = clock.elapsed().as_millis(), "ingest: day grain written");
    let mut ids: Vec<Uuid> = periods.iter().map(|p| p.ingestion_id).collect();
    if ids.is_empty() {
        ids.push(run);
    }
    Ok(IngestionReport {
        outcome: Outcome::Succeeded,
        ingestion_ids: ids,
        files: reports,
        periods,
        skipped: Vec::new(),
        rows_read: record.rows_read,
        rows_other_provider,
        duration: clock.elapsed(),
    })
}

/// Totals of a report, for tests and the CLI.
impl IngestionReport {
    pub fn total_unblended(&self) -> Decimal {
        self.periods.iter().map(|p| p.unblended).sum()
    }
}
