import 'server-only';
import { getDb, isUniqueViolation } from '../db';
import { Prisma } from '../generated/prisma/client';
import { createLogger } from '../log';
import type { OrderStatus } from '../schemas/order-status';
import { publishOrderRow, publishOrderStatus } from './order-status-cache';
import { recordPaymentException } from './payment-exceptions';

const log = createLogger('settle');

// The one way an order becomes PAID, whether WeChat told us (notification) or we asked (query).
// Exactly once: a compare-and-set on the order row picks one winner among concurrent settles, and
// the ledger's unique order_id makes a second credit impossible even if that logic were wrong.
// Any prior local state counts: a payment for an order the page gave up on, or that we closed
// while the payer was already paying, is still money received and is credited. What can't be
// credited (an amount that doesn't match, an unknown order, a transaction id another order has)
// opens a payment exception, and the order leaves the reconciler's sweep.
//
// The common cases (the payment credited, or the same payment again) are one SQL statement, one
// round trip (settleInOneStatement); anything else (an exception to open, a race it can't decide)
// goes through the interactive transaction below, whose answers are the same.

export interface PaidTransaction {
  outTradeNo: string;
  transactionId: string;
  /** WeChat's amount.total in fen: must equal the order's amount. */
  amountFen: number;
  paidAt: Date;
}

export interface SettlementSource {
  via: 'notification' | 'query' | 'bill';
  /** For notifications: WeChat's id and event type, recorded once. */
  notificationId?: string;
  eventType?: string;
}

type SettleOutcome =
  | 'credited'
  | 'already_paid'
  | 'amount_mismatch'
  | 'unknown_order'
  | 'duplicate_transaction'
  | 'conflicting_transaction';

export interface SettleResult {
  outcome: SettleOutcome;
  orderId?: string;
}

type Tx = Prisma.TransactionClient;

export async function settlePaidOrder(
  payment: PaidTransaction,
  source: SettlementSource,
): Promise<SettleResult> {
  let result: SettleResult;
  try {
    const settled = await settleInOneStatement(payment, source);
    if (settled) {
      // Only after commit, and from what the statement returned: no second read.
      await publishOrderRow(settled.order);
      return { outcome: settled.outcome, orderId: settled.order.id };
    }
    result = await getDb().$transaction((tx) => settleInTransaction(tx, payment, source));
  } catch (error) {
    if (!isUniqueViolation(error, 'transaction_id')) throw error;
    // Another order already carries this transaction id (the unique index refused it): WeChat can't
    // have paid two orders with one transaction. Nothing was credited; someone must look. (The order
    // exists: the refused write was its own.)
    const order = await getDb().paymentOrder.findUniqueOrThrow({ where: { outTradeNo: payment.outTradeNo } });
    await getDb().$transaction(async (tx) => {
      await recordPaymentException(
        {
          kind: 'DUPLICATE_TRANSACTION',
          outTradeNo: payment.outTradeNo,
          orderId: order.id,
          transactionId: payment.transactionId,
          details: { via: source.via, amountFen: payment.amountFen },
        },
        tx,
      );
      await leaveSweep(tx, order.id);
      await recordNotification(tx, source, payment, 'duplicate_transaction');
    });
    return { outcome: 'duplicate_transaction', orderId: order.id };
  }

  // Only after commit: Redis must never show PAID for money the database hasn't credited. Also on
  // a duplicate, which repairs a cache entry a racing fallback may have left at PENDING.
  if (result.orderId && result.outcome !== 'amount_mismatch') await publishOrderStatus(result.orderId);
  return result;
}

