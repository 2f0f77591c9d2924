import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { mapErrors } from '../api/errors';
import { useAllPayers, usePayerAbilities } from '../api/payers';
import { useAllTenants, useTenantOptions } from '../api/tenants';
import { useMe } from '../auth/MeProvider';
import { DashboardUrlField } from '../components/DashboardLink';
import { DangerAction } from '../components/DangerAction';
import { Field, FormErrorMessage, Notice, FormActions } from '../components/Form';
import { PayerStatusBadge } from '../components/PayerStatusBadge';
import { ListStates, TableHead } from '../components/States';
import {
  CheckPayerConnectionDocument,
  CostSummaryDocument,
  IngestCostsDocument,
  RegisterPayerDocument,
  RemovePayerDocument,
  SetPayerCostExportDocument,
  SyncAccountsDocument,
  UpdatePayerDocument,
  type PayerFieldsFragment,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { costAllocationPath } from '../lib/costAllocation';
import { currentMonth, monthlyTotals, monthsEnding, monthsRange, openingMonth } from '../lib/costs';
import { formatDateTime, formatMoney, formatMonth } from '../lib/format';
import { dashboardUrlChange, dashboardUrlProblem, type DashboardUrlProblem } from '../lib/links';
import { isResellerPayer } from '../lib/resellers';
import { BillingModeCell, PayerBillingPanel } from '../components/PayerBillingMode';
import { TenantSelect } from '../components/TenantSelect';
import { usePageTitle } from '../components/usePageTitle';

export function PayersPage() {
  const { t, lang } = useI18n();
  usePageTitle(t('payers.title'));
  const { me } = useMe();
  const list = useAllPayers();
  const tenants = useAllTenants();
  const adminTenants = useTenantOptions(tenants.nodes, me.memberships, 'ADMIN');
  const can = usePayerAbilities(list.nodes);
  const [registering, setRegistering] = useState(false);
  const [registered, setRegistered] = useState<PayerFieldsFragment | null>(null);
  const [editing, setEditing] = useState<PayerFieldsFragment | null>(null);
  const [billingOf, setBillingOf] = useState<PayerFieldsFragment | null>(null);
  const [notice, setNotice] = useState<{ text: string; jobId?: string } | null>(null);
  const [checkResult, check] = useMutation(CheckPayerConnectionDocument);
  const [syncResult, sync] = useMutation(SyncAccountsDocument);
  const [ingestResult, ingest] = useMutation(IngestCostsDocument);
  const [, remove] = useMutation(RemovePayerDocument);
  const actionError = mapErrors(checkResult.error ?? syncResult.error ?? ingestResult.error, {});

  async function runCheck(payer: PayerFieldsFragment) {
    const res = await check({ id: payer.id });
    const after = res.data?.checkPayerConnection;
    if (after) {
      setNotice({ text: t(after.status === 'CONNECTED' ? 'payers.checkedOk' : 'payers.checkedFailed', { name: after.name }) });
      list.reload();
    }
  }

  async function runSync(payer: PayerFieldsFragment) {
    const res = await sync({ payerId: payer.id });
    const job = res.data?.syncAccounts;
    if (job) setNotice({ text: t('payers.syncStarted', { name: payer.name }), jobId: job.id });
  }

  async function runIngest(payer: PayerFieldsFragment) {
    const res = await ingest({ payerId: payer.id });
    const job = res.data?.ingestCosts;
    if (job) setNotice({ text: t('payers.ingestStarted', { name: payer.name }), jobId: job.id });
  }

  async function confirmRemove(payer: PayerFieldsFragment) {
    const res = await remove({ id: payer.id });
    if (res.data?.removePayer) {
      setNotice({ text: t('payers.removed', { name: payer.name }) });
      list.reload();
    }
    return res;
  }

  return (
    <section aria-labelledby="payers-title">
      <div className="page-head">
        <div>
          <h1 id="payers-title">{t('payers.title')}</h1>
          <p className="intro">{t('payers.intro')}</p>
        </div>
        <div className="row-actions">
          <Link className="button" to="/invoices">
            {t('nav.invoices')}
          </Link>
          {adminTenants.length > 0 && !registering && (
            <button type="button" className="primary" onClick={() => setRegistering(true)}>
              {t('payers.register')}
            </button>
          )}
        </div>
      </div>
      {notice && (
        <Notice onClose={() => setNotice(null)}>
          {notice.text} {notice.jobId && <Link to={`/jobs/${notice.jobId}`}>{t('payers.followJob')}</Link>}
        </Notice>
      )}
      {(checkResult.error || syncResult.error || ingestResult.error) && <FormErrorMessage error={actionError.form} />}
      {registering && (
        <RegisterPayerForm
          tenants={adminTenants}
          onCancel={() => setRegistering(false)}
          onRegistered={(payer) => {
            setRegistering(false);
            setRegistered(payer);
            list.reload();
          }}
        />
      )}
      {registered && <RegisteredPayer payer={registered} onClose={() => setRegistered(null)} />}
      {editing && (
        <EditPayerForm
          payer={editing}
          onCancel={() => setEditing(null)}
          onSaved={(p) => {
            setEditing(null);
            setNotice({ text: t('payers.saved', { name: p.name }) });
            list.reload();
          }}
        />
      )}
      {billingOf && <PayerBillingPanel key={billingOf.id} payer={billingOf} administer={can(billingOf.id).administer} onClose={() => setBillingOf(null)} />}
      <ListStates loading={list.loading} error={list.error} empty={list.nodes.length === 0} emptyText={t('payers.empty')} onRetry={list.reload}>
        <table className="table">
          <TableHead
            columns={[
              t('common.name'),
              t('payers.accountId'),
              t('common.tenant'),
              t('payers.connection'),
              t('billingMode.column'),
              t('payers.cost'),
              t('payers.lastChecked'),
              t('common.actions'),
            ]}
          />
          <tbody>
            {list.nodes.map((payer) => {
              const may = can(payer.id);
              // A reseller's payer has no AWS access: no connection, export or AWS action.
              const reseller = isResellerPayer(payer);
              return (
                <tr key={payer.id} data-testid="payer-row">
                  <th scope="row">{payer.name}</th>
                  <td>
                    <code>{payer.accountId}</code>
                  </td>
                  <td>{payer.tenant?.name ?? '—'}</td>
                  <td>
                    <PayerStatusBadge payer={payer} />
                    {reseller && (
                      <div className="muted small" data-testid="reseller-note">
                        {t('resellers.pricedFrom')}
                      </div>
                    )}
                    {!reseller && payer.statusReason && <div className="muted small">{payer.statusReason}</div>}
                    {!reseller && payer.costExportBucket && (
                      <div className="muted small">
                        {t('payers.exportAt', { place: `s3://${payer.costExportBucket}/${payer.costExportPrefix ?? ''}` })}
                      </div>
                    )}
                  </td>
                  <td>{reseller ? <span className="muted">—</span> : <BillingModeCell payerId={payer.id} />}</td>
                  <td className="num">{reseller ? <span className="muted">—</span> : <PayerCost payerId={payer.id} />}</td>
                  <td>{reseller ? '—' : payer.lastCheckedAt ? formatDateTime(payer.lastCheckedAt, lang) : t('common.never')}</td>
                  <td>
                    <div className="row-actions">
                      <Link className="button small" to={`/payers/${payer.id}/accounts`} aria-label={t('payers.accountsOf', { name: payer.name })}>
                        {t('payers.accounts')}
                      </Link>
                      {!reseller && (
                        <Link className="button small" to={`/payers/${payer.id}/policies`} aria-label={t('payers.policiesOf', { name: payer.name })}>
                          {t('payers.policies')}
                        </Link>
                      )}
                      <Link className="button small" to={`/payers/${payer.id}/billing`} aria-label={t('payers.billingOf', { name: payer.name })}>
                        {t('billing.title')}
                      </Link>
                      {!reseller && (
                        <button type="button" className="small" aria-label={t('billingMode.openNamed', { name: payer.name })} onClick={() => setBillingOf(payer)}>
                          {t('billingMode.open')}
                        </button>
                      )}
                      {may.operate && !reseller && (
                        <>
                          <button
                            type="button"
                            className="small"
                            disabled={checkResult.fetching}
                            aria-label={t('payers.checkNamed', { name: payer.name })}
                            onClick={() => void runCheck(payer)}
                          >
                            {t('payers.check')}
                          </button>
                          <button
                            type="button"
                            className="small"
                            disabled={syncResult.fetching || payer.status !== 'CONNECTED'}
                            aria-label={t('payers.syncNamed', { name: payer.name })}
                            onClick={() => void runSync(payer)}
                          >
                            {t('payers.sync')}
                          </button>
                          {payer.costExportBucket && (
                            <button
                              type="button"
                              className="small"
                              disabled={ingestResult.fetching}
                              aria-label={t('payers.ingestNamed', { name: payer.name })}
                              onClick={() => void runIngest(payer)}
                            >
                              {t('payers.ingest')}
                            </button>
                          )}
                        </>
                      )}
                      {may.administer && (
                        <>
                          <button type="button" className="small" aria-label={t('payers.editNamed', { name: payer.name })} onClick={() => setEditing(payer)}>
                            {t('payers.edit')}
                          </button>
                          <DangerAction
                            small
                            label={t('payers.remove')}
                            name={t('payers.removeNamed', { name: payer.name })}
                            title={t('payers.removeTitle', { name: payer.name })}
                            confirmLabel={t('payers.removeConfirm')}
                            onConfirm={() => confirmRemove(payer)}
                          >
                            <p>{t('payers.removeBody')}</p>
                          </DangerAction>
                        </>
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ListStates>
    </section>
  );
}

/**
 * A payer's cost this month; when this month has no cost data yet, the latest month's that has,
 * with that month named.
 */
function PayerCost({ payerId }: { payerId: string }) {
  const { t, lang } = useI18n();
  const current = currentMonth();
  const range = monthsRange(monthsEnding(current, 13));
  const [result] = useQuery({
    query: CostSummaryDocument,
    variables: { input: { payerIds: [payerId], from: range.from, to: range.to, granularity: 'MONTH', groupBy: [] } },
    requestPolicy: 'network-only',
  });
  const summary = result.data?.costSummary;
  if (!summary) return <span className="muted">{result.error ? '—' : '…'}</span>;
  const { month } = openingMonth(current, summary.series);
  const [amount] = monthlyTotals(summary.series, [month]);
  return (
    <span data-testid="payer-cost">
      {formatMoney(amount, summary.currency, lang)}
      {month !== current && <span className="muted small"> {t('payers.costIn', { month: formatMonth(month, lang) })}</span>}
    </span>
  );
}

const REGISTER_FIELDS = { tenantId: 'tenantId', accountId: 'accountId', name: 'name', roleArn: 'roleArn' } as const;

function RegisterPayerForm({
  tenants,
  onCancel,
  onRegistered,
}: {
  tenants: ReturnType<typeof useTenantOptions>;
  onCancel: () => void;
  onRegistered: (payer: PayerFieldsFragment) => void;
}) {
  const { t } = useI18n();
  const [tenantId, setTenantId] = useState('');
  const [accountId, setAccountId] = useState('');
  const [name, setName] = useState('');
  const [roleArn, setRoleArn] = useState('');
  const [result, register] = useMutation(RegisterPayerDocument);
  const errors = mapErrors(result.error, REGISTER_FIELDS);
  const effectiveTenant = tenantId || tenants[0]?.id || '';
  const suggestedArn = /^\d{12}$/.test(accountId) ? `arn:aws:iam::${accountId}:role/PartnerBillingAccess` : '';

  async function submit(event: FormEvent) {
    event.preventDefault();
    const res = await register({
      input: { tenantId: effectiveTenant, accountId: accountId.trim(), name: name.trim(), roleArn: (roleArn || suggestedArn).trim() },
    });
    if (res.data?.registerPayer) onRegistered(res.data.registerPayer);
  }

  return (
    <form className="card form" onSubmit={submit} aria-labelledby="register-payer-title" noValidate>
      <h2 id="register-payer-title">{t('payers.form.title')}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('common.tenant')} name="tenantId" error={errors.fields.tenantId}>
        {(p) => <TenantSelect value={effectiveTenant} onChange={setTenantId} options={tenants} props={p} />}
      </Field>
      <Field label={t('payers.accountId')} name="accountId" error={errors.fields.accountId} hint={t('payers.form.accountIdHint')}>
        {(p) => <input {...p} inputMode="numeric" autoComplete="off" value={accountId} onChange={(e) => setAccountId(e.target.value)} />}
      </Field>
      <Field label={t('common.name')} name="name" error={errors.fields.name}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label={t('payers.roleArn')} name="roleArn" error={errors.fields.roleArn} hint={t('payers.form.roleArnHint')}>
        {(p) => <input {...p} value={roleArn} placeholder={suggestedArn} onChange={(e) => setRoleArn(e.target.value)} />}
      </Field>
      <FormActions onCancel={onCancel} submitLabel={t('payers.form.submit')} disabled={result.fetching || !effectiveTenant} />
    </form>
  );
}

/** After registering: the ExternalId and the CloudFormation link to deploy the role with. */
function RegisteredPayer({ payer, onClose }: { payer: PayerFieldsFragment; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <section className="card secret" aria-labelledby="registered-title">
      <h2 id="registered-title">{t('payers.registered.title', { name: payer.name })}</h2>
      <ol>
        <li>
          {t('payers.registered.externalId')} <code data-testid="external-id">{payer.externalId}</code>
        </li>
        <li>
          {payer.cloudFormationQuickCreateUrl ? (
            <a href={payer.cloudFormationQuickCreateUrl} target="_blank" rel="noreferrer">
              {t('payers.registered.quickCreate')}
            </a>
          ) : (
            t('payers.registered.noQuickCreate')
          )}
        </li>
        <li>{t('payers.registered.thenCheck')}</li>
      </ol>
      <div className="actions">
        <button type="button" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
    </section>
  );
}

function EditPayerForm({ payer, onCancel, onSaved }: { payer: PayerFieldsFragment; onCancel: () => void; onSaved: (p: PayerFieldsFragment) => void }) {
  const { t } = useI18n();
  const [name, setName] = useState(payer.name);
  const [roleArn, setRoleArn] = useState(payer.roleArn);
  const [dashboardUrl, setDashboardUrl] = useState(payer.dashboardUrl ?? '');
  const [urlProblem, setUrlProblem] = useState<DashboardUrlProblem | null>(null);
  const [result, update] = useMutation(UpdatePayerDocument);
  const errors = mapErrors(result.error, { name: 'name', roleArn: 'roleArn', dashboardUrl: 'dashboardUrl' } as const);

  const [bucket, setBucket] = useState(payer.costExportBucket ?? '');
  const [prefix, setPrefix] = useState(payer.costExportPrefix ?? '');
  const [exportResult, setExport] = useMutation(SetPayerCostExportDocument);
  const exportErrors = mapErrors(exportResult.error, { bucket: 'bucket', prefix: 'prefix' } as const);

  // A reseller's payer has no role and no cost export (the API refuses them): only its name.
  const reseller = isResellerPayer(payer);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem = dashboardUrlProblem(dashboardUrl);
    setUrlProblem(problem);
    if (problem) return;
    // The link only when it changed ("" removes it): the API keeps a field left out.
    const link = dashboardUrlChange(dashboardUrl, payer.dashboardUrl);
    const res = await update({
      id: payer.id,
      input: {
        name: name.trim(),
        ...(reseller ? {} : { roleArn: roleArn.trim() }),
        ...(link === undefined ? {} : { dashboardUrl: link }),
      },
    });
    if (!res.data?.updatePayer) return;
    if (reseller) return onSaved(res.data.updatePayer);
    const changedExport = bucket.trim() !== (payer.costExportBucket ?? '') || prefix.trim() !== (payer.costExportPrefix ?? '');
    if (changedExport) {
      const exp = await setExport({ payerId: payer.id, bucket: bucket.trim(), prefix: prefix.trim() });
      if (!exp.data?.setPayerCostExport) return;
      onSaved(exp.data.setPayerCostExport);
      return;
    }
    onSaved(res.data.updatePayer);
  }

  return (
    <form className="card form" onSubmit={submit} aria-labelledby="edit-payer-title" noValidate>
      <h2 id="edit-payer-title">{t('payers.editTitle', { name: payer.name })}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('common.name')} name="name" error={errors.fields.name}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      {reseller ? (
        <p className="field-hint">{t('resellers.pricedFrom')}</p>
      ) : (
        <>
          <Field label={t('payers.roleArn')} name="roleArn" error={errors.fields.roleArn}>
            {(p) => <input {...p} value={roleArn} onChange={(e) => setRoleArn(e.target.value)} />}
          </Field>
          <FormErrorMessage error={exportErrors.form} />
          <Field label={t('payers.exportBucket')} name="bucket" error={exportErrors.fields.bucket} hint={t('payers.exportHint')}>
            {(p) => <input {...p} value={bucket} onChange={(e) => setBucket(e.target.value)} />}
          </Field>
          <Field label={t('payers.exportPrefix')} name="prefix" error={exportErrors.fields.prefix}>
            {(p) => <input {...p} value={prefix} onChange={(e) => setPrefix(e.target.value)} />}
          </Field>
          <p className="field-hint">
            <Link to={costAllocationPath(payer.id)}>{t('tags.openNamed', { name: payer.name })}</Link>
          </p>
        </>
      )}
      <DashboardUrlField
        value={dashboardUrl}
        onChange={(value) => {
          setDashboardUrl(value);
          setUrlProblem(null);
        }}
        problem={urlProblem}
        apiError={errors.fields.dashboardUrl}
      />
      <FormActions onCancel={onCancel} submitLabel={t('common.save')} disabled={result.fetching || exportResult.fetching} />
    </form>
  );
}
