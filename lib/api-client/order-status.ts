import type { OrderStatusView } from '../schemas/order-status';
import { decodeOrderStatusView } from './answers';
import { callApi, decodeApiError } from './call-api';
import { orderStatusPath } from './paths';

/** 404 from the status route: the order does not exist or belongs to another visitor. Not worth retrying. */
export class OrderNotFoundError extends Error {
  constructor() {
    super('order not found');
    this.name = 'OrderNotFoundError';
  }
}

/** 429 from the status route: too many polls from this address. The message is the server's, for the payer. */
export class PollingLimitedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PollingLimitedError';
  }
}

/** What the page says while polls fail: the server's own words when it limited us, else the network. */
export function pollTroubleMessage(error: unknown): string {
  return error instanceof PollingLimitedError ? error.message : '网络不稳定，正在重试查询支付结果…';
}

/**
 * GET /api/orders/{orderId}/status. Shaped as an SWR fetcher keyed by the order id (the polling
 * payment panel and result page), and called directly for a one-off re-check.
 */
export async function fetchOrderStatus(orderId: string): Promise<OrderStatusView> {
  const { status, body } = await callApi(orderStatusPath(orderId));
  if (status === 404) throw new OrderNotFoundError();
  if (status === 429)
    throw new PollingLimitedError(decodeApiError(body)?.message ?? '查询过于频繁，请稍后再试');
  if (status < 200 || status >= 300) throw new Error(`status route answered ${status}`);
  const view = decodeOrderStatusView(body);
  if (!view) throw new Error('status route answered something else than an order status');
  return view;
}
