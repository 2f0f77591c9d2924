import { useEffect, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { mapErrors } from '../api/errors';
import { useFreshQuery } from '../api/useFreshQuery';
import { AccountStatusBadge } from '../components/AccountStatusBadge';
import { CardTable } from '../components/CardTable';
import { DangerAction } from '../components/DangerAction';
import { Field, FormErrorMessage, Notice, FormActions } from '../components/Form';
import { PolicyFromTemplate } from '../components/PolicyFromTemplate';
import { ErrorState, ListStates, LoadingState } from '../components/States';
import { MonthFallback, useCostOpeningMonth, useMonthParam } from '../components/useMonth';
import { usePayerRoute } from '../components/usePayerRoute';
import { usePageTitle } from '../components/usePageTitle';
import { currentMonth } from '../lib/costs';
import {
  AccountMonthlyBillDocument,
  AttachPolicyDocument,
  CloseLinkedAccountDocument,
  DetachPolicyDocument,
  LinkedAccountDocument,
  MoveLinkedAccountDocument,
  PoliciesDocument,
  SendServiceNoticeDocument,
  type PolicyFieldsFragment,
} from '../generated/graphql';
import { ServiceLabel } from '../components/ServiceLabel';
import { useI18n } from '../i18n';
import { codeLabel } from '../i18n/codes';
import { formatDateTime, formatDecimal, formatMoney } from '../lib/format';

export function AccountDetailPage() {
  const { t, lang } = useI18n();
  const { accountId = '' } = useParams();
  const { payerId, payer, can } = usePayerRoute();
  const [result, reexecute] = useQuery({ query: LinkedAccountDocument, variables: { payerId, accountId } });
  const [destination, setDestination] = useState('');
  const [typed, setTyped] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [, move] = useMutation(MoveLinkedAccountDocument);
  const [, close] = useMutation(CloseLinkedAccountDocument);
  const reload = () => reexecute({ requestPolicy: 'network-only' });

  const account = result.data?.linkedAccount;
  usePageTitle(account ? `${account.name} (${account.accountId})` : accountId);
  const ous = result.data?.organizationalUnits ?? [];
  if (!account) {
    if (result.error) return <ErrorState error={result.error} onRetry={reload} />;
    return <LoadingState />;
  }
  // The root's id: the parent of a top-level OU, or where the account sits when not in an OU.
  const rootId = ous.find((ou) => ou.parentId.startsWith('r-'))?.parentId ?? (account.parentId?.startsWith('r-') ? account.parentId : null);
  const targets = [
    ...(rootId ? [{ id: rootId, name: t('accounts.root') }] : []),
    ...ous.map((ou) => ({ id: ou.id, name: ou.name })),
  ].filter((target) => target.id !== account.parentId);
  const targetName = (id: string) => targets.find((x) => x.id === id)?.name ?? id;

  const moveTo = destination || targets[0]?.id || '';

  async function confirmMove() {
    const res = await move({ payerId, accountId, destinationOuId: moveTo });
    if (res.data?.moveLinkedAccount) {
      setNotice(t('linked.moved', { name: targetName(moveTo) }));
      setDestination('');
      reload();
    }
    return res;
  }

  async function confirmClose() {
    const res = await close({ payerId, accountId, confirmAccountId: typed });
    if (res.data?.closeLinkedAccount) {
      setNotice(t('linked.closed', { id: accountId }));
      reload();
    }
    return res;
  }

  return (
    <section aria-labelledby="account-title">
      <p className="crumbs">
        <Link to="/payers">{t('nav.payers')}</Link> › <Link to={`/payers/${payerId}/accounts`}>{payer?.name ?? payerId}</Link> › {accountId}
      </p>
      <div className="page-head">
        <div>
          <h1 id="account-title">
            {account.name} <code>{account.accountId}</code>
          </h1>
          <p className="intro">
            <AccountStatusBadge status={account.status} /> {account.email}
          </p>
        </div>
        {can.administer && account.status === 'ACTIVE' && (
          <DangerAction
            label={t('linked.close')}
            title={t('linked.closeTitle', { id: accountId })}
            confirmLabel={t('linked.closeConfirm')}
            confirmDisabled={typed !== accountId}
            onConfirm={confirmClose}
            onClose={() => setTyped('')}
          >
            <p>{t('linked.closeBody')}</p>
            <Field label={t('linked.closeType', { id: accountId })} name="confirmAccountId">
              {(p) => <input {...p} autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value)} />}
            </Field>
          </DangerAction>
        )}
      </div>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      <div className="card">
        <dl className="facts">
          <dt>{t('accounts.ou')}</dt>
          <dd>{account.organizationalUnit?.name ?? t('accounts.root')}</dd>
          <dt>{t('linked.parent')}</dt>
          <dd>
            <code>{account.parentId ?? '—'}</code>
          </dd>
          <dt>{t('accounts.joined')}</dt>
          <dd>
            {account.joinedMethod ? codeLabel(t, 'joinedMethod', account.joinedMethod) : '—'} {account.joinedAt && formatDateTime(account.joinedAt, lang)}
          </dd>
          <dt>{t('linked.synced')}</dt>
          <dd>{formatDateTime(account.syncedAt, lang)}</dd>
        </dl>
        {can.operate && targets.length > 0 && (
          <div className="inline-form">
            <label htmlFor="move-to">{t('linked.moveTo')}</label>
            <select id="move-to" value={moveTo} onChange={(e) => setDestination(e.target.value)}>
              {targets.map((target) => (
                <option key={target.id} value={target.id}>
                  {target.name}
                </option>
              ))}
            </select>
            <DangerAction tone="plain" label={t('linked.move')} title={t('linked.moveTitle', { id: accountId })} confirmLabel={t('linked.move')} onConfirm={confirmMove}>
              <p>{t('linked.moveBody', { name: targetName(moveTo) })}</p>
            </DangerAction>
          </div>
        )}
      </div>
      <AccountPolicies payerId={payerId} accountId={accountId} canToggle={can.operate} canCreate={can.administer} onChanged={reload} />
      <MonthlyBill payerId={payerId} accountId={accountId} />
      {can.operate && <ServiceNotice payerId={payerId} accountId={accountId} />}
    </section>
  );
}

