//! FOCUS export (#22 item 3): an end customer's pro-forma charges as FOCUS 1.2 CSV and Parquet,
//! checked by the FinOps Foundation's `focus-validator` (from PyPI, in `.venv-focus`), read back
//! by our own FOCUS reader to the same totals; a partner's per-payer file totals AWS cost; and
//! who may export what. The fixture is the hand-computed one of `billing.rs` (pro-forma 537.43,
//! AWS cost 341.31 on the group's accounts, 999 on an account in no group).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use base64::Engine;
use e2e::{DbKind, Partner, Session, TestApp, on_both_databases};
use partner_billing::ids::PayerId;
use partner_billing::ingest;
use partner_billing::tenancy::unscoped::UnscopedPlatformAccess;
use rust_decimal::Decimal;
use serde_json::json;

use crate::billing::{A1, A2, A3, cost_fixture, d, dec, e2e_next, last_month, plan};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

struct Fixture {
    app: TestApp,
    p: Partner,
    period: String,
    customer: String,
    customer_viewer: Session,
}

/// Acme's group (A1 primary, A2, A3) priced by the billing fixture's plan, a one-off fee of
/// 150.34 and a recurring 10 % credit; last month's cost data in.
async fn fixture(db: DbKind) -> Fixture {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Focus Co").await;
    let period = last_month();
    let admin = app.as_user(&p.admin);
    let customer = admin.create_tenant(&p.tenant_id, "CUSTOMER", "Acme").await;
    let customer_viewer = admin.create_user("viewer@acme.example", "VIEWER", ("tenantId", &customer)).await;
    let plan_id = plan(&app, &p, &p.operator).await;
    let operator = app.as_user(&p.operator);
    let group_id = operator
        .create_billing_group(json!({ "payerId": p.payer_id, "name": "Acme-Prod", "primaryAccountId": A1, "accountIds": [A1, A2, A3], "pricingPlanId": plan_id, "customerTenantId": customer, "billingPeriod": period }))
        .await;
    let item = |name: &str, charge: &str, amount: (&str, &str), end: Option<String>| json!({ "billingGroupId": group_id, "name": name, "chargeType": charge, amount.0: amount.1, "billingPeriodStart": period, "billingPeriodEnd": end });
    operator.create_custom_line_item(item("Support-fee", "FEE", ("flatAmount", "150.34"), Some(e2e_next(&period)))).await;
    operator.create_custom_line_item(item("Loyalty-credit", "CREDIT", ("percentage", "10"), None)).await;
    cost_fixture(&app, &p.payer_id, &period).await;
    Fixture { app, p, period, customer, customer_viewer }
}

/// The file a `focusExport` answers (of a payer, a customer, or neither), decoded, with its name.
async fn export(app: &TestApp, who: &Session, payer: Option<&str>, customer: Option<&str>, period: &str, format: &str) -> (String, Vec<u8>) {
    let file = app.as_user(who).focus_export_of(payer, customer, period, format).await;
    let bytes = base64::engine::general_purpose::STANDARD.decode(file["contentBase64"].as_str().unwrap()).unwrap();
    (file["fileName"].as_str().unwrap().to_owned(), bytes)
}

/// A CSV file as rows of column → cell.
fn csv_rows(bytes: &[u8]) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    reader.records().map(|r| headers.iter().cloned().zip(r.unwrap().iter().map(str::to_owned)).collect()).collect()
}

fn sum(rows: &[BTreeMap<String, String>], column: &str) -> Decimal {
    rows.iter().map(|r| d(&r[column])).sum()
}

/// Checks of focus-validator 1.0.0 that fail on every file of a format for a reason in the
/// validator, which its override file cannot skip (it still applies a column's pandas type):
/// CSV is read with pandas' type inference, which makes a 12-digit account id an integer;
/// Parquet decimals must be float64 to it, and ours are exact Decimal128.
fn expected_failures(format: &str) -> Vec<&'static str> {
    match format {
        "csv" => vec!["BillingAccountId_IsString", "SubAccountId_IsString"],
        _ => vec![
            "BilledCost_IsDecimal",
            "ConsumedQuantity_IsDecimal",
            "ContractedCost_IsDecimal",
            "ContractedUnitPrice_IsDecimal",
            "EffectiveCost_IsDecimal",
            "ListCost_IsDecimal",
            "ListUnitPrice_IsDecimal",
            "PricingQuantity_IsDecimal",
        ],
    }
}

