import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateDevKeySet } from '../src/keys';
import { type RunningSandbox, startSandbox } from '../src/server';
import { Merchant, newOutTradeNo, verifiesWithWechatpayKey } from './support/merchant';

const keys = generateDevKeySet();
let sandbox: RunningSandbox;
let merchant: Merchant;
const NOTIFY_URL = 'http://127.0.0.1:3000/api/wechat-pay/notify';

beforeAll(async () => {
  sandbox = await startSandbox({ ...keys, port: 0, timeScale: 1000 });
  merchant = new Merchant(sandbox.url, keys);
});
afterEach(() => merchant.control('POST', '/sandbox/reset'));
afterAll(() => sandbox.close());

const injectApiFault = (fault: Record<string, unknown>) =>
  merchant.control('POST', '/sandbox/faults/api', fault);

async function createOrder() {
  const outTradeNo = newOutTradeNo();
  const response = await merchant.create(merchant.orderParams(outTradeNo, NOTIFY_URL));
  expect(response.status).toBe(200);
  return outTradeNo;
}

describe('API fault injection', () => {
  it('answers 429 FREQUENCY_LIMITED on close for the next call only', async () => {
    const outTradeNo = await createOrder();
    await injectApiFault({ endpoint: 'close', kind: 'frequency-limited' });
    const limited = await merchant.close(outTradeNo);
    expect([limited.status, limited.json.code]).toEqual([429, 'FREQUENCY_LIMITED']);
    expect(verifiesWithWechatpayKey(keys, limited.headers, limited.text)).toBe(true);
    expect((await merchant.query(outTradeNo)).json.trade_state).toBe('NOTPAY');
    expect((await merchant.close(outTradeNo)).status).toBe(204);
  });

  it('answers 500 SYSTEM_ERROR for the next N creates without creating the order', async () => {
    await injectApiFault({ endpoint: 'create', kind: 'system-error', count: 2 });
    const outTradeNo = newOutTradeNo();
    const params = merchant.orderParams(outTradeNo, NOTIFY_URL);
    expect((await merchant.create(params)).json.code).toBe('SYSTEM_ERROR');
    expect((await merchant.create(params)).status).toBe(500);
    expect((await merchant.query(outTradeNo)).status).toBe(404);
    expect((await merchant.create(params)).status).toBe(200);
  });

  it('can fail after doing the work, leaving the outcome unknown to the caller', async () => {
    await injectApiFault({ endpoint: 'create', kind: 'system-error', afterProcessing: true });
    const outTradeNo = newOutTradeNo();
    const params = merchant.orderParams(outTradeNo, NOTIFY_URL);
    expect((await merchant.create(params)).status).toBe(500);
    expect((await merchant.query(outTradeNo)).json.trade_state).toBe('NOTPAY');
    const retried = await merchant.create(params);
    expect(retried.status).toBe(200);
  });

  it('applies an "any" fault to whichever endpoint is called next', async () => {
    const outTradeNo = await createOrder();
    await injectApiFault({ kind: 'system-error' });
    expect((await merchant.query(outTradeNo)).status).toBe(500);
    expect((await merchant.query(outTradeNo)).status).toBe(200);
  });

  it('answers late with a delay fault, after doing the work', async () => {
    const outTradeNo = await createOrder();
    await injectApiFault({ endpoint: 'query', kind: 'delay', delayMs: 300 });
    const started = Date.now();
    const response = await merchant.query(outTradeNo);
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('signs the answer wrongly with a bad-signature fault', async () => {
    const outTradeNo = await createOrder();
    await injectApiFault({ endpoint: 'query', kind: 'bad-signature' });
    const forged = await merchant.query(outTradeNo);
    expect(forged.status).toBe(200);
    expect(verifiesWithWechatpayKey(keys, forged.headers, forged.text)).toBe(false);
    const genuine = await merchant.query(outTradeNo);
    expect(verifiesWithWechatpayKey(keys, genuine.headers, genuine.text)).toBe(true);
  });

  it('lists and resets faults', async () => {
    await injectApiFault({ endpoint: 'close', kind: 'frequency-limited', count: 5 });
    await merchant.control('POST', '/sandbox/faults/notifications', { drop: 1 });
    const listed = (await merchant.control('GET', '/sandbox/faults')).json;
    expect(listed.api).toMatchObject([{ endpoint: 'close', kind: 'frequency-limited', remaining: 5 }]);
    expect(listed.notifications.drop).toBe(1);
    await merchant.control('POST', '/sandbox/faults/reset');
    expect((await merchant.control('GET', '/sandbox/faults')).json).toMatchObject({
      api: [],
      notifications: { drop: 0 },
    });
  });

  it('rejects an unknown fault kind', async () => {
    const response = await injectApiFault({ endpoint: 'close', kind: 'explode' });
    expect(response.status).toBe(400);
  });
});

describe('control API', () => {
  it('counts API calls per endpoint, including rejected ones', async () => {
    const outTradeNo = await createOrder();
    await merchant.query(outTradeNo);
    await merchant.query(outTradeNo, { authorization: null });
    await merchant.close(outTradeNo);
    expect((await merchant.control('GET', '/sandbox/stats')).json.calls).toEqual({
      create: 1,
      query: 2,
      close: 1,
      refund: 0,
      'refund-query': 0,
      tradebill: 0,
      download: 0,
      certificates: 0,
    });
  });

  it('pays and fails by code_url, lists orders and reports errors as JSON', async () => {
    const a = await createOrder();
    const b = await createOrder();
    const orders = (await merchant.control('GET', '/sandbox/orders')).json;
    expect(orders.map((o: { out_trade_no: string }) => o.out_trade_no)).toEqual([b, a]);
    const codeUrlA = orders[1].code_url;
    expect(orders[1].phone_url).toContain(`/phone?code_url=${encodeURIComponent(codeUrlA)}`);

    expect((await merchant.control('POST', '/sandbox/pay', { code_url: codeUrlA })).json.trade_state).toBe(
      'SUCCESS',
    );
    const again = await merchant.control('POST', '/sandbox/pay', { code_url: codeUrlA });
    expect([again.status, again.json.code]).toEqual([400, 'ORDERPAID']);
    expect((await merchant.control('POST', '/sandbox/close', { out_trade_no: b })).json.trade_state).toBe(
      'CLOSED',
    );
    expect((await merchant.control('POST', '/sandbox/pay', { out_trade_no: 'NOPE_NOPE' })).status).toBe(404);
    expect((await merchant.control('GET', '/sandbox/nothing')).status).toBe(404);
  });
});
