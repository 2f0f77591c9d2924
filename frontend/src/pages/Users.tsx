import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { mapErrors } from '../api/errors';
import { useAllTenants, useTenantOptions, type TenantOption } from '../api/tenants';
import { usePagedList } from '../api/usePagedList';
import { useMe } from '../auth/MeProvider';
import { DangerAction } from '../components/DangerAction';
import { Field, FormErrorMessage, Notice, FormActions } from '../components/Form';
import { LocaleField, PersonFields } from '../components/PersonFields';
import { RoleSelect } from '../components/RoleSelect';
import { ListStates, LoadMore, TableHead } from '../components/States';
import { TenantSelect } from '../components/TenantSelect';
import { usePageTitle } from '../components/usePageTitle';
import {
  CreateUserDocument,
  DisableUserDocument,
  ResendInvitationDocument,
  UsersDocument,
  type Role,
  type UserFieldsFragment,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { formatDate } from '../lib/format';
import { createUserInput, type AddUserMode } from '../lib/invitations';
import { DEFAULT_ROLE } from '../lib/roles';
import { scopeLabel } from '../lib/membershipText';

const CREATE_FIELDS = {
  email: 'email',
  displayName: 'displayName',
  password: 'password',
  locale: 'locale',
  role: 'role',
  tenantId: 'tenantId',
} as const;

/** When inviting there is no password field, so an error about it belongs to the whole form. */
const { password: _password, ...INVITE_FIELDS } = CREATE_FIELDS;

export function UsersPage() {
  const { t, lang } = useI18n();
  usePageTitle(t('users.title'));
  const { me, can } = useMe();
  const list = usePagedList(UsersDocument, (d) => d.users);
  const tenants = useAllTenants();
  const adminTenants = useTenantOptions(tenants.nodes, me.memberships, 'ADMIN');
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [, disableUser] = useMutation(DisableUserDocument);
  const [resendResult, resendInvitation] = useMutation(ResendInvitationDocument);
  const [resendFailed, setResendFailed] = useState(false);
  const resendErrors = mapErrors(resendFailed ? resendResult.error : undefined, {});

  async function resend(user: UserFieldsFragment) {
    setNotice(null);
    const res = await resendInvitation({ userId: user.id });
    setResendFailed(!res.data?.resendInvitation);
    if (res.data?.resendInvitation) setNotice(t('users.resent', { email: user.email }));
  }

  async function confirmDisable(user: UserFieldsFragment) {
    const res = await disableUser({ id: user.id });
    if (res.data?.disableUser) {
      setNotice(t('users.disabledDone', { email: user.email }));
      list.reload();
    }
    return res;
  }

  return (
    <section aria-labelledby="users-title">
      <div className="page-head">
        <div>
          <h1 id="users-title">{t('users.title')}</h1>
          <p className="intro">{t('users.intro')}</p>
        </div>
        {can.administer && !creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            {t('users.new')}
          </button>
        )}
      </div>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      <FormErrorMessage error={resendErrors.form} />
      {creating && (
        <CreateUserForm
          tenants={adminTenants}
          tenantsLoading={tenants.loading}
          onCancel={() => setCreating(false)}
          onCreated={(user) => {
            setCreating(false);
            setNotice(t(user.invitationPending ? 'users.invited' : 'users.created', { email: user.email }));
            list.reload();
          }}
        />
      )}
      <ListStates
        loading={list.loading}
        error={list.error}
        empty={list.nodes.length === 0}
        emptyText={t('users.empty')}
        onRetry={list.reload}
      >
        <p className="count">
          {t(list.nodes.length === 1 ? 'users.count.one' : 'users.count.other', { count: list.nodes.length })}
        </p>
        <table className="table">
          <TableHead columns={[t('users.email'), t('users.displayName'), t('users.roles'), t('common.status'), t('common.created'), can.administer && t('common.actions')]} />
          <tbody>
            {list.nodes.map((user) => (
              <tr key={user.id} data-testid="user-row">
                <th scope="row">
                  {user.email}
                  {user.id === me.id && <span className="muted"> ({t('users.you')})</span>}
                </th>
                <td>{user.displayName}</td>
                <td>
                  {user.memberships.length === 0 ? (
                    <span className="muted">{t('users.noRoles')}</span>
                  ) : (
                    <ul className="plain">
                      {user.memberships.map((m) => (
                        <li key={m.id}>
                          <span className={`badge role-${m.role.toLowerCase()}`}>{t(`role.${m.role}`)}</span> {scopeLabel(m, t)}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>
                  {user.disabled ? (
                    <span className="badge status-off">{t('users.disabled')}</span>
                  ) : user.invitationPending ? (
                    <span className="badge status-warn">{t('users.pending')}</span>
                  ) : (
                    <span className="badge status-on">{t('users.active')}</span>
                  )}
                </td>
                <td>{formatDate(user.createdAt, lang)}</td>
                {can.administer && (
                  <td>
                    <div className="row-actions">
                      <Link className="button small" to={`/users/${user.id}`} aria-label={t('users.manageNamed', { email: user.email })}>
                        {t('users.manage')}
                      </Link>
                      {user.invitationPending && !user.disabled && (
                        <button
                          type="button"
                          className="small"
                          disabled={resendResult.fetching}
                          aria-label={t('users.resendNamed', { email: user.email })}
                          onClick={() => void resend(user)}
                        >
                          {t('users.resend')}
                        </button>
                      )}
                      {!user.disabled && user.id !== me.id && (
                        <DangerAction
                          small
                          label={t('users.disable')}
                          name={t('users.disableNamed', { email: user.email })}
                          title={t('users.disableTitle', { email: user.email })}
                          confirmLabel={t('users.disableConfirm')}
                          onConfirm={() => confirmDisable(user)}
                        >
                          <p>{t('users.disableBody')}</p>
                        </DangerAction>
                      )}
                    </div>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
        <LoadMore list={list} />
      </ListStates>
    </section>
  );
}

function CreateUserForm({
  tenants,
  tenantsLoading,
  onCancel,
  onCreated,
}: {
  tenants: TenantOption[];
  tenantsLoading: boolean;
  onCancel: () => void;
  onCreated: (user: UserFieldsFragment) => void;
}) {
  const { t } = useI18n();
  const [mode, setMode] = useState<AddUserMode>('invite');
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [locale, setLocale] = useState('en');
  const [role, setRole] = useState<Role>(DEFAULT_ROLE);
  const [tenantId, setTenantId] = useState('');
  const [result, create] = useMutation(CreateUserDocument);
  const errors = mapErrors(result.error, mode === 'password' ? CREATE_FIELDS : INVITE_FIELDS);
  const effectiveTenant = tenantId || tenants[0]?.id || '';

  async function submit(event: FormEvent) {
    event.preventDefault();
    const res = await create({
      input: createUserInput({ mode, email, displayName, password, locale, role, tenantId: effectiveTenant }),
    });
    if (res.data?.createUser) onCreated(res.data.createUser);
  }

  if (!tenantsLoading && tenants.length === 0) return <p className="state">{t('users.noTenants')}</p>;
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="create-user-title" noValidate>
      <h2 id="create-user-title">{t('users.form.title')}</h2>
      <FormErrorMessage error={errors.form} />
      <PersonFields email={email} displayName={displayName} onEmail={setEmail} onDisplayName={setDisplayName} errors={errors.fields} />
      <fieldset className="field choice">
        <legend>{t('users.form.how')}</legend>
        <label>
          <input type="radio" name="mode" value="invite" checked={mode === 'invite'} onChange={() => setMode('invite')} />{' '}
          {t('users.form.invite')}
        </label>
        <label>
          <input type="radio" name="mode" value="password" checked={mode === 'password'} onChange={() => setMode('password')} />{' '}
          {t('users.form.setNow')}
        </label>
        {mode === 'invite' && <p className="field-hint">{t('users.form.inviteHint')}</p>}
      </fieldset>
      {mode === 'password' && (
        <Field label={t('users.form.password')} name="password" error={errors.fields.password} hint={t('users.form.passwordHint')}>
          {(p) => (
            <input {...p} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          )}
        </Field>
      )}
      <LocaleField value={locale} onChange={setLocale} error={errors.fields.locale} />
      <Field label={t('common.role')} name="role" error={errors.fields.role}>
        {(p) => <RoleSelect value={role} onChange={setRole} props={p} />}
      </Field>
      <Field label={t('common.tenant')} name="tenantId" error={errors.fields.tenantId}>
        {(p) => <TenantSelect value={effectiveTenant} onChange={setTenantId} options={tenants} props={p} />}
      </Field>
      <FormActions
        onCancel={onCancel}
        submitLabel={mode === 'invite' ? t('users.form.sendInvite') : t('users.form.submit')}
        disabled={result.fetching || !effectiveTenant}
      />
    </form>
  );
}
