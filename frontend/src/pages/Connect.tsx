import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useClient, useMutation } from 'urql';
import { mapErrors } from '../api/errors';
import { usePagedList } from '../api/usePagedList';
import { useMe } from '../auth/MeProvider';
import { DangerAction } from '../components/DangerAction';
import { ExportChecks } from '../components/ExportChecks';
import { Field, FormErrorMessage, Notice } from '../components/Form';
import { HealthBadge } from '../components/HealthBadge';
import { WatchedJob } from '../components/JobStatus';
import { PayerStatusBadge } from '../components/PayerStatusBadge';
import { EmptyState, ErrorState, LoadingState } from '../components/States';
import { usePageTitle } from '../components/usePageTitle';
import {
  CheckPayerConnectionDocument,
  CostExportValidationDocument,
  PayerDocument,
  RefreshOptimizationInsightsDocument,
  RegisterPayerDocument,
  RemovePayerDocument,
  SelectCostExportDocument,
  TenantPayersDocument,
  ValidateCostExportsDocument,
  type CostExportValidationFieldsFragment,
  type JobFieldsFragment,
  type PayerFieldsFragment,
} from '../generated/graphql';
import { useI18n, type MessageKey } from '../i18n';
import {
  CONNECTION_POLL_MS,
  DEPLOY_PERMISSIONS,
  connectTenants,
  deployPolicy,
  isAccountId,
  resumeStep,
  roleArnFor,
  stepStates,
  wizardPayer,
  WIZARD_STEPS,
  type WizardStep,
} from '../lib/connect';
import { formatDateTime } from '../lib/format';
import { exportsInOrder } from '../lib/onboarding';

type Export = CostExportValidationFieldsFragment['exports'][number];

const EXPORT_KINDS: Record<string, MessageKey> = { CUR_2: 'exportKind.CUR_2', CUR2: 'exportKind.CUR_2', LEGACY_CUR: 'exportKind.LEGACY_CUR', FOCUS: 'exportKind.FOCUS', OTHER: 'exportKind.OTHER' };

/**
 * /connect: a customer admin connects their own AWS management account, step by step: the
 * account id (registerPayer on their own tenant), the CloudFormation stack with their ExternalId
 * and the wait for the connection (the server checks it on its own; the page asks about the payer
 * every few seconds and moves on), the cost exports validated, one picked, confirmed, and
 * optionally the savings insights. Opening it again continues where the customer left off.
 * An admin of several customers first chooses which one (`?tenant=`); each resumes on its own.
 */
export function ConnectPage({ pollMs = CONNECTION_POLL_MS }: { pollMs?: number }) {
  const { t } = useI18n();
  usePageTitle(t('connect.title'));
  const { me } = useMe();
  const tenants = connectTenants(me.memberships);
  const [params, setParams] = useSearchParams();
  const tenant = tenants.length === 1 ? tenants[0] : (tenants.find((x) => x.id === params.get('tenant')) ?? null);
  return (
    <section aria-labelledby="connect-title">
      <div className="page-head">
        <div>
          <h1 id="connect-title">{t('connect.title')}</h1>
          <p className="intro">{t('connect.intro')}</p>
        </div>
      </div>
      {tenants.length === 0 ? (
        <EmptyState>{t('connect.adminsOnly')}</EmptyState>
      ) : !tenant ? (
        <TenantChoice tenants={tenants} onChoose={(id) => setParams({ tenant: id })} />
      ) : (
        <>
          {tenants.length > 1 && (
            <p className="connect-tenant" data-testid="connect-tenant">
              <strong>{t('connect.tenant.current', { name: tenant.name })}</strong>{' '}
              <button type="button" className="link" onClick={() => setParams({})}>
                {t('connect.tenant.change')}
              </button>
            </p>
          )}
          <Wizard key={tenant.id} tenantId={tenant.id} pollMs={pollMs} />
        </>
      )}
    </section>
  );
}

