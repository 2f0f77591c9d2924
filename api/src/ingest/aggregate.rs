//! The day-grain aggregator: every line of every file adds into one entry per (source, billing
//! period, day, account, service, usage type, operation, region, charge type, billing entity,
//! pricing unit, currency). Text is interned, so an entry is a few integers and five decimals,
//! and memory grows with the number of distinct day-grain keys, not with the size of the files.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::layout::{F, Kind, Layout};
use super::tags::{MAX_KEYS, SelectedKey};
use super::parse;

/// An interned string.
pub type Sym = u32;

/// Symbols every interner starts with, so row logic compares integers, not text.
pub mod sym {
    use super::Sym;
    pub const EMPTY: Sym = 0;
    pub const SP_COVERED: Sym = 1;
    pub const SP_NEGATION: Sym = 2;
    pub const SP_RECURRING: Sym = 3;
    pub const SP_UPFRONT: Sym = 4;
    pub const DISCOUNTED_USAGE: Sym = 5;
    pub const RI_FEE: Sym = 6;
    pub const FEE: Sym = 7;
    pub(super) const SEED: [&str; 8] =
        ["", "SavingsPlanCoveredUsage", "SavingsPlanNegation", "SavingsPlanRecurringFee", "SavingsPlanUpfrontFee", "DiscountedUsage", "RIFee", "Fee"];
}

/// A fast, non-cryptographic hasher (the Fx hash used by rustc). Keys come from the partner's own
/// billing files, so hash flooding is not a concern, and SipHash would cost a third of the run.
#[derive(Clone, Copy, Default)]
pub struct FxBuild;

pub struct Fx(u64);

impl Fx {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl BuildHasher for FxBuild {
    type Hasher = Fx;
    fn build_hasher(&self) -> Fx {
        Fx(0)
    }
}

impl Hasher for Fx {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.add(u64::from_le_bytes(b));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_i32(&mut self, i: i32) {
        self.add(u64::from(i.cast_unsigned()));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        // hashbrown picks the bucket from the low bits, and the low bits of a product only depend
        // on the low bits of its inputs; a day-grain key ends in nearly constant words (pricing
        // unit, currency), so without this the keys crowd into few buckets. rustc-hash 2 does
        // the same rotation for the same reason.
        self.0.rotate_left(26)
    }
}

/// Text to small integers and back.
pub struct Interner {
    map: HashMap<Box<str>, Sym, FxBuild>,
    strings: Vec<Box<str>>,
}

impl Default for Interner {
    fn default() -> Self {
        let mut me = Self { map: HashMap::with_hasher(FxBuild), strings: vec!["".into()] };
        for s in &sym::SEED[1..] {
            me.intern(s);
        }
        debug_assert_eq!(me.map.get("Fee").copied(), Some(sym::FEE));
        me
    }
}

impl Interner {
    /// The symbol of a string, trimmed; missing values (`NULL`, empty) are [`sym::EMPTY`].
    pub fn intern(&mut self, s: &str) -> Sym {
        let s = s.trim();
        if parse::is_missing(s) {
            return sym::EMPTY;
        }
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = Sym::try_from(self.strings.len()).unwrap_or(Sym::MAX);
        self.strings.push(s.into());
        self.map.insert(s.into(), id);
        id
    }

    /// How many symbols were handed out (they are `0..count`).
    pub fn count(&self) -> usize {
        self.strings.len()
    }

    pub fn get(&self, id: Sym) -> &str {
        self.strings.get(id as usize).map_or("", |s| s)
    }
}

/// One day-grain key. Text fields are symbols of the aggregator's interner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GrainKey {
    pub kind: u8,
    /// `year * 100 + month` of the billing period.
    pub period: u32,
    /// Days since 0001-01-01 (chrono's `num_days_from_ce`).
    pub day: i32,
    /// account, service code, service name, usage type, operation, region, charge type,
    /// billing entity, pricing unit, currency.
    pub text: [Sym; 10],
}

impl GrainKey {
    pub fn kind(&self) -> Kind {
        if self.kind == 0 { Kind::Cur } else { Kind::Focus }
    }

    pub fn period_string(&self) -> String {
        format!("{:04}-{:02}", self.period / 100, self.period % 100)
    }

    pub fn date(&self) -> Option<NaiveDate> {
        NaiveDate::from_num_days_from_ce_opt(self.day)
    }
}

/// Decimal places of [`Total::units`].
const TOTAL_SCALE: u32 = 10;
const POW10: [i128; 11] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000];

/// An exact running sum, without a `Decimal` addition per line. Amounts with at most 10 decimal
/// places (every cost read from a CUR or FOCUS DOUBLE, see [`parse::decimal_from_f64`], and
/// nearly all text) add as a whole number of 10⁻¹⁰ in an `i64` (±922 million currency units);
/// anything finer, or an addition that would not fit, adds into an exact `Decimal` remainder.
/// [`Total::value`] adds the two once. (An `i64` rather than an `i128` keeps the hash map's
/// entries small, which matters more than the rare fallback.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Total {
    /// The sum of the amounts of ≤ 10 decimal places, in 10⁻¹⁰.
    units: i64,
    /// The sum of the others.
    rest: Decimal,
}

impl Total {
    #[inline]
    fn add(&mut self, d: Decimal) -> Result<(), String> {
        if d.scale() <= TOTAL_SCALE {
            let scaled = d.mantissa().checked_mul(POW10[(TOTAL_SCALE - d.scale()) as usize]);
            if let Some(units) = scaled.and_then(|u| i64::try_from(u).ok()).and_then(|u| self.units.checked_add(u)) {
                self.units = units;
                return Ok(());
            }
        }
        self.rest = self.rest.checked_add(d).ok_or_else(|| "the sum overflows a decimal".to_owned())?;
        Ok(())
    }

    fn merge(&mut self, other: &Self) -> Result<(), String> {
        self.add(Decimal::new(other.units, TOTAL_SCALE))?;
        self.rest = self.rest.checked_add(other.rest).ok_or_else(|| "the sum overflows a decimal".to_owned())?;
        Ok(())
    }

