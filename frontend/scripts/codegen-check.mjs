// Fails when src/generated/graphql.ts is not what `npm run codegen` would write now (the schema
// or an operation changed without regenerating). Regenerates into a temporary file and compares.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const committed = join(root, 'src/generated/graphql.ts');
const dir = mkdtempSync(join(tmpdir(), 'pb-codegen-'));
const fresh = join(dir, 'graphql.ts');
try {
  execFileSync(join(root, 'node_modules/.bin/graphql-codegen'), ['--config', 'codegen.ts'], {
    cwd: root,
    env: { ...process.env, PB_CODEGEN_OUT: fresh },
    stdio: 'inherit',
  });
  let current = '';
  try {
    current = readFileSync(committed, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (readFileSync(fresh, 'utf8') !== current) {
    console.error('src/generated/graphql.ts is stale: run `npm run codegen` and commit the result.');
    process.exit(1);
  }
  console.log('codegen: src/generated/graphql.ts is up to date');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
