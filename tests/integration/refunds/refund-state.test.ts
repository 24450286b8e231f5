// How WeChat's word moves one of our refunds on (applyRefundState): an answer about another order or
// another amount left for a person, what each state records on the refund (WeChat's id and success
// time, the reason shown in the console, when the sweep asks next), an ABNORMAL refund's exception
// and its resolution, and late or contradicting answers about a refund that is final here.
import { describe, expect, it } from 'vitest';
import { endAbnormal } from '@/lib/admin/refunds';
import { getDb } from '@/lib/db';
import { applyRefundState, rejectRefund } from '@/lib/refunds/apply-refund-state';
import type { WechatRefund } from '@/lib/wechat-pay';
import { ledgerSum } from '../../support/accounts-fixtures';
import { balanceOf } from '../../support/orders-fixtures';
import { waitFor } from '../../support/orders-harness';
import { refundRow, setUpRefundsHarness, wechatRefund } from '../../support/refunds-fixtures';

const harness = setUpRefundsHarness({ operator: true });
const { paidOrder, refund, wechatFinishes } = harness;

/** A refund of ours WeChat keeps PROCESSING until told otherwise (sandbox refunds held). */
async function refundUnderWay(amountFen: number, refundFen: number) {
  const order = await paidOrder(amountFen);
  await harness.control('POST', '/sandbox/faults/refunds', { hold: true });
  const requested = await refund(order.outTradeNo, refundFen);
  expect(requested.status).toBe('PROCESSING');
  return { ...order, requested };
}

const exceptionOf = (kind: 'REFUND_MISMATCH' | 'REFUND_ABNORMAL', outTradeNo: string) =>
  getDb().paymentException.findUnique({ where: { kind_outTradeNo: { kind, outTradeNo } } });

describe('an answer about a refund of ours that does not match it', () => {
  it('naming another order is left for a person, and the refund stays as it was', async () => {
    const other = await paidOrder(800);
    const { accountId, outTradeNo, orderId, requested } = await refundUnderWay(800, 300);
    const atWechat = await wechatRefund(requested.outRefundNo);
    const answer: WechatRefund = { ...atWechat, outTradeNo: other.outTradeNo, status: 'SUCCESS' };

    expect(await applyRefundState(answer, { via: 'query' })).toBe('mismatch');

    expect(await refundRow(requested.outRefundNo)).toMatchObject({ status: 'PROCESSING', succeededAt: null });
    expect(await balanceOf(accountId)).toBe(500n);
    const exception = await exceptionOf('REFUND_MISMATCH', outTradeNo);
    expect(exception).toMatchObject({ status: 'OPEN', orderId, transactionId: atWechat.transactionId });
    expect(exception?.details).toEqual({
      via: 'query',
      outRefundNo: requested.outRefundNo,
      ours: { outTradeNo, amountFen: 300 },
      wechat: { outTradeNo: other.outTradeNo, amountFen: 300, status: 'SUCCESS' },
    });
    expect(await exceptionOf('REFUND_MISMATCH', other.outTradeNo)).toBeNull();
  });

  it('naming another amount is left for a person, and the refund stays as it was', async () => {
    const { accountId, outTradeNo, requested } = await refundUnderWay(800, 300);
    const atWechat = await wechatRefund(requested.outRefundNo);

    expect(await applyRefundState({ ...atWechat, refundFen: 200, status: 'CLOSED' }, { via: 'bill' })).toBe(
      'mismatch',
    );

    // Not closed here: no hold given back on an answer that isn't about this refund.
    expect((await refundRow(requested.outRefundNo)).status).toBe('PROCESSING');
    expect(await balanceOf(accountId)).toBe(500n);
    expect(await ledgerSum(accountId)).toBe(500n);
    expect((await exceptionOf('REFUND_MISMATCH', outTradeNo))?.details).toEqual({
      via: 'bill',
      outRefundNo: requested.outRefundNo,
      ours: { outTradeNo, amountFen: 300 },
      wechat: { outTradeNo, amountFen: 200, status: 'CLOSED' },
    });
  });
});

