import 'server-only';
import { getDb } from '../db';

// A signed-in user's money lives in their wallet: the account whose id is the user's id (a CHECK
// keeps accounts.user_id = accounts.id), created the first time it is needed.

/** Creates the user's wallet unless it exists (one INSERT … ON CONFLICT DO NOTHING). Answers its id. */
export async function ensureWallet(userId: string): Promise<string> {
  await getDb().account.createMany({ data: [{ id: userId, userId }], skipDuplicates: true });
  return userId;
}

/** Balance in fen; 0 for a user who has no wallet yet. */
export async function getWalletBalanceFen(userId: string): Promise<bigint> {
  const wallet = await getDb().account.findUnique({ where: { id: userId }, select: { balanceFen: true } });
  return wallet?.balanceFen ?? 0n;
}
