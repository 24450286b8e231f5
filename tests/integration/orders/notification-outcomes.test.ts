// What the notify route answers for each kind of notification, and what it records: one
// payment_notifications row per WeChat notification id, with the outcome of handling it.
// Notifications are built here the way WeChat builds them (signed, encrypted) with this run's keys.
import { createPrivateKey, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getDb } from '@/lib/db';
import { endPendingOrder } from '@/lib/orders/end-order';
import {
  handlePaymentNotification,
  screenPaymentNotification,
} from '@/lib/orders/handle-payment-notification';
import { captureLogs } from '../../support/logs';
import { balanceOf, createOrderFor, ledgerCount, newAccount, orderRow } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness } from '../../support/orders-harness';
import { encryptAsWechatPay, signAsWechatPay } from '../../support/wechat-pay-keys';

let harness: OrdersHarness;
beforeAll(async () => {
  harness = await startOrdersHarness();
});
afterAll(() => harness.close());

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} missing (tests/support/global-setup.ts provides it)`);
  return value;
}

let transactionSequence = 0;
function uniqueTransactionId(): string {
  transactionSequence++;
  return `42${Date.now()}${String(process.pid).padStart(7, '0')}${transactionSequence}`
    .slice(0, 28)
    .padEnd(28, '0');
}

type Overrides = {
  eventType?: string;
  transaction?: Record<string, unknown>;
  notificationId?: string;
  signature?: string;
  apiV3Key?: string;
};

/** A notification as WeChat sends it for a paid order, and its id. */
function notification(outTradeNo: string, totalFen: number, overrides: Overrides = {}) {
  const notificationId = overrides.notificationId ?? `EV-${randomUUID()}`;
  const transaction = {
    appid: env('WECHATPAY_APPID'),
    mchid: env('WECHATPAY_MCHID'),
    out_trade_no: outTradeNo,
    transaction_id: uniqueTransactionId(),
    trade_type: 'NATIVE',
    trade_state: 'SUCCESS',
    success_time: '2026-11-25T18:01:02+08:00',
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    amount: { total: totalFen, payer_total: totalFen, currency: 'CNY', payer_currency: 'CNY' },
    ...overrides.transaction,
  };
  const rawBody = JSON.stringify({
    id: notificationId,
    create_time: '2026-11-25T18:01:05+08:00',
    resource_type: 'encrypt-resource',
    event_type: overrides.eventType ?? 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: {
      original_type: 'transaction',
      algorithm: 'AEAD_AES_256_GCM',
      ...encryptAsWechatPay(overrides.apiV3Key ?? env('WECHATPAY_APIV3_KEY'), JSON.stringify(transaction)),
    },
  });
  const headers = new Headers(
    signAsWechatPay({
      privateKey: createPrivateKey(env('TEST_WECHATPAY_PRIVATE_KEY')),
      serial: env('WECHATPAY_PUBLIC_KEY_ID'),
      body: rawBody,
      signature: overrides.signature,
    }),
  );
  return {
    notificationId,
    transactionId: transaction.transaction_id,
    headers,
    rawBody: Buffer.from(rawBody, 'utf8'),
    send: () => handlePaymentNotification(headers, Buffer.from(rawBody, 'utf8')),
  };
}

const recorded = (notificationId: string) =>
  getDb().paymentNotification.findUnique({ where: { notificationId } });

describe('handlePaymentNotification records the outcome of every notification', () => {
  it('settled: credits the order, answers 204 and records the notification', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 2600);
    const paid = notification(order.outTradeNo, 2600);
    expect(await paid.send()).toEqual({ status: 204 });
    expect(await recorded(paid.notificationId)).toMatchObject({
      outcome: 'settled',
      eventType: 'TRANSACTION.SUCCESS',
      outTradeNo: order.outTradeNo,
      transactionId: paid.transactionId,
    });
    expect(await balanceOf(accountId)).toBe(2600n);
    const row = await orderRow(order.orderId);
    expect(row).toMatchObject({ status: 'PAID', transactionId: paid.transactionId });
    expect(row.paidAt?.toISOString()).toBe('2026-11-25T10:01:02.000Z');
  });

  it('duplicate: a second notification of the same payment credits nothing more', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 2700);
    const first = notification(order.outTradeNo, 2700);
    await first.send();
    // WeChat sends a new notification id for the same payment (same transaction).
    const again = notification(order.outTradeNo, 2700, {
      transaction: { transaction_id: first.transactionId },
    });
    expect(await again.send()).toEqual({ status: 204 });
    expect(await recorded(again.notificationId)).toMatchObject({ outcome: 'duplicate' });
    expect(await balanceOf(accountId)).toBe(2700n);
    expect(await ledgerCount(order.orderId)).toBe(1);
  });

  it('the same notification id delivered twice is recorded once, with its first outcome', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 2750);
    const paid = notification(order.outTradeNo, 2750);
    await paid.send();
    expect(await paid.send()).toEqual({ status: 204 });
    expect(
      await getDb().paymentNotification.findMany({ where: { notificationId: paid.notificationId } }),
    ).toEqual([expect.objectContaining({ outcome: 'settled' })]);
  });

  it('amount_mismatch: a payment of another amount is acknowledged, recorded and not credited', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 2800);
    const wrong = notification(order.outTradeNo, 1);
    expect(await wrong.send()).toEqual({ status: 204 });
    expect(await recorded(wrong.notificationId)).toMatchObject({ outcome: 'amount_mismatch' });
    expect(await balanceOf(accountId)).toBe(0n);
    expect((await orderRow(order.orderId)).status).toBe('PENDING');
  });

  it('unknown_order: a payment for an order we never made is acknowledged and recorded', async () => {
    const outTradeNo = `RCUNKNOWN${Date.now()}`;
    const stray = notification(outTradeNo, 100);
    expect(await stray.send()).toEqual({ status: 204 });
    expect(await recorded(stray.notificationId)).toMatchObject({ outcome: 'unknown_order', outTradeNo });
  });

  it('settled, for an order closed locally meanwhile: the money arrived, so it is credited and the reason cleared', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 2900);
    await endPendingOrder(order.orderId, 'CLOSED', '订单已过期');
    const late = notification(order.outTradeNo, 2900);
    expect(await late.send()).toEqual({ status: 204 });
    expect(await recorded(late.notificationId)).toMatchObject({ outcome: 'settled' });
    expect(await orderRow(order.orderId)).toMatchObject({ status: 'PAID', failureReason: null });
    expect(await balanceOf(accountId)).toBe(2900n);
  });
});

describe('handlePaymentNotification answers', () => {
  it.each([
    { name: 'a refund event', overrides: { eventType: 'REFUND.SUCCESS' } },
    {
      name: 'a success event for an unpaid transaction',
      overrides: { transaction: { trade_state: 'NOTPAY' } },
    },
  ])('204 to $name, and settles nothing', async ({ overrides }) => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 3000);
    const ignored = notification(order.outTradeNo, 3000, overrides);
    expect(await ignored.send()).toEqual({ status: 204 });
    expect(await recorded(ignored.notificationId)).toBeNull();
    expect(await balanceOf(accountId)).toBe(0n);
    expect((await orderRow(order.orderId)).status).toBe('PENDING');
  });

  it('400 to a paid transaction without a transaction_id', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 3100);
    const broken = notification(order.outTradeNo, 3100, { transaction: { transaction_id: undefined } });
    expect(await broken.send()).toEqual({
      status: 400,
      body: { code: 'FAIL', message: 'transaction_id missing' },
    });
    expect(await balanceOf(accountId)).toBe(0n);
  });

  it('401, the same for every reason, to a notification that is not authentic; the log names the reason', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 3200);
    const genuine = notification(order.outTradeNo, 3200);
    const withHeader = (name: string, value: string) => {
      const headers = new Headers(genuine.headers);
      headers.set(name, value);
      return headers;
    };
    const tampered = Buffer.from(genuine.rawBody.toString('utf8').replace('支付成功', '支付失败'), 'utf8');
    const cases = [
      { reason: 'PROBE_SIGNATURE', headers: withHeader('Wechatpay-Signature', 'WECHATPAY/SIGNTEST/abc=') },
      { reason: 'UNKNOWN_SERIAL', headers: withHeader('Wechatpay-Serial', 'PUB_KEY_ID_0000000000000000') },
      { reason: 'STALE_TIMESTAMP', headers: withHeader('Wechatpay-Timestamp', '1700000000') },
      { reason: 'MISSING_HEADERS', headers: new Headers() },
      { reason: 'SIGNATURE_MISMATCH', headers: genuine.headers, body: tampered },
    ];
    const logs = captureLogs();
    try {
      for (const { reason, headers, body } of cases) {
        expect(await handlePaymentNotification(headers, body ?? genuine.rawBody), reason).toEqual({
          status: 401,
          body: { code: 'FAIL', message: 'notification rejected' },
        });
        expect(logs.rejections().at(-1)).toBe(reason);
      }
    } finally {
      logs.restore();
    }
    expect(await recorded(genuine.notificationId)).toBeNull();
    expect(await balanceOf(accountId)).toBe(0n);
  });

  it('401, the same answer, to a notification whose resource does not decrypt', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 3250);
    const sealedWithAnotherKey = notification(order.outTradeNo, 3250, {
      apiV3Key: 'ZYXWVUTSRQPONMLKJIHGFEDCBA987654',
    });
    expect(await sealedWithAnotherKey.send()).toEqual({
      status: 401,
      body: { code: 'FAIL', message: 'notification rejected' },
    });
    expect(await balanceOf(accountId)).toBe(0n);
  });

  it('500 when the database fails, so that WeChat retries; the retry then credits', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 3300);
    const paid = notification(order.outTradeNo, 3300);
    // Settling is one statement (settle-order.ts): the database fails under it.
    const transaction = vi.spyOn(getDb(), '$queryRaw').mockRejectedValueOnce(new Error('connection reset'));
    try {
      expect(await paid.send()).toEqual({
        status: 500,
        body: { code: 'FAIL', message: 'temporarily unable to process' },
      });
    } finally {
      transaction.mockRestore();
    }
    expect(await balanceOf(accountId)).toBe(0n);
    expect(await paid.send()).toEqual({ status: 204 });
    expect(await balanceOf(accountId)).toBe(3300n);
  });
});

describe('screenPaymentNotification, before the body is read', () => {
  it('lets the headers of a genuine notification through', async () => {
    expect(await screenPaymentNotification(notification('RCSCREEN1', 100).headers)).toBeUndefined();
  });

  it('refuses headers WeChat cannot have sent with the same 401 as every rejection; the log names why', async () => {
    const genuine = notification('RCSCREEN2', 100).headers;
    const cases = [
      { reason: 'MISSING_HEADERS', headers: new Headers() },
      {
        reason: 'STALE_TIMESTAMP',
        headers: new Headers({ ...Object.fromEntries(genuine), 'wechatpay-timestamp': '1700000000' }),
      },
      {
        reason: 'UNKNOWN_SERIAL',
        headers: new Headers({
          ...Object.fromEntries(genuine),
          'wechatpay-serial': 'PUB_KEY_ID_0000000000000000',
        }),
      },
    ];
    const logs = captureLogs();
    try {
      for (const { reason, headers } of cases) {
        expect(await screenPaymentNotification(headers), reason).toEqual({
          status: 401,
          body: { code: 'FAIL', message: 'notification rejected' },
        });
        expect(logs.rejections().at(-1)).toBe(reason);
      }
    } finally {
      logs.restore();
    }
  });
});
