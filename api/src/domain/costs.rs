//! Cost insights over the day-grain store: cost over time by account, service, region, usage
//! type, charge type and service category; month over month with movers; a month-end forecast;
//! an account's monthly bill; ingestion health. AWS cost columns are summed in SQL over
//! fixed-point integers; the pro-forma charge is priced row by row by the billing engine. Every
//! total is exact.
//!
//! End customers (users whose only role on a payer comes from a `customer` tenant) see the
//! accounts of the billing groups assigned to their tenant, per billing period, and only what
//! they are billed (`PRO_FORMA`) or public prices (`LIST`): never AWS cost or margin.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Utc};
use entity::{cost_daily, cost_monthly, ingestions};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};

use crate::domain::billing::groups::Group;
use crate::domain::billing::{self, results};
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::money::from_units;
use crate::tenancy::{Role, Scope};

/// What to add up: a cost column, or the pro-forma charge of the billing engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Unblended,
    NetUnblended,
    Amortized,
    List,
    /// What the account is billed: each row priced by its billing group's plan in that period,
    /// plus the group's custom line items (docs/billing.md).
    ProForma,
}

impl Metric {
    /// The stored column; `None` for the pro-forma charge, which is computed.
    fn column(self) -> Option<&'static str> {
        match self {
            Self::Unblended => Some("unblended_cost"),
            Self::NetUnblended => Some("net_unblended_cost"),
            Self::Amortized => Some("amortized_cost"),
            Self::List => Some("list_cost"),
            Self::ProForma => None,
        }
    }

    /// What AWS charges the partner: never shown to end customers.
    pub fn is_aws_cost(self) -> bool {
        matches!(self, Self::Unblended | Self::NetUnblended | Self::Amortized)
    }
}

/// The category given to custom line items (PRO_FORMA only).
pub const CUSTOM_LINE_ITEM_CATEGORY: &str = "Custom line items";

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
    /// PRO_FORMA: the custom line items within `total` (not in DAY series).
    pub custom_line_items: Decimal,
    /// PRO_FORMA, partners only: accounts with cost in the range that were in no billing group
    /// in that period; they have no price and are left out.
    pub unpriced_account_ids: Vec<String>,
    /// Grouped by service: the name the data gives each service code (CUR
    /// `product_servicename`/`product_product_name`, FOCUS `ServiceName`, Cost Explorer), for the
    /// codes that have one; see [`service_label`].
    pub service_names: ServiceNames,
}

pub use crate::domain::service_names::{ServiceNames, note_service_name, service_label};

pub struct SummaryRequest {
    pub payers: Vec<PayerId>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub granularity: Granularity,
    pub group_by: Vec<Dimension>,
    pub metric: Metric,
    pub filter: CostFilter,
}

/// FOCUS ServiceCategory of an AWS service, by its code (CUR `line_item_product_code`) or, for
/// rows that carry only a name (Cost Explorer's SERVICE dimension, the prior tool's
/// `product_product_name`, FOCUS `ServiceName`), by its name.
pub fn service_category(service: &str) -> &'static str {
    match category_of_code(service) {
        "Other" => service_code_of_name(service).map_or("Other", category_of_code),
        category => category,
    }
}

fn category_of_code(service_code: &str) -> &'static str {
    match service_code {
        "AmazonEC2" | "AWSLambda" | "AmazonECS" | "AmazonEKS" | "AWSBatch" | "AmazonLightsail" | "AWSFargate" | "AmazonEC2ContainerRegistry"
        | "AmazonECR" | "AWSElasticBeanstalk" | "AmazonAppStream" | "AmazonWorkSpaces" | "ComputeSavingsPlans" => "Compute",
        "AmazonS3" | "AmazonEFS" | "AmazonGlacier" | "AmazonFSx" | "AWSBackup" | "AWSStorageGateway" | "AmazonS3GlacierDeepArchive" => "Storage",
        "AmazonRDS" | "AmazonDynamoDB" | "AmazonElastiCache" | "AmazonDocDB" | "AmazonNeptune" | "AmazonMemoryDB" | "AmazonKeyspaces"
        | "AmazonMCS" | "AmazonTimestream" => "Databases",
        "AmazonRedshift" | "AmazonAthena" | "AWSGlue" | "AmazonKinesis" | "AmazonKinesisFirehose" | "AmazonES" | "AmazonOpenSearchService"
        | "AmazonEMR" | "ElasticMapReduce" | "AmazonQuickSight" | "AmazonMSK" => "Analytics",
        "AmazonCloudFront" | "AmazonVPC" | "AmazonRoute53" | "AWSELB" | "AWSDataTransfer" | "AWSDirectConnect" | "AWSGlobalAccelerator"
        | "AmazonApiGateway" | "AWSTransitGateway" => "Networking",
        "AmazonCloudWatch" | "AWSCloudTrail" | "AWSConfig" | "AWSSystemsManager" | "AWSCostExplorer" | "AWSCloudFormation"
        | "AWSServiceCatalog" | "AWSOrganizations" => "Management and Governance",
        "AmazonGuardDuty" | "awskms" | "AWSKMS" | "AWSSecretsManager" | "AWSSecurityHub" | "AmazonInspector" | "AmazonInspectorV2" | "AWSWAF"
        | "awswaf" | "AWSShield" | "AmazonMacie" | "AWSCertificateManager" => "Security",
        "AmazonCognito" | "AWSDirectoryService" | "AWSSSO" => "Identity",
        "AmazonSageMaker" | "AmazonBedrock" | "AmazonRekognition" | "AmazonTextract" | "AmazonComprehend" | "AmazonPolly" | "AmazonTranslate"
        | "AmazonTranscribe" | "AmazonLex" => "AI and Machine Learning",
        "AmazonSNS" | "AmazonSQS" | "AWSQueueService" | "AmazonEventBridge" | "AWSEvents" | "AmazonMQ" | "AWSStepFunctions" | "AmazonStates"
        | "AmazonSES" | "AWSAppSync" => "Integration",
        "AWSCodeBuild" | "CodeBuild" | "AWSCodePipeline" | "AWSCodeCommit" | "AWSCodeArtifact" | "AWSXRay" | "AWSCloud9" => "Developer Tools",
        "AWSIoT" | "AWSIoTAnalytics" | "AWSGreengrass" => "Internet of Things",
        "AWSDatabaseMigrationSvc" | "AWSMigrationHub" | "AWSApplicationMigrationSvc" | "AWSDataSync" | "AWSTransfer" => "Migration",
        "AmazonConnect" | "AmazonChime" | "AWSSupportBusiness" | "AWSSupportEnterprise" | "AWSDeveloperSupport" => "Business Applications",
        "AmazonElasticTranscoder" | "AmazonETS" | "AWSElementalMediaConvert" | "AmazonIVS" => "Media",
        _ => "Other",
    }
}

