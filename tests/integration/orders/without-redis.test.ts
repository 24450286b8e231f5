// The orders domain with Redis unreachable (its REST endpoint refusing connections; the chaos test in
// tests/integration/chaos/ kills a real one): reads come from PostgreSQL within a bound, creation and
// settlement carry on, nothing waits on Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvForTests } from '@/lib/env';
import { AppError } from '@/lib/http/app-error';
import { createRechargeOrder } from '@/lib/orders/create-order';
import { getOrderStatusForAccount } from '@/lib/orders/get-order-status';
import { publishOrderStatus, readOrderStatus } from '@/lib/orders/order-status-cache';
import { settlePaidOrder } from '@/lib/orders/settle-order';
import { uniqueTransactionId } from '../../support/accounts-fixtures';
import { balanceOf, newAccount, orderRow } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness } from '../../support/orders-harness';

let harness: OrdersHarness;
const saved = { url: process.env.UPSTASH_REDIS_REST_URL, pool: process.env.DATABASE_POOL_SIZE };

beforeAll(async () => {
  harness = await startOrdersHarness();
  // Nothing listens there: every Redis call fails at once, as with Redis down.
  process.env.UPSTASH_REDIS_REST_URL = 'http://127.0.0.1:9';
  // Two connections: at most one of them may stand in for Redis.
  process.env.DATABASE_POOL_SIZE = '2';
  resetEnvForTests();
  (globalThis as { __redis?: unknown }).__redis = undefined;
});
afterAll(async () => {
  process.env.UPSTASH_REDIS_REST_URL = saved.url;
  process.env.DATABASE_POOL_SIZE = saved.pool;
  resetEnvForTests();
  (globalThis as { __redis?: unknown }).__redis = undefined;
  await harness.close();
});

describe('without Redis', () => {
  it('creates an order (the cache write is best effort) and answers polls from the database', async () => {
    const accountId = await newAccount();
    const order = await createRechargeOrder({ accountId, amountFen: 640 });
    expect(order.codeUrl).toMatch(/^weixin:/);
    expect((await orderRow(order.orderId)).status).toBe('PENDING');
    const view = await getOrderStatusForAccount(order.orderId, accountId, () => {});
    expect(view).toMatchObject({ orderId: order.orderId, status: 'PENDING', amountFen: 640 });
    // Someone else's order answers like a missing one, as with Redis.
    await expect(getOrderStatusForAccount(order.orderId, await newAccount(), () => {})).rejects.toMatchObject(
      {
        code: 'not_found',
      },
    );
  });

  it('settles a payment and answers with what the database says', async () => {
    const accountId = await newAccount();
    const order = await createRechargeOrder({ accountId, amountFen: 320 });
    const result = await settlePaidOrder(
      {
        outTradeNo: order.outTradeNo,
        transactionId: uniqueTransactionId(),
        amountFen: 320,
        paidAt: new Date(),
      },
      { via: 'query' },
    );
    expect(result.outcome).toBe('credited');
    expect(await balanceOf(accountId)).toBe(320n);
    expect((await publishOrderStatus(order.orderId)).status).toBe('PAID');
    expect((await readOrderStatus(order.orderId))?.status).toBe('PAID');
  });

  it('lets at most half the pool read for polls at once; the rest get a 503 to retry', async () => {
    const accountId = await newAccount();
    const order = await createRechargeOrder({ accountId, amountFen: 100 });
    const reads = await Promise.allSettled(Array.from({ length: 5 }, () => readOrderStatus(order.orderId)));
    const answered = reads.filter((r) => r.status === 'fulfilled');
    const refused = reads.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(answered.length).toBe(1);
    expect(refused).toHaveLength(4);
    for (const reason of refused) {
      expect(reason).toBeInstanceOf(AppError);
      expect(reason).toMatchObject({ code: 'service_unavailable', status: 503, retryAfterSeconds: 2 });
    }
    // Once they are done, the next read is answered again.
    expect((await readOrderStatus(order.orderId))?.status).toBe('PENDING');
  });

  it('an unknown order is null, not an error', async () => {
    expect(await readOrderStatus(crypto.randomUUID())).toBeNull();
  });
});
