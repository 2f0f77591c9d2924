//! `gen-cur`: synthetic AWS Data Exports CUR 2.0 files with the real column names and types
//! (costs and amounts as DOUBLE, dates as millisecond timestamps, `product` and `resource_tags`
//! as map<string, string>), a realistic mix of services, usage types, regions, resources and line
//! item types, deterministic by seed, written in row groups so memory stays flat at any size.
//!
//! Amounts are computed as integers (10⁻¹⁰ USD, 10⁻⁶ usage units), like AWS's own 10-decimal
//! costs; a DOUBLE column then holds the nearest double of that exact decimal, as AWS's files do.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::builder::{Float64Builder, MapBuilder, StringBuilder, TimestampMillisecondBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use chrono::{Datelike, NaiveDate};
use flate2::Compression;
use flate2::write::GzEncoder;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression as ParquetCompression;
use parquet::file::properties::WriterProperties;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

/// Output container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenFormat {
    Parquet,
    CsvGz,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    pub rows: u64,
    pub accounts: u32,
    /// First day of the billing period.
    pub month: NaiveDate,
    pub seed: u64,
    pub format: GenFormat,
    pub out: PathBuf,
    /// The billing (payer) account of every line (`bill_payer_account_id`); by default the
    /// first generated account. Ingestion takes only the registered payer's own rows.
    pub payer_account: Option<String>,
}

/// Rows per Parquet row group (several per file, so readers can share the work).
const ROW_GROUP: usize = 256 * 1024;
/// Rows built in memory before they are handed to the writer.
const BATCH: usize = 64 * 1024;
/// 10⁻¹⁰ units per dollar.
const U: i64 = 10_000_000_000;

struct Item {
    usage_type: &'static str,
    operation: &'static str,
    unit: &'static str,
    /// USD per unit, in 10⁻¹⁰.
    rate: i64,
    /// Usage per line, in 10⁻⁶ units.
    lo: i64,
    hi: i64,
    family: &'static str,
    description: &'static str,
}

struct Svc {
    code: &'static str,
    name: &'static str,
    global: bool,
    savings_plans: bool,
    reservations: bool,
    entity: &'static str,
    items: &'static [Item],
}

#[allow(clippy::too_many_arguments)]
const fn item(usage_type: &'static str, operation: &'static str, unit: &'static str, rate: i64, lo: i64, hi: i64, family: &'static str, description: &'static str) -> Item {
    Item { usage_type, operation, unit, rate, lo, hi, family, description }
}

const H: i64 = 1_000_000;

