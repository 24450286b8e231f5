// npm run bench — the polled status route (GET /api/orders/{id}/status) against a floor (GET
// /api/live, a handler that touches nothing) on the same production server, in the same run,
// alternating floor / status rounds; plus the database queries and WeChat Pay calls polling causes.
//
// Needs real PostgreSQL and Redis: DATABASE_URL (a database other than `postgres`; migrations are
// applied, nothing is dropped) and REDIS_URL when set, else postgresql://postgres@127.0.0.1:5432 with
// a fresh database `recharge_bench` (dropped at the end) and redis://127.0.0.1:6379/14 (flushed).
// Starts, on loopback and on its own ports, the Upstash REST bridge in front of that Redis, the
// WeChat Pay sandbox and two `next start` servers (the build is made first if missing or without
// /api/live): one for the load, with STATUS_QUERY_DELAY_MS=3600000 so that no order turns "old"
// (old open orders get a background WeChat query) during 40 s of load; one with the default 5 s
// delay for the fresh-order check. Stops all of it at the end, on error and on Ctrl-C.
//
// Environment: BENCH_ROUNDS (2), BENCH_ROUND_SECONDS (10), BENCH_CONNECTIONS (20).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis as UpstashRedis } from '@upstash/redis';
import IORedis from 'ioredis';
import pg from 'pg';
import { loadLocalEnvFile } from '../local/load-env-file';
import { startLocalStack } from '../local/stack';
import {
  type CpuMeter,
  type CpuSnapshot,
  cpuSpent,
  localRedisPid,
  ownCpuMeter,
  processCpuMeter,
  snapshot,
} from './cpu';
import { APP_APPLICATION_NAME, type DbCounter, openDbCounter } from './db-counter';
import { type LoadRun, type LoadSummary, percentile, runLoad, summarize } from './load';

const ROOT = resolve(import.meta.dirname, '../..');
const NEXT_BIN = resolve(ROOT, 'node_modules/next/dist/bin/next');
const HOST = '127.0.0.1';
const PORTS = { app: 3610, freshApp: 3611, sandbox: 3620, bridge: 8610 } as const;

const ROUNDS = intFromEnv('BENCH_ROUNDS', 2);
const ROUND_SECONDS = intFromEnv('BENCH_ROUND_SECONDS', 10);
const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 20);
const WARMUP_SECONDS = 3;
const FRESH_CONNECTIONS = 10;
/** Longer than the run: every order stays "young" (no background WeChat query) during the load. */
const LOAD_QUERY_DELAY_MS = 3_600_000;
/** The app's default STATUS_QUERY_DELAY_MS, and the Redis lock of the background query. */
const DEFAULT_QUERY_DELAY_MS = 5_000;
const QUERY_LOCK_MS = 4_000;
const TIME_LIMIT_MS = 120_000;
const AIM_RATIO = 0.6;

const DEFAULT_DATABASE = 'recharge_bench';
const DEFAULT_POSTGRES = `postgresql://postgres@${HOST}:5432/postgres`;
const DEFAULT_REDIS = `redis://${HOST}:6379/14`;

type Calls = { create: number; query: number; close: number };

// --- cleanup: everything started registers how to stop it; run once, in reverse order ---------

const cleanups: { name: string; run: () => Promise<void> }[] = [];
let cleaning: Promise<void> | undefined;

