import 'server-only';
import { getDb } from '../db';
import type { Prisma, Refund, RefundStatus } from '../generated/prisma/client';
import { createLogger } from '../log';
import { recordPaymentException } from '../orders/payment-exceptions';
import type { WechatRefund } from '../wechat-pay';
import { isFinalRefundStatus, returnsHold } from './refund-status';
import { lockChainEnd, lockRefundable } from './refundable';

// Stryker disable next-line StringLiteral: the module name on log lines; no behaviour
const log = createLogger('refunds');

type Tx = Prisma.TransactionClient;

// The one way a refund moves on, whoever told us: WeChat's answer to our request, a query, a refund
// notification, the daily bill. Each is one transaction that locks the refund row, so duplicates and
// answers arriving out of order change nothing twice: a final refund stays as it is (a trigger
// refuses anything else), the hold is given back at most once (REFUND_RETURN is unique per refund),
// and a refund WeChat made without us (the merchant portal) is recorded and held once (out_refund_no
// is unique).

export interface RefundSource {
  via: 'create' | 'query' | 'notification' | 'bill';
  notificationId?: string;
  eventType?: string;
}

export type RefundOutcome =
  | 'applied'
  | 'unchanged'
  | 'recorded'
  | 'not_covered'
  | 'mismatch'
  | 'unknown_order'
  | 'order_not_paid';

export async function applyRefundState(refund: WechatRefund, source: RefundSource): Promise<RefundOutcome> {
  return getDb().$transaction(async (tx) => {
    const [ours] = await tx.$queryRaw<Refund[]>`
      SELECT id, out_refund_no AS "outRefundNo", order_id AS "orderId", account_id AS "accountId",
             amount_fen AS "amountFen", status::text AS status, held, wechat_refund_id AS "wechatRefundId"
      FROM refunds WHERE out_refund_no = ${refund.outRefundNo} FOR UPDATE`;
    const outcome = ours
      ? await moveOn(tx, ours, refund, source)
      : await recordWechatRefund(tx, refund, source);
    await recordNotification(tx, source, refund, outcome);
    return outcome;
  });
}

async function moveOn(
  tx: Tx,
  ours: Refund,
  refund: WechatRefund,
  source: RefundSource,
): Promise<RefundOutcome> {
  const order = await tx.paymentOrder.findUniqueOrThrow({
    where: { id: ours.orderId },
    select: { outTradeNo: true },
  });
  if (order.outTradeNo !== refund.outTradeNo || ours.amountFen !== refund.refundFen) {
    await recordPaymentException(
      {
        kind: 'REFUND_MISMATCH',
        outTradeNo: order.outTradeNo,
        orderId: ours.orderId,
        transactionId: refund.transactionId,
        details: {
          via: source.via,
          outRefundNo: ours.outRefundNo,
          ours: { outTradeNo: order.outTradeNo, amountFen: ours.amountFen },
          wechat: { outTradeNo: refund.outTradeNo, amountFen: refund.refundFen, status: refund.status },
        },
      },
      tx,
    );
    return 'mismatch';
  }
  if (isFinalRefundStatus(ours.status)) {
    if (!contradicts(ours.status, refund.status)) return 'unchanged';
    // Final here, and WeChat says otherwise in a way that moves money: paid out while the hold was
    // given back here (or the reverse). Nothing is changed automatically; someone must look.
    await recordPaymentException(
      {
        kind: 'REFUND_MISMATCH',
        outTradeNo: order.outTradeNo,
        orderId: ours.orderId,
        transactionId: refund.transactionId,
        details: { via: source.via, outRefundNo: ours.outRefundNo, ours: ours.status, wechat: refund.status },
      },
      tx,
    );
    return 'mismatch';
  }
  const status: RefundStatus = refund.status;
  if (status === ours.status && ours.wechatRefundId === refund.refundId) return 'unchanged';
  const final = isFinalRefundStatus(status);
  await tx.refund.update({
    where: { id: ours.id },
    data: {
      status,
      wechatRefundId: refund.refundId,
      succeededAt: status === 'SUCCESS' ? (refund.successTime ?? new Date()) : undefined,
      failureReason: returnsHold(status) || status === 'ABNORMAL' ? `WeChat: ${status}` : undefined,
      // Final: out of the sweep. ABNORMAL: asked about now and then, in case it is completed.
      nextCheckAt: final
        ? null
        : status === 'ABNORMAL'
          ? new Date(Date.now() + ABNORMAL_CHECK_MS)
          : undefined,
    },
  });
  if (returnsHold(status) && ours.held) await giveHoldBack(tx, ours);
  if (status === 'ABNORMAL') {
    await recordPaymentException(
      {
        kind: 'REFUND_ABNORMAL',
        outTradeNo: order.outTradeNo,
        orderId: ours.orderId,
        transactionId: refund.transactionId,
        details: {
          via: source.via,
          outRefundNo: ours.outRefundNo,
          amountFen: ours.amountFen,
          userReceivedAccount: refund.userReceivedAccount ?? null,
        },
      },
      tx,
    );
  } else if (ours.status === 'ABNORMAL') {
    await resolveAbnormal(tx, { id: ours.orderId, outTradeNo: order.outTradeNo }, `WeChat: ${status}`);
  }
  log.info(
    { outRefundNo: ours.outRefundNo, from: ours.status, to: status, via: source.via },
    'refund moved on',
  );
  return 'applied';
}

