/** Every event type a subscription or webhook endpoint may name (api/src/notify/outbox.rs). */
export const EVENT_TYPES = [
  'account.created',
  'account.create_failed',
  'account.invited',
  'invitation.accepted',
  'account.closed',
  'account.removed',
  'account.moved',
  'policy.attached',
  'policy.detached',
  'payer.connection_failed',
  'user.invited',
  'password.changed',
  'service.notice',
  'webhook.disabled',
] as const;

/** Toggles one value in a list, keeping the order of `all`. */
export function toggleIn<T>(list: readonly T[], value: T, on: boolean, all: readonly T[]): T[] {
  const set = new Set(list);
  if (on) set.add(value);
  else set.delete(value);
  return all.filter((v) => set.has(v));
}