    /// The exact sum.
    pub fn value(&self) -> Result<Decimal, String> {
        Decimal::new(self.units, TOTAL_SCALE).checked_add(self.rest).ok_or_else(|| "the sum overflows a decimal".to_owned())
    }

    /// The sum, when it is beyond what `cost_daily` can store ([`max_storable`]). Cheap in the
    /// common case: a sum held in `units` alone (at most ±922 million) always fits.
    fn beyond_storable(&self) -> Option<Decimal> {
        if self.rest.is_zero() {
            return None;
        }
        match self.value() {
            Ok(v) if v.abs() <= max_storable() => None,
            Ok(v) => Some(v),
            Err(_) => Some(Decimal::MAX),
        }
    }
}

/// The largest amount `cost_daily` stores (an `i64` of 10⁻⁸ currency units).
pub fn max_storable() -> Decimal {
    crate::money::from_units(i64::MAX)
}

/// The sums of one key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sums {
    pub unblended: Total,
    pub net_unblended: Total,
    pub amortized: Total,
    pub list: Total,
    pub usage: Total,
    pub lines: u64,
    /// The first line item description seen for the key (descriptions vary by price tier and
    /// would multiply the rows if they were part of the key).
    pub description: Sym,
}

impl Sums {
    #[inline]
    fn add(&mut self, a: &Amounts) -> Result<(), String> {
        self.unblended.add(a.unblended)?;
        self.net_unblended.add(a.net_unblended)?;
        self.amortized.add(a.amortized)?;
        self.list.add(a.list)?;
        self.usage.add(a.usage)?;
        self.lines += a.lines;
        // A day's total that could not be stored fails here, on the line that made it too large,
        // so the error names the file and row (usage quantities are stored as text: no bound).
        for (total, what) in [(&self.unblended, "unblended cost"), (&self.net_unblended, "net unblended cost"), (&self.amortized, "amortized cost"), (&self.list, "list cost")] {
            if let Some(v) = total.beyond_storable() {
                return Err(format!(
                    "this line takes the day's {what} total (same day, account, service, usage type, operation, region, charge type and currency) to {}, beyond the largest amount that can be stored ({})",
                    v.normalize(),
                    max_storable()
                ));
            }
        }
        Ok(())
    }

    fn merge(&mut self, other: &Self) -> Result<(), String> {
        self.unblended.merge(&other.unblended)?;
        self.net_unblended.merge(&other.net_unblended)?;
        self.amortized.merge(&other.amortized)?;
        self.list.merge(&other.list)?;
        self.usage.merge(&other.usage)?;
        self.lines += other.lines;
        Ok(())
    }
}

/// The amounts of one line (or of one merged entry).
#[derive(Debug, Clone, Default)]
pub struct Amounts {
    pub unblended: Decimal,
    pub net_unblended: Decimal,
    pub amortized: Decimal,
    pub list: Decimal,
    pub usage: Decimal,
    pub lines: u64,
}

/// The part of one day-grain key whose lines have `value` for the selected key `slot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagKey {
    pub grain: GrainKey,
    /// The key's position in [`Aggregator::keys`].
    pub slot: u8,
    pub value: Sym,
}

/// Cell access for one row of a batch or record; each reader implements it over its own storage.
/// Errors are plain messages; the reader adds the file, row and column.
pub trait Row {
    /// Interned text of a field; [`sym::EMPTY`] when the file lacks the column or the cell is missing.
    fn text(&mut self, f: F, i: usize, strings: &mut Interner) -> Result<Sym, String>;
    /// A decimal; `None` when the file lacks the column or the cell is missing.
    fn decimal(&mut self, f: F, i: usize) -> Result<Option<Decimal>, String>;
    /// A date (UTC); `None` when missing.
    fn date(&mut self, f: F, i: usize) -> Result<Option<NaiveDate>, String>;
    /// One key of CUR 2.0's `product` map column; [`sym::EMPTY`] when absent.
    fn product_attr(&mut self, i: usize, key: &str, strings: &mut Interner) -> Result<Sym, String>;
    /// The first of `keys` in a map column: `Some(EMPTY)` when none is there, `None` when the
    /// column is not a map (its text may hold a JSON object, which the aggregator reads).
    fn map_value(&mut self, _f: F, _i: usize, _keys: &[String], _strings: &mut Interner) -> Result<Option<Sym>, String> {
        Ok(None)
    }
}

/// A row-level failure: the field whose column was bad, and why.
pub type RowError = (F, String);

/// What one input file held besides its sums: rows left out and cells worth a warning.
#[derive(Debug, Clone, Default)]
pub struct FileStats {
    /// Rows taken in (the payer's own AWS rows).
    pub kept: u64,
    /// FOCUS rows of other providers, left out.
    pub other_provider: u64,
    /// Rows billed to other billing (payer) accounts, left out, per account symbol.
    pub other_payers: HashMap<Sym, u64, FxBuild>,
    /// Rows whose cost cell (CUR unblended cost, FOCUS BilledCost or EffectiveCost) was empty;
    /// they count as 0 and are reported.
    pub empty_costs: u64,
    /// Each billing currency of the kept rows, with the first line (as the reader numbers its
    /// lines or rows) it appeared on.
    pub currencies: Vec<(Sym, u64)>,
}

impl FileStats {
    fn merge(&mut self, other: &FileStats, translate: &[Sym]) {
        let t = |s: Sym| translate.get(s as usize).copied().unwrap_or(sym::EMPTY);
        self.kept += other.kept;
        self.other_provider += other.other_provider;
        for (acct, n) in &other.other_payers {
            *self.other_payers.entry(t(*acct)).or_default() += n;
        }
        self.empty_costs += other.empty_costs;
        for (c, line) in &other.currencies {
            let c = t(*c);
            match self.currencies.iter_mut().find(|(mine, _)| *mine == c) {
                Some(seen) => seen.1 = seen.1.min(*line),
                None => self.currencies.push((c, *line)),
            }
        }
        self.currencies.sort_by_key(|(_, line)| *line);
    }
}

