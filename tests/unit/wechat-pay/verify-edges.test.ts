// Edges of response and notification verification that the main verify tests leave open: the
// key's validity window at its exact ends, the one signature type WeChat announces, and timestamp
// and header shapes that must be refused rather than half-read.
import type { KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { VerificationKey } from '@/lib/wechat-pay/config';
import { verifyWechatPaySignature } from '@/lib/wechat-pay/verify';
import { createWechatPayTestKeys, signAsWechatPay } from '../../support/wechat-pay-keys';

const BODY = '{"code_url":"weixin://wxpay/bizpayurl?pr=edge"}';
const SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const NOW = new Date('2026-11-25T10:00:00.000Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

let privateKey: KeyObject;
let publicKey: KeyObject;
beforeAll(async () => {
  ({ privateKey, publicKey } = (await createWechatPayTestKeys()).wechatpay);
});

function signed(headers: Record<string, string> = {}, timestamp = NOW_SECONDS) {
  return { ...signAsWechatPay({ privateKey, serial: SERIAL, body: BODY, timestamp }), ...headers };
}

function keysWith(window: Omit<VerificationKey, 'publicKey'>): ReadonlyMap<string, VerificationKey> {
  return new Map([[SERIAL, { publicKey, ...window }]]);
}

const ms = (offset: number) => new Date(NOW.getTime() + offset);

describe('verifyWechatPaySignature: a platform certificate is trusted only inside its validity window', () => {
  it.each<{ name: string; window: Omit<VerificationKey, 'publicKey'>; ok: boolean }>([
    {
      name: 'not valid until a millisecond from now',
      window: { notBefore: ms(1), notAfter: ms(9e9) },
      ok: false,
    },
    { name: 'valid from a day later (not yet valid)', window: { notBefore: ms(86_400_000) }, ok: false },
    { name: 'valid from exactly now', window: { notBefore: NOW, notAfter: ms(9e9) }, ok: true },
    { name: 'valid until exactly now', window: { notBefore: ms(-9e9), notAfter: NOW }, ok: true },
    { name: 'expired a millisecond ago', window: { notBefore: ms(-9e9), notAfter: ms(-1) }, ok: false },
    { name: 'expired, with no start date', window: { notAfter: ms(-1) }, ok: false },
    { name: 'started, with no end date', window: { notBefore: ms(-1) }, ok: true },
    { name: 'without any window (a WeChat Pay public key)', window: {}, ok: true },
  ])('a key $name: ok=$ok', ({ window, ok }) => {
    expect(verifyWechatPaySignature({ headers: signed(), body: BODY }, keysWith(window), NOW)).toEqual(
      ok ? { ok: true } : { ok: false, reason: 'KEY_NOT_VALID_NOW' },
    );
  });
});

describe('verifyWechatPaySignature: headers', () => {
  it.each([
    {
      name: 'a header record',
      headers: () => signed({ 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048' }),
    },
    {
      name: 'fetch Headers',
      headers: () => new Headers(signed({ 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048' })),
    },
  ])('accepts the announced type WECHATPAY2-SHA256-RSA2048 in $name', ({ headers }) => {
    expect(verifyWechatPaySignature({ headers: headers(), body: BODY }, keysWith({}), NOW)).toEqual({
      ok: true,
    });
  });

  it.each([
    { name: 'an empty signature type', type: '', reason: 'UNSUPPORTED_SIGNATURE_TYPE' },
    {
      name: 'a lower-case signature type',
      type: 'wechatpay2-sha256-rsa2048',
      reason: 'UNSUPPORTED_SIGNATURE_TYPE',
    },
  ])('refuses $name', ({ type, reason }) => {
    const headers = signed({ 'Wechatpay-Signature-Type': type });
    expect(verifyWechatPaySignature({ headers, body: BODY }, keysWith({}), NOW)).toEqual({
      ok: false,
      reason,
    });
  });

  it.each([
    { name: 'digits followed by letters', timestamp: `${NOW_SECONDS}abc` },
    { name: 'letters followed by digits', timestamp: `abc${NOW_SECONDS}` },
    { name: 'a leading space', timestamp: ` ${NOW_SECONDS}` },
    { name: 'a negative number', timestamp: `-${NOW_SECONDS}` },
    { name: 'thirteen digits (milliseconds)', timestamp: String(NOW.getTime()) },
  ])('refuses a timestamp of $name as MALFORMED_TIMESTAMP', ({ timestamp }) => {
    const headers = signed({ 'Wechatpay-Timestamp': timestamp });
    expect(verifyWechatPaySignature({ headers, body: BODY }, keysWith({}), NOW)).toEqual({
      ok: false,
      reason: 'MALFORMED_TIMESTAMP',
    });
  });

  it.each(['Wechatpay-Timestamp', 'Wechatpay-Nonce', 'Wechatpay-Signature', 'Wechatpay-Serial'])(
    'treats an empty %s as missing',
    (name) => {
      const headers = signed({ [name]: '' });
      expect(verifyWechatPaySignature({ headers, body: BODY }, keysWith({}), NOW)).toEqual({
        ok: false,
        reason: 'MISSING_HEADERS',
      });
    },
  );

  it('finds headers in a record whatever their case, and ignores unrelated ones', () => {
    const upper = Object.fromEntries(Object.entries(signed()).map(([k, v]) => [k.toUpperCase(), v]));
    const headers = { 'content-type': 'application/json', 'x-request-id': 'abc', ...upper };
    expect(verifyWechatPaySignature({ headers, body: BODY }, keysWith({}), NOW)).toEqual({ ok: true });
  });

  it('accepts a probe prefix only at the start: a signature merely containing it is checked normally', () => {
    const headers = signed({ 'Wechatpay-Signature': 'QUJDWECHATPAY/SIGNTEST/' });
    expect(verifyWechatPaySignature({ headers, body: BODY }, keysWith({}), NOW)).toEqual({
      ok: false,
      reason: 'MALFORMED_SIGNATURE',
    });
  });

  it('verifies the message timestamp\\nnonce\\nbody\\n, whatever the split between nonce and body', () => {
    const headers = signAsWechatPay({
      privateKey,
      serial: SERIAL,
      body: `x\n${BODY}`,
      timestamp: NOW_SECONDS,
      nonce: 'n',
    });
    const moved = { ...headers, 'Wechatpay-Nonce': 'n\nx' };
    expect(verifyWechatPaySignature({ headers: moved, body: BODY }, keysWith({}), NOW)).toEqual({ ok: true });
    expect(verifyWechatPaySignature({ headers, body: BODY }, keysWith({}), NOW)).toEqual({
      ok: false,
      reason: 'SIGNATURE_MISMATCH',
    });
  });
});
