// Every URL the browser asks for, built here only: our API routes, and the result page that the
// payment flow ends on (app/recharge/[orderId]/page.tsx).

export const ORDERS_PATH = '/api/orders';

export function orderStatusPath(orderId: string): string {
  return `/api/orders/${encodeURIComponent(orderId)}/status`;
}

export function rechargeResultPath(orderId: string): string {
  return `/recharge/${encodeURIComponent(orderId)}`;
}
