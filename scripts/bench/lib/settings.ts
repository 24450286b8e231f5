// The bench's fixed choices in one place, so the report can say what was measured. README's
// "Benchmark" section describes them; change both together.
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const NEXT_BIN = resolve(ROOT, 'node_modules/next/dist/bin/next');
export const HOST = '127.0.0.1';
/** Own ports, away from `npm run up` (3000, 8079) and the e2e stack (3210, 3310): the bench runs beside either. */
export const PORTS = {
  app: 3610,
  youngOrderApp: 3611,
  countedApp: 3612,
  bareApp: 3630,
  sandbox: 3620,
  bridge: 8610,
} as const;
/** `npm run bench:pages` (Lighthouse) has its own stack, so it can run beside `npm run bench`. */
export const PAGES_PORTS = { app: 3710, bareApp: 3730, sandbox: 3720, bridge: 8710 } as const;

export const ROUNDS = positiveIntFromEnv('BENCH_ROUNDS', 2);
export const ROUND_SECONDS = positiveIntFromEnv('BENCH_ROUND_SECONDS', 10);
export const CONNECTIONS = positiveIntFromEnv('BENCH_CONNECTIONS', 20);
export const WARMUP_SECONDS = 3;
export const YOUNG_ORDER_CONNECTIONS = 10;
/** Longer than the run: every order stays "young" (no background WeChat query) during the load. */
export const LOAD_QUERY_DELAY_MS = 3_600_000;
/** The app's default STATUS_QUERY_DELAY_MS, and the Redis lock of the background query. */
export const DEFAULT_QUERY_DELAY_MS = 5_000;
export const QUERY_LOCK_MS = 4_000;
/** Covers the run, not the builds: 2½ min on a quiet 2-core machine, 4 min on a busy one. */
export const TIME_LIMIT_MS = 420_000;
/** Reported, not enforced: on a shared machine the ratio moves with whatever else runs. */
export const AIM_RATIO = 0.6;

/** Notifications: PENDING orders paid, the share of them notified twice, concurrent requests. */
export const NOTIFY_ORDERS = positiveIntFromEnv('BENCH_NOTIFY_ORDERS', 3_000);
export const NOTIFY_DUPLICATE_SHARE = 0.3;
export const NOTIFY_CONNECTIONS = 50;
/** Orders paid before the measured run (JIT, connection pools), checked in the ledger too. */
export const NOTIFY_WARMUP_ORDERS = 300;
/** Orders paid one notification at a time on the counted server, for round trips per notification. */
export const NOTIFY_COUNTED_ORDERS = 20;
/** Reported, not enforced: acknowledgements/s against the floor at the same concurrency. */
export const NOTIFY_AIM_RATIO = 0.3;
/** The floor's seconds at the notifications' concurrency, before and after them. */
export const NOTIFY_FLOOR_SECONDS = 5;

/** Order creation: users, each making a first order and then a second one (which closes the first). */
export const ORDER_USERS = positiveIntFromEnv('BENCH_ORDER_USERS', 100);
export const ORDER_CONNECTIONS = 10;
/** Users whose two orders go one request at a time through the counted server. */
export const ORDER_COUNTED_USERS = 10;

export const DEFAULT_DATABASE = 'recharge_bench';
export const DEFAULT_POSTGRES = `postgresql://postgres@${HOST}:5432/postgres`;
export const DEFAULT_REDIS = `redis://${HOST}:6379/14`;
export const PAGES_DATABASE = 'recharge_bench_pages';
export const PAGES_REDIS = `redis://${HOST}:6379/11`;

/** Debian's Chromium: the browser that measures pages (first-load JS, Lighthouse). */
export const CHROME_PATH = process.env.CHROME_PATH || '/usr/bin/chromium';
/** Reported, not enforced: the aims for the pages against the bare fixture page. */
export const PAGE_AIMS = {
  firstLoadJsRatio: 1.15,
  performance: 0.98,
  accessibility: 1,
  bestPractices: 1,
  lcpRatio: 1.3,
} as const;

export function positiveIntFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}
