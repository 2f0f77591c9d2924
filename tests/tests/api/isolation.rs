//! The isolation matrix: two partners side by side; every operation in the schema is tried by
//! each of partner A's actors with partner B's ids. The answer is NOT_FOUND or an empty list, and
//! nothing of B's changes. The schema is walked, so a new operation without a case fails here.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use e2e::story::payer_input;
use e2e::{DbKind, Partner, Session, TestApp, on_both_databases};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

/// B's rows that A must never be able to change, rendered for comparison.
async fn snapshot(app: &TestApp, b: &Partner) -> String {
    let tenant_ids: Vec<uuid::Uuid> = entity::tenants::Entity::find()
        .filter(entity::tenants::Column::Path.contains(b.tenant_id.as_str()))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    let tenants = entity::tenants::Entity::find().filter(entity::tenants::Column::Id.is_in(tenant_ids.clone())).order_by_asc(entity::tenants::Column::Id).all(&app.db).await.unwrap();
    let user_ids: Vec<uuid::Uuid> = b.users().iter().map(|(_, s)| s.user_id.parse().unwrap()).collect();
    let users = entity::users::Entity::find().filter(entity::users::Column::Id.is_in(user_ids.clone())).order_by_asc(entity::users::Column::Id).all(&app.db).await.unwrap();
    let memberships = entity::memberships::Entity::find().filter(entity::memberships::Column::UserId.is_in(user_ids.clone())).order_by_asc(entity::memberships::Column::Id).all(&app.db).await.unwrap();
    let tokens: Vec<_> = entity::api_tokens::Entity::find()
        .filter(entity::api_tokens::Column::CreatedBy.is_in(user_ids.clone()))
        .order_by_asc(entity::api_tokens::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.id, t.revoked_at, t.role, t.tenant_id, t.payer_id))
        .collect();
    let sessions: Vec<_> = entity::sessions::Entity::find()
        .filter(entity::sessions::Column::UserId.is_in(user_ids))
        .order_by_asc(entity::sessions::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.id, s.revoked_at))
        .collect();
    let payer_uuid: uuid::Uuid = b.payer_id.parse().unwrap();
    let payer = entity::payers::Entity::find_by_id(payer_uuid).one(&app.db).await.unwrap();
    let accounts = entity::linked_accounts::Entity::find().filter(entity::linked_accounts::Column::PayerId.eq(payer_uuid)).all(&app.db).await.unwrap();
    let policies = entity::policies::Entity::find().filter(entity::policies::Column::PayerId.eq(payer_uuid)).all(&app.db).await.unwrap();
    let invitations = entity::invitations::Entity::find().filter(entity::invitations::Column::PayerId.eq(payer_uuid)).all(&app.db).await.unwrap();
    let transfers = entity::billing_transfers::Entity::find().filter(entity::billing_transfers::Column::PayerId.eq(payer_uuid)).all(&app.db).await.unwrap();
    let jobs = entity::jobs::Entity::find().filter(entity::jobs::Column::PayerId.eq(payer_uuid)).all(&app.db).await.unwrap();
    let events = entity::outbox_events::Entity::find().filter(entity::outbox_events::Column::PayerId.eq(payer_uuid)).all(&app.db).await.unwrap();
    let subscriptions = entity::notification_subscriptions::Entity::find().order_by_asc(entity::notification_subscriptions::Column::Id).all(&app.db).await.unwrap();
    let subscriptions: Vec<_> = subscriptions.into_iter().filter(|s| s.tenant_id.is_some_and(|t| tenant_ids.contains(&t)) || s.payer_id == Some(payer_uuid)).collect();
    let templates = entity::notification_templates::Entity::find().filter(entity::notification_templates::Column::TenantId.is_in(tenant_ids.clone())).all(&app.db).await.unwrap();
    let endpoints = entity::webhook_endpoints::Entity::find().filter(entity::webhook_endpoints::Column::TenantId.is_in(tenant_ids.clone())).all(&app.db).await.unwrap();
    let deliveries = entity::notifications::Entity::find().filter(entity::notifications::Column::PayerId.eq(payer_uuid)).all(&app.db).await.unwrap();
    let billing = billing_snapshot(app, payer_uuid).await;
    let contracts = entity::contracts::Entity::find().filter(entity::contracts::Column::CustomerTenantId.is_in(tenant_ids.clone())).order_by_asc(entity::contracts::Column::Id).all(&app.db).await.unwrap();
    let settings = entity::tenant_settings::Entity::find().filter(entity::tenant_settings::Column::TenantId.is_in(tenant_ids.clone())).all(&app.db).await.unwrap();
    let onboarding = entity::onboarding_steps::Entity::find().filter(entity::onboarding_steps::Column::CustomerTenantId.is_in(tenant_ids.clone())).all(&app.db).await.unwrap();
    let invoices = entity::invoices::Entity::find().filter(entity::invoices::Column::PayerId.eq(payer_uuid)).order_by_asc(entity::invoices::Column::Id).all(&app.db).await.unwrap();
    let adjustments = entity::period_adjustments::Entity::find().filter(entity::period_adjustments::Column::PayerId.eq(payer_uuid)).all(&app.db).await.unwrap();
    let periods = entity::billing_periods::Entity::find().filter(entity::billing_periods::Column::PayerId.eq(payer_uuid)).all(&app.db).await.unwrap();
    let rates = entity::exchange_rates::Entity::find().filter(entity::exchange_rates::Column::TenantId.is_in(tenant_ids.clone())).all(&app.db).await.unwrap();
    format!("{invoices:?}\n{adjustments:?}\n{periods:?}\n{rates:?}\n{contracts:?}\n{settings:?}\n{onboarding:?}\n{tenants:?}\n{users:?}\n{memberships:?}\n{tokens:?}\n{sessions:?}\n{payer:?}\n{accounts:?}\n{policies:?}\n{invitations:?}\n{transfers:?}\n{jobs:?}\n{events:?}\n{subscriptions:?}\n{templates:?}\n{endpoints:?}\n{deliveries:?}\n{billing}")
}

/// The schema's query and mutation names, read by introspection like any client would.
async fn operations(app: &TestApp, token: &str) -> BTreeSet<String> {
    let res = app.gql(Some(token), "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }", json!({})).await;
    let mut names = BTreeSet::new();
    for root in ["__schema.queryType.fields", "__schema.mutationType.fields"] {
        for f in res.data(root).as_array().unwrap() {
            names.insert(f["name"].as_str().unwrap().to_owned());
        }
    }
    names
}

/// Partner A's actors: each user, plus an admin API token.
struct Actor {
    label: String,
    token: String,
}

fn assert_absent(body: &Value, b: &Partner, extra: &[&str], what: &str) {
    let text = body.to_string();
    for id in [b.tenant_id.as_str(), b.payer_id.as_str(), b.admin.user_id.as_str(), b.viewer.user_id.as_str(), b.operator.user_id.as_str(), b.payer_admin.user_id.as_str()]
        .iter()
        .chain(extra)
    {
        assert!(!text.contains(id), "{what}: B's id {id} leaked: {text}");
    }
    assert!(!text.contains(&b.admin.email), "{what}: B's email leaked");
}

#[track_caller]
fn not_found(res: &e2e::Gql, what: &str) {
    assert_eq!(res.code(), Some("NOT_FOUND"), "{what}: {}", res.body);
    assert!(res.body["data"].is_null() || res.body["data"].as_object().is_some_and(|o| o.values().all(Value::is_null)), "{what}: no data");
}

