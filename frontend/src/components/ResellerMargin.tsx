import { useId } from 'react';
import { CardTable } from './CardTable';
import { ErrorState, LoadingState } from './States';
import { useFreshQuery } from '../api/useFreshQuery';
import { ResellerMarginDocument } from '../generated/graphql';
import { useI18n } from '../i18n';
import { formatMoney } from '../lib/format';

/**
 * "Your margin" on a reseller's payer for one month (docs/channel.md, price stacking): its cost
 * (what the distributor charges for the upstream billing group, custom line items included),
 * what its billing groups charge its customers, the margin, the unbilled cost, and the same per
 * group. Never a higher tier's AWS cost or margin: the API gives none.
 */
export function ResellerMarginCard({ payerId, period }: { payerId: string; period: string }) {
  const { t, lang } = useI18n();
  const titleId = useId();
  const [result, reexecute] = useFreshQuery({ query: ResellerMarginDocument, variables: { payerId, billingPeriod: period }, requestPolicy: 'network-only' });
  const retry = () => reexecute({ requestPolicy: 'network-only' });
  const margin = result.data?.resellerMargin;
  const money = (v: string) => formatMoney(v, margin?.currency ?? 'USD', lang);

  return (
    <section className="reseller-margin" aria-labelledby={titleId} data-testid="reseller-margin">
      <div className="card">
        <h2 id={titleId}>{t('resellers.marginTitle', { period })}</h2>
        <p className="muted">{t('resellers.marginIntro')}</p>
        {result.fetching && !margin ? (
          <LoadingState />
        ) : result.error && !margin ? (
          <ErrorState error={result.error} onRetry={retry} />
        ) : margin ? (
          <div className="kpis four">
            <div className="kpi" data-testid="margin-cost">
              <h3>{t('resellers.cost')}</h3>
              <p className="kpi-value">{money(margin.cost)}</p>
            </div>
            <div className="kpi" data-testid="margin-charge">
              <h3>{t('resellers.charge')}</h3>
              <p className="kpi-value">{money(margin.charge)}</p>
            </div>
            <div className="kpi" data-testid="margin-margin">
              <h3>{t('resellers.margin')}</h3>
              <p className="kpi-value">{money(margin.margin)}</p>
            </div>
            <div className="kpi" data-testid="margin-unbilled">
              <h3>{t('resellers.unbilledCost')}</h3>
              <p className="kpi-value">{money(margin.unbilledCost)}</p>
              <p className="muted small">{t('resellers.unbilledHint')}</p>
            </div>
          </div>
        ) : null}
      </div>
      {margin && (
        <CardTable
          title={t('resellers.byGroup', { period })}
          columns={[t('resellers.group'), t('resellers.groupCost'), t('resellers.groupCharge'), t('resellers.groupMargin')]}
          empty={margin.groups.length === 0}
          emptyText={t('resellers.noGroups')}
          testId="reseller-margin-groups"
        >
          {margin.groups.map((g) => (
            <tr key={g.billingGroupId} data-testid="reseller-margin-row">
              <th scope="row">{g.name}</th>
              <td className="num">{money(g.cost)}</td>
              <td className="num">{money(g.charge)}</td>
              <td className="num">{money(g.margin)}</td>
            </tr>
          ))}
        </CardTable>
      )}
    </section>
  );
}
