//! `partner-billing demo`: a populated sandbox in one command. It starts the server on a fresh
//! SQLite file against a local moto (started from `.venv` unless `PB_AWS_ENDPOINT_URL` names
//! one), and sets it up the way a partner would, through the GraphQL API: an admin with a
//! random password (printed once), a distributor, a reseller, two customers, a payer whose
//! organization has 20 accounts, its accounts synchronised, and 13 months of generated CUR 2.0
//! ingested. Then it keeps serving until Ctrl-C.

pub mod cur;
pub mod moto;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{Datelike, Months, NaiveDate, Utc};
use rand::Rng;
use rand::distributions::Alphanumeric;
use serde_json::{Value, json};

use crate::aws::AwsClients;
use crate::config::Config;
use crate::ids::{PayerId, ROOT_TENANT_ID};
use crate::ingest::{IngestOptions, ingest_files_with};
use crate::startup::Application;
use crate::tenancy::unscoped::UnscopedPlatformAccess;

/// What the demo builds.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// The SQLite file; it must not exist yet unless `reset` is set.
    pub database: PathBuf,
    pub reset: bool,
    /// Months of cost data, ending with last month.
    pub months: u32,
    pub rows_per_month: u64,
    /// Accounts in the organization, the management account included.
    pub accounts: usize,
    /// `moto_server` to start when `PB_AWS_ENDPOINT_URL` is not set.
    pub moto_bin: PathBuf,
    /// Keep serving after setting up (off: set up, print, stop).
    pub serve: bool,
}

/// The one admin the demo creates.
pub const ADMIN_EMAIL: &str = "admin@demo.example";

/// A minimal GraphQL client over the demo's own HTTP port.
struct Client {
    http: reqwest::Client,
    url: String,
    token: Option<String>,
}

impl Client {
    async fn call(&self, query: &str, variables: Value) -> anyhow::Result<Value> {
        let mut req = self.http.post(&self.url).json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        let body: Value = req.send().await?.json().await?;
        if let Some(errors) = body.get("errors").and_then(Value::as_array).filter(|e| !e.is_empty()) {
            anyhow::bail!("GraphQL error: {}", errors[0]["message"].as_str().unwrap_or("unknown"));
        }
        Ok(body["data"].clone())
    }

    async fn tenant(&self, parent: &str, kind: &str, name: &str) -> anyhow::Result<String> {
        let data = self
            .call("mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }", json!({ "i": { "parentId": parent, "kind": kind, "name": name } }))
            .await
            .with_context(|| format!("creating the {kind} {name}"))?;
        id_of(&data["createTenant"])
    }

    /// Waits for a job to end; an error when it failed or took over two minutes.
    async fn wait_for_job(&self, id: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let data = self.call("query($id: ID!) { job(id: $id) { state lastError } }", json!({ "id": id })).await?;
            match data["job"]["state"].as_str() {
                Some("SUCCEEDED") => return Ok(()),
                Some("FAILED") => anyhow::bail!("job failed: {}", data["job"]["lastError"].as_str().unwrap_or("no reason given")),
                _ if Instant::now() > deadline => anyhow::bail!("job {id} did not finish within two minutes"),
                _ => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }
}

fn id_of(v: &Value) -> anyhow::Result<String> {
    v["id"].as_str().map(str::to_owned).context("no id in the answer")
}

/// The first days of the `n` months that end with last month, oldest first.
pub fn past_months(today: NaiveDate, n: u32) -> Vec<NaiveDate> {
    let this_month = today.with_day(1).unwrap_or(today);
    (1..=n).rev().filter_map(|k| this_month.checked_sub_months(Months::new(k))).collect()
}

fn random_password() -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(20).map(char::from).collect()
}

/// A random 12-digit account id for the demo payer (a new one per run, so a shared moto works).
fn random_account() -> String {
    format!("{:012}", rand::thread_rng().gen_range(100_000_000_000u64..999_999_999_999))
}

fn remove_database(path: &std::path::Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        if file.exists() {
            std::fs::remove_file(&file).with_context(|| format!("removing {}", file.display()))?;
        }
    }
    Ok(())
}

