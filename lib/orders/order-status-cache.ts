import 'server-only';
import { z } from 'zod';
import { getDb } from '../db';
import { getEnv } from '../env';
import type { PaymentOrder } from '../generated/prisma/client';
import { AppError } from '../http/app-error';
import { createLogger } from '../log';
import { getRedis, isRedisUnavailable } from '../redis';
import { orderStatusSchema } from '../schemas/order';
import type { OrderStatus, OrderStatusView } from '../schemas/order-status';

const log = createLogger('orders');

// Redis holds each order's current status so that the page's polling never touches the database.
// This module is the only one that knows how: readers ask `readOrderStatus` (Redis, else the
// database, written back); writers call `publishOrderStatus` after changing the order (creation:
// PENDING; settlement and closing: final states). The read-through writes back only when the key
// is still missing, so it can't clobber a fresher final state that a writer published meanwhile.

export interface CachedOrderStatus {
  orderId: string;
  /** Owner: the status route answers 404 to anyone else without a database lookup. */
  accountId: string;
  status: OrderStatus;
  amountFen: number;
  reason?: string;
  /** Epoch ms; the status route decides from it when to ask WeChat in the background. */
  createdAtMs: number;
  updatedAt: string;
}

const cachedOrderStatusSchema = z.object({
  orderId: z.string(),
  accountId: z.string(),
  status: orderStatusSchema,
  amountFen: z.number().int(),
  reason: z.string().optional(),
  createdAtMs: z.number(),
  updatedAt: z.string(),
});

/** A week: long after any page stops polling; a miss later is served from the database once. */
const STATUS_TTL_SECONDS = 7 * 24 * 60 * 60;

/** Remembers for a short while that an id has no order, so guessing ids can't load the database. */
const MISSING_TTL_SECONDS = 60;

export function orderStatusKey(orderId: string): string {
  return `order:${orderId}:status`;
}

function missingOrderKey(orderId: string): string {
  return `order:${orderId}:missing`;
}

/**
 * The order's status: one Redis read, and the database only when Redis has lost the entry (then
 * written back). Null when no such order exists; that answer is itself remembered for a minute.
 * `admit` (a rate limit) runs beside the read and, when it throws, nothing else happens.
 *
 * When Redis is unavailable (down, too slow, its circuit breaker open) the answer comes from the
 * database by primary key, with at most half the connection pool doing so at once: beyond that the
 * caller gets a 503 to retry, so that polling can't take the pool from payments.
 */
export async function readOrderStatus(
  orderId: string,
  options: { admit?: () => Promise<void> } = {},
): Promise<CachedOrderStatus | null> {
  const cached = readCachedOrderStatus(orderId);
  let entry: CachedOrderStatus | null;
  try {
    // Both Redis commands leave in the same turn and share one round trip (lib/redis-transport.ts);
    // a refusal wins, before the database is ever asked.
    [, entry] = await Promise.all([options.admit?.(), cached]);
  } catch (error) {
    if (!isRedisUnavailable(error)) throw error;
    return readFromDatabaseWithoutRedis(orderId);
  }
  if (entry) return entry;
  try {
    return await loadFromDatabase(orderId);
  } catch (error) {
    if (!isRedisUnavailable(error)) throw error;
    return readFromDatabaseWithoutRedis(orderId);
  }
}

/** Database reads made by polls right now, in this process (Redis down, or an owner to check). */
let pollReadsInFlight = 0;

/**
 * One primary-key read of the order for a poll, within a bound: at most half the pool at once, so
 * that polling (say, while Redis is down) can't take the connections creation and settlement need.
 * Over it: 503 with Retry-After; the page polls again.
 */
async function readOrderForPoll(orderId: string): Promise<PaymentOrder | null> {
  const limit = Math.max(1, Math.floor(getEnv().DATABASE_POOL_SIZE / 2));
  if (pollReadsInFlight >= limit) {
    throw new AppError('service_unavailable', '查询繁忙，请稍后再试', { retryAfterSeconds: 2 });
  }
  pollReadsInFlight++;
  try {
    return await getDb().paymentOrder.findUnique({ where: { id: orderId } });
  } finally {
    pollReadsInFlight--;
  }
}

async function readFromDatabaseWithoutRedis(orderId: string): Promise<CachedOrderStatus | null> {
  const order = await readOrderForPoll(orderId);
  return order ? cacheEntryFromOrder(order) : null;
}

/**
 * Re-reads the order and writes its entry: callers run it after committing a change. Answers the
 * row it read; Redis being unavailable doesn't make it fail (the database has the truth). Writes are ordered (writeCachedOrderStatus): two publishers racing (a close and a
 * settle of the same order) can land in either order and Redis still ends at PAID.
 */
export async function publishOrderStatus(orderId: string): Promise<PaymentOrder> {
  const order = await getDb().paymentOrder.findUniqueOrThrow({ where: { id: orderId } });
  await publishOrderRow(order);
  return order;
}

/**
 * Writes the entry of an order row the caller already has, as committed (say, what the settling
 * statement returned): no read. Best effort and ordered, as publishOrderStatus.
 */
