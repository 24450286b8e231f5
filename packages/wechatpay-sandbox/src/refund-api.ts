import { type ApiResult, parseJsonBody } from './api';
import type { SandboxContext } from './context';
import { invalidRequest, resourceNotExists } from './errors';
import { toRefund } from './refund';
import { acceptRefund, refundParamsKey } from './refunds';
import {
  type CreateRefundRequest,
  createRefundSchema,
  paramError,
  parseParams,
  refundPathSchema,
} from './schemas';
import type { Order } from './store';

// The two refund endpoints (申请退款, 查询单笔退款), after the merchant signature has been verified.

/** The order a refund request names: by transaction_id when given (WeChat's precedence), else out_trade_no. */
function orderOf(ctx: SandboxContext, request: CreateRefundRequest): Order | undefined {
  if (request.transaction_id === undefined) {
    return request.out_trade_no === undefined ? undefined : ctx.store.get(request.out_trade_no);
  }
  const order = ctx.store.getByTransactionId(request.transaction_id);
  if (order && request.out_trade_no !== undefined && request.out_trade_no !== order.outTradeNo) {
    throw invalidRequest('transaction_id 与 out_trade_no 不属于同一笔订单');
  }
  return order;
}

// POST /v3/refund/domestic/refunds
export function createRefund(
  ctx: SandboxContext,
  body: string,
  contentType: string | undefined,
  nowMs = Date.now(),
): ApiResult {
  const request = parseParams(createRefundSchema, parseJsonBody(body, contentType), 'body');
  const order = orderOf(ctx, request);

  const existing = ctx.refunds.get(request.out_refund_no);
  if (existing) {
    // 同一商户退款单号多次请求只退一笔: the same request answers the same refund, as it now stands.
    if (!order || existing.paramsKey !== refundParamsKey(order.outTradeNo, request.amount)) {
      throw invalidRequest('订单金额或退款金额与之前请求不一致，请核实后再试');
    }
    return { status: 200, body: toRefund(existing) };
  }
  if (!order) throw resourceNotExists('订单不存在');

  const refund = acceptRefund(
    ctx,
    order,
    {
      outRefundNo: request.out_refund_no,
      reason: request.reason,
      notifyUrl: request.notify_url ?? ctx.refundNotifyUrl,
      fundsAccount: request.funds_account,
      refund: request.amount.refund,
      total: request.amount.total,
      from: request.amount.from,
      source: 'api',
    },
    nowMs,
  );
  return { status: 200, body: toRefund(refund) };
}

// GET /v3/refund/domestic/refunds/{out_refund_no}
export function queryRefund(ctx: SandboxContext, rawOutRefundNo: string): ApiResult {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawOutRefundNo);
  } catch {
    throw paramError('uri_template', 'out_refund_no', '校验失败：无法解码', rawOutRefundNo);
  }
  const { out_refund_no } = parseParams(refundPathSchema, { out_refund_no: decoded }, 'uri_template');
  const refund = ctx.refunds.get(out_refund_no);
  if (!refund) throw resourceNotExists('退款单不存在');
  return { status: 200, body: toRefund(refund) };
}
