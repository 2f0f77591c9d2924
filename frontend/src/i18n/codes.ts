// The API's codes shown to people, and how each becomes words. GraphQL enums are typed (a page
// calls `t(\`role.${m.role}\`)` and the type checker wants every key); codes the API sends as
// plain strings are listed here. codes.test.ts holds both lists to the messages in both
// languages, and fails on an enum of api/schema.graphql nobody has decided about.

import { en, type MessageKey } from './messages';

type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** Codes the API sends as strings, by family (the message key is `${family}.${code}`). */
export const CODES = {
  /** Job kinds (api/src/jobs/handlers.rs, notify/dispatch.rs, domain/billing/abc_sync.rs). */
  jobKind: [
    'accounts.sync',
    'accounts.sync_all',
    'accounts.create',
    'invitations.refresh',
    'costs.ingest',
    'costs.ingest_all',
    'costs.pull',
    'costs.pull_all',
    'costs.import_legacy',
    'audit.prune',
    'audit.digest',
    'notify.dispatch',
    'billing.abc_sync',
    'billing.abc_reports',
    'billing.close_periods',
    'billing_transfers.follow',
    'optimization.pull',
    'optimization.pull_all',
    'payers.await_connection',
  ],
  /** `userIdentity.type` of an audit event (api/src/audit/mod.rs, Actor::kind). */
  auditActor: ['User', 'ApiToken', 'System', 'Unknown'],
  /** AWS Organizations handshake states. */
  invitationState: ['REQUESTED', 'OPEN', 'ACCEPTED', 'DECLINED', 'CANCELED', 'EXPIRED'],
  /** `LinkedAccount.joinedMethod`. */
  joinedMethod: ['CREATED', 'INVITED'],
  /** `BillingGroupCostReportSummary.source`. */
  costSource: ['cur', 'focus', 'ce', 'none'],
  /** `OptimizationRecommendation.implementationEffort` (AWS Cost Optimization Hub). */
  effort: ['VeryLow', 'Low', 'Medium', 'High', 'VeryHigh'],
  /** `OptimizationRecommendation.actionType` (AWS Cost Optimization Hub); another shows as it is. */
  optimizationAction: ['Rightsize', 'Stop', 'Upgrade', 'Delete', 'ScaleIn', 'MigrateToGraviton', 'PurchaseSavingsPlans', 'PurchaseReservedInstances'],
  /** `extensions.code`, and an audit event's `errorCode`. */
  errorCode: ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'VALIDATION', 'CONFLICT', 'RATE_LIMITED', 'INTERNAL'],
} as const satisfies Record<string, readonly string[]>;

export type CodeFamily = keyof typeof CODES;

/**
 * GraphQL enums (api/schema.graphql) that pages show, with the prefix of their message keys
 * (`${prefix}.${VALUE}`).
 */
export const SHOWN_ENUMS: Readonly<Record<string, string>> = {
  BillingMode: 'billingMode',
  BillingPeriodStatus: 'periodStatus',
  BillingReportGroupBy: 'reportGroup',
  BillingSyncStatus: 'sync',
  BillingTransferStatus: 'transferStatus',
  ContractRenewal: 'renewal',
  ContractStatus: 'contractStatus',
  CostAllocationKeyKind: 'keyKind',
  CostExportKind: 'exportKind',
  CustomLineItemChargeType: 'chargeType',
  DocumentKind: 'documentKind',
  HealthStatus: 'health',
  IngestionStatus: 'ingestionStatus',
  InvoiceLineKind: 'lineKind',
  InvoiceStatus: 'invoiceStatus',
  JobState: 'jobState',
  OnboardingStepKind: 'step',
  OnboardingStepStatus: 'stepStatus',
  OptimizationHubStatus: 'hubStatus',
  PayerStatus: 'payerStatus',
  PricingPlanBase: 'planBase',
  PricingRuleScope: 'ruleScope',
  PricingRuleType: 'ruleType',
  Role: 'role',
  TenantKind: 'kind',
};

/** GraphQL enums no page shows (only sent as arguments), and why. */
export const UNSHOWN_ENUMS: Readonly<Record<string, string>> = {
  CostDimension: 'a grouping the pages ask for, never shown as such',
  CostGranularity: 'an argument of costSummary',
  DocumentFormat: 'an argument of invoiceDocument; the buttons name the format',
  FocusFormat: 'an argument of focusExport; the FOCUS download buttons name the format (CSV, Parquet) themselves',
  CostMetric: 'an argument of cost queries; the pages do not show which metric an answer used',
  SettingSource: 'tenant settings have no page yet',
};

export function hasMessage(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

/** The words for a code the API sends as a string; a code this build does not know shows as it is. */
export function codeLabel(t: Translate, family: CodeFamily, code: string): string {
  const key = `${family}.${code}`;
  return hasMessage(key) ? t(key) : code;
}

/** Who caused an audit event, in words: a person's email, a token and whose, the platform. */
export function auditActor(t: Translate, identity: { type: string; userName?: string | null; principalId?: string | null }): string {
  const name = identity.userName ?? identity.principalId ?? '';
  if (identity.type === 'Unknown') return name ? t('auditActor.unknownNamed', { name }) : t('auditActor.Unknown');
  if ((identity.type === 'User' || identity.type === 'ApiToken') && name) return t(`auditActor.${identity.type}`, { name });
  return codeLabel(t, 'auditActor', identity.type);
}

const FAILED_PREFIX = 'the last ingestion failed: ';
const ABANDONED_PREFIX = 'abandoned: ';

/**
 * Why a payer's cost data has the health it has, in the viewer's language. The API says it in
 * English prose (`reason`); its parts are the status and `lagDays`, and for a failure the
 * error itself (which stays as the server or AWS wrote it).
 */
export function healthReason(
  t: Translate,
  health: { status: string; reason: string; lagDays: number | null; lastIngestion?: { status: string; message?: string | null } | null },
): string {
  // A killed or cancelled run: its own words say which (its process gone, or its lease out).
  if (health.lastIngestion?.status === 'ABANDONED') {
    const message = health.lastIngestion.message ?? '';
    return t('healthReason.ABANDONED', { detail: message.startsWith(ABANDONED_PREFIX) ? message.slice(ABANDONED_PREFIX.length) : message });
  }
  switch (health.status) {
    case 'SUCCESS':
      return t('healthReason.SUCCESS');
    case 'NOT_AVAILABLE':
      return t('healthReason.NOT_AVAILABLE');
    case 'FAILED':
      return t('healthReason.FAILED', { detail: health.reason.startsWith(FAILED_PREFIX) ? health.reason.slice(FAILED_PREFIX.length) : health.reason });
    case 'WARNING':
      if (health.lagDays === null) return t('healthReason.noRows');
      return health.lagDays === 1 ? t('healthReason.lagOne') : t('healthReason.lag', { days: health.lagDays });
    default:
      return health.reason;
  }
}

/** "3 days behind" (the cost data's lag), or nothing when it is current. */
export function lagText(t: Translate, lagDays: number | null): string | null {
  if (lagDays === null || lagDays <= 0) return null;
  return lagDays === 1 ? t('overview.lagDay') : t('overview.lagDays', { days: lagDays });
}

/** A mail language by its tag ("zh-CN" → "Simplified Chinese"); another tag shows as it is. */
export function localeName(t: Translate, locale: string): string {
  const key = `locale.${locale}`;
  return hasMessage(key) ? t(key) : locale;
}
