//! Cost allocation tags (#22 item 4): a payer's selected keys, ingestion of their values from a
//! generated CUR 2.0 export checked against DuckDB over the same file, and cost views split and
//! filtered by them — adding up to the view without them, in AWS cost and in the customer's price.

use std::collections::BTreeMap;

use e2e::{DbKind, TestApp, on_both_databases};
use partner_billing::demo::generate::GenFormat;
use partner_billing::ids::PayerId;
use partner_billing::ingest::{self, Outcome};
use partner_billing::tenancy::unscoped::UnscopedPlatformAccess;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use super::ingest::{DUCKDB_TOTALS, assert_matches, focus_sample, gen_cur_for, python, units12};


fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}")).parse().unwrap()
}

fn team() -> Value {
    json!({ "kind": "TAG", "name": "team" })
}

/// Sums of cost_daily_tags for `team` per value, and the untagged rest (`""`): cost_daily less
/// the tagged parts. 10⁻⁸ units of unblended, net, amortized and list cost, and rows summed.
async fn our_tag_totals(app: &TestApp) -> BTreeMap<String, ([i128; 4], i64)> {
    our_totals_by(app, "cur", "team").await
}

/// [`our_tag_totals`] for any source and tag key.
async fn our_totals_by(app: &TestApp, source: &str, key: &str) -> BTreeMap<String, ([i128; 4], i64)> {
    let sums = "CAST(SUM(unblended_cost) AS BIGINT) AS u, CAST(SUM(net_unblended_cost) AS BIGINT) AS n, \
                CAST(SUM(amortized_cost) AS BIGINT) AS a, CAST(SUM(list_cost) AS BIGINT) AS l, COUNT(*) AS c";
    let backend = app.db.get_database_backend();
    let read = |sql: String| async move {
        let rows = app.db.query_all_raw(Statement::from_string(backend, sql)).await.unwrap();
        rows.iter()
            .map(|r| {
                let get = |c: &str| i128::from(r.try_get::<i64>("", c).unwrap());
                (r.try_get::<String>("", "k").unwrap(), ([get("u"), get("n"), get("a"), get("l")], r.try_get::<i64>("", "c").unwrap()))
            })
            .collect::<BTreeMap<String, ([i128; 4], i64)>>()
    };
    let mut out = read(format!("SELECT tag_value AS k, {sums} FROM cost_daily_tags WHERE key_kind = 'TAG' AND key_name = '{key}' AND source = '{source}' GROUP BY tag_value")).await;
    let whole = read(format!("SELECT '' AS k, {sums} FROM cost_daily WHERE source = '{source}'")).await;
    let (mut rest, mut rows) = whole[""];
    for (sums, n) in out.values() {
        for (r, s) in rest.iter_mut().zip(sums) {
            *r -= s;
        }
        rows += n;
    }
    out.insert(String::new(), (rest, rows));
    out
}

/// Where `cost_monthly_tags` and the `cost_daily_tags` it sums disagree (empty when they agree).
async fn monthly_tag_mismatches(app: &TestApp) -> Vec<String> {
    let keys = "payer_id, source, billing_period, usage_account_id, service_code, usage_type, operation, charge_type, billing_entity, currency, zero_amounts, key_kind, key_name, tag_value";
    // payer_id is a BLOB on SQLite: grouped by, not printed (one payer keeps tags here).
    let line = "source || '|' || billing_period || '|' || usage_account_id || '|' || service_code || '|' || usage_type || '|' || operation \
                || '|' || charge_type || '|' || billing_entity || '|' || currency || '|' || CAST(zero_amounts AS TEXT) || '|' || key_kind || '|' || key_name || '|' || tag_value \
                || '|' || CAST(SUM(unblended_cost) AS TEXT) || '|' || CAST(SUM(net_unblended_cost) AS TEXT) || '|' || CAST(SUM(amortized_cost) AS TEXT) \
                || '|' || CAST(SUM(list_cost) AS TEXT) || '|' || CAST(SUM(line_count) AS TEXT)";
    let mut days = app.column(&format!("SELECT {line} FROM cost_daily_tags GROUP BY {keys}")).await;
    let mut months = app.column(&format!("SELECT {line} FROM cost_monthly_tags GROUP BY {keys}")).await;
    days.sort();
    months.sort();
    assert!(!days.is_empty(), "tagged parts to compare");
    let only = |a: &[String], b: &[String]| a.iter().filter(|x| !b.contains(x)).cloned().collect::<Vec<_>>();
    let mut out: Vec<String> = only(&days, &months).into_iter().map(|l| format!("days only: {l}")).collect();
    out.extend(only(&months, &days).into_iter().map(|l| format!("months only: {l}")));
    out
}

