//! #16.14: the signed audit digests also go to S3 (moto here), write-once: Object Lock
//! retention on every object, never over an existing key, and nothing lost when an upload fails.

use std::path::Path;
use std::time::Duration;

use e2e::{DbKind, TestApp, aws, on_both_databases};
use partner_billing::aws::AwsClients;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use partner_billing::jobs::JobState;

fn openssl(args: &[&str]) -> std::process::Output {
    std::process::Command::new("openssl").args(args).output().expect("openssl")
}

/// Runs one `audit.digest` job to its first outcome (succeeded, or failed once and queued for a
/// retry, which is then dropped so it cannot run later); returns the job.
async fn run_digest_job(app: &TestApp) -> entity::jobs::Model {
    let job = partner_billing::jobs::enqueue(&app.db, partner_billing::jobs::NewJob::of(&partner_billing::audit::jobs::Digest {}).unwrap()).await.unwrap();
    let worker = partner_billing::jobs::Worker::new(app.state.jobs.clone(), partner_billing::job_registry::handlers(), std::sync::Arc::new(tokio::sync::Notify::new())).spawn();
    let mut seen = None;
    for _ in 0..150 {
        let now = entity::jobs::Entity::find_by_id(job.id).one(&app.db).await.unwrap().unwrap();
        if now.state == JobState::Succeeded || now.state == JobState::Failed || now.last_error.is_some() {
            seen = Some(now);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    worker.shutdown().await;
    let seen = seen.expect("the audit.digest job ran");
    if seen.state != JobState::Succeeded {
        entity::jobs::Entity::delete_by_id(job.id).exec(&app.db).await.unwrap();
    }
    seen
}

fn local_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

async fn digests_are_put_to_s3_write_once_and_a_failed_upload_is_caught_up(kind: DbKind) {
    let keys = tempfile::tempdir().unwrap();
    let (key, public) = (keys.path().join("digest.pem"), keys.path().join("digest.pub.pem"));
    assert!(openssl(&["genpkey", "-algorithm", "ed25519", "-out", key.to_str().unwrap()]).status.success());
    assert!(openssl(&["pkey", "-in", key.to_str().unwrap(), "-pubout", "-out", public.to_str().unwrap()]).status.success());
    let dir = keys.path().join("digests");
    let bucket = format!("pb-digests-{}", uuid::Uuid::new_v4().simple());
    let uri = format!("s3://{bucket}/audit/digests");
    let moto = aws::moto_url();
    let sdk = aws::sdk_config(&moto).await;
    let app = TestApp::spawn_with_aws(
        kind,
        vec![
            ("run_jobs", "false".into()),
            ("audit_digest_dir", dir.display().to_string()),
            ("audit_digest_key_file", key.display().to_string()),
            ("audit_digest_s3_uri", uri.clone()),
            ("audit_digest_s3_retain_days", "1".into()),
        ],
        AwsClients::from_sdk_config(&sdk),
    )
    .await;
    let root = app.platform_admin().await;
    app.new_partner(&root, "Digest S3 Co").await;

    // The bucket does not exist yet: the upload fails, the digest stays in the folder, and the
    // job says so (and would retry).
    let failed = run_digest_job(&app).await;
    assert_ne!(failed.state, JobState::Succeeded);
    let error = failed.last_error.unwrap();
    assert!(error.contains("putting digests to s3://") && error.contains("uploaded on the next run") && error.contains("NoSuchBucket"), "{error}");
    let first = local_files(&dir);
    assert_eq!(first.len(), 2, "the digest and its signature, written before the upload: {first:?}");

    // The bucket appears (with Object Lock); the next run uploads the earlier digest and its own.
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
    s3.create_bucket().bucket(&bucket).object_lock_enabled_for_bucket(true).send().await.unwrap();
    app.login(&root.email, &root.password).await;
    let job = run_digest_job(&app).await;
    assert_eq!(job.state, JobState::Succeeded, "{:?}", job.last_error);
    let files = local_files(&dir);
    assert_eq!(files.len(), 4, "{files:?}");
    let result: Value = serde_json::from_str(job.result.as_deref().unwrap()).unwrap();
    // Oldest first, each signature before its digest.
    let expected: Vec<&str> = vec![files[1].as_str(), files[0].as_str(), files[3].as_str(), files[2].as_str()];
    assert_eq!(result["uploaded"], json!(expected), "{result}");
    assert!(files[0].ends_with(".json") && files[1].ends_with(".json.sig"));

    // In S3: the same bytes as the files, locked in COMPLIANCE mode for a day.
    let listed = s3.list_objects_v2().bucket(&bucket).prefix("audit/digests/").send().await.unwrap();
    let mut keys_in_s3: Vec<String> = listed.contents().iter().map(|o| o.key().unwrap().to_owned()).collect();
    keys_in_s3.sort();
    assert_eq!(keys_in_s3, files.iter().map(|f| format!("audit/digests/{f}")).collect::<Vec<_>>());
    for f in &files {
        let object = s3.get_object().bucket(&bucket).key(format!("audit/digests/{f}")).send().await.unwrap();
        assert_eq!(object.object_lock_mode().map(|m| m.as_str()), Some("COMPLIANCE"), "{f}");
        let until = object.object_lock_retain_until_date().unwrap().secs();
        let in_a_day = (chrono::Utc::now() + chrono::Duration::days(1)).timestamp();
        assert!((until - in_a_day).abs() < 300, "{f}: retained until {until}, expected about {in_a_day}");
        let bytes = object.body.collect().await.unwrap().into_bytes();
        assert_eq!(bytes.as_ref(), std::fs::read(dir.join(f)).unwrap().as_slice(), "{f}: the same bytes as the local file");
    }

    // Never over an existing key: a put of other bytes is refused by S3 (If-None-Match: *) and
    // the object keeps the digest; a further run finds nothing to upload.
    let digest_key = format!("audit/digests/{}", files[0]);
    assert!(!app.state.aws.s3.put_new(&bucket, &digest_key, b"forged".to_vec(), None).await.unwrap());
    let kept = s3.get_object().bucket(&bucket).key(&digest_key).send().await.unwrap().body.collect().await.unwrap().into_bytes();
    assert_eq!(kept.as_ref(), std::fs::read(dir.join(&files[0])).unwrap().as_slice());
    let to = partner_billing::config::S3Location::parse(&uri).unwrap();
    let again = partner_billing::audit::digest::upload_pending(app.state.aws.s3.as_ref(), &to, &dir, Some(1), chrono::Utc::now(), 200).await.unwrap();
    assert_eq!((again.uploaded.len(), again.already_there.len(), again.remaining), (0, 0, 0));

    // `audit verify --digests s3://…` reads them back with the platform's identity and checks them.
    let out = std::process::Command::new(e2e::cli_binary())
        .args(["audit", "verify", "--digests", &uri, "--public-key", public.to_str().unwrap()])
        .env("PB_DATABASE_URL", &app.database_url)
        .env("PB_AWS_ENDPOINT_URL", &moto)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("PB_AUDIT_DIGEST_DIR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("downloaded 4 digest files from s3://") && stdout.contains("2 signed digests vouch for the trail"), "{stdout}");
}

on_both_databases!(digests_are_put_to_s3_write_once_and_a_failed_upload_is_caught_up);
