import { useId, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { usePayersKeys } from '../api/costAllocationKeys';
import { useFreshQuery } from '../api/useFreshQuery';
import { CostByTagDocument, type CostSummaryInput } from '../generated/graphql';
import { useI18n } from '../i18n';
import { costAllocationPath, keyId, offeredKeys, payersWithKey, readBeforeSelected, tagAmounts, tagCsv, valueLabel, type KeyLike, type SelectedKey } from '../lib/costAllocation';
import { monthsRange } from '../lib/costs';
import { csvFileName } from '../lib/csv';
import { serviceCsv } from '../lib/customerHome';
import { formatMoney } from '../lib/format';
import { CardTable } from './CardTable';
import { CsvDownloadButton } from './CsvDownloadButton';
import { ServiceLabel } from './ServiceLabel';
import { ErrorState } from './States';

/** A payer the partner's Overview shows, for the hint and the notes that name payers. */
export interface ShownPayer {
  id: string;
  name: string;
  /** A reseller's payer (no AWS access, no exports): never offered as a place to choose keys. */
  reseller: boolean;
}

/**
 * One month's cost by a cost allocation tag's or cost category's value (`costSummary` grouped
 * by TAG with `tagKey`), with a key picker (the first key at first), the value without a key
 * named ("No team"), largest first, and a CSV; a value clicked shows its services (filtered by
 * `tag`). Only the payers that selected the key are asked (the API refuses a key a payer did
 * not select).
 *
 * Partner side (`partner`, the Overview): AWS cost; when no payer shown selected a key, a short
 * hint linking to their Cost allocation tags pages instead. Customer side (the home and the
 * partner's view of a customer): the customer's price (PRO_FORMA), `customerTenantId` when one
 * is named; nothing at all when no key is selected.
 */
export function CostByTagCard({
  payerIds,
  month,
  partner,
  customerTenantId,
}: {
  payerIds: string[];
  month: string;
  partner?: { payers: ShownPayer[] };
  customerTenantId?: string;
}) {
  const { t } = useI18n();
  const keys = usePayersKeys(payerIds);
  const offered = keys.status === 'ready' ? offeredKeys(payerIds.map((id) => keys.byPayer.get(id) ?? [])) : [];
  if (keys.status === 'loading') return null;
  if (keys.status === 'error') {
    if (!partner) return null;
    return (
      <section className="card" data-testid="by-tag">
        <h2>{t('byTag.title', { month })}</h2>
        <ErrorState error={keys.error} onRetry={keys.reload} />
      </section>
    );
  }
  if (offered.length === 0) {
    if (!partner) return null;
    const settable = partner.payers.filter((p) => !p.reseller && payerIds.includes(p.id));
    if (settable.length === 0) return null;
    return (
      <p className="muted small" data-testid="by-tag-hint">
        {t('byTag.hint')}{' '}
        {settable.map((p, i) => (
          <span key={p.id}>
            {i > 0 && ' · '}
            <Link to={costAllocationPath(p.id)}>{t('tags.openNamed', { name: p.name })}</Link>
          </span>
        ))}
      </p>
    );
  }
  return <ByTag offered={offered} byPayer={keys.byPayer} payerIds={payerIds} month={month} partner={partner} customerTenantId={customerTenantId} />;
}

function ByTag({
  offered,
  byPayer,
  payerIds,
  month,
  partner,
  customerTenantId,
}: {
  offered: KeyLike[];
  byPayer: ReadonlyMap<string, readonly SelectedKey[]>;
  payerIds: string[];
  month: string;
  partner?: { payers: ShownPayer[] };
  customerTenantId?: string;
}) {
  const { t } = useI18n();
  const selectId = useId();
  const [chosenId, setChosenId] = useState(keyId(offered[0]));
  const chosen = offered.find((k) => keyId(k) === chosenId) ?? offered[0];
  const asked = payersWithKey(byPayer, payerIds, chosen);
  const name = (id: string) => partner?.payers.find((p) => p.id === id)?.name ?? id;
  const leftOut = payerIds.filter((id) => !asked.includes(id));
  const readBefore = readBeforeSelected(byPayer, asked, chosen, month);
  const intro = (
    <>
      <div className="field inline">
        <label htmlFor={selectId}>{t('byTag.key')}</label>
        <select id={selectId} value={keyId(chosen)} onChange={(e) => setChosenId(e.target.value)}>
          {offered.map((k) => (
            <option key={keyId(k)} value={keyId(k)}>
              {t('byTag.keyOption', { name: k.name, kind: t(`keyKind.${k.kind}`) })}
            </option>
          ))}
        </select>
      </div>
      {leftOut.length > 0 && (
        <p className="muted small" data-testid="by-tag-left-out">
          {partner ? t('byTag.leftOut', { payers: leftOut.map(name).join(', '), key: chosen.name }) : t('byTag.partOnly', { key: chosen.name })}
        </p>
      )}
      {readBefore.length > 0 && (
        <p className="muted small" data-testid="by-tag-read-before">
          {t('byTag.readBefore', { month, key: chosen.name })}
          {partner &&
            readBefore.map((id) => (
              <span key={id}>
                {' '}
                <Link to={costAllocationPath(id)}>{t('tags.openNamed', { name: name(id) })}</Link>
              </span>
            ))}
        </p>
      )}
    </>
  );
  // A new key or month starts again from all values.
  return <ByTagTable key={`${keyId(chosen)}|${month}`} tagKey={chosen} payerIds={asked} month={month} partner={!!partner} customerTenantId={customerTenantId} intro={intro} />;
}

function ByTagTable({
  tagKey,
  payerIds,
  month,
  partner,
  customerTenantId,
  intro,
}: {
  tagKey: KeyLike;
  payerIds: string[];
  month: string;
  partner: boolean;
  customerTenantId?: string;
  intro: ReactNode;
}) {
  const { t, lang } = useI18n();
  // null: every value; a value ("" = without one): that value's services.
  const [value, setValue] = useState<string | null>(null);
  const range = monthsRange([month]);
  const key = { kind: tagKey.kind, name: tagKey.name };
  const base: CostSummaryInput = {
    payerIds,
    from: range.from,
    to: range.to,
    granularity: 'MONTH',
    ...(partner ? {} : { metric: 'PRO_FORMA' }),
    ...(customerTenantId ? { customerTenantId } : {}),
  };
  const [byValue, retryByValue] = useFreshQuery({
    query: CostByTagDocument,
    variables: { input: { ...base, groupBy: ['TAG'], tagKey: key } },
    requestPolicy: 'network-only',
  });
  const [byService, retryByService] = useFreshQuery({
    query: CostByTagDocument,
    variables: { input: { ...base, groupBy: ['SERVICE'], filter: { tag: { key, values: [value ?? ''] } } } },
    requestPolicy: 'network-only',
    pause: value === null,
  });
  const none = t('byTag.none', { key: tagKey.name });
  const amountColumn = partner ? t('overview.cost') : t('home.charge');
  const currencyColumn = t('home.currency');
  const stem = partner ? 'cost-by-tag' : 'charges-by-tag';

  if (value === null) {
    const summary = byValue.data?.costSummary;
    const currency = summary?.currency ?? 'USD';
    const rows = summary ? tagAmounts(summary.groups) : [];
    const title = partner ? t('byTag.title', { month }) : t('byTag.titleCustomer', { month });
    return (
      <CardTable
        title={title}
        testId="by-tag"
        intro={intro}
        columns={[tagKey.name, amountColumn]}
        loading={byValue.fetching && !summary}
        error={byValue.error ?? null}
        onRetry={() => retryByValue({ requestPolicy: 'network-only' })}
        empty={rows.length === 0}
        emptyText={partner ? t('overview.noDataMonth', { month }) : t('home.noDataMonth', { month })}
        actions={
          <CsvDownloadButton
            name={title}
            fileName={csvFileName(stem, tagKey.name, month)}
            table={summary ? tagCsv({ value: tagKey.name, amount: amountColumn, currency: currencyColumn }, rows, currency, none) : null}
          />
        }
      >
        {rows.map((r) => {
          const label = valueLabel(r.value, none);
          return (
            <tr key={r.value} data-testid="by-tag-row">
              <th scope="row">
                <button type="button" className="link" aria-label={t('byTag.showServices', { value: label })} onClick={() => setValue(r.value)}>
                  {r.value === '' ? <span className="muted">{label}</span> : label}
                </button>
              </th>
              <td className="num">{formatMoney(r.amount, currency, lang)}</td>
            </tr>
          );
        })}
      </CardTable>
    );
  }

  const summary = byService.data?.costSummary;
  const currency = summary?.currency ?? 'USD';
  const groups = summary?.groups ?? [];
  const title = value === '' ? t('byTag.servicesWithout', { key: tagKey.name, month }) : t('byTag.servicesOf', { key: tagKey.name, value, month });
  const serviceColumn = t('home.service');
  return (
    <CardTable
      title={title}
      testId="by-tag"
      intro={intro}
      columns={[serviceColumn, amountColumn]}
      loading={byService.fetching && !summary}
      error={byService.error ?? null}
      onRetry={() => retryByService({ requestPolicy: 'network-only' })}
      empty={groups.length === 0}
      emptyText={partner ? t('overview.noDataMonth', { month }) : t('home.noDataMonth', { month })}
      actions={
        <>
          <button type="button" className="small" onClick={() => setValue(null)}>
            {t('byTag.allValues')}
          </button>
          <CsvDownloadButton
            name={title}
            fileName={csvFileName(stem, tagKey.name, value === '' ? 'none' : value, 'services', month)}
            table={summary ? serviceCsv({ service: serviceColumn, code: t('home.serviceCode'), amount: amountColumn, currency: currencyColumn }, groups, currency) : null}
          />
        </>
      }
    >
      {groups.map((g) => (
        <tr key={g.key.service ?? ''} data-testid="by-tag-service-row">
          <th scope="row">
            <ServiceLabel name={g.key.serviceName} code={g.key.service} />
          </th>
          <td className="num">{formatMoney(g.amount, currency, lang)}</td>
        </tr>
      ))}
    </CardTable>
  );
}
