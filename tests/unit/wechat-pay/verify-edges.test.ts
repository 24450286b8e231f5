// Edges of response and notification verification that the main verify tests leave open: the
// key's validity window at its exact ends, the one signature type WeChat announces, timestamp, nonce
// and header shapes that must be refused rather than half-read, bodies compared as bytes, and the
// header-only check a notification route makes before reading the body.
import type { KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { VerificationKey } from '@/lib/wechat-pay/config';
import { checkSignatureHeaders, type HeaderSource, verifyWechatPaySignature } from '@/lib/wechat-pay/verify';
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

  it('refuses a nonce with a line break: bytes could move between the nonce and the body unnoticed', () => {
    const headers = signAsWechatPay({
      privateKey,
      serial: SERIAL,
      body: `x\n${BODY}`,
      timestamp: NOW_SECONDS,
      nonce: 'n',
    });
    // Signed over `ts\nn\nx\n{BODY}\n`: the same bytes as nonce `n\nx` with body BODY.
    expect(verifyWechatPaySignature({ headers, body: `x\n${BODY}` }, keysWith({}), NOW)).toEqual({
      ok: true,
    });
    const moved = { ...headers, 'Wechatpay-Nonce': 'n\nx' };
    expect(verifyWechatPaySignature({ headers: moved, body: BODY }, keysWith({}), NOW)).toEqual({
      ok: false,
      reason: 'MALFORMED_NONCE_HEADER',
    });
    expect(verifyWechatPaySignature({ headers, body: BODY }, keysWith({}), NOW)).toEqual({
      ok: false,
      reason: 'SIGNATURE_MISMATCH',
    });
  });

  it.each([
    { name: 'one character', nonce: 'n' },
    { name: '64 characters', nonce: 'N'.repeat(64) },
    { name: "WeChat's 32 letters and digits", nonce: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS' },
    { name: 'the ends of visible ASCII', nonce: '!0aZ~' },
  ])('accepts a nonce of $name', ({ nonce }) => {
    const headers = signAsWechatPay({
      privateKey,
      serial: SERIAL,
      body: BODY,
      timestamp: NOW_SECONDS,
      nonce,
    });
    expect(verifyWechatPaySignature({ headers, body: BODY }, keysWith({}), NOW)).toEqual({ ok: true });
  });

  it.each([
    { name: '65 characters', nonce: 'N'.repeat(65) },
    { name: 'a space inside', nonce: 'abc def' },
    { name: 'a leading space', nonce: ' abcdef' },
    { name: 'a trailing space', nonce: 'abcdef ' },
    { name: 'a tab', nonce: 'abc\tdef' },
    { name: 'a DEL character', nonce: 'abc\u007f' },
    { name: 'letters outside ASCII', nonce: 'abcdé' },
  ])('refuses a nonce of $name as MALFORMED_NONCE_HEADER', ({ nonce }) => {
    const headers = signAsWechatPay({
      privateKey,
      serial: SERIAL,
      body: BODY,
      timestamp: NOW_SECONDS,
      nonce,
    });
    expect(verifyWechatPaySignature({ headers, body: BODY }, keysWith({}), NOW)).toEqual({
      ok: false,
      reason: 'MALFORMED_NONCE_HEADER',
    });
  });
});

describe('verifyWechatPaySignature: the body is verified as the bytes received', () => {
  // U+FFFD (EF BF BD) is what a lenient UTF-8 decoder makes of a stray 0xFF: signed over one, sent with
  // the other, a body compared as decoded text would pass for the signed one.
  const signedBytes = Buffer.concat([
    Buffer.from('{"summary":"'),
    Buffer.from([0xef, 0xbf, 0xbd]),
    Buffer.from('"}'),
  ]);
  const sentBytes = Buffer.concat([Buffer.from('{"summary":"'), Buffer.from([0xff]), Buffer.from('"}')]);

  it('refuses bytes that differ from the signed ones, even where both decode to the same text', () => {
    expect(new TextDecoder().decode(sentBytes)).toBe(new TextDecoder().decode(signedBytes));
    const headers = signAsWechatPay({
      privateKey,
      serial: SERIAL,
      body: signedBytes,
      timestamp: NOW_SECONDS,
    });
    expect(verifyWechatPaySignature({ headers, body: sentBytes }, keysWith({}), NOW)).toEqual({
      ok: false,
      reason: 'SIGNATURE_MISMATCH',
    });
    expect(verifyWechatPaySignature({ headers, body: signedBytes }, keysWith({}), NOW)).toEqual({ ok: true });
  });

  it('accepts bytes that are not UTF-8 when they are exactly the signed ones', () => {
    const headers = signAsWechatPay({ privateKey, serial: SERIAL, body: sentBytes, timestamp: NOW_SECONDS });
    expect(verifyWechatPaySignature({ headers, body: sentBytes }, keysWith({}), NOW)).toEqual({ ok: true });
  });
});

describe('checkSignatureHeaders: what the headers establish before any body is read', () => {
  it('hands back the parts of a complete, fresh set naming a known key, without looking at a body', () => {
    const headers = signed();
    const key = { publicKey };
    expect(checkSignatureHeaders(headers, new Map([[SERIAL, key]]), NOW)).toEqual({
      ok: true,
      timestamp: String(NOW_SECONDS),
      nonce: headers['Wechatpay-Nonce'],
      signature: Buffer.from(headers['Wechatpay-Signature'] ?? '', 'base64'),
      key,
    });
  });

  it.each([
    { name: 'no headers', headers: () => ({}), reason: 'MISSING_HEADERS' },
    {
      name: 'a timestamp 301 s old',
      headers: () => signed({}, NOW_SECONDS - 301),
      reason: 'STALE_TIMESTAMP',
    },
    {
      name: 'an unknown serial',
      headers: () => signed({ 'Wechatpay-Serial': 'PUB_KEY_ID_0114232019112100000000' }),
      reason: 'UNKNOWN_SERIAL',
      serial: () => 'PUB_KEY_ID_0114232019112100000000',
    },
    {
      name: 'a signature that is not base64',
      headers: () => signed({ 'Wechatpay-Signature': 'not base64!' }),
      reason: 'MALFORMED_SIGNATURE',
    },
    {
      name: 'a nonce with a space',
      headers: () => signed({ 'Wechatpay-Nonce': 'a b' }),
      reason: 'MALFORMED_NONCE_HEADER',
    },
  ])(
    'refuses $name with $reason',
    ({ headers, reason, serial }: { headers: () => HeaderSource; reason: string; serial?: () => string }) => {
      expect(checkSignatureHeaders(headers(), keysWith({}), NOW)).toEqual({
        ok: false,
        reason,
        ...(serial && { serial: serial() }),
      });
    },
  );
});