/// Service names as Cost Explorer (SERVICE dimension), the CUR (`product_product_name`) and the
/// prior tool's table write them, with the service code they stand for.
const SERVICE_NAMES: &[(&str, &str)] = &[
    ("Amazon Elastic Compute Cloud - Compute", "AmazonEC2"),
    ("Amazon Elastic Compute Cloud", "AmazonEC2"),
    ("EC2 - Other", "AmazonEC2"),
    ("EC2 Instances", "AmazonEC2"),
    ("AWS Lambda", "AWSLambda"),
    ("Amazon Elastic Container Service", "AmazonECS"),
    ("Amazon EC2 Container Service", "AmazonECS"),
    ("Amazon Elastic Container Service for Kubernetes", "AmazonEKS"),
    ("Amazon Elastic Kubernetes Service", "AmazonEKS"),
    ("Amazon EC2 Container Registry (ECR)", "AmazonECR"),
    ("Amazon Elastic Container Registry", "AmazonECR"),
    ("AWS Batch", "AWSBatch"),
    ("Amazon Lightsail", "AmazonLightsail"),
    ("AWS Elastic Beanstalk", "AWSElasticBeanstalk"),
    ("Amazon WorkSpaces", "AmazonWorkSpaces"),
    ("Amazon AppStream", "AmazonAppStream"),
    ("Savings Plans for AWS Compute usage", "ComputeSavingsPlans"),
    ("Amazon Simple Storage Service", "AmazonS3"),
    ("Amazon S3", "AmazonS3"),
    ("Amazon Elastic File System", "AmazonEFS"),
    ("Amazon Glacier", "AmazonGlacier"),
    ("Amazon S3 Glacier", "AmazonGlacier"),
    ("Amazon FSx", "AmazonFSx"),
    ("AWS Backup", "AWSBackup"),
    ("AWS Storage Gateway", "AWSStorageGateway"),
    ("Amazon Relational Database Service", "AmazonRDS"),
    ("Amazon DynamoDB", "AmazonDynamoDB"),
    ("Amazon ElastiCache", "AmazonElastiCache"),
    ("Amazon DocumentDB (with MongoDB compatibility)", "AmazonDocDB"),
    ("Amazon Neptune", "AmazonNeptune"),
    ("Amazon MemoryDB", "AmazonMemoryDB"),
    ("Amazon MemoryDB for Redis", "AmazonMemoryDB"),
    ("Amazon Keyspaces (for Apache Cassandra)", "AmazonMCS"),
    ("Amazon Timestream", "AmazonTimestream"),
    ("Amazon Redshift", "AmazonRedshift"),
    ("Amazon Athena", "AmazonAthena"),
    ("AWS Glue", "AWSGlue"),
    ("Amazon Kinesis", "AmazonKinesis"),
    ("Amazon Kinesis Firehose", "AmazonKinesisFirehose"),
    ("Amazon Data Firehose", "AmazonKinesisFirehose"),
    ("Amazon OpenSearch Service", "AmazonES"),
    ("Amazon Elasticsearch Service", "AmazonES"),
    ("Amazon Elastic MapReduce", "ElasticMapReduce"),
    ("Amazon EMR", "ElasticMapReduce"),
    ("Amazon QuickSight", "AmazonQuickSight"),
    ("Amazon Managed Streaming for Apache Kafka", "AmazonMSK"),
    ("Amazon CloudFront", "AmazonCloudFront"),
    ("Amazon Virtual Private Cloud", "AmazonVPC"),
    ("Amazon Route 53", "AmazonRoute53"),
    ("Elastic Load Balancing", "AWSELB"),
    ("Amazon Elastic Load Balancing", "AWSELB"),
    ("AWS Data Transfer", "AWSDataTransfer"),
    ("AWS Direct Connect", "AWSDirectConnect"),
    ("AWS Global Accelerator", "AWSGlobalAccelerator"),
    ("Amazon API Gateway", "AmazonApiGateway"),
    ("AWS Transit Gateway", "AWSTransitGateway"),
    ("AmazonCloudWatch", "AmazonCloudWatch"),
    ("Amazon CloudWatch", "AmazonCloudWatch"),
    ("AWS CloudTrail", "AWSCloudTrail"),
    ("AWS Config", "AWSConfig"),
    ("AWS Systems Manager", "AWSSystemsManager"),
    ("AWS Cost Explorer", "AWSCostExplorer"),
    ("AWS CloudFormation", "AWSCloudFormation"),
    ("AWS Service Catalog", "AWSServiceCatalog"),
    ("AWS Organizations", "AWSOrganizations"),
    ("Amazon GuardDuty", "AmazonGuardDuty"),
    ("AWS Key Management Service", "awskms"),
    ("AWS Secrets Manager", "AWSSecretsManager"),
    ("AWS Security Hub", "AWSSecurityHub"),
    ("Amazon Inspector", "AmazonInspectorV2"),
    ("AWS WAF", "awswaf"),
    ("AWS Shield", "AWSShield"),
    ("Amazon Macie", "AmazonMacie"),
    ("AWS Certificate Manager", "AWSCertificateManager"),
    ("Amazon Cognito", "AmazonCognito"),
    ("AWS Directory Service", "AWSDirectoryService"),
    ("AWS IAM Identity Center", "AWSSSO"),
    ("Amazon SageMaker", "AmazonSageMaker"),
    ("Amazon Bedrock", "AmazonBedrock"),
    ("Amazon Rekognition", "AmazonRekognition"),
    ("Amazon Textract", "AmazonTextract"),
    ("Amazon Comprehend", "AmazonComprehend"),
    ("Amazon Polly", "AmazonPolly"),
    ("Amazon Translate", "AmazonTranslate"),
    ("Amazon Transcribe", "AmazonTranscribe"),
    ("Amazon Lex", "AmazonLex"),
    ("Amazon Simple Notification Service", "AmazonSNS"),
    ("Amazon Simple Queue Service", "AWSQueueService"),
    ("Amazon EventBridge", "AWSEvents"),
    ("CloudWatch Events", "AWSEvents"),
    ("Amazon MQ", "AmazonMQ"),
    ("AWS Step Functions", "AmazonStates"),
    ("Amazon Simple Email Service", "AmazonSES"),
    ("AWS AppSync", "AWSAppSync"),
    ("AWS CodeBuild", "CodeBuild"),
    ("CodeBuild", "CodeBuild"),
    ("AWS CodePipeline", "AWSCodePipeline"),
    ("AWS CodeCommit", "AWSCodeCommit"),
    ("AWS CodeArtifact", "AWSCodeArtifact"),
    ("AWS X-Ray", "AWSXRay"),
    ("AWS Cloud9", "AWSCloud9"),
    ("AWS IoT", "AWSIoT"),
    ("AWS IoT Analytics", "AWSIoTAnalytics"),
    ("AWS IoT Greengrass", "AWSGreengrass"),
    ("AWS Database Migration Service", "AWSDatabaseMigrationSvc"),
    ("AWS Migration Hub", "AWSMigrationHub"),
    ("AWS Application Migration Service", "AWSApplicationMigrationSvc"),
    ("AWS DataSync", "AWSDataSync"),
    ("AWS Transfer Family", "AWSTransfer"),
    ("Amazon Connect", "AmazonConnect"),
    ("Amazon Chime", "AmazonChime"),
    ("AWS Support (Business)", "AWSSupportBusiness"),
    ("AWS Support (Enterprise)", "AWSSupportEnterprise"),
    ("AWS Support (Developer)", "AWSDeveloperSupport"),
    ("Amazon Elastic Transcoder", "AmazonETS"),
    ("AWS Elemental MediaConvert", "AWSElementalMediaConvert"),
    ("Amazon Interactive Video Service", "AmazonIVS"),
];

