//! Importing the prior tool's DynamoDB cost table into the day grain, as source `legacy`.
//!
//! The prior tool kept, per `<account>_<month-number>` partition (`account_month`, with a
//! `createAt` number sort key), the largest lines of that account's monthly bill: product name,
//! usage type, description, payer, usage quantity, pricing unit and cost, all as strings. It
//! stored no year, so the caller names it. The table lives in the payer account, so it is read
//! through the payer's role, like everything else of the payer's.
//!
//! Each item counts as one bill line (items of a partition are summed). Lines become monthly
//! rows: usage date = the first day of the month, service = the product name (the table has no
//! product code), and the one cost it kept fills unblended, net unblended and amortized cost
//! (list cost stays 0: unknown). Descriptions are not kept: the day grain has no column for
//! them. Costs and quantities are parsed as exact decimals; an item that does not parse is
//! skipped and counted, never guessed.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::aws::cost_explorer::parse_amount;
use crate::aws::credentials::session_name;
use crate::aws::dynamodb::Item;
use crate::domain::jobs::{JobView, enqueue_requested};
use crate::domain::cost_pull::{GrainRow, fingerprint, payer_job, record_succeeded, replace_days};
use crate::domain::payers as payer_domain;
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::ingest::store::{self, Record};
use crate::tenancy::{PayerTransactions, PlatformPayer};
use crate::jobs::Step;
use crate::jobs::JobContext;
use crate::tenancy::{Role, Scope};

/// The day-grain source the import writes.
pub const SOURCE: &str = "legacy";
/// Items per Scan page: bounds what one page holds in memory.
const PAGE: i32 = 500;
/// Problems named in the job result (the rest are only counted).
const SAMPLES: usize = 5;

/// What to import.
#[derive(Debug, Clone)]
pub struct LegacyImport {
    pub payer: PayerId,
    pub table_name: String,
    pub year: i32,
    pub months: Vec<i32>,
}

/// The checked input: table name, year, and the distinct months in order.
fn check(input: &LegacyImport, today: NaiveDate) -> AppResult<(String, i32, Vec<u32>)> {
    let table = input.table_name.trim();
    let table_ok = (3..=255).contains(&table.len()) && table.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    if !table_ok {
        return Err(AppError::invalid("tableName", "is not a DynamoDB table name (3–255 of A–Z, a–z, 0–9, _ - .)"));
    }
    if !(2000..=today.year()).contains(&input.year) {
        return Err(AppError::invalid("year", format!("must be between 2000 and {}", today.year())));
    }
    if input.months.is_empty() {
        return Err(AppError::invalid("months", "name at least one month (1–12)"));
    }
    let mut months = Vec::new();
    for m in &input.months {
        let month = u32::try_from(*m).ok().filter(|m| (1..=12).contains(m)).ok_or_else(|| AppError::invalid("months", format!("{m} is not a month (1–12)")))?;
        if (input.year, month) > (today.year(), today.month()) {
            return Err(AppError::invalid("months", format!("{}-{month:02} is in the future", input.year)));
        }
        months.push(month);
    }
    months.sort_unstable();
    months.dedup();
    Ok((table.to_owned(), input.year, months))
}

/// The import job's arguments: the checked table, year and months.
#[derive(Serialize, Deserialize)]
pub struct ImportArgs {
    payer_id: Uuid,
    table: String,
    year: i32,
    months: Vec<u32>,
    session: Option<String>,
}

impl crate::jobs::JobArgs for ImportArgs {
    const KIND: &'static str = IMPORT_LEGACY;
}

/// Enqueues the import as a job, after checking the input (nothing is written when it is bad).
pub async fn request_import(state: &JobContext, scope: &Scope, input: LegacyImport) -> AppResult<JobView> {
    let payer = scope.payer(input.payer, Role::Operator).await?;
    let (table, year, months) = check(&input, Utc::now().date_naive())?;
    let args = ImportArgs { payer_id: payer.id, table, year, months, session: Some(session_name(&scope.principal().email)) };
    enqueue_requested(state, scope, &payer, payer_job(&payer, &args)?).await
}

/// Service (product name), usage type, pricing unit.
type LineKey = (String, String, String);

#[derive(Default)]
struct Sums {
    cost: Decimal,
    usage: Decimal,
    lines: i64,
    /// The first non-empty `line_item_line_item_description` of the line's items.
    description: String,
}

/// What the scan found, by month and account.
#[derive(Default)]
struct Tally {
    items: u64,
    imported: u64,
    malformed: u64,
    other_months: u64,
    other_payer: u64,
    problems: Vec<String>,
    lines: BTreeMap<(u32, String, LineKey), Sums>,
}

