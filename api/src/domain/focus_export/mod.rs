//! FOCUS 1.2 export (#22 item 3): a tier's own priced data for one billing period, as CSV or
//! Parquet (docs/focus-export.md). An end customer gets their pro-forma charges (BilledCost =
//! EffectiveCost = ContractedCost = their price, never the partner's AWS cost); a partner gets a
//! customer's charges (what it bills them) or a payer's AWS cost with the pro-forma charge beside
//! it (`x_ProformaCost`). Rows are priced by the billing engine at the grain it prices: usage
//! month × account × service × charge type (× billing entity), plus each custom line item.

mod write;

use std::collections::BTreeMap;

use entity::{billing_groups, linked_accounts, tenants};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::domain::billing::engine::{AppliedItem, ItemCharge};
use crate::domain::billing::groups::{self, Group};
use crate::domain::billing::results::{self, Grain, PricedPeriod, present};
use crate::domain::billing::snapshot::{self, SnapshotLines};
use crate::domain::billing::{billing_payer, checked_period};
use crate::domain::costs::service_category;
use crate::domain::invoicing::periods;
use crate::domain::service_names::service_label;
use crate::error::{AppError, AppResult};
use crate::ids::{PayerId, TenantId};
use crate::tenancy::{PayerRead, PayerSet, Role, Scope, ScopedPayer};

pub use write::{COLUMNS, Kind, PROFORMA_COLUMN};

/// The most rows one export holds; a larger one is refused, naming the field to narrow by.
pub const MAX_ROWS: usize = 200_000;

/// The file format asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

/// Whose data the file holds.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    /// The caller's own charges: the billing groups `myCharges` shows them.
    Mine,
    /// One customer tenant's charges (and its sub-tenants'): what the partner bills them.
    Customer(TenantId),
    /// One payer's AWS cost, with the pro-forma charge as `x_ProformaCost` (partner side only).
    Payer(PayerId),
}

/// What the amounts of a file are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Pro-forma charges: what the customer is billed.
    Charges,
    /// AWS cost (net unblended), with the pro-forma charge as `x_ProformaCost`.
    AwsCost,
}

/// One row of the file.
#[derive(Debug, Clone)]
pub struct FocusRow {
    pub billing_account_id: String,
    pub billing_account_name: String,
    pub billing_account_type: &'static str,
    pub currency: String,
    /// `YYYY-MM`.
    pub billing_period: String,
    /// `YYYY-MM`: the charge period is this month (the usage month, or the billing period).
    pub charge_month: String,
    pub charge_category: &'static str,
    pub charge_frequency: &'static str,
    pub pricing_category: Option<&'static str>,
    pub charge_description: String,
    pub billed: Decimal,
    pub effective: Decimal,
    pub contracted: Decimal,
    pub list: Decimal,
    pub invoice_issuer: String,
    pub publisher: String,
    pub service_category: &'static str,
    pub service_name: String,
    pub service_code: Option<String>,
    pub sub_account_id: String,
    pub sub_account_name: Option<String>,
    /// The row's line item type as the cost data names it, or `FEE` / `CREDIT`.
    pub charge_type: String,
    pub billing_group_id: Option<Uuid>,
    pub custom_line_item_id: Option<Uuid>,
    /// The pro-forma charge (AWS-cost view only; `None` for accounts in no billing group).
    pub proforma: Option<Decimal>,
}

/// A file to hand back.
pub struct FocusFile {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub rows: usize,
}

