// The status cache when Redis misbehaves. An error Redis answers (here a key of the wrong type) is a
// bug to surface, never a reason to quietly read elsewhere; Redis being unreachable is (the database
// stands in, at most half the pool at once, the rest told to retry).
import { afterAll, describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { resetEnvForTests } from '@/lib/env';
import { AppError } from '@/lib/http/app-error';
import { orderStatusKey, publishOrderStatus, readOrderStatus } from '@/lib/orders/order-status-cache';
import { generateOutTradeNo } from '@/lib/orders/out-trade-no';
import { getRedis } from '@/lib/redis';
import { newAccount } from '../../support/orders-fixtures';

/** A PENDING order row, written directly (no WeChat call, no Redis entry). */
async function insertOrder() {
  return getDb().paymentOrder.create({
    data: {
      accountId: await newAccount(),
      outTradeNo: generateOutTradeNo(),
      amountFen: 100,
      description: '账户余额充值',
      expiresAt: new Date(Date.now() + 600_000),
    },
  });
}

const saved = { url: process.env.UPSTASH_REDIS_REST_URL, pool: process.env.DATABASE_POOL_SIZE };
function useRedis(url: string | undefined, poolSize: string | undefined): void {
  process.env.UPSTASH_REDIS_REST_URL = url;
  if (poolSize === undefined) delete process.env.DATABASE_POOL_SIZE;
  else process.env.DATABASE_POOL_SIZE = poolSize;
  resetEnvForTests();
  (globalThis as { __redis?: unknown }).__redis = undefined;
}
afterAll(() => useRedis(saved.url, saved.pool));

describe('an error Redis answers', () => {
  it('is thrown by a read, not answered from the database', async () => {
    const order = await insertOrder();
    await getRedis().hset(orderStatusKey(order.id), { status: 'PAID' });
    await expect(readOrderStatus(order.id)).rejects.toThrow(/WRONGTYPE/);
  });

  it('is thrown by a publish, which only forgives Redis being unreachable', async () => {
    const order = await insertOrder();
    await getRedis().hset(orderStatusKey(order.id), { status: 'PAID' });
    await expect(publishOrderStatus(order.id)).rejects.toThrow(/WRONGTYPE/);
  });
});

describe('Redis unreachable', () => {
  it('lets half of a four-connection pool stand in for it, and tells the others when to retry', async () => {
    useRedis('http://127.0.0.1:9', '4');
    const order = await insertOrder();
    const reads = await Promise.allSettled(Array.from({ length: 6 }, () => readOrderStatus(order.id)));
    expect(reads.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const refused = reads.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(refused).toHaveLength(4);
    for (const reason of refused) {
      expect(reason).toBeInstanceOf(AppError);
      expect(reason).toMatchObject({ code: 'service_unavailable', message: '查询繁忙，请稍后再试' });
    }
  });
});