function onCleanup(name: string, run: () => Promise<void>): void {
  cleanups.push({ name, run });
}

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const { name, run } of cleanups.reverse()) {
      await run().catch((error: unknown) =>
        console.error(`  stopping ${name} failed: ${errorMessage(error)}`),
      );
    }
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping what the bench started…`);
    void cleanup().then(() => process.exit(130));
  });
}

// --- main ----------------------------------------------------------------------------------------

async function main(): Promise<void> {
  loadLocalEnvFile();
  ensureDevKeys();
  const startedAt = new Date();
  console.log(`bench: ${startedAt.toISOString()}, ${machineNote()}`);

  // Ports, PostgreSQL and Redis first: without them there is nothing to measure.
  for (const port of Object.values(PORTS)) await assertPortFree(port);
  const db = await prepareDatabase(process.env.DATABASE_URL);
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS;
  const redis = await connectRedis(redisUrl);
  onCleanup('redis client', async () => void redis.disconnect());
  if (!process.env.REDIS_URL) {
    await redis.flushdb();
    onCleanup('redis bench keys', async () => void (await redis.flushdb()));
  }
  console.log(`database: ${redact(db.appUrl)}${db.created ? ' (created fresh)' : ''}`);
  console.log(`redis: ${redact(redisUrl)}`);

  const baseEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.appUrl, REDIS_URL: redisUrl };
  // Loopback only: the local bridge in front of REDIS_URL, never a configured Upstash; URLs derived
  // from this run's ports; Next sets NODE_ENV itself.
  for (const name of [
    'UPSTASH_REDIS_REST_URL',
    'UPSTASH_REDIS_REST_TOKEN',
    'APP_BASE_URL',
    'WECHATPAY_NOTIFY_URL',
    'NODE_ENV',
  ]) {
    delete baseEnv[name];
  }
  const unusedDataDir = mkdtempSync(join(os.tmpdir(), 'recharge-bench-'));
  onCleanup('temp dir', async () => rmSync(unusedDataDir, { recursive: true, force: true }));
  const stack = await startLocalStack({
    env: baseEnv,
    dataDir: unusedDataDir,
    appPort: PORTS.app,
    upstashPort: PORTS.bridge,
    sandboxPort: PORTS.sandbox,
    log: (message) => console.log(`  ${message}`),
  });
  onCleanup('local stack', () => stack.close());
  const sandboxUrl = stack.sandboxUrl;
  if (!sandboxUrl) {
    throw new Error(
      'WECHATPAY_BASE_URL does not point at the local sandbox: the bench never calls the real WeChat Pay. ' +
        'Unset it (and the merchant keys) or run npm run setup:keys.',
    );
  }

  ensureBuild(stack.env);
  // The time limit covers the run, not a first build.
  const watchdog = setTimeout(() => {
    console.error(`\nbench: over ${TIME_LIMIT_MS / 1000} s, aborting`);
    void cleanup().then(() => process.exit(1));
  }, TIME_LIMIT_MS);
  watchdog.unref();

  const appEnv = (port: number, queryDelayMs: number): Record<string, string> => ({
    ...stack.env,
    APP_BASE_URL: `http://${HOST}:${port}`,
    WECHATPAY_NOTIFY_URL: `http://${HOST}:${port}/api/wechat-pay/notify`,
    STATUS_QUERY_DELAY_MS: String(queryDelayMs),
    NEXT_TELEMETRY_DISABLED: '1',
  });
  const app = startNextServer(PORTS.app, appEnv(PORTS.app, LOAD_QUERY_DELAY_MS));
  const freshApp = startNextServer(PORTS.freshApp, appEnv(PORTS.freshApp, DEFAULT_QUERY_DELAY_MS));
  await Promise.all([app.ready, freshApp.ready]);
  console.log(`app: next start on ${app.url} (load) and ${freshApp.url} (fresh-order check)`);

  const counter = await openDbCounter(db.maintenanceUrl, db.name);
  onCleanup('database counter', () => counter.close());

  const meters = [
    processCpuMeter('next-server', app.pid),
    ownCpuMeter('bench process'),
    processCpuMeter('redis-server', localRedisPid(await redis.info('server'))),
  ];
  const load = await measureLoad(app, sandboxUrl, counter, meters);
  const costs = await measureCosts(app, load.order, stack.env, redis);
  const fresh = await checkFreshOrder(freshApp, sandboxUrl, counter);

  printReport({ startedAt, load, costs, fresh });
  clearTimeout(watchdog);
  const failures = [...load.failures, ...fresh.failures];
  if (failures.length > 0) {
    console.log(`\nFAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    process.exitCode = 1;
  }
}

// --- the load: floor and status, alternating, same server ---------------------------------------

interface Order {
  orderId: string;
  cookie: string;
}

interface MeasuredRoute {
  runs: LoadRun[];
  summary: LoadSummary;
  /** CPU milliseconds per meter over all runs of the route. */
  cpuMs: CpuSnapshot;
}

interface LoadReport {
  order: Order;
  floor: MeasuredRoute;
  status: MeasuredRoute;
  dbTransactions: number;
  activity: { opened: number; queried: number };
  wechat: Calls;
  failures: string[];
}

async function measureLoad(
  app: NextServer,
  sandboxUrl: string,
  counter: DbCounter,
  meters: CpuMeter[],
): Promise<LoadReport> {
  const order = await createOrder(app.url);
  const floorUrl = `${app.url}/api/live`;
  const statusUrl = `${app.url}/api/orders/${order.orderId}/status`;
  const statusHeaders = { cookie: order.cookie };
  await expectFloor(floorUrl);
  await expectPendingStatus(statusUrl, order.cookie);
  const appConnections = await counter.activitySince(new Date(0));
  if (appConnections.connections === 0) {
    throw new Error(
      `no app connection named ${APP_APPLICATION_NAME} in pg_stat_activity: cannot count queries`,
    );
  }

  console.log(`\nwarm-up: ${WARMUP_SECONDS} s each route`);
  await runLoad({ label: 'warm-up floor', url: floorUrl, seconds: WARMUP_SECONDS, connections: CONNECTIONS });
  await runLoad({
    label: 'warm-up status',
    url: statusUrl,
    headers: statusHeaders,
    seconds: WARMUP_SECONDS,
    connections: CONNECTIONS,
  });

  const x0 = await counter.settledCount();
  const s0 = await wechatCalls(sandboxUrl);
  const windowStart = await counter.now();
  const floorRuns: LoadRun[] = [];
  const statusRuns: LoadRun[] = [];
  const floorCpu: CpuSnapshot[] = [];
  const statusCpu: CpuSnapshot[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [runs, cpu, label, url, headers] of [
      [floorRuns, floorCpu, 'floor', floorUrl, undefined],
      [statusRuns, statusCpu, 'status', statusUrl, statusHeaders],
    ] as const) {
      const before = snapshot(meters);
      const run = await runLoad({
        label: `${label} ${round}`,
        url,
        headers,
        seconds: ROUND_SECONDS,
        connections: CONNECTIONS,
      });
      cpu.push(cpuSpent(before, snapshot(meters)));
      runs.push(run);
      const serverMs = cpu[cpu.length - 1]?.['next-server'];
      const perRequest =
        serverMs == null ? '' : `  next-server ${((serverMs * 1000) / run.requests).toFixed(0)} µs/req`;
      console.log(`  ${formatRun(run)}${perRequest}`);
    }
  }
  const activity = await counter.activitySince(windowStart);
  const x1 = await counter.settledCount();
  const s1 = await wechatCalls(sandboxUrl);

  const floor = {
    runs: floorRuns,
    summary: summarize('GET /api/live (floor)', floorRuns),
    cpuMs: sumCpu(floorCpu),
  };
  const status = {
    runs: statusRuns,
    summary: summarize('GET /api/orders/{id}/status', statusRuns),
    cpuMs: sumCpu(statusCpu),
  };
  const wechat = diffCalls(s1, s0);
  const failures: string[] = [];
  if (x1 - x0 !== 0) failures.push(`load: ${x1 - x0} database transactions while polling (expected 0)`);
  if (totalCalls(wechat) !== 0)
    failures.push(`load: WeChat Pay calls while polling: ${JSON.stringify(wechat)}`);
  for (const { summary: s } of [floor, status]) {
    if (s.errors + s.non2xx > 0) failures.push(`load: ${s.label}: ${s.errors} errors, ${s.non2xx} non-2xx`);
  }
  return {
    order,
    floor,
    status,
    dbTransactions: x1 - x0,
    activity,
    wechat,
    failures,
  };
}

// --- where the status route's time goes (server idle) --------------------------------------------

interface CostReport {
  sequential: { floorP50Ms: number; statusP50Ms: number; n: number };
  redisDirect: { opsPerSecond: number; p50Ms: number };
  redisBridge: { opsPerSecond: number; p50Ms: number };
  hmacMicroseconds: number;
}

async function measureCosts(
  app: NextServer,
  order: Order,
  env: Record<string, string>,
  redis: IORedis,
): Promise<CostReport> {
  console.log('\ncosts: one request at a time, and Redis GET direct vs. through the REST bridge');
  const n = 300;
  const floorP50Ms = await sequentialP50(`${app.url}/api/live`, {}, n);
  const statusP50Ms = await sequentialP50(
    `${app.url}/api/orders/${order.orderId}/status`,
    { cookie: order.cookie },
    n,
  );

  // The key the status route reads (lib/orders/order-status-cache.ts: orderStatusKey).
  const key = `order:${order.orderId}:status`;
  if ((await redis.get(key)) === null) throw new Error(`status key ${key} not found in Redis`);
  const upstash = new UpstashRedis({
    url: required(env, 'UPSTASH_REDIS_REST_URL'),
    token: required(env, 'UPSTASH_REDIS_REST_TOKEN'),
  });
  const redisDirect = await concurrentOps(() => redis.get(key), CONNECTIONS, 1_500);
  const redisBridge = await concurrentOps(() => upstash.get(key), CONNECTIONS, 1_500);

  // What verifyAccountCookie (lib/accounts/account-cookie.ts) computes per request.
  const secret = required(env, 'SESSION_SECRET');
  const accountId = randomUUID();
  const cookie = `${accountId}.${createHmac('sha256', secret).update(`account:${accountId}`).digest('base64url')}`;
  const rounds = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    const dot = cookie.indexOf('.');
    const given = Buffer.from(cookie.slice(dot + 1));
    const expected = Buffer.from(
      createHmac('sha256', secret)
        .update(`account:${cookie.slice(0, dot)}`)
        .digest('base64url'),
    );
    if (!timingSafeEqual(given, expected)) throw new Error('HMAC check failed');
  }
  const hmacMicroseconds = ((performance.now() - t0) * 1000) / rounds;
  return { sequential: { floorP50Ms, statusP50Ms, n }, redisDirect, redisBridge, hmacMicroseconds };
}

async function sequentialP50(url: string, headers: Record<string, string>, n: number): Promise<number> {
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    times[i] = performance.now() - t0;
    if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  }
  times.sort();
  return percentile(times, 50);
}

async function concurrentOps(
  op: () => Promise<unknown>,
  concurrency: number,
  durationMs: number,
): Promise<{ opsPerSecond: number; p50Ms: number }> {
  const latencies: number[] = [];
  const end = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await op();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  return {
    opsPerSecond: latencies.length / elapsedS,
    p50Ms: percentile(Float64Array.from(latencies).sort(), 50),
  };
}

// --- fresh order, default 5 s delay: nothing for 4 s, then at most one query per lock -----------

interface FreshReport {
  creationTransactions: number;
  creationCalls: Calls;
  young: {
    fromAgeS: number;
    toAgeS: number;
    run: LoadRun;
    dbTransactions: number;
    activity: { opened: number; queried: number };
    wechat: Calls;
  };
  old: {
    fromAgeS: number;
    toAgeS: number;
    run: LoadRun;
    dbTransactions: number;
    wechat: Calls;
    queryAgesS: number[];
    minGapS: number | null;
    maxQueries: number;
  };
  failures: string[];
}

async function checkFreshOrder(
  app: NextServer,
  sandboxUrl: string,
  counter: DbCounter,
): Promise<FreshReport> {
  console.log(`\nfresh order on ${app.url} (STATUS_QUERY_DELAY_MS=${DEFAULT_QUERY_DELAY_MS})`);
  const x0 = await counter.settledCount();
  const s0 = await wechatCalls(sandboxUrl);
  // The order's created_at lies between these two instants: ages below are upper bounds (from
  // sentAt) for the young phase and lower bounds (from receivedAt) for the old one.
  const sentAt = performance.now();
  const order = await createOrder(app.url);
  const receivedAt = performance.now();
  const statusUrl = `${app.url}/api/orders/${order.orderId}/status`;
  const headers = { cookie: order.cookie };
  const x1 = await counter.settledCount();
  const s1 = await wechatCalls(sandboxUrl);

  // Young: poll hard until the order is 4 s old (autocannon stops within its 100 ms sample).
  const youngStart = await counter.now();
  const youngFrom = (performance.now() - sentAt) / 1000;
  const youngRun = await runLoad({
    label: 'status, order < 4 s old',
    url: statusUrl,
    headers,
    seconds: Math.max(0.5, (sentAt + 3_850 - performance.now()) / 1000),
    connections: FRESH_CONNECTIONS,
  });
  const youngTo = (performance.now() - sentAt) / 1000;
  const youngActivity = await counter.activitySince(youngStart);
  const x2 = await counter.settledCount();
  const s2 = await wechatCalls(sandboxUrl);
  console.log(`  ${formatRun(youngRun)}  (order age ${youngFrom.toFixed(2)}–${youngTo.toFixed(2)} s)`);

  // Old: from 6 s on, poll for 8 s while watching the sandbox's query counter.
  await sleep(receivedAt + 6_000 - performance.now());
  const oldFrom = (performance.now() - receivedAt) / 1000;
  const oldSeconds = 8;
  const queryAgesS: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    let last = s2.query;
    while (sampling) {
      const { query } = await wechatCalls(sandboxUrl);
      const age = (performance.now() - receivedAt) / 1000;
      for (; last < query; last++) queryAgesS.push(age);
      await sleep(50);
    }
  })();
  const oldRun = await runLoad({
    label: 'status, order 6–14 s old',
    url: statusUrl,
    headers,
    seconds: oldSeconds,
    connections: FRESH_CONNECTIONS,
  });
  const oldTo = (performance.now() - receivedAt) / 1000;
  await sleep(500); // background queries started by the last polls finish
  sampling = false;
  await sampler;
  const s3 = await wechatCalls(sandboxUrl);
  const x3 = await counter.settledCount();
  console.log(`  ${formatRun(oldRun)}  (order age ${oldFrom.toFixed(2)}–${oldTo.toFixed(2)} s)`);

  const gaps = queryAgesS.slice(1).map((age, i) => age - (queryAgesS[i] ?? age));
  // One query when polling starts, then one each time the 4 s lock expires.
  const maxQueries = Math.floor(((oldTo - oldFrom) * 1000) / QUERY_LOCK_MS) + 1;
  const young = {
    fromAgeS: youngFrom,
    toAgeS: youngTo,
    run: youngRun,
    dbTransactions: x2 - x1,
    activity: youngActivity,
    wechat: diffCalls(s2, s1),
  };
  const old = {
    fromAgeS: oldFrom,
    toAgeS: oldTo,
    run: oldRun,
    dbTransactions: x3 - x2,
    wechat: diffCalls(s3, s2),
    queryAgesS,
    minGapS: gaps.length > 0 ? Math.min(...gaps) : null,
    maxQueries,
  };
  const failures: string[] = [];
  if (young.dbTransactions !== 0 || young.activity.opened + young.activity.queried !== 0) {
    failures.push(`fresh order < 4 s: ${young.dbTransactions} database transactions (expected 0)`);
  }
  if (totalCalls(young.wechat) !== 0) {
    failures.push(`fresh order < 4 s: WeChat Pay calls ${JSON.stringify(young.wechat)} (expected none)`);
  }
  if (old.wechat.query < 1 || old.wechat.query > maxQueries) {
    failures.push(`order 6–14 s: ${old.wechat.query} WeChat queries (expected 1…${maxQueries})`);
  }
  // The counter is sampled every ~50 ms: allow that much on each end of a gap.
  if (old.minGapS !== null && old.minGapS < QUERY_LOCK_MS / 1000 - 0.25) {
    failures.push(`order 6–14 s: two WeChat queries ${old.minGapS.toFixed(2)} s apart (lock is 4 s)`);
  }
  for (const run of [youngRun, oldRun]) {
    if (run.errors + run.timeouts + run.non2xx > 0) failures.push(`${run.label}: errors or non-2xx answers`);
  }
  return {
    creationTransactions: x1 - x0,
    creationCalls: diffCalls(s1, s0),
    young,
    old,
    failures,
  };
}

// --- report ----------------------------------------------------------------------------------------

function printReport(r: { startedAt: Date; load: LoadReport; costs: CostReport; fresh: FreshReport }): void {
  const { load, costs, fresh } = r;
  const ratio = load.status.summary.requestsPerSecond / load.floor.summary.requestsPerSecond;
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const lines: string[] = [];
  lines.push(
    `\n## Results (${r.startedAt.toISOString()}; ${machineNote()})`,
    '',
    `Same \`next start\` server, ${ROUNDS} rounds × ${ROUND_SECONDS} s per route alternating floor/status ` +
      `after a ${WARMUP_SECONDS} s warm-up each; ${CONNECTIONS} connections, pipelining 1; ` +
      `STATUS_QUERY_DELAY_MS=${LOAD_QUERY_DELAY_MS} for the load, so the polled order never turns old.`,
    '',
    row(['route', 'requests/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx']),
    row(['---', '---:', '---:', '---:', '---:', '---:']),
  );
  for (const { summary: s } of [load.floor, load.status]) {
    lines.push(
      row([
        s.label,
        s.requestsPerSecond.toFixed(0),
        s.p50Ms.toFixed(2),
        s.p99Ms.toFixed(2),
        String(s.errors),
        String(s.non2xx),
      ]),
    );
  }
  lines.push(
    '',
    `ratio status/floor: ${ratio.toFixed(2)} (aim ≥ ${AIM_RATIO}: ${ratio >= AIM_RATIO ? 'met' : 'NOT met'})`,
    `rounds (req/s): floor ${load.floor.runs.map(rps).join(', ')}; status ${load.status.runs.map(rps).join(', ')}`,
    '',
    'CPU per request, µs (all threads; the bench process is the load generator plus, for the status',
    'route, the Upstash REST bridge; redis-server may serve others too):',
    '',
    row(['route', ...Object.keys(load.floor.cpuMs)]),
    row(['---', ...Object.keys(load.floor.cpuMs).map(() => '---:')]),
    ...[load.floor, load.status].map((route) =>
      row([
        route.summary.label,
        ...Object.values(route.cpuMs).map((ms) =>
          ms === null ? 'n/a' : ((ms * 1000) / route.summary.requests).toFixed(0),
        ),
      ]),
    ),
    '',
    `next-server CPU ratio floor/status: ${serverCpuRatio(load)} (what status/floor would be if the server ` +
      'alone were the limit)',
    '',
    `While polling (${load.status.summary.requests} status requests, ${load.floor.summary.requests} floor requests):`,
    `- database transactions (pg_stat_database xact_commit + xact_rollback, app backends flushed): ` +
      `${load.dbTransactions}; app connections opened / querying in the window: ` +
      `${load.activity.opened} / ${load.activity.queried}`,
    `- WeChat Pay calls (sandbox /sandbox/stats): ${formatCalls(load.wechat)}`,
    '',
    `Fresh order, default STATUS_QUERY_DELAY_MS=${DEFAULT_QUERY_DELAY_MS} (second server):`,
    `- creating it: ${fresh.creationTransactions} database transactions, WeChat ${formatCalls(fresh.creationCalls)}`,
    `- polled at ${FRESH_CONNECTIONS} connections while ${fresh.young.fromAgeS.toFixed(2)}–` +
      `${fresh.young.toAgeS.toFixed(2)} s old: ${fresh.young.run.requests} requests, ` +
      `${fresh.young.dbTransactions} database transactions (app connections opened / querying: ` +
      `${fresh.young.activity.opened} / ${fresh.young.activity.queried}), WeChat ${formatCalls(fresh.young.wechat)}`,
    `- polled while ${fresh.old.fromAgeS.toFixed(2)}–${fresh.old.toAgeS.toFixed(2)} s old: ` +
      `${fresh.old.run.requests} requests, WeChat queries ${fresh.old.wechat.query} (at most ` +
      `${fresh.old.maxQueries} with the 4 s lock) at ≈ ${fresh.old.queryAgesS.map((a) => `${a.toFixed(1)} s`).join(', ')}` +
      `${fresh.old.minGapS === null ? '' : `, min gap ${fresh.old.minGapS.toFixed(2)} s`}; ` +
      `${fresh.old.dbTransactions} database transactions (the background query reads the order)`,
    '',
    'Costs, server otherwise idle:',
    `- one request at a time (${costs.sequential.n} each), p50: floor ${costs.sequential.floorP50Ms.toFixed(2)} ms, ` +
      `status ${costs.sequential.statusP50Ms.toFixed(2)} ms`,
    `- Redis GET of the status key, ${CONNECTIONS} concurrent from the bench process: direct (ioredis) ` +
      `${costs.redisDirect.opsPerSecond.toFixed(0)}/s p50 ${costs.redisDirect.p50Ms.toFixed(2)} ms; ` +
      `through the Upstash REST bridge (@upstash/redis) ${costs.redisBridge.opsPerSecond.toFixed(0)}/s ` +
      `p50 ${costs.redisBridge.p50Ms.toFixed(2)} ms`,
    `- account cookie HMAC-SHA256 check: ${costs.hmacMicroseconds.toFixed(1)} µs`,
  );
  console.log(lines.join('\n'));
}

