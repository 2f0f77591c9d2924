import { useMemo, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { mapErrors } from '../api/errors';
import { usePagedList } from '../api/usePagedList';
import { DangerAction } from '../components/DangerAction';
import { Field, FormActions, FormErrorMessage, Notice } from '../components/Form';
import { PolicyFromTemplate } from '../components/PolicyFromTemplate';
import { ErrorState, ListStates, LoadingState, TableHead } from '../components/States';
import { usePayerRoute } from '../components/usePayerRoute';
import { usePageTitle } from '../components/usePageTitle';
import {
  CreatePolicyDocument,
  DeletePolicyDocument,
  LinkedAccountsDocument,
  OrganizationalUnitsDocument,
  PoliciesDocument,
  PolicyDocumentsDocument,
  PolicyTemplatesDocument,
  UpdatePolicyDocument,
  type PolicyFieldsFragment,
} from '../generated/graphql';
import { useI18n, type Translate } from '../i18n';
import { checkPolicyDocument, EMPTY_POLICY, type PolicyProblem } from '../lib/policy';

function problemText(problem: PolicyProblem, t: Translate): string {
  if (problem.kind === 'invalidJson') return t('policy.invalidJson', { detail: problem.detail });
  if (problem.kind === 'tooLong') return t('policy.tooLong', { chars: problem.chars });
  return t('policy.notPolicy');
}

export function PoliciesPage() {
  const { t, lang } = useI18n();
  const { payerId, payer, can, result: payerResult, retry } = usePayerRoute();
  usePageTitle(payer ? t('policy.pageTitle', { name: payer.name }) : t('policies.title'));
  const [result, reexecute] = useQuery({ query: PoliciesDocument, variables: { payerId }, requestPolicy: 'network-only' });
  const [ous] = useQuery({ query: OrganizationalUnitsDocument, variables: { payerId } });
  const accounts = usePagedList(LinkedAccountsDocument, (d) => d.linkedAccounts, { all: true, variables: { payerId, filter: null } });
  const [templates] = useQuery({ query: PolicyTemplatesDocument });
  const [form, setForm] = useState<'json' | 'template' | PolicyFieldsFragment | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [, remove] = useMutation(DeletePolicyDocument);
  const reload = () => reexecute({ requestPolicy: 'network-only' });
  const policies = result.data?.policies ?? [];

  // Targets by id: the root, OUs and accounts, named.
  const targetName = useMemo(() => {
    const names = new Map<string, string>();
    for (const ou of ous.data?.organizationalUnits ?? []) {
      names.set(ou.id, ou.name);
      if (ou.parentId.startsWith('r-')) names.set(ou.parentId, t('accounts.root'));
    }
    for (const a of accounts.nodes) names.set(a.accountId, `${a.name} (${a.accountId})`);
    return (id: string) => names.get(id) ?? (id.startsWith('r-') ? t('accounts.root') : id);
  }, [ous.data, accounts.nodes, t]);

  if (!payer) {
    if (payerResult.error) return <ErrorState error={payerResult.error} onRetry={retry} />;
    return <LoadingState />;
  }

  return (
    <section aria-labelledby="policies-page-title">
      <p className="crumbs">
        <Link to="/payers">{t('nav.payers')}</Link> › <Link to={`/payers/${payerId}/accounts`}>{payer.name}</Link> › {t('policies.title')}
      </p>
      <div className="page-head">
        <div>
          <h1 id="policies-page-title">{t('policy.pageTitle', { name: payer.name })}</h1>
          <p className="intro">{t('policy.intro')}</p>
        </div>
        {can.administer && form === null && (
          <div className="row-actions">
            <button type="button" onClick={() => setForm('template')}>
              {t('policies.fromTemplate')}
            </button>
            <button type="button" className="primary" onClick={() => setForm('json')}>
              {t('policy.newJson')}
            </button>
          </div>
        )}
      </div>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {form === 'template' && (
        <div className="card">
          <PolicyFromTemplate
            payerId={payerId}
            onCancel={() => setForm(null)}
            onCreated={(p) => {
              setForm(null);
              setNotice(t('policies.created', { name: p.name }));
              reload();
            }}
          />
        </div>
      )}
      {form === 'json' && (
        <PolicyForm
          payerId={payerId}
          onCancel={() => setForm(null)}
          onSaved={(p) => {
            setForm(null);
            setNotice(t('policies.created', { name: p.name }));
            reload();
          }}
        />
      )}
      {form !== null && typeof form === 'object' && (
        <PolicyForm
          key={form.id}
          payerId={payerId}
          policy={form}
          onCancel={() => setForm(null)}
          onSaved={(p) => {
            setForm(null);
            setNotice(t('policy.saved', { name: p.name }));
            reload();
          }}
        />
      )}
      <ListStates loading={result.fetching && !result.data} error={result.error ?? null} empty={policies.length === 0} emptyText={t('policies.empty')} onRetry={reload}>
        <table className="table">
          <TableHead columns={[t('common.name'), t('policy.id'), t('policy.origin'), t('policy.attachedTo'), can.administer && t('common.actions')]} />
          <tbody>
            {policies.map((p) => (
              <tr key={p.id} data-testid="scp-row">
                <th scope="row">
                  {p.name}
                  {p.description && <div className="muted small">{p.description}</div>}
                </th>
                <td>
                  <code>{p.id}</code>
                </td>
                <td>{p.awsManaged ? t('policies.awsManaged') : p.templateId ? t('policy.fromTemplateId', { id: p.templateId }) : t('policy.custom')}</td>
                <td>
                  {p.targetIds.length === 0 ? (
                    <span className="muted">{t('policy.nowhere')}</span>
                  ) : (
                    <ul className="plain">
                      {p.targetIds.map((id) => (
                        <li key={id}>{targetName(id)}</li>
                      ))}
                    </ul>
                  )}
                </td>
                {can.administer && (
                  <td>
                    {!p.awsManaged && (
                      <div className="row-actions">
                        <button type="button" className="small" aria-label={t('policy.editNamed', { name: p.name })} onClick={() => setForm(p)}>
                          {t('payers.edit')}
                        </button>
                        <DangerAction
                          small
                          label={t('policy.delete')}
                          name={t('policy.deleteNamed', { name: p.name })}
                          title={t('policy.deleteTitle', { name: p.name })}
                          confirmLabel={t('policy.delete')}
                          onConfirm={async () => {
                            const res = await remove({ payerId, policyId: p.id });
                            if (res.data) {
                              setNotice(t('policy.deleted', { name: p.name }));
                              reload();
                            }
                            return res;
                          }}
                        >
                          <p>{t('policy.deleteBody')}</p>
                        </DangerAction>
                      </div>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </ListStates>

      <section className="card" aria-labelledby="library-title">
        <h2 id="library-title">{t('policy.library')}</h2>
        <ul className="plain library">
          {(templates.data?.policyTemplates ?? []).map((x) => (
            <li key={x.id} data-testid="template-item">
              <strong>{lang === 'zh' ? x.nameZh : x.nameEn}</strong> <code className="muted">{x.id}</code>
              <div className="muted small">{lang === 'zh' ? x.descriptionZh : x.descriptionEn}</div>
              {x.parameters.length > 0 && (
                <ul className="small">
                  {x.parameters.map((param) => (
                    <li key={param.name}>
                      <code>{param.name}</code>: {lang === 'zh' ? param.descriptionZh : param.descriptionEn} ({t('policies.example', { example: param.example })})
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      </section>

    </section>
  );
}

const POLICY_FIELDS = { name: 'name', description: 'description', document: 'document' } as const;

/** Create (no `policy`) or edit a policy from its JSON document, checked as you type. */
function PolicyForm({
  payerId,
  policy,
  onCancel,
  onSaved,
}: {
  payerId: string;
  policy?: PolicyFieldsFragment;
  onCancel: () => void;
  onSaved: (p: PolicyFieldsFragment) => void;
}) {
  const { t } = useI18n();
  const [docs] = useQuery({ query: PolicyDocumentsDocument, variables: { payerId }, pause: !policy, requestPolicy: 'network-only' });
  const loaded = policy ? docs.data?.policies.find((p) => p.id === policy.id)?.document : undefined;
  const [name, setName] = useState(policy?.name ?? '');
  const [description, setDescription] = useState(policy?.description ?? '');
  const [document, setDocument] = useState<string | null>(policy ? null : EMPTY_POLICY);
  const text = document ?? (loaded ? JSON.stringify(JSON.parse(loaded), null, 2) : '');
  const [createResult, create] = useMutation(CreatePolicyDocument);
  const [updateResult, update] = useMutation(UpdatePolicyDocument);
  const errors = mapErrors(createResult.error ?? updateResult.error, POLICY_FIELDS);
  const problem = text ? checkPolicyDocument(text) : null;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (problem) return;
    if (policy) {
      const res = await update({ payerId, policyId: policy.id, input: { name: name.trim(), description, document: document ?? undefined } });
      if (res.data?.updatePolicy) onSaved(res.data.updatePolicy);
    } else {
      const res = await create({ payerId, name: name.trim(), description, document: text });
      if (res.data?.createPolicy) onSaved(res.data.createPolicy);
    }
  }

  if (policy && docs.fetching && !loaded) return <LoadingState />;
  return (
    <form className="card form wide" onSubmit={submit} aria-labelledby="policy-form-title" noValidate>
      <h2 id="policy-form-title">{policy ? t('policy.editTitle', { name: policy.name }) : t('policy.newJson')}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('common.name')} name="name" error={errors.fields.name}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label={t('webhooks.description')} name="description" error={errors.fields.description}>
        {(p) => <input {...p} value={description} onChange={(e) => setDescription(e.target.value)} />}
      </Field>
      <Field
        label={t('policy.document')}
        name="document"
        error={(problem && problemText(problem, t)) ?? errors.fields.document}
        hint={t('policy.documentHint')}
      >
        {(p) => <textarea {...p} rows={14} spellCheck={false} value={text} onChange={(e) => setDocument(e.target.value)} />}
      </Field>
      <FormActions
        onCancel={onCancel}
        submitLabel={policy ? t('common.save') : t('policies.create')}
        disabled={createResult.fetching || updateResult.fetching || problem !== null}
      />
    </form>
  );
}
