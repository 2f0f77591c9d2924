//! Organization management against moto: sync, create (a durable job, across a restart),
//! SCPs, close and move.

use e2e::aws;
use e2e::{DbKind, TestApp, on_both_databases};
use serde_json::{Value, json};
use partner_billing::jobs::JobState;

fn ids(v: &Value, path: &str) -> Vec<String> {
    v[path].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_owned()).collect()
}

async fn sync_lists_accounts_and_ous(db: DbKind) {
    let app = TestApp::spawn_aws(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Sync Co").await;
    let org = aws::organization(3).await;
    let ou = org.ou_with("Production", &[&org.members[0]]).await;
    org.ou_with("Staging", &[&org.members[1]]).await;
    let payer = app.connected_payer(&p, &org.management).await;
    // Viewers read but do not sync.
    let viewer = app.as_user(&p.viewer);
    viewer.try_sync_accounts(&payer).await.assert_code("FORBIDDEN");
    let job = app.sync_accounts(&p.operator, &payer).await;
    assert_eq!(job["result"]["accounts"], 4, "{job}");
    let nodes = viewer.linked_accounts(&payer, None, None, None).await["nodes"].as_array().unwrap().clone();
    let accounts: Vec<&str> = nodes.iter().map(|n| n["accountId"].as_str().unwrap()).collect();
    let mut expected: Vec<&str> = org.members.iter().map(String::as_str).chain([org.management.as_str()]).collect();
    expected.sort();
    assert_eq!(accounts, expected, "listed by account id");
    let in_ou = nodes.iter().find(|n| n["accountId"] == org.members[0].as_str()).unwrap();
    assert_eq!(in_ou["parentId"], ou.as_str());
    assert_eq!(in_ou["organizationalUnit"]["name"], "Production");
    // Each account of the page gets its own OU, or none (placed in one query for the page).
    let ou_of = |account: &str| nodes.iter().find(|n| n["accountId"] == account).unwrap()["organizationalUnit"]["name"].clone();
    assert_eq!(ou_of(&org.members[1]), "Staging");
    assert_eq!((ou_of(&org.members[2]), ou_of(&org.management)), (Value::Null, Value::Null));
    assert!(viewer.organizational_units(&payer).await.as_array().unwrap().iter().any(|o| o["id"] == ou.as_str()));
    // Paging and search.
    let first = viewer.linked_accounts(&payer, Some(2), None, None).await;
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let rest = viewer.linked_accounts(&payer, None, Some(&first["pageInfo"]["endCursor"]), None).await;
    assert_eq!(rest["nodes"].as_array().unwrap().len(), 2);
    let found = viewer.linked_accounts(&payer, None, None, Some(&org.members[1][3..9])).await;
    assert!(found["nodes"].as_array().unwrap().iter().any(|n| n["accountId"] == org.members[1].as_str()));
}

async fn create_account_job_succeeds_into_the_ou(db: DbKind) {
    let app = TestApp::spawn_aws(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Create Co").await;
    let org = aws::organization(0).await;
    let ou = org.ou_with("Sandbox", &[]).await;
    let payer = app.connected_payer(&p, &org.management).await;
    app.sync_accounts(&p.operator, &payer).await;
    // Bad input is refused before any job exists.
    let operator = app.as_user(&p.operator);
    let jobs_before = app.count("jobs").await;
    operator.try_create_linked_account(json!({ "payerId": payer, "email": "not-an-email", "name": "x" })).await.assert_code("VALIDATION");
    operator.try_create_linked_account(json!({ "payerId": payer, "email": "ok@new.example", "name": "x", "ouId": "ou-nope-nope1234" })).await.assert_field("ouId");
    app.as_user(&p.viewer).try_create_linked_account(json!({ "payerId": payer, "email": "ok@new.example", "name": "x" })).await.assert_code("FORBIDDEN");
    assert_eq!(app.count("jobs").await, jobs_before);

    let email = format!("dev-{}@new.example", org.management);
    let job = operator.create_linked_account(json!({ "payerId": payer, "email": email, "name": "Dev account", "ouId": ou, "tags": [{ "key": "team", "value": "dev" }] })).await;
    let job = app.wait_job(&p.operator, &job).await;
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    let account = job["result"]["accountId"].as_str().unwrap().to_owned();
    let got = app.as_user(&p.viewer).linked_account(&payer, &account).await;
    assert_eq!(got["email"], email.as_str());
    assert_eq!(got["parentId"], ou.as_str());
    // AWS agrees: the account is in the OU.
    let parents = org.client().await.list_parents().child_id(&account).send().await.unwrap();
    assert_eq!(parents.parents()[0].id(), Some(ou.as_str()));
    let events = app.outbox("account.created").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["accountId"], account.as_str());
    assert_eq!(events[0]["email"], email.as_str());
}

async fn create_account_resumes_after_a_restart_without_a_second_account(db: DbKind) {
    let app = TestApp::spawn_aws(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Restart Co").await;
    let org = aws::organization(0).await;
    let payer = app.connected_payer(&p, &org.management).await;
    let email = format!("restart-{}@new.example", org.management);
    let job_id: uuid::Uuid = app.as_user(&p.operator).create_linked_account(json!({ "payerId": payer, "email": email, "name": "Restart account" })).await.parse().unwrap();
    // Wait until the CreateAccount request id is stored and the job sleeps before polling…
    use sea_orm::EntityTrait;
    let mut stored = false;
    for _ in 0..200 {
        let job = entity::jobs::Entity::find_by_id(job_id).one(&app.db).await.unwrap().unwrap();
        if job.payload.contains("\"step\":\"poll\"") && job.state == JobState::Queued {
            stored = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(stored, "the job stored its CreateAccount request id");
    // …then stop the whole server (and its worker) mid-job, and start a new one on the same data.
    let (url, dir) = app.stop().await;
    let clients = partner_billing::aws::AwsClients::from_sdk_config(&aws::sdk_config(&aws::moto_url()).await);
    let again = TestApp::spawn_full(db, url, dir, vec![], clients).await;
    let job = again.wait_job(&p.operator, &job_id.to_string()).await;
    assert_eq!(job["state"], "SUCCEEDED", "{job}");

    // A crash between CreateAccount and saving its answer: the job is sent back to the step
    // before the call; it must adopt the account, not create another.
    let row = entity::jobs::Entity::find_by_id(job_id).one(&again.db).await.unwrap().unwrap();
    let mut replay: entity::jobs::ActiveModel = row.into();
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    replay.state = Set(JobState::Queued);
    replay.payload = Set(json!({ "payer_id": payer, "email": email, "name": "Restart account", "ou_id": null, "tags": [], "session": "pb-test", "step": "creating", "request_id": null, "polls": 0 }).to_string());
    replay.update(&again.db).await.unwrap();
    let job = again.wait_job(&p.operator, &job_id.to_string()).await;
    assert_eq!(job["state"], "SUCCEEDED", "{job}");

    let accounts = org.client().await.list_accounts().send().await.unwrap();
    let matching = accounts.accounts().iter().filter(|a| a.email() == Some(email.as_str())).count();
    assert_eq!(matching, 1, "exactly one account exists for {email}");
}

async fn scps_from_the_library_attach_and_detach(db: DbKind) {
    let app = TestApp::spawn_aws(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Scp Co").await;
    let org = aws::organization(1).await;
    let member = org.members[0].clone();
    let payer = app.connected_payer(&p, &org.management).await;
    app.sync_accounts(&p.operator, &payer).await;
    let (admin, operator, viewer) = (app.as_user(&p.admin), app.as_user(&p.operator), app.as_user(&p.viewer));
    let templates = viewer.policy_templates().await;
    let list = templates.as_array().unwrap();
    assert!(list.len() >= 7);
    assert!(list.iter().any(|t| t["id"] == "region-allow-list" && t["parameters"][0]["name"] == "regions"));

    operator.try_create_policy_from_template(&payer, "deny-leave-organization", None).await.assert_code("FORBIDDEN");
    admin.try_create_policy_from_template(&payer, "region-allow-list", Some(json!({ "regions": ["mars-1"] }))).await.assert_code("VALIDATION");
    let created = admin.create_policy_from_template(&payer, "region-allow-list", Some(json!({ "regions": ["eu-west-1"] }))).await;
    let policy_id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["templateId"], "region-allow-list");
    let doc: Value = serde_json::from_str(created["document"].as_str().unwrap()).unwrap();
    assert_eq!(doc["Statement"][0]["Condition"]["StringNotEquals"]["aws:RequestedRegion"], json!(["eu-west-1"]));

    viewer.try_attach_policy(&payer, &policy_id, &member).await.assert_code("FORBIDDEN");
    let attached = operator.attach_policy(&payer, &policy_id, &member).await;
    assert_eq!(ids(&attached, "targetIds"), std::slice::from_ref(&member));
    let on = viewer.policies_for_target(&payer, &member).await;
    let names: Vec<&str> = on.as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"FullAWSAccess") && names.contains(&"Allow only listed regions"), "{names:?}");
    // The account list places every account of the page at once (#18): the member carries the
    // policy attached to it, and only that member does.
    for node in viewer.linked_accounts(&payer, None, None, None).await["nodes"].as_array().unwrap() {
        let on_it = ids(node, "attachedPolicyIds");
        assert_eq!(on_it.contains(&policy_id), node["accountId"] == member.as_str(), "{node}");
    }
    assert!(ids(&viewer.linked_account(&payer, &member).await, "attachedPolicyIds").contains(&policy_id));

    assert!(ids(&operator.detach_policy(&payer, &policy_id, &member).await, "targetIds").is_empty());
    // FullAWSAccess is now the only SCP on the member: detaching it is refused.
    let full = on.as_array().unwrap().iter().find(|x| x["name"] == "FullAWSAccess").unwrap()["id"].as_str().unwrap().to_owned();
    let last = operator.try_detach_policy(&payer, &full, &member).await;
    last.assert_code("VALIDATION");
    assert!(last.message().contains("last SCP"), "{}", last.message());
    assert_eq!(app.outbox("policy.attached").await.len(), 1);
    assert_eq!(app.outbox("policy.detached").await.len(), 1);
}

/// Hand-written SCP documents are validated (JSON, size); an admin updates and deletes its own,
/// an operator may not delete.
async fn hand_written_scps_are_validated_and_managed_by_admins(db: DbKind) {
    let app = TestApp::spawn_aws(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Scp Co").await;
    let org = aws::organization(0).await;
    let payer = app.connected_payer(&p, &org.management).await;
    let admin = app.as_user(&p.admin);
    admin.try_create_policy(&payer, "custom", "{ not json").await.assert_invalid("document");
    let huge = format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"{}","Resource":"*"}}]}}"#, "s".repeat(6000));
    admin.try_create_policy(&payer, "custom", &huge).await.assert_code("VALIDATION");
    let ok = admin.try_create_policy(&payer, "custom", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#).await;
    let custom = ok.text("createPolicy.id");
    assert_eq!(admin.update_policy(&payer, &custom, json!({ "description": "no bucket deletes" })).await["description"], "no bucket deletes");
    app.as_user(&p.operator).try_delete_policy(&payer, &custom).await.assert_code("FORBIDDEN");
    assert_eq!(admin.try_delete_policy(&payer, &custom).await.data("deletePolicy.id"), custom.as_str());
    assert!(!app.as_user(&p.viewer).policies(&payer).await.body.to_string().contains(&custom));
}

