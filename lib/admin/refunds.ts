import 'server-only';
import { getDb } from '../db';
import { AppError } from '../http/app-error';
import { callWechatPay } from '../rate-limit/wechat-pay-budget';
import { applyRefundState, endAbnormalRefund } from '../refunds/apply-refund-state';
import { getWechatPayClient } from '../wechat-pay';

// An ABNORMAL refund (WeChat couldn't pay it out: the payer's card refused it) stays held until it is
// completed in the merchant portal (WeChat then reports SUCCESS) or an operator ends it here. Ending
// it asks WeChat first: if WeChat has paid it out meanwhile, that is applied instead, and nothing goes
// back to the balance.

export async function endAbnormal(
  refundId: string,
  operatorId: string,
  note: string,
): Promise<{ ok: boolean; message: string }> {
  const refund = await getDb().refund.findUnique({ where: { id: refundId }, include: { order: true } });
  if (refund?.status !== 'ABNORMAL') throw new AppError('conflict', '该退款不是“退款异常”状态');
  const atWechat = await callWechatPay('create', () => getWechatPayClient().queryRefund(refund.outRefundNo));
  if (atWechat.status !== 'ABNORMAL') {
    await applyRefundState(atWechat, { via: 'query' });
    return {
      ok: false,
      message: `微信支付显示该退款现为 ${atWechat.status}，已按微信支付的状态更新，未退回余额`,
    };
  }
  const ended = await endAbnormalRefund(refund.id, `退款异常，由运营结束：${note}`);
  if (!ended) throw new AppError('conflict', '该退款的状态已变化，请刷新');
  await getDb().adminAction.create({
    data: {
      actorId: operatorId,
      action: 'refund.end-abnormal',
      target: refund.order.outTradeNo,
      details: { outRefundNo: refund.outRefundNo, amountFen: refund.amountFen, note },
    },
  });
  return { ok: true, message: `退款 ${refund.outRefundNo} 已结束，金额已退回余额` };
}
