//! The audit trail: one CloudTrail-shaped event per mutation and per AWS call, secrets never
//! stored, a hash chain that `audit verify` checks, retention behind a signed checkpoint, and
//! reads scoped to admins.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use e2e::{DbKind, Session, TestApp, on_both_databases};
use entity::audit_events;
use partner_billing::audit::chain::{ChainBreak, row_hash, verify, verify_with};
use partner_billing::audit::{Actor, NewEvent};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Statement};
use serde_json::{Value, json};
use partner_billing::jobs::JobState;

/// Every audit row, oldest first, with its body parsed.
async fn rows(app: &TestApp) -> Vec<(audit_events::Model, Value)> {
    audit_events::Entity::find()
        .order_by_asc(audit_events::Column::Seq)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            let body = serde_json::from_str(&r.body).unwrap();
            (r, body)
        })
        .collect()
}

async fn events_named(app: &TestApp, source: &str, name: &str) -> Vec<Value> {
    rows(app).await.into_iter().filter(|(r, _)| r.event_source == source && r.event_name == name).map(|(_, b)| b).collect()
}

const TYPE_REF: &str = "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// A GraphQL type reference written out (`[ID!]!`).
fn render(t: &Value) -> String {
    match t["kind"].as_str().unwrap() {
        "NON_NULL" => format!("{}!", render(&t["ofType"])),
        "LIST" => format!("[{}]", render(&t["ofType"])),
        _ => t["name"].as_str().unwrap().to_owned(),
    }
}

fn named(t: &Value) -> &Value {
    if t["ofType"].is_object() { named(&t["ofType"]) } else { t }
}

/// A value of the right type for a required argument: well-formed, pointing at nothing.
fn sample(t: &Value, types: &BTreeMap<String, Value>) -> Value {
    match t["kind"].as_str().unwrap() {
        "NON_NULL" => sample(&t["ofType"], types),
        "LIST" => json!([sample(&t["ofType"], types)]),
        _ => {
            let name = t["name"].as_str().unwrap();
            let def = &types[name];
            match (def["kind"].as_str().unwrap(), name) {
                ("ENUM", _) => def["enumValues"][0]["name"].clone(),
                ("INPUT_OBJECT", _) => {
                    let mut obj = serde_json::Map::new();
                    for f in def["inputFields"].as_array().unwrap() {
                        if f["type"]["kind"] == "NON_NULL" && f["defaultValue"].is_null() {
                            obj.insert(f["name"].as_str().unwrap().to_owned(), sample(&f["type"], types));
                        }
                    }
                    Value::Object(obj)
                }
                (_, "ID") => json!(uuid::Uuid::now_v7().to_string()),
                (_, "Int") => json!(1),
                (_, "Float") => json!(1.0),
                (_, "Boolean") => json!(false),
                (_, "DateTime") => json!((Utc::now() + Duration::days(1)).to_rfc3339()),
                (_, "JSON") => json!({}),
                (_, "Decimal") => json!("1"),
                _ => json!("audit-probe"),
            }
        }
    }
}

