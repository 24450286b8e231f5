// Reconciling one order with WeChat when nobody tells us: expiry, orders WeChat doesn't know yet, and
// repairing Redis. The sweep over all due orders: tests/integration/reconciler/sweep.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { endPendingOrder } from '@/lib/orders/end-order';
import { orderStatusKey, readCachedOrderStatus } from '@/lib/orders/order-status-cache';
import { generateOutTradeNo } from '@/lib/orders/out-trade-no';
import { reconcileOrderNow } from '@/lib/orders/reconcile-order';
import { getRedis } from '@/lib/redis';
import { createOrderFor, newAccount, orderRow } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness } from '../../support/orders-harness';

let harness: OrdersHarness;
beforeAll(async () => {
  harness = await startOrdersHarness();
});
beforeEach(() => harness.control('POST', '/sandbox/faults/reset'));
afterAll(() => harness.close());

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000);
const sandboxState = async (outTradeNo: string) =>
  (await harness.control<{ trade_state: string }>('GET', `/sandbox/order?out_trade_no=${outTradeNo}`))
    .trade_state;

describe('reconcileOrderNow', () => {
  it('closes at WeChat an order past its expiry that WeChat still reports NOTPAY', async () => {
    const order = await createOrderFor(await newAccount(), 100);
    await reconcileOrderNow(order.orderId, minutesFromNow(11));
    expect(await sandboxState(order.outTradeNo)).toBe('CLOSED');
    expect((await orderRow(order.orderId)).status).toBe('CLOSED');
    expect((await readCachedOrderStatus(order.orderId))?.status).toBe('CLOSED');
  });

  it('leaves an unexpired order unknown to WeChat PENDING ("not known yet"), and closes it once expired', async () => {
    const accountId = await newAccount();
    const order = await getDb().paymentOrder.create({
      data: {
        accountId,
        outTradeNo: generateOutTradeNo(),
        amountFen: 100,
        description: '账户余额充值',
        expiresAt: minutesFromNow(10),
      },
    });
    await reconcileOrderNow(order.id);
    expect((await orderRow(order.id)).status).toBe('PENDING');
    await reconcileOrderNow(order.id, minutesFromNow(11));
    expect((await orderRow(order.id)).status).toBe('CLOSED');
  });

  it('repairs Redis when it still shows PENDING for an order that ended', async () => {
    const order = await createOrderFor(await newAccount(), 100);
    await endPendingOrder(order.orderId, 'CLOSED', '测试');
    const stale = await readCachedOrderStatus(order.orderId);
    await getRedis().set(orderStatusKey(order.orderId), { ...stale, status: 'PENDING' });
    await reconcileOrderNow(order.orderId);
    expect((await readCachedOrderStatus(order.orderId))?.status).toBe('CLOSED');
  });
});
