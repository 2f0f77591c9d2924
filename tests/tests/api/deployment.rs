//! The deployment files: `docker compose config` validates docker-compose.yml (no Docker engine
//! is needed for that, and none is used), required secrets have no defaults, and the image is
//! built the way docs/operations.md says.

use std::path::Path;
use std::process::{Command, Output};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// `docker compose` (v2 plugin), else the standalone `docker-compose`; None when neither runs.
fn compose_command() -> Option<Vec<&'static str>> {
    let works = |program: &str, args: &[&str]| Command::new(program).args(args).output().is_ok_and(|o| o.status.success());
    if works("docker", &["compose", "version"]) {
        Some(vec!["docker", "compose"])
    } else if works("docker-compose", &["version"]) {
        Some(vec!["docker-compose"])
    } else {
        None
    }
}

/// Runs compose in the repository with `env` as its only .env file.
fn compose(cmd: &[&str], env: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("test.env");
    std::fs::write(&env_file, env).unwrap();
    Command::new(cmd[0])
        .args(&cmd[1..])
        .args(["--project-directory", ROOT, "-f", &format!("{ROOT}/docker-compose.yml"), "--env-file", env_file.to_str().unwrap()])
        .args(args)
        // Only the env file speaks: a developer's shell must not fill in what it lacks.
        .env_remove("POSTGRES_PASSWORD")
        .env_remove("PB_JWT_SECRET")
        .output()
        .unwrap()
}

const SECRETS: &str = "POSTGRES_PASSWORD=test-only-postgres-password\nPB_JWT_SECRET=test-only-signing-key-0123456789abcdef0123\n";

#[test]
fn docker_compose_config_validates() {
    let Some(cmd) = compose_command() else {
        println!("SKIPPED: neither `docker compose` (the v2 plugin) nor `docker-compose` is installed, so docker-compose.yml was not validated");
        return;
    };
    println!("validating docker-compose.yml with `{}`", cmd.join(" "));
    let out = compose(&cmd, SECRETS, &["config", "-q"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let services = |profile: &[&str]| {
        let mut args = profile.to_vec();
        args.extend(["config", "--services"]);
        let out = compose(&cmd, SECRETS, &args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect();
        names.sort();
        names
    };
    assert_eq!(services(&["--profile", "sandbox"]), ["api", "mailpit", "moto", "postgres"], "the sandbox profile adds moto");
    // Compose v2 leaves moto out without the profile; v1 lists it but keeps it in the profile.
    let plain = services(&[]);
    let resolved = String::from_utf8_lossy(&compose(&cmd, SECRETS, &["config"]).stdout).into_owned();
    let moto: Vec<&str> = resolved.lines().skip_while(|l| *l != "  moto:").skip(1).take_while(|l| l.starts_with("    ")).collect();
    let in_profile = moto.iter().any(|l| l.trim() == "profiles:") && moto.iter().any(|l| l.trim() == "- sandbox");
    assert!(
        plain == ["api", "mailpit", "postgres"] || (plain.contains(&"moto".to_owned()) && in_profile),
        "moto runs only in the sandbox profile: {plain:?}\n{resolved}"
    );

    // No default secrets: without them compose refuses, naming what is missing.
    for missing in ["PB_JWT_SECRET", "POSTGRES_PASSWORD"] {
        let env: String = SECRETS.lines().filter(|l| !l.starts_with(missing)).map(|l| format!("{l}\n")).collect();
        let out = compose(&cmd, &env, &["config", "-q"]);
        assert!(!out.status.success(), "compose accepted a stack without {missing}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(missing), "{}", String::from_utf8_lossy(&out.stderr));
    }

    // The sandbox points the API at moto only when asked to.
    let sandbox = format!("{SECRETS}PB_AWS_ENDPOINT_URL=http://moto:5000\n");
    let sandboxed = String::from_utf8_lossy(&compose(&cmd, &sandbox, &["--profile", "sandbox", "config"]).stdout).into_owned();
    assert!(sandboxed.contains("http://moto:5000"), "{sandboxed}");
    assert!(!resolved.contains("moto:5000"), "without the sandbox the API talks to AWS");
}

#[test]
fn image_and_env_example_follow_the_rules() {
    let read = |p: &str| std::fs::read_to_string(Path::new(ROOT).join(p)).unwrap();
    let dockerfile = read("Dockerfile");
    assert!(dockerfile.contains("AS frontend") && dockerfile.contains("npm run build"), "the web app is built in");
    assert!(dockerfile.contains("cargo build --release --locked -p partner-billing"));
    // Numeric, so Kubernetes' runAsNonRoot can check it without a runAsUser of its own.
    assert!(dockerfile.lines().any(|l| l == "USER 65532:65532"), "the final image runs as a numeric non-root user");
    assert!(dockerfile.contains("HEALTHCHECK") && dockerfile.contains("\"healthcheck\""), "the image checks /readyz");
    assert!(read(".dockerignore").lines().any(|l| l == ".env"), "secrets stay out of the build context");

    // Every variable in .env.example is empty, a placeholder or commented out: no real secret.
    let example = read(".env.example");
    for line in example.lines().filter(|l| !l.starts_with('#') && l.contains('=')) {
        let (key, value) = line.split_once('=').unwrap();
        assert!(value.is_empty() || !(key.contains("SECRET") || key.contains("PASSWORD") || key.contains("TOKEN")), "{key} has a value in .env.example");
    }
    for required in ["POSTGRES_PASSWORD=", "PB_JWT_SECRET="] {
        assert!(example.lines().any(|l| l == required), "{required} is listed, empty");
    }
}
