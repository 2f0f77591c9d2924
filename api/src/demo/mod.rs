//! `partner-billing demo`: a populated sandbox in one command. It starts the server on a fresh
//! SQLite file against a local moto (started from `.venv` unless `PB_AWS_ENDPOINT_URL` names
//! one), and sets it up the way a partner would, through the GraphQL API: an admin with a
//! random password (printed once), a distributor, a reseller, two customers, a payer whose
//! organization has 20 accounts, its accounts synchronised, and generated CUR 2.0 ingested for the
//! current month up to yesterday and the 12 whole months before it (see [`demo_months`]). Then it keeps serving until Ctrl-C.
//!
//! [`generate`] is the synthetic CUR 2.0 writer behind it, also behind `partner-billing gen-cur`
//! (which `scripts/bench-ingest` and `scripts/bench-api` use) and the ingestion tests: tooling, not
//! part of production ingestion.

pub mod cur;
pub mod generate;
pub mod moto;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{Datelike, Months, NaiveDate, Utc};
use rand::Rng;
use rand::distributions::Alphanumeric;
use serde_json::{Value, json};

use crate::aws::AwsClients;
use crate::config::{Config, MailSink};
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
    /// Whole months of cost data before the current month (which has data up to yesterday).
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

/// One month of demo data: its first day and the last day that has data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoMonth {
    pub month: NaiveDate,
    pub last_day: NaiveDate,
}

impl DemoMonth {
    /// Whether the month has data on every one of its days.
    pub fn is_whole(&self) -> bool {
        self.last_day.succ_opt().is_none_or(|next| next.day() == 1)
    }

    /// Days with data.
    pub fn days(&self) -> u32 {
        self.last_day.day()
    }
}

/// The months the demo covers, oldest first: the current month up to yesterday, and the `full`
/// whole months before it. On the first of a month no day of the current month has passed, so
/// it is left out and the data is the `full` whole months ending yesterday.
pub fn demo_months(today: NaiveDate, full: u32) -> Vec<DemoMonth> {
    let this_month = today.with_day(1).unwrap_or(today);
    let mut months: Vec<DemoMonth> = (1..=full)
        .rev()
        .filter_map(|k| {
            let month = this_month.checked_sub_months(Months::new(k))?;
            let last_day = month.checked_add_months(Months::new(1))?.pred_opt()?;
            Some(DemoMonth { month, last_day })
        })
        .collect();
    if let Some(yesterday) = today.pred_opt().filter(|y| *y >= this_month) {
        months.push(DemoMonth { month: this_month, last_day: yesterday });
    }
    months
}

