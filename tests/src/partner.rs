//! Test actors: sessions and a "partner" — a distributor tenant with an admin, an operator, a
//! viewer, a payer and a single-payer admin.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::{Value, json};

use crate::TestApp;

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub refresh: String,
    pub user_id: String,
    pub email: String,
    pub password: String,
}

impl Session {
    pub fn from_payload(payload: &Value, email: &str, password: &str) -> Self {
        Self {
            token: payload["accessToken"].as_str().expect("accessToken").to_owned(),
            refresh: payload["refreshToken"].as_str().expect("refreshToken").to_owned(),
            user_id: payload["user"]["id"].as_str().expect("user.id").to_owned(),
            email: email.to_owned(),
            password: password.to_owned(),
        }
    }

    pub fn bearer(&self) -> Option<&str> {
        Some(&self.token)
    }
}

/// One partner's side of a test.
pub struct Partner {
    pub name: String,
    pub tenant_id: String,
    pub payer_id: String,
    pub payer_account_id: String,
    pub admin: Session,
    pub operator: Session,
    pub viewer: Session,
    /// Admin on the payer only.
    pub payer_admin: Session,
}

impl Partner {
    /// Every user of this partner, with a label for assertion messages.
    pub fn users(&self) -> [(&'static str, &Session); 4] {
        [("admin", &self.admin), ("operator", &self.operator), ("viewer", &self.viewer), ("payer admin", &self.payer_admin)]
    }
}

/// A random 12-digit AWS account id, sometimes with a leading zero.
pub fn account_id() -> String {
    let n = uuid::Uuid::now_v7().as_u128() % 1_000_000_000_000;
    format!("{n:012}")
}

impl TestApp {
    /// Creates a tenant through the API.
    pub async fn create_tenant(&self, as_user: &Session, parent: &str, kind: &str, name: &str) -> String {
        let res = self
            .gql(
                as_user.bearer(),
                "mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }",
                json!({ "i": { "parentId": parent, "kind": kind, "name": name } }),
            )
            .await;
        res.data("createTenant.id").as_str().unwrap().to_owned()
    }

    /// Inserts a bare payer row (registration through AWS arrives with the payers issue).
    pub async fn insert_payer(&self, tenant_id: &str, name: &str) -> (String, String) {
        let id = uuid::Uuid::now_v7();
        let account = account_id();
        entity::payers::ActiveModel {
            id: Set(id),
            tenant_id: Set(tenant_id.parse().unwrap()),
            account_id: Set(account.clone()),
            name: Set(name.to_owned()),
            role_arn: Set(format!("arn:aws:iam::{account}:role/PartnerBillingAccess")),
            external_id: Set(format!("pb-test-{id}")),
            status: Set(partner_billing::domain::payers::PayerStatus::Pending),
            status_reason: Set(None),
            last_checked_at: Set(None),
            cost_export_bucket: Set(None),
            cost_export_prefix: Set(None),
            billing_mode: Set(entity::payers::BillingMode::Native),
            upstream_billing_group_id: Set(None),
            dashboard_url: Set(None),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .unwrap();
        (id.to_string(), account)
    }

    /// Creates a user with a role on a tenant or payer and signs them in.
    pub async fn create_user(&self, as_user: &Session, email: &str, role: &str, target: (&str, &str)) -> Session {
        let password = format!("{email} long test passphrase");
        let res = self
            .gql(
                as_user.bearer(),
                "mutation($i: CreateUserInput!) { createUser(input: $i) { id email } }",
                json!({ "i": { "email": email, "password": password, "role": role, target.0: target.1 } }),
            )
            .await;
        assert_eq!(res.data("createUser.email").as_str(), Some(email));
        self.login(email, &password).await
    }

    /// A distributor under the platform with its four users.
    pub async fn new_partner(&self, platform_admin: &Session, name: &str) -> Partner {
        let root = partner_billing::ids::ROOT_TENANT_ID.to_string();
        let tenant_id = self.create_tenant(platform_admin, &root, "DISTRIBUTOR", name).await;
        let (payer_id, payer_account_id) = self.insert_payer(&tenant_id, &format!("{name} payer")).await;
        let slug = name.to_lowercase().replace(' ', "-");
        let admin = self.create_user(platform_admin, &format!("admin@{slug}.example"), "ADMIN", ("tenantId", &tenant_id)).await;
        let operator = self.create_user(&admin, &format!("operator@{slug}.example"), "OPERATOR", ("tenantId", &tenant_id)).await;
        let viewer = self.create_user(&admin, &format!("viewer@{slug}.example"), "VIEWER", ("tenantId", &tenant_id)).await;
        let payer_admin = self.create_user(&admin, &format!("payer-admin@{slug}.example"), "ADMIN", ("payerId", &payer_id)).await;
        Partner { name: name.to_owned(), tenant_id, payer_id, payer_account_id, admin, operator, viewer, payer_admin }
    }
}

impl TestApp {
    /// Registers a payer for `account` on the partner's tenant and checks its connection.
    pub async fn connected_payer(&self, partner: &Partner, account: &str) -> String {
        let res = self
            .gql(
                partner.admin.bearer(),
                "mutation($i: RegisterPayerInput!) { registerPayer(input: $i) { id } }",
                json!({ "i": { "tenantId": partner.tenant_id, "accountId": account, "name": format!("Payer {account}"), "roleArn": crate::aws::role_arn(account) } }),
            )
            .await;
        let id = res.data("registerPayer.id").as_str().unwrap().to_owned();
        let checked = self.gql(partner.admin.bearer(), "mutation($id: ID!) { checkPayerConnection(id: $id) { status statusReason } }", json!({ "id": id })).await;
        assert_eq!(checked.data("checkPayerConnection.status"), "CONNECTED", "{}", checked.body);
        id
    }

    /// Polls a job until it finishes (30 s at most); returns it.
    pub async fn wait_job(&self, who: &Session, job_id: &str) -> Value {
        for _ in 0..300 {
            let res = self.gql(who.bearer(), "query($id: ID!) { job(id: $id) { id kind state attempts progress lastError result } }", json!({ "id": job_id })).await;
            let job = res.data("job").clone();
            if job["state"] == "SUCCEEDED" || job["state"] == "FAILED" {
                return job;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("job {job_id} did not finish");
    }

    /// Runs `syncAccounts` and waits for it.
    pub async fn sync_accounts(&self, who: &Session, payer_id: &str) -> Value {
        let res = self.gql(who.bearer(), "mutation($p: ID!) { syncAccounts(payerId: $p) { id } }", json!({ "p": payer_id })).await;
        let job = self.wait_job(who, res.data("syncAccounts.id").as_str().unwrap()).await;
        assert_eq!(job["state"], "SUCCEEDED", "{job}");
        job
    }

    /// Outbox events of one type, oldest first.
    pub async fn outbox(&self, event_type: &str) -> Vec<Value> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        entity::outbox_events::Entity::find()
            .filter(entity::outbox_events::Column::EventType.eq(event_type))
            .order_by_asc(entity::outbox_events::Column::Id)
            .all(&self.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| serde_json::from_str(&e.payload).unwrap())
            .collect()
    }
}
