import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { mapErrors } from '../api/errors';
import { CardTable } from '../components/CardTable';
import { DangerAction } from '../components/DangerAction';
import { CheckList, Field, FormActions, FormErrorMessage, NamedSelect, Notice } from '../components/Form';
import { ErrorState, ListStates, LoadingState } from '../components/States';
import { usePayerRoute } from '../components/usePayerRoute';
import { usePageTitle } from '../components/usePageTitle';
import {
  CreateCustomLineItemDocument,
  CreatePricingPlanDocument,
  CreatePricingRuleDocument,
  DeleteCustomLineItemDocument,
  DeletePricingPlanDocument,
  DeletePricingRuleDocument,
  PricingDocument,
  UpdateCustomLineItemDocument,
  UpdatePricingPlanDocument,
  UpdatePricingRuleDocument,
  type CustomLineItemChargeType,
  type CustomLineItemFieldsFragment,
  type PricingPlanBase,
  type PricingPlanFieldsFragment,
  type PricingRuleFieldsFragment,
  type PricingRuleScope,
  type PricingRuleType,
} from '../generated/graphql';
import { useI18n, type Translate } from '../i18n';
import {
  BILLING_ENTITIES,
  emptyItemForm,
  emptyPlanForm,
  emptyRuleForm,
  itemAmountProblem,
  itemCreateInput,
  itemFormOf,
  itemUpdateInput,
  periodRangeProblem,
  planCreateInput,
  planFormOf,
  planUpdateInput,
  ruleAmountProblem,
  ruleCreateInput,
  ruleFieldsShown,
  ruleFormOf,
  ruleScopeOf,
  ruleUpdateInput,
  type AmountProblem,
  type ItemForm as ItemFormState,
  type PlanForm as PlanFormState,
  type RuleForm as RuleFormState,
} from '../lib/billingForms';
import { formatMoney, roundDecimal } from '../lib/format';

type Editing =
  | { kind: 'rule'; rule: PricingRuleFieldsFragment | null }
  | { kind: 'plan'; plan: PricingPlanFieldsFragment | null }
  | { kind: 'item'; item: CustomLineItemFieldsFragment | null }
  | null;
type Removal = { kind: 'rule' | 'plan' | 'item'; id: string; name: string };
type GroupOption = { id: string; name: string; accountIds: string[] };

const SCOPES: PricingRuleScope[] = ['GLOBAL', 'SERVICE', 'BILLING_ENTITY', 'SKU'];
const TYPES: PricingRuleType[] = ['MARKUP', 'DISCOUNT', 'TIERING'];
const BASES: PricingPlanBase[] = ['LIST', 'UNBLENDED', 'NET_UNBLENDED', 'AMORTIZED'];

/** The text of an amount the browser refused before sending. */
export function amountMessage(t: Translate, problem: AmountProblem | null): string | undefined {
  if (!problem) return undefined;
  return t(`amount.${problem.kind}`, { max: problem.max ?? '' });
}

