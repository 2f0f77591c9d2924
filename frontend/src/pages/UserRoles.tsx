import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation } from 'urql';
import { mapErrors } from '../api/errors';
import { useAllTenants, useTenantOptions, type TenantOption } from '../api/tenants';
import { usePagedList } from '../api/usePagedList';
import { useMe } from '../auth/MeProvider';
import { DangerAction } from '../components/DangerAction';
import { Field, FormErrorMessage, Notice } from '../components/Form';
import { RoleSelect } from '../components/RoleSelect';
import { EmptyState, ErrorState, LoadingState, TableHead } from '../components/States';
import { TenantSelect } from '../components/TenantSelect';
import { usePageTitle } from '../components/usePageTitle';
import {
  GrantMembershipDocument,
  RevokeMembershipDocument,
  UsersDocument,
  type MembershipFieldsFragment,
  type Role,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { formatDate } from '../lib/format';
import { DEFAULT_ROLE } from '../lib/roles';
import { scopeLabel } from '../lib/membershipText';

const GRANT_FIELDS = { role: 'role', tenantId: 'tenantId' } as const;

/** One user's memberships: grant and revoke. */
export function UserRolesPage() {
  const { id } = useParams();
  const { t, lang } = useI18n();
  const { me, can } = useMe();
  // There is no `user(id)` query yet: read the users list (every page) and pick this one.
  const users = usePagedList(UsersDocument, (d) => d.users, { all: true });
  const tenants = useAllTenants();
  const adminTenants = useTenantOptions(tenants.nodes, me.memberships, 'ADMIN');
  const [notice, setNotice] = useState<string | null>(null);
  const [, revoke] = useMutation(RevokeMembershipDocument);
  const shown = users.nodes.find((u) => u.id === id);
  usePageTitle(shown ? t('memberships.title', { email: shown.email }) : t('users.title'));

  if (users.loading) return <LoadingState />;
  if (users.error) return <ErrorState error={users.error} onRetry={users.reload} />;
  const user = users.nodes.find((u) => u.id === id);
  if (!user) {
    return (
      <section>
        <p className="state state-error" role="alert">
          {t('memberships.userNotFound')}
        </p>
        <Link to="/users">{t('memberships.back')}</Link>
      </section>
    );
  }

  async function confirmRevoke(m: MembershipFieldsFragment) {
    const res = await revoke({ id: m.id });
    if (res.data?.revokeMembership) {
      setNotice(t('memberships.revoked'));
      users.reload();
    }
    return res;
  }

  return (
    <section aria-labelledby="roles-title">
      <p>
        <Link to="/users">← {t('memberships.back')}</Link>
      </p>
      <h1 id="roles-title">{t('memberships.title', { email: user.email })}</h1>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {user.memberships.length === 0 ? (
        <EmptyState>{t('memberships.empty')}</EmptyState>
      ) : (
        <table className="table">
          <TableHead columns={[t('common.role'), t('memberships.scope'), t('common.created'), can.administer && t('common.actions')]} />
          <tbody>
            {user.memberships.map((m) => (
              <tr key={m.id} data-testid="membership-row">
                <td>
                  <span className={`badge role-${m.role.toLowerCase()}`}>{t(`role.${m.role}`)}</span>
                </td>
                <td>{scopeLabel(m, t)}</td>
                <td>{formatDate(m.createdAt, lang)}</td>
                {can.administer && (
                  <td>
                    <div className="row-actions">
                      <DangerAction
                        small
                        label={t('memberships.revoke')}
                        name={t('memberships.revokeNamed', { role: t(`role.${m.role}`), scope: scopeLabel(m, t) })}
                        title={t('memberships.revokeTitle')}
                        confirmLabel={t('memberships.revokeConfirm')}
                        onConfirm={() => confirmRevoke(m)}
                      >
                        <p>{t('memberships.revokeBody', { email: user.email, role: t(`role.${m.role}`), scope: scopeLabel(m, t) })}</p>
                      </DangerAction>
                    </div>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {can.administer && adminTenants.length > 0 && (
        <GrantForm
          userId={user.id}
          tenants={adminTenants}
          onGranted={() => {
            setNotice(t('memberships.granted'));
            users.reload();
          }}
        />
      )}
    </section>
  );
}

function GrantForm({ userId, tenants, onGranted }: { userId: string; tenants: TenantOption[]; onGranted: () => void }) {
  const { t } = useI18n();
  const [role, setRole] = useState<Role>(DEFAULT_ROLE);
  const [tenantId, setTenantId] = useState('');
  const [result, grant] = useMutation(GrantMembershipDocument);
  const errors = mapErrors(result.error, GRANT_FIELDS);
  const effectiveTenant = tenantId || tenants[0]?.id || '';
  async function submit(event: FormEvent) {
    event.preventDefault();
    const res = await grant({ input: { userId, role, tenantId: effectiveTenant } });
    if (res.data?.grantMembership) onGranted();
  }
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="grant-title" noValidate>
      <h2 id="grant-title">{t('memberships.grant.title')}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('common.role')} name="role" error={errors.fields.role}>
        {(p) => <RoleSelect value={role} onChange={setRole} props={p} />}
      </Field>
      <Field label={t('common.tenant')} name="tenantId" error={errors.fields.tenantId}>
        {(p) => <TenantSelect value={effectiveTenant} onChange={setTenantId} options={tenants} props={p} />}
      </Field>
      <div className="actions">
        <button type="submit" className="primary" disabled={result.fetching}>
          {t('memberships.grant.submit')}
        </button>
      </div>
    </form>
  );
}
