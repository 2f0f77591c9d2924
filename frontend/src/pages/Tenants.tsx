import { useMemo, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { mapErrors } from '../api/errors';
import { useAllTenants, useTenantOptions } from '../api/tenants';
import { useMe } from '../auth/MeProvider';
import { CustomerViewLink } from '../components/CustomerViewLink';
import { DashboardUrlField } from '../components/DashboardLink';
import { Field, FormErrorMessage, Notice, FormActions } from '../components/Form';
import { ListStates } from '../components/States';
import { usePageTitle } from '../components/usePageTitle';
import {
  CreateTenantDocument,
  UpdateTenantDocument,
  type TenantFieldsFragment,
  type TenantKind,
  type UpdateTenantInput,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { formatDate } from '../lib/format';
import { dashboardUrlChange, dashboardUrlProblem, type DashboardUrlProblem } from '../lib/links';
import { atLeast, roleOnTenant } from '../lib/roles';
import { buildTree, childKinds, parentMap, type TreeNode } from '../lib/tenantTree';

const CREATE_FIELDS = { parentId: 'parent', kind: 'kind', name: 'name' } as const;

export function TenantsPage() {
  const { t } = useI18n();
  usePageTitle(t('tenants.title'));
  const { me } = useMe();
  const list = useAllTenants();
  const tree = useMemo(() => buildTree(list.nodes), [list.nodes]);
  const parents = useMemo(() => parentMap(list.nodes), [list.nodes]);
  const parentOptions = useTenantOptions(list.nodes, me.memberships, 'ADMIN').filter(
    (o) => childKinds(o.tenant.kind).length > 0,
  );
  const [creatingUnder, setCreatingUnder] = useState<string | null | undefined>(undefined);
  const [renaming, setRenaming] = useState<TenantFieldsFragment | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const isAdminOn = (id: string) => atLeast(roleOnTenant(id, me.memberships, parents), 'ADMIN');

  return (
    <section aria-labelledby="tenants-title">
      <div className="page-head">
        <div>
          <h1 id="tenants-title">{t('tenants.title')}</h1>
          <p className="intro">{t('tenants.intro')}</p>
        </div>
        {parentOptions.length > 0 && creatingUnder === undefined && (
          <button type="button" className="primary" onClick={() => setCreatingUnder(null)}>
            {t('tenants.new')}
          </button>
        )}
      </div>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {creatingUnder !== undefined && (
        <CreateTenantForm
          options={parentOptions}
          initialParent={creatingUnder ?? parentOptions[0]?.id ?? ''}
          onCancel={() => setCreatingUnder(undefined)}
          onCreated={(tenant) => {
            setCreatingUnder(undefined);
            setNotice(t('tenants.created', { name: tenant.name }));
            list.reload();
          }}
        />
      )}
      {renaming && (
        <RenameTenantForm
          tenant={renaming}
          onCancel={() => setRenaming(null)}
          onDone={(tenant) => {
            setRenaming(null);
            setNotice(t('tenants.renamed', { name: tenant.name }));
            list.reload();
          }}
        />
      )}
      <ListStates
        loading={list.loading}
        error={list.error}
        empty={list.nodes.length === 0}
        emptyText={t('tenants.empty')}
        onRetry={list.reload}
      >
        <p className="count">
          {t(list.nodes.length === 1 ? 'tenants.count.one' : 'tenants.count.other', { count: list.nodes.length })}
        </p>
        <ul className="tree" aria-label={t('tenants.tree')}>
          {tree.map((node) => (
            <TenantNode
              key={node.tenant.id}
              node={node}
              isAdminOn={isAdminOn}
              onAddChild={(id) => setCreatingUnder(id)}
              onRename={setRenaming}
            />
          ))}
        </ul>
      </ListStates>
    </section>
  );
}

function TenantNode({
  node,
  isAdminOn,
  onAddChild,
  onRename,
}: {
  node: TreeNode<TenantFieldsFragment>;
  isAdminOn: (id: string) => boolean;
  onAddChild: (id: string) => void;
  onRename: (tenant: TenantFieldsFragment) => void;
}) {
  const { t, lang } = useI18n();
  const { tenant } = node;
  const admin = isAdminOn(tenant.id);
  return (
    <li className="tree-node">
      <div className="tree-row" data-testid="tenant-row">
        <span className="tenant-name">{tenant.name}</span>
        <span className={`badge kind-${tenant.kind.toLowerCase()}`}>{t(`kind.${tenant.kind}`)}</span>
        <span className="muted">{formatDate(tenant.createdAt, lang)}</span>
        {tenant.kind === 'CUSTOMER' && <CustomerViewLink tenantId={tenant.id} name={tenant.name} />}
        {admin && (
          <span className="row-actions">
            {childKinds(tenant.kind).length > 0 && (
              <button
                type="button"
                className="small"
                aria-label={t('tenants.addChildTo', { name: tenant.name })}
                onClick={() => onAddChild(tenant.id)}
              >
                {t('tenants.addChild')}
              </button>
            )}
            <button
              type="button"
              className="small"
              aria-label={t('tenants.renameNamed', { name: tenant.name })}
              onClick={() => onRename(tenant)}
            >
              {t('tenants.rename')}
            </button>
          </span>
        )}
      </div>
      {node.children.length > 0 && (
        <ul>
          {node.children.map((child) => (
            <TenantNode key={child.tenant.id} node={child} isAdminOn={isAdminOn} onAddChild={onAddChild} onRename={onRename} />
          ))}
        </ul>
      )}
    </li>
  );
}

function CreateTenantForm({
  options,
  initialParent,
  onCancel,
  onCreated,
}: {
  options: { id: string; label: string; tenant: TenantFieldsFragment }[];
  initialParent: string;
  onCancel: () => void;
  onCreated: (tenant: TenantFieldsFragment) => void;
}) {
  const { t } = useI18n();
  const [parentId, setParentId] = useState(initialParent);
  const parent = options.find((o) => o.id === parentId)?.tenant;
  const kinds = parent ? childKinds(parent.kind) : [];
  const [kind, setKind] = useState<TenantKind | ''>(kinds[0] ?? '');
  const [name, setName] = useState('');
  const [result, create] = useMutation(CreateTenantDocument);
  const errors = mapErrors(result.error, CREATE_FIELDS);
  const effectiveKind = kind && kinds.includes(kind) ? kind : kinds[0];

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!effectiveKind) return;
    const res = await create({ input: { parentId, kind: effectiveKind, name } });
    if (res.data?.createTenant) onCreated(res.data.createTenant);
  }

  if (options.length === 0) return <p className="state">{t('tenants.form.noParents')}</p>;
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="create-tenant-title" noValidate>
      <h2 id="create-tenant-title">{t('tenants.form.title')}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('tenants.form.parent')} name="parentId" error={errors.fields.parent}>
        {(p) => (
          <select {...p} value={parentId} onChange={(e) => setParentId(e.target.value)}>
            {options.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label} ({t(`kind.${o.tenant.kind}`)})
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('tenants.form.kind')} name="kind" error={errors.fields.kind}>
        {(p) => (
          <select {...p} value={effectiveKind ?? ''} onChange={(e) => setKind(e.target.value as TenantKind)}>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {t(`kind.${k}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('tenants.form.name')} name="name" error={errors.fields.name}>
        {(p) => <input {...p} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <FormActions onCancel={onCancel} submitLabel={t('tenants.form.submit')} disabled={result.fetching} />
    </form>
  );
}

function RenameTenantForm({
  tenant,
  onCancel,
  onDone,
}: {
  tenant: TenantFieldsFragment;
  onCancel: () => void;
  onDone: (tenant: TenantFieldsFragment) => void;
}) {
  const { t } = useI18n();
  const [name, setName] = useState(tenant.name);
  const [billingAddress, setBillingAddress] = useState(tenant.billingAddress);
  const [taxId, setTaxId] = useState(tenant.taxId);
  const [dashboardUrl, setDashboardUrl] = useState(tenant.dashboardUrl ?? '');
  const [urlProblem, setUrlProblem] = useState<DashboardUrlProblem | null>(null);
  const [result, update] = useMutation(UpdateTenantDocument);
  const errors = mapErrors(result.error, { name: 'name', billingAddress: 'billingAddress', taxId: 'taxId', dashboardUrl: 'dashboardUrl' } as const);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem = dashboardUrlProblem(dashboardUrl);
    setUrlProblem(problem);
    if (problem) return;
    // Only what changed: the API keeps a field left out.
    const input: UpdateTenantInput = {};
    if (name !== tenant.name) input.name = name;
    if (billingAddress !== tenant.billingAddress) input.billingAddress = billingAddress;
    if (taxId !== tenant.taxId) input.taxId = taxId;
    const link = dashboardUrlChange(dashboardUrl, tenant.dashboardUrl);
    if (link !== undefined) input.dashboardUrl = link;
    if (Object.keys(input).length === 0) return onDone(tenant);
    const res = await update({ id: tenant.id, input });
    if (res.data?.updateTenant) onDone(res.data.updateTenant);
  }
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="rename-tenant-title" noValidate>
      <h2 id="rename-tenant-title">{t('tenants.renameForm.title', { name: tenant.name })}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('tenants.form.name')} name="name" error={errors.fields.name}>
        {(p) => <input {...p} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label={t('tenants.form.billingAddress')} name="billingAddress" error={errors.fields.billingAddress} hint={t('tenants.form.billingAddressHint')}>
        {(p) => <textarea {...p} rows={4} value={billingAddress} maxLength={500} onChange={(e) => setBillingAddress(e.target.value)} />}
      </Field>
      <Field label={t('tenants.form.taxId')} name="taxId" error={errors.fields.taxId} hint={t('tenants.form.taxIdHint')}>
        {(p) => <input {...p} value={taxId} maxLength={64} onChange={(e) => setTaxId(e.target.value)} />}
      </Field>
      <DashboardUrlField
        value={dashboardUrl}
        onChange={(value) => {
          setDashboardUrl(value);
          setUrlProblem(null);
        }}
        problem={urlProblem}
        apiError={errors.fields.dashboardUrl}
      />
      <FormActions onCancel={onCancel} submitLabel={t('common.save')} disabled={result.fetching} />
    </form>
  );
}
