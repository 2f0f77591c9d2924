//! Configuration: built-in defaults, then an optional TOML file (`--config PATH`), then `PB_*`
//! environment variables. Secrets are `SecretString` so they never reach logs or `Debug` output.

use std::net::SocketAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// The locales mail and the web app are written in.
pub const LOCALES: &[&str] = &["en", "zh-CN"];

/// A sender or recipient such as `Partner Billing <billing@example.com>` (PB_MAIL_FROM).
pub fn parse_mailbox(from: &str) -> Result<lettre::message::Mailbox, String> {
    from.parse::<lettre::message::Mailbox>().map_err(|_| "must be an address like \"Partner Billing <billing@example.com>\"".to_owned())
}

/// Everything the server needs to start. Field names are the env names without `PB_`, lower-cased.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub database_url: String,
    pub listen: SocketAddr,
    pub public_url: Option<String>,
    pub aws_endpoint_url: Option<String>,
    pub aws_region: String,
    /// Attempts per AWS call, including the first (standard retry mode with backoff).
    pub aws_max_attempts: u32,
    /// Whole-operation timeout of one AWS call, in seconds.
    pub aws_timeout_seconds: u64,
    /// The platform's own AWS account, which payer roles trust (for the quick-create link).
    pub platform_account_id: Option<String>,
    /// Public URL of `cloudformation/payer-access-role.yaml` (for the quick-create link).
    pub payer_role_template_url: Option<String>,
    pub smtp_url: Option<SecretString>,
    /// Where mail goes (`PB_MAIL_SINK`): `smtp` (through `PB_SMTP_URL`), or `outbox`, the demo's
    /// sink: each mail is kept in the database, marked delivered, and shown to global admins on
    /// the web app's Demo outbox page. Refused with PostgreSQL or with `PB_SMTP_URL` set (see
    /// [`Config::validate`]).
    pub mail_sink: MailSink,
    pub jwt_secret: Option<SecretString>,
    /// Bearer token `GET /metrics` requires (`PB_METRICS_TOKEN`); unset leaves it open.
    pub metrics_token: Option<SecretString>,
    pub log_format: LogFormat,
    /// GraphiQL at `GET /graphql`.
    pub graphiql: bool,
    pub introspection: bool,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Access JWT lifetime; the issue caps it at 15 minutes.
    pub access_token_minutes: u32,
    pub refresh_token_days: u32,
    /// Failed sign-ins before an account, and separately a source IP, is locked.
    pub login_max_failures: u32,
    /// Use `X-Forwarded-For` for the client address (only behind a trusted proxy).
    pub trust_proxy_headers: bool,
    /// How many proxies in front of us append to `X-Forwarded-For`: the client is that many
    /// entries from the right (entries further left are the client's own claims).
    pub trusted_proxy_hops: u32,
    /// SQL statements slower than this are logged at WARN with their text (never their values);
    /// 0 turns the log off.
    pub slow_query_ms: u64,
    /// Run the background job worker in this process.
    pub run_jobs: bool,
    /// The built web app to serve (`npm run build` output); unset or missing → API only.
    pub frontend_dir: Option<std::path::PathBuf>,
    /// How long a claimed job stays with its worker before another may take it.
    pub job_lease_seconds: u64,
    /// How often an idle worker looks for due jobs.
    pub job_poll_ms: u64,
    /// How often a running ingestion renews its record's heartbeat
    /// (`PB_INGEST_HEARTBEAT_SECONDS`); a record without one for three periods, or whose
    /// process is gone, is marked ABANDONED.
    pub ingest_heartbeat_seconds: u64,
    /// On SIGTERM, answer `/readyz` with 503 and keep serving this many seconds before stopping
    /// (`PB_SHUTDOWN_DRAIN_SECONDS`), so a load balancer polling `/readyz` takes the replica out
    /// before its listener closes. 0 stops at once (Kubernetes' preStop sleep does the waiting).
    pub shutdown_drain_seconds: u64,
    /// This process's name in the job list (`PB_WORKER_NAME`); unset: the host name (the pod's
    /// name on Kubernetes) and the process id.
    pub worker_name: Option<String>,
    /// Keep audit events this many whole days (`PB_AUDIT_RETENTION_DAYS`); unset keeps them all.
    pub audit_retention_days: Option<u32>,
    /// Signs retention checkpoints (`PB_AUDIT_SIGNING_KEY`). Kept outside the database, so
    /// someone who can write the database cannot re-sign a checkpoint after deleting records.
    /// Unset: a key generated and kept in the database.
    pub audit_signing_key: Option<SecretString>,
    /// Where the hourly signed digests of the audit chain go (`PB_AUDIT_DIGEST_DIR`); with
    /// `audit_digest_key_file`, an Ed25519 private key in PKCS#8 PEM kept off the database.
    pub audit_digest_dir: Option<std::path::PathBuf>,
    pub audit_digest_key_file: Option<std::path::PathBuf>,
    /// Where each digest is also put (`PB_AUDIT_DIGEST_S3_URI`, `s3://bucket/prefix`), with the
    /// platform's own AWS identity, never overwriting a key; the local file is written first.
    pub audit_digest_s3_uri: Option<String>,
    /// Object Lock retention (COMPLIANCE mode) of each digest put to S3, in days
    /// (`PB_AUDIT_DIGEST_S3_RETAIN_DAYS`); unset puts no lock headers (a bucket default applies).
    pub audit_digest_s3_retain_days: Option<u32>,
    /// Sender of notification mail, e.g. `Partner Billing <billing@example.com>`.
    pub mail_from: String,
    /// Locale of mail to recipients without one (`en` or `zh-CN`).
    pub default_locale: String,
    /// Let webhooks target loopback, link-local and private addresses (tests, closed networks).
    pub webhook_allow_private: bool,
    /// Consecutive failed deliveries after which a webhook endpoint is disabled.
    pub webhook_max_failures: u32,
    /// Attempts per notification before it is dead-lettered.
    pub notify_max_attempts: u32,
    /// First retry delay of a notification, doubling per attempt (capped at an hour).
    pub notify_retry_seconds: u64,
    /// How often the dispatcher looks for new events and due deliveries.
    pub notify_interval_ms: u64,
    /// Service notices a tenant may send per hour.
    pub service_notices_per_hour: u32,
    /// Hour of the day (UTC, 0–23) of the daily Cost Explorer pull for yesterday.
    pub cost_pull_hour: u32,
    /// GraphQL requests one principal (a user, an API token, or an anonymous client address)
    /// may make per minute, sustained (`PB_RATE_LIMIT_PER_MINUTE`); 0 turns rate limiting off.
    pub rate_limit_per_minute: u32,
    /// Requests a principal may make at once above the sustained rate (`PB_RATE_LIMIT_BURST`).
    pub rate_limit_burst: u32,
    /// Database connections one GraphQL request may use at the same time
    /// (`PB_REQUEST_DB_CONNECTIONS`); the pool has 8 (SQLite) or 16 (PostgreSQL).
    pub request_db_connections: u32,
    /// Days into a month after which the month before closes on its own
    /// (`PB_CLOSE_AFTER_DAYS`, 0–28); unset: only admins close periods.
    pub close_after_days: Option<u32>,
    /// Directories searched for a CJK font for Chinese invoices (`PB_PDF_FONT_DIRS`,
    /// `:`-separated).
    pub pdf_font_dirs: String,
}