/** For an admin of several customers: which one to connect, by name. */
function TenantChoice({ tenants, onChoose }: { tenants: { id: string; name: string }[]; onChoose: (id: string) => void }) {
  const { t } = useI18n();
  return (
    <div className="card" role="region" aria-labelledby="connect-tenant-title" data-testid="connect-tenants">
      <h2 id="connect-tenant-title">{t('connect.tenant.title')}</h2>
      <p>{t('connect.tenant.body')}</p>
      <ul className="plain">
        {tenants.map((x) => (
          <li key={x.id}>
            <button type="button" onClick={() => onChoose(x.id)}>
              {x.name}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Wizard({ tenantId, pollMs }: { tenantId: string; pollMs: number }) {
  const client = useClient();
  const payers = usePagedList(TenantPayersDocument, (d) => d.payers, { all: true, variables: { tenantId } });
  const [step, setStep] = useState<WizardStep | null>(null);
  const [payer, setPayer] = useState<PayerFieldsFragment | null>(null);
  const [validation, setValidation] = useState<CostExportValidationFieldsFragment | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [justConnected, setJustConnected] = useState(false);
  const [resumeError, setResumeError] = useState<Parameters<typeof ErrorState>[0]['error']>(null);

  // Where to continue, once the tenant's payers (and a connected payer's last validation) are known.
  useEffect(() => {
    if (payers.loading || payers.error || step !== null) return;
    const found = wizardPayer(payers.nodes);
    if (!found || found.status !== 'CONNECTED') {
      setPayer(found);
      setStep(resumeStep(found, null));
      return;
    }
    let stale = false;
    void client
      .query(CostExportValidationDocument, { payerId: found.id }, { requestPolicy: 'network-only' })
      .toPromise()
      .then((res) => {
        if (stale) return;
        if (res.error) return setResumeError(res.error);
        const last = res.data?.costExportValidation ?? null;
        setPayer(found);
        setValidation(last);
        setChosen(last?.selectedExport ?? null);
        setStep(resumeStep(found, last));
      });
    return () => {
      stale = true;
    };
  }, [client, payers.loading, payers.error, payers.nodes, step]);

  if (payers.error) return <ErrorState error={payers.error} onRetry={payers.reload} />;
  if (resumeError) return <ErrorState error={resumeError} />;
  if (step === null) return <LoadingState />;
  return (
    <>
      <Stepper current={step} />
      {step === 'account' && (
        <AccountStep
          tenantId={tenantId}
          onRegistered={(p) => {
            setPayer(p);
            setStep('deploy');
          }}
        />
      )}
      {step === 'deploy' && payer && (
        <DeployStep
          payer={payer}
          pollMs={pollMs}
          onPayer={setPayer}
          onConnected={(p) => {
            setPayer(p);
            setJustConnected(true);
            setStep('export');
          }}
          onRemoved={() => {
            setPayer(null);
            setStep('account');
          }}
        />
      )}
      {step === 'export' && payer && (
        <ExportStep
          payer={payer}
          connectedNow={justConnected}
          chosen={chosen}
          onChoose={setChosen}
          onValidated={setValidation}
          onContinue={() => setStep('confirm')}
        />
      )}
      {step === 'confirm' && payer && validation && chosen && (
        <ConfirmStep
          payer={payer}
          exp={validation.exports.find((x) => x.name === chosen) ?? null}
          exportName={chosen}
          onBack={() => setStep('export')}
          onConfirmed={(v) => {
            setValidation(v);
            setStep('insights');
          }}
        />
      )}
      {step === 'insights' && payer && <InsightsStep payer={payer} onDone={() => setStep('done')} />}
      {step === 'done' && payer && <Done payer={payer} exportName={validation?.selectedExport ?? chosen} />}
    </>
  );
}

const STEP_LABEL: Record<(typeof WIZARD_STEPS)[number], MessageKey> = {
  account: 'connect.step.account',
  deploy: 'connect.step.deploy',
  export: 'connect.step.export',
  confirm: 'connect.step.confirm',
  insights: 'connect.step.insights',
};

/** The steps, with where the customer is. */
function Stepper({ current }: { current: WizardStep }) {
  const { t } = useI18n();
  return (
    <ol className="wizard-steps" aria-label={t('connect.steps')}>
      {stepStates(current).map(({ step, state }, i) => (
        <li key={step} className={`wizard-step ${state}`} aria-current={state === 'current' ? 'step' : undefined} data-testid="wizard-step" data-state={state}>
          <span className="wizard-step-mark" aria-hidden="true">
            {state === 'done' ? '✓' : i + 1}
          </span>{' '}
          {t(STEP_LABEL[step])}
          {state === 'done' && <span className="sr-only"> {t('connect.stepDone')}</span>}
        </li>
      ))}
    </ol>
  );
}

const REGISTER_FIELDS = { accountId: 'accountId', name: 'name', tenantId: 'tenantId', roleArn: 'accountId' } as const;

/** Step 1: the management account's id (and a name), registered on the customer's own tenant. */
function AccountStep({ tenantId, onRegistered }: { tenantId: string; onRegistered: (p: PayerFieldsFragment) => void }) {
  const { t } = useI18n();
  const [accountId, setAccountId] = useState('');
  const [name, setName] = useState('');
  const [local, setLocal] = useState<string | null>(null);
  const [result, register] = useMutation(RegisterPayerDocument);
  const errors = mapErrors(result.error, REGISTER_FIELDS);
  // VALIDATION on tenantId: the customer may not connect an account (no active contract).
  const refused = errors.fields.tenantId;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const id = accountId.trim();
    if (!isAccountId(id)) return setLocal(t('connect.account.invalid'));
    setLocal(null);
    const res = await register({ input: { tenantId, accountId: id, name: name.trim() || t('connect.account.defaultName', { id }), roleArn: roleArnFor(id) } });
    if (res.data?.registerPayer) onRegistered(res.data.registerPayer);
  }

  return (
    <form className="card form" onSubmit={submit} aria-labelledby="connect-account-title" noValidate>
      <h2 id="connect-account-title">{t('connect.account.title')}</h2>
      <p>{t('connect.account.body')}</p>
      {refused ? (
        <div className="form-error" role="alert" data-testid="connect-refused">
          <strong>{t('connect.account.refused')}</strong> <span className="detail">{refused}</span>
          <p>{t('connect.account.refusedNext')}</p>
        </div>
      ) : (
        <FormErrorMessage error={errors.form} />
      )}
      <Field label={t('connect.account.id')} name="accountId" error={local ?? errors.fields.accountId} hint={t('connect.account.idHint')}>
        {(p) => <input {...p} inputMode="numeric" autoComplete="off" value={accountId} onChange={(e) => setAccountId(e.target.value)} />}
      </Field>
      <Field label={t('connect.account.name')} name="name" error={errors.fields.name} hint={t('connect.account.nameHint')}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <div className="actions">
        <button type="submit" className="primary" disabled={result.fetching || !!refused}>
          {result.fetching ? t('connect.account.submitting') : t('connect.account.submit')}
        </button>
      </div>
    </form>
  );
}

/** A value with a copy button (falls back to selecting it). */
function CopyValue({ label, value, testId, multiline }: { label: string; value: string; testId: string; multiline?: boolean }) {
  const { t } = useI18n();
  const field = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  async function run() {
    try {
      await navigator.clipboard.writeText(value);
      setCopy('copied');
    } catch {
      field.current?.select();
      setCopy('failed');
    }
  }
  return (
    <div className="copy-value">
      <Field label={label} name={testId}>
        {(p) =>
          multiline ? (
            <textarea {...p} ref={field} readOnly rows={Math.min(value.split('\n').length, 14)} className="mono" value={value} data-testid={testId} />
          ) : (
            <input {...p} ref={field} readOnly className="mono" value={value} data-testid={testId} onFocus={(e) => e.target.select()} />
          )
        }
      </Field>
      <button type="button" className="small" aria-label={t('connect.copyNamed', { name: label })} onClick={() => void run()}>
        {copy === 'copied' ? t('connect.copied') : t('connect.copy')}
      </button>
      {copy === 'failed' && <p role="alert">{t('connect.copyFailed')}</p>}
      {copy === 'copied' && (
        <p className="sr-only" role="status">
          {t('connect.copied')}
        </p>
      )}
    </div>
  );
}

/**
 * Step 2: the quick-create link with the ExternalId, the IAM permissions the deploying person
 * needs, and the wait: the server checks the connection on its own; this asks about the payer
 * every `pollMs` and moves on once it is CONNECTED. "Check now" is a shortcut, not the way on.
 * While the payer is not connected (a wrong account id never connects), "Use another account id"
 * removes the registration (removePayer, after a confirmation) and goes back to the account id.
 */
function DeployStep({
  payer,
  pollMs,
  onPayer,
  onConnected,
  onRemoved,
}: {
  payer: PayerFieldsFragment;
  pollMs: number;
  onPayer: (p: PayerFieldsFragment) => void;
  onConnected: (p: PayerFieldsFragment) => void;
  onRemoved: () => void;
}) {
  const { t, lang } = useI18n();
  const client = useClient();
  const [checked, check] = useMutation(CheckPayerConnectionDocument);
  const [, remove] = useMutation(RemovePayerDocument);
  const callbacks = useRef({ onPayer, onConnected, onRemoved });
  callbacks.current = { onPayer, onConnected, onRemoved };

  // On an error the dialog stays open and shows it; nothing else changes.
  async function removeRegistration() {
    const res = await remove({ id: payer.id });
    if (res.data?.removePayer) callbacks.current.onRemoved();
    return res;
  }

  useEffect(() => {
    if (payer.status === 'CONNECTED') callbacks.current.onConnected(payer);
  }, [payer]);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const res = await client.query(PayerDocument, { id: payer.id }, { requestPolicy: 'network-only' }).toPromise();
      if (stopped) return;
      const now = res.data?.payer;
      if (now) callbacks.current.onPayer(now);
      if (now?.status !== 'CONNECTED') timer = setTimeout(() => void poll(), pollMs);
    };
    timer = setTimeout(() => void poll(), pollMs);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, payer.id, pollMs]);

  return (
    <div className="card" aria-labelledby="connect-deploy-title" role="region">
      <h2 id="connect-deploy-title">{t('connect.deploy.title', { id: payer.accountId })}</h2>
      <ol className="connect-howto">
        <li>
          <p>{t('connect.deploy.signIn', { id: payer.accountId })}</p>
        </li>
        <li>
          {payer.cloudFormationQuickCreateUrl ? (
            <p>
              <a className="button primary" href={payer.cloudFormationQuickCreateUrl} target="_blank" rel="noreferrer" data-testid="quick-create">
                {t('connect.deploy.quickCreate')}
              </a>{' '}
              <span className="muted small">{t('dashboardLink.newTab')}</span>
            </p>
          ) : (
            <p data-testid="no-quick-create">{t('connect.deploy.noQuickCreate')}</p>
          )}
          <p className="small">{t('connect.deploy.acknowledge')}</p>
        </li>
        <li>
          <p>{t('connect.deploy.externalIdIntro')}</p>
          <CopyValue label={t('connect.deploy.externalId')} value={payer.externalId} testId="external-id" />
          <p className="muted small">
            {t('connect.deploy.roleArn')} <code data-testid="role-arn">{payer.roleArn}</code>
          </p>
        </li>
      </ol>
      <Permissions accountId={payer.accountId} />
      <div className="connect-wait" role="status" aria-live="polite" data-testid="connection-wait">
        <h3>{t('connect.wait.title')}</h3>
        <p>
          <PayerStatusBadge payer={payer} /> <span className="spinner" aria-hidden="true" /> {t('connect.wait.body')}
        </p>
        {payer.statusReason && (
          <p className="small" data-testid="status-reason">
            {t('connect.wait.reason', { reason: payer.statusReason })}
          </p>
        )}
        <p className="muted small">
          {payer.lastCheckedAt ? t('connect.wait.lastChecked', { at: formatDateTime(payer.lastCheckedAt, lang) }) : t('connect.wait.notChecked')} ·{' '}
          <button
            type="button"
            className="link"
            disabled={checked.fetching}
            onClick={() =>
              void check({ id: payer.id }).then((res) => {
                if (res.data?.checkPayerConnection) callbacks.current.onPayer(res.data.checkPayerConnection);
              })
            }
          >
            {checked.fetching ? t('connect.wait.checking') : t('connect.wait.checkNow')}
          </button>
        </p>
        {checked.error && <FormErrorMessage error={mapErrors(checked.error, {}).form} />}
      </div>
      {payer.status !== 'CONNECTED' && (
        <div className="connect-restart" data-testid="connect-restart">
          <p className="muted small">{t('connect.restart.intro')}</p>
          <DangerAction
            small
            label={t('connect.restart.action')}
            title={t('connect.restart.title', { id: payer.accountId })}
            confirmLabel={t('connect.restart.confirm')}
            onConfirm={removeRegistration}
          >
            <p>{t('connect.restart.body', { id: payer.accountId })}</p>
          </DangerAction>
        </div>
      )}
    </div>
  );
}

/** The IAM permissions the person deploying the stack needs, and the same as a policy to copy. */
function Permissions({ accountId }: { accountId: string }) {
  const { t } = useI18n();
  const groups: [MessageKey, readonly string[]][] = [
    ['connect.permissions.cloudformation', DEPLOY_PERMISSIONS.cloudformation],
    ['connect.permissions.iam', DEPLOY_PERMISSIONS.iam],
    ['connect.permissions.rollback', DEPLOY_PERMISSIONS.rollback],
  ];
  return (
    <section className="connect-permissions" aria-labelledby="connect-permissions-title" data-testid="deploy-permissions">
      <h3 id="connect-permissions-title">{t('connect.permissions.title')}</h3>
      <p>{t('connect.permissions.intro')}</p>
      {groups.map(([label, actions]) => (
        <div key={label}>
          <p className="small">
            <strong>{t(label)}</strong>
          </p>
          <ul className="plain permission-list">
            {actions.map((a) => (
              <li key={a}>
                <code data-testid="permission">{a}</code>
              </li>
            ))}
          </ul>
        </div>
      ))}
      <p className="small">{t('connect.permissions.capability')}</p>
      <details>
        <summary>{t('connect.permissions.asPolicy')}</summary>
        <CopyValue label={t('connect.permissions.policy')} value={deployPolicy(accountId)} testId="deploy-policy" multiline />
      </details>
    </section>
  );
}

/**
 * Step 3: the account's cost exports, found and validated on arrival (validateCostExports), each
 * with its checks' reasons and fixes; the customer picks a valid one.
 */
function ExportStep({
  payer,
  connectedNow,
  chosen,
  onChoose,
  onValidated,
  onContinue,
}: {
  payer: PayerFieldsFragment;
  connectedNow: boolean;
  chosen: string | null;
  onChoose: (name: string | null) => void;
  onValidated: (v: CostExportValidationFieldsFragment) => void;
  onContinue: () => void;
}) {
  const { t, lang } = useI18n();
  const [validated, validate] = useMutation(ValidateCostExportsDocument);
  const [validation, setValidation] = useState<CostExportValidationFieldsFragment | null>(null);
  const callbacks = useRef({ onValidated, onChoose, chosen });
  callbacks.current = { onValidated, onChoose, chosen };

  const run = useRef(async () => {});
  run.current = async () => {
    const res = await validate({ payerId: payer.id });
    const v = res.data?.validateCostExports;
    if (!v) return;
    setValidation(v);
    callbacks.current.onValidated(v);
    // Keep a choice that is still valid; else the selected export, else the only valid one.
    const valid = v.exports.filter((x) => x.valid).map((x) => x.name);
    const keep = callbacks.current.chosen && valid.includes(callbacks.current.chosen) ? callbacks.current.chosen : null;
    callbacks.current.onChoose(keep ?? (v.selectedExport && valid.includes(v.selectedExport) ? v.selectedExport : valid.length === 1 ? valid[0] : null));
  };
  useEffect(() => {
    void run.current();
  }, []);

  const exports = validation ? exportsInOrder(validation, validation.exports) : [];
  return (
    <div className="card" role="region" aria-labelledby="connect-export-title">
      {connectedNow && (
        <Notice>
          <span data-testid="connected-notice">{t('connect.connected', { id: payer.accountId })}</span>
        </Notice>
      )}
      <div className="page-head">
        <h2 id="connect-export-title">
          {t('connect.export.title')} {validation && <HealthBadge health={validation.health} />}
        </h2>
        <button type="button" disabled={validated.fetching} onClick={() => void run.current()}>
          {validated.fetching ? t('exports.validating') : t('connect.export.again')}
        </button>
      </div>
      <p>{t('connect.export.intro')}</p>
      {validated.error && <FormErrorMessage error={mapErrors(validated.error, {}).form} />}
      {!validation ? (
        validated.fetching ? <LoadingState label={t('connect.export.looking')} /> : null
      ) : (
        <div data-testid="connect-validation">
          <p className="muted small">
            {t('exports.checkedAt', { at: formatDateTime(validation.checkedAt, lang) })}
            {validation.reason && ` · ${validation.reason}`}
          </p>
          {exports.length === 0 ? (
            <>
              <EmptyState>{t('exports.none')}</EmptyState>
              <p>{t('connect.export.noneNext')}</p>
            </>
          ) : (
            <fieldset className="field choice">
              <legend>{t('connect.export.pick')}</legend>
              {exports.map((x) => (
                <ExportChoice key={x.arnOrName} x={x} chosen={chosen === x.name} onChoose={() => onChoose(x.name)} />
              ))}
            </fieldset>
          )}
        </div>
      )}
      <div className="actions">
        <button type="button" className="primary" disabled={!chosen || !validation} onClick={onContinue}>
          {t('connect.export.continue')}
        </button>
      </div>
    </div>
  );
}

function ExportChoice({ x, chosen, onChoose }: { x: Export; chosen: boolean; onChoose: () => void }) {
  const { t } = useI18n();
  return (
    <div className="export" data-testid="export">
      <label>
        <input type="radio" name="export" checked={chosen} disabled={!x.valid} onChange={onChoose} /> <strong>{x.name}</strong>{' '}
        <span className="muted">{x.kind in EXPORT_KINDS ? t(EXPORT_KINDS[x.kind]) : x.kind}</span>{' '}
        {x.valid ? <span className="badge status-on">✓ {t('exports.valid')}</span> : <span className="badge status-off">✕ {t('exports.invalid')}</span>}
      </label>
      <ExportChecks x={x} />
    </div>
  );
}

/** Step 4: what will be connected and what happens next; Confirm makes ingestion read the export. */
function ConfirmStep({
  payer,
  exp,
  exportName,
  onBack,
  onConfirmed,
}: {
  payer: PayerFieldsFragment;
  exp: Export | null;
  exportName: string;
  onBack: () => void;
  onConfirmed: (v: CostExportValidationFieldsFragment) => void;
}) {
  const { t } = useI18n();
  const [result, select] = useMutation(SelectCostExportDocument);
  return (
    <div className="card" role="region" aria-labelledby="connect-confirm-title">
      <h2 id="connect-confirm-title">{t('connect.confirm.title')}</h2>
      <dl className="facts" data-testid="connect-summary">
        <dt>{t('connect.confirm.account')}</dt>
        <dd>
          <code>{payer.accountId}</code> ({payer.name})
        </dd>
        <dt>{t('connect.confirm.role')}</dt>
        <dd>
          <code>{payer.roleArn}</code>
        </dd>
        <dt>{t('connect.confirm.export')}</dt>
        <dd>
          <strong>{exportName}</strong>
          {exp?.bucket && (
            <>
              {' '}
              <code>{`s3://${exp.bucket}/${exp.prefix ?? ''}`}</code>
            </>
          )}
        </dd>
      </dl>
      <h3>{t('connect.confirm.next')}</h3>
      <ul>
        <li>{t('connect.confirm.next1')}</li>
        <li>{t('connect.confirm.next2')}</li>
        <li>{t('connect.confirm.next3')}</li>
      </ul>
      {result.error && <FormErrorMessage error={mapErrors(result.error, {}).form} />}
      <div className="actions">
        <button type="button" onClick={onBack}>
          {t('connect.back')}
        </button>
        <button
          type="button"
          className="primary"
          disabled={result.fetching}
          onClick={() =>
            void select({ payerId: payer.id, exportName }).then((res) => {
              if (res.data?.selectCostExport) onConfirmed(res.data.selectCostExport);
            })
          }
        >
          {t('connect.confirm.submit')}
        </button>
      </div>
    </div>
  );
}

/** Step 5 (optional): the first pull of Cost Optimization Hub's recommendations, or Skip. */
function InsightsStep({ payer, onDone }: { payer: PayerFieldsFragment; onDone: () => void }) {
  const { t } = useI18n();
  const [result, refresh] = useMutation(RefreshOptimizationInsightsDocument);
  const [job, setJob] = useState<JobFieldsFragment | null>(null);
  const [finished, setFinished] = useState(false);
  return (
    <div className="card" role="region" aria-labelledby="connect-insights-title">
      <h2 id="connect-insights-title">{t('connect.insights.title')}</h2>
      <p>{t('connect.insights.body')}</p>
      <p className="muted small">{t('connect.insights.hub')}</p>
      {result.error && <FormErrorMessage error={mapErrors(result.error, {}).form} />}
      {job && <WatchedJob key={job.id} job={job} title={t('connect.insights.job')} details={false} onFinished={() => setFinished(true)} />}
      <div className="actions">
        {job ? (
          <button type="button" className="primary" onClick={onDone}>
            {finished ? t('connect.finish') : t('connect.insights.continue')}
          </button>
        ) : (
          <>
            <button type="button" onClick={onDone}>
              {t('connect.insights.skip')}
            </button>
            <button
              type="button"
              className="primary"
              disabled={result.fetching}
              onClick={() =>
                void refresh({ payerId: payer.id }).then((res) => {
                  if (res.data?.refreshOptimizationInsights) setJob(res.data.refreshOptimizationInsights);
                })
              }
            >
              {t('connect.insights.start')}
            </button>
          </>
        )}
      </div>
    </div>
  );
}

function Done({ payer, exportName }: { payer: PayerFieldsFragment; exportName: string | null }) {
  const { t } = useI18n();
  return (
    <div className="card" role="region" aria-labelledby="connect-done-title" data-testid="connect-done">
      <h2 id="connect-done-title">{t('connect.done.title')}</h2>
      <p>{exportName ? t('connect.done.body', { id: payer.accountId, name: exportName }) : t('connect.done.bodyNoExport', { id: payer.accountId })}</p>
      <Link className="button" to="/home">
        {t('connect.done.home')}
      </Link>
    </div>
  );
}