interface SettledRow {
  outcome: 'credited' | 'already_paid';
  previous_status: OrderStatus;
  id: string;
  account_id: string;
  status: OrderStatus;
  amount_fen: number;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * The order paid and credited in one statement (data-modifying CTEs: one round trip, one implicit
 * transaction), with the same database guarantees as the transaction below: the compare-and-set on
 * the row's status picks one winner, the ledger's unique order_id allows one RECHARGE per order, the
 * balance CHECKs (never negative; a merged account stays empty) hold, the notification is recorded
 * once (unique notification_id). The credit goes to the account at the end of the order's account's
 * merge chain, as creditAccount does. Answers the outcome and the order as committed; null when it
 * decided nothing (no such order, another amount, paid by another transaction, or paid by a racing
 * settle after this statement's snapshot): the caller then takes the transaction path.
 */
async function settleInOneStatement(
  payment: PaidTransaction,
  source: SettlementSource,
): Promise<{ outcome: SettleOutcome; order: SettledOrder } | null> {
  const notificationId = source.via === 'notification' ? (source.notificationId ?? null) : null;
  const eventType = source.eventType ?? 'TRANSACTION.SUCCESS';
  const rows = await getDb().$queryRaw<SettledRow[]>(Prisma.sql`
    WITH RECURSIVE
    before AS (
      SELECT id, status, transaction_id, account_id, amount_fen, failure_reason, created_at, updated_at
      FROM payment_orders WHERE out_trade_no = ${payment.outTradeNo}
    ),
    paid AS (
      UPDATE payment_orders
      SET status = 'PAID'::"OrderStatus", transaction_id = ${payment.transactionId},
          paid_at = ${payment.paidAt}, failure_reason = NULL, updated_at = now()
      WHERE out_trade_no = ${payment.outTradeNo} AND status <> 'PAID'::"OrderStatus"
        AND amount_fen = ${payment.amountFen}
        -- The row as re-read under a concurrent update (an order moved to a wallet at sign-in) may
        -- name an account committed after this statement's snapshot, which the credit below couldn't
        -- see: then decide nothing here, and the transaction path credits it.
        AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = payment_orders.account_id)
      RETURNING id, account_id, status, amount_fen, failure_reason, created_at, updated_at
    ),
    chain (id, merged_into_id, depth) AS (
      SELECT a.id, a.merged_into_id, 0 FROM accounts a JOIN paid ON a.id = paid.account_id
      UNION ALL
      SELECT a.id, a.merged_into_id, chain.depth + 1
      FROM accounts a JOIN chain ON a.id = chain.merged_into_id
      WHERE chain.depth < 16
    ),
    -- The end of the chain (none: a chain too long to follow; settlement_must_credit refuses that).
    target AS (
      SELECT chain.id, paid.id AS order_id, paid.amount_fen
      FROM paid, chain WHERE chain.merged_into_id IS NULL
      LIMIT 1
    ),
    credited AS (
      UPDATE accounts SET balance_fen = balance_fen + target.amount_fen, updated_at = now()
      FROM target WHERE accounts.id = target.id
      RETURNING accounts.id
    ),
    ledger AS (
      INSERT INTO ledger_entries (id, account_id, order_id, kind, amount_fen, created_at)
      SELECT gen_random_uuid(), target.id, target.order_id, 'RECHARGE'::"LedgerEntryKind", target.amount_fen, now()
      FROM target JOIN credited ON credited.id = target.id
      RETURNING id
    ),
    decided AS (
      SELECT CASE
               WHEN EXISTS (SELECT 1 FROM paid) THEN 'credited'
               WHEN before.status = 'PAID'::"OrderStatus" AND before.transaction_id = ${payment.transactionId}
                 AND before.amount_fen = ${payment.amountFen}
                 THEN 'already_paid'
             END AS outcome
      FROM before
    ),
    noted AS (
      INSERT INTO payment_notifications (id, notification_id, event_type, out_trade_no, transaction_id, outcome, received_at)
      SELECT gen_random_uuid(), ${notificationId}::text, ${eventType},
             ${payment.outTradeNo}, ${payment.transactionId},
             CASE decided.outcome WHEN 'credited' THEN 'settled' ELSE 'duplicate' END, now()
      FROM decided
      WHERE decided.outcome IS NOT NULL AND ${notificationId}::text IS NOT NULL
      ON CONFLICT (notification_id) DO NOTHING
      RETURNING id
    )
    SELECT decided.outcome, before.status AS previous_status,
           coalesce(paid.id, before.id) AS id,
           coalesce(paid.account_id, before.account_id) AS account_id,
           coalesce(paid.status, before.status) AS status,
           coalesce(paid.amount_fen, before.amount_fen) AS amount_fen,
           CASE WHEN paid.id IS NULL THEN before.failure_reason END AS failure_reason,
           coalesce(paid.created_at, before.created_at) AS created_at,
           coalesce(paid.updated_at, before.updated_at) AS updated_at,
           (SELECT count(*) FROM noted) AS notifications
    FROM before CROSS JOIN decided LEFT JOIN paid ON paid.id = before.id
    WHERE decided.outcome IS NOT NULL
      -- Every order paid here credited exactly one account and has exactly one ledger entry, or the
      -- database refuses the whole statement (migration 20261202092000_settlement_guard).
      AND settlement_must_credit(
        (SELECT count(*) FROM paid), (SELECT count(*) FROM credited), (SELECT count(*) FROM ledger)
      )`);
  const [row] = rows;
  if (!row) return null;
  const order: SettledOrder = {
    id: row.id,
    accountId: row.account_id,
    status: row.status,
    amountFen: row.amount_fen,
    failureReason: row.failure_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator,StringLiteral,BlockStatement: only decides whether to log
  if (row.outcome === 'credited' && row.previous_status !== 'PENDING') {
    log.warn(
      { orderId: order.id, outTradeNo: payment.outTradeNo, was: row.previous_status },
      'paid at WeChat after it ended here: crediting it',
    );
  }
  return { outcome: row.outcome, order };
}

type SettledOrder = Parameters<typeof publishOrderRow>[0];

async function settleInTransaction(
  tx: Tx,
  payment: PaidTransaction,
  source: SettlementSource,
): Promise<SettleResult> {
  const order = await tx.paymentOrder.findUnique({ where: { outTradeNo: payment.outTradeNo } });
  if (!order) {
    await recordPaymentException(
      {
        kind: 'UNKNOWN_ORDER',
        outTradeNo: payment.outTradeNo,
        transactionId: payment.transactionId,
        details: { via: source.via, amountFen: payment.amountFen, paidAt: payment.paidAt.toISOString() },
      },
      tx,
    );
    await recordNotification(tx, source, payment, 'unknown_order');
    return { outcome: 'unknown_order' };
  }
  if (order.amountFen !== payment.amountFen) {
    await recordPaymentException(
      {
        kind: 'AMOUNT_MISMATCH',
        outTradeNo: order.outTradeNo,
        orderId: order.id,
        transactionId: payment.transactionId,
        details: { via: source.via, orderAmountFen: order.amountFen, paidAmountFen: payment.amountFen },
      },
      tx,
    );
    await leaveSweep(tx, order.id);
    await recordNotification(tx, source, payment, 'amount_mismatch');
    return { outcome: 'amount_mismatch', orderId: order.id };
  }
  // The row as locked and updated: its account is read here, not from the unlocked read above, so
  // an order moved to a wallet meanwhile (a visitor account merged at sign-in) credits the wallet.
  const [won] = await tx.paymentOrder.updateManyAndReturn({
    where: { id: order.id, status: { not: 'PAID' } },
    data: {
      status: 'PAID',
      transactionId: payment.transactionId,
      paidAt: payment.paidAt,
      failureReason: null,
    },
    select: { accountId: true },
  });
  if (!won) {
    // Paid already: the same payment again (a retried notification, a query), or WeChat naming
    // another transaction for an order it settled once, which no one should credit twice nor ignore.
    const { transactionId } = await tx.paymentOrder.findUniqueOrThrow({
      where: { id: order.id },
      select: { transactionId: true },
    });
    if (transactionId !== payment.transactionId) {
      await recordPaymentException(
        {
          kind: 'CONFLICTING_TRANSACTION',
          outTradeNo: order.outTradeNo,
          orderId: order.id,
          transactionId: payment.transactionId,
          details: { via: source.via, creditedTransactionId: transactionId, amountFen: payment.amountFen },
        },
        tx,
      );
      await recordNotification(tx, source, payment, 'conflicting_transaction');
      return { outcome: 'conflicting_transaction', orderId: order.id };
    }
    await recordNotification(tx, source, payment, 'duplicate');
    return { outcome: 'already_paid', orderId: order.id };
  }
  // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral,BlockStatement: only decides whether to log
  if (order.status !== 'PENDING') {
    log.warn(
      { orderId: order.id, outTradeNo: order.outTradeNo, was: order.status },
      'paid at WeChat after it ended here: crediting it',
    );
  }
  const accountId = await creditAccount(tx, won.accountId, order.amountFen);
  await tx.ledgerEntry.create({
    data: { accountId, orderId: order.id, amountFen: order.amountFen, kind: 'RECHARGE' },
  });
  await recordNotification(tx, source, payment, 'settled');
  return { outcome: 'credited', orderId: order.id };
}

/** A PENDING order no automatic check can finish: the reconciler stops asking about it. */
async function leaveSweep(tx: Tx, orderId: string): Promise<void> {
  await tx.paymentOrder.update({ where: { id: orderId }, data: { nextCheckAt: null } });
}

/**
 * Adds the amount to the account's balance and answers the account credited: the order's own, or,
 * if that was a visitor account merged into a wallet since (an order an older server version made),
 * the wallet it was merged into. A merged account's balance stays 0 (a CHECK): never lose the money
 * to that constraint.
 */
async function creditAccount(tx: Tx, accountId: string, amountFen: number): Promise<string> {
  const credited = await tx.account.updateMany({
    where: { id: accountId, mergedIntoId: null },
    data: { balanceFen: { increment: amountFen } },
  });
  if (credited.count === 1) return accountId;
  const { mergedIntoId } = await tx.account.findUniqueOrThrow({
    where: { id: accountId },
    select: { mergedIntoId: true },
  });
  if (!mergedIntoId) throw new Error(`account ${accountId} can't be credited`);
  log.warn({ accountId, mergedIntoId }, 'account merged: crediting the wallet it was merged into');
  return creditAccount(tx, mergedIntoId, amountFen);
}

async function recordNotification(
  tx: Tx,
  source: SettlementSource,
  payment: PaidTransaction,
  outcome: string,
): Promise<void> {
  if (source.via !== 'notification' || !source.notificationId) return;
  await tx.paymentNotification.createMany({
    data: {
      notificationId: source.notificationId,
      eventType: source.eventType ?? 'TRANSACTION.SUCCESS',
      outTradeNo: payment.outTradeNo,
      transactionId: payment.transactionId,
      outcome,
    },
    skipDuplicates: true,
  });
}
