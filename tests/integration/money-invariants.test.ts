// The database itself refuses what would lose or duplicate money, whatever the code does.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';

const db = getDb();
afterAll(() => db.$disconnect());

async function createOrder(amountFen = 100) {
  const account = await db.account.create({ data: {} });
  const order = await db.paymentOrder.create({
    data: {
      accountId: account.id,
      outTradeNo: `T${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      amountFen,
      description: '账户充值',
      expiresAt: new Date(Date.now() + 600_000),
    },
  });
  return { account, order };
}

describe('money invariants enforced by PostgreSQL', () => {
  it('allows one ledger entry per order, so an order can be credited once', async () => {
    const { account, order } = await createOrder();
    await db.ledgerEntry.create({ data: { accountId: account.id, orderId: order.id, amountFen: 100 } });
    await expect(
      db.ledgerEntry.create({ data: { accountId: account.id, orderId: order.id, amountFen: 100 } }),
    ).rejects.toMatchObject({ code: 'P2002' });
  });

  it('records a WeChat notification id once', async () => {
    const notificationId = `EV-${randomUUID()}`;
    const data = { notificationId, eventType: 'TRANSACTION.SUCCESS', outcome: 'settled' };
    await db.paymentNotification.create({ data });
    await expect(db.paymentNotification.create({ data })).rejects.toMatchObject({ code: 'P2002' });
  });

  it('refuses a second order with the same out_trade_no', async () => {
    const { account, order } = await createOrder();
    await expect(
      db.paymentOrder.create({
        data: {
          accountId: account.id,
          outTradeNo: order.outTradeNo,
          amountFen: 100,
          description: '账户充值',
          expiresAt: new Date(),
        },
      }),
    ).rejects.toMatchObject({ code: 'P2002' });
  });

  it.each([
    { what: 'a zero-fen order', run: () => createOrder(0) },
    { what: 'a negative order', run: () => createOrder(-1) },
    {
      what: 'a negative balance',
      run: async () => {
        const account = await db.account.create({ data: {} });
        await db.account.update({ where: { id: account.id }, data: { balanceFen: { decrement: 1 } } });
      },
    },
  ])('refuses $what (CHECK constraint)', async ({ run }) => {
    await expect(run()).rejects.toThrow(/check constraint/i);
  });
});