/// Each mutation of the schema, called once with well-formed arguments, alternately with a
/// session and with an API token: exactly one event each, with the caller's identity, address
/// and user agent; failures carry the GraphQL error code. A new mutation is covered (and must
/// be audited) without touching this test.
async fn every_mutation_writes_exactly_one_event(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Audit Walk").await;
    let expires = (Utc::now() + Duration::days(30)).to_rfc3339();
    let created = app.as_user(&p.admin).create_api_token(json!({ "name": "walk", "role": "ADMIN", "tenantId": p.tenant_id, "expiresAt": expires })).await;
    let token = created["secret"].as_str().unwrap().to_owned();
    let token_id = created["token"]["id"].as_str().unwrap().to_owned();

    let intro = app
        .gql(
            Some(&token),
            &format!("{{ __schema {{ mutationType {{ fields {{ name type {{ {TYPE_REF} }} args {{ name defaultValue type {{ {TYPE_REF} }} }} }} }} types {{ name kind enumValues {{ name }} inputFields {{ name defaultValue type {{ {TYPE_REF} }} }} }} }} }}"),
            json!({}),
        )
        .await;
    let types: BTreeMap<String, Value> =
        intro.data("__schema.types").as_array().unwrap().iter().map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone())).collect();
    let mutations = intro.data("__schema.mutationType.fields").as_array().unwrap().clone();
    assert!(mutations.len() >= 30, "{} mutations", mutations.len());

    for (i, m) in mutations.iter().enumerate() {
        let name = m["name"].as_str().unwrap();
        let mut decls = Vec::new();
        let mut args = Vec::new();
        let mut vars = serde_json::Map::new();
        for a in m["args"].as_array().unwrap() {
            if a["type"]["kind"] != "NON_NULL" || !a["defaultValue"].is_null() {
                continue;
            }
            let arg = a["name"].as_str().unwrap();
            decls.push(format!("${arg}: {}", render(&a["type"])));
            args.push(format!("{arg}: ${arg}"));
            vars.insert(arg.to_owned(), sample(&a["type"], &types));
        }
        let ret = named(&m["type"]);
        let selection = if matches!(ret["kind"].as_str(), Some("OBJECT" | "INTERFACE" | "UNION")) { " { __typename }" } else { "" };
        let decls = if decls.is_empty() { String::new() } else { format!("({})", decls.join(", ")) };
        let args = if args.is_empty() { String::new() } else { format!("({})", args.join(", ")) };
        let query = format!("mutation{decls} {{ {name}{args}{selection} }}");

        // A fresh session each time: `logout` or `changePassword` must not end the next call's.
        let session = app.login(&p.operator.email, &p.operator.password).await;
        let by_token = i % 2 == 1;
        let bearer = if by_token { token.clone() } else { session.token.clone() };
        let agent = format!("audit-walk/1.0 ({name})");
        let before = events_named(&app, "partnerbilling.api", name).await.len();
        let res = app.gql_with_headers(Some(&bearer), &query, Value::Object(vars), &[("user-agent", &agent)]).await;
        let after = events_named(&app, "partnerbilling.api", name).await;
        assert_eq!(after.len(), before + 1, "{name}: one event per call ({query}): {}", res.body);
        let e = after.last().unwrap();
        assert_eq!(e["eventType"], "ApiCall", "{name}");
        assert_eq!(e["eventVersion"], "1.08");
        assert_eq!(e["eventSource"], "partnerbilling.api");
        assert_eq!(e["sourceIPAddress"], "127.0.0.1", "{name}");
        assert_eq!(e["userAgent"], agent.as_str(), "{name}");
        assert!(e["requestID"].as_str().is_some_and(|r| !r.is_empty()), "{name}: {e}");
        assert!(e["eventID"].as_str().is_some_and(|r| r.len() == 36), "{name}: {e}");
        let identity = &e["userIdentity"];
        if by_token {
            assert_eq!(identity["type"], "ApiToken", "{name}: {e}");
            assert_eq!(identity["tokenId"], token_id.as_str(), "{name}");
            assert_eq!(identity["principalId"], p.admin.user_id.as_str(), "{name}");
        } else {
            assert_eq!(identity["type"], "User", "{name}: {e}");
            assert!(identity["tokenId"].is_null(), "{name}");
            assert_eq!(identity["principalId"], p.operator.user_id.as_str(), "{name}");
            assert_eq!(identity["userName"], p.operator.email.as_str(), "{name}");
        }
        match res.code() {
            Some(code) => {
                assert_eq!(e["errorCode"], code, "{name}: failed calls carry the error code: {e}");
                assert!(e["errorMessage"].is_string(), "{name}: {e}");
            }
            None => assert!(e["errorCode"].is_null(), "{name}: {e}"),
        }
    }
    let verified = verify(&app.db).await.unwrap();
    assert!(verified.is_ok(), "{verified:?}");
}

/// Secrets that pass through mutations (passwords, tokens, the bootstrap code, ExternalIds) and
/// the signing keys are stored in no audit row, by field name or by shape.
async fn no_secret_reaches_the_audit_trail(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let code = app.bootstrap_code.clone().unwrap();
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Audit Secrets").await;
    let mut secrets: Vec<String> = vec![code, root.password.clone(), root.token.clone(), root.refresh.clone()];
    for (_, s) in p.users() {
        secrets.extend([s.password.clone(), s.token.clone(), s.refresh.clone()]);
    }
    let expires = (Utc::now() + Duration::days(30)).to_rfc3339();
    let admin = app.as_user(&p.admin);
    let created = admin.create_api_token(json!({ "name": "s", "role": "VIEWER", "tenantId": p.tenant_id, "expiresAt": expires })).await;
    secrets.push(created["secret"].as_str().unwrap().to_owned());
    let refreshed = app.anonymous().refresh_session(&p.viewer.refresh).await;
    secrets.push(refreshed["accessToken"].as_str().unwrap().to_owned());
    secrets.push(refreshed["refreshToken"].as_str().unwrap().to_owned());
    let new_password = "changed audit passphrase 42";
    app.as_user(&p.operator).change_password(&p.operator.password, new_password).await;
    secrets.push(new_password.to_owned());
    // A secret typed into a field that is not secret by name is caught by its shape.
    let stray = "pbt_thisLooksExactlyLikeATokenSecretValue0123";
    admin.try_create_tenant(&p.tenant_id, "CUSTOMER", stray).await;
    secrets.push(stray.to_owned());
    let account = e2e::aws::random_account();
    let payer = admin.register_payer(&e2e::story::payer_input(&p.tenant_id, &account, "secret payer")).await;
    secrets.push(payer["externalId"].as_str().unwrap().to_owned());
    let failed_login = "a wrong but secret passphrase";
    app.login_raw(&p.viewer.email, failed_login, &[]).await.assert_code("UNAUTHENTICATED");
    secrets.push(failed_login.to_owned());
    let keys = entity::settings::Entity::find().all(&app.db).await.unwrap();
    secrets.extend(keys.into_iter().filter(|k| k.key.ends_with("key")).map(|k| k.value));

    let all = rows(&app).await;
    assert!(all.len() >= 12, "{} events", all.len());
    let text: String = all.iter().map(|(r, _)| format!("{r:?}\n")).collect();
    for s in &secrets {
        assert!(!text.contains(s.as_str()), "a secret reached the audit trail: {s}");
    }
    assert!(text.contains("[REDACTED]"));
    // The sign-in that failed is there, under the name that was tried, without the password.
    let logins = events_named(&app, "partnerbilling.api", "login").await;
    let failed = logins.iter().find(|e| e["errorCode"] == "UNAUTHENTICATED").unwrap();
    assert_eq!(failed["requestParameters"]["email"], p.viewer.email.as_str());
    assert_eq!(failed["requestParameters"]["password"], "[REDACTED]");
    assert_eq!(failed["userIdentity"]["type"], "Unknown");
}

