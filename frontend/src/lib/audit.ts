import type { AuditEventFilter } from '../generated/graphql';

/** The audit page's filter form. */
export interface AuditForm {
  eventName: string;
  /** `YYYY-MM-DD`, local calendar days. */
  from: string;
  to: string;
  errorsOnly: boolean;
  writesOnly: boolean;
}

function localDayStart(date: string, plusDays = 0): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(y, m - 1, d + plusDays).toISOString();
}

/**
 * The API filter for the form: `to` is inclusive on the page, so it becomes the start of the
 * next day (the API's `to` is exclusive). Empty parts are left out; errors-only is applied on
 * the page (the API filters by one error code, not "any").
 */
export function auditFilter(form: AuditForm): AuditEventFilter | null {
  const filter: AuditEventFilter = {};
  if (form.eventName.trim()) filter.eventName = form.eventName.trim();
  if (form.from) filter.from = localDayStart(form.from);
  if (form.to) filter.to = localDayStart(form.to, 1);
  if (form.writesOnly) filter.readOnly = false;
  return Object.keys(filter).length === 0 ? null : filter;
}
