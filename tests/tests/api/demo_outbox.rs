//! Issue #19.3, the demo's mail sink (`PB_MAIL_SINK=outbox`): mail is kept in the database and
//! counts as delivered; global admins read it (set-password link included) and nobody else; the
//! query is refused when the server does not run the sink; and the sink cannot be turned on with
//! PostgreSQL or an SMTP server.

use std::time::{Duration, Instant};

use e2e::{Actor, DbKind, TestApp, on_both_databases};
use serde_json::{Value, json};

/// Waits until the outbox holds a mail to `to`.
async fn wait_for_mail(reader: Actor<'_>, to: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let outbox = reader.demo_outbox().await;
        if let Some(mail) = outbox.as_array().unwrap().iter().find(|m| m["to"] == to) {
            return mail.clone();
        }
        assert!(Instant::now() < deadline, "no mail to {to} in the demo outbox: {outbox}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_lands_in_the_outbox_delivered_and_only_global_admins_read_it() {
    let app = TestApp::spawn_with(DbKind::Sqlite, vec![("mail_sink", "outbox".to_owned()), ("notify_interval_ms", "50".to_owned())]).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Outbox Demo").await;

    let invited = app.as_user(&p.admin).invite_user("new.hire@outbox.example", "VIEWER", &p.tenant_id).await;
    assert_eq!(invited["invitationPending"], true);
    let global = app.as_user(&admin);
    let mail = wait_for_mail(global, "new.hire@outbox.example").await;
    assert_eq!(mail["subject"], "You have been invited to Partner Billing");
    assert_eq!(mail["eventType"], "user.invited");
    let text = mail["text"].as_str().unwrap();
    // No PB_PUBLIC_URL: the link is the web app's own path, which the outbox page opens.
    let token = text.split("/set-password?token=").nth(1).expect("a set-password link").split_whitespace().next().unwrap().to_owned();
    assert!(token.starts_with("pbs_"), "{text}");
    assert!(mail["html"].as_str().unwrap().contains(&token), "the HTML body carries the link too");

    // The delivery counts as sent (not pending forever), and the link works.
    let log = global.notifications(json!({ "channel": "email" })).await;
    let delivery = log.iter().find(|n| n["id"] == mail["notificationId"]).cloned().expect("the caught mail's delivery");
    assert_eq!(delivery["recipient"], "new.hire@outbox.example");
    assert_eq!(delivery["status"], "sent", "{delivery}");
    assert_eq!(delivery["subject"], mail["subject"]);
    let access = app.anonymous().set_password(&token, "a new hire's own passphrase").await;
    assert!(!access.is_empty());
    let changed = wait_for_mail(global, "new.hire@outbox.example").await;
    assert!(changed["caughtAt"].as_str().is_some());

    // Global admins only: the partner's own admin, operator and viewer are refused, and told
    // the page is not theirs; so is a signed-out caller.
    assert!(global.demo_outbox_enabled().await);
    for (who, session) in p.users() {
        let user = app.as_user(session);
        user.try_demo_outbox().await.assert_code("FORBIDDEN");
        assert!(!user.demo_outbox_enabled().await, "{who}");
    }
    app.anonymous().try_demo_outbox().await.assert_code("UNAUTHENTICATED");
}

/// Without the sink (the default, on either database) there is no outbox to read.
async fn the_outbox_is_refused_when_mail_is_sent(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let global = app.as_user(&admin);
    let res = global.try_demo_outbox().await;
    res.assert_code("NOT_FOUND");
    assert_eq!(res.message(), "demo outbox not found");
    assert!(!global.demo_outbox_enabled().await);
    // Mail stays pending with no SMTP server, and nothing is kept.
    global.invite_user("pending@outbox.example", "VIEWER", &partner_billing::ids::ROOT_TENANT_ID.to_string()).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.count("demo_mails").await, 0);
}

on_both_databases!(the_outbox_is_refused_when_mail_is_sent);

/// The binary refuses to start with the sink and PostgreSQL, or the sink and an SMTP server,
/// naming the setting and never echoing the SMTP password.
#[test]
fn the_sink_is_refused_with_postgresql_or_smtp() {
    let start = |env: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(e2e::cli_binary());
        cmd.arg("migrate").env("PB_MAIL_SINK", "outbox").env_remove("PB_SMTP_URL").env_remove("PB_DATABASE_URL");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}/refused.db?mode=rwc", dir.path().display());
    for (env, says) in [
        (vec![("PB_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")], "PostgreSQL"),
        (vec![("PB_DATABASE_URL", sqlite.as_str()), ("PB_SMTP_URL", "smtp://user:hunter2@127.0.0.1:2525")], "PB_SMTP_URL"),
    ] {
        let out = start(&env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{env:?} started");
        assert!(stderr.contains("PB_MAIL_SINK") && stderr.contains(says), "{stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
    assert!(!dir.path().join("refused.db").exists(), "refused before touching the database");
}
