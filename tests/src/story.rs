//! Verbs for the end-to-end tests: what a signed-in user does, named for it, so a test reads as
//! a story (`app.as_user(&p.operator).create_billing_group(..)`). Each verb that is expected to
//! work returns its payload (or the new id) and panics with the response body otherwise; its
//! `try_` twin returns the raw [`Gql`] for tests that expect a refusal. The operation texts live
//! here, once each; a test that must send one itself (with headers, say) uses the constant.
//!
//! Each selection is the union of what the tests read, so a test names the fields it checks and
//! compares whole payloads only between two answers of the same verb.

use serde_json::{Value, json};

use crate::{Gql, Session, TestApp};

/// One user (or nobody) acting on one running app.
#[derive(Clone, Copy)]
pub struct Actor<'a> {
    pub app: &'a TestApp,
    token: Option<&'a str>,
    session: Option<&'a Session>,
}

impl TestApp {
    /// The verbs, as this signed-in user.
    pub fn as_user<'a>(&'a self, who: &'a Session) -> Actor<'a> {
        Actor { app: self, token: who.bearer(), session: Some(who) }
    }

    /// The verbs, with a bare access token (forged, stale or taken from a payload).
    pub fn with_token<'a>(&'a self, token: &'a str) -> Actor<'a> {
        Actor { app: self, token: Some(token), session: None }
    }

    /// The verbs, signed in as nobody.
    pub fn anonymous(&self) -> Actor<'_> {
        Actor { app: self, token: None, session: None }
    }
}

impl Gql {
    /// Asserts the first error is NOT_FOUND, naming what was looked for.
    #[track_caller]
    pub fn assert_not_found(&self, what: &str) {
        assert_eq!(self.code(), Some("NOT_FOUND"), "{what}: {}", self.body);
    }

    /// Asserts the first error is a VALIDATION error on `field`.
    #[track_caller]
    pub fn assert_invalid(&self, field: &str) {
        self.assert_code("VALIDATION");
        self.assert_field(field);
    }

    /// Asserts the first error names `field` (whatever its code).
    #[track_caller]
    pub fn assert_field(&self, field: &str) {
        assert_eq!(self.body["errors"][0]["extensions"]["field"], field, "{}", self.body);
    }

    /// `data.<path>` as an owned value (panicking with the body on errors).
    pub fn take(&self, path: &str) -> Value {
        self.data(path).clone()
    }

    /// `data.<path>` as a string (panicking with the body on errors or when it is no string).
    pub fn text(&self, path: &str) -> String {
        self.data(path).as_str().unwrap_or_else(|| panic!("no string at {path}: {}", self.body)).to_owned()
    }
}

/// A `RegisterPayerInput` for `account` on `tenant`, with the role the moto organizations use.
pub fn payer_input(tenant: &str, account: &str, name: &str) -> Value {
    json!({ "tenantId": tenant, "accountId": account, "name": name, "roleArn": crate::aws::role_arn(account) })
}

// Tenants, users and settings.
pub const CREATE_TENANT: &str = "mutation($i: CreateTenantInput!) { createTenant(input: $i) { id kind parent { id } } }";
pub const TENANT: &str = "query($id: ID!) { tenant(id: $id) { id name dashboardUrl parent { id } } }";
pub const TENANTS: &str = "{ tenants(first: 100) { nodes { id name } } }";
pub const UPDATE_TENANT: &str = "mutation($id: ID!, $i: UpdateTenantInput!) { updateTenant(id: $id, input: $i) { id name dashboardUrl billingAddress taxId } }";
pub const TENANT_SETTINGS: &str = "query($id: ID!) { tenant(id: $id) { settings { defaultLocale { value source sourceTenant { id } } senderName { value source sourceTenant { id } } brandingName { value source sourceTenant { id } } overrides { defaultLocale senderName brandingName } } } }";
pub const UPDATE_TENANT_SETTINGS: &str = "mutation($t: ID!, $i: UpdateTenantSettingsInput!) { updateTenantSettings(tenantId: $t, input: $i) { defaultLocale { value source } senderName { value source } brandingName { value source } overrides { defaultLocale senderName brandingName } } }";
pub const CREATE_USER: &str = "mutation($i: CreateUserInput!) { createUser(input: $i) { id email invitationPending } }";
pub const USER: &str = "query($id: ID!) { user(id: $id) { id email } }";
pub const RESEND_INVITATION: &str = "mutation($id: ID!) { resendInvitation(userId: $id) { id } }";
pub const DISABLE_USER: &str = "mutation($id: ID!) { disableUser(id: $id) { id disabled } }";
pub const ME: &str = "{ me { id email memberships { id role tenant { id kind } payer { id accountId } } } }";
pub const GRANT_MEMBERSHIP: &str = "mutation($i: GrantMembershipInput!) { grantMembership(input: $i) { id role } }";
pub const REVOKE_MEMBERSHIP: &str = "mutation($id: ID!) { revokeMembership(id: $id) { id } }";
pub const USERS: &str = "{ users(first: 100) { nodes { email } } }";
/// A user's roles with the tenant or payer each is on, as the web app's user list asks.
pub const USER_ROLES: &str = "query($id: ID!) { user(id: $id) { id memberships { id role tenant { id name kind } payer { id name } } } }";
/// A page of users with the same, read ahead for the page.
pub const USERS_ROLES: &str = "{ users(first: 100) { edges { node { id memberships { id role tenant { id name kind } payer { id name } } } } } }";
pub const CREATE_API_TOKEN: &str = "mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { secret token { id prefix role tenantId lastUsedAt } } }";
pub const API_TOKENS: &str = "{ apiTokens(first: 50) { nodes { id name role } } }";
pub const REVOKE_API_TOKEN: &str = "mutation($id: ID!) { revokeApiToken(id: $id) { id revokedAt } }";
pub const REFRESH_SESSION: &str = "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken user { id } } }";
pub const LOGOUT: &str = "mutation { logout }";
pub const CHANGE_PASSWORD: &str = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
pub const BOOTSTRAP_ADMIN: &str = "mutation($c: String!, $e: String!, $p: String!) { bootstrapAdmin(code: $c, email: $e, password: $p) { user { email } } }";
pub const SET_PASSWORD: &str = "mutation($t: String!, $p: String!) { setPassword(token: $t, password: $p) { accessToken } }";

// Contracts and onboarding.
pub const CREATE_CONTRACT: &str = "mutation($i: CreateContractInput!) { createContract(input: $i) { id name status renewal startDate endDate invoicePrefix currency taxRate taxInclusive paymentTermsDays language payerIds customer { id } } }";
pub const UPDATE_CONTRACT: &str = "mutation($id: ID!, $i: UpdateContractInput!) { updateContract(id: $id, input: $i) { id status startDate payerIds payers { id } } }";
pub const END_CONTRACT: &str = "mutation($id: ID!, $d: NaiveDate!) { endContract(id: $id, endDate: $d) { status endDate } }";
pub const CONTRACT: &str = "query($id: ID!) { contract(id: $id) { id status payerIds payers { id } } }";
pub const CONTRACTS: &str = "query($t: ID!) { contracts(tenantId: $t) { nodes { id status } } }";
pub const CONTRACTS_PAGE: &str =
    "query($t: ID!, $first: Int, $after: String) { contracts(tenantId: $t, first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { id name } } }";
pub const CONTRACT_PARTIES: &str = "query($id: ID!) { contract(id: $id) { id customer { id name } payers { id name } } }";
pub const CONTRACTS_PARTIES: &str = "query($t: ID!) { contracts(tenantId: $t) { nodes { id customer { id name } payers { id name } } } }";
pub const ONBOARDING: &str = "query($c: ID!) { onboarding(customerTenantId: $c) { customer { id name } complete currentStep { step status blockingReason nextAction } steps { step status startedAt completedAt blockingReason nextAction } } }";
pub const REFRESH_ONBOARDING: &str = "mutation($c: ID!) { refreshOnboarding(customerTenantId: $c) { complete currentStep { step status blockingReason nextAction } steps { step status startedAt completedAt blockingReason nextAction } } }";
pub const ONBOARDINGS: &str = "query($t: ID!) { onboardings(tenantId: $t) { nodes { customer { id name } currentStep { step status } } } }";
pub const ONBOARDINGS_PAGE: &str =
    "query($t: ID!, $first: Int, $after: String) { onboardings(tenantId: $t, first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { customer { id name } } } }";

