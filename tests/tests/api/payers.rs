//! Payers over STS AssumeRole with an ExternalId, against moto.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_types::config_bag::ConfigBag;
use e2e::aws::{self, role_arn};
use e2e::story::payer_input;
use e2e::{DbKind, Session, TestApp, on_both_databases};
use partner_billing::aws::{AwsClients, SdkOrganizations, SdkSts};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use partner_billing::jobs::JobState;

async fn register(app: &TestApp, who: &Session, tenant: &str, account: &str) -> Value {
    app.as_user(who).register_payer(&payer_input(tenant, account, &format!("Payer {account}"))).await
}

async fn check(app: &TestApp, who: &Session, payer: &Value) -> Value {
    app.as_user(who).check_payer_connection(payer["id"].as_str().unwrap()).await
}

async fn management_account_connects(db: DbKind) {
    let app = TestApp::spawn_aws(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Conn Co").await;
    let org = aws::organization(0).await;
    let payer = register(&app, &p.admin, &p.tenant_id, &org.management).await;
    assert_eq!(payer["status"], "PENDING");
    let ext = payer["externalId"].as_str().unwrap();
    assert!(ext.len() >= 32, "ExternalId {ext}");
    let checked = check(&app, &p.operator, &payer).await;
    assert_eq!(checked["status"], "CONNECTED", "{checked}");
    assert!(checked["statusReason"].is_null());
    assert!(checked["lastCheckedAt"].is_string());
    // Another payer gets a different ExternalId.
    let other = register(&app, &p.admin, &p.tenant_id, &aws::random_account()).await;
    assert_ne!(other["externalId"], payer["externalId"]);
}

async fn member_account_is_not_a_payer(db: DbKind) {
    let app = TestApp::spawn_aws(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Member Co").await;
    let org = aws::organization(1).await;
    let payer = register(&app, &p.admin, &p.tenant_id, &org.members[0]).await;
    let checked = check(&app, &p.admin, &payer).await;
    assert_eq!(checked["status"], "ERROR");
    let reason = checked["statusReason"].as_str().unwrap();
    assert!(reason.contains("not the management account") && reason.contains(&org.management), "{reason}");
    // An account in no organization at all.
    let lone = register(&app, &p.admin, &p.tenant_id, &aws::random_account()).await;
    let checked = check(&app, &p.admin, &lone).await;
    assert_eq!(checked["status"], "ERROR");
    assert!(checked["statusReason"].as_str().unwrap().contains("not in an AWS Organization"), "{checked}");
}

async fn role_in_another_account_is_a_mismatch(db: DbKind) {
    let app = TestApp::spawn_aws(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Mismatch Co").await;
    let org = aws::organization(0).await;
    let payer = register(&app, &p.admin, &p.tenant_id, &org.management).await;
    // The API refuses such an ARN (see validation); a row carried over from elsewhere can still
    // hold one, and the check must catch it.
    let other = aws::random_account();
    let id: uuid::Uuid = payer["id"].as_str().unwrap().parse().unwrap();
    let row = entity::payers::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
    let mut row: entity::payers::ActiveModel = row.into();
    row.role_arn = Set(role_arn(&other));
    row.update(&app.db).await.unwrap();
    let checked = check(&app, &p.admin, &payer).await;
    assert_eq!(checked["status"], "ERROR");
    let reason = checked["statusReason"].as_str().unwrap();
    assert!(reason.contains("account mismatch") && reason.contains(&other), "{reason}");
}

async fn unreachable_aws_is_reported_and_the_server_keeps_serving(db: DbKind) {
    let clients = AwsClients::from_sdk_config(&aws::sdk_config(&aws::closed_endpoint()).await);
    let app = TestApp::spawn_with_aws(db, vec![], clients).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Down Co").await;
    let payer = register(&app, &p.admin, &p.tenant_id, &aws::random_account()).await;
    let checked = check(&app, &p.admin, &payer).await;
    assert_eq!(checked["status"], "ERROR");
    assert!(checked["statusReason"].as_str().unwrap().contains("unreachable"), "{checked}");
    let health = app.client.get(format!("{}/healthz", app.base_url)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    app.as_user(&p.admin).payers().await;
}

/// Counts AssumeRole requests leaving the SDK for people's checks.
#[derive(Debug, Clone, Default)]
struct CountAssumeRole(Arc<AtomicUsize>);

impl Intercept for CountAssumeRole {
    fn name(&self) -> &'static str {
        "CountAssumeRole"
    }
    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // The registration's own watch job assumes the role too, under its own session name.
        let assume = context.input().downcast_ref::<aws_sdk_sts::operation::assume_role::AssumeRoleInput>();
        if assume.is_some_and(|a| a.role_session_name() != Some("pb-connection-watch")) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

async fn concurrent_checks_share_one_assume_role(db: DbKind) {
    let sdk = aws::sdk_config(&aws::moto_url()).await;
    let counter = CountAssumeRole::default();
    let sts_conf = aws_sdk_sts::config::Builder::from(&sdk).interceptor(counter.clone()).build();
    let clients = AwsClients::new(Arc::new(SdkSts::from_conf(sts_conf)), Arc::new(SdkOrganizations::new(&sdk)));
    let app = TestApp::spawn_with_aws(db, vec![], clients).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Burst Co").await;
    let org = aws::organization(0).await;
    let payer = register(&app, &p.admin, &p.tenant_id, &org.management).await;
    let checks = (0..20).map(|_| check(&app, &p.operator, &payer));
    let results = futures::future::join_all(checks).await;
    assert!(results.iter().all(|r| r["status"] == "CONNECTED"), "{results:?}");
    assert_eq!(counter.0.load(Ordering::SeqCst), 1, "20 concurrent checks, one AssumeRole");
}

/// A registration connects by itself once its role exists: a job probes until it does, keeping
/// the payer PENDING with why meanwhile, and telling nobody of a failure (none happened).
async fn a_registration_connects_by_itself_once_the_role_exists(db: DbKind) {
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    let app = TestApp::spawn_aws(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Watch Co").await;
    let account = aws::random_account();
    let payer = register(&app, &p.admin, &p.tenant_id, &account).await;
    let viewer = app.as_user(&p.viewer);
    let until = |want: &'static str| {
        let id = payer["id"].as_str().unwrap().to_owned();
        async move {
            for _ in 0..200 {
                let now = viewer.payer(&id).await;
                let seen = match want {
                    "reason" => now["statusReason"].is_string(),
                    status => now["status"] == status,
                };
                if seen {
                    return now;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("payer never showed {want}");
        }
    };
    // The first probe runs at once: the account has no organization yet (no stack, in effect).
    let waiting = until("reason").await;
    assert_eq!(waiting["status"], "PENDING", "waiting is not a failure: {waiting}");
    let reason = waiting["statusReason"].as_str().unwrap();
    assert!(reason.starts_with("waiting for the access role: not a management account"), "{reason}");
    // The customer deploys the stack: here, the account gets its organization.
    let org = aws_sdk_organizations::Client::new(&aws::as_account(&account).await);
    org.create_organization().feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All).send().await.unwrap();
    // The next probe is due in 30 s: bring it forward.
    entity::jobs::Entity::update_many()
        .col_expr(entity::jobs::Column::RunAt, Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)))
        .filter(entity::jobs::Column::Kind.eq("payers.await_connection"))
        .filter(entity::jobs::Column::State.eq(JobState::Queued))
        .exec(&app.db)
        .await
        .unwrap();
    app.state.jobs_wakeup.notify_one();
    let connected = until("CONNECTED").await;
    assert!(connected["statusReason"].is_null(), "{connected}");
    let job = entity::jobs::Entity::find().filter(entity::jobs::Column::Kind.eq("payers.await_connection")).one(&app.db).await.unwrap().unwrap();
    for _ in 0..50 {
        if entity::jobs::Entity::find_by_id(job.id).one(&app.db).await.unwrap().unwrap().state == JobState::Succeeded {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let job = entity::jobs::Entity::find_by_id(job.id).one(&app.db).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    let result: Value = serde_json::from_str(job.result.as_deref().unwrap()).unwrap();
    assert_eq!((result["connected"].as_bool(), result["probes"].as_u64()), (Some(true), Some(2)), "{result}");
    assert!(app.outbox("payer.connection_failed").await.is_empty(), "nobody is told of a failure while waiting");
}

async fn payer_input_is_validated(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Valid Co").await;
    let admin = app.as_user(&p.admin);
    let payers_before = app.count("payers").await;
    let cases = [
        ("12345678901", role_arn("12345678901"), "accountId"),
        ("1234567890ab", "arn:aws:iam::1234567890ab:role/X".to_owned(), "accountId"),
        ("123456789012", role_arn("210987654321"), "roleArn"),
        ("123456789012", "arn:aws:iam::123456789012:user/X".to_owned(), "roleArn"),
        ("123456789012", "PartnerBillingAccess".to_owned(), "roleArn"),
    ];
    for (account, arn, field) in cases {
        let res = admin.try_register_payer(&json!({ "tenantId": p.tenant_id, "accountId": account, "name": "x", "roleArn": arn })).await;
        res.assert_code("VALIDATION");
        assert_eq!(res.body["errors"][0]["extensions"]["field"], field, "{account} {arn}");
    }
    assert_eq!(app.count("payers").await, payers_before);
    // Leading zeros survive.
    let payer = register(&app, &p.admin, &p.tenant_id, "000123456789").await;
    assert_eq!(payer["accountId"], "000123456789");
    assert_eq!(admin.payer(payer["id"].as_str().unwrap()).await["accountId"], "000123456789");
    // The same account twice → CONFLICT.
    admin.try_register_payer(&payer_input(&p.tenant_id, "000123456789", "dup")).await.assert_code("CONFLICT");
    // Without the platform's account and template URL there is no quick-create link yet.
    assert!(payer["cloudFormationQuickCreateUrl"].is_null());
}

/// An app that knows the platform's account and the access-role template (for quick-create links).
async fn app_with_role_template(db: DbKind) -> TestApp {
    TestApp::spawn_with(db, vec![("platform_account_id", "111122223333".into()), ("payer_role_template_url", "https://templates.example/payer-access-role.yaml".into())]).await
}

/// Only a partner's admins register and rename its payers (with a quick-create link for the
/// access role); viewers read them; a single-payer admin sees exactly their payer.
async fn only_admins_register_and_rename_payers(db: DbKind) {
    let app = app_with_role_template(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Role Co").await;
    let account = aws::random_account();
    let reg = payer_input(&p.tenant_id, &account, "x");
    app.as_user(&p.operator).try_register_payer(&reg).await.assert_code("FORBIDDEN");
    app.as_user(&p.viewer).try_register_payer(&reg).await.assert_code("FORBIDDEN");
    let payer = register(&app, &p.admin, &p.tenant_id, &account).await;
    let link = payer["cloudFormationQuickCreateUrl"].as_str().unwrap();
    assert!(link.contains("param_ExternalId=") && link.contains(payer["externalId"].as_str().unwrap()) && link.contains("111122223333"), "{link}");
    let id = payer["id"].as_str().unwrap().to_owned();
    // Viewers read, operators cannot edit.
    assert!(app.as_user(&p.viewer).payers().await.as_array().unwrap().iter().any(|n| n["id"] == id.as_str()));
    app.as_user(&p.operator).try_update_payer(&id, json!({ "name": "renamed" })).await.assert_code("FORBIDDEN");
    assert_eq!(app.as_user(&p.admin).update_payer(&id, json!({ "name": "renamed" })).await["name"], "renamed");
    // A single-payer admin sees exactly their payer.
    let listed = app.as_user(&p.payer_admin).payers().await;
    let ids: Vec<&Value> = listed.as_array().unwrap().iter().map(|n| &n["id"]).collect();
    assert_eq!(ids, [&json!(p.payer_id)]);
}

/// Moving a payer to another partner is for platform admins; the new owner's admins (not its
/// operators) remove it, and the old owner no longer finds it.
async fn platform_admins_move_payers_and_the_new_owner_removes_them(db: DbKind) {
    let app = app_with_role_template(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Role Co").await;
    let q = app.new_partner(&root, "Other Co").await;
    let id = register(&app, &p.admin, &p.tenant_id, &aws::random_account()).await["id"].as_str().unwrap().to_owned();
    app.as_user(&p.admin).try_move_payer(&id, &p.tenant_id).await.assert_code("FORBIDDEN");
    assert_eq!(app.as_user(&root).move_payer(&id, &q.tenant_id).await["tenant"]["id"], q.tenant_id.as_str());
    app.as_user(&p.admin).try_payer(&id).await.assert_code("NOT_FOUND");
    // The new owner removes it.
    app.as_user(&q.operator).try_remove_payer(&id).await.assert_code("FORBIDDEN");
    let q_admin = app.as_user(&q.admin);
    assert_eq!(q_admin.remove_payer(&id).await, id);
    q_admin.try_payer(&id).await.assert_code("NOT_FOUND");
}

/// A payer's and a customer's dashboard links (Cloud Intelligence Dashboards / QuickSight):
/// https only, no credentials, set by admins, read by those who see the payer or the tenant.
async fn dashboard_links_are_https_only_and_reach_their_own_people(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Link Co").await;
    let (admin, viewer) = (app.as_user(&p.admin), app.as_user(&p.viewer));
    let customer = admin.create_tenant(&p.tenant_id, "CUSTOMER", "Acme").await;
    let acme = admin.create_user("viewer@acme.example", "VIEWER", ("tenantId", &customer)).await;
    let acme = app.as_user(&acme);
    let cudos = "https://eu-west-1.quicksight.aws.amazon.com/sn/dashboards/cudos-v5";
    for bad in ["http://quicksight.example/d", "javascript:alert(1)", "https://user:secret@quicksight.example/", "not a url"] {
        admin.try_update_payer(&p.payer_id, json!({ "dashboardUrl": bad })).await.assert_field("dashboardUrl");
    }
    assert!(viewer.payer(&p.payer_id).await["dashboardUrl"].is_null(), "a refused link changes nothing");
    app.as_user(&p.operator).try_update_payer(&p.payer_id, json!({ "dashboardUrl": cudos })).await.assert_code("FORBIDDEN");
    assert_eq!(admin.update_payer(&p.payer_id, json!({ "dashboardUrl": cudos })).await["dashboardUrl"], cudos);
    assert_eq!(viewer.payer(&p.payer_id).await["dashboardUrl"], cudos);
    acme.try_payer(&p.payer_id).await.assert_code("NOT_FOUND");

    // The customer's own link: set by the partner's admin, read by the customer.
    let theirs = "https://us-east-1.quicksight.aws.amazon.com/sn/dashboards/acme";
    acme.try_update_tenant(&customer, json!({ "dashboardUrl": theirs })).await.assert_code("FORBIDDEN");
    assert_eq!(admin.update_tenant(&customer, json!({ "dashboardUrl": theirs })).await["dashboardUrl"], theirs);
    assert_eq!(acme.tenant(&customer).await["dashboardUrl"], theirs);
    // Empty removes it.
    assert!(admin.update_tenant(&customer, json!({ "dashboardUrl": "" })).await["dashboardUrl"].is_null());
}

/// A page of payers shows each one's tenant, and a page of tenants each one's parent, as asking
/// for that payer or tenant alone does: read ahead for the page, within the caller's sight (a
/// partner's admin does not see the platform above its tenant; a payer admin not the tenant).
async fn a_page_shows_each_payers_tenant_and_each_tenants_parent_as_asking_for_it_does(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let (a, b) = (app.new_partner(&root, "Page One").await, app.new_partner(&root, "Page Two").await);
    let admin = app.as_user(&a.admin);
    for name in ["Cust A", "Cust B"] {
        admin.create_tenant(&a.tenant_id, "CUSTOMER", name).await;
    }
    const PAYERS: &str = "{ payers(first: 100) { nodes { id tenant { id name } } } }";
    const PAYER: &str = "query($id: ID!) { payer(id: $id) { id tenant { id name } } }";
    const TENANTS: &str = "{ tenants(first: 100) { nodes { id parent { id name } } } }";
    const TENANT: &str = "query($id: ID!) { tenant(id: $id) { id parent { id name } } }";
    for who in [&root, &a.admin, &a.payer_admin, &b.viewer] {
        let who = app.as_user(who);
        let payers = who.run(PAYERS, json!({})).await.take("payers")["nodes"].take();
        let mut one_by_one = Vec::new();
        for p in payers.as_array().unwrap() {
            one_by_one.push(who.run(PAYER, json!({ "id": p["id"] })).await.take("payer"));
        }
        assert_eq!(payers, Value::Array(one_by_one));
        let tenants = who.run(TENANTS, json!({})).await.take("tenants")["nodes"].take();
        let mut one_by_one = Vec::new();
        for t in tenants.as_array().unwrap() {
            one_by_one.push(who.run(TENANT, json!({ "id": t["id"] })).await.take("tenant"));
        }
        assert_eq!(tenants, Value::Array(one_by_one));
    }
    let as_a = app.as_user(&a.admin);
    let payers = as_a.run(PAYERS, json!({})).await.take("payers")["nodes"].take();
    assert_eq!(payers, json!([{ "id": a.payer_id, "tenant": { "id": a.tenant_id, "name": "Page One" } }]));
    let tenants = as_a.run(TENANTS, json!({})).await.take("tenants")["nodes"].take();
    let parents: Vec<&Value> = tenants.as_array().unwrap().iter().map(|t| &t["parent"]).collect();
    assert_eq!(tenants.as_array().unwrap().len(), 3, "its own tenant and two customers: {tenants}");
    assert_eq!(parents.iter().filter(|p| p.is_null()).count(), 1, "the platform above its tenant is not its to see: {tenants}");
    assert_eq!(parents.iter().filter(|p| p["id"] == json!(a.tenant_id)).count(), 2);
    let as_payer_admin = app.as_user(&a.payer_admin);
    let payers = as_payer_admin.run(PAYERS, json!({})).await.take("payers")["nodes"].take();
    assert_eq!(payers, json!([{ "id": a.payer_id, "tenant": null }]), "a payer admin does not see the tenant");
}

on_both_databases!(
    a_registration_connects_by_itself_once_the_role_exists,
    dashboard_links_are_https_only_and_reach_their_own_people,
    management_account_connects,
    member_account_is_not_a_payer,
    role_in_another_account_is_a_mismatch,
    unreachable_aws_is_reported_and_the_server_keeps_serving,
    concurrent_checks_share_one_assume_role,
    payer_input_is_validated,
    only_admins_register_and_rename_payers,
    platform_admins_move_payers_and_the_new_owner_removes_them,
    a_page_shows_each_payers_tenant_and_each_tenants_parent_as_asking_for_it_does,
);
