import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeVisitorAccount } from '@/lib/accounts/merge-visitor-account';
import { getWalletBalanceFen } from '@/lib/accounts/wallet';
import { getDb } from '@/lib/db';
import { settlePaidOrder } from '@/lib/orders/settle-order';
import { ledgerSum, newOrder, newUser, visitorWithPaidOrder } from '../../support/accounts-fixtures';

const db = getDb();
afterAll(() => db.$disconnect());

describe('settling an order whose account was merged', () => {
  it('credits the wallet when the order moved while the payment was being settled', async () => {
    const userId = await newUser();
    await db.account.create({ data: { id: userId, userId } });
    const visitor = await db.account.create({ data: {} });
    const order = await newOrder(visitor.id, 250);

    // A merge in flight, by hand: the order moved to the wallet and the visitor account marked merged,
    // not committed yet, so the order row stays locked.
    const merge = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await merge.connect();
    try {
      await merge.query('BEGIN');
      await merge.query('UPDATE payment_orders SET account_id = $1 WHERE id = $2', [userId, order.id]);
      // The settlement reads the order (still the visitor's, as committed) and waits for its lock.
      const settling = settlePaidOrder(
        {
          outTradeNo: order.outTradeNo,
          transactionId: `45${Date.now()}`.slice(0, 32),
          amountFen: 250,
          paidAt: new Date(),
        },
        { via: 'query' },
      );
      await waitForLockWaiter(merge);
      await merge.query('UPDATE accounts SET merged_into_id = $1 WHERE id = $2', [userId, visitor.id]);
      await merge.query('COMMIT');
      expect(await settling).toMatchObject({ outcome: 'credited' });
    } finally {
      await merge.end();
    }
    expect(await getWalletBalanceFen(userId)).toBe(250n);
    expect((await db.ledgerEntry.findUniqueOrThrow({ where: { orderId: order.id } })).accountId).toBe(userId);
  });

  it('credits the wallet for an order still on the merged account (made by an older server version)', async () => {
    const userId = await newUser();
    const { accountId } = await visitorWithPaidOrder(100);
    await mergeVisitorAccount(accountId, userId);
    const straggler = await newOrder(accountId, 40);
    await settlePaidOrder(
      {
        outTradeNo: straggler.outTradeNo,
        transactionId: `46${Date.now()}`.slice(0, 32),
        amountFen: 40,
        paidAt: new Date(),
      },
      { via: 'query' },
    );
    expect(await getWalletBalanceFen(userId)).toBe(140n);
    expect((await db.account.findUniqueOrThrow({ where: { id: accountId } })).balanceFen).toBe(0n);
    expect(await ledgerSum(userId)).toBe(140n);
  });
});

/** Until another session waits on a lock this one holds. */
async function waitForLockWaiter(holder: pg.Client): Promise<void> {
  const { rows } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  for (let i = 0; i < 200; i++) {
    const waiting = await db.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM pg_stat_activity WHERE ${rows[0]?.pid}::int = ANY(pg_blocking_pids(pid))`;
    if (Number(waiting[0]?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('no session ever waited for the lock');
}
