//! Invitations end to end. moto has no handshakes, so Organizations is the official
//! `aws-smithy-mocks` client here (STS is still moto); the flow runs through GraphQL and the job.

use std::sync::Arc;

use aws_sdk_organizations::operation::describe_organization::DescribeOrganizationOutput;
use aws_sdk_organizations::operation::invite_account_to_organization::InviteAccountToOrganizationOutput;
use aws_sdk_organizations::operation::list_handshakes_for_organization::ListHandshakesForOrganizationOutput;
use aws_sdk_organizations::types::{Handshake, HandshakeParty, HandshakePartyType, HandshakeState, Organization};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use e2e::aws;
use e2e::{DbKind, TestApp, on_both_databases};
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
    let app = TestApp::spawn_with_aws(db, vec![], clients).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Invite Co").await;
    let payer = app.connected_payer(&p, &management).await;

    let q = "mutation($p: ID!) { inviteAccount(input: { payerId: $p, accountId: \"210987654321\", notes: \"join us\" }) { handshakeId state target } }";
    app.gql(p.viewer.bearer(), q, json!({ "p": payer })).await.assert_code("FORBIDDEN");
    let both = app.gql(p.operator.bearer(), "mutation($p: ID!) { inviteAccount(input: { payerId: $p, accountId: \"210987654321\", email: \"x@y.example\" }) { handshakeId } }", json!({ "p": payer })).await;
    both.assert_code("VALIDATION");
    let invited = app.gql(p.operator.bearer(), q, json!({ "p": payer })).await;
    assert_eq!(invited.data("inviteAccount.state"), "OPEN");
    assert_eq!(invited.data("inviteAccount.target"), "210987654321");
    assert_eq!(invite.num_calls(), 1);
    assert_eq!(app.outbox("account.invited").await.len(), 1);

    let listed = app.gql(p.viewer.bearer(), "query($p: ID!) { invitations(payerId: $p) { handshakeId state notes } }", json!({ "p": payer })).await;
    assert_eq!(listed.data("invitations.0.state"), "OPEN");
    assert_eq!(listed.data("invitations.0.notes"), "join us", "notes we sent are kept");
    assert!(app.outbox("invitation.accepted").await.is_empty());

    // The scheduled refresh sees the acceptance and tells once, however often it runs.
    for _ in 0..2 {
        let mut job = partner_billing::jobs::NewJob::new("invitations.refresh", json!({}));
        job.idempotency_key = Some(uuid::Uuid::now_v7().to_string());
        let id = partner_billing::jobs::enqueue(&app.db, job).await.unwrap().id.to_string();
        app.state.jobs_wakeup.notify_one();
        let done = app.wait_job(&admin, &id).await;
        assert_eq!(done["state"], "SUCCEEDED", "{done}");
    }
    let accepted = app.outbox("invitation.accepted").await;
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0]["target"], "210987654321");
    let listed = app.gql(p.viewer.bearer(), "query($p: ID!) { invitations(payerId: $p) { state } }", json!({ "p": payer })).await;
    assert_eq!(listed.data("invitations.0.state"), "ACCEPTED");
}

on_both_databases!(invitation_is_followed_until_accepted);
