import { beforeAll, describe, expect, it } from 'vitest';
import { createWechatPayClient } from '@/lib/wechat-pay/client';
import type { WechatPayConfig } from '@/lib/wechat-pay/config';
import type { NativeOrderInput } from '@/lib/wechat-pay/types';
import { createWechatPayTestKeys, type WechatPayTestKeys } from '../../support/wechat-pay-keys';
import {
  caught,
  expectValidMerchantSignature as expectSignedByMerchant,
  fakeWechatPayFor,
  type SentRequest,
  type Signing,
  signedResponse,
} from './fake-wechat-pay';
import { buildWireTransaction, loadTestConfig, NOW } from './fixtures';

let keys: WechatPayTestKeys;
let config: WechatPayConfig;
beforeAll(async () => {
  keys = await createWechatPayTestKeys();
  config = loadTestConfig(keys);
});

const fakeWechatPay = (answer: (request: SentRequest) => Response | Promise<Response>) =>
  fakeWechatPayFor(config, answer);
const respond = (status: number, body: unknown, signing: Signing = 'valid') =>
  signedResponse(keys, status, body, signing);

const expectValidMerchantSignature = (request: SentRequest) => expectSignedByMerchant(keys, request);

const ORDER: NativeOrderInput = {
  outTradeNo: 'R20261125ABC123',
  description: '账户充值 ¥50.00',
  amountFen: 5000,
  timeExpire: new Date('2026-11-25T10:30:00.750Z'),
  notifyUrl: 'https://pay.example.com/api/wechat-pay/notify',
  attach: 'account:42',
};

describe('createNativeOrder', () => {
  it('posts the order signed over the exact bytes sent and returns the code_url', async () => {
    const { client, sent } = fakeWechatPay(() =>
      respond(200, { code_url: 'weixin://wxpay/bizpayurl?pr=p4lpSuKzz' }),
    );
    await expect(client.createNativeOrder(ORDER)).resolves.toEqual({
      codeUrl: 'weixin://wxpay/bizpayurl?pr=p4lpSuKzz',
    });

    const [request] = sent;
    if (!request) throw new Error('no request sent');
    expect(request.method).toBe('POST');
    expect(request.url.href).toBe('http://127.0.0.1:3100/v3/pay/transactions/native');
    expect(request.headers.get('Content-Type')).toBe('application/json');
    expect(request.headers.get('Accept')).toBe('application/json');
    expect(request.headers.get('User-Agent')).toBeTruthy();
    // Never served from Next's data cache, never redirected elsewhere with a signed request.
    expect(request.init).toMatchObject({ cache: 'no-store', redirect: 'error' });
    expect(JSON.parse(request.body)).toEqual({
      appid: keys.appid,
      mchid: keys.mchid,
      description: '账户充值 ¥50.00',
      out_trade_no: 'R20261125ABC123',
      time_expire: '2026-11-25T18:30:00+08:00',
      attach: 'account:42',
      notify_url: 'https://pay.example.com/api/wechat-pay/notify',
      amount: { total: 5000, currency: 'CNY' },
    });
    expectValidMerchantSignature(request);
  });

  it.each<{ name: string; input: Partial<NativeOrderInput> }>([
    { name: 'an out_trade_no shorter than 6 characters', input: { outTradeNo: 'R1234' } },
    { name: 'an out_trade_no longer than 32 characters', input: { outTradeNo: 'R'.repeat(33) } },
    { name: 'an out_trade_no with a character outside [0-9A-Za-z_*-]', input: { outTradeNo: 'R2026/1125' } },
    { name: 'a zero amount', input: { amountFen: 0 } },
    { name: 'a negative amount', input: { amountFen: -100 } },
    { name: 'a fractional amount', input: { amountFen: 50.5 } },
    { name: 'an empty description', input: { description: '' } },
    { name: 'a description over 127 characters', input: { description: 'x'.repeat(128) } },
    { name: 'an attach over 128 characters', input: { attach: 'x'.repeat(129) } },
    { name: 'a notify URL with a query string', input: { notifyUrl: 'https://pay.example.com/notify?a=1' } },
    { name: 'a notify URL that is not http(s)', input: { notifyUrl: 'ftp://pay.example.com/notify' } },
    {
      name: 'a plain-http notify URL on a public host',
      input: { notifyUrl: 'http://pay.example.com/notify' },
    },
    { name: 'an expiry in the past', input: { timeExpire: new Date(NOW.getTime() - 1000) } },
    { name: 'an invalid expiry date', input: { timeExpire: new Date('not a date') } },
  ])('refuses $name locally without calling WeChat', async ({ input }) => {
    const { client, sent } = fakeWechatPay(() => respond(200, { code_url: 'weixin://x' }));
    const error = await caught(client.createNativeOrder({ ...ORDER, ...input }));
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
    expect(sent).toHaveLength(0);
  });
});

