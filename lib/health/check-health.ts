import 'server-only';
import type { Redis } from '@upstash/redis';
import { type Db, getDb } from '../db';
import { getRedis } from '../redis';

type DependencyState = 'ok' | 'down';

export interface HealthReport {
  status: 'ok' | 'degraded';
  checks: { database: DependencyState; redis: DependencyState };
  down: string[];
}

const CHECK_TIMEOUT_MS = 2_000;

/** Probes each dependency with a trivial round trip, all at once, each bounded by a timeout. */
export async function checkHealth(
  deps: { db?: Pick<Db, '$queryRaw'>; redis?: Pick<Redis, 'ping'> } = {},
): Promise<HealthReport> {
  const [database, redis] = await Promise.all([
    probe('database', () => (deps.db ?? getDb()).$queryRaw`SELECT 1`),
    probe('redis', () => (deps.redis ?? getRedis()).ping()),
  ]);
  const checks = { database, redis };
  const down = Object.entries(checks)
    .filter(([, state]) => state === 'down')
    .map(([name]) => name);
  return { status: down.length === 0 ? 'ok' : 'degraded', checks, down };
}

async function probe(name: string, run: () => Promise<unknown>): Promise<DependencyState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([run(), timeout]);
    return 'ok';
  } catch (error) {
    console.warn(`[health] ${name} is down:`, error instanceof Error ? error.message : error);
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}