/// An S3 location, `s3://bucket/prefix` (the prefix may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    /// Empty, or ends with `/`.
    pub prefix: String,
}

impl S3Location {
    /// Parses `s3://bucket[/prefix]`: a valid bucket name (3–63 lower-case letters, digits, dots
    /// and hyphens, starting and ending with a letter or digit), and a prefix without empty,
    /// `.` or `..` parts.
    pub fn parse(uri: &str) -> Result<Self, String> {
        let rest = uri.strip_prefix("s3://").ok_or("must look like s3://bucket/prefix")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
            && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
            && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !bucket_ok {
            return Err("the bucket name must be 3 to 63 lower-case letters, digits, dots or hyphens (s3://bucket/prefix)".to_owned());
        }
        let prefix = prefix.trim_end_matches('/');
        if !prefix.is_empty() && prefix.split('/').any(|part| part.is_empty() || part == "." || part == ".." || part.chars().any(char::is_control)) {
            return Err("the prefix must not have empty, . or .. parts".to_owned());
        }
        Ok(Self { bucket: bucket.to_owned(), prefix: if prefix.is_empty() { String::new() } else { format!("{prefix}/") } })
    }
}

impl std::fmt::Display for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// Where notification mail goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailSink {
    /// Sent through `PB_SMTP_URL` (pending, and retried, while none is configured).
    Smtp,
    /// Demo only: kept in the database and shown on the Demo outbox page, never sent.
    Outbox,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// The defaults, as a serialisable struct so figment can layer over them.
