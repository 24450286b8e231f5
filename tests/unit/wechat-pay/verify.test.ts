import { beforeAll, describe, expect, it } from 'vitest';
import type { WechatPayConfig } from '@/lib/wechat-pay/config';
import { normalizeSerial } from '@/lib/wechat-pay/serial';
import { verifyWechatPaySignature } from '@/lib/wechat-pay/verify';
import {
  createWechatPayTestKeys,
  signAsWechatPay,
  type WechatPayTestKeys,
} from '../../support/wechat-pay-keys';
import { loadTestConfig } from './fixtures';

const BODY = '{"code_url":"weixin://wxpay/bizpayurl?pr=abc123"}';

let keys: WechatPayTestKeys;
let config: WechatPayConfig;
let now: Date;
let nowSeconds: number;
beforeAll(async () => {
  keys = await createWechatPayTestKeys({ platformCertificate: true });
  config = loadTestConfig(keys);
  // Real time: the generated platform certificate is valid from yesterday to next year.
  now = new Date();
  nowSeconds = Math.floor(now.getTime() / 1000);
});

function signedByPublicKey(overrides: { body?: string; timestamp?: number; signature?: string } = {}) {
  return signAsWechatPay({
    privateKey: keys.wechatpay.privateKey,
    serial: keys.wechatpay.publicKeyId,
    body: overrides.body ?? BODY,
    timestamp: overrides.timestamp ?? nowSeconds,
    signature: overrides.signature,
  });
}