function AccountPolicies({
  payerId,
  accountId,
  canToggle,
  canCreate,
  onChanged,
}: {
  payerId: string;
  accountId: string;
  canToggle: boolean;
  canCreate: boolean;
  onChanged: () => void;
}) {
  const { t } = useI18n();
  const [result, reexecute] = useQuery({ query: PoliciesDocument, variables: { payerId }, requestPolicy: 'network-only' });
  const [attachResult, attach] = useMutation(AttachPolicyDocument);
  const [detachResult, detach] = useMutation(DetachPolicyDocument);
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  // The state a switch was just set to, shown until the refreshed list arrives.
  const [pending, setPending] = useState<Record<string, boolean>>({});
  useEffect(() => setPending({}), [result.data]);
  const policies = result.data?.policies ?? [];
  const busy = attachResult.fetching || detachResult.fetching;
  const error = attachResult.error ?? detachResult.error;

  async function toggle(policy: PolicyFieldsFragment, on: boolean) {
    const vars = { payerId, policyId: policy.id, targetId: accountId };
    setPending((old) => ({ ...old, [policy.id]: on }));
    const res = on ? await attach(vars) : await detach(vars);
    if (!res.data) {
      setPending((old) => {
        const next = { ...old };
        delete next[policy.id];
        return next;
      });
      return;
    }
    setNotice(t(on ? 'policies.attached' : 'policies.detached', { name: policy.name }));
    reexecute({ requestPolicy: 'network-only' });
    onChanged();
  }

  return (
    <div className="card" aria-labelledby="policies-title">
      <div className="page-head">
        <h2 id="policies-title">{t('policies.title')}</h2>
        {canCreate && !creating && (
          <button type="button" className="small" onClick={() => setCreating(true)}>
            {t('policies.fromTemplate')}
          </button>
        )}
      </div>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {error && <FormErrorMessage error={mapErrors(error, {}).form} />}
      {creating && (
        <PolicyFromTemplate
          payerId={payerId}
          onCancel={() => setCreating(false)}
          onCreated={(p) => {
            setCreating(false);
            setNotice(t('policies.created', { name: p.name }));
            reexecute({ requestPolicy: 'network-only' });
          }}
        />
      )}
      <ListStates
        loading={result.fetching && !result.data}
        error={result.error ?? null}
        empty={policies.length === 0}
        emptyText={t('policies.empty')}
        onRetry={() => reexecute({ requestPolicy: 'network-only' })}
      >
        <ul className="plain toggles">
          {policies.map((policy) => {
            const on = pending[policy.id] ?? policy.targetIds.includes(accountId);
            return (
              <li key={policy.id} data-testid="policy-row">
                <label className="toggle">
                  <input
                    type="checkbox"
                    role="switch"
                    checked={on}
                    disabled={!canToggle || busy}
                    aria-label={t('policies.toggle', { name: policy.name })}
                    onChange={(e) => void toggle(policy, e.target.checked)}
                  />
                  <span>
                    <strong>{policy.name}</strong> <code className="muted">{policy.id}</code>
                    {policy.awsManaged && <span className="badge status-none">{t('policies.awsManaged')}</span>}{' '}
                    <span className={on ? 'badge status-on' : 'badge status-none'}>{on ? t('policies.on') : t('policies.off')}</span>
                    {policy.description && <span className="muted small"> — {policy.description}</span>}
                  </span>
                </label>
              </li>
            );
          })}
        </ul>
      </ListStates>
    </div>
  );
}

