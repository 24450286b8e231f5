import 'server-only';
import { getDb, isUniqueViolation } from '../db';
import { getEnv } from '../env';
import type { Refund } from '../generated/prisma/client';
import { AppError } from '../http/app-error';
import { createLogger } from '../log';
import { formatYuan } from '../money';
import { callWechatPay } from '../rate-limit/wechat-pay-budget';
import { getWechatPayClient, isWechatPayError } from '../wechat-pay';
import { applyRefundState, rejectRefund } from './apply-refund-state';
import { generateOutRefundNo } from './out-refund-no';
import { lockRefundable } from './refundable';

const log = createLogger('refunds');

// An operator gives money back for a paid order. The hold comes first, in one transaction with the
// refund row, its REFUND ledger entry (which debits the balance: a trigger) and the audit record, so
// the money can't be refunded twice nor leave a balance below zero whatever happens next. Then WeChat
// is asked with the refund's out_refund_no, which every later retry reuses: WeChat refunds once per
// number. What WeChat answers moves the refund on (applyRefundState); a refusal gives the hold back
// once a signed query says WeChat has no refund under that number; anything else (a timeout, a 5xx)
// leaves it REQUESTED for the refund sweep to ask about.

export interface RefundRequest {
  outTradeNo: string;
  amountFen: number;
  reason?: string;
  /** The operator's user id: recorded on the refund and in the audit log. */
  operatorId: string;
  /** The console form's key: a double click or a resubmission makes one refund. */
  idempotencyKey: string;
}

export async function requestRefund(request: RefundRequest): Promise<Refund> {
  if (!Number.isSafeInteger(request.amountFen) || request.amountFen <= 0) {
    throw new AppError('bad_request', '退款金额必须是大于 0 的金额');
  }
  const held = await holdRefund(request);
  if (held.status !== 'REQUESTED') return held;
  return submitRefund(held, 'create');
}

async function holdRefund(request: RefundRequest): Promise<Refund> {
  try {
    return await getDb().$transaction(async (tx) => {
      const refundable = await lockRefundable(tx, { outTradeNo: request.outTradeNo });
      if (!refundable) throw new AppError('not_found', `订单 ${request.outTradeNo} 不存在`);
      const replay = await tx.refund.findUnique({
        where: {
          orderId_idempotencyKey: { orderId: refundable.orderId, idempotencyKey: request.idempotencyKey },
        },
      });
      if (replay) return replay;
      if (refundable.status !== 'PAID') {
        throw new AppError('conflict', '只有已支付的订单可以退款');
      }
      if (request.amountFen > refundable.refundableFen) {
        throw new AppError(
          'unprocessable_entity',
          `退款金额超过可退金额：最多可退 ${formatYuan(refundable.refundableFen)}`,
          { details: { refundableFen: refundable.refundableFen } },
        );
      }
      const refund = await tx.refund.create({
        data: {
          outRefundNo: generateOutRefundNo(),
          orderId: refundable.orderId,
          accountId: refundable.accountId,
          amountFen: request.amountFen,
          reason: request.reason || null,
          idempotencyKey: request.idempotencyKey,
          requestedBy: request.operatorId,
        },
      });
      await tx.ledgerEntry.create({
        data: {
          accountId: refundable.accountId,
          refundId: refund.id,
          kind: 'REFUND',
          amountFen: -request.amountFen,
        },
      });
      await tx.adminAction.create({
        data: {
          actorId: request.operatorId,
          action: 'refund.request',
          target: request.outTradeNo,
          details: {
            outRefundNo: refund.outRefundNo,
            amountFen: request.amountFen,
            reason: request.reason ?? null,
          },
        },
      });
      return refund;
    });
  } catch (error) {
    // The same form sent twice at once: the second insert met the first's unique key. A guard only:
    // the order's row lock (lockRefundable) makes the second wait for the first to commit, and then
    // find it as a replay; nothing else writes a refund with a form key.
    // Stryker disable all: unreachable while holds of one order are serialized by its row lock
    if (!isUniqueViolation(error, 'idempotency_key')) throw error;
    const order = await getDb().paymentOrder.findUniqueOrThrow({ where: { outTradeNo: request.outTradeNo } });
    return getDb().refund.findUniqueOrThrow({
      where: { orderId_idempotencyKey: { orderId: order.id, idempotencyKey: request.idempotencyKey } },
    });
  }
}

// Stryker restore all
/**
 * Asks WeChat to refund a REQUESTED refund (again: the same out_refund_no, so at most once) and applies
 * the answer. Answers the refund as it stands afterwards.
 */
export async function submitRefund(refund: Refund, lane: 'create' | 'background'): Promise<Refund> {
  const order = await getDb().paymentOrder.findUniqueOrThrow({ where: { id: refund.orderId } });
  try {
    const answer = await callWechatPay(lane, () =>
      getWechatPayClient().createRefund({
        outTradeNo: order.outTradeNo,
        outRefundNo: refund.outRefundNo,
        reason: refund.reason ?? undefined,
        refundFen: refund.amountFen,
        totalFen: order.amountFen,
        notifyUrl: refundNotifyUrl(),
      }),
    );
    await applyRefundState(answer, { via: 'create' });
  } catch (error) {
    // A refusal (NOT_ENOUGH, INVALID_REQUEST…: retrying can't help) may mean nothing left the merchant.
    if (isWechatPayError(error) && !error.retryable) {
      await confirmRefusal(refund, `${error.code}: ${error.message}`);
    } else {
      // Not known whether WeChat has it: the sweep asks (by out_refund_no) and retries with the same number.
      log.warn(
        { outRefundNo: refund.outRefundNo, err: error },
        'refund request unanswered; the sweep will ask',
      );
    }
  }
  return getDb().refund.findUniqueOrThrow({ where: { id: refund.id } });
}

/**
 * A refusal gives the hold back only once WeChat confirms it has no refund under this number (a signed
 * answer): an error body is not signed, and another send of the same number (a double click, the
 * sweep) may have been accepted meanwhile. If WeChat has it, its state is applied instead; if WeChat
 * can't be asked now, the refund stays REQUESTED for the sweep.
 */
async function confirmRefusal(refund: Refund, reason: string): Promise<void> {
  try {
    const known = await callWechatPay('background', () =>
      getWechatPayClient().queryRefund(refund.outRefundNo),
    );
    await applyRefundState(known, { via: 'query' });
  } catch (error) {
    if (isWechatPayError(error) && error.code === 'RESOURCE_NOT_EXISTS') {
      await rejectRefund(refund.id, reason);
      return;
    }
    log.warn({ outRefundNo: refund.outRefundNo, err: error }, 'refusal not confirmed; the sweep will ask');
  }
}

/** Where WeChat sends refund notifications: beside the payment notification route. */
function refundNotifyUrl(): string {
  const env = getEnv();
  return (
    env.WECHATPAY_REFUND_NOTIFY_URL ??
    new URL('/api/wechat-pay/refund-notify', env.WECHATPAY_NOTIFY_URL).toString()
  );
}
