import { describe, expect, it } from 'vitest';
import { startSandbox } from '../src/server';
import {
  decryptResource,
  Merchant,
  newOutTradeNo,
  type ReceivedNotification,
  verifiesWithWechatpayKey,
  waitFor,
} from './support/merchant';
import { envelopeOf, pause, setupNotifySandbox } from './support/notify-fixture';

// A refund's life: PROCESSING, then SUCCESS on its own (refundDelaySeconds / timeScale = 10 ms here) or
// ABNORMAL/CLOSED through the control API, each final state notified like a payment.

const t = setupNotifySandbox();
const { keys } = t;

async function paidOrder(total = 1234) {
  const outTradeNo = newOutTradeNo();
  const params = {
    ...t.merchant.orderParams(outTradeNo, 'http://127.0.0.1:9/notify'),
    amount: { total, currency: 'CNY' },
  };
  await t.merchant.create(params);
  await t.merchant.control('POST', '/sandbox/pay', { out_trade_no: outTradeNo, notify: false });
  return outTradeNo;
}

async function refund(outTradeNo: string, notifyUrl: string, refundFen = 500, total = 1234) {
  const outRefundNo = newOutTradeNo('RF');
  const response = await t.merchant.refund({
    out_trade_no: outTradeNo,
    out_refund_no: outRefundNo,
    notify_url: notifyUrl,
    amount: { refund: refundFen, total, currency: 'CNY' },
  });
  expect(response.status).toBe(200);
  return { outRefundNo, created: response.json };
}

function decrypted(notification: ReceivedNotification) {
  expect(verifiesWithWechatpayKey(keys, notification.headers, notification.body)).toBe(true);
  const envelope = envelopeOf(notification);
  return { envelope, resource: decryptResource(keys, envelope.resource) as Record<string, unknown> };
}

const outcome = (outRefundNo: string, status: string) =>
  t.merchant.control('POST', '/sandbox/refunds/outcome', { out_refund_no: outRefundNo, status });

