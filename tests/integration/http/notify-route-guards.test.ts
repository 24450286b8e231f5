// POST /api/wechat-pay/notify (app/api/wechat-pay/notify/route.ts) screens a notification's signature
// headers before reading its body, and answers every request that isn't authentic with one and the
// same 401, whatever the check that failed (the log names it). Against the real route handler, with
// notifications signed as WeChat signs them (this run's keys).
import { createPrivateKey, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvForTests } from '@/lib/env';
import { resetWechatPayForTests } from '@/lib/wechat-pay';
import { captureLogs } from '../../support/logs';
import { encryptAsWechatPay, signAsWechatPay } from '../../support/wechat-pay-keys';

const { POST: notify } = await import('@/app/api/wechat-pay/notify/route');

const REJECTED = { code: 'FAIL', message: 'notification rejected' };
const NOTIFY_URL = 'http://127.0.0.1:3000/api/wechat-pay/notify';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} missing (tests/support/global-setup.ts provides it)`);
  return value;
}

beforeAll(() => {
  // The route only verifies and decrypts here: WeChat Pay's API is never called.
  process.env.WECHATPAY_BASE_URL = 'http://127.0.0.1:9';
  resetEnvForTests();
  resetWechatPayForTests();
});

const logs = captureLogs();
afterEach(() => logs.clear());
afterAll(() => logs.restore());

/** A notification body as WeChat sends it, for an order that doesn't exist (nothing gets credited). */
function notificationBody(apiV3Key = env('WECHATPAY_APIV3_KEY')): Buffer {
  const transaction = {
    appid: env('WECHATPAY_APPID'),
    mchid: env('WECHATPAY_MCHID'),
    out_trade_no: `RCGUARD${randomBytes(6).toString('hex')}`,
    transaction_id: '4200001234202611251234567890',
    trade_type: 'NATIVE',
    trade_state: 'NOTPAY',
    amount: { total: 100, payer_total: 100, currency: 'CNY', payer_currency: 'CNY' },
  };
  return Buffer.from(
    JSON.stringify({
      id: `EV-${randomBytes(8).toString('hex')}`,
      create_time: '2026-11-25T18:01:05+08:00',
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: {
        original_type: 'transaction',
        algorithm: 'AEAD_AES_256_GCM',
        ...encryptAsWechatPay(apiV3Key, JSON.stringify(transaction)),
      },
    }),
  );
}

function signed(body: Uint8Array | string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...signAsWechatPay({
      privateKey: createPrivateKey(env('TEST_WECHATPAY_PRIVATE_KEY')),
      serial: env('WECHATPAY_PUBLIC_KEY_ID'),
      body,
    }),
    'content-type': 'application/json',
    ...overrides,
  };
}

/**
 * A body that counts what the route reads of it. A route refusing a request leaves the body unread
 * but for one read it starts (and never finishes): the one that keeps Node from reading the rest of
 * the upload to throw it away (lib/http/read-body.ts leaveBodyUnread). So at most one chunk.
 */
function countingBody(bytes: Buffer, { repeat = 1 } = {}) {
  const counter = { pulled: 0 };
  let left = repeat;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (left === 0) return controller.close();
        left--;
        counter.pulled += bytes.length;
        controller.enqueue(new Uint8Array(bytes));
      },
    },
    // Nothing pulled ahead of a read.
    { highWaterMark: 0 },
  );
  return { stream, counter };
}

/** Lets a read the route started (and didn't wait for) reach the body. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function post(headers: Record<string, string>, body: string | Buffer | ReadableStream<Uint8Array>) {
  const init = { method: 'POST', headers, duplex: 'half' };
  const bytes = body instanceof Buffer ? new Uint8Array(body) : body;
  return notify(new Request(NOTIFY_URL, { ...init, body: bytes } as RequestInit));
}

describe('before reading the body', () => {
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const without = (name: string) => () => {
    const { [name]: _dropped, ...rest } = signed('{}');
    return rest;
  };
  const cases: { reason: string; name: string; headers: () => Record<string, string> }[] = [
    { reason: 'MISSING_HEADERS', name: 'no signature headers', headers: () => ({}) },
    { reason: 'MISSING_HEADERS', name: 'no Wechatpay-Timestamp', headers: without('Wechatpay-Timestamp') },
    { reason: 'MISSING_HEADERS', name: 'no Wechatpay-Nonce', headers: without('Wechatpay-Nonce') },
    { reason: 'MISSING_HEADERS', name: 'no Wechatpay-Signature', headers: without('Wechatpay-Signature') },
    { reason: 'MISSING_HEADERS', name: 'no Wechatpay-Serial', headers: without('Wechatpay-Serial') },
    {
      reason: 'MALFORMED_TIMESTAMP',
      name: 'a timestamp in milliseconds',
      headers: () => signed('{}', { 'Wechatpay-Timestamp': String(Date.now()) }),
    },
    {
      reason: 'STALE_TIMESTAMP',
      name: 'a timestamp 10 minutes old',
      headers: () => signed('{}', { 'Wechatpay-Timestamp': String(nowSeconds() - 600) }),
    },
    {
      reason: 'FUTURE_TIMESTAMP',
      name: 'a timestamp 10 minutes ahead',
      headers: () => signed('{}', { 'Wechatpay-Timestamp': String(nowSeconds() + 600) }),
    },
    {
      reason: 'MALFORMED_NONCE_HEADER',
      name: 'a nonce with a space',
      headers: () => signed('{}', { 'Wechatpay-Nonce': 'abc def' }),
    },
    {
      reason: 'PROBE_SIGNATURE',
      name: "WeChat's probe signature",
      headers: () => signed('{}', { 'Wechatpay-Signature': 'WECHATPAY/SIGNTEST/abc=' }),
    },
    {
      reason: 'UNKNOWN_SERIAL',
      name: 'a serial we hold no key for',
      headers: () => signed('{}', { 'Wechatpay-Serial': 'PUB_KEY_ID_0114232019112100000000' }),
    },
    {
      reason: 'UNKNOWN_SERIAL',
      name: "the merchant's own certificate serial",
      headers: () => signed('{}', { 'Wechatpay-Serial': env('WECHATPAY_MERCHANT_SERIAL_NO') }),
    },
    {
      reason: 'MALFORMED_SIGNATURE',
      name: 'a signature that is not base64',
      headers: () => signed('{}', { 'Wechatpay-Signature': 'not base64!' }),
    },
  ];

  it.each(cases)(
    '$name: the same 401, the body unread, the reason ($reason) in the log only',
    async ({ reason, headers }) => {
      const chunk = notificationBody();
      const { stream, counter } = countingBody(chunk, { repeat: 1000 });
      const response = await post(headers(), stream);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual(REJECTED);
      await settle();
      expect(counter.pulled).toBeLessThanOrEqual(chunk.length);
      expect(logs.rejections()).toContain(reason);
    },
  );

  it('refuses a declared length over 64 KiB with 413 before reading, once the headers pass', async () => {
    const body = notificationBody();
    const { stream, counter } = countingBody(body);
    const response = await post(signed(body, { 'content-length': String(1024 ** 3) }), stream);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ code: 'FAIL', message: 'payload too large' });
    await settle();
    expect(counter.pulled).toBeLessThanOrEqual(body.length);
  });

  it('stops reading a body without a declared length once it passes 64 KiB', async () => {
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const { stream, counter } = countingBody(chunk, { repeat: 640 });
    const response = await post(signed(chunk), stream);
    expect(response.status).toBe(413);
    // Read a chunk or so past the cap, not the 10 MiB on offer.
    expect(counter.pulled).toBeLessThan(128 * 1024);
  });
});

describe('after reading the body', () => {
  it('answers a genuine notification with 204, on a connection kept open', async () => {
    const body = notificationBody();
    const response = await post(signed(body), body);
    expect(response.status).toBe(204);
  });

  it.each([
    {
      reason: 'SIGNATURE_MISMATCH',
      name: 'a body other than the signed one',
      request: () => {
        const body = notificationBody();
        return { headers: signed(notificationBody()), body };
      },
    },
    {
      reason: 'SIGNATURE_MISMATCH',
      name: 'a stray 0xFF where U+FFFD was signed (the same text once decoded, not the same bytes)',
      request: () => {
        const [before, after] = notificationBody().toString('utf8').split('支付成功') as [string, string];
        const withBytes = (bytes: number[]) =>
          Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
        return { headers: signed(withBytes([0xef, 0xbf, 0xbd])), body: withBytes([0xff]) };
      },
    },
    {
      reason: 'DECRYPTION_FAILED',
      name: 'a resource sealed with another APIv3 key',
      request: () => {
        const body = notificationBody('ZYXWVUTSRQPONMLKJIHGFEDCBA987654');
        return { headers: signed(body), body };
      },
    },
    {
      reason: 'MALFORMED_BODY',
      name: 'a signed body that is not JSON',
      request: () => ({ headers: signed('not json'), body: 'not json' }),
    },
  ])('$name: the same 401 ($reason in the log)', async ({ reason, request }) => {
    const { headers, body } = request();
    const response = await post(headers, body);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(REJECTED);
    expect(logs.rejections()).toContain(reason);
  });
});
