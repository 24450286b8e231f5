// Refunds at their edges: forged notifications, a portal refund of a payment we haven't settled yet,
// an order WeChat reports refunded whose refunds we ask about, and the sweep's backoff and giving up.
import { describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { handleRefundNotification } from '@/lib/refunds/handle-refund-notification';
import { learnRefundsOf } from '@/lib/refunds/learn-refunds';
import { reconcileDueRefunds } from '@/lib/refunds/reconcile-refunds';
import { balanceOf } from '../../support/orders-fixtures';
import { waitFor } from '../../support/orders-harness';
import { setUpRefundsHarness } from '../../support/refunds-fixtures';

// The sweep takes every due refund in the database: only this file's.
const harness = setUpRefundsHarness({ freshDatabase: true, operator: true });
const { paidOrder, refund, portalRefund, wechatFinishes, wechatFinishesUnnotified, deliveries, wechatFails } =
  harness;

describe('refund notifications', () => {
  it('refuses one that is not signed by WeChat, and records nothing', async () => {
    const headers = new Headers({
      'wechatpay-serial': 'PUB_KEY_ID_0000000000000000000000000000',
      'wechatpay-signature': 'bm90IGEgc2lnbmF0dXJl',
      'wechatpay-timestamp': String(Math.floor(Date.now() / 1000)),
      'wechatpay-nonce': 'n0nce',
    });
    const body = Buffer.from(JSON.stringify({ id: 'EV-forged', event_type: 'REFUND.SUCCESS', resource: {} }));
    const answer = await handleRefundNotification(headers, body);
    expect(answer).toEqual({ status: 401, body: { code: 'FAIL', message: 'notification rejected' } });
    expect(await getDb().paymentNotification.count({ where: { notificationId: 'EV-forged' } })).toBe(0);
  });

  it('settles a payment we never heard of before recording its portal refund', async () => {
    const { accountId, ...order } = await paidOrder(1000, { notify: false });
    const outRefundNo = await portalRefund(order.outTradeNo, 400);
    const recorded = await waitFor(() => getDb().refund.findUnique({ where: { outRefundNo } }));
    expect(recorded.held).toBe(true);
    expect((await getDb().paymentOrder.findUniqueOrThrow({ where: { id: order.orderId } })).status).toBe(
      'PAID',
    );
    expect(await balanceOf(accountId)).toBe(600n);
  });
});

describe('a refund notification that can not be handled yet', () => {
  it('answers 500 while the payment can not be settled, and records the refund on WeChat’s retry', async () => {
    const { accountId, ...order } = await paidOrder(800, { notify: false });
    // Asking WeChat about the payment fails once: the first delivery can't be handled.
    await wechatFails({ endpoint: 'query', kind: 'system-error', count: 1 });
    const outRefundNo = await portalRefund(order.outTradeNo, 300);
    const log = await deliveries(outRefundNo, (entries) => entries.some((e) => e.outcome === 'acknowledged'));
    expect(log.map((e) => e.status)).toEqual([500, 204]);
    expect(await balanceOf(accountId)).toBe(500n);
  });
});

describe('a refusal', () => {
  it('is not believed when WeChat has the refund after all (an answer that fails verification)', async () => {
    const { accountId, outTradeNo } = await paidOrder(600);
    await wechatFails({ endpoint: 'refund', kind: 'bad-signature', count: 1 });
    const requested = await refund(outTradeNo, 250);
    // The answer was refused (not WeChat's signature), but WeChat took the refund: a signed query says so.
    expect(['PROCESSING', 'SUCCESS']).toContain(requested.status);
    expect(await balanceOf(accountId)).toBe(350n);
    const atWechat = await harness.control<unknown[]>('GET', `/sandbox/refunds?out_trade_no=${outTradeNo}`);
    expect(atWechat).toHaveLength(1);
  });

  it('leaves the refund held and REQUESTED when WeChat can not be asked to confirm it', async () => {
    const { accountId, outTradeNo } = await paidOrder(600);
    await harness.control('POST', '/sandbox/faults/refunds', { notEnough: 1 });
    await wechatFails({ endpoint: 'refund-query', kind: 'system-error', count: 1 });
    const requested = await refund(outTradeNo, 250);
    expect(requested.status).toBe('REQUESTED');
    expect(await balanceOf(accountId)).toBe(350n);
    // The sweep asks: WeChat has no such refund (the NOT_ENOUGH was true), so it is sent again under
    // the same number, and goes through this time.
    await reconcileDueRefunds({ now: new Date(Date.now() + 60_000) });
    await waitFor(
      async () =>
        (await getDb().refund.findUniqueOrThrow({ where: { id: requested.id } })).status === 'SUCCESS',
    );
    expect(await balanceOf(accountId)).toBe(350n);
  });
});

describe('a transaction WeChat reports refunded', () => {
  it('asks WeChat about our refunds still under way, and opens nothing when one is recorded', async () => {
    const { accountId, outTradeNo, orderId } = await paidOrder(800);
    await harness.control('POST', '/sandbox/faults/refunds', { hold: true });
    const requested = await refund(outTradeNo, 300);
    // It succeeds at WeChat, and its notification is lost.
    await wechatFinishesUnnotified(requested.outRefundNo, 'SUCCESS');
    await learnRefundsOf({ id: orderId, outTradeNo });
    expect((await getDb().refund.findUniqueOrThrow({ where: { id: requested.id } })).status).toBe('SUCCESS');
    expect(await balanceOf(accountId)).toBe(500n);
    expect(await getDb().paymentException.count({ where: { kind: 'REFUND_NOT_RECORDED', outTradeNo } })).toBe(
      0,
    );
  });

  it('opens REFUND_NOT_RECORDED when none of its refunds still counts here', async () => {
    const { outTradeNo, orderId } = await paidOrder(500);
    await harness.control('POST', '/sandbox/faults/refunds', { hold: true });
    const requested = await refund(outTradeNo, 100);
    // A refund of ours that is given back (CLOSED) doesn't count as recorded.
    await wechatFinishes(requested.outRefundNo, 'CLOSED');
    await learnRefundsOf({ id: orderId, outTradeNo });
    const exception = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'REFUND_NOT_RECORDED', outTradeNo } },
    });
    expect(exception.orderId).toBe(orderId);
    expect(exception.status).toBe('OPEN');
    expect(exception.details).toEqual({
      via: 'query',
      reason: 'WeChat reports the transaction refunded; no refund is recorded here yet',
    });
  });

  it("asks WeChat only about that order's refunds under way, not another order's", async () => {
    const other = await paidOrder(600);
    await harness.control('POST', '/sandbox/faults/refunds', { hold: true });
    await refund(other.outTradeNo, 200); // PROCESSING at WeChat, held
    const { outTradeNo, orderId } = await paidOrder(400);
    const queries = async () =>
      (await harness.control<{ calls: Record<string, number> }>('GET', '/sandbox/stats')).calls[
        'refund-query'
      ];
    const before = await queries();
    await learnRefundsOf({ id: orderId, outTradeNo });
    expect(await queries()).toBe(before);
  });
});

