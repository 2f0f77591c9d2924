//! AWS Billing Transfer end to end. moto has no responsibility transfers, so Organizations and
//! Billing Conductor are the official `aws-smithy-mocks` clients behind the real adapter (STS is
//! still moto); the flow runs through GraphQL, the follow job and the outbox.

use std::sync::Arc;

use aws_sdk_billingconductor::operation::create_billing_group::CreateBillingGroupOutput;
use aws_sdk_organizations::operation::cancel_handshake::CancelHandshakeOutput;
use aws_sdk_organizations::operation::describe_organization::DescribeOrganizationOutput;
use aws_sdk_organizations::operation::describe_responsibility_transfer::DescribeResponsibilityTransferOutput;
use aws_sdk_organizations::operation::invite_organization_to_transfer_responsibility::InviteOrganizationToTransferResponsibilityOutput;
use aws_sdk_organizations::operation::list_inbound_responsibility_transfers::ListInboundResponsibilityTransfersOutput;
use aws_sdk_organizations::operation::terminate_responsibility_transfer::TerminateResponsibilityTransferOutput;
use aws_sdk_organizations::types::{
    Handshake, HandshakeResource, HandshakeResourceType, HandshakeState, Organization, ResponsibilityTransfer, ResponsibilityTransferStatus,
    TransferParticipant,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use chrono::{Datelike, NaiveDate, Utc};
use e2e::aws;
use e2e::{DbKind, TestApp, on_both_databases};

use crate::billing::{Row, insert};
use partner_billing::aws::{AwsClients, SdkBillingTransfer, SdkOrganizations, SdkSts};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

const CUSTOMER: &str = "210987654321";
const ARN: &str = "arn:aws:organizations::111122223333:transfer/o-partner12345/billing/inbound/rt-abcd12345";

/// The first of next month and of the month after, as the API takes them.
fn next_months() -> (NaiveDate, NaiveDate) {
    let today = Utc::now().date_naive();
    let first = today.with_day(1).unwrap();
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap();
    (next, next.checked_add_months(chrono::Months::new(1)).unwrap())
}

fn transfer(status: ResponsibilityTransferStatus) -> ResponsibilityTransfer {
    ResponsibilityTransfer::builder()
        .id("rt-abcd12345")
        .arn(ARN)
        .status(status)
        .source(TransferParticipant::builder().management_account_id(CUSTOMER).build())
        .active_handshake_id("h-transfer01")
        .build()
}

/// The payer's own organization, for its connection checks (the registration's watch job checks
/// it too, so it answers every time).
fn payer_organization(management: &str) -> aws_sdk_organizations::Client {
    let m = management.to_owned();
    let describe_org = mock!(aws_sdk_organizations::Client::describe_organization)
        .then_compute_output(move |_| DescribeOrganizationOutput::builder().organization(Organization::builder().id("o-partner12345").master_account_id(&m).build()).build());
    mock_client!(aws_sdk_organizations, RuleMode::MatchAny, [&describe_org])
}

/// Organizations for the payer check, and the transfer calls: no earlier transfer, an invite,
/// one REQUESTED answer then ACCEPTED, a cancel, a terminate; ABC accepts one group.
fn clients(management: &str, sdk: &aws_config::SdkConfig, earlier: Option<ResponsibilityTransfer>) -> (AwsClients, Vec<Rule>) {
    let orgs = payer_organization(management);
    let list = mock!(aws_sdk_organizations::Client::list_inbound_responsibility_transfers)
        .then_output(move || ListInboundResponsibilityTransfersOutput::builder().set_responsibility_transfers(earlier.clone().map(|t| vec![t])).build());
    let invite = mock!(aws_sdk_organizations::Client::invite_organization_to_transfer_responsibility)
        .match_requests(|r| r.target().is_some_and(|t| t.id() == CUSTOMER) && r.notes() == Some("welcome aboard"))
        .then_output(|| {
            let resource = HandshakeResource::builder().r#type(HandshakeResourceType::ResponsibilityTransfer).value("rt-abcd12345").build();
            InviteOrganizationToTransferResponsibilityOutput::builder().handshake(Handshake::builder().id("h-transfer01").state(HandshakeState::Open).resources(resource).build()).build()
        });
    let follow = mock!(aws_sdk_organizations::Client::describe_responsibility_transfer)
        .match_requests(|r| r.id() == Some("rt-abcd12345"))
        .sequence()
        .output(|| DescribeResponsibilityTransferOutput::builder().responsibility_transfer(transfer(ResponsibilityTransferStatus::Requested)).build())
        .output(|| DescribeResponsibilityTransferOutput::builder().responsibility_transfer(transfer(ResponsibilityTransferStatus::Accepted)).build())
        .repeatedly()
        .build();
    let cancel = mock!(aws_sdk_organizations::Client::cancel_handshake)
        .match_requests(|r| r.handshake_id() == Some("h-transfer01"))
        .then_output(|| CancelHandshakeOutput::builder().handshake(Handshake::builder().id("h-transfer01").state(HandshakeState::Canceled).build()).build());
    let terminate = mock!(aws_sdk_organizations::Client::terminate_responsibility_transfer)
        .match_requests(|r| r.id() == Some("rt-abcd12345") && r.end_timestamp().is_some())
        .then_output(|| TerminateResponsibilityTransferOutput::builder().responsibility_transfer(transfer(ResponsibilityTransferStatus::Withdrawn)).build());
    let transfer_orgs = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, [&list, &invite, &follow, &cancel, &terminate]);
    let group = mock!(aws_sdk_billingconductor::Client::create_billing_group)
        .match_requests(|r| r.account_grouping().is_some_and(|g| g.responsibility_transfer_arn() == Some(ARN)))
        .then_output(|| CreateBillingGroupOutput::builder().arn("arn:aws:billingconductor::111122223333:billinggroup/transfer1").build());
    let abc = mock_client!(aws_sdk_billingconductor, [&group]);
    let clients = AwsClients::new(Arc::new(SdkSts::new(sdk)), Arc::new(SdkOrganizations::from_conf(orgs.config().clone())))
        .with_billing_transfer(Arc::new(SdkBillingTransfer::from_conf(transfer_orgs.config().clone(), abc.config().clone())));
    (clients, vec![invite, follow, cancel, terminate, group])
}

