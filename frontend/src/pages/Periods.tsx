import { useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { mapErrors } from '../api/errors';
import { useAllTenants, useTenantOptions } from '../api/tenants';
import { useMe } from '../auth/MeProvider';
import { CardTable } from '../components/CardTable';
import { DangerAction } from '../components/DangerAction';
import { DraftInvoicesAction } from '../components/DraftInvoicesAction';
import { Field, FormActions, FormErrorMessage, Notice } from '../components/Form';
import { PeriodStatusBadge } from '../components/InvoiceBadges';
import { PeriodInput } from '../components/PeriodInput';
import { EmptyState, ErrorState, LoadingState } from '../components/States';
import { TenantSelect } from '../components/TenantSelect';
import { usePageTitle } from '../components/usePageTitle';
import { usePayerRoute } from '../components/usePayerRoute';
import {
  BillingPeriodsDocument,
  CloseBillingPeriodDocument,
  CreateNoteFromAdjustmentDocument,
  ExchangeRatesDocument,
  InvoicesDocument,
  ReopenBillingPeriodDocument,
  SetExchangeRateDocument,
  type BillingPeriodFieldsFragment,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { codeLabel } from '../i18n/codes';
import { currentMonth, previousMonth } from '../lib/costs';
import { formatDateTime, formatMoney } from '../lib/format';
import { canReopen, noteKindOf, rateProblem } from '../lib/invoicing';

/**
 * A payer's billing periods: each one's state (who closed it, when, the snapshot hash), the
 * frozen numbers per billing group, pending adjustments (each can become a credit or debit
 * note), Close and Reopen for admins, Draft invoices for operators; and the exchange rates of
 * the issuing tenant (admins).
 */
export function PeriodsPage() {
  const { t } = useI18n();
  const { payerId, payer, can, result: payerResult, retry } = usePayerRoute();
  usePageTitle(payer ? t('periods.pageTitle', { name: payer.name }) : t('periods.title'));
  const [result, reexecute] = useQuery({ query: BillingPeriodsDocument, variables: { payerId }, requestPolicy: 'network-only' });
  const [notice, setNotice] = useState<string | null>(null);
  const reload = () => reexecute({ requestPolicy: 'network-only' });
  const periods = result.data?.billingPeriods ?? [];

  if (!payer) {
    if (payerResult.error) return <ErrorState error={payerResult.error} onRetry={retry} />;
    return <LoadingState />;
  }
  return (
    <section aria-labelledby="periods-title">
      <p className="crumbs">
        <Link to="/payers">{t('nav.payers')}</Link> › <Link to={`/payers/${payerId}/billing`}>{t('billing.pageTitle', { name: payer.name })}</Link> › {t('periods.title')}
      </p>
      <div className="page-head">
        <div>
          <h1 id="periods-title">{t('periods.pageTitle', { name: payer.name })}</h1>
          <p className="intro">{t('periods.intro')}</p>
        </div>
        <div className="row-actions">
          <Link className="button" to={`/invoices?payer=${payerId}`}>
            {t('nav.invoices')}
          </Link>
        </div>
      </div>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {result.fetching && !result.data ? (
        <LoadingState />
      ) : result.error ? (
        <ErrorState error={result.error} onRetry={reload} />
      ) : periods.length === 0 ? (
        <EmptyState>{t('periods.empty')}</EmptyState>
      ) : (
        periods.map((p) => (
          <PeriodCard
            key={p.billingPeriod}
            period={p}
            payerId={payerId}
            can={can}
            onChanged={(message) => {
              setNotice(message);
              reload();
            }}
          />
        ))
      )}
      {can.administer && payer.tenant && <ExchangeRates defaultTenantId={payer.tenant.id} />}
    </section>
  );
}

function PeriodCard({
  period: p,
  payerId,
  can,
  onChanged,
}: {
  period: BillingPeriodFieldsFragment;
  payerId: string;
  can: { operate: boolean; administer: boolean };
  onChanged: (message: string) => void;
}) {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const [, close] = useMutation(CloseBillingPeriodDocument);
  const [, reopen] = useMutation(ReopenBillingPeriodDocument);
  const [, noteFrom] = useMutation(CreateNoteFromAdjustmentDocument);
  const [reason, setReason] = useState('');
  // Whether it still reopens: every document of the period is a draft (nothing issued yet).
  const [drafts] = useQuery({
    query: InvoicesDocument,
    variables: { filter: { payerId, billingPeriod: p.billingPeriod, status: 'DRAFT' }, limit: 200, offset: 0 },
    pause: p.status !== 'CLOSED' || p.invoiceCount === 0 || !can.administer,
    requestPolicy: 'network-only',
  });
  const reopenable = canReopen(p, drafts.data ? drafts.data.invoices.length : null);
  const ended = p.billingPeriod < currentMonth();
  const groupName = new Map(p.groups.map((g) => [g.billingGroupId, g.groupName]));
  const closed = p.status === 'CLOSED';
  return (
    <section className="card" aria-labelledby={`period-${p.billingPeriod}`} data-testid="period-card">
      <div className="page-head">
        <h2 id={`period-${p.billingPeriod}`}>
          {p.billingPeriod} <PeriodStatusBadge status={p.status} />
        </h2>
        <div className="row-actions period-actions">
          {closed && (
            <Link className="button small" to={`/invoices?payer=${payerId}&period=${p.billingPeriod}`} aria-label={t('periods.invoicesOf', { period: p.billingPeriod })}>
              {t('periods.invoiceCount', { count: p.invoiceCount })}
            </Link>
          )}
          {closed && can.operate && <DraftInvoicesAction payerId={payerId} billingPeriod={p.billingPeriod} onDrafted={() => onChanged(t('invoices.draftedNotice', { period: p.billingPeriod }))} />}
          {!closed && can.administer && ended && (
            <DangerAction
              small
              label={t('periods.close')}
              name={t('periods.closeNamed', { period: p.billingPeriod })}
              title={t('periods.closeTitle', { period: p.billingPeriod })}
              confirmLabel={t('periods.close')}
              onConfirm={async () => {
                const res = await close({ payerId, billingPeriod: p.billingPeriod });
                if (res.data) onChanged(t('periods.closed', { period: p.billingPeriod }));
                return res;
              }}
            >
              <p>{t('periods.closeBody')}</p>
            </DangerAction>
          )}
          {closed && can.administer && reopenable && (
            <DangerAction
              small
              label={t('periods.reopen')}
              name={t('periods.reopenNamed', { period: p.billingPeriod })}
              title={t('periods.reopenTitle', { period: p.billingPeriod })}
              confirmLabel={t('periods.reopen')}
              onConfirm={async () => {
                const res = await reopen({ payerId, billingPeriod: p.billingPeriod });
                if (res.data) onChanged(t('periods.reopened', { period: p.billingPeriod }));
                return res;
              }}
            >
              <p>{t('periods.reopenBody')}</p>
            </DangerAction>
          )}
        </div>
      </div>
      {closed ? (
        <p className="muted small" data-testid="period-closed">
          {t('periods.closedBy', { who: p.closedBy ?? '—', when: p.closedAt ? formatDateTime(p.closedAt, lang) : '—' })}
          <br />
          {t('periods.snapshotHash')}: <code data-testid="snapshot-hash">{p.snapshotHash}</code>
        </p>
      ) : (
        <p className="muted small">{ended ? t('periods.openEnded') : t('periods.openRunning')}</p>
      )}
      {closed && (
        <CardTable
          level={3}
          title={t('periods.groups')}
          empty={p.groups.length === 0}
          emptyText={t('periods.noGroups')}
          columns={[t('billing.group'), t('billing.awsCost'), t('billing.proforma'), t('billing.margin'), t('billing.source'), t('periods.contentHash')]}
        >
          {p.groups.map((g) => (
            <tr key={g.billingGroupId} data-testid="snapshot-row">
              <th scope="row">{g.groupName}</th>
              <td className="num">{formatMoney(g.awsCost, g.currency, lang)}</td>
              <td className="num">{formatMoney(g.proformaCost, g.currency, lang)}</td>
              <td className="num">{formatMoney(g.margin, g.currency, lang)}</td>
              <td>{codeLabel(t, 'costSource', g.source)}</td>
              <td>
                <code className="small" title={g.contentHash}>
                  {g.contentHash.slice(0, 12)}…
                </code>
              </td>
            </tr>
          ))}
        </CardTable>
      )}
      {p.pendingAdjustments.map((a) => {
        const kind = noteKindOf(a.proformaDelta);
        const group = groupName.get(a.billingGroupId) ?? a.billingGroupId;
        return (
          <CardTable
            key={a.id}
            level={3}
            testId="adjustment"
            title={t('periods.adjustment', { group, amount: formatMoney(a.proformaDelta, a.currency, lang) })}
            intro={<p className="muted small">{t('periods.adjustmentIntro', { when: formatDateTime(a.computedAt, lang), cost: formatMoney(a.awsCostDelta, a.currency, lang) })}</p>}
            actions={
              can.operate && (
                <DangerAction
                  small
                  tone="plain"
                  label={t(kind === 'CREDIT_NOTE' ? 'periods.createCreditNote' : 'periods.createDebitNote')}
                  name={t(kind === 'CREDIT_NOTE' ? 'periods.createCreditNoteFor' : 'periods.createDebitNoteFor', { group })}
                  title={t(kind === 'CREDIT_NOTE' ? 'periods.createCreditNote' : 'periods.createDebitNote')}
                  confirmLabel={t('periods.createNote')}
                  onOpen={() => setReason('')}
                  onConfirm={async () => {
                    const res = await noteFrom({ adjustmentId: a.id, reason: reason.trim() || null });
                    if (res.data) void navigate(`/invoices/${res.data.createNoteFromAdjustment.id}`);
                    return res;
                  }}
                >
                  <p>{t('periods.noteBody')}</p>
                  <Field label={t('periods.noteReason')} name="reason">
                    {(fp) => <input {...fp} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />}
                  </Field>
                </DangerAction>
              )
            }
            columns={[t('periods.account'), t('periods.service'), t('periods.description'), t('billing.awsCost'), t('billing.proforma')]}
          >
            {a.lines.map((l) => (
              <tr key={`${l.accountId}/${l.serviceCode}/${l.description}`} data-testid="adjustment-line">
                <td>
                  <code>{l.accountId}</code>
                </td>
                <td>{l.serviceCode}</td>
                <td>{l.description}</td>
                <td className="num">{formatMoney(l.awsCostDelta, a.currency, lang)}</td>
                <td className="num">{formatMoney(l.proformaDelta, a.currency, lang)}</td>
              </tr>
            ))}
          </CardTable>
        );
      })}
    </section>
  );
}

const RATE_FIELDS = { tenantId: 'tenantId', billingPeriod: 'billingPeriod', fromCurrency: 'fromCurrency', toCurrency: 'toCurrency', rate: 'rate' } as const;

/** The exchange rates an issuing tenant (a partner tenant the caller administers) bills with, and a form to enter one. */
function ExchangeRates({ defaultTenantId }: { defaultTenantId: string }) {
  const { t, lang } = useI18n();
  const { me } = useMe();
  const tenants = useAllTenants();
  const options = useTenantOptions(tenants.nodes, me.memberships, 'ADMIN').filter((o) => o.tenant.kind !== 'CUSTOMER');
  const [picked, setPicked] = useState('');
  const tenantId = picked || (options.some((o) => o.id === defaultTenantId) ? defaultTenantId : (options[0]?.id ?? ''));
  const [rates, reexecute] = useQuery({ query: ExchangeRatesDocument, variables: { tenantId }, pause: !tenantId, requestPolicy: 'network-only' });
  const [form, setForm] = useState({ billingPeriod: previousMonth(currentMonth()), fromCurrency: 'USD', toCurrency: 'EUR', rate: '' });
  const [local, setLocal] = useState<string | null>(null);
  const [saved, save] = useMutation(SetExchangeRateDocument);
  const [notice, setNotice] = useState<string | null>(null);
  const errors = mapErrors(saved.error, RATE_FIELDS);
  const list = useMemo(() => rates.data?.exchangeRates ?? [], [rates.data]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setNotice(null);
    if (rateProblem(form.rate)) return setLocal(t('periods.rateInvalid'));
    const input = { tenantId, billingPeriod: form.billingPeriod, fromCurrency: form.fromCurrency.trim().toUpperCase(), toCurrency: form.toCurrency.trim().toUpperCase(), rate: form.rate.trim() };
    const res = await save({ input });
    if (res.data) {
      setNotice(t('periods.rateSaved', { from: input.fromCurrency, to: input.toCurrency, period: input.billingPeriod }));
      reexecute({ requestPolicy: 'network-only' });
    }
  }
  if (options.length === 0) return null;
  return (
    <CardTable
      title={t('periods.rates')}
      testId="exchange-rates"
      intro={
        <>
          <p className="muted small">{t('periods.ratesIntro')}</p>
          <form className="form wide" onSubmit={submit} aria-label={t('periods.rateForm')} noValidate>
            {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
            <FormErrorMessage error={errors.form} />
            <Field label={t('periods.issuer')} name="tenantId" error={errors.fields.tenantId}>
              {(p) => <TenantSelect props={p} value={tenantId} onChange={setPicked} options={options} />}
            </Field>
            <PeriodInput id="rate-period" value={form.billingPeriod} onChange={(v) => setForm({ ...form, billingPeriod: v })} />
            {errors.fields.billingPeriod && <p className="field-error">{errors.fields.billingPeriod}</p>}
            <Field label={t('periods.fromCurrency')} name="fromCurrency" error={errors.fields.fromCurrency}>
              {(p) => <input {...p} value={form.fromCurrency} maxLength={3} onChange={(e) => setForm({ ...form, fromCurrency: e.target.value })} />}
            </Field>
            <Field label={t('periods.toCurrency')} name="toCurrency" error={errors.fields.toCurrency}>
              {(p) => <input {...p} value={form.toCurrency} maxLength={3} onChange={(e) => setForm({ ...form, toCurrency: e.target.value })} />}
            </Field>
            <Field label={t('periods.rate')} name="rate" error={local ?? errors.fields.rate} hint={t('periods.rateHint')}>
              {(p) => (
                <input
                  {...p}
                  inputMode="decimal"
                  value={form.rate}
                  onChange={(e) => {
                    setLocal(null);
                    setForm({ ...form, rate: e.target.value });
                  }}
                />
              )}
            </Field>
            <FormActions onCancel={() => setForm({ ...form, rate: '' })} submitLabel={t('periods.saveRate')} disabled={saved.fetching || !tenantId} />
          </form>
        </>
      }
      loading={rates.fetching && !rates.data}
      error={rates.error ?? null}
      empty={list.length === 0}
      emptyText={t('periods.noRates')}
      columns={[t('billing.period'), t('periods.pair'), t('periods.rate'), t('periods.enteredBy')]}
    >
      {list.map((r) => (
        <tr key={r.id} data-testid="rate-row">
          <td>{r.billingPeriod}</td>
          <td>
            {r.fromCurrency} → {r.toCurrency}
          </td>
          <td className="num">{r.rate}</td>
          <td>
            {r.enteredBy} <span className="muted small">{formatDateTime(r.enteredAt, lang)}</span>
          </td>
        </tr>
      ))}
    </CardTable>
  );
}
