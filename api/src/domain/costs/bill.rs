//! An account's bill for one month, as the prior tool showed it, and its CSV.

use std::collections::BTreeMap;

use entity::cost_monthly_usage;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait as _, Order, Query};

use super::visibility::{CUSTOMERS_SEE_CHARGES, PayerView, best_sources_monthly, payer_view};
use super::{Metric, month_bounds};
use crate::domain::billing::{self, results};
use crate::error::{AppError, AppResult, Context as _};
use crate::ids::PayerId;
use crate::money::from_units;
use crate::tenancy::Scope;

/// One line of an account's monthly bill.
#[derive(Debug, Clone)]
pub struct BillLine {
    pub service_code: String,
    pub service_name: String,
    pub usage_type: String,
    pub operation: String,
    /// The line item description (the first one seen for the line in the month).
    pub description: String,
    pub pricing_unit: String,
    pub usage: String,
    /// In the bill's metric, exact to 10⁻⁸.
    pub cost: Decimal,
    /// PRO_FORMA: a custom line item of the account's billing group (booked on this account).
    pub custom_line_item: bool,
}

/// An account's bill for one month.
#[derive(Debug, Clone)]
pub struct AccountBill {
    pub currency: String,
    pub total: Decimal,
    pub lines: Vec<BillLine>,
}

/// Service code, usage type, operation, unit, service name.
type BillKey = (String, String, String, String, String);

#[derive(Default)]
struct BillSums {
    /// The first day summed and its line item description.
    first: Option<(String, String)>,
    usage: Decimal,
    cost: Decimal,
}

impl BillSums {
    fn add(&mut self, row: &cost_monthly_usage::Model, cost: Decimal) -> AppResult<()> {
        if self.first.as_ref().is_none_or(|(day, _)| row.first_usage_day < *day) {
            self.first = Some((row.first_usage_day.clone(), row.line_item_description.clone()));
        }
        if !row.usage_quantity.is_empty() {
            let usage: Decimal = row.usage_quantity.parse().map_err(|e| AppError::internal(anyhow::anyhow!("stored usage quantity {:?} unreadable: {e}", row.usage_quantity)))?;
            self.usage += usage;
        }
        self.cost += cost;
        Ok(())
    }
}

fn bill_key(r: &cost_monthly_usage::Model) -> BillKey {
    (r.service_code.clone(), r.usage_type.clone(), r.operation.clone(), r.pricing_unit.clone(), r.service_name.clone())
}

/// The prior tool's per-account bill, for any month, read from the bill's month rollup
/// (`cost_monthly_usage`, a few hundred rows where the days are tens of thousands): service,
/// usage type, operation, description, usage, unit and cost in the metric asked for. End customers get only the
/// accounts of their billing groups in that month, and only PRO_FORMA (what they are billed)
/// or LIST; PRO_FORMA includes the group's custom line items booked on the account.
pub async fn account_bill(scope: &Scope, payer: PayerId, account: &str, month: &str, metric: Metric) -> AppResult<AccountBill> {
    let (first, _) = month_bounds(month)?;
    let view = payer_view(scope, payer).await?;
    let period = first.format("%Y-%m").to_string();
    if let PayerView::Customer(_, groups) = &view {
        if !groups.iter().any(|g| g.accounts_in(&period).iter().any(|a| a == account)) {
            return Err(AppError::NotFound("account"));
        }
        if metric.is_aws_cost() {
            return Err(AppError::forbidden(CUSTOMERS_SEE_CHARGES));
        }
    }
    let mut lines: BTreeMap<BillKey, BillSums> = BTreeMap::new();
    let mut items: Vec<BillLine> = Vec::new();
    let mut currency: Option<String> = None;
    match metric.column() {
        Some(_) => {
            let payers = scope.readable_payers(&[view.payer()]).await?;
            let sources = best_sources_monthly(&payers, &period, &period).await?;
            // Named as the day grain: the source condition is written on its columns, which the
            // rollup shares.
            let mut select = Query::select();
            select
                .column(Asterisk)
                .from_as(Alias::new("cost_monthly_usage"), Alias::new("cost_daily"))
                .cond_where(sources.rows())
                .and_where(Expr::col(Alias::new("usage_account_id")).eq(account))
                .and_where(Expr::col(Alias::new("usage_month")).eq(period.as_str()))
                .order_by(Alias::new("first_usage_day"), Order::Asc)
                .order_by(Alias::new("billing_period"), Order::Asc)
                .order_by(Alias::new("id"), Order::Asc);
            let rows: Vec<cost_monthly_usage::Model> = payers.aggregate("cost_daily", select).await.context("reading an account's month from the bill rollup")?;
            for r in rows {
                let units = match metric {
                    Metric::NetUnblended => r.net_unblended_cost,
                    Metric::Amortized => r.amortized_cost,
                    Metric::List => r.list_cost,
                    Metric::Unblended | Metric::ProForma => r.unblended_cost,
                };
                currency.get_or_insert_with(|| r.currency.clone());
                lines.entry(bill_key(&r)).or_default().add(&r, from_units(units))?;
            }
        }
        None => {
            let payers = scope.readable_payers(&[view.payer()]).await?;
            let groups = match &view {
                PayerView::Partner(p) => billing::groups::of_payer_in(&payers, *p).await?,
                PayerView::Customer(_, groups) => groups.clone(),
            };
            let group = groups
                .iter()
                .find(|g| g.accounts_in(&period).iter().any(|a| a == account))
                .ok_or_else(|| AppError::invalid("accountId", "is in no billing group in that month, so it has no pro-forma price"))?;
            let (numbers, rows) = results::priced_account_month(&payers.payer(group.group.payer_id)?, group, &period, account).await?;
            currency = Some(numbers.currency.clone());
            for (r, charge) in rows {
                lines.entry(bill_key(&r)).or_default().add(&r, charge)?;
            }
            for item in numbers.computation.items.into_iter().filter(|i| i.account_id == account) {
                let credit = item.charge == crate::domain::billing::engine::ItemCharge::Credit;
                items.push(BillLine {
                    service_code: String::new(),
                    service_name: item.name,
                    usage_type: String::new(),
                    operation: String::new(),
                    description: if credit { "Custom line item (credit)" } else { "Custom line item (fee)" }.to_owned(),
                    pricing_unit: String::new(),
                    usage: String::new(),
                    cost: results::present(item.amount),
                    custom_line_item: true,
                });
            }
        }
    }
    let mut out: Vec<BillLine> = lines
        .into_iter()
        .map(|((service_code, usage_type, operation, pricing_unit, service_name), s)| BillLine {
            service_code,
            service_name,
            usage_type,
            operation,
            description: s.first.map(|(_, d)| d).unwrap_or_default(),
            pricing_unit,
            usage: s.usage.normalize().to_string(),
            cost: results::present(s.cost),
            custom_line_item: false,
        })
        .collect();
    out.extend(items);
    let total = results::present(out.iter().map(|l| l.cost).sum());
    Ok(AccountBill { currency: currency.unwrap_or_else(|| "USD".to_owned()), total, lines: out })
}