static CATALOG: &[Svc] = &[
    Svc { code: "AmazonEC2", name: "Amazon Elastic Compute Cloud", global: false, savings_plans: true, reservations: true, entity: "AWS", items: &[
        item("BoxUsage:t3.micro", "RunInstances", "Hrs", 104_000_000, H, H, "Compute Instance", "On Demand Linux t3.micro Instance Hour"),
        item("BoxUsage:m5.large", "RunInstances", "Hrs", 960_000_000, H, H, "Compute Instance", "On Demand Linux m5.large Instance Hour"),
        item("BoxUsage:c5.xlarge", "RunInstances", "Hrs", 1_700_000_000, H, H, "Compute Instance", "On Demand Linux c5.xlarge Instance Hour"),
        item("BoxUsage:r5.2xlarge", "RunInstances:0002", "Hrs", 5_040_000_000, H, H, "Compute Instance", "On Demand Windows r5.2xlarge Instance Hour"),
        item("EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "GB-Mo", 800_000_000, 1_000, 2_000_000, "Storage", "$0.08 per GB-month of General Purpose (gp3) provisioned storage"),
        item("DataTransfer-Out-Bytes", "RunInstances", "GB", 900_000_000, 1_000, 50_000_000, "Data Transfer", "$0.09 per GB - first 10 TB / month data transfer out"),
        item("NatGateway-Hours", "NatGateway", "Hrs", 450_000_000, H, H, "NAT Gateway", "$0.045 per NAT Gateway Hour"),
    ]},
    Svc { code: "AmazonS3", name: "Amazon Simple Storage Service", global: false, savings_plans: false, reservations: false, entity: "AWS", items: &[
        item("TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", 230_000_000, 1_000, 900_000_000, "Storage", "$0.023 per GB - first 50 TB / month of storage used"),
        item("Requests-Tier1", "PutObject", "Requests", 50_000, H, 200_000 * H, "API Request", "$0.005 per 1,000 PUT, COPY, POST, or LIST requests"),
        item("Requests-Tier2", "GetObject", "Requests", 4_000, H, 900_000 * H, "API Request", "$0.0004 per 1,000 GET and all other requests"),
    ]},
    Svc { code: "AmazonRDS", name: "Amazon Relational Database Service", global: false, savings_plans: false, reservations: true, entity: "AWS", items: &[
        item("InstanceUsage:db.r5.large", "CreateDBInstance:0002", "Hrs", 2_500_000_000, H, H, "Database Instance", "$0.25 per RDS db.r5.large instance hour (or partial hour) running MySQL"),
        item("RDS:GP2-Storage", "CreateDBInstance:0002", "GB-Mo", 1_150_000_000, 1_000, 3_000_000, "Database Storage", "$0.115 per GB-month of provisioned GP2 storage running MySQL"),
    ]},
    Svc { code: "AWSLambda", name: "AWS Lambda", global: false, savings_plans: true, reservations: false, entity: "AWS", items: &[
        item("Lambda-GB-Second", "Invoke", "Lambda-GB-Second", 166_667, H, 400_000 * H, "Serverless", "AWS Lambda - Total Compute - US East (Northern Virginia)"),
        item("Request", "Invoke", "Requests", 2_000, H, 1_000_000 * H, "Serverless", "AWS Lambda - Total Requests - US East (Northern Virginia)"),
    ]},
    Svc { code: "AmazonDynamoDB", name: "Amazon DynamoDB", global: false, savings_plans: false, reservations: false, entity: "AWS", items: &[
        item("ReadRequestUnits", "GetItem", "ReadRequestUnits", 2_500, H, 5_000_000 * H, "Amazon DynamoDB PayPerRequest Throughput", "$0.25 per million read request units"),
        item("WriteRequestUnits", "PutItem", "WriteRequestUnits", 12_500, H, 1_000_000 * H, "Amazon DynamoDB PayPerRequest Throughput", "$1.25 per million write request units"),
        item("TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", 2_500_000_000, 1_000, 500_000_000, "Database Storage", "$0.25 per GB-Month of storage used beyond first 25 free GB-Months"),
    ]},
    Svc { code: "AmazonCloudWatch", name: "AmazonCloudWatch", global: false, savings_plans: false, reservations: false, entity: "AWS", items: &[
        item("CW:MetricMonitorUsage", "MetricStorage", "Metrics", 3_000_000_000, 1_000, 200 * H, "Metric", "$0.30 per metric-month - first 10,000 metrics"),
        item("DataProcessing-Bytes", "PutLogEvents", "GB", 5_000_000_000, 1_000, 20 * H, "Data Payload", "$0.50 per GB custom log data ingested"),
    ]},
    Svc { code: "AmazonVPC", name: "Amazon Virtual Private Cloud", global: false, savings_plans: false, reservations: false, entity: "AWS", items: &[
        item("VpcEndpoint-Hours", "VpcEndpoint", "Hrs", 100_000_000, H, H, "VpcEndpoint", "$0.01 per VPC Endpoint Hour"),
        item("PublicIPv4:InUseAddress", "AssociateAddressVPC", "Hrs", 50_000_000, H, H, "VPC Public IPv4 Address", "$0.005 per In-use public IPv4 address per hour"),
    ]},
    Svc { code: "AWSELB", name: "Elastic Load Balancing", global: false, savings_plans: false, reservations: false, entity: "AWS", items: &[
        item("LoadBalancerUsage", "LoadBalancing:Application", "Hrs", 225_000_000, H, H, "Load Balancer-Application", "$0.0225 per Application LoadBalancer-hour (or partial hour)"),
        item("LCUUsage", "LoadBalancing:Application", "LCU-Hrs", 80_000_000, 1_000, 30 * H, "Load Balancer-Application", "$0.008 per used Application load balancer capacity unit-hour (or partial hour)"),
    ]},
    Svc { code: "AmazonEKS", name: "Amazon Elastic Container Service for Kubernetes", global: false, savings_plans: true, reservations: false, entity: "AWS", items: &[
        item("AmazonEKS-Hours:perCluster", "CreateOperation", "Hours", 1_000_000_000, H, H, "Compute", "Amazon EKS cluster usage"),
    ]},
    Svc { code: "AmazonElastiCache", name: "Amazon ElastiCache", global: false, savings_plans: false, reservations: true, entity: "AWS", items: &[
        item("NodeUsage:cache.r6g.large", "CreateCacheCluster:0002", "NodeHour", 2_060_000_000, H, H, "Cache Instance", "$0.206 per Redis cache.r6g.large node-hour"),
    ]},
    Svc { code: "AmazonCloudFront", name: "Amazon CloudFront", global: true, savings_plans: false, reservations: false, entity: "AWS", items: &[
        item("US-DataTransfer-Out-Bytes", "GET", "GB", 850_000_000, 1_000, 80 * H, "Data Transfer", "$0.085 per GB - first 10 TB / month data transfer out"),
        item("US-Requests-Tier1", "GET", "Requests", 7_500, H, 2_000_000 * H, "Request", "$0.0075 per 10,000 HTTP Requests"),
    ]},
    Svc { code: "AmazonRoute53", name: "Amazon Route 53", global: true, savings_plans: false, reservations: false, entity: "AWS", items: &[
        item("HostedZone", "", "HostedZone", 5_000_000_000, 33_000, 33_000, "DNS Zone", "$0.50 per Hosted Zone for the first 25 Hosted Zones"),
        item("DNS-Queries", "", "Queries", 4_000, H, 3_000_000 * H, "DNS Query", "$0.40 per 1,000,000 queries for the first 1 Billion queries"),
    ]},
    Svc { code: "AmazonSNS", name: "Amazon Simple Notification Service", global: false, savings_plans: false, reservations: false, entity: "AWS", items: &[
        item("Requests-Tier1", "CreateTopic", "Requests", 5_000, H, 300_000 * H, "API Request", "$0.50 per 1 million Amazon SNS API Requests"),
    ]},
    Svc { code: "AWSQueueService", name: "Amazon Simple Queue Service", global: false, savings_plans: false, reservations: false, entity: "AWS", items: &[
        item("Requests-Tier1", "ReceiveMessage", "Requests", 4_000, H, 800_000 * H, "API Request", "$0.40 per million Amazon SQS standard requests"),
    ]},
    Svc { code: "awskms", name: "AWS Key Management Service", global: false, savings_plans: false, reservations: false, entity: "AWS", items: &[
        item("KMS-Requests", "GenerateDataKey", "Requests", 30_000, H, 100_000 * H, "Encryption Key", "$0.03 per 10,000 requests"),
        item("KMS-Keys", "CreateKey", "Keys", 10_000_000_000, 1_300, 1_400, "Encryption Key", "$1 per customer managed key per month"),
    ]},
    Svc { code: "AmazonECR", name: "Amazon EC2 Container Registry (ECR)", global: false, savings_plans: false, reservations: false, entity: "AWS", items: &[
        item("TimedStorage-ByteHrs", "", "GB-Mo", 1_000_000_000, 1_000, 2 * H, "EC2 Container Registry", "$0.10 per GB-month of data storage"),
    ]},
    Svc { code: "prod-datadog-pro", name: "Datadog Pro", global: true, savings_plans: false, reservations: false, entity: "AWS Marketplace", items: &[
        item("MP:Hosts", "Usage", "Hosts", 230_000_000, H, 40 * H, "SaaS", "Datadog Pro per host hour"),
    ]},
];

static SAVINGS_PLANS: Svc = Svc { code: "ComputeSavingsPlans", name: "Savings Plans for AWS Compute usage", global: true, savings_plans: false, reservations: false, entity: "AWS", items: &[
    item("ComputeSP:1yrNoUpfront", "", "Hrs", 0, H, H, "Savings Plan", "1 year No Upfront Compute Savings Plan"),
]};

/// (code, name, usage type prefix, location)
static REGIONS: &[(&str, &str, &str)] = &[
    ("us-east-1", "USE1-", "US East (N. Virginia)"),
    ("us-east-2", "USE2-", "US East (Ohio)"),
    ("us-west-2", "USW2-", "US West (Oregon)"),
    ("eu-west-1", "EU-", "EU (Ireland)"),
    ("eu-central-1", "EUC1-", "EU (Frankfurt)"),
    ("ap-southeast-1", "APS1-", "Asia Pacific (Singapore)"),
    ("ap-northeast-1", "APN1-", "Asia Pacific (Tokyo)"),
    ("ap-south-1", "APS3-", "Asia Pacific (Mumbai)"),
    ("ca-central-1", "CAN1-", "Canada (Central)"),
    ("sa-east-1", "SAE1-", "South America (Sao Paulo)"),
];

/// One resource of one account: what it is, where, and its usage type as billed there.
struct Resource {
    svc: &'static Svc,
    item: &'static Item,
    region: usize,
    usage_type: String,
    id: String,
    team: &'static str,
}

struct Account {
    id: String,
    name: String,
    resources: Vec<Resource>,
}

/// One generated line.
struct Line<'a> {
    account: &'a Account,
    res: &'a Resource,
    svc: &'static Svc,
    usage_type: &'a str,
    operation: &'static str,
    line_type: &'static str,
    description: &'static str,
    start_ms: i64,
    end_ms: i64,
    usage: i64,
    unblended: i64,
    net: Option<i64>,
    list: i64,
    sp_effective: Option<i64>,
    sp_commitment: Option<i64>,
    sp_used: Option<i64>,
    ri_effective: Option<i64>,
    ri_unused_upfront: Option<i64>,
    ri_unused_recurring: Option<i64>,
    ri_arn: Option<&'a str>,
    sp_arn: Option<&'a str>,
    line_id: String,
}