/// The running day-grain totals of one worker.
#[derive(Default)]
pub struct Aggregator {
    pub strings: Interner,
    pub map: HashMap<GrainKey, Sums, FxBuild>,
    /// Lines kept (the payer's own AWS lines; other providers' and other payers' are dropped).
    pub lines_kept: u64,
    /// Lines dropped because they belong to another provider.
    pub lines_other_provider: u64,
    /// Per input file (by its index), what it held besides its sums.
    pub files: Vec<FileStats>,
    /// The cost allocation keys kept (each file's [`Layout::tags`] says where it holds them).
    pub keys: Vec<SelectedKey>,
    /// The sums of the lines that have a value for a selected key (lines without one are not
    /// kept here: their cost is the day grain's less these).
    pub tags: HashMap<TagKey, Sums, FxBuild>,
    /// JSON map cells already read: (slot, the cell's symbol) → the key's value.
    json_cache: HashMap<(u8, Sym), Sym, FxBuild>,
    /// The payer's own billing account; `None` takes every row (unit tests of the grain only).
    own_payer: Option<Sym>,
    /// The file being read and the line number of the row being added, set by the readers.
    file: usize,
    line: u64,
    /// The currency of the previous kept row of this file (skips the per-file check).
    last_currency: Sym,
    /// Per symbol: 0 not checked, 1 valid, 2 invalid (account ids and providers).
    account_ok: Vec<u8>,
    provider_aws: Vec<u8>,
}

fn cached_check(cache: &mut Vec<u8>, id: Sym, check: impl FnOnce() -> bool) -> bool {
    let i = id as usize;
    if cache.len() <= i {
        cache.resize(i + 1, 0);
    }
    if cache[i] == 0 {
        cache[i] = if check() { 1 } else { 2 };
    }
    cache[i] == 1
}

fn required_date<R: Row>(r: &mut R, f: F, i: usize) -> Result<NaiveDate, RowError> {
    r.date(f, i).map_err(|e| (f, e))?.ok_or((f, "is empty".to_owned()))
}

fn amount<R: Row>(r: &mut R, f: F, i: usize) -> Result<Option<Decimal>, RowError> {
    r.decimal(f, i).map_err(|e| (f, e))
}

impl Aggregator {
    /// An aggregator that takes only the rows billed to `payer_account` (the registered payer's
    /// 12-digit id); rows of other billing accounts are counted per account and left out.
    pub fn for_payer(payer_account: &str) -> Self {
        let mut me = Self::default();
        me.own_payer = Some(me.strings.intern(payer_account));
        me
    }

    /// Also keeps the cost of each line per value of these keys (at most [`MAX_KEYS`]).
    pub fn with_keys(mut self, keys: &[SelectedKey]) -> Self {
        self.keys = keys.iter().take(MAX_KEYS).cloned().collect();
        self
    }

    /// The rows that follow come from input file `file`.
    pub fn begin_file(&mut self, file: usize) {
        self.file = file;
        self.last_currency = sym::EMPTY;
        if self.files.len() <= file {
            self.files.resize_with(file + 1, FileStats::default);
        }
    }

    fn stats(&mut self) -> &mut FileStats {
        if self.files.len() <= self.file {
            self.files.resize_with(self.file + 1, FileStats::default);
        }
        &mut self.files[self.file]
    }

    /// Adds row `i` (numbered `line` in the reader's messages): maps it to the day grain by the
    /// export's semantics.
    pub fn add_row<R: Row>(&mut self, layout: &Layout, r: &mut R, i: usize, line: u64) -> Result<(), RowError> {
        self.line = line;
        match layout.kind {
            Kind::Cur => self.add_cur(layout, r, i),
            Kind::Focus => self.add_focus(layout, r, i),
        }
    }

    /// `true` when the row is billed to another payer (it is then counted and left out).
    fn other_payer<R: Row>(&mut self, r: &mut R, i: usize) -> Result<bool, RowError> {
        let Some(own) = self.own_payer else { return Ok(false) };
        let payer = self.text(r, F::Payer, i)?;
        if payer == own {
            return Ok(false);
        }
        *self.stats().other_payers.entry(payer).or_default() += 1;
        Ok(true)
    }

    /// A cost cell the export always fills; an empty one counts as 0 and is counted.
    fn cost<R: Row>(&mut self, r: &mut R, f: F, i: usize) -> Result<Decimal, RowError> {
        match amount(r, f, i)? {
            Some(v) => Ok(v),
            None => {
                self.stats().empty_costs += 1;
                Ok(Decimal::ZERO)
            }
        }
    }

    fn text<R: Row>(&mut self, r: &mut R, f: F, i: usize) -> Result<Sym, RowError> {
        r.text(f, i, &mut self.strings).map_err(|e| (f, e))
    }

    fn account<R: Row>(&mut self, r: &mut R, f: F, i: usize) -> Result<Sym, RowError> {
        let id = self.text(r, f, i)?;
        let strings = &self.strings;
        if cached_check(&mut self.account_ok, id, || parse::account_id(strings.get(id)).is_ok()) {
            Ok(id)
        } else {
            Err((f, parse::account_id(self.strings.get(id)).err().unwrap_or_default()))
        }
    }