/// costSummary's groups as value → amount.
fn by_tag(summary: &Value) -> BTreeMap<String, Decimal> {
    summary["groups"].as_array().unwrap().iter().map(|g| (g["key"]["tag"].as_str().unwrap().to_owned(), dec(&g["amount"]))).collect()
}

fn summary(payer: &str, metric: &str, group_by: &[&str], extra: Value) -> Value {
    let mut i = json!({ "payerIds": [payer], "from": "2024-09-01", "to": "2024-09-30", "metric": metric, "groupBy": group_by });
    if let (Some(i), Some(extra)) = (i.as_object_mut(), extra.as_object()) {
        i.extend(extra.clone());
    }
    i
}

async fn tags_are_ingested_as_duckdb_reads_them_and_views_split_by_them(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Tagging Co").await;
    let other = app.new_partner(&admin, "Elsewhere").await;
    let platform = UnscopedPlatformAccess::new(app.db.clone());
    let payer = PayerId::parse(&p.payer_id).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = gen_cur_for(&p.payer_account_id, dir.path(), "cur.parquet", 40_000, 12, 23, GenFormat::Parquet);
    let files = std::slice::from_ref(&file);
    assert_eq!(ingest::ingest_files(&platform, payer, files).await.unwrap().outcome, Outcome::Succeeded);
    assert_eq!(app.count("cost_daily_tags").await, 0, "no key selected: nothing kept by tag");

    // Selecting keys: Admin only, at most five, names as AWS allows, each once.
    let keys = json!([team(), { "kind": "COST_CATEGORY", "name": "Project" }]);
    let (admin, viewer) = (app.as_user(&p.admin), app.as_user(&p.viewer));
    let set = admin.set_cost_allocation_keys(&p.payer_id, keys).await;
    assert_eq!(
        set,
        json!([{ "kind": "TAG", "name": "team", "periodsWithoutIt": ["2024-09"] }, { "kind": "COST_CATEGORY", "name": "Project", "periodsWithoutIt": ["2024-09"] }]),
        "the period was read before the keys were selected"
    );
    let six: Vec<Value> = (0..6).map(|i| json!({ "kind": "TAG", "name": format!("k{i}") })).collect();
    for (bad, field) in [
        (json!(six), "keys"),
        (json!([{ "kind": "TAG", "name": "" }]), "keys[0].name"),
        (json!([{ "kind": "TAG", "name": "semi;colon" }]), "keys[0].name"),
        (json!([team(), { "kind": "TAG", "name": " team " }]), "keys[1].name"),
    ] {
        admin.try_set_cost_allocation_keys(&p.payer_id, bad).await.assert_invalid(field);
    }
    app.as_user(&p.operator).try_set_cost_allocation_keys(&p.payer_id, json!([])).await.assert_code("FORBIDDEN");
    let stranger = app.as_user(&other.admin);
    stranger.try_set_cost_allocation_keys(&p.payer_id, json!([])).await.assert_code("NOT_FOUND");
    stranger.try_cost_allocation_keys(&p.payer_id).await.assert_code("NOT_FOUND");
    assert_eq!(viewer.cost_allocation_keys(&p.payer_id).await.as_array().unwrap().len(), 2, "refused changes changed nothing");

    // The same file with new keys is read again (not skipped); then it is current.
    assert_eq!(ingest::ingest_files(&platform, payer, files).await.unwrap().outcome, Outcome::Succeeded);
    assert_eq!(ingest::ingest_files(&platform, payer, files).await.unwrap().outcome, Outcome::Skipped);
    assert_eq!(viewer.cost_allocation_keys(&p.payer_id).await[0]["periodsWithoutIt"], json!([]));

    assert_eq!(monthly_tag_mismatches(&app).await, Vec::<String>::new(), "the month rollup of the tagged parts equals their days");

    // Per value of team, and without one: ours equal DuckDB's over the same file.
    let theirs = python(DUCKDB_TOTALS, &[file.to_str().unwrap(), "COALESCE(map_extract(resource_tags, 'user_team')[1], '')"]);
    let mut ours = our_tag_totals(&app).await;
    assert!(ours.len() >= 4, "a few teams and the untagged rest: {:?}", ours.keys());
    if theirs.get("").is_none() {
        // Every generated line has a team: the rest is zero, but for the storage rounding (each
        // stored row is exact to 10⁻⁸, the whole and its parts rounded separately).
        let (rest, rows) = ours.remove("").unwrap();
        assert!(rest.iter().all(|r| r.abs() <= i128::from(rows)), "untagged rest {rest:?} over {rows} rows");
    }
    assert_matches(&ours, &theirs, "per team");
    // The generated file has no cost categories: nothing is kept for Project.
    let project = app.column("SELECT CAST(COUNT(*) AS TEXT) FROM cost_daily_tags WHERE key_name = 'Project'").await;
    assert_eq!(project, vec!["0".to_owned()]);

    // The views: by team, the groups are those sums and add up to the whole.
    let pid = p.payer_id.as_str();
    let total = dec(&viewer.cost_summary(&summary(pid, "UNBLENDED", &[], json!({}))).await["total"]);
    let split = viewer.cost_summary(&summary(pid, "UNBLENDED", &["TAG"], json!({ "tagKey": team() }))).await;
    let groups = by_tag(&split);
    assert_eq!(dec(&split["total"]), total);
    assert_eq!(groups.values().copied().sum::<Decimal>(), total, "the values and the untagged rest add up to the whole");
    for (value, (sums, _)) in &ours {
        let expected = Decimal::new(i64::try_from(sums[0]).unwrap(), 8).normalize();
        assert_eq!(groups.get(value).copied(), Some(expected), "team {value:?}");
    }
    // By team and account: still the whole; filtered to one value, or to the untagged rest.
    let by_account = viewer.cost_summary(&summary(pid, "AMORTIZED", &["TAG", "ACCOUNT"], json!({ "tagKey": team() }))).await;
    let amortized = dec(&viewer.cost_summary(&summary(pid, "AMORTIZED", &[], json!({}))).await["total"]);
    let pairs = by_account["groups"].as_array().unwrap();
    assert!(pairs.iter().all(|g| g["key"]["accountId"].is_string() && g["key"]["tag"].is_string()));
    assert_eq!(pairs.iter().map(|g| dec(&g["amount"])).sum::<Decimal>(), amortized);
    let (value, amount) = groups.iter().find(|(v, _)| !v.is_empty()).map(|(v, a)| (v.clone(), *a)).unwrap();
    let one = viewer.cost_summary(&summary(pid, "UNBLENDED", &[], json!({ "filter": { "tag": { "key": team(), "values": [value] } } }))).await;
    assert_eq!(dec(&one["total"]), amount);
    let untagged = viewer.cost_summary(&summary(pid, "UNBLENDED", &[], json!({ "filter": { "tag": { "key": team(), "values": [""] } } }))).await;
    assert_eq!(Some(dec(&untagged["total"])), groups.get("").copied());
    // Without the key: clear errors naming the field.
    viewer.try_cost_summary(&summary(pid, "UNBLENDED", &["TAG"], json!({}))).await.assert_invalid("tagKey");
    let res = viewer.try_cost_summary(&summary(pid, "UNBLENDED", &["TAG"], json!({ "tagKey": { "kind": "TAG", "name": "env" } }))).await;
    res.assert_code("VALIDATION");
    assert!(res.message().contains("tag:env is not a selected cost allocation key"), "{}", res.body);

    // The customer's price by team adds up to their price, and equals the partner's view of them.
    let accounts = app.column("SELECT DISTINCT usage_account_id FROM cost_daily ORDER BY usage_account_id").await;
    let customer = admin.create_tenant(&p.tenant_id, "CUSTOMER", "Acme").await;
    let customer_viewer = admin.create_user("viewer@acme.example", "VIEWER", ("tenantId", &customer)).await;
    let operator = app.as_user(&p.operator);
    let rule = operator.create_pricing_rule(json!({ "payerId": pid, "name": "plus-7", "scope": "GLOBAL", "type": "MARKUP", "modifierPercentage": "7" })).await;
    let plan = operator.create_pricing_plan(json!({ "payerId": pid, "name": "list-plus-7", "pricingRuleIds": [rule] })).await;
    let group = operator
        .create_billing_group(json!({ "payerId": pid, "name": "Acme", "primaryAccountId": accounts[0], "accountIds": accounts[..6], "pricingPlanId": plan, "customerTenantId": customer, "billingPeriod": "2024-09" }))
        .await;
    operator.create_custom_line_item(json!({ "billingGroupId": group, "name": "Support-fee", "chargeType": "FEE", "flatAmount": "25", "billingPeriodStart": "2024-09" })).await;
    let customer_viewer = app.as_user(&customer_viewer);
    let price = dec(&customer_viewer.cost_summary(&summary(pid, "PRO_FORMA", &[], json!({}))).await["total"]);
    let priced = customer_viewer.cost_summary(&summary(pid, "PRO_FORMA", &["TAG"], json!({ "tagKey": team() }))).await;
    let priced_groups = by_tag(&priced);
    assert!(priced_groups.len() >= 3, "{priced_groups:?}");
    let sum: Decimal = priced_groups.values().copied().sum();
    let rounding = Decimal::new(i64::try_from(priced_groups.len()).unwrap(), 8);
    assert!((sum - price).abs() <= rounding, "by team {sum} vs whole {price}");
    assert!(priced_groups[""] >= Decimal::from(25), "the custom line item has no tag: it is in the untagged rest");
    let partner_view = viewer.cost_summary(&summary(pid, "PRO_FORMA", &["TAG"], json!({ "tagKey": team(), "customerTenantId": customer }))).await;
    assert_eq!(by_tag(&partner_view), priced_groups, "the partner sees the customer's numbers");
    assert_eq!(customer_viewer.cost_allocation_keys(pid).await[0]["name"], "team", "customers may read the keys");
    customer_viewer.try_set_cost_allocation_keys(pid, json!([])).await.assert_code("NOT_FOUND");
    // AWS cost by tag stays partner-only.
    customer_viewer.try_cost_summary(&summary(pid, "UNBLENDED", &["TAG"], json!({ "tagKey": team() }))).await.assert_code("FORBIDDEN");

    // Deselecting the keys and reading the period again leaves nothing kept by tag.
    admin.set_cost_allocation_keys(pid, json!([])).await;
    assert_eq!(ingest::ingest_files(&platform, payer, files).await.unwrap().outcome, Outcome::Succeeded);
    assert_eq!((app.count("cost_daily_tags").await, app.count("cost_monthly_tags").await, app.count("cost_tag_coverage").await), (0, 0, 0));
}