// Payers.
pub const REGISTER_PAYER: &str = "mutation($i: RegisterPayerInput!) { registerPayer(input: $i) { id accountId externalId status roleArn cloudFormationQuickCreateUrl } }";
pub const CHECK_PAYER_CONNECTION: &str = "mutation($id: ID!) { checkPayerConnection(id: $id) { id status statusReason lastCheckedAt } }";
pub const PAYER: &str = "query($id: ID!) { payer(id: $id) { id accountId status statusReason lastCheckedAt dashboardUrl costExportBucket costExportPrefix } }";
pub const PAYERS: &str = "{ payers { nodes { id status externalId } } }";
pub const UPDATE_PAYER: &str = "mutation($id: ID!, $i: UpdatePayerInput!) { updatePayer(id: $id, input: $i) { name dashboardUrl } }";
pub const REMOVE_PAYER: &str = "mutation($id: ID!) { removePayer(id: $id) { id } }";
pub const MOVE_PAYER: &str = "mutation($id: ID!, $t: ID!) { movePayer(id: $id, tenantId: $t) { id tenant { id } } }";
pub const SELECT_COST_EXPORT: &str = "mutation($p: ID!, $n: String!) { selectCostExport(payerId: $p, exportName: $n) { health reason selectedExport } }";
pub const VALIDATE_COST_EXPORTS: &str = "mutation($p: ID!) { validateCostExports(payerId: $p) { health reason selectedExport exports { name arnOrName kind format compression bucket prefix region granularity filesPrefix valid checks { key passed required reason fix } } } }";
pub const COST_EXPORT_VALIDATION: &str = "query($p: ID!) { costExportValidation(payerId: $p) { health reason selectedExport exports { name valid } } }";
pub const CREATE_RESELLER_PAYER: &str = "mutation($g: ID!, $n: String!) { createResellerPayer(billingGroupId: $g, name: $n) { id status accountId upstreamBillingGroupId } }";
pub const SOURCE_DATA_HEALTH: &str = "query($t: ID!) { sourceDataHealth(tenantId: $t) { tenantName health reason entries { tenantName tenantKind payerName accountId health reason } } }";
pub const INGESTION_HEALTH: &str = "query($p: ID!) { ingestionHealth(payerId: $p) { status reason lastIngestion { status billingPeriod holder heartbeatAt } } }";
pub const BACKFILL_COSTS: &str = "mutation($p: ID!, $f: NaiveDate!, $t: NaiveDate!) { backfillCosts(payerId: $p, from: $f, to: $t) { id } }";
pub const IMPORT_LEGACY_DYNAMO_DB: &str = "mutation($i: ImportLegacyDynamoDbInput!) { importLegacyDynamoDb(input: $i) { id } }";
pub const SET_PAYER_COST_EXPORT: &str = "mutation($p: ID!, $b: String!, $x: String) { setPayerCostExport(payerId: $p, bucket: $b, prefix: $x) { costExportBucket costExportPrefix } }";
pub const INGEST_COSTS: &str = "mutation($p: ID!, $m: String) { ingestCosts(payerId: $p, billingPeriod: $m) { id } }";

// Pricing and billing.
pub const CREATE_PRICING_RULE: &str = "mutation($i: CreatePricingRuleInput!) { createPricingRule(input: $i) { id scope type modifierPercentage } }";
pub const UPDATE_PRICING_RULE: &str = "mutation($id: ID!, $i: UpdatePricingRuleInput!) { updatePricingRule(id: $id, input: $i) { id } }";
pub const CREATE_PRICING_PLAN: &str = "mutation($i: CreatePricingPlanInput!) { createPricingPlan(input: $i) { id base pricingRules { id } } }";
pub const CREATE_BILLING_GROUP: &str = "mutation($i: CreateBillingGroupInput!) { createBillingGroup(input: $i) { id name accountIds primaryAccountId customerTenantId abcSyncStatus } }";
pub const CREATE_CUSTOM_LINE_ITEM: &str = "mutation($i: CreateCustomLineItemInput!) { createCustomLineItem(input: $i) { id flatAmount percentage chargeType billingPeriodEnd } }";
pub const BILLING_GROUP_COST_REPORTS: &str = "query($p: ID!, $m: String!) { billingGroupCostReports(payerId: $p, billingPeriod: $m) { billingGroupName source currency awsCost proformaCost margin marginPercentage abcProformaCost abcDifference } }";
pub const BILLING_GROUP_COST_REPORT: &str = "query($g: ID!, $from: String!, $to: String!, $by: BillingReportGroupBy! = SERVICE) { billingGroupCostReport(billingGroupId: $g, from: $from, to: $to, groupBy: $by) { awsCost proformaCost margin lines { key serviceName customLineItem awsCost proformaCost margin } } }";
pub const BILLING_RESULTS: &str = "query($g: ID!, $m: String!) { billingResults(billingGroupId: $g, billingPeriod: $m) { id reason computedBy awsCost proformaCost margin marginPercentage byService { key serviceName awsCost proformaCost } customLineItems { key proformaCost } } }";
pub const RECOMPUTE_BILLING: &str = "mutation($p: ID!, $m: String!) { recomputeBilling(payerId: $p, billingPeriod: $m) { awsCost proformaCost reason } }";
pub const MY_CHARGES: &str = "query($m: String!) { myCharges(billingPeriod: $m) { billingGroupName billingPeriod currency total lines { name serviceName amount } } }";
pub const MY_PAYER_IDS: &str = "{ myPayerIds }";
pub const RESELLER_MARGIN: &str = "query($p: ID!, $m: String!) { resellerMargin(payerId: $p, billingPeriod: $m) { currency cost charge margin unbilledCost groups { name cost charge margin } } }";
pub const CLOSE_BILLING_PERIOD: &str = "mutation($p: ID!, $m: String!) { closeBillingPeriod(payerId: $p, billingPeriod: $m) { status closedBy snapshotHash groups { groupName proformaCost awsCost contentHash } } }";
pub const REOPEN_BILLING_PERIOD: &str = "mutation($p: ID!, $m: String!) { reopenBillingPeriod(payerId: $p, billingPeriod: $m) { status } }";
pub const BILLING_PERIOD: &str = "query($p: ID!, $m: String!) { billingPeriod(payerId: $p, billingPeriod: $m) { status invoiceCount pendingAdjustments { id proformaDelta awsCostDelta lines { accountId serviceCode description proformaDelta } } } }";
pub const DRAFT_INVOICES: &str = "mutation($p: ID!, $m: String!) { draftInvoices(payerId: $p, billingPeriod: $m) { skipped drafted { id total issuer { name } customer { name } } } }";
pub const PRICING_RULES: &str = "query($p: ID!) { pricingRules(payerId: $p) { id name type modifierPercentage service abcSyncStatus } }";
pub const DELETE_BILLING_GROUP: &str = "mutation($id: ID!) { deleteBillingGroup(id: $id) { id } }";
pub const CUSTOM_LINE_ITEMS: &str = "query($p: ID!) { customLineItems(payerId: $p) { id name chargeType flatAmount } }";
pub const UPDATE_BILLING_GROUP: &str = "mutation($id: ID!, $i: UpdateBillingGroupInput!) { updateBillingGroup(id: $id, input: $i) { id accountIds memberships { accountId billingPeriodStart billingPeriodEnd } } }";
pub const UPDATE_PRICING_PLAN: &str = "mutation($id: ID!, $i: UpdatePricingPlanInput!) { updatePricingPlan(id: $id, input: $i) { id passTax } }";

// Invoicing.
pub const SET_EXCHANGE_RATE: &str = "mutation($i: SetExchangeRateInput!) { setExchangeRate(input: $i) { rate } }";
pub const INVOICE: &str = "query($id: ID!) { invoice(id: $id) { id kind status number currency sourceCurrency exchangeRate taxRate taxInclusive subtotal tax total issueDate dueDate contentHash invoiceId partnerView customer { name taxId email } issuer { name taxId } lines { kind groupName accountId serviceCode description sourceAmount amount tax } } }";
pub const INVOICES: &str = "query($f: InvoiceFilterInput) { invoices(filter: $f) { id number status total customer { name } } }";
pub const ISSUE_INVOICE: &str = "mutation($id: ID!) { issueInvoice(id: $id) { id status number issueDate dueDate contentHash total } }";
pub const INVOICE_DOCUMENT: &str = "query($id: ID!, $f: DocumentFormat!) { invoiceDocument(id: $id, format: $f) { fileName contentType contentBase64 } }";
pub const MARK_INVOICE_PAID: &str = "mutation($id: ID!, $d: NaiveDate!, $r: String!) { markInvoicePaid(id: $id, paymentDate: $d, paymentReference: $r) { id status paymentDate paymentReference } }";
pub const VOID_INVOICE: &str = "mutation($id: ID!, $r: String!) { voidInvoice(id: $id, reason: $r) { id status number voidReason } }";
pub const DELETE_INVOICE_DRAFT: &str = "mutation($id: ID!) { deleteInvoiceDraft(id: $id) }";
pub const CREATE_INVOICE_NOTE: &str = "mutation($i: CreateInvoiceNoteInput!) { createInvoiceNote(input: $i) { id kind status invoiceId total } }";
pub const CREATE_NOTE_FROM_ADJUSTMENT: &str = "mutation($a: ID!) { createNoteFromAdjustment(adjustmentId: $a) { id kind status number currency sourceCurrency exchangeRate taxRate taxInclusive subtotal tax total issueDate dueDate contentHash invoiceId partnerView customer { name taxId email } issuer { name taxId } lines { kind groupName accountId serviceCode description sourceAmount amount tax } } }";

// Audit.
pub const AUDIT_EVENTS: &str = "query($f: AuditEventFilter, $n: Int, $a: String) { auditEvents(filter: $f, first: $n, after: $a) { pageInfo { hasNextPage endCursor } nodes { sequence eventID eventName eventSource eventType readOnly tenantId payerId errorCode requestID sourceIPAddress userAgent userIdentity { type principalId userName tokenId } requestParameters responseElements } } }";
pub const EXPORT_AUDIT_EVENTS: &str = "query($f: AuditEventFilter) { exportAuditEvents(filter: $f) }";

