import { type OrderStatusView, orderStatusViewSchema } from '../schemas/order';
import { callApi } from './call-api';
import { orderStatusPath } from './paths';

/** 404 from the status route: the order does not exist or belongs to another visitor. Not worth retrying. */
export class OrderNotFoundError extends Error {
  constructor() {
    super('order not found');
    this.name = 'OrderNotFoundError';
  }
}

/**
 * GET /api/orders/{orderId}/status. Shaped as an SWR fetcher keyed by the order id (the polling
 * payment panel and result page), and called directly for a one-off re-check.
 */
export async function fetchOrderStatus(orderId: string): Promise<OrderStatusView> {
  const { status, body } = await callApi(orderStatusPath(orderId));
  if (status === 404) throw new OrderNotFoundError();
  if (status < 200 || status >= 300) throw new Error(`status route answered ${status}`);
  return orderStatusViewSchema.parse(body);
}
