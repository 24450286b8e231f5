// A second instance of the app in a process of its own (own module state, pools, Redis client and
// circuit breaker; same PostgreSQL, Redis and WeChat Pay sandbox, from the environment), serving the
// domain's entry points over HTTP for tests/integration/instances/. Run with
// `node --conditions react-server --import tsx` (so that `server-only` imports are allowed, as in
// Next's server).
// Prints `listening <port>` once ready.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getOrderStatusForAccount } from '@/lib/orders/get-order-status';
import { handlePaymentNotification } from '@/lib/orders/handle-payment-notification';
import { reconcileDueOrders } from '@/lib/orders/reconcile-stale-orders';

const server = createServer(async (request, response) => {
  const url = new URL(request.url ?? '/', 'http://instance');
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const send = (status: number, body?: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body === undefined ? undefined : JSON.stringify(body));
  };
  try {
    if (request.method === 'POST' && url.pathname === '/notify') {
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers))
        if (typeof value === 'string') headers.set(name, value);
      const answer = await handlePaymentNotification(headers, Buffer.concat(chunks));
      return answer.status === 204 ? send(204) : send(answer.status, answer.body);
    }
    if (request.method === 'GET' && url.pathname === '/status') {
      const view = await getOrderStatusForAccount(
        url.searchParams.get('orderId') ?? '',
        url.searchParams.get('accountId'),
        (task) => void task(),
      );
      return send(200, view);
    }
    if (request.method === 'POST' && url.pathname === '/sweep') {
      const now = new Date(url.searchParams.get('now') ?? Date.now());
      return send(200, await reconcileDueOrders({ now }));
    }
    send(404, { error: 'no such entry point' });
  } catch (error) {
    send(500, { error: error instanceof Error ? error.message : String(error) });
  }
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
