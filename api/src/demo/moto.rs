//! The demo's AWS: a local moto server (started from the test venv unless one is given) and an
//! organization in it, built the way a partner's payer looks.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_organizations::types::OrganizationFeatureSet;

use super::cur::OrgAccount;

/// A moto server this process started; stopped when dropped.
pub struct MotoProcess {
    child: Child,
    pub url: String,
}

impl Drop for MotoProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `moto_server` on a free loopback port and waits until it accepts connections.
pub fn start(binary: &Path) -> anyhow::Result<MotoProcess> {
    if !binary.exists() {
        anyhow::bail!(
            "{} not found: run `scripts/test` once (it creates .venv with moto), pass --moto-bin, or set PB_AWS_ENDPOINT_URL to a running moto",
            binary.display()
        );
    }
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new(binary)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let moto = MotoProcess { child, url: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            anyhow::bail!("moto did not start on port {port} within 30 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(moto)
}

/// moto's conventional test credentials: it accepts any, and checks no trust policy.
pub fn credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "partner-billing-demo")
}

/// The SDK configuration acting as `account` (moto lets any caller assume any role).
async fn as_account(base: &SdkConfig, account: &str) -> anyhow::Result<SdkConfig> {
    let sts = aws_sdk_sts::Client::new(base);
    let out = sts.assume_role().role_arn(format!("arn:aws:iam::{account}:role/demo-setup")).role_session_name("demo-setup").send().await?;
    let c = out.credentials().context("AssumeRole returned no credentials")?;
    let creds = Credentials::new(c.access_key_id(), c.secret_access_key(), Some(c.session_token().to_owned()), None, "demo-setup");
    Ok(base.to_builder().credentials_provider(SharedCredentialsProvider::new(creds)).build())
}

/// The demo's customers, each owning linked accounts named after it.
pub const CUSTOMERS: [&str; 2] = ["Acme Corp", "Globex"];
/// The workloads each customer's accounts are named after.
const WORKLOADS: [&str; 5] = ["Production", "Staging", "Development", "Data Lake", "Security"];

/// The owner and name of the `i`-th member account: the customers take turns, and each names
/// its accounts after itself and a workload ("Acme Corp Production"), numbered from the second
/// round of workloads on ("Acme Corp Production 2").
pub fn member_account(i: usize) -> (&'static str, String) {
    let customer = CUSTOMERS[i % CUSTOMERS.len()];
    let k = i / CUSTOMERS.len();
    let workload = WORKLOADS[k % WORKLOADS.len()];
    match k / WORKLOADS.len() {
        0 => (customer, format!("{customer} {workload}")),
        round => (customer, format!("{customer} {workload} {}", round + 1)),
    }
}

/// An organization whose management account is `management`, with `members` member accounts
/// owned by the demo customers, each customer's in its own OU. Returns every account, the
/// management account first.
pub async fn organization(base: &SdkConfig, management: &str, members: usize) -> anyhow::Result<Vec<OrgAccount>> {
    let sdk = as_account(base, management).await?;
    let org = aws_sdk_organizations::Client::new(&sdk);
    org.create_organization().feature_set(OrganizationFeatureSet::All).send().await.context("creating the organization in moto")?;
    let root = org.list_roots().send().await?.roots().first().and_then(|r| r.id()).map(str::to_owned).context("the organization has no root")?;
    let mut ous = Vec::new();
    for customer in CUSTOMERS {
        let ou = org.create_organizational_unit().parent_id(&root).name(customer).send().await?;
        ous.push(ou.organizational_unit().and_then(|o| o.id()).map(str::to_owned).context("CreateOrganizationalUnit returned no id")?);
    }
    let mut accounts = vec![OrgAccount { id: management.to_owned(), name: "Demo management".to_owned(), customer: None }];
    for i in 0..members {
        let (customer, name) = member_account(i);
        let slug: String = name.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        let created = org.create_account().email(format!("{slug}@{management}.demo.example")).account_name(&name).send().await?;
        let id = created.create_account_status().and_then(|s| s.account_id()).map(str::to_owned).context("CreateAccount returned no account id")?;
        org.move_account().account_id(&id).source_parent_id(&root).destination_parent_id(&ous[i % ous.len()]).send().await?;
        accounts.push(OrgAccount { id, name, customer: Some(customer) });
    }
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_accounts_are_named_after_their_owner() {
        let accounts: Vec<(&str, String)> = (0..19).map(member_account).collect();
        assert_eq!(accounts[0], ("Acme Corp", "Acme Corp Production".to_owned()));
        assert_eq!(accounts[1], ("Globex", "Globex Production".to_owned()));
        assert_eq!(accounts[2], ("Acme Corp", "Acme Corp Staging".to_owned()));
        assert_eq!(accounts[10], ("Acme Corp", "Acme Corp Production 2".to_owned()));
        assert!(accounts.iter().all(|(owner, name)| name.starts_with(owner)));
        let names: std::collections::BTreeSet<&String> = accounts.iter().map(|(_, n)| n).collect();
        assert_eq!(names.len(), 19, "names are unique");
        assert_eq!(accounts.iter().filter(|(o, _)| *o == "Acme Corp").count(), 10);
    }
}