function MonthlyBill({ payerId, accountId }: { payerId: string; accountId: string }) {
  const { t, lang } = useI18n();
  // This month, or the latest month with cost for the account when this one has none yet.
  const opening = useCostOpeningMonth({ payerIds: [payerId], accountIds: [accountId] });
  const { month: shown, insteadOf, setMonth } = useMonthParam(opening);
  const month = shown ?? currentMonth();
  const locale = lang === 'zh' ? 'zh-CN' : 'en';
  const [result, reexecute] = useFreshQuery({
    query: AccountMonthlyBillDocument,
    variables: { payerId, accountId, month, locale },
    pause: shown === null,
    requestPolicy: 'network-only',
  });
  const bill = result.data?.accountMonthlyBill;

  function download() {
    if (!bill) return;
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([bill.csv], { type: 'text/csv;charset=utf-8' }));
    link.download = `bill-${accountId}-${bill.month}.csv`;
    link.click();
    URL.revokeObjectURL(link.href);
  }

  return (
    <CardTable
      title={t('bill.title')}
      actions={
        <>
          <div className="field inline">
            <label htmlFor="bill-month">{t('bill.month')}</label>
            <input id="bill-month" type="month" value={month} onChange={(e) => e.target.value && setMonth(e.target.value)} />
          </div>
          <button type="button" onClick={download} disabled={!bill || bill.lines.length === 0}>
            {t('bill.csv')}
          </button>
        </>
      }
      intro={<MonthFallback insteadOf={insteadOf} month={shown} />}
      columns={[t('overview.service'), t('bill.usageType'), t('bill.description'), t('bill.usage'), t('overview.cost')]}
      loading={shown === null || (result.fetching && !bill)}
      error={result.error ?? null}
      onRetry={() => reexecute({ requestPolicy: 'network-only' })}
      empty={!bill || bill.lines.length === 0}
      emptyText={t('bill.empty', { month })}
      tableTestId="bill"
      footer={
        bill && (
          <tr>
            <th scope="row" colSpan={4}>
              {t('bill.total')}
            </th>
            <td className="num" data-testid="bill-total">
              <strong>{formatMoney(bill.total, bill.currency, lang)}</strong>
            </td>
          </tr>
        )
      }
    >
      {bill?.lines.map((line, i) => (
        <tr key={i} data-testid="bill-line">
          <th scope="row">
            <ServiceLabel name={line.serviceName} code={line.serviceCode} />
          </th>
          <td>
            <code>{line.usageType}</code> <span className="muted small">{line.operation}</span>
          </td>
          <td>{line.description}</td>
          <td className="num">
            {formatDecimal(line.usage, lang, 3)} {line.unit}
          </td>
          <td className="num">{formatMoney(line.cost, bill.currency, lang)}</td>
        </tr>
      ))}
    </CardTable>
  );
}

const NOTICE_FIELDS = { subject: 'subject', body: 'body', locale: 'locale' } as const;

function ServiceNotice({ payerId, accountId }: { payerId: string; accountId: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [sent, setSent] = useState(false);
  const [result, send] = useMutation(SendServiceNoticeDocument);
  const errors = mapErrors(result.error, NOTICE_FIELDS);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const res = await send({ input: { payerId, accountIds: [accountId], subject: subject.trim(), body } });
    if (res.data) {
      setSent(true);
      setOpen(false);
      setSubject('');
      setBody('');
    }
  }

  return (
    <section className="card" aria-labelledby="notice-title">
      <div className="page-head">
        <h2 id="notice-title">{t('serviceNotice.title')}</h2>
        {!open && (
          <button type="button" className="small" onClick={() => { setOpen(true); setSent(false); }}>
            {t('serviceNotice.write')}
          </button>
        )}
      </div>
      {sent && <Notice onClose={() => setSent(false)}>{t('serviceNotice.sent')}</Notice>}
      {open && (
        <form className="form" onSubmit={submit} aria-labelledby="notice-title" noValidate>
          <p className="muted small">{t('serviceNotice.hint')}</p>
          <FormErrorMessage error={errors.form} />
          <Field label={t('templates.subject')} name="subject" error={errors.fields.subject}>
            {(p) => <input {...p} value={subject} onChange={(e) => setSubject(e.target.value)} />}
          </Field>
          <Field label={t('serviceNotice.body')} name="body" error={errors.fields.body}>
            {(p) => <textarea {...p} rows={5} value={body} onChange={(e) => setBody(e.target.value)} />}
          </Field>
          <FormActions onCancel={() => setOpen(false)} submitLabel={t('serviceNotice.send')} disabled={result.fetching} />
        </form>
      )}
    </section>
  );
}
