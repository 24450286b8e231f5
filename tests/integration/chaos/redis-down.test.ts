// Redis killed (a private redis-server, never the machine's): polling answers from PostgreSQL behind
// the circuit breaker, creation still works, a payment is still settled and acknowledged with 204
// (the cache write after the commit is best effort), and everything recovers when Redis returns,
// the stale entry repaired on read.
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvForTests } from '@/lib/env';
import { createRechargeOrder } from '@/lib/orders/create-order';
import { getOrderStatusForAccount } from '@/lib/orders/get-order-status';
import { orderStatusKey, readCachedOrderStatus } from '@/lib/orders/order-status-cache';
import { enforceRequestLimit } from '@/lib/rate-limit/request-limits';
import { getRedis } from '@/lib/redis';
import { balanceOf, newAccount } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness, waitFor } from '../../support/orders-harness';
import { type PrivateRedis, startPrivateRedis } from '../../support/private-redis';

let redis: PrivateRedis;
let harness: OrdersHarness;

beforeAll(async () => {
  redis = await startPrivateRedis();
  process.env.UPSTASH_REDIS_REST_URL = redis.bridge.url;
  process.env.UPSTASH_REDIS_REST_TOKEN = redis.bridge.token;
  resetEnvForTests();
  // A client of this file's own, pointed at the private Redis (and with a breaker of its own).
  (globalThis as { __redis?: unknown }).__redis = undefined;
  harness = await startOrdersHarness();
});
afterAll(async () => {
  await harness.close();
  await redis.close();
  (globalThis as { __redis?: unknown }).__redis = undefined;
});

type LogEntry = { outcome: string; status?: number };

async function poll(orderId: string, accountId: string, background: (() => Promise<void>)[] = []) {
  const started = performance.now();
  // As the status route polls: the per-address limit travels with the status read (one pipeline).
  const view = await getOrderStatusForAccount(
    orderId,
    accountId,
    (task) => background.push(task),
    () => enforceRequestLimit('poll-per-address', '203.0.113.7'),
  );
  return { view, ms: performance.now() - started };
}

describe('with Redis down', () => {
  it('keeps answering polls, creating orders and settling payments, then recovers', async () => {
    const accountId = await newAccount();
    const order = await createRechargeOrder({ accountId, amountFen: 700 });
    expect((await poll(order.orderId, accountId)).view.status).toBe('PENDING');

    await redis.kill();

    // A pipeline to a Redis that is gone fails as a whole (as Upstash answers), not command by command.
    const pipeline = await fetch(`${redis.bridge.url}/pipeline`, {
      method: 'POST',
      headers: { authorization: `Bearer ${redis.bridge.token}` },
      body: JSON.stringify([
        ['GET', 'a'],
        ['GET', 'b'],
      ]),
    });
    expect(pipeline.status).toBe(500);

    // Every poll answers, from the database. The first few wait for Redis to fail; once the
    // breaker is open they don't wait at all.
    const polls = [];
    for (let i = 0; i < 12; i++) polls.push(await poll(order.orderId, accountId));
    expect(polls.every((p) => p.view.status === 'PENDING')).toBe(true);
    const bridgeBefore = redis.bridge.traffic().requests;
    const fast = [];
    for (let i = 0; i < 20; i++) fast.push(await poll(order.orderId, accountId));
    expect(Math.max(...fast.map((p) => p.ms))).toBeLessThan(250);
    // The open breaker sends nothing to Redis (at most its one trial after five seconds).
    expect(redis.bridge.traffic().requests - bridgeBefore).toBeLessThanOrEqual(1);

    // A payment: settled in PostgreSQL and acknowledged with 204 although Redis can't be written.
    await harness.control('POST', '/sandbox/pay', { out_trade_no: order.outTradeNo });
    await waitFor(async () => (await balanceOf(accountId)) === 700n);
    const log = await waitFor(async () => {
      const entries = await harness.control<LogEntry[]>(
        'GET',
        `/sandbox/notifications?out_trade_no=${order.outTradeNo}`,
      );
      return entries.find((e) => e.outcome === 'acknowledged');
    });
    expect(log.status).toBe(204);
    expect((await poll(order.orderId, accountId)).view.status).toBe('PAID');

    // Starting another payment works too (limits fail open, the WeChat budget is kept locally).
    const second = await createRechargeOrder({ accountId, amountFen: 300 });
    expect(second.codeUrl).toMatch(/^weixin:/);
    expect((await poll(second.orderId, accountId)).view.status).toBe('PENDING');

    await redis.start();
    // Once the breaker lets its trial through (five seconds after opening), Redis is used again.
    // It lost everything (nothing persisted); the paid order is read through from the database.
    const recovered = await waitFor(
      async () => {
        await poll(order.orderId, accountId);
        return readCachedOrderStatus(order.orderId).catch(() => null);
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    expect(recovered.status).toBe('PAID');
  }, 60_000);

  it('repairs an entry left stale while Redis was away, on the next read past the query delay', async () => {
    const accountId = await newAccount();
    const order = await createRechargeOrder({ accountId, amountFen: 500 });
    await redis.kill();
    await harness.control('POST', '/sandbox/pay', { out_trade_no: order.outTradeNo });
    await waitFor(async () => (await balanceOf(accountId)) === 500n);
    // Redis comes back with the entry as it was before the payment (a restart that kept its data
    // would look the same): it still says PENDING.
    await redis.start();
    const stale = {
      orderId: order.orderId,
      accountId,
      status: 'PENDING' as const,
      amountFen: 500,
      createdAtMs: Date.now() - 10_000,
      updatedAt: new Date().toISOString(),
    };
    // (Written raw: the app's own ordered write would refuse to go back from PAID, should the
    // settlement's write have reached Redis as it came back.)
    await waitFor(
      () =>
        getRedis()
          .set(orderStatusKey(order.orderId), stale, { ex: 3600 })
          .then(
            () => true,
            () => false,
          ),
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    const background: (() => Promise<void>)[] = [];
    expect((await poll(order.orderId, accountId, background)).view.status).toBe('PENDING');
    // The poll scheduled a check (the order is past the query delay): it finds PAID and republishes.
    for (const task of background) await task();
    expect((await poll(order.orderId, accountId)).view.status).toBe('PAID');
  }, 60_000);
});
