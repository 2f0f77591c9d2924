import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { mapErrors } from '../api/errors';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Field, FormActions, FormErrorMessage, NamedSelect, Notice } from '../components/Form';
import { ErrorState, ListStates, LoadingState, TableHead } from '../components/States';
import {
  CreateCustomLineItemDocument,
  CreatePricingPlanDocument,
  CreatePricingRuleDocument,
  DeleteCustomLineItemDocument,
  DeletePricingPlanDocument,
  DeletePricingRuleDocument,
  PricingDocument,
  type CustomLineItemChargeType,
  type PricingPlanBase,
  type PricingRuleFieldsFragment,
  type PricingRuleScope,
  type PricingRuleType,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { roundDecimal } from '../lib/format';
import { usePayerRoute } from './Accounts';

type Form = 'rule' | 'plan' | 'item' | null;
type Removal = { kind: 'rule' | 'plan' | 'item'; id: string; name: string };

const SCOPES: PricingRuleScope[] = ['GLOBAL', 'SERVICE', 'BILLING_ENTITY', 'SKU'];
const TYPES: PricingRuleType[] = ['MARKUP', 'DISCOUNT', 'TIERING'];
const BASES: PricingPlanBase[] = ['LIST', 'UNBLENDED', 'NET_UNBLENDED', 'AMORTIZED'];

export function PricingPage() {
  const { t } = useI18n();
  const { payerId, payer, can, result: payerResult, retry } = usePayerRoute();
  const [result, reexecute] = useQuery({ query: PricingDocument, variables: { payerId }, requestPolicy: 'network-only' });
  const [form, setForm] = useState<Form>(null);
  const [removing, setRemoving] = useState<Removal | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [ruleDel, deleteRule] = useMutation(DeletePricingRuleDocument);
  const [planDel, deletePlan] = useMutation(DeletePricingPlanDocument);
  const [itemDel, deleteItem] = useMutation(DeleteCustomLineItemDocument);
  const reload = () => reexecute({ requestPolicy: 'network-only' });
  const data = result.data;
  const groupName = new Map((data?.billingGroups ?? []).map((g) => [g.id, g.name]));
  const done = (text: string) => {
    setForm(null);
    setNotice(text);
    reload();
  };

  async function confirmRemove() {
    if (!removing) return;
    const res =
      removing.kind === 'rule' ? await deleteRule({ id: removing.id }) : removing.kind === 'plan' ? await deletePlan({ id: removing.id }) : await deleteItem({ id: removing.id });
    if (res.data) {
      setRemoving(null);
      setNotice(t('pricing.deleted', { name: removing.name }));
      reload();
    }
  }

  if (!payer) {
    if (payerResult.error) return <ErrorState error={payerResult.error} onRetry={retry} />;
    return <LoadingState />;
  }
  const actionButton = (kind: Removal['kind'], id: string, name: string) =>
    can.operate && (
      <td>
        <button type="button" className="small danger" aria-label={t('pricing.deleteNamed', { name })} onClick={() => setRemoving({ kind, id, name })}>
          {t('pricing.delete')}
        </button>
      </td>
    );

  return (
    <section aria-labelledby="pricing-title">
      <p className="crumbs">
        <Link to="/payers">{t('nav.payers')}</Link> › <Link to={`/payers/${payerId}/billing`}>{t('billing.title')}</Link> › {t('billing.pricing')}
      </p>
      <div className="page-head">
        <div>
          <h1 id="pricing-title">{t('pricing.title', { name: payer.name })}</h1>
          <p className="intro">{t('pricing.intro')}</p>
        </div>
        {can.operate && form === null && (
          <div className="row-actions">
            <button type="button" onClick={() => setForm('rule')}>
              {t('pricing.newRule')}
            </button>
            <button type="button" onClick={() => setForm('plan')}>
              {t('pricing.newPlan')}
            </button>
            <button type="button" onClick={() => setForm('item')}>
              {t('pricing.newItem')}
            </button>
          </div>
        )}
      </div>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {form === 'rule' && <RuleForm payerId={payerId} onCancel={() => setForm(null)} onDone={(n) => done(t('pricing.ruleCreated', { name: n }))} />}
      {form === 'plan' && (
        <PlanForm payerId={payerId} rules={data?.pricingRules ?? []} onCancel={() => setForm(null)} onDone={(n) => done(t('pricing.planCreated', { name: n }))} />
      )}
      {form === 'item' && (
        <ItemForm groups={data?.billingGroups ?? []} onCancel={() => setForm(null)} onDone={(n) => done(t('pricing.itemCreated', { name: n }))} />
      )}
      <ListStates loading={result.fetching && !data} error={result.error ?? null} empty={false} emptyText="" onRetry={reload}>
        <div className="card">
          <h2>{t('pricing.rules')}</h2>
          {(data?.pricingRules.length ?? 0) === 0 ? (
            <p className="muted">{t('pricing.noRules')}</p>
          ) : (
            <table className="table">
              <TableHead columns={[t('common.name'), t('pricing.scope'), t('pricing.type'), t('pricing.modifier'), can.operate && t('common.actions')]} />
              <tbody>
                {data?.pricingRules.map((r) => (
                  <tr key={r.id} data-testid="rule-row">
                    <th scope="row">{r.name}</th>
                    <td>
                      {t(`ruleScope.${r.scope}`)} {r.service && <code>{r.service}</code>}
                      {r.billingEntity && <code>{r.billingEntity}</code>}
                      {r.usageType && <code>{r.usageType}</code>}
                    </td>
                    <td>{t(`ruleType.${r.type}`)}</td>
                    <td className="num">{r.type === 'TIERING' ? '—' : `${roundDecimal(r.modifierPercentage, 2)}%`}</td>
                    {actionButton('rule', r.id, r.name)}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div className="card">
          <h2>{t('pricing.plans')}</h2>
          {(data?.pricingPlans.length ?? 0) === 0 ? (
            <p className="muted">{t('pricing.noPlans')}</p>
          ) : (
            <table className="table">
              <TableHead columns={[t('common.name'), t('pricing.base'), t('pricing.rules'), t('pricing.passes'), can.operate && t('common.actions')]} />
              <tbody>
                {data?.pricingPlans.map((p) => (
                  <tr key={p.id} data-testid="plan-row">
                    <th scope="row">{p.name}</th>
                    <td>{t(`planBase.${p.base}`)}</td>
                    <td>{p.pricingRules.map((r) => r.name).join(', ') || '—'}</td>
                    <td>
                      {[p.passTax && t('pricing.passTax'), p.passCredits && t('pricing.passCredits'), p.passRefunds && t('pricing.passRefunds'), p.passPartnerDiscounts && t('pricing.passDiscounts')]
                        .filter(Boolean)
                        .join(', ') || '—'}
                    </td>
                    {actionButton('plan', p.id, p.name)}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div className="card">
          <h2>{t('pricing.items')}</h2>
          {(data?.customLineItems.length ?? 0) === 0 ? (
            <p className="muted">{t('pricing.noItems')}</p>
          ) : (
            <table className="table">
              <TableHead columns={[t('common.name'), t('billing.group'), t('pricing.chargeType'), t('pricing.amount'), t('pricing.periods'), can.operate && t('common.actions')]} />
              <tbody>
                {data?.customLineItems.map((i) => (
                  <tr key={i.id} data-testid="item-row">
                    <th scope="row">{i.name}</th>
                    <td>{groupName.get(i.billingGroupId) ?? i.billingGroupId}</td>
                    <td>{t(`chargeType.${i.chargeType}`)}</td>
                    <td className="num">
                      {i.flatAmount !== null ? `${roundDecimal(i.flatAmount, 2)} ${i.currency}` : i.percentage !== null ? `${roundDecimal(i.percentage, 2)}%` : '—'}
                    </td>
                    <td>
                      {i.billingPeriodStart} – {i.billingPeriodEnd ?? t('pricing.recurring')}
                    </td>
                    {actionButton('item', i.id, i.name)}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </ListStates>
      {removing && (
        <ConfirmDialog
          title={t('pricing.deleteTitle', { name: removing.name })}
          confirmLabel={t('pricing.delete')}
          busy={ruleDel.fetching || planDel.fetching || itemDel.fetching}
          error={<FormErrorMessage error={mapErrors(ruleDel.error ?? planDel.error ?? itemDel.error, {}).form} />}
          onConfirm={() => void confirmRemove()}
          onCancel={() => setRemoving(null)}
        >
          <p>{t('pricing.deleteBody')}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function RuleForm({ payerId, onCancel, onDone }: { payerId: string; onCancel: () => void; onDone: (name: string) => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<PricingRuleScope>('GLOBAL');
  const [type, setType] = useState<PricingRuleType>('MARKUP');
  const [modifier, setModifier] = useState('');
  const [service, setService] = useState('');
  const [result, create] = useMutation(CreatePricingRuleDocument);
  const errors = mapErrors(result.error, { name: 'name', modifierPercentage: 'modifier', service: 'service', scope: 'scope', type: 'type' } as const);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const res = await create({
      input: {
        payerId,
        name: name.trim(),
        scope,
        type,
        modifierPercentage: type === 'TIERING' ? null : modifier.trim() || null,
        service: scope === 'SERVICE' || scope === 'SKU' ? service.trim() || null : null,
      },
    });
    if (res.data?.createPricingRule) onDone(res.data.createPricingRule.name);
  }

  return (
    <form className="card form" onSubmit={submit} aria-labelledby="rule-form-title" noValidate>
      <h2 id="rule-form-title">{t('pricing.newRule')}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('common.name')} name="name" error={errors.fields.name}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label={t('pricing.scope')} name="scope" error={errors.fields.scope}>
        {(p) => (
          <select {...p} value={scope} onChange={(e) => setScope(e.target.value as PricingRuleScope)}>
            {SCOPES.map((s) => (
              <option key={s} value={s}>
                {t(`ruleScope.${s}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {(scope === 'SERVICE' || scope === 'SKU') && (
        <Field label={t('pricing.service')} name="service" error={errors.fields.service} hint={t('pricing.serviceHint')}>
          {(p) => <input {...p} value={service} onChange={(e) => setService(e.target.value)} />}
        </Field>
      )}
      <Field label={t('pricing.type')} name="type" error={errors.fields.type}>
        {(p) => (
          <select {...p} value={type} onChange={(e) => setType(e.target.value as PricingRuleType)}>
            {TYPES.map((x) => (
              <option key={x} value={x}>
                {t(`ruleType.${x}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {type !== 'TIERING' && (
        <Field label={t('pricing.modifier')} name="modifier" error={errors.fields.modifier} hint={t('pricing.modifierHint')}>
          {(p) => <input {...p} inputMode="decimal" value={modifier} onChange={(e) => setModifier(e.target.value)} />}
        </Field>
      )}
      <FormActions onCancel={onCancel} submitLabel={t('pricing.createRule')} disabled={result.fetching} />
    </form>
  );
}

function PlanForm({ payerId, rules, onCancel, onDone }: { payerId: string; rules: PricingRuleFieldsFragment[]; onCancel: () => void; onDone: (name: string) => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [base, setBase] = useState<PricingPlanBase>('LIST');
  const [ruleIds, setRuleIds] = useState<string[]>([]);
  const [passes, setPasses] = useState({ passTax: false, passCredits: false, passRefunds: false, passPartnerDiscounts: false });
  const [result, create] = useMutation(CreatePricingPlanDocument);
  const errors = mapErrors(result.error, { name: 'name', base: 'base', pricingRuleIds: 'rules' } as const);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const res = await create({ input: { payerId, name: name.trim(), base, pricingRuleIds: ruleIds, ...passes } });
    if (res.data?.createPricingPlan) onDone(res.data.createPricingPlan.name);
  }

  const passLabels = { passTax: t('pricing.passTax'), passCredits: t('pricing.passCredits'), passRefunds: t('pricing.passRefunds'), passPartnerDiscounts: t('pricing.passDiscounts') };
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="plan-form-title" noValidate>
      <h2 id="plan-form-title">{t('pricing.newPlan')}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('common.name')} name="name" error={errors.fields.name}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label={t('pricing.base')} name="base" error={errors.fields.base}>
        {(p) => (
          <select {...p} value={base} onChange={(e) => setBase(e.target.value as PricingPlanBase)}>
            {BASES.map((b) => (
              <option key={b} value={b}>
                {t(`planBase.${b}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <fieldset className={errors.fields.rules ? 'field field-invalid checks' : 'field checks'}>
        <legend>{t('pricing.rules')}</legend>
        {rules.length === 0 && <span className="muted">{t('pricing.noRules')}</span>}
        {rules.map((r) => (
          <label key={r.id} className="check">
            <input type="checkbox" checked={ruleIds.includes(r.id)} onChange={(e) => setRuleIds(e.target.checked ? [...ruleIds, r.id] : ruleIds.filter((x) => x !== r.id))} /> {r.name}
          </label>
        ))}
        {errors.fields.rules && <p className="field-error">{errors.fields.rules}</p>}
      </fieldset>
      <fieldset className="field checks">
        <legend>{t('pricing.passes')}</legend>
        {(Object.keys(passLabels) as (keyof typeof passLabels)[]).map((key) => (
          <label key={key} className="check">
            <input type="checkbox" checked={passes[key]} onChange={(e) => setPasses({ ...passes, [key]: e.target.checked })} /> {passLabels[key]}
          </label>
        ))}
      </fieldset>
      <FormActions onCancel={onCancel} submitLabel={t('pricing.createPlan')} disabled={result.fetching} />
    </form>
  );
}

function ItemForm({ groups, onCancel, onDone }: { groups: { id: string; name: string }[]; onCancel: () => void; onDone: (name: string) => void }) {
  const { t } = useI18n();
  const [groupId, setGroupId] = useState('');
  const [name, setName] = useState('');
  const [chargeType, setChargeType] = useState<CustomLineItemChargeType>('FEE');
  const [kind, setKind] = useState<'flat' | 'percentage'>('flat');
  const [amount, setAmount] = useState('');
  const [result, create] = useMutation(CreateCustomLineItemDocument);
  const errors = mapErrors(result.error, { billingGroupId: 'group', name: 'name', flatAmount: 'amount', percentage: 'amount', chargeType: 'chargeType' } as const);
  const effectiveGroup = groupId || groups[0]?.id || '';

  async function submit(event: FormEvent) {
    event.preventDefault();
    const value = amount.trim() || null;
    const res = await create({
      input: {
        billingGroupId: effectiveGroup,
        name: name.trim(),
        chargeType,
        flatAmount: kind === 'flat' ? value : null,
        percentage: kind === 'percentage' ? value : null,
      },
    });
    if (res.data?.createCustomLineItem) onDone(res.data.createCustomLineItem.name);
  }

  if (groups.length === 0) return <p className="state">{t('pricing.itemNeedsGroup')}</p>;
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="item-form-title" noValidate>
      <h2 id="item-form-title">{t('pricing.newItem')}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('billing.group')} name="group" error={errors.fields.group}>
        {(p) => <NamedSelect props={p} value={effectiveGroup} onChange={setGroupId} options={groups} />}
      </Field>
      <Field label={t('common.name')} name="name" error={errors.fields.name}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label={t('pricing.chargeType')} name="chargeType" error={errors.fields.chargeType}>
        {(p) => (
          <select {...p} value={chargeType} onChange={(e) => setChargeType(e.target.value as CustomLineItemChargeType)}>
            <option value="FEE">{t('chargeType.FEE')}</option>
            <option value="CREDIT">{t('chargeType.CREDIT')}</option>
          </select>
        )}
      </Field>
      <Field label={t('pricing.amountKind')} name="kind">
        {(p) => (
          <select {...p} value={kind} onChange={(e) => setKind(e.target.value as 'flat' | 'percentage')}>
            <option value="flat">{t('pricing.flat')}</option>
            <option value="percentage">{t('pricing.percentage')}</option>
          </select>
        )}
      </Field>
      <Field label={t('pricing.amount')} name="amount" error={errors.fields.amount} hint={kind === 'flat' ? t('pricing.flatHint') : t('pricing.percentageHint')}>
        {(p) => <input {...p} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />}
      </Field>
      <FormActions onCancel={onCancel} submitLabel={t('pricing.createItem')} disabled={result.fetching || !effectiveGroup} />
    </form>
  );
}
