import { createDecipheriv, verify, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authorization, type Merchant, newOutTradeNo, type WireResponse, waitFor } from './support/merchant';
import { envelopeOf, setupNotifySandbox } from './support/notify-fixture';

// 下载平台证书 (GET /v3/certificates) and the keys WeChat signs with, read as a merchant on platform
// certificates reads them: decrypt each certificate with the APIv3 key, parse the X.509, pick the
// certificate by Wechatpay-Serial and verify.

// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary JSON from the wire
type Json = any;

const t = setupNotifySandbox({ verificationMode: 'certificate' });

function decryptCertificate(apiV3Key: string, sealed: Json): X509Certificate {
  const data = Buffer.from(sealed.ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from(sealed.nonce));
  decipher.setAAD(Buffer.from(sealed.associated_data));
  decipher.setAuthTag(data.subarray(data.length - 16));
  const pem = Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
  return new X509Certificate(pem);
}

async function download(merchant: Merchant) {
  const response = await merchant.request('GET', '/v3/certificates');
  expect(response.status).toBe(200);
  const certificates = new Map<string, X509Certificate>(
    response.json.data.map((entry: Json) => [
      entry.serial_no,
      decryptCertificate(t.keys.apiV3Key, entry.encrypt_certificate),
    ]),
  );
  return { response, certificates, entries: response.json.data as Json[] };
}

function signedBy(certificates: Map<string, X509Certificate>, headers: Headers | Json, body: string) {
  const get = (name: string) =>
    headers instanceof Headers ? headers.get(name) : headers[name.toLowerCase()];
  const serial = get('Wechatpay-Serial');
  const certificate = certificates.get(serial);
  if (!certificate) return { serial, valid: false };
  const message = Buffer.from(`${get('Wechatpay-Timestamp')}\n${get('Wechatpay-Nonce')}\n${body}\n`);
  const valid = verify(
    'sha256',
    message,
    certificate.publicKey,
    Buffer.from(get('Wechatpay-Signature'), 'base64'),
  );
  return { serial, valid };
}

const sandboxState = async (): Promise<Json> =>
  (await t.merchant.control('GET', '/sandbox/certificates')).json;

