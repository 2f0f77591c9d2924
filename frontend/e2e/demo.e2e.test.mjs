// The README's way into a populated product, in Debian's Chromium (issue #19, "Must show"):
// `scripts/run demo` on a fresh data folder (the debug build, PB_RUN_PROFILE=dev, as
// tests/tests/api/demo.rs runs it; moto as AWS), then sign in with the credentials it prints and
// find the Overview populated for the current month, and the invitation it sent in the Demo
// outbox. Run by scripts/test-frontend after `npm run build`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { REPO, SCREENSHOTS, launchChromium, startMoto, stop } from './harness.mjs';

const children = [];
let dir;
let demo;
let browser;
let base;
let admin;
const printed = [];

/** `YYYY-MM` of the month `offset` months from this one (UTC, as billing periods are). */
const monthAt = (offset) => {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
};

/** Starts `scripts/run demo` and waits (the first build may take minutes) for its "ready:" line. */
function startDemo(motoUrl) {
  const env = { ...process.env, PB_RUN_PROFILE: 'dev', PB_AWS_ENDPOINT_URL: motoUrl, PB_LISTEN: '127.0.0.1:0', RUST_LOG: 'warn' };
  delete env.PB_FRONTEND_DIR;
  delete env.PB_SMTP_URL;
  delete env.PB_MAIL_SINK;
  // Its own process group: scripts/run → cargo run → the server, all stopped together.
  demo = spawn(join(REPO, 'scripts/run'), ['demo', '--database', join(dir, 'data/demo.db'), '--rows-per-month', '1500'], {
    cwd: REPO,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demo.stderr.pipe(createWriteStream(join(dir, 'demo.log')));
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo was not ready within 20 minutes; it printed:\n${printed.join('\n')}`)), 20 * 60_000);
    createInterface({ input: demo.stdout }).on('line', (line) => {
      const ready = line.match(/^ready: (http:\/\/\S+)$/);
      if (ready) {
        clearTimeout(timer);
        resolveReady(ready[1]);
      } else {
        printed.push(line);
      }
    });
    demo.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited with ${code}; it printed:\n${printed.join('\n')}\n(stderr in ${join(dir, 'demo.log')})`));
    });
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pb-demo-e2e-'));
  const motoUrl = await startMoto(children, dir);
  base = await startDemo(motoUrl);
  // "partner admin: sign in as EMAIL with password PASSWORD"
  const line = printed.find((l) => l.includes('partner admin: sign in as '));
  const m = line?.match(/sign in as (\S+) with password (\S+)/);
  assert.ok(m, `the demo prints the admin's credentials:\n${printed.join('\n')}`);
  admin = { email: m[1], password: m[2] };
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    demo.removeAllListeners('exit');
    try {
      process.kill(-demo.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((r) => {
      const timer = setTimeout(() => {
        try {
          process.kill(-demo.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        r();
      }, 10_000);
      demo.once('exit', () => {
        clearTimeout(timer);
        r();
      });
    });
  }
  for (const child of children) await stop(child);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the demo, started the README way, signs in and shows this month on the Overview', async () => {
  assert.ok(printed.some((l) => l.includes('Demo outbox')), `the demo says where mail goes:\n${printed.join('\n')}`);
  const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30_000);
  try {
    await page.goto(`${base}/`);
    await page.waitForURL('**/signin');
    await page.getByLabel('Email', { exact: true }).fill(admin.email);
    await page.getByLabel('Password', { exact: true }).fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();

    // The demo's data runs to yesterday: the Overview opens on this month with its cost (on the
    // 1st, when this month has no day yet, on last month, and says so).
    const firstOfMonth = new Date().getUTCDate() === 1;
    const month = firstOfMonth ? monthAt(-1) : monthAt(0);
    const kpi = page.getByTestId('kpi-this-month');
    await kpi.getByRole('heading', { name: firstOfMonth ? `Cost in ${month}` : `This month (${month})` }).waitFor();
    const amount = await kpi.locator('.kpi-value').innerText();
    assert.match(amount, /^\$[\d,]+\.\d{2}$/);
    assert.notEqual(amount, '$0.00', 'this month is populated');
    assert.equal(await page.getByTestId('month-fallback').count(), firstOfMonth ? 1 : 0);
    await page.getByTestId('account-cost-row').first().waitFor();
    await page.getByTestId('mover-row').first().waitFor();
    // Services by AWS's name, with the code beside it.
    assert.ok((await page.getByTestId('mover-row').locator('.service-code').count()) > 0, 'movers show service codes beside names');
    // The demo keeps the team tag: the Overview splits the month by team.
    await page.getByTestId('by-tag').getByTestId('by-tag-row').first().waitFor();
    assert.ok((await page.getByTestId('by-tag').getByTestId('by-tag-row').count()) >= 3, 'a few teams');

    // The demo's outbox is offered in a line under the bar: the navigation still fits at
    // 1,280 px, on one line.
    const bar = await page.evaluate(() => {
      const el = document.querySelector('.topbar');
      return { scroll: el.scrollWidth, client: el.clientWidth, rows: new Set([...el.querySelectorAll('nav a')].map((a) => Math.round(a.getBoundingClientRect().top))).size };
    });
    assert.ok(bar.scroll <= bar.client && bar.rows === 1, `the top bar does not fit: ${JSON.stringify(bar)}`);

    // Mail is caught in the demo: Initech's invitation is in the Demo outbox, its link clickable.
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /outbox/i }).count(), 0);
    await page.getByRole('note', { name: 'Demo outbox' }).getByRole('link', { name: 'Open the Demo outbox' }).click();
    await page.getByRole('heading', { level: 1, name: 'Demo outbox' }).waitFor();
    const invitation = page.getByTestId('demo-mail').filter({ hasText: 'admin@initech' }).filter({ hasText: 'You have been invited' });
    await invitation.first().waitFor();
    const link = invitation.first().getByRole('link', { name: /\/set-password\?token=/ });
    assert.match(await link.getAttribute('href'), /^\/set-password\?token=pbs_/);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'demo-outbox.png'), fullPage: true });
  } finally {
    await ctx.close();
  }
});
