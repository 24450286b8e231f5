// Creating an order: one order per confirm, a QR link from WeChat, older attempts closed, and
// WeChat's refusals turned into a clear error with nothing half-written.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { AppError } from '@/lib/http/app-error';
import { createRechargeOrder, ORDER_DESCRIPTION } from '@/lib/orders/create-order';
import { readCachedOrderStatus } from '@/lib/orders/order-status-cache';
import { generateOutTradeNo } from '@/lib/orders/out-trade-no';
import { balanceOf, newAccount, orderRow } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness } from '../../support/orders-harness';

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
    ).rejects.toMatchObject({ code: 'conflict' });
  });

  it('closes the older pending order at WeChat when the visitor starts again', async () => {
    const accountId = await newAccount();
    const first = await createRechargeOrder({ accountId, amountFen: 100 });
    const second = await createRechargeOrder({ accountId, amountFen: 200 });
    expect((await orderRow(first.orderId)).status).toBe('CLOSED');
    expect((await sandboxOrder(first.outTradeNo)).trade_state).toBe('CLOSED');
    expect((await readCachedOrderStatus(first.orderId))?.status).toBe('CLOSED');
    expect((await orderRow(second.orderId)).status).toBe('PENDING');
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
    { kind: 'system-error', count: 2, code: 'payment_provider_error' },
    { kind: 'bad-signature', count: 1, code: 'payment_provider_error' },
  ])(
    'marks the order FAILED without a QR link when WeChat fails ($kind × $count)',
    async ({ kind, count, code }) => {
      const accountId = await newAccount();
      await harness.control('POST', '/sandbox/faults/api', { endpoint: 'create', kind, count });
      const error = await createRechargeOrder({ accountId, amountFen: 300 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code });
      const orders = await getDb().paymentOrder.findMany({ where: { accountId } });
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({ status: 'FAILED', codeUrl: null });
      expect(await balanceOf(accountId)).toBe(0n);
    },
  );

  it('refuses an amount above the configured maximum before touching anything', async () => {
    const accountId = await newAccount();
    await expect(createRechargeOrder({ accountId, amountFen: 5_000_001 })).rejects.toMatchObject({
      code: 'unprocessable_entity',
    });
    expect(await getDb().paymentOrder.count({ where: { accountId } })).toBe(0);
  });
});