describe('a refund moving on', () => {
  it('learns WeChat’s refund id, stays due for the sweep soon while PROCESSING, and changes nothing on the same answer again', async () => {
    const { requested } = await refundUnderWay(600, 200);
    const atWechat = await wechatRefund(requested.outRefundNo);
    expect(requested.wechatRefundId).toBe(atWechat.refundId);
    expect(requested.succeededAt).toBeNull();
    expect(requested.failureReason).toBeNull();
    // Still the first check the refund got when it was held (30 s), not an ABNORMAL refund's hour.
    expect(requested.nextCheckAt?.getTime()).toBeLessThanOrEqual(Date.now() + 30_000);

    expect(await applyRefundState(atWechat, { via: 'query' })).toBe('unchanged');
    expect(await refundRow(requested.outRefundNo)).toEqual(requested);
  });

  it("records WeChat's success time, and no failure reason, when its notification says SUCCESS", async () => {
    const { accountId, requested } = await refundUnderWay(600, 200);
    const done = await wechatFinishes(requested.outRefundNo, 'SUCCESS');
    const atWechat = await wechatRefund(requested.outRefundNo);
    expect(atWechat.successTime).toBeInstanceOf(Date);
    expect(done.succeededAt).toEqual(atWechat.successTime);
    expect(done.failureReason).toBeNull();
    expect(done.nextCheckAt).toBeNull();
    expect(await balanceOf(accountId)).toBe(400n);
  });

  it('says in the console why a CLOSED refund gave its hold back', async () => {
    const { accountId, requested } = await refundUnderWay(600, 200);
    const closed = await wechatFinishes(requested.outRefundNo, 'CLOSED');
    expect(closed.failureReason).toBe('WeChat: CLOSED');
    expect(closed.succeededAt).toBeNull();
    expect(closed.nextCheckAt).toBeNull();
    expect(await balanceOf(accountId)).toBe(600n);
  });

  it('keeps an ABNORMAL refund held, asks again in an hour, and opens an exception saying where the money went', async () => {
    const { accountId, outTradeNo, orderId, requested } = await refundUnderWay(700, 300);
    const before = Date.now();
    const abnormal = await wechatFinishes(requested.outRefundNo, 'ABNORMAL');
    expect(abnormal.failureReason).toBe('WeChat: ABNORMAL');
    expect(abnormal.succeededAt).toBeNull();
    expect(abnormal.nextCheckAt?.getTime()).toBeGreaterThanOrEqual(before + 60 * 60_000);
    expect(abnormal.nextCheckAt?.getTime()).toBeLessThanOrEqual(Date.now() + 60 * 60_000);
    expect(await balanceOf(accountId)).toBe(400n);
    const exception = await exceptionOf('REFUND_ABNORMAL', outTradeNo);
    expect(exception).toMatchObject({ status: 'OPEN', orderId });
    expect(exception?.details).toEqual({
      via: 'notification',
      outRefundNo: requested.outRefundNo,
      amountFen: 300,
      userReceivedAccount: '支付用户零钱',
    });
  });

  it("resolves an ABNORMAL refund's exception when WeChat completes it, and only that order's", async () => {
    const first = await refundUnderWay(1000, 300);
    const second = await refund(first.outTradeNo, 200); // the same order's other refund, under way
    const elsewhere = await refundUnderWay(500, 100);
    await wechatFinishes(first.requested.outRefundNo, 'ABNORMAL');
    await wechatFinishes(elsewhere.requested.outRefundNo, 'ABNORMAL');

    // Another refund of the order succeeding says nothing about the ABNORMAL one.
    await wechatFinishes(second.outRefundNo, 'SUCCESS');
    expect((await exceptionOf('REFUND_ABNORMAL', first.outTradeNo))?.status).toBe('OPEN');

    // Completed in the merchant portal: WeChat now reports it SUCCESS (a query by the sweep).
    const completed: WechatRefund = {
      ...(await wechatRefund(first.requested.outRefundNo)),
      status: 'SUCCESS',
      successTime: new Date(),
    };
    expect(await applyRefundState(completed, { via: 'query' })).toBe('applied');
    const row = await refundRow(first.requested.outRefundNo);
    expect(row.status).toBe('SUCCESS');
    expect(row.succeededAt).toEqual(completed.successTime);
    expect(row.nextCheckAt).toBeNull();
    expect(await balanceOf(first.accountId)).toBe(500n);
    expect(await exceptionOf('REFUND_ABNORMAL', first.outTradeNo)).toMatchObject({
      status: 'RESOLVED',
      resolvedBy: 'system',
      resolution: 'WeChat: SUCCESS',
      resolvedAt: expect.any(Date),
    });
    expect((await exceptionOf('REFUND_ABNORMAL', elsewhere.outTradeNo))?.status).toBe('OPEN');
  });
});

