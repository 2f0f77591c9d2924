import { useState } from 'react';
import { useQuery } from 'urql';
import { CardTable } from '../components/CardTable';
import { PeriodInput } from '../components/PeriodInput';
import { ListStates } from '../components/States';
import { usePageTitle } from '../components/usePageTitle';
import { MyChargesDocument } from '../generated/graphql';
import { useI18n } from '../i18n';
import { currentMonth } from '../lib/costs';
import { formatMoney } from '../lib/format';

/** An end customer's pro-forma charges: never AWS cost or margin. */
export function MyChargesPage() {
  const { t, lang } = useI18n();
  usePageTitle(t('charges.title'));
  const [period, setPeriod] = useState(currentMonth);
  const [result, reexecute] = useQuery({ query: MyChargesDocument, variables: { billingPeriod: period }, requestPolicy: 'network-only' });
  const charges = result.data?.myCharges ?? [];
  return (
    <section aria-labelledby="charges-title">
      <div className="page-head">
        <div>
          <h1 id="charges-title">{t('charges.title')}</h1>
          <p className="intro">{t('charges.intro')}</p>
        </div>
        <PeriodInput id="charges-period" value={period} onChange={setPeriod} />
      </div>
      <ListStates
        loading={result.fetching && !result.data}
        error={result.error ?? null}
        empty={charges.length === 0}
        emptyText={t('charges.empty', { period })}
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
                <th scope="row">{l.name}</th>
                <td className="num">{formatMoney(l.amount, c.currency, lang)}</td>
              </tr>
            ))}
          </CardTable>
        ))}
      </ListStates>
    </section>
  );
}
