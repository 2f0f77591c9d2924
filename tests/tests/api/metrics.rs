//! `GET /metrics`: Prometheus text that Prometheus's own Python parser reads, counting requests the
//! test made, database gauges, no tenant data in it, and the optional bearer token.

use std::io::Write;
use std::process::{Command, Stdio};

use e2e::{DbKind, TestApp, on_both_databases};
use partner_billing::ids::ROOT_TENANT_ID;
use partner_billing::jobs::{NewJob, enqueue};
use serde_json::{Value, json};

/// Parses exposition text with `prometheus_client.parser` (from the test venv); returns every
/// sample as `{name, labels, value}`.
fn parse(text: &str) -> Vec<Value> {
    let script = "import json, sys\n\
from prometheus_client.parser import text_string_to_metric_families\n\
out = [{'name': s.name, 'labels': s.labels, 'value': s.value} for f in text_string_to_metric_families(sys.stdin.read()) for s in f.samples]\n\
print(json.dumps(out))";
    let mut child = Command::new(e2e::notify::python())
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the test venv's python (scripts/test installs prometheus_client)");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "prometheus_client could not parse /metrics: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice::<Value>(&out.stdout).unwrap().as_array().unwrap().clone()
}

/// The value of the sample with this name and these labels (others may be present).
fn sample(samples: &[Value], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| s["name"] == name && labels.iter().all(|(k, v)| s["labels"][*k] == *v))
        .map(|s| s["value"].as_f64().unwrap())
}

async fn scrape(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(format!("{}/metrics", app.base_url));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// A job kind only this test enqueues (no worker runs it).
#[derive(serde::Serialize, serde::Deserialize)]
struct Probe {}

impl partner_billing::jobs::JobArgs for Probe {
    const KIND: &'static str = "metrics_probe";
}

async fn metrics_parse_and_count_what_the_test_did(db: DbKind) {
    // No worker: the job enqueued below stays in the queue for the gauges to see.
    let app = TestApp::spawn_with(db, vec![("run_jobs", "false".into())]).await;
    let admin = app.platform_admin().await;
    let tenant = app.create_tenant(&admin, &ROOT_TENANT_ID.to_string(), "DISTRIBUTOR", "Metrics Probe Distributor").await;
    // Named per database: under `cargo test` both variants share one process and its counters.
    let (probe_op, denied_op) = (format!("MetricsProbe{db:?}"), format!("MetricsProbeDenied{db:?}"));
    for _ in 0..3 {
        app.gql(admin.bearer(), &format!("query {probe_op} {{ me {{ email }} }}"), json!({})).await.data("me.email");
    }
    app.gql(None, &format!("query {denied_op} {{ me {{ email }} }}"), json!({})).await.assert_code("UNAUTHENTICATED");
    app.gql(admin.bearer(), "query { me { email } }", json!({})).await.data("me");
    enqueue(&app.db, NewJob::of(&Probe {}).unwrap()).await.unwrap();

    let res = scrape(&app, None).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.unwrap();
    let samples = parse(&text);

    let probe = [("route", "/graphql"), ("operation", probe_op.as_str()), ("status", "200")];
    assert_eq!(sample(&samples, "pb_http_requests_total", &probe), Some(3.0), "{text}");
    assert_eq!(sample(&samples, "pb_http_request_duration_seconds_count", &[("operation", probe_op.as_str())]), Some(3.0));
    assert!(sample(&samples, "pb_http_requests_total", &[("operation", "anonymous")]).is_some_and(|n| n >= 1.0));
    assert_eq!(sample(&samples, "pb_graphql_errors_total", &[("operation", denied_op.as_str()), ("code", "UNAUTHENTICATED")]), Some(1.0));
    assert_eq!(sample(&samples, "pb_graphql_errors_total", &[("operation", probe_op.as_str())]), None, "no errors for a good request");
    assert_eq!(sample(&samples, "pb_jobs", &[("kind", "metrics_probe"), ("state", "queued")]), Some(1.0));
    assert!(sample(&samples, "pb_job_oldest_due_age_seconds", &[("kind", "metrics_probe")]).is_some_and(|age| age >= 0.0));
    assert_eq!(sample(&samples, "pb_metrics_database_up", &[]), Some(1.0));
    // Everything the test created went through the outbox (tenant.created …): a number, no rows.
    assert!(sample(&samples, "pb_outbox_undispatched_events", &[]).is_some());

    // Labels name operations and codes only: no ids, emails or tenant names.
    for secret in [tenant.as_str(), admin.email.as_str(), admin.user_id.as_str(), "Metrics Probe Distributor"] {
        assert!(!text.contains(secret), "{secret} leaked into /metrics");
    }

    // Each scrape is counted by the next one.
    let scrapes = |s: &[Value]| sample(s, "pb_http_requests_total", &[("route", "/metrics"), ("status", "200")]).unwrap_or(0.0);
    let again = parse(&scrape(&app, None).await.text().await.unwrap());
    assert_eq!(scrapes(&again), scrapes(&samples) + 1.0);
    assert_eq!(sample(&again, "pb_http_requests_total", &probe), Some(3.0), "scraping does not change the counts");
}

async fn metrics_token_is_required_when_set(db: DbKind) {
    let token = "metrics-scrape-token-0123456789";
    let app = TestApp::spawn_with(db, vec![("metrics_token", token.into())]).await;
    let refused = |s: &[Value]| sample(s, "pb_http_requests_total", &[("route", "/metrics"), ("status", "401")]).unwrap_or(0.0);
    let before = parse(&scrape(&app, Some(token)).await.text().await.unwrap());
    assert_eq!(scrape(&app, None).await.status(), 401);
    assert_eq!(scrape(&app, Some("metrics-scrape-token-wrong-value")).await.status(), 401);
    let ok = scrape(&app, Some(token)).await;
    assert_eq!(ok.status(), 200);
    let samples = parse(&ok.text().await.unwrap());
    assert_eq!(refused(&samples), refused(&before) + 2.0);
    assert!(!format!("{:?}", app.state.config).contains(token), "the token is kept as a secret");
}

on_both_databases!(metrics_parse_and_count_what_the_test_did, metrics_token_is_required_when_set);
