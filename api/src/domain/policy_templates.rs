//! The SCP library: ready-made service control policies, each described in English and
//! Simplified Chinese, some with parameters. Documents are built as JSON values (never by string
//! templating), so parameters cannot break out of their place.

use serde_json::{Value, json};

use crate::error::{AppError, AppResult};

/// A template's parameter: a list of strings.
pub struct TemplateParameter {
    pub name: &'static str,
    pub description_en: &'static str,
    pub description_zh: &'static str,
    /// What each value must look like (a short human description, checked by `valid`).
    pub example: &'static str,
    valid: fn(&str) -> bool,
}

pub struct PolicyTemplate {
    pub id: &'static str,
    pub name_en: &'static str,
    pub name_zh: &'static str,
    pub description_en: &'static str,
    pub description_zh: &'static str,
    pub parameters: &'static [TemplateParameter],
    render: fn(&Value) -> Value,
}

fn statement(sid: &str, effect_body: Value) -> Value {
    let mut s = json!({ "Sid": sid, "Effect": "Deny" });
    if let (Some(obj), Some(body)) = (s.as_object_mut(), effect_body.as_object()) {
        obj.extend(body.clone());
    }
    json!({ "Version": "2012-10-17", "Statement": [s] })
}

fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    (3..=4).contains(&parts.len())
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

fn is_instance_type(s: &str) -> bool {
    let Some((family, size)) = s.split_once('.') else { return false };
    !family.is_empty()
        && !size.is_empty()
        && family.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '*')
        && size.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '*')
}

/// Services whose APIs are global (served from us-east-1); a region allow-list must let them pass.
const GLOBAL_SERVICES: &[&str] = &[
    "a4b:*", "account:*", "aws-portal:*", "budgets:*", "ce:*", "chime:*", "cloudfront:*", "cur:*", "globalaccelerator:*",
    "health:*", "iam:*", "importexport:*", "kms:*", "mobileanalytics:*", "organizations:*", "pricing:*", "route53:*",
    "route53domains:*", "s3:GetAccountPublic*", "s3:ListAllMyBuckets", "s3:PutAccountPublic*", "shield:*", "sts:*",
    "support:*", "trustedadvisor:*", "waf-regional:*", "waf:*", "wafv2:*",
];

