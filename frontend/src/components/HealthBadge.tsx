import type { HealthStatus } from '../generated/graphql';
import { useI18n } from '../i18n';
import { HEALTH_BADGE } from '../lib/onboarding';

/** A health state with its icon and word beside the colour. */
export function HealthBadge({ health }: { health: HealthStatus }) {
  const { t } = useI18n();
  const badge = HEALTH_BADGE[health];
  return (
    <span className={`badge ${badge.className}`}>
      <span aria-hidden="true">{badge.icon}</span> {t(`health.${health}`)}
    </span>
  );
}