/// The service code a service name stands for (case and surrounding spaces ignored).
pub fn service_code_of_name(name: &str) -> Option<&'static str> {
    let name = name.trim();
    SERVICE_NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, code)| *code)
}

/// Every service code the mapping names, with its category and the names that stand for it.
pub fn known_service_categories() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    const CODES: &[&str] = &[
        "AmazonEC2", "AWSLambda", "AmazonECS", "AmazonEKS", "AmazonECR", "AmazonS3", "AmazonEFS", "AmazonGlacier", "AmazonRDS", "AmazonDynamoDB",
        "AmazonElastiCache", "AmazonRedshift", "AmazonAthena", "AWSGlue", "AmazonKinesis", "AmazonCloudFront", "AmazonVPC", "AmazonRoute53",
        "AWSELB", "AWSDataTransfer", "AmazonCloudWatch", "AWSCloudTrail", "AWSConfig", "AmazonGuardDuty", "awskms", "AWSSecretsManager",
        "AmazonCognito", "AmazonSageMaker", "AmazonBedrock", "AmazonSNS", "AWSQueueService", "AmazonStates", "CodeBuild", "AWSIoT",
        "AWSDatabaseMigrationSvc", "AmazonConnect", "AWSSupportBusiness", "AWSElementalMediaConvert",
    ];
    let mut codes: Vec<&'static str> = CODES.to_vec();
    for (_, code) in SERVICE_NAMES {
        if !codes.contains(code) {
            codes.push(code);
        }
    }
    codes
        .into_iter()
        .map(|c| (c, category_of_code(c), SERVICE_NAMES.iter().filter(|(_, code)| *code == c).map(|(n, _)| *n).collect()))
        .collect()
}

/// What the caller may see of one payer's cost.
enum PayerView {
    /// A partner-side role (or a grant on the payer): every account, every metric.
    Partner(uuid::Uuid),
    /// End-customer roles only: the accounts of these billing groups (those assigned to the
    /// caller's customer tenants), each in the periods it is a member, and no AWS cost.
    Customer(uuid::Uuid, Vec<Group>),
}

impl PayerView {
    fn payer(&self) -> uuid::Uuid {
        match self {
            Self::Partner(p) | Self::Customer(p, _) => *p,
        }
    }
}

async fn payer_view(scope: &Scope, payer: PayerId) -> AppResult<PayerView> {
    match billing::billing_payer(scope, payer, Role::Viewer).await {
        Ok(p) => Ok(PayerView::Partner(p.id)),
        // The payer hangs on the caller's own customer tenant: theirs, but priced.
        Err(AppError::Forbidden(_)) => Ok(PayerView::Customer(payer.0, results::customer_groups(scope, Some(payer.0)).await?)),
        Err(AppError::NotFound(_)) => {
            let groups = results::customer_groups(scope, Some(payer.0)).await?;
            if groups.is_empty() { Err(AppError::NotFound("payer")) } else { Ok(PayerView::Customer(payer.0, groups)) }
        }
        Err(e) => Err(e),
    }
}

const CUSTOMERS_SEE_CHARGES: &str = "end customers see what they are billed: ask for the PRO_FORMA metric (or LIST, public prices), not AWS cost";

