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
    for action in ["organizations:DescribeOrganization", "organizations:CreateAccount", "organizations:AttachPolicy", "ce:GetCostAndUsage", "cost-optimization-hub:ListRecommendations", "cost-optimization-hub:ListEnrollmentStatuses", "billingconductor:CreateBillingGroup", "cur:DescribeReportDefinitions", "s3:GetObject"] {
        assert!(t.contains(action), "{action}");
    }
    assert!(!t.contains("Action: \"*\"") && !t.contains("- \"*\""), "no wildcard actions");
}

/// Deploys `cloudformation/cur-export.yaml` into moto's CloudFormation (through boto3 from the
/// test venv) without the resources moto does not implement, checks what moto did create, and
/// says what it skipped; the rest of the bucket's settings are checked in the template itself.
#[test]
fn cur_export_template_deploys_into_moto_where_supported() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let script = r#"
import json, sys, boto3
from cfnlint.decode import cfn_yaml
url, path, name = sys.argv[1], sys.argv[2], "cur-export-" + sys.argv[3]
template = cfn_yaml.load(path)
skipped = [n for n, r in template["Resources"].items() if r["Type"] == "AWS::BCMDataExports::Export"]
for n in skipped:
    del template["Resources"][n]
template["Outputs"] = {k: v for k, v in template["Outputs"].items() if not any(n in json.dumps(v) for n in skipped)}
kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
cfn, s3 = boto3.client("cloudformation", **kw), boto3.client("s3", **kw)
cfn.create_stack(StackName=name, TemplateBody=json.dumps(template, default=str), Parameters=[{"ParameterKey": "BucketName", "ParameterValue": name}])
status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
created = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in cfn.list_stack_resources(StackName=name)["StackResourceSummaries"] if r["LogicalResourceId"]}
sse = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
not_applied = []
for what, call in [("public access block", s3.get_public_access_block), ("lifecycle", s3.get_bucket_lifecycle_configuration), ("bucket policy", s3.get_bucket_policy)]:
    try:
        call(Bucket=name)
    except Exception:
        not_applied.append(what)
print(json.dumps({"status": status, "skipped": skipped, "created": created, "sse": sse, "not_applied": not_applied}))
"#;
    let moto = e2e::aws::moto_url();
    let suffix = uuid::Uuid::now_v7().simple().to_string()[20..].to_owned();
    let out = Command::new(format!("{root}/.venv/bin/python"))
        .args(["-c", script, &moto, &format!("{root}/cloudformation/cur-export.yaml"), &suffix])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    println!("skipped (moto does not implement it): Export (AWS::BCMDataExports::Export)");
    println!("moto accepted but did not apply: {}", r["not_applied"]);
    assert_eq!(r["status"], "CREATE_COMPLETE");
    assert_eq!(r["skipped"], serde_json::json!(["Export"]));
    assert_eq!(r["created"]["ExportBucket"], format!("cur-export-{suffix}"));
    assert_eq!(r["sse"], "AES256");

    // What moto does not apply, checked in the template.
    let t = std::fs::read_to_string(format!("{root}/cloudformation/cur-export.yaml")).unwrap();
    for needle in [
        "BlockPublicAcls: true",
        "RestrictPublicBuckets: true",
        "aws:SecureTransport: \"false\"",
        "bcm-data-exports.amazonaws.com",
        "billingreports.amazonaws.com",
        "aws:SourceAccount: !Ref AWS::AccountId",
        "aws:SourceArn:",
        "ExpirationInDays: !Ref ExpireAfterDays",
        "Format: PARQUET",
        "INCLUDE_RESOURCES: \"TRUE\"",
        "INCLUDE_SPLIT_COST_ALLOCATION_DATA: \"TRUE\"",
        "TIME_GRANULARITY: !Ref TimeGranularity",
    ] {
        assert!(t.contains(needle), "{needle}");
    }
}
