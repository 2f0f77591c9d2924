//! Cost insights over the day-grain store: cost over time by account, service, region, usage
//! type, charge type and service category; month over month with movers; a month-end forecast;
//! an account's monthly bill; ingestion health. Sums run in SQL over fixed-point integers, so
//! every total is exact.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Utc};
use entity::{cost_daily, ingestions};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};

use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::money::from_units;
use crate::tenancy::{Role, Scope};

/// Which cost column to add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Unblended,
    NetUnblended,
    Amortized,
    List,
}

impl Metric {
    fn column(self) -> &'static str {
        match self {
            Self::Unblended => "unblended_cost",
            Self::NetUnblended => "net_unblended_cost",
            Self::Amortized => "amortized_cost",
            Self::List => "list_cost",
        }
    }
}

/// A dimension to group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dimension {
    Account,
    Service,
    Region,
    UsageType,
    ChargeType,
    ServiceCategory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Day,
    Month,
}

/// Narrows the rows summed.
#[derive(Debug, Clone, Default)]
pub struct CostFilter {
    pub account_ids: Vec<String>,
    pub service_codes: Vec<String>,
    pub regions: Vec<String>,
    pub charge_types: Vec<String>,
}

/// The values of the grouped dimensions (empty when not grouped by it).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKey {
    pub account_id: String,
    pub service: String,
    pub region: String,
    pub usage_type: String,
    pub charge_type: String,
    pub service_category: String,
}

#[derive(Debug, Clone)]
pub struct SeriesPoint {
    /// `YYYY-MM-DD` or `YYYY-MM`.
    pub period: String,
    pub key: GroupKey,
    pub amount: Decimal,
}

#[derive(Debug, Clone)]
pub struct CostSummary {
    pub total: Decimal,
    pub series: Vec<SeriesPoint>,
    pub groups: Vec<(GroupKey, Decimal)>,
    pub currency: String,
}

pub struct SummaryRequest {
    pub payers: Vec<PayerId>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub granularity: Granularity,
    pub group_by: Vec<Dimension>,
    pub metric: Metric,
    pub filter: CostFilter,
}

/// FOCUS ServiceCategory of an AWS service code.
pub fn service_category(service_code: &str) -> &'static str {
    match service_code {
        "AmazonEC2" | "AWSLambda" | "AmazonECS" | "AmazonEKS" | "AWSBatch" | "AmazonLightsail" | "AWSFargate" | "AmazonEC2ContainerRegistry"
        | "AWSElasticBeanstalk" | "AmazonAppStream" | "AmazonWorkSpaces" => "Compute",
        "AmazonS3" | "AmazonEFS" | "AmazonGlacier" | "AmazonFSx" | "AWSBackup" | "AWSStorageGateway" | "AmazonS3GlacierDeepArchive" => "Storage",
        "AmazonRDS" | "AmazonDynamoDB" | "AmazonElastiCache" | "AmazonDocDB" | "AmazonNeptune" | "AmazonMemoryDB" | "AmazonKeyspaces"
        | "AmazonTimestream" => "Databases",
        "AmazonRedshift" | "AmazonAthena" | "AWSGlue" | "AmazonKinesis" | "AmazonKinesisFirehose" | "AmazonES" | "AmazonOpenSearchService"
        | "AmazonEMR" | "AmazonQuickSight" | "AmazonMSK" => "Analytics",
        "AmazonCloudFront" | "AmazonVPC" | "AmazonRoute53" | "AWSELB" | "AWSDataTransfer" | "AWSDirectConnect" | "AWSGlobalAccelerator"
        | "AmazonApiGateway" | "AWSTransitGateway" => "Networking",
        "AmazonCloudWatch" | "AWSCloudTrail" | "AWSConfig" | "AWSSystemsManager" | "AWSCostExplorer" | "AWSCloudFormation"
        | "AWSServiceCatalog" | "AWSOrganizations" => "Management and Governance",
        "AmazonGuardDuty" | "awskms" | "AWSKMS" | "AWSSecretsManager" | "AWSSecurityHub" | "AmazonInspector" | "AWSWAF" | "AWSShield"
        | "AmazonMacie" | "AWSCertificateManager" => "Security",
        "AmazonCognito" | "AWSDirectoryService" | "AWSSSO" => "Identity",
        "AmazonSageMaker" | "AmazonBedrock" | "AmazonRekognition" | "AmazonTextract" | "AmazonComprehend" | "AmazonPolly" | "AmazonTranslate"
        | "AmazonTranscribe" | "AmazonLex" => "AI and Machine Learning",
        "AmazonSNS" | "AmazonSQS" | "AmazonEventBridge" | "AWSEvents" | "AmazonMQ" | "AWSStepFunctions" | "AmazonSES" | "AWSAppSync" => "Integration",
        "AWSCodeBuild" | "AWSCodePipeline" | "AWSCodeCommit" | "AWSCodeArtifact" | "AWSXRay" | "AWSCloud9" => "Developer Tools",
        "AWSIoT" | "AWSIoTAnalytics" | "AWSGreengrass" => "Internet of Things",
        "AWSDatabaseMigrationSvc" | "AWSMigrationHub" | "AWSApplicationMigrationSvc" | "AWSDataSync" | "AWSTransfer" => "Migration",
        "AmazonConnect" | "AmazonChime" | "AWSSupportBusiness" | "AWSSupportEnterprise" | "AWSDeveloperSupport" => "Business Applications",
        "AmazonElasticTranscoder" | "AWSElementalMediaConvert" | "AmazonIVS" => "Media",
        _ => "Other",
    }
}

