import 'server-only';
import { getDb } from '../db';
import { AppError } from '../http/app-error';
import { formatYuan } from '../money';
import { callWechatPay } from '../rate-limit/wechat-pay-budget';
import { applyRefundState, endAbnormalRefund } from '../refunds/apply-refund-state';
import { lockChainEnd } from '../refunds/refundable';
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

/**
 * A refund made at WeChat that the balance couldn't cover was recorded without a hold (its
 * REFUND_NOT_COVERED exception is open). Once the balance covers it (the payer recharged, say), an
 * operator takes the hold after checking: the REFUND entry debits the balance (a trigger), which the
 * database refuses below zero; the refund is held from then on (never the reverse).
 */
export async function holdUncoveredRefund(
  refundId: string,
  operatorId: string,
): Promise<{ ok: boolean; message: string }> {
  return getDb().$transaction(async (tx) => {
    const [refund] = await tx.$queryRaw<
      {
        id: string;
        out_refund_no: string;
        amount_fen: number;
        held: boolean;
        status: string;
        out_trade_no: string;
        account_id: string;
      }[]
    >`
      SELECT r.id, r.out_refund_no, r.amount_fen, r.held, r.status::text AS status, o.out_trade_no, r.account_id
      FROM refunds r JOIN payment_orders o ON o.id = r.order_id
      WHERE r.id = ${refundId}::uuid FOR UPDATE OF r`;
    if (!refund || refund.held || refund.status === 'CLOSED' || refund.status === 'REJECTED') {
      throw new AppError('conflict', '该退款不需要补扣');
    }
    const account = await lockChainEnd(tx, refund.account_id);
    if (account.balanceFen < BigInt(refund.amount_fen)) {
      throw new AppError(
        'unprocessable_entity',
        `余额不足：需要 ${formatYuan(refund.amount_fen)}，余额 ${formatYuan(account.balanceFen)}`,
      );
    }
    // The hold stays on the refund's own account (the deferred check wants it there); the chain end
    // is that account unless it was merged since, and then the merge moved what it held.
    if (account.id !== refund.account_id) throw new AppError('conflict', '该账户已合并，请核实后手工处理');
    await tx.refund.update({ where: { id: refund.id }, data: { held: true } });
    await tx.ledgerEntry.create({
      data: {
        accountId: refund.account_id,
        refundId: refund.id,
        kind: 'REFUND',
        amountFen: -refund.amount_fen,
      },
    });
    await tx.paymentException.updateMany({
      where: { kind: 'REFUND_NOT_COVERED', outTradeNo: refund.out_trade_no, status: 'OPEN' },
      data: {
        status: 'RESOLVED',
        resolvedAt: new Date(),
        resolvedBy: operatorId,
        resolution: `补扣 ${refund.out_refund_no}`,
      },
    });
    await tx.adminAction.create({
      data: {
        actorId: operatorId,
        action: 'refund.hold-uncovered',
        target: refund.out_trade_no,
        details: { outRefundNo: refund.out_refund_no, amountFen: refund.amount_fen },
      },
    });
    return { ok: true, message: `已从余额补扣 ${formatYuan(refund.amount_fen)}` };
  });
}