describe('the refund sweep', () => {
  it('backs off while WeChat can not be asked, then gives up with a REFUND_STUCK exception, holding the money', async () => {
    const { accountId, outTradeNo } = await paidOrder(900);
    await wechatFails({ endpoint: 'refund', kind: 'system-error', count: 1 });
    const requested = await refund(outTradeNo, 200);
    expect(requested.status).toBe('REQUESTED');
    await wechatFails({ endpoint: 'refund-query', kind: 'system-error', count: 100 });

    const now = new Date(Date.now() + 60_000);
    const first = await reconcileDueRefunds({ now });
    expect(first).toEqual({ checked: 1, failed: 1, throttled: false });
    const after = await getDb().refund.findUniqueOrThrow({ where: { id: requested.id } });
    expect(after.checkAttempts).toBe(1);
    // 30 s after the first attempt, doubling with each.
    expect(after.nextCheckAt?.getTime()).toBe(now.getTime() + 30_000);
    await getDb().refund.update({ where: { id: requested.id }, data: { checkAttempts: 3 } });
    await reconcileDueRefunds({ now: new Date(now.getTime() + 31_000) });
    const later = await getDb().refund.findUniqueOrThrow({ where: { id: requested.id } });
    expect(later.checkAttempts).toBe(4);
    expect(later.nextCheckAt?.getTime()).toBe(now.getTime() + 31_000 + 240_000);

    await getDb().refund.update({ where: { id: requested.id }, data: { checkAttempts: 23 } });
    await reconcileDueRefunds({ now: new Date(now.getTime() + 600_000) });
    const stuck = await getDb().refund.findUniqueOrThrow({ where: { id: requested.id } });
    expect(stuck.status).toBe('REQUESTED');
    expect(stuck.nextCheckAt).toBeNull();
    const exception = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'REFUND_STUCK', outTradeNo } },
    });
    expect(exception.details).toMatchObject({
      outRefundNo: requested.outRefundNo,
      checks: 24,
      status: 'REQUESTED',
    });
    expect(await balanceOf(accountId)).toBe(700n);
    // Out of the sweep: nothing more is asked.
    expect(await reconcileDueRefunds({ now: new Date(now.getTime() + 7_200_000) })).toEqual({
      checked: 0,
      failed: 0,
      throttled: false,
    });
  });

  it('keeps an ABNORMAL refund held and asks WeChat about it only hourly', async () => {
    const { accountId, outTradeNo } = await paidOrder(700);
    await harness.control('POST', '/sandbox/faults/refunds', { hold: true });
    const requested = await refund(outTradeNo, 300);
    const abnormal = await wechatFinishes(requested.outRefundNo, 'ABNORMAL');
    // Not due for an hour.
    expect(abnormal.nextCheckAt && abnormal.nextCheckAt.getTime() - Date.now()).toBeGreaterThan(59 * 60_000);
    expect((await reconcileDueRefunds({ now: new Date(Date.now() + 60_000) })).checked).toBe(0);
    const hourLater = new Date(Date.now() + 61 * 60_000);
    expect(await reconcileDueRefunds({ now: hourLater })).toEqual({
      checked: 1,
      failed: 0,
      throttled: false,
    });
    const still = await getDb().refund.findUniqueOrThrow({ where: { id: requested.id } });
    expect(still.status).toBe('ABNORMAL');
    expect(still.nextCheckAt?.getTime()).toBeGreaterThan(hourLater.getTime());
    expect(await balanceOf(accountId)).toBe(400n);
  });
});
