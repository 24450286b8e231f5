import type { SandboxContext } from './context';
import { orderClosed, orderPaid } from './errors';
import { randomDigits } from './random';
import type { Order } from './store';
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

/** Pays the order and starts the TRANSACTION.SUCCESS notification. */
export function payOrder(ctx: SandboxContext, order: Order, nowMs = Date.now()): Order {
  assertPayable(order);
  order.state = 'SUCCESS';
  order.transactionId = newTransactionId(nowMs);
  order.successTime = toBeijingRfc3339(nowMs);
  order.payerOpenid = ctx.payerOpenid;
  ctx.logger.info(
    { outTradeNo: order.outTradeNo, total: order.total, transactionId: order.transactionId },
    'paid',
  );
  ctx.notifier.notifyPaid(order);
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
