import { useI18n } from '../i18n';

/** Switches between English and Chinese; labelled in the language it switches to. */
export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  const next = lang === 'en' ? 'zh' : 'en';
  return (
    <button
      type="button"
      className="lang-switch"
      lang={next === 'zh' ? 'zh-CN' : 'en'}
      title={t('lang.switchToLabel')}
      onClick={() => setLang(next)}
    >
      {t('lang.switchTo')}
    </button>
  );
}
