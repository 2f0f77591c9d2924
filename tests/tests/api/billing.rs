//! Billing: groups, plans, rules and custom line items over GraphQL, the pro-forma engine on a
//! hand-computed fixture (the expected numbers are written here, not computed by the engine),
//! validation, stored recomputations, the end-customer view and events.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate, Utc};
use e2e::story;
use e2e::{DbKind, Partner, Session, TestApp, on_both_databases};
use partner_billing::money::to_units;
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

pub(crate) const A1: &str = "100000000001";
pub(crate) const A2: &str = "200000000002";
pub(crate) const A3: &str = "300000000003";
/// Not in the group: its cost must not count.
pub(crate) const A4: &str = "400000000004";

pub(crate) fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub(crate) fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}")).parse().unwrap()
}

/// The billing period before the current one, `YYYY-MM`.
pub(crate) fn last_month() -> String {
    let first = Utc::now().date_naive().with_day(1).unwrap();
    first.checked_sub_months(Months::new(1)).unwrap().format("%Y-%m").to_string()
}

/// One day-grain row.
pub(crate) struct Row<'a> {
    pub(crate) source: &'a str,
    pub(crate) day: u32,
    pub(crate) account: &'a str,
    pub(crate) service: &'a str,
    pub(crate) usage_type: &'a str,
    pub(crate) operation: &'a str,
    pub(crate) charge: &'a str,
    pub(crate) list: &'a str,
    pub(crate) unblended: &'a str,
    pub(crate) net: &'a str,
}

