import { describe, expect, it } from 'vitest';
import { newOutTradeNo, verifiesWithWechatpayKey, type WireResponse } from './support/merchant';
import { setupNotifySandbox } from './support/notify-fixture';

// 申请退款 and 查询单笔退款 over the wire: shapes, idempotency and every error the sandbox answers.

const t = setupNotifySandbox();
const { keys } = t;
const NOTIFY_URL = 'http://127.0.0.1:9/refund-notify';

function expectError(response: WireResponse, status: number, code: string) {
  expect({ status: response.status, code: response.json?.code }).toEqual({ status, code });
  expect(typeof response.json.message).toBe('string');
  expect(verifiesWithWechatpayKey(keys, response.headers, response.text)).toBe(true);
}

function refundParams(outTradeNo: string, extra: Record<string, unknown> = {}) {
  return {
    out_trade_no: outTradeNo,
    out_refund_no: newOutTradeNo('RF'),
    reason: '用户申请退款',
    notify_url: NOTIFY_URL,
    amount: { refund: 500, total: 1234, currency: 'CNY' },
    ...extra,
  };
}

/** Keeps refunds PROCESSING, so that what a test reads is what the create call left. */
const hold = () => t.merchant.control('POST', '/sandbox/faults/refunds', { hold: true });

async function paidOrder() {
  const outTradeNo = newOutTradeNo();
  await t.merchant.create(t.merchant.orderParams(outTradeNo, 'http://127.0.0.1:9/notify'));
  await t.merchant.control('POST', '/sandbox/pay', { out_trade_no: outTradeNo, notify: false });
  return outTradeNo;
}

