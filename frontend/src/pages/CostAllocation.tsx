import { useId, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { mapErrors } from '../api/errors';
import { CardTable } from '../components/CardTable';
import { FormErrorMessage, Notice } from '../components/Form';
import { WatchedJob } from '../components/JobStatus';
import { ErrorState, LoadingState } from '../components/States';
import { usePageTitle } from '../components/usePageTitle';
import { usePayerRoute } from '../components/usePayerRoute';
import {
  CostAllocationKeysDocument,
  IngestCostsDocument,
  SetCostAllocationKeysDocument,
  type CostAllocationKeyKind,
  type JobFieldsFragment,
  type PayerFieldsFragment,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import {
  KINDS,
  MAX_KEYS,
  NAME_MAX,
  keyErrors,
  keysChanged,
  keysInput,
  moveRow,
  rowProblems,
  rowsOf,
  sameKey,
  type KeyRow,
  type SelectedKey,
} from '../lib/costAllocation';

/**
 * /payers/:payerId/cost-allocation (from the payer's Billing page and its Edit form): the cost
 * allocation tags and cost categories ingestion keeps for this payer (#22 item 4), which the
 * Overview and the customers' homes show cost by. Admins choose up to five, reorder, remove and
 * save them; everyone else reads the list. Periods read before a key was selected are named, with
 * "Read the exports again" (ingestCosts) for operators when the payer has a cost export.
 */
export function CostAllocationPage() {
  const { t } = useI18n();
  const { payerId, payer, can, result: payerResult, retry } = usePayerRoute();
  usePageTitle(payer ? t('tags.pageTitle', { name: payer.name }) : t('tags.title'));
  if (!payer) {
    if (payerResult.error) return <ErrorState error={payerResult.error} onRetry={retry} />;
    return <LoadingState />;
  }
  return (
    <section aria-labelledby="tags-title">
      <p className="crumbs">
        <Link to="/payers">{t('nav.payers')}</Link> › <Link to={`/payers/${payerId}/billing`}>{t('billing.pageTitle', { name: payer.name })}</Link> › {t('tags.title')}
      </p>
      <div className="page-head">
        <div>
          <h1 id="tags-title">{t('tags.pageTitle', { name: payer.name })}</h1>
          <p className="intro">{t('tags.intro', { max: MAX_KEYS })}</p>
        </div>
      </div>
      <CostAllocationKeysCard payer={payer} administer={can.administer} operate={can.operate} />
    </section>
  );
}

type SavedNotice = 'tags.saved' | 'tags.savedNone' | 'tags.nothingChanged';

/** The payer's selected keys: a form for admins, a list for everyone else; the periods read before a key was selected, and reading them again. */
function CostAllocationKeysCard({ payer, administer, operate }: { payer: PayerFieldsFragment; administer: boolean; operate: boolean }) {
  const { t } = useI18n();
  const [result, reexecute] = useQuery({ query: CostAllocationKeysDocument, variables: { payerId: payer.id }, requestPolicy: 'network-only' });
  // The answer of the last save, until the keys are asked again.
  const [afterSave, setAfterSave] = useState<SelectedKey[] | null>(null);
  const [notice, setNotice] = useState<SavedNotice | null>(null);
  const [ingestResult, ingest] = useMutation(IngestCostsDocument);
  const [job, setJob] = useState<JobFieldsFragment | null>(null);
  const reload = () => {
    setAfterSave(null);
    reexecute({ requestPolicy: 'network-only' });
  };
  const keys = afterSave ?? result.data?.costAllocationKeys;
  // Reading the exports again needs a place to read them from, and an operator.
  const canReadAgain = operate && !!payer.costExportBucket;

  async function readAgain() {
    const res = await ingest({ payerId: payer.id });
    if (res.data?.ingestCosts) setJob(res.data.ingestCosts);
  }

  const readAgainButton = canReadAgain && (
    <button type="button" className="small" disabled={ingestResult.fetching} onClick={() => void readAgain()}>
      {t('tags.readAgain')}
    </button>
  );

  if (!keys) {
    if (result.error) return <ErrorState error={result.error} onRetry={reload} />;
    return <LoadingState />;
  }
  const late = keys.filter((k) => k.periodsWithoutIt.length > 0);
  return (
    <>
      {notice && (
        <Notice onClose={() => setNotice(null)}>
          {t(notice)} {notice === 'tags.saved' && readAgainButton}
        </Notice>
      )}
      {ingestResult.error && <FormErrorMessage error={mapErrors(ingestResult.error, {}).form} />}
      {job && <WatchedJob key={job.id} job={job} title={t('tags.readAgainJob')} onFinished={reload} />}
      {late.length > 0 && (
        <div className="warn-box" data-testid="tags-periods-warning">
          <ul className="plain">
            {late.map((k) => (
              <li key={`${k.kind}:${k.name}`}>{t('tags.periodsWarning', { key: k.name, periods: k.periodsWithoutIt.join(', ') })}</li>
            ))}
          </ul>
          {readAgainButton && <div className="row-actions">{readAgainButton}</div>}
        </div>
      )}
      {administer ? (
        <KeysForm
          key={keys.map((k) => `${k.kind}:${k.name}`).join('\n')}
          payerId={payer.id}
          saved={keys}
          onSaved={(next, changed) => {
            setNotice(!changed ? 'tags.nothingChanged' : next.length > 0 ? 'tags.saved' : 'tags.savedNone');
            if (changed) setAfterSave(next);
          }}
        />
      ) : (
        <KeysList keys={keys} />
      )}
    </>
  );
}

/** Read only: the keys in their order. */
function KeysList({ keys }: { keys: readonly SelectedKey[] }) {
  const { t } = useI18n();
  return (
    <CardTable
      title={t('tags.selected')}
      testId="tags-list"
      intro={<p className="muted small">{t('tags.readOnly')}</p>}
      columns={[t('tags.position'), t('tags.name'), t('tags.kind'), t('tags.periodsWithoutIt')]}
      empty={keys.length === 0}
      emptyText={t('tags.none')}
    >
      {keys.map((k, i) => (
        <tr key={`${k.kind}:${k.name}`} data-testid="tags-row">
          <td className="num">{i + 1}</td>
          <th scope="row">{k.name}</th>
          <td>{t(`keyKind.${k.kind}`)}</td>
          <td>{k.periodsWithoutIt.length > 0 ? k.periodsWithoutIt.join(', ') : <span className="muted">—</span>}</td>
        </tr>
      ))}
    </CardTable>
  );
}

/** Admins: the keys as rows to change, add (up to five), move, remove and save. */
function KeysForm({ payerId, saved, onSaved }: { payerId: string; saved: readonly SelectedKey[]; onSaved: (keys: SelectedKey[], changed: boolean) => void }) {
  const { t } = useI18n();
  const id = useId();
  const [rows, setRows] = useState<KeyRow[]>(() => rowsOf(saved));
  // The browser's own checks show once a save was tried.
  const [tried, setTried] = useState(false);
  const [result, save] = useMutation(SetCostAllocationKeysDocument);
  const problems = rowProblems(rows);
  const errors = keyErrors(result.error, rows.length);
  const changed = keysChanged(rows, saved);

  const update = (index: number, row: Partial<KeyRow>) => setRows((old) => old.map((r, i) => (i === index ? { ...r, ...row } : r)));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setTried(true);
    if (problems.size > 0) return;
    if (!changed) return onSaved([...saved], false);
    const res = await save({ payerId, keys: keysInput(rows) });
    if (res.data?.setCostAllocationKeys) onSaved(res.data.setCostAllocationKeys, true);
  }

  const rowError = (i: number): string | undefined => {
    const problem = tried ? problems.get(i) : undefined;
    return problem ? t(`tags.problem.${problem}`, { max: NAME_MAX }) : errors.fields[`row${i}`];
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate data-testid="tags-form">
      <h2 id={`${id}-title`}>{t('tags.selected')}</h2>
      <FormErrorMessage error={errors.form} />
      {rows.length === 0 ? (
        <p className="state state-empty">{t('tags.noneAdmin')}</p>
      ) : (
        <table className="table" aria-labelledby={`${id}-title`}>
          <thead>
            <tr>
              <th scope="col">{t('tags.position')}</th>
              <th scope="col">{t('tags.kind')}</th>
              <th scope="col">{t('tags.name')}</th>
              <th scope="col">{t('tags.periodsWithoutIt')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => {
              const n = i + 1;
              const error = rowError(i);
              const errorId = `${id}-error-${i}`;
              const stored = saved.find((k) => sameKey(k, { kind: row.kind, name: row.name.trim() }));
              return (
                <tr key={i} data-testid="tags-form-row">
                  <td className="num">{n}</td>
                  <td>
                    <select aria-label={t('tags.kindOf', { n })} value={row.kind} onChange={(e) => update(i, { kind: e.target.value as CostAllocationKeyKind })}>
                      {KINDS.map((kind) => (
                        <option key={kind} value={kind}>
                          {t(`keyKind.${kind}`)}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td className={error ? 'field-invalid' : undefined}>
                    <input
                      aria-label={t('tags.nameOf', { n })}
                      aria-invalid={error ? true : undefined}
                      aria-describedby={error ? errorId : `${id}-hint`}
                      value={row.name}
                      autoComplete="off"
                      onChange={(e) => update(i, { name: e.target.value })}
                    />
                    {error && (
                      <p className="field-error" id={errorId}>
                        {t('error.fieldLine', { label: t('tags.nameOf', { n }), detail: error })}
                      </p>
                    )}
                  </td>
                  <td>{stored && stored.periodsWithoutIt.length > 0 ? stored.periodsWithoutIt.join(', ') : <span className="muted">—</span>}</td>
                  <td>
                    <div className="row-actions">
                      <button type="button" className="small" aria-label={t('tags.upNamed', { n })} disabled={i === 0} onClick={() => setRows((old) => moveRow(old, i, -1))}>
                        {t('tags.up')}
                      </button>
                      <button
                        type="button"
                        className="small"
                        aria-label={t('tags.downNamed', { n })}
                        disabled={i === rows.length - 1}
                        onClick={() => setRows((old) => moveRow(old, i, 1))}
                      >
                        {t('tags.down')}
                      </button>
                      <button type="button" className="small danger" aria-label={t('tags.removeNamed', { n })} onClick={() => setRows((old) => old.filter((_, j) => j !== i))}>
                        {t('tags.remove')}
                      </button>
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {errors.fields.list && (
        <p className="field-error" data-testid="tags-list-error">
          {t('error.fieldLine', { label: t('tags.selected'), detail: errors.fields.list })}
        </p>
      )}
      <p className="field-hint" id={`${id}-hint`}>
        {t('tags.nameHint')} {rows.length >= MAX_KEYS && t('tags.max', { max: MAX_KEYS })}
      </p>
      <div className="actions">
        <button type="button" disabled={rows.length >= MAX_KEYS} onClick={() => setRows((old) => [...old, { kind: 'TAG', name: '' }])}>
          {t('tags.add')}
        </button>
        {changed && (
          <button
            type="button"
            onClick={() => {
              setRows(rowsOf(saved));
              setTried(false);
            }}
          >
            {t('tags.undo')}
          </button>
        )}
        <button type="submit" className="primary" disabled={result.fetching}>
          {t('tags.save')}
        </button>
      </div>
    </form>
  );
}