/// Builds the demo and, with `serve`, serves it until SIGINT/SIGTERM.
pub async fn run(mut config: Config, opts: DemoOptions) -> anyhow::Result<()> {
    if opts.database.exists() {
        if !opts.reset {
            anyhow::bail!("{} already exists: pass --reset to replace it, or --database for another file", opts.database.display());
        }
        remove_database(&opts.database)?;
    }
    config.database_url = format!("sqlite://{}?mode=rwc", opts.database.display());
    let _moto = match &config.aws_endpoint_url {
        Some(url) => {
            println!("using the AWS emulator at {url} (PB_AWS_ENDPOINT_URL)");
            None
        }
        None => {
            let moto = moto::start(&opts.moto_bin)?;
            println!("started moto at {}", moto.url);
            config.aws_endpoint_url = Some(moto.url.clone());
            Some(moto)
        }
    };
    let sdk = crate::aws::sdk_loader(&config).credentials_provider(moto::credentials()).load().await;

    let management = random_account();
    let accounts = moto::organization(&sdk, &management, opts.accounts.saturating_sub(1)).await?;
    println!("created an organization in moto: management account {management}, {} accounts", accounts.len());

    let app = Application::build_with_aws(config, AwsClients::from_sdk_config(&sdk)).await?;
    let code = app.bootstrap_code().map(str::to_owned).context("the demo database already has users")?;
    let base_url = format!("http://127.0.0.1:{}", app.port());
    let db = app.state().db.clone();
    let (server, worker) = app.into_parts();
    let handle = server.handle();
    let server = tokio::spawn(server);

    let setup = populate(&base_url, &code, &management, &accounts, &opts, db).await;
    if let Err(e) = setup {
        handle.stop(true).await;
        if let Some(worker) = worker {
            worker.shutdown().await;
        }
        return Err(e);
    }
    println!("ready: {base_url}");
    if opts.serve {
        println!("serving until Ctrl-C");
        server.await.context("the server task")??;
    } else {
        handle.stop(true).await;
    }
    if let Some(worker) = worker {
        worker.shutdown().await;
    }
    Ok(())
}

async fn populate(
    base_url: &str,
    code: &str,
    management: &str,
    accounts: &[cur::OrgAccount],
    opts: &DemoOptions,
    db: crate::db::Db,
) -> anyhow::Result<()> {
    let mut client = Client { http: reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?, url: format!("{base_url}/graphql"), token: None };
    let password = random_password();
    let data = client
        .call(
            "mutation($c: String!, $e: String!, $p: String!) { bootstrapAdmin(code: $c, email: $e, password: $p) { accessToken } }",
            json!({ "c": code, "e": ADMIN_EMAIL, "p": password }),
        )
        .await
        .context("creating the admin")?;
    client.token = data["bootstrapAdmin"]["accessToken"].as_str().map(str::to_owned);

    let distributor = client.tenant(&ROOT_TENANT_ID.to_string(), "DISTRIBUTOR", "Demo Distribution").await?;
    let reseller = client.tenant(&distributor, "RESELLER", "Demo Reseller").await?;
    let mut customers = Vec::new();
    for customer in ["Acme Corp", "Globex"] {
        customers.push((customer, client.tenant(&reseller, "CUSTOMER", customer).await?));
    }
    println!("created a distributor, a reseller and two customers");

    let payer = client
        .call(
            "mutation($i: RegisterPayerInput!) { registerPayer(input: $i) { id } }",
            json!({ "i": { "tenantId": reseller, "accountId": management, "name": "Demo payer",
                           "roleArn": format!("arn:aws:iam::{management}:role/PartnerBillingAccess") } }),
        )
        .await
        .context("registering the payer")?;
    let payer_id = id_of(&payer["registerPayer"])?;
    let checked = client.call("mutation($id: ID!) { checkPayerConnection(id: $id) { status statusReason } }", json!({ "id": payer_id })).await?;
    if checked["checkPayerConnection"]["status"] != "CONNECTED" {
        anyhow::bail!("the payer did not connect: {}", checked["checkPayerConnection"]["statusReason"]);
    }
    let job = client.call("mutation($p: ID!) { syncAccounts(payerId: $p) { id } }", json!({ "p": payer_id })).await?;
    client.wait_for_job(&id_of(&job["syncAccounts"])?).await.context("synchronising the organization")?;
    println!("registered and connected the payer {management}; synchronised its accounts");

    let months = past_months(Utc::now().date_naive(), opts.months);
    let dir = tempfile::tempdir()?;
    let (rows, org) = (opts.rows_per_month, accounts.to_vec());
    let dir_path = dir.path().to_path_buf();
    let files = tokio::task::spawn_blocking(move || {
        months.iter().enumerate().map(|(i, month)| cur::month_file(&dir_path, *month, rows, &org, 1000 + i as u64)).collect::<Result<Vec<_>, String>>()
    })
    .await?
    .map_err(|e| anyhow::anyhow!("generating CUR: {e}"))?;
    let platform = UnscopedPlatformAccess::new(db);
    let payer = PayerId::parse(&payer_id).map_err(|_| anyhow::anyhow!("the API returned a payer id that is not a UUID"))?;
    let report = ingest_files_with(&platform, payer, &files, &IngestOptions { progress: false, threads: 0 })
        .await
        .map_err(|e| anyhow::anyhow!("ingesting the generated CUR: {e}"))?;
    println!("ingested {} months of CUR 2.0 ({} lines) in {:.1} s", report.periods.len(), report.periods.iter().map(|p| p.lines).sum::<u64>(), report.duration.as_secs_f64());

    let first_month = past_months(Utc::now().date_naive(), opts.months).first().map(|m| m.format("%Y-%m").to_string());
    billing(&client, &payer_id, accounts, &customers, first_month).await.context("setting up billing")?;

    println!();
    println!("  web app and GraphQL: {base_url}  (GraphiQL at {base_url}/graphql)");
    println!("  sign in as {ADMIN_EMAIL} with password {password}");
    println!("  (the password is shown only now; the demo database is {})", opts.database.display());
    println!();
    Ok(())
}

