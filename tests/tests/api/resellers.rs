//! Price stacking down the tenant tree (#21), the worked two-tier example of docs/channel.md: a
//! distributor bills a reseller, the reseller bills its customers on its own reseller payer. Every
//! number is worked out by hand below; each tier sees its own cost, charge and margin only.

use chrono::NaiveDate;
use e2e::{DbKind, Partner, Session, TestApp, on_both_databases};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::billing::{Row, insert, last_month};

const A1: &str = "000111222333";
const A2: &str = "444555666777";
const A3: &str = "888999000111";
const OUTSIDE: &str = "121212121212";

fn last_day(period: &str) -> String {
    let first = NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").unwrap();
    (first + chrono::Months::new(1) - chrono::Days::new(1)).to_string()
}

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}")).parse().unwrap()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Tier 1, the distributor: its payer's month of AWS data, priced to a reseller (with two
/// customers) at list + 10 %, tax passed through, and a 25 flat fee; a direct customer beside it.
struct TierOne {
    dist: Partner,
    period: String,
    end_customer: String,
    second_customer: String,
    direct_customer: String,
    r_admin: Session,
    r_viewer: Session,
    c_viewer: Session,
    rule: String,
    plan: String,
    upstream: String,
}

async fn tier_one(app: &TestApp) -> TierOne {
    let root = app.platform_admin().await;
    let dist = app.new_partner(&root, "Dist Co").await;
    let period = last_month();
    let admin = app.as_user(&dist.admin);
    let reseller = admin.create_tenant(&dist.tenant_id, "RESELLER", "Resell Co").await;
    let end_customer = admin.create_tenant(&reseller, "CUSTOMER", "Cust Co").await;
    let second_customer = admin.create_tenant(&reseller, "CUSTOMER", "Two Co").await;
    let direct_customer = admin.create_tenant(&dist.tenant_id, "CUSTOMER", "Direct Co").await;
    let r_admin = admin.create_user("admin@resell.example", "ADMIN", ("tenantId", &reseller)).await;
    let r_viewer = admin.create_user("viewer@resell.example", "VIEWER", ("tenantId", &reseller)).await;
    let c_viewer = admin.create_user("viewer@cust.example", "VIEWER", ("tenantId", &end_customer)).await;

    // The month's AWS data on the distributor's payer (unblended / list).
    for (account, service, charge, unblended, list) in [
        (A1, "AmazonEC2", "Usage", "100", "110"),
        (A1, "AmazonS3", "Usage", "50", "55"),
        (A2, "AmazonEC2", "Usage", "200", "220"),
        (A2, "AmazonEC2", "Tax", "20", "0"),
        (A3, "AmazonRDS", "Usage", "40", "44"),
    ] {
        let usage_type = format!("{service}-usage");
        let row = Row { source: "cur", day: 7, account, service, usage_type: &usage_type, operation: "Op", charge, list, unblended, net: unblended };
        insert(app, &dist.payer_id, &period, row).await;
    }

    let operator = app.as_user(&dist.operator);
    let rule = operator.create_pricing_rule(json!({ "payerId": dist.payer_id, "name": "list-plus-10", "scope": "GLOBAL", "type": "MARKUP", "modifierPercentage": "10" })).await;
    let plan = operator.create_pricing_plan(json!({ "payerId": dist.payer_id, "name": "reseller-price", "pricingRuleIds": [rule], "passTax": true })).await;
    let upstream = operator
        .create_billing_group(json!({ "payerId": dist.payer_id, "name": "Resell-Co", "primaryAccountId": A1, "accountIds": [A1, A2, A3], "pricingPlanId": plan, "customerTenantId": reseller, "billingPeriod": period }))
        .await;
    operator.create_custom_line_item(json!({ "billingGroupId": upstream, "name": "Distribution-fee", "chargeType": "FEE", "flatAmount": "25", "billingPeriodStart": period })).await;
    TierOne { dist, period, end_customer, second_customer, direct_customer, r_admin, r_viewer, c_viewer, rule, plan, upstream }
}

