// What the refund sweep does with each answer: a refund still PROCESSING is asked again with backoff,
// one WeChat reports ABNORMAL gets its exception (saying it was learned by a query), one WeChat
// doesn't know although it acknowledged it is not sent again, and after a day of checks a refund that
// is still not final leaves the sweep with a REFUND_STUCK exception, while one that is final by then
// doesn't. A database of its own: the sweep takes every due refund.
import { afterEach, describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { applyRefundState } from '@/lib/refunds/apply-refund-state';
import { learnRefundsOf } from '@/lib/refunds/learn-refunds';
import { reconcileDueRefunds } from '@/lib/refunds/reconcile-refunds';
import { type CapturedLogs, captureLogs } from '../../support/logs';
import { balanceOf } from '../../support/orders-fixtures';
import { setUpRefundsHarness } from '../../support/refunds-fixtures';

// Refunds accepted stay PROCESSING at WeChat until given an outcome; each case sweeps its own refunds
// only (the earlier cases' are taken out of the sweep).
const harness = setUpRefundsHarness({
  freshDatabase: true,
  operator: true,
  holdRefunds: true,
  sweepEachCaseAlone: true,
});
const { paidOrder, refund, wechatFinishes, wechatFinishesUnnotified, wechatFails } = harness;
let logs: CapturedLogs | undefined;
afterEach(() => {
  logs?.restore();
  logs = undefined;
});

const refundRow = (id: string) => getDb().refund.findUniqueOrThrow({ where: { id } });

const calls = async () =>
  (await harness.control<{ calls: Record<string, number> }>('GET', '/sandbox/stats')).calls;

describe('the refund sweep', () => {
  it('asks again about a refund still PROCESSING 30 s later, doubling with each check', async () => {
    const { accountId, outTradeNo } = await paidOrder(500);
    const requested = await refund(outTradeNo, 200);
    expect(requested.status).toBe('PROCESSING');
    const now = new Date(Date.now() + 10 * 60_000);

    expect(await reconcileDueRefunds({ now })).toEqual({ checked: 1, failed: 0, throttled: false });
    const once = await refundRow(requested.id);
    expect(once.status).toBe('PROCESSING');
    expect(once.checkAttempts).toBe(1);
    expect(once.nextCheckAt?.getTime()).toBe(now.getTime() + 30_000);
    const later = new Date(now.getTime() + 30_000);
    expect((await reconcileDueRefunds({ now: later })).checked).toBe(1);
    expect((await refundRow(requested.id)).nextCheckAt?.getTime()).toBe(later.getTime() + 60_000);
    expect(await balanceOf(accountId)).toBe(300n);
  });

  it('opens REFUND_ABNORMAL, learned by a query, for a refund WeChat reports ABNORMAL, keeping the hold', async () => {
    const { accountId, outTradeNo, orderId } = await paidOrder(700);
    const requested = await refund(outTradeNo, 300);
    await wechatFinishesUnnotified(requested.outRefundNo, 'ABNORMAL');
    const now = new Date(Date.now() + 10 * 60_000);

    expect(await reconcileDueRefunds({ now })).toEqual({ checked: 1, failed: 0, throttled: false });
    const row = await refundRow(requested.id);
    expect(row.status).toBe('ABNORMAL');
    // Waiting on someone at WeChat: asked about hourly, not 30 s later as a PROCESSING one.
    expect(row.nextCheckAt?.getTime()).toBe(now.getTime() + 60 * 60_000);
    const hourLater = new Date(now.getTime() + 60 * 60_000);
    expect((await reconcileDueRefunds({ now: hourLater })).checked).toBe(1);
    const again = await refundRow(requested.id);
    expect(again).toMatchObject({ status: 'ABNORMAL', checkAttempts: 2 });
    expect(again.nextCheckAt?.getTime()).toBe(hourLater.getTime() + 60 * 60_000);
    const exception = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'REFUND_ABNORMAL', outTradeNo } },
    });
    expect(exception).toMatchObject({ status: 'OPEN', orderId });
    expect(exception.details).toMatchObject({
      via: 'query',
      outRefundNo: requested.outRefundNo,
      amountFen: 300,
    });
    expect(await balanceOf(accountId)).toBe(400n);
  });

  it('does not send again a refund WeChat acknowledged but no longer knows: the check fails, is logged, and is retried', async () => {
    const { accountId, outTradeNo } = await paidOrder(600);
    // The request is lost on its way: REQUESTED here, unknown at WeChat.
    await wechatFails({ endpoint: 'refund', kind: 'system-error', count: 1 });
    const requested = await refund(outTradeNo, 200);
    expect(requested.status).toBe('REQUESTED');
    // An answer said WeChat had it (PROCESSING), yet WeChat has no refund under this number.
    expect(
      await applyRefundState(
        {
          refundId: `50${Date.now()}`,
          outRefundNo: requested.outRefundNo,
          transactionId: '',
          outTradeNo,
          status: 'PROCESSING',
          refundFen: 200,
          totalFen: 600,
        },
        { via: 'query' },
      ),
    ).toBe('applied');
    const before = await calls();
    const now = new Date(Date.now() + 10 * 60_000);
    logs = captureLogs();

    expect(await reconcileDueRefunds({ now })).toEqual({ checked: 1, failed: 1, throttled: false });
    expect((await calls()).refund).toBe(before.refund);
    expect(await harness.control<unknown[]>('GET', `/sandbox/refunds?out_trade_no=${outTradeNo}`)).toEqual(
      [],
    );
    const row = await refundRow(requested.id);
    expect(row.status).toBe('PROCESSING');
    expect(row.nextCheckAt?.getTime()).toBe(now.getTime() + 30_000);
    expect(await balanceOf(accountId)).toBe(400n);
    const warned = logs.lines().filter((l) => l.msg === 'refund check failed');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ level: 40, module: 'refunds', outRefundNo: requested.outRefundNo });
  });
});