/// Every service code the mapping names, with its category.
pub fn known_service_categories() -> Vec<(&'static str, &'static str)> {
    const CODES: &[&str] = &[
        "AmazonEC2", "AWSLambda", "AmazonECS", "AmazonEKS", "AmazonS3", "AmazonEFS", "AmazonGlacier", "AmazonRDS", "AmazonDynamoDB",
        "AmazonElastiCache", "AmazonRedshift", "AmazonAthena", "AWSGlue", "AmazonKinesis", "AmazonCloudFront", "AmazonVPC", "AmazonRoute53",
        "AWSELB", "AWSDataTransfer", "AmazonCloudWatch", "AWSCloudTrail", "AWSConfig", "AmazonGuardDuty", "awskms", "AWSSecretsManager",
        "AmazonCognito", "AmazonSageMaker", "AmazonBedrock", "AmazonSNS", "AmazonSQS", "AWSCodeBuild", "AWSIoT", "AWSDatabaseMigrationSvc",
        "AmazonConnect", "AWSElementalMediaConvert",
    ];
    CODES.iter().map(|c| (*c, service_category(c))).collect()
}

async fn visible_payers(scope: &Scope, payers: &[PayerId]) -> AppResult<Vec<uuid::Uuid>> {
    if payers.is_empty() {
        return Err(AppError::invalid("payerIds", "name at least one payer"));
    }
    let mut out = Vec::with_capacity(payers.len());
    for p in payers {
        out.push(scope.payer(*p, Role::Viewer).await?.0.id);
    }
    Ok(out)
}

/// The sources a payer's cost can come from, most complete first. The same days may be loaded
/// from several (a CUR export and the daily Cost Explorer pull, say); per payer and billing
/// period only the best one present is counted, so nothing is counted twice.
pub const SOURCE_PRECEDENCE: [&str; 4] = ["cur", "focus", "ce", "legacy"];

#[derive(Debug, FromQueryResult)]
struct PresentSource {
    payer_id: uuid::Uuid,
    billing_period: String,
    source: String,
}

