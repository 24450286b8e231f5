import { beforeAll, describe, expect, it } from 'vitest';
import type { WechatPayConfig } from '@/lib/wechat-pay/config';
import { checkNotificationHeaders, parsePaymentNotification } from '@/lib/wechat-pay/notification';
import { normalizeSerial } from '@/lib/wechat-pay/serial';
import type { HeaderSource } from '@/lib/wechat-pay/verify';
import {
  createWechatPayTestKeys,
  encryptAsWechatPay,
  signAsWechatPay,
  type WechatPayTestKeys,
} from '../../support/wechat-pay-keys';
import { buildWireTransaction, loadTestConfig, NOW, NOW_SECONDS } from './fixtures';

let keys: WechatPayTestKeys;
let config: WechatPayConfig;
beforeAll(async () => {
  keys = await createWechatPayTestKeys();
  config = loadTestConfig(keys);
});

type NotificationOptions = {
  transaction?: unknown;
  /** Replaces the encrypted resource fields. */
  resource?: Record<string, unknown>;
  apiV3Key?: string;
  /** Produces the raw body from the envelope; WeChat's own formatting by default. */
  serialize?: (envelope: unknown) => string;
  timestamp?: number;
  signature?: string;
};

/** Builds a notification the way WeChat Pay does: encrypt the transaction, wrap it, sign the raw body. */
function buildNotification(options: NotificationOptions = {}) {
  const plaintext = JSON.stringify(options.transaction ?? buildWireTransaction(keys));
  const encrypted = encryptAsWechatPay(options.apiV3Key ?? keys.apiV3Key, plaintext);
  const envelope = {
    id: 'EV-2018022511223320873',
    create_time: '2026-11-25T18:01:05+08:00',
    resource_type: 'encrypt-resource',
    event_type: 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: {
      original_type: 'transaction',
      algorithm: 'AEAD_AES_256_GCM',
      ...encrypted,
      ...options.resource,
    },
  };
  const text = (options.serialize ?? ((value) => JSON.stringify(value, null, 2)))(envelope);
  const rawBody = Buffer.from(text, 'utf8');
  const headers = signAsWechatPay({
    privateKey: keys.wechatpay.privateKey,
    serial: keys.wechatpay.publicKeyId,
    body: rawBody,
    timestamp: options.timestamp ?? NOW_SECONDS,
    signature: options.signature,
  });
  return { headers, rawBody, text };
}

