import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { mapErrors } from '../api/errors';
import { useAllPayers, usePayerAbilities } from '../api/payers';
import { useAllTenants, useTenantOptions } from '../api/tenants';
import { usePagedList } from '../api/usePagedList';
import { useMe } from '../auth/MeProvider';
import { CardTable } from '../components/CardTable';
import { CustomerViewLink } from '../components/CustomerViewLink';
import { DangerAction } from '../components/DangerAction';
import { ExportChecks } from '../components/ExportChecks';
import { CheckList, Field, FormActions, FormErrorMessage, Notice } from '../components/Form';
import { HealthBadge } from '../components/HealthBadge';
import { EmptyState, ErrorState, ListStates, LoadingState, LoadMore } from '../components/States';
import {
  ContractsDocument,
  CostExportValidationDocument,
  CreateContractDocument,
  CreateUserDocument,
  EndContractDocument,
  OnboardingDocument,
  OnboardingsDocument,
  PayersDocument,
  RefreshOnboardingDocument,
  SelectCostExportDocument,
  SourceDataHealthDocument,
  UpdateContractDocument,
  ValidateCostExportsDocument,
  type ContractFieldsFragment,
  type ContractRenewal,
  type CostExportValidationFieldsFragment,
  type OnboardingFieldsFragment,
  type OnboardingStepStatus,
  type PayerFieldsFragment,
  type TenantKind,
} from '../generated/graphql';
import { useI18n, type MessageKey } from '../i18n';
import { createUserInput } from '../lib/invitations';
import {
  bringInLinks,
  bringInPayerIds,
  contractFormOf,
  contractInput,
  contractOf,
  contractProblems,
  contractUpdateInput,
  dayBefore,
  emptyContractForm,
  INVOICE_LANGUAGES,
  type InvoiceLanguage,
  endDateProblem,
  exportsInOrder,
  exportState,
  STEP_BADGE,
  worstFirst,
  type ContractForm as ContractFormState,
} from '../lib/onboarding';
import { atLeast, roleOnTenant } from '../lib/roles';
import { isResellerPayer } from '../lib/resellers';
import { parentMap } from '../lib/tenantTree';
import { formatDate, formatDateTime } from '../lib/format';
import { addDecimal } from '../lib/decimal';
import { LocaleField, PersonFields } from '../components/PersonFields';
import { TenantSelect } from '../components/TenantSelect';
import { usePageTitle } from '../components/usePageTitle';

// The API names CUR 2.0 `CUR_2` (an older schema file said `CUR2`); either reads the same.
const EXPORT_KINDS: Record<string, MessageKey> = { CUR_2: 'exportKind.CUR_2', CUR2: 'exportKind.CUR_2', LEGACY_CUR: 'exportKind.LEGACY_CUR', FOCUS: 'exportKind.FOCUS', OTHER: 'exportKind.OTHER' };
const KINDS: ReadonlySet<string> = new Set(['PLATFORM', 'DISTRIBUTOR', 'RESELLER', 'CUSTOMER']);

function StepBadge({ status }: { status: OnboardingStepStatus }) {
  const { t } = useI18n();
  const badge = STEP_BADGE[status];
  return (
    <span className={`badge ${badge.className}`}>
      <span aria-hidden="true">{badge.icon}</span> {t(`stepStatus.${status}`)}
    </span>
  );
}