#[derive(Serialize)]
struct Defaults {
    database_url: &'static str,
    listen: &'static str,
    aws_region: &'static str,
    aws_max_attempts: u32,
    aws_timeout_seconds: u64,
    log_format: LogFormat,
    graphiql: bool,
    introspection: bool,
    max_body_bytes: usize,
    access_token_minutes: u32,
    refresh_token_days: u32,
    login_max_failures: u32,
    trust_proxy_headers: bool,
    trusted_proxy_hops: u32,
    slow_query_ms: u64,
    run_jobs: bool,
    frontend_dir: &'static str,
    job_lease_seconds: u64,
    job_poll_ms: u64,
    ingest_heartbeat_seconds: u64,
    shutdown_drain_seconds: u64,
    mail_from: &'static str,
    mail_sink: MailSink,
    default_locale: &'static str,
    webhook_allow_private: bool,
    webhook_max_failures: u32,
    notify_max_attempts: u32,
    notify_retry_seconds: u64,
    notify_interval_ms: u64,
    service_notices_per_hour: u32,
    cost_pull_hour: u32,
    rate_limit_per_minute: u32,
    rate_limit_burst: u32,
    request_db_connections: u32,
    pdf_font_dirs: &'static str,
}

/// Keys whose values are taken as text exactly as given.
const STRING_KEYS: &[&str] = &["audit_digest_dir", "audit_digest_key_file", "audit_digest_s3_uri", "platform_account_id", "jwt_secret", "smtp_url", "database_url", "public_url", "frontend_dir", "mail_from", "default_locale", "metrics_token", "audit_signing_key", "worker_name", "pdf_font_dirs"];

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/partner-billing.db?mode=rwc";

impl Default for Defaults {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL,
            listen: "127.0.0.1:8080",
            aws_region: "us-east-1",
            aws_max_attempts: 3,
            aws_timeout_seconds: 30,
            log_format: LogFormat::Text,
            graphiql: true,
            introspection: true,
            max_body_bytes: 256 * 1024,
            access_token_minutes: 15,
            refresh_token_days: 14,
            login_max_failures: 5,
            trust_proxy_headers: false,
            trusted_proxy_hops: 1,
            slow_query_ms: DEFAULT_SLOW_QUERY_MS,
            run_jobs: true,
            frontend_dir: "frontend/dist",
            job_lease_seconds: 120,
            job_poll_ms: 1000,
            ingest_heartbeat_seconds: 5,
            shutdown_drain_seconds: 0,
            mail_from: "Partner Billing <no-reply@localhost>",
            mail_sink: MailSink::Smtp,
            default_locale: "en",
            webhook_allow_private: false,
            webhook_max_failures: 10,
            notify_max_attempts: 8,
            notify_retry_seconds: 30,
            notify_interval_ms: 1000,
            service_notices_per_hour: 20,
            cost_pull_hour: 2,
            rate_limit_per_minute: 600,
            rate_limit_burst: 120,
            request_db_connections: 2,
            pdf_font_dirs: "/usr/share/fonts:/usr/local/share/fonts",
        }
    }
}

/// `PB_SLOW_QUERY_MS` unset; also what commands without a configuration log (startup.rs).
pub const DEFAULT_SLOW_QUERY_MS: u64 = 1000;

