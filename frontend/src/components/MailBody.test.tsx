import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { MailBody } from './MailBody';

describe('MailBody', () => {
  it('shows the text with the set-password link clickable', () => {
    const html = renderToStaticMarkup(<MailBody text={'Welcome.\nSet your password:\n/set-password?token=pbs_abc\n'} />);
    expect(html).toBe('<pre class="mail-body">Welcome.\nSet your password:\n<a href="/set-password?token=pbs_abc" rel="noreferrer noopener">/set-password?token=pbs_abc</a>\n</pre>');
  });

  it('escapes markup in the text instead of rendering it', () => {
    const html = renderToStaticMarkup(<MailBody text={'<img src=x onerror=alert(1)> javascript:alert(1)'} />);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<a ');
  });
});