describe('refund lifecycle', () => {
  it('succeeds after the delay and sends a signed, encrypted REFUND.SUCCESS', async () => {
    const notify = await t.receiver();
    const outTradeNo = await paidOrder();
    const { outRefundNo, created } = await refund(outTradeNo, notify.url);
    expect(created.status).toBe('PROCESSING');
    await waitFor(() => notify.received.length === 1);

    const { envelope, resource } = decrypted(notify.received[0] as ReceivedNotification);
    expect(envelope).toEqual({
      id: expect.stringMatching(/^EV-/),
      create_time: expect.stringMatching(/\+08:00$/),
      event_type: 'REFUND.SUCCESS',
      resource_type: 'encrypt-resource',
      summary: '退款成功',
      resource: {
        original_type: 'refund',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: expect.any(String),
        associated_data: 'refund',
        nonce: expect.stringMatching(/^\w{12}$/),
      },
    });
    const queried = (await t.merchant.queryRefund(outRefundNo)).json;
    expect(queried).toMatchObject({ status: 'SUCCESS', success_time: expect.stringMatching(/\+08:00$/) });
    expect(resource).toEqual({
      mchid: keys.mchid,
      transaction_id: created.transaction_id,
      out_trade_no: outTradeNo,
      refund_id: created.refund_id,
      out_refund_no: outRefundNo,
      refund_status: 'SUCCESS',
      success_time: queried.success_time,
      user_received_account: '支付用户零钱',
      amount: { total: 1234, refund: 500, payer_total: 1234, payer_refund: 500 },
    });
  });

  it('turns the transaction’s trade_state to REFUND once a refund has succeeded, not before', async () => {
    await t.merchant.control('POST', '/sandbox/faults/refunds', { hold: true });
    const outTradeNo = await paidOrder();
    const { outRefundNo } = await refund(outTradeNo, 'http://127.0.0.1:9/refund-notify');
    expect((await t.merchant.query(outTradeNo)).json.trade_state).toBe('SUCCESS');
    await outcome(outRefundNo, 'SUCCESS');
    const transaction = (await t.merchant.query(outTradeNo)).json;
    expect(transaction).toMatchObject({ trade_state: 'REFUND', trade_state_desc: '转入退款' });
    expect(transaction.amount).toEqual({
      total: 1234,
      payer_total: 1234,
      currency: 'CNY',
      payer_currency: 'CNY',
    });
  });

  it.each([
    ['ABNORMAL', '退款异常'],
    ['CLOSED', '退款关闭'],
  ])('ends %s through the control API, notified, and gives its amount back', async (status, summary) => {
    await t.merchant.control('POST', '/sandbox/faults/refunds', { hold: true });
    const notify = await t.receiver();
    const outTradeNo = await paidOrder(1000);
    const { outRefundNo } = await refund(outTradeNo, notify.url, 1000, 1000);
    await pause(50);
    expect(notify.received).toHaveLength(0);
    expect((await t.merchant.queryRefund(outRefundNo)).json.status).toBe('PROCESSING');

    const ended = await outcome(outRefundNo, status);
    expect(ended.json).toMatchObject({ status, refund: { status } });
    await waitFor(() => notify.received.length === 1);
    const { envelope, resource } = decrypted(notify.received[0] as ReceivedNotification);
    expect(envelope).toMatchObject({ event_type: `REFUND.${status}`, summary });
    expect(resource).toMatchObject({ out_refund_no: outRefundNo, refund_status: status });
    expect(resource.success_time).toBeUndefined();
    expect((await t.merchant.query(outTradeNo)).json.trade_state).toBe('SUCCESS');

    // The failed refund's 10.00 is refundable again, under a new out_refund_no.
    expect((await refund(outTradeNo, notify.url, 1000, 1000)).created.status).toBe('PROCESSING');
  });

  it('refuses an outcome for a refund already final (409) or unknown (404)', async () => {
    const notify = await t.receiver();
    const outTradeNo = await paidOrder();
    const { outRefundNo } = await refund(outTradeNo, notify.url);
    await waitFor(() => notify.received.length === 1);
    const late = await outcome(outRefundNo, 'CLOSED');
    expect([late.status, late.json.code]).toEqual([409, 'REFUND_NOT_PROCESSING']);
    expect((await outcome('NO_SUCH_REFUND', 'SUCCESS')).status).toBe(404);
    expect((await outcome(outRefundNo, 'PROCESSING')).status).toBe(400);
  });

  it('holds refunds PROCESSING until released, then lets them succeed', async () => {
    const notify = await t.receiver();
    await t.merchant.control('POST', '/sandbox/faults/refunds', { hold: true });
    expect((await t.merchant.control('GET', '/sandbox/faults')).json.refunds).toEqual({
      notEnough: 0,
      hold: true,
    });
    const outTradeNo = await paidOrder();
    const { outRefundNo } = await refund(outTradeNo, notify.url);
    await pause(60);
    expect(
      (await t.merchant.control('GET', `/sandbox/refund?out_refund_no=${outRefundNo}`)).json,
    ).toMatchObject({
      status: 'PROCESSING',
      held: true,
    });
    await t.merchant.control('POST', '/sandbox/faults/refunds', { hold: false });
    await waitFor(() => notify.received.length === 1);
    expect((await t.merchant.queryRefund(outRefundNo)).json.status).toBe('SUCCESS');
  });

  it('retries refund notifications on WeChat’s schedule and logs them under the refund', async () => {
    const notify = await t.receiver((n) => (n === 1 ? { status: 500 } : { status: 204 }));
    const outTradeNo = await paidOrder();
    const { outRefundNo } = await refund(outTradeNo, notify.url);
    const logOf = async () =>
      (await t.merchant.control('GET', `/sandbox/notifications?out_refund_no=${outRefundNo}`)).json;
    await waitFor(async () => (await logOf()).length === 2);
    const ids = notify.received.map((n) => envelopeOf(n).id);
    expect(ids[0]).toBe(ids[1]);
    const log = await logOf();
    expect(log.map((e: { attempt: number; status: number }) => [e.attempt, e.status])).toEqual([
      [1, 500],
      [2, 204],
    ]);
    expect(log[0]).toMatchObject({ kind: 'notification', outTradeNo, outRefundNo });
  });

  it('applies the notification faults to refunds: duplicates, then a lost one', async () => {
    const notify = await t.receiver();
    await t.merchant.control('POST', '/sandbox/faults/notifications', { duplicate: 2 });
    const outTradeNo = await paidOrder();
    await refund(outTradeNo, notify.url, 100);
    await waitFor(() => notify.received.length === 2);
    expect(notify.received[0]?.body).toBe(notify.received[1]?.body);

    await t.merchant.control('POST', '/sandbox/faults/notifications', { lose: 1 });
    const { outRefundNo } = await refund(outTradeNo, notify.url, 100);
    await waitFor(async () => (await t.merchant.queryRefund(outRefundNo)).json.status === 'SUCCESS');
    await pause(50);
    expect(notify.received).toHaveLength(2);
    const log = (await t.merchant.control('GET', `/sandbox/notifications?out_refund_no=${outRefundNo}`)).json;
    expect(log).toMatchObject([{ outcome: 'lost' }]);
  });

  it('resends a final refund’s notification on request, as a new event', async () => {
    const notify = await t.receiver();
    const outTradeNo = await paidOrder();
    const { outRefundNo } = await refund(outTradeNo, notify.url);
    await waitFor(() => notify.received.length === 1);
    const resent = await t.merchant.control('POST', '/sandbox/refunds/notify', {
      out_refund_no: outRefundNo,
    });
    expect(resent.json.event_id).toMatch(/^EV-/);
    await waitFor(() => notify.received.length === 2);
    expect(envelopeOf(notify.received[1] as ReceivedNotification).id).toBe(resent.json.event_id);
  });
});

