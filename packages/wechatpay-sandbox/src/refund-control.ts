import { z } from 'zod';
import type { SandboxContext } from './context';
import { resourceNotExists } from './errors';
import { noRefundFaults } from './faults';
import { findOrder } from './order-ref';
import { toRefund } from './refund';
import { FINAL_REFUND_STATUSES, type Refund } from './refund-store';
import { finishRefund, notifyRefundResult, portalRefund, refundableOf, releaseHeldRefunds } from './refunds';
import { isAcceptableNotifyUrl } from './schemas';
import { toBeijingRfc3339 } from './time';

// /sandbox/… routes for refunds (merged into control.ts): list them, decide their outcome, refund as the
// merchant portal would, and arm refund faults.

type Handler = (ctx: SandboxContext, body: unknown, url: URL, origin: string) => unknown;

const refundRef = z.object({ out_refund_no: z.string().min(1) });
const outcomeSchema = refundRef.extend({ status: z.enum(FINAL_REFUND_STATUSES) });
const portalSchema = z.object({
  amount: z.number().int().positive().optional(),
  reason: z.string().max(80).optional(),
  notify_url: z
    .string()
    .refine(isAcceptableNotifyUrl, 'an https URL without a query (http for this machine)')
    .optional(),
});
const refundFaultSchema = z.object({
  notEnough: z.number().int().nonnegative().optional(),
  hold: z.boolean().optional(),
});

function findRefund(ctx: SandboxContext, input: unknown): Refund {
  const { out_refund_no } = refundRef.parse(input);
  const refund = ctx.refunds.get(out_refund_no);
  if (!refund) throw resourceNotExists('退款单不存在');
  return refund;
}

function describeRefund(refund: Refund) {
  return {
    out_refund_no: refund.outRefundNo,
    out_trade_no: refund.outTradeNo,
    status: refund.status,
    source: refund.source,
    held: refund.held,
    notify_url: refund.notifyUrl ?? null,
    created_at: toBeijingRfc3339(refund.createdAtMs),
    refund: toRefund(refund),
  };
}

export const refundControlRoutes: Record<string, Handler> = {
  'GET /sandbox/refunds': (ctx, _b, url) => {
    const outTradeNo = url.searchParams.get('out_trade_no');
    const refunds = outTradeNo ? ctx.refunds.ofOrder(outTradeNo) : ctx.refunds.list();
    return refunds.map(describeRefund);
  },
  'GET /sandbox/refund': (ctx, _b, url) =>
    describeRefund(findRefund(ctx, Object.fromEntries(url.searchParams))),
  'POST /sandbox/refunds/outcome': (ctx, body) => {
    const { status } = outcomeSchema.parse(body);
    return describeRefund(finishRefund(ctx, findRefund(ctx, body), status));
  },
  'POST /sandbox/refunds/notify': (ctx, body) => ({
    event_id: notifyRefundResult(ctx, findRefund(ctx, body)) ?? null,
  }),
  'POST /sandbox/refunds/portal': (ctx, body) => {
    const options = portalSchema.parse(body);
    const order = findOrder(ctx, body);
    const refund = portalRefund(ctx, order, {
      refund: options.amount,
      reason: options.reason,
      notifyUrl: options.notify_url,
    });
    return { ...describeRefund(refund), refundable: refundableOf(ctx, order) };
  },
  'POST /sandbox/faults/refunds': (ctx, body) => {
    const input = refundFaultSchema.parse(body);
    if (input.notEnough !== undefined) ctx.refundFaults.notEnough = input.notEnough;
    if (input.hold !== undefined) ctx.refundFaults.hold = input.hold;
    if (input.hold === false) releaseHeldRefunds(ctx);
    return { refunds: ctx.refundFaults };
  },
};

/** Disarms refund faults; refunds held PROCESSING go on to succeed. */
export function resetRefundFaults(ctx: SandboxContext): void {
  ctx.refundFaults = noRefundFaults();
  releaseHeldRefunds(ctx);
}

/** Forgets refunds and bill files, cancels pending settlements, disarms refund faults. */
export function resetRefunds(ctx: SandboxContext): void {
  ctx.refundTimers.clear();
  ctx.refunds.clear();
  ctx.bills.clear();
  ctx.refundFaults = noRefundFaults();
}
