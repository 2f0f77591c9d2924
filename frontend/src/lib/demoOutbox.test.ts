import { describe, expect, it } from 'vitest';
import { linkify } from './demoOutbox';

describe('linkify', () => {
  it('makes the set-password link of an invitation clickable, relative or absolute', () => {
    const mail = 'You are invited.\n\nSet your password:\n/set-password?token=pbp_abc123\n-- \nPartner Billing';
    expect(linkify(mail)).toEqual([
      { text: 'You are invited.\n\nSet your password:\n' },
      { href: '/set-password?token=pbp_abc123' },
      { text: '\n-- \nPartner Billing' },
    ]);
    expect(linkify('Open https://billing.example.com/set-password?token=x1. Thanks')).toEqual([
      { text: 'Open ' },
      { href: 'https://billing.example.com/set-password?token=x1' },
      { text: '. Thanks' },
    ]);
  });

  it('joined back, the pieces are the text; nothing but http(s) and the set-password path is a link', () => {
    const text = 'javascript:alert(1) data:text/html,x see /other/path and http://a.example/x?y=1';
    const parts = linkify(text);
    expect(parts.map((p) => ('href' in p ? p.href : p.text)).join('')).toBe(text);
    expect(parts.filter((p) => 'href' in p)).toEqual([{ href: 'http://a.example/x?y=1' }]);
    expect(linkify('')).toEqual([]);
  });
});
