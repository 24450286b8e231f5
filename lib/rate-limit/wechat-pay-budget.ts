import 'server-only';
import { Ratelimit } from '@upstash/ratelimit';
import { type Env, getEnv } from '../env';
import { AppError } from '../http/app-error';
import { createLogger } from '../log';
import { getRedis, isRedisUnavailable } from '../redis';
import { isWechatPayError } from '../wechat-pay';

const log = createLogger('wechat-pay');

// One budget for every call this deployment makes to WeChat Pay, shared by all instances through
// Redis: a token bucket per merchant id (WeChat counts per 商户号) and lane (@upstash/ratelimit). WeChat allows a merchant 600 order
// placements a second; creation gets its own lane (WECHATPAY_CREATE_CALLS_PER_SECOND, 300 by
// default) and queries and closes, the background work of polls and the reconciler, another
// (WECHATPAY_BACKGROUND_CALLS_PER_SECOND): background work can spend all of its lane and still never
// take a token from a payer starting a payment.
//
// When WeChat answers 429 FREQUENCY_LIMITED anyway (other systems share the merchant's quota), the
// lane cools down for everyone: 1 s, then doubling with each further 429 within five minutes, up to
// a minute. Calls in a cooling or empty lane are not made: creation answers 503 with Retry-After,
// background work waits for its next turn.
//
// Without Redis (down, or its circuit breaker open) each instance keeps the lane's rate by itself, in
// memory: with n instances up to n times the rate reaches WeChat, still bounded, and WeChat's own
// 429 then answers for the rest.

export type WechatPayLane = 'create' | 'background';

const STRIKE_MEMORY_SECONDS = 300;
const FIRST_COOLDOWN_MS = 1_000;
const MAX_COOLDOWN_MS = 60_000;

/** Nothing was sent to WeChat: its budget is spent, or it asked us to slow down. */
export class WechatPayBusyError extends AppError {
  constructor(retryAfterSeconds: number) {
    super('provider_busy', `微信支付繁忙，请 ${retryAfterSeconds} 秒后再试`, { retryAfterSeconds });
    this.name = 'WechatPayBusyError';
  }
}

function callsPerSecond(env: Env, lane: WechatPayLane): number {
  return lane === 'create'
    ? env.WECHATPAY_CREATE_CALLS_PER_SECOND
    : env.WECHATPAY_BACKGROUND_CALLS_PER_SECOND;
}

const globalForBudget = globalThis as typeof globalThis & {
  __wechatPayBudget?: { env: Env; buckets: Map<WechatPayLane, Ratelimit> };
};

function bucketFor(lane: WechatPayLane): Ratelimit {
  const env = getEnv();
  if (globalForBudget.__wechatPayBudget?.env !== env)
    globalForBudget.__wechatPayBudget = { env, buckets: new Map() };
  const { buckets } = globalForBudget.__wechatPayBudget;
  let bucket = buckets.get(lane);
  if (!bucket) {
    const rate = callsPerSecond(env, lane);
    bucket = new Ratelimit({
      redis: getRedis(),
      limiter: Ratelimit.tokenBucket(rate, '1 s', rate),
      prefix: 'wechatpay-budget',
      // Exact counts: a lane refills within a second, so remembering refusals locally gains nothing.
      ephemeralCache: false,
      timeout: 1_000,
    });
    buckets.set(lane, bucket);
  }
  return bucket;
}

/** The merchant's lane: `<mchid>:<lane>`. */
function laneId(lane: WechatPayLane): string {
  return `${getEnv().WECHATPAY_MCHID}:${lane}`;
}

function cooldownKey(lane: WechatPayLane): string {
  return `wechatpay-budget:cooldown:${laneId(lane)}`;
}

function strikesKey(lane: WechatPayLane): string {
  return `wechatpay-budget:strikes:${laneId(lane)}`;
}