    fn add_cur<R: Row>(&mut self, layout: &Layout, r: &mut R, i: usize) -> Result<(), RowError> {
        if self.other_payer(r, i)? {
            return Ok(());
        }
        let period = required_date(r, F::PeriodStart, i)?;
        let day = required_date(r, F::UsageStart, i)?;
        let account = self.account(r, F::Account, i)?;
        let service_code = self.text(r, F::ServiceCode, i)?;
        let mut service_name = self.text(r, F::ServiceName, i)?;
        let has_map = layout.col(F::ProductMap).is_some();
        if service_name == sym::EMPTY && has_map {
            service_name = r.product_attr(i, "product_name", &mut self.strings).map_err(|e| (F::ProductMap, e))?;
        }
        if service_name == sym::EMPTY && has_map {
            service_name = r.product_attr(i, "servicename", &mut self.strings).map_err(|e| (F::ProductMap, e))?;
        }
        if service_name == sym::EMPTY {
            service_name = service_code;
        }
        let mut region = self.text(r, F::Region, i)?;
        if region == sym::EMPTY && has_map {
            region = r.product_attr(i, "region", &mut self.strings).map_err(|e| (F::ProductMap, e))?;
        }
        let charge_type = self.text(r, F::ChargeType, i)?;
        let unblended = self.cost(r, F::Unblended, i)?;
        // Net columns are only filled where discounts apply; otherwise net equals unblended.
        let net_unblended = amount(r, F::NetUnblended, i)?.unwrap_or(unblended);
        // Amortized cost, as AWS defines it for Cost Explorer and the CUR query library: commitments
        // spread over the usage they cover, purchases and negations removed.
        let zero = Decimal::ZERO;
        let amortized = match charge_type {
            sym::SP_COVERED => amount(r, F::SpEffective, i)?.unwrap_or(zero),
            sym::SP_RECURRING => {
                let total = amount(r, F::SpCommitment, i)?.unwrap_or(zero);
                let used = amount(r, F::SpUsedCommitment, i)?.unwrap_or(zero);
                total - used
            }
            sym::SP_NEGATION | sym::SP_UPFRONT => zero,
            sym::DISCOUNTED_USAGE => amount(r, F::RiEffective, i)?.unwrap_or(zero),
            sym::RI_FEE => {
                let upfront = amount(r, F::RiUnusedUpfront, i)?.unwrap_or(zero);
                let recurring = amount(r, F::RiUnusedRecurring, i)?.unwrap_or(zero);
                upfront + recurring
            }
            sym::FEE if self.text(r, F::RiArn, i)? != sym::EMPTY => zero,
            _ => unblended,
        };
        let amounts = Amounts {
            unblended,
            net_unblended,
            amortized,
            list: amount(r, F::List, i)?.unwrap_or(zero),
            usage: amount(r, F::Usage, i)?.unwrap_or(zero),
            lines: 1,
        };
        let text = [
            account,
            service_code,
            service_name,
            self.text(r, F::UsageType, i)?,
            self.text(r, F::Operation, i)?,
            region,
            charge_type,
            self.text(r, F::BillingEntity, i)?,
            self.text(r, F::PricingUnit, i)?,
            self.currency(r, i)?,
        ];
        let key = self.put(Kind::Cur, period, day, text, &amounts, r, i)?;
        self.add_tags(layout, key, &amounts, r, i)
    }

    fn add_focus<R: Row>(&mut self, layout: &Layout, r: &mut R, i: usize) -> Result<(), RowError> {
        // FOCUS 1.2 names the provider ServiceProviderName; 1.0 and 1.1 ProviderName.
        let mut provider = self.text(r, F::ServiceProvider, i)?;
        if provider == sym::EMPTY {
            provider = self.text(r, F::Provider, i)?;
        }
        let strings = &self.strings;
        if provider != sym::EMPTY
            && !cached_check(&mut self.provider_aws, provider, || {
                let p = strings.get(provider);
                p.eq_ignore_ascii_case("aws") || p.starts_with("Amazon Web Services")
            })
        {
            self.lines_other_provider += 1;
            self.stats().other_provider += 1;
            return Ok(());
        }
        if self.other_payer(r, i)? {
            return Ok(());
        }
        let period = required_date(r, F::PeriodStart, i)?;
        let day = required_date(r, F::UsageStart, i)?;
        let mut account_field = F::Account;
        if self.text(r, F::Account, i)? == sym::EMPTY {
            account_field = F::AccountFallback;
        }
        let account = self.account(r, account_field, i)?;
        let service_name = self.text(r, F::ServiceName, i)?;
        let mut service_code = self.text(r, F::ServiceCode, i)?;
        if service_code == sym::EMPTY {
            service_code = service_name;
        }
        let billed = amount(r, F::Unblended, i)?;
        let effective = amount(r, F::Effective, i)?;
        if billed.is_none() || effective.is_none() {
            // Both are required in FOCUS; an empty one counts as 0 and the row is reported.
            self.stats().empty_costs += 1;
        }
        let (billed, effective) = (billed.unwrap_or_default(), effective.unwrap_or_default());
        let amounts = Amounts {
            unblended: billed,
            net_unblended: billed,
            amortized: effective,
            list: amount(r, F::List, i)?.unwrap_or_default(),
            usage: amount(r, F::Usage, i)?.unwrap_or_default(),
            lines: 1,
        };
        let text = [
            account,
            service_code,
            service_name,
            self.text(r, F::UsageType, i)?,
            self.text(r, F::Operation, i)?,
            self.text(r, F::Region, i)?,
            self.text(r, F::ChargeType, i)?,
            self.text(r, F::BillingEntity, i)?,
            self.text(r, F::PricingUnit, i)?,
            self.currency(r, i)?,
        ];
        let key = self.put(Kind::Focus, period, day, text, &amounts, r, i)?;
        self.add_tags(layout, key, &amounts, r, i)
    }

    /// Adds the line to the part of its day-grain key that has its value of each selected key.
    fn add_tags<R: Row>(&mut self, layout: &Layout, key: GrainKey, amounts: &Amounts, r: &mut R, i: usize) -> Result<(), RowError> {
        for (slot, source) in layout.tags.iter().enumerate() {
            let Some(f) = source.field else { continue };
            let slot = u8::try_from(slot).unwrap_or(u8::MAX);
            let value = if source.map_keys.is_empty() {
                self.text(r, f, i)?
            } else {
                match r.map_value(f, i, &source.map_keys, &mut self.strings).map_err(|e| (f, e))? {
                    Some(v) => v,
                    None => self.json_value(r, f, i, slot, &source.map_keys)?,
                }
            };
            if value == sym::EMPTY {
                continue;
            }
            self.tags.entry(TagKey { grain: key, slot, value }).or_default().add(amounts).map_err(|e| (F::Unblended, e))?;
        }
        Ok(())
    }

