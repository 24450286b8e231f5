import { type OrderStatusView, orderStatusViewSchema } from '@/lib/schemas/order';

/** 404 from the status route: the order does not exist or belongs to another visitor. Not worth retrying. */
export class OrderNotFoundError extends Error {
  constructor() {
    super('order not found');
    this.name = 'OrderNotFoundError';
  }
}

export function orderStatusUrl(orderId: string): string {
  return `/api/orders/${encodeURIComponent(orderId)}/status`;
}

/** GET /api/orders/{orderId}/status, as the SWR fetcher and for the one-off re-check. */
export async function fetchOrderStatus(url: string): Promise<OrderStatusView> {
  const response = await fetch(url, { cache: 'no-store', headers: { Accept: 'application/json' } });
  if (response.status === 404) throw new OrderNotFoundError();
  if (!response.ok) throw new Error(`status route answered ${response.status}`);
  return orderStatusViewSchema.parse(await response.json());
}
