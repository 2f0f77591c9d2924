import { useMemo, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { mapErrors } from '../api/errors';
import { CardTable } from '../components/CardTable';
import { DangerAction } from '../components/DangerAction';
import { Field, FormActions, FormErrorMessage, Notice, type FieldControlProps } from '../components/Form';
import { ErrorState, LoadingState } from '../components/States';
import { TransferStatusBadge } from '../components/TransferStatusBadge';
import { usePageTitle } from '../components/usePageTitle';
import { usePayerRoute } from '../components/usePayerRoute';
import {
  BillingTransferPreferenceDocument,
  BillingTransfersDocument,
  CreateTransferBillingGroupDocument,
  EndBillingTransferDocument,
  InviteOrganizationToTransferBillingDocument,
  SetBillingTransferPreferenceDocument,
  WithdrawBillingTransferDocument,
  type BillingTransferFieldsFragment,
  type PayerFieldsFragment,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { formatDateTime, formatMonth } from '../lib/format';
import { backToOnboarding } from '../lib/onboarding';
import {
  earliestEndMonth,
  earliestMonth,
  emptyInviteForm,
  endProblem,
  firstOf,
  hasPreference,
  inviteInput,
  inviteProblems,
  NAME_MAX,
  newestFirst,
  NOTES_MAX,
  organizationOf,
  transferActions,
  type EndProblem,
  type InviteForm as InviteFormState,
  type InviteProblems,
} from '../lib/transfers';

type Plan = { id: string; name: string };

/**
 * A payer's AWS billing transfers (docs/channel.md): the customers' organizations whose bill it
 * takes over, newest first, with their state, months, AWS ids and TRANSFER_BILLING group. Admins
 * of the payer invite, withdraw an unanswered invitation, end an accepted transfer from a later
 * month, create its billing group and set its auto-create preference; everyone else reads.
 * `?invite=1` (from onboarding) opens the invitation form for admins; `?from=onboarding&customer=…`
 * adds the way back to that customer's onboarding.
 */
export function TransfersPage() {
  const { t, lang } = useI18n();
  const { payerId, payer, can, result: payerResult, retry } = usePayerRoute();
  usePageTitle(payer ? t('transfers.pageTitle', { name: payer.name }) : t('transfers.title'));
  const [result, reexecute] = useQuery({ query: BillingTransfersDocument, variables: { payerId }, requestPolicy: 'network-only' });
  const [params] = useSearchParams();
  const back = backToOnboarding(params);
  // Null until the form is opened or closed by hand: then `?invite=1` opens it, once the
  // caller's role on the payer is known to be admin (ignored for others).
  const [invitingChoice, setInviting] = useState<boolean | null>(null);
  const inviting = invitingChoice ?? (params.get('invite') === '1' && can.administer);
  const [notice, setNotice] = useState<string | null>(null);
  // The transfer whose auto-create preference is open (one at a time: reading it may ask AWS).
  const [open, setOpen] = useState<string | null>(null);
  const reload = () => reexecute({ requestPolicy: 'network-only' });
  const transfers = useMemo(() => newestFirst(result.data?.billingTransfers ?? []), [result.data]);
  const plans = result.data?.pricingPlans ?? [];

  if (!payer) {
    if (payerResult.error) return <ErrorState error={payerResult.error} onRetry={retry} />;
    return <LoadingState />;
  }
  const changed = (message: string) => {
    setNotice(message);
    reload();
  };
  const columns = [
    t('transfers.organization'),
    t('common.name'),
    t('common.status'),
    t('transfers.start'),
    t('transfers.end'),
    t('transfers.awsIds'),
    t('transfers.billingGroup'),
    t('transfers.invitedCol'),
    t('common.actions'),
  ];
  return (
    <section aria-labelledby="transfers-title">
      <p className="crumbs">
        <Link to="/payers">{t('nav.payers')}</Link> › <Link to={`/payers/${payerId}/billing`}>{t('billing.pageTitle', { name: payer.name })}</Link> › {t('transfers.title')}
      </p>
      {back && (
        <p>
          <Link to={back}>← {t('bringIn.backToOnboarding')}</Link>
        </p>
      )}
      <div className="page-head">
        <div>
          <h1 id="transfers-title">{t('transfers.pageTitle', { name: payer.name })}</h1>
          <p className="intro">{t('transfers.intro')}</p>
        </div>
        <div className="row-actions">
          {can.administer && !inviting && (
            <button
              type="button"
              className="primary"
              onClick={() => {
                setNotice(null);
                setInviting(true);
              }}
            >
              {t('transfers.invite')}
            </button>
          )}
        </div>
      </div>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {inviting && (
        <InviteForm
          payer={payer}
          onCancel={() => setInviting(false)}
          onInvited={(transfer) => {
            setInviting(false);
            changed(t('transfers.invited', { target: organizationOf(transfer), month: formatMonth(transfer.startMonth, lang) }));
          }}
        />
      )}
      <CardTable
        title={t('transfers.list')}
        testId="transfers"
        loading={result.fetching && !result.data}
        error={result.error ?? null}
        onRetry={reload}
        empty={transfers.length === 0}
        emptyText={`${t('transfers.emptyWhat')} ${t(can.administer ? 'transfers.emptyHowAdmin' : 'transfers.emptyHowOthers')}`}
        columns={columns}
      >
        {transfers.map((transfer) => (
          <TransferRow
            key={transfer.id}
            transfer={transfer}
            plans={plans}
            administer={can.administer}
            width={columns.length}
            expanded={open === transfer.id}
            onToggle={() => setOpen(open === transfer.id ? null : transfer.id)}
            onChanged={changed}
          />
        ))}
      </CardTable>
    </section>
  );
}

/** A plan's name by id; Passthrough for none; the id itself for a plan no longer listed. */
function planLabel(t: ReturnType<typeof useI18n>['t'], plans: readonly Plan[], id: string | null): string {
  if (id === null) return t('transfers.passthrough');
  return plans.find((p) => p.id === id)?.name ?? id;
}

function TransferRow({
  transfer: tr,
  plans,
  administer,
  width,
  expanded,
  onToggle,
  onChanged,
}: {
  transfer: BillingTransferFieldsFragment;
  plans: readonly Plan[];
  administer: boolean;
  width: number;
  expanded: boolean;
  onToggle: () => void;
  onChanged: (message: string) => void;
}) {
  const { t, lang } = useI18n();
  const [, withdraw] = useMutation(WithdrawBillingTransferDocument);
  const actions = transferActions(tr, administer);
  const target = organizationOf(tr);
  const group = tr.billingGroup;
  return (
    <>
      <tr data-testid="transfer-row">
        <td>{tr.managementAccountId ? <code>{tr.managementAccountId}</code> : (tr.email ?? '—')}</td>
        <td>
          {tr.name}
          {tr.notes && <span className="cell-note">{tr.notes}</span>}
        </td>
        <td>
          <TransferStatusBadge status={tr.status} />
          {tr.status === 'INVITED' && tr.expiresAt && <span className="cell-note">{t('transfers.expires', { when: formatDateTime(tr.expiresAt, lang) })}</span>}
        </td>
        <td>{tr.startMonth}</td>
        <td>{tr.endMonth ?? '—'}</td>
        <td className="small">
          {t('transfers.handshake')} {tr.handshakeId ? <code>{tr.handshakeId}</code> : <span className="muted">{t('transfers.notYet')}</span>}
          <br />
          {t('transfers.transferId')} {tr.transferId ? <code>{tr.transferId}</code> : <span className="muted">{t('transfers.notYet')}</span>}
        </td>
        <td data-testid="transfer-group">
          {group ? (
            <>
              {planLabel(t, plans, group.passthrough ? null : group.pricingPlanId)}
              <span className="cell-note">{t('transfers.groupCreated', { when: formatDateTime(group.createdAt, lang) })}</span>
              {group.billingConductorArn && (
                <span className="cell-note" title={group.billingConductorArn}>
                  {t('transfers.inBillingConductor')}
                </span>
              )}
            </>
          ) : (
            <span className="muted">{t('transfers.noGroup')}</span>
          )}
        </td>
        <td>
          {formatDateTime(tr.createdAt, lang)}
          <span className="cell-note">{t('transfers.invitedBy', { who: tr.invitedBy })}</span>
          {tr.updatedAt !== tr.createdAt && <span className="cell-note">{t('transfers.updated', { when: formatDateTime(tr.updatedAt, lang) })}</span>}
        </td>
        <td>
          <div className="row-actions">
            {actions.includes('withdraw') && (
              <DangerAction
                small
                label={t('transfers.withdraw')}
                name={t('transfers.withdrawNamed', { name: tr.name })}
                title={t('transfers.withdrawTitle', { name: tr.name })}
                confirmLabel={t('transfers.withdraw')}
                onConfirm={async () => {
                  const res = await withdraw({ id: tr.id });
                  if (res.data) onChanged(t('transfers.withdrawn', { name: tr.name }));
                  return res;
                }}
              >
                <p>{t('transfers.withdrawBody', { target })}</p>
              </DangerAction>
            )}
            {actions.includes('end') && <EndTransfer transfer={tr} onEnded={(month) => onChanged(t('transfers.ending', { name: tr.name, month: formatMonth(month, lang) }))} />}
            {actions.includes('createGroup') && <CreateGroup transfer={tr} plans={plans} onCreated={() => onChanged(t('transfers.groupCreatedNotice', { name: tr.name }))} />}
            {hasPreference(tr.status) && (
              <button type="button" className="small" aria-expanded={expanded} aria-label={t('transfers.preferenceNamed', { name: tr.name })} onClick={onToggle}>
                {expanded ? t('transfers.preferenceHide') : t('transfers.preference')}
              </button>
            )}
          </div>
        </td>
      </tr>
      {expanded && (
        <tr className="detail-row">
          <td colSpan={width}>
            <Preference transfer={tr} plans={plans} administer={administer} />
          </td>
        </tr>
      )}
    </>
  );
}

/** Ends an accepted or active transfer from the first of a later month, after asking. */
function EndTransfer({ transfer, onEnded }: { transfer: BillingTransferFieldsFragment; onEnded: (month: string) => void }) {
  const { t } = useI18n();
  const [month, setMonth] = useState(() => earliestEndMonth(transfer.startMonth, new Date()));
  const [local, setLocal] = useState<EndProblem | null>(null);
  const [result, end] = useMutation(EndBillingTransferDocument);
  const fields = { endDate: 'endDate' } as const;
  const errors = mapErrors(result.error, fields);

  async function confirm() {
    const problem = endProblem(transfer.startMonth, month, new Date());
    setLocal(problem);
    if (problem) return false;
    const res = await end({ id: transfer.id, endDate: firstOf(month) });
    if (res.data) onEnded(month);
    return res;
  }

  return (
    <DangerAction
      small
      label={t('transfers.endAction')}
      name={t('transfers.endNamed', { name: transfer.name })}
      title={t('transfers.endTitle', { name: transfer.name })}
      confirmLabel={t('transfers.endConfirm')}
      fields={fields}
      onOpen={() => {
        setLocal(null);
        setMonth(earliestEndMonth(transfer.startMonth, new Date()));
      }}
      onConfirm={confirm}
    >
      <p>{t('transfers.endBody', { target: organizationOf(transfer) })}</p>
      <Field
        label={t('transfers.endMonth')}
        name="endDate"
        error={local ? t(`transfers.problem.end.${local}`, { start: transfer.startMonth }) : errors.fields.endDate}
        hint={t('transfers.endMonthHint', { start: transfer.startMonth })}
      >
        {(p) => (
          <input
            {...p}
            type="month"
            min={earliestEndMonth(transfer.startMonth, new Date())}
            value={month}
            onChange={(e) => {
              setLocal(null);
              setMonth(e.target.value);
            }}
          />
        )}
      </Field>
    </DangerAction>
  );
}

/** Creates the transfer's TRANSFER_BILLING group with Passthrough or a plan of the payer, after asking. */
function CreateGroup({ transfer, plans, onCreated }: { transfer: BillingTransferFieldsFragment; plans: readonly Plan[]; onCreated: () => void }) {
  const { t } = useI18n();
  const [plan, setPlan] = useState('');
  const [result, create] = useMutation(CreateTransferBillingGroupDocument);
  const fields = { pricingPlanId: 'pricingPlanId' } as const;
  const errors = mapErrors(result.error, fields);
  return (
    <DangerAction
      small
      tone="plain"
      label={t('transfers.createGroup')}
      name={t('transfers.createGroupNamed', { name: transfer.name })}
      title={t('transfers.createGroupTitle', { name: transfer.name })}
      confirmLabel={t('transfers.createGroup')}
      fields={fields}
      onOpen={() => setPlan('')}
      onConfirm={async () => {
        const res = await create({ billingTransferId: transfer.id, pricingPlanId: plan || null });
        if (res.data) onCreated();
        return res;
      }}
    >
      <p>{t('transfers.createGroupBody')}</p>
      <Field label={t('transfers.plan')} name="pricingPlanId" error={errors.fields.pricingPlanId} hint={t('transfers.planHint')}>
        {(p) => <PlanSelect props={p} value={plan} onChange={setPlan} plans={plans} />}
      </Field>
    </DangerAction>
  );
}

function PlanSelect({ props, value, onChange, plans }: { props: FieldControlProps; value: string; onChange: (id: string) => void; plans: readonly Plan[] }) {
  const { t } = useI18n();
  return (
    <select {...props} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{t('transfers.passthroughOption')}</option>
      {plans.map((p) => (
        <option key={p.id} value={p.id}>
          {p.name}
        </option>
      ))}
    </select>
  );
}

/** The transfer's auto-create preference: read by everyone, set by admins. */
function Preference({ transfer, plans, administer }: { transfer: BillingTransferFieldsFragment; plans: readonly Plan[]; administer: boolean }) {
  const { t } = useI18n();
  const [result, reexecute] = useQuery({ query: BillingTransferPreferenceDocument, variables: { billingTransferId: transfer.id }, requestPolicy: 'network-only' });
  const [saved, save] = useMutation(SetBillingTransferPreferenceDocument);
  const [edited, setEdited] = useState<{ auto: boolean; plan: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const errors = mapErrors(saved.error, { pricingPlanId: 'pricingPlanId' } as const);
  const pref = result.data?.billingTransferPreference;
  const form = edited ?? (pref ? { auto: pref.autoCreateBillingGroups, plan: pref.pricingPlanId ?? '' } : null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!form) return;
    setNotice(null);
    const res = await save({ billingTransferId: transfer.id, input: { autoCreateBillingGroups: form.auto, pricingPlanId: form.plan || null } });
    if (res.data) {
      setEdited(null);
      setNotice(t('transfers.preferenceSaved', { name: transfer.name }));
      reexecute({ requestPolicy: 'network-only' });
    }
  }

  const titleId = `preference-${transfer.id}`;
  return (
    <section aria-labelledby={titleId} data-testid="transfer-preference">
      <h3 id={titleId}>{t('transfers.preferenceTitle', { name: transfer.name })}</h3>
      <p className="muted small">{t('transfers.preferenceIntro')}</p>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {result.fetching && !result.data ? (
        <LoadingState />
      ) : result.error || !form ? (
        <ErrorState error={result.error ?? null} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      ) : administer ? (
        <form className="form" onSubmit={submit} aria-labelledby={titleId} noValidate>
          <FormErrorMessage error={errors.form} />
          <label className="check">
            <input type="checkbox" checked={form.auto} onChange={(e) => setEdited({ ...form, auto: e.target.checked })} /> {t('transfers.autoCreate')}
          </label>
          <Field label={t('transfers.plan')} name="pricingPlanId" error={errors.fields.pricingPlanId} hint={t('transfers.planHint')}>
            {(p) => <PlanSelect props={p} value={form.plan} onChange={(plan) => setEdited({ ...form, plan })} plans={plans} />}
          </Field>
          <FormActions onCancel={() => setEdited(null)} submitLabel={t('transfers.savePreference')} disabled={saved.fetching || edited === null} />
        </form>
      ) : (
        <p data-testid="preference-value">{form.auto ? t('transfers.autoOn', { plan: planLabel(t, plans, form.plan || null) }) : t('transfers.autoOff')}</p>
      )}
    </section>
  );
}

/** The invitation form: the customer's management account (id or email), the start month, a name and notes. */
function InviteForm({ payer, onCancel, onInvited }: { payer: PayerFieldsFragment; onCancel: () => void; onInvited: (transfer: BillingTransferFieldsFragment) => void }) {
  const { t } = useI18n();
  const [form, setForm] = useState<InviteFormState>(() => emptyInviteForm(new Date()));
  const [local, setLocal] = useState<InviteProblems>({});
  const [result, invite] = useMutation(InviteOrganizationToTransferBillingDocument);
  const errors = mapErrors(result.error, { managementAccountId: 'target', email: 'target', startDate: 'startMonth', name: 'name', notes: 'notes' } as const);
  const edit = (field: keyof InviteFormState, value: string) => {
    setForm({ ...form, [field]: value });
    setLocal({ ...local, [field]: undefined });
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems = inviteProblems(form, payer.accountId, new Date());
    setLocal(problems);
    if (Object.values(problems).some(Boolean)) return;
    const res = await invite({ input: inviteInput(payer.id, form) });
    if (res.data) onInvited(res.data.inviteOrganizationToTransferBilling);
  }

  return (
    <form className="card form" onSubmit={submit} aria-labelledby="transfer-invite-title" noValidate>
      <h2 id="transfer-invite-title">{t('transfers.inviteTitle')}</h2>
      <p className="muted small">{t('transfers.inviteIntro')}</p>
      <FormErrorMessage error={errors.form} />
      <Field
        label={t('transfers.target')}
        name="target"
        error={local.target ? t(`transfers.problem.target.${local.target}`) : errors.fields.target}
        hint={t('transfers.targetHint')}
      >
        {(p) => <input {...p} value={form.target} autoComplete="off" onChange={(e) => edit('target', e.target.value)} />}
      </Field>
      <Field
        label={t('transfers.startMonth')}
        name="startMonth"
        error={local.startMonth ? t(`transfers.problem.startMonth.${local.startMonth}`) : errors.fields.startMonth}
        hint={t('transfers.startMonthHint')}
      >
        {(p) => <input {...p} type="month" min={earliestMonth(new Date())} value={form.startMonth} onChange={(e) => edit('startMonth', e.target.value)} />}
      </Field>
      <Field label={t('transfers.name')} name="name" error={local.name ? t('transfers.problem.name.tooLong') : errors.fields.name} hint={t('transfers.nameHint')}>
        {(p) => <input {...p} value={form.name} maxLength={NAME_MAX} onChange={(e) => edit('name', e.target.value)} />}
      </Field>
      <Field label={t('transfers.notes')} name="notes" error={local.notes ? t('transfers.problem.notes.tooLong') : errors.fields.notes} hint={t('transfers.notesHint')}>
        {(p) => <textarea {...p} rows={3} value={form.notes} maxLength={NOTES_MAX} onChange={(e) => edit('notes', e.target.value)} />}
      </Field>
      <FormActions onCancel={onCancel} submitLabel={t('transfers.inviteSubmit')} disabled={result.fetching} />
    </form>
  );
}
