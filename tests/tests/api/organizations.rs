//! Organization management against moto: sync, create (a durable job, across a restart),
//! SCPs, close and move.

use e2e::aws;
use e2e::{DbKind, TestApp, on_both_databases};
use serde_json::{Value, json};
use partner_billing::jobs::JobState;

const CREATE: &str = "mutation($i: CreateLinkedAccountInput!) { createLinkedAccount(input: $i) { id state } }";

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
    app.gql(p.viewer.bearer(), "mutation($p: ID!) { syncAccounts(payerId: $p) { id } }", json!({ "p": payer })).await.assert_code("FORBIDDEN");
    let job = app.sync_accounts(&p.operator, &payer).await;
    assert_eq!(job["result"]["accounts"], 4, "{job}");
    let res = app
        .gql(p.viewer.bearer(), "query($p: ID!) { linkedAccounts(payerId: $p) { nodes { accountId status joinedMethod parentId organizationalUnit { name } } } organizationalUnits(payerId: $p) { id name } }", json!({ "p": payer }))
        .await;
    let nodes = res.data("linkedAccounts.nodes").as_array().unwrap().clone();
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
    assert!(res.data("organizationalUnits").as_array().unwrap().iter().any(|o| o["id"] == ou.as_str()));
    // Paging and search.
    let first = app.gql(p.viewer.bearer(), "query($p: ID!) { linkedAccounts(payerId: $p, first: 2) { pageInfo { hasNextPage endCursor } nodes { accountId } } }", json!({ "p": payer })).await;
    assert_eq!(first.data("linkedAccounts.pageInfo.hasNextPage"), true);
    let cursor = first.data("linkedAccounts.pageInfo.endCursor").clone();
    let rest = app.gql(p.viewer.bearer(), "query($p: ID!, $a: String) { linkedAccounts(payerId: $p, after: $a) { nodes { accountId } } }", json!({ "p": payer, "a": cursor })).await;
    assert_eq!(rest.data("linkedAccounts.nodes").as_array().unwrap().len(), 2);
    let found = app.gql(p.viewer.bearer(), "query($p: ID!, $s: String) { linkedAccounts(payerId: $p, filter: { search: $s }) { nodes { accountId } } }", json!({ "p": payer, "s": &org.members[1][3..9] })).await;
    assert!(found.data("linkedAccounts.nodes").as_array().unwrap().iter().any(|n| n["accountId"] == org.members[1].as_str()));
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
    let jobs_before = app.count("jobs").await;
    let bad = app.gql(p.operator.bearer(), CREATE, json!({ "i": { "payerId": payer, "email": "not-an-email", "name": "x" } })).await;
    bad.assert_code("VALIDATION");
    let bad = app.gql(p.operator.bearer(), CREATE, json!({ "i": { "payerId": payer, "email": "ok@new.example", "name": "x", "ouId": "ou-nope-nope1234" } })).await;
    assert_eq!(bad.body["errors"][0]["extensions"]["field"], "ouId");
    app.gql(p.viewer.bearer(), CREATE, json!({ "i": { "payerId": payer, "email": "ok@new.example", "name": "x" } })).await.assert_code("FORBIDDEN");
    assert_eq!(app.count("jobs").await, jobs_before);

    let email = format!("dev-{}@new.example", org.management);
    let res = app.gql(p.operator.bearer(), CREATE, json!({ "i": { "payerId": payer, "email": email, "name": "Dev account", "ouId": ou, "tags": [{ "key": "team", "value": "dev" }] } })).await;
    let job = app.wait_job(&p.operator, res.data("createLinkedAccount.id").as_str().unwrap()).await;
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    let account = job["result"]["accountId"].as_str().unwrap().to_owned();
    let got = app.gql(p.viewer.bearer(), "query($p: ID!, $a: String!) { linkedAccount(payerId: $p, accountId: $a) { email name parentId status } }", json!({ "p": payer, "a": account })).await;
    assert_eq!(got.data("linkedAccount.email"), email.as_str());
    assert_eq!(got.data("linkedAccount.parentId"), ou.as_str());
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
    let res = app.gql(p.operator.bearer(), CREATE, json!({ "i": { "payerId": payer, "email": email, "name": "Restart account" } })).await;
    let job_id: uuid::Uuid = res.data("createLinkedAccount.id").as_str().unwrap().parse().unwrap();
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
    let templates = app.gql(p.viewer.bearer(), "{ policyTemplates { id nameZh parameters { name } } }", json!({})).await;
    let list = templates.data("policyTemplates").as_array().unwrap();
    assert!(list.len() >= 7);
    assert!(list.iter().any(|t| t["id"] == "region-allow-list" && t["parameters"][0]["name"] == "regions"));

    let from_template = "mutation($p: ID!, $t: String!, $params: JSON) { createPolicyFromTemplate(payerId: $p, templateId: $t, params: $params) { id name templateId document } }";
    app.gql(p.operator.bearer(), from_template, json!({ "p": payer, "t": "deny-leave-organization" })).await.assert_code("FORBIDDEN");
    let bad = app.gql(p.admin.bearer(), from_template, json!({ "p": payer, "t": "region-allow-list", "params": { "regions": ["mars-1"] } })).await;
    bad.assert_code("VALIDATION");
    let created = app.gql(p.admin.bearer(), from_template, json!({ "p": payer, "t": "region-allow-list", "params": { "regions": ["eu-west-1"] } })).await;
    let policy_id = created.data("createPolicyFromTemplate.id").as_str().unwrap().to_owned();
    assert_eq!(created.data("createPolicyFromTemplate.templateId"), "region-allow-list");
    let doc: Value = serde_json::from_str(created.data("createPolicyFromTemplate.document").as_str().unwrap()).unwrap();
    assert_eq!(doc["Statement"][0]["Condition"]["StringNotEquals"]["aws:RequestedRegion"], json!(["eu-west-1"]));

    let attach = "mutation($p: ID!, $pol: String!, $t: String!) { attachPolicy(payerId: $p, policyId: $pol, targetId: $t) { id targetIds } }";
    app.gql(p.viewer.bearer(), attach, json!({ "p": payer, "pol": policy_id, "t": member })).await.assert_code("FORBIDDEN");
    let attached = app.gql(p.operator.bearer(), attach, json!({ "p": payer, "pol": policy_id, "t": member })).await;
    assert_eq!(ids(attached.data("attachPolicy"), "targetIds"), std::slice::from_ref(&member));
    let for_target = "query($p: ID!, $t: String!) { policiesForTarget(payerId: $p, targetId: $t) { id name awsManaged } }";
    let on = app.gql(p.viewer.bearer(), for_target, json!({ "p": payer, "t": member })).await;
    let names: Vec<&str> = on.data("policiesForTarget").as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"FullAWSAccess") && names.contains(&"Allow only listed regions"), "{names:?}");
    // The account list places every account of the page at once (#18): the member carries the
    // policy attached to it, and only that member does.
    let listed = app.gql(p.viewer.bearer(), "query($p: ID!) { linkedAccounts(payerId: $p) { nodes { accountId attachedPolicyIds } } }", json!({ "p": payer })).await;
    for node in listed.data("linkedAccounts.nodes").as_array().unwrap() {
        let on_it = ids(node, "attachedPolicyIds");
        assert_eq!(on_it.contains(&policy_id), node["accountId"] == member.as_str(), "{node}");
    }
    let one = app.gql(p.viewer.bearer(), "query($p: ID!, $a: String!) { linkedAccount(payerId: $p, accountId: $a) { attachedPolicyIds } }", json!({ "p": payer, "a": member })).await;
    assert!(ids(one.data("linkedAccount"), "attachedPolicyIds").contains(&policy_id));

    let detach = "mutation($p: ID!, $pol: String!, $t: String!) { detachPolicy(payerId: $p, policyId: $pol, targetId: $t) { id targetIds } }";
    let detached = app.gql(p.operator.bearer(), detach, json!({ "p": payer, "pol": policy_id, "t": member })).await;
    assert!(ids(detached.data("detachPolicy"), "targetIds").is_empty());
    // FullAWSAccess is now the only SCP on the member: detaching it is refused.
    let full = on.data("policiesForTarget").as_array().unwrap().iter().find(|x| x["name"] == "FullAWSAccess").unwrap()["id"].as_str().unwrap().to_owned();
    let last = app.gql(p.operator.bearer(), detach, json!({ "p": payer, "pol": full, "t": member })).await;
    last.assert_code("VALIDATION");
    assert!(last.message().contains("last SCP"), "{}", last.message());
    assert_eq!(app.outbox("policy.attached").await.len(), 1);
    assert_eq!(app.outbox("policy.detached").await.len(), 1);

    // Hand-written documents are validated.
    let create = "mutation($p: ID!, $d: String!) { createPolicy(payerId: $p, name: \"custom\", document: $d) { id } }";
    let invalid = app.gql(p.admin.bearer(), create, json!({ "p": payer, "d": "{ not json" })).await;
    invalid.assert_code("VALIDATION");
    assert_eq!(invalid.body["errors"][0]["extensions"]["field"], "document");
    let huge = format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"{}","Resource":"*"}}]}}"#, "s".repeat(6000));
    app.gql(p.admin.bearer(), create, json!({ "p": payer, "d": huge })).await.assert_code("VALIDATION");
    let ok = app.gql(p.admin.bearer(), create, json!({ "p": payer, "d": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"# })).await;
    let custom = ok.data("createPolicy.id").as_str().unwrap().to_owned();
    let upd = app.gql(p.admin.bearer(), "mutation($p: ID!, $pol: String!) { updatePolicy(payerId: $p, policyId: $pol, input: { description: \"no bucket deletes\" }) { description } }", json!({ "p": payer, "pol": custom })).await;
    assert_eq!(upd.data("updatePolicy.description"), "no bucket deletes");
    app.gql(p.operator.bearer(), "mutation($p: ID!, $pol: String!) { deletePolicy(payerId: $p, policyId: $pol) { id } }", json!({ "p": payer, "pol": custom })).await.assert_code("FORBIDDEN");
    let del = app.gql(p.admin.bearer(), "mutation($p: ID!, $pol: String!) { deletePolicy(payerId: $p, policyId: $pol) { id } }", json!({ "p": payer, "pol": custom })).await;
    assert_eq!(del.data("deletePolicy.id"), custom.as_str());
    let left = app.gql(p.viewer.bearer(), "query($p: ID!) { policies(payerId: $p) { id } }", json!({ "p": payer })).await;
    assert!(!left.body.to_string().contains(&custom));
}

async fn close_and_move_accounts(db: DbKind) {
    let app = TestApp::spawn_aws(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Close Co").await;
    let org = aws::organization(2).await;
    let ou = org.ou_with("Moved", &[]).await;
    let payer = app.connected_payer(&p, &org.management).await;
    app.sync_accounts(&p.operator, &payer).await;
    let (victim, mover) = (org.members[0].clone(), org.members[1].clone());
    let close = "mutation($p: ID!, $a: String!, $c: String!) { closeLinkedAccount(payerId: $p, accountId: $a, confirmAccountId: $c) { accountId status } }";
    let wrong = app.gql(p.admin.bearer(), close, json!({ "p": payer, "a": victim, "c": "000000000000" })).await;
    wrong.assert_code("VALIDATION");
    assert_eq!(wrong.body["errors"][0]["extensions"]["field"], "confirmAccountId");
    let mgmt = app.gql(p.admin.bearer(), close, json!({ "p": payer, "a": org.management, "c": org.management })).await;
    mgmt.assert_code("VALIDATION");
    assert!(mgmt.message().contains("management account"));
    app.gql(p.operator.bearer(), close, json!({ "p": payer, "a": victim, "c": victim })).await.assert_code("FORBIDDEN");
    assert!(app.outbox("account.closed").await.is_empty(), "nothing happened yet");
    let closed = app.gql(p.admin.bearer(), close, json!({ "p": payer, "a": victim, "c": victim })).await;
    assert_eq!(closed.data("closeLinkedAccount.status"), "PENDING_CLOSURE");
    assert_eq!(app.outbox("account.closed").await[0]["accountId"], victim.as_str());
    app.sync_accounts(&p.operator, &payer).await;
    let after = app.gql(p.viewer.bearer(), "query($p: ID!, $a: String!) { linkedAccount(payerId: $p, accountId: $a) { status } }", json!({ "p": payer, "a": victim })).await;
    assert_eq!(after.data("linkedAccount.status"), "SUSPENDED");

    let mv = "mutation($p: ID!, $a: String!, $d: String!) { moveLinkedAccount(payerId: $p, accountId: $a, destinationOuId: $d) { parentId } }";
    app.gql(p.viewer.bearer(), mv, json!({ "p": payer, "a": mover, "d": ou })).await.assert_code("FORBIDDEN");
    let moved = app.gql(p.operator.bearer(), mv, json!({ "p": payer, "a": mover, "d": ou })).await;
    assert_eq!(moved.data("moveLinkedAccount.parentId"), ou.as_str());
    let parents = org.client().await.list_parents().child_id(&mover).send().await.unwrap();
    assert_eq!(parents.parents()[0].id(), Some(ou.as_str()));

    let rm = "mutation($p: ID!, $a: String!) { removeLinkedAccount(payerId: $p, accountId: $a) { accountId } }";
    app.gql(p.operator.bearer(), rm, json!({ "p": payer, "a": mover })).await.assert_code("FORBIDDEN");
    let removed = app.gql(p.admin.bearer(), rm, json!({ "p": payer, "a": mover })).await;
    assert_eq!(removed.data("removeLinkedAccount.accountId"), mover.as_str());
    app.gql(p.viewer.bearer(), "query($p: ID!, $a: String!) { linkedAccount(payerId: $p, accountId: $a) { status } }", json!({ "p": payer, "a": mover })).await.assert_code("NOT_FOUND");
}

on_both_databases!(
    sync_lists_accounts_and_ous,
    create_account_job_succeeds_into_the_ou,
    create_account_resumes_after_a_restart_without_a_second_account,
    scps_from_the_library_attach_and_detach,
    close_and_move_accounts,
);
