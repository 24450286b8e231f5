import { describe, expect, it } from 'vitest';
import { newOutTradeNo, verifiesWithWechatpayKey, waitFor } from './support/merchant';
import { envelopeOf, pause, setupNotifySandbox } from './support/notify-fixture';

const t = setupNotifySandbox();
const { keys } = t;

describe('notification faults', () => {
  it('drops the next N attempts; WeChat retries them on schedule', async () => {
    const notify = await t.receiver();
    await t.merchant.control('POST', '/sandbox/faults/notifications', { drop: 2 });
    const outTradeNo = await t.paidOrder(notify.url);
    await waitFor(async () => (await t.log(outTradeNo)).length === 3);
    expect(notify.received).toHaveLength(1);
    expect((await t.log(outTradeNo)).map((e) => [e.attempt, e.outcome])).toEqual([
      [1, 'dropped'],
      [2, 'dropped'],
      [3, 'acknowledged'],
    ]);
  });

  it('loses a whole notification: nothing arrives, nothing is retried', async () => {
    const notify = await t.receiver();
    await t.merchant.control('POST', '/sandbox/faults/notifications', { lose: 1 });
    const outTradeNo = await t.paidOrder(notify.url);
    await pause(150);
    expect(notify.received).toHaveLength(0);
    expect(await t.log(outTradeNo)).toMatchObject([{ outcome: 'lost' }]);
    expect((await t.merchant.query(outTradeNo)).json.trade_state).toBe('SUCCESS');
  });

  it.each([true, false])('duplicates the next notification (concurrent: %s)', async (concurrent) => {
    const notify = await t.receiver();
    await t.merchant.control('POST', '/sandbox/faults/notifications', { duplicate: 3, concurrent });
    const outTradeNo = await t.paidOrder(notify.url);
    await waitFor(async () => (await t.log(outTradeNo)).length === 3);
    expect(notify.received).toHaveLength(3);
    expect(new Set(notify.received.map((n) => n.body)).size).toBe(1);
    expect((await t.log(outTradeNo)).map((e) => e.copy).sort()).toEqual([1, 2, 3]);

    // Only that one notification is duplicated.
    await t.paidOrder(notify.url);
    await waitFor(() => notify.received.length === 4);
    await pause(100);
    expect(notify.received).toHaveLength(4);
  });

  it('delays every attempt by the given milliseconds', async () => {
    const notify = await t.receiver();
    await t.merchant.control('POST', '/sandbox/faults/notifications', { delayMs: 300 });
    const paidAt = Date.now();
    await t.paidOrder(notify.url);
    await pause(50);
    expect(notify.received).toHaveLength(0);
    await waitFor(() => notify.received.length === 1);
    expect(notify.received[0]?.at ?? 0).toBeGreaterThanOrEqual(paidAt + 250);
  });

  it('sends a WECHATPAY/SIGNTEST/ probe whose signature fails verification', async () => {
    const notify = await t.receiver();
    const outTradeNo = newOutTradeNo();
    await t.merchant.create(t.merchant.orderParams(outTradeNo, notify.url));

    const probe = await t.merchant.control('POST', '/sandbox/probe', { out_trade_no: outTradeNo });
    expect(probe.json).toMatchObject({ kind: 'probe', attempt: 1, status: 204 });
    const [probed] = notify.received;
    if (!probed) throw new Error('probe not received');
    expect(probed.headers['wechatpay-signature']).toMatch(/^WECHATPAY\/SIGNTEST\//);
    expect(probed.headers['wechatpay-serial']).toBe(keys.wechatpayPublicKeyId);
    expect(envelopeOf(probed).event_type).toBe('TRANSACTION.SUCCESS');
    expect(verifiesWithWechatpayKey(keys, probed.headers, probed.body)).toBe(false);
  });

  it('reports the merchant’s answer to a probe, and does not retry it', async () => {
    const strict = await t.receiver(() => ({
      status: 401,
      body: '{"code":"FAIL","message":"bad signature"}',
    }));
    const outTradeNo = newOutTradeNo();
    await t.merchant.create(t.merchant.orderParams(outTradeNo, strict.url));
    const probe = await t.merchant.control('POST', '/sandbox/probe', { out_trade_no: outTradeNo });
    expect(probe.json).toMatchObject({ kind: 'probe', status: 401, outcome: 'rejected' });
    expect(probe.json.responseBody).toContain('bad signature');
    await pause(100);
    expect(strict.received).toHaveLength(1);
  });

  it('reset cancels pending retries', async () => {
    const notify = await t.receiver(() => ({ status: 500 }));
    await t.paidOrder(notify.url);
    await waitFor(() => notify.received.length >= 1);
    await t.merchant.control('POST', '/sandbox/reset');
    const count = notify.received.length;
    await pause(200);
    expect(notify.received.length).toBeLessThanOrEqual(count + 1);
    expect((await t.merchant.control('GET', '/sandbox/stats')).json.notifications.pendingRetries).toBe(0);
  });
});