describe("an order's exception for its ABNORMAL refunds", () => {
  const completedAtWechat = async (outRefundNo: string): Promise<WechatRefund> => ({
    ...(await wechatRefund(outRefundNo)),
    status: 'SUCCESS',
    successTime: new Date(),
  });

  it('stays open while another of its refunds is still ABNORMAL, and is resolved when the last one is ended', async () => {
    const first = await refundUnderWay(1000, 300);
    const second = await refund(first.outTradeNo, 200);
    await wechatFinishes(first.requested.outRefundNo, 'ABNORMAL');
    const stillHeld = await wechatFinishes(second.outRefundNo, 'ABNORMAL');

    // The first is completed in the merchant portal: the second is still ABNORMAL, its 200 held.
    const completed = await completedAtWechat(first.requested.outRefundNo);
    expect(await applyRefundState(completed, { via: 'query' })).toBe('applied');
    expect(await exceptionOf('REFUND_ABNORMAL', first.outTradeNo)).toMatchObject({
      status: 'OPEN',
      resolvedAt: null,
    });

    // An operator ends the second: the hold goes back, and nothing ABNORMAL is left on the order.
    expect((await endAbnormal(stillHeld.id, harness.operatorId, '已线下处理')).ok).toBe(true);
    expect(await balanceOf(first.accountId)).toBe(700n);
    expect(await exceptionOf('REFUND_ABNORMAL', first.outTradeNo)).toMatchObject({
      status: 'RESOLVED',
      resolvedBy: 'system',
      resolution: '退款异常，由运营结束：已线下处理',
    });
  });

  it('is resolved when its two ABNORMAL refunds are completed at the same moment', async () => {
    const first = await refundUnderWay(1000, 300);
    const second = await refund(first.outTradeNo, 200);
    await wechatFinishes(first.requested.outRefundNo, 'ABNORMAL');
    await wechatFinishes(second.outRefundNo, 'ABNORMAL');

    const answers = await Promise.all([
      completedAtWechat(first.requested.outRefundNo),
      completedAtWechat(second.outRefundNo),
    ]);
    expect(await Promise.all(answers.map((a) => applyRefundState(a, { via: 'query' })))).toEqual([
      'applied',
      'applied',
    ]);
    expect((await exceptionOf('REFUND_ABNORMAL', first.outTradeNo))?.status).toBe('RESOLVED');
    expect(await balanceOf(first.accountId)).toBe(500n);
  });
});

