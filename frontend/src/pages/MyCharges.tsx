import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useFreshQuery } from '../api/useFreshQuery';
import { CardTable } from '../components/CardTable';
import { PeriodInput } from '../components/PeriodInput';
import { ListStates } from '../components/States';
import { MonthFallback, useMonthParam } from '../components/useMonth';
import { usePageTitle } from '../components/usePageTitle';
import { ServiceLabel } from '../components/ServiceLabel';
import { MyChargesDocument } from '../generated/graphql';
import { useI18n } from '../i18n';
import { currentMonth, previousMonth, type OpeningMonth } from '../lib/costs';
import { formatMoney } from '../lib/format';

/** How many months back an end customer's page looks for charges when this month has none. */
const LOOK_BACK = 6;

/**
 * Where an end customer's charges open: this month, or the latest of the months before it with
 * charges. End customers cannot read cost summaries, so this asks `myCharges` month by month
 * (only while the months asked have none, at most LOOK_BACK of them). Null while asking.
 */
function useChargesOpeningMonth(skip: boolean): OpeningMonth | null {
  const current = currentMonth();
  const [asked, setAsked] = useState({ month: current, tries: 0 });
  const [result] = useFreshQuery({ query: MyChargesDocument, variables: { billingPeriod: asked.month }, pause: skip, requestPolicy: 'network-only' });
  const empty = !!result.data && result.data.myCharges.length === 0;
  useEffect(() => {
    if (empty && asked.tries < LOOK_BACK) setAsked({ month: previousMonth(asked.month), tries: asked.tries + 1 });
  }, [empty, asked]);
  if (skip || result.error) return { month: current, insteadOf: null };
  if (!result.data || (empty && asked.tries < LOOK_BACK)) return null;
  if (empty) return { month: current, insteadOf: null };
  return { month: asked.month, insteadOf: asked.month === current ? null : current };
}

/** An end customer's pro-forma charges: never AWS cost or margin. */
export function MyChargesPage() {
  const { t, lang } = useI18n();
  usePageTitle(t('charges.title'));
  const [params] = useSearchParams();
  const opening = useChargesOpeningMonth(params.has('month'));
  const { month, insteadOf, setMonth } = useMonthParam(opening);
  const [result, reexecute] = useFreshQuery({
    query: MyChargesDocument,
    variables: { billingPeriod: month ?? currentMonth() },
    requestPolicy: 'network-only',
    pause: month === null,
  });
  const charges = result.data?.myCharges ?? [];
  return (
    <section aria-labelledby="charges-title">
      <div className="page-head">
        <div>
          <h1 id="charges-title">{t('charges.title')}</h1>
          <p className="intro">{t('charges.intro')}</p>
        </div>
        {month && <PeriodInput id="charges-period" value={month} onChange={setMonth} />}
      </div>
      <MonthFallback insteadOf={insteadOf} month={month} />
      <ListStates
        loading={month === null || (result.fetching && !result.data)}
        error={result.error ?? null}
        empty={charges.length === 0}
        emptyText={t('charges.empty', { period: month ?? '' })}
        onRetry={() => reexecute({ requestPolicy: 'network-only' })}
      >
        {charges.map((c) => (
          <CardTable
            key={c.billingGroupName}
            title={c.billingGroupName}
            testId="charges"
            columns={[t('charges.item'), t('pricing.amount')]}
            footer={
              <tr>
                <th scope="row">{t('charges.total', { period: c.billingPeriod })}</th>
                <td className="num" data-testid="charges-total">
                  <strong>{formatMoney(c.total, c.currency, lang)}</strong>
                </td>
              </tr>
            }
          >
            {c.lines.map((l) => (
              <tr key={l.name} data-testid="charge-line">
                <th scope="row">{l.serviceName ? <ServiceLabel name={l.serviceName} code={l.name} /> : l.name}</th>
                <td className="num">{formatMoney(l.amount, c.currency, lang)}</td>
              </tr>
            ))}
          </CardTable>
        ))}
      </ListStates>
    </section>
  );
}
