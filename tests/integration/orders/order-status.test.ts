// The polling path: Redis only, owner-only, with the database as a one-off fallback and the WeChat
// query left to the background, at most one per order per few seconds.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getDb } from '@/lib/db';
import { getOrderStatusForAccount } from '@/lib/orders/get-order-status';
import {
  orderStatusKey,
  readCachedOrderStatus,
  writeCachedOrderStatus,
} from '@/lib/orders/order-status-cache';
import { reconcileOrderIfUnlocked } from '@/lib/orders/reconcile-order';
import { getRedis } from '@/lib/redis';
import { RedisUnavailableError } from '@/lib/redis-transport';
import { createOrderFor, newAccount } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness } from '../../support/orders-harness';

let harness: OrdersHarness;
beforeAll(async () => {
  harness = await startOrdersHarness();
});
afterAll(() => harness.close());

const queryCalls = async () =>
  (await harness.control<{ calls: Record<string, number> }>('GET', '/sandbox/stats')).calls.query ?? 0;

describe('getOrderStatusForAccount', () => {
  it('answers a fresh order from Redis without scheduling a WeChat query', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 100);
    const schedule = vi.fn();
    const findUnique = vi.spyOn(getDb().paymentOrder, 'findUnique');
    const view = await getOrderStatusForAccount(order.orderId, accountId, schedule);
    expect(view).toMatchObject({ orderId: order.orderId, status: 'PENDING', amountFen: 100 });
    expect(findUnique).not.toHaveBeenCalled();
    expect(schedule).not.toHaveBeenCalled();
    findUnique.mockRestore();
  });

  it.each([
    { who: 'another account', viewer: () => newAccount() },
    { who: 'a visitor without an account', viewer: async () => null },
  ])('answers not_found to $who', async ({ viewer }) => {
    const order = await createOrderFor(await newAccount(), 100);
    await expect(getOrderStatusForAccount(order.orderId, await viewer(), vi.fn())).rejects.toMatchObject({
      code: 'not_found',
      message: '订单不存在',
    });
  });

  it.each(['not-a-uuid', '00000000-0000-4000-8000-000000000000'])(
    'answers not_found for order id %s',
    async (id) => {
      await expect(getOrderStatusForAccount(id, await newAccount(), vi.fn())).rejects.toMatchObject({
        code: 'not_found',
        message: '订单不存在',
      });
    },
  );

  it('remembers an unknown order id, so repeated guesses do not reach the database', async () => {
    const viewer = await newAccount();
    const id = crypto.randomUUID();
    await expect(getOrderStatusForAccount(id, viewer, vi.fn())).rejects.toMatchObject({ code: 'not_found' });
    const findUnique = vi.spyOn(getDb().paymentOrder, 'findUnique');
    await expect(getOrderStatusForAccount(id, viewer, vi.fn())).rejects.toMatchObject({ code: 'not_found' });
    expect(findUnique).not.toHaveBeenCalled();
    findUnique.mockRestore();
  });

  it('falls back to the database once when Redis lost the entry, and writes it back', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 100);
    await getRedis().del(orderStatusKey(order.orderId));
    const view = await getOrderStatusForAccount(order.orderId, accountId, vi.fn());
    expect(view.status).toBe('PENDING');
    expect(await readCachedOrderStatus(order.orderId)).toMatchObject({ status: 'PENDING', accountId });
  });

  it('answers the new owner of an order whose entry still names the account it moved from', async () => {
    const before = await newAccount();
    const wallet = await newAccount();
    const order = await createOrderFor(before, 100);
    // The move at sign-in, with the entry left naming the old owner (a publish racing the move).
    await getDb().paymentOrder.update({ where: { id: order.orderId }, data: { accountId: wallet } });
    expect(await readCachedOrderStatus(order.orderId)).toMatchObject({ accountId: before });

    const view = await getOrderStatusForAccount(order.orderId, wallet, vi.fn());
    expect(view).toMatchObject({ orderId: order.orderId, status: 'PENDING', amountFen: 100 });
    // The stale entry is gone; the next read loads the order's own from the database.
    expect(await readCachedOrderStatus(order.orderId)).toBeNull();
    await getOrderStatusForAccount(order.orderId, wallet, vi.fn());
    expect(await readCachedOrderStatus(order.orderId)).toMatchObject({ accountId: wallet });

    for (const other of [before, await newAccount()]) {
      await expect(getOrderStatusForAccount(order.orderId, other, vi.fn())).rejects.toMatchObject({
        code: 'not_found',
      });
    }
  });

  it('answers the new owner even when the stale entry can’t be dropped: Redis away, or refusing', async () => {
    const before = await newAccount();
    const wallet = await newAccount();
    const order = await createOrderFor(before, 100);
    await getDb().paymentOrder.update({ where: { id: order.orderId }, data: { accountId: wallet } });
    const del = vi.spyOn(getRedis(), 'del').mockRejectedValueOnce(new RedisUnavailableError('down'));
    try {
      expect(await getOrderStatusForAccount(order.orderId, wallet, vi.fn())).toMatchObject({
        status: 'PENDING',
      });
      // Any other failure is not read around.
      del.mockRejectedValueOnce(new Error('WRONGTYPE'));
      await expect(getOrderStatusForAccount(order.orderId, wallet, vi.fn())).rejects.toThrow('WRONGTYPE');
    } finally {
      del.mockRestore();
    }
  });

  it("answers someone else's order as missing, with the entry left as it was", async () => {
    const owner = await newAccount();
    const order = await createOrderFor(owner, 100);
    await expect(getOrderStatusForAccount(order.orderId, await newAccount(), vi.fn())).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(await readCachedOrderStatus(order.orderId)).toMatchObject({ accountId: owner, status: 'PENDING' });
  });

  it('schedules a background query for an open order older than the query delay', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 100);
    const entry = await readCachedOrderStatus(order.orderId);
    if (!entry) throw new Error('status missing');
    await writeCachedOrderStatus({ ...entry, createdAtMs: Date.now() - 6_000 });
    const tasks: (() => Promise<void>)[] = [];
    await getOrderStatusForAccount(order.orderId, accountId, (task) => tasks.push(task));
    expect(tasks).toHaveLength(1);
  });
});

describe('reconcileOrderIfUnlocked', () => {
  it('sends one WeChat query for many concurrent polls of the same order', async () => {
    const order = await createOrderFor(await newAccount(), 100);
    const before = await queryCalls();
    await Promise.all(Array.from({ length: 8 }, () => reconcileOrderIfUnlocked(order.orderId)));
    expect((await queryCalls()) - before).toBe(1);
  });

  it('moves the order to FAILED when WeChat reports the payment failed', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 100);
    await harness.control('POST', '/sandbox/fail', { out_trade_no: order.outTradeNo });
    await reconcileOrderIfUnlocked(order.orderId);
    const view = await getOrderStatusForAccount(order.orderId, accountId, vi.fn());
    expect(view.status).toBe('FAILED');
    expect(view.reason).toBeTruthy();
  });
});
