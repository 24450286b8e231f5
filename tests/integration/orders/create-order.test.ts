// Creating an order: one order per confirm, a QR link from WeChat, older attempts closed, and
// WeChat's refusals turned into a clear error with nothing half-written.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { AppError } from '@/lib/http/app-error';
import { createRechargeOrder, ORDER_DESCRIPTION } from '@/lib/orders/create-order';
import { END_REASONS, endPendingOrder } from '@/lib/orders/end-order';
import { readCachedOrderStatus } from '@/lib/orders/order-status-cache';
import { generateOutTradeNo } from '@/lib/orders/out-trade-no';
import { WechatPayError } from '@/lib/wechat-pay';
import { balanceOf, newAccount, orderRow } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness, waitFor, withEnv } from '../../support/orders-harness';

let harness: OrdersHarness;
beforeAll(async () => {
  harness = await startOrdersHarness();
});
beforeEach(() => harness.control('POST', '/sandbox/faults/reset'));
afterAll(() => harness.close());

type SandboxOrder = { out_trade_no: string; trade_state: string; total: number };
const sandboxOrder = (outTradeNo: string) =>
  harness.control<SandboxOrder>('GET', `/sandbox/order?out_trade_no=${outTradeNo}`);

describe('createRechargeOrder', () => {
  it('creates a PENDING order with a WeChat QR link and publishes its status to Redis', async () => {
    const accountId = await newAccount();
    const created = await createRechargeOrder({ accountId, amountFen: 8800 });
    expect(created.codeUrl).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    expect(created.outTradeNo).toMatch(/^[0-9A-Za-z_*-]{6,32}$/);
    expect(created.status).toMatchObject({ status: 'PENDING', amountFen: 8800 });
    expect(await sandboxOrder(created.outTradeNo)).toMatchObject({ trade_state: 'NOTPAY', total: 8800 });
    expect(await readCachedOrderStatus(created.orderId)).toMatchObject({ status: 'PENDING', accountId });
    const row = await orderRow(created.orderId);
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBeGreaterThanOrEqual(599_000);
  });

  it('answers a repeated Idempotency-Key with the same order, even when both arrive at once', async () => {
    const accountId = await newAccount();
    const attempts = await Promise.all(
      [1, 2, 3].map(() =>
        createRechargeOrder({ accountId, amountFen: 100, idempotencyKey: `key-${accountId}` }),
      ),
    );
    expect(new Set(attempts.map((a) => a.orderId)).size).toBe(1);
    expect(await getDb().paymentOrder.count({ where: { accountId } })).toBe(1);
  });

  it('refuses an Idempotency-Key reused for another amount', async () => {
    const accountId = await newAccount();
    await createRechargeOrder({ accountId, amountFen: 100, idempotencyKey: `amt-${accountId}` });
    await expect(
      createRechargeOrder({ accountId, amountFen: 200, idempotencyKey: `amt-${accountId}` }),
    ).rejects.toMatchObject({ code: 'conflict', message: 'Idempotency-Key 已用于另一金额的订单' });
  });

  it('closes the older pending order at WeChat when the visitor starts again', async () => {
    const accountId = await newAccount();
    const first = await createRechargeOrder({ accountId, amountFen: 100 });
    const second = await createRechargeOrder({ accountId, amountFen: 200 });
    expect((await orderRow(first.orderId)).status).toBe('CLOSED');
    expect((await sandboxOrder(first.outTradeNo)).trade_state).toBe('CLOSED');
    expect((await readCachedOrderStatus(first.orderId))?.status).toBe('CLOSED');
    expect((await orderRow(second.orderId)).status).toBe('PENDING');
    // Each order keeps its own QR link.
    expect((await orderRow(first.orderId)).codeUrl).toBe(first.codeUrl);
    expect((await orderRow(second.orderId)).codeUrl).toBe(second.codeUrl);
    expect(second.codeUrl).not.toBe(first.codeUrl);
  });

  it('settles the older order as paid when WeChat refuses to close it because it was paid', async () => {
    const accountId = await newAccount();
    const first = await createRechargeOrder({ accountId, amountFen: 150 });
    await harness.control('POST', '/sandbox/faults/notifications', { lose: 1 });
    await harness.control('POST', '/sandbox/pay', { out_trade_no: first.outTradeNo });
    await createRechargeOrder({ accountId, amountFen: 200 });
    expect((await orderRow(first.orderId)).status).toBe('PAID');
    expect(await balanceOf(accountId)).toBe(150n);
  });

  it('does not close an older order whose creation is still in flight (no QR link yet)', async () => {
    const accountId = await newAccount();
    const inFlight = await getDb().paymentOrder.create({
      data: {
        accountId,
        outTradeNo: generateOutTradeNo(),
        amountFen: 100,
        description: ORDER_DESCRIPTION,
        expiresAt: new Date(Date.now() + 600_000),
      },
    });
    await createRechargeOrder({ accountId, amountFen: 200 });
    expect((await orderRow(inFlight.id)).status).toBe('PENDING');
  });

  it('leaves the older order pending (not closed) when WeChat answers FREQUENCY_LIMITED while the payer pays', async () => {
    const accountId = await newAccount();
    const first = await createRechargeOrder({ accountId, amountFen: 150 });
    await harness.control('POST', '/sandbox/faults/api', { endpoint: 'close', kind: 'frequency-limited' });
    await createRechargeOrder({ accountId, amountFen: 200 });
    expect((await orderRow(first.orderId)).status).toBe('PENDING');
  });

  it('retries once when WeChat’s answer carries the SIGNTEST probe signature', async () => {
    const accountId = await newAccount();
    await harness.control('POST', '/sandbox/faults/api', {
      endpoint: 'create',
      kind: 'probe-signature',
      count: 1,
    });
    const created = await createRechargeOrder({ accountId, amountFen: 300 });
    expect(created.codeUrl).toMatch(/^weixin:/);
    expect((await orderRow(created.orderId)).status).toBe('PENDING');
  });

  it('retries once with identical parameters when WeChat answers SYSTEM_ERROR', async () => {
    const accountId = await newAccount();
    await harness.control('POST', '/sandbox/faults/api', {
      endpoint: 'create',
      kind: 'system-error',
      count: 1,
    });
    const created = await createRechargeOrder({ accountId, amountFen: 300 });
    expect((await orderRow(created.orderId)).status).toBe('PENDING');
  });

  it.each([
    {
      kind: 'system-error',
      count: 2,
      // Retryable at WeChat: the payer is told to try again later.
      message: '微信支付暂时不可用，请稍后重试',
      wechatCode: 'SYSTEM_ERROR',
    },
    {
      kind: 'bad-signature',
      count: 1,
      // Not retryable: WeChat's code is shown, for support.
      message: '微信支付下单失败（错误码 INVALID_SIGNATURE），请稍后重试或联系客服',
      wechatCode: 'INVALID_SIGNATURE',
    },
  ])(
    'marks the order FAILED without a QR link when WeChat fails ($kind × $count)',
    async ({ kind, count, message, wechatCode }) => {
      const accountId = await newAccount();
      await harness.control('POST', '/sandbox/faults/api', { endpoint: 'create', kind, count });
      const error = await createRechargeOrder({ accountId, amountFen: 300 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'payment_provider_error', message });
      // The adapter's error stays attached for the log.
      expect((error as AppError).cause).toBeInstanceOf(WechatPayError);
      expect((error as AppError).cause).toMatchObject({ code: wechatCode });
      const orders = await getDb().paymentOrder.findMany({ where: { accountId } });
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({ status: 'FAILED', codeUrl: null });
      expect(await balanceOf(accountId)).toBe(0n);
    },
  );

  it('answers a generic message when the WeChat Pay client cannot even be built (bad configuration)', async () => {
    const accountId = await newAccount();
    // A base URL with a path passes the env schema but not the adapter's config check.
    const error = await withEnv({ WECHATPAY_BASE_URL: `${harness.sandbox.url}/misconfigured` }, () =>
      createRechargeOrder({ accountId, amountFen: 300 }).catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'payment_provider_error', message: '微信支付下单失败，请稍后重试' });
    expect((error as AppError).cause).toBeInstanceOf(Error);
    expect(((error as AppError).cause as Error).message).toContain('WECHATPAY_BASE_URL');
    const orders = await getDb().paymentOrder.findMany({ where: { accountId } });
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({
      status: 'FAILED',
      codeUrl: null,
      failureReason: END_REASONS.createFailed,
    });
  });

  it('answers a conflict, and shows no QR link, when the order ended while WeChat was creating it', async () => {
    const accountId = await newAccount();
    // WeChat creates the order but answers late; meanwhile the order is ended here.
    await harness.control('POST', '/sandbox/faults/api', { endpoint: 'create', kind: 'delay', delayMs: 800 });
    const attempt = createRechargeOrder({ accountId, amountFen: 400 }).catch((e: unknown) => e);
    const row = await waitFor(() => getDb().paymentOrder.findFirst({ where: { accountId } }));
    expect(await endPendingOrder(row.id, 'CLOSED', END_REASONS.expired)).toBe(true);

    const error = await attempt;
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'conflict', message: '该订单已失效，请重新发起支付' });
    expect(await orderRow(row.id)).toMatchObject({ status: 'CLOSED', codeUrl: null });
    expect((await readCachedOrderStatus(row.id))?.status).toBe('CLOSED');
  });

  it('refuses an amount above the configured maximum before touching anything', async () => {
    const accountId = await newAccount();
    const message = '单笔充值金额不能超过 ¥50,000.00';
    await expect(createRechargeOrder({ accountId, amountFen: 5_000_001 })).rejects.toMatchObject({
      code: 'unprocessable_entity',
      message,
      details: [{ field: 'amountFen', message }],
    });
    expect(await getDb().paymentOrder.count({ where: { accountId } })).toBe(0);
  });

  it('accepts exactly the configured maximum', async () => {
    const accountId = await newAccount();
    const created = await createRechargeOrder({ accountId, amountFen: 5_000_000 });
    expect(created).toMatchObject({ amountFen: 5_000_000, status: { status: 'PENDING' } });
  });

  it('reports an insert the database refuses as it is (an account that does not exist)', async () => {
    const accountId = crypto.randomUUID();
    await expect(createRechargeOrder({ accountId, amountFen: 100 })).rejects.toMatchObject({ code: 'P2003' });
    expect(await getDb().paymentOrder.count({ where: { accountId } })).toBe(0);
  });
});
