//! The adapter at the SDK level with `aws-smithy-mocks` (moto has no responsibility transfers nor
//! Billing Conductor): the exact requests it sends, and documented responses and errors as the
//! caller reads them.

use aws_sdk_billingconductor::operation::create_billing_group::CreateBillingGroupOutput;
use aws_sdk_billingconductor::operation::get_billing_transfer_preference::GetBillingTransferPreferenceOutput;
use aws_sdk_billingconductor::operation::update_billing_transfer_preference::UpdateBillingTransferPreferenceOutput;
use aws_sdk_organizations::operation::cancel_handshake::CancelHandshakeOutput;
use aws_sdk_organizations::operation::describe_responsibility_transfer::DescribeResponsibilityTransferOutput;
use aws_sdk_organizations::operation::list_inbound_responsibility_transfers::ListInboundResponsibilityTransfersOutput;
use aws_sdk_organizations::operation::list_outbound_responsibility_transfers::ListOutboundResponsibilityTransfersOutput;
use aws_sdk_organizations::operation::invite_organization_to_transfer_responsibility::InviteOrganizationToTransferResponsibilityOutput;
use aws_sdk_organizations::operation::terminate_responsibility_transfer::TerminateResponsibilityTransferOutput;
use aws_sdk_organizations::types::error::HandshakeConstraintViolationException;
use aws_sdk_organizations::types::{
    Handshake, HandshakeResource, HandshakeState, ResponsibilityTransfer, ResponsibilityTransferStatus, TransferParticipant,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;

use super::*;
use crate::aws::AwsErrorKind;
use crate::error::{AppError, ErrorCode};

const ARN: &str = "arn:aws:organizations::111122223333:transfer/o-partner12345/billing/inbound/rt-abcd12345";

fn creds() -> Credentials {
    Credentials::new("AKIA", "secret", None, None, "test")
}

fn jan_2027() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2027-01-01T00:00:00Z").unwrap().with_timezone(&Utc)
}

fn sdk_transfer(id: &str, status: ResponsibilityTransferStatus) -> ResponsibilityTransfer {
    sdk_transfer_builder(id, status).build()
}

fn sdk_transfer_builder(id: &str, status: ResponsibilityTransferStatus) -> aws_sdk_organizations::types::builders::ResponsibilityTransferBuilder {
    ResponsibilityTransfer::builder()
        .id(id)
        .arn(ARN)
        .name("Acme billing")
        .r#type(ResponsibilityTransferType::Billing)
        .status(status)
        .source(TransferParticipant::builder().management_account_id("210987654321").management_account_email("root@acme.example").build())
        .target(TransferParticipant::builder().management_account_id("111122223333").build())
        .start_timestamp(aws_smithy_types::DateTime::from_secs(jan_2027().timestamp()))
        .active_handshake_id("h-transfer01")
}

fn orgs_only(client: &aws_sdk_organizations::Client) -> SdkBillingTransfer {
    let abc = mock_client!(aws_sdk_billingconductor, []);
    SdkBillingTransfer::from_conf(client.config().clone(), abc.config().clone())
}

fn abc_only(client: &aws_sdk_billingconductor::Client) -> SdkBillingTransfer {
    let orgs = mock_client!(aws_sdk_organizations, []);
    SdkBillingTransfer::from_conf(orgs.config().clone(), client.config().clone())
}

