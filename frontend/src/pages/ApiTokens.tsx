import { useMemo, useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { mapErrors } from '../api/errors';
import { useAllTenants, useTenantOptions, type TenantOption } from '../api/tenants';
import { usePagedList } from '../api/usePagedList';
import { useMe } from '../auth/MeProvider';
import { DangerAction } from '../components/DangerAction';
import { Field, FormErrorMessage, Notice, FormActions } from '../components/Form';
import { RoleSelect } from '../components/RoleSelect';
import { ListStates, LoadMore, TableHead } from '../components/States';
import { TenantSelect } from '../components/TenantSelect';
import { usePageTitle } from '../components/usePageTitle';
import {
  ApiTokensDocument,
  CreateApiTokenDocument,
  RevokeApiTokenDocument,
  type ApiTokenFieldsFragment,
  type Role,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { dateInputValue, endOfLocalDay, formatDate, formatDateTime, formatRelative } from '../lib/format';
import { DEFAULT_ROLE } from '../lib/roles';

const CREATE_FIELDS = { name: 'name', role: 'role', tenantId: 'tenantId', expiresAt: 'expiresAt' } as const;

type TokenState = 'active' | 'revoked' | 'expired';

export function tokenState(token: Pick<ApiTokenFieldsFragment, 'revokedAt' | 'expiresAt'>, now: Date): TokenState {
  if (token.revokedAt) return 'revoked';
  if (new Date(token.expiresAt).getTime() <= now.getTime()) return 'expired';
  return 'active';
}

export function ApiTokensPage() {
  const { t, lang } = useI18n();
  usePageTitle(t('tokens.title'));
  const { me, can } = useMe();
  const list = usePagedList(ApiTokensDocument, (d) => d.apiTokens);
  const tenants = useAllTenants();
  // A token holds at most the creator's role on its target; operators and admins create them.
  const targets = useTenantOptions(tenants.nodes, me.memberships, 'OPERATOR');
  const tenantNames = useMemo(() => new Map(tenants.nodes.map((x) => [x.id, x.name])), [tenants.nodes]);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [, revoke] = useMutation(RevokeApiTokenDocument);
  const now = new Date();

  async function confirmRevoke(token: ApiTokenFieldsFragment) {
    const res = await revoke({ id: token.id });
    if (res.data?.revokeApiToken) {
      setNotice(t('tokens.revoked', { name: token.name }));
      list.reload();
    }
    return res;
  }

  const scope = (token: ApiTokenFieldsFragment) =>
    token.tenantId
      ? (tenantNames.get(token.tenantId) ?? token.tenantId)
      : token.payerId
        ? t('tokens.payerScope', { id: token.payerId })
        : '—';

  return (
    <section aria-labelledby="tokens-title">
      <div className="page-head">
        <div>
          <h1 id="tokens-title">{t('tokens.title')}</h1>
          <p className="intro">{t('tokens.intro')}</p>
        </div>
        {can.write && !creating && !created && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            {t('tokens.new')}
          </button>
        )}
      </div>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {created && <SecretOnce name={created.name} secret={created.secret} onDone={() => setCreated(null)} />}
      {creating && (
        <CreateTokenForm
          targets={targets}
          onCancel={() => setCreating(false)}
          onCreated={(name, secret) => {
            setCreating(false);
            setCreated({ name, secret });
            list.reload();
          }}
        />
      )}
      <ListStates
        loading={list.loading}
        error={list.error}
        empty={list.nodes.length === 0}
        emptyText={t('tokens.empty')}
        onRetry={list.reload}
      >
        <p className="count">
          {t(list.nodes.length === 1 ? 'tokens.count.one' : 'tokens.count.other', { count: list.nodes.length })}
        </p>
        <table className="table">
          <TableHead columns={[t('common.name'), t('tokens.prefix'), t('common.role'), t('tokens.scope'), t('common.created'), t('tokens.expires'), t('tokens.lastUsed'), t('common.status'), can.write && t('common.actions')]} />
          <tbody>
            {list.nodes.map((token) => {
              const state = tokenState(token, now);
              return (
                <tr key={token.id} data-testid="token-row">
                  <th scope="row">{token.name}</th>
                  <td>
                    <code>{token.prefix}…</code>
                  </td>
                  <td>
                    <span className={`badge role-${token.role.toLowerCase()}`}>{t(`role.${token.role}`)}</span>
                  </td>
                  <td>{scope(token)}</td>
                  <td>{formatDate(token.createdAt, lang)}</td>
                  <td title={formatDateTime(token.expiresAt, lang)}>{formatDate(token.expiresAt, lang)}</td>
                  <td>{token.lastUsedAt ? formatRelative(token.lastUsedAt, lang, now) : t('common.never')}</td>
                  <td>
                    <span className={`badge status-${state === 'active' ? 'on' : 'off'}`}>
                      {t(state === 'active' ? 'tokens.active' : state === 'revoked' ? 'tokens.revokedState' : 'tokens.expired')}
                    </span>
                  </td>
                  {can.write && (
                    <td>
                      <div className="row-actions">
                        {state === 'active' && (
                          <DangerAction
                            small
                            label={t('tokens.revoke')}
                            name={t('tokens.revokeNamed', { name: token.name })}
                            title={t('tokens.revokeTitle', { name: token.name })}
                            confirmLabel={t('tokens.revokeConfirm')}
                            onConfirm={() => confirmRevoke(token)}
                          >
                            <p>{t('tokens.revokeBody')}</p>
                          </DangerAction>
                        )}
                      </div>
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
        <LoadMore list={list} />
      </ListStates>
    </section>
  );
}

function CreateTokenForm({
  targets,
  onCancel,
  onCreated,
}: {
  targets: TenantOption[];
  onCancel: () => void;
  onCreated: (name: string, secret: string) => void;
}) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(DEFAULT_ROLE);
  const [tenantId, setTenantId] = useState('');
  const [expiresOn, setExpiresOn] = useState(() => dateInputValue(new Date(), 90));
  const [result, create] = useMutation(CreateApiTokenDocument);
  const errors = mapErrors(result.error, CREATE_FIELDS);
  const effectiveTenant = tenantId || targets[0]?.id || '';

  async function submit(event: FormEvent) {
    event.preventDefault();
    const res = await create({
      input: { name, role, tenantId: effectiveTenant, expiresAt: expiresOn ? endOfLocalDay(expiresOn) : '' },
    });
    const payload = res.data?.createApiToken;
    if (payload) onCreated(payload.token.name, payload.secret);
  }

  return (
    <form className="card form" onSubmit={submit} aria-labelledby="create-token-title" noValidate>
      <h2 id="create-token-title">{t('tokens.form.title')}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('common.name')} name="name" error={errors.fields.name}>
        {(p) => <input {...p} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label={t('common.role')} name="role" error={errors.fields.role}>
        {(p) => <RoleSelect value={role} onChange={setRole} props={p} />}
      </Field>
      <Field label={t('common.tenant')} name="tenantId" error={errors.fields.tenantId}>
        {(p) => <TenantSelect value={effectiveTenant} onChange={setTenantId} options={targets} props={p} />}
      </Field>
      <Field
        label={t('tokens.form.expiresOn')}
        name="expiresAt"
        error={errors.fields.expiresAt}
        hint={t('tokens.form.expiresHint')}
      >
        {(p) => <input {...p} type="date" value={expiresOn} onChange={(e) => setExpiresOn(e.target.value)} />}
      </Field>
      <FormActions onCancel={onCancel} submitLabel={t('tokens.form.submit')} disabled={result.fetching || !effectiveTenant} />
    </form>
  );
}

/** The new token's secret, this once, with a copy button. Dismissing it forgets the secret. */
function SecretOnce({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  async function copySecret() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopy('copied');
    } catch {
      input.current?.select();
      setCopy('failed');
    }
  }
  return (
    <div className="card secret" role="region" aria-labelledby="secret-title">
      <h2 id="secret-title">{t('tokens.secret.title', { name })}</h2>
      <p className="warning">{t('tokens.secret.warning')}</p>
      <Field label={t('tokens.secret.label')} name="secret">
        {(p) => <input {...p} ref={input} readOnly value={secret} className="mono" onFocus={(e) => e.target.select()} />}
      </Field>
      <div className="actions">
        <button type="button" onClick={() => void copySecret()}>
          {copy === 'copied' ? t('tokens.secret.copied') : t('tokens.secret.copy')}
        </button>
        <button type="button" className="primary" onClick={onDone}>
          {t('tokens.secret.done')}
        </button>
      </div>
      {copy === 'failed' && <p role="alert">{t('tokens.secret.copyFailed')}</p>}
      {copy === 'copied' && <p className="sr-only" role="status">{t('tokens.secret.copied')}</p>}
    </div>
  );
}
