import 'server-only';
import { getDb } from '../db';
import { publishOrderStatus } from './order-status-cache';

/** Reasons shown to the payer, by how the order ended. */
export const END_REASONS = {
  closedByRestart: '已发起新的支付，此订单已关闭',
  closedAtWechat: '订单已关闭或已过期',
  expired: '订单已过期',
  payError: '支付失败，请重新支付',
  createFailed: '微信支付下单失败',
} as const;

/**
 * Moves a PENDING order to FAILED or CLOSED (compare-and-set: a PAID order is never touched, so a
 * settle racing this one wins) and publishes the new state to Redis.
 */
export async function endPendingOrder(
  orderId: string,
  status: 'FAILED' | 'CLOSED',
  reason: string,
): Promise<boolean> {
  const changed = await getDb().paymentOrder.updateMany({
    where: { id: orderId, status: 'PENDING' },
    data: { status, failureReason: reason },
  });
  if (changed.count === 1) await publishOrderStatus(orderId);
  return changed.count === 1;
}