/// Rows for a month with `days` of data, in proportion to a whole month's `rows_per_month`
/// (so the month in progress spends at the same daily rate).
fn rows_for(rows_per_month: u64, month: &DemoMonth) -> u64 {
    let whole = month.month.checked_add_months(Months::new(1)).and_then(|n| n.pred_opt()).map_or(31, |d| d.day());
    (rows_per_month * u64::from(month.days()) / u64::from(whole)).max(1)
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
    // There is no mail server in the demo: mail is caught in the built-in outbox and shown in
    // the web app, unless PB_SMTP_URL names a server (Mailpit, say).
    if config.smtp_url.is_none() {
        config.mail_sink = MailSink::Outbox;
    }
    config.validate()?;
    let mail_sink = config.mail_sink;
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
    let platform = app.state().platform().clone();
    let (server, worker) = app.into_parts();
    let handle = server.handle();
    let mut server = tokio::spawn(server);

    let setup = populate(&base_url, &code, &management, &accounts, &opts, platform).await;
    if let Err(e) = setup {
        handle.stop(true).await;
        if let Some(worker) = worker {
            worker.shutdown().await;
        }
        return Err(e);
    }
    match mail_sink {
        MailSink::Outbox => println!(
            "mail is not sent in the demo: invitations and notifications show up in the web app's Demo outbox ({base_url}/demo-outbox, signed in as {ADMIN_EMAIL})"
        ),
        MailSink::Smtp => println!("mail goes to the SMTP server in PB_SMTP_URL"),
    }
    println!("ready: {base_url}");
    if opts.serve {
        println!("serving until Ctrl-C");
        tokio::select! {
            ended = &mut server => ended.context("the server task")??,
            _ = crate::startup::wait_for_stop_signal() => {
                handle.stop(true).await;
                server.await.context("the server task")??;
            }
        }
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
    platform: UnscopedPlatformAccess,
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
    for customer in moto::CUSTOMERS {
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

    let months = demo_months(Utc::now().date_naive(), opts.months);
    let first_month = months.first().map(|m| m.month.format("%Y-%m").to_string());
    let dir = tempfile::tempdir()?;
    let (rows, org) = (opts.rows_per_month, accounts.to_vec());
    let dir_path = dir.path().to_path_buf();
    let files = tokio::task::spawn_blocking(move || {
        months
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let last_day = (!m.is_whole()).then_some(m.last_day);
                cur::month_file(&dir_path, m.month, last_day, rows_for(rows, m), &org, 1000 + i as u64)
            })
            .collect::<Result<Vec<_>, String>>()
    })
    .await?
    .map_err(|e| anyhow::anyhow!("generating CUR: {e}"))?;
    // The generated lines carry a `team` tag: keep it, so every cost view splits by team.
    client
        .call("mutation($p: ID!) { setCostAllocationKeys(payerId: $p, keys: [{ kind: TAG, name: \"team\" }]) { name } }", json!({ "p": payer_id }))
        .await
        .context("selecting the team tag")?;
    let payer = PayerId::parse(&payer_id).map_err(|_| anyhow::anyhow!("the API returned a payer id that is not a UUID"))?;
    let report = ingest_files_with(&platform, payer, &files, &IngestOptions::default())
        .await
        .map_err(|e| anyhow::anyhow!("ingesting the generated CUR: {e}"))?;
    println!("ingested {} months of CUR 2.0 ({} lines) in {:.1} s", report.periods.len(), report.periods.iter().map(|p| p.lines).sum::<u64>(), report.duration.as_secs_f64());

    billing(&client, &payer_id, accounts, &customers, first_month).await.context("setting up billing")?;
    let start = months_start(opts.months);
    contracts(&client, &payer_id, &customers, start).await.context("creating the contracts")?;
    let onboarding = onboarding(&client, &reseller, start).await.context("starting an onboarding")?;

    let mut viewers = Vec::new();
    for (name, tenant) in &customers {
        let (email, password) = (customer_user_email(name), random_password());
        client
            .call(
                "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
                json!({ "i": { "email": email, "displayName": format!("{name} (viewer)"), "password": password, "role": "VIEWER", "tenantId": tenant } }),
            )
            .await
            .with_context(|| format!("creating the user of {name}"))?;
        viewers.push((*name, email, password));
    }

    println!();
    println!("  web app and GraphQL: {base_url}  (GraphiQL at {base_url}/graphql)");
    println!("  partner admin: sign in as {ADMIN_EMAIL} with password {password}");
    for (name, email, password) in &viewers {
        println!("  {name}'s own charges (end customer): sign in as {email} with password {password}");
    }
    println!("  {onboarding}");
    println!("  (the passwords are shown only now; the demo database is {}; `--reset` builds it anew with new passwords)", opts.database.display());
    println!();
    Ok(())
}

/// The end-customer user the demo creates for `customer` (a viewer on its tenant).
pub fn customer_user_email(customer: &str) -> String {
    let slug: String = customer.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    format!("viewer@{slug}.demo.example")
}

/// The first day of the demo's data, for contracts that cover all of it.
fn months_start(full: u32) -> NaiveDate {
    let today = Utc::now().date_naive();
    demo_months(today, full).first().map_or(today, |m| m.month)
}

