import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every route's page sets the browser tab's title (usePageTitle), once per page it exports, so no
// two pages share the bare app name. (The browser test reads a few titles.)
const dir = fileURLToPath(new URL('../pages/', import.meta.url));
const pages = readdirSync(dir)
  .filter((f) => f.endsWith('.tsx') && !f.endsWith('.test.tsx'))
  .map((f) => ({ f, text: readFileSync(`${dir}${f}`, 'utf8') }));

describe('page titles', () => {
  it('finds the pages', () => {
    expect(pages.length).toBeGreaterThan(15);
  });

  it.each(pages.map((p) => [p.f, p.text]))('%s sets a title for each page it exports', (_f, text) => {
    const exported = [...text.matchAll(/export function \w+Page\(/g)].length;
    const titled = [...text.matchAll(/\busePageTitle\(/g)].length;
    expect(exported).toBeGreaterThan(0);
    expect(titled).toBe(exported);
  });
});