export function PricingPage() {
  const { t, lang } = useI18n();
  const { payerId, payer, can, result: payerResult, retry } = usePayerRoute();
  usePageTitle(payer ? t('pricing.title', { name: payer.name }) : t('nav.payers'));
  const [result, reexecute] = useQuery({ query: PricingDocument, variables: { payerId }, requestPolicy: 'network-only' });
  const [editing, setEditing] = useState<Editing>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [, deleteRule] = useMutation(DeletePricingRuleDocument);
  const [, deletePlan] = useMutation(DeletePricingPlanDocument);
  const [, deleteItem] = useMutation(DeleteCustomLineItemDocument);
  const reload = () => reexecute({ requestPolicy: 'network-only' });
  const data = result.data;
  const groups = data?.billingGroups ?? [];
  const groupName = new Map(groups.map((g) => [g.id, g.name]));
  const done = (text: string) => {
    setEditing(null);
    setNotice(text);
    reload();
  };
  const open = (next: Editing) => {
    setNotice(null);
    setEditing(next);
  };

  async function confirmRemove(removing: Removal) {
    const res =
      removing.kind === 'rule' ? await deleteRule({ id: removing.id }) : removing.kind === 'plan' ? await deletePlan({ id: removing.id }) : await deleteItem({ id: removing.id });
    if (res.data) {
      setNotice(t('pricing.deleted', { name: removing.name }));
      reload();
    }
    return res;
  }

  if (!payer) {
    if (payerResult.error) return <ErrorState error={payerResult.error} onRetry={retry} />;
    return <LoadingState />;
  }
  const rowActions = (kind: Removal['kind'], id: string, name: string, edit: () => void) =>
    can.operate && (
      <td>
        <div className="row-actions">
          <button type="button" className="small" aria-label={t('pricing.editNamed', { name })} onClick={edit}>
            {t('pricing.edit')}
          </button>
          <DangerAction
            small
            label={t('pricing.delete')}
            name={t('pricing.deleteNamed', { name })}
            title={t('pricing.deleteTitle', { name })}
            confirmLabel={t('pricing.delete')}
            onConfirm={() => confirmRemove({ kind, id, name })}
          >
            <p>{t(kind === 'plan' ? 'pricing.deletePlanBody' : kind === 'rule' ? 'pricing.deleteRuleBody' : 'pricing.deleteBody')}</p>
          </DangerAction>
        </div>
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
        {can.operate && editing === null && (
          <div className="row-actions">
            <button type="button" onClick={() => open({ kind: 'rule', rule: null })}>
              {t('pricing.newRule')}
            </button>
            <button type="button" onClick={() => open({ kind: 'plan', plan: null })}>
              {t('pricing.newPlan')}
            </button>
            <button type="button" onClick={() => open({ kind: 'item', item: null })}>
              {t('pricing.newItem')}
            </button>
          </div>
        )}
      </div>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {editing?.kind === 'rule' && (
        <RuleForm
          key={editing.rule?.id ?? 'new'}
          payerId={payerId}
          rule={editing.rule}
          onCancel={() => setEditing(null)}
          onDone={(n) => done(t(editing.rule ? 'pricing.ruleSaved' : 'pricing.ruleCreated', { name: n }))}
        />
      )}
      {editing?.kind === 'plan' && (
        <PlanForm
          key={editing.plan?.id ?? 'new'}
          payerId={payerId}
          plan={editing.plan}
          rules={data?.pricingRules ?? []}
          onCancel={() => setEditing(null)}
          onDone={(n) => done(t(editing.plan ? 'pricing.planSaved' : 'pricing.planCreated', { name: n }))}
        />
      )}
      {editing?.kind === 'item' && (
        <ItemForm
          key={editing.item?.id ?? 'new'}
          item={editing.item}
          groups={groups}
          items={data?.customLineItems ?? []}
          onCancel={() => setEditing(null)}
          onDone={(n) => done(t(editing.item ? 'pricing.itemSaved' : 'pricing.itemCreated', { name: n }))}
        />
      )}
      <ListStates loading={result.fetching && !data} error={result.error ?? null} empty={false} emptyText="" onRetry={reload}>
        <CardTable
          title={t('pricing.rules')}
          columns={[t('common.name'), t('pricing.scope'), t('pricing.type'), t('pricing.modifier'), can.operate && t('common.actions')]}
          empty={(data?.pricingRules.length ?? 0) === 0}
          emptyText={t('pricing.noRules')}
        >
          {data?.pricingRules.map((r) => (
            <tr key={r.id} data-testid="rule-row">
              <th scope="row">
                {r.name}
                {r.description && <div className="muted small">{r.description}</div>}
              </th>
              <td>
                {t(`ruleScope.${r.scope}`)} {r.service && <code>{r.service}</code>}
                {r.billingEntity && <code>{r.billingEntity}</code>}
                {r.usageType && <code>{r.usageType}</code>}
                {r.operation && <code>{r.operation}</code>}
              </td>
              <td>
                {t(`ruleType.${r.type}`)}
                {r.type === 'TIERING' && <span className="muted small"> ({t(r.freeTier === false ? 'pricing.freeTierOff' : 'pricing.freeTierOn')})</span>}
              </td>
              <td className="num">{r.type === 'TIERING' ? '—' : `${roundDecimal(r.modifierPercentage, 2)}%`}</td>
              {rowActions('rule', r.id, r.name, () => open({ kind: 'rule', rule: r }))}
            </tr>
          ))}
        </CardTable>
        <CardTable
          title={t('pricing.plans')}
          columns={[t('common.name'), t('pricing.base'), t('pricing.rules'), t('pricing.passes'), can.operate && t('common.actions')]}
          empty={(data?.pricingPlans.length ?? 0) === 0}
          emptyText={t('pricing.noPlans')}
        >
          {data?.pricingPlans.map((p) => (
            <tr key={p.id} data-testid="plan-row">
              <th scope="row">
                {p.name}
                {p.description && <div className="muted small">{p.description}</div>}
              </th>
              <td>{t(`planBase.${p.base}`)}</td>
              <td>{p.pricingRules.map((r) => r.name).join(', ') || '—'}</td>
              <td>
                {[p.passTax && t('pricing.passTax'), p.passCredits && t('pricing.passCredits'), p.passRefunds && t('pricing.passRefunds'), p.passPartnerDiscounts && t('pricing.passDiscounts')]
                  .filter(Boolean)
                  .join(', ') || '—'}
              </td>
              {rowActions('plan', p.id, p.name, () => open({ kind: 'plan', plan: p }))}
            </tr>
          ))}
        </CardTable>
        <CardTable
          title={t('pricing.items')}
          columns={[t('common.name'), t('billing.group'), t('pricing.chargeType'), t('pricing.amount'), t('pricing.periods'), can.operate && t('common.actions')]}
          empty={(data?.customLineItems.length ?? 0) === 0}
          emptyText={t('pricing.noItems')}
        >
          {data?.customLineItems.map((i) => (
            <tr key={i.id} data-testid="item-row">
              <th scope="row">
                {i.name}
                {i.description && <div className="muted small">{i.description}</div>}
              </th>
              <td>{groupName.get(i.billingGroupId) ?? i.billingGroupId}</td>
              <td>{t(`chargeType.${i.chargeType}`)}</td>
              <td className="num">
                {i.flatAmount !== null ? formatMoney(i.flatAmount, i.currency, lang) : i.percentage !== null ? `${roundDecimal(i.percentage, 2)}%` : '—'}
              </td>
              <td>
                {i.billingPeriodStart} – {i.billingPeriodEnd ? t('pricing.until', { end: i.billingPeriodEnd }) : t('pricing.recurring')}
              </td>
              {rowActions('item', i.id, i.name, () => open({ kind: 'item', item: i }))}
            </tr>
          ))}
        </CardTable>
      </ListStates>
    </section>
  );
}

