// The merchant adapter (lib/wechat-pay) against the sandbox (packages/wechatpay-sandbox), over HTTP
// with real keys: two independent implementations of WeChat Pay v3 checked against each other.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateDevKeySet } from '@recharge/wechatpay-sandbox/keys';
import { type RunningSandbox, startSandbox } from '@recharge/wechatpay-sandbox/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createWechatPayClient,
  loadWechatPayConfig,
  type NotificationResult,
  parsePaymentNotification,
  type WechatPayClient,
  type WechatPayConfig,
  WechatPayError,
} from '@/lib/wechat-pay';

const keys = generateDevKeySet();
let sandbox: RunningSandbox;
let config: WechatPayConfig;
let client: WechatPayClient;
let receiver: { server: Server; url: string; received: NotificationResult[] };

function configFor(overrides: Partial<Parameters<typeof loadWechatPayConfig>[0]> = {}): WechatPayConfig {
  return loadWechatPayConfig({
    WECHATPAY_BASE_URL: sandbox.url,
    WECHATPAY_MCHID: keys.mchid,
    WECHATPAY_APPID: keys.appid,
    WECHATPAY_MERCHANT_SERIAL_NO: keys.merchantSerialNo,
    WECHATPAY_MERCHANT_PRIVATE_KEY: keys.merchantPrivateKeyPem,
    WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: undefined,
    WECHATPAY_PUBLIC_KEY_ID: keys.wechatpayPublicKeyId,
    WECHATPAY_PUBLIC_KEY: keys.wechatpayPublicKeyPem,
    WECHATPAY_PUBLIC_KEY_FILE: undefined,
    WECHATPAY_PLATFORM_CERTIFICATES: undefined,
    WECHATPAY_PLATFORM_CERTIFICATES_FILE: undefined,
    WECHATPAY_APIV3_KEY: keys.apiV3Key,
    WECHATPAY_TIMEOUT_MS: 5_000,
    ...overrides,
  });
}

let counter = 0;
const newOutTradeNo = () => `IT${Date.now()}${String(++counter).padStart(4, '0')}`;
const inTenMinutes = () => new Date(Date.now() + 600_000);

async function control(path: string, body?: unknown) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  expect(response.ok).toBe(true);
  return response.json();
}

