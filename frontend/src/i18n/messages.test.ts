import { describe, expect, it } from 'vitest';
import { en, initialLang, interpolate, zh } from './messages';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('messages', () => {
  it('Chinese has every key, none empty, with the same placeholders', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(zh[key].trim(), key).not.toBe('');
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('English has every key of Chinese too (none is missing in either language)', () => {
    for (const key of Object.keys(zh)) expect(Object.hasOwn(en, key), key).toBe(true);
  });

  it('no Chinese text is an untranslated copy of the English, but for names', () => {
    // Product and format names that stay as they are in Chinese.
    const SAME = new Set(['log.webhook', 'webhooks.url', 'billingMode.BILLING_CONDUCTOR', 'exportKind.CUR_2', 'exportKind.FOCUS', 'costSource.ce', 'auditActor.User']);
    const copies = (Object.keys(en) as (keyof typeof en)[]).filter((key) => !SAME.has(key) && zh[key] === en[key]);
    expect(copies).toEqual([]);
  });

  it('the navigation is actually translated', () => {
    expect(zh['nav.tenants']).not.toBe(en['nav.tenants']);
    expect(zh['nav.users']).toBe('用户');
  });

  it('fills placeholders and leaves unknown ones', () => {
    expect(interpolate('Disable {email}?', { email: 'a@b.c' })).toBe('Disable a@b.c?');
    expect(interpolate('{count} of {total}', { count: 3 })).toBe('3 of {total}');
  });

  it('starts in the remembered language, else the browser language', () => {
    expect(initialLang('zh', ['en-US'])).toBe('zh');
    expect(initialLang(null, ['zh-CN', 'en'])).toBe('zh');
    expect(initialLang(null, ['zh-Hans-CN'])).toBe('zh');
    expect(initialLang(null, ['de-DE', 'en-GB'])).toBe('en');
    expect(initialLang('fr', ['fr-FR'])).toBe('en');
  });
});
