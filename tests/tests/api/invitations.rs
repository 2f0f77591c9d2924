//! Invitations end to end. moto has no handshakes, so Organizations is the official
//! `aws-smithy-mocks` client here (STS is still moto); the flow runs through GraphQL and the job.

use std::sync::Arc;

use aws_sdk_organizations::operation::describe_organization::DescribeOrganizationOutput;
use aws_sdk_organizations::operation::invite_account_to_organization::InviteAccountToOrganizationOutput;
use aws_sdk_organizations::operation::list_handshakes_for_organization::ListHandshakesForOrganizationOutput;
use aws_sdk_organizations::operation::create_account::CreateAccountOutput;
use aws_sdk_organizations::operation::describe_create_account_status::DescribeCreateAccountStatusOutput;
use aws_sdk_organizations::operation::list_accounts::ListAccountsOutput;
use aws_sdk_organizations::operation::list_create_account_status::ListCreateAccountStatusOutput;
use aws_sdk_organizations::types::{
    CreateAccountFailureReason, CreateAccountState, CreateAccountStatus, Handshake, HandshakeParty, HandshakePartyType, HandshakeState, Organization,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use e2e::aws;
use e2e::notify::{SmtpSink, WebhookReceiver, free_port};
use e2e::{DbKind, Partner, TestApp, on_both_databases};
use partner_billing::aws::{AwsClients, SdkOrganizations, SdkSts};
use serde_json::json;

fn handshake(state: HandshakeState) -> Handshake {
    Handshake::builder()
        .id("h-invite1")
        .state(state)
        .parties(HandshakeParty::builder().id("o-exampleorgid").r#type(HandshakePartyType::Organization).build().unwrap())
        .parties(HandshakeParty::builder().id("210987654321").r#type(HandshakePartyType::Account).build().unwrap())
        .build()
}

async fn invitation_is_followed_until_accepted(db: DbKind) {
    let management = aws::random_account();
    let m = management.clone();
    let describe = mock!(aws_sdk_organizations::Client::describe_organization)
        .then_compute_output(move |_| DescribeOrganizationOutput::builder().organization(Organization::builder().id("o-exampleorgid").master_account_id(&m).build()).build());
    let invite = mock!(aws_sdk_organizations::Client::invite_account_to_organization)
        .match_requests(|r| r.target().is_some_and(|t| t.id() == "210987654321") && r.notes() == Some("join us"))
        .then_output(|| InviteAccountToOrganizationOutput::builder().handshake(handshake(HandshakeState::Open)).build());
    let list = mock!(aws_sdk_organizations::Client::list_handshakes_for_organization)
        .sequence()
        .output(|| ListHandshakesForOrganizationOutput::builder().handshakes(handshake(HandshakeState::Open)).build())
        .output(|| ListHandshakesForOrganizationOutput::builder().handshakes(handshake(HandshakeState::Accepted)).build())
        .repeatedly()
        .build();
    let orgs = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, [&describe, &invite, &list]);
    let sdk = aws::sdk_config(&aws::moto_url()).await;
    let clients = AwsClients::new(Arc::new(SdkSts::new(&sdk)), Arc::new(SdkOrganizations::from_conf(orgs.config().clone())));
    let smtp = SmtpSink::start(free_port()).await;
    let hook = WebhookReceiver::start().await;
    let app = TestApp::spawn_with_aws(db, peers(&smtp), clients).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Invite Co").await;
    let payer = app.connected_payer(&p, &management).await;
    tell(&app, &p, &hook, &["account.invited", "invitation.accepted"]).await;

    let (operator, viewer) = (app.as_user(&p.operator), app.as_user(&p.viewer));
    let invitation = json!({ "payerId": payer, "accountId": "210987654321", "notes": "join us" });
    viewer.try_invite_account(invitation.clone()).await.assert_code("FORBIDDEN");
    let both = operator.try_invite_account(json!({ "payerId": payer, "accountId": "210987654321", "email": "x@y.example" })).await;
    both.assert_code("VALIDATION");
    let invited = operator.invite_account(invitation).await;
    assert_eq!(invited["state"], "OPEN");
    assert_eq!(invited["target"], "210987654321");
    assert_eq!(invite.num_calls(), 1);
    assert_eq!(app.outbox("account.invited").await.len(), 1);

    let listed = viewer.invitations(&payer).await;
    assert_eq!(listed[0]["state"], "OPEN");
    assert_eq!(listed[0]["notes"], "join us", "notes we sent are kept");
    assert!(app.outbox("invitation.accepted").await.is_empty());

    // The scheduled refresh sees the acceptance and tells once, however often it runs.
    for _ in 0..2 {
        let mut job = partner_billing::jobs::NewJob::of(&partner_billing::domain::invitations::RefreshAll {}).unwrap();
        job.idempotency_key = Some(uuid::Uuid::now_v7().to_string());
        let id = partner_billing::jobs::enqueue(&app.db, job).await.unwrap().id.to_string();
        app.state.jobs_wakeup.notify_one();
        let done = app.wait_job(&admin, &id).await;
        assert_eq!(done["state"], "SUCCEEDED", "{done}");
    }
    let accepted = app.outbox("invitation.accepted").await;
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0]["target"], "210987654321");
    assert_eq!(viewer.invitations(&payer).await[0]["state"], "ACCEPTED");
    // Both reached a real mailbox and a real webhook.
    let mail = smtp.wait_for(&p.operator.email, 2).await;
    let subjects: Vec<&str> = mail.iter().map(|m| m["subject"].as_str().unwrap()).collect();
    assert!(subjects.contains(&"AWS account 210987654321 invited") && subjects.contains(&"AWS account 210987654321 joined"), "{subjects:?}");
    hook.wait_for_types(&["com.partnerbilling.account.invited", "com.partnerbilling.invitation.accepted"]).await;
}

