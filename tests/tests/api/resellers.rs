//! Price stacking down the tenant tree (#21), the worked two-tier example of docs/channel.md: a
//! distributor bills a reseller, the reseller bills its customers on its own reseller payer. Every
//! number is worked out by hand below; each tier sees its own cost, charge and margin only.

use chrono::NaiveDate;
use e2e::{DbKind, TestApp, on_both_databases};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::billing::{CREATE_GROUP, CREATE_ITEM, CREATE_PLAN, CREATE_RULE, MY_CHARGES, REPORTS, RESULTS, Row, insert, last_month};

const A1: &str = "000111222333";
const A2: &str = "444555666777";
const A3: &str = "888999000111";
const OUTSIDE: &str = "121212121212";

const CREATE_RESELLER_PAYER: &str = "mutation($g: ID!, $n: String!) { createResellerPayer(billingGroupId: $g, name: $n) { id status accountId upstreamBillingGroupId } }";
const MARGIN: &str = "query($p: ID!, $m: String!) { resellerMargin(payerId: $p, billingPeriod: $m) { currency cost charge margin unbilledCost groups { name cost charge margin } } }";
const CLOSE: &str = "mutation($p: ID!, $m: String!) { closeBillingPeriod(payerId: $p, billingPeriod: $m) { status } }";
const REOPEN: &str = "mutation($p: ID!, $m: String!) { reopenBillingPeriod(payerId: $p, billingPeriod: $m) { status } }";

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

fn id(res: &e2e::Gql, path: &str) -> String {
    res.data(path).as_str().unwrap_or_else(|| panic!("no {path}: {}", res.body)).to_owned()
}

