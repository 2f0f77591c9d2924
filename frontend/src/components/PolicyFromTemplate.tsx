import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { mapErrors } from '../api/errors';
import { CreatePolicyFromTemplateDocument, PolicyTemplatesDocument, type PolicyFieldsFragment } from '../generated/graphql';
import { useI18n } from '../i18n';
import { Field, FormActions, FormErrorMessage } from './Form';
import { LoadingState } from './States';

/** Creates an SCP from a template of the library, with the template's parameters. */
export function PolicyFromTemplate({ payerId, onCancel, onCreated }: { payerId: string; onCancel: () => void; onCreated: (p: PolicyFieldsFragment) => void }) {
  const { t, lang } = useI18n();
  const [templates] = useQuery({ query: PolicyTemplatesDocument });
  const [templateId, setTemplateId] = useState('');
  const [name, setName] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [result, create] = useMutation(CreatePolicyFromTemplateDocument);
  const errors = mapErrors(result.error, { name: 'name', templateId: 'templateId', params: 'params' } as const);
  const list = templates.data?.policyTemplates ?? [];
  const chosen = list.find((x) => x.id === templateId) ?? list[0];

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!chosen) return;
    const params = Object.fromEntries(
      chosen.parameters.map((p) => [p.name, (values[p.name] ?? '').split(',').map((v) => v.trim()).filter(Boolean)]),
    );
    const res = await create({ payerId, templateId: chosen.id, params, name: name.trim() || null });
    if (res.data?.createPolicyFromTemplate) onCreated(res.data.createPolicyFromTemplate);
  }

  if (templates.fetching) return <LoadingState />;
  return (
    <form className="form" onSubmit={submit} aria-labelledby="template-title" noValidate>
      <h3 id="template-title">{t('policies.fromTemplate')}</h3>
      <FormErrorMessage error={errors.form} />
      <Field label={t('policies.template')} name="templateId" error={errors.fields.templateId}>
        {(p) => (
          <select {...p} value={chosen?.id ?? ''} onChange={(e) => setTemplateId(e.target.value)}>
            {list.map((x) => (
              <option key={x.id} value={x.id}>
                {lang === 'zh' ? x.nameZh : x.nameEn}
              </option>
            ))}
          </select>
        )}
      </Field>
      {chosen && <p className="muted small">{lang === 'zh' ? chosen.descriptionZh : chosen.descriptionEn}</p>}
      <Field label={t('common.name')} name="name" error={errors.fields.name} hint={t('policies.nameHint')}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      {chosen?.parameters.map((param) => (
        <Field
          key={param.name}
          label={param.name}
          name={`param-${param.name}`}
          error={errors.fields.params}
          hint={`${lang === 'zh' ? param.descriptionZh : param.descriptionEn} ${t('policies.example', { example: param.example })}`}
        >
          {(p) => <input {...p} value={values[param.name] ?? ''} onChange={(e) => setValues({ ...values, [param.name]: e.target.value })} />}
        </Field>
      ))}
      <FormActions onCancel={onCancel} submitLabel={t('policies.create')} disabled={result.fetching || !chosen} />
    </form>
  );
}