/// Settings that point mail at the sink and allow a loopback webhook.
fn peers(smtp: &SmtpSink) -> Vec<(&'static str, String)> {
    vec![("smtp_url", smtp.url()), ("webhook_allow_private", "true".to_owned()), ("notify_interval_ms", "100".to_owned()), ("public_url", "https://billing.example.com".to_owned())]
}

/// The operator subscribes to `types`; a webhook takes every event.
async fn tell(app: &TestApp, p: &Partner, hook: &WebhookReceiver, types: &[&str]) {
    app.as_user(&p.operator).subscribe(json!({ "eventTypes": types, "tenantId": p.tenant_id, "userId": p.operator.user_id })).await;
    app.as_user(&p.admin).create_webhook_endpoint(json!({ "tenantId": p.tenant_id, "url": hook.url, "eventTypes": ["*"], "description": "all" })).await;
}

/// AWS refuses a new account (the email is taken): the job fails with the reason in plain words,
/// and account.create_failed reaches a mailbox and a webhook.
async fn a_refused_account_creation_is_told(db: DbKind) {
    let management = aws::random_account();
    let m = management.clone();
    let describe = mock!(aws_sdk_organizations::Client::describe_organization)
        .then_compute_output(move |_| DescribeOrganizationOutput::builder().organization(Organization::builder().id("o-exampleorgid").master_account_id(&m).build()).build());
    let list = mock!(aws_sdk_organizations::Client::list_accounts).then_output(|| ListAccountsOutput::builder().build());
    let recent = mock!(aws_sdk_organizations::Client::list_create_account_status).then_output(|| ListCreateAccountStatusOutput::builder().build());
    let status = |state: CreateAccountState| {
        let failed = state == CreateAccountState::Failed;
        CreateAccountStatus::builder().id("car-1234567890").account_name("Taken").state(state).set_failure_reason(failed.then_some(CreateAccountFailureReason::EmailAlreadyExists)).build()
    };
    let create = mock!(aws_sdk_organizations::Client::create_account)
        .match_requests(|r| r.email() == Some("taken@refused.example"))
        .then_output(move || CreateAccountOutput::builder().create_account_status(status(CreateAccountState::InProgress)).build());
    let poll = mock!(aws_sdk_organizations::Client::describe_create_account_status)
        .then_output(move || DescribeCreateAccountStatusOutput::builder().create_account_status(status(CreateAccountState::Failed)).build());
    let orgs = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, [&describe, &list, &recent, &create, &poll]);
    let sdk = aws::sdk_config(&aws::moto_url()).await;
    let clients = AwsClients::new(Arc::new(SdkSts::new(&sdk)), Arc::new(SdkOrganizations::from_conf(orgs.config().clone())));
    let smtp = SmtpSink::start(free_port()).await;
    let hook = WebhookReceiver::start().await;
    let app = TestApp::spawn_with_aws(db, peers(&smtp), clients).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Refused Co").await;
    let payer = app.connected_payer(&p, &management).await;
    tell(&app, &p, &hook, &["account.create_failed"]).await;

    let job_id = app.as_user(&p.operator).create_linked_account(json!({ "payerId": payer, "email": "taken@refused.example", "name": "Taken" })).await;
    let job = app.wait_job(&p.operator, &job_id).await;
    assert_eq!(job["state"], "FAILED", "{job}");
    assert_eq!(create.num_calls(), 1, "asked once, not retried");
    let mail = smtp.wait_for(&p.operator.email, 1).await;
    assert_eq!(mail[0]["subject"], "Creating AWS account Taken failed");
    let text = mail[0]["text"].as_str().unwrap();
    assert!(text.contains("taken@refused.example") && text.to_lowercase().contains("email"), "{text}");
    hook.wait_for_types(&["com.partnerbilling.account.create_failed"]).await;
}

on_both_databases!(invitation_is_followed_until_accepted, a_refused_account_creation_is_told);
