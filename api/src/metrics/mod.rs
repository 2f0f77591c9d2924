//! Prometheus metrics, served at `GET /metrics` in the text format.
//!
//! Counted in this process: HTTP requests and their latency by route and GraphQL operation name,
//! GraphQL errors by code, AWS calls and errors by service and code (from the audit interceptor),
//! and job steps by kind. Read from the database at scrape time (`scrape`): job queue depth and
//! age, the outbox backlog, and ingestion totals — so they are right whichever replica or CLI run
//! did the work.
//!
//! Labels carry only names the code or AWS defines (routes, kinds, codes) and GraphQL operation
//! names; never ids, emails or amounts. Client-chosen operation names are checked to be GraphQL
//! names and capped in number, so a client cannot grow the label set without bound.
//!
//! The registry is process-wide on purpose: the AWS SDK interceptor that counts AWS calls has no
//! handle on the application state, and one process serves one registry.

pub mod scrape;

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use actix_web::HttpMessage;
use actix_web::dev::ServiceResponse;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};


/// Distinct values one client-influenced label may take before new ones are counted as `other`.
const MAX_LABEL_VALUES: usize = 200;
const MAX_LABEL_LEN: usize = 64;

/// Latency buckets in seconds: 5 ms to 30 s.
const LATENCY_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// A label whose values come from outside the code (operation names, AWS error codes).
struct BoundedLabel(Mutex<HashSet<String>>);

impl BoundedLabel {
    fn new() -> Self {
        Self(Mutex::new(HashSet::new()))
    }

    /// The value itself when it is a plain name and there is room for it; `other` otherwise.
    fn value(&self, raw: &str) -> String {
        if !is_name(raw) {
            return "other".to_owned();
        }
        let Ok(mut seen) = self.0.lock() else { return "other".to_owned() };
        if seen.contains(raw) || seen.len() < MAX_LABEL_VALUES {
            seen.insert(raw.to_owned());
            raw.to_owned()
        } else {
            "other".to_owned()
        }
    }
}

/// A GraphQL-style name (`[_A-Za-z][_0-9A-Za-z]*`), at most 64 characters; AWS codes fit too.
fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    s.len() <= MAX_LABEL_LEN
        && chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    graphql_errors: IntCounterVec,
    aws_calls: IntCounterVec,
    aws_errors: IntCounterVec,
    job_steps: IntCounterVec,
    job_duration: HistogramVec,
    operations: BoundedLabel,
    codes: BoundedLabel,
}