describe('an answer about a refund that is final here', () => {
  /** WeChat's answer for a refund it reports under our number, in the given state. */
  async function answerFor(outRefundNo: string, status: WechatRefund['status']): Promise<WechatRefund> {
    const ours = await getDb().refund.findUniqueOrThrow({ where: { outRefundNo }, include: { order: true } });
    return {
      refundId: `50${Date.now()}${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`.slice(0, 32),
      outRefundNo,
      transactionId: ours.order.transactionId ?? '',
      outTradeNo: ours.order.outTradeNo,
      status,
      refundFen: ours.amountFen,
      totalFen: ours.order.amountFen,
      successTime: status === 'SUCCESS' ? new Date() : undefined,
    };
  }

  it('REJECTED here: CLOSED there agrees; WeChat paying it out after all is left for a person', async () => {
    const { accountId, outTradeNo } = await paidOrder(700);
    await harness.control('POST', '/sandbox/faults/refunds', { notEnough: 1 });
    const refused = await refund(outTradeNo, 300);
    expect(refused.status).toBe('REJECTED');
    expect(await balanceOf(accountId)).toBe(700n);

    expect(await applyRefundState(await answerFor(refused.outRefundNo, 'CLOSED'), { via: 'bill' })).toBe(
      'unchanged',
    );
    expect(await exceptionOf('REFUND_MISMATCH', outTradeNo)).toBeNull();

    expect(await applyRefundState(await answerFor(refused.outRefundNo, 'PROCESSING'), { via: 'query' })).toBe(
      'mismatch',
    );
    expect(await applyRefundState(await answerFor(refused.outRefundNo, 'SUCCESS'), { via: 'bill' })).toBe(
      'mismatch',
    );
    // Nothing changes by itself: the hold went back, and a person decides.
    expect((await refundRow(refused.outRefundNo)).status).toBe('REJECTED');
    expect(await balanceOf(accountId)).toBe(700n);
    const exception = await exceptionOf('REFUND_MISMATCH', outTradeNo);
    expect(exception).toMatchObject({ status: 'OPEN', occurrences: 2 });
    expect(exception?.details).toEqual({
      via: 'bill',
      outRefundNo: refused.outRefundNo,
      ours: 'REJECTED',
      wechat: 'SUCCESS',
    });
  });

  it('ended by an operator: a late ABNORMAL changes nothing; completed in the merchant portal after all is left for a person', async () => {
    const { accountId, outTradeNo, requested } = await refundUnderWay(700, 300);
    const abnormal = await wechatFinishes(requested.outRefundNo, 'ABNORMAL');
    expect((await endAbnormal(abnormal.id, harness.operatorId, '已线下退款')).ok).toBe(true);
    expect(await balanceOf(accountId)).toBe(700n);

    // WeChat repeats its ABNORMAL notification, and an old PROCESSING answer arrives.
    await harness.control('POST', '/sandbox/refunds/notify', { out_refund_no: requested.outRefundNo });
    const notified = await waitFor(async () => {
      const rows = await getDb().paymentNotification.findMany({
        where: { outRefundNo: requested.outRefundNo },
        orderBy: { receivedAt: 'asc' },
      });
      return rows.length === 2 ? rows : null;
    });
    expect(notified.map((n) => [n.eventType, n.outcome])).toEqual([
      ['REFUND.ABNORMAL', 'applied'],
      ['REFUND.ABNORMAL', 'unchanged'],
    ]);
    expect(
      await applyRefundState(await answerFor(requested.outRefundNo, 'PROCESSING'), { via: 'query' }),
    ).toBe('unchanged');
    expect(await exceptionOf('REFUND_MISMATCH', outTradeNo)).toBeNull();

    const paidOut = await answerFor(requested.outRefundNo, 'SUCCESS');
    expect(await applyRefundState(paidOut, { via: 'query' })).toBe('mismatch');
    expect((await refundRow(requested.outRefundNo)).status).toBe('CLOSED');
    expect(await balanceOf(accountId)).toBe(700n);
    expect((await exceptionOf('REFUND_MISMATCH', outTradeNo))?.details).toEqual({
      via: 'query',
      outRefundNo: requested.outRefundNo,
      ours: 'CLOSED',
      wechat: 'SUCCESS',
    });
  });
});

describe('a refusal', () => {
  it('that comes after WeChat took the refund changes nothing: it stays under way, held', async () => {
    const { accountId, requested } = await refundUnderWay(600, 250);
    await rejectRefund(requested.id, 'NOT_ENOUGH: 基本账户余额不足');
    expect(await refundRow(requested.outRefundNo)).toMatchObject({
      status: 'PROCESSING',
      failureReason: null,
    });
    expect(await balanceOf(accountId)).toBe(350n);
    expect(
      await getDb().ledgerEntry.count({ where: { refundId: requested.id, kind: 'REFUND_RETURN' } }),
    ).toBe(0);
  });
});
