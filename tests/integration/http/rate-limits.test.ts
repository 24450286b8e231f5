// Abuse limits on the real route handlers, against real Redis (through the Upstash REST bridge) and a
// real database: order creation per user and per client address, status polling per address, 429
// with Retry-After and a zh-CN message, nothing created over a limit, addresses a client can't choose,
// and the poll's limit travelling in the same Redis round trip as its status read.
import { randomInt, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getAuth } from '@/lib/auth/auth';
import { getDb } from '@/lib/db';
import { resetEnvForTests } from '@/lib/env';
import { PEER_ADDRESS_HEADER } from '@/lib/http/client-address';
import { writeCachedOrderStatus } from '@/lib/orders/order-status-cache';
import { signInViaSandbox } from '../../../scripts/local/sandbox-sign-in';
import { type AuthHarness, startAuthHarness } from '../../support/auth-harness';

const session = { cookieHeader: '' };
vi.mock('next/headers', () => ({
  headers: async () => new Headers({ cookie: session.cookieHeader }),
  cookies: async () => ({ get: () => undefined, set: () => {}, delete: () => {} }),
}));

const { POST: createOrder } = await import('@/app/api/orders/route');
const { GET: pollStatus } = await import('@/app/api/orders/[orderId]/status/route');

const LIMITS = {
  ORDER_RATE_LIMIT_PER_USER_PER_MINUTE: '3',
  ORDER_RATE_LIMIT_PER_IP_PER_MINUTE: '5',
  STATUS_POLL_RATE_LIMIT_PER_IP_PER_MINUTE: '4',
};

/** Counts what reaches the Redis REST endpoint: requests (round trips) and the commands they carry. */
interface RedisTraffic {
  requests: number;
  commands: number;
}
const traffic: RedisTraffic = { requests: 0, commands: 0 };
let redisProxy: Server;

let harness: AuthHarness;
const db = getDb();
const users: Record<'a' | 'b' | 'c' | 'd' | 'e', { id: string; cookie: string }> = {} as never;

/** A fresh address per case: windows last a minute and Redis outlives a run. */
const newAddress = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

beforeAll(async () => {
  // Every Redis command of the app goes through a counting proxy in front of the bridge.
  redisProxy = await startCountingProxy(process.env.UPSTASH_REDIS_REST_URL ?? '');
  process.env.UPSTASH_REDIS_REST_URL = `http://127.0.0.1:${(redisProxy.address() as AddressInfo).port}`;
  (globalThis as { __redis?: unknown }).__redis = undefined;
  Object.assign(process.env, LIMITS, { TRUSTED_PROXY_COUNT: '0' });
  resetEnvForTests();

  harness = await startAuthHarness();
  for (const name of ['a', 'b', 'c', 'd', 'e'] as const) {
    const cookie = (
      await signInViaSandbox({
        appUrl: harness.appUrl,
        sandboxUrl: harness.sandbox.url,
        user: `test-${randomUUID().slice(0, 8)}`,
      })
    ).cookieHeader;
    const current = await getAuth().api.getSession({ headers: new Headers({ cookie }) });
    users[name] = { id: current?.user.id ?? '', cookie };
  }
});
afterAll(async () => {
  await harness.close();
  await new Promise<void>((resolve) => redisProxy.close(() => resolve()));
  (globalThis as { __redis?: unknown }).__redis = undefined;
  await db.$disconnect();
});

function withTrustedProxies(count: number): void {
  process.env.TRUSTED_PROXY_COUNT = String(count);
  resetEnvForTests();
}