describe('parsePaymentNotification', () => {
  it('verifies, decrypts and reshapes a genuine payment notification', () => {
    const result = parsePaymentNotification(buildNotification(), config, NOW);
    expect(result).toEqual({
      ok: true,
      notificationId: 'EV-2018022511223320873',
      eventType: 'TRANSACTION.SUCCESS',
      transaction: {
        outTradeNo: 'R20261125ABC123',
        transactionId: '4200001234202611251234567890',
        status: 'PAID',
        tradeState: 'SUCCESS',
        amountFen: 5000,
        payerTotalFen: 4900,
        mchid: keys.mchid,
        appid: keys.appid,
        successTime: new Date('2026-11-25T10:01:02Z'),
        attach: 'account:42',
      },
    });
  });

  it('verifies the raw body as received, whatever its whitespace', () => {
    const compact = buildNotification({ serialize: (value) => JSON.stringify(value) });
    const spaced = buildNotification({ serialize: (value) => JSON.stringify(value, null, 4) });
    expect(parsePaymentNotification(compact, config, NOW).ok).toBe(true);
    expect(parsePaymentNotification(spaced, config, NOW).ok).toBe(true);
  });

  it('accepts fetch Headers as a route handler receives them', () => {
    const { headers, rawBody } = buildNotification();
    expect(parsePaymentNotification({ headers: new Headers(headers), rawBody }, config, NOW).ok).toBe(true);
  });

  it('rejects a body that was re-serialised after signing', () => {
    const { headers, rawBody } = buildNotification();
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(rawBody.toString('utf8'))));
    expect(parsePaymentNotification({ headers, rawBody: reserialised }, config, NOW)).toEqual({
      ok: false,
      reason: 'SIGNATURE_MISMATCH',
    });
  });

  it.each<{
    name: string;
    build: () => { headers: Record<string, string>; rawBody: Uint8Array };
    reason: string;
  }>([
    {
      name: 'a probe signature',
      build: () => buildNotification({ signature: 'WECHATPAY/SIGNTEST/ZmFrZQ==' }),
      reason: 'PROBE_SIGNATURE',
    },
    {
      name: 'a replay older than 5 minutes',
      build: () => buildNotification({ timestamp: NOW_SECONDS - 301 }),
      reason: 'STALE_TIMESTAMP',
    },
    {
      name: 'missing signature headers',
      build: () => ({ headers: {}, rawBody: buildNotification().rawBody }),
      reason: 'MISSING_HEADERS',
    },
    {
      name: 'a body that is not JSON',
      build: () => buildNotification({ serialize: () => 'not json' }),
      reason: 'MALFORMED_BODY',
    },
    {
      name: 'an envelope without a resource',
      build: () =>
        buildNotification({
          serialize: () => JSON.stringify({ id: 'EV-1', event_type: 'TRANSACTION.SUCCESS' }),
        }),
      reason: 'MALFORMED_BODY',
    },
    {
      name: 'an algorithm other than AEAD_AES_256_GCM',
      build: () => buildNotification({ resource: { algorithm: 'AEAD_SM4_GCM' } }),
      reason: 'UNSUPPORTED_ALGORITHM',
    },
    {
      name: 'a resource that is not a transaction',
      build: () => buildNotification({ resource: { original_type: 'refund' } }),
      reason: 'UNSUPPORTED_RESOURCE',
    },
    {
      name: 'a resource encrypted with another APIv3 key',
      build: () => buildNotification({ apiV3Key: 'ZYXWVUTSRQPONMLKJIHGFEDCBA987654' }),
      reason: 'DECRYPTION_FAILED',
    },
    {
      name: 'associated data that does not match',
      build: () => buildNotification({ resource: { associated_data: 'certificate' } }),
      reason: 'DECRYPTION_FAILED',
    },
    {
      name: 'a ciphertext that is not base64',
      build: () => buildNotification({ resource: { ciphertext: '%%%%' } }),
      reason: 'MALFORMED_CIPHERTEXT',
    },
    {
      name: 'a decrypted payload that is not a transaction',
      build: () => buildNotification({ transaction: { hello: 'world' } }),
      reason: 'INVALID_TRANSACTION',
    },
    {
      name: 'an unknown trade_state',
      build: () => buildNotification({ transaction: buildWireTransaction(keys, { trade_state: 'MAYBE' }) }),
      reason: 'INVALID_TRANSACTION',
    },
    {
      name: 'a fractional amount',
      build: () =>
        buildNotification({
          transaction: buildWireTransaction(keys, { amount: { total: 50.5, currency: 'CNY' } }),
        }),
      reason: 'INVALID_TRANSACTION',
    },
    {
      name: 'a transaction for another merchant',
      build: () => buildNotification({ transaction: buildWireTransaction(keys, { mchid: '1900009999' }) }),
      reason: 'MERCHANT_MISMATCH',
    },
    {
      name: 'a transaction for another app',
      build: () =>
        buildNotification({ transaction: buildWireTransaction(keys, { appid: 'wx0000000000000000' }) }),
      reason: 'MERCHANT_MISMATCH',
    },
  ])('rejects $name with $reason', ({ build, reason }) => {
    expect(parsePaymentNotification(build(), config, NOW)).toEqual({ ok: false, reason });
  });
});

