import 'server-only';
import { getDb } from '../db';
import type { Refund } from '../generated/prisma/client';
import { createLogger } from '../log';
import { recordPaymentException } from '../orders/payment-exceptions';
import { callWechatPay, WechatPayBusyError } from '../rate-limit/wechat-pay-budget';
import { getWechatPayClient, isWechatPayError } from '../wechat-pay';
import { ABNORMAL_CHECK_MS, applyRefundState } from './apply-refund-state';
import { submitRefund } from './request-refund';

const log = createLogger('refunds');

// The refunds' safety net, as the reconciler is the payments': every refund that isn't final (ABNORMAL
// too: it may be completed in the merchant portal) is asked
// about at WeChat (by its out_refund_no) when its next_check_at comes, with backoff, leased from
// PostgreSQL (FOR UPDATE SKIP LOCKED) so that any number of sweepers ask once. A REQUESTED refund
// WeChat doesn't know (our request was lost) is sent again with the same number; one WeChat still
// doesn't know after a day of trying becomes a REFUND_STUCK payment exception, held until someone looks.

const LEASE_MS = 2 * 60_000;
const BATCH_SIZE = 20;
const GIVE_UP_AFTER_ATTEMPTS = 24;

export interface RefundSweepResult {
  checked: number;
  failed: number;
  throttled: boolean;
}

export async function reconcileDueRefunds(
  options: { now?: Date; maxRefunds?: number; maxDurationMs?: number; signal?: AbortSignal } = {},
): Promise<RefundSweepResult> {
  const now = options.now ?? new Date();
  const maxRefunds = options.maxRefunds ?? 200;
  const deadline = Date.now() + (options.maxDurationMs ?? 30_000);
  const result: RefundSweepResult = { checked: 0, failed: 0, throttled: false };
  while (
    // Stryker disable next-line EqualityOperator: with none left to take, the claim's LIMIT is 0 and the loop ends on its empty answer
    result.checked < maxRefunds &&
    Date.now() < deadline &&
    !result.throttled &&
    !options.signal?.aborted
  ) {
    const claimed = await claimDueRefunds(now, Math.min(BATCH_SIZE, maxRefunds - result.checked));
    if (claimed.length === 0) break;
    for (const refund of claimed) {
      const outcome = await checkRefund(refund, now);
      result.checked++;
      if (outcome === 'failed') result.failed++;
      if (outcome === 'throttled') {
        result.throttled = true;
        break;
      }
    }
  }
  return result;
}

async function claimDueRefunds(now: Date, limit: number): Promise<Refund[]> {
  const leaseUntil = new Date(now.getTime() + LEASE_MS);
  const ids = await getDb().$queryRaw<{ id: string }[]>`
    UPDATE refunds AS r
       SET next_check_at = ${leaseUntil}, check_attempts = r.check_attempts + 1
      FROM (SELECT id FROM refunds
             WHERE status IN ('REQUESTED', 'PROCESSING', 'ABNORMAL') AND next_check_at IS NOT NULL
               AND next_check_at <= ${now}
             ORDER BY next_check_at
             LIMIT ${limit}
             FOR UPDATE SKIP LOCKED) AS due
     WHERE r.id = due.id
    RETURNING r.id`;
  // Stryker disable next-line ConditionalExpression: a guard for speed only; the query of no ids finds none
  if (ids.length === 0) return [];
  return getDb().refund.findMany({ where: { id: { in: ids.map((row) => row.id) } } });
}

async function checkRefund(refund: Refund, now: Date): Promise<'done' | 'failed' | 'throttled'> {
  try {
    const answer = await callWechatPay('background', () =>
      getWechatPayClient().queryRefund(refund.outRefundNo),
    );
    await applyRefundState(answer, { via: 'query' });
  } catch (error) {
    if (error instanceof WechatPayBusyError) {
      await reschedule(refund.id, new Date(now.getTime() + (error.retryAfterSeconds ?? 1) * 1000));
      return 'throttled';
    }
    if (isWechatPayError(error) && error.code === 'RESOURCE_NOT_EXISTS' && refund.status === 'REQUESTED') {
      // Our request never reached WeChat (or it refused before recording it): send it again.
      await submitRefund(refund, 'background');
    } else {
      log.warn({ outRefundNo: refund.outRefundNo, err: error }, 'refund check failed');
      await rescheduleOrGiveUp(refund, now);
      return 'failed';
    }
  }
  await rescheduleOrGiveUp(refund, now);
  // Stryker disable next-line StringLiteral: the sweep tells only 'failed' and 'throttled' apart
  return 'done';
}

/**
 * Backoff while it isn't final: 30 s doubling to an hour; after a day of attempts, a person looks. An
 * ABNORMAL refund waits on someone at WeChat's end (completed or ended in the merchant portal), so it
 * is asked about hourly from the start, as applying ABNORMAL scheduled it.
 */
async function rescheduleOrGiveUp(refund: Refund, now: Date): Promise<void> {
  const current = await getDb().refund.findUnique({
    where: { id: refund.id },
    select: { status: true, checkAttempts: true },
  });
  if (!current || !['REQUESTED', 'PROCESSING', 'ABNORMAL'].includes(current.status)) return;
  const attempts = current.checkAttempts;
  if (attempts >= GIVE_UP_AFTER_ATTEMPTS) {
    const order = await getDb().paymentOrder.findUniqueOrThrow({
      where: { id: refund.orderId },
      select: { outTradeNo: true },
    });
    await getDb().$transaction(async (tx) => {
      await recordPaymentException(
        {
          // The sweep stops asking: a person looks. An ABNORMAL one also has its REFUND_ABNORMAL, open until
          // someone ends it; this one says WeChat never gave a final answer.
          kind: 'REFUND_STUCK',
          outTradeNo: order.outTradeNo,
          orderId: refund.orderId,
          details: {
            via: 'refund-sweep',
            outRefundNo: refund.outRefundNo,
            status: current.status,
            checks: attempts,
          },
        },
        tx,
      );
      await tx.refund.updateMany({
        where: { id: refund.id, status: current.status },
        data: { nextCheckAt: null },
      });
    });
    return;
  }
  const delayMs =
    current.status === 'ABNORMAL'
      ? ABNORMAL_CHECK_MS
      : Math.min(60 * 60_000, 30_000 * 2 ** Math.max(0, attempts - 1));
  await reschedule(refund.id, new Date(now.getTime() + delayMs));
}

async function reschedule(refundId: string, at: Date): Promise<void> {
  await getDb().refund.updateMany({
    where: {
      id: refundId,
      status: { in: ['REQUESTED', 'PROCESSING', 'ABNORMAL'] },
      nextCheckAt: { not: null },
    },
    data: { nextCheckAt: at },
  });
}