/// An open-ended contract per customer, covering the demo payer, from the first demo month on.
async fn contracts(client: &Client, payer: &str, customers: &[(&str, String)], start: NaiveDate) -> anyhow::Result<()> {
    for (name, tenant) in customers {
        let slug = customer_user_email(name).trim_start_matches("viewer@").trim_end_matches(".demo.example").to_owned();
        // The invoice prefix: the name's first word ("ACME", "GLOBEX").
        let prefix: String = slug.split('-').next().unwrap_or("DEMO").to_uppercase().chars().filter(char::is_ascii_alphanumeric).take(10).collect();
        client
            .call(
                "mutation($i: CreateContractInput!) { createContract(input: $i) { id } }",
                json!({ "i": { "customerTenantId": tenant, "name": format!("{name} managed AWS"), "startDate": start.to_string(), "renewal": "AUTO",
                               "payerIds": [payer], "billingEmail": format!("ap@{slug}.demo.example"),
                               "contractChangeEmail": format!("contracts@{slug}.demo.example"), "invoicePrefix": prefix, "currency": "USD" } }),
            )
            .await
            .with_context(|| format!("the contract of {name}"))?;
    }
    println!("created a contract per customer (USD, auto-renewing, from {start})");
    Ok(())
}

/// The customer being brought on board (it owns no accounts yet).
pub const ONBOARDING_CUSTOMER: &str = "Initech";

/// [`ONBOARDING_CUSTOMER`]: a tenant with an active contract and its administrator invited (no
/// password yet), so its onboarding stands at INVITE_ADMIN. Returns a line saying so.
async fn onboarding(client: &Client, reseller: &str, start: NaiveDate) -> anyhow::Result<String> {
    let name = ONBOARDING_CUSTOMER;
    let tenant = client.tenant(reseller, "CUSTOMER", name).await?;
    contracts_for_onboarding(client, &tenant, start).await?;
    let admin = customer_user_email(name).replace("viewer@", "admin@");
    client
        .call("mutation($i: CreateUserInput!) { createUser(input: $i) { id } }", json!({ "i": { "email": admin, "displayName": format!("{name} administrator"), "role": "ADMIN", "tenantId": tenant } }))
        .await
        .context("inviting the customer's administrator")?;
    let data = client.call("query($c: ID!) { onboarding(customerTenantId: $c) { currentStep { step status } } }", json!({ "c": tenant })).await?;
    let step = &data["onboarding"]["currentStep"];
    Ok(format!(
        "onboarding in progress: {name} (contract active, administrator {admin} invited; current step {} {})",
        step["step"].as_str().unwrap_or("?"),
        step["status"].as_str().unwrap_or("?")
    ))
}

async fn contracts_for_onboarding(client: &Client, tenant: &str, start: NaiveDate) -> anyhow::Result<()> {
    client
        .call(
            "mutation($i: CreateContractInput!) { createContract(input: $i) { id } }",
            json!({ "i": { "customerTenantId": tenant, "name": "Initech onboarding", "startDate": start.to_string(), "renewal": "MANUAL",
                           "payerIds": [], "billingEmail": "ap@initech.demo.example", "contractChangeEmail": "contracts@initech.demo.example",
                           "invoicePrefix": "INITECH", "currency": "USD" } }),
        )
        .await
        .context("the contract of Initech")?;
    Ok(())
}

/// Pricing (8 % over list, EC2 at 3 % off) and one billing group per customer holding exactly the
/// accounts that customer owns, from the first demo month on.
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
    for (name, tenant) in customers {
        let own = owned_by(accounts, name);
        let Some(primary) = own.first() else {
            continue;
        };
        let group = name.replace(' ', "-");
        let input = json!({ "i": { "payerId": payer, "name": group, "description": format!("{name}'s accounts"), "primaryAccountId": primary,
                                   "accountIds": own, "pricingPlanId": plan, "customerTenantId": tenant, "billingPeriod": from } });
        client.call("mutation($i: CreateBillingGroupInput!) { createBillingGroup(input: $i) { id } }", input).await.with_context(|| format!("the billing group of {name}"))?;
        println!("billing group {group}: {name}'s {} accounts", own.len());
    }
    println!("set up pricing (plan Standard: 8 % markup, EC2 3 % discount) and a billing group per customer");
    Ok(())
}