fn counter(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> prometheus::Result<IntCounterVec> {
    let c = IntCounterVec::new(Opts::new(name, help), labels)?;
    registry.register(Box::new(c.clone()))?;
    Ok(c)
}

fn histogram(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> prometheus::Result<HistogramVec> {
    let h = HistogramVec::new(HistogramOpts::new(name, help).buckets(LATENCY_BUCKETS.to_vec()), labels)?;
    registry.register(Box::new(h.clone()))?;
    Ok(h)
}

impl Metrics {
    fn build() -> prometheus::Result<Self> {
        let r = Registry::new();
        Ok(Self {
            http_requests: counter(&r, "pb_http_requests_total", "HTTP requests by route, GraphQL operation and status.", &["route", "operation", "status"])?,
            http_duration: histogram(&r, "pb_http_request_duration_seconds", "HTTP request latency by route and GraphQL operation.", &["route", "operation"])?,
            graphql_errors: counter(&r, "pb_graphql_errors_total", "GraphQL errors by operation and error code.", &["operation", "code"])?,
            aws_calls: counter(&r, "pb_aws_calls_total", "AWS API calls (after retries) by service and operation.", &["service", "operation"])?,
            aws_errors: counter(&r, "pb_aws_errors_total", "Failed AWS API calls by service and error code.", &["service", "code"])?,
            job_steps: counter(&r, "pb_job_steps_total", "Background job steps by kind and outcome (done, continue, retry, fatal, lease_lost).", &["kind", "outcome"])?,
            job_duration: histogram(&r, "pb_job_step_duration_seconds", "Duration of one background job step by kind.", &["kind"])?,
            operations: BoundedLabel::new(),
            codes: BoundedLabel::new(),
            registry: r,
        })
    }
}

static METRICS: LazyLock<Option<Metrics>> = LazyLock::new(|| match Metrics::build() {
    Ok(m) => Some(m),
    Err(e) => {
        tracing::error!(error = %e, "metrics could not be registered; /metrics will be empty");
        None
    }
});

fn metrics() -> Option<&'static Metrics> {
    METRICS.as_ref()
}

/// The GraphQL operation a request runs, as a metrics label; kept in the request extensions so
/// the HTTP middleware can label the request with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation(pub String);

impl Operation {
    /// The request's `operationName`, else the name of its only operation; `anonymous` for an
    /// unnamed one, `invalid` when the query does not parse, `other` past the label cap.
    pub fn of(request: &async_graphql::Request) -> Self {
        use async_graphql::parser::types::DocumentOperations;
        let name = match &request.operation_name {
            Some(name) => name.clone(),
            None => match async_graphql::parser::parse_query(&request.query) {
                Ok(doc) => match doc.operations {
                    DocumentOperations::Single(_) => return Self("anonymous".to_owned()),
                    DocumentOperations::Multiple(ops) if ops.len() == 1 => ops.keys().next().map(|k| k.to_string()).unwrap_or_default(),
                    DocumentOperations::Multiple(_) => return Self("other".to_owned()),
                },
                Err(_) => return Self("invalid".to_owned()),
            },
        };
        Self(metrics().map_or_else(|| "other".to_owned(), |m| m.operations.value(&name)))
    }
}

/// Counts a finished HTTP request (called by the request-id middleware).
pub fn http_response<B>(res: &ServiceResponse<B>, elapsed: Duration) {
    let Some(m) = metrics() else { return };
    let route = match res.request().match_pattern() {
        Some(p) if p.contains('{') => "/*".to_owned(),
        Some(p) => p,
        None => "unmatched".to_owned(),
    };
    let operation = res.request().extensions().get::<Operation>().map_or_else(String::new, |o| o.0.clone());
    let status = res.status().as_u16().to_string();
    m.http_requests.with_label_values(&[route.as_str(), operation.as_str(), status.as_str()]).inc();
    m.http_duration.with_label_values(&[route.as_str(), operation.as_str()]).observe(elapsed.as_secs_f64());
}

/// Counts the errors of a GraphQL response by their `extensions.code`.
pub fn graphql_errors(operation: &Operation, errors: &[async_graphql::ServerError]) {
    let Some(m) = metrics() else { return };
    for error in errors {
        let code = match error.extensions.as_ref().and_then(|e| e.get("code")) {
            Some(async_graphql::Value::String(s)) => m.codes.value(s),
            Some(async_graphql::Value::Enum(e)) => m.codes.value(e.as_str()),
            _ => "none".to_owned(),
        };
        m.graphql_errors.with_label_values(&[operation.0.as_str(), code.as_str()]).inc();
    }
}

/// Counts one AWS API call (after retries) and, when it failed, its error code.
pub fn aws_call(service: &str, operation: &str, error_code: Option<&str>) {
    let Some(m) = metrics() else { return };
    let service = m.codes.value(&service.replace(['-', '.', ' '], "_"));
    m.aws_calls.with_label_values(&[service.as_str(), m.codes.value(operation).as_str()]).inc();
    if let Some(code) = error_code {
        m.aws_errors.with_label_values(&[service.as_str(), m.codes.value(code).as_str()]).inc();
    }
}

/// Times one job step; `finish` records its outcome.
pub struct JobTimer {
    kind: String,
    started: Instant,
}

/// Starts timing a step of a job of this kind.
pub fn job_step(kind: &str) -> JobTimer {
    JobTimer { kind: kind.to_owned(), started: Instant::now() }
}

impl JobTimer {
    /// Counts the step with its outcome (`done`, `continue`, `retry` or `fatal`; see `jobs::Step`).
    pub fn finish(self, outcome: &str) {
        let Some(m) = metrics() else { return };
        let kind = m.codes.value(&self.kind);
        m.job_steps.with_label_values(&[kind.as_str(), outcome]).inc();
        m.job_duration.with_label_values(&[kind.as_str()]).observe(self.started.elapsed().as_secs_f64());
    }
}

/// A step stopped because its worker lost the job's lease (counted with outcome `lease_lost`).
pub fn job_lease_lost(kind: &str) {
    let Some(m) = metrics() else { return };
    let kind = m.codes.value(kind);
    m.job_steps.with_label_values(&[kind.as_str(), "lease_lost"]).inc();
}

/// Everything counted in this process.
fn gather() -> Vec<prometheus::proto::MetricFamily> {
    metrics().map(|m| m.registry.gather()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_builds() {
        assert!(metrics().is_some());
    }

    #[test]
    fn client_chosen_names_are_checked_and_capped() {
        let label = BoundedLabel::new();
        assert_eq!(label.value("ListPayers"), "ListPayers");
        assert_eq!(label.value("payer 012345678901"), "other", "not a GraphQL name");
        assert_eq!(label.value("alice@example.com"), "other");
        assert_eq!(label.value(&"a".repeat(65)), "other");
        for i in 0..MAX_LABEL_VALUES {
            label.value(&format!("Op{i}"));
        }
        assert_eq!(label.value("OneTooMany"), "other", "past the cap");
        assert_eq!(label.value("ListPayers"), "ListPayers", "known names keep counting");
    }

    #[test]
    fn operation_names_come_from_the_request_or_the_document() {
        let named = async_graphql::Request::new("query Me { me { id } }");
        assert_eq!(Operation::of(&named).0, "Me");
        let chosen = async_graphql::Request::new("query A { me { id } } query B { me { id } }").operation_name("B");
        assert_eq!(Operation::of(&chosen).0, "B");
        assert_eq!(Operation::of(&async_graphql::Request::new("{ me { id } }")).0, "anonymous");
        assert_eq!(Operation::of(&async_graphql::Request::new("{ me {")).0, "invalid");
    }
}