pub static TEMPLATES: &[PolicyTemplate] = &[
    PolicyTemplate {
        id: "deny-leave-organization",
        name_en: "Deny leaving the organization",
        name_zh: "禁止退出组织",
        description_en: "Member accounts cannot remove themselves from the organization.",
        description_zh: "成员账号不能自行退出组织。",
        parameters: &[],
        render: |_| statement("DenyLeaveOrganization", json!({ "Action": "organizations:LeaveOrganization", "Resource": "*" })),
    },
    PolicyTemplate {
        id: "deny-root-user",
        name_en: "Deny root user actions",
        name_zh: "禁止根用户操作",
        description_en: "Nothing can be done with the root user of member accounts.",
        description_zh: "成员账号的根用户不能执行任何操作。",
        parameters: &[],
        render: |_| {
            statement(
                "DenyRootUser",
                json!({ "Action": "*", "Resource": "*", "Condition": { "StringLike": { "aws:PrincipalArn": ["arn:aws:iam::*:root"] } } }),
            )
        },
    },
    PolicyTemplate {
        id: "region-allow-list",
        name_en: "Allow only listed regions",
        name_zh: "仅允许指定区域",
        description_en: "Regional services are refused outside the listed regions; global services keep working.",
        description_zh: "在所列区域之外拒绝区域性服务；全局服务不受影响。",
        parameters: &[TemplateParameter {
            name: "regions",
            description_en: "Regions to allow",
            description_zh: "允许的区域",
            example: "us-east-1",
            valid: is_region,
        }],
        render: |p| {
            statement(
                "DenyOutsideAllowedRegions",
                json!({ "NotAction": GLOBAL_SERVICES, "Resource": "*", "Condition": { "StringNotEquals": { "aws:RequestedRegion": p["regions"] } } }),
            )
        },
    },
    PolicyTemplate {
        id: "protect-security-services",
        name_en: "Protect CloudTrail, GuardDuty and Config",
        name_zh: "保护 CloudTrail、GuardDuty 和 Config",
        description_en: "Nobody in member accounts can stop or delete CloudTrail trails, GuardDuty detectors or AWS Config recording.",
        description_zh: "成员账号中任何人都不能停止或删除 CloudTrail 跟踪、GuardDuty 检测器或 AWS Config 记录。",
        parameters: &[],
        render: |_| {
            statement(
                "ProtectSecurityServices",
                json!({ "Action": [
                    "cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors",
                    "guardduty:DeleteDetector", "guardduty:UpdateDetector", "guardduty:DisassociateFromMasterAccount",
                    "guardduty:DisassociateFromAdministratorAccount", "guardduty:StopMonitoringMembers", "guardduty:DeleteMembers",
                    "config:DeleteConfigRule", "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel",
                    "config:StopConfigurationRecorder"
                ], "Resource": "*" }),
            )
        },
    },
    PolicyTemplate {
        id: "deny-billing-changes",
        name_en: "Deny changes to billing and account settings",
        name_zh: "禁止修改账单和账号设置",
        description_en: "Member accounts cannot change billing, payment, tax or account contact settings, enable regions, or close themselves.",
        description_zh: "成员账号不能修改账单、付款、税务或联系人设置，不能启用区域，也不能关闭自身。",
        parameters: &[],
        render: |_| {
            statement(
                "DenyBillingAndAccountChanges",
                json!({ "Action": [
                    "aws-portal:ModifyAccount", "aws-portal:ModifyBilling", "aws-portal:ModifyPaymentMethods",
                    "account:PutContactInformation", "account:PutAlternateContact", "account:DeleteAlternateContact",
                    "account:EnableRegion", "account:DisableRegion", "account:CloseAccount",
                    "billing:PutContractInformation", "billing:UpdateBillingPreferences", "payments:UpdatePaymentPreferences",
                    "invoicing:PutInvoiceEmailDeliveryPreferences", "tax:PutTaxRegistration"
                ], "Resource": "*" }),
            )
        },
    },
    PolicyTemplate {
        id: "deny-iam-users",
        name_en: "Deny IAM users and access keys",
        name_zh: "禁止 IAM 用户和访问密钥",
        description_en: "No IAM users, console passwords or long-lived access keys can be created; use roles and federation.",
        description_zh: "不能创建 IAM 用户、控制台密码或长期访问密钥；请使用角色和联合身份。",
        parameters: &[],
        render: |_| {
            statement(
                "DenyIamUsersAndKeys",
                json!({ "Action": ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"], "Resource": "*" }),
            )
        },
    },
    PolicyTemplate {
        id: "instance-type-allow-list",
        name_en: "Allow only listed EC2 instance types",
        name_zh: "仅允许指定的 EC2 实例类型",
        description_en: "EC2 instances can be launched only with the listed instance types (wildcards like t3.* allowed).",
        description_zh: "只能以所列实例类型启动 EC2 实例（可用 t3.* 这样的通配符）。",
        parameters: &[TemplateParameter {
            name: "instanceTypes",
            description_en: "Instance types to allow",
            description_zh: "允许的实例类型",
            example: "t3.micro",
            valid: is_instance_type,
        }],
        render: |p| {
            statement(
                "DenyUnlistedInstanceTypes",
                json!({ "Action": "ec2:RunInstances", "Resource": "arn:aws:ec2:*:*:instance/*", "Condition": { "StringNotLike": { "ec2:InstanceType": p["instanceTypes"] } } }),
            )
        },
    },
];

pub fn find(id: &str) -> AppResult<&'static PolicyTemplate> {
    TEMPLATES.iter().find(|t| t.id == id).ok_or(AppError::NotFound("policy template"))
}

impl PolicyTemplate {
    /// The policy document for these parameters (a JSON object of string lists).
    pub fn render(&self, params: &Value) -> AppResult<Value> {
        let mut clean = serde_json::Map::new();
        for p in self.parameters {
            let values = params.get(p.name).and_then(Value::as_array).ok_or_else(|| {
                AppError::invalid("params", format!("{} is required: a list like [\"{}\"]", p.name, p.example))
            })?;
            if values.is_empty() || values.len() > 100 {
                return Err(AppError::invalid("params", format!("{} needs 1 to 100 values", p.name)));
            }
            let mut list = Vec::with_capacity(values.len());
            for v in values {
                match v.as_str() {
                    Some(s) if (p.valid)(s) => list.push(Value::String(s.to_owned())),
                    _ => return Err(AppError::invalid("params", format!("{}: {v} is not like \"{}\"", p.name, p.example))),
                }
            }
            clean.insert(p.name.to_owned(), Value::Array(list));
        }
        if let Some(extra) = params.as_object().and_then(|o| o.keys().find(|k| !self.parameters.iter().any(|p| p.name == k.as_str()))) {
            return Err(AppError::invalid("params", format!("{extra} is not a parameter of {}", self.id)));
        }
        Ok((self.render)(&Value::Object(clean)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_a_valid_scp_within_the_size_limit() {
        let params = json!({ "regions": ["eu-west-1", "ap-southeast-1"], "instanceTypes": ["t3.micro", "m6i.*"] });
        for t in TEMPLATES {
            let relevant: serde_json::Map<String, Value> =
                t.parameters.iter().map(|p| (p.name.to_owned(), params[p.name].clone())).collect();
            let doc = t.render(&Value::Object(relevant)).unwrap();
            assert_eq!(doc["Version"], "2012-10-17", "{}", t.id);
            assert_eq!(doc["Statement"][0]["Effect"], "Deny");
            assert!(doc.to_string().len() <= 5120, "{}", t.id);
            assert!(!t.name_zh.is_empty() && !t.description_zh.is_empty());
        }
    }

    #[test]
    fn parameters_are_checked() {
        let t = find("region-allow-list").unwrap();
        assert!(t.render(&json!({})).is_err());
        assert!(t.render(&json!({ "regions": ["us-east-1\"],\"Effect\":\"Allow"] })).is_err());
        assert!(t.render(&json!({ "regions": ["us-east-1"], "other": [] })).is_err());
        let doc = t.render(&json!({ "regions": ["us-east-1"] })).unwrap();
        assert_eq!(doc["Statement"][0]["Condition"]["StringNotEquals"]["aws:RequestedRegion"], json!(["us-east-1"]));
        assert!(is_instance_type("t3.*") && !is_instance_type("t3") && !is_region("moon-1"));
    }
}