/// The payers the caller names, each visible; an AWS-cost metric on a payer the caller sees as
/// an end customer is FORBIDDEN.
async fn payer_views(scope: &Scope, payers: &[PayerId], metric: Metric) -> AppResult<Vec<PayerView>> {
    if payers.is_empty() {
        return Err(AppError::invalid("payerIds", "name at least one payer"));
    }
    let mut out: Vec<PayerView> = Vec::with_capacity(payers.len());
    for p in payers {
        if out.iter().any(|v| v.payer() == p.0) {
            continue;
        }
        out.push(payer_view(scope, *p).await?);
    }
    if metric.is_aws_cost() && out.iter().any(|v| matches!(v, PayerView::Customer(..))) {
        return Err(AppError::forbidden(CUSTOMERS_SEE_CHARGES));
    }
    Ok(out)
}

/// The billing periods (`YYYY-MM`) that a date range touches, oldest first.
fn periods_between(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    let mut month = from.with_day(1).unwrap_or(from);
    while month <= to {
        out.push(month.format("%Y-%m").to_string());
        match month.checked_add_months(chrono::Months::new(1)) {
            Some(next) => month = next,
            None => break,
        }
    }
    out
}

/// Per billing period, the accounts a customer view may see.
fn customer_accounts(groups: &[Group], periods: &[String]) -> BTreeMap<String, BTreeSet<String>> {
    periods.iter().map(|p| (p.clone(), groups.iter().flat_map(|g| g.accounts_in(p)).collect())).collect()
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
    Ok(best_of(present))
}

/// The same from the month rollup, for whole months `from..=to` (`YYYY-MM`): a few rows per
/// payer and month instead of a scan of the days.
async fn best_sources_monthly(db: &impl sea_orm::ConnectionTrait, rollup: Alias, payers: &[uuid::Uuid], from: &str, to: &str) -> AppResult<Condition> {
    use sea_orm::sea_query::{ExprTrait as _, Query};
    let col = |name: &'static str| Expr::col(Alias::new(name));
    let mut select = Query::select();
    select
        .distinct()
        .columns([Alias::new("payer_id"), Alias::new("billing_period"), Alias::new("source")])
        .from(rollup)
        .and_where(col("payer_id").is_in(payers.to_vec()))
        .and_where(col("usage_month").gte(from))
        .and_where(col("usage_month").lte(to));
    let present = PresentSource::find_by_statement(db.get_database_backend().build(&select)).all(db).await?;
    Ok(best_of(present))
}

/// Rows of the best source of each payer and billing period present (conditions on
/// `cost_daily`'s column names, which the rollup shares).
fn best_of(present: Vec<PresentSource>) -> Condition {
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
        return Condition::all().add(cost_daily::Column::Source.is_in(Vec::<String>::new()));
    }
    for ((payer, period), source) in best {
        any = any.add(
            Condition::all()
                .add(cost_daily::Column::PayerId.eq(payer))
                .add(cost_daily::Column::BillingPeriod.eq(period))
                .add(cost_daily::Column::Source.eq(source)),
        );
    }
    any
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
    /// Grouped by service: a name of the service code other than the code itself, if any row has one.
    service_name: Option<String>,
}

fn dim_expr(grouped: bool, column: &'static str) -> Expr {
    if grouped { Expr::col(Alias::new(column)) } else { Expr::val("") }
}

/// One amount before grouping: a day-grain aggregate, or a custom line item.
struct Point {
    /// `YYYY-MM-DD` or `YYYY-MM`; `None` for a custom line item in a DAY summary (it is per
    /// billing period, so it counts in the totals but in no day).
    period: Option<String>,
    account_id: String,
    service: String,
    region: String,
    usage_type: String,
    charge_type: String,
    /// The service's name when the row carries one.
    service_name: Option<String>,
    custom_line_item: bool,
    currency: String,
    amount: Decimal,
}

impl From<Row> for Point {
    fn from(r: Row) -> Self {
        Self {
            period: Some(r.period),
            account_id: r.account_id,
            service: r.service,
            region: r.region,
            usage_type: r.usage_type,
            charge_type: r.charge_type,
            service_name: r.service_name,
            custom_line_item: false,
            currency: r.currency,
            amount: from_units(r.units),
        }
    }
}

/// A condition matching no row.
fn no_rows() -> Condition {
    Condition::all().add(cost_daily::Column::Source.is_in(Vec::<String>::new()))
}

/// The rows each view may see: a partner's whole payer, a customer's accounts per period.
fn visible_rows(views: &[PayerView], periods: &[String]) -> Condition {
    let mut any = Condition::any();
    let mut empty = true;
    for view in views {
        match view {
            PayerView::Partner(p) => {
                any = any.add(cost_daily::Column::PayerId.eq(*p));
                empty = false;
            }
            PayerView::Customer(p, groups) => {
                for (period, accounts) in customer_accounts(groups, periods) {
                    if accounts.is_empty() {
                        continue;
                    }
                    any = any.add(
                        Condition::all()
                            .add(cost_daily::Column::PayerId.eq(*p))
                            .add(cost_daily::Column::BillingPeriod.eq(period))
                            .add(cost_daily::Column::UsageAccountId.is_in(accounts)),
                    );
                    empty = false;
                }
            }
        }
    }
    if empty { no_rows() } else { any }
}

/// Sums of a stored cost column, per period and the grouped dimensions, in SQL.
/// Whole months, by dimensions the month rollup keeps: it answers instead of the day grain.
fn rollup_months(req: &SummaryRequest) -> Option<(String, String)> {
    let whole_months = req.from.day() == 1 && req.to.succ_opt().is_some_and(|next| next.day() == 1);
    let kept = !req.group_by.iter().any(|d| matches!(d, Dimension::Region | Dimension::UsageType)) && req.filter.regions.is_empty();
    (req.granularity == Granularity::Month && whole_months && kept).then(|| (req.from.format("%Y-%m").to_string(), req.to.format("%Y-%m").to_string()))
}

