import type { BillDifferenceKind } from '../generated/prisma/client';
import type { TradeBill, TradeBillRow } from '../wechat-pay';

// The three-way comparison of one Beijing day (对账): WeChat's trade bill, our orders and refunds, and
// our ledger. Pure: the caller loads both sides and acts on what this finds.

export interface OurOrder {
  outTradeNo: string;
  status: string;
  amountFen: number;
  transactionId: string | null;
  /** Our RECHARGE ledger entry's amount (null: none). */
  ledgerFen: number | null;
  /** Whether its payment time is on the bill's day (it should then be in the bill). */
  paidOnDay: boolean;
}

export interface OurRefund {
  outRefundNo: string;
  outTradeNo: string;
  status: string;
  amountFen: number;
  held: boolean;
  /** Our REFUND ledger entry's amount, negated (null: none). */
  ledgerFen: number | null;
  /**
   * Whether the bill of the day must list it: one of ours, requested that day (WeChat lists a refund on
   * the day it accepted it). Not one learned from WeChat: WeChat has it by definition, on its own day.
   */
  onDay: boolean;
}

export interface Difference {
  kind: BillDifferenceKind;
  /** out_trade_no, or out_refund_no for refunds. */
  reference: string;
  outTradeNo: string;
  details: Record<string, string | number | boolean | null>;
  /** The bill's line, for the differences the run acts on (credit, record). */
  row?: TradeBillRow;
}

export interface Totals {
  wechatPaidCount: number;
  wechatPaidFen: number;
  wechatRefundCount: number;
  wechatRefundFen: number;
  ourPaidCount: number;
  ourPaidFen: number;
  ourRefundCount: number;
  ourRefundFen: number;
  ledgerPaidFen: number;
  ledgerRefundFen: number;
}

export function compareDay(
  bill: Pick<TradeBill, 'rows'>,
  orders: ReadonlyMap<string, OurOrder>,
  refunds: ReadonlyMap<string, OurRefund>,
): { differences: Difference[]; totals: Totals } {
  const differences: Difference[] = [];
  const payments = bill.rows.filter((row) => row.tradeState === 'SUCCESS');
  const refundRows = bill.rows.filter((row) => row.tradeState === 'REFUND');
  const inBill = new Set(payments.map((row) => row.outTradeNo));
  const refundsInBill = new Set(refundRows.map((row) => row.outRefundNo));

  for (const row of payments) {
    const order = orders.get(row.outTradeNo);
    const wechat = { wechatAmountFen: row.orderAmountFen, transactionId: row.transactionId };
    if (!order) {
      differences.push({
        kind: 'UNKNOWN_ORDER',
        reference: row.outTradeNo,
        outTradeNo: row.outTradeNo,
        details: wechat,
        row,
      });
    } else if (order.amountFen !== row.orderAmountFen) {
      differences.push({
        kind: 'AMOUNT_MISMATCH',
        reference: row.outTradeNo,
        outTradeNo: row.outTradeNo,
        details: { ...wechat, ourAmountFen: order.amountFen, ourStatus: order.status },
        row,
      });
    } else if (order.status !== 'PAID') {
      differences.push({
        kind: 'PAID_NOT_CREDITED',
        reference: row.outTradeNo,
        outTradeNo: row.outTradeNo,
        details: { ...wechat, ourStatus: order.status },
        row,
      });
    } else if (order.transactionId !== row.transactionId) {
      differences.push({
        kind: 'TRANSACTION_MISMATCH',
        reference: row.outTradeNo,
        outTradeNo: row.outTradeNo,
        details: { ...wechat, ourTransactionId: order.transactionId },
      });
    }
  }
  for (const order of orders.values()) {
    if (order.status === 'PAID' && order.paidOnDay && !inBill.has(order.outTradeNo)) {
      differences.push({
        kind: 'CREDITED_NOT_IN_BILL',
        reference: order.outTradeNo,
        outTradeNo: order.outTradeNo,
        details: { ourAmountFen: order.amountFen, transactionId: order.transactionId },
      });
    }
    if (order.status === 'PAID' && order.ledgerFen !== order.amountFen) {
      differences.push({
        kind: 'LEDGER_MISMATCH',
        reference: order.outTradeNo,
        outTradeNo: order.outTradeNo,
        details: { ourAmountFen: order.amountFen, ledgerFen: order.ledgerFen },
      });
    }
  }

  for (const row of refundRows) {
    const refund = refunds.get(row.outRefundNo);
    const wechat = {
      wechatRefundFen: row.requestedRefundFen,
      refundId: row.refundId,
      wechatStatus: row.refundStatus,
    };
    if (!refund) {
      differences.push({
        kind: 'REFUND_NOT_RECORDED',
        reference: row.outRefundNo,
        outTradeNo: row.outTradeNo,
        details: wechat,
        row,
      });
    } else if (refund.amountFen !== row.requestedRefundFen) {
      differences.push({
        kind: 'REFUND_AMOUNT_MISMATCH',
        reference: row.outRefundNo,
        outTradeNo: row.outTradeNo,
        details: { ...wechat, ourAmountFen: refund.amountFen, ourStatus: refund.status },
      });
    } else if (row.refundStatus === 'SUCCESS' && RETURNED.has(refund.status)) {
      // Paid out at WeChat, given back here: the one case where money left twice.
      differences.push({
        kind: 'REFUND_STATUS_MISMATCH',
        reference: row.outRefundNo,
        outTradeNo: row.outTradeNo,
        details: { ...wechat, ourStatus: refund.status },
      });
    }
  }
  for (const refund of refunds.values()) {
    if (refund.status === 'SUCCESS' && refund.onDay && !refundsInBill.has(refund.outRefundNo)) {
      differences.push({
        kind: 'REFUND_NOT_IN_BILL',
        reference: refund.outRefundNo,
        outTradeNo: refund.outTradeNo,
        details: { ourAmountFen: refund.amountFen },
      });
    }
    const counts = refund.held && ['REQUESTED', 'PROCESSING', 'ABNORMAL', 'SUCCESS'].includes(refund.status);
    if (counts && refund.ledgerFen !== refund.amountFen) {
      differences.push({
        kind: 'LEDGER_MISMATCH',
        reference: refund.outRefundNo,
        outTradeNo: refund.outTradeNo,
        details: { ourAmountFen: refund.amountFen, ledgerFen: refund.ledgerFen },
      });
    }
  }

  const paidOnDay = [...orders.values()].filter((o) => o.status === 'PAID' && o.paidOnDay);
  const refundsOnDay = [...refunds.values()].filter((r) => r.status === 'SUCCESS' && r.onDay);
  const totals: Totals = {
    wechatPaidCount: payments.length,
    wechatPaidFen: sum(payments.map((row) => row.orderAmountFen)),
    wechatRefundCount: refundRows.length,
    wechatRefundFen: sum(refundRows.map((row) => row.requestedRefundFen)),
    ourPaidCount: paidOnDay.length,
    ourPaidFen: sum(paidOnDay.map((o) => o.amountFen)),
    ourRefundCount: refundsOnDay.length,
    ourRefundFen: sum(refundsOnDay.map((r) => r.amountFen)),
    ledgerPaidFen: sum(paidOnDay.map((o) => o.ledgerFen ?? 0)),
    ledgerRefundFen: sum(refundsOnDay.map((r) => r.ledgerFen ?? 0)),
  };
  return { differences, totals };
}

/** Refund statuses whose hold went back to the balance here. */
const RETURNED = new Set(['CLOSED', 'REJECTED']);

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
