import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { mapErrors, queryAwsUnavailable } from '../api/errors';
import { useFreshQuery } from '../api/useFreshQuery';
import { usePagedList } from '../api/usePagedList';
import { AccountStatusBadge } from '../components/AccountStatusBadge';
import { DangerAction } from '../components/DangerAction';
import { Field, FormErrorMessage, Notice, FormActions } from '../components/Form';
import { WatchedJob } from '../components/JobStatus';
import { PayerStatusBadge } from '../components/PayerStatusBadge';
import { ErrorState, ListStates, LoadingState, LoadMore, TableHead } from '../components/States';
import { useCostOpeningMonth } from '../components/useMonth';
import { usePayerRoute } from '../components/usePayerRoute';
import { usePageTitle } from '../components/usePageTitle';
import {
  CancelInvitationDocument,
  CostSummaryDocument,
  CreateLinkedAccountDocument,
  InvitationsDocument,
  InviteAccountDocument,
  LinkedAccountsDocument,
  OrganizationalUnitsDocument,
  SyncAccountsDocument,
  type InvitationFieldsFragment,
  type JobFieldsFragment,
  type PayerFieldsFragment,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { codeLabel } from '../i18n/codes';
import { currentMonth, monthsRange } from '../lib/costs';
import { formatDate, formatDateTime, formatMoney, formatMonth } from '../lib/format';
import { isResellerPayer } from '../lib/resellers';

export function AccountsPage() {
  const { t, lang } = useI18n();
  const { payerId, payer, can, result, retry } = usePayerRoute();
  usePageTitle(payer ? t('accounts.title', { name: payer.name }) : t('nav.payers'));
  const [search, setSearch] = useState('');
  const [applied, setApplied] = useState('');
  const list = usePagedList(LinkedAccountsDocument, (d) => d.linkedAccounts, {
    variables: { payerId, filter: applied ? { search: applied } : null },
  });
  const [ous] = useQuery({ query: OrganizationalUnitsDocument, variables: { payerId } });
  const [form, setForm] = useState<'create' | 'invite' | null>(null);
  const [job, setJob] = useState<{ job: JobFieldsFragment; title: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [invitationsKey, setInvitationsKey] = useState(0);
  const [syncResult, sync] = useMutation(SyncAccountsDocument);
  // Each account's cost in this month, or in the latest month with cost data when this one has none.
  const opening = useCostOpeningMonth({ payerIds: [payerId] });
  const costMonth = opening?.month ?? null;
  const costRange = monthsRange([costMonth ?? currentMonth()]);
  const [costs] = useFreshQuery({
    query: CostSummaryDocument,
    variables: { input: { payerIds: [payerId], from: costRange.from, to: costRange.to, granularity: 'MONTH', groupBy: ['ACCOUNT'] } },
    pause: costMonth === null,
    requestPolicy: 'network-only',
  });
  const costOf = new Map((costs.data?.costSummary.groups ?? []).map((g) => [g.key.accountId ?? '', g.amount]));
  const currency = costs.data?.costSummary.currency ?? 'USD';

  if (!payer) {
    if (result.error) return <ErrorState error={result.error} onRetry={retry} />;
    return <LoadingState />;
  }

  async function runSync() {
    const res = await sync({ payerId });
    if (res.data?.syncAccounts) setJob({ job: res.data.syncAccounts, title: t('accounts.syncJob') });
  }

  return (
    <section aria-labelledby="accounts-title">
      <p className="crumbs">
        <Link to="/payers">{t('nav.payers')}</Link> › {payer.name}
      </p>
      <div className="page-head">
        <div>
          <h1 id="accounts-title">{t('accounts.title', { name: payer.name })}</h1>
          <p className="intro">
            <code>{payer.accountId}</code> <PayerStatusBadge payer={payer} />
          </p>
          {isResellerPayer(payer) && <p className="muted">{t('resellers.pricedFrom')}</p>}
        </div>
        <div className="row-actions">
          {!isResellerPayer(payer) && (
            <Link className="button" to={`/payers/${payerId}/policies`}>
              {t('payers.policies')}
            </Link>
          )}
          <Link className="button" to={`/payers/${payerId}/billing`}>
            {t('billing.title')}
          </Link>
          {can.operate && !isResellerPayer(payer) && (
            <>
            <button type="button" onClick={() => void runSync()} disabled={syncResult.fetching}>
              {t('payers.sync')}
            </button>
            <button type="button" onClick={() => setForm('invite')}>
              {t('accounts.invite')}
            </button>
            <button type="button" className="primary" onClick={() => setForm('create')}>
              {t('accounts.create')}
            </button>
            </>
          )}
        </div>
      </div>
      {syncResult.error && <FormErrorMessage error={mapErrors(syncResult.error, {}).form} />}
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {job && (
        <WatchedJob
          job={job.job}
          title={job.title}
          onFinished={() => {
            list.reload();
          }}
        />
      )}
      {form === 'create' && (
        <CreateAccountForm
          payer={payer}
          ous={ous.data?.organizationalUnits ?? []}
          onCancel={() => setForm(null)}
          onStarted={(started) => {
            setForm(null);
            setJob({ job: started, title: t('accounts.createJob') });
          }}
        />
      )}
      {form === 'invite' && (
        <InviteForm
          payerId={payerId}
          onCancel={() => setForm(null)}
          onInvited={(inv) => {
            setForm(null);
            setNotice(t('accounts.invited', { target: inv.target }));
            setInvitationsKey((k) => k + 1);
          }}
        />
      )}

      <form
        className="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(search.trim());
        }}
      >
        <label htmlFor="account-search">{t('accounts.search')}</label>
        <input id="account-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder={t('accounts.searchHint')} />
        <button type="submit">{t('accounts.searchButton')}</button>
      </form>

      <ListStates
        loading={list.loading}
        error={list.error}
        empty={list.nodes.length === 0}
        emptyText={applied ? t('accounts.noMatch') : t('accounts.empty')}
        onRetry={list.reload}
      >
        <p className="count">{t(list.nodes.length === 1 ? 'accounts.count.one' : 'accounts.count.other', { count: list.nodes.length })}</p>
        <table className="table">
          <TableHead
            columns={[
              t('accounts.accountId'),
              t('common.name'),
              t('accounts.email'),
              t('common.status'),
              t('accounts.ou'),
              t('accounts.joined'),
              t('accounts.costIn', { month: costMonth ? formatMonth(costMonth, lang) : '…' }),
            ]}
          />
          <tbody>
            {list.nodes.map((a) => (
              <tr key={a.accountId} data-testid="account-row">
                <th scope="row">
                  <Link to={`/payers/${payerId}/accounts/${a.accountId}`}>
                    <code>{a.accountId}</code>
                  </Link>
                </th>
                <td>{a.name}</td>
                <td>{a.email}</td>
                <td>
                  <AccountStatusBadge status={a.status} />
                </td>
                <td>{a.organizationalUnit?.name ?? <span className="muted">{t('accounts.root')}</span>}</td>
                <td>
                  {a.joinedMethod ? codeLabel(t, 'joinedMethod', a.joinedMethod) : ''}{' '}
                  {a.joinedAt && formatDate(a.joinedAt, lang)}
                </td>
                <td className="num" data-testid="account-cost">
                  {costs.data ? formatMoney(costOf.get(a.accountId) ?? '0', currency, lang) : <span className="muted">…</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <LoadMore list={list} />
      </ListStates>

      <div className="grid-2">
        <div className="card">
          <h2>{t('accounts.ous')}</h2>
          {ous.fetching ? (
            <LoadingState />
          ) : ous.error ? (
            <ErrorState error={ous.error} />
          ) : (ous.data?.organizationalUnits.length ?? 0) === 0 ? (
            <p className="muted">{t('accounts.noOus')}</p>
          ) : (
            <ul className="plain" data-testid="ou-list">
              {ous.data?.organizationalUnits.map((ou) => (
                <li key={ou.id}>
                  {ou.name} <code className="muted">{ou.id}</code>
                </li>
              ))}
            </ul>
          )}
        </div>
        <Invitations key={invitationsKey} payerId={payerId} canCancel={can.operate} />
      </div>
    </section>
  );
}

function CreateAccountForm({
  payer,
  ous,
  onCancel,
  onStarted,
}: {
  payer: PayerFieldsFragment;
  ous: { id: string; name: string }[];
  onCancel: () => void;
  onStarted: (job: JobFieldsFragment) => void;
}) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [ouId, setOuId] = useState('');
  const [result, create] = useMutation(CreateLinkedAccountDocument);
  const errors = mapErrors(result.error, { email: 'email', name: 'name', ouId: 'ouId' } as const);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const res = await create({ input: { payerId: payer.id, email: email.trim(), name: name.trim(), ouId: ouId || null } });
    if (res.data?.createLinkedAccount) onStarted(res.data.createLinkedAccount);
  }

  return (
    <form className="card form" onSubmit={submit} aria-labelledby="create-account-title" noValidate>
      <h2 id="create-account-title">{t('accounts.form.title')}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('accounts.email')} name="email" error={errors.fields.email}>
        {(p) => <input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
      </Field>
      <Field label={t('common.name')} name="name" error={errors.fields.name}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label={t('accounts.ou')} name="ouId" error={errors.fields.ouId}>
        {(p) => (
          <select {...p} value={ouId} onChange={(e) => setOuId(e.target.value)}>
            <option value="">{t('accounts.root')}</option>
            {ous.map((ou) => (
              <option key={ou.id} value={ou.id}>
                {ou.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <FormActions onCancel={onCancel} submitLabel={t('accounts.form.submit')} disabled={result.fetching} />
    </form>
  );
}

function InviteForm({ payerId, onCancel, onInvited }: { payerId: string; onCancel: () => void; onInvited: (i: InvitationFieldsFragment) => void }) {
  const { t } = useI18n();
  const [target, setTarget] = useState('');
  const [notes, setNotes] = useState('');
  const [result, invite] = useMutation(InviteAccountDocument);
  const errors = mapErrors(result.error, { accountId: 'target', email: 'target', notes: 'notes' } as const);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const value = target.trim();
    const byId = /^\d+$/.test(value);
    const res = await invite({ input: { payerId, accountId: byId ? value : null, email: byId ? null : value, notes: notes || null } });
    if (res.data?.inviteAccount) onInvited(res.data.inviteAccount);
  }

  return (
    <form className="card form" onSubmit={submit} aria-labelledby="invite-title" noValidate>
      <h2 id="invite-title">{t('accounts.inviteTitle')}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('accounts.inviteTarget')} name="target" error={errors.fields.target} hint={t('accounts.inviteHint')}>
        {(p) => <input {...p} value={target} onChange={(e) => setTarget(e.target.value)} />}
      </Field>
      <Field label={t('accounts.notes')} name="notes" error={errors.fields.notes}>
        {(p) => <input {...p} value={notes} onChange={(e) => setNotes(e.target.value)} />}
      </Field>
      <FormActions onCancel={onCancel} submitLabel={t('accounts.inviteSubmit')} disabled={result.fetching} />
    </form>
  );
}

function Invitations({ payerId, canCancel }: { payerId: string; canCancel: boolean }) {
  const { t, lang } = useI18n();
  const [result, reexecute] = useQuery({ query: InvitationsDocument, variables: { payerId }, requestPolicy: 'network-only' });
  const [, cancel] = useMutation(CancelInvitationDocument);
  const list = result.data?.invitations ?? [];
  return (
    <div className="card">
      <h2>{t('accounts.invitations')}</h2>
      {queryAwsUnavailable(result.error) ? (
        // E.g. moto (the demo's and the tests' AWS) has no Organizations handshakes.
        <p className="state state-empty" data-testid="invitations-unavailable">
          {t('accounts.invitationsUnavailable')}
        </p>
      ) : (
        <ListStates
          loading={result.fetching && !result.data}
          error={result.error ?? null}
          empty={list.length === 0}
          emptyText={t('accounts.noInvitations')}
          onRetry={() => reexecute({ requestPolicy: 'network-only' })}
        >
          <ul className="plain">
            {list.map((inv) => (
              <li key={inv.handshakeId} data-testid="invitation-row">
                <strong>{inv.target}</strong> <span className="badge status-none">{codeLabel(t, 'invitationState', inv.state)}</span>{' '}
                {inv.requestedAt && <span className="muted small">{formatDateTime(inv.requestedAt, lang)}</span>}{' '}
                {canCancel && (inv.state === 'OPEN' || inv.state === 'REQUESTED') && (
                  <DangerAction
                    small
                    label={t('accounts.cancelInvitation')}
                    name={t('accounts.cancelInvitationNamed', { target: inv.target })}
                    title={t('accounts.cancelInvitationTitle', { target: inv.target })}
                    confirmLabel={t('accounts.cancelInvitation')}
                    onConfirm={async () => {
                      const res = await cancel({ payerId, handshakeId: inv.handshakeId });
                      if (res.data) reexecute({ requestPolicy: 'network-only' });
                      return res;
                    }}
                  >
                    <p>{t('accounts.cancelInvitationBody')}</p>
                  </DangerAction>
                )}
              </li>
            ))}
          </ul>
        </ListStates>
      )}
    </div>
  );
}