describe('GET /v3/certificates', () => {
  it('lists the platform certificate sealed with the APIv3 key, and signs the answer with it', async () => {
    const { response, certificates, entries } = await download(t.merchant);
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry.serial_no).toMatch(/^[0-9A-F]{40}$/);
    expect(entry.effective_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    expect(entry.encrypt_certificate).toMatchObject({
      algorithm: 'AEAD_AES_256_GCM',
      associated_data: 'certificate',
    });
    expect(entry.encrypt_certificate.nonce).toHaveLength(12);
    const certificate = certificates.get(entry.serial_no);
    expect(certificate?.serialNumber).toBe(entry.serial_no);
    expect(certificate?.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(new Date(certificate?.validTo ?? 0).getTime()).toBeGreaterThan(Date.now() + 4 * 365 * 86_400_000);
    expect(signedBy(certificates, response.headers, response.text)).toEqual({
      serial: entry.serial_no,
      valid: true,
    });
  });

  it('cannot be read without the APIv3 key: the tag fails under another key', async () => {
    const { entries } = await download(t.merchant);
    expect(() => decryptCertificate('0'.repeat(32), entries[0].encrypt_certificate)).toThrow();
  });

  it('signs every other answer and the notifications with the certificate, not the public key', async () => {
    const { certificates } = await download(t.merchant);
    const receiver = await t.receiver();
    const outTradeNo = await t.paidOrder(receiver.url);
    await waitFor(() => receiver.received.length === 1);
    const [notification] = receiver.received;
    if (!notification) throw new Error('no notification');
    expect(signedBy(certificates, notification.headers, notification.body).valid).toBe(true);
    expect(envelopeOf(notification).event_type).toBe('TRANSACTION.SUCCESS');
    const query = await t.merchant.query(outTradeNo);
    expect(signedBy(certificates, query.headers, query.text).valid).toBe(true);
  });

  it('rotates: publish lists both (the old one expiring sooner), activate signs with the new one, retire drops the old', async () => {
    const before = await download(t.merchant);
    const [oldSerial] = before.certificates.keys();
    const published: Json = (
      await t.merchant.control('POST', '/sandbox/certificates/rotate', {
        phase: 'publish',
        overlapMs: 3_600_000,
      })
    ).json;
    const newSerial = published.certificates.find((c: Json) => c.serialNo !== oldSerial).serialNo;

    const during = await download(t.merchant);
    expect([...during.certificates.keys()].sort()).toEqual([oldSerial, newSerial].sort());
    const oldEntry = during.entries.find((e) => e.serial_no === oldSerial);
    const expires = new Date(oldEntry.expire_time).getTime();
    expect(expires).toBeGreaterThan(Date.now() + 3_500_000);
    expect(expires).toBeLessThan(Date.now() + 3_700_000);
    expect(signedBy(during.certificates, during.response.headers, during.response.text).serial).toBe(
      oldSerial,
    );

    await t.merchant.control('POST', '/sandbox/certificates/rotate', { phase: 'activate' });
    const activated = await download(t.merchant);
    expect(signedBy(activated.certificates, activated.response.headers, activated.response.text)).toEqual({
      serial: newSerial,
      valid: true,
    });

    await t.merchant.control('POST', '/sandbox/certificates/rotate', { phase: 'retire' });
    const after = await download(t.merchant);
    expect([...after.certificates.keys()]).toEqual([newSerial]);
    expect((await sandboxState()).certificates.find((c: Json) => c.serialNo === oldSerial).state).toBe(
      'retired',
    );

    await t.merchant.control('POST', '/sandbox/reset');
    expect([...(await download(t.merchant)).certificates.keys()]).toEqual([oldSerial]);
  });

  it('runs a whole rotation on timers with phase all', async () => {
    const [oldSerial] = (await download(t.merchant)).certificates.keys();
    await t.merchant.control('POST', '/sandbox/certificates/rotate', {
      phase: 'all',
      activateAfterMs: 50,
      retireAfterMs: 50,
    });
    await waitFor(async () => (await sandboxState()).certificates.some((c: Json) => c.state === 'retired'));
    const state = await sandboxState();
    expect(state.activeSerial).not.toBe(oldSerial);
    expect(state.certificates.map((c: Json) => c.state).sort()).toEqual(['listed', 'retired']);
  });

  it('signs with an unpublished certificate when asked, then goes back to the listed one', async () => {
    const { certificates } = await download(t.merchant);
    const { serialNo } = (
      await t.merchant.control('POST', '/sandbox/certificates/sign-unpublished', {
        responses: 1,
        notifications: 0,
      })
    ).json;
    expect(certificates.has(serialNo)).toBe(false);
    const first: WireResponse = await t.merchant.request('GET', '/v3/certificates');
    expect(first.headers.get('Wechatpay-Serial')).toBe(serialNo);
    expect(first.json.data.map((e: Json) => e.serial_no)).not.toContain(serialNo);
    const second = await t.merchant.request('GET', '/v3/certificates');
    expect(signedBy(certificates, second.headers, second.text).valid).toBe(true);
  });

  it('in both mode, answers with the public key only when the request names it', async () => {
    await t.merchant.control('POST', '/sandbox/certificates/mode', {
      mode: 'both',
      notificationPublicKeyShare: 0.5,
    });
    const plain = await t.merchant.request('GET', '/v3/certificates');
    expect(plain.headers.get('Wechatpay-Serial')).toMatch(/^[0-9A-F]{40}$/);
    const target = `/v3/pay/transactions/out-trade-no/${newOutTradeNo()}?mchid=${t.keys.mchid}`;
    const response = await fetch(`${t.merchant.baseUrl}${target}`, {
      headers: {
        Accept: 'application/json',
        'Wechatpay-Serial': t.keys.wechatpayPublicKeyId,
        Authorization: authorization(t.keys, 'GET', target, ''),
      },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('Wechatpay-Serial')).toBe(t.keys.wechatpayPublicKeyId);

    const receiver = await t.receiver();
    await t.paidOrder(receiver.url);
    await t.paidOrder(receiver.url);
    await waitFor(() => receiver.received.length === 2);
    const serials = receiver.received.map((n) => n.headers['wechatpay-serial']).sort();
    expect(serials[0]).toMatch(/^[0-9A-F]{40}$/);
    expect(serials[1]).toBe(t.keys.wechatpayPublicKeyId);
  });
});

describe('public-key mode', () => {
  it('answers 404 RESOURCE_NOT_EXISTS, as WeChat does for a merchant without certificates', async () => {
    await t.merchant.control('POST', '/sandbox/certificates/mode', { mode: 'public-key' });
    const response = await t.merchant.request('GET', '/v3/certificates');
    expect({ status: response.status, code: response.json.code }).toEqual({
      status: 404,
      code: 'RESOURCE_NOT_EXISTS',
    });
    expect(response.headers.get('Wechatpay-Serial')).toBe(t.keys.wechatpayPublicKeyId);
  });

  it('refuses a merchant whose serial does not match its key with WeChat message', async () => {
    const response = await t.merchant.request('GET', '/v3/certificates', undefined, {
      overrides: { serialNo: 'ABCDEF' },
    });
    expect({ status: response.status, code: response.json.code }).toEqual({
      status: 401,
      code: 'SIGN_ERROR',
    });
    expect(response.json.message).toContain('商户证书序列号有误');
  });
});
