// From a payment in the WeChat Pay sandbox to a credited balance, through signed and encrypted
// notifications over HTTP, with the sandbox's faults.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { reconcileOrderNow } from '@/lib/orders/reconcile-order';
import { balanceOf, createOrderFor, ledgerCount, newAccount, orderRow } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness, waitFor } from '../../support/orders-harness';

let harness: OrdersHarness;
beforeAll(async () => {
  harness = await startOrdersHarness();
});
beforeEach(() => harness.control('POST', '/sandbox/faults/reset'));
afterAll(() => harness.close());

type LogEntry = { outTradeNo: string; kind: string; outcome: string; status?: number };
const notificationsOf = (outTradeNo: string) =>
  harness.control<LogEntry[]>('GET', `/sandbox/notifications?out_trade_no=${outTradeNo}`);

describe('payment notifications', () => {
  it('credits the balance once and answers 204 when the payer pays', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 2500);
    await harness.control('POST', '/sandbox/pay', { out_trade_no: order.outTradeNo });
    await waitFor(async () => (await balanceOf(accountId)) === 2500n);
    const log = await waitFor(async () => {
      const entries = await notificationsOf(order.outTradeNo);
      return entries.some((e) => e.outcome === 'acknowledged') ? entries : null;
    });
    expect(log.find((e) => e.outcome === 'acknowledged')?.status).toBe(204);
    const row = await orderRow(order.orderId);
    expect(row.status).toBe('PAID');
    expect(row.transactionId).toMatch(/^\d{28}$/);
  });

  it('credits once when WeChat delivers the same notification several times at once', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 300);
    await harness.control('POST', '/sandbox/faults/notifications', { duplicate: 4, concurrent: true });
    await harness.control('POST', '/sandbox/pay', { out_trade_no: order.outTradeNo });
    await waitFor(async () => {
      const entries = await notificationsOf(order.outTradeNo);
      return entries.filter((e) => e.outcome === 'acknowledged').length >= 4;
    });
    expect(await balanceOf(accountId)).toBe(300n);
    expect(await ledgerCount(order.orderId)).toBe(1);
    expect(await getDb().paymentNotification.count({ where: { outTradeNo: order.outTradeNo } })).toBe(1);
  });

  it('keeps answering until WeChat gets a 2xx: dropped deliveries are retried on schedule', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 400);
    await harness.control('POST', '/sandbox/faults/notifications', { drop: 2 });
    await harness.control('POST', '/sandbox/pay', { out_trade_no: order.outTradeNo });
    await waitFor(async () => (await balanceOf(accountId)) === 400n);
    const entries = await notificationsOf(order.outTradeNo);
    expect(entries.filter((e) => e.outcome === 'dropped')).toHaveLength(2);
  });

  it('settles from the query API when the notification is lost altogether', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 650);
    await harness.control('POST', '/sandbox/faults/notifications', { lose: 1 });
    await harness.control('POST', '/sandbox/pay', { out_trade_no: order.outTradeNo });
    expect(await balanceOf(accountId)).toBe(0n);
    await reconcileOrderNow(order.orderId);
    expect(await balanceOf(accountId)).toBe(650n);
    expect((await orderRow(order.orderId)).status).toBe('PAID');
  });

  it('rejects WeChat’s SIGNTEST probe with 401 and credits nothing', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 100);
    const probe = await harness.control<{ status?: number }>('POST', '/sandbox/probe', {
      out_trade_no: order.outTradeNo,
    });
    expect(JSON.stringify(probe)).toContain('401');
    expect(await balanceOf(accountId)).toBe(0n);
  });
});