/// Runs the waiting follow jobs now instead of at their time.
async fn poke(app: &TestApp) {
    let now = Utc::now() - chrono::Duration::seconds(1);
    entity::jobs::Entity::update_many()
        .col_expr(entity::jobs::Column::RunAt, Expr::value(now))
        .filter(entity::jobs::Column::Kind.eq("billing_transfers.follow"))
        .filter(entity::jobs::Column::State.eq(partner_billing::jobs::JobState::Queued))
        .exec(&app.db)
        .await
        .unwrap();
    app.state.jobs_wakeup.notify_one();
}

/// Pokes the follow jobs until the transfer reads `status` (30 s at most).
async fn until_status(app: &TestApp, who: &e2e::Session, id: &str, status: &str) -> Value {
    for _ in 0..150 {
        poke(app).await;
        let transfer = app.as_user(who).billing_transfer(id).await;
        if transfer["status"] == status {
            return transfer;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("transfer {id} never reached {status}");
}

/// Moves a stored month of the transfer into the past, as if the time had come.
async fn pretend_month_passed(app: &TestApp, id: &str, column: entity::billing_transfers::Column) {
    let id: uuid::Uuid = id.parse().unwrap();
    entity::billing_transfers::Entity::update_many()
        .col_expr(column, Expr::value("2026-01"))
        .filter(entity::billing_transfers::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

/// A partner with a connected payer on a server whose AWS is `clients(…)`.
async fn partner_with_payer(db: DbKind, name: &str, earlier: Option<ResponsibilityTransfer>) -> (TestApp, e2e::Partner, String, String, Vec<Rule>) {
    let management = aws::random_account();
    let sdk = aws::sdk_config(&aws::moto_url()).await;
    let (clients, rules) = clients(&management, &sdk, earlier);
    let app = TestApp::spawn_with_aws(db, vec![], clients).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, name).await;
    let payer = app.connected_payer(&p, &management).await;
    (app, p, payer, management, rules)
}

/// Lets the follow jobs run a few more steps (nothing should change any more).
async fn settle(app: &TestApp) {
    for _ in 0..3 {
        poke(app).await;
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
}

async fn a_transfer_is_invited_followed_to_acceptance_started_priced_and_ended(db: DbKind) {
    let (app, p, payer, management, rules) = partner_with_payer(db, "Transfer Co", None).await;
    let [invite, follow, _cancel, terminate, group] = rules.as_slice() else { unreachable!() };
    let admin = app.as_user(&p.admin);
    admin.set_payer_billing_mode(&payer, "BILLING_CONDUCTOR").await;
    let (start, end) = next_months();

    let invited = admin.invite_organization_to_transfer_billing(json!({ "payerId": payer, "managementAccountId": CUSTOMER, "startDate": start, "notes": "welcome aboard" })).await;
    assert_eq!(invited["status"], "INVITED", "{invited}");
    assert_eq!(invited["transferId"], "rt-abcd12345");
    assert_eq!(invited["startMonth"], format!("{:04}-{:02}", start.year(), start.month()).as_str());
    let id = invited["id"].as_str().unwrap().to_owned();
    assert_eq!(invite.num_calls(), 1);
    assert_eq!(app.outbox("billing_transfer.invited").await.len(), 1);

    // REQUESTED on the first poll, ACCEPTED on the next: told once however often it runs.
    let accepted = until_status(&app, &p.viewer, &id, "ACCEPTED").await;
    assert!(follow.num_calls() >= 2, "followed over several polls");
    assert!(accepted["accounts"].as_array().unwrap().is_empty(), "no cost data yet");
    settle(&app).await;
    let told = app.outbox("billing_transfer.accepted").await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["target"], CUSTOMER);

    // The TRANSFER_BILLING group with Passthrough, pushed to Billing Conductor; once only.
    app.as_user(&p.operator).try_create_transfer_billing_group(&id).await.assert_code("FORBIDDEN");
    let grouped = admin.create_transfer_billing_group(&id).await;
    assert_eq!(grouped["passthrough"], true);
    assert_eq!(grouped["billingConductorArn"], "arn:aws:billingconductor::111122223333:billinggroup/transfer1");
    admin.try_create_transfer_billing_group(&id).await.assert_code("CONFLICT");
    assert_eq!(group.num_calls(), 1);

    // The start month comes.
    pretend_month_passed(&app, &id, entity::billing_transfers::Column::StartMonth).await;
    until_status(&app, &p.viewer, &id, "ACTIVE").await;
    assert_eq!(app.outbox("billing_transfer.started").await.len(), 1);

    // Its accounts are those the payer's cost data bills from the start month, less the payer's own.
    let payer_uuid: uuid::Uuid = payer.parse().unwrap();
    for (account, period) in [(CUSTOMER, "2026-02"), ("333344445555", "2026-03"), (management.as_str(), "2026-02"), ("444455556666", "2025-12")] {
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        entity::cost_monthly::ActiveModel {
            payer_id: Set(payer_uuid),
            source: Set("CUR2".into()),
            billing_period: Set(period.into()),
            usage_month: Set(period.into()),
            usage_account_id: Set(account.into()),
            service_code: Set("AmazonEC2".into()),
            service_name: Set(None),
            charge_type: Set("Usage".into()),
            currency: Set("USD".into()),
            unblended_cost: Set(100_000_000),
            net_unblended_cost: Set(100_000_000),
            amortized_cost: Set(100_000_000),
            list_cost: Set(100_000_000),
            line_count: Set(1),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    let seen = app.as_user(&p.viewer).billing_transfer(&id).await;
    assert_eq!(seen["accounts"], json!([CUSTOMER, "333344445555"]), "not the payer itself, nor usage before the start");

    // Ended from a later month: AWS is told the first of that month; the end comes later.
    admin.try_end_billing_transfer(&id, &end.with_day(2).unwrap().to_string()).await.assert_code("VALIDATION");
    let ended = admin.end_billing_transfer(&id, &end.to_string()).await;
    assert_eq!(ended["endMonth"], format!("{:04}-{:02}", end.year(), end.month()).as_str());
    assert_eq!(terminate.num_calls(), 1);
    assert!(app.outbox("billing_transfer.ended").await.is_empty(), "not before the end month");
    pretend_month_passed(&app, &id, entity::billing_transfers::Column::EndMonth).await;
    until_status(&app, &p.viewer, &id, "ENDED").await;
    assert_eq!(app.outbox("billing_transfer.ended").await.len(), 1);
    // Every mutation is in the audit trail against the payer.
    let payer_uuid: uuid::Uuid = payer.parse().unwrap();
    let audited: Vec<String> = entity::audit_events::Entity::find()
        .filter(entity::audit_events::Column::PayerId.eq(payer_uuid))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event_name)
        .collect();
    for action in ["inviteOrganizationToTransferBilling", "createTransferBillingGroup", "endBillingTransfer"] {
        assert!(audited.iter().any(|a| a.contains(action)), "{action} audited: {audited:?}");
    }
}

/// Bad invitation input names the field, writes nothing and never reaches AWS.
async fn bad_invitation_input_changes_nothing(db: DbKind) {
    let (app, p, payer, _, rules) = partner_with_payer(db, "Withdraw Co", None).await;
    let [invite, ..] = rules.as_slice() else { unreachable!() };
    let (start, _) = next_months();
    let today = Utc::now().date_naive();
    let last_month = today.with_day(1).unwrap().checked_sub_months(chrono::Months::new(1)).unwrap();
    let bad = [
        (json!({ "payerId": payer, "managementAccountId": "12345", "startDate": start }), "managementAccountId"),
        (json!({ "payerId": payer, "managementAccountId": CUSTOMER, "email": "x@y.example", "startDate": start }), "managementAccountId"),
        (json!({ "payerId": payer, "email": "not-an-email", "startDate": start }), "email"),
        (json!({ "payerId": payer, "managementAccountId": CUSTOMER, "startDate": start.with_day(15).unwrap() }), "startDate"),
        (json!({ "payerId": payer, "managementAccountId": CUSTOMER, "startDate": last_month }), "startDate"),
        (json!({ "payerId": payer, "managementAccountId": CUSTOMER, "startDate": start, "notes": "n".repeat(1025) }), "notes"),
    ];
    let admin = app.as_user(&p.admin);
    for (input, field) in bad {
        admin.try_invite_organization_to_transfer_billing(input).await.assert_invalid(field);
    }
    assert_eq!(app.count("billing_transfers").await, 0);
    assert_eq!(invite.num_calls(), 0, "bad input never reaches AWS");
}

/// Only admins invite and withdraw (once); operators read the transfer, an end customer's user
/// sees nothing of it; a withdrawn invitation is never told as accepted.
async fn an_unanswered_invitation_is_withdrawn_by_an_admin(db: DbKind) {
    let (app, p, payer, _, rules) = partner_with_payer(db, "Withdraw Co", None).await;
    let [_invite, _follow, cancel, _terminate, _group] = rules.as_slice() else { unreachable!() };
    let (start, _) = next_months();
    let (admin, viewer) = (app.as_user(&p.admin), app.as_user(&p.viewer));
    // Operators and viewers read but do not invite.
    let good = json!({ "payerId": payer, "managementAccountId": CUSTOMER, "startDate": start, "notes": "welcome aboard" });
    app.as_user(&p.operator).try_invite_organization_to_transfer_billing(good.clone()).await.assert_code("FORBIDDEN");
    viewer.try_invite_organization_to_transfer_billing(good.clone()).await.assert_code("FORBIDDEN");
    let id = admin.invite_organization_to_transfer_billing(good).await["id"].as_str().unwrap().to_owned();
    let listed = app.as_user(&p.operator).billing_transfers(&payer).await;
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["notes"], "welcome aboard");
    // An end customer's user sees nothing of the partner's transfers.
    let customer = admin.create_tenant(&p.tenant_id, "CUSTOMER", "Withdraw Customer").await;
    let customer_viewer = admin.create_user("viewer@withdraw-customer.example", "VIEWER", ("tenantId", &customer)).await;
    let refused = app.as_user(&customer_viewer).try_billing_transfer(&id).await;
    assert!(matches!(refused.code(), Some("NOT_FOUND" | "FORBIDDEN")), "{}", refused.body);
    assert!(!refused.body.to_string().contains(CUSTOMER), "{}", refused.body);
    viewer.try_withdraw_billing_transfer(&id).await.assert_code("FORBIDDEN");
    assert_eq!(admin.withdraw_billing_transfer(&id).await["status"], "WITHDRAWN");
    assert_eq!(cancel.num_calls(), 1);
    admin.try_withdraw_billing_transfer(&id).await.assert_code("CONFLICT");
    // The follow job sees it withdrawn and stops without telling acceptance.
    settle(&app).await;
    assert!(app.outbox("billing_transfer.accepted").await.is_empty());
    assert_eq!(viewer.billing_transfer(&id).await["status"], "WITHDRAWN");
}

/// A request that died after AWS sent the invitation left it at AWS only: inviting again adopts
/// it instead of sending a second one.
async fn a_repeated_invitation_adopts_the_one_aws_already_has(db: DbKind) {
    let (start, _) = next_months();
    let start_at = aws_smithy_types::DateTime::from_secs(start.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp());
    let earlier = ResponsibilityTransfer::builder()
        .id("rt-earlier123")
        .arn(ARN)
        .status(ResponsibilityTransferStatus::Requested)
        .source(TransferParticipant::builder().management_account_id(CUSTOMER).build())
        .start_timestamp(start_at)
        .active_handshake_id("h-earlier01")
        .build();
    let (app, p, payer, _, rules) = partner_with_payer(db, "Adopt Co", Some(earlier)).await;
    let [invite, ..] = rules.as_slice() else { unreachable!() };
    let invited = app.as_user(&p.admin).invite_organization_to_transfer_billing(json!({ "payerId": payer, "managementAccountId": CUSTOMER, "startDate": start, "notes": "welcome aboard" })).await;
    assert_eq!(invited["transferId"], "rt-earlier123");
    assert_eq!(invited["handshakeId"], "h-earlier01");
    assert_eq!(invite.num_calls(), 0, "no second invitation");
}

/// The customer ends the transfer at AWS: the follow job learns the end month and tells the end
/// once, when it comes.
async fn an_end_set_by_the_customer_is_learnt_and_told_when_it_comes(db: DbKind) {
    let management = aws::random_account();
    let sdk = aws::sdk_config(&aws::moto_url()).await;
    let (start, end) = next_months();
    let end_at = aws_smithy_types::DateTime::from_secs(end.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp());
    let orgs = payer_organization(&management);
    let list = mock!(aws_sdk_organizations::Client::list_inbound_responsibility_transfers).then_output(|| ListInboundResponsibilityTransfersOutput::builder().build());
    let invite = mock!(aws_sdk_organizations::Client::invite_organization_to_transfer_responsibility).then_output(|| {
        let resource = HandshakeResource::builder().r#type(HandshakeResourceType::ResponsibilityTransfer).value("rt-abcd12345").build();
        InviteOrganizationToTransferResponsibilityOutput::builder().handshake(Handshake::builder().id("h-transfer01").state(HandshakeState::Open).resources(resource).build()).build()
    });
    let follow = mock!(aws_sdk_organizations::Client::describe_responsibility_transfer)
        .sequence()
        .output(|| DescribeResponsibilityTransferOutput::builder().responsibility_transfer(transfer(ResponsibilityTransferStatus::Accepted)).build())
        .output(move || {
            let ended = ResponsibilityTransfer::builder().id("rt-abcd12345").arn(ARN).status(ResponsibilityTransferStatus::Withdrawn).end_timestamp(end_at).build();
            DescribeResponsibilityTransferOutput::builder().responsibility_transfer(ended).build()
        })
        .repeatedly()
        .build();
    let transfer_orgs = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, [&list, &invite, &follow]);
    let abc = mock_client!(aws_sdk_billingconductor, []);
    let clients = AwsClients::new(Arc::new(SdkSts::new(&sdk)), Arc::new(SdkOrganizations::from_conf(orgs.config().clone())))
        .with_billing_transfer(Arc::new(SdkBillingTransfer::from_conf(transfer_orgs.config().clone(), abc.config().clone())));
    let app = TestApp::spawn_with_aws(db, vec![], clients).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Customer Ends Co").await;
    let payer = app.connected_payer(&p, &management).await;
    let id = app.as_user(&p.admin).invite_organization_to_transfer_billing(json!({ "payerId": payer, "managementAccountId": CUSTOMER, "startDate": start })).await["id"].as_str().unwrap().to_owned();
    until_status(&app, &p.viewer, &id, "ACCEPTED").await;
    let mut learnt = Value::Null;
    for _ in 0..100 {
        poke(&app).await;
        learnt = app.as_user(&p.viewer).billing_transfer(&id).await["endMonth"].clone();
        if !learnt.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(learnt, json!(format!("{:04}-{:02}", end.year(), end.month())));
    assert!(app.outbox("billing_transfer.ended").await.is_empty(), "told when it comes, not before");
    pretend_month_passed(&app, &id, entity::billing_transfers::Column::StartMonth).await;
    until_status(&app, &p.viewer, &id, "ACTIVE").await;
    pretend_month_passed(&app, &id, entity::billing_transfers::Column::EndMonth).await;
    until_status(&app, &p.viewer, &id, "ENDED").await;
    settle(&app).await;
    assert_eq!(app.outbox("billing_transfer.ended").await.len(), 1);
    assert_eq!(app.outbox("billing_transfer.accepted").await.len(), 1);
}

/// In NATIVE billing mode our engine prices the organization: the group holds the accounts the
/// payer's cost data bills from the start month, priced with the payer's Passthrough plan.
async fn in_native_mode_our_engine_prices_the_organization(db: DbKind) {
    let (app, p, payer, management, _rules) = partner_with_payer(db, "Native Co", None).await;
    let (start, _) = next_months();
    let month = format!("{:04}-{:02}", start.year(), start.month());
    let (admin, viewer) = (app.as_user(&p.admin), app.as_user(&p.viewer));
    let id = admin.invite_organization_to_transfer_billing(json!({ "payerId": payer, "managementAccountId": CUSTOMER, "startDate": start, "notes": "welcome aboard" })).await["id"].as_str().unwrap().to_owned();
    until_status(&app, &p.viewer, &id, "ACCEPTED").await;
    // The start month's data: two of the organization's accounts, and the payer's own usage.
    for (account, service, unblended, list) in [(CUSTOMER, "AmazonEC2", "100", "150"), ("333344445555", "AmazonS3", "40", "60"), (management.as_str(), "AmazonEC2", "500", "500")] {
        let row = Row { source: "cur", day: 3, account, service, usage_type: "Usage", operation: "Op", charge: "Usage", list, unblended, net: unblended };
        insert(&app, &payer, &month, row).await;
    }
    let group = admin.create_transfer_billing_group(&id).await;
    assert_eq!((group["passthrough"].as_bool(), group["billingConductorArn"].as_str()), (Some(true), None), "{group}");
    assert!(group["billingGroupId"].is_string(), "{group}");
    admin.try_create_transfer_billing_group(&id).await.assert_code("CONFLICT");
    assert_eq!(
        viewer.billing_groups(&payer, Some(&month)).await,
        json!([{ "id": group["billingGroupId"], "name": "transfer-rt-abcd12345", "accountIds": [CUSTOMER, "333344445555"], "primaryAccountId": CUSTOMER }]),
        "one group, of the organization's accounts only"
    );
    assert_eq!(viewer.pricing_plans(&payer).await, json!([{ "name": "Passthrough", "base": "UNBLENDED", "passTax": true, "passCredits": true, "pricingRules": [] }]));
    // Passthrough: the billed cost unchanged, 100 + 40 (not the list price, not the payer's own 500).
    let reports = viewer.billing_group_cost_reports(&payer, &month).await;
    let r = &reports[0];
    assert_eq!(r["billingGroupName"], "transfer-rt-abcd12345");
    let amounts: Vec<rust_decimal::Decimal> = ["awsCost", "proformaCost", "margin"].iter().map(|k| r[*k].as_str().unwrap().parse().unwrap()).collect();
    assert_eq!(amounts, vec![rust_decimal::Decimal::from(140), rust_decimal::Decimal::from(140), rust_decimal::Decimal::ZERO], "{reports}");

    // An account the organization adds later joins the group once the transfer runs (the job
    // looks each time it wakes), from this month on.
    let row = Row { source: "cur", day: 4, account: "777788889999", service: "AmazonS3", usage_type: "Usage", operation: "Op", charge: "Usage", list: "9", unblended: "6", net: "6" };
    insert(&app, &payer, &month, row).await;
    pretend_month_passed(&app, &id, entity::billing_transfers::Column::StartMonth).await;
    until_status(&app, &p.viewer, &id, "ACTIVE").await;
    let mut members = Vec::new();
    for _ in 0..100 {
        poke(&app).await;
        members = viewer.billing_groups(&payer, Some(&month)).await[0]["accountIds"].as_array().unwrap().clone();
        if members.len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(members, vec![json!(CUSTOMER), json!("333344445555"), json!("777788889999")]);
    let reports = viewer.billing_group_cost_reports(&payer, &month).await;
    assert_eq!(reports[0]["proformaCost"], "146", "140 + the new account's 6 billed: {reports}");
}

on_both_databases!(in_native_mode_our_engine_prices_the_organization, an_end_set_by_the_customer_is_learnt_and_told_when_it_comes, a_repeated_invitation_adopts_the_one_aws_already_has, a_transfer_is_invited_followed_to_acceptance_started_priced_and_ended, bad_invitation_input_changes_nothing, an_unanswered_invitation_is_withdrawn_by_an_admin);
