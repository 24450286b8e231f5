import 'server-only';
import { Ratelimit } from '@upstash/ratelimit';
import { type Env, getEnv } from '../env';
import { AppError } from '../http/app-error';
import { getRedis, isRedisUnavailable } from '../redis';

// Limits on what anyone may ask of us, shared by every instance through Redis (@upstash/ratelimit,
// sliding windows of a minute). Set where a real payer never meets them: one person starting ten
// payments a minute, an address starting thirty, a page polling thirty times a minute against six
// hundred per address. An identifier over its limit is also remembered in this process until its
// window resets (the limiter's ephemeral cache), so a flood is refused without asking Redis.
// Without Redis (down, or its circuit breaker open) order creation and sign-in are counted by each
// process alone, in memory (a fixed window of the same size): refusing every payer would turn a
// cache outage into a payment outage, and letting everyone through would let a flooder open the
// limits by making Redis look slow. Polls go through (the status route's database fallback is
// bounded on its own, lib/orders/order-status-cache.ts).

export type RequestLimit = 'order-per-user' | 'order-per-address' | 'poll-per-address';

/** Requests whose address couldn't be told share one bucket (the limit still holds for all of them). */
const UNKNOWN_ADDRESS = 'unknown';

const MESSAGES: Record<RequestLimit, (seconds: number) => string> = {
  'order-per-user': (seconds) => `下单过于频繁，请 ${seconds} 秒后再试`,
  'order-per-address': (seconds) => `当前网络下单过于频繁，请 ${seconds} 秒后再试`,
  'poll-per-address': (seconds) => `查询过于频繁，请 ${seconds} 秒后再试`,
};

function perMinute(env: Env, limit: RequestLimit): number {
  switch (limit) {
    case 'order-per-user':
      return env.ORDER_RATE_LIMIT_PER_USER_PER_MINUTE;
    case 'order-per-address':
      return env.ORDER_RATE_LIMIT_PER_IP_PER_MINUTE;
    case 'poll-per-address':
      return env.STATUS_POLL_RATE_LIMIT_PER_IP_PER_MINUTE;
  }
}

const globalForLimits = globalThis as typeof globalThis & {
  __requestLimiters?: { env: Env; limiters: Map<RequestLimit, Ratelimit> };
};

function limiterFor(limit: RequestLimit): Ratelimit {
  const env = getEnv();
  // Rebuilt when the configuration object changes (tests reset it between cases).
  if (globalForLimits.__requestLimiters?.env !== env)
    globalForLimits.__requestLimiters = { env, limiters: new Map() };
  const { limiters } = globalForLimits.__requestLimiters;
  let limiter = limiters.get(limit);
  if (!limiter) {
    limiter = new Ratelimit({
      redis: getRedis(),
      limiter: Ratelimit.slidingWindow(perMinute(env, limit), '1 m'),
      prefix: `ratelimit:${limit}`,
      // Redis slower than this lets the request through: a limit is not worth an outage.
      timeout: 1_000,
    });
    limiters.set(limit, limiter);
  }
  return limiter;
}

/**
 * Counts one request against the limit; throws a 429 AppError (with Retry-After and a message
 * the page shows as it is) when it is over. The Redis command is sent at once, so that a caller
 * issuing its own command in the same turn shares the round trip (lib/redis-transport.ts).
 */
export async function enforceRequestLimit(limit: RequestLimit, identifier: string | null): Promise<void> {
  let outcome: { success: boolean; reset: number };
  try {
    outcome = await limiterFor(limit).limit(identifier ?? UNKNOWN_ADDRESS);
  } catch (error) {
    if (!isRedisUnavailable(error)) throw error;
    // Polls go through: the status route's database fallback has its own bound. Orders are counted in
    // this process alone, so that making Redis look slow can't open them up.
    if (limit === 'poll-per-address') return;
    outcome = countLocally(`${limit}:${identifier ?? UNKNOWN_ADDRESS}`, perMinute(getEnv(), limit), 60_000);
  }
  const { success, reset } = outcome;
  if (success) return;
  const retryAfterSeconds = Math.max(1, Math.ceil((reset - Date.now()) / 1000));
  throw new AppError('rate_limited', MESSAGES[limit](retryAfterSeconds), { retryAfterSeconds });
}

const authLimiters = new Map<string, Ratelimit>();

/**
 * Better Auth's rate limits (sign-in per client address, its own defaults elsewhere) kept in Redis
 * like ours, so they hold across instances: one sliding window per rule it asks about.
 */
export async function consumeAuthRateLimit(
  key: string,
  rule: { window: number; max: number },
): Promise<{ allowed: boolean; retryAfter: number | null }> {
  const ruleId = `${rule.max}/${rule.window}s`;
  let limiter = authLimiters.get(ruleId);
  if (!limiter) {
    limiter = new Ratelimit({
      redis: getRedis(),
      limiter: Ratelimit.slidingWindow(rule.max, `${rule.window} s`),
      prefix: `ratelimit:auth:${ruleId}`,
      timeout: 1_000,
    });
    authLimiters.set(ruleId, limiter);
  }
  let outcome: { success: boolean; reset: number };
  try {
    outcome = await limiter.limit(key);
  } catch (error) {
    // Without Redis, sign-in is counted in this process alone (see enforceRequestLimit).
    if (!isRedisUnavailable(error)) throw error;
    outcome = countLocally(`auth:${ruleId}:${key}`, rule.max, rule.window * 1000);
  }
  const { success, reset } = outcome;
  return {
    allowed: success,
    retryAfter: success ? null : Math.max(1, Math.ceil((reset - Date.now()) / 1000)),
  };
}

/** Fixed windows in this process, for when Redis is unavailable: key -> [window start, count]. */
const localWindows = new Map<string, { start: number; count: number }>();

function countLocally(key: string, max: number, windowMs: number): { success: boolean; reset: number } {
  const now = Date.now();
  const start = now - (now % windowMs);
  const window = localWindows.get(key);
  const current = window && window.start === start ? window : { start, count: 0 };
  current.count++;
  localWindows.set(key, current);
  // Old windows go as new ones come; bounded by the keys seen in one window.
  if (localWindows.size > 10_000) {
    for (const [k, w] of localWindows) if (w.start !== start) localWindows.delete(k);
  }
  return { success: current.count <= max, reset: start + windowMs };
}
