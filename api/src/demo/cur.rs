//! Synthetic CUR 2.0 for the demo organization: `gen-cur` files whose invented account ids are
//! replaced by the organization's real ones, so costs line up with the linked accounts.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::demo::generate::{GenFormat, GenOptions, generate_through};

/// One account of the demo organization.
#[derive(Debug, Clone)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    /// The demo customer the account belongs to (None: the management account).
    pub customer: Option<&'static str>,
}

/// Writes one month of CUR 2.0 (CSV.gz) for `accounts` (the first is the payer) into `dir`, with
/// usage up to `last_day` (a month in progress) or the whole month.
pub fn month_file(dir: &Path, month: NaiveDate, last_day: Option<NaiveDate>, rows: u64, accounts: &[OrgAccount], seed: u64) -> Result<PathBuf, String> {
    let raw = dir.join(format!("raw-{}.csv.gz", month.format("%Y-%m")));
    let count = u32::try_from(accounts.len()).map_err(|_| "too many accounts")?;
    generate_through(&GenOptions { rows, accounts: count, month, seed, format: GenFormat::CsvGz, out: raw.clone(), payer_account: None }, last_day)?;
    let out = dir.join(format!("cur-{}.csv.gz", month.format("%Y-%m")));
    rewrite_accounts(&raw, &out, accounts)?;
    std::fs::remove_file(&raw).map_err(|e| format!("removing {}: {e}", raw.display()))?;
    Ok(out)
}

fn open(path: &Path) -> Result<csv::Reader<GzDecoder<BufReader<File>>>, String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(csv::Reader::from_reader(GzDecoder::new(BufReader::new(file))))
}

/// Maps the generator's account ids onto `accounts`: the billing payer onto the first, usage
/// accounts onto the others by how much they use (largest first), so the same real account
/// stays the biggest spender from month to month.
fn rewrite_accounts(raw: &Path, out: &Path, accounts: &[OrgAccount]) -> Result<(), String> {
    let (payer_col, usage_col, usage_name_col, payer_name_col, resource_col) = {
        let mut reader = open(raw)?;
        let headers = reader.headers().map_err(|e| e.to_string())?.clone();
        let col = |name: &str| headers.iter().position(|h| h == name).ok_or_else(|| format!("gen-cur wrote no {name} column"));
        (col("bill_payer_account_id")?, col("line_item_usage_account_id")?, col("line_item_usage_account_name")?, col("bill_payer_account_name")?, col("line_item_resource_id")?)
    };
    let mut usage: HashMap<String, u64> = HashMap::new();
    for record in open(raw)?.records() {
        let record = record.map_err(|e| e.to_string())?;
        *usage.entry(record.get(usage_col).unwrap_or_default().to_owned()).or_default() += 1;
    }
    let mut ranked: Vec<(String, u64)> = usage.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let (payer, members) = accounts.split_first().ok_or("the organization has no accounts")?;
    // Members first; the management account itself uses little, as it should.
    let targets: Vec<&OrgAccount> = members.iter().chain(std::iter::once(payer)).collect();
    let map: HashMap<String, &OrgAccount> = ranked.into_iter().zip(targets.into_iter().cycle()).map(|((id, _), acct)| (id, acct)).collect();

    let mut reader = open(raw)?;
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let file = File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut writer = csv::Writer::from_writer(GzEncoder::new(BufWriter::new(file), Compression::fast()));
    writer.write_record(&headers).map_err(|e| e.to_string())?;
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let generated = record.get(usage_col).unwrap_or_default();
        let account = map.get(generated).copied().unwrap_or(payer);
        let row: Vec<String> = record
            .iter()
            .enumerate()
            .map(|(i, value)| match i {
                _ if i == payer_col => payer.id.clone(),
                _ if i == payer_name_col => payer.name.clone(),
                _ if i == usage_col => account.id.clone(),
                _ if i == usage_name_col => account.name.clone(),
                _ if i == resource_col && !generated.is_empty() => value.replace(generated, &account.id),
                _ => value.to_owned(),
            })
            .collect();
        writer.write_record(&row).map_err(|e| e.to_string())?;
    }
    let encoder = writer.into_inner().map_err(|e| e.to_string())?;
    encoder.finish().map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_accounts_become_the_organizations() {
        let dir = tempfile::tempdir().unwrap();
        let accounts: Vec<OrgAccount> =
            (0..5).map(|i| OrgAccount { id: format!("01234567890{i}"), name: format!("Demo {i}"), customer: None }).collect();
        let month = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let path = month_file(dir.path(), month, None, 2_000, &accounts, 7).unwrap();
        let mut reader = open(&path).unwrap();
        let headers = reader.headers().unwrap().clone();
        let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
        let (payer, usage, name) = (col("bill_payer_account_id"), col("line_item_usage_account_id"), col("line_item_usage_account_name"));
        let mut seen = std::collections::BTreeSet::new();
        let mut rows = 0;
        for r in reader.records() {
            let r = r.unwrap();
            rows += 1;
            assert_eq!(&r[payer], "012345678900");
            let account = accounts.iter().find(|a| a.id == r[usage]).expect("a usage account of the organization");
            assert_eq!(r[name], account.name);
            seen.insert(r[usage].to_owned());
        }
        assert_eq!(rows, 2_000);
        assert!(seen.len() >= 3, "usage spread over the organization: {seen:?}");
        assert!(!dir.path().join("raw-2025-03.csv.gz").exists());
    }
}