describe('申请退款 POST /v3/refund/domestic/refunds', () => {
  it('accepts a refund PROCESSING and answers the signed Refund', async () => {
    await hold();
    const outTradeNo = await paidOrder();
    const transactionId = (await t.merchant.query(outTradeNo)).json.transaction_id;
    const params = refundParams(outTradeNo);
    const created = await t.merchant.refund(params);

    expect(created.status).toBe(200);
    expect(verifiesWithWechatpayKey(keys, created.headers, created.text)).toBe(true);
    expect(created.json).toEqual({
      refund_id: expect.stringMatching(/^50\d{27}$/),
      out_refund_no: params.out_refund_no,
      transaction_id: transactionId,
      out_trade_no: outTradeNo,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      create_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/),
      status: 'PROCESSING',
      funds_account: 'UNSETTLED',
      amount: {
        total: 1234,
        refund: 500,
        payer_total: 1234,
        payer_refund: 500,
        settlement_refund: 500,
        settlement_total: 1234,
        discount_refund: 0,
        currency: 'CNY',
        refund_fee: 3,
      },
      promotion_detail: [],
    });
    expect(created.json.success_time).toBeUndefined();
  });

  it('finds the order by transaction_id too, and echoes funds_account and amount.from', async () => {
    await hold();
    const outTradeNo = await paidOrder();
    const transactionId = (await t.merchant.query(outTradeNo)).json.transaction_id;
    const created = await t.merchant.refund({
      ...refundParams(outTradeNo, { out_trade_no: undefined, transaction_id: transactionId }),
      funds_account: 'AVAILABLE',
      amount: { refund: 500, total: 1234, currency: 'CNY', from: [{ account: 'AVAILABLE', amount: 500 }] },
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      out_trade_no: outTradeNo,
      funds_account: 'AVAILABLE',
      amount: { from: [{ account: 'AVAILABLE', amount: 500 }] },
    });
  });

  it('answers a repeated out_refund_no with the same refund, and refunds only once', async () => {
    await hold();
    const outTradeNo = await paidOrder();
    const params = refundParams(outTradeNo, { amount: { refund: 1000, total: 1234, currency: 'CNY' } });
    const first = await t.merchant.refund(params);
    const again = await t.merchant.refund(params);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    // 1000 + 1000 would exceed 1234 if the repeat had been a second refund.
    expect(
      (await t.merchant.control('GET', `/sandbox/refunds?out_trade_no=${outTradeNo}`)).json,
    ).toHaveLength(1);
  });

  it.each([
    ['another amount', async () => ({ amount: { refund: 400, total: 1234, currency: 'CNY' } })],
    ['another order', async () => ({ out_trade_no: await paidOrder() })],
  ])('refuses the same out_refund_no with %s: 400 INVALID_REQUEST', async (_name, change) => {
    await hold();
    const outTradeNo = await paidOrder();
    const params = refundParams(outTradeNo);
    expect((await t.merchant.refund(params)).status).toBe(200);
    expectError(await t.merchant.refund({ ...params, ...(await change()) }), 400, 'INVALID_REQUEST');
  });

  it('refuses more than what remains refundable, counting refunds still PROCESSING', async () => {
    await hold();
    const outTradeNo = await paidOrder();
    expect((await t.merchant.refund(refundParams(outTradeNo))).status).toBe(200);
    expect((await t.merchant.refund(refundParams(outTradeNo))).status).toBe(200);
    const tooMuch = await t.merchant.refund(
      refundParams(outTradeNo, { amount: { refund: 235, total: 1234, currency: 'CNY' } }),
    );
    expectError(tooMuch, 400, 'INVALID_REQUEST');
    expect(tooMuch.json.message).toContain('可退金额');
    const rest = await t.merchant.refund(
      refundParams(outTradeNo, { amount: { refund: 234, total: 1234, currency: 'CNY' } }),
    );
    expect(rest.status).toBe(200);
  });

  it('refuses a 51st refund of one order: 400 INVALID_REQUEST (WeChat allows 50)', async () => {
    await hold();
    const outTradeNo = await paidOrder();
    const one = () => refundParams(outTradeNo, { amount: { refund: 1, total: 1234, currency: 'CNY' } });
    for (let i = 0; i < 50; i++) expect((await t.merchant.refund(one())).status).toBe(200);
    const response = await t.merchant.refund(one());
    expectError(response, 400, 'INVALID_REQUEST');
    expect(response.json.message).toContain('50');
  });

  it('refuses amount.total other than the order’s: 400 INVALID_REQUEST', async () => {
    const outTradeNo = await paidOrder();
    const response = await t.merchant.refund(
      refundParams(outTradeNo, { amount: { refund: 500, total: 1300, currency: 'CNY' } }),
    );
    expectError(response, 400, 'INVALID_REQUEST');
  });

  it.each([
    ['unknown', async () => 'NO_SUCH_ORDER_1'],
    [
      'unpaid',
      async () => {
        const outTradeNo = newOutTradeNo();
        await t.merchant.create(t.merchant.orderParams(outTradeNo, 'http://127.0.0.1:9/notify'));
        return outTradeNo;
      },
    ],
    [
      'closed',
      async () => {
        const outTradeNo = newOutTradeNo();
        await t.merchant.create(t.merchant.orderParams(outTradeNo, 'http://127.0.0.1:9/notify'));
        await t.merchant.close(outTradeNo);
        return outTradeNo;
      },
    ],
  ])('refuses a refund of an %s order: 404 RESOURCE_NOT_EXISTS', async (_name, makeOrder) => {
    expectError(await t.merchant.refund(refundParams(await makeOrder())), 404, 'RESOURCE_NOT_EXISTS');
  });

  it('refuses an unknown transaction_id, and one that names another order than out_trade_no', async () => {
    const a = await paidOrder();
    const b = await paidOrder();
    const unknown = refundParams(a, {
      out_trade_no: undefined,
      transaction_id: '4200000000202601010000000000',
    });
    expectError(await t.merchant.refund(unknown), 404, 'RESOURCE_NOT_EXISTS');
    const transactionOfB = (await t.merchant.query(b)).json.transaction_id;
    expectError(
      await t.merchant.refund(refundParams(a, { transaction_id: transactionOfB })),
      400,
      'INVALID_REQUEST',
    );
  });

  it('answers 403 NOT_ENOUGH for the next N refunds when armed, accepting nothing', async () => {
    await hold();
    const outTradeNo = await paidOrder();
    await t.merchant.control('POST', '/sandbox/faults/refunds', { notEnough: 2 });
    const params = refundParams(outTradeNo);
    expectError(await t.merchant.refund(params), 403, 'NOT_ENOUGH');
    expectError(await t.merchant.refund(params), 403, 'NOT_ENOUGH');
    expectError(await t.merchant.queryRefund(params.out_refund_no), 404, 'RESOURCE_NOT_EXISTS');
    expect((await t.merchant.refund(params)).status).toBe(200);
  });

  it('answers 429 FREQUENCY_LIMITED and 500 SYSTEM_ERROR through the API faults', async () => {
    const outTradeNo = await paidOrder();
    await t.merchant.control('POST', '/sandbox/faults/api', {
      endpoint: 'refund',
      kind: 'frequency-limited',
    });
    const params = refundParams(outTradeNo);
    expectError(await t.merchant.refund(params), 429, 'FREQUENCY_LIMITED');
    expect((await t.merchant.control('GET', '/sandbox/refunds')).json).toHaveLength(0);
    await t.merchant.control('POST', '/sandbox/faults/api', {
      endpoint: 'refund',
      kind: 'system-error',
      afterProcessing: true,
    });
    expectError(await t.merchant.refund(params), 500, 'SYSTEM_ERROR');
    // The refund was accepted behind the error: the retry with the same out_refund_no gets it.
    expect((await t.merchant.refund(params)).json.out_refund_no).toBe(params.out_refund_no);
    expect((await t.merchant.control('GET', '/sandbox/refunds')).json).toHaveLength(1);
  });

  it('answers 401 SIGN_ERROR to an unsigned or wrongly signed request', async () => {
    const outTradeNo = await paidOrder();
    expectError(
      await t.merchant.refund(refundParams(outTradeNo), { authorization: null }),
      401,
      'SIGN_ERROR',
    );
    const forged = await t.merchant.refund(refundParams(outTradeNo), { overrides: { signature: 'AAAA' } });
    expectError(forged, 401, 'SIGN_ERROR');
  });

  it.each([
    ['out_refund_no', { out_refund_no: undefined }],
    ['out_refund_no', { out_refund_no: 'has space' }],
    ['out_refund_no', { out_refund_no: 'x'.repeat(65) }],
    ['out_trade_no', { out_trade_no: undefined }],
    ['reason', { reason: '退'.repeat(27) }],
    ['notify_url', { notify_url: 'http://example.com/notify' }],
    ['notify_url', { notify_url: 'https://example.com/notify?x=1' }],
    ['funds_account', { funds_account: 'BASIC' }],
    ['amount', { amount: undefined }],
    ['amount.refund', { amount: { refund: 0, total: 1234, currency: 'CNY' } }],
    ['amount.refund', { amount: { refund: 1.5, total: 1234, currency: 'CNY' } }],
    ['amount.refund', { amount: { refund: 1235, total: 1234, currency: 'CNY' } }],
    ['amount.total', { amount: { refund: 1, currency: 'CNY' } }],
    ['amount.currency', { amount: { refund: 1, total: 1234 } }],
    ['amount.currency', { amount: { refund: 1, total: 1234, currency: 'USD' } }],
    [
      'amount.from',
      { amount: { refund: 2, total: 1234, currency: 'CNY', from: [{ account: 'AVAILABLE', amount: 1 }] } },
    ],
  ])('answers 400 PARAM_ERROR naming %s', async (field, change) => {
    const outTradeNo = await paidOrder();
    const response = await t.merchant.refund({ ...refundParams(outTradeNo), ...change });
    expectError(response, 400, 'PARAM_ERROR');
    expect(response.json.message).toContain(`/body/${field.replaceAll('.', '/')}`);
  });

  it('answers 400 INVALID_REQUEST to a body that is not JSON', async () => {
    const response = await t.merchant.refund('{', { contentType: 'text/plain' });
    expectError(response, 400, 'INVALID_REQUEST');
  });
});

describe('查询单笔退款 GET /v3/refund/domestic/refunds/{out_refund_no}', () => {
  it('answers the refund as it now stands, signed', async () => {
    await hold();
    const outTradeNo = await paidOrder();
    const params = refundParams(outTradeNo, { out_refund_no: `RF|*@_-${Date.now()}` });
    const created = await t.merchant.refund(params);
    const queried = await t.merchant.queryRefund(encodeURIComponent(params.out_refund_no));
    expect(queried.status).toBe(200);
    expect(verifiesWithWechatpayKey(keys, queried.headers, queried.text)).toBe(true);
    expect(queried.json).toEqual(created.json);
  });

  it('answers 404 RESOURCE_NOT_EXISTS for an unknown out_refund_no, 400 PARAM_ERROR for a malformed one', async () => {
    expectError(await t.merchant.queryRefund('NO_SUCH_REFUND'), 404, 'RESOURCE_NOT_EXISTS');
    expectError(await t.merchant.queryRefund('bad%20number'), 400, 'PARAM_ERROR');
  });
});
