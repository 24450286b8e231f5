import type { SandboxContext } from './context';
import { orderClosed, orderPaid, WechatPayError } from './errors';
import { randomDigits } from './random';
import { DEFAULT_UNPAID_EXPIRY_MS, type Order } from './store';
import { toBeijingDateStamp, toBeijingRfc3339 } from './time';

// What the payer (phone page) and the control API can do to an order. All synchronous on the in-memory
// store, so two concurrent "pay" clicks cannot both succeed.

function assertPayable(order: Order): void {
  if (order.state === 'SUCCESS') throw orderPaid();
  if (order.state === 'PAYERROR') throw orderClosed('订单支付失败，请重新下单');
  if (order.state === 'CLOSED') {
    throw orderClosed(order.closedBy === 'expiry' ? '二维码已过期，请重新下单' : '订单已关闭，请重新下单');
  }
}

/** 28 digits like WeChat's: 4200 + 6 digits + Beijing date + 10 digits. */
function newTransactionId(nowMs: number): string {
  return `4200${randomDigits(6)}${toBeijingDateStamp(nowMs)}${randomDigits(10)}`;
}

export interface PayOptions {
  /** false: paid at WeChat, but no TRANSACTION.SUCCESS is sent (the merchant learns of it only by asking). */
  notify?: boolean;
  nowMs?: number;
}

/** Pays the order and (unless told not to) starts the TRANSACTION.SUCCESS notification. */
export function payOrder(
  ctx: SandboxContext,
  order: Order,
  { notify = true, nowMs = Date.now() }: PayOptions = {},
): Order {
  assertPayable(order);
  order.state = 'SUCCESS';
  order.transactionId = newTransactionId(nowMs);
  order.successTime = toBeijingRfc3339(nowMs);
  order.payerOpenid = ctx.payerOpenid;
  ctx.logger.info(
    { outTradeNo: order.outTradeNo, total: order.total, transactionId: order.transactionId },
    'paid',
  );
  if (notify) ctx.notifier.notifyPaid(order);
  else ctx.logger.info({ outTradeNo: order.outTradeNo }, 'payment notification suppressed');
  return order;
}

/** A failed payment: PAYERROR, visible only through the query API (WeChat notifies successes only). */
export function failOrder(ctx: SandboxContext, order: Order): Order {
  assertPayable(order);
  order.state = 'PAYERROR';
  ctx.logger.info({ outTradeNo: order.outTradeNo }, 'payment failed');
  return order;
}

/** Closes on WeChat's side (not the merchant's close API): for CLOSED outcomes in tests. */
export function closeOrderBySandbox(ctx: SandboxContext, order: Order): Order {
  if (order.state === 'SUCCESS') throw orderPaid();
  if (order.state !== 'CLOSED') {
    order.state = 'CLOSED';
    order.closedBy = 'sandbox';
    ctx.logger.info({ outTradeNo: order.outTradeNo }, 'closed by the sandbox');
  }
  return order;
}

export interface UnknownPayment {
  outTradeNo?: string;
  total: number;
  description: string;
  paidAtMs: number;
}

/**
 * A payment the merchant never heard of: an order WeChat holds as paid, created and paid here without any
 * notification, so that it exists only at WeChat (query API) and in the trade bill.
 */
export function recordUnknownPayment(ctx: SandboxContext, payment: UnknownPayment): Order {
  const outTradeNo = payment.outTradeNo ?? unusedOutTradeNo(ctx, payment.paidAtMs);
  if (ctx.store.get(outTradeNo)) throw new WechatPayError(403, 'OUT_TRADE_NO_USED', '商户订单号重复');
  const order: Order = {
    appid: ctx.appid,
    mchid: ctx.mchid,
    description: payment.description,
    outTradeNo,
    attach: undefined,
    notifyUrl: '',
    total: payment.total,
    currency: 'CNY',
    timeExpire: undefined,
    expiresAtMs: payment.paidAtMs + DEFAULT_UNPAID_EXPIRY_MS,
    createdAtMs: payment.paidAtMs,
    codeUrl: ctx.store.unusedCodeUrl(),
    // Matches no create call: the merchant re-using this number gets OUT_TRADE_NO_USED.
    paramsKey: JSON.stringify(['unknown to the merchant', outTradeNo]),
    state: 'NOTPAY',
  };
  ctx.store.add(order);
  return payOrder(ctx, order, { notify: false, nowMs: payment.paidAtMs });
}

function unusedOutTradeNo(ctx: SandboxContext, nowMs: number): string {
  for (;;) {
    const outTradeNo = `UNKNOWN${toBeijingDateStamp(nowMs)}${randomDigits(10)}`;
    if (!ctx.store.get(outTradeNo)) return outTradeNo;
  }
}