/** /onboarding?tenant=…&customer=…: a partner's customers, one customer's steps, and health. */
export function OnboardingPage() {
  const { t } = useI18n();
  usePageTitle(t('onboarding.title'));
  const { me } = useMe();
  const tenants = useAllTenants();
  const adminTenants = useTenantOptions(tenants.nodes, me.memberships, 'ADMIN');
  const partners = adminTenants.filter((o) => o.tenant.kind !== 'CUSTOMER');
  const [params, setParams] = useSearchParams();
  const tenantId = params.get('tenant') || partners[0]?.id || '';
  const customerId = params.get('customer');
  // Bumped when a customer's onboarding changes, so the customer list and health follow.
  const [version, setVersion] = useState(0);
  const changed = () => setVersion((v) => v + 1);
  const select = (next: { tenant?: string; customer?: string | null }) => {
    const p = new URLSearchParams();
    p.set('tenant', next.tenant ?? tenantId);
    const customer = next.customer === undefined ? customerId : next.customer;
    if (customer) p.set('customer', customer);
    setParams(p);
  };

  if (tenants.loading) return <LoadingState />;
  if (tenants.error) return <ErrorState error={tenants.error} onRetry={tenants.reload} />;
  return (
    <section aria-labelledby="onboarding-title">
      <div className="page-head">
        <div>
          <h1 id="onboarding-title">{t('onboarding.title')}</h1>
          <p className="intro">{t('onboarding.intro')}</p>
        </div>
        {partners.length > 0 && (
          <div className="field inline">
            <label htmlFor="onboarding-tenant">{t('onboarding.partner')}</label>
            <TenantSelect value={tenantId} onChange={(id) => select({ tenant: id, customer: null })} options={partners} props={{ id: 'onboarding-tenant' }} />
          </div>
        )}
      </div>
      {partners.length === 0 ? (
        <EmptyState>{t('onboarding.noPartner')}</EmptyState>
      ) : (
        <>
          <Customers tenantId={tenantId} version={version} selected={customerId} onSelect={(id) => select({ customer: id })} />
          {customerId && <CustomerOnboarding key={customerId} tenantId={tenantId} customerId={customerId} onChanged={changed} />}
          <SourceHealth tenantId={tenantId} version={version} />
        </>
      )}
    </section>
  );
}

/** Re-runs a query when `version` moves on (not on the first render, which runs it anyway). */
function useRefetchOn(version: number, reexecute: (opts: { requestPolicy: 'network-only' }) => void) {
  useEffect(() => {
    if (version > 0) reexecute({ requestPolicy: 'network-only' });
  }, [version, reexecute]);
}

/**
 * Refreshes paged lists (`usePagedList`'s `refresh`: the pages shown so far, no loading state) when
 * `version` moves on.
 */
function useRefreshOn(version: number, ...lists: { refresh: () => void }[]) {
  const seen = useRef(version);
  useEffect(() => {
    if (version === seen.current) return;
    seen.current = version;
    for (const list of lists) list.refresh();
  });
}

/** The customers below the tenant a page at a time ("Load more"), each with the contract that stands for it. */
function Customers({ tenantId, version, selected, onSelect }: { tenantId: string; version: number; selected: string | null; onSelect: (id: string) => void }) {
  const { t, lang } = useI18n();
  const onboardings = usePagedList(OnboardingsDocument, (d) => d.onboardings, { variables: { tenantId } });
  // Every page of the contracts (ordered by age, not by customer): a row's contract may be on any.
  const contracts = usePagedList(ContractsDocument, (d) => d.contracts, { all: true, variables: { tenantId } });
  useRefreshOn(version, onboardings, contracts);
  return (
    <CardTable
      title={t('onboarding.customers')}
      columns={[t('onboarding.customer'), t('onboarding.contract'), t('onboarding.currentStep'), t('common.actions')]}
      loading={onboardings.loading || contracts.loading}
      error={onboardings.error ?? contracts.error}
      onRetry={() => {
        if (onboardings.error) onboardings.reload();
        if (contracts.error) contracts.reload();
      }}
      empty={onboardings.nodes.length === 0}
      emptyText={t('onboarding.noCustomers')}
      below={<LoadMore list={onboardings} />}
    >
      {onboardings.nodes.map((o) => {
        const contract = contractOf(o.customer.id, contracts.nodes);
        return (
          <tr key={o.customer.id} data-testid="onboarding-row" aria-current={o.customer.id === selected ? 'true' : undefined}>
            <th scope="row">{o.customer.name}</th>
            <td>{contract ? <ContractSummary contract={contract} lang={lang} /> : <span className="muted">{t('onboarding.noContract')}</span>}</td>
            <td>
              {o.complete ? (
                <StepBadge status="DONE" />
              ) : o.currentStep ? (
                <>
                  {t(`step.${o.currentStep.step}`)} <StepBadge status={o.currentStep.status} />
                </>
              ) : (
                '—'
              )}
            </td>
            <td>
              <div className="row-actions">
                <button type="button" className="small" aria-label={t('onboarding.openNamed', { name: o.customer.name })} onClick={() => onSelect(o.customer.id)}>
                  {t('onboarding.open')}
                </button>
                <CustomerViewLink tenantId={o.customer.id} name={o.customer.name} />
              </div>
            </td>
          </tr>
        );
      })}
    </CardTable>
  );
}