describe('parsePaymentNotification reads the body as bytes', () => {
  /** A genuine notification whose summary field carries the given bytes, signed over the body as sent. */
  function withSummaryBytes(summary: Buffer, signedSummary: Buffer = summary) {
    const { rawBody } = buildNotification({ serialize: (value) => JSON.stringify(value) });
    const [before, after] = rawBody.toString('utf8').split('支付成功') as [string, string];
    const body = (bytes: Buffer) => Buffer.concat([Buffer.from(before), bytes, Buffer.from(after)]);
    const headers = signAsWechatPay({
      privateKey: keys.wechatpay.privateKey,
      serial: keys.wechatpay.publicKeyId,
      body: body(signedSummary),
      timestamp: NOW_SECONDS,
    });
    return { headers, rawBody: body(summary) };
  }

  it('accepts a summary in UTF-8, as WeChat sends it', () => {
    expect(parsePaymentNotification(withSummaryBytes(Buffer.from('支付成功')), config, NOW).ok).toBe(true);
  });

  it('refuses a signed body that is not UTF-8 as MALFORMED_BODY rather than reading it as U+FFFD', () => {
    const notUtf8 = withSummaryBytes(Buffer.from([0xff, 0xfe]));
    expect(parsePaymentNotification(notUtf8, config, NOW)).toEqual({ ok: false, reason: 'MALFORMED_BODY' });
  });

  it('refuses a stray 0xFF sent where U+FFFD was signed: the same text, not the same bytes', () => {
    const swapped = withSummaryBytes(Buffer.from([0xff]), Buffer.from('\ufffd'));
    expect(parsePaymentNotification(swapped, config, NOW)).toEqual({
      ok: false,
      reason: 'SIGNATURE_MISMATCH',
    });
  });
});

describe('checkNotificationHeaders: before the body is read', () => {
  it('passes the headers of a genuine notification, saying nothing more', () => {
    expect(checkNotificationHeaders(buildNotification().headers, config, NOW)).toEqual({ ok: true });
  });

  it('checks against the current time when not given one', () => {
    const fresh = buildNotification({ timestamp: Math.floor(Date.now() / 1000) });
    expect(checkNotificationHeaders(fresh.headers, config)).toEqual({ ok: true });
    expect(checkNotificationHeaders(buildNotification({ timestamp: 1 }).headers, config)).toEqual({
      ok: false,
      reason: 'STALE_TIMESTAMP',
    });
  });

  it.each([
    { name: 'no headers at all', headers: () => ({}), reason: 'MISSING_HEADERS' },
    {
      name: 'a serial that names no configured key',
      headers: () => ({ ...buildNotification().headers, 'Wechatpay-Serial': keys.merchant.serialNo }),
      reason: 'UNKNOWN_SERIAL',
      serial: () => normalizeSerial(keys.merchant.serialNo),
    },
    {
      name: 'a replay older than 5 minutes',
      headers: () => buildNotification({ timestamp: NOW_SECONDS - 301 }).headers,
      reason: 'STALE_TIMESTAMP',
    },
    {
      name: 'a signature that is not base64',
      headers: () => buildNotification({ signature: '%%%' }).headers,
      reason: 'MALFORMED_SIGNATURE',
    },
  ])(
    'refuses $name with $reason',
    ({ headers, reason, serial }: { headers: () => HeaderSource; reason: string; serial?: () => string }) => {
      expect(checkNotificationHeaders(headers(), config, NOW)).toEqual({
        ok: false,
        reason,
        ...(serial && { serial: serial() }),
      });
    },
  );

  it('does not check the signature itself: that needs the body', () => {
    const { headers } = buildNotification();
    const otherBody = buildNotification({ serialize: () => '{}' });
    expect(parsePaymentNotification({ headers, rawBody: otherBody.rawBody }, config, NOW)).toEqual({
      ok: false,
      reason: 'SIGNATURE_MISMATCH',
    });
    expect(checkNotificationHeaders(headers, config, NOW)).toEqual({ ok: true });
  });
});