/// Tier 2, the reseller, on the payer the distributor gave it: EC2 + 20 %, everything else + 5 %,
/// tax passed on, and a 30 flat fee, for Cust Co (A1, A2); Two Co (A3) on a pass-through plan.
struct TierTwo {
    r_payer: String,
    cust: String,
}

async fn tier_two(app: &TestApp, t: &TierOne) -> TierTwo {
    let r_payer = app.as_user(&t.dist.admin).create_reseller_payer(&t.upstream, "Resell Co on Dist").await["id"].as_str().unwrap().to_owned();
    let r_admin = app.as_user(&t.r_admin);
    let ec2 = r_admin.create_pricing_rule(json!({ "payerId": r_payer, "name": "ec2-plus-20", "scope": "SERVICE", "type": "MARKUP", "modifierPercentage": "20", "service": "AmazonEC2" })).await;
    let rest = r_admin.create_pricing_rule(json!({ "payerId": r_payer, "name": "plus-5", "scope": "GLOBAL", "type": "MARKUP", "modifierPercentage": "5" })).await;
    let r_plan = r_admin.create_pricing_plan(json!({ "payerId": r_payer, "name": "customer-price", "pricingRuleIds": [ec2, rest], "passTax": true })).await;
    let pass = r_admin.create_pricing_plan(json!({ "payerId": r_payer, "name": "pass-through", "passTax": true })).await;
    let group = |name: &str, accounts: Vec<&str>, plan: &str, customer: &str| {
        json!({ "payerId": r_payer, "name": name, "primaryAccountId": accounts[0], "accountIds": accounts, "pricingPlanId": plan, "customerTenantId": customer, "billingPeriod": t.period })
    };
    let outside = r_admin.try_create_billing_group(group("Nope", vec![A1, OUTSIDE], &r_plan, &t.end_customer)).await;
    assert_eq!(outside.body["errors"][0]["extensions"]["field"], "accountIds", "an account the distributor does not bill to the reseller: {}", outside.body);
    let cust = r_admin.create_billing_group(group("Cust-Co", vec![A1, A2], &r_plan, &t.end_customer)).await;
    r_admin.create_billing_group(group("Two-Co", vec![A3], &pass, &t.second_customer)).await;
    r_admin.create_custom_line_item(json!({ "billingGroupId": cust, "name": "Managed-service", "chargeType": "FEE", "flatAmount": "30", "billingPeriodStart": t.period })).await;
    TierTwo { r_payer, cust }
}

/// Only the distributor's payer admins give the reseller billed by a group its payer, once; it
/// has no cost source of its own and no AWS access, and an end customer's group gets none.
async fn a_reseller_gets_its_payer_from_the_distributors_payer_admins_only(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let t = tier_one(&app).await;
    let dist = &t.dist;
    app.as_user(&dist.operator).try_create_reseller_payer(&t.upstream, "Resell Co on Dist").await.assert_code("FORBIDDEN");
    for who in [&t.r_admin, &t.c_viewer] {
        app.as_user(who).try_create_reseller_payer(&t.upstream, "Resell Co on Dist").await.assert_code("NOT_FOUND");
    }
    let admin = app.as_user(&dist.admin);
    let created = admin.create_reseller_payer(&t.upstream, "Resell Co on Dist").await;
    let r_payer = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], "RESELLER");
    assert_eq!(created["upstreamBillingGroupId"], t.upstream.as_str());
    assert_eq!(created["accountId"], dist.payer_account_id.as_str());
    admin.try_create_reseller_payer(&t.upstream, "Resell Co on Dist").await.assert_code("CONFLICT");
    // It has no cost source of its own, so source-data health leaves it out (no false alarm).
    let health = app.as_user(&dist.viewer).source_data_health(&dist.tenant_id).await;
    let payers: Vec<&str> = health["entries"].as_array().unwrap().iter().filter_map(|e| e["payerName"].as_str()).collect();
    assert_eq!(payers, vec!["Dist Co payer"], "{health}");
    // An end customer prices no tier below.
    let direct = app
        .as_user(&dist.operator)
        .create_billing_group(json!({ "payerId": dist.payer_id, "name": "Direct", "primaryAccountId": OUTSIDE, "accountIds": [OUTSIDE], "pricingPlanId": t.plan, "customerTenantId": t.direct_customer, "billingPeriod": t.period }))
        .await;
    admin.try_create_reseller_payer(&direct, "x").await.assert_field("billingGroupId");
    // The reseller's payer has no AWS access.
    app.as_user(&t.r_admin).try_check_payer_connection(&r_payer).await.assert_code("CONFLICT");
}