/// Closing an account takes an admin and its own id as confirmation, never the management
/// account; it is recorded, and the next sync shows it suspended.
async fn an_admin_closes_an_account_confirmed_by_its_id(db: DbKind) {
    let app = TestApp::spawn_aws(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Close Co").await;
    let org = aws::organization(1).await;
    let payer = app.connected_payer(&p, &org.management).await;
    app.sync_accounts(&p.operator, &payer).await;
    let victim = org.members[0].clone();
    let admin = app.as_user(&p.admin);
    admin.try_close_linked_account(&payer, &victim, "000000000000").await.assert_invalid("confirmAccountId");
    let mgmt = admin.try_close_linked_account(&payer, &org.management, &org.management).await;
    mgmt.assert_code("VALIDATION");
    assert!(mgmt.message().contains("management account"));
    app.as_user(&p.operator).try_close_linked_account(&payer, &victim, &victim).await.assert_code("FORBIDDEN");
    assert!(app.outbox("account.closed").await.is_empty(), "nothing happened yet");
    assert_eq!(admin.close_linked_account(&payer, &victim).await["status"], "PENDING_CLOSURE");
    assert_eq!(app.outbox("account.closed").await[0]["accountId"], victim.as_str());
    app.sync_accounts(&p.operator, &payer).await;
    assert_eq!(app.as_user(&p.viewer).linked_account(&payer, &victim).await["status"], "SUSPENDED");
}

/// An operator moves an account to another OU (AWS agrees); only an admin removes one from the
/// organization, after which it is not found.
async fn accounts_move_between_ous_and_admins_remove_them(db: DbKind) {
    let app = TestApp::spawn_aws(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Move Co").await;
    let org = aws::organization(1).await;
    let ou = org.ou_with("Moved", &[]).await;
    let payer = app.connected_payer(&p, &org.management).await;
    app.sync_accounts(&p.operator, &payer).await;
    let mover = org.members[0].clone();
    let (admin, operator, viewer) = (app.as_user(&p.admin), app.as_user(&p.operator), app.as_user(&p.viewer));
    viewer.try_move_linked_account(&payer, &mover, &ou).await.assert_code("FORBIDDEN");
    assert_eq!(operator.move_linked_account(&payer, &mover, &ou).await["parentId"], ou.as_str());
    let parents = org.client().await.list_parents().child_id(&mover).send().await.unwrap();
    assert_eq!(parents.parents()[0].id(), Some(ou.as_str()));

    operator.try_remove_linked_account(&payer, &mover).await.assert_code("FORBIDDEN");
    assert_eq!(admin.remove_linked_account(&payer, &mover).await["accountId"], mover.as_str());
    viewer.try_linked_account(&payer, &mover).await.assert_code("NOT_FOUND");
}

on_both_databases!(
    sync_lists_accounts_and_ous,
    create_account_job_succeeds_into_the_ou,
    create_account_resumes_after_a_restart_without_a_second_account,
    scps_from_the_library_attach_and_detach,
    hand_written_scps_are_validated_and_managed_by_admins,
    an_admin_closes_an_account_confirmed_by_its_id,
    accounts_move_between_ous_and_admins_remove_them,
);
