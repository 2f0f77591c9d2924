//! The `partner-billing` command: the server and the operator's tools.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use partner_billing::config::Config;
use partner_billing::domain::Target;
use partner_billing::domain::users::{NewUser, check_user, insert_user};
use partner_billing::ids::ROOT_TENANT_ID;
use partner_billing::startup::{Application, connect_database, migrate};
use partner_billing::tenancy::Role;
use partner_billing::tenancy::unscoped::UnscopedPlatformAccess;
use partner_billing::{demo, graphql, ingest, telemetry};
use secrecy::SecretString;

#[derive(Parser)]
#[command(name = "partner-billing", version, about = "Billing and organization management for AWS channel partners")]
struct Cli {
    /// TOML file with settings (environment variables PB_* override it).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create a platform admin; the password is read from standard input.
    CreateAdmin {
        #[arg(long)]
        email: String,
        /// Read the password from standard input (scripts); without it the password is asked for
        /// at the terminal. Passwords never go on the command line.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// The audit trail: verify its hash chain, or apply retention.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Ingest cost exports (CUR 2.0, legacy CUR, FOCUS; Parquet, CSV, CSV.gz, manifests or
    /// folders of them) for one payer, replacing each billing period they contain.
    Ingest {
        /// The payer's id (a UUID, as shown by the API).
        #[arg(long)]
        payer: String,
        /// Reader threads (default: one per core).
        #[arg(long, default_value_t = 0)]
        threads: usize,
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Write a synthetic CUR 2.0 export (real column names and types), deterministic by seed.
    GenCur {
        #[arg(long)]
        rows: u64,
        #[arg(long, default_value_t = 50)]
        accounts: u32,
        /// Billing period, YYYY-MM.
        #[arg(long)]
        month: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_enum, default_value_t = GenFormatArg::Parquet)]
        format: GenFormatArg,
        /// The payer (billing) account of every line; by default the first generated account.
        /// `ingest` takes only the rows of the payer's registered account.
        #[arg(long)]
        payer_account: Option<String>,
    },
    /// A populated sandbox: the server on a fresh SQLite file against a local moto, with an
    /// admin (password printed), tenants, a payer with a 20-account organization and generated CUR
    /// for the current month up to yesterday and the whole months before it. Serves until Ctrl-C.
    Demo {
        /// The demo's SQLite file (must not exist, unless --reset).
        #[arg(long, default_value = "data/demo.db")]
        database: PathBuf,
        /// Replace an existing demo database.
        #[arg(long)]
        reset: bool,
        /// Whole months of cost data before the current month, which has data up to yesterday (on
        /// the 1st, when no day of it has passed, just these months).
        #[arg(long, default_value_t = 12)]
        months: u32,
        #[arg(long, default_value_t = 20_000)]
        rows_per_month: u64,
        #[arg(long, default_value_t = 20)]
        accounts: usize,
        /// moto_server to start when PB_AWS_ENDPOINT_URL is not set.
        #[arg(long, default_value = ".venv/bin/moto_server")]
        moto_bin: PathBuf,
        /// Set up, print, and stop instead of serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Exit 0 when the server answers /readyz (the container health check; the image has no curl).
    Healthcheck {
        /// Default: /readyz on 127.0.0.1 at PB_LISTEN's port.
        #[arg(long)]
        url: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the chain; exit non-zero naming the first altered, inserted or missing record. With
    /// --digests and --public-key, also check every signed digest and the records they pin.
    Verify {
        /// The signed digests: a folder (PB_AUDIT_DIGEST_DIR, or a copy of it), or
        /// s3://bucket/prefix (PB_AUDIT_DIGEST_S3_URI), downloaded with the platform's AWS identity.
        #[arg(long, requires = "public_key")]
        digests: Option<String>,
        /// The Ed25519 public key (SPKI PEM, `openssl pkey -pubout`) the digests are signed with.
        #[arg(long, requires = "digests")]
        public_key: Option<PathBuf>,
    },
    /// Sign a digest of the chain's head into PB_AUDIT_DIGEST_DIR now (the audit.digest job does
    /// this hourly).
    Digest,
    /// Delete whole days older than the retention (PB_AUDIT_RETENTION_DAYS or --days) behind a
    /// signed checkpoint.
    Prune {
        #[arg(long)]
        days: Option<u32>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum GenFormatArg {
    Parquet,
    #[value(name = "csv.gz")]
    CsvGz,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Schema) = cli.command {
        print!("{}", graphql::sdl());
        return ExitCode::SUCCESS;
    }
    if let Some(Command::GenCur { rows, accounts, month, out, seed, format, payer_account }) = &cli.command {
        return gen_cur(*rows, *accounts, month, out, *seed, *format, payer_account.clone());
    }
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(config).await,
            Command::Migrate => {
                let db = connect_database(&config.database_url).await?;
                migrate(&db).await?;
                tracing::info!("migrations applied");
                Ok(())
            }
            Command::CreateAdmin { email, password_stdin } => create_admin(config, email, password_stdin).await,
            Command::Ingest { payer, threads, paths } => ingest(config, &payer, threads, &paths).await,
            Command::Audit { command } => audit(config, command).await,
            Command::Demo { database, reset, months, rows_per_month, accounts, moto_bin, no_serve } => {
                let options = partner_billing::demo::DemoOptions { database, reset, months, rows_per_month, accounts, moto_bin, serve: !no_serve };
                partner_billing::demo::run(config, options).await
            }
            Command::Healthcheck { url } => healthcheck(&config, url).await,
            Command::Schema | Command::GenCur { .. } => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    tracing::info!(port = app.port(), "listening; GraphQL at /graphql");
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn create_admin(config: Config, email: String, password_stdin: bool) -> anyhow::Result<()> {
    use std::io::IsTerminal as _;
    let password = if password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        SecretString::from(line.trim_end_matches(['\r', '\n']).to_owned())
    } else if std::io::stdin().is_terminal() {
        // Typed at a prompt, not echoed, twice so a typo does not lock the only admin out.
        let first = rpassword::prompt_password(format!("Password for {email} (at least 12 characters): ")).context("reading the password")?;
        let again = rpassword::prompt_password("The same password again: ").context("reading the password")?;
        anyhow::ensure!(first == again, "the two passwords differ; nothing was created");
        SecretString::from(first)
    } else {
        anyhow::bail!("standard input is not a terminal: pass --password-stdin and give the password on standard input");
    };
    let db = connect_database(&config.database_url).await?;
    migrate(&db).await?;
    let platform = UnscopedPlatformAccess::new(db);
    partner_billing::tenancy::ensure_root(platform.db()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let new = NewUser {
        email,
        display_name: String::new(),
        password: Some(password),
        locale: "en".into(),
        role: Role::Admin,
        target: Target::Tenant(ROOT_TENANT_ID),
    };
    let new = check_user(new).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let user = insert_user(platform.db(), new, None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("created platform admin {} ({})", user.email, user.id);
    Ok(())
}

async fn healthcheck(config: &Config, url: Option<String>) -> anyhow::Result<()> {
    let url = url.unwrap_or_else(|| format!("http://127.0.0.1:{}/readyz", config.listen.port()));
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build()?;
    let status = client.get(&url).send().await?.status();
    anyhow::ensure!(status.is_success(), "{url} answered {status}");
    Ok(())
}

async fn audit(config: Config, command: AuditCommand) -> anyhow::Result<()> {
    let db = connect_database(&config.database_url).await?;
    migrate(&db).await?;
    match command {
        AuditCommand::Verify { digests, public_key } => {
            match partner_billing::audit::chain::verify_with(&db, config.audit_signing_key.as_ref()).await.map_err(|e| anyhow::anyhow!("{e}"))? {
                Ok(report) => println!(
                    "audit trail intact: {} records (from record {} to {})",
                    report.records,
                    report.checkpoint + 1,
                    report.last_seq
                ),
                Err(broken) => anyhow::bail!("audit trail broken: {broken}"),
            }
            if let (Some(digests), Some(key)) = (digests, public_key) {
                let public = partner_billing::audit::digest::verifying_key_from_pem_file(&key)?;
                // From S3: downloaded into a temporary folder first, then checked the same way.
                let downloaded;
                let dir = if digests.starts_with("s3://") {
                    let from = partner_billing::config::S3Location::parse(&digests).map_err(|e| anyhow::anyhow!("--digests: {e}"))?;
                    let s3 = partner_billing::aws::SdkS3::new(&partner_billing::aws::sdk_loader(&config).load().await);
                    downloaded = tempfile::tempdir()?;
                    let n = partner_billing::audit::digest::download_all(&s3, &from, downloaded.path()).await.map_err(|e| anyhow::anyhow!("reading the digests from {from}: {e}"))?;
                    println!("downloaded {n} digest files from {from}");
                    downloaded.path().to_path_buf()
                } else {
                    PathBuf::from(&digests)
                };
                match partner_billing::audit::digest::verify(db.pool(), &dir, &public).await.map_err(|e| anyhow::anyhow!("{e}"))? {
                    Ok(report) if report.digests == 0 => anyhow::bail!("no digests in {digests}"),
                    Ok(report) => println!("{} signed digests vouch for the trail up to record {}", report.digests, report.last_digest_seq),
                    Err(broken) => anyhow::bail!("audit trail broken: {broken}"),
                }
            }
            Ok(())
        }
        AuditCommand::Digest => {
            let (Some(dir), Some(key_file)) = (&config.audit_digest_dir, &config.audit_digest_key_file) else {
                anyhow::bail!("set PB_AUDIT_DIGEST_DIR and PB_AUDIT_DIGEST_KEY_FILE");
            };
            let key = partner_billing::audit::digest::signing_key_from_pem_file(key_file)?;
            let path = partner_billing::audit::digest::write(db.pool(), dir, &key, chrono::Utc::now()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("wrote {}", path.display());
            if let Some(uri) = &config.audit_digest_s3_uri {
                use partner_billing::audit::digest;
                let to = partner_billing::config::S3Location::parse(uri).map_err(|e| anyhow::anyhow!("PB_AUDIT_DIGEST_S3_URI: {e}"))?;
                let s3 = partner_billing::aws::SdkS3::new(&partner_billing::aws::sdk_loader(&config).load().await);
                let report = digest::upload_pending(&s3, &to, dir, config.audit_digest_s3_retain_days, chrono::Utc::now(), digest::MAX_UPLOADS_PER_RUN)
                    .await
                    .map_err(|e| anyhow::anyhow!("putting digests to {to} failed: {e}; they are kept in {} and uploaded on the next run", dir.display()))?;
                println!("put {} files to {to} ({} already there, {} left for the next run)", report.uploaded.len(), report.already_there.len(), report.remaining);
            }
            Ok(())
        }
        AuditCommand::Prune { days } => {
            let Some(days) = days.or(config.audit_retention_days) else {
                println!("no retention set (PB_AUDIT_RETENTION_DAYS or --days): nothing pruned");
                return Ok(());
            };
            let auditor = partner_billing::audit::Auditor::new(db).with_signing_key(config.audit_signing_key.clone());
            let gone = auditor.prune(days, chrono::Utc::now()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("pruned {gone} audit records older than {days} days");
            Ok(())
        }
    }
}

async fn ingest(config: Config, payer: &str, threads: usize, paths: &[PathBuf]) -> anyhow::Result<()> {
    let payer = partner_billing::ids::PayerId::parse(payer).map_err(|_| anyhow::anyhow!("--payer must be a payer id (a UUID)"))?;
    let db = connect_database(&config.database_url).await?;
    migrate(&db).await?;
    let options = ingest::IngestOptions { progress: true, threads, heartbeat: Some(std::time::Duration::from_secs(config.ingest_heartbeat_seconds)) };
    // An operator runs this: an internal failure (a full disk, a database gone) says what failed
    // and why, not just "internal error".
    let report = partner_billing::domain::cost_exports::ingest_and_adjust(&UnscopedPlatformAccess::new(db), payer, paths, &options).await.map_err(|e| match e {
        partner_billing::error::AppError::Internal(cause) => anyhow::anyhow!("ingestion failed: {cause:#}"),
        other => anyhow::anyhow!("{other}"),
    })?;
    print!("{report}");
    Ok(())
}

fn gen_cur(rows: u64, accounts: u32, month: &str, out: &std::path::Path, seed: u64, format: GenFormatArg, payer_account: Option<String>) -> ExitCode {
    let month = match demo::generate::parse_month(month) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let format = match format {
        GenFormatArg::Parquet => demo::generate::GenFormat::Parquet,
        GenFormatArg::CsvGz => demo::generate::GenFormat::CsvGz,
    };
    let options = demo::generate::GenOptions { rows, accounts, month, seed, format, out: out.to_owned(), payer_account };
    match demo::generate::generate(&options) {
        Ok(n) => {
            println!("wrote {n} rows to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