/// Runs `focus-validator` (FOCUS 1.0 rules, the newest it has) on a file with the override list
/// for its format; returns the checks that failed beyond [`expected_failures`], and its report.
/// Its ISO currency list ships in the package and is read from a path relative to the working
/// directory, so it runs from its site-packages; a proxy that nothing answers makes any attempt
/// to reach the internet fail.
fn validate(file: &Path, format: &str) -> (Vec<String>, String) {
    let venv = format!("{ROOT}/.venv-focus");
    let site = Command::new(format!("{venv}/bin/python"))
        .args(["-c", "import os, focus_validator; print(os.path.dirname(os.path.dirname(focus_validator.__file__)))"])
        .output()
        .expect("focus-validator is installed by scripts/test in .venv-focus");
    assert!(site.status.success(), "{}", String::from_utf8_lossy(&site.stderr));
    let site = String::from_utf8(site.stdout).unwrap().trim().to_owned();
    let overrides = format!("{ROOT}/tests/fixtures/focus-validator/{format}-overrides.yaml");
    let out = Command::new(format!("{venv}/bin/focus-validator"))
        .args(["--data-file", file.to_str().unwrap(), "--validate-version", "1.0", "--override-file", &overrides])
        .current_dir(&site)
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && (text.contains("Validation succeeded.") || text.contains("Validation failed!")), "focus-validator did not run: {text}");
    let mut failed: Vec<String> = text.lines().filter_map(|l| l.strip_suffix(" failed:")).map(str::to_owned).collect();
    let expected = expected_failures(format);
    for check in &expected {
        assert!(failed.iter().any(|f| f == check), "{check} no longer fails: drop it from expected_failures\n{text}");
    }
    failed.retain(|f| !expected.contains(&f.as_str()));
    (failed, text)
}

/// A payer billed to `account` on the partner's tenant, for ingesting a file back.
async fn payer_for(app: &TestApp, p: &Partner, account: &str) -> PayerId {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let (payer, _) = app.insert_payer(&p.tenant_id, "Re-ingested").await;
    let model = entity::payers::Entity::find_by_id(payer.parse::<uuid::Uuid>().unwrap()).one(&app.db).await.unwrap().unwrap();
    let mut active: entity::payers::ActiveModel = model.into();
    active.account_id = Set(account.to_owned());
    active.update(&app.db).await.unwrap();
    PayerId::parse(&payer).unwrap()
}

/// A payer's total of one cost metric for a month, as the cost views sum it.
async fn total(app: &TestApp, who: &Session, payer: &str, period: &str, metric: &str) -> Decimal {
    let (from, to) = partner_billing::domain::costs::month_bounds(period).unwrap();
    dec(&app.as_user(who).cost_summary(&json!({ "payerIds": [payer], "from": from, "to": to, "metric": metric })).await["total"])
}