/** This process's own cooldowns, for when Redis is unavailable: lane -> until (epoch ms). */
const localCooldownUntil = new Map<WechatPayLane, number>();

/** This process's own buckets, for when Redis is unavailable: [tokens, when last refilled]. */
const localBuckets = new Map<WechatPayLane, { tokens: number; refilledAt: number }>();

function takeLocally(lane: WechatPayLane): void {
  const rate = callsPerSecond(getEnv(), lane);
  const now = Date.now();
  const bucket = localBuckets.get(lane) ?? { tokens: rate, refilledAt: now };
  const refills = Math.floor((now - bucket.refilledAt) / 1000);
  if (refills > 0) {
    bucket.tokens = Math.min(rate, bucket.tokens + refills * rate);
    bucket.refilledAt += refills * 1000;
  }
  localBuckets.set(lane, bucket);
  if (bucket.tokens < 1) throw new WechatPayBusyError(1);
  bucket.tokens -= 1;
}

/** Takes one call from the lane; throws WechatPayBusyError (nothing to send) when it has none. */
export async function takeWechatPayBudget(lane: WechatPayLane): Promise<void> {
  let grant: { success: boolean; reset: number };
  let cooldownMs: number;
  try {
    // Both commands leave in the same turn: one Redis round trip.
    [grant, cooldownMs] = await Promise.all([
      bucketFor(lane).limit(laneId(lane)),
      getRedis().pttl(cooldownKey(lane)),
    ]);
  } catch (error) {
    if (!isRedisUnavailable(error)) throw error;
    const pausedMs = (localCooldownUntil.get(lane) ?? 0) - Date.now();
    if (pausedMs > 0) throw new WechatPayBusyError(Math.ceil(pausedMs / 1000));
    takeLocally(lane);
    return;
  }
  if (cooldownMs > 0) throw new WechatPayBusyError(Math.ceil(cooldownMs / 1000));
  if (!grant.success) throw new WechatPayBusyError(Math.max(1, Math.ceil((grant.reset - Date.now()) / 1000)));
}

/** WeChat answered 429: the lane cools down for every instance. Answers the cooldown in ms. */
export async function coolDownWechatPayLane(lane: WechatPayLane): Promise<number> {
  // Kept here too: without Redis this process still pauses (at least the first step).
  localCooldownUntil.set(lane, Date.now() + FIRST_COOLDOWN_MS);
  const redis = getRedis();
  const [strikes] = await Promise.all([
    redis.incr(strikesKey(lane)),
    redis.expire(strikesKey(lane), STRIKE_MEMORY_SECONDS),
  ]);
  const cooldownMs = Math.min(FIRST_COOLDOWN_MS * 2 ** Math.max(0, strikes - 1), MAX_COOLDOWN_MS);
  await redis.set(cooldownKey(lane), strikes, { px: cooldownMs });
  log.warn({ lane, cooldownMs }, 'WeChat answered 429 FREQUENCY_LIMITED: pausing the lane');
  return cooldownMs;
}

/**
 * A call to WeChat within the lane's budget; a 429 answer cools the lane down (and is rethrown).
 * Not for closes (`coolDownOn429: false`): WeChat answers a close with 429 while that order's payer
 * is entering the password, which says nothing about our rate.
 */
export async function callWechatPay<T>(
  lane: WechatPayLane,
  call: () => Promise<T>,
  { coolDownOn429 = true }: { coolDownOn429?: boolean } = {},
): Promise<T> {
  await takeWechatPayBudget(lane);
  try {
    return await call();
  } catch (error) {
    if (coolDownOn429 && isFrequencyLimited(error))
      await coolDownWechatPayLane(lane).catch((redisError: unknown) =>
        log.warn({ lane, err: redisError }, 'could not record the lane’s cooldown'),
      );
    throw error;
  }
}

export function isFrequencyLimited(error: unknown): boolean {
  return isWechatPayError(error) && error.httpStatus === 429;
}