describe('after a day of checks', () => {
  it('a refund still PROCESSING leaves the sweep with REFUND_STUCK, held; other refunds keep their turn', async () => {
    const { accountId, outTradeNo, orderId } = await paidOrder(900);
    const stuck = await refund(outTradeNo, 200);
    const other = await refund(outTradeNo, 300);
    await getDb().refund.update({ where: { id: stuck.id }, data: { checkAttempts: 23 } });
    const now = new Date(Date.now() + 10 * 60_000);
    const otherDue = new Date(now.getTime() + 60_000);
    await getDb().refund.update({ where: { id: other.id }, data: { nextCheckAt: otherDue } });

    expect(await reconcileDueRefunds({ now })).toEqual({ checked: 1, failed: 0, throttled: false });
    const row = await refundRow(stuck.id);
    expect(row.status).toBe('PROCESSING');
    expect(row.nextCheckAt).toBeNull();
    const exception = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'REFUND_STUCK', outTradeNo } },
    });
    expect(exception).toMatchObject({ status: 'OPEN', orderId });
    expect(exception.details).toEqual({
      via: 'refund-sweep',
      outRefundNo: stuck.outRefundNo,
      status: 'PROCESSING',
      checks: 24,
    });
    expect((await refundRow(other.id)).nextCheckAt?.getTime()).toBe(otherDue.getTime());
    expect(await balanceOf(accountId)).toBe(400n);
  });

  it('a refund still ABNORMAL leaves the sweep with REFUND_STUCK too, its REFUND_ABNORMAL still open', async () => {
    const { accountId, outTradeNo } = await paidOrder(800);
    const requested = await refund(outTradeNo, 300);
    await wechatFinishesUnnotified(requested.outRefundNo, 'ABNORMAL');
    await getDb().refund.update({
      where: { id: requested.id },
      data: { checkAttempts: 23, nextCheckAt: new Date() },
    });

    expect((await reconcileDueRefunds({ now: new Date(Date.now() + 10 * 60_000) })).checked).toBe(1);
    const row = await refundRow(requested.id);
    expect(row.status).toBe('ABNORMAL');
    expect(row.nextCheckAt).toBeNull();
    const stuck = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'REFUND_STUCK', outTradeNo } },
    });
    expect(stuck.details).toMatchObject({ status: 'ABNORMAL', checks: 24 });
    const abnormal = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'REFUND_ABNORMAL', outTradeNo } },
    });
    expect(abnormal.status).toBe('OPEN');
    expect(await balanceOf(accountId)).toBe(500n);
  });

  it('a refund WeChat completed by its last check is not reported stuck', async () => {
    const { accountId, outTradeNo } = await paidOrder(600);
    const requested = await refund(outTradeNo, 250);
    await wechatFinishesUnnotified(requested.outRefundNo, 'SUCCESS');
    await getDb().refund.update({ where: { id: requested.id }, data: { checkAttempts: 23 } });

    expect(await reconcileDueRefunds({ now: new Date(Date.now() + 10 * 60_000) })).toEqual({
      checked: 1,
      failed: 0,
      throttled: false,
    });
    const row = await refundRow(requested.id);
    expect(row.status).toBe('SUCCESS');
    expect(row.nextCheckAt).toBeNull();
    expect(await getDb().paymentException.count({ where: { outTradeNo } })).toBe(0);
    expect(await balanceOf(accountId)).toBe(350n);
  });
});

describe('learning the refunds of a transaction WeChat reports refunded', () => {
  it('opens REFUND_ABNORMAL, learned by a query, for its refund WeChat reports ABNORMAL', async () => {
    const { accountId, outTradeNo, orderId } = await paidOrder(500);
    const requested = await refund(outTradeNo, 100);
    await wechatFinishesUnnotified(requested.outRefundNo, 'ABNORMAL');

    await learnRefundsOf({ id: orderId, outTradeNo });
    expect((await refundRow(requested.id)).status).toBe('ABNORMAL');
    const exception = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'REFUND_ABNORMAL', outTradeNo } },
    });
    expect(exception.details).toMatchObject({ via: 'query', outRefundNo: requested.outRefundNo });
    expect(await balanceOf(accountId)).toBe(400n);
  });

  it('asks WeChat nothing about its refunds already final', async () => {
    const { accountId, outTradeNo, orderId } = await paidOrder(500);
    const requested = await refund(outTradeNo, 100);
    await wechatFinishes(requested.outRefundNo, 'SUCCESS');
    const before = await calls();

    await learnRefundsOf({ id: orderId, outTradeNo });
    expect((await calls())['refund-query']).toBe(before['refund-query']);
    // A refund recorded (SUCCESS): nothing to open.
    expect(await getDb().paymentException.count({ where: { outTradeNo } })).toBe(0);
    expect(await balanceOf(accountId)).toBe(400n);
  });
});
