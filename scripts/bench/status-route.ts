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
// delay for the young-order check. Stops all of it at the end, on error and on Ctrl-C.
//
// Environment: BENCH_ROUNDS (2), BENCH_ROUND_SECONDS (10), BENCH_CONNECTIONS (20).

import { ensureDevKeys } from '../local/dev-keys';
import { loadLocalEnvFile } from '../local/load-env-file';
import { createOrder } from './app-api';
import { cleanUp, cleanUpOnSignals, onCleanup, startWatchdog } from './cleanup';
import { localRedisPid, ownCpuMeter, processCpuMeter } from './cpu';
import { openDbCounter } from './db-counter';
import { errorMessage } from './error-message';
import { describeMachine } from './format';
import { measureIdleCosts } from './idle-costs';
import { runLoadRounds } from './load-rounds';
import { ensureBuild, startServers } from './next-server';
import { printReport } from './report';
import { prepareServices } from './services';
import { checkYoungOrder } from './young-order-check';

async function main(): Promise<void> {
  loadLocalEnvFile();
  ensureDevKeys();
  const startedAt = new Date();
  console.log(`bench: ${startedAt.toISOString()}, ${describeMachine()}`);

  const { db, redis, stack, sandboxUrl } = await prepareServices();
  ensureBuild(stack.env);
  const watchdog = startWatchdog();
  const servers = await startServers(stack.env);

  const counter = await openDbCounter(db.maintenanceUrl, db.name);
  onCleanup('database counter', () => counter.close());
  const meters = [
    processCpuMeter('next-server', servers.load.pid),
    ownCpuMeter('bench process'),
    processCpuMeter('redis-server', localRedisPid(await redis.info('server'))),
  ];

  const order = await createOrder(servers.load.url);
  const load = await runLoadRounds({ app: servers.load, order, sandboxUrl, counter, meters });
  const costs = await measureIdleCosts(servers.load, order, stack.env, redis);
  const youngOrder = await checkYoungOrder(servers.youngOrder, sandboxUrl, counter);

  printReport({ startedAt, load, costs, youngOrder });
  clearTimeout(watchdog);
  const failures = [...load.failures, ...youngOrder.failures];
  if (failures.length > 0) {
    console.log(`\nFAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    process.exitCode = 1;
  }
}

cleanUpOnSignals();
main()
  .catch((error: unknown) => {
    console.error(`\nbench failed: ${errorMessage(error)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanUp();
    // Keep-alive sockets (fetch, autocannon) must not hold the process open.
    process.exit(process.exitCode ?? 0);
  });
