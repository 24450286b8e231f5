// What a bill run did about each difference, as the operator reads it in the console: the exception it
// opened, resolved by the run when it credited or recorded what WeChat's bill proves, left open (with
// why) when the normal path refused; and when the run fails instead (WeChat's bill unavailable, or
// missing for a day we have refunds on) or refuses to start. On a database and a sandbox of its own.
import { describe, expect, it } from 'vitest';
import { beijingDateOf, beijingDayRange } from '@/lib/bills/bill-date';
import { BillRunBusyError, type BillTrigger, reconcileBillDay } from '@/lib/bills/run-bill-reconciliation';
import { getDb } from '@/lib/db';
import type { PaymentExceptionKind } from '@/lib/generated/prisma/client';
import { visitorWithPaidOrder } from '../../support/accounts-fixtures';
import { balanceOf } from '../../support/orders-fixtures';
import {
  DAY_MS,
  dayOf,
  refundRecordedHere,
  setUpRefundsHarness,
  visitorPaidAt,
} from '../../support/refunds-fixtures';

const harness = setUpRefundsHarness({ freshDatabase: true, resetFaults: 'afterEach' });
const { paidOrder, portalRefund, wechatFails } = harness;

const exceptionOf = (kind: PaymentExceptionKind, outTradeNo: string) =>
  getDb().paymentException.findUniqueOrThrow({ where: { kind_outTradeNo: { kind, outTradeNo } } });

const differenceOf = (reference: string) => getDb().billDifference.findFirstOrThrow({ where: { reference } });

describe('what the run did, in the exceptions', () => {
  it('credits a payment WeChat took that we missed, and resolves its exception saying so', async () => {
    const today = beijingDateOf(new Date());
    const missed = await paidOrder(700, { notify: false });

    const run = await reconcileBillDay(today, 'cli');
    expect(run.status).toBe('DONE');
    expect(await balanceOf(missed.accountId)).toBe(700n);
    const exception = await exceptionOf('BILL_NOT_CREDITED', missed.outTradeNo);
    expect(exception).toMatchObject({
      status: 'RESOLVED',
      resolvedBy: 'bill-run',
      resolution: `bill ${today}: credited`,
      details: {
        via: 'bill',
        billDate: today,
        wechatAmountFen: 700,
        transactionId: missed.transactionId,
        ourStatus: 'PENDING',
        action: 'credited',
      },
    });
    expect(exception.resolvedAt).toBeInstanceOf(Date);
    expect(await differenceOf(missed.outTradeNo)).toMatchObject({
      kind: 'PAID_NOT_CREDITED',
      action: 'credited',
      exceptionId: exception.id,
    });
  });

  it('leaves a missed payment open when its transaction is already credited to another order', async () => {
    const today = beijingDateOf(new Date());
    const missed = await paidOrder(600, { notify: false });
    // Another order of ours already carries the transaction WeChat's bill names for this one.
    const other = await visitorWithPaidOrder(600);
    await getDb().paymentOrder.update({
      where: { id: other.order.id },
      data: { transactionId: missed.transactionId },
    });

    const run = await reconcileBillDay(today, 'cli');
    expect(run.status).toBe('DONE');
    // Not credited twice for one transaction: someone must look.
    expect(await balanceOf(missed.accountId)).toBe(0n);
    const exception = await exceptionOf('BILL_NOT_CREDITED', missed.outTradeNo);
    expect(exception.status).toBe('OPEN');
    expect(exception.resolution).toBeNull();
    expect(exception.details).not.toHaveProperty('action');
    expect(await differenceOf(missed.outTradeNo)).toMatchObject({ action: null, exceptionId: exception.id });
    // The settlement says why, and that the bill found it.
    const duplicate = await exceptionOf('DUPLICATE_TRANSACTION', missed.outTradeNo);
    expect(duplicate.details).toMatchObject({ via: 'bill', amountFen: 600 });
    expect(duplicate.occurrences).toBe(1);

    // A rerun finds the day's difference stored already: it doesn't try (and count) the settlement again.
    const rerun = await reconcileBillDay(today, 'cli');
    expect(rerun.status).toBe('DONE');
    expect((await exceptionOf('DUPLICATE_TRANSACTION', missed.outTradeNo)).occurrences).toBe(1);
    expect((await exceptionOf('BILL_NOT_CREDITED', missed.outTradeNo)).occurrences).toBe(1);
  });

  it('records a portal refund the balance no longer covers, unheld, and says so', async () => {
    const today = beijingDateOf(new Date());
    const paid = await paidOrder(500);
    // The money has left the balance some other way: only 50 remains.
    await getDb().account.update({ where: { id: paid.accountId }, data: { balanceFen: 50n } });
    const outRefundNo = await portalRefund(paid.outTradeNo, 100, { notify: false });

    const run = await reconcileBillDay(today, 'cli');
    expect(run.status).toBe('DONE');
    const recorded = await getDb().refund.findUniqueOrThrow({ where: { outRefundNo } });
    expect(recorded).toMatchObject({ origin: 'WECHAT', held: false, amountFen: 100 });
    expect(await balanceOf(paid.accountId)).toBe(50n);
    // Recorded: the bill's exception resolved; the one the operator acts on (take the hold) open.
    const notRecorded = await exceptionOf('REFUND_NOT_RECORDED', paid.outTradeNo);
    expect(notRecorded).toMatchObject({
      status: 'RESOLVED',
      resolvedBy: 'bill-run',
      resolution: `bill ${today}: recorded`,
    });
    expect(notRecorded.details).toMatchObject({ via: 'bill', action: 'recorded', wechatRefundFen: 100 });
    expect(await differenceOf(outRefundNo)).toMatchObject({ action: 'recorded' });
    const notCovered = await exceptionOf('REFUND_NOT_COVERED', paid.outTradeNo);
    expect(notCovered.status).toBe('OPEN');
    expect(notCovered.details).toMatchObject({ via: 'bill', outRefundNo, balanceFen: '50' });
  });

  it('leaves a refund of a payment we have no order for open, and records nothing', async () => {
    const today = beijingDateOf(new Date());
    const stranger = `RCSTRANGER${Date.now()}`;
    await harness.control('POST', '/sandbox/payments/unknown', { out_trade_no: stranger, total: 900 });
    const outRefundNo = await portalRefund(stranger, 300, { notify: false });

    const run = await reconcileBillDay(today, 'cli');
    expect(run.status).toBe('DONE');
    expect(await getDb().refund.count({ where: { outRefundNo } })).toBe(0);
    const notRecorded = await exceptionOf('REFUND_NOT_RECORDED', stranger);
    expect(notRecorded.status).toBe('OPEN');
    expect(notRecorded.details).not.toHaveProperty('action');
    expect(await differenceOf(outRefundNo)).toMatchObject({ kind: 'REFUND_NOT_RECORDED', action: null });
    const mismatch = await exceptionOf('REFUND_MISMATCH', stranger);
    expect(mismatch.details).toMatchObject({
      via: 'bill',
      reason: 'refund of an order we have no record of',
    });
    expect(mismatch.occurrences).toBe(1);

    // A rerun doesn't try to record it again.
    await reconcileBillDay(today, 'cli');
    expect((await exceptionOf('REFUND_MISMATCH', stranger)).occurrences).toBe(1);
  });
});

