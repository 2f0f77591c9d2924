import { useState } from 'react';
import { useMutation } from 'urql';
import { DangerAction } from './DangerAction';
import { Field } from './Form';
import { mapErrors, type ClientError } from '../api/errors';
import { CreateResellerPayerDocument, type PayerFieldsFragment } from '../generated/graphql';
import { useI18n } from '../i18n';
import { PAYER_NAME_MAX, payerNameProblem } from '../lib/resellers';

const FIELDS = { name: 'name' } as const;

/**
 * "Give <customer> its own payer" on a billing group whose customer is a reseller or distributor
 * (for the admins of the group's payer): asks for the new payer's name, then `createResellerPayer`.
 * The API's error on `name` shows on the field; any other (CONFLICT for a second payer, VALIDATION
 * on `billingGroupId` for an end customer) above the dialog's buttons.
 */
export function GiveResellerPayer({
  group,
  customerName,
  payerName,
  onCreated,
}: {
  group: { id: string; name: string };
  customerName: string;
  payerName: string;
  onCreated: (payer: PayerFieldsFragment) => void;
}) {
  const { t } = useI18n();
  const suggested = () => t('resellers.defaultName', { customer: customerName, payer: payerName }).slice(0, PAYER_NAME_MAX);
  const [name, setName] = useState(suggested);
  const [local, setLocal] = useState<'required' | 'tooLong' | null>(null);
  const [apiError, setApiError] = useState<ClientError | null>(null);
  const [, create] = useMutation(CreateResellerPayerDocument);
  const fieldError = local ? t(`resellers.problem.${local}`) : mapErrors(apiError, FIELDS).fields.name;

  async function confirm() {
    const problem = payerNameProblem(name);
    setLocal(problem);
    setApiError(null);
    if (problem) return false;
    const res = await create({ billingGroupId: group.id, name: name.trim() });
    if (res.error) setApiError(res.error);
    if (res.data?.createResellerPayer) onCreated(res.data.createResellerPayer);
    return res;
  }

  return (
    <DangerAction
      small
      tone="plain"
      label={t('resellers.give', { customer: customerName })}
      title={t('resellers.giveTitle', { customer: customerName })}
      confirmLabel={t('resellers.giveConfirm')}
      fields={FIELDS}
      onOpen={() => {
        setName(suggested());
        setLocal(null);
        setApiError(null);
      }}
      onConfirm={confirm}
    >
      <p>{t('resellers.giveBody', { customer: customerName, group: group.name })}</p>
      <Field label={t('resellers.payerName')} name="name" error={fieldError} hint={t('resellers.payerNameHint')}>
        {(p) => <input {...p} value={name} maxLength={PAYER_NAME_MAX} onChange={(e) => setName(e.target.value)} />}
      </Field>
    </DangerAction>
  );
}
