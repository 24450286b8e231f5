import 'server-only';
import { getDb } from '../db';
import type { OrderStatus } from '../schemas/order-status';
import { isUuid } from '../uuid';

export interface OrderResult {
  orderId: string;
  outTradeNo: string;
  status: OrderStatus;
  amountFen: number;
  reason?: string;
  paidAt?: Date;
  createdAt: Date;
  balanceFen: bigint;
  /** What refunds hold or gave back of it (under way and done). */
  refundedFen: number;
}

/** The result page's data, from the database (the source of truth). Null unless the order is in this wallet. */
export async function getOrderResult(orderId: string, accountId: string | null): Promise<OrderResult | null> {
  if (!accountId || !isUuid(orderId)) return null;
  const order = await getDb().paymentOrder.findUnique({
    where: { id: orderId },
    include: { account: { select: { balanceFen: true } } },
  });
  if (!order || order.accountId !== accountId) return null;
  const result: OrderResult = {
    orderId: order.id,
    outTradeNo: order.outTradeNo,
    status: order.status,
    amountFen: order.amountFen,
    createdAt: order.createdAt,
    balanceFen: order.account.balanceFen,
    refundedFen: order.refundedFen,
  };
  if (order.failureReason) result.reason = order.failureReason;
  if (order.paidAt) result.paidAt = order.paidAt;
  return result;
}