// Billing transfer.
pub const SET_PAYER_BILLING_MODE: &str = "mutation($p: ID!, $m: BillingMode!) { setPayerBillingMode(payerId: $p, mode: $m) { mode synced pending failed { kind name error } } }";
pub const BILLING_CONDUCTOR_STATUS: &str = "query($p: ID!) { billingConductorStatus(payerId: $p) { mode synced pending failed { kind name error } } }";
pub const IMPORT_BILLING_CONDUCTOR: &str = "mutation($p: ID!) { importBillingConductor(payerId: $p) { pricingRules pricingPlans billingGroups customLineItems skipped } }";
pub const INVITE_ORGANIZATION_TO_TRANSFER_BILLING: &str = "mutation($i: InviteOrganizationToTransferBillingInput!) { inviteOrganizationToTransferBilling(input: $i) { id status managementAccountId startMonth handshakeId transferId notes } }";
pub const BILLING_TRANSFER: &str = "query($id: ID!) { billingTransfer(id: $id) { id status startMonth endMonth transferId accounts billingGroup { passthrough billingConductorArn } } }";
pub const BILLING_TRANSFERS: &str = "query($p: ID!) { billingTransfers(payerId: $p) { id status notes } }";
pub const CREATE_TRANSFER_BILLING_GROUP: &str = "mutation($id: ID!) { createTransferBillingGroup(billingTransferId: $id) { billingGroup { passthrough billingConductorArn billingGroupId } } }";
pub const END_BILLING_TRANSFER: &str = "mutation($id: ID!, $d: NaiveDate!) { endBillingTransfer(id: $id, endDate: $d) { status endMonth } }";
pub const WITHDRAW_BILLING_TRANSFER: &str = "mutation($id: ID!) { withdrawBillingTransfer(id: $id) { status } }";
pub const BILLING_GROUPS: &str = "query($p: ID!, $m: String) { billingGroups(payerId: $p, billingPeriod: $m) { id name accountIds primaryAccountId } }";
pub const PRICING_PLANS: &str = "query($p: ID!) { pricingPlans(payerId: $p) { name base passTax passCredits pricingRules { id } } }";

// Cost insights.
pub const COST_SUMMARY: &str = "query($i: CostSummaryInput!) { costSummary(input: $i) { currency total customLineItems unpricedAccountIds groups { key { accountId accountName service serviceName serviceCategory tag } amount } series { period key { accountId service serviceName } amount } } }";
pub const MONTH_OVER_MONTH: &str = "query($i: MonthOverMonthInput!) { monthOverMonth(input: $i) { month changes { key { service serviceName chargeType accountId accountName } current previous delta deltaPercent isNew isGone } topIncreases { key { service serviceName } delta } topDecreases { key { service } delta } } }";
pub const COST_FORECAST: &str = "query($p: [ID!]!, $m: String!, $metric: CostMetric! = UNBLENDED, $c: ID) { costForecast(payerIds: $p, month: $m, metric: $metric, customerTenantId: $c) { monthToDate projected daysWithData daysInMonth } }";
pub const ACCOUNT_MONTHLY_BILL: &str = "query($p: ID!, $a: String!, $m: String!, $metric: CostMetric! = UNBLENDED, $locale: String! = \"en\") { accountMonthlyBill(payerId: $p, accountId: $a, month: $m, metric: $metric, locale: $locale) { currency metric total lines { serviceCode serviceName description usage unit cost customLineItem } csv } }";
pub const FOCUS_EXPORT: &str = "query($p: ID, $c: ID, $m: String!, $f: FocusFormat! = CSV) { focusExport(payerId: $p, customerTenantId: $c, billingPeriod: $m, format: $f) { fileName contentType contentBase64 } }";
pub const SET_COST_ALLOCATION_KEYS: &str = "mutation($p: ID!, $k: [CostAllocationKeyInput!]!) { setCostAllocationKeys(payerId: $p, keys: $k) { kind name periodsWithoutIt } }";
pub const COST_ALLOCATION_KEYS: &str = "query($p: ID!) { costAllocationKeys(payerId: $p) { kind name periodsWithoutIt } }";
pub const SERVICE_CATEGORIES: &str = "{ serviceCategories { serviceCode category serviceNames } }";

// Optimization.
pub const OPTIMIZATION_INSIGHTS: &str = "query($p: ID!, $c: ID, $n: Int) { optimizationInsights(payerId: $p, customerTenantId: $c, first: $n) {
    payerId enrollment { status memberAccountsIncluded checkedAt truncated lastError } recommendationCount totals { currency estimatedMonthlySavings }
    recommendations { accountId resourceId actionType estimatedMonthlySavings estimatedMonthlyCost currency customerTenantId restartNeeded }
    byCustomer { customerTenantId customerName recommendationCount currency estimatedMonthlySavings } } }";
pub const REFRESH_OPTIMIZATION_INSIGHTS: &str = "mutation($p: ID!) { refreshOptimizationInsights(payerId: $p) { id } }";
pub const OPTIMIZATION_SAVINGS_BY_CUSTOMER: &str = "{ optimizationSavingsByCustomer { payerId customerTenantId customerName recommendationCount currency estimatedMonthlySavings } }";

// Notifications.
pub const SUBSCRIBE: &str = "mutation($i: SubscribeInput!) { subscribe(input: $i) { id eventTypes locale } }";
pub const CREATE_WEBHOOK_ENDPOINT: &str = "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret endpoint { id enabled } } }";
pub const UPDATE_WEBHOOK_ENDPOINT: &str = "mutation($id: ID!, $i: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $i) { url enabled consecutiveFailures } }";
pub const WEBHOOK_ENDPOINTS: &str = "{ webhookEndpoints { id url enabled disabledReason consecutiveFailures } }";
pub const WEBHOOK_DELIVERIES: &str = "query($e: ID!) { webhookDeliveries(endpointId: $e) { nodes { id status attempts subject lastError } } }";
pub const REDELIVER_WEBHOOK: &str = "mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { id status } }";
pub const NOTIFICATIONS: &str = "query($f: NotificationFilter) { notifications(filter: $f) { nodes { id eventType channel recipient locale subject status attempts lastError } } }";
pub const UPDATE_NOTIFICATION_TEMPLATE: &str = "mutation($i: UpdateNotificationTemplateInput!) { updateNotificationTemplate(input: $i) { subject overridden } }";
pub const NOTIFICATION_TEMPLATES: &str = "query($t: ID!) { notificationTemplates(tenantId: $t) { eventType locale subject overridden } }";
pub const PREVIEW_NOTIFICATION_TEMPLATE: &str = "query($i: PreviewNotificationTemplateInput!) { previewNotificationTemplate(input: $i) { subject text } }";
pub const DEMO_OUTBOX: &str = "query { demoOutbox(first: 20) { id notificationId eventType to subject text html caughtAt } }";
pub const DEMO_OUTBOX_ENABLED: &str = "query { demoOutboxEnabled }";
pub const SEND_SERVICE_NOTICE: &str = "mutation($i: SendServiceNoticeInput!) { sendServiceNotice(input: $i) { eventIds } }";

// Organizations.
pub const SYNC_ACCOUNTS: &str = "mutation($p: ID!) { syncAccounts(payerId: $p) { id } }";
pub const LINKED_ACCOUNTS: &str = "query($p: ID!, $first: Int, $after: String, $search: String) { linkedAccounts(payerId: $p, first: $first, after: $after, filter: { search: $search }) { pageInfo { hasNextPage endCursor } nodes { accountId status joinedMethod parentId organizationalUnit { name } attachedPolicyIds } } }";
pub const LINKED_ACCOUNT: &str = "query($p: ID!, $a: String!) { linkedAccount(payerId: $p, accountId: $a) { email name parentId status attachedPolicyIds } }";
pub const ORGANIZATIONAL_UNITS: &str = "query($p: ID!) { organizationalUnits(payerId: $p) { id name } }";
pub const CREATE_LINKED_ACCOUNT: &str = "mutation($i: CreateLinkedAccountInput!) { createLinkedAccount(input: $i) { id state } }";
pub const INVITE_ACCOUNT: &str = "mutation($i: InviteAccountInput!) { inviteAccount(input: $i) { handshakeId state target } }";
pub const INVITATIONS: &str = "query($p: ID!) { invitations(payerId: $p) { handshakeId state target notes } }";
pub const CLOSE_LINKED_ACCOUNT: &str = "mutation($p: ID!, $a: String!, $c: String!) { closeLinkedAccount(payerId: $p, accountId: $a, confirmAccountId: $c) { accountId status } }";
pub const MOVE_LINKED_ACCOUNT: &str = "mutation($p: ID!, $a: String!, $d: String!) { moveLinkedAccount(payerId: $p, accountId: $a, destinationOuId: $d) { parentId } }";
pub const REMOVE_LINKED_ACCOUNT: &str = "mutation($p: ID!, $a: String!) { removeLinkedAccount(payerId: $p, accountId: $a) { accountId } }";
pub const POLICY_TEMPLATES: &str = "{ policyTemplates { id nameZh parameters { name } } }";
pub const CREATE_POLICY_FROM_TEMPLATE: &str = "mutation($p: ID!, $t: String!, $params: JSON) { createPolicyFromTemplate(payerId: $p, templateId: $t, params: $params) { id name templateId document } }";
pub const CREATE_POLICY: &str = "mutation($p: ID!, $n: String!, $d: String!) { createPolicy(payerId: $p, name: $n, document: $d) { id } }";
pub const UPDATE_POLICY: &str = "mutation($p: ID!, $pol: String!, $i: UpdatePolicyInput!) { updatePolicy(payerId: $p, policyId: $pol, input: $i) { description } }";
pub const DELETE_POLICY: &str = "mutation($p: ID!, $pol: String!) { deletePolicy(payerId: $p, policyId: $pol) { id } }";
pub const POLICIES: &str = "query($p: ID!) { policies(payerId: $p) { id } }";
pub const ATTACH_POLICY: &str = "mutation($p: ID!, $pol: String!, $t: String!) { attachPolicy(payerId: $p, policyId: $pol, targetId: $t) { id targetIds } }";
pub const DETACH_POLICY: &str = "mutation($p: ID!, $pol: String!, $t: String!) { detachPolicy(payerId: $p, policyId: $pol, targetId: $t) { id targetIds } }";
pub const POLICIES_FOR_TARGET: &str = "query($p: ID!, $t: String!) { policiesForTarget(payerId: $p, targetId: $t) { id name awsManaged } }";

impl<'a> Actor<'a> {
    /// Any operation, for the rare one no verb covers.
    pub async fn run(&self, query: &str, variables: Value) -> Gql {
        self.app.gql(self.token, query, variables).await
    }

