// A day reconciled against the sandbox's trade bill, with differences injected on WeChat's side: the
// run finds exactly those, credits the payment we missed once, records the refund we missed, and a
// rerun changes nothing. On a database of its own: a bill run looks at everything paid that day.
import { describe, expect, it } from 'vitest';
import { beijingDateOf } from '@/lib/bills/bill-date';
import { reconcileBillDay } from '@/lib/bills/run-bill-reconciliation';
import { getDb } from '@/lib/db';
import { ledgerSum } from '../../support/accounts-fixtures';
import { balanceOf } from '../../support/orders-fixtures';
import { waitFor } from '../../support/orders-harness';
import { setUpRefundsHarness } from '../../support/refunds-fixtures';

const harness = setUpRefundsHarness({ freshDatabase: true, operator: true, resetFaults: 'never' });
const { paidOrder, succeededRefund, portalRefund } = harness;

describe('the daily bill run', () => {
  it('finds exactly the injected differences, credits the missed payment once, and a rerun changes nothing', async () => {
    const today = beijingDateOf(new Date());
    // Agreeing on both sides: a payment, and a refund of part of it.
    const agreed = await paidOrder(1000);
    await succeededRefund(agreed.outTradeNo, 400);
    // Paid at WeChat, never notified: not credited here.
    const missed = await paidOrder(700, { notify: false });
    expect(await balanceOf(missed.accountId)).toBe(0n);
    // A payment for an order we never made.
    const stranger = `RCUNKNOWN${Date.now()}`;
    await harness.control('POST', '/sandbox/payments/unknown', { out_trade_no: stranger, total: 1234 });
    // WeChat's bill shows another amount than was paid.
    const skewed = await paidOrder(500);
    await harness.control('POST', '/sandbox/bill/amount-difference', {
      out_trade_no: skewed.outTradeNo,
      total: 499,
    });
    // Refunded in the merchant portal, whose refund notify URL isn't set: we never hear of it.
    const portal = await paidOrder(800);
    const portalRefundNo = await portalRefund(portal.outTradeNo, 300, { notify: false });
    await waitFor(async () => {
      const [r] = await harness.control<{ status: string }[]>(
        'GET',
        `/sandbox/refunds?out_trade_no=${portal.outTradeNo}`,
      );
      return r?.status === 'SUCCESS';
    });

    const run = await reconcileBillDay(today, 'cli');
    expect(run.status).toBe('DONE');
    const found = await getDb().billDifference.findMany({ orderBy: { reference: 'asc' } });
    expect(found.map((d) => [d.kind, d.reference, d.action]).sort()).toEqual(
      [
        ['AMOUNT_MISMATCH', skewed.outTradeNo, null],
        ['PAID_NOT_CREDITED', missed.outTradeNo, 'credited'],
        ['REFUND_NOT_RECORDED', portalRefundNo, 'recorded'],
        ['UNKNOWN_ORDER', stranger, null],
      ].sort(),
    );
    expect(run.newDifferences).toBe(4);
    // Both sides' totals as the run found them, before it acted (the skewed payment counts at its
    // bill amount on WeChat's side; the missed one wasn't credited here yet).
    expect(run.wechatPaidCount).toBe(5);
    expect(run.wechatPaidFen).toBe(1000n + 700n + 1234n + 499n + 800n);
    expect(run.ourPaidCount).toBe(3);
    expect(run.ourPaidFen).toBe(1000n + 500n + 800n);
    expect(run.ledgerPaidFen).toBe(run.ourPaidFen);
    expect(run.wechatRefundCount).toBe(2);
    expect(run.wechatRefundFen).toBe(700n);

    // The missed payment is credited, once; the portal refund recorded and held.
    expect(await balanceOf(missed.accountId)).toBe(700n);
    expect(await balanceOf(portal.accountId)).toBe(500n);
    expect(await ledgerSum(portal.accountId)).toBe(500n);
    const open = await getDb().paymentException.findMany({ where: { status: 'OPEN' } });
    expect(open.map((e) => `${e.kind} ${e.outTradeNo}`).sort()).toEqual(
      [`UNKNOWN_ORDER ${stranger}`, `BILL_AMOUNT_MISMATCH ${skewed.outTradeNo}`].sort(),
    );

    // Again: nothing new, nothing credited twice, no exception counted again.
    const before = await snapshot();
    const rerun = await reconcileBillDay(today, 'cli');
    expect(rerun.status).toBe('DONE');
    expect(rerun.newDifferences).toBe(0);
    expect(rerun.ourPaidCount).toBe(4);
    expect(await snapshot()).toEqual(before);
    expect(await getDb().billRun.count()).toBe(2);
  });

  it('finds nothing on a day without transactions on either side', async () => {
    const run = await reconcileBillDay('2020-01-01', 'cli');
    // No transactions that day at WeChat (NO_STATEMENT_EXIST) and none here.
    expect(run.status).toBe('DONE');
    expect(run.wechatPaidCount).toBe(0);
    expect(run.newDifferences).toBe(0);
  });

  it('fails, storing nothing, when WeChat has no bill for a day we have payments on', async () => {
    const order = await paidOrder(300);
    // Paid here on a day the sandbox has no transactions for (a wrong date, a bill not published…).
    const dayBefore = beijingDateOf(new Date(Date.now() - 3 * 86_400_000));
    await getDb().paymentOrder.update({
      where: { id: order.orderId },
      data: { paidAt: new Date(Date.now() - 3 * 86_400_000) },
    });
    const run = await reconcileBillDay(dayBefore, 'cli');
    expect(run.status).toBe('FAILED');
    expect(run.error).toContain('NO_STATEMENT_EXIST');
    expect(
      await getDb().billDifference.count({ where: { billDate: new Date(`${dayBefore}T00:00:00Z`) } }),
    ).toBe(0);
  });

  it('finds a payment that WeChat and we credit to different transactions', async () => {
    const today = beijingDateOf(new Date());
    const paid = await paidOrder(600);
    // Our record names another transaction than WeChat's bill (an old import, a bug): someone must look.
    await getDb().paymentOrder.update({
      where: { id: paid.orderId },
      data: { transactionId: '4200000000000000000000000001' },
    });
    const run = await reconcileBillDay(today, 'cli');
    expect(run.status).toBe('DONE');
    const found = await getDb().billDifference.findMany({ where: { reference: paid.outTradeNo } });
    expect(found.map((d) => [d.kind, d.outTradeNo])).toEqual([['TRANSACTION_MISMATCH', paid.outTradeNo]]);
    const exception = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'CONFLICTING_TRANSACTION', outTradeNo: paid.outTradeNo } },
    });
    expect(exception.status).toBe('OPEN');
  });
});

async function snapshot() {
  const db = getDb();
  const [accounts, ledger, exceptions, differences, refunds] = await Promise.all([
    db.account.findMany({ select: { id: true, balanceFen: true }, orderBy: { id: 'asc' } }),
    db.ledgerEntry.count(),
    db.paymentException.findMany({
      select: { id: true, occurrences: true, status: true },
      orderBy: { id: 'asc' },
    }),
    db.billDifference.count(),
    db.refund.count(),
  ]);
  return { accounts, ledger, exceptions, differences, refunds };
}
