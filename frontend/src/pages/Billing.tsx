import { useMemo, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { mapErrors } from '../api/errors';
import { useAllTenants } from '../api/tenants';
import { usePagedList } from '../api/usePagedList';
import { Chart } from '../components/Chart';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Field, FormActions, FormErrorMessage, NamedSelect, Notice } from '../components/Form';
import { EmptyState, ErrorState, LoadingState, TableHead } from '../components/States';
import {
  BillingOverviewDocument,
  CostSummaryDocument,
  CreateBillingGroupDocument,
  DeleteBillingGroupDocument,
  LinkedAccountsDocument,
  RecomputeBillingDocument,
  type BillingGroupFieldsFragment,
  type PricingPlanFieldsFragment,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { billingTotals, marginSlices } from '../lib/billing';
import { donutOption, monthsRange } from '../lib/costs';
import { formatMoney, roundDecimal } from '../lib/format';
import { usePayerRoute } from './Accounts';

export function currentPeriod(): string {
  return new Date().toISOString().slice(0, 7);
}

export function PeriodInput({ value, onChange, id }: { value: string; onChange: (v: string) => void; id: string }) {
  const { t } = useI18n();
  return (
    <div className="field inline">
      <label htmlFor={id}>{t('billing.period')}</label>
      <input id={id} type="month" value={value} onChange={(e) => e.target.value && onChange(e.target.value)} />
    </div>
  );
}

export function BillingPage() {
  const { t, lang } = useI18n();
  const { payerId, payer, can, result: payerResult, retry } = usePayerRoute();
  const [period, setPeriod] = useState(currentPeriod);
  const [result, reexecute] = useQuery({ query: BillingOverviewDocument, variables: { payerId, billingPeriod: period }, requestPolicy: 'network-only' });
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<BillingGroupFieldsFragment | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [deleteResult, remove] = useMutation(DeleteBillingGroupDocument);
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
  const money = (v: string) => formatMoney(v, currency, lang);
  const percent = (v: string | null) => (v === null ? '—' : `${roundDecimal(v, 1)}%`);

  if (!payer) {
    if (payerResult.error) return <ErrorState error={payerResult.error} onRetry={retry} />;
    return <LoadingState />;
  }

  return (
    <section aria-labelledby="billing-title">
      <p className="crumbs">
        <Link to="/payers">{t('nav.payers')}</Link> › <Link to={`/payers/${payerId}/accounts`}>{payer.name}</Link> › {t('billing.title')}
      </p>
      <div className="page-head">
        <div>
          <h1 id="billing-title">{t('billing.pageTitle', { name: payer.name })}</h1>
          <p className="intro">{t('billing.intro')}</p>
        </div>
        <div className="row-actions">
          <PeriodInput id="billing-period" value={period} onChange={setPeriod} />
          <Link className="button" to={`/payers/${payerId}/pricing`}>
            {t('billing.pricing')}
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
              {!creating && (
                <button type="button" className="primary" onClick={() => setCreating(true)}>
                  {t('billing.newGroup')}
                </button>
              )}
            </>
          )}
        </div>
      </div>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {recomputeResult.error && <FormErrorMessage error={mapErrors(recomputeResult.error, {}).form} />}
      {creating && (
        <CreateGroupForm
          payerId={payerId}
          plans={plans}
          period={period}
          onCancel={() => setCreating(false)}
          onCreated={(g) => {
            setCreating(false);
            setNotice(t('billing.groupCreated', { name: g.name }));
            reload();
          }}
        />
      )}
      {result.fetching && !result.data ? (
        <LoadingState />
      ) : result.error ? (
        <ErrorState error={result.error} onRetry={reload} />
      ) : groups.length === 0 ? (
        <EmptyState>{t('billing.noGroups')}</EmptyState>
      ) : (
        <>
          <div className="kpis">
            <div className="kpi card" data-testid="kpi-aws">
              <h2>{t('billing.awsCost')}</h2>
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
            <div className="card">
              <h2>{t('billing.reports', { period })}</h2>
              <table className="table">
                <TableHead columns={[t('billing.group'), t('billing.awsCost'), t('billing.proforma'), t('billing.margin'), t('billing.source')]} />
                <tbody>
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
                      <td>{r.source === 'none' ? t('billing.noData') : r.source}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
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
          <div className="card">
            <h2>{t('billing.groups')}</h2>
            <table className="table">
              <TableHead
                columns={[t('common.name'), t('billing.primary'), t('billing.members'), t('billing.plan'), t('billing.customer'), can.operate && t('common.actions')]}
              />
              <tbody>
                {groups.map((g) => (
                  <tr key={g.id} data-testid="billing-group-row">
                    <th scope="row">
                      {g.name}
                      {g.description && <div className="muted small">{g.description}</div>}
                    </th>
                    <td>
                      <code>{g.primaryAccountId}</code>
                    </td>
                    <td>{t('billing.memberCount', { count: g.accountIds.length })}</td>
                    <td>{planName.get(g.pricingPlanId) ?? g.pricingPlanId}</td>
                    <td>{g.customerTenantId ? (tenantName.get(g.customerTenantId) ?? g.customerTenantId) : '—'}</td>
                    {can.operate && (
                      <td>
                        <button type="button" className="small danger" aria-label={t('billing.deleteNamed', { name: g.name })} onClick={() => setDeleting(g)}>
                          {t('billing.delete')}
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {deleting && (
        <ConfirmDialog
          title={t('billing.deleteTitle', { name: deleting.name })}
          confirmLabel={t('billing.delete')}
          busy={deleteResult.fetching}
          error={<FormErrorMessage error={mapErrors(deleteResult.error, {}).form} />}
          onConfirm={() =>
            void remove({ id: deleting.id }).then((res) => {
              if (res.data) {
                setNotice(t('billing.groupDeleted', { name: deleting.name }));
                setDeleting(null);
                reload();
              }
            })
          }
          onCancel={() => setDeleting(null)}
        >
          <p>{t('billing.deleteBody')}</p>
        </ConfirmDialog>
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

function CreateGroupForm({
  payerId,
  plans,
  period,
  onCancel,
  onCreated,
}: {
  payerId: string;
  plans: PricingPlanFieldsFragment[];
  period: string;
  onCancel: () => void;
  onCreated: (g: BillingGroupFieldsFragment) => void;
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
    for (const g of costs.data?.costSummary.groups ?? []) {
      const id = g.key.accountId;
      if (id && !known.has(id)) list.push({ accountId: id, name: t('billing.fromCostData') });
    }
    return list;
  }, [linked.nodes, costs.data, t]);
  const tenants = useAllTenants();
  const customers = tenants.nodes.filter((x) => x.kind === 'CUSTOMER');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [members, setMembers] = useState<string[]>([]);
  const [primary, setPrimary] = useState('');
  const [planId, setPlanId] = useState('');
  const [customer, setCustomer] = useState('');
  const [result, create] = useMutation(CreateBillingGroupDocument);
  const errors = mapErrors(result.error, GROUP_FIELDS);
  const effectivePlan = planId || plans[0]?.id || '';
  const effectivePrimary = primary || members[0] || '';

  async function submit(event: FormEvent) {
    event.preventDefault();
    const res = await create({
      input: {
        payerId,
        name: name.trim(),
        description,
        primaryAccountId: effectivePrimary,
        accountIds: members,
        pricingPlanId: effectivePlan,
        customerTenantId: customer || null,
        billingPeriod: period,
      },
    });
    if (res.data?.createBillingGroup) onCreated(res.data.createBillingGroup);
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
      <h2 id="group-form-title">{t('billing.groupForm')}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('common.name')} name="name" error={errors.fields.name} hint={t('billing.nameHint')}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label={t('webhooks.description')} name="description" error={errors.fields.description}>
        {(p) => <input {...p} value={description} onChange={(e) => setDescription(e.target.value)} />}
      </Field>
      <fieldset className={errors.fields.accountIds ? 'field field-invalid checks' : 'field checks'}>
        <legend>{t('billing.members')}</legend>
        {(linked.loading || costs.fetching) && <LoadingState />}
        {accounts.map((a) => (
          <label key={a.accountId} className="check">
            <input
              type="checkbox"
              checked={members.includes(a.accountId)}
              onChange={(e) => setMembers(e.target.checked ? [...members, a.accountId] : members.filter((m) => m !== a.accountId))}
            />{' '}
            {a.name} <code className="muted">{a.accountId}</code>
          </label>
        ))}
        {errors.fields.accountIds && <p className="field-error">{t('error.fieldLine', { label: t('billing.members'), detail: errors.fields.accountIds })}</p>}
      </fieldset>
      <Field label={t('billing.primary')} name="primaryAccountId" error={errors.fields.primaryAccountId}>
        {(p) => (
          <select {...p} value={effectivePrimary} onChange={(e) => setPrimary(e.target.value)}>
            {members.length === 0 && <option value="">{t('billing.pickMembers')}</option>}
            {members.map((m) => (
              <option key={m} value={m}>
                {accounts.find((a) => a.accountId === m)?.name ?? m} ({m})
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('billing.plan')} name="pricingPlanId" error={errors.fields.pricingPlanId}>
        {(p) => <NamedSelect props={p} value={effectivePlan} onChange={setPlanId} options={plans} />}
      </Field>
      <Field label={t('billing.customer')} name="customerTenantId" error={errors.fields.customerTenantId} hint={t('billing.customerHint')}>
        {(p) => (
          <select {...p} value={customer} onChange={(e) => setCustomer(e.target.value)}>
            <option value="">{t('billing.noCustomer')}</option>
            {customers.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <FormActions onCancel={onCancel} submitLabel={t('billing.createGroup')} disabled={result.fetching || members.length === 0} />
    </form>
  );
}
