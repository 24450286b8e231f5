// The bill run at its edges, on a database of its own: what only we have (credited or refunded here,
// absent from WeChat's bill; a paid order without its ledger entry), one run of a day at a time (and
// a run that died taken over), and the daily schedule's choice of day.
import { describe, expect, it } from 'vitest';
import { beijingDateOf } from '@/lib/bills/bill-date';
import { BillRunBusyError, reconcileBillDay } from '@/lib/bills/run-bill-reconciliation';
import { reconcileBillIfDue } from '@/lib/bills/schedule';
import { formatChinaTime } from '@/lib/china-time';
import { getDb } from '@/lib/db';
import {
  DAY_MS,
  dayOf,
  paidWithoutLedger,
  refundRecordedHere,
  setUpRefundsHarness,
  visitorPaidAt,
} from '../../support/refunds-fixtures';

const harness = setUpRefundsHarness({ freshDatabase: true, resetFaults: 'never' });

describe('what only we have', () => {
  it('reports credits and refunds absent from the bill, and a paid order without its ledger entry', async () => {
    // Two days back: nothing at the sandbox, only what this test writes here.
    const paidAt = new Date(Date.now() - 2 * DAY_MS);
    const billDate = beijingDateOf(paidAt);
    // The sandbox must have a bill for the day, or the run fails (it has activity here): one payment
    // the merchant never heard of, dated that day.
    const stranger = `RCUNKNOWN${Date.now()}`;
    await harness.control('POST', '/sandbox/payments/unknown', {
      out_trade_no: stranger,
      total: 100,
      success_time: formatChinaTime(paidAt),
    });
    const credited = await visitorPaidAt(700, paidAt);
    // A refund of ours, SUCCESS here, requested that day, that WeChat's bill doesn't list.
    const refundId = (await refundRecordedHere(credited.order, { amountFen: 200, createdAt: paidAt })).id;
    // A paid order without its RECHARGE entry (what the ledger check is there to catch).
    const bare = await paidWithoutLedger(300, paidAt);

    const run = await reconcileBillDay(billDate, 'cli');
    expect(run.status).toBe('DONE');
    const found = await getDb().billDifference.findMany({ where: { billDate: dayOf(billDate) } });
    const refundNo = (await getDb().refund.findUniqueOrThrow({ where: { id: refundId } })).outRefundNo;
    expect(found.map((d) => `${d.kind} ${d.reference}`).sort()).toEqual(
      [
        `UNKNOWN_ORDER ${stranger}`,
        `CREDITED_NOT_IN_BILL ${credited.order.outTradeNo}`,
        `REFUND_NOT_IN_BILL ${refundNo}`,
        `CREDITED_NOT_IN_BILL ${bare.outTradeNo}`,
        `LEDGER_MISMATCH ${bare.outTradeNo}`,
      ].sort(),
    );
    expect(run).toMatchObject({
      wechatPaidCount: 1,
      wechatPaidFen: 100n,
      ourPaidCount: 2,
      ourPaidFen: 1000n,
      ourRefundCount: 1,
      ourRefundFen: 200n,
      ledgerPaidFen: 700n,
      ledgerRefundFen: 200n,
      newDifferences: 5,
    });
    const missing = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'BILL_MISSING_AT_WECHAT', outTradeNo: bare.outTradeNo } },
    });
    expect(missing.details).toEqual({
      via: 'bill',
      billDate,
      ourAmountFen: 300,
      transactionId: bare.transactionId,
    });
    const ledger = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'BILL_LEDGER_MISMATCH', outTradeNo: bare.outTradeNo } },
    });
    expect(ledger.details).toEqual({ via: 'bill', billDate, ourAmountFen: 300, ledgerFen: null });
    expect(ledger.status).toBe('OPEN');
    const difference = found.find((d) => d.kind === 'LEDGER_MISMATCH');
    expect(difference).toMatchObject({
      outTradeNo: bare.outTradeNo,
      action: null,
      exceptionId: ledger.id,
      foundByRunId: run.id,
    });
  });
});

