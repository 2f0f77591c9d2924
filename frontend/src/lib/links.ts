// Dashboard links (issue #22 item 6): a payer or a tenant may carry a Cloud Intelligence
// Dashboards / QuickSight link. The web app checks a typed link as the API does (docs/api.md,
// "Dashboard links": an absolute https URL with a host and no user name or password, at most
// 2,048 characters; empty removes it) and shows a stored link only as a plain link that opens
// in a new tab, never in a frame, and only when it starts with https:// (the API already
// refuses anything else; this is defence in depth).

/** The longest link the API keeps. */
export const DASHBOARD_URL_MAX = 2048;

/** Why a typed dashboard link is refused. */
export type DashboardUrlProblem = 'format' | 'https' | 'credentials' | 'tooLong';

/**
 * Checks a typed link: `null` when the API would accept it (an empty value, which removes the
 * link, included), else why not.
 */
export function dashboardUrlProblem(value: string): DashboardUrlProblem | null {
  const text = value.trim();
  if (text === '') return null;
  if (text.length > DASHBOARD_URL_MAX || /[\u0000-\u001f\u007f]/.test(text)) return 'tooLong';
  if (!/^https:\/\//i.test(text)) return 'https';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'format';
  }
  if (url.protocol !== 'https:' || url.hostname === '') return 'format';
  if (url.username !== '' || url.password !== '') return 'credentials';
  return null;
}

/** A stored link as it may be shown: only one that starts with https://, else nothing. */
export function shownDashboardUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  const text = value.trim();
  if (!text.toLowerCase().startsWith('https://')) return null;
  try {
    const url = new URL(text);
    if (url.protocol !== 'https:' || url.hostname === '' || url.username !== '' || url.password !== '') return null;
  } catch {
    return null;
  }
  return text;
}

/**
 * What an edit form sends for the link: `undefined` when it did not change (the API keeps a field
 * left out), `""` to remove it, else the trimmed link.
 */
export function dashboardUrlChange(typed: string, stored: string | null | undefined): string | undefined {
  const next = typed.trim();
  return next === (stored ?? '') ? undefined : next;
}