describe('queryOrder', () => {
  it('GETs the order by out_trade_no with mchid in the query, signed over an empty body line', async () => {
    const { client, sent } = fakeWechatPay(() => respond(200, buildWireTransaction(keys)));
    const transaction = await client.queryOrder('R20261125ABC123');

    expect(transaction).toMatchObject({ outTradeNo: 'R20261125ABC123', status: 'PAID', amountFen: 5000 });
    const [request] = sent;
    if (!request) throw new Error('no request sent');
    expect(request.method).toBe('GET');
    expect(`${request.url.pathname}${request.url.search}`).toBe(
      `/v3/pay/transactions/out-trade-no/R20261125ABC123?mchid=${keys.mchid}`,
    );
    expect(request.body).toBe('');
    expect(request.headers.has('Content-Type')).toBe(false);
    expectValidMerchantSignature(request);
  });

  it('maps an unpaid order (no transaction_id, no payer_total) to PENDING', async () => {
    const notPaid = buildWireTransaction(keys, {
      trade_state: 'NOTPAY',
      trade_state_desc: '订单未支付',
      transaction_id: undefined,
      success_time: undefined,
      payer: {},
      amount: { total: 5000, payer_currency: 'CNY' },
    });
    const { client } = fakeWechatPay(() => respond(200, notPaid));
    const transaction = await client.queryOrder('R20261125ABC123');
    expect(transaction).toMatchObject({ status: 'PENDING', tradeState: 'NOTPAY', amountFen: 5000 });
    expect(transaction.transactionId).toBeUndefined();
    expect(transaction.payerTotalFen).toBeUndefined();
  });

  it('reports ORDER_NOT_EXIST as a non-retryable WechatPayError, even when the 404 is unsigned', async () => {
    const { client } = fakeWechatPay(() =>
      respond(404, { code: 'ORDER_NOT_EXIST', message: '订单不存在' }, 'none'),
    );
    const error = await caught(client.queryOrder('R20261125ABC123'));
    expect(error).toMatchObject({
      code: 'ORDER_NOT_EXIST',
      httpStatus: 404,
      retryable: false,
      message: '订单不存在',
    });
  });

  it('rejects a signed answer about another order as INVALID_RESPONSE', async () => {
    const { client } = fakeWechatPay(() =>
      respond(200, buildWireTransaction(keys, { out_trade_no: 'R20261125OTHER' })),
    );
    const error = await caught(client.queryOrder('R20261125ABC123'));
    expect(error).toMatchObject({ code: 'INVALID_RESPONSE', retryable: false });
  });

  it('rejects a signed 2xx whose body is not a transaction as INVALID_RESPONSE', async () => {
    const { client } = fakeWechatPay(() => respond(200, { trade_state: 'SUCCESS' }));
    const error = await caught(client.queryOrder('R20261125ABC123'));
    expect(error).toMatchObject({ code: 'INVALID_RESPONSE', httpStatus: 200, retryable: false });
  });
});

describe('closeOrder', () => {
  it('POSTs {"mchid":…} to the close path and accepts a signed 204', async () => {
    const { client, sent } = fakeWechatPay(() => respond(204, undefined));
    await expect(client.closeOrder('R20261125ABC123')).resolves.toBeUndefined();

    const [request] = sent;
    if (!request) throw new Error('no request sent');
    expect(request.method).toBe('POST');
    expect(request.url.pathname).toBe('/v3/pay/transactions/out-trade-no/R20261125ABC123/close');
    expect(request.body).toBe(`{"mchid":"${keys.mchid}"}`);
    expectValidMerchantSignature(request);
  });

  it.each([
    {
      name: 'a signed 202 USER_PAYING (payer entering the password)',
      status: 202,
      body: { code: 'USER_PAYING', message: '用户支付中' },
      code: 'USER_PAYING',
    },
    { name: 'a signed 200 with a body', status: 200, body: { anything: true }, code: 'UNEXPECTED_STATUS' },
  ])(
    'does not take $name for closed: a retryable error so the caller queries',
    async ({ status, body, code }) => {
      const { client } = fakeWechatPay(() => respond(status, body));
      await expect(caught(client.closeOrder('R20261125ABC123'))).resolves.toMatchObject({
        code,
        httpStatus: status,
        retryable: true,
      });
    },
  );

  it('refuses an invalid out_trade_no locally', async () => {
    const { client, sent } = fakeWechatPay(() => respond(204, undefined));
    await expect(caught(client.closeOrder('../../v3/refund'))).resolves.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(sent).toHaveLength(0);
  });
});