function post(user: { cookie: string }, headers: Record<string, string>, body = '{"amountFen":0}') {
  session.cookieHeader = user.cookie;
  const request = new Request(`${harness.appUrl}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return createOrder(request as never, undefined as never);
}

function poll(user: { cookie: string }, orderId: string, headers: Record<string, string>) {
  session.cookieHeader = user.cookie;
  const request = new Request(`${harness.appUrl}/api/orders/${orderId}/status`, { headers });
  return pollStatus(request as never, { params: Promise.resolve({ orderId }) });
}

async function expectLimited(response: Response, message: RegExp): Promise<void> {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('rate_limited');
  expect(body.error.message).toMatch(message);
  expect(body.error.message).toContain(`${retryAfter} 秒`);
  expect(response.headers.get('cache-control')).toBe('no-store');
}

const ordersOf = (userId: string) => db.paymentOrder.count({ where: { accountId: userId } });

describe('order creation limits', () => {
  it('limits one user to ORDER_RATE_LIMIT_PER_USER_PER_MINUTE attempts, from any address', async () => {
    withTrustedProxies(0);
    for (let attempt = 0; attempt < 3; attempt++) {
      // Each attempt from another address: the per-user limit follows the person.
      expect((await post(users.a, { [PEER_ADDRESS_HEADER]: newAddress() })).status).toBe(422);
    }
    await expectLimited(await post(users.a, { [PEER_ADDRESS_HEADER]: newAddress() }), /^下单过于频繁/);
    // A valid order over the limit creates nothing.
    const over = await post(users.a, { [PEER_ADDRESS_HEADER]: newAddress() }, '{"amountFen":100}');
    expect(over.status).toBe(429);
    expect(await ordersOf(users.a.id)).toBe(0);
  });

  it('limits one address to ORDER_RATE_LIMIT_PER_IP_PER_MINUTE attempts, whoever is signed in', async () => {
    withTrustedProxies(0);
    const shared = { [PEER_ADDRESS_HEADER]: newAddress() };
    for (let attempt = 0; attempt < 3; attempt++) expect((await post(users.b, shared)).status).toBe(422);
    for (let attempt = 0; attempt < 2; attempt++) expect((await post(users.c, shared)).status).toBe(422);
    await expectLimited(await post(users.c, shared), /^当前网络下单过于频繁/);
    // Whoever else tries from that address is refused; from another address they are let through.
    await expectLimited(await post(users.d, shared), /^当前网络下单过于频繁/);
    expect((await post(users.d, { [PEER_ADDRESS_HEADER]: newAddress() })).status).toBe(422);
  });
});

describe('status polling limit and the client address', () => {
  const paidOrder = async (userId: string) => {
    const orderId = randomUUID();
    await writeCachedOrderStatus({
      orderId,
      accountId: userId,
      status: 'PAID',
      amountFen: 100,
      createdAtMs: Date.now(),
      updatedAt: new Date().toISOString(),
    });
    return orderId;
  };

  it('limits polls per address, answering within the limit from Redis', async () => {
    withTrustedProxies(0);
    const orderId = await paidOrder(users.d.id);
    const from = { [PEER_ADDRESS_HEADER]: newAddress() };
    for (let attempt = 0; attempt < 4; attempt++) {
      const response = await poll(users.d, orderId, from);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ orderId, status: 'PAID' });
    }
    await expectLimited(await poll(users.d, orderId, from), /^查询过于频繁/);
  });

  it.each([
    { proxies: 0, name: 'with no proxy counted, X-Forwarded-For is ignored' },
    { proxies: 1, name: 'behind one proxy, only the entry it appended counts' },
  ])('$name: a client rewriting the header stays in its own bucket', async ({ proxies }) => {
    withTrustedProxies(proxies);
    const orderId = await paidOrder(users.e.id);
    const real = newAddress();
    const spoofed = (attempt: number) =>
      proxies === 0
        ? { [PEER_ADDRESS_HEADER]: real, 'x-forwarded-for': `198.51.100.${attempt}` }
        : { [PEER_ADDRESS_HEADER]: '10.255.255.1', 'x-forwarded-for': `198.51.100.${attempt}, ${real}` };
    for (let attempt = 0; attempt < 4; attempt++)
      expect((await poll(users.e, orderId, spoofed(attempt))).status).toBe(200);
    await expectLimited(await poll(users.e, orderId, spoofed(99)), /^查询过于频繁/);
  });

  it('costs one Redis round trip: the limiter’s script and the status read travel together', async () => {
    withTrustedProxies(0);
    const orderId = await paidOrder(users.d.id);
    // The first call of a process may load the script (NOSCRIPT, then EVAL): warm up first.
    expect((await poll(users.d, orderId, { [PEER_ADDRESS_HEADER]: newAddress() })).status).toBe(200);
    const before = { ...traffic };
    expect((await poll(users.d, orderId, { [PEER_ADDRESS_HEADER]: newAddress() })).status).toBe(200);
    expect(traffic.requests - before.requests).toBe(1);
    expect(traffic.commands - before.commands).toBe(2);
  });
});

/** An HTTP proxy that forwards everything to `target` and counts requests and commands. */
async function startCountingProxy(target: string): Promise<Server> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      traffic.requests++;
      const parsed = JSON.parse(body.toString('utf8')) as unknown[];
      traffic.commands += Array.isArray(parsed[0]) ? parsed.length : 1;
      const forward = httpRequest(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