    /// A key's value in a cell holding a JSON object, each distinct cell parsed once.
    fn json_value<R: Row>(&mut self, r: &mut R, f: F, i: usize, slot: u8, keys: &[String]) -> Result<Sym, RowError> {
        let cell = self.text(r, f, i)?;
        if cell == sym::EMPTY {
            return Ok(sym::EMPTY);
        }
        if let Some(v) = self.json_cache.get(&(slot, cell)) {
            return Ok(*v);
        }
        let value = super::tags::json_value(self.strings.get(cell), keys).map_err(|e| (f, e))?;
        let value = value.map_or(sym::EMPTY, |v| self.strings.intern(&v));
        self.json_cache.insert((slot, cell), value);
        Ok(value)
    }

    fn currency<R: Row>(&mut self, r: &mut R, i: usize) -> Result<Sym, RowError> {
        let c = self.text(r, F::Currency, i)?;
        let s = self.strings.get(c);
        if c == sym::EMPTY || (s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase())) {
            if c != self.last_currency && c != sym::EMPTY {
                // Rare: the first row of a file, or a file in more than one currency (refused
                // once the files are read, naming both lines: sums never cross currencies).
                self.last_currency = c;
                let line = self.line;
                let stats = self.stats();
                if !stats.currencies.iter().any(|(seen, _)| *seen == c) {
                    stats.currencies.push((c, line));
                }
            }
            Ok(c)
        } else {
            Err((F::Currency, format!("'{}' is not a currency code", parse::shorten(s))))
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn put<R: Row>(&mut self, kind: Kind, period: NaiveDate, day: NaiveDate, text: [Sym; 10], amounts: &Amounts, r: &mut R, i: usize) -> Result<GrainKey, RowError> {
        let key = GrainKey {
            kind: u8::from(kind == Kind::Focus),
            period: period.year().cast_unsigned() * 100 + period.month(),
            day: day.num_days_from_ce(),
            text,
        };
        let sums = self.map.entry(key).or_default();
        sums.add(amounts).map_err(|e| (F::Unblended, e))?;
        // Only read (and intern) a description until the key has one.
        if sums.description == sym::EMPTY {
            sums.description = r.text(F::Description, i, &mut self.strings).map_err(|e| (F::Description, e))?;
        }
        self.lines_kept += 1;
        self.stats().kept += 1;
        Ok(key)
    }

    /// Adds another worker's totals into this one.
    pub fn merge(&mut self, other: Aggregator) -> Result<(), String> {
        let translate: Vec<Sym> = other.strings.strings.iter().map(|s| self.strings.intern(s)).collect();
        let t = |s: Sym| translate.get(s as usize).copied().unwrap_or(sym::EMPTY);
        for (mut key, sums) in other.tags {
            key.grain.text = key.grain.text.map(t);
            key.value = t(key.value);
            self.tags.entry(key).or_default().merge(&sums)?;
        }
        for (mut key, sums) in other.map {
            key.text = key.text.map(t);
            let mine = self.map.entry(key).or_default();
            mine.merge(&sums)?;
            if mine.description == sym::EMPTY {
                mine.description = translate.get(sums.description as usize).copied().unwrap_or(sym::EMPTY);
            }
        }
        self.lines_kept += other.lines_kept;
        self.lines_other_provider += other.lines_other_provider;
        if self.files.len() < other.files.len() {
            self.files.resize_with(other.files.len(), FileStats::default);
        }
        for (mine, theirs) in self.files.iter_mut().zip(&other.files) {
            mine.merge(theirs, &translate);
        }
        if self.own_payer.is_none() {
            self.own_payer = other.own_payer.and_then(|s| translate.get(s as usize).copied());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::str::FromStr;

    use super::*;

    /// A row over plain strings, keyed by the file's column names.
    struct TextRow {
        layout: Layout,
        cells: Vec<String>,
    }

    impl TextRow {
        fn cell(&self, f: F) -> Option<&str> {
            self.layout.col(f).map(|c| self.cells[c].as_str())
        }
    }

    impl Row for TextRow {
        fn text(&mut self, f: F, _: usize, strings: &mut Interner) -> Result<Sym, String> {
            Ok(self.cell(f).map_or(sym::EMPTY, |s| strings.intern(s)))
        }
        fn decimal(&mut self, f: F, _: usize) -> Result<Option<Decimal>, String> {
            self.cell(f).map_or(Ok(None), parse::decimal)
        }
        fn date(&mut self, f: F, _: usize) -> Result<Option<NaiveDate>, String> {
            self.cell(f).map_or(Ok(None), parse::date)
        }
        fn product_attr(&mut self, _: usize, _: &str, _: &mut Interner) -> Result<Sym, String> {
            Ok(sym::EMPTY)
        }
    }

    const CUR_COLS: &[&str] = &[
        "bill_billing_period_start_date",
        "line_item_usage_start_date",
        "line_item_usage_account_id",
        "line_item_product_code",
        "line_item_line_item_type",
        "line_item_currency_code",
        "line_item_unblended_cost",
        "line_item_net_unblended_cost",
        "savings_plan_savings_plan_effective_cost",
        "bill_payer_account_id",
    ];

    const PAYER: &str = "999999999999";

    /// Adds a CUR 2.0 row of [`CUR_COLS`] (the payer column, when not given, is [`PAYER`]).
    fn add(agg: &mut Aggregator, cells: &[&str]) -> Result<(), RowError> {
        let mut cells = cells.to_vec();
        if cells.len() < CUR_COLS.len() {
            cells.push(PAYER);
        }
        add_with(agg, CUR_COLS, &cells, 2)
    }

    /// Adds one row of any export, numbered `line`.
    fn add_with(agg: &mut Aggregator, cols: &[&str], cells: &[&str], line: u64) -> Result<(), RowError> {
        let names: Vec<String> = cols.iter().map(|s| (*s).to_owned()).collect();
        let layout = Layout::resolve(&names).unwrap();
        let mut row = TextRow { layout: layout.clone(), cells: cells.iter().map(|s| (*s).to_owned()).collect() };
        agg.add_row(&layout, &mut row, 0, line)
    }

    /// Adds one row of any export with these keys bound, as a reader would.
    fn add_keyed(agg: &mut Aggregator, cols: &[&str], cells: &[&str]) -> Result<(), RowError> {
        let names: Vec<String> = cols.iter().map(|s| (*s).to_owned()).collect();
        let mut layout = Layout::resolve(&names).unwrap();
        layout.bind_keys(&agg.keys.clone()).unwrap();
        let mut row = TextRow { layout: layout.clone(), cells: cells.iter().map(|s| (*s).to_owned()).collect() };
        agg.add_row(&layout, &mut row, 0, 2)
    }

    /// Per (key, value): the unblended sum of the tagged parts.
    fn tagged(agg: &Aggregator) -> Vec<(String, String, Decimal)> {
        let mut out: BTreeMap<(String, String), Decimal> = BTreeMap::new();
        for (k, s) in &agg.tags {
            *out.entry((agg.keys[usize::from(k.slot)].label(), agg.strings.get(k.value).to_owned())).or_default() += s.unblended.value().unwrap();
        }
        out.into_iter().map(|((k, v), a)| (k, v, a)).collect()
    }

    fn keys() -> Vec<SelectedKey> {
        use entity::cost_allocation_keys::KeyKind;
        vec![SelectedKey { kind: KeyKind::Tag, name: "team".into() }, SelectedKey { kind: KeyKind::CostCategory, name: "Project".into() }]
    }

    #[test]
    fn legacy_cur_tag_and_cost_category_columns_are_kept() {
        let cols = [
            "bill/PayerAccountId",
            "bill/BillingPeriodStartDate",
            "lineItem/UsageStartDate",
            "lineItem/UsageAccountId",
            "lineItem/ProductCode",
            "lineItem/LineItemType",
            "lineItem/CurrencyCode",
            "lineItem/UnblendedCost",
            "resourceTags/user:team",
            "costCategory/Project",
        ];
        let mut agg = Aggregator::for_payer(PAYER).with_keys(&keys());
        let p = "2024-09-01T00:00:00Z";
        for (cost, team, project) in [("1.5", "web", "apollo"), ("2", "web", ""), ("4", "", "apollo"), ("8", "data", "gemini")] {
            add_keyed(&mut agg, &cols, &[PAYER, p, "2024-09-03", "111111111111", "AmazonEC2", "Usage", "USD", cost, team, project]).unwrap();
        }
        assert_eq!(
            tagged(&agg),
            vec![
                ("category:Project".into(), "apollo".into(), d("5.5")),
                ("category:Project".into(), "gemini".into(), d("8")),
                ("tag:team".into(), "data".into(), d("8")),
                ("tag:team".into(), "web".into(), d("3.5")),
            ],
            "lines without a value are not kept by tag"
        );
        assert_eq!(unblended_total(&agg), d("15.5"), "the day grain is unchanged");
    }

    #[test]
    fn cur2_json_cells_and_focus_tags_are_read() {
        let mut cur = Aggregator::for_payer(PAYER).with_keys(&keys());
        let cols: Vec<&str> = CUR_COLS.iter().copied().chain(["resource_tags", "cost_category"]).collect();
        let p = "2024-09-01T00:00:00Z";
        let row = |cost: &'static str, tags: &'static str, cats: &'static str| [p, "2024-09-03", "111111111111", "AmazonEC2", "Usage", "USD", cost, "", "", PAYER, tags, cats];
        add_keyed(&mut cur, &cols, &row("3", r#"{"user_team": "web", "user_env": "prod"}"#, r#"{"Project": "apollo"}"#)).unwrap();
        add_keyed(&mut cur, &cols, &row("5", r#"{"user_team": "web"}"#, "")).unwrap();
        add_keyed(&mut cur, &cols, &row("7", "{}", "NULL")).unwrap();
        assert_eq!(tagged(&cur), vec![("category:Project".into(), "apollo".into(), d("3")), ("tag:team".into(), "web".into(), d("8"))]);
        let e = add_keyed(&mut cur, &cols, &row("1", "team=web", "")).unwrap_err();
        assert_eq!(e, (F::TagMap, "is not a JSON object".to_owned()), "a cell that is no JSON object names its column");

        let mut focus = Aggregator::for_payer("111111111111").with_keys(&keys());
        let cols: Vec<&str> = FOCUS_COLS.iter().copied().chain(["Tags"]).collect();
        let p = "2024-09-01 00:00:00";
        for (cost, tags) in [("2", r#"{"team": "data", "env": "dev"}"#), ("6", r#"{"user:team": "web"}"#), ("1", "")] {
            add_keyed(&mut focus, &cols, &[p, "2024-09-03", "111111111111", "222222222222", "EC2", "Usage", "USD", cost, cost, "AWS", tags]).unwrap();
        }
        assert_eq!(tagged(&focus), vec![("tag:team".into(), "data".into(), d("2")), ("tag:team".into(), "web".into(), d("6"))], "no cost category column: none kept");
    }

    fn other_payers(agg: &Aggregator) -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = agg.files.iter().flat_map(|f| f.other_payers.iter().map(|(a, n)| (agg.strings.get(*a).to_owned(), *n))).collect();
        v.sort();
        v
    }

    fn unblended_total(agg: &Aggregator) -> Decimal {
        agg.map.values().map(|s| s.unblended.value().unwrap()).sum()
    }

    #[test]
    fn cur2_rows_of_another_payer_are_left_out_and_counted() {
        let mut agg = Aggregator::for_payer("111111111111");
        agg.begin_file(0);
        let p = "2024-09-01T00:00:00Z";
        add(&mut agg, &[p, "2024-09-03", "111111111111", "AmazonEC2", "Usage", "USD", "10", "", "", "111111111111"]).unwrap();
        add(&mut agg, &[p, "2024-09-03", "333333333333", "AmazonEC2", "Usage", "USD", "2.5", "", "", "111111111111"]).unwrap();
        add(&mut agg, &[p, "2024-09-03", "222222222222", "AmazonEC2", "Usage", "USD", "100", "", "", "222222222222"]).unwrap();
        add(&mut agg, &[p, "2024-09-04", "444444444444", "AmazonS3", "Usage", "USD", "7", "", "", "222222222222"]).unwrap();
        // Another payer's rows are not even validated: they are not ours to read.
        add(&mut agg, &[p, "not a date", "x", "AmazonS3", "Usage", "USD", "7", "", "", "555555555555"]).unwrap();
        assert_eq!(unblended_total(&agg), d("12.5"), "only the payer's own rows are summed");
        assert_eq!((agg.lines_kept, agg.files[0].kept), (2, 2));
        assert_eq!(other_payers(&agg), vec![("222222222222".to_owned(), 2), ("555555555555".to_owned(), 1)]);
    }

    #[test]
    fn legacy_cur_rows_of_another_payer_are_left_out() {
        let cols = [
            "bill/PayerAccountId",
            "bill/BillingPeriodStartDate",
            "lineItem/UsageStartDate",
            "lineItem/UsageAccountId",
            "lineItem/ProductCode",
            "lineItem/LineItemType",
            "lineItem/CurrencyCode",
            "lineItem/UnblendedCost",
        ];
        let mut agg = Aggregator::for_payer("111111111111");
        let p = "2024-09-01T00:00:00Z";
        add_with(&mut agg, &cols, &["111111111111", p, "2024-09-03", "111111111111", "AmazonEC2", "Usage", "USD", "1.25"], 2).unwrap();
        add_with(&mut agg, &cols, &["222222222222", p, "2024-09-03", "222222222222", "AmazonEC2", "Usage", "USD", "50"], 3).unwrap();
        assert_eq!(unblended_total(&agg), d("1.25"));
        assert_eq!(other_payers(&agg), vec![("222222222222".to_owned(), 1)]);
    }

    const FOCUS_COLS: &[&str] = &[
        "BillingPeriodStart",
        "ChargePeriodStart",
        "BillingAccountId",
        "SubAccountId",
        "ServiceName",
        "ChargeCategory",
        "BillingCurrency",
        "BilledCost",
        "EffectiveCost",
        "ProviderName",
    ];

    #[test]
    fn focus_rows_of_another_billing_account_are_left_out() {
        let mut agg = Aggregator::for_payer("111111111111");
        let p = "2024-09-01 00:00:00";
        let row = |billing: &'static str, sub: &'static str, cost: &'static str, provider: &'static str| {
            [p, "2024-09-03 00:00:00", billing, sub, "Amazon EC2", "Usage", "USD", cost, cost, provider]
        };
        add_with(&mut agg, FOCUS_COLS, &row("111111111111", "333333333333", "100", "AWS"), 2).unwrap();
        add_with(&mut agg, FOCUS_COLS, &row("222222222222", "444444444444", "50", "AWS"), 3).unwrap();
        add_with(&mut agg, FOCUS_COLS, &row("222222222222", "444444444444", "25", "AWS"), 4).unwrap();
        add_with(&mut agg, FOCUS_COLS, &row("azure-billing", "sub", "9", "Microsoft"), 5).unwrap();
        let amortized: Decimal = agg.map.values().map(|s| s.amortized.value().unwrap()).sum();
        assert_eq!((unblended_total(&agg), amortized), (d("100"), d("100")), "the other billing account's 75 is not added");
        assert_eq!(other_payers(&agg), vec![("222222222222".to_owned(), 2)]);
        assert_eq!((agg.lines_other_provider, agg.files[0].other_provider), (1, 1), "other providers are counted apart");
    }

    #[test]
    fn empty_cost_cells_are_counted_not_silently_zero() {
        let mut agg = Aggregator::for_payer(PAYER);
        let p = "2024-09-01T00:00:00Z";
        add(&mut agg, &[p, "2024-09-03", "111111111111", "AmazonEC2", "Usage", "USD", "", "", ""]).unwrap();
        add(&mut agg, &[p, "2024-09-03", "111111111111", "AmazonEC2", "Usage", "USD", "NULL", "", ""]).unwrap();
        add(&mut agg, &[p, "2024-09-03", "111111111111", "AmazonEC2", "Usage", "USD", "0", "", ""]).unwrap();
        assert_eq!(agg.files[0].empty_costs, 2, "an explicit 0 is a cost, an empty cell is counted");
        let mut focus = Aggregator::for_payer("111111111111");
        let p = "2024-09-01 00:00:00";
        add_with(&mut focus, FOCUS_COLS, &[p, "2024-09-03", "111111111111", "1", "EC2", "Usage", "USD", "", "", "AWS"], 2).unwrap();
        add_with(&mut focus, FOCUS_COLS, &[p, "2024-09-03", "111111111111", "1", "EC2", "Usage", "USD", "1", "", "AWS"], 3).unwrap();
        add_with(&mut focus, FOCUS_COLS, &[p, "2024-09-03", "111111111111", "1", "EC2", "Usage", "USD", "1", "1", "AWS"], 4).unwrap();
        assert_eq!(focus.files[0].empty_costs, 2, "a row counts once, whichever of its costs is empty");
    }

    #[test]
    fn each_currency_is_recorded_with_its_first_line() {
        let mut a = Aggregator::for_payer(PAYER);
        let p = "2024-09-01T00:00:00Z";
        let cells = |c: &'static str| [p, "2024-09-03", "111111111111", "AmazonEC2", "Usage", c, "1", "", "", PAYER];
        add_with(&mut a, CUR_COLS, &cells("USD"), 2).unwrap();
        add_with(&mut a, CUR_COLS, &cells("USD"), 3).unwrap();
        add_with(&mut a, CUR_COLS, &cells("EUR"), 4).unwrap();
        add_with(&mut a, CUR_COLS, &cells("USD"), 5).unwrap();
        let mut b = Aggregator::for_payer(PAYER);
        add_with(&mut b, CUR_COLS, &cells("JPY"), 9).unwrap();
        add_with(&mut b, CUR_COLS, &cells("EUR"), 1).unwrap();
        a.merge(b).unwrap();
        let seen: Vec<(&str, u64)> = a.files[0].currencies.iter().map(|(c, l)| (a.strings.get(*c), *l)).collect();
        assert_eq!(seen, vec![("EUR", 1), ("USD", 2), ("JPY", 9)]);
    }

    #[test]
    fn a_day_total_too_large_to_store_fails_on_its_line() {
        let mut agg = Aggregator::for_payer(PAYER);
        let p = "2024-09-01T00:00:00Z";
        add(&mut agg, &[p, "2024-09-03", "111111111111", "AmazonEC2", "Usage", "USD", "60000000000", "", ""]).unwrap();
        let (field, message) = add(&mut agg, &[p, "2024-09-03", "111111111111", "AmazonEC2", "Usage", "USD", "40000000000", "", ""]).unwrap_err();
        assert_eq!(field, F::Unblended);
        assert!(message.contains("to 100000000000, beyond the largest amount that can be stored (92233720368.54775807)"), "{message}");
        // The same amount spread over two days is fine.
        add(&mut agg, &[p, "2024-09-04", "111111111111", "AmazonEC2", "Usage", "USD", "40000000000", "", ""]).unwrap();
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn lines_of_one_day_add_up_exactly_and_credits_subtract() {
        let mut agg = Aggregator::default();
        let p = "2024-09-01T00:00:00Z";
        add(&mut agg, &[p, "2024-09-03T01:00:00Z", "111111111111", "AmazonEC2", "Usage", "USD", "0.1234567891", "", ""]).unwrap();
        add(&mut agg, &[p, "2024-09-03T02:00:00Z", "111111111111", "AmazonEC2", "Usage", "USD", "0.0000000009", "NULL", ""]).unwrap();
        add(&mut agg, &[p, "2024-09-03T02:00:00Z", "111111111111", "AmazonEC2", "Credit", "USD", "-5.00", "-5.00", ""]).unwrap();
        add(&mut agg, &[p, "2024-09-04T00:00:00Z", "111111111111", "AmazonEC2", "Usage", "USD", "1", "0.9", ""]).unwrap();
        assert_eq!(agg.map.len(), 3);
        let usage_day3 = agg.map.iter().find(|(k, _)| k.day == NaiveDate::from_ymd_opt(2024, 9, 3).unwrap().num_days_from_ce() && k.text[6] != agg.strings.map["Credit"]).unwrap().1;
        assert_eq!(usage_day3.unblended.value().unwrap(), d("0.1234567900"));
        assert_eq!(usage_day3.net_unblended.value().unwrap(), d("0.12345679"), "a missing net cost is the unblended cost");
        assert_eq!(usage_day3.lines, 2);
        let total: Decimal = agg.map.values().map(|s| s.unblended.value().unwrap()).sum();
        assert_eq!(total, d("-3.87654321"));
    }

    #[test]
    fn totals_stay_exact_at_any_scale() {
        let mut t = Total::default();
        for x in ["0.1234567891", "-0.0000000001", "3", "0.000000000001", "-0.00000000000025"] {
            t.add(d(x)).unwrap();
        }
        assert_eq!(t.value().unwrap(), d("3.123456789000750"));
        let mut other = Total::default();
        other.add(d("-3.12345678900075")).unwrap();
        t.merge(&other).unwrap();
        assert_eq!(t.value().unwrap(), Decimal::ZERO);
        let mut big = Total::default();
        for _ in 0..3 {
            big.add(d("900000000.0000000001")).unwrap();
        }
        assert_eq!(big.value().unwrap(), d("2700000000.0000000003"), "past the integer range, the remainder takes over exactly");
        let mut huge = Total::default();
        huge.add(Decimal::MAX).unwrap();
        assert!(huge.add(Decimal::MAX).is_err(), "an overflow is refused, not wrapped");
    }

    #[test]
    fn savings_plan_lines_amortize() {
        let mut agg = Aggregator::default();
        let p = "2024-09-01T00:00:00Z";
        add(&mut agg, &[p, "2024-09-03T01:00:00Z", "111111111111", "AmazonEC2", "SavingsPlanCoveredUsage", "USD", "1.00", "", "0.60"]).unwrap();
        add(&mut agg, &[p, "2024-09-03T01:00:00Z", "111111111111", "AmazonEC2", "SavingsPlanNegation", "USD", "-1.00", "", ""]).unwrap();
        let amortized: Decimal = agg.map.values().map(|s| s.amortized.value().unwrap()).sum();
        let unblended: Decimal = agg.map.values().map(|s| s.unblended.value().unwrap()).sum();
        assert_eq!((amortized, unblended), (d("0.60"), d("0")));
    }

    #[test]
    fn bad_cells_name_their_field() {
        let mut agg = Aggregator::default();
        let p = "2024-09-01T00:00:00Z";
        let e = add(&mut agg, &[p, "2024-09-03", "not-an-account", "AmazonEC2", "Usage", "USD", "1", "", ""]).unwrap_err();
        assert_eq!(e.0, F::Account);
        let e = add(&mut agg, &[p, "", "111111111111", "AmazonEC2", "Usage", "USD", "1", "", ""]).unwrap_err();
        assert_eq!(e, (F::UsageStart, "is empty".to_owned()));
        let e = add(&mut agg, &[p, "2024-09-03", "111111111111", "AmazonEC2", "Usage", "USD", "one", "", ""]).unwrap_err();
        assert_eq!(e.0, F::Unblended);
        assert!(agg.map.is_empty());
    }

    #[test]
    fn merging_workers_reinterns_text() {
        let p = "2024-09-01T00:00:00Z";
        let mut a = Aggregator::default();
        add(&mut a, &[p, "2024-09-03", "111111111111", "AmazonEC2", "Usage", "USD", "1.5", "", ""]).unwrap();
        let mut b = Aggregator::default();
        add(&mut b, &[p, "2024-09-03", "222222222222", "AmazonS3", "Usage", "USD", "2", "", ""]).unwrap();
        add(&mut b, &[p, "2024-09-03", "111111111111", "AmazonEC2", "Usage", "USD", "0.5", "", ""]).unwrap();
        a.merge(b).unwrap();
        assert_eq!(a.map.len(), 2);
        assert_eq!(a.lines_kept, 3);
        let ec2 = a.strings.map["AmazonEC2"];
        assert_eq!(a.map.iter().find(|(k, _)| k.text[1] == ec2).unwrap().1.unblended.value().unwrap(), d("2.0"));
    }
}