async fn every_operation_is_isolated_between_partners(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let a = app.new_partner(&root, "Alpha").await;
    let b = app.new_partner(&root, "Bravo").await;

    // B's extra fixtures: a child tenant, an API token, a membership id.
    let b_child = app.create_tenant(&b.admin, &b.tenant_id, "CUSTOMER", "Bravo Customer").await;
    let expires = (Utc::now() + Duration::days(30)).to_rfc3339();
    let created = app.as_user(&b.operator).create_api_token(json!({ "name": "b", "role": "VIEWER", "tenantId": b.tenant_id, "expiresAt": expires })).await;
    let b_token_id = created["token"]["id"].as_str().unwrap().to_owned();
    let b_token_secret = created["secret"].as_str().unwrap().to_owned();
    let b_membership = app.as_user(&b.viewer).me().await["memberships"][0]["id"].as_str().unwrap().to_owned();

    // B's organization rows (as a sync would leave them) and a job of B's.
    let b_payer: uuid::Uuid = b.payer_id.parse().unwrap();
    let b_account = e2e::aws::random_account();
    let now = Utc::now();
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    entity::linked_accounts::ActiveModel {
        payer_id: Set(b_payer),
        account_id: Set(b_account.clone()),
        name: Set("bravo member".into()),
        email: Set("member@bravo.example".into()),
        status: Set("ACTIVE".into()),
        joined_method: Set(Some("CREATED".into())),
        joined_at: Set(Some(now)),
        parent_id: Set(Some("ou-bbbb-bbbbbbbb".into())),
        synced_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    entity::organizational_units::ActiveModel { payer_id: Set(b_payer), ou_id: Set("ou-bbbb-bbbbbbbb".into()), parent_id: Set("r-bbbb".into()), name: Set("Bravo OU".into()), synced_at: Set(now) }
        .insert(&app.db)
        .await
        .unwrap();
    entity::policies::ActiveModel { payer_id: Set(b_payer), policy_id: Set("p-bravo1234".into()), name: Set("bravo scp".into()), description: Set(String::new()), aws_managed: Set(false), template_id: Set(None), synced_at: Set(now) }
        .insert(&app.db)
        .await
        .unwrap();
    entity::invitations::ActiveModel { payer_id: Set(b_payer), handshake_id: Set("h-bravo1234".into()), target: Set("123456789012".into()), state: Set("OPEN".into()), notes: Set(None), requested_at: Set(Some(now)), expires_at: Set(None), updated_at: Set(now) }
        .insert(&app.db)
        .await
        .unwrap();
    let b_transfer = uuid::Uuid::now_v7();
    entity::billing_transfers::ActiveModel {
        id: Set(b_transfer),
        payer_id: Set(b_payer),
        direction: Set("INBOUND".into()),
        target_account_id: Set(Some("123456789012".into())),
        target_email: Set(None),
        name: Set("bravo transfer".into()),
        start_month: Set("2026-01".into()),
        end_month: Set(None),
        status: Set(entity::billing_transfers::TransferStatus::Active),
        handshake_id: Set(Some("h-bravo5678".into())),
        transfer_id: Set(Some("rt-bravo12345".into())),
        transfer_arn: Set(Some("arn:aws:organizations::123456789012:transfer/o-bravo12345/billing/inbound/rt-bravo12345".into())),
        notes: Set(None),
        expires_at: Set(None),
        group_pricing_plan_id: Set(None),
        group_abc_arn: Set(None),
        group_created_at: Set(None),
        billing_group_id: Set(None),
        auto_create_groups: Set(false),
        auto_pricing_plan_id: Set(None),
        invited_by: Set(b.admin.email.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let b_transfer = b_transfer.to_string();
    let mut b_job = partner_billing::jobs::NewJob::of(&partner_billing::domain::accounts::SyncArgs { payer_id: b_payer, session: None }).unwrap();
    b_job.payer = Some(partner_billing::ids::PayerId(b_payer));
    b_job.delay = std::time::Duration::from_secs(3600);
    let b_job = partner_billing::jobs::enqueue(&app.db, b_job).await.unwrap().id.to_string();

    // B's notification fixtures: a subscription, a template override, a webhook endpoint and a delivery.
    let b_admin = app.as_user(&b.admin);
    let b_sub = b_admin.subscribe(json!({ "eventTypes": ["account.created"], "tenantId": b.tenant_id, "email": "ops@bravo.example" })).await["id"].as_str().unwrap().to_owned();
    b_admin
        .update_notification_template(json!({ "tenantId": b.tenant_id, "eventType": "account.created", "locale": "en", "subject": "BRAVO-SUBJECT", "html": "x", "text": "x" }))
        .await;
    let b_endpoint = b_admin
        .create_webhook_endpoint(json!({ "tenantId": b.tenant_id, "url": "https://hooks.bravo.example/pb", "eventTypes": ["policy.attached"] }))
        .await["endpoint"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b_delivery = uuid::Uuid::now_v7();
    entity::notifications::ActiveModel {
        id: Set(b_delivery),
        event_id: Set(uuid::Uuid::now_v7()),
        event_type: Set("policy.attached".into()),
        tenant_id: Set(Some(b.tenant_id.parse().unwrap())),
        payer_id: Set(Some(b_payer)),
        channel: Set(partner_billing::notify::dispatch::Channel::Webhook),
        recipient: Set(b_endpoint.clone()),
        endpoint_id: Set(Some(b_endpoint.parse().unwrap())),
        user_id: Set(None),
        locale: Set(None),
        subject: Set(Some("HTTP 200".into())),
        status: Set(partner_billing::notify::dispatch::DeliveryStatus::Sent),
        attempts: Set(1),
        next_attempt_at: Set(now),
        last_error: Set(None),
        sent_at: Set(Some(now)),
        created_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let b_delivery = b_delivery.to_string();

    // Sanity: B's ids are real — the platform admin reaches them.
    assert_eq!(app.as_user(&root).tenant(&b_child).await["id"], b_child.as_str());

    let a_token = app.as_user(&a.admin).create_api_token(json!({ "name": "a", "role": "ADMIN", "tenantId": a.tenant_id, "expiresAt": expires })).await["secret"].as_str().unwrap().to_owned();
    let mut actors: Vec<Actor> = a.users().iter().map(|(label, s)| Actor { label: (*label).to_owned(), token: s.token.clone() }).collect();
    actors.push(Actor { label: "admin API token".into(), token: a_token });

    let bb = billing_fixtures(&app, &a, &b, &b_child).await;
    // B's contract on its customer, and B's own settings.
    let b_contract = b_admin
        .create_contract(&json!({
            "customerTenantId": b_child, "name": "bravo deal", "startDate": "2026-01-01", "renewal": "AUTO",
            "billingEmail": "billing@bravo.example", "contractChangeEmail": "contracts@bravo.example", "invoicePrefix": "BRAVO", "currency": "USD",
        }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    b_admin.update_tenant_settings(&b.tenant_id, json!({ "senderName": "Bravo Sender" })).await;
    let bi = invoicing_fixtures(&app, &b, &b_child, &b_contract).await;
    let before = snapshot(&app, &b).await;
    let extra = [b_contract.as_str(), b_child.as_str(), b_token_id.as_str(), b_membership.as_str(), b_account.as_str(), b_job.as_str(), "p-bravo1234", "h-bravo1234", "h-bravo5678", "rt-bravo12345", b_transfer.as_str(), "ou-bbbb-bbbbbbbb", b_sub.as_str(), b_endpoint.as_str(), b_delivery.as_str(), "BRAVO-SUBJECT", "ops@bravo.example"];
    // Operations on B's payer that must answer NOT_FOUND for every actor of A.
    let on_b_payer: Vec<(&str, &str, Value)> = vec![
        ("linkedAccounts", "query($p: ID!) { linkedAccounts(payerId: $p) { nodes { accountId } } }", json!({ "p": b.payer_id })),
        ("linkedAccount", "query($p: ID!, $a: String!) { linkedAccount(payerId: $p, accountId: $a) { accountId } }", json!({ "p": b.payer_id, "a": b_account })),
        ("organizationalUnits", "query($p: ID!) { organizationalUnits(payerId: $p) { id } }", json!({ "p": b.payer_id })),
        ("invitations", "query($p: ID!) { invitations(payerId: $p) { handshakeId } }", json!({ "p": b.payer_id })),
        ("policies", "query($p: ID!) { policies(payerId: $p) { id } }", json!({ "p": b.payer_id })),
        ("policiesForTarget", "query($p: ID!, $t: String!) { policiesForTarget(payerId: $p, targetId: $t) { id } }", json!({ "p": b.payer_id, "t": b_account })),
        ("job", "query($id: ID!) { job(id: $id) { id } }", json!({ "id": b_job })),
        ("costSummary", "query($p: ID!) { costSummary(input: { payerIds: [$p], from: \"2025-01-01\", to: \"2025-12-31\" }) { total } }", json!({ "p": b.payer_id })),
        ("monthOverMonth", "query($p: ID!) { monthOverMonth(input: { payerIds: [$p], month: \"2025-11\" }) { month } }", json!({ "p": b.payer_id })),
        ("costForecast", "query($p: ID!) { costForecast(payerIds: [$p], month: \"2025-11\") { projected } }", json!({ "p": b.payer_id })),
        ("accountMonthlyBill", "query($p: ID!, $a: String!) { accountMonthlyBill(payerId: $p, accountId: $a, month: \"2025-11\") { total } }", json!({ "p": b.payer_id, "a": b_account })),
        ("setPayerCostExport", "mutation($p: ID!) { setPayerCostExport(payerId: $p, bucket: \"evil-bucket\") { id } }", json!({ "p": b.payer_id })),
        ("ingestCosts", "mutation($p: ID!) { ingestCosts(payerId: $p, billingPeriod: \"2025-11\") { id } }", json!({ "p": b.payer_id })),
        ("backfillCosts", "mutation($p: ID!, $d: NaiveDate!) { backfillCosts(payerId: $p, from: $d, to: $d) { id } }", json!({ "p": b.payer_id, "d": (Utc::now() - Duration::days(1)).date_naive() })),
        ("importLegacyDynamoDb", "mutation($p: ID!) { importLegacyDynamoDb(input: { payerId: $p, tableName: \"bill_top100\", year: 2025, months: [1] }) { id } }", json!({ "p": b.payer_id })),
        ("ingestionHealth", "query($p: ID!) { ingestionHealth(payerId: $p) { status } }", json!({ "p": b.payer_id })),
        ("syncAccounts", "mutation($p: ID!) { syncAccounts(payerId: $p) { id } }", json!({ "p": b.payer_id })),
        ("createLinkedAccount", "mutation($p: ID!) { createLinkedAccount(input: { payerId: $p, email: \"x@evil.example\", name: \"x\" }) { id } }", json!({ "p": b.payer_id })),
        ("inviteAccount", "mutation($p: ID!) { inviteAccount(input: { payerId: $p, accountId: \"123456789012\" }) { handshakeId } }", json!({ "p": b.payer_id })),
        ("billingTransfers", "query($p: ID!) { billingTransfers(payerId: $p) { id } }", json!({ "p": b.payer_id })),
        ("billingTransfer", "query($id: ID!) { billingTransfer(id: $id) { id accounts } }", json!({ "id": b_transfer })),
        ("billingTransferPreference", "query($id: ID!) { billingTransferPreference(billingTransferId: $id) { autoCreateBillingGroups } }", json!({ "id": b_transfer })),
        ("inviteOrganizationToTransferBilling", "mutation($p: ID!) { inviteOrganizationToTransferBilling(input: { payerId: $p, managementAccountId: \"123456789012\", startDate: \"2099-01-01\" }) { id } }", json!({ "p": b.payer_id })),
        ("withdrawBillingTransfer", "mutation($id: ID!) { withdrawBillingTransfer(id: $id) { id } }", json!({ "id": b_transfer })),
        ("endBillingTransfer", "mutation($id: ID!) { endBillingTransfer(id: $id, endDate: \"2099-02-01\") { id } }", json!({ "id": b_transfer })),
        ("createTransferBillingGroup", "mutation($id: ID!) { createTransferBillingGroup(billingTransferId: $id) { id } }", json!({ "id": b_transfer })),
        ("setBillingTransferPreference", "mutation($id: ID!) { setBillingTransferPreference(billingTransferId: $id, input: { autoCreateBillingGroups: true }) { autoCreateBillingGroups } }", json!({ "id": b_transfer })),
        ("cancelInvitation", "mutation($p: ID!) { cancelInvitation(payerId: $p, handshakeId: \"h-bravo1234\") { handshakeId } }", json!({ "p": b.payer_id })),
        ("closeLinkedAccount", "mutation($p: ID!, $a: String!) { closeLinkedAccount(payerId: $p, accountId: $a, confirmAccountId: $a) { status } }", json!({ "p": b.payer_id, "a": b_account })),
        ("removeLinkedAccount", "mutation($p: ID!, $a: String!) { removeLinkedAccount(payerId: $p, accountId: $a) { accountId } }", json!({ "p": b.payer_id, "a": b_account })),
        ("moveLinkedAccount", "mutation($p: ID!, $a: String!) { moveLinkedAccount(payerId: $p, accountId: $a, destinationOuId: \"r-bbbb\") { accountId } }", json!({ "p": b.payer_id, "a": b_account })),
        ("createPolicyFromTemplate", "mutation($p: ID!) { createPolicyFromTemplate(payerId: $p, templateId: \"deny-leave-organization\") { id } }", json!({ "p": b.payer_id })),
        ("createPolicy", "mutation($p: ID!) { createPolicy(payerId: $p, name: \"x\", document: \"{}\") { id } }", json!({ "p": b.payer_id })),
        ("updatePolicy", "mutation($p: ID!) { updatePolicy(payerId: $p, policyId: \"p-bravo1234\", input: { name: \"x\" }) { id } }", json!({ "p": b.payer_id })),
        ("deletePolicy", "mutation($p: ID!) { deletePolicy(payerId: $p, policyId: \"p-bravo1234\") { id } }", json!({ "p": b.payer_id })),
        ("attachPolicy", "mutation($p: ID!, $t: String!) { attachPolicy(payerId: $p, policyId: \"p-bravo1234\", targetId: $t) { id } }", json!({ "p": b.payer_id, "t": b_account })),
        ("detachPolicy", "mutation($p: ID!, $t: String!) { detachPolicy(payerId: $p, policyId: \"p-bravo1234\", targetId: $t) { id } }", json!({ "p": b.payer_id, "t": b_account })),
        ("notificationTemplates", "query($t: ID!) { notificationTemplates(tenantId: $t) { subject } }", json!({ "t": b.tenant_id })),
        ("previewNotificationTemplate", "query($t: ID!) { previewNotificationTemplate(input: { tenantId: $t, eventType: \"account.created\", locale: \"en\" }) { subject } }", json!({ "t": b.tenant_id })),
        ("webhookDeliveries", "query($e: ID!) { webhookDeliveries(endpointId: $e) { nodes { id } } }", json!({ "e": b_endpoint })),
        ("unsubscribe", "mutation($id: ID!) { unsubscribe(id: $id) { id } }", json!({ "id": b_sub })),
        ("updateNotificationTemplate", "mutation($t: ID!) { updateNotificationTemplate(input: { tenantId: $t, eventType: \"account.created\", locale: \"en\", subject: \"pwned\", html: \"x\", text: \"x\" }) { subject } }", json!({ "t": b.tenant_id })),
        ("resetNotificationTemplate", "mutation($t: ID!) { resetNotificationTemplate(tenantId: $t, eventType: \"account.created\", locale: \"en\") { subject } }", json!({ "t": b.tenant_id })),
        ("sendServiceNotice", "mutation($p: ID!, $a: String!) { sendServiceNotice(input: { payerId: $p, accountIds: [$a], subject: \"x\", body: \"x\" }) { eventIds } }", json!({ "p": b.payer_id, "a": b_account })),
        ("createWebhookEndpoint", "mutation($t: ID!) { createWebhookEndpoint(input: { tenantId: $t, url: \"https://evil.example/x\", eventTypes: [\"*\"] }) { secret } }", json!({ "t": b.tenant_id })),
        ("updateWebhookEndpoint", "mutation($e: ID!) { updateWebhookEndpoint(id: $e, input: { url: \"https://evil.example/x\" }) { id } }", json!({ "e": b_endpoint })),
        ("deleteWebhookEndpoint", "mutation($e: ID!) { deleteWebhookEndpoint(id: $e) { id } }", json!({ "e": b_endpoint })),
        ("redeliverWebhook", "mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { id } }", json!({ "d": b_delivery })),
        ("billingGroups", "query($p: ID!) { billingGroups(payerId: $p) { id } }", json!({ "p": b.payer_id })),
        ("billingGroup", "query($id: ID!) { billingGroup(id: $id) { id } }", json!({ "id": bb.group })),
        ("updateBillingGroup", "mutation($id: ID!) { updateBillingGroup(id: $id, input: { name: \"taken\" }) { id } }", json!({ "id": bb.group })),
        ("deleteBillingGroup", "mutation($id: ID!) { deleteBillingGroup(id: $id) { id } }", json!({ "id": bb.group })),
        ("pricingPlans", "query($p: ID!) { pricingPlans(payerId: $p) { id } }", json!({ "p": b.payer_id })),
        ("updatePricingPlan", "mutation($id: ID!) { updatePricingPlan(id: $id, input: { passTax: true }) { id } }", json!({ "id": bb.plan })),
        ("deletePricingPlan", "mutation($id: ID!) { deletePricingPlan(id: $id) { id } }", json!({ "id": bb.plan })),
        ("pricingRules", "query($p: ID!) { pricingRules(payerId: $p) { id } }", json!({ "p": b.payer_id })),
        ("createPricingRule", "mutation($p: ID!) { createPricingRule(input: { payerId: $p, name: \"x\", scope: GLOBAL, type: MARKUP, modifierPercentage: \"1\" }) { id } }", json!({ "p": b.payer_id })),
        ("updatePricingRule", "mutation($id: ID!) { updatePricingRule(id: $id, input: { modifierPercentage: \"99\" }) { id } }", json!({ "id": bb.rule })),
        ("deletePricingRule", "mutation($id: ID!) { deletePricingRule(id: $id) { id } }", json!({ "id": bb.rule })),
        ("customLineItems", "query($p: ID!) { customLineItems(payerId: $p) { id } }", json!({ "p": b.payer_id })),
        ("updateCustomLineItem", "mutation($id: ID!) { updateCustomLineItem(id: $id, input: { flatAmount: \"1\" }) { id } }", json!({ "id": bb.item })),
        ("deleteCustomLineItem", "mutation($id: ID!) { deleteCustomLineItem(id: $id) { id } }", json!({ "id": bb.item })),
        ("billingGroupCostReports", "query($p: ID!) { billingGroupCostReports(payerId: $p, billingPeriod: \"2025-11\") { awsCost } }", json!({ "p": b.payer_id })),
        ("billingGroupCostReport", "query($g: ID!) { billingGroupCostReport(billingGroupId: $g, from: \"2025-11\", to: \"2025-11\") { awsCost } }", json!({ "g": bb.group })),
        ("resellerMargin", "query($p: ID!) { resellerMargin(payerId: $p, billingPeriod: \"2025-11\") { cost } }", json!({ "p": b.payer_id })),
        ("createResellerPayer", "mutation($g: ID!) { createResellerPayer(billingGroupId: $g, name: \"x\") { id } }", json!({ "g": bb.group })),
        ("optimizationInsights", "query($p: ID!) { optimizationInsights(payerId: $p) { recommendationCount } }", json!({ "p": b.payer_id })),
        ("refreshOptimizationInsights", "mutation($p: ID!) { refreshOptimizationInsights(payerId: $p) { id } }", json!({ "p": b.payer_id })),
        ("costAllocationKeys", "query($p: ID!) { costAllocationKeys(payerId: $p) { name } }", json!({ "p": b.payer_id })),
        ("setCostAllocationKeys", "mutation($p: ID!) { setCostAllocationKeys(payerId: $p, keys: [{ kind: TAG, name: \"pwned\" }]) { name } }", json!({ "p": b.payer_id })),
        ("billingResults", "query($g: ID!) { billingResults(billingGroupId: $g, billingPeriod: \"2025-11\") { awsCost } }", json!({ "g": bb.group })),
        ("recomputeBilling", "mutation($p: ID!) { recomputeBilling(payerId: $p, billingPeriod: \"2025-11\") { id } }", json!({ "p": b.payer_id })),
        ("billingConductorStatus", "query($p: ID!) { billingConductorStatus(payerId: $p) { mode pending } }", json!({ "p": b.payer_id })),
        ("setPayerBillingMode", "mutation($p: ID!) { setPayerBillingMode(payerId: $p, mode: BILLING_CONDUCTOR) { mode } }", json!({ "p": b.payer_id })),
        ("importBillingConductor", "mutation($p: ID!) { importBillingConductor(payerId: $p) { billingGroups } }", json!({ "p": b.payer_id })),
        ("costExportValidation", "query($p: ID!) { costExportValidation(payerId: $p) { health } }", json!({ "p": b.payer_id })),
        ("validateCostExports", "mutation($p: ID!) { validateCostExports(payerId: $p) { health } }", json!({ "p": b.payer_id })),
        ("selectCostExport", "mutation($p: ID!) { selectCostExport(payerId: $p, exportName: \"x\") { health } }", json!({ "p": b.payer_id })),
        ("sourceDataHealth", "query($t: ID!) { sourceDataHealth(tenantId: $t) { health entries { tenantName } } }", json!({ "t": b.tenant_id })),
        ("contracts", "query($t: ID!) { contracts(tenantId: $t) { nodes { id } } }", json!({ "t": b.tenant_id })),
        ("contract", "query($id: ID!) { contract(id: $id) { id } }", json!({ "id": b_contract })),
        ("createContract", "mutation($c: ID!) { createContract(input: { customerTenantId: $c, name: \"intruder\", startDate: \"2026-01-01\", renewal: AUTO, billingEmail: \"x@evil.example\", contractChangeEmail: \"x@evil.example\", invoicePrefix: \"EVIL\", currency: \"USD\" }) { id } }", json!({ "c": b_child })),
        ("updateContract", "mutation($id: ID!) { updateContract(id: $id, input: { contractChangeEmail: \"x@evil.example\" }) { id } }", json!({ "id": b_contract })),
        ("endContract", "mutation($id: ID!) { endContract(id: $id, endDate: \"2026-01-02\") { id } }", json!({ "id": b_contract })),
        ("onboarding", "query($c: ID!) { onboarding(customerTenantId: $c) { steps { step } } }", json!({ "c": b_child })),
        ("onboardings", "query($t: ID!) { onboardings(tenantId: $t) { nodes { customer { id } } } }", json!({ "t": b.tenant_id })),
        ("refreshOnboarding", "mutation($c: ID!) { refreshOnboarding(customerTenantId: $c) { steps { step } } }", json!({ "c": b_child })),
        ("updateTenantSettings", "mutation($t: ID!) { updateTenantSettings(tenantId: $t, input: { senderName: \"pwned\" }) { senderName { value } } }", json!({ "t": b.tenant_id })),
        ("billingPeriods", "query($p: ID!) { billingPeriods(payerId: $p) { billingPeriod } }", json!({ "p": b.payer_id })),
        ("billingPeriod", "query($p: ID!) { billingPeriod(payerId: $p, billingPeriod: \"2025-11\") { status } }", json!({ "p": b.payer_id })),
        ("closeBillingPeriod", "mutation($p: ID!) { closeBillingPeriod(payerId: $p, billingPeriod: \"2025-10\") { status } }", json!({ "p": b.payer_id })),
        ("reopenBillingPeriod", "mutation($p: ID!) { reopenBillingPeriod(payerId: $p, billingPeriod: \"2025-11\") { status } }", json!({ "p": b.payer_id })),
        ("draftInvoices", "mutation($p: ID!) { draftInvoices(payerId: $p, billingPeriod: \"2025-11\") { skipped } }", json!({ "p": b.payer_id })),
        ("invoice", "query($id: ID!) { invoice(id: $id) { id total } }", json!({ "id": bi.issued })),
        ("invoiceDocument", "query($id: ID!) { invoiceDocument(id: $id, format: CSV) { fileName } }", json!({ "id": bi.issued })),
        ("issueInvoice", "mutation($id: ID!) { issueInvoice(id: $id) { number } }", json!({ "id": bi.draft })),
        ("markInvoicePaid", "mutation($id: ID!) { markInvoicePaid(id: $id, paymentDate: \"2025-12-01\", paymentReference: \"x\") { status } }", json!({ "id": bi.issued })),
        ("voidInvoice", "mutation($id: ID!) { voidInvoice(id: $id, reason: \"x\") { status } }", json!({ "id": bi.issued })),
        ("deleteInvoiceDraft", "mutation($id: ID!) { deleteInvoiceDraft(id: $id) }", json!({ "id": bi.draft })),
        ("createNoteFromAdjustment", "mutation($a: ID!) { createNoteFromAdjustment(adjustmentId: $a) { id } }", json!({ "a": bi.adjustment })),
        ("createInvoiceNote", "mutation($id: ID!) { createInvoiceNote(input: { invoiceId: $id, kind: CREDIT_NOTE, reason: \"x\", lines: [{ description: \"x\", amount: \"1\" }] }) { id } }", json!({ "id": bi.issued })),
        ("setExchangeRate", "mutation($t: ID!) { setExchangeRate(input: { tenantId: $t, billingPeriod: \"2025-11\", fromCurrency: \"USD\", toCurrency: \"EUR\", rate: \"9\" }) { rate } }", json!({ "t": b.tenant_id })),
        ("exchangeRates", "query($t: ID!) { exchangeRates(tenantId: $t) { rate } }", json!({ "t": b.tenant_id })),
    ];
    let mut covered = Vec::new();

    for op in operations(&app, &a.admin.token).await {
        match op.as_str() {
            "me" => {
                for actor in &actors {
                    let res = app.with_token(&actor.token).try_me().await;
                    res.data("me");
                    assert_absent(&res.body, &b, &extra, &format!("me as {}", actor.label));
                }
            }
            "tenants" => {
                for actor in &actors {
                    let res = app.gql(Some(&actor.token), "{ tenants(first: 100) { nodes { id name parent { id } } } }", json!({})).await;
                    res.data("tenants");
                    assert_absent(&res.body, &b, &extra, &format!("tenants as {}", actor.label));
                    let res = app.gql(Some(&actor.token), "query($p: ID) { tenants(parentId: $p) { nodes { id } } }", json!({ "p": b.tenant_id })).await;
                    not_found(&res, &format!("tenants(parentId: B) as {}", actor.label));
                }
            }
            "tenant" => {
                for actor in &actors {
                    for id in [&b.tenant_id, &b_child] {
                        let res = app.with_token(&actor.token).try_tenant(id).await;
                        not_found(&res, &format!("tenant(B) as {}", actor.label));
                    }
                }
            }
            "user" => {
                for actor in &actors {
                    for victim in [&b.admin, &b.viewer, &b.payer_admin] {
                        let res = app.with_token(&actor.token).try_user(&victim.user_id).await;
                        not_found(&res, &format!("user(B) as {}", actor.label));
                    }
                }
                assert_eq!(app.as_user(&a.admin).try_user(&a.viewer.user_id).await.text("user.email"), a.viewer.email);
            }
            "users" => {
                for actor in &actors {
                    let res = app.gql(Some(&actor.token), "{ users(first: 100) { nodes { id email memberships { id } } } }", json!({})).await;
                    res.data("users");
                    assert_absent(&res.body, &b, &extra, &format!("users as {}", actor.label));
                }
            }
            "apiTokens" => {
                for actor in &actors {
                    let res = app.gql(Some(&actor.token), "{ apiTokens(first: 100) { nodes { id tenantId } } }", json!({})).await;
                    res.data("apiTokens");
                    assert_absent(&res.body, &b, &extra, &format!("apiTokens as {}", actor.label));
                }
            }
            "login" => {
                // Credentials only ever open their own account.
                let res = app.login_raw(&b.admin.email, &a.admin.password, &[]).await;
                res.assert_code("UNAUTHENTICATED");
                let res = app.login_raw(&a.viewer.email, &a.viewer.password, &[]).await;
                assert_eq!(res.data("login.user.id"), a.viewer.user_id.as_str());
            }
            "refreshSession" => {
                let fresh = app.login(&a.operator.email, &a.operator.password).await;
                assert_eq!(app.anonymous().refresh_session(&fresh.refresh).await["user"]["id"], a.operator.user_id.as_str());
            }
            "logout" => {
                let fresh = app.login(&a.admin.email, &a.admin.password).await;
                assert_eq!(app.as_user(&fresh).logout().await, true);
                app.as_user(&b.admin).me().await;
            }
            "bootstrapAdmin" => {
                let code = app.bootstrap_code.clone().unwrap();
                app.anonymous().try_bootstrap_admin(&code, "intruder@evil.example", "a long evil passphrase").await.assert_code("UNAUTHENTICATED");
            }
            "createTenant" => {
                for actor in &actors {
                    let res = app.with_token(&actor.token).try_create_tenant(&b.tenant_id, "CUSTOMER", "Intruder").await;
                    not_found(&res, &format!("createTenant under B as {}", actor.label));
                }
            }
            "updateTenant" => {
                for actor in &actors {
                    let res = app.with_token(&actor.token).try_update_tenant(&b.tenant_id, json!({ "name": "Renamed" })).await;
                    not_found(&res, &format!("updateTenant(B) as {}", actor.label));
                }
            }
            "createUser" => {
                for actor in &actors {
                    for target in [json!({ "tenantId": b.tenant_id }), json!({ "payerId": b.payer_id })] {
                        let mut input = json!({ "email": "intruder@evil.example", "password": "a long evil passphrase", "role": "ADMIN" });
                        input.as_object_mut().unwrap().extend(target.as_object().unwrap().clone());
                        let res = app.with_token(&actor.token).try_add_user(input).await;
                        not_found(&res, &format!("createUser in B as {}", actor.label));
                    }
                }
            }
            "disableUser" => {
                for actor in &actors {
                    for victim in [&b.viewer, &b.admin] {
                        let res = app.with_token(&actor.token).try_disable_user(&victim.user_id).await;
                        not_found(&res, &format!("disableUser(B) as {}", actor.label));
                    }
                }
            }
            "resendInvitation" => {
                for actor in &actors {
                    for victim in [&b.viewer, &b.admin] {
                        let res = app.with_token(&actor.token).try_resend_invitation(&victim.user_id).await;
                        not_found(&res, &format!("resendInvitation(B) as {}", actor.label));
                    }
                }
            }
            "setPassword" => {
                // Works by token only: a made-up one sets nobody's password.
                for token in ["pbs_madeupmadeupmadeupmadeupmadeupmadeupmade", "not-a-token"] {
                    app.anonymous().try_set_password(token, "an attacker's passphrase").await.assert_code("VALIDATION");
                }
            }
            "changePassword" => {
                // Only ever one's own password: a fresh A user changes theirs, B is untouched.
                let extra_user: Session = app.as_user(&a.admin).create_user("changer@alpha.example", "VIEWER", ("tenantId", &a.tenant_id)).await;
                assert_eq!(app.as_user(&extra_user).change_password(&extra_user.password, "a new alpha passphrase").await, true);
                // B's password hashes are part of the snapshot compared below.
            }
            "grantMembership" => {
                for actor in &actors {
                    for input in [
                        json!({ "userId": b.viewer.user_id, "role": "ADMIN", "tenantId": a.tenant_id }),
                        json!({ "userId": a.viewer.user_id, "role": "ADMIN", "tenantId": b.tenant_id }),
                        json!({ "userId": a.viewer.user_id, "role": "ADMIN", "payerId": b.payer_id }),
                    ] {
                        let res = app.with_token(&actor.token).try_grant_membership(input).await;
                        // An A operator/viewer asking for B's user reads NOT_FOUND first.
                        not_found(&res, &format!("grantMembership across partners as {}", actor.label));
                    }
                }
            }
            "revokeMembership" => {
                for actor in &actors {
                    let res = app.with_token(&actor.token).try_revoke_membership(&b_membership).await;
                    not_found(&res, &format!("revokeMembership(B) as {}", actor.label));
                }
            }
            "createApiToken" => {
                for actor in &actors {
                    for target in [json!({ "tenantId": b.tenant_id }), json!({ "payerId": b.payer_id })] {
                        let mut input = json!({ "name": "intruder", "role": "VIEWER", "expiresAt": expires });
                        input.as_object_mut().unwrap().extend(target.as_object().unwrap().clone());
                        let res = app.with_token(&actor.token).try_create_api_token(input).await;
                        if actor.label == "admin API token" {
                            // Tokens may not mint tokens at all; that check comes first.
                            res.assert_code("FORBIDDEN");
                        } else {
                            not_found(&res, &format!("createApiToken on B as {}", actor.label));
                        }
                    }
                }
            }
            "revokeApiToken" => {
                for actor in &actors {
                    let res = app.with_token(&actor.token).try_revoke_api_token(&b_token_id).await;
                    not_found(&res, &format!("revokeApiToken(B) as {}", actor.label));
                }
                app.with_token(&b_token_secret).me().await;
            }
            "payers" => {
                for actor in &actors {
                    let res = app.gql(Some(&actor.token), "{ payers(first: 100) { nodes { id accountId externalId tenant { id } } } }", json!({})).await;
                    res.data("payers");
                    assert_absent(&res.body, &b, &extra, &format!("payers as {}", actor.label));
                    assert!(!res.body.to_string().contains(&b.payer_account_id), "payers as {}: B's account id leaked", actor.label);
                    let res = app.gql(Some(&actor.token), "query($t: ID) { payers(tenantId: $t) { nodes { id } } }", json!({ "t": b.tenant_id })).await;
                    not_found(&res, &format!("payers(tenantId: B) as {}", actor.label));
                }
            }
            "payer" => {
                for actor in &actors {
                    let res = app.with_token(&actor.token).try_payer(&b.payer_id).await;
                    not_found(&res, &format!("payer(B) as {}", actor.label));
                }
            }
            "registerPayer" => {
                for actor in &actors {
                    let account = e2e::aws::random_account();
                    let res = app.with_token(&actor.token).try_register_payer(&payer_input(&b.tenant_id, &account, "intruder")).await;
                    not_found(&res, &format!("registerPayer under B as {}", actor.label));
                }
            }
            "updatePayer" => {
                for actor in &actors {
                    let res = app.with_token(&actor.token).try_update_payer(&b.payer_id, json!({ "name": "taken" })).await;
                    not_found(&res, &format!("updatePayer(B) as {}", actor.label));
                }
            }
            "removePayer" => {
                for actor in &actors {
                    let res = app.with_token(&actor.token).try_remove_payer(&b.payer_id).await;
                    not_found(&res, &format!("removePayer(B) as {}", actor.label));
                }
            }
            "checkPayerConnection" => {
                for actor in &actors {
                    let res = app.with_token(&actor.token).try_check_payer_connection(&b.payer_id).await;
                    not_found(&res, &format!("checkPayerConnection(B) as {}", actor.label));
                }
            }
            "movePayer" => {
                for actor in &actors {
                    // B's payer into A's tenant, and A's payer into B's tenant.
                    let who = app.with_token(&actor.token);
                    not_found(&who.try_move_payer(&b.payer_id, &a.tenant_id).await, &format!("movePayer(B → A) as {}", actor.label));
                    let res = who.try_move_payer(&a.payer_id, &b.tenant_id).await;
                    assert!(matches!(res.code(), Some("NOT_FOUND" | "FORBIDDEN")), "movePayer(A → B) as {}: {}", actor.label, res.body);
                }
                let still = entity::payers::Entity::find_by_id(a.payer_id.parse::<uuid::Uuid>().unwrap()).one(&app.db).await.unwrap().unwrap();
                assert_eq!(still.tenant_id.to_string(), a.tenant_id);
            }
            name if on_b_payer.iter().any(|(n, ..)| *n == name) => {
                let (_, query, vars) = on_b_payer.iter().find(|(n, ..)| *n == name).unwrap();
                for actor in &actors {
                    let res = app.gql(Some(&actor.token), query, vars.clone()).await;
                    not_found(&res, &format!("{name} on B as {}", actor.label));
                }
                // The priced metric (PRO_FORMA) reaches B's payer no more than AWS cost does.
                let priced = match name {
                    "costSummary" => Some("query($p: ID!) { costSummary(input: { payerIds: [$p], from: \"2025-01-01\", to: \"2025-12-31\", metric: PRO_FORMA }) { total } }"),
                    "monthOverMonth" => Some("query($p: ID!) { monthOverMonth(input: { payerIds: [$p], month: \"2025-11\", metric: PRO_FORMA }) { month } }"),
                    "costForecast" => Some("query($p: ID!) { costForecast(payerIds: [$p], month: \"2025-11\", metric: PRO_FORMA) { projected } }"),
                    "accountMonthlyBill" => Some("query($p: ID!, $a: String!) { accountMonthlyBill(payerId: $p, accountId: $a, month: \"2025-11\", metric: PRO_FORMA) { total } }"),
                    _ => None,
                };
                if let Some(priced) = priced {
                    for actor in &actors {
                        let res = app.gql(Some(&actor.token), priced, vars.clone()).await;
                        not_found(&res, &format!("{name} PRO_FORMA on B as {}", actor.label));
                    }
                }
                // A's own payer narrowed to B's customer: the customer is not found.
                let narrowed = match name {
                    "costSummary" => Some("query($p: ID!, $c: ID) { costSummary(input: { payerIds: [$p], from: \"2025-01-01\", to: \"2025-12-31\", metric: PRO_FORMA, customerTenantId: $c }) { total } }"),
                    "monthOverMonth" => Some("query($p: ID!, $c: ID) { monthOverMonth(input: { payerIds: [$p], month: \"2025-11\", metric: PRO_FORMA, customerTenantId: $c }) { month } }"),
                    "costForecast" => Some("query($p: ID!, $c: ID) { costForecast(payerIds: [$p], month: \"2025-11\", metric: PRO_FORMA, customerTenantId: $c) { projected } }"),
                    _ => None,
                };
                if let Some(narrowed) = narrowed {
                    for actor in &actors {
                        let res = app.gql(Some(&actor.token), narrowed, json!({ "p": a.payer_id, "c": b_child })).await;
                        not_found(&res, &format!("{name} of A's payer for B's customer as {}", actor.label));
                    }
                }
                if name == "linkedAccount" || name == "closeLinkedAccount" {
                    // B's account id under A's own payer is not found either.
                    let mut cross = vars.clone();
                    cross["p"] = json!(a.payer_id);
                    let res = app.gql(a.admin.bearer(), query, cross).await;
                    not_found(&res, &format!("{name} of B's account under A's payer"));
                }
            }
            "demoOutbox" | "demoOutboxEnabled" => {
                // Mail is sent here (no demo sink): there is no outbox for anyone to read.
                for actor in &actors {
                    let res = app.gql(Some(&actor.token), "{ demoOutbox { to text } }", json!({})).await;
                    not_found(&res, &format!("demoOutbox as {}", actor.label));
                    let res = app.gql(Some(&actor.token), "{ demoOutboxEnabled }", json!({})).await;
                    assert_eq!(res.data("demoOutboxEnabled"), false, "{}", actor.label);
                }
            }
            "serviceCategories" => {
                for actor in &actors {
                    let categories = app.with_token(&actor.token).service_categories().await;
                    assert!(categories.as_array().unwrap().iter().any(|c| c["category"] == "Compute"), "serviceCategories as {}: {categories}", actor.label);
                }
            }
            "auditEvents" | "exportAuditEvents" => {
                // Admins read their own part of the trail; A's failed attempts on B's ids are
                // A's records (they name B's ids only because A typed them), B's records never show.
                let b_users: Vec<&str> = b.users().iter().map(|(_, s)| s.user_id.as_str()).collect();
                for actor in &actors {
                    let (query, path) = if op == "auditEvents" {
                        ("{ auditEvents(first: 100) { nodes { tenantId payerId userIdentity { principalId userName } } } }", "auditEvents.nodes")
                    } else {
                        ("{ exportAuditEvents }", "exportAuditEvents.Records")
                    };
                    let res = app.gql(Some(&actor.token), query, json!({})).await;
                    if actor.label == "admin" || actor.label == "payer admin" || actor.label == "admin API token" {
                        for e in res.data(path).as_array().unwrap() {
                            let owner = [e["tenantId"].as_str().unwrap_or_default(), e["payerId"].as_str().unwrap_or_default()];
                            assert!(!owner.contains(&b.tenant_id.as_str()) && !owner.contains(&b_child.as_str()) && !owner.contains(&b.payer_id.as_str()), "{op} as {}: B's event {e}", actor.label);
                            let who = e["userIdentity"]["principalId"].as_str().unwrap_or_default();
                            assert!(!b_users.contains(&who), "{op} as {}: B's user in {e}", actor.label);
                            assert_ne!(e["userIdentity"]["userName"], b.admin.email.as_str());
                        }
                    } else {
                        res.assert_code("FORBIDDEN");
                    }
                    let res = app.gql(Some(&actor.token), &format!("query($p: ID) {{ {op}(filter: {{ payerId: $p }}) {} }}", if op == "auditEvents" { "{ nodes { eventID } }" } else { "" }), json!({ "p": b.payer_id })).await;
                    assert!(matches!(res.code(), Some("NOT_FOUND" | "FORBIDDEN")), "{op}(payerId: B) as {}: {}", actor.label, res.body);
                }
            }
            "policyTemplates" => {
                for actor in &actors {
                    let templates = app.with_token(&actor.token).policy_templates().await;
                    assert!(!templates.as_array().unwrap().is_empty());
                    assert_absent(&templates, &b, &extra, "policyTemplates");
                }
            }
            "jobs" => {
                for actor in &actors {
                    let res = app.gql(Some(&actor.token), "{ jobs(first: 100) { nodes { id payerId } } }", json!({})).await;
                    res.data("jobs");
                    assert_absent(&res.body, &b, &extra, &format!("jobs as {}", actor.label));
                    let res = app.gql(Some(&actor.token), "query($p: ID) { jobs(filter: { payerId: $p }) { nodes { id } } }", json!({ "p": b.payer_id })).await;
                    not_found(&res, &format!("jobs(payerId: B) as {}", actor.label));
                }
            }
            "notificationSubscriptions" | "webhookEndpoints" => {
                let field = op.as_str();
                for actor in &actors {
                    let res = app.gql(Some(&actor.token), &format!("{{ {field} {{ id }} }}"), json!({})).await;
                    res.data(field);
                    assert_absent(&res.body, &b, &extra, &format!("{field} as {}", actor.label));
                    let res = app.gql(Some(&actor.token), &format!("query($t: ID) {{ {field}(tenantId: $t) {{ id }} }}"), json!({ "t": b.tenant_id })).await;
                    not_found(&res, &format!("{field}(tenantId: B) as {}", actor.label));
                }
            }
            "subscribe" => {
                for actor in &actors {
                    for input in [
                        json!({ "eventTypes": ["account.created"], "tenantId": b.tenant_id, "email": "spy@evil.example" }),
                        json!({ "eventTypes": ["account.created"], "payerId": b.payer_id, "email": "spy@evil.example" }),
                        json!({ "eventTypes": ["account.created"], "tenantId": a.tenant_id, "userId": b.admin.user_id }),
                    ] {
                        let res = app.with_token(&actor.token).try_subscribe(input.clone()).await;
                        // An A operator/viewer adding anyone but themselves reads FORBIDDEN on A's own tenant.
                        if input["tenantId"] == json!(a.tenant_id) && !actor.label.contains("admin") {
                            res.assert_code("FORBIDDEN");
                        } else {
                            not_found(&res, &format!("subscribe across partners as {}", actor.label));
                        }
                    }
                }
            }
            "notifications" => {
                for actor in &actors {
                    let res = app.gql(Some(&actor.token), "{ notifications(first: 100) { nodes { id recipient payerId } } }", json!({})).await;
                    res.data("notifications");
                    assert_absent(&res.body, &b, &extra, &format!("notifications as {}", actor.label));
                    for filter in [json!({ "payerId": b.payer_id }), json!({ "tenantId": b.tenant_id })] {
                        let res = app.with_token(&actor.token).try_notifications(filter).await;
                        not_found(&res, &format!("notifications(B) as {}", actor.label));
                    }
                }
            }
            "createBillingGroup" | "createPricingPlan" | "createCustomLineItem" | "myCharges" | "myPayerIds" => billing_cross_cases(&app, &a, &b, &actors, &op, &bb).await,
            "invoices" => {
                for actor in &actors {
                    let res = app.gql(Some(&actor.token), "{ invoices { id number customer { name } } }", json!({})).await;
                    res.data("invoices");
                    assert_absent(&res.body, &b, &[bi.issued.as_str(), bi.draft.as_str(), "BRAVO-2025"], &format!("invoices as {}", actor.label));
                    for filter in [json!({ "payerId": b.payer_id }), json!({ "customerTenantId": b_child })] {
                        let res = app.gql(Some(&actor.token), "query($f: InvoiceFilterInput) { invoices(filter: $f) { id } }", json!({ "f": filter })).await;
                        not_found(&res, &format!("invoices(B) as {}", actor.label));
                    }
                }
            }
            "focusExport" => {
                // B's payer and B's customer are not found; without ids, A's actors export their
                // own charges, in which nothing of B's appears.
                let q = "query($p: ID, $c: ID) { focusExport(payerId: $p, customerTenantId: $c, billingPeriod: \"2025-11\", format: CSV) { contentBase64 } }";
                for actor in &actors {
                    not_found(&app.gql(Some(&actor.token), q, json!({ "p": b.payer_id })).await, &format!("focusExport(B's payer) as {}", actor.label));
                    not_found(&app.gql(Some(&actor.token), q, json!({ "c": b_child })).await, &format!("focusExport(B's customer) as {}", actor.label));
                    let res = app.gql(Some(&actor.token), q, json!({})).await;
                    let file = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, res.data("focusExport.contentBase64").as_str().unwrap()).unwrap();
                    let text = String::from_utf8(file).unwrap();
                    assert_eq!(text.lines().count(), 1, "focusExport as {}: A has no customer charges, so a header only: {text}", actor.label);
                    assert_absent(&json!(text), &b, &[bb.group.as_str(), bb.item.as_str()], &format!("focusExport as {}", actor.label));
                }
            }
            "optimizationSavingsByCustomer" => {
                // B has a recommendation; A's upsell list and A's payer filtered to B's customer
                // show nothing of it.
                use sea_orm::{ActiveModelTrait, ActiveValue::Set};
                entity::optimization_recommendations::ActiveModel {
                    id: Set(uuid::Uuid::now_v7()),
                    payer_id: Set(b.payer_id.parse().unwrap()),
                    recommendation_id: Set("rec-bravo-secret".into()),
                    account_id: Set(b_account.clone()),
                    region: Set("eu-west-1".into()),
                    resource_id: Set("i-bravo-secret".into()),
                    resource_type: Set("Ec2Instance".into()),
                    action_type: Set("Stop".into()),
                    current_summary: Set(String::new()),
                    recommended_summary: Set(String::new()),
                    implementation_effort: Set("Low".into()),
                    restart_needed: Set(false),
                    rollback_possible: Set(true),
                    estimated_monthly_savings: Set(98_765_000_000),
                    estimated_monthly_cost: Set(0),
                    currency: Set("USD".into()),
                    last_refreshed_at: Set(None),
                    pulled_at: Set(Utc::now()),
                }
                .insert(&app.db)
                .await
                .unwrap();
                for actor in &actors {
                    let who = app.with_token(&actor.token);
                    assert_eq!(who.optimization_savings_by_customer().await, json!([]), "A's upsell list as {}", actor.label);
                    not_found(&who.try_optimization_insights(&a.payer_id, Some(&b_child), None).await, &format!("optimizationInsights(A's payer, B's customer) as {}", actor.label));
                    let res = who.try_optimization_insights(&b.payer_id, None, None).await;
                    not_found(&res, &format!("optimizationInsights(B) as {}", actor.label));
                    assert!(!res.body.to_string().contains("bravo-secret"), "{}", res.body);
                }
            }
            other => panic!("operation `{other}` has no isolation case; add one to tests/tests/api/isolation.rs"),
        }
        assert_eq!(snapshot(&app, &b).await, before, "`{op}` changed partner B's data");
        covered.push(op);
    }
    assert!(covered.len() >= 18, "walked {} operations: {covered:?}", covered.len());
    // B still works normally.
    app.as_user(&b.admin).tenants().await;
}

/// B's invoicing rows: an issued invoice, a draft and a pending adjustment (written as drafting,
/// issuing and late data would leave them).
struct InvoicingIds {
    issued: String,
    draft: String,
    adjustment: String,
}

async fn invoicing_fixtures(app: &TestApp, b: &Partner, b_customer: &str, b_contract: &str) -> InvoicingIds {
    use entity::invoices::{DocumentKind, InvoiceStatus};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let now = Utc::now();
    let party = r#"{"name":"Bravo","address":"","taxId":""}"#;
    let invoice = |status: InvoiceStatus, number: Option<&str>| entity::invoices::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        kind: Set(DocumentKind::Invoice),
        issuer_tenant_id: Set(b.tenant_id.parse().unwrap()),
        customer_tenant_id: Set(b_customer.parse().unwrap()),
        contract_id: Set(b_contract.parse().unwrap()),
        payer_id: Set(b.payer_id.parse().unwrap()),
        billing_period: Set("2025-11".into()),
        invoice_id: Set(None),
        adjustment_id: Set(None),
        status: Set(status),
        number: Set(number.map(str::to_owned)),
        sequence: Set(number.map(|_| 1)),
        language: Set("en".into()),
        source_currency: Set("USD".into()),
        currency: Set("USD".into()),
        exchange_rate: Set(100_000_000),
        tax_rate: Set(0),
        tax_inclusive: Set(false),
        subtotal: Set(10_000_000_000),
        tax: Set(0),
        total: Set(10_000_000_000),
        payment_terms_days: Set(30),
        issue_date: Set(number.map(|_| now.date_naive())),
        due_date: Set(None),
        issued_at: Set(None),
        issued_by: Set(None),
        paid_at: Set(None),
        payment_date: Set(None),
        payment_reference: Set(None),
        voided_at: Set(None),
        void_reason: Set(None),
        reason: Set(None),
        content_hash: Set(None),
        issuer: Set(party.into()),
        customer: Set(party.into()),
        created_by: Set(b.admin.email.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let issued = invoice(InvoiceStatus::Issued, Some("BRAVO-2025-000001")).insert(&app.db).await.unwrap().id.to_string();
    let draft = invoice(InvoiceStatus::Draft, None).insert(&app.db).await.unwrap().id.to_string();
    let adjustment = entity::period_adjustments::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        payer_id: Set(b.payer_id.parse().unwrap()),
        billing_period: Set("2025-11".into()),
        billing_group_id: Set(uuid::Uuid::now_v7()),
        status: Set(entity::period_adjustments::AdjustmentStatus::Pending),
        currency: Set("USD".into()),
        aws_cost_delta: Set(0),
        proforma_delta: Set(-100_000_000),
        lines: Set(r#"{"usage":[],"items":[]}"#.into()),
        computed_at: Set(now),
        note_id: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id
    .to_string();
    InvoicingIds { issued, draft, adjustment }
}

/// B's billing objects, plus A's own plan and group for the cross-partner cases.
struct BillingIds {
    rule: String,
    plan: String,
    group: String,
    item: String,
    a_plan: String,
    a_group: String,
}

async fn billing_fixtures(app: &TestApp, a: &Partner, b: &Partner, b_customer: &str) -> BillingIds {
    let mut ids = Vec::new();
    for p in [b, a] {
        let admin = app.as_user(&p.admin);
        let rule = admin.create_pricing_rule(json!({ "payerId": p.payer_id, "name": "bravo-rule", "scope": "GLOBAL", "type": "DISCOUNT", "modifierPercentage": "5" })).await;
        let plan = admin.create_pricing_plan(json!({ "payerId": p.payer_id, "name": "bravo-plan", "pricingRuleIds": [rule] })).await;
        let customer = if p.name == b.name { Some(b_customer.to_owned()) } else { None };
        let group = admin
            .create_billing_group(json!({ "payerId": p.payer_id, "name": "Bravo-Group", "primaryAccountId": "555566667777", "accountIds": ["555566667777"], "pricingPlanId": plan, "customerTenantId": customer }))
            .await;
        let item = admin.create_custom_line_item(json!({ "billingGroupId": group, "name": "bravo-fee", "chargeType": "FEE", "flatAmount": "7" })).await;
        ids.push((rule, plan, group, item));
    }
    let (_, a_plan, a_group, _) = ids.pop().unwrap();
    let (rule, plan, group, item) = ids.pop().unwrap();
    BillingIds { rule, plan, group, item, a_plan, a_group }
}

/// B's billing rows, rendered for comparison.
async fn billing_snapshot(app: &TestApp, payer: uuid::Uuid) -> String {
    use entity::{billing_group_accounts as bga, billing_groups as bg, billing_results as br, custom_line_items as cli, pricing_plans as pp, pricing_rules as pr};
    let groups = bg::Entity::find().filter(bg::Column::PayerId.eq(payer)).order_by_asc(bg::Column::Id).all(&app.db).await.unwrap();
    let members = bga::Entity::find().filter(bga::Column::PayerId.eq(payer)).order_by_asc(bga::Column::Id).all(&app.db).await.unwrap();
    let plans = pp::Entity::find().filter(pp::Column::PayerId.eq(payer)).order_by_asc(pp::Column::Id).all(&app.db).await.unwrap();
    let rules = pr::Entity::find().filter(pr::Column::PayerId.eq(payer)).order_by_asc(pr::Column::Id).all(&app.db).await.unwrap();
    let items = cli::Entity::find().filter(cli::Column::PayerId.eq(payer)).order_by_asc(cli::Column::Id).all(&app.db).await.unwrap();
    let results = br::Entity::find().filter(br::Column::PayerId.eq(payer)).order_by_asc(br::Column::Id).all(&app.db).await.unwrap();
    format!("{groups:?}\n{members:?}\n{plans:?}\n{rules:?}\n{items:?}\n{results:?}")
}

/// Creating billing objects with B's ids, and the end-customer view.
async fn billing_cross_cases(app: &TestApp, a: &Partner, b: &Partner, actors: &[Actor], op: &str, bb: &BillingIds) {
    let group_input = |payer: &str, plan: &str, customer: Option<&str>| json!({ "payerId": payer, "name": "intruder", "primaryAccountId": "888899990000", "accountIds": ["888899990000"], "pricingPlanId": plan, "customerTenantId": customer });
    for actor in actors {
        let who = app.with_token(&actor.token);
        match op {
            "createBillingGroup" => {
                not_found(&who.try_create_billing_group(group_input(&b.payer_id, &bb.plan, None)).await, &format!("createBillingGroup on B as {}", actor.label));
                // On A's payer, B's plan or B's tenant is refused (or the actor may not write at all).
                for input in [group_input(&a.payer_id, &bb.plan, None), group_input(&a.payer_id, &bb.a_plan, Some(&b.tenant_id))] {
                    let res = who.try_create_billing_group(input).await;
                    assert!(matches!(res.code(), Some("VALIDATION" | "NOT_FOUND" | "FORBIDDEN")), "createBillingGroup with B's ids as {}: {}", actor.label, res.body);
                }
            }
            "createPricingPlan" => {
                not_found(&who.try_create_pricing_plan(json!({ "payerId": b.payer_id, "name": "intruder" })).await, &format!("createPricingPlan on B as {}", actor.label));
                let res = who.try_create_pricing_plan(json!({ "payerId": a.payer_id, "name": "intruder", "pricingRuleIds": [bb.rule] })).await;
                assert!(matches!(res.code(), Some("VALIDATION" | "FORBIDDEN")), "createPricingPlan with B's rule as {}: {}", actor.label, res.body);
            }
            "createCustomLineItem" => {
                let on_b = json!({ "billingGroupId": bb.group, "name": "intruder", "chargeType": "CREDIT", "flatAmount": "100" });
                not_found(&who.try_create_custom_line_item(on_b).await, &format!("createCustomLineItem on B as {}", actor.label));
                let listing_b = json!({ "billingGroupId": bb.a_group, "name": "intruder", "chargeType": "FEE", "percentage": "100", "childItemIds": [bb.item] });
                let res = who.try_create_custom_line_item(listing_b).await;
                assert!(matches!(res.code(), Some("VALIDATION" | "FORBIDDEN")), "createCustomLineItem listing B's item as {}: {}", actor.label, res.body);
            }
            "myPayerIds" => {
                // B's payer carries a group for B's customer, none for A's: A sees no payer.
                assert_eq!(who.my_payer_ids().await, json!([]), "myPayerIds as {}", actor.label);
            }
            _ => {
                let charges = who.my_charges("2025-11").await;
                // A's own group has no customer tenant, B's does: nothing shows for A.
                assert!(charges.as_array().unwrap().is_empty(), "myCharges as {}: {charges}", actor.label);
                assert_absent(&charges, b, &[bb.group.as_str()], &format!("myCharges as {}", actor.label));
            }
        }
    }
}

on_both_databases!(every_operation_is_isolated_between_partners);