/// Rows of the best source per payer and billing period within the dates (see
/// [`SOURCE_PRECEDENCE`]); matches nothing when there is no data.
async fn best_sources(db: &impl sea_orm::ConnectionTrait, payers: &[uuid::Uuid], from: NaiveDate, to: NaiveDate) -> AppResult<Condition> {
    let present = cost_daily::Entity::find()
        .select_only()
        .column(cost_daily::Column::PayerId)
        .column(cost_daily::Column::BillingPeriod)
        .column(cost_daily::Column::Source)
        .filter(cost_daily::Column::PayerId.is_in(payers.to_vec()))
        .filter(cost_daily::Column::UsageDate.gte(from))
        .filter(cost_daily::Column::UsageDate.lte(to))
        .distinct()
        .into_model::<PresentSource>()
        .all(db)
        .await?;
    let rank = |s: &str| SOURCE_PRECEDENCE.iter().position(|p| *p == s).unwrap_or(SOURCE_PRECEDENCE.len());
    let mut best: BTreeMap<(uuid::Uuid, String), String> = BTreeMap::new();
    for p in present {
        let slot = best.entry((p.payer_id, p.billing_period)).or_insert_with(|| p.source.clone());
        if rank(&p.source) < rank(slot) {
            *slot = p.source;
        }
    }
    let mut any = Condition::any();
    if best.is_empty() {
        // Nothing to count: a condition that matches no row.
        return Ok(Condition::all().add(cost_daily::Column::Source.is_in(Vec::<String>::new())));
    }
    for ((payer, period), source) in best {
        any = any.add(
            Condition::all()
                .add(cost_daily::Column::PayerId.eq(payer))
                .add(cost_daily::Column::BillingPeriod.eq(period))
                .add(cost_daily::Column::Source.eq(source)),
        );
    }
    Ok(any)
}

#[derive(Debug, FromQueryResult)]
struct Row {
    period: String,
    account_id: String,
    service: String,
    region: String,
    usage_type: String,
    charge_type: String,
    currency: String,
    units: i64,
}

fn dim_expr(grouped: bool, column: &'static str) -> Expr {
    if grouped { Expr::col(Alias::new(column)) } else { Expr::val("") }
}

/// Cost over time, grouped, for the payers the caller names (each must be visible).
pub async fn summary(scope: &Scope, req: SummaryRequest) -> AppResult<CostSummary> {
    if req.to < req.from {
        return Err(AppError::invalid("to", "must not be before from"));
    }
    if (req.to - req.from).num_days() > 800 {
        return Err(AppError::invalid("to", "the range may span at most 800 days"));
    }
    let payers = visible_payers(scope, &req.payers).await?;
    let sources = best_sources(scope.db(), &payers, req.from, req.to).await?;
    let has = |d: Dimension| req.group_by.contains(&d);
    let by_service = has(Dimension::Service) || has(Dimension::ServiceCategory);
    let period = match req.granularity {
        Granularity::Day => Expr::cust("CAST(usage_date AS TEXT)"),
        Granularity::Month => Expr::cust("SUBSTR(CAST(usage_date AS TEXT), 1, 7)"),
    };
    let mut query = cost_daily::Entity::find()
        .select_only()
        .expr_as(period.clone(), "period")
        .expr_as(dim_expr(has(Dimension::Account), "usage_account_id"), "account_id")
        .expr_as(dim_expr(by_service, "service_code"), "service")
        .expr_as(dim_expr(has(Dimension::Region), "region"), "region")
        .expr_as(dim_expr(has(Dimension::UsageType), "usage_type"), "usage_type")
        .expr_as(dim_expr(has(Dimension::ChargeType), "charge_type"), "charge_type")
        .column(cost_daily::Column::Currency)
        .expr_as(Expr::cust(format!("CAST(SUM({}) AS BIGINT)", req.metric.column())), "units")
        .filter(cost_daily::Column::PayerId.is_in(payers))
        .filter(sources)
        .filter(cost_daily::Column::UsageDate.gte(req.from))
        .filter(cost_daily::Column::UsageDate.lte(req.to));
    let f = &req.filter;
    for (values, column) in [
        (&f.account_ids, cost_daily::Column::UsageAccountId),
        (&f.service_codes, cost_daily::Column::ServiceCode),
        (&f.regions, cost_daily::Column::Region),
        (&f.charge_types, cost_daily::Column::ChargeType),
    ] {
        if !values.is_empty() {
            query = query.filter(Condition::all().add(column.is_in(values.clone())));
        }
    }
    query = query.group_by(period).group_by(cost_daily::Column::Currency);
    for (grouped, column) in [
        (has(Dimension::Account), cost_daily::Column::UsageAccountId),
        (by_service, cost_daily::Column::ServiceCode),
        (has(Dimension::Region), cost_daily::Column::Region),
        (has(Dimension::UsageType), cost_daily::Column::UsageType),
        (has(Dimension::ChargeType), cost_daily::Column::ChargeType),
    ] {
        if grouped {
            query = query.group_by(column);
        }
    }
    let rows = query.into_model::<Row>().all(scope.db()).await?;
    let currencies: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.currency.as_str()).collect();
    if currencies.len() > 1 {
        return Err(AppError::invalid("payerIds", "these payers bill in different currencies; ask for one currency at a time"));
    }
    let currency = currencies.into_iter().next().unwrap_or("USD").to_owned();
    // Fold in Rust where a dimension is derived (service category) — still integer units.
    let mut series: BTreeMap<(String, GroupKey), i64> = BTreeMap::new();
    for r in &rows {
        let key = GroupKey {
            account_id: r.account_id.clone(),
            service: if has(Dimension::Service) { r.service.clone() } else { String::new() },
            region: r.region.clone(),
            usage_type: r.usage_type.clone(),
            charge_type: r.charge_type.clone(),
            service_category: if has(Dimension::ServiceCategory) { service_category(&r.service).to_owned() } else { String::new() },
        };
        *series.entry((r.period.clone(), key)).or_default() += r.units;
    }
    let mut groups: BTreeMap<GroupKey, i64> = BTreeMap::new();
    let mut total = 0_i64;
    for ((_, key), units) in &series {
        *groups.entry(key.clone()).or_default() += units;
        total += units;
    }
    let mut groups: Vec<(GroupKey, Decimal)> = groups.into_iter().map(|(k, u)| (k, from_units(u).normalize())).collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(CostSummary {
        total: from_units(total).normalize(),
        series: series.into_iter().map(|((period, key), u)| SeriesPoint { period, key, amount: from_units(u).normalize() }).collect(),
        groups,
        currency,
    })
}

