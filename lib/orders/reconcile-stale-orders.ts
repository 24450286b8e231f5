import 'server-only';
import { getDb } from '../db';
import { createLogger } from '../log';
import { WechatPayBusyError } from '../rate-limit/wechat-pay-budget';
import { isWechatPayError } from '../wechat-pay';
import { nextCheckAt, RESOLVE_MARGIN_MS } from './check-schedule';
import { recordPaymentException } from './payment-exceptions';
import { reconcileOrderNow } from './reconcile-order';

const log = createLogger('reconciler');

// The safety net behind notifications and polling: every PENDING order is asked about at WeChat
// when its next_check_at comes (check-schedule.ts), whether or not a page is still watching it. That
// catches payments whose notifications never arrive, orders abandoned after the page timed out,
// closes refused during start-again, and orders past their expiry that WeChat still holds open.
//
// Work is leased from PostgreSQL: a sweep claims a small batch of due orders with FOR UPDATE SKIP
// LOCKED and moves their next_check_at a lease ahead in the same statement, so any number of
// instances (the in-process timer of each, the cron route) sweep at once without asking WeChat
// about the same order twice in one lease. Each order checked is rescheduled with backoff; one
// that no check can finish leaves the sweep as a payment exception, so it can't crowd out the rest.

/** A claimed order is someone else's for this long if its sweeper dies mid-check. */
const LEASE_MS = 2 * 60_000;
const BATCH_SIZE = 20;
/** WeChat queries in flight per sweeper. */
const CONCURRENCY = 4;

export interface SweepOptions {
  /** What "now" is for due times and expiry (tests move it). */
  now?: Date;
  /** Orders one sweep may check; the rest wait for the next. */
  maxOrders?: number;
  /** A sweep stops claiming after this long (the cron route's time limit, the timer's interval). */
  maxDurationMs?: number;
  /** Stops claiming when aborted (SIGTERM); orders being checked finish. */
  signal?: AbortSignal;
}

export interface SweepResult {
  checked: number;
  failed: number;
  /** Orders that left the sweep as payment exceptions. */
  exceptions: number;
  /** Stopped early: WeChat's budget for background work is spent (or WeChat asked us to slow down). */
  throttled: boolean;
}

interface ClaimedOrder {
  id: string;
  outTradeNo: string;
  expiresAt: Date;
  checkAttempts: number;
}

export async function reconcileDueOrders(options: SweepOptions = {}): Promise<SweepResult> {
  // "Now" moves on during the sweep (it may run for most of a minute), from where the caller put it.
  const startedAt = Date.now();
  const start = options.now ?? new Date(startedAt);
  const clock = () => new Date(start.getTime() + (Date.now() - startedAt));
  const maxOrders = options.maxOrders ?? 1_000;
  const deadline = Date.now() + (options.maxDurationMs ?? 50_000);
  const result: SweepResult = { checked: 0, failed: 0, exceptions: 0, throttled: false };
  while (
    result.checked < maxOrders &&
    Date.now() < deadline &&
    !result.throttled &&
    !options.signal?.aborted
  ) {
    const claimed = await claimDueOrders(clock(), Math.min(BATCH_SIZE, maxOrders - result.checked));
    if (claimed.length === 0) break;
    await inPool(claimed, CONCURRENCY, async (order) => {
      const outcome = await checkClaimedOrder(order, clock());
      result.checked++;
      if (outcome === 'failed') result.failed++;
      if (outcome === 'exception') result.exceptions++;
      if (outcome === 'throttled') result.throttled = true;
    });
  }
  await getDb().reconcilerHeartbeat.upsert({
    where: { id: 1 },
    create: { id: 1, lastSweepAt: new Date(), lastChecked: result.checked, lastFailed: result.failed },
    update: { lastSweepAt: new Date(), lastChecked: result.checked, lastFailed: result.failed },
  });
  return result;
}