async fn two_tiers_reconcile_to_the_cent_and_each_sees_its_own(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let dist = app.new_partner(&root, "Dist Co").await;
    let period = last_month();
    let reseller = app.create_tenant(&dist.admin, &dist.tenant_id, "RESELLER", "Resell Co").await;
    let end_customer = app.create_tenant(&dist.admin, &reseller, "CUSTOMER", "Cust Co").await;
    let second_customer = app.create_tenant(&dist.admin, &reseller, "CUSTOMER", "Two Co").await;
    let direct_customer = app.create_tenant(&dist.admin, &dist.tenant_id, "CUSTOMER", "Direct Co").await;
    let r_admin = app.create_user(&dist.admin, "admin@resell.example", "ADMIN", ("tenantId", &reseller)).await;
    let r_viewer = app.create_user(&dist.admin, "viewer@resell.example", "VIEWER", ("tenantId", &reseller)).await;
    let c_viewer = app.create_user(&dist.admin, "viewer@cust.example", "VIEWER", ("tenantId", &end_customer)).await;

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
        insert(&app, &dist.payer_id, &period, row).await;
    }

    // Tier 1, the distributor: list + 10 %, tax passed through, and a 25 flat fee.
    let rule = app.gql(dist.operator.bearer(), CREATE_RULE, json!({ "i": { "payerId": dist.payer_id, "name": "list-plus-10", "scope": "GLOBAL", "type": "MARKUP", "modifierPercentage": "10" } })).await;
    let plan = app.gql(dist.operator.bearer(), CREATE_PLAN, json!({ "i": { "payerId": dist.payer_id, "name": "reseller-price", "pricingRuleIds": [id(&rule, "createPricingRule.id")], "passTax": true } })).await;
    let upstream = app
        .gql(
            dist.operator.bearer(),
            CREATE_GROUP,
            json!({ "i": { "payerId": dist.payer_id, "name": "Resell-Co", "primaryAccountId": A1, "accountIds": [A1, A2, A3], "pricingPlanId": id(&plan, "createPricingPlan.id"), "customerTenantId": reseller, "billingPeriod": period } }),
        )
        .await;
    let upstream = id(&upstream, "createBillingGroup.id");
    app.gql(dist.operator.bearer(), CREATE_ITEM, json!({ "i": { "billingGroupId": upstream, "name": "Distribution-fee", "chargeType": "FEE", "flatAmount": "25", "billingPeriodStart": period } }))
        .await
        .data("createCustomLineItem.id");
    // By hand, the distributor's price of each row (list × 1.10; tax as billed):
    //   A1 EC2 110 × 1.1 = 121.00   A1 S3 55 × 1.1 = 60.50   A2 EC2 220 × 1.1 = 242.00
    //   A2 tax 20.00                A3 RDS 44 × 1.1 = 48.40
    //   Rows 491.90 + fee 25 = 516.90 charged to the reseller.
    //   AWS cost 100 + 50 + 200 + 20 + 40 = 410; the distributor's margin 106.90.
    let reports = app.gql(dist.viewer.bearer(), REPORTS, json!({ "p": dist.payer_id, "m": period })).await;
    let r = reports.data("billingGroupCostReports.0");
    assert_eq!((dec(&r["awsCost"]), dec(&r["proformaCost"]), dec(&r["margin"])), (d("410"), d("516.9"), d("106.9")), "{}", reports.body);

    // Only the distributor's payer admins give the reseller its payer.
    let give = json!({ "g": upstream, "n": "Resell Co on Dist" });
    app.gql(dist.operator.bearer(), CREATE_RESELLER_PAYER, give.clone()).await.assert_code("FORBIDDEN");
    for who in [&r_admin, &c_viewer] {
        app.gql(who.bearer(), CREATE_RESELLER_PAYER, give.clone()).await.assert_code("NOT_FOUND");
    }
    let created = app.gql(dist.admin.bearer(), CREATE_RESELLER_PAYER, give.clone()).await;
    let r_payer = id(&created, "createResellerPayer.id");
    assert_eq!(created.data("createResellerPayer.status"), "RESELLER");
    assert_eq!(created.data("createResellerPayer.upstreamBillingGroupId"), upstream.as_str());
    assert_eq!(created.data("createResellerPayer.accountId"), dist.payer_account_id.as_str());
    app.gql(dist.admin.bearer(), CREATE_RESELLER_PAYER, give).await.assert_code("CONFLICT");
    // It has no cost source of its own, so source-data health leaves it out (no false alarm).
    let health = app.gql(dist.viewer.bearer(), "query($t: ID!) { sourceDataHealth(tenantId: $t) { entries { payerName } } }", json!({ "t": dist.tenant_id })).await;
    let payers: Vec<&str> = health.data("sourceDataHealth.entries").as_array().unwrap().iter().filter_map(|e| e["payerName"].as_str()).collect();
    assert_eq!(payers, vec!["Dist Co payer"], "{}", health.body);
    // An end customer prices no tier below.
    let direct = app
        .gql(
            dist.operator.bearer(),
            CREATE_GROUP,
            json!({ "i": { "payerId": dist.payer_id, "name": "Direct", "primaryAccountId": OUTSIDE, "accountIds": [OUTSIDE], "pricingPlanId": id(&plan, "createPricingPlan.id"), "customerTenantId": direct_customer, "billingPeriod": period } }),
        )
        .await;
    let refused = app.gql(dist.admin.bearer(), CREATE_RESELLER_PAYER, json!({ "g": id(&direct, "createBillingGroup.id"), "n": "x" })).await;
    assert_eq!(refused.body["errors"][0]["extensions"]["field"], "billingGroupId", "{}", refused.body);
    // The reseller's payer has no AWS access.
    app.gql(r_admin.bearer(), "mutation($id: ID!) { checkPayerConnection(id: $id) { status } }", json!({ "id": r_payer })).await.assert_code("CONFLICT");

    // Tier 2, the reseller, on its own payer: EC2 + 20 %, everything else + 5 %, tax passed on,
    // and a 30 flat fee, for Cust Co (A1, A2); Two Co (A3) on a pass-through plan.
    let ec2 = app.gql(r_admin.bearer(), CREATE_RULE, json!({ "i": { "payerId": r_payer, "name": "ec2-plus-20", "scope": "SERVICE", "type": "MARKUP", "modifierPercentage": "20", "service": "AmazonEC2" } })).await;
    let rest = app.gql(r_admin.bearer(), CREATE_RULE, json!({ "i": { "payerId": r_payer, "name": "plus-5", "scope": "GLOBAL", "type": "MARKUP", "modifierPercentage": "5" } })).await;
    let r_plan = app.gql(r_admin.bearer(), CREATE_PLAN, json!({ "i": { "payerId": r_payer, "name": "customer-price", "pricingRuleIds": [id(&ec2, "createPricingRule.id"), id(&rest, "createPricingRule.id")], "passTax": true } })).await;
    let pass = app.gql(r_admin.bearer(), CREATE_PLAN, json!({ "i": { "payerId": r_payer, "name": "pass-through", "passTax": true } })).await;
    let group = |name: &str, accounts: Vec<&str>, plan: &e2e::Gql, customer: &str| {
        json!({ "i": { "payerId": r_payer, "name": name, "primaryAccountId": accounts[0], "accountIds": accounts, "pricingPlanId": id(plan, "createPricingPlan.id"), "customerTenantId": customer, "billingPeriod": period } })
    };
    let outside = app.gql(r_admin.bearer(), CREATE_GROUP, group("Nope", vec![A1, OUTSIDE], &r_plan, &end_customer)).await;
    assert_eq!(outside.body["errors"][0]["extensions"]["field"], "accountIds", "an account the distributor does not bill to the reseller: {}", outside.body);
    let cust = app.gql(r_admin.bearer(), CREATE_GROUP, group("Cust-Co", vec![A1, A2], &r_plan, &end_customer)).await;
    let cust = id(&cust, "createBillingGroup.id");
    app.gql(r_admin.bearer(), CREATE_GROUP, group("Two-Co", vec![A3], &pass, &second_customer)).await.data("createBillingGroup.id");
    app.gql(r_admin.bearer(), CREATE_ITEM, json!({ "i": { "billingGroupId": cust, "name": "Managed-service", "chargeType": "FEE", "flatAmount": "30", "billingPeriodStart": period } }))
        .await
        .data("createCustomLineItem.id");

    // By hand, the reseller's cost of each row is the distributor's price; its charge:
    //   Cust-Co  A1 EC2 121.00 × 1.2 = 145.20   A1 S3 60.50 × 1.05 = 63.525
    //            A2 EC2 242.00 × 1.2 = 290.40   A2 tax 20.00 as charged
    //            rows 519.125 + fee 30 = 549.125; cost 121 + 60.50 + 242 + 20 = 443.50; margin 105.625
    //   Two-Co   A3 RDS 48.40 passed through: cost 48.40, charge 48.40, margin 0
    //   The reseller's cost is the distributor's whole charge, 516.90; its charge 549.125 + 48.40
    //   = 597.525; margin 80.625. Unbilled: the distributor's fee, 516.90 − 443.50 − 48.40 = 25.
    let reports = app.gql(r_viewer.bearer(), REPORTS, json!({ "p": r_payer, "m": period })).await;
    let by_name: Vec<(String, Decimal, Decimal, Decimal)> = reports
        .data("billingGroupCostReports")
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["billingGroupName"].as_str().unwrap().to_owned(), dec(&r["awsCost"]), dec(&r["proformaCost"]), dec(&r["margin"])))
        .collect();
    assert_eq!(by_name, vec![("Cust-Co".into(), d("443.5"), d("549.125"), d("105.625")), ("Two-Co".into(), d("48.4"), d("48.4"), d("0"))]);
    let margin = app.gql(r_viewer.bearer(), MARGIN, json!({ "p": r_payer, "m": period })).await;
    let m = margin.data("resellerMargin");
    assert_eq!(
        (m["currency"].as_str(), dec(&m["cost"]), dec(&m["charge"]), dec(&m["margin"]), dec(&m["unbilledCost"])),
        (Some("USD"), d("516.9"), d("597.525"), d("80.625"), d("25")),
        "{}",
        margin.body
    );
    // The tiers reconcile: the distributor's charge to the reseller is the reseller's cost.
    let dist_reports = app.gql(dist.viewer.bearer(), REPORTS, json!({ "p": dist.payer_id, "m": period })).await;
    let dist_charge = dist_reports.data("billingGroupCostReports").as_array().unwrap().iter().find(|r| r["billingGroupName"] == "Resell-Co").map(|r| dec(&r["proformaCost"]));
    assert_eq!(dist_charge, Some(dec(&m["cost"])));
    // The distributor sees its tier below (its subtree); a payer of its own has no reseller margin.
    assert_eq!(dec(app.gql(dist.viewer.bearer(), MARGIN, json!({ "p": r_payer, "m": period })).await.data("resellerMargin.margin")), d("80.625"));
    let own = app.gql(dist.viewer.bearer(), MARGIN, json!({ "p": dist.payer_id, "m": period })).await;
    assert_eq!(own.body["errors"][0]["extensions"]["field"], "payerId", "{}", own.body);

    // The reseller never sees the AWS cost above it: the distributor's payer and group are out of
    // sight; what it is charged reaches it as its charges.
    app.gql(r_viewer.bearer(), REPORTS, json!({ "p": dist.payer_id, "m": period })).await.assert_code("NOT_FOUND");
    app.gql(r_viewer.bearer(), "query($g: ID!, $m: String!) { billingGroupCostReport(billingGroupId: $g, from: $m, to: $m) { awsCost } }", json!({ "g": upstream, "m": period }))
        .await
        .assert_code("NOT_FOUND");
    app.gql(r_viewer.bearer(), "query($p: ID!) { payer(id: $p) { id } }", json!({ "p": dist.payer_id })).await.assert_code("NOT_FOUND");
    let month = json!({ "p": dist.payer_id, "m": period, "a": A1, "from": format!("{period}-01"), "to": last_day(&period) });
    for who in [&r_viewer, &r_admin, &c_viewer] {
        for query in [
            "query($p: ID!, $from: NaiveDate!, $to: NaiveDate!) { costSummary(input: { payerIds: [$p], from: $from, to: $to }) { total } }",
            "query($p: ID!, $m: String!) { monthOverMonth(input: { payerIds: [$p], month: $m }) { month } }",
            "query($p: ID!, $m: String!) { costForecast(payerIds: [$p], month: $m) { projected } }",
            "query($p: ID!, $a: String!, $m: String!) { accountMonthlyBill(payerId: $p, accountId: $a, month: $m) { total } }",
            "query($p: ID!, $m: String!) { focusExport(payerId: $p, billingPeriod: $m, format: CSV) { fileName } }",
            "query($p: ID!, $m: String!) { billingPeriod(payerId: $p, billingPeriod: $m) { status } }",
        ] {
            let res = app.gql(who.bearer(), query, month.clone()).await;
            // NOT_FOUND, or (where the reseller is the distributor's customer) FORBIDDEN for any
            // figure but its own price.
            assert!(matches!(res.code(), Some("NOT_FOUND" | "FORBIDDEN")) && !res.body.to_string().contains("410"), "the distributor's AWS cost is out of sight of {}: {query} → {}", who.email, res.body);
        }
    }
    let charged = app.gql(r_viewer.bearer(), MY_CHARGES, json!({ "m": period })).await;
    let totals: Vec<(String, Decimal)> = charged.data("myCharges").as_array().unwrap().iter().map(|c| (c["billingGroupName"].as_str().unwrap().to_owned(), dec(&c["total"]))).collect();
    assert!(totals.contains(&("Resell-Co".to_owned(), d("516.9"))), "{totals:?}");
    assert!(!charged.body.to_string().contains("410"), "no AWS cost in the reseller's charges: {}", charged.body);

    // The end customer sees its price only: no tier's cost, no margin, no payer.
    let mine = app.gql(c_viewer.bearer(), MY_CHARGES, json!({ "m": period })).await;
    let mine = mine.data("myCharges").as_array().unwrap().clone();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!((mine[0]["billingGroupName"].as_str(), dec(&mine[0]["total"])), (Some("Cust-Co"), d("549.125")));
    app.gql(c_viewer.bearer(), MARGIN, json!({ "p": r_payer, "m": period })).await.assert_code("NOT_FOUND");
    app.gql(c_viewer.bearer(), REPORTS, json!({ "p": r_payer, "m": period })).await.assert_code("NOT_FOUND");
    let pro_forma = app
        .gql(
            c_viewer.bearer(),
            "query($p: ID!, $from: NaiveDate!, $to: NaiveDate!) { costSummary(input: { payerIds: [$p], from: $from, to: $to, granularity: MONTH, metric: PRO_FORMA }) { total } }",
            json!({ "p": r_payer, "from": format!("{period}-01"), "to": last_day(&period) }),
        )
        .await;
    assert_eq!(dec(pro_forma.data("costSummary.total")), d("549.125"), "the customer's cost view prices through both tiers: {}", pro_forma.body);

    // A change of the distributor's price moves the reseller's cost and charge of an open month,
    // and the reseller's stored results follow it.
    let stored = app.gql(r_admin.bearer(), "mutation($p: ID!, $m: String!) { recomputeBilling(payerId: $p, billingPeriod: $m) { proformaCost } }", json!({ "p": r_payer, "m": period })).await;
    assert_eq!(stored.data("recomputeBilling").as_array().map(Vec::len), Some(2), "{}", stored.body);
    let cheaper = app.gql(dist.operator.bearer(), "mutation($id: ID!, $m: String!) { updatePricingRule(id: $id, input: { modifierPercentage: \"0\", effectiveFrom: $m }) { id } }", json!({ "id": id(&rule, "createPricingRule.id"), "m": period })).await;
    cheaper.data("updatePricingRule.id");
    // Repriced at list: Cust-Co A1 EC2 110 × 1.2 = 132, S3 55 × 1.05 = 57.75, A2 EC2 220 × 1.2 = 264,
    // tax 20, fee 30 = 503.75.
    let after = app.gql(r_viewer.bearer(), MARGIN, json!({ "p": r_payer, "m": period })).await;
    let groups = after.data("resellerMargin.groups").as_array().unwrap();
    assert_eq!(groups.iter().find(|g| g["name"] == "Cust-Co").map(|g| dec(&g["charge"])), Some(d("503.75")), "{}", after.body);
    // The distributor: rows 110 + 55 + 220 + 20 + 44 = 449, fee 25: 474; the reseller's cost follows.
    assert_eq!(dec(after.data("resellerMargin.cost")), d("474"));
    let results = app.gql(r_viewer.bearer(), RESULTS, json!({ "g": cust, "m": period })).await;
    let by_reason: Vec<(String, Decimal)> = results.data("billingResults").as_array().unwrap().iter().map(|r| (r["reason"].as_str().unwrap().to_owned(), dec(&r["proformaCost"]))).collect();
    assert!(by_reason.contains(&("pricing.changed".to_owned(), d("503.75"))), "the distributor's change recomputed the reseller's stored result: {by_reason:?}");

    // Closing: the reseller's month closes after its distributor's, and then the distributor's
    // cannot reopen under it.
    let early = app.gql(r_admin.bearer(), CLOSE, json!({ "p": r_payer, "m": period })).await;
    assert_eq!(early.body["errors"][0]["extensions"]["field"], "billingPeriod", "{}", early.body);
    app.gql(dist.admin.bearer(), CLOSE, json!({ "p": dist.payer_id, "m": period })).await.data("closeBillingPeriod.status");
    assert_eq!(app.gql(r_admin.bearer(), CLOSE, json!({ "p": r_payer, "m": period })).await.data("closeBillingPeriod.status"), "CLOSED");
    app.gql(dist.admin.bearer(), REOPEN, json!({ "p": dist.payer_id, "m": period })).await.assert_code("CONFLICT");

    // The reseller invoices its customer from its own payer, as the issuer. Lines per account and
    // service, each rounded to the cent (halves away from zero), at the rule change's prices:
    //   A1 EC2 132.00, A1 S3 57.75, A2 EC2 264.00 + tax 20.00 = 284.00, fee 30.00: 503.75.
    let contract = json!({ "i": {
        "customerTenantId": end_customer, "name": "cust deal", "startDate": "2020-01-01", "renewal": "AUTO", "payerIds": [r_payer],
        "billingEmail": "billing@cust.example", "contractChangeEmail": "contracts@cust.example", "invoicePrefix": "RESELL", "currency": "USD",
    } });
    app.gql(r_admin.bearer(), "mutation($i: CreateContractInput!) { createContract(input: $i) { id } }", contract).await.data("createContract.id");
    let drafted = app.gql(r_admin.bearer(), "mutation($p: ID!, $m: String!) { draftInvoices(payerId: $p, billingPeriod: $m) { skipped drafted { id total issuer { name } customer { name } } } }", json!({ "p": r_payer, "m": period })).await;
    let invoice = drafted.data("draftInvoices.drafted.0").clone();
    assert_eq!((invoice["issuer"]["name"].as_str(), invoice["customer"]["name"].as_str(), dec(&invoice["total"])), (Some("Resell Co"), Some("Cust Co"), d("503.75")), "{}", drafted.body);
    assert!(drafted.data("draftInvoices.skipped").to_string().contains("Two Co"), "no contract with Two Co: {}", drafted.body);
    // Closed numbers stay put: the distributor's price cannot change for the month any more, and a
    // change from this month on leaves it alone.
    let late = app.gql(dist.operator.bearer(), "mutation($id: ID!, $m: String!) { updatePricingRule(id: $id, input: { modifierPercentage: \"50\", effectiveFrom: $m }) { id } }", json!({ "id": id(&rule, "createPricingRule.id"), "m": period })).await;
    assert_eq!(late.body["errors"][0]["extensions"]["field"], "effectiveFrom", "{}", late.body);
    app.gql(dist.operator.bearer(), "mutation($id: ID!) { updatePricingRule(id: $id, input: { modifierPercentage: \"50\" }) { id } }", json!({ "id": id(&rule, "createPricingRule.id") }))
        .await
        .data("updatePricingRule.id");
    let frozen = app.gql(r_viewer.bearer(), MARGIN, json!({ "p": r_payer, "m": period })).await;
    assert_eq!((dec(frozen.data("resellerMargin.cost")), dec(frozen.data("resellerMargin.charge"))), (d("474"), d("503.75") + d("44")), "{}", frozen.body);
}

on_both_databases!(two_tiers_reconcile_to_the_cent_and_each_sees_its_own);
