// Where an order's money is found when its account has been merged: at the end of the merge chain,
// followed for up to 16 merges. A longer chain or a cycle (no merge makes either: a damaged database)
// is refused with an error naming the order's account, never followed forever nor taken at a wrong end.
import { describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { readRefundable } from '@/lib/refunds/refundable';
import { requestRefund } from '@/lib/refunds/request-refund';
import { newOrder, newUser } from '../../support/accounts-fixtures';

/** An order whose account was merged `merges` times over: [order's account, …, the account at the end]. */
async function orderAtChain(merges: number) {
  const end = await getDb().account.create({ data: { balanceFen: 900n } });
  const chain = [end.id];
  for (let i = 0; i < merges; i++) {
    const merged = await getDb().account.create({ data: { mergedIntoId: chain[0] } });
    chain.unshift(merged.id);
  }
  const order = await newOrder(chain[0] as string, 500);
  return { chain, order };
}

describe('the account a refund is held from', () => {
  it('is found at the end of a chain of 15 merges', async () => {
    const { chain, order } = await orderAtChain(15);
    expect(await readRefundable(order.outTradeNo)).toMatchObject({
      accountId: chain.at(-1),
      balanceFen: 900n,
    });
  });

  it('is not looked for past 16 merges: the chain is refused, naming the account', async () => {
    const { chain, order } = await orderAtChain(16);
    await expect(readRefundable(order.outTradeNo)).rejects.toThrow(
      `account ${chain[0]}: merge chain too long to follow`,
    );
  });

  it('is not looked for round a cycle: refused, refunding nothing', async () => {
    const a = await getDb().account.create({ data: {} });
    const b = await getDb().account.create({ data: { mergedIntoId: a.id } });
    await getDb().account.update({ where: { id: a.id }, data: { mergedIntoId: b.id } });
    const order = await newOrder(a.id, 500);
    await expect(readRefundable(order.outTradeNo)).rejects.toThrow(
      `account ${a.id}: merge chain too long to follow`,
    );
    const refused = requestRefund({
      outTradeNo: order.outTradeNo,
      amountFen: 100,
      operatorId: await newUser(),
      idempotencyKey: order.id,
    });
    await expect(refused).rejects.toThrow('merge chain too long to follow');
    expect(await getDb().refund.count({ where: { orderId: order.id } })).toBe(0);
  });
});