/// Pricing (8 % over list, EC2 at 3 % off) and one billing group per customer, splitting the
/// member accounts, from the first demo month on.
async fn billing(client: &Client, payer: &str, accounts: &[cur::OrgAccount], customers: &[(&str, String)], from: Option<String>) -> anyhow::Result<()> {
    let rule = "mutation($i: CreatePricingRuleInput!) { createPricingRule(input: $i) { id } }";
    let markup = client.call(rule, json!({ "i": { "payerId": payer, "name": "partner-markup", "scope": "GLOBAL", "type": "MARKUP", "modifierPercentage": "8" } })).await?;
    let ec2 = client
        .call(rule, json!({ "i": { "payerId": payer, "name": "ec2-discount", "scope": "SERVICE", "type": "DISCOUNT", "modifierPercentage": "3", "service": "AmazonEC2" } }))
        .await?;
    let rules = [id_of(&markup["createPricingRule"])?, id_of(&ec2["createPricingRule"])?];
    let plan = client
        .call("mutation($i: CreatePricingPlanInput!) { createPricingPlan(input: $i) { id } }", json!({ "i": { "payerId": payer, "name": "Standard", "pricingRuleIds": rules } }))
        .await?;
    let plan = id_of(&plan["createPricingPlan"])?;
    // The first account is the payer itself; the members are shared out between the customers.
    let members: Vec<&str> = accounts.iter().skip(1).map(|a| a.id.as_str()).collect();
    let per_customer = members.len().div_ceil(customers.len().max(1)).max(1);
    for ((name, tenant), chunk) in customers.iter().zip(members.chunks(per_customer)) {
        let group = name.replace(' ', "-");
        let input = json!({ "i": { "payerId": payer, "name": group, "description": format!("{name}'s accounts"), "primaryAccountId": chunk[0],
                                   "accountIds": chunk, "pricingPlanId": plan, "customerTenantId": tenant, "billingPeriod": from } });
        client.call("mutation($i: CreateBillingGroupInput!) { createBillingGroup(input: $i) { id } }", input).await?;
    }
    println!("set up pricing (plan Standard: 8 % markup, EC2 3 % discount) and a billing group per customer");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_months_end_with_last_month() {
        let months = past_months(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(), 13);
        assert_eq!(months.len(), 13);
        assert_eq!(months.first().unwrap().to_string(), "2024-12-01");
        assert_eq!(months.last().unwrap().to_string(), "2025-12-01");
    }

    #[test]
    fn passwords_are_random_and_long_enough() {
        let (a, b) = (random_password(), random_password());
        assert_ne!(a, b);
        assert!(a.len() >= 12);
    }
}