fn cost(usage_micro: i64, rate: i64) -> i64 {
    let exact = i128::from(usage_micro) * i128::from(rate);
    let rounded = (exact + 500_000) / 1_000_000;
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

fn pct(units: i64, percent: i64) -> i64 {
    units * percent / 100
}

fn accounts(rng: &mut StdRng, n: u32) -> Vec<Account> {
    const TEAMS: [&str; 6] = ["platform", "data", "web", "mobile", "ml", "finance"];
    (0..n.max(1))
        .map(|k| {
            let id = format!("{:012}", rng.gen_range(10_000_000u64..999_999_999_999));
            let count = rng.gen_range(8..28);
            let resources = (0..count)
                .map(|_| {
                    let svc = &CATALOG[rng.gen_range(0..CATALOG.len())];
                    let item = &svc.items[rng.gen_range(0..svc.items.len())];
                    let region = if rng.gen_bool(0.6) { rng.gen_range(0..3) } else { rng.gen_range(0..REGIONS.len()) };
                    let prefix = if svc.global || region == 0 { "" } else { REGIONS[region].1 };
                    let hex: u64 = rng.r#gen();
                    let (code, _, _) = REGIONS[region];
                    let id = match svc.code {
                        "AmazonEC2" => format!("i-{hex:017x}"),
                        "AmazonS3" => format!("bucket-{hex:x}"),
                        "AmazonRDS" => format!("arn:aws:rds:{code}:{id}:db:db-{hex:x}"),
                        "AWSLambda" => format!("arn:aws:lambda:{code}:{id}:function:fn-{hex:x}"),
                        "AmazonDynamoDB" => format!("arn:aws:dynamodb:{code}:{id}:table/t-{hex:x}"),
                        _ => format!("arn:aws:{}:{code}:{id}:resource/{hex:x}", svc.code.to_lowercase()),
                    };
                    Resource { svc, item, region, usage_type: format!("{prefix}{}", item.usage_type), id, team: TEAMS[rng.gen_range(0..TEAMS.len())] }
                })
                .collect();
            Account { id, name: format!("account-{k:03}"), resources }
        })
        .collect()
}

/// Writes the file for the whole month; returns the rows written.
pub fn generate(opts: &GenOptions) -> Result<u64, String> {
    generate_through(opts, None)
}

/// Writes the file with usage up to and including `last_day` (a month in progress, as AWS's
/// export of the current month looks: the billing period is the whole month, its lines end with
/// the last day AWS has billed), or the whole month without one; returns the rows written.
pub fn generate_through(opts: &GenOptions, last_day: Option<NaiveDate>) -> Result<u64, String> {
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let accounts = accounts(&mut rng, opts.accounts);
    let month = opts.month;
    let next = month.checked_add_months(chrono::Months::new(1)).ok_or("month out of range")?;
    let start_ms = month.and_hms_opt(0, 0, 0).ok_or("bad month")?.and_utc().timestamp_millis();
    let end_ms = next.and_hms_opt(0, 0, 0).ok_or("bad month")?.and_utc().timestamp_millis();
    // Usage ends with the last day with data (midnight after it).
    let data_end_ms = match last_day {
        Some(day) if day < month || day >= next => return Err(format!("the last day {day} is not in the month {}", month.format("%Y-%m"))),
        Some(day) => day.succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)).ok_or("bad last day")?.and_utc().timestamp_millis(),
        None => end_ms,
    };
    let hours = (data_end_ms - start_ms) / 3_600_000;
    let payer = opts.payer_account.clone().unwrap_or_else(|| accounts.first().map(|a| a.id.clone()).unwrap_or_default());
    let period = Period { start_ms, end_ms, payer, interval: format!("{month}T00:00:00Z/{next}T00:00:00Z") };
    let mut sink: Box<dyn Sink> = match opts.format {
        GenFormat::Parquet => Box::new(ParquetSink::new(opts)?),
        GenFormat::CsvGz => Box::new(CsvSink::new(opts)?),
    };
    let sp_arn = format!("arn:aws:savingsplans::{}:savingsplan/{:x}", period.payer, rng.r#gen::<u64>());
    let ri_arn = format!("arn:aws:ec2:us-east-1:{}:reserved-instances/{:x}", period.payer, rng.r#gen::<u64>());
    let mut written = 0u64;
    while written < opts.rows {
        // Skewed towards the first accounts, as real organizations are.
        let u: f64 = rng.r#gen();
        let a = &accounts[((u * u) * accounts.len() as f64) as usize % accounts.len()];
        let res = &a.resources[rng.gen_range(0..a.resources.len())];
        let hour = rng.gen_range(0..hours);
        let s = start_ms + hour * 3_600_000;
        let usage = rng.gen_range(res.item.lo..=res.item.hi);
        let od = cost(usage, res.item.rate);
        let id: u128 = rng.r#gen();
        let mut l = Line {
            account: a,
            res,
            svc: res.svc,
            usage_type: &res.usage_type,
            operation: res.item.operation,
            line_type: "Usage",
            description: res.item.description,
            start_ms: s,
            end_ms: s + 3_600_000,
            usage,
            unblended: od,
            net: Some(od - pct(od, 3)),
            list: od,
            sp_effective: None,
            sp_commitment: None,
            sp_used: None,
            ri_effective: None,
            ri_unused_upfront: None,
            ri_unused_recurring: None,
            ri_arn: None,
            sp_arn: None,
            line_id: format!("{id:032x}"),
        };
        let roll = rng.gen_range(0..1000);
        let room = opts.rows - written >= 2;
        if res.svc.savings_plans && roll < 120 && room {
            l.line_type = "SavingsPlanCoveredUsage";
            l.sp_effective = Some(pct(od, 72));
            l.sp_arn = Some(&sp_arn);
            l.net = Some(od);
            sink.push(&l, &period)?;
            // The negation that cancels the covered usage's on-demand cost.
            l.line_type = "SavingsPlanNegation";
            l.unblended = -od.max(1);
            l.net = Some(l.unblended);
            l.list = 0;
            l.sp_effective = None;
            l.line_id = format!("{:032x}", rng.r#gen::<u128>());
            sink.push(&l, &period)?;
            written += 2;
            continue;
        }
        match roll {
            120..=179 if res.svc.reservations => {
                l.line_type = "DiscountedUsage";
                l.unblended = 0;
                l.net = Some(0);
                l.ri_effective = Some(pct(od, 60));
                l.ri_arn = Some(&ri_arn);
            }
            180..=189 => {
                l.line_type = "Tax";
                l.usage_type = "";
                l.operation = "";
                l.description = "Tax for product code";
                // AWS bills tax as money only: no usage, no pricing unit.
                l.usage = 0;
                l.unblended = pct(od, 10).max(1);
                l.net = None;
                l.list = 0;
                l.start_ms = start_ms;
                l.end_ms = data_end_ms;
            }
            190..=197 => {
                // Credits and refunds are money only (no usage, no pricing unit), and negative.
                l.line_type = "Credit";
                l.description = "AWS Activate credit";
                l.usage = 0;
                l.unblended = -(od * 2).max(1);
                l.net = Some(l.unblended);
                l.list = 0;
            }
            198..=200 => {
                l.line_type = "Refund";
                l.description = "Refund for service disruption";
                l.usage = 0;
                l.unblended = -od.max(1);
                l.net = Some(l.unblended);
                l.list = 0;
            }
            201..=222 => {
                // Discounts reduce the usage they apply to: negative, with its usage and unit.
                l.line_type = "EdpDiscount";
                l.description = "Enterprise Discount Program discount";
                l.unblended = -pct(od, 3).max(1);
                l.net = Some(l.unblended);
                l.list = 0;
            }
            223..=230 => {
                l.line_type = "Discount";
                l.description = "Volume discount";
                l.unblended = -pct(od, 2).max(1);
                l.net = Some(l.unblended);
                l.list = 0;
            }
            231..=234 if res.svc.reservations => {
                l.line_type = "RIFee";
                l.description = "Reserved instance recurring fee";
                let fee = 50 * U + od;
                l.unblended = fee;
                l.net = Some(fee);
                l.list = 0;
                l.ri_unused_upfront = Some(pct(fee, 5));
                l.ri_unused_recurring = Some(pct(fee, 8));
                l.ri_arn = Some(&ri_arn);
                l.start_ms = start_ms;
                l.end_ms = data_end_ms;
            }
            235..=237 if res.svc.reservations => {
                l.line_type = "Fee";
                l.description = "Reserved instance upfront fee";
                l.unblended = 300 * U;
                l.net = Some(300 * U);
                l.list = 0;
                l.ri_arn = Some(&ri_arn);
                l.start_ms = start_ms;
                l.end_ms = data_end_ms;
            }
            238..=241 => {
                let commitment = 12 * U + (od % U);
                l.svc = &SAVINGS_PLANS;
                l.usage_type = "ComputeSP:1yrNoUpfront";
                l.operation = "";
                l.line_type = "SavingsPlanRecurringFee";
                l.description = SAVINGS_PLANS.items[0].description;
                l.usage = H;
                l.unblended = commitment;
                l.net = Some(commitment);
                l.list = 0;
                l.sp_commitment = Some(commitment);
                l.sp_used = Some(pct(commitment, 91));
                l.sp_arn = Some(&sp_arn);
            }
            _ => {}
        }
        sink.push(&l, &period)?;
        written += 1;
    }
    sink.finish()?;
    Ok(written)
}

struct Period {
    start_ms: i64,
    end_ms: i64,
    payer: String,
    interval: String,
}

trait Sink {
    fn push(&mut self, l: &Line<'_>, p: &Period) -> Result<(), String>;
    fn finish(self: Box<Self>) -> Result<(), String>;
}

/// A generated value of one column.
enum V<'a> {
    S(Option<&'a str>),
    /// 10⁻¹⁰ USD.
    Money(Option<i64>),
    /// 10⁻⁶ units.
    Quantity(Option<i64>),
    Ts(i64),
    Map(Vec<(&'static str, &'a str)>),
}

#[derive(Clone, Copy)]
enum T {
    S,
    D,
    Ts,
    M,
}

/// The CUR 2.0 columns we write, with their Data Exports types.
static COLUMNS: &[(&str, T)] = &[
    ("bill_bill_type", T::S),
    ("bill_billing_entity", T::S),
    ("bill_billing_period_end_date", T::Ts),
    ("bill_billing_period_start_date", T::Ts),
    ("bill_invoice_id", T::S),
    ("bill_invoicing_entity", T::S),
    ("bill_payer_account_id", T::S),
    ("bill_payer_account_name", T::S),
    ("identity_line_item_id", T::S),
    ("identity_time_interval", T::S),
    ("line_item_availability_zone", T::S),
    ("line_item_blended_cost", T::D),
    ("line_item_blended_rate", T::S),
    ("line_item_currency_code", T::S),
    ("line_item_legal_entity", T::S),
    ("line_item_line_item_description", T::S),
    ("line_item_line_item_type", T::S),
    ("line_item_net_unblended_cost", T::D),
    ("line_item_normalization_factor", T::D),
    ("line_item_operation", T::S),
    ("line_item_product_code", T::S),
    ("line_item_resource_id", T::S),
    ("line_item_tax_type", T::S),
    ("line_item_unblended_cost", T::D),
    ("line_item_unblended_rate", T::S),
    ("line_item_usage_account_id", T::S),
    ("line_item_usage_account_name", T::S),
    ("line_item_usage_amount", T::D),
    ("line_item_usage_end_date", T::Ts),
    ("line_item_usage_start_date", T::Ts),
    ("line_item_usage_type", T::S),
    ("pricing_currency", T::S),
    ("pricing_public_on_demand_cost", T::D),
    ("pricing_public_on_demand_rate", T::S),
    ("pricing_term", T::S),
    ("pricing_unit", T::S),
    ("product", T::M),
    ("product_instance_type", T::S),
    ("product_location", T::S),
    ("product_operation", T::S),
    ("product_pricing_unit", T::S),
    ("product_product_family", T::S),
    ("product_region_code", T::S),
    ("product_servicecode", T::S),
    ("product_usagetype", T::S),
    ("reservation_effective_cost", T::D),
    ("reservation_reservation_a_r_n", T::S),
    ("reservation_unused_amortized_upfront_fee_for_billing_period", T::D),
    ("reservation_unused_recurring_fee", T::D),
    ("resource_tags", T::M),
    ("savings_plan_savings_plan_a_r_n", T::S),
    ("savings_plan_savings_plan_effective_cost", T::D),
    ("savings_plan_total_commitment_to_date", T::D),
    ("savings_plan_used_commitment", T::D),
];

fn value<'a>(c: usize, l: &'a Line<'a>, p: &'a Period) -> V<'a> {
    let region = if l.svc.global || l.line_type == "Tax" || l.svc.code == SAVINGS_PLANS.code { None } else { Some(REGIONS[l.res.region].0) };
    let usage_line = matches!(l.line_type, "Usage" | "SavingsPlanCoveredUsage" | "DiscountedUsage");
    // Tax, credits and refunds are money only: AWS gives them no pricing unit.
    let unit = (!matches!(l.line_type, "Tax" | "Credit" | "Refund")).then_some(l.res.item.unit);
    match c {
        0 => V::S(Some("Anniversary")),
        1 => V::S(Some(l.svc.entity)),
        2 => V::Ts(p.end_ms),
        3 => V::Ts(p.start_ms),
        4 => V::S(None),
        5 => V::S(Some("Amazon Web Services, Inc.")),
        6 => V::S(Some(&p.payer)),
        7 => V::S(Some("Example Partner Payer")),
        8 => V::S(Some(&l.line_id)),
        9 => V::S(Some(&p.interval)),
        10 => V::S(None),
        11 => V::Money(Some(l.unblended)),
        12 => V::S(None),
        13 => V::S(Some("USD")),
        14 => V::S(Some("Amazon Web Services, Inc.")),
        15 => V::S(Some(l.description)),
        16 => V::S(Some(l.line_type)),
        17 => V::Money(l.net),
        18 => V::Quantity(Some(0)),
        19 => V::S(Some(l.operation)),
        20 => V::S(Some(l.svc.code)),
        21 => V::S(usage_line.then_some(l.res.id.as_str())),
        22 => V::S(None),
        23 => V::Money(Some(l.unblended)),
        24 => V::S(None),
        25 => V::S(Some(&l.account.id)),
        26 => V::S(Some(&l.account.name)),
        27 => V::Quantity(Some(l.usage)),
        28 => V::Ts(l.end_ms),
        29 => V::Ts(l.start_ms),
        30 => V::S(Some(l.usage_type)),
        31 => V::S(Some("USD")),
        32 => V::Money(Some(l.list)),
        33 => V::S(None),
        34 => V::S(Some(if l.line_type == "DiscountedUsage" { "Reserved" } else { "OnDemand" })),
        35 => V::S(unit),
        36 => V::Map(vec![("product_name", l.svc.name), ("region", region.unwrap_or("")), ("servicename", l.svc.name)]),
        37 => V::S(l.res.usage_type.split_once(':').map(|(_, t)| t).filter(|_| l.svc.code == "AmazonEC2")),
        38 => V::S(region.map(|_| REGIONS[l.res.region].2)),
        39 => V::S(Some(l.operation)),
        40 => V::S(unit),
        41 => V::S(Some(l.res.item.family)),
        42 => V::S(region),
        43 => V::S(Some(l.svc.code)),
        44 => V::S(Some(l.usage_type)),
        45 => V::Money(l.ri_effective),
        46 => V::S(l.ri_arn),
        47 => V::Money(l.ri_unused_upfront),
        48 => V::Money(l.ri_unused_recurring),
        49 => V::Map(vec![("user_team", l.res.team)]),
        50 => V::S(l.sp_arn),
        51 => V::Money(l.sp_effective),
        52 => V::Money(l.sp_commitment),
        _ => V::Money(l.sp_used),
    }
}

#[allow(clippy::large_enum_variant)] // one per column, built once
enum Builder {
    S(StringBuilder),
    D(Float64Builder),
    Ts(TimestampMillisecondBuilder),
    M(MapBuilder<StringBuilder, StringBuilder>),
}

struct ParquetSink {
    schema: Arc<Schema>,
    writer: ArrowWriter<BufWriter<File>>,
    builders: Vec<Builder>,
    rows: usize,
}

fn new_builders() -> Vec<Builder> {
    COLUMNS
        .iter()
        .map(|(_, t)| match t {
            T::S => Builder::S(StringBuilder::new()),
            T::D => Builder::D(Float64Builder::new()),
            T::Ts => Builder::Ts(TimestampMillisecondBuilder::new().with_timezone("UTC")),
            T::M => Builder::M(MapBuilder::new(None, StringBuilder::new(), StringBuilder::new())),
        })
        .collect()
}

impl ParquetSink {
    fn new(opts: &GenOptions) -> Result<Self, String> {
        let mut builders = new_builders();
        let fields: Vec<Field> = COLUMNS
            .iter()
            .zip(builders.iter_mut())
            .map(|((name, t), b)| {
                let dt = match (t, b) {
                    (T::S, _) => DataType::Utf8,
                    (T::D, _) => DataType::Float64,
                    (T::Ts, _) => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
                    (T::M, Builder::M(m)) => arrow_array::Array::data_type(&m.finish()).clone(),
                    (T::M, _) => DataType::Null,
                };
                Field::new(*name, dt, true)
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let file = File::create(&opts.out).map_err(|e| format!("{}: {e}", opts.out.display()))?;
        let props = WriterProperties::builder().set_compression(ParquetCompression::SNAPPY).set_max_row_group_row_count(Some(ROW_GROUP)).build();
        let writer = ArrowWriter::try_new(BufWriter::new(file), schema.clone(), Some(props)).map_err(|e| e.to_string())?;
        Ok(Self { schema, writer, builders, rows: 0 })
    }

    fn flush(&mut self) -> Result<(), String> {
        if self.rows == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self
            .builders
            .iter_mut()
            .map(|b| -> ArrayRef {
                match b {
                    Builder::S(b) => Arc::new(b.finish()),
                    Builder::D(b) => Arc::new(b.finish()),
                    Builder::Ts(b) => Arc::new(b.finish()),
                    Builder::M(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| e.to_string())?;
        self.writer.write(&batch).map_err(|e| e.to_string())?;
        self.rows = 0;
        Ok(())
    }
}

/// The DOUBLE AWS would write for an exact decimal of `scale` places: `m` is exactly
/// representable (< 2⁵³) and the division is correctly rounded, so this is the nearest double.
#[allow(clippy::cast_precision_loss)]
fn to_double(m: i64, scale: i64) -> f64 {
    m as f64 / scale as f64
}

impl Sink for ParquetSink {
    fn push(&mut self, l: &Line<'_>, p: &Period) -> Result<(), String> {
        for (c, b) in self.builders.iter_mut().enumerate() {
            match (b, value(c, l, p)) {
                (Builder::S(b), V::S(v)) => b.append_option(v),
                (Builder::D(b), V::Money(v)) => b.append_option(v.map(|m| to_double(m, U))),
                (Builder::D(b), V::Quantity(v)) => b.append_option(v.map(|m| to_double(m, H))),
                (Builder::Ts(b), V::Ts(v)) => b.append_value(v),
                (Builder::M(b), V::Map(kv)) => {
                    for (k, v) in kv {
                        b.keys().append_value(k);
                        b.values().append_value(v);
                    }
                    b.append(true).map_err(|e| e.to_string())?;
                }
                _ => return Err(format!("column {} got a value of the wrong type", COLUMNS[c].0)),
            }
        }
        self.rows += 1;
        if self.rows >= BATCH { self.flush() } else { Ok(()) }
    }

    fn finish(mut self: Box<Self>) -> Result<(), String> {
        self.flush()?;
        self.writer.close().map_err(|e| e.to_string())?;
        Ok(())
    }
}

struct CsvSink {
    writer: csv::Writer<GzEncoder<BufWriter<File>>>,
    record: Vec<String>,
}

impl CsvSink {
    fn new(opts: &GenOptions) -> Result<Self, String> {
        let file = File::create(&opts.out).map_err(|e| format!("{}: {e}", opts.out.display()))?;
        let mut writer = csv::Writer::from_writer(GzEncoder::new(BufWriter::new(file), Compression::fast()));
        writer.write_record(COLUMNS.iter().map(|(n, _)| *n)).map_err(|e| e.to_string())?;
        Ok(Self { writer, record: Vec::with_capacity(COLUMNS.len()) })
    }
}

fn timestamp_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_default()
}

impl Sink for CsvSink {
    fn push(&mut self, l: &Line<'_>, p: &Period) -> Result<(), String> {
        self.record.clear();
        for c in 0..COLUMNS.len() {
            let text = match value(c, l, p) {
                V::S(v) => v.unwrap_or("").to_owned(),
                // CSV carries the exact decimal.
                V::Money(v) => v.map(|m| Decimal::new(m, 10).normalize().to_string()).unwrap_or_default(),
                V::Quantity(v) => v.map(|m| Decimal::new(m, 6).normalize().to_string()).unwrap_or_default(),
                V::Ts(ms) => timestamp_text(ms),
                V::Map(kv) => serde_json::to_string(&kv.into_iter().collect::<std::collections::BTreeMap<_, _>>()).unwrap_or_default(),
            };
            self.record.push(text);
        }
        self.writer.write_record(&self.record).map_err(|e| e.to_string())
    }

    fn finish(self: Box<Self>) -> Result<(), String> {
        let gz = self.writer.into_inner().map_err(|e| e.to_string())?;
        let mut inner = gz.finish().map_err(|e| e.to_string())?;
        inner.flush().map_err(|e| e.to_string())
    }
}

/// `YYYY-MM` as the first day of that month.
pub fn parse_month(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").map_err(|_| format!("'{s}' is not a month (YYYY-MM)")).map(|d| d.with_day(1).unwrap_or(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_file_and_real_column_types() {
        let dir = tempfile::tempdir().unwrap();
        let gen_to = |name: &str, seed: u64| {
            let out = dir.path().join(name);
            let n = generate(&GenOptions { rows: 3000, accounts: 5, month: parse_month("2024-09").unwrap(), seed, format: GenFormat::Parquet, out: out.clone(), payer_account: None }).unwrap();
            assert_eq!(n, 3000);
            std::fs::read(out).unwrap()
        };
        assert_eq!(gen_to("a.parquet", 7), gen_to("b.parquet", 7));
        assert_ne!(gen_to("a.parquet", 7), gen_to("c.parquet", 8));
        let file = File::open(dir.path().join("a.parquet")).unwrap();
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let schema = reader.schema();
        assert_eq!(schema.field_with_name("line_item_unblended_cost").unwrap().data_type(), &DataType::Float64);
        assert!(matches!(schema.field_with_name("line_item_usage_start_date").unwrap().data_type(), DataType::Timestamp(TimeUnit::Millisecond, _)));
        assert!(matches!(schema.field_with_name("product").unwrap().data_type(), DataType::Map(_, _)));
    }

    /// The rows of a generated CSV.gz as maps from column name to text.
    fn csv_rows(path: &std::path::Path) -> Vec<std::collections::HashMap<String, String>> {
        let file = File::open(path).unwrap();
        let mut reader = csv::Reader::from_reader(flate2::read::GzDecoder::new(file));
        let headers = reader.headers().unwrap().clone();
        reader.records().map(|r| headers.iter().map(str::to_owned).zip(r.unwrap().iter().map(str::to_owned)).collect()).collect()
    }

    fn csv_month(dir: &std::path::Path, month: &str, rows: u64, last_day: Option<NaiveDate>) -> Vec<std::collections::HashMap<String, String>> {
        let out = dir.join(format!("{month}.csv.gz"));
        let opts = GenOptions { rows, accounts: 6, month: parse_month(month).unwrap(), seed: 3, format: GenFormat::CsvGz, out: out.clone(), payer_account: None };
        assert_eq!(generate_through(&opts, last_day).unwrap(), rows);
        csv_rows(&out)
    }

    #[test]
    fn credits_refunds_discounts_and_negations_are_negative_and_tax_has_no_usage() {
        let dir = tempfile::tempdir().unwrap();
        let rows = csv_month(dir.path(), "2025-06", 30_000, None);
        let dec = |r: &std::collections::HashMap<String, String>, c: &str| r[c].parse::<Decimal>().unwrap_or_else(|_| panic!("{c}: {:?}", r[c]));
        let mut seen: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        for r in &rows {
            let kind = r["line_item_line_item_type"].clone();
            let (unblended, net, usage) = (dec(r, "line_item_unblended_cost"), r["line_item_net_unblended_cost"].clone(), dec(r, "line_item_usage_amount"));
            match kind.as_str() {
                // docs/billing.md's line item table: these lower the bill, as AWS's CUR gives them.
                "Credit" | "Refund" | "EdpDiscount" | "Discount" | "SavingsPlanNegation" => {
                    assert!(unblended < Decimal::ZERO, "{kind} unblended {unblended}");
                    assert!(net.parse::<Decimal>().unwrap() < Decimal::ZERO, "{kind} net {net}");
                    assert_eq!(dec(r, "pricing_public_on_demand_cost"), Decimal::ZERO, "{kind} has no public price");
                }
                "Tax" => {
                    assert!(unblended > Decimal::ZERO, "tax {unblended}");
                    assert_eq!(usage, Decimal::ZERO, "tax carries no usage");
                    assert_eq!(r["pricing_unit"], "", "tax has no pricing unit");
                    assert_eq!(r["product_pricing_unit"], "", "tax has no pricing unit");
                    assert_eq!(r["line_item_usage_type"], "");
                }
                "Usage" | "SavingsPlanCoveredUsage" | "DiscountedUsage" | "Fee" | "RIFee" | "SavingsPlanRecurringFee" => {
                    assert!(unblended >= Decimal::ZERO, "{kind} unblended {unblended}");
                }
                other => panic!("unexpected line item type {other}"),
            }
            match kind.as_str() {
                "Credit" | "Refund" => {
                    assert_eq!(usage, Decimal::ZERO, "{kind} carries no usage");
                    assert_eq!(r["pricing_unit"], "", "{kind} has no pricing unit");
                }
                "Usage" | "SavingsPlanCoveredUsage" | "SavingsPlanNegation" | "EdpDiscount" | "Discount" => {
                    assert!(usage > Decimal::ZERO, "{kind} usage {usage}");
                    assert_ne!(r["pricing_unit"], "", "{kind} has a pricing unit");
                }
                _ => {}
            }
            *seen.entry(kind).or_default() += 1;
        }
        for kind in ["Usage", "Credit", "Refund", "EdpDiscount", "Discount", "SavingsPlanNegation", "SavingsPlanCoveredUsage", "Tax"] {
            assert!(seen.contains_key(kind), "no {kind} line in {seen:?}");
        }
        // Each Savings Plan negation cancels its covered usage's on-demand cost exactly.
        let covered: Decimal = rows.iter().filter(|r| r["line_item_line_item_type"] == "SavingsPlanCoveredUsage").map(|r| dec(r, "line_item_unblended_cost")).sum();
        let negated: Decimal = rows.iter().filter(|r| r["line_item_line_item_type"] == "SavingsPlanNegation").map(|r| dec(r, "line_item_unblended_cost")).sum();
        assert!(covered > Decimal::ZERO);
        assert!((covered + negated).abs() < Decimal::new(1, 6), "covered {covered}, negated {negated}");
    }

    #[test]
    fn a_month_in_progress_ends_with_its_last_day() {
        let dir = tempfile::tempdir().unwrap();
        let last = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let rows = csv_month(dir.path(), "2026-12", 4_000, Some(last));
        let day = |t: &str| NaiveDate::parse_from_str(&t[..10], "%Y-%m-%d").unwrap();
        let starts: Vec<NaiveDate> = rows.iter().map(|r| day(&r["line_item_usage_start_date"])).collect();
        assert!(starts.iter().all(|d| *d >= NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() && *d <= last), "usage after the last day");
        assert!(starts.contains(&last), "no usage on the last day");
        assert!(rows.iter().all(|r| day(&r["line_item_usage_end_date"]) <= NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()));
        // The billing period is still the whole month, as in AWS's export of the current month.
        assert!(rows.iter().all(|r| r["bill_billing_period_end_date"].starts_with("2027-01-01")));
        // A whole month reaches its last day; a last day outside the month is refused.
        let full = csv_month(dir.path(), "2026-11", 4_000, None);
        assert!(full.iter().any(|r| r["line_item_usage_start_date"].starts_with("2026-11-30")));
        let opts = GenOptions { rows: 10, accounts: 2, month: parse_month("2026-11").unwrap(), seed: 1, format: GenFormat::CsvGz, out: dir.path().join("x.csv.gz"), payer_account: None };
        assert!(generate_through(&opts, Some(last)).unwrap_err().contains("not in the month"));
        assert!(generate_through(&opts, NaiveDate::from_ymd_opt(2026, 10, 31)).is_err());
    }
}
