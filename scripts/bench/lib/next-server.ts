// The production build and the `next start` servers: one for the load, with a query delay longer
// than the run so the polled order never turns old; one with the app's default delay for the
// young-order check; and one whose database traffic passes the bench's wire counter, for round
// trips per request (the extra hop would only add noise to the other two's timings). All are
// measured as users get them, not as `next dev` serves.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { onCleanup } from './cleanup';
import { benchLog } from './log';
import { DEFAULT_QUERY_DELAY_MS, HOST, LOAD_QUERY_DELAY_MS, NEXT_BIN, PORTS, ROOT } from './settings';

export interface NextServer {
  url: string;
  pid: number | undefined;
  ready: Promise<void>;
}

export interface Servers {
  load: NextServer;
  youngOrder: NextServer;
  /** Connects to PostgreSQL through the wire counter (lib/pg-wire-counter.ts); default query delay. */
  counted: NextServer;
}

/** What the app's build is made of: a build older than any of these is stale. */
const BUILD_INPUTS = [
  'app',
  'components',
  'lib',
  'packages/log',
  'public',
  'proxy.ts',
  'instrumentation.ts',
  'next.config.mjs',
  'package-lock.json',
];

/** The newest modification time among `path` and, for a directory, everything under it. */
function newestMtimeMs(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'generated') continue;
    newest = Math.max(newest, newestMtimeMs(resolve(path, entry.name)));
  }
  return newest;
}

/**
 * Builds the app when it has no build, when its build is older than its sources (measuring a stale
 * build would credit or blame the wrong code), or when the build has no /api/live (the floor).
 */
export function ensureBuild(env: Record<string, string>): void {
  const buildId = resolve(ROOT, '.next/BUILD_ID');
  const hasBuild = existsSync(buildId);
  const hasFloor = existsSync(resolve(ROOT, '.next/server/app/api/live/route.js'));
  const stale =
    hasBuild &&
    Math.max(...BUILD_INPUTS.map((input) => newestMtimeMs(resolve(ROOT, input)))) > statSync(buildId).mtimeMs;
  if (hasBuild && hasFloor && !stale) return;
  benchLog.info(
    !hasBuild
      ? 'No build yet: next build'
      : stale
        ? 'The build is older than its sources: next build'
        : 'The build has no /api/live: next build',
  );
  const buildEnv: Record<string, string> = { ...env, NEXT_TELEMETRY_DISABLED: '1' };
  delete buildEnv.NODE_ENV;
  const build = spawnSync(process.execPath, [NEXT_BIN, 'build'], {
    cwd: ROOT,
    env: buildEnv as NodeJS.ProcessEnv,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('next build failed');
}

/** `countedDatabaseUrl`: the bench database through the wire counter, for the counted server. */
export async function startServers(
  stackEnv: Record<string, string>,
  countedDatabaseUrl: string,
): Promise<Servers> {
  const load = startNextServer(PORTS.app, appEnv(stackEnv, PORTS.app, LOAD_QUERY_DELAY_MS));
  const youngOrder = startNextServer(
    PORTS.youngOrderApp,
    appEnv(stackEnv, PORTS.youngOrderApp, DEFAULT_QUERY_DELAY_MS),
  );
  const counted = startNextServer(PORTS.countedApp, {
    ...appEnv(stackEnv, PORTS.countedApp, DEFAULT_QUERY_DELAY_MS),
    DATABASE_URL: countedDatabaseUrl,
  });
  await Promise.all([load.ready, youngOrder.ready, counted.ready]);
  benchLog.info(
    `app: next start on ${load.url} (load), ${youngOrder.url} (fresh-order check) and ${counted.url} ` +
      '(database round trips counted)',
  );
  return { load, youngOrder, counted };
}

export function appEnv(
  stackEnv: Record<string, string>,
  port: number,
  queryDelayMs: number,
): Record<string, string> {
  return {
    ...stackEnv,
    APP_BASE_URL: `http://${HOST}:${port}`,
    WECHATPAY_NOTIFY_URL: `http://${HOST}:${port}/api/wechat-pay/notify`,
    STATUS_QUERY_DELAY_MS: String(queryDelayMs),
    // The load comes from one address at hundreds of polls a second: above any limit meant for
    // people. The limiter still runs and counts on every poll (its cost is in the figures); it just
    // never refuses.
    STATUS_POLL_RATE_LIMIT_PER_IP_PER_MINUTE: '1000000000',
    // Likewise the order-creation scenario: hundreds of sign-ins and orders from one address in a
    // minute, two orders per user. Every limit is still checked on every request.
    SIGN_IN_RATE_LIMIT_PER_MINUTE: '1000000000',
    ORDER_RATE_LIMIT_PER_IP_PER_MINUTE: '1000000000',
    ORDER_RATE_LIMIT_PER_USER_PER_MINUTE: '1000000000',
    // The minute's sweep would land in whatever window is being counted (about a minute in, the
    // fresh-order check's): it is background work, not what polling costs.
    RECONCILE_INTERVAL_MS: '0',
    NEXT_TELEMETRY_DISABLED: '1',
  };
}

/** `next start` of the app (or of `cwd`'s build), ready once `readyPath` answers 2xx. */
export function startNextServer(
  port: number,
  env: Record<string, string>,
  { cwd = ROOT, readyPath = '/api/live' }: { cwd?: string; readyPath?: string } = {},
): NextServer {
  const url = `http://${HOST}:${port}`;
  const child = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(port), '-H', HOST], {
    cwd,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The last 100 lines, for the error when the server never answers.
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) output.push(line);
    output.splice(0, Math.max(0, output.length - 100));
  };
  child.stdout?.on('data', keep);
  // The app's warnings (a failed background query, say) matter to the figures: show them.
  child.stderr?.on('data', (chunk: Buffer) => {
    keep(chunk);
    for (const line of chunk.toString().split('\n'))
      if (line.trim()) benchLog.warn({ port }, `[app] ${line}`);
  });
  onCleanup(`next start :${port}`, () => stopChild(child));
  const ready = (async () => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      const ok = await fetch(`${url}${readyPath}`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return;
      await sleep(200);
    }
    throw new Error(`next start on ${url} did not become ready:\n${output.join('\n')}`);
  })();
  return { url, pid: child.pid, ready };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}