fn text<'a>(item: &'a Item, name: &str) -> &'a str {
    item.get(name).map_or("", |s| s.trim())
}

/// `<12-digit account>_<month 1–12>`.
fn account_month(key: &str) -> Option<(String, u32)> {
    let (account, month) = key.rsplit_once('_')?;
    let month = month.parse::<u32>().ok().filter(|m| (1..=12).contains(m))?;
    crate::aws::is_account_id(account).then(|| (account.to_owned(), month))
}

impl Tally {
    fn problem(&mut self, item: &Item, why: String) {
        self.malformed += 1;
        if self.problems.len() < SAMPLES {
            self.problems.push(format!("{} @ {}: {why}", text(item, "account_month"), text(item, "createAt")));
        }
    }

    fn add(&mut self, item: &Item, months: &[u32], payer_account: &str) {
        self.items += 1;
        let Some((account, month)) = account_month(text(item, "account_month")) else {
            return self.problem(item, "account_month is not <12-digit account>_<month 1–12>".to_owned());
        };
        if !months.contains(&month) {
            self.other_months += 1;
            return;
        }
        let payer = text(item, "bill_payer_account_id");
        if !payer.is_empty() && payer != payer_account {
            self.other_payer += 1;
            return;
        }
        let raw_cost = text(item, "cost");
        let Some(cost) = parse_amount(raw_cost) else {
            return self.problem(item, format!("cost {raw_cost:?} is not a decimal number"));
        };
        let raw_usage = text(item, "usage_quantity");
        let usage = if raw_usage.is_empty() { Some(Decimal::ZERO) } else { parse_amount(raw_usage) };
        let Some(usage) = usage else {
            return self.problem(item, format!("usage_quantity {raw_usage:?} is not a decimal number"));
        };
        let key = (text(item, "product_product_name").to_owned(), text(item, "line_item_usage_type").to_owned(), text(item, "pricing_unit").to_owned());
        let sums = self.lines.entry((month, account, key)).or_default();
        sums.cost += cost;
        sums.usage += usage;
        sums.lines += 1;
        if sums.description.is_empty() {
            text(item, "line_item_line_item_description").trim().clone_into(&mut sums.description);
        }
        self.imported += 1;
    }
}

/// The import job's one step: scan every page, then replace each named month in one transaction.
pub async fn run_import_job(state: &JobContext, p: ImportArgs) -> AppResult<Step<ImportArgs>> {
    let payer = state.platform().payer(PayerId(p.payer_id)).await?;
    let files = json!([{ "dynamodbTable": p.table, "year": p.year, "months": p.months }]).to_string();
    let mut record = Record { payer: PayerId(payer.id), source: Some(SOURCE), files_json: &files, fingerprint: "", rows_read: 0, started_at: Utc::now() };
    let session = p.session.clone().unwrap_or_else(|| "pb-legacy-import".to_owned());
    let scanned = scan(state, &payer, &p, &session).await;
    let (tally, pages) = match scanned {
        Ok(t) => t,
        Err(e) => {
            store::fail_unstarted(&payer, &record, &e.to_string()).await?;
            return Err(e);
        }
    };
    record.rows_read = tally.items;
    let mut by_month: BTreeMap<u32, Vec<GrainRow>> = p.months.iter().map(|m| (*m, Vec::new())).collect();
    for ((month, account_id, (service, usage_type, unit)), s) in tally.lines {
        let date = NaiveDate::from_ymd_opt(p.year, month, 1).ok_or_else(|| AppError::invalid("months", "out of range"))?;
        by_month.entry(month).or_default().push(GrainRow {
            date,
            account_id,
            service_code: service.clone(),
            service_name: service,
            usage_type,
            pricing_unit: unit,
            currency: "USD".to_owned(),
            unblended: s.cost,
            net_unblended: s.cost,
            amortized: s.cost,
            list: Decimal::ZERO,
            usage: s.usage,
            lines: s.lines,
            description: s.description,
        });
    }
    let all: Vec<GrainRow> = by_month.values().flatten().cloned().collect();
    let print = fingerprint(&all);
    record.fingerprint = &print;
    let txn = payer.begin_write().await?;
    let mut periods = Vec::new();
    for (month, rows) in &by_month {
        let first = NaiveDate::from_ymd_opt(p.year, *month, 1).ok_or_else(|| AppError::invalid("months", "out of range"))?;
        let last = first.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(first);
        let id = Uuid::now_v7();
        let written = replace_days(&txn, SOURCE, (first, last), rows, id).await?;
        let period = first.format("%Y-%m").to_string();
        record_succeeded(&txn, id, &record, period.clone(), written).await?;
        let cost: Decimal = rows.iter().map(|r| r.unblended).sum();
        periods.push(json!({ "billingPeriod": period, "rowsWritten": written, "cost": cost.normalize().to_string(), "ingestionId": id }));
    }
    txn.commit().await?;
    Ok(Step::Done(json!({
        "table": p.table,
        "pages": pages,
        "itemsRead": tally.items,
        "imported": tally.imported,
        "skipped": { "malformed": tally.malformed, "otherMonths": tally.other_months, "otherPayer": tally.other_payer },
        "problems": tally.problems,
        "periods": periods,
    })))
}

