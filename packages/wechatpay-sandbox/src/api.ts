import type { SandboxContext } from './context';
import { noAuth, orderClosed, orderNotExist, orderPaid, WechatPayError } from './errors';
import {
  closeOrderSchema,
  createOrderSchema,
  paramError,
  parseParams,
  pathParamsSchema,
  queryParamsSchema,
} from './schemas';
import { DEFAULT_UNPAID_EXPIRY_MS, type Order, paramsKeyOf } from './store';
import { toTransaction } from './transaction';

// The three Native endpoints, after the merchant signature has been verified (api-route.ts). Each returns
// the status and body to sign, or throws a WechatPayError.

export interface ApiResult {
  status: number;
  body?: unknown;
  /** A file answered as is, unsigned (the bill download), instead of a signed JSON body. */
  file?: Buffer;
}

export function parseJsonBody(body: string, contentType: string | undefined): unknown {
  if (!contentType?.toLowerCase().includes('application/json')) {
    throw new WechatPayError(400, 'INVALID_REQUEST', 'Content-Type 须为 application/json');
  }
  try {
    return JSON.parse(body);
  } catch {
    throw new WechatPayError(400, 'PARAM_ERROR', '请求体不是合法的 JSON');
  }
}

function assertOwnMchid(ctx: SandboxContext, mchid: string): void {
  if (mchid !== ctx.mchid) throw noAuth(`mchid ${mchid} 与发起请求的商户号不一致`);
}

function parseOutTradeNo(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw paramError('uri_template', 'out_trade_no', '校验失败：无法解码', raw);
  }
  return parseParams(pathParamsSchema, { out_trade_no: decoded }, 'uri_template').out_trade_no;
}

// POST /v3/pay/transactions/native
export function createNativeOrder(
  ctx: SandboxContext,
  body: string,
  contentType: string | undefined,
  nowMs = Date.now(),
): ApiResult {
  const request = parseParams(createOrderSchema, parseJsonBody(body, contentType), 'body');
  assertOwnMchid(ctx, request.mchid);
  if (request.appid !== ctx.appid) {
    throw new WechatPayError(400, 'APPID_MCHID_NOT_MATCH', 'AppID和mch_id不匹配');
  }

  const existing = ctx.store.get(request.out_trade_no, nowMs);
  if (existing) {
    // A retry with identical parameters is the same order; anything else reuses a number.
    if (existing.paramsKey !== paramsKeyOf(request)) {
      throw new WechatPayError(403, 'OUT_TRADE_NO_USED', '商户订单号重复');
    }
    if (existing.state === 'SUCCESS') throw orderPaid();
    if (existing.state !== 'NOTPAY') throw orderClosed();
    return { status: 200, body: { code_url: existing.codeUrl } };
  }

  const expiresAtMs = request.time_expire
    ? Date.parse(request.time_expire)
    : nowMs + DEFAULT_UNPAID_EXPIRY_MS;
  if (Number.isNaN(expiresAtMs)) {
    throw paramError('body', 'time_expire', '校验失败：不是有效的时间', request.time_expire);
  }
  if (expiresAtMs <= nowMs) {
    throw paramError('body', 'time_expire', '校验失败：支付结束时间须晚于当前时间', request.time_expire);
  }
  const order: Order = {
    appid: request.appid,
    mchid: request.mchid,
    description: request.description,
    outTradeNo: request.out_trade_no,
    attach: request.attach,
    notifyUrl: request.notify_url,
    total: request.amount.total,
    currency: request.amount.currency ?? 'CNY',
    timeExpire: request.time_expire,
    expiresAtMs,
    createdAtMs: nowMs,
    codeUrl: ctx.store.unusedCodeUrl(),
    paramsKey: paramsKeyOf(request),
    state: 'NOTPAY',
  };
  ctx.store.add(order);
  return { status: 200, body: { code_url: order.codeUrl } };
}

// GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=
export function queryOrder(ctx: SandboxContext, rawOutTradeNo: string, query: URLSearchParams): ApiResult {
  const outTradeNo = parseOutTradeNo(rawOutTradeNo);
  const { mchid } = parseParams(queryParamsSchema, Object.fromEntries(query), 'query');
  assertOwnMchid(ctx, mchid);
  const order = ctx.store.get(outTradeNo);
  if (!order) throw orderNotExist();
  return { status: 200, body: toTransaction(order) };
}

// POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close
export function closeOrder(
  ctx: SandboxContext,
  rawOutTradeNo: string,
  body: string,
  contentType: string | undefined,
): ApiResult {
  const outTradeNo = parseOutTradeNo(rawOutTradeNo);
  const { mchid } = parseParams(closeOrderSchema, parseJsonBody(body, contentType), 'body');
  assertOwnMchid(ctx, mchid);
  const order = ctx.store.get(outTradeNo);
  if (!order) throw orderNotExist();
  if (order.state === 'SUCCESS') throw orderPaid();
  if (order.state !== 'CLOSED') {
    order.state = 'CLOSED';
    order.closedBy = 'merchant';
  }
  return { status: 204 };
}
