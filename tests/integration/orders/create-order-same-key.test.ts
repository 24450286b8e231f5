// The same Idempotency-Key again (double click, a retried request): the payer gets the first
// attempt's order, its outcome, or "still in progress", never a second order. A request arriving
// while the first attempt still waits for WeChat waits for it (bounded by the WeChat timeout and
// its one retry). Short WeChat timeouts keep these waits to a few seconds.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { AppError } from '@/lib/http/app-error';
import { createRechargeOrder, ORDER_DESCRIPTION } from '@/lib/orders/create-order';
import { END_REASONS, endPendingOrder } from '@/lib/orders/end-order';
import { generateOutTradeNo } from '@/lib/orders/out-trade-no';
import { newAccount } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness, waitFor, withEnv } from '../../support/orders-harness';

let harness: OrdersHarness;
beforeAll(async () => {
  harness = await startOrdersHarness();
});
beforeEach(() => harness.control('POST', '/sandbox/faults/reset'));
afterAll(() => harness.close());

type Stats = { calls: { create: number } };
const createCalls = async () => (await harness.control<Stats>('GET', '/sandbox/stats')).calls.create;

const addCreateFault = (fault: { kind: string; delayMs?: number }) =>
  harness.control('POST', '/sandbox/faults/api', { endpoint: 'create', count: 1, ...fault });

/** The order row the first attempt inserted (before it calls WeChat). */
const rowWithKey = (accountId: string, idempotencyKey: string) =>
  waitFor(() => getDb().paymentOrder.findFirst({ where: { accountId, idempotencyKey } }), { intervalMs: 10 });

/** An attempt's row as a crashed or failed attempt left it: no QR link. */
async function insertAttempt(
  accountId: string,
  idempotencyKey: string,
  state: { status: 'PENDING' | 'FAILED'; failureReason?: string | null },
) {
  return getDb().paymentOrder.create({
    data: {
      accountId,
      outTradeNo: generateOutTradeNo(),
      amountFen: 600,
      description: ORDER_DESCRIPTION,
      idempotencyKey,
      expiresAt: new Date(Date.now() + 600_000),
      status: state.status,
      failureReason: state.failureReason ?? null,
    },
  });
}

describe('createRechargeOrder with an Idempotency-Key already used', () => {
  it('answers the finished attempt’s order, without calling WeChat again', async () => {
    const accountId = await newAccount();
    const key = `done-${accountId}`;
    const first = await createRechargeOrder({ accountId, amountFen: 600, idempotencyKey: key });
    const callsBefore = await createCalls();

    const again = await createRechargeOrder({ accountId, amountFen: 600, idempotencyKey: key });

    expect(again).toEqual(first);
    expect(await createCalls()).toBe(callsBefore);
    expect(await getDb().paymentOrder.count({ where: { accountId } })).toBe(1);
  });

  it('waits for an attempt still waiting on WeChat’s retry, then answers its order and link', async () => {
    const accountId = await newAccount();
    const key = `slow-${accountId}`;
    const result = await withEnv({ WECHATPAY_TIMEOUT_MS: '1500' }, async () => {
      // The first call times out (1.5 s); the retry answers after 1.2 s: about 2.7 s in all, within
      // the 4 s (two timeouts and a second) that a second request waits.
      await addCreateFault({ kind: 'delay', delayMs: 2_000 });
      await addCreateFault({ kind: 'delay', delayMs: 1_200 });
      const first = createRechargeOrder({ accountId, amountFen: 600, idempotencyKey: key });
      await rowWithKey(accountId, key);
      const second = await createRechargeOrder({ accountId, amountFen: 600, idempotencyKey: key });
      return { first: await first, second };
    });

    expect(result.second).toEqual(result.first);
    expect(result.second.codeUrl).toMatch(/^weixin:/);
    expect(await getDb().paymentOrder.count({ where: { accountId } })).toBe(1);
  });

  it('answers the attempt’s failure as soon as WeChat refused it, with the recorded reason', async () => {
    const accountId = await newAccount();
    const key = `refused-${accountId}`;
    const outcome = await withEnv({ WECHATPAY_TIMEOUT_MS: '1000' }, async () => {
      // The first call times out, the retry is refused: the attempt fails after about a second,
      // well before the 3 s a second request would wait for a link.
      await addCreateFault({ kind: 'delay', delayMs: 1_500 });
      await addCreateFault({ kind: 'system-error' });
      // Each attempt's outcome: what it threw (it should throw) and when.
      const settled = (attempt: Promise<unknown>) =>
        attempt.then(
          (value) => ({ error: undefined as unknown, value, at: Date.now() }),
          (error: unknown) => ({ error, value: undefined, at: Date.now() }),
        );
      const first = settled(createRechargeOrder({ accountId, amountFen: 600, idempotencyKey: key }));
      await rowWithKey(accountId, key);
      const second = await settled(createRechargeOrder({ accountId, amountFen: 600, idempotencyKey: key }));
      return { first: await first, second };
    });

    expect(outcome.first.error).toMatchObject({ code: 'payment_provider_error' });
    expect(outcome.second.error).toBeInstanceOf(AppError);
    expect(outcome.second.error).toMatchObject({
      code: 'payment_provider_error',
      message: END_REASONS.createFailed,
    });
    expect(outcome.second.at - outcome.first.at).toBeLessThan(800);
    expect(await getDb().paymentOrder.count({ where: { accountId } })).toBe(1);
  });

  it('answers the recorded reason of an attempt that failed without a link', async () => {
    const accountId = await newAccount();
    const key = `failed-${accountId}`;
    await insertAttempt(accountId, key, { status: 'FAILED', failureReason: END_REASONS.payError });

    await expect(
      createRechargeOrder({ accountId, amountFen: 600, idempotencyKey: key }),
    ).rejects.toMatchObject({ code: 'payment_provider_error', message: END_REASONS.payError });
    expect(await getDb().paymentOrder.count({ where: { accountId } })).toBe(1);
  });

  it('answers an order that failed after its link was shown as it is (FAILED, its reason, its link)', async () => {
    const accountId = await newAccount();
    const key = `paid-failed-${accountId}`;
    const first = await createRechargeOrder({ accountId, amountFen: 600, idempotencyKey: key });
    await endPendingOrder(first.orderId, 'FAILED', END_REASONS.payError);

    const again = await createRechargeOrder({ accountId, amountFen: 600, idempotencyKey: key });

    expect(again).toMatchObject({
      orderId: first.orderId,
      codeUrl: first.codeUrl,
      status: { status: 'FAILED', reason: END_REASONS.payError },
    });
  });

  it('answers "still in progress" when the attempt never got its link (its server stopped midway)', async () => {
    const accountId = await newAccount();
    const key = `stuck-${accountId}`;
    await insertAttempt(accountId, key, { status: 'PENDING' });
    const callsBefore = await createCalls();

    const error = await withEnv({ WECHATPAY_TIMEOUT_MS: '200' }, () =>
      createRechargeOrder({ accountId, amountFen: 600, idempotencyKey: key }).catch((e: unknown) => e),
    );

    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'conflict', message: '相同的支付请求正在处理中，请稍候' });
    expect(await createCalls()).toBe(callsBefore);
    expect(await getDb().paymentOrder.count({ where: { accountId } })).toBe(1);
  });
});
