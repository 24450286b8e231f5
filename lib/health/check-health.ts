import 'server-only';
import type { Redis } from '@upstash/redis';
import { type Db, getDb } from '../db';
import { createLogger } from '../log';
import {
  readWechatPayKeysState,
  type WechatPayKeysState,
  wechatPayKeysAttention,
} from '../platform-certificates/status';
import { getRedis } from '../redis';

const log = createLogger('health');

type DependencyState = 'ok' | 'down';

/** How the reconciler is doing, read from PostgreSQL (null when the database is down). */
export interface ReconcilerState {
  /** Age of the order that has waited longest past its next_check_at: the sweep's backlog. */
  oldestDueAgeSeconds: number | null;
  openExceptions: number;
  /** Since the last finished sweep (any instance, or the cron route); null: never. */
  lastSweepAgeSeconds: number | null;
}

export interface HealthReport {
  /** degraded: a dependency is down, or the reconciler needs attention (see `attention`). */
  status: 'ok' | 'degraded';
  checks: { database: DependencyState; redis: DependencyState };
  down: string[];
  reconciler: ReconcilerState | null;
  /** The keys that verify WeChat Pay's signatures (null when they couldn't be read in time). */
  wechatpay: WechatPayKeysState | null;
  /**
   * What crossed a threshold: `due-backlog`, `open-exceptions`, `reconciler-stale`, and for WeChat Pay's
   * keys `wechatpay-no-valid-key`, `wechatpay-cert-expiring`, `wechatpay-refresh-failing`.
   */
  attention: string[];
}

/** Past these, /api/health says degraded (with HTTP 200: the instance itself still serves). */
const HEALTH_THRESHOLDS = {
  /** An order due for a check for longer than this: the sweep isn't keeping up (or isn't running). */
  dueBacklogSeconds: 5 * 60,
  /** Open payment exceptions a person should look at. */
  openExceptions: 0,
  /** No sweep finished for this long. */
  sweepAgeSeconds: 10 * 60,
};

const CHECK_TIMEOUT_MS = 2_000;

/** Probes each dependency with a trivial round trip, all at once, each bounded by a timeout. */
export async function checkHealth(
  deps: {
    db?: Pick<Db, '$queryRaw'>;
    redis?: Pick<Redis, 'ping'>;
    reconciler?: () => Promise<ReconcilerState>;
    wechatpay?: () => Promise<WechatPayKeysState>;
  } = {},
): Promise<HealthReport> {
  const [database, redis] = await Promise.all([
    probe('database', () => (deps.db ?? getDb()).$queryRaw`SELECT 1`),
    probe('redis', () => (deps.redis ?? getRedis()).ping()),
  ]);
  const checks = { database, redis };
  const down = Object.entries(checks)
    .filter(([, state]) => state === 'down')
    .map(([name]) => name);
  // Under the same timeout as the probes: a database that hangs must not hold a connection per report.
  const reconciler =
    database === 'ok'
      ? await withTimeout((deps.reconciler ?? readReconcilerState)()).catch(() => null)
      : null;
  const wechatpay = await withTimeout((deps.wechatpay ?? readWechatPayKeysState)()).catch(
    (error: unknown) => {
      log.warn({ err: error }, 'WeChat Pay key state unavailable');
      return null;
    },
  );
  const attention = [
    ...(reconciler ? needsAttention(reconciler) : []),
    ...(wechatpay ? wechatPayKeysAttention(wechatpay) : []),
  ];
  return {
    status: down.length === 0 && attention.length === 0 ? 'ok' : 'degraded',
    checks,
    down,
    reconciler,
    wechatpay,
    attention,
  };
}

/** How long /api/health reuses a report: anyone may call it, as often as they like. */
const HEALTH_REUSE_MS = 1_000;

let latest: { atMs: number; report: Promise<HealthReport> } | undefined;

/**
 * checkHealth for the public /api/health: a report is reused for a second by every request of this
 * instance (those arriving while it is being made wait for it), so a flood of health requests costs
 * PostgreSQL and Redis at most one probe per second, not one per request.
 */
export function sharedHealthReport(nowMs = Date.now()): Promise<HealthReport> {
  if (!latest || nowMs - latest.atMs >= HEALTH_REUSE_MS || nowMs < latest.atMs) {
    latest = { atMs: nowMs, report: checkHealth() };
  }
  return latest.report;
}

function needsAttention(state: ReconcilerState): string[] {
  const attention: string[] = [];
  if ((state.oldestDueAgeSeconds ?? 0) > HEALTH_THRESHOLDS.dueBacklogSeconds) attention.push('due-backlog');
  if (state.openExceptions > HEALTH_THRESHOLDS.openExceptions) attention.push('open-exceptions');
  // Never swept is only worth saying once there is something to sweep (a fresh deployment).
  const stale =
    state.lastSweepAgeSeconds === null
      ? state.oldestDueAgeSeconds !== null
      : state.lastSweepAgeSeconds > HEALTH_THRESHOLDS.sweepAgeSeconds;
  if (stale) attention.push('reconciler-stale');
  return attention;
}

async function readReconcilerState(): Promise<ReconcilerState> {
  const [row] = await getDb().$queryRaw<
    { oldest_due: Date | null; open_exceptions: bigint; last_sweep: Date | null; now: Date }[]
  >`SELECT (SELECT min(next_check_at) FROM payment_orders
             WHERE status = 'PENDING' AND next_check_at IS NOT NULL AND next_check_at <= now()) AS oldest_due,
           (SELECT count(*) FROM payment_exceptions WHERE status = 'OPEN') AS open_exceptions,
           (SELECT last_sweep_at FROM reconciler_heartbeat WHERE id = 1) AS last_sweep,
           now() AS now`;
  const ageOf = (at: Date | null | undefined) =>
    at && row ? Math.max(0, Math.round((row.now.getTime() - at.getTime()) / 1000)) : null;
  return {
    oldestDueAgeSeconds: ageOf(row?.oldest_due),
    openExceptions: Number(row?.open_exceptions ?? 0),
    lastSweepAgeSeconds: ageOf(row?.last_sweep),
  };
}

async function probe(name: string, run: () => Promise<unknown>): Promise<DependencyState> {
  try {
    await withTimeout(run());
    return 'ok';
  } catch (error) {
    log.warn({ dependency: name, err: error }, 'dependency down');
    return 'down';
  }
}

/** `work`, or a rejection after CHECK_TIMEOUT_MS. */
async function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
