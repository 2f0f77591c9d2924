import { useEffect } from 'react';
import { useI18n } from '../i18n';

/**
 * The browser tab's title for a page: "Payers · Partner Billing" (the page first, so tabs and
 * history tell pages apart). A page calls it once, before any early return; an empty title (still
 * loading) shows the app's name alone.
 */
export function usePageTitle(title: string | null | undefined): void {
  const { t } = useI18n();
  const app = t('app.name');
  const full = title ? `${title} · ${app}` : app;
  useEffect(() => {
    document.title = full;
  }, [full]);
}
