import 'server-only';
import { Redis } from '@upstash/redis';
import { getEnv } from './env';

// The app reaches Redis only through Upstash's REST client: Upstash in production, the local
// Upstash-compatible bridge (scripts/upstash-local) in development and tests.
const globalForRedis = globalThis as typeof globalThis & { __redis?: Redis };

export function getRedis(): Redis {
  if (!globalForRedis.__redis) {
    const env = getEnv();
    globalForRedis.__redis = new Redis({
      url: env.UPSTASH_REDIS_REST_URL,
      token: env.UPSTASH_REDIS_REST_TOKEN,
      // Fail fast: a status poll must not hang on a slow Redis, and retries would hide outages.
      retry: { retries: 1, backoff: () => 50 },
    });
  }
  return globalForRedis.__redis;
}