/// BilledCost and EffectiveCost of the FOCUS sample's AWS rows per value of one key of its
/// `Tags` JSON ("" without one), by Python's csv and json modules.
const FOCUS_TAG_TOTALS: &str = r#"
import csv, json, sys
from decimal import Decimal
def d(v): return Decimal(0) if v in ("", "NULL") else Decimal(v)
tot = {}
with open(sys.argv[1], newline="") as f:
    for r in csv.DictReader(f):
        if r["ProviderName"] != "AWS":
            continue
        tags = json.loads(r["Tags"]) if r["Tags"] not in ("", "NULL") else {}
        k = tags.get(sys.argv[2], "")
        b, e = tot.get(k, (Decimal(0), Decimal(0)))
        tot[k] = (b + d(r["BilledCost"]), e + d(r["EffectiveCost"]))
print(json.dumps({k: [format(b, "f"), format(e, "f")] for k, (b, e) in tot.items()}))
"#;

/// The FOCUS 1.0 sample's `Tags` (JSON cells): per environment and per application, billed and
/// effective cost equal Python's reading of the same file, and the views split by them.
async fn focus_tags_match_python_csv(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Focus Tags Co").await;
    let keys = json!([{ "kind": "TAG", "name": "environment" }, { "kind": "TAG", "name": "application" }]);
    app.as_user(&p.payer_admin).set_cost_allocation_keys(&p.payer_id, keys).await;
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("focus-sample.csv");
    let original = focus_sample();
    std::fs::write(&sample, std::fs::read_to_string(&original).unwrap().replace("\"1234567890123\"", &format!("\"{}\"", p.payer_account_id))).unwrap();
    let platform = UnscopedPlatformAccess::new(app.db.clone());
    let report = ingest::ingest_files(&platform, PayerId::parse(&p.payer_id).unwrap(), std::slice::from_ref(&sample)).await.unwrap();
    assert_eq!(report.periods.len(), 1);
    assert_eq!(monthly_tag_mismatches(&app).await, Vec::<String>::new());
    for key in ["environment", "application"] {
        let theirs = python(FOCUS_TAG_TOTALS, &[&original, key]);
        let theirs = theirs.as_object().unwrap();
        let ours = our_totals_by(&app, "focus", key).await;
        let mut their_keys: Vec<&String> = theirs.keys().collect();
        their_keys.sort();
        assert_eq!(ours.keys().collect::<Vec<_>>(), their_keys, "{key}: the same values");
        assert!(ours.len() >= 3, "{key}: {:?}", ours.keys());
        for (value, ([billed, _, effective, _], rows)) in &ours {
            let bound = i128::from(*rows) * 5_000;
            for (got, expected, name) in [(billed, &theirs[value][0], "BilledCost"), (effective, &theirs[value][1], "EffectiveCost")] {
                let (got, expected) = (got * 10_000, units12(expected.as_str().unwrap()));
                assert!((got - expected).abs() <= bound, "{key} {value:?} {name}: ours {got} vs python {expected}");
            }
        }
    }
    // By environment and service, DAY: still the whole.
    let input = json!({ "payerIds": [p.payer_id], "from": "2024-09-01", "to": "2024-09-30", "granularity": "DAY", "groupBy": ["TAG", "SERVICE"], "tagKey": { "kind": "TAG", "name": "environment" } });
    let split = app.as_user(&p.viewer).cost_summary(&input).await;
    let groups = split["groups"].as_array().unwrap();
    let total = dec(&split["total"]);
    assert!(total > Decimal::ZERO);
    assert_eq!(groups.iter().map(|g| dec(&g["amount"])).sum::<Decimal>(), total);
    assert_eq!(split["series"].as_array().unwrap().iter().map(|s| dec(&s["amount"])).sum::<Decimal>(), total);
    assert!(groups.iter().any(|g| g["key"]["tag"] == "prod") && groups.iter().any(|g| g["key"]["tag"] == "dev"), "{groups:?}");
}

on_both_databases!(tags_are_ingested_as_duckdb_reads_them_and_views_split_by_them, focus_tags_match_python_csv);