describe('response verification and errors', () => {
  it.each<{ name: string; signing: Signing }>([
    { name: 'an unsigned 2xx', signing: 'none' },
    { name: 'a 2xx signed with the wrong key', signing: 'wrong-key' },
    { name: 'a 2xx with a stale signature timestamp', signing: 'stale' },
  ])('treats $name as forged: INVALID_SIGNATURE, not retryable', async ({ signing }) => {
    const { client } = fakeWechatPay(() =>
      respond(200, { code_url: 'weixin://wxpay/bizpayurl?pr=forged' }, signing),
    );
    const error = await caught(client.createNativeOrder(ORDER));
    expect(error).toMatchObject({ code: 'INVALID_SIGNATURE', httpStatus: 200, retryable: false });
  });

  it('rejects WeChat’s SIGNTEST probe on a response, but as retryable: the same request again is right', async () => {
    const { client } = fakeWechatPay(() =>
      respond(200, { code_url: 'weixin://wxpay/bizpayurl?pr=probe' }, 'probe'),
    );
    const error = await caught(client.createNativeOrder(ORDER));
    expect(error).toMatchObject({
      code: 'INVALID_SIGNATURE',
      retryable: true,
      detail: { reason: 'PROBE_SIGNATURE' },
    });
  });

  it('treats an unsigned 204 on close as forged', async () => {
    const { client } = fakeWechatPay(() => respond(204, undefined, 'none'));
    await expect(caught(client.closeOrder('R20261125ABC123'))).resolves.toMatchObject({
      code: 'INVALID_SIGNATURE',
    });
  });

  it.each<{ status: number; code: string; retryable: boolean; signing: Signing }>([
    { status: 400, code: 'PARAM_ERROR', retryable: false, signing: 'valid' },
    { status: 400, code: 'PARAM_ERROR', retryable: false, signing: 'none' },
    { status: 401, code: 'SIGN_ERROR', retryable: false, signing: 'none' },
    { status: 403, code: 'OUT_TRADE_NO_USED', retryable: false, signing: 'valid' },
    { status: 429, code: 'FREQUENCY_LIMITED', retryable: true, signing: 'valid' },
    { status: 500, code: 'SYSTEM_ERROR', retryable: true, signing: 'valid' },
    { status: 503, code: 'SYSTEM_ERROR', retryable: true, signing: 'none' },
  ])(
    'reports HTTP $status $code (signature: $signing) with retryable=$retryable',
    async ({ status, code, retryable, signing }) => {
      const body = { code, message: `message for ${code}`, detail: { field: 'amount.total' } };
      const { client } = fakeWechatPay(() => respond(status, body, signing));
      const error = await caught(client.createNativeOrder(ORDER));
      expect(error).toMatchObject({ code, httpStatus: status, retryable, message: `message for ${code}` });
      expect(error.detail).toEqual({ field: 'amount.total' });
    },
  );

  it('does not trust an error response whose signature is present but wrong', async () => {
    const body = { code: 'ORDER_NOT_EXIST', message: '订单不存在' };
    const { client } = fakeWechatPay(() => respond(404, body, 'wrong-key'));
    const error = await caught(client.queryOrder('R20261125ABC123'));
    expect(error).toMatchObject({ code: 'INVALID_SIGNATURE', httpStatus: 404, retryable: false });
  });

  it('reports a non-JSON 502 from a proxy as a retryable INVALID_RESPONSE', async () => {
    const { client } = fakeWechatPay(() => respond(502, '<html>Bad Gateway</html>', 'none'));
    const error = await caught(client.queryOrder('R20261125ABC123'));
    expect(error).toMatchObject({ code: 'INVALID_RESPONSE', httpStatus: 502, retryable: true });
  });

  it('reports a network failure as a retryable NETWORK_ERROR', async () => {
    const { client } = fakeWechatPay(() => Promise.reject(new TypeError('fetch failed')));
    const error = await caught(client.queryOrder('R20261125ABC123'));
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', retryable: true });
    expect(error.httpStatus).toBeUndefined();
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('gives up after the configured timeout with a retryable TIMEOUT', async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const client = createWechatPayClient(loadTestConfig(keys, 30), { fetch: hanging, now: () => NOW });
    const started = Date.now();
    const error = await caught(client.queryOrder('R20261125ABC123'));
    expect(error).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
