// The status poll's background work: after STATUS_QUERY_DELAY_MS an open order gets one WeChat
// query scheduled, and running it brings the order in line with WeChat (here: a payment whose
// notification was lost). Also the poll's database fallback, which must never overwrite a
// fresher status that a settle wrote to Redis meanwhile.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { getDb } from '@/lib/db';
import { getEnv } from '@/lib/env';
import { getOrderStatusForAccount } from '@/lib/orders/get-order-status';
import { settlePaidOrder } from '@/lib/orders/settle-order';
import { getRedis } from '@/lib/redis';
import { balanceOf, createOrderFor, newAccount, orderRow } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness } from '../../support/orders-harness';

let harness: OrdersHarness;
beforeAll(async () => {
  harness = await startOrdersHarness();
});
beforeEach(() => harness.control('POST', '/sandbox/faults/reset'));
afterEach(() => {
  vi.useRealTimers();
});
afterAll(() => harness.close());

const queryCalls = async () =>
  (await harness.control<{ calls: Record<string, number> }>('GET', '/sandbox/stats')).calls.query ?? 0;

/** Polls as the status route does, collecting the work it schedules for after the response. */
async function poll(orderId: string, accountId: string) {
  const tasks: (() => Promise<void>)[] = [];
  const view = await getOrderStatusForAccount(orderId, accountId, (task) => tasks.push(task));
  return { view, tasks };
}

/** Moves the clock (Date only: timers, HTTP and database keep real time) to `ms` after `from`. */
function clockAt(from: Date, ms: number) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(from.getTime() + ms));
}

describe('the background query scheduled by a status poll', () => {
  it('credits a payment whose notification was lost, once the poll’s task runs', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 1500);
    await harness.control('POST', '/sandbox/faults/notifications', { lose: 1 });
    await harness.control('POST', '/sandbox/pay', { out_trade_no: order.outTradeNo });
    const createdAt = (await orderRow(order.orderId)).createdAt;

    clockAt(createdAt, getEnv().STATUS_QUERY_DELAY_MS + 1_000);
    const first = await poll(order.orderId, accountId);
    expect(first.view.status).toBe('PENDING');
    expect(first.tasks).toHaveLength(1);

    const before = await queryCalls();
    for (const task of first.tasks) await task();
    expect((await queryCalls()) - before).toBe(1);
    expect(await balanceOf(accountId)).toBe(1500n);
    expect((await orderRow(order.orderId)).status).toBe('PAID');

    const next = await poll(order.orderId, accountId);
    expect(next.view.status).toBe('PAID');
    expect(next.tasks).toHaveLength(0);
  });

  it.each([
    { name: 'exactly the query delay', offset: 0, scheduled: 1 },
    { name: 'a millisecond short of the query delay', offset: -1, scheduled: 0 },
  ])('is scheduled for an open order aged $name: $scheduled task(s)', async ({ offset, scheduled }) => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 1600);
    const createdAt = (await orderRow(order.orderId)).createdAt;
    clockAt(createdAt, getEnv().STATUS_QUERY_DELAY_MS + offset);
    expect((await poll(order.orderId, accountId)).tasks).toHaveLength(scheduled);
  });

  it('is not scheduled for an order that has ended, however old', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 1700);
    await harness.control('POST', '/sandbox/fail', { out_trade_no: order.outTradeNo });
    const createdAt = (await orderRow(order.orderId)).createdAt;
    clockAt(createdAt, getEnv().STATUS_QUERY_DELAY_MS + 1_000);
    const { tasks } = await poll(order.orderId, accountId);
    for (const task of tasks) await task();
    expect((await orderRow(order.orderId)).status).toBe('FAILED');

    const later = await poll(order.orderId, accountId);
    expect(later.view).toMatchObject({ status: 'FAILED', reason: expect.any(String) });
    expect(later.tasks).toHaveLength(0);
  });

  it('never throws at the request when WeChat fails: the order stays PENDING for a later poll', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 1800);
    await harness.control('POST', '/sandbox/faults/api', {
      endpoint: 'query',
      kind: 'system-error',
      count: 1,
    });
    const createdAt = (await orderRow(order.orderId)).createdAt;
    clockAt(createdAt, getEnv().STATUS_QUERY_DELAY_MS + 1_000);
    const { tasks } = await poll(order.orderId, accountId);
    expect(tasks).toHaveLength(1);
    for (const task of tasks) await expect(task()).resolves.toBeUndefined();
    expect((await orderRow(order.orderId)).status).toBe('PENDING');
  });
});

describe('the status poll’s database fallback', () => {
  it('does not overwrite a fresher status written to Redis while it read the database', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 1900);
    // Redis lost the entry: the next poll reads the database. Between that read and its write-back,
    // a notification settles the order and publishes PAID.
    for (const key of await getRedis().keys(`*${order.orderId}*`)) await getRedis().del(key);
    const findUnique = getDb().paymentOrder.findUnique.bind(getDb().paymentOrder);
    const spy = vi.spyOn(getDb().paymentOrder, 'findUnique').mockImplementationOnce((async (
      args: Parameters<typeof findUnique>[0],
    ) => {
      const stale = await findUnique(args);
      await settlePaidOrder(
        {
          outTradeNo: order.outTradeNo,
          transactionId: `42${Date.now()}`.padEnd(28, '7'),
          amountFen: 1900,
          paidAt: new Date(),
        },
        { via: 'query' },
      );
      return stale;
    }) as never);
    try {
      const stalePoll = await poll(order.orderId, accountId);
      expect(stalePoll.view.status).toBe('PENDING');
    } finally {
      spy.mockRestore();
    }
    const next = await poll(order.orderId, accountId);
    expect(next.view.status).toBe('PAID');
  });

  it('answers PENDING without a reason, and rewrites a lost entry so that the next poll skips the database', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 2000);
    for (const key of await getRedis().keys(`*${order.orderId}*`)) await getRedis().del(key);
    const first = await poll(order.orderId, accountId);
    // Strict: no `reason` key at all, not even an undefined one.
    expect(first.view).toStrictEqual({
      orderId: order.orderId,
      status: 'PENDING',
      amountFen: 2000,
      updatedAt: expect.any(String),
    });
    const findUnique = vi.spyOn(getDb().paymentOrder, 'findUnique');
    try {
      expect((await poll(order.orderId, accountId)).view).toEqual(first.view);
      expect(findUnique).not.toHaveBeenCalled();
    } finally {
      findUnique.mockRestore();
    }
  });
});