/// The tiers reconcile to the cent: the distributor's charge to the reseller is the reseller's
/// cost; the reseller's margin is its charge less that cost, with the distributor's fee unbilled.
async fn two_tiers_reconcile_to_the_cent(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let t = tier_one(&app).await;
    let (period, dist_viewer) = (t.period.as_str(), app.as_user(&t.dist.viewer));
    // By hand, the distributor's price of each row (list × 1.10; tax as billed):
    //   A1 EC2 110 × 1.1 = 121.00   A1 S3 55 × 1.1 = 60.50   A2 EC2 220 × 1.1 = 242.00
    //   A2 tax 20.00                A3 RDS 44 × 1.1 = 48.40
    //   Rows 491.90 + fee 25 = 516.90 charged to the reseller.
    //   AWS cost 100 + 50 + 200 + 20 + 40 = 410; the distributor's margin 106.90.
    let reports = dist_viewer.billing_group_cost_reports(&t.dist.payer_id, period).await;
    let r = &reports[0];
    assert_eq!((dec(&r["awsCost"]), dec(&r["proformaCost"]), dec(&r["margin"])), (d("410"), d("516.9"), d("106.9")), "{reports}");
    let TierTwo { r_payer, .. } = tier_two(&app, &t).await;

    // By hand, the reseller's cost of each row is the distributor's price; its charge:
    //   Cust-Co  A1 EC2 121.00 × 1.2 = 145.20   A1 S3 60.50 × 1.05 = 63.525
    //            A2 EC2 242.00 × 1.2 = 290.40   A2 tax 20.00 as charged
    //            rows 519.125 + fee 30 = 549.125; cost 121 + 60.50 + 242 + 20 = 443.50; margin 105.625
    //   Two-Co   A3 RDS 48.40 passed through: cost 48.40, charge 48.40, margin 0
    //   The reseller's cost is the distributor's whole charge, 516.90; its charge 549.125 + 48.40
    //   = 597.525; margin 80.625. Unbilled: the distributor's fee, 516.90 − 443.50 − 48.40 = 25.
    let r_viewer = app.as_user(&t.r_viewer);
    let by_name: Vec<(String, Decimal, Decimal, Decimal)> = r_viewer
        .billing_group_cost_reports(&r_payer, period)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["billingGroupName"].as_str().unwrap().to_owned(), dec(&r["awsCost"]), dec(&r["proformaCost"]), dec(&r["margin"])))
        .collect();
    assert_eq!(by_name, vec![("Cust-Co".into(), d("443.5"), d("549.125"), d("105.625")), ("Two-Co".into(), d("48.4"), d("48.4"), d("0"))]);
    let m = r_viewer.reseller_margin(&r_payer, period).await;
    assert_eq!((m["currency"].as_str(), dec(&m["cost"]), dec(&m["charge"]), dec(&m["margin"]), dec(&m["unbilledCost"])), (Some("USD"), d("516.9"), d("597.525"), d("80.625"), d("25")), "{m}");
    // The tiers reconcile: the distributor's charge to the reseller is the reseller's cost.
    let dist_reports = dist_viewer.billing_group_cost_reports(&t.dist.payer_id, period).await;
    let dist_charge = dist_reports.as_array().unwrap().iter().find(|r| r["billingGroupName"] == "Resell-Co").map(|r| dec(&r["proformaCost"]));
    assert_eq!(dist_charge, Some(dec(&m["cost"])));
    // The distributor sees its tier below (its subtree); a payer of its own has no reseller margin.
    assert_eq!(dec(&dist_viewer.reseller_margin(&r_payer, period).await["margin"]), d("80.625"));
    dist_viewer.try_reseller_margin(&t.dist.payer_id, period).await.assert_field("payerId");
}

