// Starts the real pieces for the browser test: the API binary on a fresh SQLite file, the built
// production web app served by that same API binary (PB_FRONTEND_DIR), and Debian's Chromium.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const FRONTEND = fileURLToPath(new URL('..', import.meta.url));
export const REPO = resolve(FRONTEND, '..');
export const SCREENSHOTS = process.env.PB_SCREENSHOT_DIR ?? join(REPO, 'docs/screenshots');
const CHROMIUM = process.env.PB_CHROMIUM ?? '/usr/bin/chromium';

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForHttp(url, child, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited early with code ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not answer at ${url} within ${timeoutMs} ms`);
}

function runWithStdin(command, args, input, env) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolveRun(output) : reject(new Error(`${command} ${args.join(' ')} failed (${code}):\n${output}`))));
    child.stdin.end(`${input}\n`);
  });
}

function stop(child) {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

/** Everything the test needs, started; call `close()` at the end. */
export async function startStack({ adminEmail, adminPassword }) {
  const dir = mkdtempSync(join(tmpdir(), 'pb-e2e-'));
  const children = [];
  let browser = null;
  const close = async () => {
    await browser?.close().catch(() => {});
    for (const child of children.reverse()) await stop(child);
    if (!process.env.PB_E2E_KEEP) rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (!existsSync(join(FRONTEND, 'dist/index.html'))) {
      throw new Error('frontend/dist is missing: run `npm run build` first');
    }
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);

    // The API binary (a no-op when it is up to date).
    if (!process.env.PB_E2E_SKIP_CARGO_BUILD) {
      execFileSync('cargo', ['build', '-p', 'partner-billing'], { cwd: REPO, stdio: 'inherit' });
    }
    const targetDir = process.env.CARGO_TARGET_DIR ? resolve(REPO, process.env.CARGO_TARGET_DIR) : join(REPO, 'target');
    const binary = join(targetDir, 'debug/partner-billing');

    const apiPort = await freePort();
    const env = {
      ...process.env,
      PB_DATABASE_URL: `sqlite://${join(dir, 'pb.db')}?mode=rwc`,
      PB_LISTEN: `127.0.0.1:${apiPort}`,
      // The production build, served by the API binary itself (single process, SPA fallback).
      PB_FRONTEND_DIR: join(FRONTEND, 'dist'),
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
    };
    await runWithStdin(binary, ['create-admin', '--email', adminEmail, '--password-stdin'], adminPassword, env);

    const apiLog = createWriteStream(join(dir, 'api.log'));
    const api = spawn(binary, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(api);
    api.stdout.pipe(apiLog);
    api.stderr.pipe(apiLog);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitForHttp(`${apiUrl}/readyz`, api, 'the API');

    const webUrl = apiUrl;
    await waitForHttp(`${webUrl}/`, api, 'the web app served by the API');

    // A fresh profile per launch (Playwright makes a new --user-data-dir); no network beyond
    // loopback, so every background service is switched off.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });

    /** Calls the API directly (not through the browser), e.g. with an API token. */
    const graphql = async (query, variables, token) => {
      const response = await fetch(`${apiUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return response.json();
    };

    return { apiUrl, webUrl, browser, graphql, dir, close };
  } catch (error) {
    await close();
    throw error;
  }
}
