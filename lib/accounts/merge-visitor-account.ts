import 'server-only';
import { getDb } from '../db';
import { forgetOrderStatus } from '../orders/order-status-cache';
import { ensureWallet } from './wallet';

// Before sign-in existed, a balance belonged to whoever held a signed cookie naming an anonymous
// account. When that browser signs in, the account is merged into the user's wallet, once:
//   - its orders move to the wallet (so they show in the user's history, and a payment that lands
//     later is credited to the wallet);
//   - its balance moves by two ledger entries, MERGE_OUT on it and MERGE_IN on the wallet, tied to
//     one account_merges row that is unique per source account;
//   - it is marked merged, and a CHECK keeps a merged account's balance at 0 from then on.
// The database refuses a second merge of the same account and any credit to a merged one.
//
// Lock order matters: settling a payment locks the order, then the account. This locks the orders
// first (moving them waits for any settlement in flight to commit), then the accounts.

export type MergeOutcome =
  | { merged: true; amountFen: bigint; orderIds: string[] }
  | { merged: false; reason: 'no_such_account' | 'not_a_visitor_account' | 'already_merged' | 'empty' };

interface LockedAccount {
  balance_fen: bigint;
  user_id: string | null;
  merged_into_id: string | null;
}

export async function mergeVisitorAccount(visitorAccountId: string, userId: string): Promise<MergeOutcome> {
  const walletId = await ensureWallet(userId);
  if (visitorAccountId === walletId) return { merged: false, reason: 'not_a_visitor_account' };

  const outcome = await mergeInTransaction(visitorAccountId, walletId).catch((error: unknown) => {
    if (error instanceof NotMerged) return { merged: false as const, reason: error.reason };
    throw error;
  });

  // The status cache names each order's owner: the moved orders' entries go, and are read again from
  // the database (with the wallet as owner) when next polled.
  if (outcome.merged) await forgetOrderStatus(outcome.orderIds);
  return outcome;
}

type NotMergedReason = Extract<MergeOutcome, { merged: false }>['reason'];

class NotMerged extends Error {
  constructor(readonly reason: NotMergedReason) {
    super(reason);
  }
}

async function mergeInTransaction(visitorAccountId: string, walletId: string): Promise<MergeOutcome> {
  return getDb().$transaction(async (tx): Promise<MergeOutcome> => {
    const moved = await tx.$queryRaw<{ id: string }[]>`
      UPDATE payment_orders SET account_id = ${walletId}::uuid, idempotency_key = NULL, updated_at = now()
      WHERE account_id = ${visitorAccountId}::uuid
        AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = ${visitorAccountId}::uuid
                      AND a.user_id IS NULL AND a.merged_into_id IS NULL)
      RETURNING id`;
    const [source] = await tx.$queryRaw<LockedAccount[]>`
      SELECT balance_fen, user_id, merged_into_id FROM accounts WHERE id = ${visitorAccountId}::uuid FOR UPDATE`;
    // Not mergeable (as locked now): roll back, including any orders the statement above moved
    // while the account still looked mergeable to it.
    if (!source) throw new NotMerged('no_such_account');
    if (source.user_id !== null) throw new NotMerged('not_a_visitor_account');
    if (source.merged_into_id !== null) throw new NotMerged('already_merged');
    const amountFen = BigInt(source.balance_fen);
    if (moved.length === 0 && amountFen === 0n) throw new NotMerged('empty');

    const merge = await tx.accountMerge.create({
      data: { sourceAccountId: visitorAccountId, targetAccountId: walletId, amountFen },
    });
    await tx.ledgerEntry.createMany({
      data: [
        { accountId: visitorAccountId, mergeId: merge.id, kind: 'MERGE_OUT', amountFen: -amountFen },
        { accountId: walletId, mergeId: merge.id, kind: 'MERGE_IN', amountFen },
      ],
    });
    await tx.account.update({
      where: { id: visitorAccountId },
      data: { balanceFen: { decrement: amountFen }, mergedIntoId: walletId },
    });
    await tx.account.update({ where: { id: walletId }, data: { balanceFen: { increment: amountFen } } });
    return { merged: true, amountFen, orderIds: moved.map((row) => row.id) };
  });
}
