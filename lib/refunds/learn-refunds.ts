import 'server-only';
import { getDb } from '../db';
import { createLogger } from '../log';
import { recordPaymentException } from '../orders/payment-exceptions';
import { callWechatPay } from '../rate-limit/wechat-pay-budget';
import { getWechatPayClient } from '../wechat-pay';
import { applyRefundState } from './apply-refund-state';

const log = createLogger('refunds');

// WeChat reports a transaction in state REFUND: it was paid and (partly) refunded. The payment is
// credited by the caller; then the refunds must be recorded and debited, never the credit alone. Our
// own refunds still under way are asked about now (by out_refund_no). WeChat API v3 has no call that
// lists an order's refunds, so one made in the merchant portal is learned from its refund
// notification or the day's bill; until one is recorded, a REFUND_NOT_RECORDED exception is open for
// the order (it resolves itself when a refund is recorded).

export async function learnRefundsOf(order: { id: string; outTradeNo: string }): Promise<void> {
  const pending = await getDb().refund.findMany({
    where: { orderId: order.id, status: { in: ['REQUESTED', 'PROCESSING'] } },
    select: { outRefundNo: true },
  });
  for (const { outRefundNo } of pending) {
    try {
      const answer = await callWechatPay('background', () => getWechatPayClient().queryRefund(outRefundNo));
      await applyRefundState(answer, { via: 'query' });
    } catch (error) {
      log.warn({ outRefundNo, err: error }, 'refund query failed; the refund sweep will ask again');
    }
  }
  const recorded = await getDb().refund.count({
    where: { orderId: order.id, status: { in: ['REQUESTED', 'PROCESSING', 'SUCCESS'] } },
  });
  if (recorded > 0) return;
  await recordPaymentException({
    kind: 'REFUND_NOT_RECORDED',
    outTradeNo: order.outTradeNo,
    orderId: order.id,
    details: {
      via: 'query',
      reason: 'WeChat reports the transaction refunded; no refund is recorded here yet',
    },
  });
}