    /// The signed-in user this actor is (panics for the anonymous actor).
    pub fn session(&self) -> &'a Session {
        self.session.expect("a signed-in user")
    }

    // Tenants, users and settings.

    pub async fn try_create_tenant(&self, parent: &str, kind: &str, name: &str) -> Gql {
        self.run(CREATE_TENANT, json!({ "i": { "parentId": parent, "kind": kind, "name": name } })).await
    }

    /// Creates a tenant under `parent`; its id.
    pub async fn create_tenant(&self, parent: &str, kind: &str, name: &str) -> String {
        self.try_create_tenant(parent, kind, name).await.text("createTenant.id")
    }

    /// Creates a tenant under `parent`; the tenant (`id kind parent { id }`).
    pub async fn add_tenant(&self, parent: &str, kind: &str, name: &str) -> Value {
        self.try_create_tenant(parent, kind, name).await.take("createTenant")
    }

    pub async fn try_tenants(&self) -> Gql {
        self.run(TENANTS, json!({})).await
    }

    pub async fn try_tenant(&self, id: &str) -> Gql {
        self.run(TENANT, json!({ "id": id })).await
    }

    pub async fn tenant(&self, id: &str) -> Value {
        self.try_tenant(id).await.take("tenant")
    }

    /// The first 100 tenants this user sees.
    pub async fn tenants(&self) -> Value {
        self.try_tenants().await.take("tenants.nodes")
    }

    pub async fn try_update_tenant(&self, id: &str, input: Value) -> Gql {
        self.run(UPDATE_TENANT, json!({ "id": id, "i": input })).await
    }

    pub async fn update_tenant(&self, id: &str, input: Value) -> Value {
        self.try_update_tenant(id, input).await.take("updateTenant")
    }

    pub async fn try_tenant_settings(&self, tenant: &str) -> Gql {
        self.run(TENANT_SETTINGS, json!({ "id": tenant })).await
    }

    /// A tenant's effective settings, each with its source.
    pub async fn tenant_settings(&self, tenant: &str) -> Value {
        self.try_tenant_settings(tenant).await.take("tenant.settings")
    }

    pub async fn try_update_tenant_settings(&self, tenant: &str, input: Value) -> Gql {
        self.run(UPDATE_TENANT_SETTINGS, json!({ "t": tenant, "i": input })).await
    }

    pub async fn update_tenant_settings(&self, tenant: &str, input: Value) -> Value {
        self.try_update_tenant_settings(tenant, input).await.take("updateTenantSettings")
    }

    /// Creates a user with a password and a role on a tenant or payer, and signs them in.
    pub async fn create_user(&self, email: &str, role: &str, target: (&str, &str)) -> Session {
        self.app.create_user(self.session(), email, role, target).await
    }

    pub async fn try_add_user(&self, input: Value) -> Gql {
        self.run(CREATE_USER, json!({ "i": input })).await
    }

    /// Creates a user from a whole `CreateUserInput`; the new user.
    pub async fn add_user(&self, input: Value) -> Value {
        self.try_add_user(input).await.take("createUser")
    }

    /// Creates a user without a password: an invitation is mailed. The new user.
    pub async fn invite_user(&self, email: &str, role: &str, tenant: &str) -> Value {
        self.add_user(json!({ "email": email, "role": role, "tenantId": tenant })).await
    }

    pub async fn try_user(&self, id: &str) -> Gql {
        self.run(USER, json!({ "id": id })).await
    }

    /// Mails a pending user a fresh invitation.
    pub async fn try_resend_invitation(&self, user: &str) -> Gql {
        self.run(RESEND_INVITATION, json!({ "id": user })).await
    }

    pub async fn try_disable_user(&self, id: &str) -> Gql {
        self.run(DISABLE_USER, json!({ "id": id })).await
    }

    /// Disables a user; the user afterwards.
    pub async fn disable_user(&self, id: &str) -> Value {
        self.try_disable_user(id).await.take("disableUser")
    }

    pub async fn try_grant_membership(&self, input: Value) -> Gql {
        self.run(GRANT_MEMBERSHIP, json!({ "i": input })).await
    }

    /// Grants a user a role on a tenant or payer; the membership.
    pub async fn grant_membership(&self, input: Value) -> Value {
        self.try_grant_membership(input).await.take("grantMembership")
    }

    pub async fn try_revoke_membership(&self, id: &str) -> Gql {
        self.run(REVOKE_MEMBERSHIP, json!({ "id": id })).await
    }

    /// Revokes a membership; its id.
    pub async fn revoke_membership(&self, id: &str) -> String {
        self.try_revoke_membership(id).await.text("revokeMembership.id")
    }

    /// One user with their roles and the tenant or payer of each (asked of that user alone).
    pub async fn user_roles(&self, id: &str) -> Value {
        self.run(USER_ROLES, json!({ "id": id })).await.take("user")
    }

    /// The first 100 users this user manages, each with their roles and targets.
    pub async fn users_with_roles(&self) -> Vec<Value> {
        let edges = self.run(USERS_ROLES, json!({})).await.take("users.edges");
        edges.as_array().expect("users.edges").iter().map(|e| e["node"].clone()).collect()
    }

    /// The first 100 users this user manages.
    pub async fn users(&self) -> Value {
        self.run(USERS, json!({})).await.take("users.nodes")
    }

    pub async fn try_create_api_token(&self, input: Value) -> Gql {
        self.run(CREATE_API_TOKEN, json!({ "i": input })).await
    }

    /// Creates an API token; `{ secret token { .. } }` (the secret shown once).
    pub async fn create_api_token(&self, input: Value) -> Value {
        self.try_create_api_token(input).await.take("createApiToken")
    }

    /// The API tokens this user sees (never their secrets).
    pub async fn api_tokens(&self) -> Gql {
        self.run(API_TOKENS, json!({})).await
    }

    pub async fn try_revoke_api_token(&self, id: &str) -> Gql {
        self.run(REVOKE_API_TOKEN, json!({ "id": id })).await
    }

    pub async fn revoke_api_token(&self, id: &str) -> Value {
        self.try_revoke_api_token(id).await.take("revokeApiToken")
    }

    pub async fn try_me(&self) -> Gql {
        self.run(ME, json!({})).await
    }

    /// Who this token signs in as, with their memberships.
    pub async fn me(&self) -> Value {
        self.try_me().await.take("me")
    }

    pub async fn try_refresh_session(&self, refresh_token: &str) -> Gql {
        self.run(REFRESH_SESSION, json!({ "t": refresh_token })).await
    }

    /// Trades a refresh token for new tokens: `{ accessToken refreshToken user { id } }`.
    pub async fn refresh_session(&self, refresh_token: &str) -> Value {
        self.try_refresh_session(refresh_token).await.take("refreshSession")
    }

    pub async fn logout(&self) -> Value {
        self.run(LOGOUT, json!({})).await.take("logout")
    }

    pub async fn try_change_password(&self, current: &str, new: &str) -> Gql {
        self.run(CHANGE_PASSWORD, json!({ "c": current, "n": new })).await
    }

    pub async fn change_password(&self, current: &str, new: &str) -> Value {
        self.try_change_password(current, new).await.take("changePassword")
    }

    pub async fn try_bootstrap_admin(&self, code: &str, email: &str, password: &str) -> Gql {
        self.run(BOOTSTRAP_ADMIN, json!({ "c": code, "e": email, "p": password })).await
    }

    pub async fn try_set_password(&self, token: &str, password: &str) -> Gql {
        self.run(SET_PASSWORD, json!({ "t": token, "p": password })).await
    }

    /// Sets a password through a set-password token; the new access token.
    pub async fn set_password(&self, token: &str, password: &str) -> String {
        self.try_set_password(token, password).await.text("setPassword.accessToken")
    }

    // Contracts and onboarding.

    pub async fn try_create_contract(&self, input: &Value) -> Gql {
        self.run(CREATE_CONTRACT, json!({ "i": input })).await
    }

    /// Creates a contract; the contract.
    pub async fn create_contract(&self, input: &Value) -> Value {
        self.try_create_contract(input).await.take("createContract")
    }

    pub async fn try_update_contract(&self, id: &str, input: Value) -> Gql {
        self.run(UPDATE_CONTRACT, json!({ "id": id, "i": input })).await
    }

    pub async fn update_contract(&self, id: &str, input: Value) -> Value {
        self.try_update_contract(id, input).await.take("updateContract")
    }

    pub async fn try_end_contract(&self, id: &str, end_date: &str) -> Gql {
        self.run(END_CONTRACT, json!({ "id": id, "d": end_date })).await
    }

    pub async fn end_contract(&self, id: &str, end_date: &str) -> Value {
        self.try_end_contract(id, end_date).await.take("endContract")
    }

    pub async fn try_contract(&self, id: &str) -> Gql {
        self.run(CONTRACT, json!({ "id": id })).await
    }

    pub async fn contract(&self, id: &str) -> Value {
        self.try_contract(id).await.take("contract")
    }

    pub async fn try_contracts(&self, tenant: &str) -> Gql {
        self.run(CONTRACTS, json!({ "t": tenant })).await
    }

    /// A tenant's contracts (id and status), the first page.
    pub async fn contracts(&self, tenant: &str) -> Value {
        self.try_contracts(tenant).await.take("contracts")["nodes"].take()
    }

    pub async fn try_contracts_page(&self, tenant: &str, first: Option<i64>, after: Option<&str>) -> Gql {
        self.run(CONTRACTS_PAGE, json!({ "t": tenant, "first": first, "after": after })).await
    }

    /// A page of a tenant's contracts with its page info.
    pub async fn contracts_page(&self, tenant: &str, first: Option<i64>, after: Option<&str>) -> Value {
        self.try_contracts_page(tenant, first, after).await.take("contracts")
    }

    /// A contract with its customer and the payers it covers, as the caller sees them.
    pub async fn contract_parties(&self, id: &str) -> Value {
        self.run(CONTRACT_PARTIES, json!({ "id": id })).await.take("contract")
    }

    /// A tenant's contracts, each with its customer and payers (what the onboarding page lists).
    pub async fn contracts_parties(&self, tenant: &str) -> Value {
        self.run(CONTRACTS_PARTIES, json!({ "t": tenant })).await.take("contracts")["nodes"].take()
    }

    pub async fn try_onboarding(&self, customer: &str) -> Gql {
        self.run(ONBOARDING, json!({ "c": customer })).await
    }

    /// A customer's onboarding, step by step.
    pub async fn onboarding(&self, customer: &str) -> Value {
        self.try_onboarding(customer).await.take("onboarding")
    }

    pub async fn try_refresh_onboarding(&self, customer: &str) -> Gql {
        self.run(REFRESH_ONBOARDING, json!({ "c": customer })).await
    }

    /// Re-runs a customer's onboarding checks; the onboarding.
    pub async fn refresh_onboarding(&self, customer: &str) -> Value {
        self.try_refresh_onboarding(customer).await.take("refreshOnboarding")
    }

    pub async fn try_onboardings(&self, tenant: &str) -> Gql {
        self.run(ONBOARDINGS, json!({ "t": tenant })).await
    }

    /// The onboardings of the customers below a tenant, the first page.
    pub async fn onboardings(&self, tenant: &str) -> Value {
        self.try_onboardings(tenant).await.take("onboardings")["nodes"].take()
    }

    pub async fn try_onboardings_page(&self, tenant: &str, first: Option<i64>, after: Option<&str>) -> Gql {
        self.run(ONBOARDINGS_PAGE, json!({ "t": tenant, "first": first, "after": after })).await
    }

    /// A page of the onboardings below a tenant with its page info.
    pub async fn onboardings_page(&self, tenant: &str, first: Option<i64>, after: Option<&str>) -> Value {
        self.try_onboardings_page(tenant, first, after).await.take("onboardings")
    }

    // Payers.

    pub async fn try_register_payer(&self, input: &Value) -> Gql {
        self.run(REGISTER_PAYER, json!({ "i": input })).await
    }

    /// Registers a payer from a whole `RegisterPayerInput`; the payer.
    pub async fn register_payer(&self, input: &Value) -> Value {
        self.try_register_payer(input).await.take("registerPayer")
    }

    pub async fn try_check_payer_connection(&self, payer: &str) -> Gql {
        self.run(CHECK_PAYER_CONNECTION, json!({ "id": payer })).await
    }

    /// Checks a payer's connection; the payer's status afterwards.
    pub async fn check_payer_connection(&self, payer: &str) -> Value {
        self.try_check_payer_connection(payer).await.take("checkPayerConnection")
    }

    pub async fn try_payer(&self, id: &str) -> Gql {
        self.run(PAYER, json!({ "id": id })).await
    }

    pub async fn payer(&self, id: &str) -> Value {
        self.try_payer(id).await.take("payer")
    }

    /// The payers this user sees.
    pub async fn payers(&self) -> Value {
        self.run(PAYERS, json!({})).await.take("payers.nodes")
    }

    pub async fn try_update_payer(&self, id: &str, input: Value) -> Gql {
        self.run(UPDATE_PAYER, json!({ "id": id, "i": input })).await
    }

    pub async fn update_payer(&self, id: &str, input: Value) -> Value {
        self.try_update_payer(id, input).await.take("updatePayer")
    }

    pub async fn try_remove_payer(&self, id: &str) -> Gql {
        self.run(REMOVE_PAYER, json!({ "id": id })).await
    }

    /// Removes a payer; its id.
    pub async fn remove_payer(&self, id: &str) -> String {
        self.try_remove_payer(id).await.text("removePayer.id")
    }

    pub async fn try_move_payer(&self, id: &str, tenant: &str) -> Gql {
        self.run(MOVE_PAYER, json!({ "id": id, "t": tenant })).await
    }

    /// Moves a payer to another tenant; the payer.
    pub async fn move_payer(&self, id: &str, tenant: &str) -> Value {
        self.try_move_payer(id, tenant).await.take("movePayer")
    }

    pub async fn try_select_cost_export(&self, payer: &str, export_name: &str) -> Gql {
        self.run(SELECT_COST_EXPORT, json!({ "p": payer, "n": export_name })).await
    }

    /// Points a payer's ingestion at a valid export of its last validation.
    pub async fn select_cost_export(&self, payer: &str, export_name: &str) -> Value {
        self.try_select_cost_export(payer, export_name).await.take("selectCostExport")
    }

    pub async fn try_validate_cost_exports(&self, payer: &str) -> Gql {
        self.run(VALIDATE_COST_EXPORTS, json!({ "p": payer })).await
    }

    /// Judges every cost export the payer's account has (calls AWS); the validation.
    pub async fn validate_cost_exports(&self, payer: &str) -> Value {
        self.try_validate_cost_exports(payer).await.take("validateCostExports")
    }

    /// The stored result of the payer's last validation (no AWS call), or null.
    pub async fn cost_export_validation(&self, payer: &str) -> Value {
        self.run(COST_EXPORT_VALIDATION, json!({ "p": payer })).await.take("costExportValidation")
    }

    pub async fn try_create_reseller_payer(&self, billing_group: &str, name: &str) -> Gql {
        self.run(CREATE_RESELLER_PAYER, json!({ "g": billing_group, "n": name })).await
    }

    /// Gives the reseller billed by a group its own payer; the payer.
    pub async fn create_reseller_payer(&self, billing_group: &str, name: &str) -> Value {
        self.try_create_reseller_payer(billing_group, name).await.take("createResellerPayer")
    }

    pub async fn try_source_data_health(&self, tenant: &str) -> Gql {
        self.run(SOURCE_DATA_HEALTH, json!({ "t": tenant })).await
    }

    /// The health of the cost data below a tenant, worst first.
    pub async fn source_data_health(&self, tenant: &str) -> Value {
        self.try_source_data_health(tenant).await.take("sourceDataHealth")
    }

    /// `prefix` as in `setPayerCostExport` (`None`: left out).
    pub async fn try_set_payer_cost_export(&self, payer: &str, bucket: &str, prefix: Option<&str>) -> Gql {
        self.run(SET_PAYER_COST_EXPORT, json!({ "p": payer, "b": bucket, "x": prefix })).await
    }

    /// Points a payer at its own cost export bucket; `{ costExportBucket costExportPrefix }`.
    pub async fn set_payer_cost_export(&self, payer: &str, bucket: &str, prefix: Option<&str>) -> Value {
        self.try_set_payer_cost_export(payer, bucket, prefix).await.take("setPayerCostExport")
    }

    /// Days `from`..`to` (`YYYY-MM-DD`) pulled from Cost Explorer.
    pub async fn try_backfill_costs(&self, payer: &str, from: &str, to: &str) -> Gql {
        self.run(BACKFILL_COSTS, json!({ "p": payer, "f": from, "t": to })).await
    }

    /// Starts a Cost Explorer backfill; the job's id.
    pub async fn backfill_costs(&self, payer: &str, from: &str, to: &str) -> String {
        self.try_backfill_costs(payer, from, to).await.text("backfillCosts.id")
    }

    pub async fn try_import_legacy_dynamo_db(&self, input: Value) -> Gql {
        self.run(IMPORT_LEGACY_DYNAMO_DB, json!({ "i": input })).await
    }

    /// Starts importing the prior tool's DynamoDB table from a whole `ImportLegacyDynamoDbInput`; the job's id.
    pub async fn import_legacy_dynamo_db(&self, input: Value) -> String {
        self.try_import_legacy_dynamo_db(input).await.text("importLegacyDynamoDb.id")
    }

    pub async fn try_ingest_costs(&self, payer: &str, period: Option<&str>) -> Gql {
        self.run(INGEST_COSTS, json!({ "p": payer, "m": period })).await
    }

    /// Starts ingesting a payer's month (`None`: the current one) from its bucket; the job's id.
    pub async fn ingest_costs(&self, payer: &str, period: Option<&str>) -> String {
        self.try_ingest_costs(payer, period).await.text("ingestCosts.id")
    }

    pub async fn ingestion_health(&self, payer: &str) -> Value {
        self.run(INGESTION_HEALTH, json!({ "p": payer })).await.take("ingestionHealth")
    }

    // Pricing and billing.

    pub async fn try_create_pricing_rule(&self, input: Value) -> Gql {
        self.run(CREATE_PRICING_RULE, json!({ "i": input })).await
    }

    /// Creates a pricing rule from a whole `CreatePricingRuleInput`; its id.
    pub async fn create_pricing_rule(&self, input: Value) -> String {
        self.try_create_pricing_rule(input).await.text("createPricingRule.id")
    }

    pub async fn try_pricing_rules(&self, payer: &str) -> Gql {
        self.run(PRICING_RULES, json!({ "p": payer })).await
    }

    /// A payer's pricing rules.
    pub async fn pricing_rules(&self, payer: &str) -> Value {
        self.try_pricing_rules(payer).await.take("pricingRules")
    }

    pub async fn try_update_billing_group(&self, id: &str, input: Value) -> Gql {
        self.run(UPDATE_BILLING_GROUP, json!({ "id": id, "i": input })).await
    }

    /// Deletes a billing group; its id.
    pub async fn delete_billing_group(&self, id: &str) -> String {
        self.run(DELETE_BILLING_GROUP, json!({ "id": id })).await.text("deleteBillingGroup.id")
    }

    pub async fn custom_line_items(&self, payer: &str) -> Value {
        self.run(CUSTOM_LINE_ITEMS, json!({ "p": payer })).await.take("customLineItems")
    }

    /// Updates a billing group; its accounts and memberships afterwards.
    pub async fn update_billing_group(&self, id: &str, input: Value) -> Value {
        self.try_update_billing_group(id, input).await.take("updateBillingGroup")
    }

    pub async fn try_update_pricing_rule(&self, id: &str, input: Value) -> Gql {
        self.run(UPDATE_PRICING_RULE, json!({ "id": id, "i": input })).await
    }

    pub async fn update_pricing_rule(&self, id: &str, input: Value) -> String {
        self.try_update_pricing_rule(id, input).await.text("updatePricingRule.id")
    }

    pub async fn try_create_pricing_plan(&self, input: Value) -> Gql {
        self.run(CREATE_PRICING_PLAN, json!({ "i": input })).await
    }

    /// Creates a pricing plan from a whole `CreatePricingPlanInput`; its id.
    pub async fn create_pricing_plan(&self, input: Value) -> String {
        self.try_create_pricing_plan(input).await.text("createPricingPlan.id")
    }

    pub async fn try_create_billing_group(&self, input: Value) -> Gql {
        self.run(CREATE_BILLING_GROUP, json!({ "i": input })).await
    }

    /// Creates a billing group from a whole `CreateBillingGroupInput`; its id.
    pub async fn create_billing_group(&self, input: Value) -> String {
        self.try_create_billing_group(input).await.text("createBillingGroup.id")
    }

    pub async fn try_create_custom_line_item(&self, input: Value) -> Gql {
        self.run(CREATE_CUSTOM_LINE_ITEM, json!({ "i": input })).await
    }

    /// Creates a custom line item from a whole `CreateCustomLineItemInput`; its id.
    pub async fn create_custom_line_item(&self, input: Value) -> String {
        self.try_create_custom_line_item(input).await.text("createCustomLineItem.id")
    }

    pub async fn try_billing_group_cost_reports(&self, payer: &str, period: &str) -> Gql {
        self.run(BILLING_GROUP_COST_REPORTS, json!({ "p": payer, "m": period })).await
    }

    /// The billing page: each group's AWS cost, price and margin for a month.
    pub async fn billing_group_cost_reports(&self, payer: &str, period: &str) -> Value {
        self.try_billing_group_cost_reports(payer, period).await.take("billingGroupCostReports")
    }

    pub async fn try_billing_group_cost_report(&self, group: &str, from: &str, to: &str) -> Gql {
        self.run(BILLING_GROUP_COST_REPORT, json!({ "g": group, "from": from, "to": to })).await
    }

    /// A group's report over months `from`..`to`, its lines grouped `by` (`SERVICE`, `ACCOUNT`, `PERIOD`).
    pub async fn try_billing_group_cost_report_by(&self, group: &str, from: &str, to: &str, by: &str) -> Gql {
        self.run(BILLING_GROUP_COST_REPORT, json!({ "g": group, "from": from, "to": to, "by": by })).await
    }

    pub async fn billing_group_cost_report_by(&self, group: &str, from: &str, to: &str, by: &str) -> Value {
        self.try_billing_group_cost_report_by(group, from, to, by).await.take("billingGroupCostReport")
    }

    pub async fn try_billing_results(&self, group: &str, period: &str) -> Gql {
        self.run(BILLING_RESULTS, json!({ "g": group, "m": period })).await
    }

    pub async fn billing_results(&self, group: &str, period: &str) -> Value {
        self.try_billing_results(group, period).await.take("billingResults")
    }

    /// Prices a payer's month afresh; each group's result.
    pub async fn recompute_billing(&self, payer: &str, period: &str) -> Value {
        self.run(RECOMPUTE_BILLING, json!({ "p": payer, "m": period })).await.take("recomputeBilling")
    }

    /// What this user's tenant is charged for a month, per billing group.
    pub async fn my_charges(&self, period: &str) -> Value {
        self.run(MY_CHARGES, json!({ "m": period })).await.take("myCharges")
    }

    pub async fn my_payer_ids(&self) -> Value {
        self.run(MY_PAYER_IDS, json!({})).await.take("myPayerIds")
    }

    pub async fn try_reseller_margin(&self, payer: &str, period: &str) -> Gql {
        self.run(RESELLER_MARGIN, json!({ "p": payer, "m": period })).await
    }

    pub async fn reseller_margin(&self, payer: &str, period: &str) -> Value {
        self.try_reseller_margin(payer, period).await.take("resellerMargin")
    }

    pub async fn try_close_billing_period(&self, payer: &str, period: &str) -> Gql {
        self.run(CLOSE_BILLING_PERIOD, json!({ "p": payer, "m": period })).await
    }

    /// Closes a payer's month; its status.
    pub async fn close_billing_period(&self, payer: &str, period: &str) -> String {
        self.try_close_billing_period(payer, period).await.text("closeBillingPeriod.status")
    }

    pub async fn try_reopen_billing_period(&self, payer: &str, period: &str) -> Gql {
        self.run(REOPEN_BILLING_PERIOD, json!({ "p": payer, "m": period })).await
    }

    pub async fn try_billing_period(&self, payer: &str, period: &str) -> Gql {
        self.run(BILLING_PERIOD, json!({ "p": payer, "m": period })).await
    }

    /// A payer's month: its status, invoice count and pending adjustments.
    pub async fn billing_period(&self, payer: &str, period: &str) -> Value {
        self.try_billing_period(payer, period).await.take("billingPeriod")
    }

    pub async fn draft_invoices(&self, payer: &str, period: &str) -> Gql {
        self.run(DRAFT_INVOICES, json!({ "p": payer, "m": period })).await
    }

    pub async fn try_update_pricing_plan(&self, id: &str, input: Value) -> Gql {
        self.run(UPDATE_PRICING_PLAN, json!({ "id": id, "i": input })).await
    }

    pub async fn update_pricing_plan(&self, id: &str, input: Value) -> Value {
        self.try_update_pricing_plan(id, input).await.take("updatePricingPlan")
    }

    // Invoicing.

    pub async fn try_set_exchange_rate(&self, input: Value) -> Gql {
        self.run(SET_EXCHANGE_RATE, json!({ "i": input })).await
    }

    /// Enters a month's exchange rate from a whole `SetExchangeRateInput`; the rate.
    pub async fn set_exchange_rate(&self, input: Value) -> Value {
        self.try_set_exchange_rate(input).await.take("setExchangeRate.rate")
    }

    pub async fn try_invoice(&self, id: &str) -> Gql {
        self.run(INVOICE, json!({ "id": id })).await
    }

    /// An invoice or note with its parties and lines.
    pub async fn invoice(&self, id: &str) -> Value {
        self.try_invoice(id).await.take("invoice")
    }

    pub async fn try_invoices(&self, filter: Value) -> Gql {
        self.run(INVOICES, json!({ "f": filter })).await
    }

    /// The invoices this user sees, filtered by an `InvoiceFilterInput` (or null).
    pub async fn invoices(&self, filter: Value) -> Value {
        self.try_invoices(filter).await.take("invoices")
    }

    pub async fn try_issue_invoice(&self, id: &str) -> Gql {
        self.run(ISSUE_INVOICE, json!({ "id": id })).await
    }

    /// Issues a draft (numbering it); the issued invoice.
    pub async fn issue_invoice(&self, id: &str) -> Value {
        self.try_issue_invoice(id).await.take("issueInvoice")
    }

    /// `format`: `PDF` or `CSV`.
    pub async fn try_invoice_document(&self, id: &str, format: &str) -> Gql {
        self.run(INVOICE_DOCUMENT, json!({ "id": id, "f": format })).await
    }

    /// An invoice's document: `{ fileName contentType contentBase64 }`.
    pub async fn invoice_document(&self, id: &str, format: &str) -> Value {
        self.try_invoice_document(id, format).await.take("invoiceDocument")
    }

    pub async fn try_mark_invoice_paid(&self, id: &str, date: &str, reference: &str) -> Gql {
        self.run(MARK_INVOICE_PAID, json!({ "id": id, "d": date, "r": reference })).await
    }

    pub async fn mark_invoice_paid(&self, id: &str, date: &str, reference: &str) -> Value {
        self.try_mark_invoice_paid(id, date, reference).await.take("markInvoicePaid")
    }

    pub async fn try_void_invoice(&self, id: &str, reason: &str) -> Gql {
        self.run(VOID_INVOICE, json!({ "id": id, "r": reason })).await
    }

    pub async fn void_invoice(&self, id: &str, reason: &str) -> Value {
        self.try_void_invoice(id, reason).await.take("voidInvoice")
    }

    pub async fn try_delete_invoice_draft(&self, id: &str) -> Gql {
        self.run(DELETE_INVOICE_DRAFT, json!({ "id": id })).await
    }

    pub async fn try_create_invoice_note(&self, input: Value) -> Gql {
        self.run(CREATE_INVOICE_NOTE, json!({ "i": input })).await
    }

    pub async fn try_create_note_from_adjustment(&self, adjustment: &str) -> Gql {
        self.run(CREATE_NOTE_FROM_ADJUSTMENT, json!({ "a": adjustment })).await
    }

    /// Turns a pending adjustment into a draft note on its invoice; the note.
    pub async fn create_note_from_adjustment(&self, adjustment: &str) -> Value {
        self.try_create_note_from_adjustment(adjustment).await.take("createNoteFromAdjustment")
    }

    // Audit.

    /// A page of the audit trail this user may read: `filter` as `AuditEventFilter` (or null).
    pub async fn audit_events(&self, filter: Value, first: Option<i64>, after: Option<&str>) -> Gql {
        self.run(AUDIT_EVENTS, json!({ "f": filter, "n": first, "a": after })).await
    }

    /// The audit trail as a CloudTrail log file (itself audited as a read).
    pub async fn try_export_audit_events(&self, filter: Value) -> Gql {
        self.run(EXPORT_AUDIT_EVENTS, json!({ "f": filter })).await
    }

    // Billing transfer.

    pub async fn try_set_payer_billing_mode(&self, payer: &str, mode: &str) -> Gql {
        self.run(SET_PAYER_BILLING_MODE, json!({ "p": payer, "m": mode })).await
    }

    /// Sets how a payer is billed (`NATIVE` or `BILLING_CONDUCTOR`); the sync status.
    pub async fn set_payer_billing_mode(&self, payer: &str, mode: &str) -> Value {
        self.try_set_payer_billing_mode(payer, mode).await.take("setPayerBillingMode")
    }

    /// What of a payer's billing is pushed to Billing Conductor, waiting, or refused.
    pub async fn billing_conductor_status(&self, payer: &str) -> Value {
        self.run(BILLING_CONDUCTOR_STATUS, json!({ "p": payer })).await.take("billingConductorStatus")
    }

    pub async fn try_import_billing_conductor(&self, payer: &str) -> Gql {
        self.run(IMPORT_BILLING_CONDUCTOR, json!({ "p": payer })).await
    }

    /// Imports a payer's existing Billing Conductor setup; the counts (and what was skipped).
    pub async fn import_billing_conductor(&self, payer: &str) -> Value {
        self.try_import_billing_conductor(payer).await.take("importBillingConductor")
    }

    pub async fn try_invite_organization_to_transfer_billing(&self, input: Value) -> Gql {
        self.run(INVITE_ORGANIZATION_TO_TRANSFER_BILLING, json!({ "i": input })).await
    }

    /// Invites a customer's organization to transfer its billing to the payer; the transfer.
    pub async fn invite_organization_to_transfer_billing(&self, input: Value) -> Value {
        self.try_invite_organization_to_transfer_billing(input).await.take("inviteOrganizationToTransferBilling")
    }

    pub async fn try_billing_transfer(&self, id: &str) -> Gql {
        self.run(BILLING_TRANSFER, json!({ "id": id })).await
    }

    pub async fn billing_transfer(&self, id: &str) -> Value {
        self.try_billing_transfer(id).await.take("billingTransfer")
    }

    pub async fn billing_transfers(&self, payer: &str) -> Value {
        self.run(BILLING_TRANSFERS, json!({ "p": payer })).await.take("billingTransfers")
    }

    pub async fn try_create_transfer_billing_group(&self, transfer: &str) -> Gql {
        self.run(CREATE_TRANSFER_BILLING_GROUP, json!({ "id": transfer })).await
    }

    /// Creates the TRANSFER_BILLING group of an accepted transfer; the group.
    pub async fn create_transfer_billing_group(&self, transfer: &str) -> Value {
        self.try_create_transfer_billing_group(transfer).await.take("createTransferBillingGroup.billingGroup")
    }

    pub async fn try_end_billing_transfer(&self, id: &str, end_date: &str) -> Gql {
        self.run(END_BILLING_TRANSFER, json!({ "id": id, "d": end_date })).await
    }

    pub async fn end_billing_transfer(&self, id: &str, end_date: &str) -> Value {
        self.try_end_billing_transfer(id, end_date).await.take("endBillingTransfer")
    }

    pub async fn try_withdraw_billing_transfer(&self, id: &str) -> Gql {
        self.run(WITHDRAW_BILLING_TRANSFER, json!({ "id": id })).await
    }

    pub async fn withdraw_billing_transfer(&self, id: &str) -> Value {
        self.try_withdraw_billing_transfer(id).await.take("withdrawBillingTransfer")
    }

    /// A payer's billing groups with their accounts in a month (`None`: the current one).
    pub async fn try_billing_groups(&self, payer: &str, period: Option<&str>) -> Gql {
        self.run(BILLING_GROUPS, json!({ "p": payer, "m": period })).await
    }

    pub async fn billing_groups(&self, payer: &str, period: Option<&str>) -> Value {
        self.try_billing_groups(payer, period).await.take("billingGroups")
    }

    pub async fn pricing_plans(&self, payer: &str) -> Value {
        self.run(PRICING_PLANS, json!({ "p": payer })).await.take("pricingPlans")
    }

    // Cost insights.

    pub async fn try_cost_summary(&self, input: &Value) -> Gql {
        self.run(COST_SUMMARY, json!({ "i": input })).await
    }

    /// Cost over a range from a whole `CostSummaryInput`: total, groups and series.
    pub async fn cost_summary(&self, input: &Value) -> Value {
        self.try_cost_summary(input).await.take("costSummary")
    }

    pub async fn try_month_over_month(&self, input: &Value) -> Gql {
        self.run(MONTH_OVER_MONTH, json!({ "i": input })).await
    }

    /// A month against the one before it, from a whole `MonthOverMonthInput`.
    pub async fn month_over_month(&self, input: &Value) -> Value {
        self.try_month_over_month(input).await.take("monthOverMonth")
    }

    /// `metric` and `customer` as in `costForecast` (`None` leaves them to their defaults).
    pub async fn try_cost_forecast(&self, payers: &[&str], month: &str, metric: Option<&str>, customer: Option<&str>) -> Gql {
        let mut vars = json!({ "p": payers, "m": month, "c": customer });
        if let Some(metric) = metric {
            vars["metric"] = json!(metric);
        }
        self.run(COST_FORECAST, vars).await
    }

    pub async fn cost_forecast(&self, payers: &[&str], month: &str, metric: Option<&str>, customer: Option<&str>) -> Value {
        self.try_cost_forecast(payers, month, metric, customer).await.take("costForecast")
    }

    /// One account's bill for a month, in a metric and a locale (`None`: the defaults).
    pub async fn try_account_monthly_bill(&self, payer: &str, account: &str, month: &str, metric: Option<&str>, locale: Option<&str>) -> Gql {
        let mut vars = json!({ "p": payer, "a": account, "m": month });
        if let Some(metric) = metric {
            vars["metric"] = json!(metric);
        }
        if let Some(locale) = locale {
            vars["locale"] = json!(locale);
        }
        self.run(ACCOUNT_MONTHLY_BILL, vars).await
    }

    pub async fn account_monthly_bill(&self, payer: &str, account: &str, month: &str, metric: Option<&str>, locale: Option<&str>) -> Value {
        self.try_account_monthly_bill(payer, account, month, metric, locale).await.take("accountMonthlyBill")
    }

    /// A payer's month as a FOCUS CSV.
    pub async fn try_focus_export(&self, payer: &str, period: &str) -> Gql {
        self.run(FOCUS_EXPORT, json!({ "p": payer, "m": period })).await
    }

    /// A FOCUS file of a payer's AWS cost, a customer's charges, or (neither) one's own charges.
    pub async fn try_focus_export_of(&self, payer: Option<&str>, customer: Option<&str>, period: &str, format: &str) -> Gql {
        self.run(FOCUS_EXPORT, json!({ "p": payer, "c": customer, "m": period, "f": format })).await
    }

    /// The file: `{ fileName contentType contentBase64 }`.
    pub async fn focus_export_of(&self, payer: Option<&str>, customer: Option<&str>, period: &str, format: &str) -> Value {
        self.try_focus_export_of(payer, customer, period, format).await.take("focusExport")
    }

    pub async fn try_set_cost_allocation_keys(&self, payer: &str, keys: Value) -> Gql {
        self.run(SET_COST_ALLOCATION_KEYS, json!({ "p": payer, "k": keys })).await
    }

    /// Selects the tags and cost categories a payer's costs are kept by; the keys.
    pub async fn set_cost_allocation_keys(&self, payer: &str, keys: Value) -> Value {
        self.try_set_cost_allocation_keys(payer, keys).await.take("setCostAllocationKeys")
    }

    pub async fn try_cost_allocation_keys(&self, payer: &str) -> Gql {
        self.run(COST_ALLOCATION_KEYS, json!({ "p": payer })).await
    }

    pub async fn cost_allocation_keys(&self, payer: &str) -> Value {
        self.try_cost_allocation_keys(payer).await.take("costAllocationKeys")
    }

    pub async fn service_categories(&self) -> Value {
        self.run(SERVICE_CATEGORIES, json!({})).await.take("serviceCategories")
    }

    // Optimization.

    /// A payer's Cost Optimization Hub recommendations, for one customer or all (`None`), the
    /// first `first` of them.
    pub async fn try_optimization_insights(&self, payer: &str, customer: Option<&str>, first: Option<i64>) -> Gql {
        self.run(OPTIMIZATION_INSIGHTS, json!({ "p": payer, "c": customer, "n": first })).await
    }

    pub async fn optimization_insights(&self, payer: &str, customer: Option<&str>, first: Option<i64>) -> Value {
        self.try_optimization_insights(payer, customer, first).await.take("optimizationInsights")
    }

    pub async fn try_refresh_optimization_insights(&self, payer: &str) -> Gql {
        self.run(REFRESH_OPTIMIZATION_INSIGHTS, json!({ "p": payer })).await
    }

    /// Starts a pull of a payer's recommendations; the job's id.
    pub async fn refresh_optimization_insights(&self, payer: &str) -> String {
        self.try_refresh_optimization_insights(payer).await.text("refreshOptimizationInsights.id")
    }

    /// Savings per customer across the partner's payers (the upsell list).
    pub async fn optimization_savings_by_customer(&self) -> Value {
        self.run(OPTIMIZATION_SAVINGS_BY_CUSTOMER, json!({})).await.take("optimizationSavingsByCustomer")
    }

    // Notifications.

    pub async fn try_subscribe(&self, input: Value) -> Gql {
        self.run(SUBSCRIBE, json!({ "i": input })).await
    }

    /// Subscribes from a whole `SubscribeInput`; the subscription.
    pub async fn subscribe(&self, input: Value) -> Value {
        self.try_subscribe(input).await.take("subscribe")
    }

    pub async fn try_create_webhook_endpoint(&self, input: Value) -> Gql {
        self.run(CREATE_WEBHOOK_ENDPOINT, json!({ "i": input })).await
    }

    /// Creates a webhook endpoint; `{ secret endpoint { id enabled } }` (the secret shown once).
    pub async fn create_webhook_endpoint(&self, input: Value) -> Value {
        self.try_create_webhook_endpoint(input).await.take("createWebhookEndpoint")
    }

    pub async fn try_update_webhook_endpoint(&self, id: &str, input: Value) -> Gql {
        self.run(UPDATE_WEBHOOK_ENDPOINT, json!({ "id": id, "i": input })).await
    }

    pub async fn update_webhook_endpoint(&self, id: &str, input: Value) -> Value {
        self.try_update_webhook_endpoint(id, input).await.take("updateWebhookEndpoint")
    }

    pub async fn webhook_endpoints(&self) -> Gql {
        self.run(WEBHOOK_ENDPOINTS, json!({})).await
    }

    pub async fn webhook_deliveries(&self, endpoint: &str) -> Value {
        self.run(WEBHOOK_DELIVERIES, json!({ "e": endpoint })).await.take("webhookDeliveries.nodes")
    }

    pub async fn try_redeliver_webhook(&self, delivery: &str) -> Gql {
        self.run(REDELIVER_WEBHOOK, json!({ "d": delivery })).await
    }

    pub async fn redeliver_webhook(&self, delivery: &str) -> Value {
        self.try_redeliver_webhook(delivery).await.take("redeliverWebhook")
    }

    pub async fn try_notifications(&self, filter: Value) -> Gql {
        self.run(NOTIFICATIONS, json!({ "f": filter })).await
    }

    /// The delivery log, filtered.
    pub async fn notifications(&self, filter: Value) -> Vec<Value> {
        self.try_notifications(filter).await.data("notifications.nodes").as_array().unwrap().clone()
    }

    pub async fn try_update_notification_template(&self, input: Value) -> Gql {
        self.run(UPDATE_NOTIFICATION_TEMPLATE, json!({ "i": input })).await
    }

    /// Overrides a tenant's template from a whole `UpdateNotificationTemplateInput`; `{ subject overridden }`.
    pub async fn update_notification_template(&self, input: Value) -> Value {
        self.try_update_notification_template(input).await.take("updateNotificationTemplate")
    }

    pub async fn notification_templates(&self, tenant: &str) -> Value {
        self.run(NOTIFICATION_TEMPLATES, json!({ "t": tenant })).await.take("notificationTemplates")
    }

    pub async fn preview_notification_template(&self, input: Value) -> Value {
        self.run(PREVIEW_NOTIFICATION_TEMPLATE, json!({ "i": input })).await.take("previewNotificationTemplate")
    }

    pub async fn try_demo_outbox(&self) -> Gql {
        self.run(DEMO_OUTBOX, json!({})).await
    }

    /// The demo mail sink's newest mails (global admins only).
    pub async fn demo_outbox(&self) -> Value {
        self.try_demo_outbox().await.take("demoOutbox")
    }

    /// Whether this user may read the demo outbox (and the server runs it).
    pub async fn demo_outbox_enabled(&self) -> bool {
        self.run(DEMO_OUTBOX_ENABLED, json!({})).await.data("demoOutboxEnabled").as_bool().expect("a boolean")
    }

    pub async fn try_send_service_notice(&self, input: Value) -> Gql {
        self.run(SEND_SERVICE_NOTICE, json!({ "i": input })).await
    }

    /// Sends a service notice; the ids of the events recorded.
    pub async fn send_service_notice(&self, input: Value) -> Value {
        self.try_send_service_notice(input).await.take("sendServiceNotice.eventIds")
    }

    // Organizations.

    pub async fn try_sync_accounts(&self, payer: &str) -> Gql {
        self.run(SYNC_ACCOUNTS, json!({ "p": payer })).await
    }

    /// A page of a payer's accounts: `first`, `after` and a search as in `linkedAccounts`.
    pub async fn linked_accounts(&self, payer: &str, first: Option<i64>, after: Option<&Value>, search: Option<&str>) -> Value {
        self.run(LINKED_ACCOUNTS, json!({ "p": payer, "first": first, "after": after, "search": search })).await.take("linkedAccounts")
    }

    pub async fn try_linked_account(&self, payer: &str, account: &str) -> Gql {
        self.run(LINKED_ACCOUNT, json!({ "p": payer, "a": account })).await
    }

    pub async fn linked_account(&self, payer: &str, account: &str) -> Value {
        self.try_linked_account(payer, account).await.take("linkedAccount")
    }

    pub async fn organizational_units(&self, payer: &str) -> Value {
        self.run(ORGANIZATIONAL_UNITS, json!({ "p": payer })).await.take("organizationalUnits")
    }

    pub async fn try_create_linked_account(&self, input: Value) -> Gql {
        self.run(CREATE_LINKED_ACCOUNT, json!({ "i": input })).await
    }

    /// Starts creating an account in a payer's organization; the job's id.
    pub async fn create_linked_account(&self, input: Value) -> String {
        self.try_create_linked_account(input).await.text("createLinkedAccount.id")
    }

    pub async fn try_invite_account(&self, input: Value) -> Gql {
        self.run(INVITE_ACCOUNT, json!({ "i": input })).await
    }

    /// Invites an account into a payer's organization from a whole `InviteAccountInput`; the handshake.
    pub async fn invite_account(&self, input: Value) -> Value {
        self.try_invite_account(input).await.take("inviteAccount")
    }

    /// A payer's invitations (handshakes) and their states.
    pub async fn invitations(&self, payer: &str) -> Value {
        self.run(INVITATIONS, json!({ "p": payer })).await.take("invitations")
    }

    pub async fn try_close_linked_account(&self, payer: &str, account: &str, confirm: &str) -> Gql {
        self.run(CLOSE_LINKED_ACCOUNT, json!({ "p": payer, "a": account, "c": confirm })).await
    }

    /// Closes an account (confirmed by its own id); the account afterwards.
    pub async fn close_linked_account(&self, payer: &str, account: &str) -> Value {
        self.try_close_linked_account(payer, account, account).await.take("closeLinkedAccount")
    }

    pub async fn try_move_linked_account(&self, payer: &str, account: &str, ou: &str) -> Gql {
        self.run(MOVE_LINKED_ACCOUNT, json!({ "p": payer, "a": account, "d": ou })).await
    }

    pub async fn move_linked_account(&self, payer: &str, account: &str, ou: &str) -> Value {
        self.try_move_linked_account(payer, account, ou).await.take("moveLinkedAccount")
    }

    pub async fn try_remove_linked_account(&self, payer: &str, account: &str) -> Gql {
        self.run(REMOVE_LINKED_ACCOUNT, json!({ "p": payer, "a": account })).await
    }

    pub async fn remove_linked_account(&self, payer: &str, account: &str) -> Value {
        self.try_remove_linked_account(payer, account).await.take("removeLinkedAccount")
    }

    pub async fn policy_templates(&self) -> Value {
        self.run(POLICY_TEMPLATES, json!({})).await.take("policyTemplates")
    }

    /// `params` left out when `None` (the JSON scalar takes no null).
    pub async fn try_create_policy_from_template(&self, payer: &str, template: &str, params: Option<Value>) -> Gql {
        let mut vars = json!({ "p": payer, "t": template });
        if let Some(params) = params {
            vars["params"] = params;
        }
        self.run(CREATE_POLICY_FROM_TEMPLATE, vars).await
    }

    /// Creates an SCP from the library; the policy.
    pub async fn create_policy_from_template(&self, payer: &str, template: &str, params: Option<Value>) -> Value {
        self.try_create_policy_from_template(payer, template, params).await.take("createPolicyFromTemplate")
    }

    pub async fn try_create_policy(&self, payer: &str, name: &str, document: &str) -> Gql {
        self.run(CREATE_POLICY, json!({ "p": payer, "n": name, "d": document })).await
    }

    pub async fn update_policy(&self, payer: &str, policy: &str, input: Value) -> Value {
        self.run(UPDATE_POLICY, json!({ "p": payer, "pol": policy, "i": input })).await.take("updatePolicy")
    }

    pub async fn try_delete_policy(&self, payer: &str, policy: &str) -> Gql {
        self.run(DELETE_POLICY, json!({ "p": payer, "pol": policy })).await
    }

    pub async fn policies(&self, payer: &str) -> Gql {
        self.run(POLICIES, json!({ "p": payer })).await
    }

    pub async fn try_attach_policy(&self, payer: &str, policy: &str, target: &str) -> Gql {
        self.run(ATTACH_POLICY, json!({ "p": payer, "pol": policy, "t": target })).await
    }

    pub async fn attach_policy(&self, payer: &str, policy: &str, target: &str) -> Value {
        self.try_attach_policy(payer, policy, target).await.take("attachPolicy")
    }

    pub async fn try_detach_policy(&self, payer: &str, policy: &str, target: &str) -> Gql {
        self.run(DETACH_POLICY, json!({ "p": payer, "pol": policy, "t": target })).await
    }

    pub async fn detach_policy(&self, payer: &str, policy: &str, target: &str) -> Value {
        self.try_detach_policy(payer, policy, target).await.take("detachPolicy")
    }

    pub async fn policies_for_target(&self, payer: &str, target: &str) -> Value {
        self.run(POLICIES_FOR_TARGET, json!({ "p": payer, "t": target })).await.take("policiesForTarget")
    }
}
