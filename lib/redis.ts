import 'server-only';
import { Redis } from '@upstash/redis';
import { getEnv } from './env';
import { createHttpRequester, RedisUnavailableError } from './redis-transport';

export { RedisUnavailableError };

/** Redis is down, too slow, or the circuit breaker is open: whatever was asked of it didn't happen. */
export function isRedisUnavailable(error: unknown): error is RedisUnavailableError {
  return error instanceof RedisUnavailableError;
}

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
        // Fail fast: a status poll must not hang on a slow Redis. Slower than a second counts as
        // trouble for the circuit breaker (lib/redis-transport.ts).
        timeoutMs: 2_000,
        slowMs: 1_000,
      }),
    );
  }
  return globalForRedis.__redis;
}
