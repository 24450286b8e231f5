import 'server-only';
import { Redis } from '@upstash/redis';
import { getEnv } from './env';
import { createHttpRequester } from './redis-transport';

// The app reaches Redis only through Upstash's REST client: Upstash in production, the local
// Upstash-compatible bridge (scripts/upstash-local) in development and tests.
const globalForRedis = globalThis as typeof globalThis & { __redis?: Redis };

export function getRedis(): Redis {
  if (!globalForRedis.__redis) {
    const env = getEnv();
    globalForRedis.__redis = new Redis(
      createHttpRequester({
        url: env.UPSTASH_REDIS_REST_URL,
        token: env.UPSTASH_REDIS_REST_TOKEN,
        // Fail fast: a status poll must not hang on a slow Redis.
        timeoutMs: 2_000,
      }),
    );
  }
  return globalForRedis.__redis;
}
