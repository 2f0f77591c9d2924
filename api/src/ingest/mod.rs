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
pub mod heartbeat;
mod layout;
mod manifest;
mod parquet_export;
mod parse;
pub mod rollup;
mod store_tags;
pub mod tags;
pub(crate) mod store;

use std::collections::BTreeMap;
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

use self::tags::SelectedKey;
use self::aggregate::{Aggregator, sym};
use self::csv_export::CsvExport;
use self::parquet_export::ParquetExport;
pub use self::store::PeriodWritten as PeriodReport;
/// The PostgreSQL advisory lock key under which a (payer, source, period) is replaced.
pub use self::store::period_lock_key;
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
    /// How often the run's record gets a heartbeat (`PB_INGEST_HEARTBEAT_SECONDS`); its lease
    /// is three of these. `None`: [`heartbeat::DEFAULT_PERIOD`].
    pub heartbeat: Option<Duration>,
}

/// One input file as read.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FileReport {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    /// `CUR Parquet`, `legacy CUR CSV.gz`, `FOCUS CSV`, …
    pub format: String,
    pub rows: u64,
    /// Rows billed to other billing (payer) accounts, left out, per account id.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rows_other_payers: BTreeMap<String, u64>,
    /// Rows whose cost cell was empty (counted as 0).
    #[serde(skip_serializing_if = "is_zero")]
    pub empty_cost_cells: u64,
    /// What a person should know about this file: `no rows`, rows left out, empty cost cells.
    /// Recorded with the ingestion (its `files`) and printed by the CLI.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &u64) -> bool {
    *n == 0
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
    /// Rows billed to other billing (payer) accounts, left out, per account id (all files).
    pub rows_other_payers: BTreeMap<String, u64>,
    /// Every file's warnings, each prefixed with the file's path.
    pub warnings: Vec<String>,
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
            for w in &file.warnings {
                writeln!(f, "    warning: {w}")?;
            }
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
            let other_payers: u64 = self.rows_other_payers.values().sum();
            if other_payers > 0 {
                write!(f, " ({other_payers} of other billing accounts left out: {})", accounts_list(&self.rows_other_payers))?;
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

impl Input {
    fn layout(&self) -> &layout::Layout {
        match &self.export {
            Export::Parquet(p) => &p.layout,
            Export::Csv(c) => &c.layout,
        }
    }

    /// How the file's readers number a row in messages.
    fn row_word(&self) -> &'static str {
        match &self.export {
            Export::Parquet(_) => "row",
            Export::Csv(_) => "line",
        }
    }
}

/// `222222222222 (3 rows), 333333333333 (1 row)`.
fn accounts_list(accounts: &BTreeMap<String, u64>) -> String {
    let mut v: Vec<(&String, &u64)> = accounts.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    v.iter().map(|(a, n)| format!("{a} ({n} row{})", if **n == 1 { "" } else { "s" })).collect::<Vec<_>>().join(", ")
}

