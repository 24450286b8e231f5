// Which of our payments and refunds belong to a bill's day: the Beijing day [00:00, next 00:00) by the
// time we recorded. A payment or refund of ours on that day must be in WeChat's bill (else it is
// reported) and counts in the run's totals; one at the next midnight or a moment before this one's
// belongs to another day, even when WeChat's bill lists it on this one, and what is wrong with it is
// that day's business, not reported again on every run. On a database and a sandbox of its own.
import { describe, expect, it } from 'vitest';
import { beijingDateOf, beijingDayRange } from '@/lib/bills/bill-date';
import { reconcileBillDay } from '@/lib/bills/run-bill-reconciliation';
import { formatChinaTime } from '@/lib/china-time';
import { getDb } from '@/lib/db';
import { visitorWithPaidOrder } from '../../support/accounts-fixtures';
import {
  DAY_MS,
  dayOf,
  paidWithoutLedger,
  refundRecordedHere,
  setUpRefundsHarness,
  visitorPaidAt,
} from '../../support/refunds-fixtures';

const harness = setUpRefundsHarness({ freshDatabase: true, operator: true, resetFaults: 'never' });
const { paidOrder, succeededRefund, portalRefund } = harness;

/**
 * A credited order of ours that WeChat's bill lists as paid at `billedAt`, while we recorded it as paid
 * at `paidAt` (same amount, same transaction: nothing to report but the day it counts on).
 */
async function billedOrder(amountFen: number, billedAt: Date, paidAt: Date) {
  const { order } = await visitorWithPaidOrder(amountFen);
  const paid = await harness.control<{ transaction: { transaction_id: string } }>(
    'POST',
    '/sandbox/payments/unknown',
    { out_trade_no: order.outTradeNo, total: amountFen, success_time: formatChinaTime(billedAt) },
  );
  await getDb().paymentOrder.update({
    where: { id: order.id },
    data: { paidAt, transactionId: paid.transaction.transaction_id },
  });
  return order;
}

/** A refund of 100 with its hold, SUCCESS, created at `createdAt`, on an order paid long before. */
async function successfulRefund(createdAt: Date, origin: 'CONSOLE' | 'WECHAT') {
  // Its payment of long before: no bill of the days around this one lists it.
  const { order } = await visitorPaidAt(500, new Date(Date.now() - 10 * DAY_MS));
  return refundRecordedHere(order, { amountFen: 100, createdAt, origin });
}

describe("a payment's day", () => {
  it('is the Beijing day of our payment time, from its midnight included to the next midnight excluded', async () => {
    const billDate = beijingDateOf(new Date(Date.now() - 3 * DAY_MS));
    const { start, end } = beijingDayRange(billDate);
    const noon = new Date(start.getTime() + DAY_MS / 2);
    // All four in WeChat's bill of the day; by our records two were paid on it.
    const atMidnight = await billedOrder(100, noon, start);
    const lastMoment = await billedOrder(200, noon, new Date(end.getTime() - 1));
    const nextMidnight = await billedOrder(400, noon, end);
    const dayBefore = await billedOrder(800, noon, new Date(start.getTime() - 1));
    // Credited on the days around it, not in any bill, without their ledger entry: not this day's.
    await paidWithoutLedger(300, new Date(start.getTime() - 1));
    await paidWithoutLedger(300, end);

    const run = await reconcileBillDay(billDate, 'cli');
    expect(run.status).toBe('DONE');
    expect(run).toMatchObject({
      wechatPaidCount: 4,
      wechatPaidFen: 1500n,
      ourPaidCount: 2,
      ourPaidFen: 300n,
      ledgerPaidFen: 300n,
      ourRefundCount: 0,
      newDifferences: 0,
    });
    expect(await getDb().billDifference.count({ where: { billDate: dayOf(billDate) } })).toBe(0);
    for (const outTradeNo of [atMidnight, lastMoment, nextMidnight, dayBefore].map((o) => o.outTradeNo)) {
      expect(await getDb().paymentException.count({ where: { outTradeNo } })).toBe(0);
    }
  });
});

describe("a refund's day", () => {
  it("is the Beijing day we requested it on, from midnight included to the next excluded; WeChat's own refunds aren't expected", async () => {
    const billDate = beijingDateOf(new Date());
    const { start, end } = beijingDayRange(billDate);
    // Four refunds of ours, each in today's bill at WeChat; we record them at the day's edges.
    const refunds = [];
    for (const amountFen of [100, 200, 400, 800]) {
      const order = await paidOrder(1000);
      refunds.push(await succeededRefund(order.outTradeNo, amountFen));
    }
    const edges = [start, new Date(end.getTime() - 1), end, new Date(start.getTime() - 1)];
    for (const [i, refund] of refunds.entries()) {
      await getDb().refund.update({ where: { id: refund.id }, data: { createdAt: edges[i] } });
    }
    // Learned from WeChat today (origin WECHAT), SUCCESS, absent from the bill: WeChat lists it on its
    // own day, which needn't be ours.
    await successfulRefund(new Date(), 'WECHAT');

    const run = await reconcileBillDay(billDate, 'cli');
    expect(run.status).toBe('DONE');
    expect(run).toMatchObject({
      wechatRefundCount: 4,
      wechatRefundFen: 1500n,
      ourRefundCount: 2,
      ourRefundFen: 300n,
      ledgerRefundFen: 300n,
      newDifferences: 0,
    });
    // Nothing reported: neither the refunds of other days nor the one learned from WeChat.
    expect(await getDb().billDifference.count()).toBe(0);
  });
});

describe('an order refunded on another day than it was paid', () => {
  it("is checked on its payment's day, not on its refund's", async () => {
    const today = beijingDateOf(new Date());
    const paidAt = new Date(Date.now() - 2 * DAY_MS);
    // Paid two days ago, at WeChat and here, its ledger entry missing (that day's run reports it)…
    const order = await paidWithoutLedger(600, paidAt);
    const paid = await harness.control<{ transaction: { transaction_id: string } }>(
      'POST',
      '/sandbox/payments/unknown',
      { out_trade_no: order.outTradeNo, total: 600, success_time: formatChinaTime(paidAt) },
    );
    await getDb().paymentOrder.update({
      where: { id: order.id },
      data: { transactionId: paid.transaction.transaction_id },
    });
    // …and refunded today in the merchant portal: today's bill lists the refund, not the payment.
    const outRefundNo = await portalRefund(order.outTradeNo, 200, { notify: false });

    const run = await reconcileBillDay(today, 'cli');
    expect(run.status).toBe('DONE');
    const found = await getDb().billDifference.findMany({ where: { outTradeNo: order.outTradeNo } });
    expect(found.map((d) => `${d.kind} ${d.reference}`)).toEqual([`REFUND_NOT_RECORDED ${outRefundNo}`]);
    const paidDay = await reconcileBillDay(beijingDateOf(paidAt), 'cli');
    expect(paidDay.status).toBe('DONE');
    expect(
      await getDb().billDifference.count({
        where: {
          outTradeNo: order.outTradeNo,
          kind: 'LEDGER_MISMATCH',
          billDate: dayOf(beijingDateOf(paidAt)),
        },
      }),
    ).toBe(1);
  });
});