/** One statement: pick due orders no other sweeper holds, and lease them. */
async function claimDueOrders(now: Date, limit: number): Promise<ClaimedOrder[]> {
  const leaseUntil = new Date(now.getTime() + LEASE_MS);
  return getDb().$queryRaw<ClaimedOrder[]>`
    UPDATE payment_orders AS p
       SET next_check_at = ${leaseUntil}, check_attempts = p.check_attempts + 1
      FROM (SELECT id FROM payment_orders
             WHERE status = 'PENDING' AND next_check_at IS NOT NULL AND next_check_at <= ${now}
             ORDER BY next_check_at
             LIMIT ${limit}
             FOR UPDATE SKIP LOCKED) AS due
     WHERE p.id = due.id
    RETURNING p.id, p.out_trade_no AS "outTradeNo", p.expires_at AS "expiresAt", p.check_attempts AS "checkAttempts"`;
}

type CheckOutcome = 'done' | 'rescheduled' | 'failed' | 'exception' | 'throttled';

async function checkClaimedOrder(order: ClaimedOrder, now: Date): Promise<CheckOutcome> {
  let outcome: CheckOutcome = 'rescheduled';
  try {
    await reconcileOrderNow(order.id, now);
  } catch (error) {
    if (error instanceof WechatPayBusyError) {
      // Nothing was asked: due again when the budget allows, without counting an attempt.
      await reschedule(order.id, new Date(now.getTime() + (error.retryAfterSeconds ?? 1) * 1000), -1);
      return 'throttled';
    }
    if (isWechatPayError(error) && !error.retryable && !isAboutUs(error)) {
      // An answer we can't act on: asking again won't change it.
      await leaveAsException(order, 'UNEXPECTED_ANSWER', {
        code: error.code,
        message: error.message,
        httpStatus: error.httpStatus ?? null,
      });
      return 'exception';
    }
    log.warn({ orderId: order.id, outTradeNo: order.outTradeNo, err: error }, 'check failed');
    outcome = 'failed';
  }
  const row = await getDb().paymentOrder.findUnique({
    where: { id: order.id },
    select: { status: true, nextCheckAt: true },
  });
  // Final now, or taken out of the sweep by the settlement (an amount mismatch…).
  if (row?.status !== 'PENDING' || row.nextCheckAt === null) return outcome === 'failed' ? 'failed' : 'done';
  if (now.getTime() > order.expiresAt.getTime() + RESOLVE_MARGIN_MS) {
    await leaveAsException(order, 'UNRESOLVED_AT_EXPIRY', {
      expiresAt: order.expiresAt.toISOString(),
      checks: order.checkAttempts,
    });
    return 'exception';
  }
  await reschedule(order.id, nextCheckAt(now, order.checkAttempts, order.expiresAt));
  return outcome;
}

/**
 * WeChat refusing us rather than this order: our signature or keys, our rights, our ids. Every order
 * would get the same answer, so none leaves the sweep for it; each is asked again, with backoff, once
 * someone fixed the configuration (the log and /api/health's backlog say so meanwhile).
 */
function isAboutUs(error: { code: string; httpStatus?: number }): boolean {
  return (
    error.httpStatus === 401 ||
    error.httpStatus === 403 ||
    ['INVALID_SIGNATURE', 'SIGN_ERROR', 'NO_AUTH', 'APPID_MCHID_NOT_MATCH', 'MCH_NOT_EXISTS'].includes(
      error.code,
    )
  );
}

/** Only while the order is still PENDING and ours: a settlement meanwhile wins. */
async function reschedule(orderId: string, at: Date, attemptsDelta = 0): Promise<void> {
  await getDb().paymentOrder.updateMany({
    where: { id: orderId, status: 'PENDING', nextCheckAt: { not: null } },
    data: { nextCheckAt: at, checkAttempts: { increment: attemptsDelta } },
  });
}

async function leaveAsException(
  order: ClaimedOrder,
  kind: 'UNEXPECTED_ANSWER' | 'UNRESOLVED_AT_EXPIRY',
  details: Record<string, string | number | null>,
): Promise<void> {
  await getDb().$transaction(async (tx) => {
    await recordPaymentException(
      { kind, outTradeNo: order.outTradeNo, orderId: order.id, details: { via: 'reconciler', ...details } },
      tx,
    );
    await tx.paymentOrder.updateMany({
      where: { id: order.id, status: 'PENDING' },
      data: { nextCheckAt: null },
    });
  });
}

/** Runs `work` over `items`, at most `size` at once. */
async function inPool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