/// Exports the caller's data for one billing period. Another tenant's or payer's id answers
/// NOT_FOUND; a payer seen only through a customer tenant answers FORBIDDEN (AWS cost is the
/// partner's); naming both a payer and a customer is a VALIDATION error.
pub async fn export(scope: &Scope, subject: Subject, period: &str, format: Format) -> AppResult<FocusFile> {
    let period = checked_period("billingPeriod", period)?;
    let (view, rows, name, field) = match subject {
        Subject::Mine => {
            let (payers, groups) = results::customer_groups_in(scope, None).await?;
            (View::Charges, charge_rows(&payers, &groups, &period, "billingPeriod").await?, "my-charges".to_owned(), "billingPeriod")
        }
        Subject::Customer(tenant) => {
            let tenant = scope.tenant(tenant, Role::Viewer).await?;
            let (payers, groups) = customer_tenant_groups(scope, &tenant).await?;
            (View::Charges, charge_rows(&payers, &groups, &period, "customerTenantId").await?, tenant.name, "customerTenantId")
        }
        Subject::Payer(payer) => {
            let payer = billing_payer(scope, payer, Role::Viewer).await?;
            let rows = payer_rows(&payer, &period).await?;
            (View::AwsCost, rows, payer.name.clone(), "payerId")
        }
    };
    check_size(rows.len(), field)?;
    let stem = format!("focus-{}-{period}", slug(&name));
    Ok(match format {
        Format::Csv => FocusFile { file_name: format!("{stem}.csv"), content_type: "text/csv; charset=utf-8", bytes: write::csv(&rows, view)?, rows: rows.len() },
        Format::Parquet => FocusFile { file_name: format!("{stem}.parquet"), content_type: "application/vnd.apache.parquet", bytes: write::parquet(&rows, view)?, rows: rows.len() },
    })
}

fn check_size(rows: usize, field: &str) -> AppResult<()> {
    if rows > MAX_ROWS {
        return Err(AppError::invalid(field, format!("the FOCUS export would hold {rows} rows, more than the {MAX_ROWS} one file may; export one customer (customerTenantId) at a time")));
    }
    Ok(())
}

/// Lower-case letters, digits and dashes, for a file name.
fn slug(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let s = s.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    if s.is_empty() { "export".to_owned() } else { s }
}

/// Billing groups whose customer tenant is `tenant` or below it.
async fn customer_tenant_groups(scope: &Scope, tenant: &tenants::Model) -> AppResult<(PayerSet, Vec<Group>)> {
    let below: Vec<Uuid> = scope.tenants(Role::Viewer).filter(tenants::Column::Path.starts_with(tenant.path.as_str())).select_only().column(tenants::Column::Id).tuples().await?;
    let rows = scope
        .customer_rows::<billing_groups::Entity>(Role::Viewer)
        .filter(billing_groups::Column::CustomerTenantId.is_in(below))
        .order_by_asc(billing_groups::Column::Name)
        .all()
        .await?;
    groups::of_customers(scope, rows).await
}

/// A group's period priced as billed: an open period on the current configuration; a closed one
/// on the configuration frozen at close, with the snapshot's lines when the data changed since
/// (the snapshot is what was billed; the difference is a pending adjustment).
async fn priced_as_billed(payer: &impl PayerRead, group: &Group, period: &str) -> AppResult<(PricedPeriod, Option<SnapshotLines>)> {
    match snapshot::frozen(payer, group.group.id, period).await? {
        None => Ok((results::priced(payer, group, period, Grain::Month).await?, None)),
        Some(frozen) => {
            let configuration = periods::snapshot_configuration(&frozen)?;
            let priced = results::priced_by(payer, period, Grain::Month, &configuration.inputs).await?;
            let billed = snapshot::snapshot_lines(&frozen)?;
            let changed = results::lines_of(&priced) != billed;
            Ok((priced, changed.then_some(billed)))
        }
    }
}

/// Names that rows repeat: per payer, its issuer and its accounts' names.
#[derive(Default)]
struct Names {
    issuers: BTreeMap<Uuid, String>,
    accounts: BTreeMap<Uuid, BTreeMap<String, String>>,
}

impl Names {
    async fn load(&mut self, payer: &impl PayerRead) -> AppResult<()> {
        if self.issuers.contains_key(&payer.payer_id()) {
            return Ok(());
        }
        let issuer = payer.owning_tenant().await?.map(|t| t.name).unwrap_or_default();
        let accounts = payer.rows::<linked_accounts::Entity>().all().await?;
        self.issuers.insert(payer.payer_id(), issuer);
        self.accounts.insert(payer.payer_id(), accounts.into_iter().map(|a| (a.account_id, a.name)).collect());
        Ok(())
    }

    fn issuer(&self, payer: Uuid) -> String {
        self.issuers.get(&payer).cloned().unwrap_or_default()
    }