/// The ids of the accounts `customer` owns, in the organization's order (its production account
/// first, the group's primary account).
fn owned_by<'a>(accounts: &'a [cur::OrgAccount], customer: &str) -> Vec<&'a str> {
    accounts.iter().filter(|a| a.customer == Some(customer)).map(|a| a.id.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_current_month_up_to_yesterday_and_twelve_whole_months_before() {
        let months = demo_months(day(2026, 1, 15), 12);
        assert_eq!(months.len(), 13);
        assert_eq!(months[0], DemoMonth { month: day(2025, 1, 1), last_day: day(2025, 1, 31) });
        assert_eq!(months[1].last_day, day(2025, 2, 28));
        assert_eq!(months[11], DemoMonth { month: day(2025, 12, 1), last_day: day(2025, 12, 31) });
        assert_eq!(months[12], DemoMonth { month: day(2026, 1, 1), last_day: day(2026, 1, 14) });
        assert!(months[..12].iter().all(DemoMonth::is_whole));
        assert!(!months[12].is_whole());
        assert_eq!(months[12].days(), 14);
        // Leap February as a whole month.
        assert_eq!(demo_months(day(2024, 3, 10), 1), vec![
            DemoMonth { month: day(2024, 2, 1), last_day: day(2024, 2, 29) },
            DemoMonth { month: day(2024, 3, 1), last_day: day(2024, 3, 9) },
        ]);
    }

    #[test]
    fn on_the_first_the_data_is_the_whole_months_ending_yesterday() {
        let months = demo_months(day(2026, 3, 1), 12);
        assert_eq!(months.len(), 12);
        assert_eq!(months[0].month, day(2025, 3, 1));
        assert_eq!(months[11], DemoMonth { month: day(2026, 2, 1), last_day: day(2026, 2, 28) });
        assert!(months.iter().all(DemoMonth::is_whole));
        // The second: one day of the current month.
        let months = demo_months(day(2026, 3, 2), 12);
        assert_eq!(months.len(), 13);
        assert_eq!(months[12], DemoMonth { month: day(2026, 3, 1), last_day: day(2026, 3, 1) });
        assert!(demo_months(day(2026, 3, 2), 0).len() == 1);
    }

    #[test]
    fn a_month_in_progress_gets_rows_in_proportion_to_its_days() {
        let months = demo_months(day(2026, 12, 11), 1);
        assert_eq!(rows_for(31_000, &months[0]), 31_000, "November, whole");
        assert_eq!(rows_for(31_000, &months[1]), 10_000, "December, ten days");
    }

    #[test]
    fn a_customer_owns_exactly_its_named_accounts() {
        let mut accounts = vec![cur::OrgAccount { id: "000000000000".into(), name: "Demo management".into(), customer: None }];
        accounts.extend((0..19).map(|i| {
            let (customer, name) = moto::member_account(i);
            cur::OrgAccount { id: format!("{:012}", i + 1), name, customer: Some(customer) }
        }));
        let acme = owned_by(&accounts, "Acme Corp");
        let globex = owned_by(&accounts, "Globex");
        assert_eq!((acme.len(), globex.len()), (10, 9));
        assert!(acme.iter().all(|id| !globex.contains(id)));
        assert!(!acme.contains(&"000000000000") && !globex.contains(&"000000000000"));
        let name = |id: &str| accounts.iter().find(|a| a.id == id).map(|a| a.name.clone()).unwrap();
        assert!(acme.iter().all(|id| name(id).starts_with("Acme Corp ")));
        assert!(globex.iter().all(|id| name(id).starts_with("Globex ")));
        assert_eq!(name(acme[0]), "Acme Corp Production", "the primary account");
        assert_eq!(name(globex[0]), "Globex Production");
    }

    #[test]
    fn passwords_are_random_and_long_enough() {
        let (a, b) = (random_password(), random_password());
        assert_ne!(a, b);
        assert!(a.len() >= 12);
    }
}