/// AWS calls (here against moto) are AwsApiCall events with AWS's request ids, attributed to the
/// user who caused them or to System for jobs, filed before the mutation's own event.
async fn aws_calls_are_recorded_with_request_ids(db: DbKind) {
    let app = TestApp::spawn_aws(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Audit AWS").await;
    let org = e2e::aws::organization(1).await;
    let payer = app.connected_payer(&p, &org.management).await;
    let all = rows(&app).await;
    let check = all.iter().position(|(r, _)| r.event_name == "checkPayerConnection").unwrap();
    let every: Vec<&Value> = all[..check].iter().filter(|(r, _)| r.event_type == "AwsApiCall").map(|(_, b)| b).collect();
    // The registration's watch job probes the new payer too, as System; the user's check is theirs.
    let (aws, system): (Vec<&Value>, Vec<&Value>) = every.into_iter().partition(|e| e["userIdentity"]["type"] != "System");
    assert!(system.iter().all(|e| e["userIdentity"]["principalId"].is_null() || e["userIdentity"]["principalId"] != p.admin.user_id.as_str()), "{system:?}");
    let assume = aws.iter().find(|e| e["eventName"] == "AssumeRole").expect("AssumeRole recorded");
    assert_eq!(assume["eventSource"], "sts.amazonaws.com");
    assert_eq!(assume["readOnly"], false);
    assert!(assume["requestID"].as_str().is_some_and(|r| !r.is_empty()), "AWS request id: {assume}");
    assert_eq!(assume["userIdentity"]["principalId"], p.admin.user_id.as_str());
    assert_eq!(assume["payerId"], payer.as_str());
    let describe = aws.iter().find(|e| e["eventName"] == "DescribeOrganization").expect("DescribeOrganization recorded");
    assert_eq!(describe["eventSource"], "organizations.amazonaws.com");
    assert_eq!(describe["readOnly"], true);
    assert_eq!(describe["recipientAccountId"], org.management.as_str());
    assert!(describe["awsRegion"].is_string(), "{describe}");
    assert!(describe["errorCode"].is_null(), "{describe}");
    assert!(describe["requestID"].as_str().is_some_and(|r| !r.is_empty()), "AWS request id: {describe}");

    // A job's AWS calls run as System, under the payer.
    app.sync_accounts(&p.admin, &payer).await;
    let list = events_named(&app, "organizations.amazonaws.com", "ListAccounts").await;
    let by_job = list.last().expect("ListAccounts recorded");
    assert_eq!(by_job["userIdentity"]["type"], "System");
    assert_eq!(by_job["payerId"], payer.as_str());
    // The ExternalId is never stored in the trail.
    let ext = entity::payers::Entity::find_by_id(payer.parse::<uuid::Uuid>().unwrap()).one(&app.db).await.unwrap().unwrap().external_id;
    assert!(!rows(&app).await.iter().any(|(r, _)| r.body.contains(&ext)));
    assert!(verify(&app.db).await.unwrap().is_ok());
}

async fn sql(app: &TestApp, statement: &str) {
    app.db.execute_raw(Statement::from_string(app.db.get_database_backend(), statement.to_owned())).await.unwrap();
}

/// `verify` names the first altered, missing or inserted record; retention prunes whole old
/// days behind a signed checkpoint and the chain still verifies.
async fn verify_detects_tampering_and_survives_retention(db: DbKind) {
    let app = TestApp::spawn(db).await;
    // Old events first (as if written 40 and 10 days ago), then today's.
    let mut old = Vec::new();
    for days in [40, 40, 39, 10, 10] {
        let mut e = NewEvent::api("seeded", Actor::system());
        e.event_time = Utc::now() - Duration::days(days);
        old.push(e);
    }
    app.state.audit.append(old).await.unwrap();
    let root = app.platform_admin().await;
    app.new_partner(&root, "Audit Chain").await;
    let total = rows(&app).await.len();
    assert!(total > 8);
    assert_eq!(verify(&app.db).await.unwrap().unwrap().records as usize, total);

    // Altered.
    let (victim, _) = rows(&app).await.into_iter().nth(6).unwrap();
    sql(&app, &format!("UPDATE audit_events SET body = REPLACE(body, '127.0.0.1', '10.9.9.9') WHERE seq = {}", victim.seq)).await;
    assert_eq!(verify(&app.db).await.unwrap(), Err(ChainBreak::Altered { seq: victim.seq, event_id: victim.event_id.clone() }));
    let broken = verify(&app.db).await.unwrap().unwrap_err().to_string();
    assert!(broken.contains(&format!("record {}", victim.seq)) && broken.contains(&victim.event_id), "{broken}");
    let restore: audit_events::ActiveModel = victim.clone().into();
    let mut restore = restore;
    restore.body = Set(victim.body.clone());
    restore.reset(audit_events::Column::Body);
    restore.update(&app.db).await.unwrap();
    assert!(verify(&app.db).await.unwrap().is_ok(), "restored");

    // Inserted: a self-consistent record that does not follow its predecessor.
    let last = rows(&app).await.pop().unwrap().0;
    let mut forged = last.clone();
    forged.seq = last.seq + 1;
    forged.event_id = uuid::Uuid::now_v7().to_string();
    forged.prev_hash = "f".repeat(64);
    forged.hash = row_hash(&forged);
    audit_events::Entity::insert(audit_events::ActiveModel::from(forged.clone())).exec_without_returning(&app.db).await.unwrap();
    assert_eq!(verify(&app.db).await.unwrap(), Err(ChainBreak::Inserted { seq: forged.seq, event_id: forged.event_id.clone() }));
    audit_events::Entity::delete_by_id(forged.seq).exec(&app.db).await.unwrap();
    assert!(verify(&app.db).await.unwrap().is_ok());

    // Retention: the three records of 39-40 days ago go, the rest stays verifiable.
    let gone = app.state.audit.prune(30, Utc::now()).await.unwrap();
    assert_eq!(gone, 3);
    let report = verify(&app.db).await.unwrap().unwrap();
    assert_eq!((report.checkpoint, report.records as usize), (3, total - 3));
    assert_eq!(app.state.audit.prune(30, Utc::now()).await.unwrap(), 0, "pruning again changes nothing");
    // New events still chain on.
    app.login(&root.email, &root.password).await;
    assert!(verify(&app.db).await.unwrap().is_ok());

    // Missing: one deleted in the middle.
    let (middle, _) = rows(&app).await.into_iter().nth(2).unwrap();
    audit_events::Entity::delete_many().filter(audit_events::Column::Seq.eq(middle.seq)).exec(&app.db).await.unwrap();
    assert_eq!(verify(&app.db).await.unwrap(), Err(ChainBreak::Missing { seq: middle.seq }));
    audit_events::Entity::insert(audit_events::ActiveModel::from(middle)).exec_without_returning(&app.db).await.unwrap();
    assert!(verify(&app.db).await.unwrap().is_ok());
    // Missing: the newest one deleted (the chain head remembers it).
    let (newest, _) = rows(&app).await.pop().unwrap();
    audit_events::Entity::delete_by_id(newest.seq).exec(&app.db).await.unwrap();
    assert_eq!(verify(&app.db).await.unwrap(), Err(ChainBreak::Missing { seq: newest.seq }));
    audit_events::Entity::insert(audit_events::ActiveModel::from(newest)).exec_without_returning(&app.db).await.unwrap();

    // A forged checkpoint (moving it to hide more deletions) fails its signature.
    sql(&app, "UPDATE settings SET value = REPLACE(value, '\"seq\":3', '\"seq\":4') WHERE key = 'audit_checkpoint'").await;
    assert!(matches!(verify(&app.db).await.unwrap(), Err(ChainBreak::Checkpoint(_))));
}

/// #16.14: a row appended after the head with a correct link (its own hash right, its prev_hash
/// the real last record's) is reported by `verify`, and it does not wedge the server: audited
/// writes go on after it, and the break stays visible.
async fn a_well_linked_forged_append_is_found_and_wedges_nothing(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    app.new_partner(&root, "Forged Append").await;
    let last = rows(&app).await.pop().unwrap().0;
    let mut forged = last.clone();
    forged.seq = last.seq + 1;
    forged.event_id = uuid::Uuid::now_v7().to_string();
    forged.prev_hash = last.hash.clone();
    forged.hash = row_hash(&forged);
    audit_events::Entity::insert(audit_events::ActiveModel::from(forged.clone())).exec_without_returning(&app.db).await.unwrap();
    assert_eq!(verify(&app.db).await.unwrap(), Err(ChainBreak::BeyondHead { head: last.seq, last: forged.seq }));
    let said = verify(&app.db).await.unwrap().unwrap_err().to_string();
    assert!(said.contains(&format!("records {} to {}", forged.seq, forged.seq)) && said.contains("outside the server"), "{said}");
    // An audited write still works, recorded after the forged row and linked to the real head.
    let again = app.login(&root.email, &root.password).await;
    assert_eq!(app.as_user(&again).me().await["email"], root.email.as_str());
    let after = rows(&app).await;
    let newest = &after.last().unwrap().0;
    assert!(newest.seq > forged.seq);
    assert_eq!(after.iter().find(|(r, _)| r.seq == forged.seq + 1).unwrap().0.prev_hash, last.hash, "chained to the real head");
    let broken = verify(&app.db).await.unwrap();
    assert!(matches!(broken, Err(ChainBreak::Inserted { seq, .. }) if seq == forged.seq + 1), "{broken:?}");
}

fn openssl(args: &[&str]) -> std::process::Output {
    std::process::Command::new("openssl").args(args).output().expect("openssl")
}

/// #16.14: signed digests. Keys from `openssl genpkey`; the hourly job and the library write
/// digests; `verify` with only the public key finds them intact and OpenSSL verifies a signature
/// on its own. Then: an edited or unsigned digest, a truncated trail, and a chain rewritten so
/// consistently that the database-only check passes, are each named.
async fn signed_digests_catch_what_the_chain_alone_cannot(db: DbKind) {
    use partner_billing::audit::digest::{self, DigestBreak};
    let keys = tempfile::tempdir().unwrap();
    let (key, public) = (keys.path().join("digest.pem"), keys.path().join("digest.pub.pem"));
    assert!(openssl(&["genpkey", "-algorithm", "ed25519", "-out", key.to_str().unwrap()]).status.success());
    assert!(openssl(&["pkey", "-in", key.to_str().unwrap(), "-pubout", "-out", public.to_str().unwrap()]).status.success());
    let dir = keys.path().join("digests");
    let app = TestApp::spawn_with(
        db,
        vec![("run_jobs", "false".into()), ("audit_digest_dir", dir.display().to_string()), ("audit_digest_key_file", key.display().to_string())],
    )
    .await;
    let root = app.platform_admin().await;
    app.new_partner(&root, "Digest Co").await;

    // The hourly job writes the first digest.
    let job = partner_billing::jobs::enqueue(&app.db, partner_billing::jobs::NewJob::of(&partner_billing::audit::jobs::Digest {}).unwrap()).await.unwrap();
    let worker = partner_billing::jobs::Worker::new(app.state.jobs.clone(), partner_billing::job_registry::handlers(), std::sync::Arc::new(tokio::sync::Notify::new())).spawn();
    for _ in 0..100 {
        if entity::jobs::Entity::find_by_id(job.id).one(&app.db).await.unwrap().unwrap().state == JobState::Succeeded {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    worker.shutdown().await;
    let signing = digest::signing_key_from_pem_file(&key).unwrap();
    let verifying = digest::verifying_key_from_pem_file(&public).unwrap();
    let first_head = partner_billing::audit::chain::head(&app.db).await.unwrap().0;
    app.login(&root.email, &root.password).await;
    let second = digest::write(&app.db, &dir, &signing, Utc::now() + Duration::minutes(60)).await.unwrap();
    let last_head = partner_billing::audit::chain::head(&app.db).await.unwrap().0;
    assert!(last_head > first_head);
    assert_eq!(verify(&app.db).await.unwrap().map(|r| r.last_seq), Ok(last_head));
    let report = digest::verify(&app.db, &dir, &verifying).await.unwrap().unwrap();
    assert_eq!((report.digests, report.last_digest_seq), (2, last_head));
    let written: Value = serde_json::from_slice(&std::fs::read(&second).unwrap()).unwrap();
    assert_eq!(written["headSeq"], last_head);
    assert!(written["previousDigestFile"].as_str().unwrap().starts_with("digest-"), "{written}");
    // OpenSSL, knowing nothing of this program, checks the signature with the public key alone.
    let sig = format!("{}.sig", second.display());
    let checked = openssl(&["pkeyutl", "-verify", "-pubin", "-inkey", public.to_str().unwrap(), "-rawin", "-in", second.to_str().unwrap(), "-sigfile", &sig]);
    assert!(String::from_utf8_lossy(&checked.stdout).contains("Signature Verified Successfully"), "{checked:?}");
    let second_name = second.file_name().unwrap().to_string_lossy().into_owned();

    // An edited digest (its head moved back) fails its signature; without its .sig it is unsigned.
    let original = std::fs::read(&second).unwrap();
    std::fs::write(&second, String::from_utf8(original.clone()).unwrap().replace(&format!("\"headSeq\": {last_head}"), &format!("\"headSeq\": {first_head}"))).unwrap();
    assert_eq!(digest::verify(&app.db, &dir, &verifying).await.unwrap(), Err(DigestBreak::BadSignature { file: second_name.clone() }));
    std::fs::write(&second, &original).unwrap();
    std::fs::rename(&sig, format!("{sig}.away")).unwrap();
    assert_eq!(digest::verify(&app.db, &dir, &verifying).await.unwrap(), Err(DigestBreak::NoSignature { file: second_name.clone() }));
    std::fs::rename(format!("{sig}.away"), &sig).unwrap();

    // Truncation made consistent in the database (tail deleted, head moved back): the chain alone
    // passes, the digest that pinned the deleted record does not.
    let all = rows(&app).await;
    let tail: Vec<audit_events::Model> = all.iter().map(|(r, _)| r.clone()).filter(|r| r.seq > first_head).collect();
    let keep = all.iter().map(|(r, _)| r.clone()).find(|r| r.seq == first_head).unwrap();
    audit_events::Entity::delete_many().filter(audit_events::Column::Seq.gt(first_head)).exec(&app.db).await.unwrap();
    sql(&app, &format!("UPDATE settings SET value = '{{\"seq\":{},\"hash\":\"{}\"}}' WHERE key = 'audit_chain_head'", keep.seq, keep.hash)).await;
    assert!(verify(&app.db).await.unwrap().is_ok(), "the database alone cannot tell");
    assert_eq!(digest::verify(&app.db, &dir, &verifying).await.unwrap(), Err(DigestBreak::RecordMissing { file: second_name.clone(), seq: last_head }));
    for row in tail {
        audit_events::Entity::insert(audit_events::ActiveModel::from(row)).exec_without_returning(&app.db).await.unwrap();
    }
    let newest = rows(&app).await.pop().unwrap().0;
    sql(&app, &format!("UPDATE settings SET value = '{{\"seq\":{},\"hash\":\"{}\"}}' WHERE key = 'audit_chain_head'", newest.seq, newest.hash)).await;
    assert!(digest::verify(&app.db, &dir, &verifying).await.unwrap().is_ok(), "restored");

    // A rewrite re-linked all the way to the head: every link holds, the digests do not.
    let mut prev = String::new();
    for (mut row, _) in rows(&app).await {
        if row.seq == 2 {
            row.body = row.body.replacen('{', "{\"forged\":true,", 1);
        }
        if row.seq >= 2 {
            row.prev_hash = prev.clone();
            row.hash = row_hash(&row);
            let mut active: audit_events::ActiveModel = row.clone().into();
            for column in [audit_events::Column::Body, audit_events::Column::PrevHash, audit_events::Column::Hash] {
                active.reset(column);
            }
            active.update(&app.db).await.unwrap();
        }
        prev = row.hash.clone();
    }
    let newest = rows(&app).await.pop().unwrap().0;
    sql(&app, &format!("UPDATE settings SET value = '{{\"seq\":{},\"hash\":\"{}\"}}' WHERE key = 'audit_chain_head'", newest.seq, newest.hash)).await;
    assert!(verify(&app.db).await.unwrap().is_ok(), "a consistent rewrite passes the database-only check");
    let broken = digest::verify(&app.db, &dir, &verifying).await.unwrap().unwrap_err();
    assert!(matches!(broken, DigestBreak::RecordRewritten { seq, .. } if seq == first_head), "{broken:?}");
    assert!(broken.to_string().contains("rewritten"), "{broken}");
}

/// #16.17: a sign-in and a refresh carry no credential, but their events name the user they
/// signed in as (not "Unknown"); a failed sign-in stays Unknown with the email tried.
async fn sign_ins_and_refreshes_name_the_user(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let session = app.login(&root.email, &root.password).await;
    app.anonymous().refresh_session(&session.refresh).await;
    app.login_raw(&root.email, "not the password at all", &[]).await.assert_code("UNAUTHENTICATED");
    let events = rows(&app).await;
    let named = |name: &str| events.iter().filter(|(r, _)| r.event_name == name).map(|(_, b)| b["userIdentity"].clone()).collect::<Vec<_>>();
    let refreshes = named("refreshSession");
    assert_eq!(refreshes.len(), 1);
    assert_eq!((refreshes[0]["type"].as_str(), refreshes[0]["userName"].as_str()), (Some("User"), Some(root.email.as_str())));
    assert_eq!(refreshes[0]["principalId"], session.user_id.as_str());
    let logins = named("login");
    assert!(logins.iter().filter(|i| i["type"] == "User").count() >= 1, "{logins:?}");
    let failed = logins.last().unwrap();
    assert_eq!((failed["type"].as_str(), failed["userName"].as_str()), (Some("Unknown"), Some(root.email.as_str())));
}

/// Who reads the trail: platform admins everything, partner admins their subtree, payer admins
/// their payer; everyone else is refused. Filters, pagination, and the CloudTrail export (which
/// is itself audited).
async fn admins_read_their_part_of_the_trail(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Audit Reader").await;
    let q = app.new_partner(&root, "Audit Other").await;
    app.as_user(&p.admin).update_payer(&p.payer_id, json!({ "name": "Renamed payer" })).await;
    app.as_user(&q.admin).update_payer(&q.payer_id, json!({ "name": "Other payer" })).await;
    // A failed attempt by P's admin on Q's payer is P's record, not Q's.
    app.as_user(&p.admin).try_remove_payer(&q.payer_id).await.assert_code("NOT_FOUND");

    let list = |who: &Session, f: Value| {
        let app = &app;
        let who = who.clone();
        async move { app.as_user(&who).audit_events(f, Some(100), None).await }
    };

    let all = list(&root, json!(null)).await;
    let all_nodes = all.data("auditEvents.nodes").as_array().unwrap().clone();
    assert!(all_nodes.iter().any(|e| e["payerId"] == q.payer_id.as_str()));
    assert!(all_nodes.iter().any(|e| e["userIdentity"]["type"] == "Unknown" || e["eventName"] == "bootstrapAdmin"));

    let mine = list(&p.admin, json!(null)).await;
    let nodes = mine.data("auditEvents.nodes").as_array().unwrap().clone();
    assert!(nodes.iter().any(|e| e["eventName"] == "updatePayer" && e["payerId"] == p.payer_id.as_str()), "{nodes:?}");
    let attempt = nodes.iter().find(|e| e["eventName"] == "removePayer").expect("P's failed attempt is P's");
    assert_eq!(attempt["errorCode"], "NOT_FOUND");
    assert_eq!(attempt["tenantId"], p.tenant_id.as_str());
    for e in &nodes {
        assert_ne!(e["payerId"], q.payer_id.as_str(), "Q's events are not P's: {e}");
        assert_ne!(e["tenantId"], q.tenant_id.as_str(), "{e}");
        assert_ne!(e["userIdentity"]["principalId"], q.admin.user_id.as_str(), "{e}");
    }
    // Q's admin does not see P's attempt on Q's payer.
    let theirs = list(&q.admin, json!(null)).await;
    assert!(!theirs.data("auditEvents.nodes").as_array().unwrap().iter().any(|e| e["eventName"] == "removePayer"));

    // Payer admins: their payer's events only.
    let payer_view = list(&p.payer_admin, json!(null)).await;
    let payer_nodes = payer_view.data("auditEvents.nodes").as_array().unwrap();
    assert!(!payer_nodes.is_empty());
    assert!(payer_nodes.iter().all(|e| e["payerId"] == p.payer_id.as_str()), "{payer_nodes:?}");

    // Not admins: refused.
    for who in [&p.viewer, &p.operator] {
        list(who, json!(null)).await.assert_code("FORBIDDEN");
        app.as_user(who).try_export_audit_events(json!(null)).await.assert_code("FORBIDDEN");
    }
    list(&p.admin, json!({ "payerId": q.payer_id })).await.assert_code("NOT_FOUND");

    // Filters and paging.
    let by_name = list(&p.admin, json!({ "eventName": "createUser", "userId": p.admin.user_id })).await;
    let created = by_name.data("auditEvents.nodes").as_array().unwrap();
    assert_eq!(created.len(), 3, "the admin created three users: {created:?}");
    assert!(created.iter().all(|e| e["requestParameters"]["input"]["password"] == "[REDACTED]"));
    let failed = list(&p.admin, json!({ "errorCode": "NOT_FOUND" })).await;
    assert!(failed.data("auditEvents.nodes").as_array().unwrap().iter().all(|e| e["errorCode"] == "NOT_FOUND"));
    let window = list(&root, json!({ "from": (Utc::now() - Duration::hours(1)).to_rfc3339(), "to": (Utc::now() + Duration::hours(1)).to_rfc3339(), "readOnly": false })).await;
    assert_eq!(window.data("auditEvents.nodes").as_array().unwrap().len(), all_nodes.len());
    let empty = list(&root, json!({ "to": (Utc::now() - Duration::days(1)).to_rfc3339() })).await;
    assert!(empty.data("auditEvents.nodes").as_array().unwrap().is_empty());
    let page1 = app.as_user(&root).audit_events(json!(null), Some(2), None).await;
    assert_eq!(page1.data("auditEvents.pageInfo.hasNextPage"), true);
    let cursor = page1.data("auditEvents.pageInfo.endCursor").as_str().unwrap().to_owned();
    let page2 = app.as_user(&root).audit_events(json!(null), Some(2), Some(&cursor)).await;
    let (a, b) = (page1.data("auditEvents.nodes").as_array().unwrap(), page2.data("auditEvents.nodes").as_array().unwrap());
    assert!(a[1]["sequence"].as_str().unwrap().parse::<i64>().unwrap() > b[0]["sequence"].as_str().unwrap().parse::<i64>().unwrap());

    // Export: a CloudTrail log file, oldest first; the export itself is audited as a read.
    let export = app.gql_with_headers(p.admin.bearer(), e2e::story::EXPORT_AUDIT_EVENTS, json!({ "f": { "payerId": p.payer_id } }), &[("user-agent", "exporter/2")]).await;
    let records = export.data("exportAuditEvents.Records").as_array().unwrap().clone();
    assert!(!records.is_empty());
    for r in &records {
        for key in ["eventVersion", "eventID", "eventTime", "eventSource", "eventName", "eventType", "userIdentity", "sourceIPAddress", "requestParameters", "requestID", "readOnly"] {
            assert!(r.get(key).is_some(), "{key} in {r}");
        }
        assert_eq!(r["payerId"], p.payer_id.as_str());
    }
    let exports = events_named(&app, "partnerbilling.api", "exportAuditEvents").await;
    let audited = exports.last().expect("the export is audited");
    assert_eq!(audited["readOnly"], true);
    assert_eq!(audited["userAgent"], "exporter/2");
    assert_eq!(audited["userIdentity"]["principalId"], p.admin.user_id.as_str());
    assert!(audited["responseElements"].is_null());

    // Reading a customer's bill is a sensitive read too: who, which account and month.
    app.as_user(&p.viewer).account_monthly_bill(&p.payer_id, "000111222333", "2025-11", None, None).await;
    let reads = events_named(&app, "partnerbilling.api", "accountMonthlyBill").await;
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0]["readOnly"], true);
    assert_eq!(reads[0]["userIdentity"]["principalId"], p.viewer.user_id.as_str());
    assert_eq!(reads[0]["requestParameters"]["accountId"], "000111222333");
    assert_eq!(reads[0]["requestParameters"]["month"], "2025-11");
    assert_eq!(reads[0]["payerId"], p.payer_id.as_str());
}

/// PB_AUDIT_RETENTION_DAYS is applied by a scheduled job, not only by `audit prune`.
async fn the_retention_job_prunes_old_days(db: DbKind) {
    let app = TestApp::spawn_with(db, vec![("audit_retention_days", "30".to_owned())]).await;
    let mut old = Vec::new();
    for days in [45, 31, 29] {
        let mut e = NewEvent::api("seeded", Actor::system());
        e.event_time = Utc::now() - Duration::days(days);
        old.push(e);
    }
    app.state.audit.append(old).await.unwrap();
    let root = app.platform_admin().await;
    let before = rows(&app).await.len();
    let mut job = partner_billing::jobs::NewJob::of(&partner_billing::audit::jobs::Prune {}).unwrap();
    job.idempotency_key = Some(uuid::Uuid::now_v7().to_string());
    let id = partner_billing::jobs::enqueue(&app.db, job).await.unwrap().id.to_string();
    app.state.jobs_wakeup.notify_one();
    let done = app.wait_job(&root, &id).await;
    assert_eq!(done["state"], "SUCCEEDED", "{done}");
    assert_eq!(done["result"]["pruned"], 2, "{done}");
    assert_eq!(done["result"]["retentionDays"], 30);
    let after = verify(&app.db).await.unwrap().expect("still verifiable after pruning");
    assert_eq!(after.checkpoint, 2);
    assert!(rows(&app).await.len() >= before - 2);
    assert_eq!(app.count("job_schedules WHERE kind = 'audit.prune'").await, 1, "scheduled daily");
}

/// A mutation and its audit record commit together: when the record cannot be written the change
/// is rolled back; a mutation that fails (even one that aborts the transaction on PostgreSQL) is
/// recorded once with its code; the chain still verifies.
async fn a_change_whose_record_cannot_be_written_does_not_happen(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Atomic Co").await;
    // The database refuses records of createTenant, as a full disk or a broken constraint would.
    match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            sql(&app, "CREATE FUNCTION refuse_create_tenant() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.event_name = 'createTenant' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$").await;
            sql(&app, "CREATE TRIGGER refuse_create_tenant BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_create_tenant()").await;
        }
        _ => sql(&app, "CREATE TRIGGER refuse_create_tenant BEFORE INSERT ON audit_events WHEN NEW.event_name = 'createTenant' BEGIN SELECT RAISE(ABORT, 'refused'); END").await,
    }
    let tenants = app.count("tenants").await;
    let events = rows(&app).await.len();
    let admin = app.as_user(&p.admin);
    let res = admin.try_create_tenant(&p.tenant_id, "CUSTOMER", "Unaudited").await;
    res.assert_code("INTERNAL");
    let message = res.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("not made") && !message.contains("refused"), "no internal detail leaks: {message}");
    assert_eq!(app.count("tenants").await, tenants, "the tenant was not created");
    assert_eq!(rows(&app).await.len(), events, "nothing was appended");

    // Other mutations still change and record.
    let input = json!({ "email": "once@atomic.example", "password": "a fine long passphrase", "role": "VIEWER", "tenantId": p.tenant_id });
    let user_id = admin.add_user(input.clone()).await["id"].as_str().unwrap().to_owned();
    // A duplicate email fails in the database (on PostgreSQL that aborts the transaction): the
    // failure is still recorded, once, with the code the caller saw.
    admin.try_add_user(input).await.assert_code("CONFLICT");
    let recorded = events_named(&app, "partnerbilling.api", "createUser").await;
    let mine: Vec<&Value> = recorded.iter().filter(|e| e["requestParameters"]["input"]["email"] == "once@atomic.example").collect();
    assert_eq!(mine.len(), 2, "{mine:?}");
    assert_eq!(mine[0]["responseElements"]["id"], user_id.as_str());
    assert!(mine[0]["errorCode"].is_null(), "{}", mine[0]);
    assert_eq!(mine[1]["errorCode"], "CONFLICT", "{}", mine[1]);
    assert_eq!(app.count("users WHERE email = 'once@atomic.example'").await, 1);
    assert!(verify(&app.db).await.unwrap().is_ok(), "the chain holds");
}