async fn a_customers_file_passes_the_validator_and_reads_back_to_their_charges(db: DbKind) {
    let Fixture { app, p, period, customer: _, customer_viewer: me } = fixture(db).await;
    let dir = tempfile::tempdir().unwrap();
    let my_total = dec(&app.as_user(&me).my_charges(&period).await[0]["total"]);
    assert_eq!(my_total, d("537.43"));

    // CSV: the customer's price in every cost column, the public price as ListCost.
    let (name, csv) = export(&app, &me, None, None, &period, "CSV").await;
    assert_eq!(name, format!("focus-my-charges-{period}.csv"));
    let rows = csv_rows(&csv);
    assert_eq!(rows.len(), 8, "six priced usage rows (the Tax and Credit rows are not charged) and two custom line items");
    assert_eq!(sum(&rows, "BilledCost"), my_total);
    assert_eq!(sum(&rows, "EffectiveCost"), my_total);
    let public: BTreeMap<(&str, &str), &str> = [((A1, "AmazonEC2"), "200"), ((A2, "AmazonEC2"), "50"), ((A1, "AmazonS3"), "30"), ((A2, "AmazonS3"), "10"), ((A3, "AmazonRDS"), "120"), ((A3, "AWSLambda"), "8")].into();
    for r in &rows {
        assert!(!r.contains_key("x_ProformaCost"), "a customer's file has no AWS-cost column");
        assert_eq!((d(&r["EffectiveCost"]), d(&r["ContractedCost"])), (d(&r["BilledCost"]), d(&r["BilledCost"])), "{r:?}");
        let list = public.get(&(r["SubAccountId"].as_str(), r["x_ServiceCode"].as_str())).map_or_else(|| d(&r["BilledCost"]), |l| d(l));
        assert_eq!(d(&r["ListCost"]), list, "ListCost is the public price, else the charge: {r:?}");
        assert_eq!((r["BillingAccountId"].as_str(), r["BillingAccountName"].as_str(), r["InvoiceIssuerName"].as_str()), (A1, "Acme-Prod", "Focus Co"));
        assert_eq!(r["BillingPeriodStart"], format!("{period}-01T00:00:00Z"));
    }
    // No figure of the partner's AWS cost that differs from the customer's price: the net costs
    // of the rows, the Tax and Credit lines, the group's AWS cost, the account outside the group.
    let amounts: Vec<Decimal> = rows.iter().flat_map(|r| ["BilledCost", "EffectiveCost", "ContractedCost", "ListCost"].map(|c| d(&r[c]))).collect();
    for aws in ["171", "42.75", "28.5", "95", "7.22", "12.34", "-25", "341.31", "999"] {
        assert!(!amounts.contains(&d(aws)), "AWS cost {aws} in the customer's file");
    }
    let item = |name: &str| rows.iter().find(|r| r["ServiceName"] == name).unwrap_or_else(|| panic!("no row {name}"));
    assert_eq!((item("Support-fee")["ChargeCategory"].as_str(), d(&item("Support-fee")["BilledCost"])), ("Purchase", d("150.34")));
    assert_eq!((item("Loyalty-credit")["ChargeCategory"].as_str(), d(&item("Loyalty-credit")["BilledCost"])), ("Credit", d("-43.01")));
    // What the validator's rule set names differently from FOCUS 1.0 final and 1.2 (its overrides
    // skip those rules) is checked here: present and never empty.
    for column in ["InvoiceIssuerName", "ProviderName", "PublisherName", "ChargeCategory", "ServiceName"] {
        assert!(rows.iter().all(|r| !r[column].is_empty()), "{column} is empty somewhere");
    }
    assert!(rows.iter().all(|r| r.contains_key("ResourceId")));

    let csv_path = dir.path().join("charges.csv");
    std::fs::write(&csv_path, &csv).unwrap();
    let (failed, report) = validate(&csv_path, "csv");
    assert!(failed.is_empty(), "focus-validator refused our CSV: {failed:?}\n{report}");
    // The check can fail: a copy without a ChargeCategory on its first row is refused.
    let broken = String::from_utf8(csv.clone()).unwrap().replacen(",Usage,,", ",,,", 1);
    assert_ne!(broken.as_bytes(), csv.as_slice(), "the copy must differ");
    let broken_path = dir.path().join("broken.csv");
    std::fs::write(&broken_path, broken).unwrap();
    let (failed, report) = validate(&broken_path, "csv");
    assert_eq!(failed, ["ChargeCategory_NotNull"], "a row without ChargeCategory:\n{report}");

    // Parquet: the same rows.
    let (name, parquet) = export(&app, &me, None, None, &period, "PARQUET").await;
    assert!(name.ends_with(".parquet") && parquet.starts_with(b"PAR1"));
    let parquet_path = dir.path().join("charges.parquet");
    std::fs::write(&parquet_path, &parquet).unwrap();
    let (failed, report) = validate(&parquet_path, "parquet");
    assert!(failed.is_empty(), "focus-validator refused our Parquet: {failed:?}\n{report}");

    // Our own FOCUS reader takes each file back, into a payer billed to the group's primary
    // account: the same total to the cent, and the same as myCharges.
    let fresh = payer_for(&app, &p, A1).await;
    let platform = UnscopedPlatformAccess::new(app.db.clone());
    for path in [&csv_path, &parquet_path] {
        let report = ingest::ingest_files(&platform, fresh, std::slice::from_ref(path)).await.unwrap();
        assert_eq!((report.outcome, report.rows_read), (ingest::Outcome::Succeeded, 8), "{}: {:?}", path.display(), report.warnings);
        assert_eq!((report.periods[0].source.as_str(), report.periods[0].billing_period.as_str()), ("focus", period.as_str()));
        assert!(report.rows_other_payers.is_empty() && report.rows_other_provider == 0, "every row is the payer's");
        let back = total(&app, &p.admin, &fresh.0.to_string(), &period, "UNBLENDED").await;
        assert_eq!(back.round_dp(2), my_total, "{} read back", path.display());
        assert_eq!(total(&app, &p.admin, &fresh.0.to_string(), &period, "AMORTIZED").await.round_dp(2), my_total);
    }
}