describe('verifyWechatPaySignature', () => {
  it('accepts a response signed with the WeChat Pay public key (PUB_KEY_ID_…)', () => {
    expect(
      verifyWechatPaySignature({ headers: signedByPublicKey(), body: BODY }, config.verificationKeys, now),
    ).toEqual({ ok: true });
  });

  it('accepts a response signed with the platform certificate key when both kinds are configured', () => {
    const certificate = keys.platformCertificate;
    if (!certificate) throw new Error('fixture needs a platform certificate');
    const headers = signAsWechatPay({
      privateKey: certificate.privateKey,
      serial: certificate.serial,
      body: BODY,
      timestamp: nowSeconds,
    });
    expect(config.verificationKeys.size).toBe(2);
    expect(verifyWechatPaySignature({ headers, body: BODY }, config.verificationKeys, now)).toEqual({
      ok: true,
    });
  });

  it('matches a platform certificate serial regardless of case and leading zeros', () => {
    const certificate = keys.platformCertificate;
    if (!certificate) throw new Error('fixture needs a platform certificate');
    const headers = signAsWechatPay({
      privateKey: certificate.privateKey,
      serial: `00${certificate.serial.toLowerCase()}`,
      body: BODY,
      timestamp: nowSeconds,
    });
    expect(verifyWechatPaySignature({ headers, body: BODY }, config.verificationKeys, now)).toEqual({
      ok: true,
    });
  });

  it('accepts fetch Headers, lower-case header records and byte bodies alike', () => {
    const headers = signedByPublicKey();
    const lowerCase = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const bytes = new TextEncoder().encode(BODY);
    for (const message of [
      { headers: new Headers(headers), body: BODY },
      { headers: lowerCase, body: BODY },
      { headers, body: bytes },
    ]) {
      expect(verifyWechatPaySignature(message, config.verificationKeys, now)).toEqual({ ok: true });
    }
  });

  it('accepts an empty body (204) signed over an empty body line', () => {
    const headers = signedByPublicKey({ body: '' });
    expect(verifyWechatPaySignature({ headers, body: '' }, config.verificationKeys, now)).toEqual({
      ok: true,
    });
  });

  it('accepts a timestamp exactly 300 s away in either direction', () => {
    for (const timestamp of [nowSeconds - 300, nowSeconds + 300]) {
      const headers = signedByPublicKey({ timestamp });
      expect(verifyWechatPaySignature({ headers, body: BODY }, config.verificationKeys, now)).toEqual({
        ok: true,
      });
    }
  });

  type Case = {
    name: string;
    message: () => { headers: Record<string, unknown>; body: string };
    reason: string;
    serial?: () => string;
  };
  const without = (name: string) => () => {
    const { [name]: _dropped, ...headers } = signedByPublicKey();
    return { headers, body: BODY };
  };

  it.each<Case>([
    {
      name: 'a tampered body',
      message: () => ({ headers: signedByPublicKey(), body: BODY.replace('abc123', 'evil99') }),
      reason: 'SIGNATURE_MISMATCH',
    },
    {
      name: 'a body re-serialised with different whitespace',
      message: () => ({ headers: signedByPublicKey(), body: JSON.stringify(JSON.parse(BODY), null, 1) }),
      reason: 'SIGNATURE_MISMATCH',
    },
    {
      name: 'a signature made with the wrong key (the merchant key)',
      message: () => ({
        headers: signAsWechatPay({
          privateKey: keys.merchant.privateKey,
          serial: keys.wechatpay.publicKeyId,
          body: BODY,
          timestamp: nowSeconds,
        }),
        body: BODY,
      }),
      reason: 'SIGNATURE_MISMATCH',
    },
    {
      name: 'an unknown serial',
      message: () => ({
        headers: { ...signedByPublicKey(), 'Wechatpay-Serial': 'PUB_KEY_ID_0000000000000000000' },
        body: BODY,
      }),
      reason: 'UNKNOWN_SERIAL',
      serial: () => 'PUB_KEY_ID_0000000000000000000',
    },
    {
      name: 'the merchant certificate serial (not a WeChat key)',
      message: () => ({
        headers: { ...signedByPublicKey(), 'Wechatpay-Serial': keys.merchant.serialNo },
        body: BODY,
      }),
      reason: 'UNKNOWN_SERIAL',
      serial: () => normalizeSerial(keys.merchant.serialNo),
    },
    {
      name: 'a stale timestamp (301 s old)',
      message: () => ({ headers: signedByPublicKey({ timestamp: nowSeconds - 301 }), body: BODY }),
      reason: 'STALE_TIMESTAMP',
    },
    {
      name: 'a future timestamp (301 s ahead)',
      message: () => ({ headers: signedByPublicKey({ timestamp: nowSeconds + 301 }), body: BODY }),
      reason: 'FUTURE_TIMESTAMP',
    },
    {
      name: 'a non-numeric timestamp',
      message: () => ({
        headers: { ...signedByPublicKey(), 'Wechatpay-Timestamp': '1764064800.5' },
        body: BODY,
      }),
      reason: 'MALFORMED_TIMESTAMP',
    },
    {
      name: "WeChat's probe signature WECHATPAY/SIGNTEST/…",
      message: () => ({
        headers: signedByPublicKey({
          signature: 'WECHATPAY/SIGNTEST/abcdefghijklmnopqrstuvwxyz0123456789+/==',
        }),
        body: BODY,
      }),
      reason: 'PROBE_SIGNATURE',
    },
    {
      name: 'a signature that is not base64',
      message: () => ({ headers: signedByPublicKey({ signature: 'not base64 at all!' }), body: BODY }),
      reason: 'MALFORMED_SIGNATURE',
    },
    {
      name: 'a signature with broken base64 padding',
      message: () => ({ headers: signedByPublicKey({ signature: 'QUJD=' }), body: BODY }),
      reason: 'MALFORMED_SIGNATURE',
    },
    {
      name: 'a well-formed base64 signature of the wrong length',
      message: () => ({ headers: signedByPublicKey({ signature: 'QUJD' }), body: BODY }),
      reason: 'SIGNATURE_MISMATCH',
    },
    { name: 'no Wechatpay-Timestamp', message: without('Wechatpay-Timestamp'), reason: 'MISSING_HEADERS' },
    { name: 'no Wechatpay-Nonce', message: without('Wechatpay-Nonce'), reason: 'MISSING_HEADERS' },
    { name: 'no Wechatpay-Signature', message: without('Wechatpay-Signature'), reason: 'MISSING_HEADERS' },
    { name: 'no Wechatpay-Serial', message: without('Wechatpay-Serial'), reason: 'MISSING_HEADERS' },
    { name: 'no headers at all', message: () => ({ headers: {}, body: BODY }), reason: 'MISSING_HEADERS' },
    {
      name: 'a repeated signature header',
      message: () => {
        const headers = signedByPublicKey();
        return {
          headers: { ...headers, 'Wechatpay-Signature': [headers['Wechatpay-Signature'], 'x'] },
          body: BODY,
        };
      },
      reason: 'MISSING_HEADERS',
    },
    {
      name: 'an unsupported signature type',
      message: () => ({
        headers: { ...signedByPublicKey(), 'Wechatpay-Signature-Type': 'WECHATPAY2-SM2-WITH-SM3' },
        body: BODY,
      }),
      reason: 'UNSUPPORTED_SIGNATURE_TYPE',
    },
  ])('rejects $name with $reason', ({ message, reason, serial }: Case) => {
    const { headers, body } = message();
    const result = verifyWechatPaySignature(
      { headers: headers as Record<string, string>, body },
      config.verificationKeys,
      now,
    );
    expect(result).toEqual({ ok: false, reason, ...(serial && { serial: serial() }) });
  });

  it('rejects a signature from a platform certificate outside its validity window', () => {
    const certificate = keys.platformCertificate;
    if (!certificate) throw new Error('fixture needs a platform certificate');
    const later = new Date(now.getTime() + 2 * 365 * 24 * 3600 * 1000);
    const headers = signAsWechatPay({
      privateKey: certificate.privateKey,
      serial: certificate.serial,
      body: BODY,
      timestamp: Math.floor(later.getTime() / 1000),
    });
    expect(verifyWechatPaySignature({ headers, body: BODY }, config.verificationKeys, later)).toEqual({
      ok: false,
      reason: 'KEY_NOT_VALID_NOW',
    });
  });
});
