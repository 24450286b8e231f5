import { describe, expect, it } from 'vitest';
import { startSandbox } from '../src/server';
import {
  decryptResource,
  Merchant,
  newOutTradeNo,
  startReceiver,
  verifiesWithWechatpayKey,
  waitFor,
} from './support/merchant';
import { envelopeOf, pause, setupNotifySandbox } from './support/notify-fixture';

const t = setupNotifySandbox();
const { keys } = t;

describe('payment notification', () => {
  it('delivers a signed, encrypted TRANSACTION.SUCCESS that decrypts to the paid Transaction', async () => {
    const notify = await t.receiver();
    const outTradeNo = await t.paidOrder(notify.url);
    await waitFor(() => notify.received.length === 1);

    const [notification] = notify.received;
    if (!notification) throw new Error('no notification');
    expect(notification.headers['content-type']).toContain('application/json');
    expect(verifiesWithWechatpayKey(keys, notification.headers, notification.body)).toBe(true);

    const envelope = envelopeOf(notification);
    expect(envelope).toEqual({
      id: expect.stringMatching(/^EV-/),
      create_time: expect.stringMatching(/\+08:00$/),
      event_type: 'TRANSACTION.SUCCESS',
      resource_type: 'encrypt-resource',
      summary: '支付成功',
      resource: {
        original_type: 'transaction',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: expect.any(String),
        associated_data: 'transaction',
        nonce: expect.stringMatching(/^\w{12}$/),
      },
    });
    const transaction = decryptResource(keys, envelope.resource);
    expect(transaction).toMatchObject({
      appid: keys.appid,
      mchid: keys.mchid,
      out_trade_no: outTradeNo,
      transaction_id: expect.stringMatching(/^\d{28}$/),
      trade_type: 'NATIVE',
      trade_state: 'SUCCESS',
      attach: 'acct-7',
      amount: { total: 1234, payer_total: 1234 },
    });
    expect(transaction).toEqual((await t.merchant.query(outTradeNo)).json);

    await waitFor(async () => (await t.log(outTradeNo)).length === 1);
    expect(await t.log(outTradeNo)).toMatchObject([{ attempt: 1, outcome: 'acknowledged', status: 204 }]);
  });

  it('retries the same event on a non-2xx answer and stops at the first 204', async () => {
    const notify = await t.receiver((n) =>
      n <= 2 ? { status: 500, body: '{"code":"FAIL","message":"db down"}' } : { status: 204 },
    );
    const outTradeNo = await t.paidOrder(notify.url);
    await waitFor(async () => (await t.log(outTradeNo)).length === 3);
    await pause(100);
    expect(notify.received).toHaveLength(3);

    const ids = notify.received.map((n) => envelopeOf(n).id);
    expect(new Set(ids).size).toBe(1);
    expect(notify.received.every((n) => verifiesWithWechatpayKey(keys, n.headers, n.body))).toBe(true);
    expect((await t.log(outTradeNo)).map((e) => [e.attempt, e.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 204],
    ]);
    expect((await t.log(outTradeNo))[0]?.responseBody).toContain('db down');
    expect((await t.merchant.control('GET', '/sandbox/stats')).json.notifications.pendingRetries).toBe(0);
  });

  it('treats a 200 with a FAIL body as delivered (WeChat does not read it)', async () => {
    const notify = await t.receiver(() => ({ status: 200, body: '{"code":"FAIL","message":"x"}' }));
    await t.paidOrder(notify.url);
    await waitFor(() => notify.received.length === 1);
    await pause(100);
    expect(notify.received).toHaveLength(1);
  });

  it('retries after network errors (nothing listening)', async () => {
    const gone = await startReceiver();
    await gone.close();
    const outTradeNo = await t.paidOrder(gone.url);
    await waitFor(async () => (await t.log(outTradeNo)).length >= 3);
    const entries = await t.log(outTradeNo);
    expect(entries.slice(0, 3).map((e) => [e.attempt, e.outcome])).toEqual([
      [1, 'error'],
      [2, 'error'],
      [3, 'error'],
    ]);
  });

  it('follows the whole schedule, 1 + 15 attempts, then gives up', async () => {
    const fast = await startSandbox({ ...keys, port: 0, timeScale: 1_000_000 });
    try {
      const fastMerchant = new Merchant(fast.url, keys);
      const notify = await t.receiver(() => ({ status: 503 }));
      const outTradeNo = newOutTradeNo();
      await fastMerchant.create(fastMerchant.orderParams(outTradeNo, notify.url));
      await fastMerchant.control('POST', '/sandbox/pay', { out_trade_no: outTradeNo });
      await waitFor(() => notify.received.length === 16);
      await waitFor(
        async () =>
          (await fastMerchant.control('GET', '/sandbox/stats')).json.notifications.pendingRetries === 0,
      );
      await pause(100);
      expect(notify.received).toHaveLength(16);
    } finally {
      await fast.close();
    }
  });

  it('sends nothing for a failed payment (WeChat notifies successes only)', async () => {
    const notify = await t.receiver();
    const outTradeNo = newOutTradeNo();
    await t.merchant.create(t.merchant.orderParams(outTradeNo, notify.url));
    const failed = await t.merchant.control('POST', '/sandbox/fail', { out_trade_no: outTradeNo });
    expect(failed.json.trade_state).toBe('PAYERROR');
    expect((await t.merchant.query(outTradeNo)).json.trade_state).toBe('PAYERROR');
    await pause(100);
    expect(notify.received).toHaveLength(0);
  });

  it('resends a paid order’s notification on request, as a new event', async () => {
    const notify = await t.receiver();
    const outTradeNo = await t.paidOrder(notify.url);
    await waitFor(() => notify.received.length === 1);
    await t.merchant.control('POST', '/sandbox/notify', { out_trade_no: outTradeNo });
    await waitFor(() => notify.received.length === 2);
    const [first, second] = notify.received.map((n) => envelopeOf(n).id);
    expect(first).not.toBe(second);
  });
});
