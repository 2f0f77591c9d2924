import { useMemo, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { mapErrors } from '../api/errors';
import { useAccountNames } from '../api/accountNames';
import { useAllTenants } from '../api/tenants';
import { useFreshQuery } from '../api/useFreshQuery';
import { usePagedList } from '../api/usePagedList';
import { Chart } from '../components/Chart';
import { CardTable } from '../components/CardTable';
import { CustomerViewLink } from '../components/CustomerViewLink';
import { DangerAction } from '../components/DangerAction';
import { FocusDownload } from '../components/FocusDownload';
import { CheckList, Field, FormActions, FormErrorMessage, NamedSelect, Notice } from '../components/Form';
import { PeriodInput } from '../components/PeriodInput';
import { ResellerMarginCard } from '../components/ResellerMargin';
import { GiveResellerPayer } from '../components/ResellerPayerAction';
import { MonthFallback, useCostOpeningMonth, useMonthParam } from '../components/useMonth';
import { EmptyState, ErrorState, LoadingState } from '../components/States';
import { usePayerRoute } from '../components/usePayerRoute';
import { usePageTitle } from '../components/usePageTitle';
import {
  BillingOverviewDocument,
  CostSummaryDocument,
  CreateBillingGroupDocument,
  DeleteBillingGroupDocument,
  LinkedAccountsDocument,
  RecomputeBillingDocument,
  UpdateBillingGroupDocument,
  type BillingGroupFieldsFragment,
  type PayerFieldsFragment,
  type PricingPlanFieldsFragment,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { codeLabel } from '../i18n/codes';
import { billingTotals, marginSlices } from '../lib/billing';
import { costAllocationPath } from '../lib/costAllocation';
import {
  changesAnything,
  effectivePrimary,
  emptyGroupForm,
  groupCreateInput,
  groupFormOf,
  groupUpdateInput,
  type GroupForm as GroupFormState,
} from '../lib/billingForms';
import { currentMonth, donutOption, monthsRange } from '../lib/costs';
import { formatMoney, roundDecimal } from '../lib/format';
import { groupCustomerKinds, isResellerPayer, offersResellerPayer } from '../lib/resellers';

export function BillingPage() {
  const { t, lang } = useI18n();
  const { payerId, payer, can, result: payerResult, retry } = usePayerRoute();
  usePageTitle(payer ? t('billing.pageTitle', { name: payer.name }) : t('billing.title'));
  // This month, or the latest with cost data when this one has none yet (the page says so).
  const opening = useCostOpeningMonth({ payerIds: [payerId] });
  const { month, insteadOf, setMonth: setPeriod } = useMonthParam(opening);
  const period = month ?? currentMonth();
  const [result, reexecute] = useFreshQuery({
    query: BillingOverviewDocument,
    variables: { payerId, billingPeriod: period },
    requestPolicy: 'network-only',
    pause: month === null,
  });
  const names = useAccountNames([payerId]);
  // null: no form; 'new': the create form; a group: its edit form.
  const [editing, setEditing] = useState<BillingGroupFieldsFragment | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // The payer just given to a group's customer, linked from the notice.
  const [givenPayer, setGivenPayer] = useState<{ payer: PayerFieldsFragment; customer: string } | null>(null);
  const [, remove] = useMutation(DeleteBillingGroupDocument);
  const [recomputeResult, recompute] = useMutation(RecomputeBillingDocument);
  const tenants = useAllTenants();
  const reload = () => reexecute({ requestPolicy: 'network-only' });

  const reports = result.data?.billingGroupCostReports ?? [];
  const groups = result.data?.billingGroups ?? [];
  const plans = result.data?.pricingPlans ?? [];
  const currency = reports[0]?.currency ?? 'USD';
  const totals = useMemo(() => billingTotals(reports), [reports]);
  const margins = useMemo(() => marginSlices(reports), [reports]);
  const chart = useMemo(() => donutOption({ slices: margins.slices, currency, lang, name: t('billing.margin') }), [margins, currency, lang, t]);
  const planName = new Map(plans.map((p) => [p.id, p.name]));
  const tenantName = new Map(tenants.nodes.map((x) => [x.id, x.name]));
  const tenantKind = new Map(tenants.nodes.map((x) => [x.id, x.kind]));
  const money = (v: string) => formatMoney(v, currency, lang);
  const percent = (v: string | null) => (v === null ? '—' : `${roundDecimal(v, 1)}%`);

  if (!payer) {
    if (payerResult.error) return <ErrorState error={payerResult.error} onRetry={retry} />;
    return <LoadingState />;
  }
  // A reseller's payer: its cost is its distributor's price, and it has no AWS access.
  const reseller = isResellerPayer(payer);
  const costLabel = reseller ? t('resellers.cost') : t('billing.awsCost');

  return (
    <section aria-labelledby="billing-title">
      <p className="crumbs">
        <Link to="/payers">{t('nav.payers')}</Link> › <Link to={`/payers/${payerId}/accounts`}>{payer.name}</Link> › {t('billing.title')}
      </p>
      <div className="page-head">
        <div>
          <h1 id="billing-title">{t('billing.pageTitle', { name: payer.name })}</h1>
          <p className="intro">{t('billing.intro')}</p>
          {reseller && <p className="intro">{t('resellers.billingIntro')}</p>}
        </div>
        <div className="row-actions">
          <PeriodInput id="billing-period" value={period} onChange={setPeriod} />
          <Link className="button" to={`/payers/${payerId}/pricing`}>
            {t('billing.pricing')}
          </Link>
          <Link className="button" to={`/payers/${payerId}/periods`}>
            {t('periods.title')}
          </Link>
          {!reseller && (
            <Link className="button" to={`/payers/${payerId}/transfers`}>
              {t('transfers.title')}
            </Link>
          )}
          {!reseller && (
            <Link className="button" to={`/payers/${payerId}/insights`}>
              {t('insights.title')}
            </Link>
          )}
          {!reseller && (
            <Link className="button" to={costAllocationPath(payerId)}>
              {t('tags.title')}
            </Link>
          )}
          <Link className="button" to={`/invoices?payer=${payerId}`}>
            {t('nav.invoices')}
          </Link>
          {can.operate && (
            <>
              <button
                type="button"
                disabled={recomputeResult.fetching}
                onClick={() =>
                  void recompute({ payerId, billingPeriod: period }).then((res) => {
                    if (res.data) {
                      setNotice(t('billing.recomputed', { period }));
                      reload();
                    }
                  })
                }
              >
                {t('billing.recompute')}
              </button>
              {editing === null && (
                <button type="button" className="primary" onClick={() => setEditing('new')}>
                  {t('billing.newGroup')}
                </button>
              )}
            </>
          )}
        </div>
      </div>
      <MonthFallback insteadOf={insteadOf} month={month} />
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {givenPayer && (
        <Notice onClose={() => setGivenPayer(null)}>
          {t('resellers.created', { name: givenPayer.payer.name, customer: givenPayer.customer })}{' '}
          <Link to={`/payers/${givenPayer.payer.id}/billing`}>{t('resellers.openBilling')}</Link>
        </Notice>
      )}
      {recomputeResult.error && <FormErrorMessage error={mapErrors(recomputeResult.error, {}).form} />}
      {editing !== null && (
        <GroupForm
          key={editing === 'new' ? 'new' : editing.id}
          payerId={payerId}
          payerTenantId={payer.tenant?.id ?? null}
          group={editing === 'new' ? null : editing}
          plans={plans}
          period={period}
          onCancel={() => setEditing(null)}
          onSaved={(g, changed) => {
            setNotice(!changed ? t('billing.nothingChanged') : editing === 'new' ? t('billing.groupCreated', { name: g.name }) : t('billing.groupSaved', { name: g.name }));
            setEditing(null);
            if (changed) reload();
          }}
        />
      )}
      {reseller && month !== null && <ResellerMarginCard payerId={payerId} period={period} />}
      {month === null || (result.fetching && !result.data) ? (
        <LoadingState />
      ) : result.error ? (
        <ErrorState error={result.error} onRetry={reload} />
      ) : groups.length === 0 ? (
        <EmptyState>{t('billing.noGroups')}</EmptyState>
      ) : (
        <>
          <div className="kpis">
            <div className="kpi card" data-testid="kpi-aws">
              <h2>{costLabel}</h2>
              <p className="kpi-value">{money(totals.awsCost)}</p>
            </div>
            <div className="kpi card" data-testid="kpi-proforma">
              <h2>{t('billing.proforma')}</h2>
              <p className="kpi-value">{money(totals.proformaCost)}</p>
            </div>
            <div className="kpi card" data-testid="kpi-margin">
              <h2>{t('billing.margin')}</h2>
              <p className="kpi-value">{money(totals.margin)}</p>
              <p className="muted">{t('billing.marginShare', { percent: percent(totals.marginPercent) })}</p>
            </div>
          </div>
          <div className="grid-2">
            <CardTable title={t('billing.reports', { period })} columns={[t('billing.group'), costLabel, t('billing.proforma'), t('billing.margin'), t('billing.source')]}>
              {reports.map((r) => (
                <tr key={r.billingGroupId} data-testid="billing-report-row">
                  <th scope="row">
                    <Link to={`/billing-groups/${r.billingGroupId}/report`}>{r.billingGroupName}</Link>
                  </th>
                  <td className="num">{money(r.awsCost)}</td>
                  <td className="num">{money(r.proformaCost)}</td>
                  <td className="num">
                    {money(r.margin)} <span className="muted small">{percent(r.marginPercentage)}</span>
                  </td>
                  <td>{codeLabel(t, 'costSource', r.source)}</td>
                </tr>
              ))}
            </CardTable>
            <div className="card">
              <h2>{t('billing.marginByGroup')}</h2>
              {margins.slices.length === 0 ? (
                <EmptyState>{t('billing.noMargin')}</EmptyState>
              ) : (
                <Chart option={chart} label={t('billing.marginChartLabel', { period })} testId="chart-margin" />
              )}
              {margins.losses.length > 0 && <p className="field-error">{t('billing.losses', { names: margins.losses.join(', ') })}</p>}
            </div>
          </div>
          <CardTable
            title={t('billing.groups')}
            columns={[t('common.name'), t('billing.primary'), t('billing.members'), t('billing.plan'), t('billing.customer'), can.operate && t('common.actions')]}
          >
            {groups.map((g) => (
              <tr key={g.id} data-testid="billing-group-row">
                <th scope="row">
                  {g.name}
                  {g.description && <div className="muted small">{g.description}</div>}
                </th>
                <td>
                  <code>{g.primaryAccountId}</code> {names.get(g.primaryAccountId)}
                </td>
                <td>{t('billing.memberCount', { count: g.accountIds.length })}</td>
                <td>{planName.get(g.pricingPlanId) ?? g.pricingPlanId}</td>
                <td>
                  {g.customerTenantId ? (
                    <>
                      {tenantName.get(g.customerTenantId) ?? g.customerTenantId}{' '}
                      <CustomerViewLink tenantId={g.customerTenantId} name={tenantName.get(g.customerTenantId) ?? g.customerTenantId} />
                      <div>
                        <FocusDownload
                          billingPeriod={period}
                          customerTenantId={g.customerTenantId}
                          name={t('focus.customer', { name: tenantName.get(g.customerTenantId) ?? g.customerTenantId, month: period })}
                        />
                      </div>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                {can.operate && (
                  <td>
                    <div className="row-actions">
                      <button
                        type="button"
                        className="small"
                        aria-label={t('billing.editNamed', { name: g.name })}
                        onClick={() => {
                          setNotice(null);
                          setEditing(g);
                        }}
                      >
                        {t('billing.edit')}
                      </button>
                      <DangerAction
                        small
                        label={t('billing.delete')}
                        name={t('billing.deleteNamed', { name: g.name })}
                        title={t('billing.deleteTitle', { name: g.name })}
                        confirmLabel={t('billing.delete')}
                        onConfirm={async () => {
                          const res = await remove({ id: g.id });
                          if (res.data) {
                            setNotice(t('billing.groupDeleted', { name: g.name }));
                            reload();
                          }
                          return res;
                        }}
                      >
                        <p>{t('billing.deleteBody')}</p>
                      </DangerAction>
                      {can.administer && offersResellerPayer(g.customerTenantId, (id) => tenantKind.get(id)) && (
                        <GiveResellerPayer
                          group={g}
                          customerName={tenantName.get(g.customerTenantId!) ?? g.customerTenantId!}
                          payerName={payer.name}
                          onCreated={(created) => {
                            setNotice(null);
                            setGivenPayer({ payer: created, customer: tenantName.get(g.customerTenantId!) ?? g.customerTenantId! });
                          }}
                        />
                      )}
                    </div>
                  </td>
                )}
              </tr>
            ))}
          </CardTable>
        </>
      )}
    </section>
  );
}

const GROUP_FIELDS = {
  name: 'name',
  description: 'description',
  primaryAccountId: 'primaryAccountId',
  accountIds: 'accountIds',
  pricingPlanId: 'pricingPlanId',
  customerTenantId: 'customerTenantId',
  billingPeriod: 'billingPeriod',
} as const;

/** Creates a billing group, or edits `group` (its members as of `period`). */
function GroupForm({
  payerId,
  payerTenantId,
  group,
  plans,
  period,
  onCancel,
  onSaved,
}: {
  payerId: string;
  /** The payer's own tenant, which is not its own customer. */
  payerTenantId: string | null;
  group: BillingGroupFieldsFragment | null;
  plans: PricingPlanFieldsFragment[];
  period: string;
  onCancel: () => void;
  onSaved: (g: BillingGroupFieldsFragment, changed: boolean) => void;
}) {
  const { t } = useI18n();
  const linked = usePagedList(LinkedAccountsDocument, (d) => d.linkedAccounts, { all: true, variables: { payerId, filter: null } });
  // Accounts with cost in the period count too, even when not (yet) synced from the organization.
  const range = monthsRange([period]);
  const [costs] = useQuery({
    query: CostSummaryDocument,
    variables: { input: { payerIds: [payerId], from: range.from, to: range.to, granularity: 'MONTH', groupBy: ['ACCOUNT'] } },
  });
  const accounts = useMemo(() => {
    const list = linked.nodes.map((a) => ({ accountId: a.accountId, name: a.name }));
    const known = new Set(list.map((a) => a.accountId));
    const extra = [...(costs.data?.costSummary.groups ?? []).map((g) => g.key.accountId), ...(group?.accountIds ?? [])];
    for (const id of extra) {
      if (id && !known.has(id)) {
        known.add(id);
        list.push({ accountId: id, name: t('billing.fromCostData') });
      }
    }
    return list;
  }, [linked.nodes, costs.data, group, t]);
  const tenants = useAllTenants();
  // End customers, and resellers or distributors priced on top (they may get a payer of their own).
  const customers = tenants.nodes.filter((x) => (groupCustomerKinds(x.kind) && x.id !== payerTenantId) || x.id === group?.customerTenantId);
  const [form, setForm] = useState<GroupFormState>(() => (group ? groupFormOf(group) : emptyGroupForm()));
  const [from, setFrom] = useState(period);
  const [created, create] = useMutation(CreateBillingGroupDocument);
  const [updated, update] = useMutation(UpdateBillingGroupDocument);
  const errors = mapErrors(group ? updated.error : created.error, GROUP_FIELDS);
  const set = (patch: Partial<GroupFormState>) => setForm({ ...form, ...patch });
  const defaultPlan = plans[0]?.id ?? '';
  const primary = effectivePrimary(form);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (group) {
      const input = groupUpdateInput(group, form, from);
      if (!changesAnything(input)) return onSaved(group, false);
      const res = await update({ id: group.id, input });
      if (res.data?.updateBillingGroup) onSaved(res.data.updateBillingGroup, true);
    } else {
      const res = await create({ input: groupCreateInput(payerId, form, defaultPlan, period) });
      if (res.data?.createBillingGroup) onSaved(res.data.createBillingGroup, true);
    }
  }

  if (plans.length === 0) {
    return (
      <p className="state">
        {t('billing.needPlan')} <Link to={`/payers/${payerId}/pricing`}>{t('billing.pricing')}</Link>
      </p>
    );
  }
  return (
    <form className="card form wide" onSubmit={submit} aria-labelledby="group-form-title" noValidate>
      <h2 id="group-form-title">{group ? t('billing.editGroup', { name: group.name }) : t('billing.groupForm')}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('common.name')} name="name" error={errors.fields.name} hint={t('billing.nameHint')}>
        {(p) => <input {...p} value={form.name} onChange={(e) => set({ name: e.target.value })} />}
      </Field>
      <Field label={t('billing.description')} name="description" error={errors.fields.description}>
        {(p) => <input {...p} value={form.description} onChange={(e) => set({ description: e.target.value })} />}
      </Field>
      <CheckList
        legend={t('billing.members')}
        options={accounts.map((a) => ({
          id: a.accountId,
          label: (
            <>
              {a.name} <code className="muted">{a.accountId}</code>
            </>
          ),
        }))}
        selected={form.members}
        onChange={(ids) => set({ members: ids })}
        error={errors.fields.accountIds}
        busy={(linked.loading || costs.fetching) && <LoadingState />}
      />
      {group && (
        <Field label={t('billing.membersFrom')} name="billingPeriod" error={errors.fields.billingPeriod} hint={t('billing.membersFromHint')}>
          {(p) => <input {...p} type="month" value={from} onChange={(e) => e.target.value && setFrom(e.target.value)} />}
        </Field>
      )}
      <Field label={t('billing.primary')} name="primaryAccountId" error={errors.fields.primaryAccountId}>
        {(p) => (
          <select {...p} value={primary} onChange={(e) => set({ primary: e.target.value })}>
            {form.members.length === 0 && <option value="">{t('billing.pickMembers')}</option>}
            {form.members.map((m) => (
              <option key={m} value={m}>
                {accounts.find((a) => a.accountId === m)?.name ?? m} ({m})
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('billing.plan')} name="pricingPlanId" error={errors.fields.pricingPlanId}>
        {(p) => <NamedSelect props={p} value={form.planId || defaultPlan} onChange={(id) => set({ planId: id })} options={plans} />}
      </Field>
      <Field label={t('billing.customer')} name="customerTenantId" error={errors.fields.customerTenantId} hint={t('billing.customerHint')}>
        {(p) => (
          <select {...p} value={form.customerTenantId} onChange={(e) => set({ customerTenantId: e.target.value })}>
            <option value="">{t('billing.noCustomer')}</option>
            {customers.map((c) => (
              <option key={c.id} value={c.id}>
                {c.kind === 'CUSTOMER' ? c.name : `${c.name} (${t(`kind.${c.kind}`)})`}
              </option>
            ))}
          </select>
        )}
      </Field>
      <FormActions onCancel={onCancel} submitLabel={group ? t('common.save') : t('billing.createGroup')} disabled={created.fetching || updated.fetching || form.members.length === 0} />
    </form>
  );
}