/// The bill as CSV: UTF-8 with a BOM so Excel opens Chinese text, headers in the locale.
pub fn bill_csv(bill: &AccountBill, locale: &str) -> AppResult<String> {
    let cost = if locale == "zh-CN" { format!("费用 ({})", bill.currency) } else { format!("Cost ({})", bill.currency) };
    let headers = if locale == "zh-CN" {
        ["服务", "服务代码", "使用类型", "操作", "描述", "用量", "单位", cost.as_str()]
    } else {
        ["Service", "Service code", "Usage type", "Operation", "Description", "Usage", "Unit", cost.as_str()]
    };
    // Every cell goes through csv_safe: a name or description starting with = + - @ would run as
    // a spreadsheet formula (amounts are numbers and stay as they are).
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(crate::csv_safe::record(headers)).map_err(AppError::internal)?;
    for l in &bill.lines {
        let cost = l.cost.round_dp(2).to_string();
        writer
            .write_record(crate::csv_safe::record([&l.service_name, &l.service_code, &l.usage_type, &l.operation, &l.description, &l.usage, &l.pricing_unit, &cost]))
            .map_err(AppError::internal)?;
    }
    let bytes = writer.into_inner().map_err(|e| AppError::internal(anyhow::anyhow!("csv: {e}")))?;
    let body = String::from_utf8(bytes).map_err(AppError::internal)?;
    Ok(format!("\u{feff}{body}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue #16 item 5: a custom line item named `=1+1` and a CUR description beginning with
    /// `+` are written as text; the credit's negative amount stays a number.
    #[test]
    fn bill_csv_neutralises_formulas_but_keeps_amounts_numeric() {
        let line = |name: &str, description: &str, cost: &str, custom: bool| BillLine {
            service_code: String::new(),
            service_name: name.into(),
            usage_type: String::new(),
            operation: String::new(),
            description: description.into(),
            pricing_unit: String::new(),
            usage: String::new(),
            cost: cost.parse().unwrap(),
            custom_line_item: custom,
        };
        let lines = vec![
            line("=1+1", "Custom line item (fee)", "10", true),
            line("@SUM(A1)", "Custom line item (credit)", "-1.50", true),
            line("Amazon S3", "+cmd|' /C calc'!A0", "3.25", false),
        ];
        let bill = AccountBill { currency: "USD".into(), total: "11.75".parse().unwrap(), lines };
        let csv = bill_csv(&bill, "en").unwrap();
        let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
        assert_eq!((rows[0][0].as_str(), rows[0][7].as_str()), ("'=1+1", "10"));
        assert_eq!((rows[1][0].as_str(), rows[1][7].as_str()), ("'@SUM(A1)", "-1.50"), "a negative amount is a number, not a formula");
        assert_eq!(rows[2][4], "'+cmd|' /C calc'!A0");
        for row in &rows {
            for c in row {
                assert!(!c.starts_with(['=', '+', '@', '\t', '\r']), "{c:?} in {row:?}");
                assert!(!c.starts_with('-') || c.parse::<f64>().is_ok(), "{c:?} in {row:?}");
            }
        }
    }

    #[test]
    fn csv_has_a_bom_and_localized_headers() {
        let lines = vec![BillLine {
            service_code: "AmazonEC2".into(),
            service_name: "Amazon Elastic Compute Cloud".into(),
            usage_type: "BoxUsage:t3.micro".into(),
            operation: "RunInstances".into(),
            description: "$0.0104 per On Demand Linux t3.micro Instance Hour".into(),
            pricing_unit: "Hrs".into(),
            usage: "720".into(),
            cost: "7.4900000".parse().unwrap(),
            custom_line_item: false,
        }];
        let bill = AccountBill { currency: "CNY".into(), total: "7.49".parse().unwrap(), lines };
        let zh = bill_csv(&bill, "zh-CN").unwrap();
        assert!(zh.starts_with('\u{feff}'));
        assert!(zh.contains("服务,服务代码,使用类型,操作,描述"));
        assert!(zh.contains("费用 (CNY)"));
        assert!(zh.contains("t3.micro Instance Hour,720,Hrs,7.49"), "{zh}");
        assert!(bill_csv(&bill, "en").unwrap().contains("Service,Service code,Usage type,Operation,Description,Usage,Unit,Cost (CNY)"));
    }
}
