// Starts the real pieces for the browser test: the API binary on a fresh SQLite file, the built
// production web app served by that same API binary (PB_FRONTEND_DIR), and Debian's Chromium.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const FRONTEND = fileURLToPath(new URL('..', import.meta.url));
export const REPO = resolve(FRONTEND, '..');
// Screenshots go to an ignored folder: a test run never rewrites tracked files. The README's
// images in docs/screenshots are refreshed from here by an explicit `scripts/update-screenshots`.
export const SCREENSHOTS = process.env.PB_SCREENSHOT_DIR ?? join(FRONTEND, 'e2e/out/screenshots');
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

export function stop(child) {
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

/**
 * Debian's Chromium, headless. A fresh profile per launch (Playwright makes a new
 * --user-data-dir); no network beyond loopback, so every background service is switched off.
 */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  return chromium.launch({
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
}

/** Everything the test needs, started; call `close()` at the end. */
/** moto, the AWS emulator: TEST_MOTO_URL when the caller runs one, else one of our own (added to `children`). */
export async function startMoto(children, dir) {
  if (process.env.TEST_MOTO_URL) return process.env.TEST_MOTO_URL;
  const server = join(REPO, '.venv/bin/moto_server');
  if (!existsSync(server)) throw new Error('moto is missing: scripts/test-frontend installs it into .venv');
  const port = await freePort();
  const log = createWriteStream(join(dir, 'moto.log'));
  const moto = spawn(server, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(moto);
  moto.stdout.pipe(log);
  moto.stderr.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/moto-api/`, moto, 'moto');
  return url;
}

function canConnect(port) {
  return new Promise((resolveConnect) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolveConnect(true);
    });
    socket.once('error', () => resolveConnect(false));
  });
}

/**
 * An SMTP server on loopback (aiosmtpd from .venv, tests/fixtures/smtp_sink.py) that writes each
 * message it receives as JSON into a folder, so the test can read invitation mails.
 */
async function startSmtpSink(children, dir) {
  const python = join(REPO, '.venv/bin/python');
  if (!existsSync(python)) throw new Error('.venv is missing: scripts/test-frontend installs aiosmtpd into it');
  const folder = join(dir, 'mail');
  mkdirSync(folder, { recursive: true });
  const port = await freePort();
  const log = createWriteStream(join(dir, 'smtp.log'));
  const sink = spawn(python, [join(REPO, 'tests/fixtures/smtp_sink.py'), String(port), folder], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(sink);
  sink.stdout.pipe(log);
  sink.stderr.pipe(log);
  const deadline = Date.now() + 30_000;
  while (!(await canConnect(port))) {
    if (sink.exitCode !== null) throw new Error(`the SMTP sink exited early with code ${sink.exitCode}`);
    if (Date.now() > deadline) throw new Error(`the SMTP sink did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  /** Messages received so far (oldest first), optionally only those to `to`. */
  const messages = (to) =>
    readdirSync(folder)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => JSON.parse(readFileSync(join(folder, name), 'utf8')))
      .filter((m) => !to || m.to.some((r) => r.toLowerCase() === to.toLowerCase()));
  /** Waits (up to 30 s) until at least `n` messages to `to` arrived; returns them. */
  const waitForMail = async (to, n = 1) => {
    const until = Date.now() + 30_000;
    for (;;) {
      const got = messages(to);
      if (got.length >= n) return got;
      if (Date.now() > until) throw new Error(`fewer than ${n} mails to ${to} arrived (got ${got.length})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return { url: `smtp://127.0.0.1:${port}`, messages, waitForMail };
}

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

    const motoUrl = await startMoto(children, dir);
    const smtp = await startSmtpSink(children, dir);
    const apiPort = await freePort();
    const env = {
      ...process.env,
      // Every AWS call goes to moto, as the platform's own identity there.
      PB_AWS_ENDPOINT_URL: motoUrl,
      PB_AWS_MAX_ATTEMPTS: '1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_EC2_METADATA_DISABLED: 'true',
      // So each payer gets its CloudFormation quick-create link.
      PB_PLATFORM_ACCOUNT_ID: '123456789012',
      PB_PAYER_ROLE_TEMPLATE_URL: 'https://example.com/payer-access-role.yaml',
      PB_JOB_POLL_MS: '200',
      // Mail (invitations with their set-password link) goes to the SMTP sink; links point here.
      PB_SMTP_URL: smtp.url,
      PB_PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
      PB_NOTIFY_INTERVAL_MS: '200',
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

    browser = await launchChromium();

    /** Calls the API directly (not through the browser), e.g. with an API token. */
    const graphql = async (query, variables, token) => {
      const response = await fetch(`${apiUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return response.json();
    };

    /** Runs a command of the API binary (e.g. gen-cur, ingest) against the same database. */
    const cli = (args) => execFileSync(binary, args, { env, encoding: 'utf8' });

    /** An organization in moto whose management account is `account`. */
    const mockOrganization = (account) =>
      JSON.parse(execFileSync(join(REPO, '.venv/bin/python'), [join(FRONTEND, 'e2e/moto_org.py'), motoUrl, account], { encoding: 'utf8' }));

    return { apiUrl, webUrl, browser, graphql, cli, mockOrganization, mail: smtp, dir, close };
  } catch (error) {
    await close();
    throw error;
  }
}