/// Each tier sees its own cost, charge and margin only: the reseller never sees the AWS cost
/// above it (what it is charged reaches it as its charges), the end customer only its price.
async fn each_tier_sees_its_own_cost_charge_and_margin_only(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let t = tier_one(&app).await;
    let TierTwo { r_payer, .. } = tier_two(&app, &t).await;
    let (period, dist) = (t.period.as_str(), &t.dist);
    let r_viewer = app.as_user(&t.r_viewer);
    r_viewer.try_billing_group_cost_reports(&dist.payer_id, period).await.assert_code("NOT_FOUND");
    r_viewer.try_billing_group_cost_report(&t.upstream, period, period).await.assert_code("NOT_FOUND");
    r_viewer.try_payer(&dist.payer_id).await.assert_code("NOT_FOUND");
    let (from, to) = (format!("{period}-01"), last_day(period));
    for who in [&t.r_viewer, &t.r_admin, &t.c_viewer] {
        let who = app.as_user(who);
        let refused = [
            ("costSummary", who.try_cost_summary(&json!({ "payerIds": [dist.payer_id], "from": from, "to": to })).await),
            ("monthOverMonth", who.try_month_over_month(&json!({ "payerIds": [dist.payer_id], "month": period })).await),
            ("costForecast", who.try_cost_forecast(&[&dist.payer_id], period, None, None).await),
            ("accountMonthlyBill", who.try_account_monthly_bill(&dist.payer_id, A1, period, None, None).await),
            ("focusExport", who.try_focus_export(&dist.payer_id, period).await),
            ("billingPeriod", who.try_billing_period(&dist.payer_id, period).await),
        ];
        for (query, res) in refused {
            // NOT_FOUND, or (where the reseller is the distributor's customer) FORBIDDEN for any
            // figure but its own price.
            assert!(matches!(res.code(), Some("NOT_FOUND" | "FORBIDDEN")) && !res.body.to_string().contains("410"), "the distributor's AWS cost is out of sight of {}: {query} → {}", who.session().email, res.body);
        }
    }
    let charged = r_viewer.my_charges(period).await;
    let totals: Vec<(String, Decimal)> = charged.as_array().unwrap().iter().map(|c| (c["billingGroupName"].as_str().unwrap().to_owned(), dec(&c["total"]))).collect();
    assert!(totals.contains(&("Resell-Co".to_owned(), d("516.9"))), "{totals:?}");
    assert!(!charged.to_string().contains("410"), "no AWS cost in the reseller's charges: {charged}");

    // The end customer sees its price only: no tier's cost, no margin, no payer.
    let c_viewer = app.as_user(&t.c_viewer);
    let mine = c_viewer.my_charges(period).await;
    let mine = mine.as_array().unwrap();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!((mine[0]["billingGroupName"].as_str(), dec(&mine[0]["total"])), (Some("Cust-Co"), d("549.125")));
    c_viewer.try_reseller_margin(&r_payer, period).await.assert_code("NOT_FOUND");
    c_viewer.try_billing_group_cost_reports(&r_payer, period).await.assert_code("NOT_FOUND");
    let pro_forma = c_viewer.cost_summary(&json!({ "payerIds": [r_payer], "from": from, "to": to, "granularity": "MONTH", "metric": "PRO_FORMA" })).await;
    assert_eq!(dec(&pro_forma["total"]), d("549.125"), "the customer's cost view prices through both tiers: {pro_forma}");
}