/// With PB_AUDIT_SIGNING_KEY the retention checkpoint is signed with the operator's key, kept
/// outside the database: verification needs that key, and a checkpoint re-signed with the key
/// stored in the database (all that someone with database access has) does not pass.
async fn an_operator_key_signs_the_retention_checkpoint(db: DbKind) {
    let key = "operator key kept outside the database 0123456789";
    let app = TestApp::spawn_with(db, vec![("audit_signing_key", key.to_owned())]).await;
    let mut old = Vec::new();
    for days in [40, 35] {
        let mut e = NewEvent::api("seeded", Actor::system());
        e.event_time = Utc::now() - Duration::days(days);
        old.push(e);
    }
    old.push(NewEvent::api("recent", Actor::system()));
    app.state.audit.append(old).await.unwrap();
    assert_eq!(app.state.audit.prune(30, Utc::now()).await.unwrap(), 2);
    let operator = secrecy::SecretString::from(key.to_owned());
    let report = verify_with(&app.db, Some(&operator)).await.unwrap().expect("verifies with the operator's key");
    assert_eq!((report.checkpoint, report.records), (2, 1));
    let without = verify(&app.db).await.unwrap().unwrap_err();
    assert!(without.to_string().contains("PB_AUDIT_SIGNING_KEY"), "{without}");
    let wrong = secrecy::SecretString::from("another key of at least thirty-two chars".to_owned());
    assert_eq!(verify_with(&app.db, Some(&wrong)).await.unwrap(), Err(ChainBreak::Checkpoint("bad signature".into())));
    // A checkpoint signed with the database's own key (all that someone with database access can
    // produce) is not trusted once the operator's key is set.
    let mut late = NewEvent::api("later", Actor::system());
    late.event_time = Utc::now() - Duration::days(31);
    app.state.audit.append(vec![late]).await.unwrap();
    partner_billing::audit::Auditor::new(app.db.clone()).prune(30, Utc::now()).await.unwrap();
    let forged = verify_with(&app.db, Some(&operator)).await.unwrap().unwrap_err();
    assert!(forged.to_string().contains("key kept in the database"), "{forged}");
    assert!(verify(&app.db).await.unwrap().is_ok(), "it is a valid database-signed checkpoint");
    // No secret of the operator's reaches the database.
    let stored: Vec<String> = entity::settings::Entity::find().all(&app.db).await.unwrap().into_iter().map(|s| s.value).collect();
    assert!(stored.iter().all(|v| !v.contains(key)), "{stored:?}");
}

on_both_databases!(
    an_operator_key_signs_the_retention_checkpoint,
    a_change_whose_record_cannot_be_written_does_not_happen,
    every_mutation_writes_exactly_one_event,
    the_retention_job_prunes_old_days,
    no_secret_reaches_the_audit_trail,
    aws_calls_are_recorded_with_request_ids,
    verify_detects_tampering_and_survives_retention,
    a_well_linked_forged_append_is_found_and_wedges_nothing,
    signed_digests_catch_what_the_chain_alone_cannot,
    sign_ins_and_refreshes_name_the_user,
    admins_read_their_part_of_the_trail,
);
