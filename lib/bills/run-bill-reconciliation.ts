import 'server-only';
import { getDb, isUniqueViolation } from '../db';
import type { BillRun, Prisma } from '../generated/prisma/client';
import { createLogger } from '../log';
import { recordPaymentException } from '../orders/payment-exceptions';
import { settlePaidOrder } from '../orders/settle-order';
import { callWechatPay } from '../rate-limit/wechat-pay-budget';
import { applyRefundState } from '../refunds/apply-refund-state';
import {
  getWechatPayClient,
  isWechatPayError,
  type RefundStatus,
  type TradeBill,
  type TradeBillRow,
} from '../wechat-pay';
import { beijingDayRange } from './bill-date';
import { compareDay, type Difference, type OurOrder, type OurRefund } from './compare';

// Stryker disable next-line StringLiteral: the log lines' module name, no behaviour
const log = createLogger('bill');

// One day's reconciliation (对账): download WeChat's trade bill of that Beijing day, compare it with our
// orders, refunds and ledger (compare.ts), store the run and each new difference, and act where the
// bill proves something we missed: a payment WeChat took that we didn't credit is credited through
// the normal settlement (exactly once, as ever); a refund WeChat made that we didn't record is
// recorded as one made at WeChat. Every other difference opens a payment exception. Differences are
// unique per day, kind and reference, so a rerun finds what it found before and changes nothing.

export type BillTrigger = 'schedule' | 'cli' | 'console';

/** What each kind of difference opens as a payment exception. */
const EXCEPTION_KIND = {
  PAID_NOT_CREDITED: 'BILL_NOT_CREDITED',
  UNKNOWN_ORDER: 'UNKNOWN_ORDER',
  CREDITED_NOT_IN_BILL: 'BILL_MISSING_AT_WECHAT',
  AMOUNT_MISMATCH: 'BILL_AMOUNT_MISMATCH',
  TRANSACTION_MISMATCH: 'CONFLICTING_TRANSACTION',
  REFUND_NOT_RECORDED: 'REFUND_NOT_RECORDED',
  REFUND_NOT_IN_BILL: 'BILL_MISSING_AT_WECHAT',
  REFUND_AMOUNT_MISMATCH: 'BILL_AMOUNT_MISMATCH',
  REFUND_STATUS_MISMATCH: 'REFUND_MISMATCH',
  LEDGER_MISMATCH: 'BILL_LEDGER_MISMATCH',
} as const;

/** A run still RUNNING after this long died with its process: it no longer blocks the day. */
const STALE_RUN_MS = 10 * 60_000;

export async function reconcileBillDay(billDate: string, trigger: BillTrigger): Promise<BillRun> {
  const run = await startRun(billDate, trigger);
  try {
    const downloaded = await downloadBill(billDate);
    // Stryker disable next-line ArrayDeclaration: a row that is no bill line (a string) has no trade state, so every reader skips it
    const bill = downloaded ?? { rows: [] };
    const { orders, refunds } = await loadOurSide(billDate, bill);
    if (!downloaded && hasActivity(orders, refunds)) {
      // WeChat has no bill for a day we have payments or refunds on: not "nothing happened at WeChat"
      // (a wrong date, a bill not published yet, another merchant's keys). Storing a difference for
      // each would be permanent; the run fails and says why.
      throw new Error(
        `WeChat has no bill for ${billDate} (NO_STATEMENT_EXIST), but payments or refunds of ours are on that day`,
      );
    }
    const { differences, totals } = compareDay(bill, orders, refunds);
    let fresh = 0;
    for (const difference of differences) {
      if (await recordDifference(run, billDate, difference)) fresh++;
    }
    const done = await getDb().billRun.update({
      where: { id: run.id },
      data: {
        status: 'DONE',
        finishedAt: new Date(),
        newDifferences: fresh,
        ...totals,
        wechatPaidFen: BigInt(totals.wechatPaidFen),
        wechatRefundFen: BigInt(totals.wechatRefundFen),
        ourPaidFen: BigInt(totals.ourPaidFen),
        ourRefundFen: BigInt(totals.ourRefundFen),
        ledgerPaidFen: BigInt(totals.ledgerPaidFen),
        ledgerRefundFen: BigInt(totals.ledgerRefundFen),
      },
    });
    log.info(
      { billDate, trigger, differences: differences.length, new: fresh, ...totals },
      'bill reconciled',
    );
    return done;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error({ billDate, trigger, err: error }, 'bill reconciliation failed');
    return getDb().billRun.update({
      where: { id: run.id },
      data: { status: 'FAILED', finishedAt: new Date(), error: message.slice(0, 1000) },
    });
  }
}