#[tokio::test]
async fn invite_sends_type_billing_the_target_the_first_of_the_month_and_notes() {
    let by_account = mock!(aws_sdk_organizations::Client::invite_organization_to_transfer_responsibility)
        .match_requests(|r| {
            r.r#type() == Some(&ResponsibilityTransferType::Billing)
                && r.target().is_some_and(|t| t.id() == "210987654321" && t.r#type() == &HandshakePartyType::Account)
                && r.start_timestamp().map(aws_smithy_types::DateTime::secs) == Some(jan_2027().timestamp())
                && r.source_name() == Some("Acme billing")
                && r.notes() == Some("from January")
        })
        .then_output(|| {
            InviteOrganizationToTransferResponsibilityOutput::builder()
                .handshake(
                    Handshake::builder()
                        .id("h-transfer01")
                        .state(HandshakeState::Open)
                        .expiration_timestamp(aws_smithy_types::DateTime::from_secs(1_800_000_000))
                        .resources(
                            HandshakeResource::builder()
                                .r#type(HandshakeResourceType::ResponsibilityTransfer)
                                .value("rt-abcd12345")
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
    let by_email = mock!(aws_sdk_organizations::Client::invite_organization_to_transfer_responsibility)
        .match_requests(|r| r.target().is_some_and(|t| t.id() == "root@acme.example" && t.r#type() == &HandshakePartyType::Email) && r.notes().is_none())
        .then_output(|| InviteOrganizationToTransferResponsibilityOutput::builder().handshake(Handshake::builder().id("h-transfer02").state(HandshakeState::Requested).build()).build());
    let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, [&by_account, &by_email]);
    let adapter = orgs_only(&client);
    let sent = adapter.invite(&creds(), &TransferTarget::ManagementAccount("210987654321".into()), jan_2027(), "Acme billing", Some("from January")).await.unwrap();
    assert_eq!(sent.handshake_id, "h-transfer01");
    assert_eq!(sent.state, "OPEN");
    assert_eq!(sent.transfer_id.as_deref(), Some("rt-abcd12345"), "the transfer id is read from the handshake's resources");
    assert_eq!(sent.expires_at.map(|t| t.timestamp()), Some(1_800_000_000));
    let sent = adapter.invite(&creds(), &TransferTarget::Email("root@acme.example".into()), jan_2027(), "Acme billing", None).await.unwrap();
    assert_eq!((sent.handshake_id.as_str(), sent.transfer_id), ("h-transfer02", None));
    assert_eq!((by_account.num_calls(), by_email.num_calls()), (1, 1));
}

#[tokio::test]
async fn following_an_invitation_reads_requested_until_accepted() {
    let describe = mock!(aws_sdk_organizations::Client::describe_responsibility_transfer)
        .match_requests(|r| r.id() == Some("rt-abcd12345"))
        .sequence()
        .output(|| DescribeResponsibilityTransferOutput::builder().responsibility_transfer(sdk_transfer("rt-abcd12345", ResponsibilityTransferStatus::Requested)).build())
        .times(2)
        .output(|| DescribeResponsibilityTransferOutput::builder().responsibility_transfer(sdk_transfer("rt-abcd12345", ResponsibilityTransferStatus::Accepted)).build())
        .build();
    let client = mock_client!(aws_sdk_organizations, [&describe]);
    let adapter = orgs_only(&client);
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(adapter.describe(&creds(), "rt-abcd12345").await.unwrap().status);
    }
    assert_eq!(seen, ["REQUESTED", "REQUESTED", "ACCEPTED"]);
    assert_eq!(describe.num_calls(), 3);
}

#[tokio::test]
async fn a_transfer_reads_its_source_start_and_handshake() {
    let describe = mock!(aws_sdk_organizations::Client::describe_responsibility_transfer)
        .then_output(|| DescribeResponsibilityTransferOutput::builder().responsibility_transfer(sdk_transfer("rt-abcd12345", ResponsibilityTransferStatus::Accepted)).build());
    let client = mock_client!(aws_sdk_organizations, [&describe]);
    let t = orgs_only(&client).describe(&creds(), "rt-abcd12345").await.unwrap();
    assert_eq!(t.source_account_id.as_deref(), Some("210987654321"));
    assert_eq!(t.source_email.as_deref(), Some("root@acme.example"));
    assert_eq!(t.start, Some(jan_2027()));
    assert_eq!(t.arn.as_deref(), Some(ARN));
    assert_eq!(t.active_handshake_id.as_deref(), Some("h-transfer01"));
}

#[tokio::test]
async fn withdrawing_cancels_the_handshake() {
    let cancel = mock!(aws_sdk_organizations::Client::cancel_handshake)
        .match_requests(|r| r.handshake_id() == Some("h-transfer01"))
        .then_output(|| CancelHandshakeOutput::builder().handshake(Handshake::builder().id("h-transfer01").state(HandshakeState::Canceled).build()).build());
    let client = mock_client!(aws_sdk_organizations, [&cancel]);
    assert_eq!(orgs_only(&client).withdraw(&creds(), "h-transfer01").await.unwrap(), "CANCELED");
    assert_eq!(cancel.num_calls(), 1);
}

#[tokio::test]
async fn terminating_sends_the_end_month() {
    let end = DateTime::parse_from_rfc3339("2027-06-01T00:00:00Z").unwrap().with_timezone(&Utc);
    let terminate = mock!(aws_sdk_organizations::Client::terminate_responsibility_transfer)
        .match_requests(move |r| r.id() == Some("rt-abcd12345") && r.end_timestamp().map(aws_smithy_types::DateTime::secs) == Some(end.timestamp()))
        .then_output(move || {
            let t = sdk_transfer_builder("rt-abcd12345", ResponsibilityTransferStatus::Withdrawn);
            TerminateResponsibilityTransferOutput::builder().responsibility_transfer(t.end_timestamp(aws_smithy_types::DateTime::from_secs(end.timestamp())).build()).build()
        });
    let client = mock_client!(aws_sdk_organizations, [&terminate]);
    let t = orgs_only(&client).terminate(&creds(), "rt-abcd12345", end).await.unwrap();
    assert_eq!((t.status.as_str(), t.end), ("WITHDRAWN", Some(end)));
    assert_eq!(terminate.num_calls(), 1);
}

#[tokio::test]
async fn lists_follow_next_token_in_both_directions() {
    let page1 = mock!(aws_sdk_organizations::Client::list_inbound_responsibility_transfers)
        .match_requests(|r| r.r#type() == Some(&ResponsibilityTransferType::Billing) && r.next_token().is_none())
        .then_output(|| ListInboundResponsibilityTransfersOutput::builder().responsibility_transfers(sdk_transfer("rt-page1aaaa", ResponsibilityTransferStatus::Accepted)).next_token("p2").build());
    let page2 = mock!(aws_sdk_organizations::Client::list_inbound_responsibility_transfers)
        .match_requests(|r| r.next_token() == Some("p2"))
        .then_output(|| ListInboundResponsibilityTransfersOutput::builder().responsibility_transfers(sdk_transfer("rt-page2bbbb", ResponsibilityTransferStatus::Requested)).build());
    let outbound = mock!(aws_sdk_organizations::Client::list_outbound_responsibility_transfers)
        .match_requests(|r| r.r#type() == Some(&ResponsibilityTransferType::Billing))
        .then_output(|| ListOutboundResponsibilityTransfersOutput::builder().responsibility_transfers(sdk_transfer("rt-outbound1", ResponsibilityTransferStatus::Accepted)).build());
    let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, [&page1, &page2, &outbound]);
    let adapter = orgs_only(&client);
    let inbound: Vec<String> = adapter.list(&creds(), Direction::Inbound).await.unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(inbound, ["rt-page1aaaa", "rt-page2bbbb"]);
    let out: Vec<String> = adapter.list(&creds(), Direction::Outbound).await.unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(out, ["rt-outbound1"]);
}

#[tokio::test]
async fn a_list_that_never_ends_stops_at_the_page_cap() {
    let endless = mock!(aws_sdk_organizations::Client::list_inbound_responsibility_transfers)
        .sequence()
        .output(|| ListInboundResponsibilityTransfersOutput::builder().responsibility_transfers(sdk_transfer("rt-again1234", ResponsibilityTransferStatus::Accepted)).next_token("more").build())
        .repeatedly()
        .build();
    let client = mock_client!(aws_sdk_organizations, [&endless]);
    let all = orgs_only(&client).list(&creds(), Direction::Inbound).await.unwrap();
    assert_eq!(all.len(), MAX_PAGES);
    assert_eq!(endless.num_calls(), MAX_PAGES);
}

#[tokio::test]
async fn the_transfer_billing_group_carries_the_transfer_and_the_passthrough_plan() {
    let create = mock!(aws_sdk_billingconductor::Client::create_billing_group)
        .match_requests(|r| {
            r.name() == Some("transfer-rt-abcd12345")
                && r.primary_account_id().is_none()
                && r.account_grouping().is_some_and(|g| g.responsibility_transfer_arn() == Some(ARN) && g.linked_account_ids().is_empty())
                && r.computation_preference().is_some_and(|c| c.pricing_plan_arn() == PASSTHROUGH_PLAN_ARN)
        })
        .then_output(|| CreateBillingGroupOutput::builder().arn("arn:aws:billingconductor::111122223333:billinggroup/transfer1").build());
    let client = mock_client!(aws_sdk_billingconductor, [&create]);
    let arn = abc_only(&client).create_transfer_group(&creds(), ARN, "transfer-rt-abcd12345", "Acme", PASSTHROUGH_PLAN_ARN).await.unwrap();
    assert_eq!(arn, "arn:aws:billingconductor::111122223333:billinggroup/transfer1");
    assert_eq!(create.num_calls(), 1);
}

#[tokio::test]
async fn the_preference_is_read_and_set_per_transfer() {
    let plan = "arn:aws:billingconductor::111122223333:pricingplan/abcdefghij";
    let get = mock!(aws_sdk_billingconductor::Client::get_billing_transfer_preference)
        .match_requests(|r| r.responsibility_transfer_arn() == Some(ARN))
        .then_output(|| GetBillingTransferPreferenceOutput::builder().responsibility_transfer_arn(ARN).build().unwrap());
    let set = mock!(aws_sdk_billingconductor::Client::update_billing_transfer_preference)
        .match_requests(move |r| {
            r.responsibility_transfer_arn() == Some(ARN)
                && r.auto_billing_transfer_billing_group_creation().is_some_and(|p| p.enabled() && p.pricing_plan_arn() == Some(plan))
        })
        .then_output(move || {
            UpdateBillingTransferPreferenceOutput::builder()
                .responsibility_transfer_arn(ARN)
                .auto_billing_transfer_billing_group_creation(AutoTransferBillingGroupCreationPreference::builder().enabled(true).pricing_plan_arn(plan).build().unwrap())
                .last_modified_time(1_800_000_000)
                .build()
                .unwrap()
        });
    let disable = mock!(aws_sdk_billingconductor::Client::update_billing_transfer_preference)
        .match_requests(|r| r.auto_billing_transfer_billing_group_creation().is_some_and(|p| !p.enabled() && p.pricing_plan_arn().is_none()))
        .then_output(|| {
            UpdateBillingTransferPreferenceOutput::builder()
                .responsibility_transfer_arn(ARN)
                .auto_billing_transfer_billing_group_creation(AutoTransferBillingGroupCreationPreference::builder().enabled(false).build().unwrap())
                .last_modified_time(1_800_000_001)
                .build()
                .unwrap()
        });
    let client = mock_client!(aws_sdk_billingconductor, RuleMode::MatchAny, [&get, &set, &disable]);
    let adapter = abc_only(&client);
    assert_eq!(adapter.preference(&creds(), ARN).await.unwrap(), TransferPreference { auto_create: false, pricing_plan_arn: None }, "unset reads as disabled");
    let on = adapter.set_preference(&creds(), ARN, &TransferPreference { auto_create: true, pricing_plan_arn: Some(plan.into()) }).await.unwrap();
    assert_eq!(on, TransferPreference { auto_create: true, pricing_plan_arn: Some(plan.into()) });
    // A plan on a disabled preference is left out: AWS refuses it.
    let off = adapter.set_preference(&creds(), ARN, &TransferPreference { auto_create: false, pricing_plan_arn: Some(plan.into()) }).await.unwrap();
    assert!(!off.auto_create);
    assert_eq!((set.num_calls(), disable.num_calls()), (1, 1));
}

#[tokio::test]
async fn an_organization_already_transferring_reads_as_a_conflict_in_words() {
    let refused = mock!(aws_sdk_organizations::Client::invite_organization_to_transfer_responsibility).then_error(|| {
        InviteOrganizationToTransferResponsibilityError::HandshakeConstraintViolationException(
            HandshakeConstraintViolationException::builder()
                .message("RESPONSIBILITY_TRANSFER_ALREADY_EXISTS")
                .reason(HandshakeConstraintViolationExceptionReason::ResponsibilityTransferAlreadyExists)
                .meta(ErrorMetadata::builder().code("HandshakeConstraintViolationException").message("RESPONSIBILITY_TRANSFER_ALREADY_EXISTS").build())
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_organizations, [&refused]);
    let err = orgs_only(&client).invite(&creds(), &TransferTarget::ManagementAccount("210987654321".into()), jan_2027(), "Acme", None).await.unwrap_err();
    assert_eq!(err.kind, AwsErrorKind::Service);
    assert_eq!(err.code.as_deref(), Some("HandshakeConstraintViolationException"));
    let app: AppError = err.into();
    assert_eq!(app.code(), ErrorCode::Conflict);
    assert!(app.to_string().contains("already transfers its bill"), "{app}");
}

#[tokio::test]
async fn renaming_sends_the_id_and_the_new_name() {
    let rename = mock!(aws_sdk_organizations::Client::update_responsibility_transfer)
        .match_requests(|r| r.id() == Some("rt-abcd12345") && r.name() == Some("Acme (EU)"))
        .then_output(|| {
            let renamed = sdk_transfer_builder("rt-abcd12345", ResponsibilityTransferStatus::Accepted).name("Acme (EU)").build();
            aws_sdk_organizations::operation::update_responsibility_transfer::UpdateResponsibilityTransferOutput::builder().responsibility_transfer(renamed).build()
        });
    let client = mock_client!(aws_sdk_organizations, [&rename]);
    let t = orgs_only(&client).rename(&creds(), "rt-abcd12345", "Acme (EU)").await.unwrap();
    assert_eq!(t.name.as_deref(), Some("Acme (EU)"));
    assert_eq!(rename.num_calls(), 1);
}