/// A change of the distributor's price moves the reseller's cost and charge of an open month
/// (and its stored results); the reseller's month closes after the distributor's, which then
/// cannot reopen under it; the reseller invoices at those prices, and closed numbers stay put.
async fn a_distributor_price_change_reaches_the_resellers_month_until_it_closes(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let t = tier_one(&app).await;
    let TierTwo { r_payer, cust } = tier_two(&app, &t).await;
    let (period, dist) = (t.period.as_str(), &t.dist);
    let (r_admin, r_viewer, dist_operator) = (app.as_user(&t.r_admin), app.as_user(&t.r_viewer), app.as_user(&dist.operator));
    let stored = r_admin.recompute_billing(&r_payer, period).await;
    assert_eq!(stored.as_array().map(Vec::len), Some(2), "{stored}");
    dist_operator.update_pricing_rule(&t.rule, json!({ "modifierPercentage": "0", "effectiveFrom": period })).await;
    // Repriced at list: Cust-Co A1 EC2 110 × 1.2 = 132, S3 55 × 1.05 = 57.75, A2 EC2 220 × 1.2 = 264,
    // tax 20, fee 30 = 503.75.
    let after = r_viewer.reseller_margin(&r_payer, period).await;
    let groups = after["groups"].as_array().unwrap();
    assert_eq!(groups.iter().find(|g| g["name"] == "Cust-Co").map(|g| dec(&g["charge"])), Some(d("503.75")), "{after}");
    // The distributor: rows 110 + 55 + 220 + 20 + 44 = 449, fee 25: 474; the reseller's cost follows.
    assert_eq!(dec(&after["cost"]), d("474"));
    let results = r_viewer.billing_results(&cust, period).await;
    let by_reason: Vec<(String, Decimal)> = results.as_array().unwrap().iter().map(|r| (r["reason"].as_str().unwrap().to_owned(), dec(&r["proformaCost"]))).collect();
    assert!(by_reason.contains(&("pricing.changed".to_owned(), d("503.75"))), "the distributor's change recomputed the reseller's stored result: {by_reason:?}");

    // Closing: the reseller's month closes after its distributor's, and then the distributor's
    // cannot reopen under it.
    r_admin.try_close_billing_period(&r_payer, period).await.assert_field("billingPeriod");
    let dist_admin = app.as_user(&dist.admin);
    dist_admin.close_billing_period(&dist.payer_id, period).await;
    assert_eq!(r_admin.close_billing_period(&r_payer, period).await, "CLOSED");
    dist_admin.try_reopen_billing_period(&dist.payer_id, period).await.assert_code("CONFLICT");

    // The reseller invoices its customer from its own payer, as the issuer. Lines per account and
    // service, each rounded to the cent (halves away from zero), at the rule change's prices:
    //   A1 EC2 132.00, A1 S3 57.75, A2 EC2 264.00 + tax 20.00 = 284.00, fee 30.00: 503.75.
    r_admin
        .create_contract(&json!({
            "customerTenantId": t.end_customer, "name": "cust deal", "startDate": "2020-01-01", "renewal": "AUTO", "payerIds": [r_payer],
            "billingEmail": "billing@cust.example", "contractChangeEmail": "contracts@cust.example", "invoicePrefix": "RESELL", "currency": "USD",
        }))
        .await;
    let drafted = r_admin.draft_invoices(&r_payer, period).await;
    let invoice = drafted.data("draftInvoices.drafted.0").clone();
    assert_eq!((invoice["issuer"]["name"].as_str(), invoice["customer"]["name"].as_str(), dec(&invoice["total"])), (Some("Resell Co"), Some("Cust Co"), d("503.75")), "{}", drafted.body);
    assert!(drafted.data("draftInvoices.skipped").to_string().contains("Two Co"), "no contract with Two Co: {}", drafted.body);
    // Closed numbers stay put: the distributor's price cannot change for the month any more, and a
    // change from this month on leaves it alone.
    dist_operator.try_update_pricing_rule(&t.rule, json!({ "modifierPercentage": "50", "effectiveFrom": period })).await.assert_field("effectiveFrom");
    dist_operator.update_pricing_rule(&t.rule, json!({ "modifierPercentage": "50" })).await;
    let frozen = r_viewer.reseller_margin(&r_payer, period).await;
    assert_eq!((dec(&frozen["cost"]), dec(&frozen["charge"])), (d("474"), d("503.75") + d("44")), "{frozen}");
}

on_both_databases!(
    a_reseller_gets_its_payer_from_the_distributors_payer_admins_only,
    two_tiers_reconcile_to_the_cent,
    each_tier_sees_its_own_cost_charge_and_margin_only,
    a_distributor_price_change_reaches_the_resellers_month_until_it_closes,
);
