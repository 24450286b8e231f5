import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDevKeySet } from '../src/keys';
import { type RunningSandbox, startSandbox } from '../src/server';
import {
  authorization,
  Merchant,
  newOutTradeNo,
  startReceiver,
  verifiesWithWechatpayKey,
  type WireResponse,
} from './support/merchant';

const keys = generateDevKeySet();
let sandbox: RunningSandbox;
let merchant: Merchant;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  sandbox = await startSandbox({ ...keys, port: 0, timeScale: 1000 });
  merchant = new Merchant(sandbox.url, keys);
  receiver = await startReceiver();
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

function beijing(epochMs: number): string {
  return `${new Date(epochMs + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

function expectSigned(response: WireResponse) {
  expect(verifiesWithWechatpayKey(keys, response.headers, response.text)).toBe(true);
  expect(response.headers.get('Wechatpay-Serial')).toBe(keys.wechatpayPublicKeyId);
  expect(response.headers.get('Request-ID')).toMatch(/^\w+$/);
}

function expectError(response: WireResponse, status: number, code: string) {
  expect({ status: response.status, code: response.json?.code }).toEqual({ status, code });
  expect(typeof response.json.message).toBe('string');
  expectSigned(response);
}

async function createOrder(extra: Record<string, unknown> = {}) {
  const outTradeNo = newOutTradeNo();
  const response = await merchant.create(merchant.orderParams(outTradeNo, receiver.url, extra));
  expect(response.status).toBe(200);
  return { outTradeNo, codeUrl: response.json.code_url as string };
}

describe('create, query, close', () => {
  it('creates a Native order with a signed code_url answer, and queries it as NOTPAY', async () => {
    const outTradeNo = newOutTradeNo();
    const created = await merchant.create(
      merchant.orderParams(outTradeNo, receiver.url, { attach: 'user:42' }),
    );
    expect(created.status).toBe(200);
    expect(created.json.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=\w+$/);
    expectSigned(created);

    const queried = await merchant.query(outTradeNo);
    expect(queried.status).toBe(200);
    expectSigned(queried);
    expect(queried.json).toMatchObject({
      appid: keys.appid,
      mchid: keys.mchid,
      out_trade_no: outTradeNo,
      trade_state: 'NOTPAY',
      attach: 'user:42',
      amount: { total: 1234 },
    });
    expect(queried.json.transaction_id).toBeUndefined();
    expect(queried.json.payer).toBeUndefined();
  });

  it('gives each order its own code_url and repeats it for an identical create', async () => {
    const a = await createOrder();
    const b = await createOrder();
    expect(a.codeUrl).not.toBe(b.codeUrl);
    const again = await merchant.create(merchant.orderParams(a.outTradeNo, receiver.url));
    expect(again.json.code_url).toBe(a.codeUrl);
  });

  it('rejects a reused out_trade_no with different parameters: 403 OUT_TRADE_NO_USED', async () => {
    const { outTradeNo } = await createOrder();
    const changed = merchant.orderParams(outTradeNo, receiver.url, {
      amount: { total: 999, currency: 'CNY' },
    });
    expectError(await merchant.create(changed), 403, 'OUT_TRADE_NO_USED');
  });

  it('closes with a signed empty 204, idempotently; the order is then CLOSED and unpayable', async () => {
    const { outTradeNo } = await createOrder();
    const closed = await merchant.close(outTradeNo);
    expect(closed.status).toBe(204);
    expect(closed.text).toBe('');
    expectSigned(closed);
    expect((await merchant.query(outTradeNo)).json.trade_state).toBe('CLOSED');
    expect((await merchant.close(outTradeNo)).status).toBe(204);

    expectError(await merchant.create(merchant.orderParams(outTradeNo, receiver.url)), 400, 'ORDER_CLOSED');
    const pay = await merchant.control('POST', '/sandbox/pay', { out_trade_no: outTradeNo });
    expect({ status: pay.status, code: pay.json.code }).toEqual({ status: 400, code: 'ORDER_CLOSED' });
  });

  it('answers 404 ORDER_NOT_EXIST for an unknown order on query and close', async () => {
    expectError(await merchant.query('NO_SUCH_ORDER_1'), 404, 'ORDER_NOT_EXIST');
    expectError(await merchant.close('NO_SUCH_ORDER_1'), 404, 'ORDER_NOT_EXIST');
  });

  it('returns the full Transaction once paid, and refuses to close a paid order', async () => {
    const { outTradeNo } = await createOrder({ attach: 'a' });
    await merchant.control('POST', '/sandbox/pay', { out_trade_no: outTradeNo });
    const paid = await merchant.query(outTradeNo);
    expect(paid.json).toMatchObject({
      out_trade_no: outTradeNo,
      trade_type: 'NATIVE',
      trade_state: 'SUCCESS',
      trade_state_desc: expect.any(String),
      bank_type: expect.any(String),
      attach: 'a',
      payer: { openid: expect.stringMatching(/^o\w+/) },
      amount: { total: 1234, payer_total: 1234, currency: 'CNY', payer_currency: 'CNY' },
    });
    expect(paid.json.transaction_id).toMatch(/^\d{28}$/);
    expect(paid.json.success_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);

    const close = await merchant.close(outTradeNo);
    expect(close.status).toBe(400);
    expect(close.json.code).toBe('ORDERPAID');
    expectSigned(close);
  });

  it('honours time_expire: past it, the order is CLOSED and cannot be paid', async () => {
    const expireAt = Math.ceil((Date.now() + 1500) / 1000) * 1000;
    const { outTradeNo } = await createOrder({ time_expire: beijing(expireAt) });
    expect((await merchant.query(outTradeNo)).json.trade_state).toBe('NOTPAY');
    await new Promise((resolve) => setTimeout(resolve, expireAt - Date.now() + 50));
    expect((await merchant.query(outTradeNo)).json.trade_state).toBe('CLOSED');
    const pay = await merchant.control('POST', '/sandbox/pay', { out_trade_no: outTradeNo });
    expect(pay.json.code).toBe('ORDER_CLOSED');
  });
});

describe('merchant signature: 401 SIGN_ERROR', () => {
  const otherKey = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  const stale = String(Math.floor(Date.now() / 1000) - 400);

  it.each([
    ['no Authorization header', { authorization: null }],
    ['another scheme', { authorization: 'Bearer abc' }],
    ['a garbage signature', { overrides: { signature: 'not-base64!!' } }],
    ['a signature by another key', { overrides: { privateKeyPem: otherKey } }],
    ['a wrong serial_no', { overrides: { serialNo: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01' } }],
    ['a wrong mchid', { overrides: { mchid: '1900000002' } }],
    ['a timestamp 400 s old', { overrides: { timestamp: stale } }],
  ] as const)('rejects %s', async (_name, options) => {
    expectError(await merchant.query('ANY_ORDER_1', options), 401, 'SIGN_ERROR');
  });

  it('rejects a signature over a different body than the one sent', async () => {
    const params = merchant.orderParams(newOutTradeNo(), receiver.url);
    const header = authorization(keys, 'POST', '/v3/pay/transactions/native', JSON.stringify(params));
    const sent = JSON.stringify({ ...params, amount: { total: 1, currency: 'CNY' } });
    expectError(await merchant.create(sent, { authorization: header }), 401, 'SIGN_ERROR');
  });

  it('rejects a signature over a different query string', async () => {
    const header = authorization(
      keys,
      'GET',
      '/v3/pay/transactions/out-trade-no/ANY_ORDER_1?mchid=other',
      '',
    );
    expectError(await merchant.query('ANY_ORDER_1', { authorization: header }), 401, 'SIGN_ERROR');
  });
});

describe('parameter validation: 400 PARAM_ERROR naming the field', () => {
  const long = (n: number) => 'x'.repeat(n);
  it.each([
    ['appid', { appid: long(33) }],
    ['mchid', { mchid: undefined }],
    ['description', { description: undefined }],
    ['description', { description: long(128) }],
    ['out_trade_no', { out_trade_no: 'abc' }],
    ['out_trade_no', { out_trade_no: 'has space 123' }],
    ['out_trade_no', { out_trade_no: long(33) }],
    ['time_expire', { time_expire: '2099-01-01 10:00:00' }],
    ['time_expire', { time_expire: '2099-01-01T10:00:00Z' }],
    ['time_expire', { time_expire: beijing(Date.now() - 60_000) }],
    ['attach', { attach: long(129) }],
    ['notify_url', { notify_url: 'not a url' }],
    ['notify_url', { notify_url: 'http://example.com/notify' }],
    ['notify_url', { notify_url: 'https://example.com/notify?order=1' }],
    ['amount', { amount: undefined }],
    ['amount.total', { amount: { total: 0, currency: 'CNY' } }],
    ['amount.total', { amount: { total: 12.5, currency: 'CNY' } }],
    ['amount.total', { amount: { total: '100', currency: 'CNY' } }],
    ['amount.currency', { amount: { total: 100, currency: 'USD' } }],
  ])('%s: %j', async (field, extra) => {
    const params = { ...merchant.orderParams(newOutTradeNo(), receiver.url), ...extra };
    const response = await merchant.create(params);
    expectError(response, 400, 'PARAM_ERROR');
    expect(response.json.message).toContain(`/body/${field.replace('.', '/')}`);
  });

  it('accepts https notify URLs and http on loopback', async () => {
    for (const notifyUrl of [
      'https://pay.example.com/notify',
      'http://localhost:3000/api/wechat-pay/notify',
    ]) {
      const response = await merchant.create(merchant.orderParams(newOutTradeNo(), notifyUrl));
      expect(response.status).toBe(200);
    }
  });

  it('rejects a query without mchid, naming it', async () => {
    const response = await merchant.request('GET', '/v3/pay/transactions/out-trade-no/ANY_ORDER_1');
    expectError(response, 400, 'PARAM_ERROR');
    expect(response.json.message).toContain('/query/mchid');
  });

  it('answers APPID_MCHID_NOT_MATCH for an appid not bound to the merchant', async () => {
    const params = merchant.orderParams(newOutTradeNo(), receiver.url, { appid: 'wx0000000000000000' });
    expectError(await merchant.create(params), 400, 'APPID_MCHID_NOT_MATCH');
  });

  it('answers INVALID_REQUEST for a body that is not declared JSON', async () => {
    const params = merchant.orderParams(newOutTradeNo(), receiver.url);
    expectError(await merchant.create(params, { contentType: 'text/plain' }), 400, 'INVALID_REQUEST');
  });
});
