import type { Order, TradeState } from './store';

// The wire Transaction as WeChat Pay returns it from the query API and inside notifications. Fields
// the real service leaves out before payment (transaction_id, payer, success_time, payer_total…) are left
// out here too, so a merchant parser that wrongly requires them fails in development. A paid order with a
// successful refund reads as REFUND (转入退款), otherwise unchanged.

const TRADE_STATE_DESC: Record<TradeState, string> = {
  SUCCESS: '支付成功',
  NOTPAY: '订单未支付',
  CLOSED: '订单已关闭',
  PAYERROR: '支付失败，请重新下单支付',
};
const REFUND_DESC = '转入退款';

export function toTransaction(order: Order): Record<string, unknown> {
  const common = {
    appid: order.appid,
    mchid: order.mchid,
    out_trade_no: order.outTradeNo,
    ...(order.attach !== undefined ? { attach: order.attach } : {}),
  };
  if (order.state === 'SUCCESS') {
    return {
      ...common,
      transaction_id: order.transactionId,
      trade_type: 'NATIVE',
      trade_state: order.refunded ? 'REFUND' : 'SUCCESS',
      trade_state_desc: order.refunded ? REFUND_DESC : TRADE_STATE_DESC.SUCCESS,
      bank_type: 'OTHERS',
      success_time: order.successTime,
      payer: { openid: order.payerOpenid },
      amount: {
        total: order.total,
        payer_total: order.total,
        currency: order.currency,
        payer_currency: order.currency,
      },
      promotion_detail: [],
    };
  }
  return {
    ...common,
    ...(order.state === 'PAYERROR' ? { trade_type: 'NATIVE' } : {}),
    trade_state: order.state,
    trade_state_desc: TRADE_STATE_DESC[order.state],
    amount: { total: order.total, payer_currency: order.currency },
    promotion_detail: [],
  };
}
