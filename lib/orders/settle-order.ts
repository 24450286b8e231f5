import 'server-only';
import { getDb, isUniqueViolation } from '../db';
import type { Prisma } from '../generated/prisma/client';
import { createLogger } from '../log';
import { publishOrderStatus } from './order-status-cache';
import { recordPaymentException } from './payment-exceptions';

const log = createLogger('settle');

// The one way an order becomes PAID, whether WeChat told us (notification) or we asked (query).
// Exactly once: a compare-and-set on the order row picks one winner among concurrent settles, and
// the ledger's unique order_id makes a second credit impossible even if that logic were wrong.
// Any prior local state counts: a payment for an order the page gave up on, or that we closed
// while the payer was already paying, is still money received and is credited. What can't be
// credited (an amount that doesn't match, an unknown order, a transaction id another order has)
// opens a payment exception, and the order leaves the reconciler's sweep.

export interface PaidTransaction {
  outTradeNo: string;
  transactionId: string;
  /** WeChat's amount.total in fen: must equal the order's amount. */
  amountFen: number;
  paidAt: Date;
}

export interface SettlementSource {
  via: 'notification' | 'query';
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
