// npm run test:mutation [-- --refresh] [scope …]     (scopes: wechat-pay, orders, refunds; default: all)
//
// Runs Stryker for each scope and fails when any mutated file scores under 90 % (check-file-scores.ts).
// A full run of the orders money path takes about 26 minutes on 2 cores, so by default each scope runs
// incrementally against its committed baseline (reports/stryker-incremental-<scope>.json): mutants
// whose code didn't change keep their result, changed ones are tested again.
//
// Stryker can't tell when the *tests* changed (or code they use that isn't mutated, or the sandbox
// they run against): a reused "killed" could then hide a weakened test. So the baseline is paired
// with a fingerprint of everything the scope's tests depend on except the mutated files themselves
// (reports/stryker-incremental-<scope>.fingerprint.json): the test files and every module they import,
// transitively (found by dependency-cruiser), the mutation configs, the database schema and
// migrations, and package-lock.json. When the fingerprint differs, the run is a full one (--force).
//
// --refresh: a full run of each scope, then the new fingerprint is written. Commit both files after
// changing tests, so that CI's run stays incremental (a few minutes instead of half an hour).
// --status: only says, per scope, whether the next run would be incremental or full.
// --accept: an incremental run whatever the fingerprint says, against the baseline in place (say, the
// report of a full run that was just made, copied from reports/mutation/<scope>.json after adding tests
// for its survivors); when every file passes, the fingerprint is written as after --refresh. Stryker
// re-tests every mutant whose code or covering tests changed since that baseline.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createServiceLogger } from '@recharge/log';

const logger = createServiceLogger('mutation');

interface Scope {
  /** Stryker config (tests/mutation/stryker.<scope>.mjs). */
  config: string;
  /** Where the scope's tests and their setup start: dependency-cruiser follows imports from here. */
  roots: string[];
  /** What Stryker mutates (prefixes or exact files), left out of the fingerprint: Stryker tracks those. */
  mutated: string[];
}

const SCOPES: Record<string, Scope> = {
  'wechat-pay': {
    config: 'tests/mutation/stryker.wechat-pay.mjs',
    roots: ['tests/unit/wechat-pay', 'tests/mutation'],
    mutated: ['lib/wechat-pay/'],
  },
  orders: {
    config: 'tests/mutation/stryker.orders.mjs',
    roots: [
      'tests/integration/orders',
      'tests/integration/platform-certificates',
      'tests/mutation',
      'tests/support/global-setup.ts',
      'tests/support/integration-env.ts',
    ],
    mutated: [
      'lib/orders/create-order.ts',
      'lib/orders/settle-order.ts',
      'lib/orders/handle-payment-notification.ts',
      'lib/orders/get-order-status.ts',
      'lib/orders/order-status-cache.ts',
    ],
  },
  refunds: {
    config: 'tests/mutation/stryker.refunds.mjs',
    roots: [
      'tests/integration/refunds',
      'tests/integration/bills',
      'tests/unit/bills',
      'tests/mutation',
      'tests/support/global-setup.ts',
      'tests/support/integration-env.ts',
    ],
    mutated: [
      'lib/refunds/apply-refund-state.ts',
      'lib/refunds/request-refund.ts',
      'lib/refunds/refundable.ts',
      'lib/refunds/reconcile-refunds.ts',
      'lib/refunds/handle-refund-notification.ts',
      'lib/refunds/learn-refunds.ts',
      'lib/bills/compare.ts',
      'lib/bills/run-bill-reconciliation.ts',
    ],
  },
};

/** Inputs no import reaches: the database the tests migrate, and the exact dependency versions. */
const ALWAYS = ['package-lock.json', 'prisma/schema.prisma', 'prisma/migrations', 'vitest.config.ts'];

/** The file itself, or every file under a directory. */
function filesAt(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  const entries = readdirSync(path, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** The repository files a scope's tests depend on (sorted), mutated files excluded. */
function dependencies(scope: Scope): string[] {
  // A directory is given as a glob of its sources: dependency-cruiser, given the bare directory, skips
  // the test files in it.
  const roots = scope.roots.map((root) =>
    statSync(root).isDirectory() ? `${root}/**/*.{ts,tsx,mjs}` : root,
  );
  const output = execFileSync(
    'npx',
    ['depcruise', '--config', '.dependency-cruiser.cjs', '--output-type', 'json', ...roots],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const cruised = JSON.parse(output) as { modules: { source: string; coreModule?: boolean }[] };
  const modules = cruised.modules
    .map((m) => m.source)
    // Generated from prisma/schema.prisma on install (which is fingerprinted instead).
    .filter((source) => !source.startsWith('node_modules/') && !source.startsWith('lib/generated/'))
    .filter((source) => existsSync(source));
  const extras = ALWAYS.flatMap(filesAt);
  const isMutated = (file: string) =>
    scope.mutated.some((m) => (m.endsWith('/') ? file.startsWith(m) : file === m));
  return [...new Set([...modules, ...extras])].filter((file) => !isMutated(file)).sort();
}

function fingerprintOf(files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

const fingerprintPath = (name: string) => `reports/stryker-incremental-${name}.fingerprint.json`;
const baselinePath = (name: string) => `reports/stryker-incremental-${name}.json`;

function recordedFingerprint(name: string): string | null {
  try {
    return (JSON.parse(readFileSync(fingerprintPath(name), 'utf8')) as { sha256: string }).sha256;
  } catch {
    return null;
  }
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: {
      refresh: { type: 'boolean', default: false },
      status: { type: 'boolean', default: false },
      accept: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const names = positionals.length > 0 ? positionals : Object.keys(SCOPES);
  for (const name of names) {
    const scope = SCOPES[name];
    if (!scope) throw new Error(`unknown scope ${name}; known: ${Object.keys(SCOPES).join(', ')}`);
    const files = dependencies(scope);
    const fingerprint = fingerprintOf(files);
    const fresh =
      values.accept ||
      (!values.refresh && existsSync(baselinePath(name)) && recordedFingerprint(name) === fingerprint);
    const why = values.refresh ? '--refresh' : 'tests or their inputs changed since the baseline';
    logger.info(
      { scope: name, inputs: files.length, run: fresh ? 'incremental' : 'full' },
      fresh
        ? `[mutation] ${name}: tests and their ${files.length} inputs unchanged since the baseline: incremental run`
        : `[mutation] ${name}: ${why} (${files.length} inputs): full run`,
    );
    if (values.status) continue;
    run('npx', ['stryker', 'run', scope.config, ...(fresh ? [] : ['--force'])]);
    run('npx', [
      'tsx',
      'scripts/mutation/check-file-scores.ts',
      '--min',
      '90',
      `reports/mutation/${name}.json`,
    ]);
    if (!fresh || values.accept) {
      writeFileSync(
        fingerprintPath(name),
        `${JSON.stringify({ sha256: fingerprint, inputs: files }, null, 2)}\n`,
      );
      logger.info(`[mutation] ${name}: wrote ${fingerprintPath(name)}; commit it with ${baselinePath(name)}`);
    }
  }
}

main();
