// Where the status route's time goes, measured with the server otherwise idle: one request at a
// time (session snapshot check included), and its Redis read direct vs. through the Upstash REST
// bridge the app actually uses. README's account of the route's cost rests on these.
import { performance } from 'node:perf_hooks';
import { Redis as UpstashRedis } from '@upstash/redis';
import type { BenchContext } from '../context';
import { buildStatusUrl } from '../lib/app-api';
import { percentile } from '../lib/load';
import { benchLog } from '../lib/log';
import { CONNECTIONS } from '../lib/settings';
import type { Scenario, ScenarioResult } from '../scenario';

export const idleCosts: Scenario = {
  name: 'costs with the server otherwise idle',
  run: measureIdleCosts,
};

async function measureIdleCosts({ servers, order, env, redis }: BenchContext): Promise<ScenarioResult> {
  benchLog.info('one request at a time, and Redis GET direct vs. through the REST bridge');
  const app = servers.load;
  const n = 300;
  const floorP50Ms = await measureSequentialP50(`${app.url}/api/live`, {}, n);
  const statusP50Ms = await measureSequentialP50(buildStatusUrl(app.url, order), { cookie: order.cookie }, n);

  // The key the status route reads (lib/orders/order-status-cache.ts: orderStatusKey).
  const key = `order:${order.orderId}:status`;
  if ((await redis.get(key)) === null) throw new Error(`status key ${key} not found in Redis`);
  const upstash = new UpstashRedis({
    url: required(env, 'UPSTASH_REDIS_REST_URL'),
    token: required(env, 'UPSTASH_REDIS_REST_TOKEN'),
  });
  const redisDirect = await measureConcurrentOps(() => redis.get(key), CONNECTIONS, 1_500);
  const redisBridge = await measureConcurrentOps(() => upstash.get(key), CONNECTIONS, 1_500);
  const report = [
    'Costs, server otherwise idle:',
    `- one request at a time (${n} each), p50: floor ${floorP50Ms.toFixed(2)} ms, status ${statusP50Ms.toFixed(2)} ms`,
    `- Redis GET of the status key, ${CONNECTIONS} concurrent from the bench process: direct (ioredis) ` +
      `${redisDirect.opsPerSecond.toFixed(0)}/s p50 ${redisDirect.p50Ms.toFixed(2)} ms; ` +
      `through the Upstash REST bridge (@upstash/redis) ${redisBridge.opsPerSecond.toFixed(0)}/s ` +
      `p50 ${redisBridge.p50Ms.toFixed(2)} ms`,
  ];
  return { report, failures: [] };
}

async function measureSequentialP50(
  url: string,
  headers: Record<string, string>,
  n: number,
): Promise<number> {
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

async function measureConcurrentOps(
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

function required(env: Record<string, string>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
