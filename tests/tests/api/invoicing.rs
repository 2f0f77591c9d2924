//! Closing a month and billing it (#20): a hand-computed invoice (the expected numbers are worked
//! out here, not by the engine), its PDF read back with `pdftotext`, a Chinese invoice, late data
//! after close becoming a credit note, a pricing change that leaves the closed month alone, gapless
//! numbers under concurrency, and who may do and see what.

use std::process::Command;

use base64::Engine;
use chrono::{Duration, Utc};
use e2e::notify::{SmtpSink, WebhookReceiver, free_port};
use e2e::{DbKind, Partner, Session, TestApp, on_both_databases};
use sha2::Digest;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::billing::{A1, A2, A3, A4, Row, cost_fixture, d, dec, e2e_next, insert, last_month, plan};

/// Globex's one account (not in Acme's groups).
const A5: &str = "500000000005";

/// The lines of an invoice as (group, account, service, amount, tax).
fn lines(invoice: &Value) -> Vec<(String, String, String, Decimal, Decimal)> {
    invoice["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["groupName"].as_str().unwrap().to_owned(), l["accountId"].as_str().unwrap().to_owned(), l["serviceCode"].as_str().unwrap().to_owned(), dec(&l["amount"]), dec(&l["tax"])))
        .collect()
}

fn line(group: &str, account: &str, service: &str, amount: &str, tax: &str) -> (String, String, String, Decimal, Decimal) {
    (group.to_owned(), account.to_owned(), service.to_owned(), d(amount), d(tax))
}

/// The text of a PDF as `pdftotext` reads it.
fn pdf_text(base64_pdf: &str) -> String {
    let bytes = base64::engine::general_purpose::STANDARD.decode(base64_pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let out = Command::new("pdftotext").args(["-layout", path.to_str().unwrap(), "-"]).output().expect("pdftotext (poppler-utils) is installed by scripts/test");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// An audit record of the given name (the newest), as its CloudTrail body.
async fn audit_body(app: &TestApp, event_name: &str) -> Value {
    let bodies = app.column(&format!("SELECT body FROM audit_events WHERE event_name = '{event_name}' ORDER BY seq DESC")).await;
    serde_json::from_str(bodies.first().unwrap_or_else(|| panic!("no {event_name} in the audit trail"))).unwrap()
}

/// Acme (two billing groups, a fee, a credit, EUR at 0.9, 20 % tax added) and Globex (CNY at 7.1,
/// 6 % tax included, invoices in Chinese) on one partner's payer, last month's data in.
struct Fixture {
    app: TestApp,
    p: Partner,
    period: String,
    plan_id: String,
    acme_viewer: Session,
    globex_viewer: Session,
    smtp: SmtpSink,
}

async fn fixture(db: DbKind) -> Fixture {
    let smtp = SmtpSink::start(free_port()).await;
    let app = TestApp::spawn_with(db, vec![("smtp_url", smtp.url()), ("webhook_allow_private", "true".to_owned()), ("notify_interval_ms", "100".to_owned())]).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Bill Co").await;
    let period = last_month();
    let admin = app.as_user(&p.admin);
    let acme = admin.create_tenant(&p.tenant_id, "CUSTOMER", "Acme").await;
    let globex = admin.create_tenant(&p.tenant_id, "CUSTOMER", "Globex").await;
    let acme_viewer = admin.create_user("viewer@acme.example", "VIEWER", ("tenantId", &acme)).await;
    let globex_viewer = admin.create_user("viewer@globex.example", "VIEWER", ("tenantId", &globex)).await;
    for (tenant, address, tax_id) in [(&p.tenant_id, "1 Partner Way\n10115 Berlin", "DE123456789"), (&acme, "2 Customer Road\n75001 Paris", "FR987654321"), (&globex, "3 Globex Street\nShanghai", "91310000MA1FL000X")] {
        assert_eq!(admin.update_tenant(tenant, json!({ "billingAddress": address, "taxId": tax_id })).await["taxId"], tax_id);
    }
    let contract = |customer: &str, prefix: &str, currency: &str, tax: &str, inclusive: bool, language: &str| {
        json!({
            "customerTenantId": customer, "name": format!("{prefix} deal"), "startDate": "2020-01-01", "renewal": "AUTO", "payerIds": [p.payer_id],
            "billingEmail": format!("billing@{}.example", prefix.to_lowercase()), "contractChangeEmail": format!("contracts@{}.example", prefix.to_lowercase()),
            "invoicePrefix": prefix, "currency": currency, "taxRate": tax, "taxInclusive": inclusive, "paymentTermsDays": 14, "language": language,
        })
    };
    let acme_contract = admin.create_contract(&contract(&acme, "ACME", "EUR", "20", false, "en")).await;
    assert_eq!((dec(&acme_contract["taxRate"]), &acme_contract["paymentTermsDays"]), (d("20"), &json!(14)));
    admin.create_contract(&contract(&globex, "GLOBEX", "CNY", "6", true, "zh-CN")).await;
    for (to, rate) in [("EUR", "0.9"), ("CNY", "7.1")] {
        let set = admin.set_exchange_rate(json!({ "tenantId": p.tenant_id, "billingPeriod": period, "fromCurrency": "USD", "toCurrency": to, "rate": rate })).await;
        assert_eq!(dec(&set), d(rate));
    }
    let plan_id = plan(&app, &p, &p.operator).await;
    let operator = app.as_user(&p.operator);
    let group = |name: &str, primary: &str, accounts: Vec<&str>, customer: &str| {
        json!({ "payerId": p.payer_id, "name": name, "primaryAccountId": primary, "accountIds": accounts, "pricingPlanId": plan_id, "customerTenantId": customer, "billingPeriod": period })
    };
    let prod = operator.create_billing_group(group("Acme-Prod", A1, vec![A1, A2, A3], &acme)).await;
    operator.create_billing_group(group("Acme-Dev", A4, vec![A4], &acme)).await;
    operator.create_billing_group(group("Globex", A5, vec![A5], &globex)).await;
    let item = |name: &str, charge: &str, amount: (&str, &str), end: Option<String>| json!({ "billingGroupId": prod, "name": name, "chargeType": charge, amount.0: amount.1, "billingPeriodStart": period, "billingPeriodEnd": end });
    operator.create_custom_line_item(item("Support-fee", "FEE", ("flatAmount", "150.34"), Some(e2e_next(&period)))).await;
    operator.create_custom_line_item(item("Loyalty-credit", "CREDIT", ("percentage", "10"), None)).await;
    cost_fixture(&app, &p.payer_id, &period).await;
    let row = Row { source: "cur", day: 12, account: A5, service: "AmazonEC2", usage_type: "BoxUsage:c5.large", operation: "RunInstances", charge: "Usage", list: "100.00", unblended: "90.00", net: "85.50" };
    insert(&app, &p.payer_id, &period, row).await;
    Fixture { app, p, period, plan_id, acme_viewer, globex_viewer, smtp }
}

/// The partner's webhook, taking the documents' events (CloudEvents).
async fn documents_webhook(f: &Fixture) -> WebhookReceiver {
    let hook = WebhookReceiver::start().await;
    let types = ["invoice.issued", "invoice.paid", "invoice.voided", "credit_note.issued"];
    f.app.as_user(&f.p.admin).create_webhook_endpoint(json!({ "tenantId": f.p.tenant_id, "url": hook.url, "eventTypes": types })).await;
    hook
}

/// The fixture's month closed by the admin and drafted by the operator: Acme's and Globex's drafts.
async fn closed_and_drafted(f: &Fixture) -> (String, String) {
    let (app, p) = (&f.app, &f.p);
    app.as_user(&p.admin).close_billing_period(&p.payer_id, &f.period).await;
    let drafted = app.as_user(&p.operator).draft_invoices(&p.payer_id, &f.period).await;
    let drafts = drafted.data("draftInvoices.drafted").as_array().unwrap().clone();
    let draft_of = |name: &str| drafts.iter().find(|i| i["customer"]["name"] == name).unwrap_or_else(|| panic!("no draft for {name}: {drafts:?}"))["id"].as_str().unwrap().to_owned();
    (draft_of("Acme"), draft_of("Globex"))
}

/// Both drafts issued, Acme's first.
struct Issued {
    acme_id: String,
    acme_number: String,
    content_hash: String,
    globex_id: String,
    globex_number: Value,
}

async fn issued(f: &Fixture) -> Issued {
    let (acme_id, globex_id) = closed_and_drafted(f).await;
    let admin = f.app.as_user(&f.p.admin);
    let acme = admin.issue_invoice(&acme_id).await;
    let globex = admin.issue_invoice(&globex_id).await;
    Issued { acme_id, acme_number: acme["number"].as_str().unwrap().to_owned(), content_hash: acme["contentHash"].as_str().unwrap().to_owned(), globex_id, globex_number: globex["number"].clone() }
}

async fn only_admins_close_an_ended_month_and_its_snapshot_is_audited(db: DbKind) {
    let Fixture { app, p, period, acme_viewer, .. } = fixture(db).await;
    // Only admins close; a customer does not even see the payer's periods.
    for who in [&p.viewer, &p.operator] {
        app.as_user(who).try_close_billing_period(&p.payer_id, &period).await.assert_code("FORBIDDEN");
    }
    let customer = app.as_user(&acme_viewer);
    customer.try_close_billing_period(&p.payer_id, &period).await.assert_code("NOT_FOUND");
    customer.try_billing_period(&p.payer_id, &period).await.assert_code("NOT_FOUND");
    let admin = app.as_user(&p.admin);
    let this_month = Utc::now().format("%Y-%m").to_string();
    let res = admin.try_close_billing_period(&p.payer_id, &this_month).await;
    assert_eq!(res.body["errors"][0]["extensions"]["field"], "billingPeriod", "a month that has not ended stays open: {}", res.body);

    let period_state = admin.try_close_billing_period(&p.payer_id, &period).await.take("closeBillingPeriod");
    assert_eq!((period_state["status"].as_str(), period_state["closedBy"].as_str()), (Some("CLOSED"), Some(p.admin.email.as_str())));
    let snapshot_hash = period_state["snapshotHash"].as_str().unwrap().to_owned();
    assert_eq!(snapshot_hash.len(), 64);
    // The billing fixture's numbers (tests/tests/api/billing.rs works them out): Acme-Prod 537.43;
    // Acme-Dev A4's 999 list × 1.10 EC2 markup = 1098.90; Globex 100 × 1.10 = 110.
    let groups: Vec<(String, Decimal)> = period_state["groups"].as_array().unwrap().iter().map(|g| (g["groupName"].as_str().unwrap().to_owned(), dec(&g["proformaCost"]))).collect();
    assert_eq!(groups, vec![("Acme-Dev".to_owned(), d("1098.9")), ("Acme-Prod".to_owned(), d("537.43")), ("Globex".to_owned(), d("110"))]);
    let audit = audit_body(&app, "BillingPeriodClosed").await;
    assert_eq!(audit["responseElements"]["snapshotHash"], snapshot_hash.as_str(), "the snapshot's hash is in the audit trail: {audit}");
    admin.try_close_billing_period(&p.payer_id, &period).await.assert_code("CONFLICT");
}

async fn a_draft_is_the_hand_computed_invoice_and_customers_never_see_it(db: DbKind) {
    let Fixture { app, p, period, acme_viewer, .. } = fixture(db).await;
    app.as_user(&p.admin).close_billing_period(&p.payer_id, &period).await;
    // Operators draft; customers never see drafts.
    app.as_user(&p.viewer).draft_invoices(&p.payer_id, &period).await.assert_code("FORBIDDEN");
    let drafted = app.as_user(&p.operator).draft_invoices(&p.payer_id, &period).await;
    assert_eq!(drafted.data("draftInvoices.skipped"), &json!([]));
    let drafts = drafted.data("draftInvoices.drafted").as_array().unwrap().clone();
    let draft_of = |name: &str| drafts.iter().find(|i| i["customer"]["name"] == name).unwrap_or_else(|| panic!("no draft for {name}: {drafts:?}"))["id"].as_str().unwrap().to_owned();
    let acme_id = draft_of("Acme");
    draft_of("Globex");
    assert_eq!(drafts.len(), 2);
    let customer = app.as_user(&acme_viewer);
    customer.try_invoice(&acme_id).await.assert_code("NOT_FOUND");
    assert_eq!(customer.invoices(Value::Null).await, json!([]));

    // By hand, in EUR at 0.9, each line rounded to the cent, 20 % tax per line, rounded:
    //   Acme-Dev   A4 EC2     1098.90 × 0.9 =  989.01   tax 197.802  → 197.80
    //   Acme-Prod  A1 EC2      220.00 × 0.9 =  198.00   tax  39.60
    //              A1 S3        24.00 × 0.9 =   21.60   tax   4.32
    //              A2 EC2       55.00 × 0.9 =   49.50   tax   9.90
    //              A2 RDS        0 (the Credit row is not passed through): no line
    //              A2 S3         9.50 × 0.9 =    8.55   tax   1.71
    //              A3 Lambda     7.60 × 0.9 =    6.84   tax   1.368  →   1.37
    //              A3 RDS      114.00 × 0.9 =  102.60   tax  20.52
    //              Support-fee 150.34 × 0.9 =  135.306 → 135.31  tax 27.062 → 27.06
    //              Loyalty-credit −43.01 × 0.9 = −38.709 → −38.71  tax −7.742 → −7.74
    //   Subtotal 989.01 + 198 + 21.60 + 49.50 + 8.55 + 6.84 + 102.60 + 135.31 − 38.71 = 1472.70
    //   Tax 197.80 + 39.60 + 4.32 + 9.90 + 1.71 + 1.37 + 20.52 + 27.06 − 7.74 = 294.54
    //   Total 1767.24
    let draft = app.as_user(&p.viewer).invoice(&acme_id).await;
    assert_eq!((draft["status"].as_str(), draft["kind"].as_str(), draft["number"].as_str()), (Some("DRAFT"), Some("INVOICE"), None));
    assert_eq!((draft["currency"].as_str(), draft["sourceCurrency"].as_str(), dec(&draft["exchangeRate"])), (Some("EUR"), Some("USD"), d("0.9")));
    assert_eq!(
        lines(&draft),
        vec![
            line("Acme-Dev", A4, "AmazonEC2", "989.01", "197.8"),
            line("Acme-Prod", A1, "AmazonEC2", "198", "39.6"),
            line("Acme-Prod", A1, "AmazonS3", "21.6", "4.32"),
            line("Acme-Prod", A2, "AmazonEC2", "49.5", "9.9"),
            line("Acme-Prod", A2, "AmazonS3", "8.55", "1.71"),
            line("Acme-Prod", A3, "AWSLambda", "6.84", "1.37"),
            line("Acme-Prod", A3, "AmazonRDS", "102.6", "20.52"),
            line("Acme-Prod", A1, "", "135.31", "27.06"),
            line("Acme-Prod", A1, "", "-38.71", "-7.74"),
        ]
    );
    assert_eq!((dec(&draft["subtotal"]), dec(&draft["tax"]), dec(&draft["total"])), (d("1472.70"), d("294.54"), d("1767.24")));
    assert_eq!((draft["customer"]["taxId"].as_str(), draft["customer"]["email"].as_str(), draft["issuer"]["taxId"].as_str()), (Some("FR987654321"), Some("billing@acme.example"), Some("DE123456789")));
}

async fn an_issued_invoice_is_numbered_mailed_and_frozen_and_only_its_customer_sees_it(db: DbKind) {
    let f = fixture(db).await;
    let hook = documents_webhook(&f).await;
    let (acme_id, globex_id) = closed_and_drafted(&f).await;
    let Fixture { app, p, period, acme_viewer, globex_viewer, smtp, .. } = &f;
    let (admin, operator, viewer, customer) = (app.as_user(&p.admin), app.as_user(&p.operator), app.as_user(&p.viewer), app.as_user(acme_viewer));
    // Only admins issue. The number comes from Bill Co's sequence, with the contract's prefix.
    operator.try_issue_invoice(&acme_id).await.assert_code("FORBIDDEN");
    let issued = admin.issue_invoice(&acme_id).await;
    let today = Utc::now().date_naive();
    let acme_number = format!("ACME-{}-000001", today.format("%Y"));
    assert_eq!((issued["status"].as_str(), issued["number"].as_str()), (Some("ISSUED"), Some(acme_number.as_str())));
    assert_eq!((issued["issueDate"].as_str(), issued["dueDate"].as_str()), (Some(today.to_string().as_str()), Some((today + Duration::days(14)).to_string().as_str())));
    let content_hash = issued["contentHash"].as_str().unwrap().to_owned();
    let audit = audit_body(app, "InvoiceIssued").await;
    assert_eq!((audit["responseElements"]["number"].as_str(), audit["responseElements"]["contentHash"].as_str()), (Some(acme_number.as_str()), Some(content_hash.as_str())));
    admin.try_issue_invoice(&acme_id).await.assert_code("CONFLICT");
    let globex_issued = admin.issue_invoice(&globex_id).await;
    assert_eq!(globex_issued["number"], format!("GLOBEX-{}-000002", today.format("%Y")).as_str(), "one gapless sequence per issuing tenant");
    // Roles on the partner's side: admins pay, void, reopen and enter rates; operators draft
    // notes and delete drafts; viewers read.
    let today_text = today.to_string();
    let refused = [
        ("markInvoicePaid as the operator", operator.try_mark_invoice_paid(&acme_id, &today_text, "x").await),
        ("voidInvoice as the operator", operator.try_void_invoice(&acme_id, "x").await),
        ("reopenBillingPeriod as the operator", operator.try_reopen_billing_period(&p.payer_id, period).await),
        (
            "setExchangeRate as the operator",
            operator.try_set_exchange_rate(json!({ "tenantId": p.tenant_id, "billingPeriod": period, "fromCurrency": "USD", "toCurrency": "EUR", "rate": "5" })).await,
        ),
        ("deleteInvoiceDraft as the viewer", viewer.try_delete_invoice_draft(&acme_id).await),
        (
            "createInvoiceNote as the viewer",
            viewer.try_create_invoice_note(json!({ "invoiceId": acme_id, "kind": "CREDIT_NOTE", "reason": "x", "lines": [{ "description": "x", "amount": "1" }] })).await,
        ),
        ("markInvoicePaid as the customer", customer.try_mark_invoice_paid(&acme_id, &today_text, "x").await),
    ];
    for (what, res) in refused {
        assert_eq!(res.code(), Some("FORBIDDEN"), "{what}: {}", res.body);
    }
    let issued_events = app.outbox("invoice.issued").await;
    assert_eq!(issued_events.len(), 2);

    // The PDF says what the invoice says.
    let pdf = viewer.invoice_document(&acme_id, "PDF").await;
    assert_eq!((pdf["fileName"].as_str(), pdf["contentType"].as_str()), (Some(format!("{acme_number}.pdf").as_str()), Some("application/pdf")));
    let text = pdf_text(pdf["contentBase64"].as_str().unwrap());
    for expected in [acme_number.as_str(), "Invoice", "1,767.24 EUR", "1,472.70", "294.54", "Acme", "FR987654321", "Bill Co", "DE123456789", "Acme-Prod", "Support-fee", "Due date"] {
        assert!(text.contains(expected), "the PDF lacks {expected:?}:\n{text}");
    }
    // Globex's, in Chinese: 110 × 7.1 = 781.00 CNY, tax included: 781 × 6/106 = 44.2075 → 44.21, net 736.79.
    let globex_invoice = viewer.invoice(&globex_id).await;
    assert_eq!((dec(&globex_invoice["subtotal"]), dec(&globex_invoice["tax"]), dec(&globex_invoice["total"])), (d("736.79"), d("44.21"), d("781")));
    let text = pdf_text(app.as_user(globex_viewer).invoice_document(&globex_id, "PDF").await["contentBase64"].as_str().unwrap());
    for expected in ["发票", "合计", "税额", "收票方", "781.00 CNY", "736.79", "44.21", "Globex"] {
        assert!(text.contains(expected), "the Chinese PDF lacks {expected:?}:\n{text}");
    }
    // Mailed to each contract's billing address in its language, with the PDF as kept at issue.
    let sha = |b64: &str| hex::encode(sha2::Sha256::digest(base64::engine::general_purpose::STANDARD.decode(b64).unwrap()));
    let mail = smtp.wait_for("billing@acme.example", 1).await;
    assert_eq!(mail[0]["subject"], format!("Invoice {acme_number} from Bill Co: 1,767.24 EUR").as_str());
    assert!(mail[0]["text"].as_str().unwrap().contains(&format!("due on {}", today + Duration::days(14))), "{}", mail[0]);
    let attachment = &mail[0]["attachments"][0];
    assert_eq!((attachment["filename"].as_str(), attachment["contentType"].as_str()), (Some(format!("{acme_number}.pdf").as_str()), Some("application/pdf")));
    assert_eq!(attachment["sha256"], sha(pdf["contentBase64"].as_str().unwrap()).as_str(), "the mailed PDF is the one downloaded");
    let mail = smtp.wait_for("billing@globex.example", 1).await;
    assert!(mail[0]["subject"].as_str().unwrap().contains("的发票"), "{}", mail[0]);
    assert_eq!(mail[0]["attachments"].as_array().unwrap().len(), 1);
    assert!(
        smtp.messages().iter().filter(|m| m["to"].to_string().contains("contracts@")).all(|m| m["attachments"] == json!([])),
        "invoices go to the billing address only"
    );
    hook.wait_for_types(&["com.partnerbilling.invoice.issued"]).await;
    let event: Value = serde_json::from_str(&hook.requests().iter().find(|r| r.body.contains(&acme_number)).unwrap().body).unwrap();
    assert_eq!((event["type"].as_str(), event["data"]["total"].as_str()), (Some("com.partnerbilling.invoice.issued"), Some("1,767.24")), "{event}");

    // CSV: every line, per account.
    let csv = viewer.invoice_document(&acme_id, "CSV").await;
    let csv = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(csv["contentBase64"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(csv.lines().count(), 10, "a header and 9 lines:\n{csv}");
    assert!(csv.lines().any(|l| l.contains(&acme_number) && l.contains(A3) && l.contains("AmazonRDS") && l.ends_with(",102.60,20.52")), "{csv}");

    // Each customer sees its own issued invoices, nobody else's.
    let mine = customer.invoices(Value::Null).await;
    assert_eq!(mine.as_array().unwrap().iter().map(|i| i["number"].as_str().unwrap()).collect::<Vec<_>>(), vec![acme_number.as_str()]);
    let seen = customer.invoice(&acme_id).await;
    assert_eq!((seen["partnerView"].as_bool(), dec(&seen["total"])), (Some(false), d("1767.24")));
    assert!(pdf_text(customer.invoice_document(&acme_id, "PDF").await["contentBase64"].as_str().unwrap()).contains("1,767.24 EUR"));
    customer.try_invoice(&globex_id).await.assert_code("NOT_FOUND");
    app.as_user(globex_viewer).try_invoice_document(&acme_id, "PDF").await.assert_code("NOT_FOUND");
    customer.try_void_invoice(&acme_id, "x").await.assert_code("FORBIDDEN");

    // An issued invoice never changes: every attempt is refused, and the refusal is audited.
    operator.try_delete_invoice_draft(&acme_id).await.assert_code("CONFLICT");
    let refusals = app.column("SELECT error_code FROM audit_events WHERE event_name = 'deleteInvoiceDraft' ORDER BY seq").await;
    assert_eq!(refusals, vec!["FORBIDDEN".to_owned(), "CONFLICT".to_owned()], "the viewer's attempt, then the operator's");
    let again = operator.draft_invoices(&p.payer_id, period).await;
    assert_eq!(again.data("draftInvoices.drafted"), &json!([]));
    assert!(again.data("draftInvoices.skipped").as_array().unwrap().iter().any(|s| s.as_str().unwrap().contains(&acme_number)), "{}", again.body);
    admin.try_reopen_billing_period(&p.payer_id, period).await.assert_code("CONFLICT");
}

/// After close, a pricing change leaves the month alone, and late data shows as a pending
/// adjustment that one action turns into a credit note on the issued invoice (mailed, announced);
/// the corrected invoice can no longer be voided.
async fn late_data_after_close_becomes_a_credit_note_priced_as_the_month_was(db: DbKind) {
    let f = fixture(db).await;
    let hook = documents_webhook(&f).await;
    let Issued { acme_id, acme_number, content_hash, .. } = issued(&f).await;
    let Fixture { app, p, period, plan_id, acme_viewer, smtp, .. } = &f;
    let (admin, operator, viewer) = (app.as_user(&p.admin), app.as_user(&p.operator), app.as_user(&p.viewer));
    let today = Utc::now().date_naive();
    // A pricing change after close (say in November) leaves the closed month's numbers alone.
    operator.update_pricing_plan(plan_id, json!({ "passTax": true })).await;
    let reports = viewer.billing_group_cost_reports(&p.payer_id, period).await;
    let prod = reports.as_array().unwrap().iter().find(|r| r["billingGroupName"] == "Acme-Prod").unwrap().clone();
    assert_eq!((dec(&prod["proformaCost"]), dec(&prod["awsCost"])), (d("537.43"), d("341.31")), "tax (12.34) passed through now, but not in the closed month");

    // Late data: October's A1 S3 storage is re-ingested at 20 list instead of 30. Priced as the month
    // was (tax not passed through, whatever the plan says now):
    //   A1 S3 20 × 0.80 = 16.00, was 24.00: −8.00.
    //   Loyalty-credit −10 % of (430.10 − 8) = −42.21, was −43.01: +0.80.      Difference −7.20.
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(&format!("UPDATE cost_daily SET list_cost = 2000000000 WHERE usage_account_id = '{A1}' AND service_code = 'AmazonS3' AND billing_period = '{period}'"))
        .await
        .unwrap();
    let payer = partner_billing::ids::PayerId(p.payer_id.parse().unwrap());
    partner_billing::ingest::rollup::refresh(&app.db, payer, "cur", std::slice::from_ref(period)).await.unwrap();
    let differing = partner_billing::domain::invoicing::adjustments::refresh_after_ingest(&app.state.platform().payer(payer).await.unwrap(), std::slice::from_ref(period)).await.unwrap();
    assert_eq!(differing, 1);
    let state = viewer.billing_period(&p.payer_id, period).await;
    let adjustment = state["pendingAdjustments"][0].clone();
    assert_eq!(state["pendingAdjustments"].as_array().unwrap().len(), 1, "{state}");
    assert_eq!((dec(&adjustment["proformaDelta"]), dec(&adjustment["awsCostDelta"])), (d("-7.2"), d("0")));
    let deltas: Vec<(String, Decimal)> = adjustment["lines"].as_array().unwrap().iter().map(|l| (l["description"].as_str().unwrap().to_owned(), dec(&l["proformaDelta"]))).collect();
    assert_eq!(deltas, vec![("AmazonS3 (name)".to_owned(), d("-8")), ("Loyalty-credit".to_owned(), d("0.8"))]);
    // The invoice did not move.
    let unchanged = viewer.invoice(&acme_id).await;
    assert_eq!((dec(&unchanged["total"]), unchanged["contentHash"].as_str()), (d("1767.24"), Some(content_hash.as_str())));
    // Refreshing again finds the same difference and adds nothing.
    partner_billing::domain::invoicing::adjustments::refresh_after_ingest(&app.state.platform().payer(payer).await.unwrap(), std::slice::from_ref(period)).await.unwrap();
    assert_eq!(app.count("period_adjustments").await, 1);

    let adjustment_id = adjustment["id"].as_str().unwrap();
    viewer.try_create_note_from_adjustment(adjustment_id).await.assert_code("FORBIDDEN");
    app.as_user(acme_viewer).try_create_note_from_adjustment(adjustment_id).await.assert_code("NOT_FOUND");
    // One action turns it into a credit note on the invoice, in its currency and tax:
    //   A1 S3 8.00 × 0.9 = 7.20, tax 1.44;  the credit's +0.80 × 0.9 = 0.72 back: −0.72, tax −0.144 → −0.14.
    //   Subtotal 6.48, tax 1.30, total 7.78 EUR credited.
    let note = operator.create_note_from_adjustment(adjustment_id).await;
    assert_eq!((note["kind"].as_str(), note["status"].as_str(), note["invoiceId"].as_str()), (Some("CREDIT_NOTE"), Some("DRAFT"), Some(acme_id.as_str())));
    assert_eq!(lines(&note), vec![line("Acme-Prod", A1, "AmazonS3", "7.2", "1.44"), line("Acme-Prod", A1, "", "-0.72", "-0.14")]);
    assert_eq!((dec(&note["subtotal"]), dec(&note["tax"]), dec(&note["total"])), (d("6.48"), d("1.3"), d("7.78")));
    let note_id = note["id"].as_str().unwrap().to_owned();
    let note_issued = admin.issue_invoice(&note_id).await;
    assert_eq!(note_issued["number"], format!("ACME-CN-{}-000001", today.format("%Y")).as_str(), "notes have their own numbering");
    assert_eq!(app.outbox("credit_note.issued").await.len(), 1);
    let text = pdf_text(app.as_user(acme_viewer).invoice_document(&note_id, "PDF").await["contentBase64"].as_str().unwrap());
    for expected in ["Credit note", "7.78 EUR", "Refers to invoice"] {
        assert!(text.contains(expected), "the note's PDF lacks {expected:?}:\n{text}");
    }
    assert!(text.contains(&acme_number), "the note names the invoice it corrects:\n{text}");
    let state = viewer.billing_period(&p.payer_id, period).await;
    assert_eq!(state["pendingAdjustments"], json!([]));
    partner_billing::domain::invoicing::adjustments::refresh_after_ingest(&app.state.platform().payer(payer).await.unwrap(), std::slice::from_ref(period)).await.unwrap();
    assert_eq!(viewer.billing_period(&p.payer_id, period).await["pendingAdjustments"], json!([]), "what the note corrected is not pending again");

    // A note corrects the invoice; it cannot be voided any more.
    admin.try_void_invoice(&acme_id, "wrong").await.assert_code("CONFLICT");
    hook.wait_for_types(&["com.partnerbilling.credit_note.issued"]).await;
    let mail = smtp.wait_for("billing@acme.example", 2).await;
    let credit = mail.iter().find(|m| m["subject"].as_str().unwrap().starts_with("Credit note")).expect("the credit note's mail");
    assert!(credit["text"].as_str().unwrap().contains(&format!("correcting invoice {acme_number}")), "{credit}");
    assert_eq!(credit["attachments"][0]["filename"], format!("ACME-CN-{}-000001.pdf", today.format("%Y")).as_str());
}

/// A paid invoice is mailed as paid; an unpaid one is voided with a reason, keeping its number.
async fn paying_and_voiding_are_announced_and_a_voided_invoice_keeps_its_number(db: DbKind) {
    let f = fixture(db).await;
    let hook = documents_webhook(&f).await;
    let Issued { acme_id, acme_number, globex_id, globex_number, .. } = issued(&f).await;
    let Fixture { app, p, smtp, .. } = &f;
    let admin = app.as_user(&p.admin);
    let today = Utc::now().date_naive();
    let paid = admin.mark_invoice_paid(&acme_id, &today.to_string(), "SEPA-2026-118").await;
    assert_eq!(paid["status"], "PAID");
    admin.try_void_invoice(&globex_id, "  ").await.assert_field("reason");
    let void = admin.void_invoice(&globex_id, "Billed to the wrong entity").await;
    assert_eq!((&void["status"], &void["number"]), (&json!("VOID"), &globex_number));
    assert_eq!(app.outbox("invoice.paid").await.len() + app.outbox("invoice.voided").await.len(), 2);
    hook.wait_for_types(&["com.partnerbilling.invoice.paid", "com.partnerbilling.invoice.voided"]).await;
    let mail = smtp.wait_for("billing@acme.example", 2).await;
    assert!(mail.iter().any(|m| m["subject"] == format!("Invoice {acme_number} paid").as_str()), "{mail:?}");
}

/// 50 admins' requests issuing 50 drafts at once get 50 consecutive numbers: no gap, no duplicate.
async fn concurrent_issues_take_consecutive_numbers(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Many Co").await;
    let period = last_month();
    let plan_id = plan(&app, &p, &p.operator).await;
    let (admin, operator) = (app.as_user(&p.admin), app.as_user(&p.operator));
    let mut customers = Vec::new();
    for i in 0..50 {
        let account = format!("{:012}", 600_000_000_000u64 + i);
        let customer = admin.create_tenant(&p.tenant_id, "CUSTOMER", &format!("Customer {i:02}")).await;
        admin
            .create_contract(&json!({
                "customerTenantId": customer, "name": "deal", "startDate": "2020-01-01", "renewal": "AUTO", "payerIds": [p.payer_id],
                "billingEmail": "b@x.example", "contractChangeEmail": "c@x.example", "invoicePrefix": "MANY", "currency": "USD",
            }))
            .await;
        let group = json!({ "payerId": p.payer_id, "name": format!("g{i:02}"), "primaryAccountId": account, "accountIds": [account], "pricingPlanId": plan_id, "customerTenantId": customer, "billingPeriod": period });
        operator.create_billing_group(group).await;
        let row = Row { source: "cur", day: 5, account: &account, service: "AmazonS3", usage_type: "Requests-Tier1", operation: "PutObject", charge: "Usage", list: "10.00", unblended: "10.00", net: "10.00" };
        insert(&app, &p.payer_id, &period, row).await;
        customers.push(account);
    }
    admin.close_billing_period(&p.payer_id, &period).await;
    let drafted = operator.draft_invoices(&p.payer_id, &period).await;
    let ids: Vec<String> = drafted.data("draftInvoices.drafted").as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), 50, "{}", drafted.body);
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for id in ids {
        let (app, token) = (app.clone(), p.admin.token.clone());
        tasks.push(tokio::spawn(async move { app.with_token(&token).issue_invoice(&id).await["number"].as_str().unwrap().to_owned() }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap());
    }
    numbers.sort();
    let year = Utc::now().format("%Y");
    let expected: Vec<String> = (1..=50).map(|n| format!("MANY-{year}-{n:06}")).collect();
    assert_eq!(numbers, expected);
}

/// The wiring, without shortcuts: cost data arrives through real FOCUS ingestion, last month closes
/// through the daily job (`PB_CLOSE_AFTER_DAYS=0`, as `system`, audited), and a re-ingested file
/// with a changed line leaves the closed numbers alone and shows the difference as pending.
async fn ingestion_after_the_daily_close_becomes_a_pending_adjustment(db: DbKind) {
    let app = TestApp::spawn_with(db, vec![("close_after_days", "0".to_owned())]).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Late Co").await;
    let period = last_month();
    let customer = app.as_user(&p.admin).create_tenant(&p.tenant_id, "CUSTOMER", "Initech").await;
    let operator = app.as_user(&p.operator);
    let rule = operator.create_pricing_rule(json!({ "payerId": p.payer_id, "name": "all-plus-10", "scope": "GLOBAL", "type": "MARKUP", "modifierPercentage": "10" })).await;
    let plan_id = operator.create_pricing_plan(json!({ "payerId": p.payer_id, "name": "plus-10", "pricingRuleIds": [rule] })).await;
    let account = "333333333333";
    operator
        .create_billing_group(json!({ "payerId": p.payer_id, "name": "Initech", "primaryAccountId": account, "accountIds": [account], "pricingPlanId": plan_id, "customerTenantId": customer, "billingPeriod": period }))
        .await;

    let dir = tempfile::tempdir().unwrap();
    let focus = |cost: &str| {
        let path = dir.path().join(format!("focus-{cost}.csv"));
        let start = format!("{period}-01 00:00:00");
        let day = format!("{period}-03 00:00:00");
        let body = format!(
            "BillingAccountId,BillingPeriodStart,ChargePeriodStart,SubAccountId,ServiceName,ChargeCategory,BillingCurrency,BilledCost,EffectiveCost,ProviderName\n{},{start},{day},{account},Amazon EC2,Usage,USD,{cost},{cost},AWS\n",
            p.payer_account_id
        );
        std::fs::write(&path, body).unwrap();
        path
    };
    let payer = partner_billing::ids::PayerId(p.payer_id.parse().unwrap());
    let options = partner_billing::ingest::IngestOptions::default();
    partner_billing::domain::cost_exports::ingest_and_adjust(app.state.platform(), payer, &[focus("100")], &options).await.unwrap();
    let viewer = app.as_user(&p.viewer);
    let reports = viewer.billing_group_cost_reports(&p.payer_id, &period).await;
    assert_eq!(dec(&reports[0]["proformaCost"]), d("110"), "100 with no list price is priced from unblended, plus 10 %");

    // The daily job closes last month once PB_CLOSE_AFTER_DAYS days of this one have passed.
    let job = partner_billing::jobs::enqueue(&app.db, partner_billing::jobs::NewJob::of(&partner_billing::domain::invoicing::periods::CloseDue {}).unwrap()).await.unwrap();
    let mut state = Value::Null;
    for _ in 0..200 {
        state = viewer.billing_period(&p.payer_id, &period).await;
        if state["status"] == "CLOSED" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(state["status"], "CLOSED", "job {} did not close {period}", job.id);
    let closed_by = app.column("SELECT closed_by FROM billing_periods").await;
    assert_eq!(closed_by, vec!["system".to_owned()]);
    let audit = audit_body(&app, "BillingPeriodClosed").await;
    assert_eq!(audit["payerId"], p.payer_id.as_str(), "{audit}");

    // The month's file again, the line now 90: closed numbers stay, −10 × 1.10 waits as pending.
    partner_billing::domain::cost_exports::ingest_and_adjust(app.state.platform(), payer, &[focus("90")], &options).await.unwrap();
    let reports = viewer.billing_group_cost_reports(&p.payer_id, &period).await;
    assert_eq!(dec(&reports[0]["proformaCost"]), d("110"));
    let state = viewer.billing_period(&p.payer_id, &period).await;
    assert_eq!((dec(&state["pendingAdjustments"][0]["proformaDelta"]), dec(&state["pendingAdjustments"][0]["awsCostDelta"])), (d("-11"), d("-10")), "{state}");
}

on_both_databases!(
    only_admins_close_an_ended_month_and_its_snapshot_is_audited,
    a_draft_is_the_hand_computed_invoice_and_customers_never_see_it,
    an_issued_invoice_is_numbered_mailed_and_frozen_and_only_its_customer_sees_it,
    late_data_after_close_becomes_a_credit_note_priced_as_the_month_was,
    paying_and_voiding_are_announced_and_a_voided_invoice_keeps_its_number,
    concurrent_issues_take_consecutive_numbers,
    ingestion_after_the_daily_close_becomes_a_pending_adjustment,
);
