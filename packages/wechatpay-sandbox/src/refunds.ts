import type { SandboxContext } from './context';
import { invalidRequest, notEnough, resourceNotExists, WechatPayError } from './errors';
import { randomDigits } from './random';
import type { FinalRefundStatus, Refund, RefundFrom } from './refund-store';
import type { Order } from './store';
import { toBeijingDateStamp } from './time';

// A refund's life at WeChat: accepted PROCESSING (or refused with WeChat's error), then SUCCESS after
// refundDelayMs unless refunds are held, or ABNORMAL/CLOSED when the control API says so. Reaching a final
// state sends a REFUND.* notification to the URL resolved at acceptance. What CLOSED/ABNORMAL refunds had
// taken becomes refundable again.

/** 申请退款: "每个支付订单的部分退款次数不能超过50次". */
const MAX_REFUNDS_PER_ORDER = 50;

export interface RefundRequest {
  outRefundNo: string;
  reason?: string;
  notifyUrl?: string;
  fundsAccount?: 'AVAILABLE' | 'UNSETTLED';
  refund: number;
  total: number;
  from?: RefundFrom[];
  source: Refund['source'];
}

/** What a repeated request with the same out_refund_no must match to be the same refund. */
export function refundParamsKey(
  outTradeNo: string,
  request: Pick<RefundRequest, 'refund' | 'total' | 'from'>,
) {
  return JSON.stringify([outTradeNo, request.refund, request.total, request.from ?? null]);
}

/** Fen still refundable: failed refunds (CLOSED, ABNORMAL) give back what they had taken. */
export function refundableOf(ctx: SandboxContext, order: Order): number {
  const taken = ctx.refunds
    .ofOrder(order.outTradeNo)
    .filter((r) => r.status === 'PROCESSING' || r.status === 'SUCCESS')
    .reduce((sum, r) => sum + r.refund, 0);
  return order.total - taken;
}

function newRefundId(nowMs: number): string {
  return `50${randomDigits(8)}${toBeijingDateStamp(nowMs)}${randomDigits(11)}`;
}

/** Accepts a refund of a paid order (PROCESSING), or throws the error WeChat answers instead. */
export function acceptRefund(
  ctx: SandboxContext,
  order: Order,
  request: RefundRequest,
  nowMs = Date.now(),
): Refund {
  if (order.state !== 'SUCCESS' || !order.transactionId) {
    throw resourceNotExists('订单未支付，不能发起退款');
  }
  if (request.total !== order.total) {
    throw invalidRequest('原订单金额（amount.total）与订单实际金额不一致，请核实后再试');
  }
  if (ctx.refunds.ofOrder(order.outTradeNo).length >= MAX_REFUNDS_PER_ORDER) {
    throw invalidRequest(`每个支付订单的部分退款次数不能超过${MAX_REFUNDS_PER_ORDER}次`);
  }
  if (request.refund > refundableOf(ctx, order)) throw invalidRequest('申请退款金额超过订单可退金额');
  if (ctx.refundFaults.notEnough > 0) {
    ctx.refundFaults.notEnough--;
    throw notEnough();
  }
  const refund: Refund = {
    outRefundNo: request.outRefundNo,
    refundId: newRefundId(nowMs),
    outTradeNo: order.outTradeNo,
    transactionId: order.transactionId,
    reason: request.reason,
    notifyUrl: request.notifyUrl,
    fundsAccount: request.fundsAccount ?? 'UNSETTLED',
    refund: request.refund,
    total: order.total,
    currency: 'CNY',
    from: request.from,
    refundFee: ctx.feeRate.feeOf(request.refund),
    paramsKey: refundParamsKey(order.outTradeNo, request),
    status: 'PROCESSING',
    createdAtMs: nowMs,
    source: request.source,
    held: false,
  };
  ctx.refunds.add(refund);
  const { outRefundNo, outTradeNo, source } = refund;
  ctx.logger.info({ outRefundNo, outTradeNo, refund: refund.refund, source }, 'refund accepted');
  settleLater(ctx, refund);
  return refund;
}

function settleLater(ctx: SandboxContext, refund: Refund): void {
  if (ctx.refundFaults.hold) {
    refund.held = true;
    return;
  }
  ctx.refundTimers.after(ctx.refundDelayMs, () => {
    if (refund.status === 'PROCESSING' && !refund.held) finishRefund(ctx, refund, 'SUCCESS');
  });
}

/** Lets refunds held PROCESSING go on to succeed after the usual delay. */
export function releaseHeldRefunds(ctx: SandboxContext): void {
  for (const refund of ctx.refunds.list()) {
    if (refund.held && refund.status === 'PROCESSING') {
      refund.held = false;
      settleLater(ctx, refund);
    }
  }
}

/** Moves a PROCESSING refund to its final state and notifies the merchant. */
export function finishRefund(
  ctx: SandboxContext,
  refund: Refund,
  status: FinalRefundStatus,
  nowMs = Date.now(),
): Refund {
  if (refund.status !== 'PROCESSING') {
    throw new WechatPayError(409, 'REFUND_NOT_PROCESSING', `退款单已是终态 ${refund.status}`);
  }
  refund.status = status;
  refund.held = false;
  if (status === 'SUCCESS') {
    refund.successAtMs = nowMs;
    const order = ctx.store.get(refund.outTradeNo);
    if (order) order.refunded = true;
  }
  ctx.logger.info(
    { outRefundNo: refund.outRefundNo, outTradeNo: refund.outTradeNo, status },
    'refund finished',
  );
  notifyRefundResult(ctx, refund);
  return refund;
}

/** Sends the refund's REFUND.* notification (again); undefined when it has no URL to go to. */
export function notifyRefundResult(ctx: SandboxContext, refund: Refund): string | undefined {
  const { status } = refund;
  if (status === 'PROCESSING')
    throw new WechatPayError(409, 'REFUND_NOT_FINISHED', '处理中的退款没有退款结果通知');
  if (!refund.notifyUrl) {
    ctx.logger.info({ outRefundNo: refund.outRefundNo }, 'refund not notified: no refund notify URL');
    return undefined;
  }
  return ctx.notifier.notifyRefund({ ...refund, status }, refund.notifyUrl, ctx.mchid);
}

/**
 * A refund made in WeChat's merchant portal: the merchant's system did not ask for it, so its out_refund_no
 * is one the portal makes up (`PORTAL_` + Beijing date + 10 digits here) and it is notified to the refund
 * notify URL configured in the portal, not to any order's notify_url.
 */
export function portalRefund(
  ctx: SandboxContext,
  order: Order,
  options: { refund?: number; reason?: string; notifyUrl?: string },
  nowMs = Date.now(),
): Refund {
  const refundable = refundableOf(ctx, order);
  if (order.state === 'SUCCESS' && refundable <= 0) throw invalidRequest('订单已全额退款');
  return acceptRefund(
    ctx,
    order,
    {
      outRefundNo: unusedPortalRefundNo(ctx, nowMs),
      reason: options.reason,
      notifyUrl: options.notifyUrl ?? ctx.refundNotifyUrl,
      refund: options.refund ?? refundable,
      total: order.total,
      source: 'portal',
    },
    nowMs,
  );
}

function unusedPortalRefundNo(ctx: SandboxContext, nowMs: number): string {
  for (;;) {
    const outRefundNo = `PORTAL_${toBeijingDateStamp(nowMs)}${randomDigits(10)}`;
    if (!ctx.refunds.get(outRefundNo)) return outRefundNo;
  }
}
