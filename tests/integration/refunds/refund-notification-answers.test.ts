// What WeChat is answered when a refund notification can't simply be applied: a refund of a payment
// we have no record of (acknowledged, raised for an operator once per delivery), of a payment that can't be settled
// here (500 "not settled yet": WeChat keeps retrying, nothing is recorded meanwhile), and a transient
// fault while settling it (500 "temporarily unable to process").
import { describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { generateOutTradeNo } from '@/lib/orders/out-trade-no';
import { newOrder } from '../../support/accounts-fixtures';
import { balanceOf, newAccount } from '../../support/orders-fixtures';
import { type Delivery, setUpRefundsHarness } from '../../support/refunds-fixtures';

const harness = setUpRefundsHarness();
const { paidOrder, portalRefund, deliveries, wechatFails } = harness;

const firstAnswer = (entries: Delivery[]) => {
  const first = entries.find((e) => e.attempt === 1);
  return { status: first?.status, body: first?.responseBody && JSON.parse(first.responseBody) };
};

describe('a refund notification', () => {
  it('that meets a transient fault is answered 500 "temporarily unable to process", and applied on the retry', async () => {
    const { accountId, ...order } = await paidOrder(800, { notify: false });
    // Asking WeChat about the payment fails once: the first delivery can't be handled.
    await wechatFails({ endpoint: 'query', kind: 'system-error', count: 1 });
    const outRefundNo = await portalRefund(order.outTradeNo, 300);
    const log = await deliveries(outRefundNo, (entries) => entries.some((e) => e.outcome === 'acknowledged'));
    expect(firstAnswer(log)).toEqual({
      status: 500,
      body: { code: 'FAIL', message: 'temporarily unable to process' },
    });
    expect(await balanceOf(accountId)).toBe(500n);
  });

  it('of a payment we have no record of is acknowledged and raised for an operator, once per delivery', async () => {
    const outTradeNo = generateOutTradeNo();
    await harness.control('POST', '/sandbox/payments/unknown', { out_trade_no: outTradeNo, total: 600 });
    const outRefundNo = await portalRefund(outTradeNo, 200);
    const log = await deliveries(outRefundNo, (entries) => entries.some((e) => e.outcome === 'acknowledged'));
    expect(log.at(-1)).toMatchObject({ outcome: 'acknowledged', status: 204 });
    const exception = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'REFUND_MISMATCH', outTradeNo } },
    });
    // One sighting per delivery (one, unless a slow answer made WeChat send it again).
    expect(exception).toMatchObject({ status: 'OPEN', occurrences: log.length, orderId: null });
    expect(exception.details).toMatchObject({
      via: 'notification',
      reason: 'refund of an order we have no record of',
      outRefundNo,
      refundFen: 200,
      totalFen: 600,
    });
    expect(await getDb().refund.count({ where: { outRefundNo } })).toBe(0);
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
    const outRefundNo = await portalRefund(order.outTradeNo, 300);
    const log = await deliveries(outRefundNo, (entries) => entries.some((e) => e.attempt === 1 && e.status));
    expect(firstAnswer(log)).toEqual({
      status: 500,
      body: { code: 'FAIL', message: 'order not settled yet' },
    });
    expect(log.every((e) => e.outcome !== 'acknowledged')).toBe(true);
    expect(await getDb().refund.count({ where: { outRefundNo } })).toBe(0);
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