async fn scan(state: &JobContext, payer: &PlatformPayer, p: &ImportArgs, session: &str) -> AppResult<(Tally, u32)> {
    let creds = payer_domain::credentials(payer, &state.aws, session).await?;
    let mut tally = Tally::default();
    let (mut cursor, mut pages) = (None::<String>, 0_u32);
    loop {
        let page = state.aws.dynamodb.scan_page(&creds, &p.table, PAGE, cursor.as_deref()).await?;
        pages += 1;
        for item in &page.items {
            tally.add(item, &p.months, &payer.account_id);
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok((tally, pages)),
        }
    }
}

/// Imports one payer's costs from the prior tool's DynamoDB table.
pub const IMPORT_LEGACY: &str = "costs.import_legacy";

crate::jobs::job_handler! {
    /// Runs [`IMPORT_LEGACY`].
    pub ImportLegacy, ImportArgs, |ctx, _job, args| run_import_job(ctx, args).await.map_err(crate::jobs::JobFailure::from)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn input(year: i32, months: Vec<i32>) -> LegacyImport {
        LegacyImport { payer: PayerId::new(), table_name: "bill_top100".into(), year, months }
    }

    fn field(r: AppResult<(String, i32, Vec<u32>)>) -> String {
        match r {
            Err(AppError::Validation { field, .. }) => field.unwrap_or_default(),
            other => panic!("expected VALIDATION, got {other:?}"),
        }
    }

    #[test]
    fn year_months_and_table_are_checked() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(check(&input(2025, vec![12, 1, 12]), today).unwrap().2, vec![1, 12]);
        assert_eq!(field(check(&input(1999, vec![1]), today)), "year");
        assert_eq!(field(check(&input(2027, vec![1]), today)), "year");
        assert_eq!(field(check(&input(2025, vec![13]), today)), "months");
        assert_eq!(field(check(&input(2025, vec![0]), today)), "months");
        assert_eq!(field(check(&input(2025, vec![]), today)), "months");
        assert_eq!(field(check(&input(2026, vec![12]), today)), "months", "a future month");
        let mut bad = input(2025, vec![1]);
        bad.table_name = "no spaces allowed".into();
        assert_eq!(field(check(&bad, today)), "tableName");
    }

    fn item(pairs: &[(&str, &str)]) -> Item {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn items_are_summed_exactly_and_bad_ones_counted() {
        let mut t = Tally::default();
        let line = |am: &str, cost: &str, usage: &str| {
            item(&[("account_month", am), ("createAt", "1"), ("product_product_name", "Amazon S3"), ("line_item_usage_type", "TimedStorage"), ("pricing_unit", "GB-Mo"), ("cost", cost), ("usage_quantity", usage), ("bill_payer_account_id", "999999999999")])
        };
        t.add(&line("012345678901_7", "0.1", "1.5"), &[7], "999999999999");
        t.add(&line("012345678901_7", "0.2000000001", ""), &[7], "999999999999");
        t.add(&line("012345678901_8", "5", "1"), &[7], "999999999999");
        t.add(&line("012345678901_7", "12,5", "1"), &[7], "999999999999");
        t.add(&line("12345_7", "1", "1"), &[7], "999999999999");
        t.add(&line("012345678901_7", "1", "1"), &[7], "111111111111");
        assert_eq!((t.items, t.imported, t.malformed, t.other_months, t.other_payer), (6, 2, 2, 1, 1));
        let sums = t.lines.values().next().unwrap();
        assert_eq!(sums.cost, Decimal::from_str("0.3000000001").unwrap());
        assert_eq!(sums.usage, Decimal::from_str("1.5").unwrap());
        assert_eq!(sums.lines, 2);
        assert!(t.problems[0].contains("cost \"12,5\""), "{:?}", t.problems);
    }
}