async fn column_points(scope: &Scope, views: &[PayerView], req: &SummaryRequest, column: &str, periods: &[String]) -> AppResult<Vec<Point>> {
    if let Some((from, to)) = rollup_months(req) {
        return monthly_points(scope, views, req, column, periods, (&from, &to)).await;
    }
    let payers: Vec<uuid::Uuid> = views.iter().map(PayerView::payer).collect();
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
        .expr_as(Expr::cust(format!("CAST(SUM({column}) AS BIGINT)")), "units")
        // The name comes with the sums: no query per row or per service. Ingestion stores the
        // code as the name when the source has none; such rows give no name here.
        .expr_as(
            Expr::cust(if by_service { "MAX(CASE WHEN service_name <> service_code THEN service_name END)" } else { "CAST(NULL AS TEXT)" }),
            "service_name",
        )
        .filter(cost_daily::Column::PayerId.is_in(payers))
        .filter(visible_rows(views, periods))
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
    Ok(rows.into_iter().map(Point::from).collect())
}

/// `column_points` from the month rollup (`rollup_months` says when): the same sums, read from
/// one row per account, service, charge type and month instead of one per day and line kind.
async fn monthly_points(
    scope: &Scope,
    views: &[PayerView],
    req: &SummaryRequest,
    column: &str,
    periods: &[String],
    (from, to): (&str, &str),
) -> AppResult<Vec<Point>> {
    use sea_orm::ConnectionTrait as _;
    use sea_orm::sea_query::{ExprTrait as _, Query};
    let payers: Vec<uuid::Uuid> = views.iter().map(PayerView::payer).collect();
    let has = |d: Dimension| req.group_by.contains(&d);
    // Whole payers, no account asked for: the rollup by service, a few hundred rows a month.
    let whole_payers = views.iter().all(|v| matches!(v, PayerView::Partner(_))) && !has(Dimension::Account) && req.filter.account_ids.is_empty();
    let by_service = has(Dimension::Service) || has(Dimension::ServiceCategory);
    // Not by service: the rollup by account alone, about fifty times fewer rows.
    let table = if whole_payers {
        Alias::new("cost_monthly_service")
    } else if !by_service && req.filter.service_codes.is_empty() {
        Alias::new("cost_monthly_account")
    } else {
        Alias::new("cost_monthly")
    };
    let sources = best_sources_monthly(scope.db(), table.clone(), &payers, from, to).await?;
    let col = |name: &'static str| Expr::col(Alias::new(name));
    let mut select = Query::select();
    // Named as the day grain: the visibility and source conditions are written on its columns,
    // which the rollups share.
    select
        .from_as(table, Alias::new("cost_daily"))
        .expr_as(col("usage_month"), Alias::new("period"))
        .expr_as(dim_expr(has(Dimension::Account), "usage_account_id"), Alias::new("account_id"))
        .expr_as(dim_expr(by_service, "service_code"), Alias::new("service"))
        .expr_as(Expr::val(""), Alias::new("region"))
        .expr_as(Expr::val(""), Alias::new("usage_type"))
        .expr_as(dim_expr(has(Dimension::ChargeType), "charge_type"), Alias::new("charge_type"))
        .expr_as(col("currency"), Alias::new("currency"))
        .expr_as(Expr::cust(format!("CAST(SUM({column}) AS BIGINT)")), Alias::new("units"))
        .expr_as(Expr::cust(if by_service { "MAX(service_name)" } else { "CAST(NULL AS TEXT)" }), Alias::new("service_name"))
        .cond_where(
            Condition::all()
                .add(cost_daily::Column::PayerId.is_in(payers))
                .add(visible_rows(views, periods))
                .add(sources)
                .add(col("usage_month").gte(from))
                .add(col("usage_month").lte(to)),
        );
    let f = &req.filter;
    for (values, column) in [(&f.account_ids, "usage_account_id"), (&f.service_codes, "service_code"), (&f.charge_types, "charge_type")] {
        if !values.is_empty() {
            select.and_where(col(column).is_in(values.clone()));
        }
    }
    select.group_by_col(Alias::new("usage_month")).group_by_col(Alias::new("currency"));
    for (grouped, column) in [(has(Dimension::Account), "usage_account_id"), (by_service, "service_code"), (has(Dimension::ChargeType), "charge_type")] {
        if grouped {
            select.group_by_col(Alias::new(column));
        }
    }
    let backend = scope.db().get_database_backend();
    let rows = Row::find_by_statement(backend.build(&select)).all(scope.db()).await?;
    Ok(rows.into_iter().map(Point::from).collect())
}

/// What the pro-forma path found besides the points.
#[derive(Default)]
struct Priced {
    points: Vec<Point>,
    unpriced_account_ids: BTreeSet<String>,
}

