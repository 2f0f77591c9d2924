//! The CloudFormation templates partners deploy pass cfn-lint, and lint really catches errors.

use std::process::Command;

fn cfn_lint(paths: &[std::path::PathBuf]) -> std::process::Output {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    Command::new(format!("{root}/.venv/bin/cfn-lint")).args(paths).output().expect("cfn-lint is installed by scripts/test in .venv")
}

fn templates() -> Vec<std::path::PathBuf> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../cloudformation");
    let mut out: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "yaml")).collect();
    out.sort();
    out
}

#[test]
fn every_template_passes_cfn_lint() {
    let templates = templates();
    assert!(!templates.is_empty());
    let out = cfn_lint(&templates);
    assert!(out.status.success(), "cfn-lint: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

#[test]
fn cfn_lint_rejects_a_broken_template() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  R:\n    Type: AWS::IAM::Rolle\n").unwrap();
    assert!(!cfn_lint(&[broken]).status.success());
}

#[test]
fn payer_role_trusts_only_the_platform_with_the_external_id() {
    let t = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../cloudformation/payer-access-role.yaml")).unwrap();
    assert!(t.contains("sts:ExternalId: !Ref ExternalId"));
    assert!(t.contains("arn:${AWS::Partition}:iam::${PlatformAccountId}:root"));
    for action in ["organizations:DescribeOrganization", "organizations:CreateAccount", "organizations:AttachPolicy", "ce:GetCostAndUsage", "billingconductor:CreateBillingGroup", "cur:DescribeReportDefinitions", "s3:GetObject"] {
        assert!(t.contains(action), "{action}");
    }
    assert!(!t.contains("Action: \"*\"") && !t.contains("- \"*\""), "no wildcard actions");
}
