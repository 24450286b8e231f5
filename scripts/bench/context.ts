// What every scenario runs against, prepared once: real PostgreSQL and Redis, the Upstash REST
// bridge and the WeChat Pay sandbox (lib/services.ts), the build and two `next start` servers
// (lib/next-server.ts), the transaction counter, the database wire counter in front of the counted
// server (lib/pg-wire-counter.ts), CPU meters and one open order to poll.
import type IORedis from 'ioredis';
import type { BridgeTraffic } from '../upstash-local/bridge';
import { createOrder, type Order, signIn } from './lib/app-api';
import { buildBareApp, startBareApp } from './lib/bare-app';
import { onCleanup, startWatchdog } from './lib/cleanup';
import { type CpuMeter, localRedisPid, ownCpuMeter, processCpuMeter } from './lib/cpu';
import { type DbCounter, openDbCounter } from './lib/db-counter';
import { ensureBuild, type NextServer, type Servers, startServers } from './lib/next-server';
import { type PgWireCounter, startPgWireCounter } from './lib/pg-wire-counter';
import { prepareServices } from './lib/services';
import { DEFAULT_DATABASE, DEFAULT_REDIS, PORTS } from './lib/settings';

export interface BenchContext {
  /**
   * `load` waits an hour before querying WeChat about an open order; `youngOrder` the default 5 s;
   * `counted`'s database traffic passes `pgWire`.
   */
  servers: Servers;
  /** The bare fixture page (lib/bare-app.ts), built in this run: the baseline for page weight. */
  bareApp: NextServer;
  /** Round trips and statements between the counted server and PostgreSQL. */
  pgWire: PgWireCounter;
  /** The bench database (for the bench's own connections: lib/bench-orders.ts openBenchDb). */
  databaseUrl: string;
  sandboxUrl: string;
  counter: DbCounter;
  /** next-server (the load server), this process (load generator, bridge, sandbox), redis-server. */
  meters: CpuMeter[];
  /** The bench's own connection to the Redis behind the bridge. */
  redis: IORedis;
  /** The environment the app runs with (UPSTASH_REDIS_REST_URL/TOKEN of the bridge, SESSION_SECRET…). */
  env: Record<string, string>;
  /** An open order on the load server, created before any scenario: what a waiting page polls. */
  order: Order;
  /** Requests and commands that reached the Upstash REST bridge so far. */
  redisTraffic: () => BridgeTraffic;
}

/** Starts everything; onCleanup (lib/cleanup.ts) stops it at the end, on error and on Ctrl-C. */
export async function prepareContext(): Promise<BenchContext> {
  const { db, redis, stack, sandboxUrl } = await prepareServices({
    ports: PORTS,
    defaultDatabase: DEFAULT_DATABASE,
    defaultRedis: DEFAULT_REDIS,
  });
  ensureBuild(stack.env);
  buildBareApp();
  // The time limit covers the run, not the builds.
  startWatchdog();
  const bareApp = startBareApp(PORTS.bareApp);
  const pgWire = await startPgWireCounter(db.appUrl);
  onCleanup('database wire counter', () => pgWire.close());
  const servers = await startServers(stack.env, pgWire.urlFor(db.appUrl));
  await bareApp.ready;
  const counter = await openDbCounter(db.maintenanceUrl, db.name);
  onCleanup('database counter', () => counter.close());
  const meters = [
    processCpuMeter('next-server', servers.load.pid),
    ownCpuMeter('bench process'),
    processCpuMeter('redis-server', localRedisPid(await redis.info('server'))),
  ];
  const order = await createOrder(servers.load.url, await signIn(servers.load.url, sandboxUrl));
  const { redisTraffic } = stack;
  if (!redisTraffic)
    throw new Error('the bench needs the local Upstash bridge (UPSTASH_REDIS_REST_URL is cleared)');
  return {
    servers,
    bareApp,
    pgWire,
    databaseUrl: db.appUrl,
    sandboxUrl,
    counter,
    meters,
    redis,
    env: stack.env,
    order,
    redisTraffic,
  };
}