/// Pro-forma charges: every row of each visible billing group, priced by the billing engine
/// (so the numbers are the billing report's), plus the groups' custom line items per period.
async fn proforma_points(scope: &Scope, views: &[PayerView], req: &SummaryRequest, periods: &[String]) -> AppResult<Priced> {
    let f = &req.filter;
    let kept = |values: &Vec<String>, v: &str| values.is_empty() || values.iter().any(|x| x == v);
    // Whole months by dimensions the pricing rollup keeps: price its month sums, not the days.
    let months = rollup_months(req);
    let grain = if months.is_some() { results::Grain::Month } else { results::Grain::Day };
    let mut out = Priced::default();
    for view in views {
        let groups = match view {
            PayerView::Partner(p) => billing::groups::of_payer(scope.db(), *p).await?,
            PayerView::Customer(_, groups) => groups.clone(),
        };
        for period in periods {
            for group in &groups {
                let priced = results::priced(scope.db(), group, period, grain).await?;
                let currency = priced.numbers.currency.clone();
                for row in priced.rows {
                    let in_range = match row.usage_date {
                        Some(day) => day >= req.from && day <= req.to,
                        None => months.as_ref().is_some_and(|(from, to)| row.usage_month >= *from && row.usage_month <= *to),
                    };
                    let matches = kept(&f.account_ids, &row.account_id)
                        && kept(&f.service_codes, &row.service_code)
                        && kept(&f.regions, &row.region)
                        && kept(&f.charge_types, &row.charge_type);
                    if !in_range || !matches {
                        continue;
                    }
                    let period = match (req.granularity, row.usage_date) {
                        (Granularity::Day, Some(day)) => day.format("%Y-%m-%d").to_string(),
                        _ => row.usage_month,
                    };
                    out.points.push(Point {
                        period: Some(period),
                        account_id: row.account_id,
                        service: row.service_code,
                        region: row.region,
                        usage_type: row.usage_type,
                        charge_type: row.charge_type,
                        service_name: row.service_name,
                        custom_line_item: false,
                        currency: row.currency,
                        amount: row.charge,
                    });
                }
                // Custom line items belong to a period, not a service, region or day: a filter
                // on those leaves them out.
                if !f.service_codes.is_empty() || !f.regions.is_empty() {
                    continue;
                }
                for item in priced.numbers.computation.items {
                    let charge_type = if item.charge == crate::domain::billing::engine::ItemCharge::Credit { "Credit" } else { "Fee" };
                    if !kept(&f.account_ids, &item.account_id) || !kept(&f.charge_types, charge_type) {
                        continue;
                    }
                    out.points.push(Point {
                        period: (req.granularity == Granularity::Month).then(|| period.clone()),
                        account_id: item.account_id,
                        service: item.name,
                        region: String::new(),
                        usage_type: String::new(),
                        charge_type: charge_type.to_owned(),
                        service_name: None,
                        custom_line_item: true,
                        currency: currency.clone(),
                        amount: item.amount,
                    });
                }
            }
        }
        if let PayerView::Partner(p) = view {
            out.unpriced_account_ids.extend(unpriced_accounts(scope, *p, &groups, req, periods).await?);
        }
    }
    Ok(out)
}

/// A partner's accounts with cost in the range but in no billing group in that period.
async fn unpriced_accounts(scope: &Scope, payer: uuid::Uuid, groups: &[Group], req: &SummaryRequest, periods: &[String]) -> AppResult<Vec<String>> {
    let present: Vec<(String, String)> = match rollup_months(req) {
        // Whole months: the rollup by account has the same accounts in far fewer rows.
        Some((from, to)) => {
            cost_monthly::Entity::find()
                .select_only()
                .column(cost_monthly::Column::BillingPeriod)
                .column(cost_monthly::Column::UsageAccountId)
                .distinct()
                .filter(cost_monthly::Column::PayerId.eq(payer))
                .filter(cost_monthly::Column::Source.is_in(results::SOURCES.to_vec()))
                .filter(cost_monthly::Column::BillingPeriod.is_in(periods.to_vec()))
                .filter(cost_monthly::Column::UsageMonth.gte(from))
                .filter(cost_monthly::Column::UsageMonth.lte(to))
                .into_tuple()
                .all(scope.db())
                .await?
        }
        None => {
            cost_daily::Entity::find()
                .select_only()
                .column(cost_daily::Column::BillingPeriod)
                .column(cost_daily::Column::UsageAccountId)
                .distinct()
                .filter(cost_daily::Column::PayerId.eq(payer))
                .filter(cost_daily::Column::Source.is_in(results::SOURCES.to_vec()))
                .filter(cost_daily::Column::BillingPeriod.is_in(periods.to_vec()))
                .filter(cost_daily::Column::UsageDate.gte(req.from))
                .filter(cost_daily::Column::UsageDate.lte(req.to))
                .into_tuple()
                .all(scope.db())
                .await?
        }
    };
    let grouped = customer_accounts(groups, periods);
    Ok(present.into_iter().filter(|(period, account)| !grouped.get(period).is_some_and(|a| a.contains(account))).map(|(_, a)| a).collect())
}

/// Cost over time, grouped, for the payers the caller names (each must be visible).
pub async fn summary(scope: &Scope, req: SummaryRequest) -> AppResult<CostSummary> {
    if req.to < req.from {
        return Err(AppError::invalid("to", "must not be before from"));
    }
    if (req.to - req.from).num_days() > 800 {
        return Err(AppError::invalid("to", "the range may span at most 800 days"));
    }
    let views = payer_views(scope, &req.payers, req.metric).await?;
    summary_of(scope, &views, req).await
}

/// [`summary`] for payers already resolved to what the caller may see of them.
async fn summary_of(scope: &Scope, views: &[PayerView], req: SummaryRequest) -> AppResult<CostSummary> {
    let periods = periods_between(req.from, req.to);
    // A customer naming an account that is none of theirs in the range: not found.
    for view in views {
        if let PayerView::Customer(_, groups) = view {
            let theirs: BTreeSet<String> = customer_accounts(groups, &periods).into_values().flatten().collect();
            if req.filter.account_ids.iter().any(|a| !theirs.contains(a)) {
                return Err(AppError::NotFound("account"));
            }
        }
    }
    let (points, unpriced) = match req.metric.column() {
        Some(column) => (column_points(scope, views, &req, column, &periods).await?, Vec::new()),
        None => {
            let priced = proforma_points(scope, views, &req, &periods).await?;
            (priced.points, priced.unpriced_account_ids.into_iter().collect())
        }
    };
    let mut summary = fold(points, &req.group_by)?;
    summary.unpriced_account_ids = unpriced;
    Ok(summary)
}