async function startReceiver() {
  const received: NotificationResult[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    const result = parsePaymentNotification({ headers, rawBody: Buffer.concat(chunks) }, config);
    received.push(result);
    response.writeHead(result.ok ? 204 : 401).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify` };
}

beforeAll(async () => {
  sandbox = await startSandbox({ ...keys, port: 0, timeScale: 1000 });
  config = configFor();
  client = createWechatPayClient(config);
  receiver = await startReceiver();
});
beforeEach(() => control('/sandbox/faults/reset'));
afterAll(async () => {
  await sandbox.close();
  await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
});

async function createOrder(outTradeNo = newOutTradeNo(), amountFen = 100, timeExpire = inTenMinutes()) {
  const { codeUrl } = await client.createNativeOrder({
    outTradeNo,
    description: '集成测试',
    amountFen,
    timeExpire,
    notifyUrl: receiver.url,
  });
  return { outTradeNo, codeUrl, timeExpire };
}

async function wechatError(promise: Promise<unknown>): Promise<WechatPayError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WechatPayError);
  return error as WechatPayError;
}

describe('create / query / close', () => {
  it('creates an order, queries it as PENDING, closes it and then queries it as CLOSED', async () => {
    const { outTradeNo, codeUrl } = await createOrder();
    expect(codeUrl).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    expect(await client.queryOrder(outTradeNo)).toMatchObject({
      status: 'PENDING',
      tradeState: 'NOTPAY',
      amountFen: 100,
    });
    await client.closeOrder(outTradeNo);
    await client.closeOrder(outTradeNo); // closing again is fine
    expect((await client.queryOrder(outTradeNo)).status).toBe('CLOSED');
  });

  it('returns the same code_url when the same order is created again with identical parameters', async () => {
    const first = await createOrder();
    const again = await createOrder(first.outTradeNo, 100, first.timeExpire);
    expect(again.codeUrl).toBe(first.codeUrl);
  });

  it('reports a paid order as PAID with its transaction id and amount', async () => {
    const { outTradeNo } = await createOrder(undefined, 4321);
    await control('/sandbox/pay', { out_trade_no: outTradeNo });
    const transaction = await client.queryOrder(outTradeNo);
    expect(transaction).toMatchObject({
      status: 'PAID',
      tradeState: 'SUCCESS',
      amountFen: 4321,
      mchid: keys.mchid,
    });
    expect(transaction.transactionId).toMatch(/^\d{28}$/);
  });
});

describe('WeChat error codes reach the caller typed', () => {
  it('OUT_TRADE_NO_USED (403) for a reused out_trade_no with other parameters', async () => {
    const { outTradeNo } = await createOrder();
    const error = await wechatError(createOrder(outTradeNo, 999));
    expect(error).toMatchObject({ code: 'OUT_TRADE_NO_USED', httpStatus: 403, retryable: false });
  });

  it('ORDER_NOT_EXIST (404) for an unknown order: "not known yet", not retryable', async () => {
    const error = await wechatError(client.queryOrder(newOutTradeNo()));
    expect(error).toMatchObject({ code: 'ORDER_NOT_EXIST', httpStatus: 404, retryable: false });
  });

  it('ORDER_CLOSED (400) when creating again an order that was closed', async () => {
    const order = await createOrder();
    await client.closeOrder(order.outTradeNo);
    const error = await wechatError(createOrder(order.outTradeNo, 100, order.timeExpire));
    expect(error).toMatchObject({ code: 'ORDER_CLOSED', httpStatus: 400 });
  });

  it('PARAM_ERROR (400) naming the field when WeChat rejects a parameter (time_expire already past)', async () => {
    // A merchant clock 200 s behind (inside the 300 s signature window) thinks 100 s ago is still
    // the future; WeChat's clock says otherwise.
    const lagging = createWechatPayClient(config, { now: () => new Date(Date.now() - 200_000) });
    const error = await wechatError(
      lagging.createNativeOrder({
        outTradeNo: newOutTradeNo(),
        description: '集成测试',
        amountFen: 100,
        timeExpire: new Date(Date.now() - 100_000),
        notifyUrl: receiver.url,
      }),
    );
    expect(error).toMatchObject({ code: 'PARAM_ERROR', httpStatus: 400, retryable: false });
    expect(error.message).toContain('time_expire');
  });

  it('SIGN_ERROR (401) when the merchant signs with a key WeChat does not know', async () => {
    const stranger = generateDevKeySet();
    const wrongKeyClient = createWechatPayClient(
      configFor({ WECHATPAY_MERCHANT_PRIVATE_KEY: stranger.merchantPrivateKeyPem }),
    );
    const error = await wechatError(wrongKeyClient.queryOrder(newOutTradeNo()));
    expect(error).toMatchObject({ code: 'SIGN_ERROR', httpStatus: 401 });
  });

  it.each([
    { kind: 'frequency-limited', code: 'FREQUENCY_LIMITED', status: 429 },
    { kind: 'system-error', code: 'SYSTEM_ERROR', status: 500 },
  ])('$code ($status) is retryable', async ({ kind, code, status }) => {
    await control('/sandbox/faults/api', { endpoint: 'query', kind });
    const error = await wechatError(client.queryOrder(newOutTradeNo()));
    expect(error).toMatchObject({ code, httpStatus: status, retryable: true });
  });

  it.each([
    { kind: 'probe-signature', retryable: true },
    { kind: 'stale-signature', retryable: false },
  ])('rejects a 2xx answer with a $kind (retryable: $retryable)', async ({ kind, retryable }) => {
    const { outTradeNo } = await createOrder();
    await control('/sandbox/faults/api', { endpoint: 'query', kind });
    const error = await wechatError(client.queryOrder(outTradeNo));
    expect(error).toMatchObject({ code: 'INVALID_SIGNATURE', retryable });
  });

  it('refuses a 2xx answer whose signature does not verify', async () => {
    const { outTradeNo } = await createOrder();
    await control('/sandbox/faults/api', { endpoint: 'query', kind: 'bad-signature' });
    const error = await wechatError(client.queryOrder(outTradeNo));
    expect(error.code).toBe('INVALID_SIGNATURE');
  });

  it('honours time_expire: an unpaid order past it reads as CLOSED', async () => {
    // The sandbox wants time_expire in the future at creation; a short one lapses during the test.
    const { outTradeNo } = await createOrder(undefined, 100, new Date(Date.now() + 3_000));
    await new Promise((resolve) => setTimeout(resolve, 3_200));
    expect((await client.queryOrder(outTradeNo)).status).toBe('CLOSED');
  });
});

describe('notifications', () => {
  it('delivers a payment as a signed, encrypted notification that verifies and decrypts to a Transaction', async () => {
    const { outTradeNo } = await createOrder(undefined, 2024);
    const before = receiver.received.length;
    await control('/sandbox/pay', { out_trade_no: outTradeNo });
    await expect.poll(() => receiver.received.length, { timeout: 5_000 }).toBeGreaterThan(before);
    const result = receiver.received.at(-1);
    if (!result?.ok) throw new Error(`notification rejected: ${JSON.stringify(result)}`);
    expect(result.eventType).toBe('TRANSACTION.SUCCESS');
    expect(result.notificationId).toBeTruthy();
    expect(result.transaction).toMatchObject({
      outTradeNo,
      status: 'PAID',
      amountFen: 2024,
      appid: keys.appid,
    });
  });

  it('rejects the SIGNTEST probe', async () => {
    const { outTradeNo } = await createOrder();
    const before = receiver.received.length;
    await control('/sandbox/probe', { out_trade_no: outTradeNo });
    await expect.poll(() => receiver.received.length).toBeGreaterThan(before);
    expect(receiver.received.at(-1)).toEqual({ ok: false, reason: 'PROBE_SIGNATURE' });
  });
});
