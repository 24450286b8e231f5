import 'server-only';
import { getDb } from '../db';
import { getRedis } from '../redis';
import { getWechatPayClient, isWechatPayError } from '../wechat-pay';
import { END_REASONS, endPendingOrder } from './end-order';
import { cacheEntryFromOrder, writeCachedOrderStatus } from './order-status-cache';
import { settlePaidOrder } from './settle-order';

// Asking WeChat when a notification is late or lost. Triggered in the background by the status
// route; a Redis SET NX EX lock makes concurrent polls and several app instances send at most
// one query per order per QUERY_LOCK_SECONDS.

const QUERY_LOCK_SECONDS = 4;

export function queryLockKey(orderId: string): string {
  return `order:${orderId}:query-lock`;
}

/** Queries WeChat for the order unless another poll or instance did so in the last few seconds. */
export async function reconcileOrderIfUnlocked(orderId: string): Promise<void> {
  const acquired = await getRedis().set(queryLockKey(orderId), Date.now(), {
    nx: true,
    ex: QUERY_LOCK_SECONDS,
  });
  if (acquired !== 'OK') return;
  await reconcileOrderNow(orderId);
}

/** Asks WeChat where the order stands and applies a final answer exactly as a notification would. */
export async function reconcileOrderNow(orderId: string): Promise<void> {
  const db = getDb();
  const order = await db.paymentOrder.findUnique({ where: { id: orderId } });
  if (!order) return;
  if (order.status === 'PAID') {
    // Nothing to ask; make sure Redis agrees with the database.
    await writeCachedOrderStatus(cacheEntryFromOrder(order));
    return;
  }
  let transaction: Awaited<ReturnType<ReturnType<typeof getWechatPayClient>['queryOrder']>>;
  try {
    transaction = await getWechatPayClient().queryOrder(order.outTradeNo);
  } catch (error) {
    // ORDER_NOT_EXIST means "not known yet", never "failed".
    if (isWechatPayError(error) && error.code === 'ORDER_NOT_EXIST') return;
    throw error;
  }
  switch (transaction.status) {
    case 'PAID':
      if (!transaction.transactionId)
        throw new Error(`WeChat reports ${order.outTradeNo} paid without a transaction_id`);
      await settlePaidOrder(
        {
          outTradeNo: order.outTradeNo,
          transactionId: transaction.transactionId,
          amountFen: transaction.amountFen,
          paidAt: transaction.successTime ?? new Date(),
        },
        { via: 'query' },
      );
      return;
    case 'CLOSED':
      await endPendingOrder(order.id, 'CLOSED', END_REASONS.closedAtWechat);
      return;
    case 'FAILED':
      await endPendingOrder(order.id, 'FAILED', END_REASONS.payError);
      return;
    case 'PENDING':
      return;
  }
}

/** For fire-and-forget callers: a failed background query is logged, never thrown at a request. */
export async function reconcileOrderInBackground(orderId: string): Promise<void> {
  try {
    await reconcileOrderIfUnlocked(orderId);
  } catch (error) {
    console.warn(
      `[orders] background query of order ${orderId} failed:`,
      isWechatPayError(error) ? `${error.code} ${error.message}` : error,
    );
  }
}