/// Groups the points by the requested dimensions (service category derived here).
fn fold(points: Vec<Point>, group_by: &[Dimension]) -> AppResult<CostSummary> {
    let has = |d: Dimension| group_by.contains(&d);
    let currencies: BTreeSet<&str> = points.iter().map(|p| p.currency.as_str()).collect();
    if currencies.len() > 1 {
        return Err(AppError::invalid("payerIds", "these payers bill in different currencies; ask for one currency at a time"));
    }
    let currency = currencies.into_iter().next().unwrap_or("USD").to_owned();
    let mut series: BTreeMap<(String, GroupKey), Decimal> = BTreeMap::new();
    let mut groups: BTreeMap<GroupKey, Decimal> = BTreeMap::new();
    let mut total = Decimal::ZERO;
    let mut custom_line_items = Decimal::ZERO;
    let mut service_names = ServiceNames::new();
    for p in points {
        if let (true, Some(name)) = (has(Dimension::Service), &p.service_name) {
            note_service_name(&mut service_names, &p.service, name);
        }
        let category = if p.custom_line_item { CUSTOM_LINE_ITEM_CATEGORY } else { service_category(&p.service) };
        let key = GroupKey {
            account_id: if has(Dimension::Account) { p.account_id } else { String::new() },
            service: if has(Dimension::Service) { p.service } else { String::new() },
            region: if has(Dimension::Region) { p.region } else { String::new() },
            usage_type: if has(Dimension::UsageType) { p.usage_type } else { String::new() },
            charge_type: if has(Dimension::ChargeType) { p.charge_type } else { String::new() },
            service_category: if has(Dimension::ServiceCategory) { category.to_owned() } else { String::new() },
        };
        *groups.entry(key.clone()).or_default() += p.amount;
        total += p.amount;
        if p.custom_line_item {
            custom_line_items += p.amount;
        }
        if let Some(period) = p.period {
            *series.entry((period, key)).or_default() += p.amount;
        }
    }
    let mut groups: Vec<(GroupKey, Decimal)> = groups.into_iter().map(|(k, v)| (k, results::present(v))).collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(CostSummary {
        total: results::present(total),
        series: series.into_iter().map(|((period, key), v)| SeriesPoint { period, key, amount: results::present(v) }).collect(),
        groups,
        currency,
        custom_line_items: results::present(custom_line_items),
        unpriced_account_ids: Vec::new(),
        service_names,
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

/// Compares a month with the one before, per group key; with the services' names (either month's).
pub async fn month_over_month(scope: &Scope, payers: Vec<PayerId>, month: &str, group_by: Vec<Dimension>, metric: Metric) -> AppResult<(Vec<Change>, ServiceNames)> {
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
    let mut names = current.service_names;
    for (code, name) in previous.service_names {
        names.entry(code).or_insert(name);
    }
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
    Ok((changes, names))
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
/// actual total. PRO_FORMA: the month's custom line items are added as they stand, not
/// extrapolated.
pub async fn forecast(scope: &Scope, payers: Vec<PayerId>, month: &str, metric: Metric) -> AppResult<Forecast> {
    let (first, last) = month_bounds(month)?;
    let views = payer_views(scope, &payers, metric).await?;
    // The month's total from the month rollups; the last day with data from the day grain's
    // (payer, date) index, not a scan of the month's days.
    let req = SummaryRequest { payers, from: first, to: last, granularity: Granularity::Month, group_by: vec![], metric, filter: CostFilter::default() };
    let s = summary_of(scope, &views, req).await?;
    let last_day_with_data = last_day_with_data(scope, &views, first, last).await?.map_or(0, |d| d.day());
    let days_in_month = last.day();
    let projected = if last < Utc::now().date_naive() {
        s.total
    } else if last_day_with_data == 0 {
        s.custom_line_items
    } else {
        let usage = s.total - s.custom_line_items;
        (usage / Decimal::from(last_day_with_data) * Decimal::from(days_in_month) + s.custom_line_items).round_dp(2)
    };
    Ok(Forecast { month_to_date: s.total, projected, days_with_data: last_day_with_data, days_in_month })
}

/// The last day of one month (`first..=last`) with cost the views may see, from the best source.
async fn last_day_with_data(scope: &Scope, views: &[PayerView], first: NaiveDate, last: NaiveDate) -> AppResult<Option<NaiveDate>> {
    let payers: Vec<uuid::Uuid> = views.iter().map(PayerView::payer).collect();
    let month = first.format("%Y-%m").to_string();
    // The service rollup has the same sources per payer and period as the day grain, in a few rows.
    let sources = best_sources_monthly(scope.db(), Alias::new("cost_monthly_service"), &payers, &month, &month).await?;
    let day: Option<Option<NaiveDate>> = cost_daily::Entity::find()
        .select_only()
        .expr(sea_orm::sea_query::Func::max(Expr::col(cost_daily::Column::UsageDate)))
        .filter(cost_daily::Column::PayerId.is_in(payers))
        .filter(visible_rows(views, &periods_between(first, last)))
        .filter(sources)
        .filter(cost_daily::Column::UsageDate.gte(first))
        .filter(cost_daily::Column::UsageDate.lte(last))
        .into_tuple()
        .one(scope.db())
        .await?;
    Ok(day.flatten())
}

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
    description: String,
    usage: Decimal,
    cost: Decimal,
}

impl BillSums {
    fn add(&mut self, row: &cost_daily::Model, cost: Decimal) {
        if self.description.is_empty() {
            self.description.clone_from(&row.line_item_description);
        }
        self.usage += row.usage_quantity.parse::<Decimal>().unwrap_or_default();
        self.cost += cost;
    }
}

fn bill_key(r: &cost_daily::Model) -> BillKey {
    (r.service_code.clone(), r.usage_type.clone(), r.operation.clone(), r.pricing_unit.clone(), r.service_name.clone())
}

/// The prior tool's per-account bill, for any month: service, usage type, operation,
/// description, usage, unit and cost in the metric asked for. End customers get only the
/// accounts of their billing groups in that month, and only PRO_FORMA (what they are billed)
/// or LIST; PRO_FORMA includes the group's custom line items booked on the account.
pub async fn account_bill(scope: &Scope, payer: PayerId, account: &str, month: &str, metric: Metric) -> AppResult<AccountBill> {
    let (first, last) = month_bounds(month)?;
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
            let sources = best_sources(scope.db(), &[view.payer()], first, last).await?;
            let rows = cost_daily::Entity::find()
                .filter(cost_daily::Column::PayerId.eq(view.payer()))
                .filter(sources)
                .filter(cost_daily::Column::UsageAccountId.eq(account))
                .filter(cost_daily::Column::UsageDate.gte(first))
                .filter(cost_daily::Column::UsageDate.lte(last))
                .order_by_asc(cost_daily::Column::UsageDate)
                .order_by_asc(cost_daily::Column::Id)
                .all(scope.db())
                .await?;
            for r in rows {
                let units = match metric {
                    Metric::NetUnblended => r.net_unblended_cost,
                    Metric::Amortized => r.amortized_cost,
                    Metric::List => r.list_cost,
                    Metric::Unblended | Metric::ProForma => r.unblended_cost,
                };
                currency.get_or_insert_with(|| r.currency.clone());
                lines.entry(bill_key(&r)).or_default().add(&r, from_units(units));
            }
        }
        None => {
            let groups = match &view {
                PayerView::Partner(p) => billing::groups::of_payer(scope.db(), *p).await?,
                PayerView::Customer(_, groups) => groups.clone(),
            };
            let group = groups
                .iter()
                .find(|g| g.accounts_in(&period).iter().any(|a| a == account))
                .ok_or_else(|| AppError::invalid("accountId", "is in no billing group in that month, so it has no pro-forma price"))?;
            let (numbers, rows) = results::priced_account_days(scope.db(), group, &period, account).await?;
            currency = Some(numbers.currency.clone());
            for (r, charge) in rows {
                lines.entry(bill_key(&r)).or_default().add(&r, charge);
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
            description: s.description,
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

/// How current a payer's cost data is.
#[derive(Debug, Clone)]
pub struct Health {
    /// SUCCESS | WARNING | FAILED | NOT_AVAILABLE
    pub status: &'static str,
    pub reason: String,
    /// Days since the latest day with cost data.
    pub lag_days: Option<i64>,
    /// The payer's latest ingestion that was not skipped (RUNNING, SUCCEEDED, FAILED or
    /// ABANDONED); its holder (which host ran it) only for platform staff.
    pub last: Option<ingestions::Model>,
}

pub async fn ingestion_health(scope: &Scope, payer: PayerId) -> AppResult<Health> {
    let (payer, _) = scope.payer(payer, Role::Viewer).await?;
    // A RUNNING record whose process is gone, or whose lease ran out, shows as ABANDONED.
    crate::ingest::heartbeat::close_abandoned(scope.db(), PayerId(payer.id)).await?;
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
    // Warnings the last ingestion recorded on its files ("no rows", rows of other billing
    // accounts left out, empty cost cells), each with the file's path.
    let warnings: Vec<String> = last
        .as_ref()
        .filter(|i| i.status == "SUCCEEDED")
        .and_then(|i| serde_json::from_str::<Vec<serde_json::Value>>(&i.files).ok())
        .map(|files| {
            files
                .iter()
                .flat_map(|f| {
                    let path = f["path"].as_str().unwrap_or_default().to_owned();
                    f["warnings"].as_array().cloned().unwrap_or_default().into_iter().filter_map(move |w| w.as_str().map(|w| format!("{path}: {w}")))
                })
                .collect()
        })
        .unwrap_or_default();
    let (status, reason) = match (&last, lag) {
        (None, None) => ("NOT_AVAILABLE", "no cost data has been ingested for this payer".to_owned()),
        (Some(i), _) if i.status == "FAILED" => ("FAILED", format!("the last ingestion failed: {}", i.error.clone().unwrap_or_default())),
        (Some(i), _) if i.status == crate::ingest::store::ABANDONED => {
            ("FAILED", format!("the last ingestion was {}", i.error.clone().unwrap_or_else(|| "abandoned".to_owned())))
        }
        (_, Some(days)) if days > 3 => ("WARNING", format!("the newest cost data is {days} days old")),
        (_, Some(_)) => ("SUCCESS", "cost data is current".to_owned()),
        (Some(_), None) => ("WARNING", "ingestions ran but wrote no cost rows".to_owned()),
    };
    let (status, reason) = match (status, warnings.is_empty()) {
        (_, true) => (status, reason),
        ("SUCCESS", false) => ("WARNING", format!("the last ingestion succeeded with warnings: {}", warnings.join("; "))),
        (_, false) => (status, format!("{reason}; the last ingestion succeeded with warnings: {}", warnings.join("; "))),
    };
    let platform_staff = scope.principal().role_on_tenant(&format!("/{}/", crate::ids::ROOT_TENANT_ID)).is_some();
    let last = last.map(|mut i| {
        if !platform_staff {
            i.holder = None;
        }
        i.holder_ns = None;
        i
    });
    Ok(Health { status, reason, lag_days: lag, last })
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
    fn cost_explorer_and_legacy_service_names_have_categories() {
        // Names as Cost Explorer's SERVICE dimension and the prior tool's table carry them.
        for (name, category) in [
            ("Amazon Elastic Compute Cloud - Compute", "Compute"),
            ("EC2 - Other", "Compute"),
            ("Amazon Simple Storage Service", "Storage"),
            ("Amazon Relational Database Service", "Databases"),
            ("AmazonCloudWatch", "Management and Governance"),
            ("AWS Key Management Service", "Security"),
            ("Amazon Simple Queue Service", "Integration"),
            ("amazon dynamodb ", "Databases"),
        ] {
            assert_eq!(service_category(name), category, "{name}");
        }
        assert_eq!(service_category("Tax"), "Other");
        let ec2 = known_service_categories().into_iter().find(|(c, _, _)| *c == "AmazonEC2").unwrap();
        assert!(ec2.2.contains(&"Amazon Elastic Compute Cloud - Compute"));
    }

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