/** An ABNORMAL refund is asked about again after this long (completed in the merchant portal?). */
export const ABNORMAL_CHECK_MS = 60 * 60_000;

/**
 * Whether WeChat's state of a refund that is final here means money moved otherwise than we booked:
 * paid out (or still being paid) while the hold was given back, or closed while we kept the hold.
 * Anything else is an old answer arriving late (PROCESSING after SUCCESS, ABNORMAL after an operator
 * ended it) and changes nothing.
 */
function contradicts(ours: RefundStatus, wechat: WechatRefund['status']): boolean {
  if (ours === 'REJECTED') return wechat !== 'CLOSED';
  if (ours === 'CLOSED') return wechat === 'SUCCESS';
  return wechat === 'CLOSED';
}

/**
 * Resolves the order's REFUND_ABNORMAL (one per order) once none of its refunds is ABNORMAL any more: with
 * two ABNORMAL refunds, the first one ended must not hide the other, still held. The exception's row is
 * locked first, so of two refunds of one order leaving ABNORMAL at once the later sees the earlier's.
 */
async function resolveAbnormal(
  tx: Tx,
  order: { id: string; outTradeNo: string },
  resolution: string,
): Promise<void> {
  const outTradeNo = order.outTradeNo;
  await tx.$queryRaw`
    SELECT id FROM payment_exceptions WHERE kind = 'REFUND_ABNORMAL' AND out_trade_no = ${outTradeNo} FOR UPDATE`;
  const stillAbnormal = await tx.refund.count({ where: { orderId: order.id, status: 'ABNORMAL' } });
  if (stillAbnormal > 0) return;
  await tx.paymentException.updateMany({
    where: { kind: 'REFUND_ABNORMAL', outTradeNo, status: 'OPEN' },
    data: { status: 'RESOLVED', resolvedAt: new Date(), resolvedBy: 'system', resolution },
  });
}

/**
 * An operator ends an ABNORMAL refund (WeChat couldn't pay it out, and it won't be completed in the
 * merchant portal): CLOSED, and the hold goes back, once. Only while it is still ABNORMAL here.
 */
export async function endAbnormalRefund(refundId: string, reason: string): Promise<boolean> {
  return getDb().$transaction(async (tx) => {
    const [ours] = await tx.$queryRaw<(Refund & { outTradeNo: string })[]>`
      SELECT r.id, r.out_refund_no AS "outRefundNo", r.account_id AS "accountId", r.amount_fen AS "amountFen",
             r.status::text AS status, r.held, r.order_id AS "orderId", o.out_trade_no AS "outTradeNo"
      FROM refunds r JOIN payment_orders o ON o.id = r.order_id
      WHERE r.id = ${refundId}::uuid FOR UPDATE OF r`;
    if (ours?.status !== 'ABNORMAL') return false;
    await tx.refund.update({
      where: { id: ours.id },
      data: { status: 'CLOSED', failureReason: reason, nextCheckAt: null },
    });
    if (ours.held) await giveHoldBack(tx, ours);
    await resolveAbnormal(tx, { id: ours.orderId, outTradeNo: ours.outTradeNo }, reason);
    log.warn({ outRefundNo: ours.outRefundNo, reason }, 'abnormal refund ended: hold given back');
    return true;
  });
}

/** WeChat never took the refund (it refused the request): REJECTED, and the hold goes back, once. */
export async function rejectRefund(refundId: string, reason: string): Promise<void> {
  await getDb().$transaction(async (tx) => {
    const [ours] = await tx.$queryRaw<Refund[]>`
      SELECT id, out_refund_no AS "outRefundNo", account_id AS "accountId", amount_fen AS "amountFen",
             status::text AS status, held
      FROM refunds WHERE id = ${refundId}::uuid FOR UPDATE`;
    if (ours?.status !== 'REQUESTED') return;
    await tx.refund.update({
      where: { id: ours.id },
      data: { status: 'REJECTED', failureReason: reason, nextCheckAt: null },
    });
    if (ours.held) await giveHoldBack(tx, ours);
    log.warn({ outRefundNo: ours.outRefundNo, reason }, 'refund refused by WeChat: hold given back');
  });
}

