// The shared budget of calls to WeChat Pay (a token bucket per merchant and lane, in Redis): creation
// has a lane background work can't spend, a call over budget is never made (and creation then creates
// nothing), and WeChat's 429 FREQUENCY_LIMITED pauses the lane for every instance instead of being
// retried at once. One call a second per lane here, under a merchant id of this run's own, so that
// other test files' orders don't share these buckets; each case starts from empty buckets.
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { getEnv, resetEnvForTests } from '@/lib/env';
import { closeAtWechat } from '@/lib/orders/close-at-wechat';
import { createRechargeOrder } from '@/lib/orders/create-order';
import { reconcileOrderNow } from '@/lib/orders/reconcile-order';
import { takeWechatPayBudget, WechatPayBusyError } from '@/lib/rate-limit/wechat-pay-budget';
import { getRedis } from '@/lib/redis';
import { resetWechatPayForTests } from '@/lib/wechat-pay';
import { newAccount, orderRow } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness } from '../../support/orders-harness';

let harness: OrdersHarness;
beforeAll(async () => {
  Object.assign(process.env, {
    WECHATPAY_MCHID: `19${randomInt(10 ** 7, 10 ** 8)}`,
    WECHATPAY_CREATE_CALLS_PER_SECOND: '1',
    WECHATPAY_BACKGROUND_CALLS_PER_SECOND: '1',
  });
  resetEnvForTests();
  resetWechatPayForTests();
  harness = await startOrdersHarness();
});
/** This merchant's buckets, cooldowns and strike counts (keys as lib/rate-limit/wechat-pay-budget.ts names them). */
const budgetKeys = (what: 'cooldown' | 'all') => {
  const mchid = getEnv().WECHATPAY_MCHID;
  return ['create', 'background'].flatMap((lane) =>
    what === 'cooldown'
      ? [`wechatpay-budget:cooldown:${mchid}:${lane}`]
      : [
          `wechatpay-budget:${mchid}:${lane}`,
          `wechatpay-budget:cooldown:${mchid}:${lane}`,
          `wechatpay-budget:strikes:${mchid}:${lane}`,
        ],
  );
};
beforeEach(async () => {
  await harness.control('POST', '/sandbox/faults/reset');
  await getRedis().del(...budgetKeys('all'));
});
afterAll(() => harness.close());

type Stats = { calls: { create: number; query: number; close: number } };
const calls = async () => (await harness.control<Stats>('GET', '/sandbox/stats')).calls;
const ordersOf = (accountId: string) => getDb().paymentOrder.count({ where: { accountId } });

describe('the WeChat Pay call budget', () => {
  it('keeps creation’s lane for creation: background work that spent its own lane takes nothing from it', async () => {
    await takeWechatPayBudget('background');
    await expect(takeWechatPayBudget('background')).rejects.toBeInstanceOf(WechatPayBusyError);
    const accountId = await newAccount();
    const created = await createRechargeOrder({ accountId, amountFen: 100 });
    expect(created.codeUrl).toMatch(/^weixin:/);
  });

  it('refuses a creation over budget with 503 and Retry-After, creating nothing and calling nobody', async () => {
    const accountId = await newAccount();
    const before = await calls();
    await takeWechatPayBudget('create');
    const refusal = await createRechargeOrder({ accountId, amountFen: 100 }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(WechatPayBusyError);
    expect(refusal).toMatchObject({ code: 'provider_busy', status: 503, retryAfterSeconds: 1 });
    expect((refusal as Error).message).toBe('微信支付繁忙，请 1 秒后再试');
    expect(await ordersOf(accountId)).toBe(0);
    expect((await calls()).create).toBe(before.create);
  });

  it('backs off on WeChat’s 429: no retry at once, and the lane pauses for the next payer too', async () => {
    const accountId = await newAccount();
    await harness.control('POST', '/sandbox/faults/api', {
      endpoint: 'create',
      kind: 'frequency-limited',
      count: 1,
    });
    const before = await calls();
    const refusal = await createRechargeOrder({ accountId, amountFen: 100 }).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ code: 'provider_busy', status: 503 });
    // One call, not the immediate retry a 5xx gets; the order it inserted is failed, with no QR link.
    expect((await calls()).create).toBe(before.create + 1);
    const [failed] = await getDb().paymentOrder.findMany({ where: { accountId } });
    expect(failed).toMatchObject({ status: 'FAILED', codeUrl: null });

    // Another payer during the cooldown: refused before anything is written or sent.
    const other = await newAccount();
    await expect(createRechargeOrder({ accountId: other, amountFen: 100 })).rejects.toBeInstanceOf(
      WechatPayBusyError,
    );
    expect(await ordersOf(other)).toBe(0);
    expect((await calls()).create).toBe(before.create + 1);
  });

  it('doubles the pause with each further 429 within five minutes', async () => {
    for (const expected of [1, 2, 4]) {
      // The pause itself would refuse the next call before it reached WeChat: lift it, keep the strikes.
      await getRedis().del(...budgetKeys('cooldown'));
      await getRedis().del(`wechatpay-budget:${getEnv().WECHATPAY_MCHID}:create`);
      await harness.control('POST', '/sandbox/faults/api', {
        endpoint: 'create',
        kind: 'frequency-limited',
        count: 1,
      });
      const refusal = await createRechargeOrder({ accountId: await newAccount(), amountFen: 100 }).catch(
        (error: unknown) => error,
      );
      expect(refusal).toMatchObject({ code: 'provider_busy', retryAfterSeconds: expected });
    }
  });

  it('sends no query or close over the background lane’s budget; the order stays PENDING', async () => {
    const accountId = await newAccount();
    const created = await createRechargeOrder({ accountId, amountFen: 100 });
    await takeWechatPayBudget('background');
    const before = await calls();
    await expect(reconcileOrderNow(created.orderId)).rejects.toBeInstanceOf(WechatPayBusyError);
    expect(await closeAtWechat({ id: created.orderId, outTradeNo: created.outTradeNo }, 'test')).toBe(
      'not_closed',
    );
    expect(await calls()).toEqual(before);
    expect((await orderRow(created.orderId)).status).toBe('PENDING');
  });
});