describe('refund notify URL', () => {
  it('falls back to the merchant’s configured refund notify URL, never to the order’s notify_url', async () => {
    const configured = await t.receiver();
    const orderNotify = await t.receiver();
    const sandbox = await startSandbox({
      ...keys,
      port: 0,
      timeScale: 1000,
      refundNotifyUrl: configured.url,
    });
    try {
      const merchant = new Merchant(sandbox.url, keys);
      const outTradeNo = newOutTradeNo();
      await merchant.create(merchant.orderParams(outTradeNo, orderNotify.url));
      await merchant.control('POST', '/sandbox/pay', { out_trade_no: outTradeNo, notify: false });
      const outRefundNo = newOutTradeNo('RF');
      await merchant.refund({
        out_trade_no: outTradeNo,
        out_refund_no: outRefundNo,
        amount: { refund: 100, total: 1234, currency: 'CNY' },
      });
      await waitFor(() => configured.received.length === 1);
      expect(envelopeOf(configured.received[0] as ReceivedNotification).event_type).toBe('REFUND.SUCCESS');
      expect(orderNotify.received).toHaveLength(0);
    } finally {
      await sandbox.close();
    }
  });

  it('sends nothing when neither the request nor the merchant’s settings name one', async () => {
    const orderNotify = await t.receiver();
    const outTradeNo = newOutTradeNo();
    await t.merchant.create(t.merchant.orderParams(outTradeNo, orderNotify.url));
    await t.merchant.control('POST', '/sandbox/pay', { out_trade_no: outTradeNo, notify: false });
    const outRefundNo = newOutTradeNo('RF');
    await t.merchant.refund({
      out_trade_no: outTradeNo,
      out_refund_no: outRefundNo,
      amount: { refund: 100, total: 1234, currency: 'CNY' },
    });
    await waitFor(async () => (await t.merchant.queryRefund(outRefundNo)).json.status === 'SUCCESS');
    await pause(50);
    expect(orderNotify.received).toHaveLength(0);
    expect(
      (await t.merchant.control('POST', '/sandbox/refunds/notify', { out_refund_no: outRefundNo })).json,
    ).toEqual({
      event_id: null,
    });
  });

  it('rejects a start option refundNotifyUrl that WeChat would not accept', async () => {
    await expect(startSandbox({ ...keys, port: 0, refundNotifyUrl: 'http://example.com/x' })).rejects.toThrow(
      /refundNotifyUrl/,
    );
  });
});

describe('merchant-portal refund', () => {
  it('refunds what remains by itself, under its own out_refund_no, notified to the given URL', async () => {
    const notify = await t.receiver();
    const outTradeNo = await paidOrder();
    await refund(outTradeNo, notify.url, 234);
    await waitFor(() => notify.received.length === 1);

    const portal = await t.merchant.control('POST', '/sandbox/refunds/portal', {
      out_trade_no: outTradeNo,
      reason: '客服退款',
      notify_url: notify.url,
    });
    expect(portal.status).toBe(200);
    expect(portal.json).toMatchObject({
      out_refund_no: expect.stringMatching(/^PORTAL_\d{18}$/),
      source: 'portal',
      refundable: 0,
      refund: { amount: { refund: 1000, total: 1234 } },
    });
    await waitFor(() => notify.received.length === 2);
    const { resource } = decrypted(notify.received[1] as ReceivedNotification);
    expect(resource).toMatchObject({ out_refund_no: portal.json.out_refund_no, refund_status: 'SUCCESS' });
    // The merchant can query it like its own.
    expect((await t.merchant.queryRefund(portal.json.out_refund_no)).json.out_trade_no).toBe(outTradeNo);

    const nothingLeft = await t.merchant.control('POST', '/sandbox/refunds/portal', {
      out_trade_no: outTradeNo,
    });
    expect([nothingLeft.status, nothingLeft.json.code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('refunds a given amount, and answers WeChat’s errors for unpaid orders and NOT_ENOUGH', async () => {
    const outTradeNo = await paidOrder();
    const partial = await t.merchant.control('POST', '/sandbox/refunds/portal', {
      out_trade_no: outTradeNo,
      amount: 34,
    });
    expect(partial.json).toMatchObject({ refundable: 1200, notify_url: null });

    await t.merchant.control('POST', '/sandbox/faults/refunds', { notEnough: 1 });
    const poor = await t.merchant.control('POST', '/sandbox/refunds/portal', { out_trade_no: outTradeNo });
    expect([poor.status, poor.json.code]).toEqual([403, 'NOT_ENOUGH']);

    const unpaid = newOutTradeNo();
    await t.merchant.create(t.merchant.orderParams(unpaid, 'http://127.0.0.1:9/notify'));
    const notPaid = await t.merchant.control('POST', '/sandbox/refunds/portal', { out_trade_no: unpaid });
    expect([notPaid.status, notPaid.json.code]).toEqual([404, 'RESOURCE_NOT_EXISTS']);
  });
});