async function giveHoldBack(tx: Tx, refund: Pick<Refund, 'id' | 'accountId' | 'amountFen'>): Promise<void> {
  // To the account the hold came from or, if it has been merged into a wallet since (sign-in), to the
  // end of its chain: a merged account stays empty. The entry credits the account itself (a trigger),
  // and is unique per refund.
  const { id: accountId } = await lockChainEnd(tx, refund.accountId);
  await tx.ledgerEntry.create({
    data: { accountId, refundId: refund.id, kind: 'REFUND_RETURN', amountFen: refund.amountFen },
  });
}

/**
 * A refund WeChat knows and we don't: made in the merchant portal. Recorded like ours, and held when
 * the balance covers it; otherwise recorded unheld with a REFUND_NOT_COVERED exception. A failed one is
 * recorded for the order's history; nothing moved.
 */
async function recordWechatRefund(
  tx: Tx,
  refund: WechatRefund,
  source: RefundSource,
): Promise<RefundOutcome> {
  const refundable = await lockRefundable(tx, { outTradeNo: refund.outTradeNo });
  if (!refundable) {
    await recordPaymentException(
      {
        kind: 'REFUND_MISMATCH',
        outTradeNo: refund.outTradeNo,
        transactionId: refund.transactionId,
        details: {
          via: source.via,
          reason: 'refund of an order we have no record of',
          ...refundDetails(refund),
        },
      },
      tx,
    );
    return 'unknown_order';
  }
  if (refundable.status !== 'PAID') return 'order_not_paid';
  const counts = !returnsHold(refund.status);
  if (counts && refund.refundFen > refundable.remainingFen) {
    // More than the order has left: our own refunds and WeChat's disagree.
    await recordPaymentException(
      {
        kind: 'REFUND_MISMATCH',
        outTradeNo: refund.outTradeNo,
        orderId: refundable.orderId,
        transactionId: refund.transactionId,
        details: {
          via: source.via,
          reason: 'exceeds what the order has left',
          remainingFen: refundable.remainingFen,
          ...refundDetails(refund),
        },
      },
      tx,
    );
    return 'mismatch';
  }
  const held = counts && BigInt(refund.refundFen) <= refundable.balanceFen;
  const created = await tx.refund.create({
    data: {
      outRefundNo: refund.outRefundNo,
      orderId: refundable.orderId,
      accountId: refundable.accountId,
      amountFen: refund.refundFen,
      status: refund.status,
      origin: 'WECHAT',
      held,
      wechatRefundId: refund.refundId,
      succeededAt: refund.status === 'SUCCESS' ? (refund.successTime ?? new Date()) : null,
      failureReason: returnsHold(refund.status) ? `WeChat: ${refund.status}` : null,
      nextCheckAt: isFinalRefundStatus(refund.status) ? null : undefined,
    },
  });
  if (held) {
    await tx.ledgerEntry.create({
      data: {
        accountId: refundable.accountId,
        refundId: created.id,
        kind: 'REFUND',
        amountFen: -refund.refundFen,
      },
    });
  }
  // A transaction seen in state REFUND had no refund recorded: now it has.
  await tx.paymentException.updateMany({
    where: { kind: 'REFUND_NOT_RECORDED', outTradeNo: refund.outTradeNo, status: 'OPEN' },
    data: {
      status: 'RESOLVED',
      resolvedAt: new Date(),
      resolvedBy: 'system',
      resolution: `refund ${refund.outRefundNo} recorded`,
    },
  });
  log.warn(
    { outRefundNo: refund.outRefundNo, outTradeNo: refund.outTradeNo, held, via: source.via },
    'refund made at WeChat recorded',
  );
  if (counts && !held) {
    await recordPaymentException(
      {
        kind: 'REFUND_NOT_COVERED',
        outTradeNo: refund.outTradeNo,
        orderId: refundable.orderId,
        transactionId: refund.transactionId,
        details: { via: source.via, balanceFen: refundable.balanceFen.toString(), ...refundDetails(refund) },
      },
      tx,
    );
    return 'not_covered';
  }
  return 'recorded';
}

function refundDetails(refund: WechatRefund): Prisma.InputJsonObject {
  return {
    outRefundNo: refund.outRefundNo,
    refundId: refund.refundId,
    refundFen: refund.refundFen,
    totalFen: refund.totalFen,
    status: refund.status,
  };
}

async function recordNotification(
  tx: Tx,
  source: RefundSource,
  refund: WechatRefund,
  outcome: RefundOutcome,
): Promise<void> {
  if (source.via !== 'notification' || !source.notificationId) return;
  await tx.paymentNotification.createMany({
    data: {
      notificationId: source.notificationId,
      eventType: source.eventType ?? `REFUND.${refund.status}`,
      outTradeNo: refund.outTradeNo,
      transactionId: refund.transactionId,
      outRefundNo: refund.outRefundNo,
      outcome,
    },
    skipDuplicates: true,
  });
}
