// Every URL the browser asks for, built here only: our API routes, and the result page that the
// payment flow ends on (app/recharge/[orderId]/page.tsx).

export const ORDERS_PATH = '/api/orders';

export function orderStatusPath(orderId: string): string {
  return `/api/orders/${encodeURIComponent(orderId)}/status`;
}

export function rechargeResultPath(orderId: string): string {
  return `/recharge/${encodeURIComponent(orderId)}`;
}

/** Better Auth's routes (app/api/auth/[...all]): start a WeChat sign-in, end the session. */
export const SIGN_IN_SOCIAL_PATH = '/api/auth/sign-in/social';
export const SIGN_OUT_PATH = '/api/auth/sign-out';

export const ORDER_HISTORY_PATH = '/orders';
