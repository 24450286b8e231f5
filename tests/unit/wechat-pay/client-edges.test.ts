import { beforeAll, describe, expect, it } from 'vitest';
import { createWechatPayClient } from '@/lib/wechat-pay/client';
import type { WechatPayConfig } from '@/lib/wechat-pay/config';
import { buildNativeOrderRequest } from '@/lib/wechat-pay/requests';
import {
  createWechatPayTestKeys,
  signAsWechatPay,
  type WechatPayTestKeys,
} from '../../support/wechat-pay-keys';
import { caught, fakeWechatPayFor, signedResponse } from './fake-wechat-pay';
import { buildWireTransaction, loadTestConfig, NOW } from './fixtures';

let keys: WechatPayTestKeys;
let config: WechatPayConfig;
beforeAll(async () => {
  keys = await createWechatPayTestKeys();
  config = loadTestConfig(keys, 50);
});

const OUT_TRADE_NO = 'R20261125ABC123';
const ORDER = {
  outTradeNo: OUT_TRADE_NO,
  description: '账户余额充值',
  amountFen: 100,
  timeExpire: new Date(NOW.getTime() + 600_000),
  notifyUrl: 'https://pay.example.com/api/wechat-pay/notify',
};

describe('queryOrder reads every trade state WeChat reports', () => {
  it.each([
    ['SUCCESS', 'PAID'],
    ['REFUND', 'PAID'],
    ['NOTPAY', 'PENDING'],
    ['USERPAYING', 'PENDING'],
    ['CLOSED', 'CLOSED'],
    ['REVOKED', 'FAILED'],
    ['PAYERROR', 'FAILED'],
  ])('%s → %s', async (tradeState, status) => {
    const { client } = fakeWechatPayFor(config, () =>
      signedResponse(keys, 200, buildWireTransaction(keys, { trade_state: tradeState })),
    );
    await expect(client.queryOrder(OUT_TRADE_NO)).resolves.toMatchObject({ tradeState, status });
  });
});

describe('queryOrder refuses an answer about another merchant’s or app’s order', () => {
  it.each([
    { field: 'mchid', overrides: { mchid: '1900000999' } },
    { field: 'appid', overrides: { appid: 'wx9999999999999999' } },
  ])('$field differs', async ({ field, overrides }) => {
    const { client } = fakeWechatPayFor(config, () =>
      signedResponse(keys, 200, buildWireTransaction(keys, overrides)),
    );
    const error = await caught(client.queryOrder(OUT_TRADE_NO));
    expect(error).toMatchObject({
      code: 'INVALID_RESPONSE',
      httpStatus: 200,
      message: `WeChat Pay answered about another order (${field} differ)`,
      detail: { mismatched: [field] },
    });
  });
});

describe('transport failures', () => {
  it.each([
    { name: 'a timeout', thrown: new DOMException('timed out', 'TimeoutError'), code: 'TIMEOUT' },
    {
      name: 'an abort',
      thrown: Object.assign(new Error('aborted'), { name: 'AbortError' }),
      code: 'TIMEOUT',
    },
    { name: 'a refused connection', thrown: new TypeError('fetch failed'), code: 'NETWORK_ERROR' },
    { name: 'a thrown string', thrown: 'boom', code: 'NETWORK_ERROR' },
    { name: 'a thrown null', thrown: null, code: 'NETWORK_ERROR' },
  ])('$name is $code, retryable, with the cause kept', async ({ thrown, code }) => {
    const { client } = fakeWechatPayFor(config, () => Promise.reject(thrown));
    const error = await caught(client.queryOrder(OUT_TRADE_NO));
    expect(error).toMatchObject({ code, retryable: true, cause: thrown });
    expect(error.message).toBe(
      code === 'TIMEOUT' ? 'WeChat Pay did not answer within 50 ms' : 'Could not reach WeChat Pay',
    );
  });

  it('a 3xx answer is not a success', async () => {
    const { client } = fakeWechatPayFor(config, () =>
      signedResponse(keys, 300, buildWireTransaction(keys, { trade_state: 'SUCCESS' })),
    );
    await expect(client.queryOrder(OUT_TRADE_NO)).rejects.toMatchObject({ httpStatus: 300 });
  });

  it('a success body of the wrong shape names what is wrong', async () => {
    const { client } = fakeWechatPayFor(config, () => signedResponse(keys, 200, { code_url: 42 }));
    const error = await caught(client.createNativeOrder(ORDER));
    expect(error).toMatchObject({
      code: 'INVALID_RESPONSE',
      httpStatus: 200,
      message: 'WeChat Pay answered HTTP 200 with an unexpected body',
    });
    expect(error.detail).toEqual([
      expect.objectContaining({ path: 'code_url', message: expect.any(String) }),
    ]);
  });
});