/// One key's change between two months.
#[derive(Debug, Clone)]
pub struct Change {
    pub key: GroupKey,
    pub current: Decimal,
    pub previous: Decimal,
    pub delta: Decimal,
    /// `None` when the previous month was zero.
    pub delta_percent: Option<Decimal>,
    pub is_new: bool,
    pub is_gone: bool,
}

/// The first and last day of a `YYYY-MM` month.
pub fn month_bounds(month: &str) -> AppResult<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| AppError::invalid("month", "must be YYYY-MM"))?;
    let next = if first.month() == 12 { NaiveDate::from_ymd_opt(first.year() + 1, 1, 1) } else { NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1) };
    let next = next.ok_or_else(|| AppError::invalid("month", "is out of range"))?;
    Ok((first, next.pred_opt().unwrap_or(next)))
}

/// Compares a month with the one before, per group key.
pub async fn month_over_month(scope: &Scope, payers: Vec<PayerId>, month: &str, group_by: Vec<Dimension>, metric: Metric) -> AppResult<Vec<Change>> {
    let (first, last) = month_bounds(month)?;
    let prev_last = first.pred_opt().ok_or_else(|| AppError::invalid("month", "is out of range"))?;
    let (prev_first, _) = month_bounds(&prev_last.format("%Y-%m").to_string())?;
    let req = |from, to| SummaryRequest {
        payers: payers.clone(),
        from,
        to,
        granularity: Granularity::Month,
        group_by: group_by.clone(),
        metric,
        filter: CostFilter::default(),
    };
    let current = summary(scope, req(first, last)).await?;
    let previous = summary(scope, req(prev_first, prev_last)).await?;
    let mut keys: BTreeMap<GroupKey, (Decimal, Decimal)> = BTreeMap::new();
    for (k, v) in current.groups {
        keys.entry(k).or_default().0 = v;
    }
    for (k, v) in previous.groups {
        keys.entry(k).or_default().1 = v;
    }
    let mut changes: Vec<Change> = keys
        .into_iter()
        .map(|(key, (current, previous))| {
            let delta = current - previous;
            let delta_percent = (!previous.is_zero()).then(|| (delta / previous.abs() * Decimal::ONE_HUNDRED).round_dp(2));
            Change { key, current, previous, delta, delta_percent, is_new: previous.is_zero() && !current.is_zero(), is_gone: current.is_zero() && !previous.is_zero() }
        })
        .collect();
    changes.sort_by(|a, b| b.delta.abs().cmp(&a.delta.abs()).then_with(|| a.key.cmp(&b.key)));
    Ok(changes)
}