/// A configuration problem, naming the key the operator has to fix.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Loads defaults → file → `PB_*` environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Defaults::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError(format!("config file {} does not exist", path.display())));
            }
            figment = figment.merge(Toml::file(path));
        }
        figment = figment.merge(Env::prefixed("PB_").ignore(STRING_KEYS));
        // Kept verbatim: parsing would turn an account id into a number and drop leading zeros.
        for key in STRING_KEYS {
            if let Ok(value) = std::env::var(format!("PB_{}", key.to_uppercase())) {
                figment = figment.merge((*key, value));
            }
        }
        Self::from_figment(figment)
    }

    /// Defaults plus the given overrides; used by tests and the CLI.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Defaults::default()));
        for (key, value) in pairs {
            // Parsed the way environment values are, so "true" and "4096" get their types.
            let value: figment::value::Value =
                if STRING_KEYS.contains(&key) { value.into() } else { value.parse().unwrap_or_else(|_| value.into()) };
            figment = figment.merge((key, value));
        }
        Self::from_figment(figment)
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Config = figment.extract().map_err(|errors| {
            let messages: Vec<String> = errors
                .into_iter()
                .map(|e| {
                    let key = e.path.join(".");
                    // The kind says what was wrong; never the value (it may be a secret).
                    format!("PB_{} ({}): {}", key.to_uppercase(), key, e.kind)
                })
                .collect();
            ConfigError(messages.join("; "))
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks the values together (also after a command such as the demo adjusts them).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let scheme_ok = self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://");
        if !scheme_ok {
            return Err(ConfigError("PB_DATABASE_URL: must start with sqlite:, postgres:// or postgresql://".into()));
        }
        if self.access_token_minutes == 0 || self.access_token_minutes > 15 {
            return Err(ConfigError("PB_ACCESS_TOKEN_MINUTES: must be between 1 and 15".into()));
        }
        if self.refresh_token_days == 0 || self.refresh_token_days > 90 {
            return Err(ConfigError("PB_REFRESH_TOKEN_DAYS: must be between 1 and 90".into()));
        }
        if self.login_max_failures == 0 {
            return Err(ConfigError("PB_LOGIN_MAX_FAILURES: must be at least 1".into()));
        }
        if self.max_body_bytes < 1024 {
            return Err(ConfigError("PB_MAX_BODY_BYTES: must be at least 1024".into()));
        }
        let not_http = |url: &Option<String>| url.as_ref().is_some_and(|u| !(u.starts_with("http://") || u.starts_with("https://")));
        if not_http(&self.public_url) {
            return Err(ConfigError("PB_PUBLIC_URL: must be an http:// or https:// URL".into()));
        }
        if not_http(&self.aws_endpoint_url) {
            return Err(ConfigError("PB_AWS_ENDPOINT_URL: must be an http:// or https:// URL".into()));
        }
        if self.aws_max_attempts == 0 || self.aws_max_attempts > 10 {
            return Err(ConfigError("PB_AWS_MAX_ATTEMPTS: must be between 1 and 10".into()));
        }
        if self.job_lease_seconds < 5 || self.job_poll_ms < 10 {
            return Err(ConfigError("PB_JOB_LEASE_SECONDS / PB_JOB_POLL_MS: at least 5 seconds / 10 ms".into()));
        }
        if self.ingest_heartbeat_seconds == 0 || self.ingest_heartbeat_seconds > 300 {
            return Err(ConfigError("PB_INGEST_HEARTBEAT_SECONDS: must be between 1 and 300".into()));
        }
        if self.shutdown_drain_seconds > 300 {
            return Err(ConfigError("PB_SHUTDOWN_DRAIN_SECONDS: at most 300".into()));
        }
        if self.worker_name.as_deref().is_some_and(|n| n.is_empty() || n.len() > 40 || n.chars().any(char::is_control)) {
            return Err(ConfigError("PB_WORKER_NAME: 1 to 40 characters, no control characters".into()));
        }
        if self.aws_timeout_seconds == 0 {
            return Err(ConfigError("PB_AWS_TIMEOUT_SECONDS: must be at least 1".into()));
        }
        if self.platform_account_id.as_deref().is_some_and(|a| !crate::ids::is_account_id(a)) {
            return Err(ConfigError("PB_PLATFORM_ACCOUNT_ID: must be a 12-digit AWS account id".into()));
        }
        if not_http(&self.payer_role_template_url) {
            return Err(ConfigError("PB_PAYER_ROLE_TEMPLATE_URL: must be an http:// or https:// URL".into()));
        }
        if let Err(e) = parse_mailbox(&self.mail_from) {
            return Err(ConfigError(format!("PB_MAIL_FROM: {e}")));
        }
        if !LOCALES.contains(&self.default_locale.as_str()) {
            return Err(ConfigError("PB_DEFAULT_LOCALE: must be en or zh-CN".into()));
        }
        if let Some(url) = &self.smtp_url {
            use secrecy::ExposeSecret;
            let u = url.expose_secret();
            if !(u.starts_with("smtp://") || u.starts_with("smtps://")) {
                return Err(ConfigError("PB_SMTP_URL: must start with smtp:// or smtps://".into()));
            }
        }
        if self.mail_sink == MailSink::Outbox {
            // The outbox keeps every mail whole, set-password links included, readable by global
            // admins: right for a demo on a laptop, wrong anywhere people receive real mail. A
            // production deployment runs on PostgreSQL or sends through an SMTP server; either
            // one means this is not a demo, so the two can never be combined by accident.
            if self.database_url.starts_with("postgres") {
                return Err(ConfigError("PB_MAIL_SINK: outbox is for the demo only and is refused with a PostgreSQL PB_DATABASE_URL (a production database)".into()));
            }
            if self.smtp_url.is_some() {
                return Err(ConfigError("PB_MAIL_SINK: outbox is for the demo only and is refused while PB_SMTP_URL is set (mail is meant to be sent)".into()));
            }
        }
        if self.webhook_max_failures == 0 || self.notify_max_attempts == 0 || self.notify_retry_seconds == 0 {
            return Err(ConfigError("PB_WEBHOOK_MAX_FAILURES / PB_NOTIFY_MAX_ATTEMPTS / PB_NOTIFY_RETRY_SECONDS: must be at least 1".into()));
        }
        if self.notify_interval_ms < 10 {
            return Err(ConfigError("PB_NOTIFY_INTERVAL_MS: must be at least 10".into()));
        }
        if self.close_after_days.is_some_and(|d| d > 28) {
            return Err(ConfigError("PB_CLOSE_AFTER_DAYS: must be 0 to 28 days".into()));
        }
        if self.cost_pull_hour > 23 {
            return Err(ConfigError("PB_COST_PULL_HOUR: must be an hour between 0 and 23 (UTC)".into()));
        }
        if self.rate_limit_per_minute > 0 && self.rate_limit_burst == 0 {
            return Err(ConfigError("PB_RATE_LIMIT_BURST: must be at least 1 (set PB_RATE_LIMIT_PER_MINUTE=0 to turn rate limiting off)".into()));
        }
        if self.audit_digest_dir.is_some() != self.audit_digest_key_file.is_some() {
            return Err(ConfigError("PB_AUDIT_DIGEST_DIR / PB_AUDIT_DIGEST_KEY_FILE: set both (the folder and the key that signs into it) or neither".into()));
        }
        if let Some(uri) = &self.audit_digest_s3_uri {
            S3Location::parse(uri).map_err(|e| ConfigError(format!("PB_AUDIT_DIGEST_S3_URI: {e}")))?;
            if self.audit_digest_dir.is_none() {
                return Err(ConfigError("PB_AUDIT_DIGEST_S3_URI: needs PB_AUDIT_DIGEST_DIR and PB_AUDIT_DIGEST_KEY_FILE (each digest is written there first, then put to S3)".into()));
            }
        }
        if let Some(days) = self.audit_digest_s3_retain_days {
            if self.audit_digest_s3_uri.is_none() {
                return Err(ConfigError("PB_AUDIT_DIGEST_S3_RETAIN_DAYS: needs PB_AUDIT_DIGEST_S3_URI".into()));
            }
            if days == 0 || days > 36_500 {
                return Err(ConfigError("PB_AUDIT_DIGEST_S3_RETAIN_DAYS: must be between 1 and 36500".into()));
            }
        }
        if self.trusted_proxy_hops == 0 || self.trusted_proxy_hops > 10 {
            return Err(ConfigError("PB_TRUSTED_PROXY_HOPS: must be between 1 and 10".into()));
        }
        if self.request_db_connections == 0 || self.request_db_connections > 16 {
            return Err(ConfigError("PB_REQUEST_DB_CONNECTIONS: must be between 1 and 16".into()));
        }
        if let Some(secret) = &self.jwt_secret {
            use secrecy::ExposeSecret;
            if secret.expose_secret().len() < 32 {
                return Err(ConfigError("PB_JWT_SECRET: must be at least 32 characters".into()));
            }
        }
        if self.audit_signing_key.as_ref().is_some_and(|k| secrecy::ExposeSecret::expose_secret(k).len() < 32) {
            return Err(ConfigError("PB_AUDIT_SIGNING_KEY: must be at least 32 characters".into()));
        }
        if self.metrics_token.as_ref().is_some_and(|t| secrecy::ExposeSecret::expose_secret(t).len() < 16) {
            return Err(ConfigError("PB_METRICS_TOKEN: must be at least 16 characters".into()));
        }
        Ok(())
    }

    /// The JWT issuer: the public URL when set, else a fixed name.
    pub fn jwt_issuer(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| "partner-billing".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = Config::from_pairs([]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.aws_region, "us-east-1");
        assert_eq!(c.log_format, LogFormat::Text);
    }

    #[test]
    fn bad_value_names_the_key_and_not_the_value() {
        let err = Config::from_pairs([("listen", "not-an-address".to_owned())]).unwrap_err().to_string();
        assert!(err.contains("PB_LISTEN"), "{err}");
        assert!(!err.contains("not-an-address"), "{err}");
        let err = Config::from_pairs([("log_format", "xml".to_owned())]).unwrap_err().to_string();
        assert!(err.contains("PB_LOG_FORMAT"), "{err}");
    }

    #[test]
    fn short_jwt_secret_is_refused_without_echoing_it() {
        let err = Config::from_pairs([("jwt_secret", "short-secret-value".to_owned())]).unwrap_err().to_string();
        assert!(err.contains("PB_JWT_SECRET"), "{err}");
        assert!(!err.contains("short-secret-value"), "{err}");
        let err = Config::from_pairs([("audit_signing_key", "short-audit-key".to_owned())]).unwrap_err().to_string();
        assert!(err.contains("PB_AUDIT_SIGNING_KEY") && !err.contains("short-audit-key"), "{err}");
        let long = "an audit signing key of 32+ chars".to_owned();
        let c = Config::from_pairs([("audit_signing_key", long.clone())]).unwrap();
        assert_eq!(c.audit_signing_key.as_ref().map(secrecy::ExposeSecret::expose_secret), Some(long.as_str()));
    }

    #[test]
    fn notification_settings_are_checked() {
        let c = Config::from_pairs([]).unwrap();
        assert!(!c.webhook_allow_private, "private webhook targets are refused by default");
        assert_eq!(c.default_locale, "en");
        assert!(Config::from_pairs([("default_locale", "fr".to_owned())]).unwrap_err().to_string().contains("PB_DEFAULT_LOCALE"));
        assert!(Config::from_pairs([("mail_from", "not an address".to_owned())]).unwrap_err().to_string().contains("PB_MAIL_FROM"));
        let err = Config::from_pairs([("smtp_url", "http://user:hunter2@mail".to_owned())]).unwrap_err().to_string();
        assert!(err.contains("PB_SMTP_URL") && !err.contains("hunter2"), "{err}");
        assert!(Config::from_pairs([("default_locale", "zh-CN".to_owned())]).is_ok());
    }

    #[test]
    fn the_demo_mail_sink_is_refused_with_postgresql_or_smtp() {
        assert_eq!(Config::from_pairs([]).unwrap().mail_sink, MailSink::Smtp, "mail is sent by default");
        let demo = Config::from_pairs([("mail_sink", "outbox".to_owned()), ("database_url", "sqlite://demo.db?mode=rwc".to_owned())]).unwrap();
        assert_eq!(demo.mail_sink, MailSink::Outbox);
        for url in ["postgres://pb@db/pb", "postgresql://pb@db/pb"] {
            let err = Config::from_pairs([("mail_sink", "outbox".to_owned()), ("database_url", url.to_owned())]).unwrap_err().to_string();
            assert!(err.contains("PB_MAIL_SINK") && err.contains("PostgreSQL"), "{err}");
            assert!(Config::from_pairs([("database_url", url.to_owned())]).is_ok(), "PostgreSQL itself is fine: {url}");
        }
        let err = Config::from_pairs([("mail_sink", "outbox".to_owned()), ("smtp_url", "smtp://user:hunter2@mail:25".to_owned())]).unwrap_err().to_string();
        assert!(err.contains("PB_MAIL_SINK") && err.contains("PB_SMTP_URL") && !err.contains("hunter2"), "{err}");
        assert!(Config::from_pairs([("mail_sink", "smtp".to_owned()), ("smtp_url", "smtp://mail:25".to_owned())]).is_ok());
        assert!(Config::from_pairs([("mail_sink", "mailpit".to_owned())]).unwrap_err().to_string().contains("PB_MAIL_SINK"));
    }

    #[test]
    fn account_ids_keep_leading_zeros() {
        let c = Config::from_pairs([("platform_account_id", "012345678901".to_owned())]).unwrap();
        assert_eq!(c.platform_account_id.as_deref(), Some("012345678901"));
    }

    #[test]
    fn cost_pull_hour_is_an_hour_of_the_day() {
        assert_eq!(Config::from_pairs([]).unwrap().cost_pull_hour, 2);
        assert_eq!(Config::from_pairs([("cost_pull_hour", "0".to_owned())]).unwrap().cost_pull_hour, 0);
        assert!(Config::from_pairs([("cost_pull_hour", "24".to_owned())]).unwrap_err().to_string().contains("PB_COST_PULL_HOUR"));
        assert!(Config::from_pairs([("cost_pull_hour", "-1".to_owned())]).unwrap_err().to_string().contains("PB_COST_PULL_HOUR"));
    }

    #[test]
    fn request_limits_are_checked() {
        let c = Config::from_pairs([]).unwrap();
        assert_eq!((c.rate_limit_per_minute, c.rate_limit_burst, c.request_db_connections), (600, 120, 2));
        assert!(Config::from_pairs([("rate_limit_per_minute", "0".to_owned())]).is_ok(), "0 turns it off");
        assert!(Config::from_pairs([("rate_limit_burst", "0".to_owned())]).unwrap_err().to_string().contains("PB_RATE_LIMIT_BURST"));
        assert!(Config::from_pairs([("request_db_connections", "0".to_owned())]).unwrap_err().to_string().contains("PB_REQUEST_DB_CONNECTIONS"));
    }

    #[test]
    fn the_audit_digest_s3_location_is_checked() {
        let digests = |extra: &[(&'static str, &str)]| {
            let mut pairs = vec![("audit_digest_dir", "/var/lib/pb/digests".to_owned()), ("audit_digest_key_file", "/etc/pb/digest.pem".to_owned())];
            pairs.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
            Config::from_pairs(pairs)
        };
        let c = digests(&[("audit_digest_s3_uri", "s3://audit-digests/pb/prod"), ("audit_digest_s3_retain_days", "365")]).unwrap();
        assert_eq!((c.audit_digest_s3_uri.as_deref(), c.audit_digest_s3_retain_days), (Some("s3://audit-digests/pb/prod"), Some(365)));
        assert!(digests(&[("audit_digest_s3_uri", "s3://audit-digests")]).is_ok(), "a bucket without a prefix");
        for bad in ["https://audit-digests.s3.amazonaws.com/pb", "s3://", "s3:///pb", "s3://Audit_Digests/pb", "s3://ab/pb", "audit-digests/pb", "s3://audit-digests/../pb", "s3://audit-digests//pb"] {
            let err = digests(&[("audit_digest_s3_uri", bad)]).unwrap_err().to_string();
            assert!(err.contains("PB_AUDIT_DIGEST_S3_URI"), "{bad}: {err}");
        }
        let err = Config::from_pairs([("audit_digest_s3_uri", "s3://audit-digests/pb".to_owned())]).unwrap_err().to_string();
        assert!(err.contains("PB_AUDIT_DIGEST_S3_URI") && err.contains("PB_AUDIT_DIGEST_DIR"), "{err}");
        let err = digests(&[("audit_digest_s3_retain_days", "30")]).unwrap_err().to_string();
        assert!(err.contains("PB_AUDIT_DIGEST_S3_RETAIN_DAYS") && err.contains("needs PB_AUDIT_DIGEST_S3_URI"), "{err}");
        let err = digests(&[("audit_digest_s3_uri", "s3://audit-digests/pb"), ("audit_digest_s3_retain_days", "0")]).unwrap_err().to_string();
        assert!(err.contains("PB_AUDIT_DIGEST_S3_RETAIN_DAYS"), "{err}");
    }

    #[test]
    fn the_ingestion_heartbeat_is_checked() {
        assert_eq!(Config::from_pairs([]).unwrap().ingest_heartbeat_seconds, 5);
        assert_eq!(Config::from_pairs([("ingest_heartbeat_seconds", "1".to_owned())]).unwrap().ingest_heartbeat_seconds, 1);
        for bad in ["0", "301", "soon"] {
            let err = Config::from_pairs([("ingest_heartbeat_seconds", bad.to_owned())]).unwrap_err().to_string();
            assert!(err.contains("PB_INGEST_HEARTBEAT_SECONDS"), "{bad}: {err}");
        }
    }

    #[test]
    fn secrets_are_not_in_debug_output() {
        let c = Config::from_pairs([("jwt_secret", "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t".to_owned())]).unwrap();
        assert!(!format!("{c:?}").contains("s3cr3t"));
    }
}