    fn account(&self, payer: Uuid, account: &str) -> Option<String> {
        self.accounts.get(&payer).and_then(|a| a.get(account)).cloned()
    }
}

/// FOCUS ChargeCategory, ChargeFrequency and PricingCategory of a line item type (CUR
/// `line_item_line_item_type`, a FOCUS ChargeCategory, or a Cost Explorer record type).
pub fn categories(charge_type: &str) -> (&'static str, &'static str, Option<&'static str>) {
    match charge_type {
        "DiscountedUsage" | "SavingsPlanCoveredUsage" => ("Usage", "Usage-Based", Some("Committed")),
        "Tax" => ("Tax", "One-Time", None),
        "Credit" | "Refund" | "SavingsPlanNegation" | "EdpDiscount" | "PrivateRateDiscount" | "SppDiscount" | "DistributorDiscount" | "BundledDiscount"
        | "RiVolumeDiscount" | "TotalVolumeDiscount" | "Discount" => ("Credit", "One-Time", None),
        "RIFee" | "SavingsPlanRecurringFee" => ("Purchase", "Recurring", Some("Committed")),
        "SavingsPlanUpfrontFee" => ("Purchase", "One-Time", Some("Committed")),
        "Fee" | "Purchase" => ("Purchase", "One-Time", Some("Standard")),
        "Adjustment" => ("Adjustment", "One-Time", None),
        // Usage, and any type the engine charges as usage.
        _ => ("Usage", "Usage-Based", Some("Standard")),
    }
}

/// The usage rows of a priced period summed to the export's grain: usage month, account,
/// service, charge type, billing entity and currency (never across currencies).
#[derive(Default, Clone, Copy)]
struct Sums {
    charge: Decimal,
    aws_cost: Decimal,
    list: Decimal,
    amortized: Decimal,
}

type Key = (String, String, String, String, String, String);

fn summed(priced: &PricedPeriod) -> BTreeMap<Key, Sums> {
    let mut out: BTreeMap<Key, Sums> = BTreeMap::new();
    for r in &priced.rows {
        let s = out.entry((r.usage_month.clone(), r.account_id.clone(), r.service_code.clone(), r.charge_type.clone(), r.billing_entity.clone(), r.currency.clone())).or_default();
        s.charge += r.charge;
        s.aws_cost += r.aws_cost;
        s.list += r.list;
        s.amortized += r.amortized;
    }
    out
}

/// The group-level columns every row of a group shares.
struct GroupColumns<'a> {
    billing_account_id: &'a str,
    billing_account_name: &'a str,
    billing_account_type: &'static str,
    invoice_issuer: String,
    period: &'a str,
    payer: Uuid,
    /// `None` for the accounts of a payer in no billing group.
    group_id: Option<Uuid>,
}