/// A month-end projection.
#[derive(Debug, Clone)]
pub struct Forecast {
    pub month_to_date: Decimal,
    pub projected: Decimal,
    pub days_with_data: u32,
    pub days_in_month: u32,
}

/// Month-end projection from the run rate: the cost so far divided by the days that have data
/// (up to the last day with data), times the days in the month. Past months project to their
/// actual total.
pub async fn forecast(scope: &Scope, payers: Vec<PayerId>, month: &str) -> AppResult<Forecast> {
    let (first, last) = month_bounds(month)?;
    let req = SummaryRequest {
        payers,
        from: first,
        to: last,
        granularity: Granularity::Day,
        group_by: vec![],
        metric: Metric::Unblended,
        filter: CostFilter::default(),
    };
    let s = summary(scope, req).await?;
    let days_in_month = last.day();
    let last_day_with_data = s.series.iter().filter_map(|p| NaiveDate::parse_from_str(&p.period, "%Y-%m-%d").ok()).map(|d| d.day()).max().unwrap_or(0);
    let projected = if last_day_with_data == 0 {
        Decimal::ZERO
    } else if last < Utc::now().date_naive() {
        s.total
    } else {
        (s.total / Decimal::from(last_day_with_data) * Decimal::from(days_in_month)).round_dp(2)
    };
    Ok(Forecast { month_to_date: s.total, projected, days_with_data: last_day_with_data, days_in_month })
}

/// One line of an account's monthly bill.
#[derive(Debug, Clone)]
pub struct BillLine {
    pub service_code: String,
    pub service_name: String,
    pub usage_type: String,
    pub operation: String,
    pub pricing_unit: String,
    pub usage: String,
    pub units: i64,
}

/// The prior tool's per-account bill, for any month: service, usage type, operation, usage,
/// unit, cost (unblended).
/// Service code, usage type, operation, unit, service name.
type BillKey = (String, String, String, String, String);

pub async fn account_bill(scope: &Scope, payer: PayerId, account: &str, month: &str) -> AppResult<Vec<BillLine>> {
    let (first, last) = month_bounds(month)?;
    let (payer, _) = scope.payer(payer, Role::Viewer).await?;
    // One read of the month's rows; costs add up as integer units, usage as exact decimals.
    let sources = best_sources(scope.db(), &[payer.id], first, last).await?;
    let rows = cost_daily::Entity::find()
        .filter(cost_daily::Column::PayerId.eq(payer.id))
        .filter(sources)
        .filter(cost_daily::Column::UsageAccountId.eq(account))
        .filter(cost_daily::Column::UsageDate.gte(first))
        .filter(cost_daily::Column::UsageDate.lte(last))
        .all(scope.db())
        .await?;
    let mut lines: BTreeMap<BillKey, (i64, Decimal)> = BTreeMap::new();
    for r in rows {
        let usage = r.usage_quantity.parse::<Decimal>().unwrap_or_default();
        let entry = lines.entry((r.service_code, r.usage_type, r.operation, r.pricing_unit, r.service_name)).or_default();
        entry.0 += r.unblended_cost;
        entry.1 += usage;
    }
    Ok(lines
        .into_iter()
        .map(|((service_code, usage_type, operation, pricing_unit, service_name), (units, usage))| BillLine {
            service_code,
            service_name,
            usage_type,
            operation,
            pricing_unit,
            usage: usage.normalize().to_string(),
            units,
        })
        .collect())
}