describe('when the run fails', () => {
  it('fails, storing nothing, when WeChat has no bill for a day we have only a refund on', async () => {
    const billDate = beijingDateOf(new Date(Date.now() - 5 * DAY_MS));
    const { start } = beijingDayRange(billDate);
    // Our refund of that day, SUCCESS; its payment long before.
    const { order } = await visitorPaidAt(500, new Date(Date.now() - 20 * DAY_MS));
    await refundRecordedHere(order, { amountFen: 100, createdAt: new Date(start.getTime() + DAY_MS / 2) });

    const run = await reconcileBillDay(billDate, 'cli');
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe(
      `WeChat has no bill for ${billDate} (NO_STATEMENT_EXIST), but payments or refunds of ours are on that day`,
    );
    expect(await getDb().billDifference.count({ where: { billDate: dayOf(billDate) } })).toBe(0);
  });

  it('fails, saying why, when WeChat answers the bill download with an error', async () => {
    // A day without anything on either side: only the error can fail it.
    const billDate = beijingDateOf(new Date(Date.now() - 6 * DAY_MS));
    await wechatFails({ endpoint: 'tradebill', kind: 'system-error' });

    const run = await reconcileBillDay(billDate, 'cli');
    expect(run.status).toBe('FAILED');
    // WeChat's own message (500 SYSTEM_ERROR), for the operator.
    expect(run.error).toBe('系统错误');
    expect(run.finishedAt).toBeInstanceOf(Date);
    // Once WeChat answers again, the day is found empty.
    const retried = await reconcileBillDay(billDate, 'cli');
    expect(retried).toMatchObject({ status: 'DONE', wechatPaidCount: 0, newDifferences: 0 });
  });

  it('does not report a run the database refuses for another reason as one already under way', async () => {
    // A trigger longer than its column: the insert fails, not for a run of the day under way.
    const refused = await reconcileBillDay('2026-06-03', 'scheduled-by-hand' as BillTrigger).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(Error);
    expect(refused).not.toBeInstanceOf(BillRunBusyError);
    expect(await getDb().billRun.count({ where: { billDate: dayOf('2026-06-03') } })).toBe(0);
  });
});