impl GroupColumns<'_> {
    #[allow(clippy::too_many_arguments)]
    fn usage_row(&self, names: &Names, priced: &PricedPeriod, key: &Key, billed: Decimal, effective: Decimal, list: Decimal, proforma: Option<Decimal>) -> FocusRow {
        let (usage_month, account, service_code, charge_type, billing_entity, currency) = key;
        let (category, frequency, pricing) = categories(charge_type);
        let service_name = service_label(service_code, &priced.numbers.service_names);
        let payer = self.payer;
        FocusRow {
            billing_account_id: self.billing_account_id.to_owned(),
            billing_account_name: self.billing_account_name.to_owned(),
            billing_account_type: self.billing_account_type,
            currency: currency.clone(),
            billing_period: self.period.to_owned(),
            charge_month: usage_month.clone(),
            charge_category: category,
            charge_frequency: frequency,
            pricing_category: pricing,
            charge_description: format!("{service_name}: {charge_type} in {usage_month}"),
            billed,
            effective,
            contracted: billed,
            // ListCost where the data has a public price; else, as FOCUS asks of a charge without
            // a list unit price, the billed cost.
            list: if list.is_zero() { billed } else { list },
            invoice_issuer: self.invoice_issuer.clone(),
            publisher: if billing_entity.is_empty() { "AWS".to_owned() } else { billing_entity.clone() },
            service_category: service_category(service_code),
            service_name,
            service_code: Some(service_code.clone()),
            sub_account_id: account.clone(),
            sub_account_name: names.account(payer, account),
            charge_type: charge_type.clone(),
            billing_group_id: self.group_id,
            custom_line_item_id: None,
            proforma,
        }
    }

    /// A custom line item as its own row: `amount` in the billed columns (charges) or in
    /// `x_ProformaCost` only (AWS cost: AWS bills nothing for it).
    fn item_row(&self, names: &Names, item: &AppliedItem, currency: &str, view: View) -> FocusRow {
        let amount = present(item.amount);
        let credit = item.charge == ItemCharge::Credit;
        let (billed, proforma) = match view {
            View::Charges => (amount, None),
            View::AwsCost => (Decimal::ZERO, Some(amount)),
        };
        FocusRow {
            billing_account_id: self.billing_account_id.to_owned(),
            billing_account_name: self.billing_account_name.to_owned(),
            billing_account_type: self.billing_account_type,
            currency: currency.to_owned(),
            billing_period: self.period.to_owned(),
            charge_month: self.period.to_owned(),
            charge_category: if credit { "Credit" } else { "Purchase" },
            charge_frequency: "One-Time",
            pricing_category: if credit { None } else { Some("Standard") },
            charge_description: format!("Custom line item ({}): {}", if credit { "credit" } else { "fee" }, item.name),
            billed,
            effective: billed,
            contracted: billed,
            list: billed,
            invoice_issuer: self.invoice_issuer.clone(),
            publisher: names.issuer(self.payer),
            service_category: "Other",
            service_name: item.name.clone(),
            service_code: None,
            sub_account_id: item.account_id.clone(),
            sub_account_name: names.account(self.payer, &item.account_id),
            charge_type: if credit { "CREDIT" } else { "FEE" }.to_owned(),
            billing_group_id: self.group_id,
            custom_line_item_id: Some(item.id),
            proforma,
        }
    }
}

/// Pro-forma charges of billing groups: per group, its priced rows (rows charged nothing and
/// without a public price are left out: they are not on the customer's bill) and its custom
/// line items. BillingAccountId is the group's primary account, BillingAccountName its name,
/// InvoiceIssuerName the partner the payer belongs to.
async fn charge_rows(payers: &PayerSet, groups: &[Group], period: &str, field: &str) -> AppResult<Vec<FocusRow>> {
    let mut names = Names::default();
    let mut out = Vec::new();
    for group in groups {
        let payer = payers.payer(group.group.payer_id)?;
        names.load(&payer).await?;
        let (priced, billed) = priced_as_billed(&payer, group, period).await?;
        let columns = GroupColumns {
            billing_account_id: &group.group.primary_account_id,
            billing_account_name: &group.group.name,
            billing_account_type: "Billing group",
            invoice_issuer: names.issuer(group.group.payer_id),
            period,
            payer: group.group.payer_id,
            group_id: Some(group.group.id),
        };
        let currency = priced.numbers.currency.clone();
        match billed {
            None => {
                for (key, s) in summed(&priced) {
                    let (charge, list) = (present(s.charge), present(s.list));
                    if charge.is_zero() && list.is_zero() {
                        continue;
                    }
                    out.push(columns.usage_row(&names, &priced, &key, charge, charge, list, None));
                }
                for item in &priced.numbers.computation.items {
                    out.push(columns.item_row(&names, item, &currency, View::Charges));
                }
            }
            // A closed period whose data changed since close: the lines it was billed with, by
            // account and service (the snapshot keeps no charge type or list price).
            Some(lines) => {
                for l in &lines.usage {
                    let charge = present(l.proforma_cost);
                    if charge.is_zero() {
                        continue;
                    }
                    let key = (period.to_owned(), l.account_id.clone(), l.service_code.clone(), "Usage".to_owned(), String::new(), currency.clone());
                    out.push(columns.usage_row(&names, &priced, &key, charge, charge, Decimal::ZERO, None));
                }
                for item in &lines.items {
                    out.push(columns.item_row(&names, &item.applied(), &currency, View::Charges));
                }
            }
        }
        check_size(out.len(), field)?;
    }
    Ok(out)
}