const RULE_FIELDS = {
  name: 'name',
  description: 'description',
  scope: 'scope',
  type: 'type',
  modifierPercentage: 'modifier',
  service: 'service',
  billingEntity: 'billingEntity',
  usageType: 'usageType',
  operation: 'operation',
  freeTier: 'freeTier',
} as const;

function RuleForm({ payerId, rule, onCancel, onDone }: { payerId: string; rule: PricingRuleFieldsFragment | null; onCancel: () => void; onDone: (name: string) => void }) {
  const { t } = useI18n();
  const [form, setForm] = useState<RuleFormState>(() => (rule ? ruleFormOf(rule) : emptyRuleForm()));
  const [amountProblem, setAmountProblem] = useState<AmountProblem | null>(null);
  const [created, create] = useMutation(CreatePricingRuleDocument);
  const [updated, update] = useMutation(UpdatePricingRuleDocument);
  const errors = mapErrors(rule ? updated.error : created.error, RULE_FIELDS);
  const shown = ruleFieldsShown(form.scope, form.type);
  const set = (patch: Partial<RuleFormState>) => setForm({ ...form, ...patch });
  const fixed = rule !== null; // scope, type and what they select stay after creation

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem = ruleAmountProblem(form);
    setAmountProblem(problem);
    if (problem) return;
    const res = rule ? await update({ id: rule.id, input: ruleUpdateInput(rule, form) }) : await create({ input: ruleCreateInput(payerId, form) });
    const saved = res.data && ('updatePricingRule' in res.data ? res.data.updatePricingRule : res.data.createPricingRule);
    if (saved) onDone(saved.name);
  }

  const title = rule ? t('pricing.editRule', { name: rule.name }) : t('pricing.newRule');
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="rule-form-title" noValidate>
      <h2 id="rule-form-title">{title}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('common.name')} name="name" error={errors.fields.name} hint={t('billing.nameHint')}>
        {(p) => <input {...p} value={form.name} onChange={(e) => set({ name: e.target.value })} />}
      </Field>
      <Field label={t('pricing.description')} name="description" error={errors.fields.description}>
        {(p) => <input {...p} value={form.description} onChange={(e) => set({ description: e.target.value })} />}
      </Field>
      <Field label={t('pricing.type')} name="type" error={errors.fields.type} hint={fixed ? t('pricing.fixedHint') : undefined}>
        {(p) => (
          <select {...p} value={form.type} disabled={fixed} onChange={(e) => set({ type: e.target.value as PricingRuleType })}>
            {TYPES.map((x) => (
              <option key={x} value={x}>
                {t(`ruleType.${x}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('pricing.scope')} name="scope" error={errors.fields.scope} hint={shown.scope ? undefined : t('pricing.tieringScopeHint')}>
        {(p) => (
          <select {...p} value={ruleScopeOf(form.scope, form.type)} disabled={fixed || !shown.scope} onChange={(e) => set({ scope: e.target.value as PricingRuleScope })}>
            {SCOPES.map((s) => (
              <option key={s} value={s}>
                {t(`ruleScope.${s}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {shown.service && (
        <Field label={t('pricing.service')} name="service" error={errors.fields.service} hint={t('pricing.serviceHint')}>
          {(p) => <input {...p} value={form.service} disabled={fixed} onChange={(e) => set({ service: e.target.value })} />}
        </Field>
      )}
      {shown.billingEntity && (
        <Field label={t('pricing.billingEntity')} name="billingEntity" error={errors.fields.billingEntity}>
          {(p) => (
            <select {...p} value={form.billingEntity} disabled={fixed} onChange={(e) => set({ billingEntity: e.target.value })}>
              {BILLING_ENTITIES.map((b) => (
                <option key={b} value={b}>
                  {b}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      {shown.sku && (
        <>
          <Field label={t('pricing.usageType')} name="usageType" error={errors.fields.usageType} hint={t('pricing.usageTypeHint')}>
            {(p) => <input {...p} value={form.usageType} disabled={fixed} onChange={(e) => set({ usageType: e.target.value })} />}
          </Field>
          <Field label={t('pricing.operation')} name="operation" error={errors.fields.operation} hint={t('pricing.operationHint')}>
            {(p) => <input {...p} value={form.operation} disabled={fixed} onChange={(e) => set({ operation: e.target.value })} />}
          </Field>
        </>
      )}
      {shown.modifier && (
        <Field label={t('pricing.modifier')} name="modifier" error={amountMessage(t, amountProblem) ?? errors.fields.modifier} hint={t(form.type === 'DISCOUNT' ? 'pricing.discountHint' : 'pricing.modifierHint')}>
          {(p) => (
            <input
              {...p}
              inputMode="decimal"
              value={form.modifier}
              onChange={(e) => {
                setAmountProblem(null);
                set({ modifier: e.target.value });
              }}
            />
          )}
        </Field>
      )}
      {shown.freeTier && (
        <div className={errors.fields.freeTier ? 'field field-invalid' : 'field'}>
          <label className="check">
            <input type="checkbox" checked={form.freeTier} onChange={(e) => set({ freeTier: e.target.checked })} /> {t('pricing.freeTier')}
          </label>
          <p className="field-hint">{t('pricing.freeTierHint')}</p>
          {errors.fields.freeTier && <p className="field-error">{t('error.fieldLine', { label: t('pricing.freeTier'), detail: errors.fields.freeTier })}</p>}
        </div>
      )}
      <FormActions onCancel={onCancel} submitLabel={rule ? t('common.save') : t('pricing.createRule')} disabled={created.fetching || updated.fetching} />
    </form>
  );
}

function PlanForm({
  payerId,
  plan,
  rules,
  onCancel,
  onDone,
}: {
  payerId: string;
  plan: PricingPlanFieldsFragment | null;
  rules: PricingRuleFieldsFragment[];
  onCancel: () => void;
  onDone: (name: string) => void;
}) {
  const { t } = useI18n();
  const [form, setForm] = useState<PlanFormState>(() => (plan ? planFormOf(plan) : emptyPlanForm()));
  const [created, create] = useMutation(CreatePricingPlanDocument);
  const [updated, update] = useMutation(UpdatePricingPlanDocument);
  const errors = mapErrors(plan ? updated.error : created.error, { name: 'name', description: 'description', base: 'base', pricingRuleIds: 'rules' } as const);
  const set = (patch: Partial<PlanFormState>) => setForm({ ...form, ...patch });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const res = plan ? await update({ id: plan.id, input: planUpdateInput(plan, form) }) : await create({ input: planCreateInput(payerId, form) });
    const saved = res.data && ('updatePricingPlan' in res.data ? res.data.updatePricingPlan : res.data.createPricingPlan);
    if (saved) onDone(saved.name);
  }

  const passLabels = { passTax: t('pricing.passTax'), passCredits: t('pricing.passCredits'), passRefunds: t('pricing.passRefunds'), passPartnerDiscounts: t('pricing.passDiscounts') };
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="plan-form-title" noValidate>
      <h2 id="plan-form-title">{plan ? t('pricing.editPlan', { name: plan.name }) : t('pricing.newPlan')}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('common.name')} name="name" error={errors.fields.name} hint={t('billing.nameHint')}>
        {(p) => <input {...p} value={form.name} onChange={(e) => set({ name: e.target.value })} />}
      </Field>
      <Field label={t('pricing.description')} name="description" error={errors.fields.description}>
        {(p) => <input {...p} value={form.description} onChange={(e) => set({ description: e.target.value })} />}
      </Field>
      <Field label={t('pricing.base')} name="base" error={errors.fields.base}>
        {(p) => (
          <select {...p} value={form.base} onChange={(e) => set({ base: e.target.value as PricingPlanBase })}>
            {BASES.map((b) => (
              <option key={b} value={b}>
                {t(`planBase.${b}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <CheckList
        legend={t('pricing.rules')}
        options={rules.map((r) => ({ id: r.id, label: r.name }))}
        selected={form.ruleIds}
        onChange={(ids) => set({ ruleIds: ids })}
        error={errors.fields.rules}
        emptyText={t('pricing.noRules')}
      />
      <fieldset className="field checks">
        <legend>{t('pricing.passes')}</legend>
        {(Object.keys(passLabels) as (keyof typeof passLabels)[]).map((key) => (
          <label key={key} className="check">
            <input type="checkbox" checked={form[key]} onChange={(e) => set({ [key]: e.target.checked })} /> {passLabels[key]}
          </label>
        ))}
      </fieldset>
      <FormActions onCancel={onCancel} submitLabel={plan ? t('common.save') : t('pricing.createPlan')} disabled={created.fetching || updated.fetching} />
    </form>
  );
}

const ITEM_FIELDS = {
  billingGroupId: 'group',
  name: 'name',
  description: 'description',
  chargeType: 'chargeType',
  flatAmount: 'amount',
  percentage: 'amount',
  billingPeriodStart: 'start',
  billingPeriodEnd: 'end',
  linkedAccountId: 'linkedAccountId',
  childItemIds: 'children',
  excludeSavingsPlanNegation: 'excludeSavingsPlanNegation',
} as const;

function ItemForm({
  item,
  groups,
  items,
  onCancel,
  onDone,
}: {
  item: CustomLineItemFieldsFragment | null;
  groups: GroupOption[];
  items: CustomLineItemFieldsFragment[];
  onCancel: () => void;
  onDone: (name: string) => void;
}) {
  const { t } = useI18n();
  const [form, setForm] = useState<ItemFormState>(() => (item ? itemFormOf(item) : emptyItemForm(groups[0]?.id ?? '')));
  const [local, setLocal] = useState<{ amount?: string; end?: string }>({});
  const [created, create] = useMutation(CreateCustomLineItemDocument);
  const [updated, update] = useMutation(UpdateCustomLineItemDocument);
  const errors = mapErrors(item ? updated.error : created.error, ITEM_FIELDS);
  const set = (patch: Partial<ItemFormState>) => setForm({ ...form, ...patch });
  const fixed = item !== null; // group, kind, charge type and linked account stay after creation
  const group = groups.find((g) => g.id === form.billingGroupId);
  // A percentage item may be a percentage of FLAT items of its group.
  const flatSiblings = items.filter((i) => i.billingGroupId === form.billingGroupId && i.flatAmount !== null && i.id !== item?.id);
  const percentage = form.kind === 'percentage';

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems = {
      amount: amountMessage(t, itemAmountProblem(form)),
      end: periodRangeProblem(form.start, form.end) ? t('pricing.endAfterStart') : undefined,
    };
    setLocal(problems);
    if (problems.amount || problems.end) return;
    const res = item ? await update({ id: item.id, input: itemUpdateInput(item, form) }) : await create({ input: itemCreateInput(form) });
    const saved = res.data && ('updateCustomLineItem' in res.data ? res.data.updateCustomLineItem : res.data.createCustomLineItem);
    if (saved) onDone(saved.name);
  }

  if (groups.length === 0) return <p className="state">{t('pricing.itemNeedsGroup')}</p>;
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="item-form-title" noValidate>
      <h2 id="item-form-title">{item ? t('pricing.editItem', { name: item.name }) : t('pricing.newItem')}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('billing.group')} name="group" error={errors.fields.group}>
        {(p) => (
          <NamedSelect
            props={{ ...p, ...(fixed ? { disabled: true } : {}) }}
            value={form.billingGroupId}
            onChange={(id) => set({ billingGroupId: id, linkedAccountId: '', childItemIds: [] })}
            options={groups}
          />
        )}
      </Field>
      <Field label={t('common.name')} name="name" error={errors.fields.name} hint={t('billing.nameHint')}>
        {(p) => <input {...p} value={form.name} onChange={(e) => set({ name: e.target.value })} />}
      </Field>
      <Field label={t('pricing.description')} name="description" error={errors.fields.description}>
        {(p) => <input {...p} value={form.description} onChange={(e) => set({ description: e.target.value })} />}
      </Field>
      <Field label={t('pricing.chargeType')} name="chargeType" error={errors.fields.chargeType}>
        {(p) => (
          <select {...p} value={form.chargeType} disabled={fixed} onChange={(e) => set({ chargeType: e.target.value as CustomLineItemChargeType })}>
            <option value="FEE">{t('chargeType.FEE')}</option>
            <option value="CREDIT">{t('chargeType.CREDIT')}</option>
          </select>
        )}
      </Field>
      <Field label={t('pricing.amountKind')} name="kind" hint={fixed ? t('pricing.kindFixedHint') : undefined}>
        {(p) => (
          <select {...p} value={form.kind} disabled={fixed} onChange={(e) => set({ kind: e.target.value as 'flat' | 'percentage', childItemIds: [] })}>
            <option value="flat">{t('pricing.flat')}</option>
            <option value="percentage">{t('pricing.percentage')}</option>
          </select>
        )}
      </Field>
      <Field label={t('pricing.amount')} name="amount" error={local.amount ?? errors.fields.amount} hint={percentage ? t('pricing.percentageHint') : t('pricing.flatHint')}>
        {(p) => (
          <input
            {...p}
            inputMode="decimal"
            value={form.amount}
            onChange={(e) => {
              setLocal({ ...local, amount: undefined });
              set({ amount: e.target.value });
            }}
          />
        )}
      </Field>
      {percentage && (
        <CheckList
          legend={t('pricing.percentageOf')}
          hint={t('pricing.percentageOfHint')}
          options={flatSiblings.map((i) => ({ id: i.id, label: i.name }))}
          selected={form.childItemIds}
          onChange={(ids) => set({ childItemIds: ids })}
          error={errors.fields.children}
          emptyText={t('pricing.noFlatItems')}
        />
      )}
      {percentage && form.childItemIds.length === 0 && (
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={form.excludeSavingsPlanNegation} onChange={(e) => set({ excludeSavingsPlanNegation: e.target.checked })} />{' '}
            {t('pricing.excludeSpNegation')}
          </label>
        </div>
      )}
      <Field label={t('pricing.start')} name="start" error={errors.fields.start} hint={t('pricing.startHint')}>
        {(p) => <input {...p} type="month" value={form.start} onChange={(e) => set({ start: e.target.value })} />}
      </Field>
      <Field label={t('pricing.end')} name="end" error={local.end ?? errors.fields.end} hint={t('pricing.endHint')}>
        {(p) => (
          <input
            {...p}
            type="month"
            value={form.end}
            onChange={(e) => {
              setLocal({ ...local, end: undefined });
              set({ end: e.target.value });
            }}
          />
        )}
      </Field>
      <Field label={t('pricing.linkedAccount')} name="linkedAccountId" error={errors.fields.linkedAccountId} hint={t('pricing.linkedAccountHint')}>
        {(p) => (
          <select {...p} value={form.linkedAccountId} disabled={fixed} onChange={(e) => set({ linkedAccountId: e.target.value })}>
            <option value="">{t('pricing.primaryAccount')}</option>
            {(group?.accountIds ?? (form.linkedAccountId ? [form.linkedAccountId] : [])).map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        )}
      </Field>
      <FormActions onCancel={onCancel} submitLabel={item ? t('common.save') : t('pricing.createItem')} disabled={created.fetching || updated.fetching || !form.billingGroupId} />
    </form>
  );
}
