import 'server-only';
import { getDb } from '../db';
import type { Prisma } from '../generated/prisma/client';

type Tx = Prisma.TransactionClient;

// How much of a paid order can still be given back: what its refunds haven't taken yet, and no more
// than the balance holds (the recharge may have been moved or refunded already). Read under locks by
// the caller that acts on it; the database's CHECKs refuse anything beyond it whatever this says.

export interface Refundable {
  orderId: string;
  outTradeNo: string;
  orderAmountFen: number;
  status: string;
  /** The account a refund's hold is taken from: the end of the order's account's merge chain. */
  accountId: string;
  balanceFen: bigint;
  /** Order amount minus what its refunds hold or took. */
  remainingFen: number;
  refundableFen: number;
}

interface LockedOrder {
  id: string;
  out_trade_no: string;
  amount_fen: number;
  refunded_fen: number;
  status: string;
  account_id: string;
}

/** Locks the order row (FOR UPDATE) and the account at the end of its chain, and answers what may be refunded. */
export async function lockRefundable(tx: Tx, where: { outTradeNo: string }): Promise<Refundable | null> {
  const [order] = await tx.$queryRaw<LockedOrder[]>`
    SELECT id, out_trade_no, amount_fen, refunded_fen, status::text AS status, account_id
    FROM payment_orders WHERE out_trade_no = ${where.outTradeNo} FOR UPDATE`;
  if (!order) return null;
  const account = await lockChainEnd(tx, order.account_id);
  const remainingFen = order.amount_fen - order.refunded_fen;
  // Stryker disable next-line EqualityOperator: `<=` is the same, at equal amounts both sides are the cap
  const cap = account.balanceFen < BigInt(remainingFen) ? Number(account.balanceFen) : remainingFen;
  return {
    orderId: order.id,
    outTradeNo: order.out_trade_no,
    orderAmountFen: order.amount_fen,
    status: order.status,
    accountId: account.id,
    balanceFen: account.balanceFen,
    remainingFen,
    refundableFen: order.status === 'PAID' ? Math.max(0, cap) : 0,
  };
}

/** The same, for showing: read in a short transaction of its own (the locks end with it). */
export async function readRefundable(outTradeNo: string): Promise<Refundable> {
  const refundable = await getDb().$transaction((tx) => lockRefundable(tx, { outTradeNo }));
  if (!refundable) throw new Error(`order ${outTradeNo} not found`);
  return refundable;
}

/** Follows merged_into_id to the account that holds the money now, locking it. */
export async function lockChainEnd(tx: Tx, accountId: string): Promise<{ id: string; balanceFen: bigint }> {
  let id = accountId;
  for (let depth = 0; depth < 16; depth++) {
    const [row] = await tx.$queryRaw<{ id: string; balance_fen: bigint; merged_into_id: string | null }[]>`
      SELECT id, balance_fen, merged_into_id FROM accounts WHERE id = ${id}::uuid FOR UPDATE`;
    // Stryker disable next-line ConditionalExpression,StringLiteral: unreachable, order.account_id and merged_into_id are foreign keys (kept for a clear message)
    if (!row) throw new Error(`account ${id} not found`);
    if (!row.merged_into_id) return { id: row.id, balanceFen: BigInt(row.balance_fen) };
    id = row.merged_into_id;
  }
  throw new Error(`account ${accountId}: merge chain too long to follow`);
}
