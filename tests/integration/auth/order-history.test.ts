// The recharge history: a wallet's orders only, newest first, 20 to a page, following cursors.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { decodeCursor, HISTORY_PAGE_SIZE, listWalletOrders } from '@/lib/orders/list-orders';

const db = getDb();
afterAll(() => db.$disconnect());

async function walletWithOrders(count: number, createdAt?: (i: number) => Date) {
  const id = randomUUID();
  await db.user.create({ data: { id, name: '历史', email: `${id}@test.invalid` } });
  await db.account.create({ data: { id, userId: id } });
  for (let i = 0; i < count; i++) {
    await db.paymentOrder.create({
      data: {
        accountId: id,
        outTradeNo: `H${randomUUID().replace(/-/g, '').slice(0, 24)}`,
        amountFen: i + 1,
        description: '账户余额充值',
        expiresAt: new Date(Date.now() + 600_000),
        createdAt: createdAt ? createdAt(i) : new Date(Date.now() - (count - i) * 1000),
      },
    });
  }
  return id;
}

describe('the recharge history', () => {
  it('pages through every order once, newest first', async () => {
    const wallet = await walletWithOrders(45);
    const seen: number[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await listWalletOrders(wallet, cursor);
      sizes.push(page.orders.length);
      seen.push(...page.orders.map((o) => o.amountFen));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(HISTORY_PAGE_SIZE).toBe(20);
    expect(sizes).toEqual([20, 20, 5]);
    expect(seen).toEqual(Array.from({ length: 45 }, (_, i) => 45 - i));
  });

  it('keeps orders created in the same millisecond apart by id', async () => {
    const instant = new Date('2026-11-30T12:00:00.000Z');
    const wallet = await walletWithOrders(25, () => instant);
    const first = await listWalletOrders(wallet);
    const second = await listWalletOrders(wallet, first.nextCursor ?? undefined);
    const ids = [...first.orders, ...second.orders].map((o) => o.orderId);
    expect(new Set(ids).size).toBe(25);
    expect(second.nextCursor).toBeNull();
  });

  it('shows a wallet its own orders only', async () => {
    const mine = await walletWithOrders(2);
    await walletWithOrders(3);
    expect((await listWalletOrders(mine)).orders).toHaveLength(2);
    expect(await listWalletOrders(randomUUID())).toEqual({ orders: [], nextCursor: null });
  });

  it('treats a cursor it did not make as the first page', async () => {
    const wallet = await walletWithOrders(3);
    for (const bad of [
      'garbage',
      Buffer.from('2026-01-01T00:00:00.000Z|not-a-uuid').toString('base64url'),
      'x'.repeat(500),
    ]) {
      expect(decodeCursor(bad)).toBeNull();
      expect((await listWalletOrders(wallet, bad)).orders).toHaveLength(3);
    }
  });
});