function serverCpuRatio(load: LoadReport): string {
  const floor = load.floor.cpuMs['next-server'];
  const status = load.status.cpuMs['next-server'];
  if (floor == null || status == null || status === 0) return 'n/a';
  return (floor / load.floor.summary.requests / (status / load.status.summary.requests)).toFixed(2);
}

function sumCpu(spent: CpuSnapshot[]): CpuSnapshot {
  const total: CpuSnapshot = {};
  for (const one of spent) {
    for (const [name, ms] of Object.entries(one)) {
      const sofar = total[name];
      total[name] = ms === null || sofar === null ? null : (sofar ?? 0) + ms;
    }
  }
  return total;
}

function formatRun(run: LoadRun): string {
  const sorted = Float64Array.from(run.latenciesMs).sort();
  return (
    `${run.label.padEnd(26)} ${rps(run).padStart(6)} req/s  p50 ${percentile(sorted, 50).toFixed(2)} ms  ` +
    `p99 ${percentile(sorted, 99).toFixed(2)} ms  errors ${run.errors + run.timeouts}  non-2xx ${run.non2xx}`
  );
}

function rps(run: LoadRun): string {
  return (run.requests / run.durationS).toFixed(0);
}

function formatCalls(calls: Calls): string {
  return `create ${calls.create}, query ${calls.query}, close ${calls.close}`;
}