/** One run of a day at a time: the partial unique index on RUNNING refuses a second. */
async function startRun(billDate: string, trigger: BillTrigger): Promise<BillRun> {
  const day = new Date(`${billDate}T00:00:00Z`);
  await getDb().billRun.updateMany({
    where: { billDate: day, status: 'RUNNING', startedAt: { lt: new Date(Date.now() - STALE_RUN_MS) } },
    data: {
      status: 'FAILED',
      finishedAt: new Date(),
      error: 'abandoned: its process ended before it finished',
    },
  });
  try {
    return await getDb().billRun.create({ data: { billDate: day, trigger } });
  } catch (error) {
    if (isUniqueViolation(error)) throw new BillRunBusyError(billDate);
    throw error;
  }
}

export class BillRunBusyError extends Error {
  constructor(billDate: string) {
    super(`the bill of ${billDate} is being reconciled already`);
    this.name = 'BillRunBusyError';
  }
}

/** WeChat's bill; null for a day without transactions at WeChat (NO_STATEMENT_EXIST). */
async function downloadBill(billDate: string): Promise<Pick<TradeBill, 'rows'> | null> {
  try {
    return await callWechatPay('background', () =>
      // Stryker disable next-line ObjectLiteral: for a smaller download only; the client unpacks it, and the bill read is the same text
      getWechatPayClient().downloadTradeBill(billDate, { tarType: 'GZIP' }),
    );
  } catch (error) {
    if (isWechatPayError(error) && error.code === 'NO_STATEMENT_EXIST') return null;
    throw error;
  }
}

function hasActivity(
  orders: ReadonlyMap<string, OurOrder>,
  refunds: ReadonlyMap<string, OurRefund>,
): boolean {
  return [...orders.values()].some((o) => o.paidOnDay) || [...refunds.values()].some((r) => r.onDay);
}

async function loadOurSide(
  billDate: string,
  bill: Pick<TradeBill, 'rows'>,
): Promise<{ orders: Map<string, OurOrder>; refunds: Map<string, OurRefund> }> {
  const { start, end } = beijingDayRange(billDate);
  const tradeNos = bill.rows.filter((r) => r.tradeState === 'SUCCESS').map((r) => r.outTradeNo);
  const refundNos = bill.rows.filter((r) => r.tradeState === 'REFUND').map((r) => r.outRefundNo);
  const orderRows = await getDb().paymentOrder.findMany({
    where: { OR: [{ outTradeNo: { in: tradeNos } }, { status: 'PAID', paidAt: { gte: start, lt: end } }] },
    select: {
      outTradeNo: true,
      status: true,
      amountFen: true,
      transactionId: true,
      paidAt: true,
      ledgerEntry: true,
    },
  });
  const orders = new Map<string, OurOrder>();
  for (const o of orderRows) {
    orders.set(o.outTradeNo, {
      outTradeNo: o.outTradeNo,
      status: o.status,
      amountFen: o.amountFen,
      transactionId: o.transactionId,
      ledgerFen: o.ledgerEntry ? Number(o.ledgerEntry.amountFen) : null,
      paidOnDay: o.paidAt !== null && o.paidAt >= start && o.paidAt < end,
    });
  }
  // Stryker disable ObjectLiteral: loading more refunds than these changes nothing: one not of the day
  // (origin, createdAt) and not in the bill is in no total and no difference but a ledger mismatch, and a
  // held refund's hold is its amount, exactly, by the database's constraint (refund_ledger_must_match);
  // the only other entry a refund has, its return, comes with CLOSED or REJECTED, which count nowhere.
  const refundRows = await getDb().refund.findMany({
    where: {
      OR: [{ outRefundNo: { in: refundNos } }, { status: 'SUCCESS', createdAt: { gte: start, lt: end } }],
    },
    include: { order: { select: { outTradeNo: true } }, ledgerEntries: { where: { kind: 'REFUND' } } },
  });
  // Stryker restore ObjectLiteral
  const refunds = new Map<string, OurRefund>();
  for (const r of refundRows) {
    const hold = r.ledgerEntries[0];
    refunds.set(r.outRefundNo, {
      outRefundNo: r.outRefundNo,
      outTradeNo: r.order.outTradeNo,
      status: r.status,
      amountFen: r.amountFen,
      held: r.held,
      ledgerFen: hold ? -Number(hold.amountFen) : null,
      onDay: r.origin === 'CONSOLE' && r.createdAt >= start && r.createdAt < end,
    });
  }
  return { orders, refunds };
}

