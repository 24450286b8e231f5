// What WeChat is answered when a refund notification can't simply be applied: a refund of a payment
// we have no record of (acknowledged, raised for an operator once per delivery), of a payment that can't be settled
// here (500 "not settled yet": WeChat keeps retrying, nothing is recorded meanwhile), and a transient
// fault while settling it (500 "temporarily unable to process").
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { generateOutTradeNo } from '@/lib/orders/out-trade-no';
import { newOrder } from '../../support/accounts-fixtures';
import { balanceOf, createOrderFor, newAccount } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness, waitFor } from '../../support/orders-harness';

let harness: OrdersHarness;
beforeAll(async () => {
  harness = await startOrdersHarness();
});
beforeEach(async () => {
  await harness.control('POST', '/sandbox/faults/reset');
});
afterAll(() => harness.close());

interface Delivery {
  attempt: number;
  outcome: string;
  status?: number;
  responseBody?: string;
}

/** A refund made in the merchant portal, notified to our refund route. */
const portalRefund = (outTradeNo: string, amount: number) =>
  harness.control<{ out_refund_no: string }>('POST', '/sandbox/refunds/portal', {
    out_trade_no: outTradeNo,
    amount,
    notify_url: process.env.WECHATPAY_REFUND_NOTIFY_URL,
  });

/** The sandbox's deliveries of a refund's notification, once `done` holds for them. */
const deliveries = (outRefundNo: string, done: (entries: Delivery[]) => boolean) =>
  waitFor(async () => {
    const entries = await harness.control<Delivery[]>(
      'GET',
      `/sandbox/notifications?out_refund_no=${outRefundNo}`,
    );
    return done(entries) ? entries : null;
  });

const firstAnswer = (entries: Delivery[]) => {
  const first = entries.find((e) => e.attempt === 1);
  return { status: first?.status, body: first?.responseBody && JSON.parse(first.responseBody) };
};

describe('a refund notification', () => {
  it('that meets a transient fault is answered 500 "temporarily unable to process", and applied on the retry', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 800);
    await harness.control('POST', '/sandbox/pay', { out_trade_no: order.outTradeNo, notify: false });
    // Asking WeChat about the payment fails once: the first delivery can't be handled.
    await harness.control('POST', '/sandbox/faults/api', {
      endpoint: 'query',
      kind: 'system-error',
      count: 1,
    });
    const portal = await portalRefund(order.outTradeNo, 300);
    const log = await deliveries(portal.out_refund_no, (entries) =>
      entries.some((e) => e.outcome === 'acknowledged'),
    );
    expect(firstAnswer(log)).toEqual({
      status: 500,
      body: { code: 'FAIL', message: 'temporarily unable to process' },
    });
    expect(await balanceOf(accountId)).toBe(500n);
  });

  it('of a payment we have no record of is acknowledged and raised for an operator, once per delivery', async () => {
    const outTradeNo = generateOutTradeNo();
    await harness.control('POST', '/sandbox/payments/unknown', { out_trade_no: outTradeNo, total: 600 });
    const portal = await portalRefund(outTradeNo, 200);
    const log = await deliveries(portal.out_refund_no, (entries) =>
      entries.some((e) => e.outcome === 'acknowledged'),
    );
    expect(log.at(-1)).toMatchObject({ outcome: 'acknowledged', status: 204 });
    const exception = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'REFUND_MISMATCH', outTradeNo } },
    });
    // One sighting per delivery (one, unless a slow answer made WeChat send it again).
    expect(exception).toMatchObject({ status: 'OPEN', occurrences: log.length, orderId: null });
    expect(exception.details).toMatchObject({
      via: 'notification',
      reason: 'refund of an order we have no record of',
      outRefundNo: portal.out_refund_no,
      refundFen: 200,
      totalFen: 600,
    });
    expect(await getDb().refund.count({ where: { outRefundNo: portal.out_refund_no } })).toBe(0);
  });

  it('of a payment that can not be settled here is answered 500 "not settled yet", recording nothing', async () => {
    // Last in this file: WeChat retries it until the sandbox stops, asking about the payment each time.
    // WeChat was paid 8.00 for an order of 9.00 here: the payment is left for a person, not credited.
    const accountId = await newAccount();
    const order = await newOrder(accountId, 900);
    await harness.control('POST', '/sandbox/payments/unknown', {
      out_trade_no: order.outTradeNo,
      total: 800,
    });
    const portal = await portalRefund(order.outTradeNo, 300);
    const log = await deliveries(portal.out_refund_no, (entries) =>
      entries.some((e) => e.attempt === 1 && e.status),
    );
    expect(firstAnswer(log)).toEqual({
      status: 500,
      body: { code: 'FAIL', message: 'order not settled yet' },
    });
    expect(log.every((e) => e.outcome !== 'acknowledged')).toBe(true);
    expect(await getDb().refund.count({ where: { outRefundNo: portal.out_refund_no } })).toBe(0);
    expect((await getDb().paymentOrder.findUniqueOrThrow({ where: { id: order.id } })).status).toBe(
      'PENDING',
    );
    expect(await balanceOf(accountId)).toBe(0n);
    expect(
      await getDb().paymentException.count({
        where: { kind: 'AMOUNT_MISMATCH', outTradeNo: order.outTradeNo, status: 'OPEN' },
      }),
    ).toBe(1);
  });
});
