// The app's HTTP API as a customer's browser uses it: the bench goes through the same routes, so
// what it measures is what polling costs, session check included.
import { randomUUID } from 'node:crypto';
import { signInViaSandbox } from '../../local/sandbox-sign-in';

export interface Order {
  orderId: string;
  /** The merchant's order number at WeChat Pay (the sandbox's key for paying it). */
  outTradeNo: string;
  /** The session cookies (token and signed snapshot) the status route checks. */
  cookie: string;
}

/** Signs a new sandbox user in through the WeChat login routes: answers the session's Cookie header. */
export async function signIn(appUrl: string, sandboxUrl: string): Promise<string> {
  const user = `test-bench-${randomUUID().slice(0, 8)}`;
  return (await signInViaSandbox({ appUrl, sandboxUrl, user })).cookieHeader;
}

/** Signs a given sandbox user in (an operator of the console, say): answers the session's Cookie header. */
export async function signInAs(appUrl: string, sandboxUrl: string, user: string): Promise<string> {
  return (await signInViaSandbox({ appUrl, sandboxUrl, user })).cookieHeader;
}

/** Creates an order for the signed-in user whose session cookies these are. */
export async function createOrder(appUrl: string, cookieHeader: string): Promise<Order> {
  const response = await fetch(`${appUrl}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: cookieHeader },
    body: JSON.stringify({ amountFen: 100 }),
  });
  const body = (await response.json().catch(() => null)) as { orderId?: string; outTradeNo?: string } | null;
  if (response.status !== 201 || !body?.orderId || !body.outTradeNo) {
    throw new Error(`POST /api/orders: ${response.status} ${JSON.stringify(body)}`);
  }
  return { orderId: body.orderId, outTradeNo: body.outTradeNo, cookie: cookieHeader };
}

/** Pays the order on the sandbox (as the phone would) and waits until the app has it as PAID. */
export async function payOrder(appUrl: string, sandboxUrl: string, order: Order): Promise<void> {
  const paid = await fetch(`${sandboxUrl}/sandbox/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ out_trade_no: order.outTradeNo }),
  });
  if (!paid.ok) throw new Error(`sandbox /sandbox/pay: ${paid.status} ${await paid.text()}`);
  const url = buildStatusUrl(appUrl, order);
  const deadline = Date.now() + 15_000;
  let last = '';
  while (Date.now() < deadline) {
    const response = await fetch(url, { headers: { cookie: order.cookie } });
    last = `${response.status} ${await response.text()}`;
    if (response.ok && (JSON.parse(last.slice(4)) as { status?: string }).status === 'PAID') return;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`order ${order.orderId} not PAID 15 s after paying it: GET ${url}: ${last}`);
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