/** Stores a difference unless this day already has it, acting on it first; answers whether it was new. */
async function recordDifference(run: BillRun, billDate: string, difference: Difference): Promise<boolean> {
  const day = new Date(`${billDate}T00:00:00Z`);
  const key = { billDate: day, kind: difference.kind, reference: difference.reference };
  if (await getDb().billDifference.findUnique({ where: { billDate_kind_reference: key } })) return false;
  const action = await act(difference);
  const exceptionKind = EXCEPTION_KIND[difference.kind];
  const details: Prisma.InputJsonObject = {
    via: 'bill',
    billDate,
    ...difference.details,
    ...(action ? { action } : {}),
  };
  try {
    await getDb().$transaction(async (tx) => {
      await recordPaymentException(
        {
          kind: exceptionKind,
          outTradeNo: difference.outTradeNo,
          details,
          transactionId: difference.row?.transactionId,
        },
        tx,
      );
      const exception = await tx.paymentException.findUniqueOrThrow({
        where: { kind_outTradeNo: { kind: exceptionKind, outTradeNo: difference.outTradeNo } },
      });
      if (action) {
        // The run did what the difference called for: the exception records it, resolved.
        await tx.paymentException.update({
          where: { id: exception.id },
          data: {
            status: 'RESOLVED',
            resolvedAt: new Date(),
            resolvedBy: 'bill-run',
            resolution: `bill ${billDate}: ${action}`,
          },
        });
      }
      await tx.billDifference.create({
        data: {
          ...key,
          outTradeNo: difference.outTradeNo,
          details,
          action,
          exceptionId: exception.id,
          foundByRunId: run.id,
        },
      });
    });
  } catch (error) {
    // A concurrent run of the same day recorded it first (runs of a day are serialized, but a
    // scheduled run may overlap a stale one being taken over).
    if (isUniqueViolation(error)) return false;
    throw error;
  }
  return true;
}

/** What the bill proves we missed, done through the normal paths (each exactly once whatever runs it). */
async function act(difference: Difference): Promise<string | null> {
  const row = difference.row;
  // Stryker disable next-line ConditionalExpression: the two kinds acted on always carry their bill line (compare.ts); the others answer null below
  if (!row) return null;
  if (difference.kind === 'PAID_NOT_CREDITED') {
    const result = await settlePaidOrder(
      {
        outTradeNo: row.outTradeNo,
        transactionId: row.transactionId,
        amountFen: row.orderAmountFen,
        paidAt: row.tradeTime,
      },
      { via: 'bill' },
    );
    return result.outcome === 'credited' || result.outcome === 'already_paid' ? 'credited' : null;
  }
  if (difference.kind === 'REFUND_NOT_RECORDED') {
    const outcome = await recordRefundFromBill(row);
    return outcome === 'recorded' || outcome === 'not_covered' ? 'recorded' : null;
  }
  return null;
}

/** As a refund made at WeChat; if its notification recorded it at the same moment, that one stands. */
async function recordRefundFromBill(row: TradeBillRow): Promise<string> {
  const record = () =>
    applyRefundState(
      {
        refundId: row.refundId,
        outRefundNo: row.outRefundNo,
        transactionId: row.transactionId,
        outTradeNo: row.outTradeNo,
        status: refundStatusOf(row.refundStatus),
        refundFen: row.requestedRefundFen,
        totalFen: row.orderAmountFen,
      },
      { via: 'bill' },
    );
  try {
    return await record();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return record();
  }
}

/**
 * The bill's 退款状态 as a refund status: v3 names, and the older spellings bills have used (REFUNDCLOSE,
 * CHANGE: the refund went elsewhere, as ABNORMAL); anything else is still under way.
 */
export function refundStatusOf(text: string): RefundStatus {
  if (text === 'SUCCESS' || text === 'CLOSED' || text === 'ABNORMAL') return text;
  if (text === 'REFUNDCLOSE') return 'CLOSED';
  if (text === 'CHANGE') return 'ABNORMAL';
  return 'PROCESSING';
}
