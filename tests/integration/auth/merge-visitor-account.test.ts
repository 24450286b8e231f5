// An anonymous-era account merged into the signed-in user's wallet: once, with its orders and its
// balance (two ledger entries), never twice, and never losing a credit that lands concurrently.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeVisitorAccount } from '@/lib/accounts/merge-visitor-account';
import { getWalletBalanceFen } from '@/lib/accounts/wallet';
import { getDb } from '@/lib/db';
import { settlePaidOrder } from '@/lib/orders/settle-order';
import { ledgerSum, newOrder, newUser, visitorWithPaidOrder } from '../../support/accounts-fixtures';

const db = getDb();
afterAll(() => db.$disconnect());

describe('merging a visitor account into a wallet', () => {
  it('moves the balance by two ledger entries and the orders to the wallet', async () => {
    const userId = await newUser();
    const { accountId, order } = await visitorWithPaidOrder(1234);
    const pending = await newOrder(accountId, 500);

    const outcome = await mergeVisitorAccount(accountId, userId);
    expect(outcome).toEqual({
      merged: true,
      amountFen: 1234n,
      orderIds: expect.arrayContaining([order.id, pending.id]),
    });

    expect(await getWalletBalanceFen(userId)).toBe(1234n);
    const visitor = await db.account.findUniqueOrThrow({ where: { id: accountId } });
    expect(visitor).toMatchObject({ balanceFen: 0n, mergedIntoId: userId, userId: null });
    // Balances still equal the sums of their ledgers.
    expect(await ledgerSum(accountId)).toBe(0n);
    expect(await ledgerSum(userId)).toBe(1234n);
    const entries = await db.ledgerEntry.findMany({ where: { merge: { sourceAccountId: accountId } } });
    expect(entries.map((e) => [e.kind, e.accountId, e.amountFen]).sort()).toEqual(
      [
        ['MERGE_IN', userId, 1234n],
        ['MERGE_OUT', accountId, -1234n],
      ].sort(),
    );
    const orders = await db.paymentOrder.findMany({ where: { id: { in: [order.id, pending.id] } } });
    expect(orders.every((o) => o.accountId === userId)).toBe(true);
  });

  it('merges once: a second merge, even into another user, changes nothing', async () => {
    const userId = await newUser();
    const { accountId } = await visitorWithPaidOrder(100);
    expect((await mergeVisitorAccount(accountId, userId)).merged).toBe(true);
    expect(await mergeVisitorAccount(accountId, userId)).toEqual({ merged: false, reason: 'already_merged' });
    const otherUser = await newUser();
    expect(await mergeVisitorAccount(accountId, otherUser)).toEqual({
      merged: false,
      reason: 'already_merged',
    });
    expect(await getWalletBalanceFen(userId)).toBe(100n);
    expect(await getWalletBalanceFen(otherUser)).toBe(0n);
  });

  it('two merges of the same account racing: exactly one moves the money', async () => {
    const [a, b] = [await newUser(), await newUser()];
    const { accountId } = await visitorWithPaidOrder(700);
    const outcomes = await Promise.allSettled([
      mergeVisitorAccount(accountId, a),
      mergeVisitorAccount(accountId, b),
    ]);
    const merged = outcomes.filter((o) => o.status === 'fulfilled' && o.value.merged);
    expect(merged).toHaveLength(1);
    expect((await getWalletBalanceFen(a)) + (await getWalletBalanceFen(b))).toBe(700n);
    expect(await db.accountMerge.count({ where: { sourceAccountId: accountId } })).toBe(1);
  });

  it('a payment landing while the account is merged is credited once, to the wallet', async () => {
    const userId = await newUser();
    const { accountId } = await visitorWithPaidOrder(100);
    const pending = await newOrder(accountId, 250);
    const settle = settlePaidOrder(
      {
        outTradeNo: pending.outTradeNo,
        transactionId: `43${Date.now()}`.slice(0, 32),
        amountFen: 250,
        paidAt: new Date(),
      },
      { via: 'query' },
    );
    const [merged, settled] = await Promise.allSettled([mergeVisitorAccount(accountId, userId), settle]);
    expect(merged.status).toBe('fulfilled');
    if (settled.status === 'rejected') {
      // The settlement lost the race against the merge's constraint: WeChat retries it later.
      await settlePaidOrder(
        {
          outTradeNo: pending.outTradeNo,
          transactionId: `43${Date.now()}`.slice(0, 32),
          amountFen: 250,
          paidAt: new Date(),
        },
        { via: 'query' },
      );
    }
    expect(await getWalletBalanceFen(userId)).toBe(350n);
    expect((await db.account.findUniqueOrThrow({ where: { id: accountId } })).balanceFen).toBe(0n);
    expect(await db.ledgerEntry.count({ where: { orderId: pending.id } })).toBe(1);
  });

  it('leaves an empty visitor account alone', async () => {
    const userId = await newUser();
    const account = await db.account.create({ data: {} });
    expect(await mergeVisitorAccount(account.id, userId)).toEqual({ merged: false, reason: 'empty' });
    expect((await db.account.findUniqueOrThrow({ where: { id: account.id } })).mergedIntoId).toBeNull();
  });

  it('never merges a wallet, or an account that does not exist', async () => {
    const [a, b] = [await newUser(), await newUser()];
    await db.account.create({ data: { id: b, userId: b, balanceFen: 0 } });
    expect(await mergeVisitorAccount(b, a)).toEqual({ merged: false, reason: 'not_a_visitor_account' });
    expect(await mergeVisitorAccount(a, a)).toEqual({ merged: false, reason: 'not_a_visitor_account' });
    expect(await mergeVisitorAccount(randomUUID(), a)).toEqual({ merged: false, reason: 'no_such_account' });
  });
});

describe('the database refuses what would lose or double money in a merge', () => {
  it('refuses crediting a merged account, a second merge row, and a wallet whose id is not its user’s', async () => {
    const userId = await newUser();
    const { accountId } = await visitorWithPaidOrder(100);
    await mergeVisitorAccount(accountId, userId);
    await expect(
      db.account.update({ where: { id: accountId }, data: { balanceFen: { increment: 1 } } }),
    ).rejects.toThrow(/accounts_merged_account_is_empty/);
    await expect(
      db.accountMerge.create({
        data: { sourceAccountId: accountId, targetAccountId: userId, amountFen: 0n },
      }),
    ).rejects.toMatchObject({ code: 'P2002' });
    const other = await newUser();
    await expect(db.account.create({ data: { id: randomUUID(), userId: other } })).rejects.toThrow(
      /accounts_wallet_id_is_user_id/,
    );
  });

  it('refuses a ledger entry whose kind does not match what it points at', async () => {
    const { accountId, order } = await visitorWithPaidOrder(100);
    await expect(
      db.ledgerEntry.create({ data: { accountId, kind: 'MERGE_IN', amountFen: 5n, orderId: order.id } }),
    ).rejects.toThrow(/ledger_entries_kind_matches_reference/);
    await expect(
      db.ledgerEntry.create({ data: { accountId, kind: 'RECHARGE', amountFen: 5n } }),
    ).rejects.toThrow(/ledger_entries_kind_matches_reference/);
  });
});
