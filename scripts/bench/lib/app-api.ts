// The app's HTTP API as a customer's browser uses it: the bench goes through the same routes, so
// what it measures is what polling costs, session check included.
import { randomUUID } from 'node:crypto';
import { signInViaSandbox } from '../../local/sandbox-sign-in';

export interface Order {
  orderId: string;
  /** The session cookies (token and signed snapshot) the status route checks. */
  cookie: string;
}

/** Signs a new sandbox user in through the WeChat login routes: answers the session's Cookie header. */
export async function signIn(appUrl: string, sandboxUrl: string): Promise<string> {
  const user = `test-bench-${randomUUID().slice(0, 8)}`;
  return (await signInViaSandbox({ appUrl, sandboxUrl, user })).cookieHeader;
}

/** Creates an order for the signed-in user whose session cookies these are. */
export async function createOrder(appUrl: string, cookieHeader: string): Promise<Order> {
  const response = await fetch(`${appUrl}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: cookieHeader },
    body: JSON.stringify({ amountFen: 100 }),
  });
  const body = (await response.json().catch(() => null)) as { orderId?: string } | null;
  if (response.status !== 201 || !body?.orderId) {
    throw new Error(`POST /api/orders: ${response.status} ${JSON.stringify(body)}`);
  }
  return { orderId: body.orderId, cookie: cookieHeader };
}

export function buildStatusUrl(appUrl: string, order: Order): string {
  return `${appUrl}/api/orders/${order.orderId}/status`;
}

/** A floor that did more (or was cached) would flatter or sink the ratio: check it is the no-op. */
export async function expectFloor(url: string): Promise<void> {
  const response = await fetch(url);
  const body = await response.text();
  if (
    response.status !== 200 ||
    body !== '{"status":"ok"}' ||
    response.headers.get('cache-control') !== 'no-store'
  ) {
    throw new Error(
      `GET ${url}: ${response.status} ${body} cache-control=${response.headers.get('cache-control')}`,
    );
  }
}

/** The figures are for the case polling exists for: an open order waiting for its payment. */
export async function expectPendingStatus(url: string, cookie: string): Promise<void> {
  const response = await fetch(url, { headers: { cookie } });
  const body = (await response.json().catch(() => null)) as { status?: string } | null;
  if (response.status !== 200 || body?.status !== 'PENDING') {
    throw new Error(`GET ${url}: ${response.status} ${JSON.stringify(body)} (expected a PENDING order)`);
  }
}
