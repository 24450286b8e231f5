import 'server-only';
import { getDb } from '../db';
import { createLogger } from '../log';
import { callWechatPay, WechatPayBusyError } from '../rate-limit/wechat-pay-budget';
import { getRedis } from '../redis';
import { getWechatPayClient, isWechatPayError, type WechatTransaction } from '../wechat-pay';
import { applyWechatState } from './apply-wechat-state';
import { closeAtWechat } from './close-at-wechat';
import { END_REASONS, endPendingOrder } from './end-order';
import { publishOrderStatus } from './order-status-cache';

const log = createLogger('orders');

// Asking WeChat when a notification is late or lost. Triggered in the background by the status
// route and by the periodic reconciler; a Redis SET NX EX lock makes concurrent polls, the
// reconciler and several app instances send at most one query per order per QUERY_LOCK_SECONDS.

const QUERY_LOCK_SECONDS = 4;

function queryLockKey(orderId: string): string {
  return `order:${orderId}:query-lock`;
}

/** Queries WeChat for the order unless another poll or instance did so in the last few seconds. */
export async function reconcileOrderIfUnlocked(orderId: string, now: Date = new Date()): Promise<void> {
  const acquired = await getRedis().set(queryLockKey(orderId), Date.now(), {
    nx: true,
    ex: QUERY_LOCK_SECONDS,
  });
  if (acquired !== 'OK') return;
  await reconcileOrderNow(orderId, now);
}

/**
 * Brings a PENDING order in line with WeChat: a payment is settled exactly as a notification
 * would; a closed or failed payment ends the order; an order past its expiry that WeChat still
 * holds open is closed there (WeChat may keep reporting NOTPAY after time_expire).
 */
export async function reconcileOrderNow(orderId: string, now: Date = new Date()): Promise<void> {
  const order = await getDb().paymentOrder.findUnique({ where: { id: orderId } });
  if (!order) return;
  if (order.status !== 'PENDING') {
    // Final already: nothing to ask WeChat. Repair Redis in case a write was lost.
    await publishOrderStatus(order.id);
    return;
  }
  const expired = now.getTime() > order.expiresAt.getTime();
  try {
    const transaction = await queryAndRecord(order);
    await applyWechatState(order, transaction);
    if (transaction.status === 'PENDING' && expired) await closeAtWechat(order, END_REASONS.expired);
  } catch (error) {
    if (!isWechatPayError(error) || error.code !== 'ORDER_NOT_EXIST') throw error;
    // Unknown at WeChat: "not known yet" while it could still be created; past its time_expire
    // WeChat can no longer accept it, so it can never be paid.
    if (expired) await endPendingOrder(order.id, 'CLOSED', END_REASONS.expired);
  }
}

/** For fire-and-forget callers: a failed background query is logged, never thrown at a request. */
export async function reconcileOrderInBackground(orderId: string): Promise<void> {
  try {
    await reconcileOrderIfUnlocked(orderId);
  } catch (error) {
    log.warn({ orderId, err: error }, 'background query failed');
  }
}

/**
 * Settles an order WeChat may have been paid for whatever it shows here (a refund notification names
 * an order that isn't PAID here yet: its payment notification is late, or we closed it while the payer
 * paid). Only a payment is applied; anything else waits for the reconciler.
 */
export async function reconcileOrderByOutTradeNo(outTradeNo: string): Promise<void> {
  const order = await getDb().paymentOrder.findUnique({ where: { outTradeNo } });
  if (!order || order.status === 'PAID') return;
  const transaction = await queryAndRecord(order);
  if (transaction.status === 'PAID') await applyWechatState(order, transaction);
}

/** Asks WeChat, and notes the question and the answer (trade_state or error code) for the console. */
async function queryAndRecord(order: { id: string; outTradeNo: string }): Promise<WechatTransaction> {
  let answer: string | null = 'UNANSWERED';
  try {
    const transaction = await callWechatPay('background', () =>
      getWechatPayClient().queryOrder(order.outTradeNo),
    );
    answer = transaction.tradeState;
    return transaction;
  } catch (error) {
    // Not asked at all when WeChat's call budget is spent.
    answer = error instanceof WechatPayBusyError ? null : isWechatPayError(error) ? error.code : 'UNANSWERED';
    throw error;
  } finally {
    // Stryker disable next-line all: a note for people; losing one changes no money
    if (answer !== null) {
      await getDb()
        .wechatQuery.create({ data: { orderId: order.id, answer: answer.slice(0, 64) } })
        .catch((error: unknown) => log.warn({ err: error, orderId: order.id }, 'query not noted'));
    }
  }
}