/// Checks what the files held against the payer, once they are read: a file with rows but none
/// of this payer's is refused (it is another payer's export), as is a payer billed in more than
/// one currency (sums never cross currencies); rows of other billing accounts, empty cost cells
/// and empty files become warnings on the file's report. `Err` names the file (and the rows).
fn review(inputs: &[Input], reports: &mut [FileReport], agg: &Aggregator, payer_account: &str) -> Result<(), String> {
    let none = aggregate::FileStats::default();
    let name = |s: aggregate::Sym| if s == sym::EMPTY { "(empty)".to_owned() } else { agg.strings.get(s).to_owned() };
    let mut first_currency: Option<(String, &str, &'static str, u64)> = None;
    for (i, (input, report)) in inputs.iter().zip(reports.iter_mut()).enumerate() {
        let stats = agg.files.get(i).unwrap_or(&none);
        let path = report.path.as_str();
        let word = input.row_word();
        report.rows_other_payers = stats.other_payers.iter().map(|(a, n)| (name(*a), *n)).collect();
        report.empty_cost_cells = stats.empty_costs;
        let other_payers: u64 = stats.other_payers.values().sum();
        if stats.kept == 0 && other_payers > 0 {
            return Err(format!(
                "{path}: none of its rows are billed to this payer's account {payer_account}; it holds {other_payers} row{} of billing account {} (another payer's export?), so it is refused",
                if other_payers == 1 { "" } else { "s" },
                accounts_list(&report.rows_other_payers)
            ));
        }
        if let [(c1, l1), (c2, l2), ..] = stats.currencies.as_slice() {
            return Err(format!(
                "{path}: {word} {l2}, column {}: billed in {} where {word} {l1} is billed in {}; costs in different currencies are never added together, so a file that bills one payer in more than one currency is refused (export it in one currency)",
                input.layout().name(layout::F::Currency),
                name(*c2),
                name(*c1)
            ));
        }
        if let Some(&(c, line)) = stats.currencies.first() {
            let c = name(c);
            match &first_currency {
                Some((seen, other, other_word, other_line)) if *seen != c => {
                    return Err(format!(
                        "{path}: {word} {line} is billed in {c} where {other} ({other_word} {other_line}) is billed in {seen}; costs in different currencies are never added together, so files that bill one payer in more than one currency are refused"
                    ));
                }
                Some(_) => {}
                None => first_currency = Some((c, path, word, line)),
            }
        }
        if report.rows == 0 {
            report.warnings.push("no rows: the file holds no cost lines".to_owned());
        } else if stats.kept == 0 && stats.other_provider > 0 {
            report.warnings.push(format!("no AWS rows: all its {} rows are of other providers", stats.other_provider));
        }
        if other_payers > 0 {
            report.warnings.push(format!(
                "left out {other_payers} row{} billed to other billing accounts than this payer's ({payer_account}): {}",
                if other_payers == 1 { "" } else { "s" },
                accounts_list(&report.rows_other_payers)
            ));
        }
        if stats.empty_costs > 0 {
            let l = input.layout();
            let column = match l.kind {
                layout::Kind::Cur => l.name(layout::F::Unblended).to_owned(),
                layout::Kind::Focus => format!("{} or {}", l.name(layout::F::Unblended), l.name(layout::F::Effective)),
            };
            report.warnings.push(format!(
                "{} row{} with an empty cost cell ({column}), counted as 0",
                stats.empty_costs,
                if stats.empty_costs == 1 { "" } else { "s" }
            ));
        }
    }
    Ok(())
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
fn prepare_one(path: &Path, keys: &[SelectedKey]) -> Result<Input, String> {
    let bytes = std::fs::metadata(path).map_err(|e| format!("cannot open: {e}"))?.len();
    let mut report = FileReport { path: path.display().to_string(), bytes, ..FileReport::default() };
    let export = if is_parquet(path)? {
        let p = ParquetExport::open(path, keys)?;
        report.format = format!("{} Parquet", p.layout.describe());
        Export::Parquet(p)
    } else {
        let c = CsvExport::open(path, keys)?;
        report.format = format!("{} {}", c.layout.describe(), if c.gzip { "CSV.gz" } else { "CSV" });
        Export::Csv(c)
    };
    Ok(Input { report, export })
}

/// Expands and recognizes the inputs. On failure, the files seen so far (the failing one last,
/// without a format) come back with the message.
fn prepare(inputs: &[PathBuf], keys: &[SelectedKey]) -> Result<Vec<Input>, (Vec<FileReport>, String)> {
    let files = manifest::expand(inputs).map_err(|e| (Vec::new(), e))?;
    let mut out: Vec<Input> = Vec::new();
    for path in &files {
        match prepare_one(path, keys) {
            Ok(input) => out.push(input),
            Err(e) => {
                let mut seen: Vec<FileReport> = out.into_iter().map(|i| i.report).collect();
                seen.push(FileReport { path: path.display().to_string(), ..FileReport::default() });
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

/// What a run's result depends on: its files and the cost allocation keys kept (files read with
/// other keys are read again). Without keys, the files alone, as before keys existed.
fn fingerprint(files: &[FileReport], keys: &[SelectedKey]) -> String {
    let mut sums: Vec<&str> = files.iter().map(|f| f.sha256.as_str()).collect();
    sums.sort_unstable();
    let mut h = Sha256::new();
    for s in sums {
        h.update(s.as_bytes());
        h.update(b"\n");
    }
    for k in keys {
        h.update(b"key ");
        h.update(k.label().as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// One task for a reader thread.
enum Task {
    Group { input: usize, group: usize },
    Csv { input: usize },
}

/// Reads every input into one aggregator, in parallel, keeping only the rows billed to
/// `payer_account`. Returns rows read per input. Setting `stop` makes the readers give up at
/// their next batch (the result is then incomplete).
fn aggregate_all(
    inputs: &[Input],
    payer_account: &str,
    keys: &[SelectedKey],
    threads: usize,
    progress: &ProgressBar,
    stop: &AtomicBool,
) -> Result<(Aggregator, Vec<u64>), String> {
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
                    let mut agg = Aggregator::for_payer(payer_account).with_keys(keys);
                    while !stop.load(Ordering::Relaxed) {
                        let Some(task) = tasks.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
                        agg.begin_file(match *task {
                            Task::Csv { input } | Task::Group { input, .. } => input,
                        });
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
    let mut total = all.next().unwrap_or_else(|| Aggregator::for_payer(payer_account).with_keys(keys));
    for other in all {
        total.merge(other)?;
    }
    if total.files.len() < inputs.len() {
        total.files.resize_with(inputs.len(), aggregate::FileStats::default);
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
    // Only rows billed to the payer's own account are taken in.
    let payer_account = payers::Entity::find_by_id(payer.0).one(db).await?.ok_or(AppError::NotFound("payer"))?.account_id;

    let keys = tags::selected(db, payer).await?;
    let inputs = files.to_vec();
    let prepare_keys = keys.clone();
    let prepared = tokio::task::spawn_blocking(move || prepare(&inputs, &prepare_keys)).await?;
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
            let record = store::Record { payer, source: None, files_json: &files_json, fingerprint: &fingerprint(&reports, &keys), rows_read: 0, started_at };
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
    let reader_account = payer_account.clone();
    let reader_keys = keys.clone();
    let read = tokio::task::spawn_blocking(move || {
        let result = aggregate_all(&inputs, &reader_account, &reader_keys, threads, &worker_bar, &reader_stop);
        (inputs, result)
    });
    let (mut reports, checksummed) = checksums.await?;
    tracing::debug!(elapsed_ms = clock.elapsed().as_millis(), "ingest: files checksummed");
    let print = fingerprint(&reports, &keys);
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
            rows_other_payers: BTreeMap::new(),
            warnings: Vec::new(),
            duration: clock.elapsed(),
        });
    }
    // Earlier runs of this payer whose process is gone (or whose lease ran out) are marked
    // ABANDONED, so they do not show as running forever.
    heartbeat::close_abandoned(db, payer).await?;
    let period = options.heartbeat.unwrap_or(heartbeat::DEFAULT_PERIOD).max(Duration::from_millis(100));
    let run = Uuid::now_v7();
    // Held from before its record exists and renewed until the run records its outcome; if this
    // future is dropped first (its job was cancelled), the record is marked ABANDONED at once.
    let mut beat = heartbeat::Heartbeat::hold(db, run);
    if let Err(e) = store::start(db, run, &record, period).await {
        beat.finish();
        return Err(e);
    }
    beat.start(period);

    let (inputs, read) = read.await?;
    bar.finish_and_clear();
    tracing::debug!(elapsed_ms = clock.elapsed().as_millis(), "ingest: files read and aggregated");
    let (agg, rows) = match read {
        Ok(ok) => ok,
        Err(message) => {
            store::fail(db, Some(run), &record, &message).await?;
            beat.finish();
            return Err(AppError::invalid("files", message));
        }
    };
    for (report, n) in reports.iter_mut().zip(&rows) {
        report.rows = *n;
    }
    let reviewed = review(&inputs, &mut reports, &agg, &payer_account);
    let files_json = serde_json::to_string(&reports).map_err(AppError::internal)?;
    record.files_json = &files_json;
    record.rows_read = rows.iter().sum();
    if let Err(message) = reviewed {
        store::fail(db, Some(run), &record, &message).await?;
        beat.finish();
        return Err(AppError::invalid("files", message));
    }
    let rows_other_provider = agg.lines_other_provider;
    let replaced = if beat.lost() {
        tracing::warn!(ingestion = %run, "the ingestion's record was marked abandoned while it read; it writes nothing");
        Err(store::abandoned_meanwhile())
    } else {
        store::replace(db, run, &record, agg).await
    };
    let periods = match replaced {
        Ok(p) => {
            beat.finish();
            p
        }
        Err(e @ AppError::Conflict(_)) => {
            // The record was marked ABANDONED while this run read or wrote: it keeps that verdict.
            beat.finish();
            return Err(e);
        }
        Err(e) => {
            beat.finish();
            let (message, returned) = match e {
                AppError::Validation { message, .. } => {
                    // Name the files: a day's total is summed over all of them.
                    let paths: Vec<&str> = reports.iter().map(|r| r.path.as_str()).collect();
                    let message = format!("{}: {}", paths.join(", "), message.trim_start_matches("files: "));
                    (message.clone(), AppError::invalid("files", message))
                }
                other => {
                    let cause = match &other {
                        AppError::Internal(cause) => format!("{cause:#}"),
                        e => e.to_string(),
                    };
                    let message = format!("writing the day grain to the database failed ({cause}); the previous data is unchanged");
                    (message.clone(), AppError::internal(anyhow::anyhow!(message)))
                }
            };
            // The failure record may not be writable either (a full disk): the write's own error
            // is the one to report.
            if let Err(e) = store::fail(db, Some(run), &record, &message).await {
                tracing::warn!(error = %e.for_log(), "ingest: could not record the failed ingestion");
            }
            return Err(returned);
        }
    };
    tracing::debug!(elapsed_ms = clock.elapsed().as_millis(), "ingest: day grain written");
    let mut rows_other_payers: BTreeMap<String, u64> = BTreeMap::new();
    let mut warnings = Vec::new();
    for r in &reports {
        for (account, n) in &r.rows_other_payers {
            *rows_other_payers.entry(account.clone()).or_default() += n;
        }
        warnings.extend(r.warnings.iter().map(|w| format!("{}: {w}", r.path)));
    }
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
        rows_other_payers,
        warnings,
        duration: clock.elapsed(),
    })
}

/// Totals of a report, for tests and the CLI.
impl IngestionReport {
    pub fn total_unblended(&self) -> Decimal {
        self.periods.iter().map(|p| p.unblended).sum()
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    const PAYER: &str = "111111111111";
    const OTHER: &str = "222222222222";

    /// Reads `files` (name, contents) as an ingestion does, up to the write: the reports with
    /// their warnings and the unblended total taken in, or the refusal.
    fn read(files: &[(&str, &str)]) -> Result<(Vec<FileReport>, Decimal), String> {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = files
            .iter()
            .map(|(name, body)| {
                let p = dir.path().join(name);
                std::fs::write(&p, body).unwrap();
                p
            })
            .collect();
        let inputs = prepare(&paths, &[]).map_err(|(_, e)| e)?;
        let (agg, rows) = aggregate_all(&inputs, PAYER, &[], 2, &ProgressBar::hidden(), &AtomicBool::new(false))?;
        let mut reports: Vec<FileReport> = inputs.iter().map(|i| i.report.clone()).collect();
        for (r, n) in reports.iter_mut().zip(&rows) {
            r.rows = *n;
        }
        review(&inputs, &mut reports, &agg, PAYER)?;
        let total = agg.map.values().map(|s| s.unblended.value().unwrap()).sum();
        Ok((reports, total))
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    const CUR2: &str = "bill_payer_account_id,bill_billing_period_start_date,line_item_usage_start_date,line_item_usage_account_id,\
                        line_item_product_code,line_item_line_item_type,line_item_currency_code,line_item_unblended_cost\n";
    const LEGACY: &str = "bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/UsageAccountId,\
                          lineItem/ProductCode,lineItem/LineItemType,lineItem/CurrencyCode,lineItem/UnblendedCost\n";
    const FOCUS: &str = "BillingAccountId,BillingPeriodStart,ChargePeriodStart,SubAccountId,ServiceName,ChargeCategory,BillingCurrency,BilledCost,EffectiveCost,ProviderName\n";

    fn cur_line(payer: &str, currency: &str, cost: &str) -> String {
        format!("{payer},2024-09-01T00:00:00Z,2024-09-03T00:00:00Z,333333333333,AmazonEC2,Usage,{currency},{cost}\n")
    }

    fn focus_line(billing: &str, currency: &str, cost: &str) -> String {
        format!("{billing},2024-09-01 00:00:00,2024-09-03 00:00:00,333333333333,Amazon EC2,Usage,{currency},{cost},{cost},AWS\n")
    }

    /// The same two payers' rows in each export: ours are taken, the other's counted and named.
    #[test]
    fn only_the_payers_own_rows_are_taken_from_cur2_legacy_and_focus() {
        for (header, line, name) in [
            (CUR2, cur_line as fn(&str, &str, &str) -> String, "cur2.csv"),
            (LEGACY, cur_line, "legacy.csv"),
            (FOCUS, focus_line, "focus.csv"),
        ] {
            let body = format!(
                "{header}{}{}{}{}",
                line(PAYER, "USD", "10.5"),
                line(OTHER, "USD", "100"),
                line(PAYER, "USD", "2"),
                line(OTHER, "USD", "1000")
            );
            let (reports, total) = read(&[(name, &body)]).unwrap();
            assert_eq!(total, d("12.5"), "{name}: the other payer's 1100 is not added");
            let r = &reports[0];
            assert_eq!(r.rows, 4);
            assert_eq!(r.rows_other_payers, BTreeMap::from([(OTHER.to_owned(), 2)]), "{name}");
            assert_eq!(
                r.warnings,
                vec![format!("left out 2 rows billed to other billing accounts than this payer's ({PAYER}): {OTHER} (2 rows)")],
                "{name}"
            );
            let json = serde_json::to_string(r).unwrap();
            assert!(json.contains(r#""rows_other_payers":{"222222222222":2}"#), "the ingestion record keeps the count: {json}");

            // A file with none of the payer's rows is another payer's export: refused by name.
            let theirs = format!("{header}{}{}", line(OTHER, "USD", "100"), line("444444444444", "USD", "1"));
            let e = read(&[("good.csv", &body), (name, &theirs)]).unwrap_err();
            assert!(e.contains(&format!("{name}: none of its rows are billed to this payer's account {PAYER}")), "{e}");
            assert!(e.contains("it holds 2 rows of billing account 222222222222 (1 row), 444444444444 (1 row)"), "{e}");
        }
    }

    #[test]
    fn a_file_billing_one_payer_in_two_currencies_is_refused() {
        let body = format!("{CUR2}{}{}{}", cur_line(PAYER, "USD", "100"), cur_line(PAYER, "USD", "1"), cur_line(PAYER, "EUR", "50"));
        let e = read(&[("mixed.csv", &body)]).unwrap_err();
        assert!(e.starts_with("mixed.csv: ") || e.contains("/mixed.csv: "), "{e}");
        assert!(e.contains("line 4, column line_item_currency_code: billed in EUR where line 2 is billed in USD"), "{e}");
        let body = format!("{FOCUS}{}{}", focus_line(PAYER, "USD", "100"), focus_line(PAYER, "EUR", "50"));
        let e = read(&[("focus.csv", &body)]).unwrap_err();
        assert!(e.contains("line 3, column BillingCurrency: billed in EUR where line 2 is billed in USD"), "{e}");
        // Another payer's currency does not matter: its rows are left out.
        let body = format!("{CUR2}{}{}", cur_line(PAYER, "USD", "100"), cur_line(OTHER, "EUR", "50"));
        assert_eq!(read(&[("ok.csv", &body)]).unwrap().1, d("100"));
        // Two files, one currency each, for the same payer: refused too.
        let usd = format!("{CUR2}{}", cur_line(PAYER, "USD", "100"));
        let eur = format!("{CUR2}{}", cur_line(PAYER, "EUR", "50"));
        let e = read(&[("usd.csv", &usd), ("eur.csv", &eur)]).unwrap_err();
        assert!(e.contains("usd.csv: line 2 is billed in USD where") && e.contains("eur.csv (line 2) is billed in EUR"), "{e}");
    }

    #[test]
    fn an_empty_file_succeeds_with_a_no_rows_warning() {
        let (reports, total) = read(&[("empty.csv", CUR2)]).unwrap();
        assert_eq!((reports[0].rows, total), (0, Decimal::ZERO));
        assert_eq!(reports[0].warnings, vec!["no rows: the file holds no cost lines".to_owned()]);
    }

    #[test]
    fn empty_cost_cells_are_reported() {
        let body = format!("{CUR2}{}{}{}", cur_line(PAYER, "USD", ""), cur_line(PAYER, "USD", "3"), cur_line(PAYER, "USD", ""));
        let (reports, total) = read(&[("holes.csv", &body)]).unwrap();
        assert_eq!((reports[0].empty_cost_cells, total), (2, d("3")));
        assert_eq!(reports[0].warnings, vec!["2 rows with an empty cost cell (line_item_unblended_cost), counted as 0".to_owned()]);
        let body = format!("{FOCUS}{}", focus_line(PAYER, "USD", ""));
        let (reports, _) = read(&[("focus.csv", &body)]).unwrap();
        assert_eq!(reports[0].warnings, vec!["1 row with an empty cost cell (BilledCost or EffectiveCost), counted as 0".to_owned()]);
    }

    #[test]
    fn a_duplicated_column_refuses_the_file_naming_it() {
        let header = CUR2.trim_end().to_owned() + ",line_item_unblended_cost\n";
        let body = format!("{header}{}", cur_line(PAYER, "USD", "1").trim_end().to_owned() + ",2\n");
        let e = read(&[("dup.csv", &body)]).unwrap_err();
        assert!(e.contains("dup.csv: column line_item_unblended_cost appears 2 times"), "{e}");
    }

    #[test]
    fn a_too_large_total_names_the_file_and_line() {
        let body = format!("{CUR2}{}{}", cur_line(PAYER, "USD", "90000000000"), cur_line(PAYER, "USD", "90000000000"));
        let e = read(&[("huge.csv", &body)]).unwrap_err();
        assert!(e.contains("huge.csv: line 3, column line_item_unblended_cost: this line takes the day's unblended cost total"), "{e}");
        assert!(e.contains("to 180000000000, beyond the largest amount that can be stored"), "{e}");
    }

    #[test]
    fn the_report_shows_warnings_and_rows_left_out() {
        let report = IngestionReport {
            outcome: Outcome::Succeeded,
            ingestion_ids: Vec::new(),
            files: vec![FileReport { path: "a.csv".to_owned(), warnings: vec!["no rows: the file holds no cost lines".to_owned()], ..FileReport::default() }],
            periods: Vec::new(),
            skipped: Vec::new(),
            rows_read: 3,
            rows_other_provider: 0,
            rows_other_payers: BTreeMap::from([(OTHER.to_owned(), 3)]),
            warnings: Vec::new(),
            duration: Duration::from_secs(1),
        };
        let text = report.to_string();
        assert!(text.contains("    warning: no rows: the file holds no cost lines"), "{text}");
        assert!(text.contains("rows read 3 (3 of other billing accounts left out: 222222222222 (3 rows))"), "{text}");
    }
}