function machineNote(): string {
  const cpus = os.cpus();
  return `${cpus.length} CPU ${cpus[0]?.model.trim() ?? '?'}, Node ${process.version}, load avg ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}

// --- the app ------------------------------------------------------------------------------------

interface NextServer {
  url: string;
  pid: number | undefined;
  ready: Promise<void>;
}

function startNextServer(port: number, env: Record<string, string>): NextServer {
  const url = `http://${HOST}:${port}`;
  const child = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(port), '-H', HOST], {
    cwd: ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
      if (line.trim()) console.error(`  [app :${port}] ${line}`);
  });
  onCleanup(`next start :${port}`, () => stopChild(child));
  const ready = (async () => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      const ok = await fetch(`${url}/api/live`)
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

function ensureDevKeys(): void {
  if (process.env.WECHATPAY_MCHID) return;
  console.log('No WeChat Pay configuration found: generating dev keys into .env.local');
  const setup = spawnSync(process.execPath, ['--import', 'tsx', resolve(ROOT, 'scripts/setup-dev-keys.ts')], {
    stdio: 'inherit',
    cwd: ROOT,
  });
  if (setup.status !== 0) throw new Error('scripts/setup-dev-keys.ts failed');
  loadLocalEnvFile();
}

function ensureBuild(env: Record<string, string>): void {
  const hasBuild = existsSync(resolve(ROOT, '.next/BUILD_ID'));
  const hasFloor = existsSync(resolve(ROOT, '.next/server/app/api/live/route.js'));
  if (hasBuild && hasFloor) return;
  console.log(hasBuild ? 'The build has no /api/live: next build' : 'No build yet: next build');
  const buildEnv: Record<string, string> = { ...env, NEXT_TELEMETRY_DISABLED: '1' };
  delete buildEnv.NODE_ENV;
  const build = spawnSync(process.execPath, [NEXT_BIN, 'build'], {
    cwd: ROOT,
    env: buildEnv as NodeJS.ProcessEnv,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('next build failed');
}

async function createOrder(appUrl: string): Promise<Order> {
  const response = await fetch(`${appUrl}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ amountFen: 100 }),
  });
  const body = (await response.json().catch(() => null)) as { orderId?: string } | null;
  if (response.status !== 201 || !body?.orderId) {
    throw new Error(`POST /api/orders: ${response.status} ${JSON.stringify(body)}`);
  }
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith('recharge_account='));
  if (!cookie) throw new Error('POST /api/orders set no recharge_account cookie');
  return { orderId: body.orderId, cookie };
}

async function expectFloor(url: string): Promise<void> {
  const response = await fetch(url);
  const body = await response.text();
  if (
    response.status !== 200 ||
    body !== '{"status":"ok"}' ||
    response.headers.get('cache-control') !== 'no-store'
  ) {
    throw new Error(
      `GET ${url}: ${response.status} ${body} cache-control=${response.headers.get('cache-control')}`,
    );
  }
}

async function expectPendingStatus(url: string, cookie: string): Promise<void> {
  const response = await fetch(url, { headers: { cookie } });
  const body = (await response.json().catch(() => null)) as { status?: string } | null;
  if (response.status !== 200 || body?.status !== 'PENDING') {
    throw new Error(`GET ${url}: ${response.status} ${JSON.stringify(body)} (expected a PENDING order)`);
  }
}

async function wechatCalls(sandboxUrl: string): Promise<Calls> {
  const response = await fetch(`${sandboxUrl}/sandbox/stats`);
  if (!response.ok) throw new Error(`GET /sandbox/stats: ${response.status}`);
  const { calls } = (await response.json()) as { calls: Calls };
  return calls;
}

function diffCalls(after: Calls, before: Calls): Calls {
  return {
    create: after.create - before.create,
    query: after.query - before.query,
    close: after.close - before.close,
  };
}

function totalCalls(calls: Calls): number {
  return calls.create + calls.query + calls.close;
}

// --- PostgreSQL and Redis ---------------------------------------------------------------------

interface BenchDatabase {
  name: string;
  /** What the app connects with: the database plus an application_name the counter recognises. */
  appUrl: string;
  /** Same server, database `postgres`: where the counter reads from without counting itself. */
  maintenanceUrl: string;
  created: boolean;
}

async function prepareDatabase(configured: string | undefined): Promise<BenchDatabase> {
  const created = !configured;
  const baseUrl = configured || withDatabase(DEFAULT_POSTGRES, DEFAULT_DATABASE);
  const name = decodeURIComponent(new URL(baseUrl).pathname.slice(1));
  if (!name || name === 'postgres') {
    throw new Error(
      `DATABASE_URL must name a database other than "postgres" (${redact(baseUrl)}): the bench counts ` +
        'its transactions from the "postgres" database.',
    );
  }
  const maintenanceUrl = withDatabase(baseUrl, 'postgres');
  const admin = new pg.Client({ connectionString: maintenanceUrl, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${redact(maintenanceUrl)}: ${errorMessage(error)}. ` +
        (configured ? 'Check DATABASE_URL.' : 'Start PostgreSQL on 127.0.0.1:5432 or set DATABASE_URL.'),
    );
  }
  try {
    if (created) {
      await admin.query(`drop database if exists ${DEFAULT_DATABASE} with (force)`);
      await admin.query(`create database ${DEFAULT_DATABASE}`);
      onCleanup('bench database', async () => {
        const client = new pg.Client({ connectionString: maintenanceUrl, connectionTimeoutMillis: 3_000 });
        await client.connect();
        await client
          .query(`drop database if exists ${DEFAULT_DATABASE} with (force)`)
          .finally(() => client.end());
      });
    }
  } finally {
    await admin.end();
  }
  const app = new URL(baseUrl);
  app.searchParams.set('application_name', APP_APPLICATION_NAME);
  return { name, appUrl: app.toString(), maintenanceUrl, created };
}

async function connectRedis(url: string): Promise<IORedis> {
  const redis = new IORedis(url, {
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectionName: 'recharge-bench',
  });
  let lastError = '';
  redis.on('error', (error: Error) => {
    lastError = error.message;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `Redis is not reachable at ${redact(url)}: ${lastError || errorMessage(error)}. ` +
        (process.env.REDIS_URL
          ? 'Check REDIS_URL.'
          : 'Start redis-server on 127.0.0.1:6379 or set REDIS_URL.'),
    );
  }
  return redis;
}

function assertPortFree(port: number): Promise<void> {
  return new Promise((done, fail) => {
    const probe = net.createServer();
    probe.once('error', (error) =>
      fail(new Error(`port ${port} on ${HOST} is in use (another bench running?): ${errorMessage(error)}`)),
    );
    probe.listen(port, HOST, () => probe.close(() => done()));
  });
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

// --- small things ------------------------------------------------------------------------------

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function required(env: Record<string, string>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, Math.max(0, ms)));
}

main()
  .catch((error: unknown) => {
    console.error(`\nbench failed: ${errorMessage(error)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup();
    // Keep-alive sockets (fetch, autocannon) must not hold the process open.
    process.exit(process.exitCode ?? 0);
  });
