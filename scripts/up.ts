// npm run up — the whole product on one machine with nothing installed or configured:
// dev keys (first run), embedded PostgreSQL + local Upstash bridge (unless DATABASE_URL /
// UPSTASH_REDIS_REST_URL are set), the WeChat Pay sandbox, migrations, a production build, and
// `next start`. Ctrl-C stops everything it started; the embedded database keeps its data.
//
// Flags: --no-build (reuse .next), --dev (next dev instead of build + start).
// Environment: APP_PORT (3000), LOCAL_DATA_DIR (.data), EMBEDDED_POSTGRES_PORT (54329),
// UPSTASH_LOCAL_PORT (8079), SANDBOX_TIME_SCALE (1).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createServiceLogger } from '@recharge/log';
import { ensureDevKeys } from './local/dev-keys';
import { startLocalStack } from './local/stack';

const logger = createServiceLogger('up');

const ROOT = resolve(import.meta.dirname, '..');
const nextBin = resolve(ROOT, 'node_modules/next/dist/bin/next');

function optionalPort(value: string | undefined): number | undefined {
  return value ? Number(value) : undefined;
}

function run(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [nextBin, ...args], { cwd: ROOT, env, stdio: 'inherit' });
}

async function main(): Promise<void> {
  const flags = new Set(process.argv.slice(2));
  ensureDevKeys();
  const appPort = Number(process.env.APP_PORT ?? 3000);
  const stack = await startLocalStack({
    env: process.env,
    log: (message) => logger.info(message),
    dataDir: resolve(ROOT, process.env.LOCAL_DATA_DIR ?? '.data', 'postgres'),
    appPort,
    embeddedPostgresPort: optionalPort(process.env.EMBEDDED_POSTGRES_PORT),
    upstashPort: optionalPort(process.env.UPSTASH_LOCAL_PORT),
  });
  // Next sets NODE_ENV itself (production for build/start, development for dev).
  const env: NodeJS.ProcessEnv = Object.assign(Object.create(null), stack.env, {
    NEXT_TELEMETRY_DISABLED: '1',
  });

  let child: ChildProcess | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    child?.kill('SIGTERM');
    await stack.close();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  if (flags.has('--dev')) {
    child = run(['dev', '-p', String(appPort), '-H', '127.0.0.1'], env);
  } else {
    if (!flags.has('--no-build') || !existsSync(resolve(ROOT, '.next/BUILD_ID'))) {
      const build = spawnSync(process.execPath, [nextBin, 'build'], { cwd: ROOT, env, stdio: 'inherit' });
      if (build.status !== 0) return stop(build.status ?? 1);
    }
    child = run(['start', '-p', String(appPort), '-H', '127.0.0.1'], env);
  }
  // The address sign-in works on: cookies and WeChat's redirect belong to APP_BASE_URL's host.
  logger.info({ url: env.APP_BASE_URL }, `Recharge page: ${env.APP_BASE_URL}  (Ctrl-C stops everything)`);
  child.on('exit', (code) => void stop(code ?? 0));
}

main().catch((error: unknown) => {
  logger.fatal({ error }, error instanceof Error ? error.message : String(error));
  process.exit(1);
});
