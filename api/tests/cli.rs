//! The `partner-billing` binary as an operator runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_partner-billing"));
    // A clean environment: only what each test sets.
    for (key, _) in std::env::vars() {
        if key.starts_with("PB_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

#[test]
fn bad_config_value_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .env("PB_LISTEN", "definitely-not-an-address")
        .env("PB_DATABASE_URL", format!("sqlite://{}/x.db?mode=rwc", dir.path().display()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("PB_LISTEN"), "{stderr}");
    assert!(!stderr.contains("definitely-not-an-address"), "values are not echoed: {stderr}");

    let out = bin().env("PB_JWT_SECRET", "too-short-secret").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("PB_JWT_SECRET") && !stderr.contains("too-short-secret"), "{stderr}");
}

#[test]
fn config_file_is_read_and_environment_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pb.toml");
    std::fs::write(&file, "log_format = \"yaml\"\n").unwrap();
    let out = bin().arg("--config").arg(&file).arg("migrate").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("PB_LOG_FORMAT"), "{stderr}");
    let db = format!("sqlite://{}/pb.db?mode=rwc", dir.path().display());
    let out = bin().arg("--config").arg(&file).arg("migrate").env("PB_LOG_FORMAT", "json").env("PB_DATABASE_URL", &db).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("pb.db").exists());
}

fn create_admin(db: &str, email: &str, password: &str) -> std::process::Output {
    let mut child = bin()
        .args(["create-admin", "--email", email, "--password-stdin"])
        .env("PB_DATABASE_URL", db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn create_admin_reads_the_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    // The folder for the default-style path is created as needed.
    let db = format!("sqlite://{}/nested/folder/pb.db?mode=rwc", dir.path().display());
    let weak = create_admin(&db, "ops@partner.example", "short");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 12"));

    let ok = create_admin(&db, "Ops@Partner.example", "an operator passphrase");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(stdout.contains("ops@partner.example"), "{stdout}");
    assert!(!stdout.contains("an operator passphrase"));

    let again = create_admin(&db, "ops@partner.example", "an operator passphrase");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let no_flag = bin().args(["create-admin", "--email", "x@partner.example"]).env("PB_DATABASE_URL", &db).output().unwrap();
    assert!(!no_flag.status.success());
}

#[test]
fn schema_command_prints_the_sdl() {
    let out = bin().arg("schema").output().unwrap();
    let sdl = String::from_utf8(out.stdout).unwrap();
    assert!(sdl.contains("type Query") || sdl.contains("type QueryRoot"));
    assert!(sdl.contains("login(email: String!, password: String!): AuthPayload!"));
}
