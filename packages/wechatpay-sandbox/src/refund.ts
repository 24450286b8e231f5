import type { Refund } from './refund-store';
import { toBeijingRfc3339 } from './time';

// The wire Refund as WeChat Pay answers 申请退款 and 查询单笔退款, and the resource of its refund notifications
// (退款结果通知). The payer paid from 零钱 (the phone page's only method), so refunds go back there: channel
// ORIGINAL, user_received_account 支付用户零钱. No coupons: payer and settlement amounts equal the order's.

const USER_RECEIVED_ACCOUNT = '支付用户零钱';

function successTime(refund: Refund): { success_time?: string } {
  return refund.status === 'SUCCESS' && refund.successAtMs !== undefined
    ? { success_time: toBeijingRfc3339(refund.successAtMs) }
    : {};
}

export function toRefund(refund: Refund): Record<string, unknown> {
  return {
    refund_id: refund.refundId,
    out_refund_no: refund.outRefundNo,
    transaction_id: refund.transactionId,
    out_trade_no: refund.outTradeNo,
    channel: 'ORIGINAL',
    user_received_account: USER_RECEIVED_ACCOUNT,
    ...successTime(refund),
    create_time: toBeijingRfc3339(refund.createdAtMs),
    status: refund.status,
    funds_account: refund.fundsAccount,
    amount: {
      total: refund.total,
      refund: refund.refund,
      ...(refund.from ? { from: refund.from } : {}),
      payer_total: refund.total,
      payer_refund: refund.refund,
      settlement_refund: refund.refund,
      settlement_total: refund.total,
      discount_refund: 0,
      currency: refund.currency,
      refund_fee: refund.refundFee,
    },
    promotion_detail: [],
  };
}

/** The plaintext of a REFUND.* notification's resource. */
export function toRefundNotificationResource(refund: Refund, mchid: string): Record<string, unknown> {
  return {
    mchid,
    transaction_id: refund.transactionId,
    out_trade_no: refund.outTradeNo,
    refund_id: refund.refundId,
    out_refund_no: refund.outRefundNo,
    refund_status: refund.status,
    ...successTime(refund),
    user_received_account: USER_RECEIVED_ACCOUNT,
    amount: {
      total: refund.total,
      refund: refund.refund,
      payer_total: refund.total,
      payer_refund: refund.refund,
    },
  };
}