async fn a_partner_exports_a_payers_aws_cost_and_a_customers_charges(db: DbKind) {
    let Fixture { app, p, period, customer, customer_viewer } = fixture(db).await;
    // Per payer: every account's AWS cost (the group's 341.31 and A4's 999), the pro-forma charge
    // beside it; the viewer may read it.
    let (name, csv) = export(&app, &p.viewer, Some(&p.payer_id), None, &period, "CSV").await;
    assert!(name.starts_with("focus-focus-co-payer-"), "{name}");
    let rows = csv_rows(&csv);
    let aws = total(&app, &p.viewer, &p.payer_id, &period, "NET_UNBLENDED").await;
    assert_eq!(aws, d("1340.31"));
    assert_eq!(sum(&rows, "BilledCost"), aws);
    let proforma: Decimal = rows.iter().filter(|r| !r["x_ProformaCost"].is_empty()).map(|r| d(&r["x_ProformaCost"])).sum();
    assert_eq!(proforma, d("537.43"));
    assert!(rows.iter().all(|r| r["BillingAccountId"] == p.payer_account_id && r["InvoiceIssuerName"] == "AWS"));
    let a4: Vec<_> = rows.iter().filter(|r| r["SubAccountId"] == crate::billing::A4).collect();
    assert!(a4.len() == 1 && a4[0]["x_ProformaCost"].is_empty() && a4[0]["x_BillingGroupId"].is_empty(), "an account in no group has no price: {a4:?}");
    let tax = rows.iter().find(|r| r["x_ChargeType"] == "Tax").unwrap();
    assert_eq!((tax["ChargeCategory"].as_str(), d(&tax["BilledCost"]), d(&tax["x_ProformaCost"])), ("Tax", d("12.34"), Decimal::ZERO));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("payer.csv");
    std::fs::write(&path, &csv).unwrap();
    let (failed, report) = validate(&path, "csv");
    assert!(failed.is_empty(), "focus-validator refused the payer's CSV: {failed:?}\n{report}");

    // Per customer: exactly the file the customer gets (what the partner bills them).
    let (_, theirs) = export(&app, &customer_viewer, None, Some(&customer), &period, "CSV").await;
    let (_, partners) = export(&app, &p.operator, None, Some(&customer), &period, "CSV").await;
    assert_eq!(theirs, partners);
    assert_eq!(sum(&csv_rows(&partners), "BilledCost"), d("537.43"));
}

async fn roles_who_may_export_what(db: DbKind) {
    let Fixture { app, p, period, customer, customer_viewer } = fixture(db).await;
    // Every partner role reads; the single-payer admin reads its payer but no customer tenant.
    for who in [&p.admin, &p.operator, &p.viewer, &p.payer_admin] {
        export(&app, who, Some(&p.payer_id), None, &period, "CSV").await;
    }
    app.as_user(&p.payer_admin).try_focus_export_of(None, Some(&customer), &period, "CSV").await.assert_code("NOT_FOUND");
    // A customer exports its own charges only: AWS cost per payer is the partner's.
    let me = app.as_user(&customer_viewer);
    let res = me.try_focus_export_of(Some(&p.payer_id), None, &period, "CSV").await;
    assert!(matches!(res.code(), Some("FORBIDDEN" | "NOT_FOUND")), "{}", res.body);
    me.try_focus_export_of(None, Some(&p.tenant_id), &period, "CSV").await.assert_code("NOT_FOUND");
    // Bad input names its field.
    let admin = app.as_user(&p.admin);
    admin.try_focus_export_of(Some(&p.payer_id), Some(&customer), &period, "CSV").await.assert_invalid("customerTenantId");
    admin.try_focus_export_of(Some(&p.payer_id), None, "2025-13", "CSV").await.assert_invalid("billingPeriod");
    app.anonymous().try_focus_export_of(None, None, &period, "CSV").await.assert_code("UNAUTHENTICATED");
}

on_both_databases!(a_customers_file_passes_the_validator_and_reads_back_to_their_charges, a_partner_exports_a_payers_aws_cost_and_a_customers_charges, roles_who_may_export_what);
