// The status cache's seams: writers publish what the database says, never replacing a state further
// along; the read-through fills a lost entry without overwriting one that a writer published meanwhile.
import { describe, expect, it, vi } from 'vitest';
import { getDb } from '@/lib/db';
import {
  forgetOrderStatus,
  orderStatusKey,
  publishOrderStatus,
  readCachedOrderStatus,
  readOrderStatus,
  writeCachedOrderStatus,
} from '@/lib/orders/order-status-cache';
import { generateOutTradeNo } from '@/lib/orders/out-trade-no';
import { getRedis } from '@/lib/redis';
import { newAccount } from '../../support/orders-fixtures';

// A row straight in the database: no WeChat call, and no Redis entry until someone writes one.
async function insertOrder(status: 'PENDING' | 'CLOSED' = 'PENDING') {
  return getDb().paymentOrder.create({
    data: {
      accountId: await newAccount(),
      outTradeNo: generateOutTradeNo(),
      amountFen: 250,
      description: 'cache test',
      status,
      failureReason: status === 'CLOSED' ? '订单已过期' : null,
      expiresAt: new Date(Date.now() + 600_000),
    },
  });
}

describe('publishOrderStatus', () => {
  it('replaces whatever Redis held with what the database says', async () => {
    const order = await insertOrder();
    await writeCachedOrderStatus({
      orderId: order.id,
      accountId: order.accountId,
      status: 'PENDING',
      amountFen: order.amountFen,
      createdAtMs: order.createdAt.getTime(),
      updatedAt: order.updatedAt.toISOString(),
    });
    const closed = await getDb().paymentOrder.update({
      where: { id: order.id },
      data: { status: 'CLOSED', failureReason: '订单已关闭或已过期' },
    });

    const published = await publishOrderStatus(order.id);

    expect(published).toEqual(closed);
    await expectStatusKeptForAWeek(order.id);
    expect(await readCachedOrderStatus(order.id)).toEqual({
      orderId: order.id,
      accountId: order.accountId,
      status: 'CLOSED',
      amountFen: 250,
      reason: '订单已关闭或已过期',
      createdAtMs: order.createdAt.getTime(),
      updatedAt: closed.updatedAt.toISOString(),
    });
  });

  it('throws for an order that does not exist, writing nothing', async () => {
    const id = crypto.randomUUID();
    await expect(publishOrderStatus(id)).rejects.toThrow();
    expect(await getRedis().exists(orderStatusKey(id))).toBe(0);
  });
});

describe('writeCachedOrderStatus: ordered writes', () => {
  type Status = 'PENDING' | 'PAID' | 'CLOSED' | 'FAILED';
  const entryFor = (orderId: string, status: Status, reason?: string) => ({
    orderId,
    accountId: crypto.randomUUID(),
    status,
    amountFen: 100,
    ...(reason ? { reason } : {}),
    createdAtMs: Date.now(),
    updatedAt: new Date().toISOString(),
  });

  // [held, written, what Redis holds afterwards]
  const cases: [Status, Status, Status][] = [
    ['PENDING', 'PENDING', 'PENDING'],
    ['PENDING', 'PAID', 'PAID'],
    ['PENDING', 'CLOSED', 'CLOSED'],
    ['PENDING', 'FAILED', 'FAILED'],
    ['CLOSED', 'PENDING', 'CLOSED'],
    ['CLOSED', 'FAILED', 'CLOSED'],
    ['CLOSED', 'CLOSED', 'CLOSED'],
    ['CLOSED', 'PAID', 'PAID'],
    ['FAILED', 'CLOSED', 'FAILED'],
    ['FAILED', 'PAID', 'PAID'],
    ['PAID', 'PENDING', 'PAID'],
    ['PAID', 'CLOSED', 'PAID'],
    ['PAID', 'FAILED', 'PAID'],
    ['PAID', 'PAID', 'PAID'],
  ];

  it.each(cases)('over %s, writing %s leaves %s', async (held, written, expected) => {
    const orderId = crypto.randomUUID();
    await writeCachedOrderStatus(entryFor(orderId, held));
    const wrote = await writeCachedOrderStatus(entryFor(orderId, written));
    expect((await readCachedOrderStatus(orderId))?.status).toBe(expected);
    expect(wrote).toBe(expected === written && (held !== written || held === 'PENDING'));
    expect(await getRedis().ttl(orderStatusKey(orderId))).toBeGreaterThan(6 * 24 * 3600);
  });

  it('is not fooled by a reason that quotes another status', async () => {
    const orderId = crypto.randomUUID();
    await writeCachedOrderStatus(entryFor(orderId, 'PENDING', '"status":"PAID"'));
    expect(await writeCachedOrderStatus(entryFor(orderId, 'CLOSED'))).toBe(true);
  });

  it('replaces an entry it cannot read', async () => {
    const orderId = crypto.randomUUID();
    await getRedis().set(orderStatusKey(orderId), 'not json');
    expect(await writeCachedOrderStatus(entryFor(orderId, 'CLOSED'))).toBe(true);
    expect((await readCachedOrderStatus(orderId))?.status).toBe('CLOSED');
  });

  it('ends at PAID whichever of a racing close and settle publishes last', async () => {
    for (const order of [
      ['CLOSED', 'PAID'],
      ['PAID', 'CLOSED'],
    ] as const) {
      const orderId = crypto.randomUUID();
      await writeCachedOrderStatus(entryFor(orderId, 'PENDING'));
      await Promise.all(order.map((status) => writeCachedOrderStatus(entryFor(orderId, status))));
      expect((await readCachedOrderStatus(orderId))?.status).toBe('PAID');
    }
  });
});

