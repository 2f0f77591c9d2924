import type { MembershipFieldsFragment } from '../generated/graphql';
import type { Translate } from '../i18n';

/** "Acme (Distributor)", "Payer Main (123456789012)", or a hidden marker. */
export function scopeLabel(m: MembershipFieldsFragment, t: Translate): string {
  if (m.tenant) return `${m.tenant.name} (${t(`kind.${m.tenant.kind}`)})`;
  if (m.payer) return t('memberships.payer', { name: m.payer.name, account: m.payer.accountId });
  return t('memberships.hidden');
}
