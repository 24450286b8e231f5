// What the app needs around it: real PostgreSQL and Redis (checked first: without them there is
// nothing to measure), then the Upstash REST bridge and the WeChat Pay sandbox from the local stack,
// all on loopback and on the bench's own ports.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { type LocalStack, redactUrl, startLocalStack } from '../../local/stack';
import { type BenchDatabase, prepareDatabase } from './bench-database';
import { onCleanup } from './cleanup';
import { errorMessage } from './error-message';
import { benchLog } from './log';
import { HOST } from './settings';

export interface Services {
  db: BenchDatabase;
  /** The bench's own connection: the Redis server's pid and the idle-cost comparison. */
  redis: IORedis;
  stack: LocalStack;
  sandboxUrl: string;
}

/** Where a run puts its stack: `npm run bench` and `npm run bench:pages` each have their own. */
export interface StackPlace {
  /** Every port the run will listen on, checked free first; the stack's own three by name. */
  ports: { app: number; sandbox: number; bridge: number } & Record<string, number>;
  /** Created fresh and dropped at the end, unless DATABASE_URL is set. */
  defaultDatabase: string;
  /** Flushed at the start and the end, unless REDIS_URL is set (then used as it is). */
  defaultRedis: string;
}

export async function prepareServices(place: StackPlace): Promise<Services> {
  const { ports } = place;
  for (const port of Object.values(ports)) await assertPortFree(port);
  const db = await prepareDatabase(process.env.DATABASE_URL, place.defaultDatabase);
  const redisUrl = process.env.REDIS_URL || place.defaultRedis;
  const redis = await connectRedis(redisUrl);
  onCleanup('redis client', async () => void redis.disconnect());
  // Only the default database (14, or 11 for the pages) is ours to flush; a configured REDIS_URL may hold someone's data.
  if (!process.env.REDIS_URL) {
    await redis.flushdb();
    onCleanup('redis bench keys', async () => void (await redis.flushdb()));
  }
  benchLog.info(`database: ${redactUrl(db.appUrl)}${db.created ? ' (created fresh)' : ''}`);
  benchLog.info(`redis: ${redactUrl(redisUrl)}`);

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
  // DATABASE_URL is always set, so the stack never starts its embedded database: it still wants a folder.
  const unusedDataDir = mkdtempSync(join(os.tmpdir(), 'recharge-bench-'));
  onCleanup('temp dir', async () => rmSync(unusedDataDir, { recursive: true, force: true }));
  const stack = await startLocalStack({
    env: baseEnv,
    dataDir: unusedDataDir,
    appPort: ports.app,
    upstashPort: ports.bridge,
    sandboxPort: ports.sandbox,
    log: (message) => benchLog.info(message),
  });
  onCleanup('local stack', () => stack.close());
  if (!stack.sandboxUrl) {
    throw new Error(
      'WECHATPAY_BASE_URL does not point at the local sandbox: the bench never calls the real WeChat Pay. ' +
        'Unset it (and the merchant keys) or run npm run setup:keys.',
    );
  }
  return { db, redis, stack, sandboxUrl: stack.sandboxUrl };
}

async function connectRedis(url: string): Promise<IORedis> {
  const redis = new IORedis(url, {
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectionName: 'recharge-bench',
  });
  // ioredis reports the cause (ECONNREFUSED…) on 'error', the rejected promise only says it gave up.
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
      `Redis is not reachable at ${redactUrl(url)}: ${lastError || errorMessage(error)}. ` +
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