export async function publishOrderRow(order: Parameters<typeof cacheEntryFromOrder>[0]): Promise<void> {
  try {
    await writeCachedOrderStatus(cacheEntryFromOrder(order));
  } catch (error) {
    // Best effort: the change is committed, and without Redis the status route reads the database.
    // An entry left stale is repaired by the reconciler (reconcileOrderNow republishes final orders).
    if (!isRedisUnavailable(error)) throw error;
    log.warn({ orderId: order.id, reason: error.message }, 'status not written to Redis');
  }
}

/**
 * Drops the entries of orders whose owner changed (moved to a wallet at sign-in): the next read
 * loads them from the database. Dropping rather than rewriting: a rewrite racing a settlement's
 * own publish could leave the older owner in place.
 */
export async function forgetOrderStatus(orderIds: readonly string[]): Promise<void> {
  if (orderIds.length === 0) return;
  await getRedis().del(...orderIds.map(orderStatusKey));
}

/**
 * For an entry that names another owner than the one asking: the order may have moved to the asker's
 * wallet at sign-in while a settlement's publish, made from a read before the move, put the old owner
 * back (PAID entries are never replaced). The database decides: when the order is now the asker's,
 * the stale entry is dropped (the next read loads it again) and the order's entry is answered; else
 * null. One primary-key read, only for a poll that names someone else's order, within the polls'
 * bound on database reads (readOrderForPoll).
 */
export async function rereadForNewOwner(
  orderId: string,
  accountId: string,
): Promise<CachedOrderStatus | null> {
  const order = await readOrderForPoll(orderId);
  if (!order || order.accountId !== accountId) return null;
  const entry = cacheEntryFromOrder(order);
  try {
    await forgetOrderStatus([orderId]);
  } catch (error) {
    if (!isRedisUnavailable(error)) throw error;
  }
  return entry;
}

/** Redis alone. Null when absent; an entry of another shape (an older deploy's, a stray write) counts as absent. */
export async function readCachedOrderStatus(orderId: string): Promise<CachedOrderStatus | null> {
  const raw = await getRedis().get<unknown>(orderStatusKey(orderId));
  if (raw === null) return null;
  const parsed = cachedOrderStatusSchema.safeParse(raw);
  if (!parsed.success) {
    log.warn({ orderId }, 'ignoring a malformed status entry');
    return null;
  }
  return parsed.data;
}

/**
 * How far along a status is: an entry is only ever replaced by one further along. PENDING by
 * anything; CLOSED or FAILED only by PAID (a payment that lands after the order ended is credited);
 * PAID never.
 */
const STATUS_RANK: Record<OrderStatus, number> = { PENDING: 0, CLOSED: 1, FAILED: 1, PAID: 2 };

// One script, so that the check and the write can't interleave with another writer's. It reads the
// current entry's status from its JSON text (written by us, `"status":"…"` once; a pattern can't
// match inside the escaped `reason`), which needs no cjson (not in every Redis-speaking server).
// An entry it can't read is replaced.
const WRITE_IF_FURTHER = `
local current = redis.call('GET', KEYS[1])
if current then
  local ranks = { PENDING = 0, CLOSED = 1, FAILED = 1, PAID = 2 }
  local have = ranks[string.match(current, '"status":"(%u+)"') or '']
  local want = tonumber(ARGV[2])
  if have ~= nil and (have > want or (have == want and have > 0)) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
`;

/** Writes an entry unless Redis holds one further along (STATUS_RANK). Answers whether it wrote. */
export async function writeCachedOrderStatus(entry: CachedOrderStatus): Promise<boolean> {
  const written = await getRedis().eval<[string, number, number], number>(
    WRITE_IF_FURTHER,
    [orderStatusKey(entry.orderId)],
    [JSON.stringify(entry), STATUS_RANK[entry.status], STATUS_TTL_SECONDS],
  );
  return written === 1;
}

/** The read-through's write-back: only where there is no entry at all (a writer's may have arrived). */
async function writeBackIfMissing(entry: CachedOrderStatus): Promise<void> {
  await getRedis().set(orderStatusKey(entry.orderId), entry, { ex: STATUS_TTL_SECONDS, nx: true });
}

async function loadFromDatabase(orderId: string): Promise<CachedOrderStatus | null> {
  const redis = getRedis();
  if ((await redis.exists(missingOrderKey(orderId))) === 1) return null;
  const order = await getDb().paymentOrder.findUnique({ where: { id: orderId } });
  if (!order) {
    await redis.set(missingOrderKey(orderId), 1, { ex: MISSING_TTL_SECONDS });
    return null;
  }
  const entry = cacheEntryFromOrder(order);
  await writeBackIfMissing(entry);
  return entry;
}

export function toStatusView(entry: CachedOrderStatus): OrderStatusView {
  const view: OrderStatusView = {
    orderId: entry.orderId,
    status: entry.status,
    amountFen: entry.amountFen,
    updatedAt: entry.updatedAt,
  };
  if (entry.reason) view.reason = entry.reason;
  return view;
}

export function cacheEntryFromOrder(order: {
  id: string;
  accountId: string;
  status: OrderStatus;
  amountFen: number;
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}): CachedOrderStatus {
  const entry: CachedOrderStatus = {
    orderId: order.id,
    accountId: order.accountId,
    status: order.status,
    amountFen: order.amountFen,
    createdAtMs: order.createdAt.getTime(),
    updatedAt: order.updatedAt.toISOString(),
  };
  if (order.failureReason) entry.reason = order.failureReason;
  return entry;
}