/// The bill as CSV: UTF-8 with a BOM so Excel opens Chinese text, headers in the locale.
pub fn bill_csv(lines: &[BillLine], locale: &str) -> AppResult<String> {
    let headers = if locale == "zh-CN" {
        ["服务", "服务代码", "使用类型", "操作", "用量", "单位", "费用 (USD)"]
    } else {
        ["Service", "Service code", "Usage type", "Operation", "Usage", "Unit", "Cost (USD)"]
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(headers).map_err(AppError::internal)?;
    for l in lines {
        let cost = from_units(l.units).round_dp(2).to_string();
        writer
            .write_record([&l.service_name, &l.service_code, &l.usage_type, &l.operation, &l.usage, &l.pricing_unit, &cost])
            .map_err(AppError::internal)?;
    }
    let bytes = writer.into_inner().map_err(|e| AppError::internal(anyhow::anyhow!("csv: {e}")))?;
    let body = String::from_utf8(bytes).map_err(AppError::internal)?;
    Ok(format!("\u{feff}{body}"))
}

/// How current a payer's cost data is.
#[derive(Debug, Clone)]
pub struct Health {
    /// SUCCESS | WARNING | FAILED | NOT_AVAILABLE
    pub status: &'static str,
    pub reason: String,
    /// Days since the latest day with cost data.
    pub lag_days: Option<i64>,
}

pub async fn ingestion_health(scope: &Scope, payer: PayerId) -> AppResult<Health> {
    let (payer, _) = scope.payer(payer, Role::Viewer).await?;
    let last = ingestions::Entity::find()
        .filter(ingestions::Column::PayerId.eq(payer.id))
        .filter(ingestions::Column::Status.ne("SKIPPED"))
        .order_by_desc(ingestions::Column::StartedAt)
        .one(scope.db())
        .await?;
    let newest_day: Option<NaiveDate> = cost_daily::Entity::find()
        .select_only()
        .expr_as(Expr::cust("MAX(usage_date)"), "d")
        .filter(cost_daily::Column::PayerId.eq(payer.id))
        .into_tuple::<Option<NaiveDate>>()
        .one(scope.db())
        .await?
        .flatten();
    let lag = newest_day.map(|d| (Utc::now().date_naive() - d).num_days());
    let (status, reason) = match (&last, lag) {
        (None, None) => ("NOT_AVAILABLE", "no cost data has been ingested for this payer".to_owned()),
        (Some(i), _) if i.status == "FAILED" => ("FAILED", format!("the last ingestion failed: {}", i.error.clone().unwrap_or_default())),
        (_, Some(days)) if days > 3 => ("WARNING", format!("the newest cost data is {days} days old")),
        (_, Some(_)) => ("SUCCESS", "cost data is current".to_owned()),
        (Some(_), None) => ("WARNING", "ingestions ran but wrote no cost rows".to_owned()),
    };
    Ok(Health { status, reason, lag_days: lag })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_bounds_handle_year_ends() {
        assert_eq!(month_bounds("2026-12").unwrap(), (NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()));
        assert_eq!(month_bounds("2024-02").unwrap().1, NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        assert!(month_bounds("2026-13").is_err());
    }

    #[test]
    fn categories_follow_focus() {
        assert_eq!(service_category("AmazonEC2"), "Compute");
        assert_eq!(service_category("AmazonS3"), "Storage");
        assert_eq!(service_category("AmazonRDS"), "Databases");
        assert_eq!(service_category("SomethingNew"), "Other");
    }

    #[test]
    fn csv_has_a_bom_and_localized_headers() {
        let lines = vec![BillLine {
            service_code: "AmazonEC2".into(),
            service_name: "Amazon Elastic Compute Cloud".into(),
            usage_type: "BoxUsage:t3.micro".into(),
            operation: "RunInstances".into(),
            pricing_unit: "Hrs".into(),
            usage: "720".into(),
            units: 749_000_000,
        }];
        let zh = bill_csv(&lines, "zh-CN").unwrap();
        assert!(zh.starts_with('\u{feff}'));
        assert!(zh.contains("服务,服务代码"));
        assert!(zh.contains(",7.49"));
        assert!(bill_csv(&lines, "en").unwrap().contains("Service,Service code"));
    }
}
