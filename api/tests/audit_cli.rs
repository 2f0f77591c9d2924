//! `partner-billing audit verify` and `audit prune` as an operator runs them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use chrono::{Duration, Utc};
use partner_billing::audit::{Actor, Auditor, NewEvent};
use partner_billing::startup::{connect_database, migrate};
use sea_orm::ConnectionTrait;

fn audit(url: &str, args: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_partner-billing"));
    for (key, _) in std::env::vars() {
        if key.starts_with("PB_") {
            cmd.env_remove(key);
        }
    }
    let out = cmd.env("PB_DATABASE_URL", url).arg("audit").args(args).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test]
async fn verify_names_the_altered_record_and_passes_after_pruning() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/pb.db?mode=rwc", dir.path().display());
    let db = connect_database(&url).await.unwrap();
    migrate(&db).await.unwrap();
    let events = [45, 44, 2, 1, 0]
        .into_iter()
        .map(|days| {
            let mut e = NewEvent::api("seeded", Actor::system());
            e.event_time = Utc::now() - Duration::days(days);
            e
        })
        .collect();
    Auditor::new(db.clone()).append(events).await.unwrap();

    let (ok, out) = audit(&url, &["verify"]);
    assert!(ok && out.contains("intact: 5 records"), "{out}");

    db.execute_unprepared("UPDATE audit_events SET event_name = 'other' WHERE seq = 4").await.unwrap();
    let (ok, out) = audit(&url, &["verify"]);
    assert!(!ok && out.contains("record 4") && out.contains("altered"), "{out}");
    db.execute_unprepared("UPDATE audit_events SET event_name = 'seeded' WHERE seq = 4").await.unwrap();

    let (ok, out) = audit(&url, &["prune", "--days", "30"]);
    assert!(ok && out.contains("pruned 2"), "{out}");
    let (ok, out) = audit(&url, &["verify"]);
    assert!(ok && out.contains("intact: 3 records (from record 3 to 5)"), "{out}");

    db.execute_unprepared("DELETE FROM audit_events WHERE seq = 3").await.unwrap();
    let (ok, out) = audit(&url, &["verify"]);
    assert!(!ok && out.contains("record 3 is missing"), "{out}");
}