describe('readOrderStatus', () => {
  it('loads a lost entry from the database and writes it back', async () => {
    const order = await insertOrder('CLOSED');
    expect(await readCachedOrderStatus(order.id)).toBeNull();

    const entry = await readOrderStatus(order.id);

    expect(entry).toMatchObject({ orderId: order.id, status: 'CLOSED', reason: '订单已过期' });
    expect(await readCachedOrderStatus(order.id)).toEqual(entry);
    await expectStatusKeptForAWeek(order.id);
  });

  it('treats an entry of another shape as absent and answers from the database', async () => {
    const order = await insertOrder('CLOSED');
    await getRedis().set(orderStatusKey(order.id), { orderId: order.id, status: 'SOMETHING_ELSE' });

    expect(await readCachedOrderStatus(order.id)).toBeNull();
    expect(await readOrderStatus(order.id)).toMatchObject({ orderId: order.id, status: 'CLOSED' });
  });

  it('does not overwrite an entry published while it was reading the database', async () => {
    const order = await insertOrder();
    const orders = getDb().paymentOrder;
    const findUnique = orders.findUnique.bind(orders);
    // The order is closed between the read-through's Redis miss and its write-back.
    const spy = vi.spyOn(orders, 'findUnique').mockImplementationOnce(((args: { where: { id: string } }) =>
      findUnique(args).then(async (row) => {
        await orders.update({
          where: { id: order.id },
          data: { status: 'CLOSED', failureReason: '订单已过期' },
        });
        await publishOrderStatus(order.id);
        return row;
      })) as unknown as typeof orders.findUnique);

    const entry = await readOrderStatus(order.id);
    spy.mockRestore();

    expect(entry?.status).toBe('PENDING');
    expect((await readCachedOrderStatus(order.id))?.status).toBe('CLOSED');
  });

  it('answers null for an unknown id and stops asking the database for a while', async () => {
    const id = crypto.randomUUID();
    expect(await readOrderStatus(id)).toBeNull();
    // For a minute, not for ever: an id is not remembered as missing longer than that.
    const ttl = await getRedis().ttl(`order:${id}:missing`);
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
    const findUnique = vi.spyOn(getDb().paymentOrder, 'findUnique');
    expect(await readOrderStatus(id)).toBeNull();
    expect(findUnique).not.toHaveBeenCalled();
    findUnique.mockRestore();
  });
});

/** Redis keeps a status for a week (long after any page stops polling), then forgets it. */
async function expectStatusKeptForAWeek(orderId: string): Promise<void> {
  const week = 7 * 24 * 60 * 60;
  const ttl = await getRedis().ttl(orderStatusKey(orderId));
  expect(ttl).toBeGreaterThan(week - 60);
  expect(ttl).toBeLessThanOrEqual(week);
}

describe('forgetOrderStatus', () => {
  it('drops the entries of the orders named, so that the next read comes from the database', async () => {
    const [a, b, kept] = [await insertOrder(), await insertOrder(), await insertOrder()];
    for (const order of [a, b, kept]) await publishOrderStatus(order.id);
    // The owner changed in the database (as a merge at sign-in does).
    const wallet = await newAccount();
    await getDb().paymentOrder.update({ where: { id: a.id }, data: { accountId: wallet } });

    await forgetOrderStatus([a.id, b.id]);
    expect(await readCachedOrderStatus(a.id)).toBeNull();
    expect(await readCachedOrderStatus(b.id)).toBeNull();
    expect(await readCachedOrderStatus(kept.id)).not.toBeNull();
    expect(await readOrderStatus(a.id)).toMatchObject({ orderId: a.id, accountId: wallet });
  });

  it('does nothing for no orders', async () => {
    const del = vi.spyOn(getRedis(), 'del');
    await forgetOrderStatus([]);
    expect(del).not.toHaveBeenCalled();
    del.mockRestore();
  });
});
