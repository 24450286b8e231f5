// Logs an operator can use: JSON lines with the request's id (the client's X-Request-Id when
// plausible, else a new one, returned in the answer) on every line the request causes, the module
// that wrote them, and no secrets.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST as notify } from '@/app/api/wechat-pay/notify/route';
import { resetEnvForTests } from '@/lib/env';
import { createLogger } from '@/lib/log';
import { resetWechatPayForTests } from '@/lib/wechat-pay';
import { captureLogs } from '../../support/logs';

const logs = captureLogs();
// A key made for this run, as a caller might log one by mistake.
const privateKeyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
beforeAll(() => {
  // The route only screens headers here: WeChat Pay's API is never called.
  process.env.WECHATPAY_BASE_URL = 'http://127.0.0.1:9';
  resetEnvForTests();
  resetWechatPayForTests();
});
afterAll(() => logs.restore());

function unsignedNotification(headers: Record<string, string> = {}) {
  return notify(
    new Request('http://127.0.0.1/api/wechat-pay/notify', { method: 'POST', headers, body: '{}' }),
  );
}

describe('request ids', () => {
  it('keeps a plausible X-Request-Id, returns it, and puts it on the lines the request logged', async () => {
    logs.clear();
    const response = await unsignedNotification({ 'x-request-id': 'lb-7f3a.2' });
    expect(response.status).toBe(401);
    expect(response.headers.get('x-request-id')).toBe('lb-7f3a.2');
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({ msg: 'notification rejected', module: 'notify', requestId: 'lb-7f3a.2' }),
    );
  });

  it.each([
    { name: 'none', headers: {} as Record<string, string> },
    { name: 'one with a line break', headers: { 'x-request-id': 'a\tb' } },
    { name: 'one too long', headers: { 'x-request-id': 'x'.repeat(65) } },
  ])('makes up a new one when the client sent $name', async ({ headers }) => {
    logs.clear();
    const response = await unsignedNotification(headers);
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs.lines().find((l) => l.msg === 'notification rejected')?.requestId).toBe(id);
  });
});

describe('what a line carries', () => {
  it('is one JSON object per line, with level, time, module and the fields given', () => {
    logs.clear();
    createLogger('orders').warn({ orderId: 'o-1', outTradeNo: 'RC1' }, 'something happened');
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: 40,
        time: expect.any(Number),
        service: 'recharge',
        module: 'orders',
        orderId: 'o-1',
        outTradeNo: 'RC1',
        msg: 'something happened',
      }),
    ]);
  });

  it('never carries a secret, wherever a caller put it', () => {
    logs.clear();
    createLogger('test').error(
      {
        authorization: 'Bearer s3cret',
        headers: { cookie: 'recharge.session_token=abc', authorization: 'WECHATPAY2-SHA256-RSA2048 x' },
        config: { apiV3Key: 'k'.repeat(32), privateKey: privateKeyPem },
        resource: { ciphertext: 'AAAA' },
        err: { request: { headers: { Authorization: 'Bearer deep-s3cret', 'set-cookie': 'sid=xyz' } } },
        token: 't',
        secret: 's',
      },
      'with secrets',
    );
    const text = JSON.stringify(logs.lines());
    for (const secret of [
      's3cret',
      'session_token=abc',
      'WECHATPAY2',
      'kkkkkkkk',
      'BEGIN PRIVATE',
      'AAAA',
      'sid=xyz',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
  });
});