function ContractSummary({ contract, lang }: { contract: ContractFieldsFragment; lang: 'en' | 'zh' }) {
  const { t } = useI18n();
  const cls = contract.status === 'ACTIVE' ? 'status-on' : contract.status === 'PENDING' ? 'status-warn' : 'status-none';
  return (
    <>
      {contract.name} <span className={`badge ${cls}`}>{t(`contractStatus.${contract.status}`)}</span>
      <div className="muted small">
        {formatDate(contract.startDate, lang, 'UTC')} – {contract.endDate ? formatDate(contract.endDate, lang, 'UTC') : t('onboarding.openEnded')} · {t(`renewal.${contract.renewal}`)}
      </div>
    </>
  );
}

/** One customer: its steps with a Refresh, its contracts and a new one, an admin invitation, and its payers' exports. */
function CustomerOnboarding({ tenantId, customerId, onChanged }: { tenantId: string; customerId: string; onChanged: () => void }) {
  const { t, lang } = useI18n();
  const { me } = useMe();
  const tenants = useAllTenants();
  const parents = useMemo(() => parentMap(tenants.nodes), [tenants.nodes]);
  const role = roleOnTenant(customerId, me.memberships, parents);
  const aboveRole = roleOnTenant(parents.get(customerId) ?? '', me.memberships, parents);
  const [result, reexecute] = useQuery({ query: OnboardingDocument, variables: { customerTenantId: customerId }, requestPolicy: 'network-only' });
  // The customer's own contracts, every page (a customer has few; the payers they cover matter below).
  const contractList = usePagedList(ContractsDocument, (d) => d.contracts, { all: true, variables: { tenantId: customerId } });
  const [refreshed, refresh] = useMutation(RefreshOnboardingDocument);
  const [form, setForm] = useState<'contract' | 'invite' | null>(null);
  const [editing, setEditing] = useState<ContractFieldsFragment | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Re-reads in place: what is open below (a form, a notice, an export's validation) stays.
  const reload = () => {
    reexecute({ requestPolicy: 'network-only' });
    contractList.refresh();
    onChanged();
  };
  const onboarding: OnboardingFieldsFragment | undefined = result.data?.onboarding;
  const contracts = contractList.nodes;
  const name = onboarding?.customer.name ?? tenants.nodes.find((x) => x.id === customerId)?.name ?? '';

  if ((result.fetching && !result.data) || contractList.loading) return <LoadingState />;
  if (result.error) return <ErrorState error={result.error} onRetry={reload} />;
  if (contractList.error) return <ErrorState error={contractList.error} onRetry={contractList.reload} />;
  if (!onboarding) return null;
  const administerContracts = atLeast(aboveRole, 'ADMIN');
  return (
    <section className="card" aria-labelledby="customer-onboarding-title">
      <div className="page-head">
        <h2 id="customer-onboarding-title">{t('onboarding.customerTitle', { name })}</h2>
        <div className="row-actions">
          {atLeast(role, 'OPERATOR') && (
            <button
              type="button"
              disabled={refreshed.fetching}
              onClick={() =>
                void refresh({ customerTenantId: customerId }).then((res) => {
                  if (res.data) {
                    setNotice(t('onboarding.refreshed'));
                    reload();
                  }
                })
              }
            >
              {refreshed.fetching ? t('onboarding.refreshing') : t('onboarding.refresh')}
            </button>
          )}
          {administerContracts && form === null && editing === null && (
            <button type="button" onClick={() => setForm('contract')}>
              {t('onboarding.newContract')}
            </button>
          )}
          {atLeast(role, 'ADMIN') && form === null && (
            <button type="button" onClick={() => setForm('invite')}>
              {t('onboarding.inviteAdmin')}
            </button>
          )}
        </div>
      </div>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {refreshed.error && <FormErrorMessage error={mapErrors(refreshed.error, {}).form} />}
      {form === 'contract' && (
        <ContractForm
          customerId={customerId}
          onCancel={() => setForm(null)}
          onSaved={(c) => {
            setForm(null);
            setNotice(t('onboarding.contractCreated', { name: c.name }));
            reload();
          }}
        />
      )}
      {editing && (
        <ContractForm
          key={editing.id}
          customerId={customerId}
          contract={editing}
          onCancel={() => setEditing(null)}
          onSaved={(c) => {
            setEditing(null);
            setNotice(t('contract.saved', { name: c.name }));
            reload();
          }}
        />
      )}
      {form === 'invite' && (
        <InviteAdminForm
          customerId={customerId}
          onCancel={() => setForm(null)}
          onInvited={(email) => {
            setForm(null);
            setNotice(t('users.invited', { email }));
            reload();
          }}
        />
      )}
      <ol className="steps plain" aria-label={t('onboarding.steps')}>
        {onboarding.steps.map((s) => (
          <li key={s.step} className={s.step === 'VALIDATE_EXPORT' ? 'step card step-wide' : 'step card'} data-testid="onboarding-step">
            <div className="step-head">
              <strong>{t(`step.${s.step}`)}</strong> <StepBadge status={s.status} />
            </div>
            <p className="muted small">
              {s.startedAt && t('onboarding.started', { at: formatDateTime(s.startedAt, lang) })}
              {s.startedAt && s.completedAt && ' · '}
              {s.completedAt && t('onboarding.completed', { at: formatDateTime(s.completedAt, lang) })}
            </p>
            {s.blockingReason && (
              <p className="field-error">
                <span aria-hidden="true">✕ </span>
                {t('onboarding.blocked', { reason: s.blockingReason })}
              </p>
            )}
            {s.nextAction && s.status !== 'DONE' && <p>{t('onboarding.next', { action: s.nextAction })}</p>}
            {s.step === 'VALIDATE_EXPORT' && <CustomerExports customerId={customerId} contracts={contracts} onChanged={reload} />}
          </li>
        ))}
      </ol>
      <BringIn tenantId={tenantId} customerId={customerId} contracts={contracts} />
      <h3>{t('onboarding.contracts')}</h3>
      {contracts.length === 0 ? (
        <EmptyState>{t('onboarding.noContract')}</EmptyState>
      ) : (
        <ul className="plain">
          {contracts.map((c) => (
            <li key={c.id} data-testid="contract-row" className="contract-row">
              <div>
                <ContractSummary contract={c} lang={lang} /> <span className="muted small">{t('onboarding.invoicePrefix')}: {c.invoicePrefix} · {c.currency}</span>
                <div className="muted small">{t('contract.terms', { tax: `${addDecimal(c.taxRate)}%`, inclusive: t(c.taxInclusive ? 'contract.taxIncluded' : 'contract.taxAdded'), days: c.paymentTermsDays, language: t(c.language === 'zh-CN' ? 'contract.language.zh-CN' : 'contract.language.en') })}</div>
                <div className="muted small">{t('contract.emails', { billing: c.billingEmail, change: c.contractChangeEmail })}</div>
              </div>
              {administerContracts && (
                <div className="row-actions">
                  <button type="button" className="small" aria-label={t('contract.editNamed', { name: c.name })} disabled={editing !== null} onClick={() => {
                      setForm(null);
                      setEditing(c);
                    }}>
                    {t('contract.edit')}
                  </button>
                  {c.status !== 'ENDED' && (
                    <EndContract
                      contract={c}
                      onEnded={(ended) => {
                        setNotice(t(ended.status === 'ENDED' ? 'contract.ended' : 'contract.endSet', { name: ended.name, date: ended.endDate ? formatDate(ended.endDate, lang, 'UTC') : '' }));
                        reload();
                      }}
                    />
                  )}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/**
 * The two ways a customer's AWS usage comes in (docs/onboarding.md, "Linked accounts or Billing
 * Transfer"), side by side, then, for each payer its contracts cover, the way to start each: to
 * those who may act on the payer (operators add linked accounts, admins invite a transfer). A
 * reseller's payer has no AWS access, so it offers neither. Everyone else reads the explanation.
 */
function BringIn({ tenantId, customerId, contracts }: { tenantId: string; customerId: string; contracts: readonly ContractFieldsFragment[] }) {
  const { t } = useI18n();
  const payers = useAllPayers();
  const ids = bringInPayerIds(contracts);
  const covered = ids.flatMap((id) => payers.nodes.filter((p) => p.id === id && !isResellerPayer(p)));
  const can = usePayerAbilities(covered);
  const actionable = covered.filter((p) => can(p.id).operate);
  const way = (key: 'linked' | 'transfer', when: MessageKey[]) => (
    <section className="card" aria-labelledby={`bring-in-${key}`} data-testid="bring-in-way">
      <h4 id={`bring-in-${key}`}>{t(`bringIn.${key}.title`)}</h4>
      <p className="muted small">{t('bringIn.chooseWhen')}</p>
      <ul>
        {when.map((k) => (
          <li key={k}>{t(k)}</li>
        ))}
      </ul>
      <p>{t(`bringIn.${key}.next`)}</p>
    </section>
  );
  return (
    <section className="card" aria-labelledby="bring-in-title" data-testid="bring-in">
      <h3 id="bring-in-title">{t('bringIn.title')}</h3>
      <p className="muted">{t('bringIn.intro')}</p>
      <div className="grid-2">
        {way('linked', ['bringIn.linked.when1', 'bringIn.linked.when2', 'bringIn.linked.when3'])}
        {way('transfer', ['bringIn.transfer.when1', 'bringIn.transfer.when2'])}
      </div>
      {ids.length === 0 ? (
        <p data-testid="bring-in-contract-first">{t('bringIn.contractFirst')}</p>
      ) : (
        (payers.loading || payers.error || actionable.length > 0) && (
          <CardTable
            level={3}
            title={t('bringIn.payers')}
            intro={<p className="muted small">{t('bringIn.payersIntro')}</p>}
            testId="bring-in-payers"
            columns={[t('onboarding.payer'), t('common.actions')]}
            loading={payers.loading}
            error={payers.error}
            onRetry={payers.reload}
          >
            {actionable.map((p) => {
              const links = bringInLinks(p.id, tenantId, customerId);
              return (
                <tr key={p.id} data-testid="bring-in-payer">
                  <th scope="row">
                    {p.name} <code className="muted">{p.accountId}</code>
                  </th>
                  <td>
                    <div className="row-actions">
                      {can(p.id).operate && (
                        <Link className="button small" to={links.accounts} aria-label={t('bringIn.addLinkedNamed', { name: p.name })}>
                          {t('bringIn.addLinked')}
                        </Link>
                      )}
                      {can(p.id).administer && (
                        <Link className="button small" to={links.transfer} aria-label={t('bringIn.inviteTransferNamed', { name: p.name })}>
                          {t('bringIn.inviteTransfer')}
                        </Link>
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
          </CardTable>
        )
      )}
    </section>
  );
}

const CONTRACT_FIELDS = {
  name: 'name',
  startDate: 'startDate',
  endDate: 'endDate',
  renewal: 'renewal',
  payerIds: 'payerIds',
  billingEmail: 'billingEmail',
  contractChangeEmail: 'contractChangeEmail',
  invoicePrefix: 'invoicePrefix',
  currency: 'currency',
  taxRate: 'taxRate',
  taxInclusive: 'taxInclusive',
  paymentTermsDays: 'paymentTermsDays',
  language: 'language',
} as const;
const RENEWALS: ContractRenewal[] = ['AUTO', 'MANUAL', 'FIXED_TERM'];

/** A new contract, or (with `contract`) the fields of an existing one to change. */
function ContractForm({
  customerId,
  contract,
  onCancel,
  onSaved,
}: {
  customerId: string;
  contract?: ContractFieldsFragment;
  onCancel: () => void;
  onSaved: (c: ContractFieldsFragment) => void;
}) {
  const { t } = useI18n();
  const payers = usePagedList(PayersDocument, (d) => d.payers, { all: true });
  const [form, setForm] = useState<ContractFormState>(() => (contract ? contractFormOf(contract) : emptyContractForm(new Date().toISOString().slice(0, 10))));
  const [local, setLocal] = useState<ReturnType<typeof contractProblems>>({});
  const [created, create] = useMutation(CreateContractDocument);
  const [updated, update] = useMutation(UpdateContractDocument);
  const result = contract ? updated : created;
  const errors = mapErrors(result.error, CONTRACT_FIELDS);
  const set = (patch: Partial<ContractFormState>) => setForm({ ...form, ...patch });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems = contractProblems(form);
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    if (contract) {
      const input = contractUpdateInput(contract, form);
      if (Object.keys(input).length === 0) return onSaved(contract);
      const res = await update({ id: contract.id, input });
      if (res.data?.updateContract) onSaved(res.data.updateContract);
      return;
    }
    const res = await create({ input: contractInput(customerId, form) });
    if (res.data?.createContract) onSaved(res.data.createContract);
  }
  const title = contract ? t('contract.editTitle', { name: contract.name }) : t('onboarding.newContract');

  const text = (key: keyof ContractFormState, label: string, type = 'text', hint?: string) => (
    <Field label={label} name={key} error={errors.fields[key]} hint={hint}>
      {(p) => <input {...p} type={type} value={form[key] as string} onChange={(e) => set({ [key]: e.target.value })} />}
    </Field>
  );
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="contract-form-title" noValidate>
      <h3 id="contract-form-title">{title}</h3>
      <FormErrorMessage error={errors.form} />
      {text('name', t('common.name'))}
      {text('startDate', t('contract.startDate'), 'date')}
      <Field
        label={t('contract.endDate')}
        name="endDate"
        error={local.endDate ? t(`contract.end.${local.endDate}`) : errors.fields.endDate}
        hint={t('contract.endDateHint')}
      >
        {(p) => (
          <input
            {...p}
            type="date"
            value={form.endDate}
            onChange={(e) => {
              setLocal({});
              set({ endDate: e.target.value });
            }}
          />
        )}
      </Field>
      <Field label={t('contract.renewal')} name="renewal" error={errors.fields.renewal}>
        {(p) => (
          <select {...p} value={form.renewal} onChange={(e) => set({ renewal: e.target.value as ContractRenewal })}>
            {RENEWALS.map((r) => (
              <option key={r} value={r}>
                {t(`renewal.${r}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <CheckList
        legend={t('contract.payers')}
        hint={t('contract.payersHint')}
        options={payers.nodes.map((p) => ({ id: p.id, label: `${p.name} (${p.accountId})` }))}
        selected={form.payerIds}
        onChange={(ids) => set({ payerIds: ids })}
        error={errors.fields.payerIds}
        busy={payers.loading && <LoadingState />}
      />
      {text('billingEmail', t('contract.billingEmail'), 'email')}
      {text('contractChangeEmail', t('contract.changeEmail'), 'email', t('contract.changeEmailHint'))}
      {text('invoicePrefix', t('onboarding.invoicePrefix'), 'text', t('contract.invoicePrefixHint'))}
      {text('currency', t('contract.currency'), 'text', t('contract.currencyHint'))}
      <Field label={t('contract.taxRate')} name="taxRate" error={local.taxRate ? t('contract.taxRateInvalid') : errors.fields.taxRate} hint={t('contract.taxRateHint')}>
        {(p) => (
          <input
            {...p}
            inputMode="decimal"
            value={form.taxRate}
            onChange={(e) => {
              setLocal({ ...local, taxRate: undefined });
              set({ taxRate: e.target.value });
            }}
          />
        )}
      </Field>
      <label className="check">
        <input type="checkbox" checked={form.taxInclusive} onChange={(e) => set({ taxInclusive: e.target.checked })} /> {t('contract.taxInclusive')}
      </label>
      {errors.fields.taxInclusive && <p className="field-error">{errors.fields.taxInclusive}</p>}
      <Field
        label={t('contract.paymentTerms')}
        name="paymentTermsDays"
        error={local.paymentTermsDays ? t('contract.paymentTermsInvalid') : errors.fields.paymentTermsDays}
        hint={t('contract.paymentTermsHint')}
      >
        {(p) => (
          <input
            {...p}
            inputMode="numeric"
            value={form.paymentTermsDays}
            onChange={(e) => {
              setLocal({ ...local, paymentTermsDays: undefined });
              set({ paymentTermsDays: e.target.value });
            }}
          />
        )}
      </Field>
      <Field label={t('contract.language')} name="language" error={errors.fields.language}>
        {(p) => (
          <select {...p} value={form.language} onChange={(e) => set({ language: e.target.value as InvoiceLanguage })}>
            {INVOICE_LANGUAGES.map((l) => (
              <option key={l} value={l}>
                {t(`contract.language.${l}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <FormActions onCancel={onCancel} submitLabel={contract ? t('common.save') : t('contract.create')} disabled={result.fetching} />
    </form>
  );
}

/** Ends a contract on a date (inclusive), after asking; the day before today ends it at once. */
function EndContract({ contract, onEnded }: { contract: ContractFieldsFragment; onEnded: (c: ContractFieldsFragment) => void }) {
  const { t, lang } = useI18n();
  // Ending now: yesterday (the end is inclusive), unless the contract started today or later.
  const endingNow = () => {
    const yesterday = dayBefore(new Date().toISOString().slice(0, 10));
    return yesterday < contract.startDate ? contract.startDate : yesterday;
  };
  const [endDate, setEndDate] = useState(endingNow);
  const [local, setLocal] = useState<'required' | 'beforeStart' | null>(null);
  const [result, end] = useMutation(EndContractDocument);
  const fields = { endDate: 'endDate' } as const;
  const errors = mapErrors(result.error, fields);

  async function confirm() {
    const problem = endDateProblem(contract, endDate);
    setLocal(problem);
    if (problem) return false;
    const res = await end({ id: contract.id, endDate });
    if (res.data?.endContract) onEnded(res.data.endContract);
    return res;
  }

  return (
    <DangerAction
      small
      label={t('contract.end')}
      name={t('contract.endNamed', { name: contract.name })}
      title={t('contract.endTitle', { name: contract.name })}
      confirmLabel={t('contract.endConfirm')}
      fields={fields}
      onOpen={() => {
        setLocal(null);
        setEndDate(endingNow());
      }}
      onConfirm={confirm}
    >
      <p>{t('contract.endBody', { start: formatDate(contract.startDate, lang, 'UTC') })}</p>
      <Field
        label={t('contract.lastDay')}
        name="endDate"
        error={local ? t(`contract.end.${local === 'required' ? 'missing' : 'beforeStart'}`) : errors.fields.endDate}
        hint={t('contract.lastDayHint')}
      >
        {(p) => (
          <input
            {...p}
            type="date"
            value={endDate}
            onChange={(e) => {
              setLocal(null);
              setEndDate(e.target.value);
            }}
          />
        )}
      </Field>
    </DangerAction>
  );
}

/** The existing invitation flow (createUser without a password), as an admin of the customer. */
function InviteAdminForm({ customerId, onCancel, onInvited }: { customerId: string; onCancel: () => void; onInvited: (email: string) => void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [locale, setLocale] = useState('en');
  const [result, create] = useMutation(CreateUserDocument);
  const errors = mapErrors(result.error, { email: 'email', displayName: 'displayName', locale: 'locale' } as const);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const res = await create({ input: createUserInput({ mode: 'invite', email, displayName, password: '', locale, role: 'ADMIN', tenantId: customerId }) });
    if (res.data?.createUser) onInvited(res.data.createUser.email);
  }

  return (
    <form className="card form" onSubmit={submit} aria-labelledby="invite-admin-title" noValidate>
      <h3 id="invite-admin-title">{t('onboarding.inviteAdmin')}</h3>
      <p className="field-hint">{t('onboarding.inviteHint')}</p>
      <FormErrorMessage error={errors.form} />
      <PersonFields email={email} displayName={displayName} onEmail={setEmail} onDisplayName={setDisplayName} errors={errors.fields} />
      <LocaleField value={locale} onChange={setLocale} error={errors.fields.locale} />
      <FormActions onCancel={onCancel} submitLabel={t('users.form.sendInvite')} disabled={result.fetching} />
    </form>
  );
}

/** The payers of the customer (and those its contracts cover), each with its export validation. */
function CustomerExports({ customerId, contracts, onChanged }: { customerId: string; contracts: ContractFieldsFragment[]; onChanged: () => void }) {
  const { t } = useI18n();
  const payers = usePagedList(PayersDocument, (d) => d.payers, { all: true });
  const covered = new Set(contracts.flatMap((c) => c.payerIds));
  // A reseller's payer has no AWS access, so no cost export to validate: it is priced from its
  // distributor's billing group.
  const own = payers.nodes.filter((p) => (p.tenant?.id === customerId || covered.has(p.id)) && !isResellerPayer(p));
  const can = usePayerAbilities(own);
  return (
    <div className="step-exports">
      <h3>{t('onboarding.exports')}</h3>
      <ListStates loading={payers.loading} error={payers.error} empty={own.length === 0} emptyText={t('onboarding.noPayers')} onRetry={payers.reload}>
        {own.map((p) => (
          <PayerExports key={p.id} payer={p} operate={can(p.id).operate} administer={can(p.id).administer} onChanged={onChanged} />
        ))}
      </ListStates>
    </div>
  );
}

/** A payer's latest validation; validating or using an export re-reads the customer's onboarding (`onChanged`). */
function PayerExports({ payer, operate, administer, onChanged }: { payer: PayerFieldsFragment; operate: boolean; administer: boolean; onChanged: () => void }) {
  const { t, lang } = useI18n();
  const [result, reexecute] = useQuery({ query: CostExportValidationDocument, variables: { payerId: payer.id }, requestPolicy: 'network-only' });
  const [validated, validate] = useMutation(ValidateCostExportsDocument);
  const [selected, selectExport] = useMutation(SelectCostExportDocument);
  const [notice, setNotice] = useState<string | null>(null);
  // Validating and selecting answer the new validation; the latest answer wins over the query.
  const [latest, setLatest] = useState<CostExportValidationFieldsFragment | null>(null);
  const validation = latest ?? result.data?.costExportValidation;
  const error = validated.error ?? selected.error;

  return (
    <div className="card" data-testid="payer-exports">
      <div className="page-head">
        <h4>
          {payer.name} <code className="muted">{payer.accountId}</code> {validation && <HealthBadge health={validation.health} />}
        </h4>
        {operate && (
          <button type="button" disabled={validated.fetching} aria-label={t('exports.validateNamed', { name: payer.name })} onClick={() =>
              void validate({ payerId: payer.id }).then((res) => {
                if (!res.data) return;
                setLatest(res.data.validateCostExports);
                setNotice(t('exports.validated'));
                onChanged();
              })
            }>
            {validated.fetching ? t('exports.validating') : t('exports.validate')}
          </button>
        )}
      </div>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {error && <FormErrorMessage error={mapErrors(error, {}).form} />}
      {result.fetching && !result.data ? (
        <LoadingState />
      ) : result.error ? (
        <ErrorState error={result.error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      ) : !validation ? (
        <EmptyState>{t('exports.never')}</EmptyState>
      ) : (
        <>
          <p className="muted small">
            {t('exports.checkedAt', { at: formatDateTime(validation.checkedAt, lang) })}
            {validation.reason && ` · ${validation.reason}`}
          </p>
          {validation.exports.length === 0 ? (
            <EmptyState>{t('exports.none')}</EmptyState>
          ) : (
            exportsInOrder(validation, validation.exports).map((x) => (
              <div key={x.arnOrName} className="export" data-testid="export">
                <p>
                  <strong>{x.name}</strong> <span className="muted">{x.kind in EXPORT_KINDS ? t(EXPORT_KINDS[x.kind]) : x.kind}</span>{' '}
                  {x.valid ? (
                    <span className="badge status-on">✓ {t('exports.valid')}</span>
                  ) : (
                    <span className="badge status-off">✕ {t('exports.invalid')}</span>
                  )}{' '}
                  {exportState(validation, x) === 'IN_USE' && <span className="badge status-on">{t('exports.inUse')}</span>}
                  {administer && exportState(validation, x) === 'VALID' && (
                    <button
                      type="button"
                      className="small primary"
                      disabled={selected.fetching}
                      aria-label={t('exports.useNamed', { name: x.name })}
                      onClick={() =>
                        void selectExport({ payerId: payer.id, exportName: x.name }).then((res) => {
                          if (!res.data) return;
                          setLatest(res.data.selectCostExport);
                          setNotice(t('exports.selected', { name: x.name }));
                          onChanged();
                        })
                      }
                    >
                      {t('exports.use')}
                    </button>
                  )}
                </p>
                <ExportChecks x={x} />
              </div>
            ))
          )}
        </>
      )}
    </div>
  );
}

/** The tenant's source-data health and everything under it, worst first. */
function SourceHealth({ tenantId, version }: { tenantId: string; version: number }) {
  const { t } = useI18n();
  const [result, reexecute] = useQuery({ query: SourceDataHealthDocument, variables: { tenantId }, requestPolicy: 'network-only' });
  useRefetchOn(version, reexecute);
  const health = result.data?.sourceDataHealth;
  const entries = useMemo(() => worstFirst(health?.entries ?? []), [health]);
  return (
    <CardTable
      title={
        <>
          {t('onboarding.health')} {health && <HealthBadge health={health.health} />}
        </>
      }
      intro={health && <p className="muted">{health.reason}</p>}
      columns={[t('common.status'), t('common.tenant'), t('onboarding.payer'), t('onboarding.reason')]}
      loading={result.fetching && !result.data}
      error={result.error ?? null}
      onRetry={() => reexecute({ requestPolicy: 'network-only' })}
      empty={entries.length === 0}
      emptyText={t('onboarding.noHealth')}
    >
      {entries.map((e, i) => (
        <tr key={`${e.tenantId}-${e.payerId ?? ''}-${i}`} data-testid="health-row">
          <td>
            <HealthBadge health={e.health} />
          </td>
          <th scope="row">
            {e.tenantName} <span className="muted small">{KINDS.has(e.tenantKind.toUpperCase()) ? t(`kind.${e.tenantKind.toUpperCase() as TenantKind}`) : e.tenantKind}</span>
          </th>
          <td>{e.payerName ? `${e.payerName}${e.accountId ? ` (${e.accountId})` : ''}` : '—'}</td>
          <td>{e.reason}</td>
        </tr>
      ))}
    </CardTable>
  );
}
