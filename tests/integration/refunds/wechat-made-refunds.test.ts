// Refunds made at WeChat without us (the merchant portal), as their notification or the daily bill
// brings them: held when the balance covers them (all of it included), left for a person when they
// exceed what the order has left after our own refunds, recorded with WeChat's state and times, and
// closing the REFUND_NOT_RECORDED exception opened while no refund was known.
import { describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { reconcileOrderNow } from '@/lib/orders/reconcile-order';
import { applyRefundState } from '@/lib/refunds/apply-refund-state';
import { getWechatPayClient } from '@/lib/wechat-pay';
import { ledgerSum } from '../../support/accounts-fixtures';
import { balanceOf } from '../../support/orders-fixtures';
import { waitFor } from '../../support/orders-harness';
import { setUpRefundsHarness } from '../../support/refunds-fixtures';

const harness = setUpRefundsHarness({ operator: true });
const { paidOrder, portalRefund, refund, wechatFails } = harness;

/** What became of the refund's notification(s) here. */
const notificationOutcomes = (outRefundNo: string) =>
  waitFor(async () => {
    const rows = await getDb().paymentNotification.findMany({ where: { outRefundNo } });
    return rows.length > 0 ? rows.map((n) => [n.eventType, n.outcome]) : null;
  });

const findRefund = (outRefundNo: string) => getDb().refund.findUnique({ where: { outRefundNo } });

describe('a refund made in the merchant portal', () => {
  it('is held when the balance covers it exactly, with WeChat’s success time', async () => {
    const { accountId, outTradeNo } = await paidOrder(500);
    const outRefundNo = await portalRefund(outTradeNo, 500);
    expect(await notificationOutcomes(outRefundNo)).toEqual([['REFUND.SUCCESS', 'recorded']]);

    const recorded = await getDb().refund.findUniqueOrThrow({ where: { outRefundNo } });
    const atWechat = await getWechatPayClient().queryRefund(outRefundNo);
    expect(recorded).toMatchObject({
      origin: 'WECHAT',
      status: 'SUCCESS',
      held: true,
      amountFen: 500,
      wechatRefundId: atWechat.refundId,
      failureReason: null,
      nextCheckAt: null,
    });
    expect(recorded.succeededAt).toEqual(atWechat.successTime);
    expect(await balanceOf(accountId)).toBe(0n);
    expect(await ledgerSum(accountId)).toBe(0n);
    expect(await getDb().paymentException.count({ where: { kind: 'REFUND_NOT_COVERED', outTradeNo } })).toBe(
      0,
    );
  });

  it('is recorded under way, held and swept, when the bill brings it before it has succeeded', async () => {
    const { accountId, outTradeNo } = await paidOrder(800);
    await harness.control('POST', '/sandbox/faults/refunds', { hold: true });
    const outRefundNo = await portalRefund(outTradeNo, 300, { notify: false });
    const atWechat = await getWechatPayClient().queryRefund(outRefundNo);
    expect(atWechat.status).toBe('PROCESSING');

    expect(await applyRefundState(atWechat, { via: 'bill' })).toBe('recorded');
    const recorded = await getDb().refund.findUniqueOrThrow({ where: { outRefundNo } });
    expect(recorded).toMatchObject({
      status: 'PROCESSING',
      held: true,
      succeededAt: null,
      failureReason: null,
    });
    expect(recorded.nextCheckAt).toBeInstanceOf(Date);
    expect(await balanceOf(accountId)).toBe(500n);
  });

  it('that the balance can’t cover is recorded unheld, and its notification says so', async () => {
    const { accountId, outTradeNo } = await paidOrder(500);
    // The money left the balance some other way: only 50 remains.
    await getDb().account.update({ where: { id: accountId }, data: { balanceFen: 50n } });
    const outRefundNo = await portalRefund(outTradeNo, 100);
    expect(await notificationOutcomes(outRefundNo)).toEqual([['REFUND.SUCCESS', 'not_covered']]);
    expect((await findRefund(outRefundNo))?.held).toBe(false);
    expect(await balanceOf(accountId)).toBe(50n);
  });

  it('exceeding what the order has left after our own refunds is left for a person, and not recorded', async () => {
    const { accountId, outTradeNo, orderId } = await paidOrder(1000);
    // Our refund of 600 is held but never reached WeChat (it stays REQUESTED for the sweep).
    await wechatFails({ endpoint: 'refund', kind: 'system-error', count: 1 });
    const ours = await refund(outTradeNo, 600);
    expect(ours.status).toBe('REQUESTED');
    expect(await balanceOf(accountId)).toBe(400n);

    // WeChat, not knowing ours, lets the portal refund 500 of the 1000.
    const outRefundNo = await portalRefund(outTradeNo, 500);
    expect(await notificationOutcomes(outRefundNo)).toEqual([['REFUND.SUCCESS', 'mismatch']]);
    expect(await findRefund(outRefundNo)).toBeNull();
    expect(await balanceOf(accountId)).toBe(400n);
    const exception = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'REFUND_MISMATCH', outTradeNo } },
    });
    const atWechat = await getWechatPayClient().queryRefund(outRefundNo);
    expect(exception).toMatchObject({ status: 'OPEN', orderId, transactionId: atWechat.transactionId });
    expect(exception.details).toEqual({
      via: 'notification',
      reason: 'exceeds what the order has left',
      remainingFen: 400,
      outRefundNo,
      refundId: atWechat.refundId,
      refundFen: 500,
      totalFen: 1000,
      status: 'SUCCESS',
    });
  });

  it('closes the REFUND_NOT_RECORDED exception once the bill brings the refund', async () => {
    const { accountId, ...order } = await paidOrder(900, { notify: false });
    // Refunded in the portal before we heard of the payment, and not notified to us.
    const outRefundNo = await portalRefund(order.outTradeNo, 300, { notify: false });
    const atWechat = await waitFor(async () => {
      const refund = await getWechatPayClient().queryRefund(outRefundNo);
      return refund.status === 'SUCCESS' ? refund : null;
    });
    await reconcileOrderNow(order.orderId);
    const where = { kind_outTradeNo: { kind: 'REFUND_NOT_RECORDED' as const, outTradeNo: order.outTradeNo } };
    expect((await getDb().paymentException.findUniqueOrThrow({ where })).status).toBe('OPEN');

    expect(await applyRefundState(atWechat, { via: 'bill' })).toBe('recorded');
    expect(await balanceOf(accountId)).toBe(600n);
    expect(await getDb().paymentException.findUniqueOrThrow({ where })).toMatchObject({
      status: 'RESOLVED',
      resolvedBy: 'system',
      resolution: `refund ${outRefundNo} recorded`,
      resolvedAt: expect.any(Date),
    });
  });
});
