// Users, visitor accounts and orders straight in the database, for the tests of merging a visitor
// account into a wallet and of settling around a merge: no WeChat call, no sign-in.
import { randomUUID } from 'node:crypto';
import { getDb } from '@/lib/db';
import { generateOutTradeNo } from '@/lib/orders/out-trade-no';
import { settlePaidOrder } from '@/lib/orders/settle-order';

/** A signed-up user (no wallet yet). */
export async function newUser(): Promise<string> {
  const id = randomUUID();
  await getDb().user.create({ data: { id, name: '测试用户', email: `${id}@test.invalid` } });
  return id;
}

/** A PENDING order row for the account, never sent to WeChat. */
export async function newOrder(accountId: string, amountFen: number) {
  return getDb().paymentOrder.create({
    data: {
      accountId,
      outTradeNo: generateOutTradeNo(),
      amountFen,
      description: '账户余额充值',
      expiresAt: new Date(Date.now() + 600_000),
    },
  });
}

/** WeChat's transaction ids are unique; so must ours be across test runs on a shared database. */
export function uniqueTransactionId(): string {
  return `42${Date.now()}${String(Math.floor(Math.random() * 1e13)).padStart(13, '0')}`.slice(0, 28);
}

/** An anonymous-era account with one paid (credited) order. */
export async function visitorWithPaidOrder(amountFen: number) {
  const account = await getDb().account.create({ data: {} });
  const order = await newOrder(account.id, amountFen);
  await settlePaidOrder(
    { outTradeNo: order.outTradeNo, transactionId: uniqueTransactionId(), amountFen, paidAt: new Date() },
    { via: 'query' },
  );
  return { accountId: account.id, order };
}

/** What the ledger says the account holds. */
export async function ledgerSum(accountId: string): Promise<bigint> {
  const sum = await getDb().ledgerEntry.aggregate({ where: { accountId }, _sum: { amountFen: true } });
  return sum._sum.amountFen ?? 0n;
}