pub(crate) async fn insert(app: &TestApp, payer: &str, period: &str, r: Row<'_>) {
    let units = |s: &str| to_units(d(s)).unwrap();
    let date = NaiveDate::parse_from_str(&format!("{period}-{:02}", r.day), "%Y-%m-%d").unwrap();
    entity::cost_daily::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        payer_id: Set(payer.parse().unwrap()),
        source: Set(r.source.into()),
        billing_period: Set(period.to_owned()),
        usage_date: Set(date),
        usage_account_id: Set(r.account.to_owned()),
        service_code: Set(r.service.to_owned()),
        service_name: Set(format!("{} (name)", r.service)),
        usage_type: Set(r.usage_type.to_owned()),
        operation: Set(r.operation.to_owned()),
        region: Set("us-east-1".into()),
        charge_type: Set(r.charge.to_owned()),
        billing_entity: Set("AWS".into()),
        pricing_unit: Set("Hrs".into()),
        currency: Set("USD".into()),
        unblended_cost: Set(units(r.unblended)),
        net_unblended_cost: Set(units(r.net)),
        amortized_cost: Set(units(r.unblended)),
        list_cost: Set(units(r.list)),
        usage_quantity: Set("1".into()),
        line_item_description: Set(String::new()),
        line_count: Set(1),
        ingestion_id: Set(uuid::Uuid::now_v7()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    // As every writer of the day grain does: the month rollups (billing prices from them).
    let payer = partner_billing::ids::PayerId(payer.parse().unwrap());
    partner_billing::ingest::rollup::refresh(&app.db, payer, r.source, &[period.to_owned()]).await.unwrap();
}

/// The month's cost data: 3 member accounts, 4 services, a Tax and a Credit line, plus rows that
/// must not count (a non-member account, and a FOCUS copy that loses to CUR).
pub(crate) async fn cost_fixture(app: &TestApp, payer: &str, period: &str) {
    let cur = |day, account, service, usage_type, operation, charge, list, unblended, net| Row { source: "cur", day, account, service, usage_type, operation, charge, list, unblended, net };
    for row in [
        // EC2 on A1 over two days: list 120 + 80, net 102.60 + 68.40.
        cur(3, A1, "AmazonEC2", "BoxUsage:m5.large", "RunInstances", "Usage", "120.00", "108.00", "102.60"),
        cur(4, A1, "AmazonEC2", "BoxUsage:m5.large", "RunInstances", "Usage", "80.00", "72.00", "68.40"),
        cur(5, A2, "AmazonEC2", "BoxUsage:t3.micro", "RunInstances", "Usage", "50.00", "45.00", "42.75"),
        cur(6, A1, "AmazonS3", "TimedStorage-ByteHrs", "StandardStorage", "Usage", "30.00", "30.00", "28.50"),
        cur(7, A2, "AmazonS3", "Requests-Tier1", "PutObject", "Usage", "10.00", "10.00", "9.50"),
        cur(8, A3, "AmazonRDS", "InstanceUsage:db.t3.small", "CreateDBInstance", "Usage", "120.00", "100.00", "95.00"),
        cur(9, A3, "AWSLambda", "Request", "Invoke", "Usage", "8.00", "7.60", "7.22"),
        cur(28, A1, "AmazonEC2", "", "", "Tax", "0", "12.34", "12.34"),
        cur(28, A2, "AmazonRDS", "", "", "Credit", "0", "-25.00", "-25.00"),
        cur(10, A4, "AmazonEC2", "BoxUsage:m5.large", "RunInstances", "Usage", "999.00", "999.00", "999.00"),
    ] {
        insert(app, payer, period, row).await;
    }
    let focus = Row { source: "focus", day: 3, account: A1, service: "AmazonEC2", usage_type: "BoxUsage:m5.large", operation: "RunInstances", charge: "Usage", list: "5000", unblended: "5000", net: "5000" };
    insert(app, payer, period, focus).await;
}

/// Creates a pricing rule as `who`; its id.
pub(crate) async fn rule(app: &TestApp, who: &Session, input: Value) -> String {
    app.as_user(who).create_pricing_rule(input).await
}

/// The fixture's plan: GLOBAL 5 % discount, SERVICE 10 % markup on EC2, SKU 20 % discount on S3 standard storage.
pub(crate) async fn plan(app: &TestApp, p: &Partner, who: &Session) -> String {
    let global = rule(app, who, json!({ "payerId": p.payer_id, "name": "global-5", "scope": "GLOBAL", "type": "DISCOUNT", "modifierPercentage": "5" })).await;
    let ec2 = rule(app, who, json!({ "payerId": p.payer_id, "name": "ec2-plus-10", "scope": "SERVICE", "type": "MARKUP", "modifierPercentage": "10", "service": "AmazonEC2" })).await;
    let sku = rule(
        app,
        who,
        json!({ "payerId": p.payer_id, "name": "s3-storage-20", "scope": "SKU", "type": "DISCOUNT", "modifierPercentage": "20", "service": "AmazonS3", "usageType": "TimedStorage-ByteHrs", "operation": "StandardStorage" }),
    )
    .await;
    let created = app.as_user(who).try_create_pricing_plan(json!({ "payerId": p.payer_id, "name": "standard", "pricingRuleIds": [global, ec2, sku] })).await.take("createPricingPlan");
    assert_eq!(created["base"], "LIST", "LIST is the default base");
    assert_eq!(created["pricingRules"].as_array().unwrap().len(), 3);
    created["id"].as_str().unwrap().to_owned()
}

async fn hand_computed_fixture_recomputation_and_customer_view(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Bill Co").await;
    let period = last_month();
    let admin = app.as_user(&p.admin);
    let customer = admin.create_tenant(&p.tenant_id, "CUSTOMER", "Acme").await;
    let customer_viewer = admin.create_user("viewer@acme.example", "VIEWER", ("tenantId", &customer)).await;
    let plan_id = plan(&app, &p, &p.operator).await;
    let (operator, viewer) = (app.as_user(&p.operator), app.as_user(&p.viewer));
    let group = operator
        .try_create_billing_group(json!({ "payerId": p.payer_id, "name": "Acme-Prod", "description": "Acme production", "primaryAccountId": A1, "accountIds": [A3, A1, A2], "pricingPlanId": plan_id, "customerTenantId": customer, "billingPeriod": period }))
        .await
        .take("createBillingGroup");
    assert_eq!(group["accountIds"], json!([A1, A2, A3]));
    let group_id = group["id"].as_str().unwrap().to_owned();
    // A one-off flat fee (cents kept) and a recurring 10 % credit on the pro-forma charge.
    let fee = operator
        .try_create_custom_line_item(json!({ "billingGroupId": group_id, "name": "Support-fee", "chargeType": "FEE", "flatAmount": "150.34", "billingPeriodStart": period, "billingPeriodEnd": e2e_next(&period) }))
        .await;
    assert_eq!(dec(fee.data("createCustomLineItem.flatAmount")), d("150.34"));
    let credit = operator.try_create_custom_line_item(json!({ "billingGroupId": group_id, "name": "Loyalty-credit", "chargeType": "CREDIT", "percentage": "10", "billingPeriodStart": period })).await;
    assert!(credit.data("createCustomLineItem.billingPeriodEnd").is_null());
    cost_fixture(&app, &p.payer_id, &period).await;

    // By hand. Priced from LIST:
    //   EC2  A1 200 × 1.10 = 220.00;  A2 50 × 1.10 = 55.00           (SERVICE markup)
    //   S3   A1  30 × 0.80 =  24.00                                   (SKU discount)
    //        A2  10 × 0.95 =   9.50                                   (GLOBAL discount)
    //   RDS  A3 120 × 0.95 = 114.00;  Lambda A3 8 × 0.95 = 7.60       (GLOBAL discount)
    //   Tax 12.34 and Credit −25 are not passed through by default.
    //   Rows: 430.10. Fee +150.34. Credit −10 % of 430.10 = −43.01. Pro-forma 537.43.
    // AWS cost (net unblended, Tax and Credit included): 171 + 42.75 + 28.50 + 9.50 + 95 + 7.22
    //   + 12.34 − 25 = 341.31. Margin 196.12 = 36.49 % of 537.43.
    let r = viewer.billing_group_cost_reports(&p.payer_id, &period).await[0].clone();
    assert_eq!(r["billingGroupName"], "Acme-Prod");
    assert_eq!((r["source"].as_str(), r["currency"].as_str()), (Some("cur"), Some("USD")));
    assert_eq!(dec(&r["awsCost"]), d("341.31"));
    assert_eq!(dec(&r["proformaCost"]), d("537.43"));
    assert_eq!(dec(&r["margin"]), d("196.12"));
    assert_eq!(dec(&r["marginPercentage"]), d("36.49"));
    assert!(r["abcProformaCost"].is_null() && r["abcDifference"].is_null(), "no Billing Conductor report: {r}");

    let services = viewer.billing_group_cost_report_by(&group_id, &period, &period, "SERVICE").await;
    let lines = services["lines"].as_array().unwrap().clone();
    let line = |key: &str| lines.iter().find(|l| l["key"] == key).unwrap_or_else(|| panic!("no line {key}: {lines:?}")).clone();
    for (key, aws, proforma) in [
        ("AmazonEC2", "226.09", "275"),
        ("AmazonS3", "38", "33.5"),
        ("AmazonRDS", "70", "114"),
        ("AWSLambda", "7.22", "7.6"),
        ("Support-fee", "0", "150.34"),
        ("Loyalty-credit", "0", "-43.01"),
    ] {
        let l = line(key);
        assert_eq!((dec(&l["awsCost"]), dec(&l["proformaCost"])), (d(aws), d(proforma)), "{key}");
    }
    assert_eq!(line("Support-fee")["customLineItem"], true);
    assert_eq!(lines.len(), 6);
    let accounts = viewer.billing_group_cost_report_by(&group_id, &period, &period, "ACCOUNT").await;
    let lines = accounts["lines"].as_array().unwrap().clone();
    // Custom line items without a linked account are booked on the primary account (A1).
    let got: Vec<(String, Decimal, Decimal)> = lines.iter().map(|l| (l["key"].as_str().unwrap().to_owned(), dec(&l["awsCost"]), dec(&l["proformaCost"]))).collect();
    assert_eq!(got, vec![(A1.to_owned(), d("211.84"), d("351.33")), (A2.to_owned(), d("27.25"), d("64.5")), (A3.to_owned(), d("102.22"), d("121.6"))]);
    let periods = viewer.billing_group_cost_report_by(&group_id, &period, &period, "PERIOD").await;
    assert_eq!(periods["lines"][0]["key"], period.as_str());
    assert_eq!(dec(&periods["margin"]), d("196.12"));

    // Store last month's result, then edit billing: tax now passes through. Last month is
    // recomputed in the same change; the earlier result stays readable.
    let stored = operator.recompute_billing(&p.payer_id, &period).await;
    assert_eq!(dec(&stored[0]["proformaCost"]), d("537.43"));
    let pricing_events = app.outbox("pricing.changed").await.len();
    // By default a change takes effect from the current period: last month keeps its plan.
    operator.update_pricing_plan(&plan_id, json!({ "passTax": true })).await;
    assert_eq!(app.outbox("pricing.changed").await.len(), pricing_events + 1);
    assert_eq!(viewer.billing_results(&group_id, &period).await.as_array().unwrap().len(), 1, "last month was not repriced");
    assert_eq!(dec(&viewer.billing_group_cost_reports(&p.payer_id, &period).await[0]["proformaCost"]), d("537.43"));
    // Made effective from last month, it reprices last month.
    operator.update_pricing_plan(&plan_id, json!({ "passTax": true, "effectiveFrom": period })).await;
    let results = viewer.billing_results(&group_id, &period).await.as_array().unwrap().clone();
    assert_eq!(results.len(), 2, "{results:?}");
    // Now: rows 430.10 + tax 12.34 = 442.44; credit −44.244; fee 150.34 → 548.536.
    assert_eq!((results[0]["reason"].as_str(), dec(&results[0]["proformaCost"])), (Some("pricing.changed"), d("548.536")));
    assert_eq!((dec(&results[0]["margin"]), dec(&results[0]["marginPercentage"])), (d("207.226"), d("37.78")));
    assert_eq!(results[0]["computedBy"], p.operator.email.as_str());
    assert_eq!((results[1]["reason"].as_str(), dec(&results[1]["proformaCost"])), (Some("recomputeBilling"), d("537.43")));
    assert_eq!(dec(&results[1]["awsCost"]), d("341.31"));
    let old_credit = results[1]["customLineItems"].as_array().unwrap().iter().find(|l| l["key"] == "Loyalty-credit").unwrap().clone();
    assert_eq!(dec(&old_credit["proformaCost"]), d("-43.01"));
    // A change that does not move the numbers stores nothing new.
    operator.update_pricing_plan(&plan_id, json!({ "description": "same numbers" })).await;
    assert_eq!(viewer.billing_results(&group_id, &period).await.as_array().unwrap().len(), 2);

    // A second customer's group: the first customer never sees it.
    let other = admin.create_tenant(&p.tenant_id, "CUSTOMER", "Globex").await;
    let other_viewer = admin.create_user("viewer@globex.example", "VIEWER", ("tenantId", &other)).await;
    operator
        .create_billing_group(json!({ "payerId": p.payer_id, "name": "Globex", "primaryAccountId": A4, "accountIds": [A4], "pricingPlanId": plan_id, "customerTenantId": other, "billingPeriod": period }))
        .await;
    let customer = app.as_user(&customer_viewer);
    let mine = customer.my_charges(&period).await;
    let charges = mine.as_array().unwrap().clone();
    assert_eq!(charges.len(), 1, "{charges:?}");
    assert_eq!(charges[0]["billingGroupName"], "Acme-Prod");
    assert_eq!(dec(&charges[0]["total"]), d("548.536"));
    let amount = |name: &str| dec(&charges[0]["lines"].as_array().unwrap().iter().find(|l| l["name"] == name).unwrap()["amount"]);
    assert_eq!((amount("AmazonEC2"), amount("AmazonS3"), amount("Support-fee")), (d("287.34"), d("33.5"), d("150.34")));
    // No AWS cost or margin anywhere for the customer: not in the answer, not in the type, not
    // through the partner's queries.
    let text = mine.to_string();
    for secret in ["341.31", "226.09", "207.226", "awsCost", "margin"] {
        assert!(!text.contains(secret), "{secret} leaked to the customer: {text}");
    }
    // (A selection the type does not have, sent as is.)
    customer.run("query($m: String!) { myCharges(billingPeriod: $m) { awsCost } }", json!({ "m": period })).await.assert_code("VALIDATION");
    let refused = [
        ("billingGroupCostReports", customer.try_billing_group_cost_reports(&p.payer_id, &period).await),
        ("billingGroupCostReport", customer.try_billing_group_cost_report_by(&group_id, &period, &period, "SERVICE").await),
        ("billingResults", customer.try_billing_results(&group_id, &period).await),
        ("billingGroups", customer.try_billing_groups(&p.payer_id, None).await),
        ("pricingRules", customer.try_pricing_rules(&p.payer_id).await),
    ];
    for (what, res) in refused {
        res.assert_not_found(what);
    }
    let globex = app.as_user(&other_viewer).my_charges(&period).await;
    assert_eq!(globex[0]["billingGroupName"], "Globex");
    // A4's 999 list × 1.10 markup.
    assert_eq!(dec(&globex[0]["total"]), d("1098.9"));
    assert_eq!(globex.as_array().unwrap().len(), 1);

    // The Billing page reads every group's pricing inputs at once: the same inputs as each
    // group's own (a group with plan versions and items, one without either), in every period.
    let payer = uuid::Uuid::parse_str(&p.payer_id).unwrap();
    let platform = partner_billing::tenancy::unscoped::UnscopedPlatformAccess::new(app.db.clone());
    let handle = platform.payer(partner_billing::ids::PayerId(payer)).await.unwrap();
    let groups = partner_billing::domain::billing::groups::of_payer(&handle).await.unwrap();
    assert_eq!(groups.len(), 2);
    for month in [period.clone(), e2e_next(&period), "2020-01".to_owned()] {
        let batched = partner_billing::domain::billing::results::pricing_inputs_of_groups(&handle, &groups, &month).await.unwrap();
        for (group, inputs) in groups.iter().zip(&batched) {
            let own = partner_billing::domain::billing::results::pricing_inputs_of(&handle, group, &month).await.unwrap();
            assert_eq!(serde_json::to_value(inputs).unwrap(), serde_json::to_value(&own).unwrap(), "{} in {month}", group.group.name);
        }
    }
    // So its open month's totals come from the stored prices, which it does not write again.
    let open = e2e_next(&period);
    viewer.billing_group_cost_reports(&p.payer_id, &open).await;
    let stored = || async { entity::priced_periods::Entity::find().all(&app.db).await.unwrap().into_iter().map(|r| (r.billing_group_id, r.billing_period, r.computed_at)).collect::<Vec<_>>() };
    let before = stored().await;
    assert!(before.iter().any(|(_, m, _)| *m == open), "the open month was priced and stored: {before:?}");
    viewer.billing_group_cost_reports(&p.payer_id, &open).await;
    assert_eq!(stored().await, before, "a second visit reads the stored prices");
}

pub(crate) fn e2e_next(period: &str) -> String {
    let first = NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").unwrap();
    first.checked_add_months(Months::new(1)).unwrap().format("%Y-%m").to_string()
}

/// Rows of every billing table, for "nothing changed".
async fn billing_counts(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for t in ["billing_groups", "billing_group_accounts", "pricing_plans", "pricing_rules", "pricing_plan_rules", "custom_line_items", "billing_results", "outbox_events"] {
        out.push(app.count(t).await);
    }
    out
}

#[track_caller]
fn invalid(res: &e2e::Gql, field: &str, what: &str) {
    assert_eq!(res.code(), Some("VALIDATION"), "{what}: {}", res.body);
    assert_eq!(res.body["errors"][0]["extensions"]["field"], field, "{what}: {}", res.body);
}

async fn bad_input_is_refused_naming_the_field(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Check Co").await;
    let who = &p.operator;
    let plan_id = plan(&app, &p, who).await;
    let operator = app.as_user(who);
    let period = last_month();
    let group = |over: Value| {
        let mut i = json!({ "payerId": p.payer_id, "name": "grp", "primaryAccountId": A1, "accountIds": [A1, A2], "pricingPlanId": plan_id, "billingPeriod": period });
        i.as_object_mut().unwrap().extend(over.as_object().unwrap().clone());
        i
    };
    let group_id = operator.create_billing_group(group(json!({}))).await;
    let item = |over: Value| {
        let mut i = json!({ "billingGroupId": group_id, "name": "item", "chargeType": "FEE", "billingPeriodStart": period });
        i.as_object_mut().unwrap().extend(over.as_object().unwrap().clone());
        i
    };
    let before = billing_counts(&app).await;

    let many: Vec<String> = (0..1001).map(|i| format!("{:012}", 500_000_000_000_u64 + i)).collect();
    for (over, field, what) in [
        (json!({ "name": "has space" }), "name", "name pattern"),
        (json!({ "name": "x".repeat(129) }), "name", "name too long"),
        (json!({ "name": "ok", "description": "d".repeat(1025) }), "description", "description too long"),
        (json!({ "name": "ok", "primaryAccountId": A3 }), "primaryAccountId", "primary not a member"),
        (json!({ "name": "ok", "accountIds": [A2, A3], "primaryAccountId": A3 }), "accountIds", "A2 already grouped for the period"),
        (json!({ "name": "ok", "accountIds": many, "primaryAccountId": many[0] }), "accountIds", "more than 1000 accounts"),
        (json!({ "name": "ok", "accountIds": ["12345"], "primaryAccountId": "12345" }), "accountIds", "not an account id"),
    ] {
        invalid(&operator.try_create_billing_group(group(over)).await, field, what);
    }
    assert_eq!(billing_counts(&app).await, before, "nothing changed");
    // Moving A2 out and A3 in from next month is fine; A2 is then free from next month on only.
    let next = e2e_next(&period);
    let moved = operator.update_billing_group(&group_id, json!({ "accountIds": [A1, A3], "billingPeriod": next })).await;
    assert_eq!(moved["accountIds"], json!([A1, A3]));
    let a2 = moved["memberships"].as_array().unwrap().iter().find(|m| m["accountId"] == A2).unwrap().clone();
    assert_eq!((a2["billingPeriodStart"].as_str(), a2["billingPeriodEnd"].as_str()), (Some(period.as_str()), Some(next.as_str())));
    let back_in_time = operator.try_create_billing_group(group(json!({ "name": "other", "accountIds": [A2], "primaryAccountId": A2 }))).await;
    invalid(&back_in_time, "accountIds", "A2 is still grouped last month");
    operator.create_billing_group(group(json!({ "name": "other", "accountIds": [A2], "primaryAccountId": A2, "billingPeriod": next }))).await;
    assert_eq!(app.count("billing_groups").await, before[0] + 1, "only the valid group was created");

    // Rules and plans.
    let global2 = rule(&app, who, json!({ "payerId": p.payer_id, "name": "global-2", "scope": "GLOBAL", "type": "MARKUP", "modifierPercentage": "2" })).await;
    let before_rules = billing_counts(&app).await;
    let plans = operator.pricing_plans(&p.payer_id).await;
    let mut ids: Vec<Value> = plans[0]["pricingRules"].as_array().unwrap().iter().map(|r| r["id"].clone()).collect();
    ids.push(json!(global2));
    let two_globals = operator.try_create_pricing_plan(json!({ "payerId": p.payer_id, "name": "two-globals", "pricingRuleIds": ids })).await;
    invalid(&two_globals, "pricingRuleIds", "two GLOBAL rules");
    assert!(two_globals.message().contains("GLOBAL"), "{}", two_globals.message());
    let update_two = operator.try_update_pricing_plan(&plan_id, json!({ "pricingRuleIds": ids })).await;
    invalid(&update_two, "pricingRuleIds", "two GLOBAL rules on update");
    let too_many: Vec<String> = (0..501).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    invalid(&operator.try_create_pricing_plan(json!({ "payerId": p.payer_id, "name": "big", "pricingRuleIds": too_many })).await, "pricingRuleIds", "more than 500 rules");
    for (modifier, what) in [("-1", "negative modifier"), ("1.234", "three decimals")] {
        let res = operator.try_create_pricing_rule(json!({ "payerId": p.payer_id, "name": "bad", "scope": "GLOBAL", "type": "MARKUP", "modifierPercentage": modifier })).await;
        invalid(&res, "modifierPercentage", what);
    }
    invalid(&operator.try_create_pricing_rule(json!({ "payerId": p.payer_id, "name": "svc", "scope": "SERVICE", "type": "MARKUP", "modifierPercentage": "1" })).await, "service", "SERVICE rule without a service");
    assert_eq!(billing_counts(&app).await, before_rules);

    // Custom line items.
    let before = billing_counts(&app).await;
    for (over, field, what) in [
        (json!({ "flatAmount": "1", "percentage": "1" }), "percentage", "both flat and percentage"),
        (json!({}), "flatAmount", "neither"),
        (json!({ "percentage": "10000.01" }), "percentage", "percentage over 10,000"),
        (json!({ "flatAmount": "1000000.01" }), "flatAmount", "flat over 1,000,000"),
        (json!({ "flatAmount": "1.001" }), "flatAmount", "three decimals"),
        (json!({ "flatAmount": "1", "billingPeriodEnd": period }), "billingPeriodEnd", "end not after start"),
        (json!({ "flatAmount": "1", "billingPeriodStart": next, "billingPeriodEnd": period }), "billingPeriodEnd", "end before start"),
        (json!({ "flatAmount": "1", "linkedAccountId": A4 }), "linkedAccountId", "linked account not in the group"),
        (json!({ "name": "bad name!", "flatAmount": "1" }), "name", "item name pattern"),
    ] {
        invalid(&operator.try_create_custom_line_item(item(over)).await, field, what);
    }
    assert_eq!(billing_counts(&app).await, before, "nothing changed");
    // The limits themselves are fine, and 12.34 stays 12.34.
    let ok = operator.try_create_custom_line_item(item(json!({ "flatAmount": "12.34" }))).await;
    assert_eq!(ok.data("createCustomLineItem.flatAmount"), "12.34");
    let ok = operator.try_create_custom_line_item(item(json!({ "name": "max", "percentage": "10000" }))).await;
    assert_eq!(dec(ok.data("createCustomLineItem.percentage")), d("10000"));
}

/// Viewers read every billing object and change none; operators, admins and the payer's own admin
/// write, each change announced as an event; a plan in use cannot go before its group.
async fn viewers_read_billing_and_writers_change_it_with_events(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Role Co").await;
    let (viewer, operator) = (app.as_user(&p.viewer), app.as_user(&p.operator));
    let rule_input = |name: &str| json!({ "payerId": p.payer_id, "name": name, "scope": "GLOBAL", "type": "DISCOUNT", "modifierPercentage": "1" });
    // Viewers read and never write; operators, admins and the payer's own admin write.
    let before = billing_counts(&app).await;
    viewer.try_create_pricing_rule(rule_input("v")).await.assert_code("FORBIDDEN");
    assert_eq!(billing_counts(&app).await, before);
    for (who, name) in [(&p.operator, "op"), (&p.admin, "adm"), (&p.payer_admin, "padm")] {
        app.as_user(who).create_pricing_rule(rule_input(name)).await;
    }
    let rules = viewer.pricing_rules(&p.payer_id).await;
    let rule_id = rules[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(rules.as_array().unwrap().len(), 3);
    let events = app.outbox("pricing.changed").await;
    assert_eq!(events.len(), 3);
    assert_eq!((events[0]["action"].as_str(), events[0]["name"].as_str()), (Some("created"), Some("op")));

    let plan_id = operator.create_pricing_plan(json!({ "payerId": p.payer_id, "name": "p1", "base": "UNBLENDED", "pricingRuleIds": [rule_id] })).await;
    let group_id = operator.create_billing_group(json!({ "payerId": p.payer_id, "name": "g1", "primaryAccountId": A1, "accountIds": [A1], "pricingPlanId": plan_id })).await;
    let item_id = operator.create_custom_line_item(json!({ "billingGroupId": group_id, "name": "fee", "chargeType": "FEE", "flatAmount": "5" })).await;
    let group_events = app.outbox("billing_group.changed").await;
    assert_eq!(group_events.len(), 2);
    assert_eq!(group_events[0]["billingGroupId"], group_id.as_str());
    assert_eq!(group_events[1]["customLineItemId"], item_id.as_str());

    // Every write and read of billing, as data: (operation, variables).
    let period = last_month();
    let writes: Vec<(&str, Value)> = vec![
        (story::UPDATE_PRICING_RULE, json!({ "id": rule_id, "i": { "modifierPercentage": "2" } })),
        (story::UPDATE_PRICING_PLAN, json!({ "id": plan_id, "i": { "passCredits": true } })),
        (story::UPDATE_BILLING_GROUP, json!({ "id": group_id, "i": { "description": "x" } })),
        ("mutation($id: ID!) { updateCustomLineItem(id: $id, input: { flatAmount: \"6\" }) { id } }", json!({ "id": item_id })),
        (story::RECOMPUTE_BILLING, json!({ "p": p.payer_id, "m": period })),
        ("mutation($id: ID!) { deleteCustomLineItem(id: $id) { id } }", json!({ "id": item_id })),
        ("mutation($id: ID!) { deleteBillingGroup(id: $id) { id } }", json!({ "id": group_id })),
        ("mutation($id: ID!) { deletePricingPlan(id: $id) { id } }", json!({ "id": plan_id })),
        ("mutation($id: ID!) { deletePricingRule(id: $id) { id } }", json!({ "id": rule_id })),
    ];
    let reads: Vec<(&str, Value)> = vec![
        (story::BILLING_GROUPS, json!({ "p": p.payer_id })),
        ("query($id: ID!) { billingGroup(id: $id) { id } }", json!({ "id": group_id })),
        (story::PRICING_PLANS, json!({ "p": p.payer_id })),
        ("query($p: ID!) { customLineItems(payerId: $p) { id } }", json!({ "p": p.payer_id })),
        (story::BILLING_GROUP_COST_REPORTS, json!({ "p": p.payer_id, "m": period })),
        (story::BILLING_GROUP_COST_REPORT, json!({ "g": group_id, "from": period, "to": period, "by": "PERIOD" })),
        (story::BILLING_RESULTS, json!({ "g": group_id, "m": period })),
    ];
    for (query, vars) in &reads {
        let res = viewer.run(query, vars.clone()).await;
        assert!(res.body.get("errors").is_none(), "viewer reads {query}: {}", res.body);
    }
    let before = billing_counts(&app).await;
    for (query, vars) in &writes {
        viewer.run(query, vars.clone()).await.assert_code("FORBIDDEN");
    }
    assert_eq!(billing_counts(&app).await, before, "viewers changed nothing");
    // In use: the plan cannot go before its group.
    operator.run(writes[7].0, writes[7].1.clone()).await.assert_code("CONFLICT");
    for (query, vars) in &writes {
        let res = operator.run(query, vars.clone()).await;
        assert!(res.body.get("errors").is_none(), "operator runs {query}: {}", res.body);
    }
    assert_eq!(app.count("billing_groups").await + app.count("pricing_plans").await + app.count("custom_line_items").await, 0);
    let actions: Vec<String> = app.outbox("billing_group.changed").await.iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    assert_eq!(actions, ["created", "custom_line_item.created", "updated", "custom_line_item.updated", "custom_line_item.deleted", "deleted"]);
}

/// An end customer holding a role on a payer that hangs on their own tenant still gets no AWS
/// cost or pricing (only myCharges); the partner still manages it.
async fn an_end_customer_on_its_own_payer_gets_no_cost_or_pricing(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Role Co").await;
    let period = last_month();
    let admin = app.as_user(&p.admin);
    let customer = admin.create_tenant(&p.tenant_id, "CUSTOMER", "Own Payer Inc").await;
    let (own_payer, _) = app.insert_payer(&customer, "own payer").await;
    let customer_admin = admin.create_user("admin@own-payer.example", "ADMIN", ("tenantId", &customer)).await;
    let own = app.as_user(&customer_admin);
    own.try_pricing_rules(&own_payer).await.assert_code("FORBIDDEN");
    own.try_billing_group_cost_reports(&own_payer, &period).await.assert_code("FORBIDDEN");
    own.try_create_pricing_rule(json!({ "payerId": own_payer, "name": "x", "scope": "GLOBAL", "type": "MARKUP", "modifierPercentage": "1" })).await.assert_code("FORBIDDEN");
    // The partner still manages it.
    admin.pricing_rules(&own_payer).await;
}

/// #17: billing prices a month from the pricing rollup (one sum per pricing key), the cost views
/// by day from the day grain. On generated CUR (free tier, credits, Savings Plans, tax, refunds
/// and rows without a public price) with every kind of rule and a percentage credit, the two give
/// the same numbers to the last digit, in total and per service.
async fn month_rollup_pricing_equals_day_grain_pricing(db: DbKind) {
    use partner_billing::demo::generate::{GenFormat, GenOptions, generate, parse_month};
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Rollup Co").await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cur.parquet");
    let options = GenOptions {
        rows: 20_000,
        accounts: 8,
        month: parse_month("2024-09").unwrap(),
        seed: 7,
        format: GenFormat::Parquet,
        out: out.clone(),
        payer_account: Some(p.payer_account_id.clone()),
    };
    assert_eq!(generate(&options).unwrap(), 20_000);
    let platform = partner_billing::tenancy::unscoped::UnscopedPlatformAccess::new(app.db.clone());
    let payer = partner_billing::ids::PayerId::parse(&p.payer_id).unwrap();
    partner_billing::ingest::ingest_files(&platform, payer, &[out]).await.unwrap();
    let accounts: Vec<String> = app.column("SELECT DISTINCT usage_account_id FROM cost_daily ORDER BY usage_account_id").await;
    assert_eq!(accounts.len(), 8);

    let global = rule(&app, &p.operator, json!({ "payerId": p.payer_id, "name": "global-3", "scope": "GLOBAL", "type": "DISCOUNT", "modifierPercentage": "3.13" })).await;
    let ec2 = rule(&app, &p.operator, json!({ "payerId": p.payer_id, "name": "ec2-7", "scope": "SERVICE", "type": "MARKUP", "modifierPercentage": "7", "service": "AmazonEC2" })).await;
    let entity = rule(&app, &p.operator, json!({ "payerId": p.payer_id, "name": "aws-1", "scope": "BILLING_ENTITY", "type": "MARKUP", "modifierPercentage": "1", "billingEntity": "AWS" })).await;
    let tiering = rule(&app, &p.operator, json!({ "payerId": p.payer_id, "name": "no-free-tier", "scope": "GLOBAL", "type": "TIERING", "freeTier": false })).await;
    let (operator, viewer) = (app.as_user(&p.operator), app.as_user(&p.viewer));
    // A group per base, two accounts each (an account is in one group per period).
    for (base, accounts) in ["LIST", "UNBLENDED", "NET_UNBLENDED", "AMORTIZED"].into_iter().zip(accounts.chunks(2)) {
        let plan = operator.create_pricing_plan(json!({ "payerId": p.payer_id, "name": format!("plan-{base}"), "base": base, "pricingRuleIds": [global, ec2, entity, tiering] })).await;
        let group = operator
            .create_billing_group(json!({ "payerId": p.payer_id, "name": format!("group-{base}"), "primaryAccountId": accounts[0], "accountIds": accounts, "pricingPlanId": plan, "billingPeriod": "2024-09" }))
            .await;
        operator.create_custom_line_item(json!({ "billingGroupId": group, "name": "credit", "chargeType": "CREDIT", "percentage": "2.5", "billingPeriodStart": "2024-09" })).await;

        // The billing report: the month rollup, priced.
        let report = viewer.billing_group_cost_report_by(&group, "2024-09", "2024-09", "SERVICE").await;
        let month_total = dec(&report["proformaCost"]);
        let month_lines: BTreeMap<String, Decimal> = report["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["customLineItem"] == false)
            .map(|l| (l["key"].as_str().unwrap().to_owned(), dec(&l["proformaCost"])))
            .collect();
        // The cost view by day: the day grain, priced row by row.
        let by_day = viewer
            .cost_summary(&json!({ "payerIds": [p.payer_id], "from": "2024-09-01", "to": "2024-09-30", "granularity": "DAY", "metric": "PRO_FORMA", "groupBy": ["SERVICE"], "filter": { "accountIds": accounts } }))
            .await;
        assert!(month_total != Decimal::ZERO, "{base}: a priced month");
        assert_eq!(dec(&by_day["total"]), month_total, "{base}: the day grain's total");
        let day_lines: BTreeMap<String, Decimal> = by_day["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| month_lines.contains_key(g["key"]["service"].as_str().unwrap_or("")))
            .map(|g| (g["key"]["service"].as_str().unwrap().to_owned(), dec(&g["amount"])))
            .collect();
        assert!(month_lines.len() > 5, "{base}: {month_lines:?}");
        assert_eq!(day_lines, month_lines, "{base}: per service");
    }
}

on_both_databases!(
    hand_computed_fixture_recomputation_and_customer_view,
    bad_input_is_refused_naming_the_field,
    viewers_read_billing_and_writers_change_it_with_events,
    an_end_customer_on_its_own_payer_gets_no_cost_or_pricing,
    month_rollup_pricing_equals_day_grain_pricing,
);