describe('notify_url: https, or plain http to a loopback host only, without a query', () => {
  const build = (notifyUrl: string) => () => buildNativeOrderRequest(config, { ...ORDER, notifyUrl }, NOW);
  it.each([
    'https://pay.example.com/api/wechat-pay/notify',
    'http://127.0.0.1:3000/api/wechat-pay/notify',
    'http://localhost:3000/api/wechat-pay/notify',
    'http://[::1]:3000/api/wechat-pay/notify',
  ])('accepts %s', (url) => {
    expect(build(url)().notify_url).toBe(url);
  });
  it.each([
    ['http://pay.example.com/notify', 'notify_url must be https (http only for a loopback host)'],
    ['https://pay.example.com/notify?order=1', 'notify_url must not have a query'],
    ['ftp://pay.example.com/notify', 'notify_url'],
    ['xhttps://pay.example.com/notify', 'notify_url'],
    ['httpsx://pay.example.com/notify', 'notify_url'],
  ])('refuses %s', (url, message) => {
    expect(build(url)).toThrow(message);
  });
});

describe('order fields are refused with a message that says why', () => {
  it.each([
    [{ outTradeNo: 'ab' }, 'out_trade_no must be 6–32 characters of [0-9A-Za-z_*-]'],
    [{ amountFen: 1.5 }, 'amount must be an integer number of fen'],
    [{ amountFen: 0 }, 'amount must be positive'],
  ])('%j', (overrides, message) => {
    expect(() => buildNativeOrderRequest(config, { ...ORDER, ...overrides }, NOW)).toThrow(message);
  });
});

describe('closeOrder: anything but 204 leaves the order open, with WeChat’s code when it gave one', () => {
  it.each<{ body: unknown; code: string }>([
    { body: { code: 'USER_PAYING', message: '用户支付中' }, code: 'USER_PAYING' },
    { body: { code: 42 }, code: 'UNEXPECTED_STATUS' },
    { body: { message: 'no code' }, code: 'UNEXPECTED_STATUS' },
    { body: 'null', code: 'UNEXPECTED_STATUS' },
    { body: '"USER_PAYING"', code: 'UNEXPECTED_STATUS' },
    { body: undefined, code: 'UNEXPECTED_STATUS' },
  ])('202 with $body → $code', async ({ body, code }) => {
    const { client } = fakeWechatPayFor(config, () => signedResponse(keys, 202, body));
    const error = await caught(client.closeOrder(OUT_TRADE_NO));
    expect(error).toMatchObject({
      code,
      httpStatus: 202,
      retryable: true,
      message: `close answered HTTP 202 (${code}), not 204: the order is not closed`,
    });
  });
});

it('names every field that differs when an answer is about another order', async () => {
  const { client } = fakeWechatPayFor(config, () =>
    signedResponse(
      keys,
      200,
      buildWireTransaction(keys, { mchid: '1900000999', appid: 'wx9999999999999999' }),
    ),
  );
  await expect(client.queryOrder(OUT_TRADE_NO)).rejects.toThrow(
    'WeChat Pay answered about another order (mchid, appid differ)',
  );
});

it('uses the real clock when no other is given', async () => {
  const client = createWechatPayClient(config, {
    fetch: async () => {
      const body = JSON.stringify({ code_url: 'weixin://wxpay/bizpayurl?pr=realclock' });
      const headers = signAsWechatPay({
        privateKey: keys.wechatpay.privateKey,
        serial: keys.wechatpay.publicKeyId,
        body,
      });
      return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': 'application/json' } });
    },
  });
  await expect(
    client.createNativeOrder({ ...ORDER, timeExpire: new Date(Date.now() + 600_000) }),
  ).resolves.toEqual({ codeUrl: 'weixin://wxpay/bizpayurl?pr=realclock' });
});