/// A priced period's rows as AWS-cost rows, with their charge when the rows were priced.
fn aws_rows(columns: &GroupColumns<'_>, names: &Names, priced: &PricedPeriod, priced_charge: bool, out: &mut Vec<FocusRow>) {
    for (key, s) in summed(priced) {
        let billed = present(s.aws_cost);
        let proforma = priced_charge.then(|| present(s.charge));
        out.push(columns.usage_row(names, priced, &key, billed, present(s.amortized), present(s.list), proforma));
    }
}

/// A payer's AWS cost: every row of the period (its preferred source), BilledCost and
/// ContractedCost its net unblended cost, EffectiveCost its amortized cost, ListCost its public
/// price; rows of billing groups carry their pro-forma charge in `x_ProformaCost`, and each
/// group's custom line items are rows of their own with `x_ProformaCost` only.
async fn payer_rows(payer: &ScopedPayer, period: &str) -> AppResult<Vec<FocusRow>> {
    let mut names = Names::default();
    names.load(payer).await?;
    let mut out = Vec::new();
    let mut grouped: Vec<String> = Vec::new();
    let groups = groups::of_payer(payer).await?;
    for group in &groups {
        let (priced, _) = priced_as_billed(payer, group, period).await?;
        grouped.extend(priced.rows.iter().map(|r| r.account_id.clone()));
        grouped.extend(group.accounts_in(period));
        let columns = GroupColumns {
            billing_account_id: &payer.account_id,
            billing_account_name: &payer.name,
            billing_account_type: "Management account",
            invoice_issuer: "AWS".to_owned(),
            period,
            payer: group.group.payer_id,
            group_id: Some(group.group.id),
        };
        aws_rows(&columns, &names, &priced, true, &mut out);
        for item in &priced.numbers.computation.items {
            out.push(columns.item_row(&names, item, &priced.numbers.currency, View::AwsCost));
        }
        check_size(out.len(), "payerId")?;
    }
    grouped.sort();
    grouped.dedup();
    let rest = results::unpriced_rows(payer, period, &grouped).await?;
    if !rest.is_empty() {
        // Accounts in no billing group: AWS cost only, no price.
        let service_names = rest.iter().filter_map(|r| r.service_name.clone().map(|n| (r.service_code.clone(), n))).collect();
        let numbers = results::GroupPeriod {
            period: period.to_owned(),
            source: String::new(),
            currency: rest.first().map(|r| r.currency.clone()).unwrap_or_default(),
            computation: Default::default(),
            service_names,
        };
        let priced = PricedPeriod { numbers, rows: rest };
        let columns = GroupColumns {
            billing_account_id: &payer.account_id,
            billing_account_name: &payer.name,
            billing_account_type: "Management account",
            invoice_issuer: "AWS".to_owned(),
            period,
            payer: payer.id,
            group_id: None,
        };
        aws_rows(&columns, &names, &priced, false, &mut out);
    }
    check_size(out.len(), "payerId")?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_item_types_map_to_focus_categories() {
        assert_eq!(categories("Usage"), ("Usage", "Usage-Based", Some("Standard")));
        assert_eq!(categories("SavingsPlanCoveredUsage").2, Some("Committed"));
        assert_eq!(categories("Tax").0, "Tax");
        assert_eq!(categories("EdpDiscount").0, "Credit");
        assert_eq!(categories("RIFee"), ("Purchase", "Recurring", Some("Committed")));
        assert_eq!(categories("Adjustment").0, "Adjustment");
        assert_eq!(categories("SomethingNew").0, "Usage", "the engine charges unknown types as usage");
    }

    #[test]
    fn file_names_are_slugs_and_the_size_is_capped() {
        assert_eq!(slug("Acme Corp. (EU)"), "acme-corp-eu");
        assert_eq!(slug("中文"), "export");
        let e = check_size(MAX_ROWS + 1, "payerId").unwrap_err();
        assert!(matches!(e, AppError::Validation { field: Some(ref f), .. } if f == "payerId"), "{e}");
        assert!(check_size(MAX_ROWS, "payerId").is_ok());
    }
}