describe('one run of a day at a time', () => {
  it('refuses a second run while one is under way, and takes over one that died', async () => {
    const billDate = '2026-06-01';
    const running = await getDb().billRun.create({
      data: { billDate: dayOf(billDate), trigger: 'schedule' },
    });
    await expect(reconcileBillDay(billDate, 'cli')).rejects.toBeInstanceOf(BillRunBusyError);
    await expect(reconcileBillDay(billDate, 'cli')).rejects.toMatchObject({
      name: 'BillRunBusyError',
      message: `the bill of ${billDate} is being reconciled already`,
    });
    // Its process ended eleven minutes ago: the next run marks it failed and goes on.
    await getDb().billRun.update({
      where: { id: running.id },
      data: { startedAt: new Date(Date.now() - 11 * 60_000) },
    });
    const run = await reconcileBillDay(billDate, 'cli');
    expect(run.status).toBe('DONE');
    expect(run.trigger).toBe('cli');
    expect(run.finishedAt).toBeInstanceOf(Date);
    const abandoned = await getDb().billRun.findUniqueOrThrow({ where: { id: running.id } });
    expect(abandoned.status).toBe('FAILED');
    expect(abandoned.error).toBe('abandoned: its process ended before it finished');
    // One nine minutes old is still someone's.
    const young = await getDb().billRun.create({
      data: {
        billDate: dayOf('2026-06-02'),
        trigger: 'schedule',
        startedAt: new Date(Date.now() - 9 * 60_000),
      },
    });
    await expect(reconcileBillDay('2026-06-02', 'cli')).rejects.toBeInstanceOf(BillRunBusyError);
    await getDb().billRun.update({
      where: { id: young.id },
      data: { status: 'FAILED', finishedAt: new Date() },
    });
  });
});

describe('the daily schedule', () => {
  it('waits for 10:00 Beijing time, then reconciles the oldest of the last seven days without a successful run', async () => {
    // 2026-07-10 09:59 and 10:00 in Beijing.
    const beforeTen = new Date('2026-07-10T01:59:00Z');
    const atTen = new Date('2026-07-10T02:00:00Z');
    const first = await reconcileBillIfDue(beforeTen);
    // Before 10:00 yesterday's bill isn't out: the week ends the day before yesterday.
    expect(first?.billDate).toEqual(dayOf('2026-07-02'));
    expect(first?.trigger).toBe('schedule');
    const runs: string[] = [];
    for (let i = 0; i < 7; i++) {
      const run = await reconcileBillIfDue(atTen);
      if (run) runs.push(run.billDate.toISOString().slice(0, 10));
    }
    expect(runs).toEqual([
      '2026-07-03',
      '2026-07-04',
      '2026-07-05',
      '2026-07-06',
      '2026-07-07',
      '2026-07-08',
      '2026-07-09',
    ]);
    expect(await reconcileBillIfDue(atTen)).toBeNull();
  });

  it('retries a failed day after ten minutes, not before', async () => {
    const now = new Date('2026-08-10T04:00:00Z');
    // Every day of the week done except 2026-08-09, which failed five minutes ago.
    for (let d = 3; d <= 8; d++) {
      await getDb().billRun.create({
        data: { billDate: dayOf(`2026-08-0${d}`), trigger: 'schedule', status: 'DONE', finishedAt: now },
      });
    }
    const failed = await getDb().billRun.create({
      data: {
        billDate: dayOf('2026-08-09'),
        trigger: 'schedule',
        status: 'FAILED',
        startedAt: new Date(now.getTime() - 5 * 60_000),
        finishedAt: now,
      },
    });
    expect(await reconcileBillIfDue(now)).toBeNull();
    await getDb().billRun.update({
      where: { id: failed.id },
      data: { startedAt: new Date(now.getTime() - 10 * 60_000) },
    });
    const retried = await reconcileBillIfDue(now);
    expect(retried?.billDate).toEqual(dayOf('2026-08-09'));
    expect(retried?.status).toBe('DONE');
  });
});
