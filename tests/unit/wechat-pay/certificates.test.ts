// 下载平台证书 (GET /v3/certificates) in the adapter: decrypt each certificate with the APIv3 key, parse
// and check it, verify the answer with the certificates it carries (or a key held), and learn a serial
// an answer names that no key here has (the key ring). WeChat's side is played with real cryptography.
import { generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { issueCertificate } from '@recharge/wechatpay-sandbox/certificate';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createWechatPayClient } from '@/lib/wechat-pay/client';
import { loadWechatPayConfig, type WechatPayConfig } from '@/lib/wechat-pay/config';
import { WechatPayError } from '@/lib/wechat-pay/errors';
import { VerificationKeyRing } from '@/lib/wechat-pay/key-ring';
import {
  createWechatPayTestKeys,
  encryptAsWechatPay,
  signAsWechatPay,
  toWechatPayEnv,
  type WechatPayTestKeys,
} from '../../support/wechat-pay-keys';
import { buildWireTransaction } from './fixtures';

let keys: WechatPayTestKeys;
let certificate: NonNullable<WechatPayTestKeys['platformCertificate']>;
const issuer = generateKeyPairSync('rsa', { modulusLength: 2048 });

beforeAll(async () => {
  keys = await createWechatPayTestKeys({ platformCertificate: true });
  if (!keys.platformCertificate) throw new Error('no platform certificate');
  certificate = keys.platformCertificate;
});

function certificatesConfig(overrides: Parameters<typeof toWechatPayEnv>[1] = {}): WechatPayConfig {
  return loadWechatPayConfig(
    toWechatPayEnv(keys, {
      WECHATPAY_VERIFY_WITH: 'certificates',
      WECHATPAY_PUBLIC_KEY_ID: undefined,
      WECHATPAY_PUBLIC_KEY: undefined,
      WECHATPAY_PLATFORM_CERTIFICATES: undefined,
      ...overrides,
    }),
  );
}

type Entry = Record<string, unknown>;

function entryFor(
  pem: string,
  serial: string,
  overrides: Partial<Entry> = {},
  apiV3Key = keys.apiV3Key,
): Entry {
  return {
    serial_no: serial,
    effective_time: '2026-01-01T08:00:00+08:00',
    expire_time: '2031-01-01T08:00:00+08:00',
    encrypt_certificate: {
      algorithm: 'AEAD_AES_256_GCM',
      ...encryptAsWechatPay(apiV3Key, pem, 'certificate'),
    },
    ...overrides,
  };
}

/** WeChat's answer: `body` signed with `signer` under `serial` (the listed certificate by default). */
function answer(
  body: unknown,
  { status = 200, signer = certificate.privateKey, serial = certificate.serial } = {},
) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Response(text, {
    status,
    headers: {
      ...signAsWechatPay({ privateKey: signer, serial, body: text }),
      'Content-Type': 'application/json',
    },
  });
}

function clientAnswering(config: WechatPayConfig, respond: () => Response) {
  const sent: { url: string; headers: Headers }[] = [];
  const client = createWechatPayClient(config, {
    fetch: async (input, init) => {
      sent.push({ url: String(input), headers: new Headers(init?.headers) });
      return respond();
    },
  });
  return { client, sent };
}

async function rejection(promise: Promise<unknown>): Promise<WechatPayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WechatPayError)) throw new Error(`expected a WechatPayError, got ${String(error)}`);
  return error;
}

describe('downloadPlatformCertificates', () => {
  it('decrypts, parses and returns each listed certificate, the answer verified by the one that signed it', async () => {
    const config = certificatesConfig();
    const { client, sent } = clientAnswering(config, () =>
      answer({ data: [entryFor(certificate.certificatePem, certificate.serial.toLowerCase())] }),
    );
    const [downloaded, ...rest] = await client.downloadPlatformCertificates();
    expect(rest).toEqual([]);
    const x509 = new X509Certificate(certificate.certificatePem);
    expect(downloaded).toEqual({
      serialNo: certificate.serial,
      certificatePem: x509.toString(),
      notBefore: new Date(x509.validFrom),
      notAfter: new Date(x509.validTo),
      effectiveTime: new Date('2026-01-01T00:00:00Z'),
      expireTime: new Date('2031-01-01T00:00:00Z'),
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.url).toBe(`${config.baseUrl}/v3/certificates`);
    expect(sent[0]?.headers.get('Authorization')).toMatch(/^WECHATPAY2-SHA256-RSA2048 mchid=/);
    // Certificates mode asks for nothing but certificate signatures.
    expect(sent[0]?.headers.has('Wechatpay-Serial')).toBe(false);
  });

  it('asks for public-key signatures with Wechatpay-Serial in the public-key and both modes', async () => {
    for (const mode of ['public-key', 'both'] as const) {
      const config = loadWechatPayConfig(toWechatPayEnv(keys, { WECHATPAY_VERIFY_WITH: mode }));
      const { client, sent } = clientAnswering(config, () =>
        answer({ data: [entryFor(certificate.certificatePem, certificate.serial)] }),
      );
      await client.downloadPlatformCertificates();
      expect(sent[0]?.headers.get('Wechatpay-Serial')).toBe(keys.wechatpay.publicKeyId);
    }
  });

  it('verifies the answer with a key already held (the public key) as well', async () => {
    const config = loadWechatPayConfig(toWechatPayEnv(keys, { WECHATPAY_VERIFY_WITH: 'both' }));
    const { client } = clientAnswering(config, () =>
      answer(
        { data: [entryFor(certificate.certificatePem, certificate.serial)] },
        { signer: keys.wechatpay.privateKey, serial: keys.wechatpay.publicKeyId },
      ),
    );
    expect((await client.downloadPlatformCertificates()).map((c) => c.serialNo)).toEqual([
      certificate.serial,
    ]);
  });

  it.each([
    {
      name: 'signed by a serial neither listed nor held',
      options: { serial: 'ABCDEF0123' },
      reason: 'UNKNOWN_SERIAL',
    },
    {
      name: 'signed under the listed serial with another key',
      options: { signer: issuer.privateKey },
      reason: 'SIGNATURE_MISMATCH',
    },
  ])('refuses an answer $name', async ({ options, reason }) => {
    const { client } = clientAnswering(certificatesConfig(), () =>
      answer({ data: [entryFor(certificate.certificatePem, certificate.serial)] }, options),
    );
    const error = await rejection(client.downloadPlatformCertificates());
    expect({ code: error.code, detail: error.detail, status: error.httpStatus }).toEqual({
      code: 'INVALID_SIGNATURE',
      detail: { reason, serial: reason === 'UNKNOWN_SERIAL' ? 'ABCDEF0123' : undefined },
      status: 200,
    });
    expect(error.message).toContain(reason);
    expect(error.retryable).toBe(false);
  });

  it('retries WeChat signature probe on the certificate list', async () => {
    const text = JSON.stringify({ data: [entryFor(certificate.certificatePem, certificate.serial)] });
    const headers = signAsWechatPay({
      privateKey: certificate.privateKey,
      serial: certificate.serial,
      body: text,
    });
    headers['Wechatpay-Signature'] = `WECHATPAY/SIGNTEST/${headers['Wechatpay-Signature']}`;
    const { client } = clientAnswering(
      certificatesConfig(),
      () => new Response(text, { status: 200, headers }),
    );
    const error = await rejection(client.downloadPlatformCertificates());
    expect({ code: error.code, retryable: error.retryable }).toEqual({
      code: 'INVALID_SIGNATURE',
      retryable: true,
    });
  });

  it('names an APIv3 key that does not open the certificates, and does not retry', async () => {
    const { client } = clientAnswering(certificatesConfig(), () =>
      answer({ data: [entryFor(certificate.certificatePem, certificate.serial, {}, 'X'.repeat(32))] }),
    );
    const error = await rejection(client.downloadPlatformCertificates());
    expect({ code: error.code, retryable: error.retryable, detail: error.detail }).toEqual({
      code: 'APIV3_KEY_MISMATCH',
      retryable: false,
      detail: { serial: certificate.serial, reason: 'DECRYPTION_FAILED' },
    });
    expect(error.message).toMatch(/^WECHATPAY_APIV3_KEY does not decrypt/);
  });

  function otherCertificate(publicKey: KeyObject): { pem: string; serialNo: string } {
    const issued = issueCertificate({
      publicKey,
      issuerKey: issuer.privateKey,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    return { pem: issued.pem, serialNo: issued.serialNo };
  }

  it.each([
    {
      name: 'sealed with another algorithm',
      entry: () =>
        entryFor(certificate.certificatePem, certificate.serial, {
          encrypt_certificate: {
            algorithm: 'AEAD_SM4_GCM',
            ...encryptAsWechatPay(keys.apiV3Key, certificate.certificatePem, 'certificate'),
          },
        }),
      message: /sealed with AEAD_SM4_GCM/,
    },
    {
      name: 'that is not a certificate',
      entry: () => entryFor('not a certificate', certificate.serial),
      message: /is not an X\.509 certificate/,
    },
    {
      name: 'listed under another serial',
      entry: () => entryFor(certificate.certificatePem, '1234ABCD'),
      message: /listed as 1234ABCD has serial/,
    },
    {
      name: 'with an RSA key under 2048 bits',
      entry: () => {
        const weak = otherCertificate(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey);
        return entryFor(weak.pem, weak.serialNo);
      },
      message: /is not an RSA key of at least 2048 bits/,
    },
    {
      name: 'with a key that is not RSA',
      entry: () => {
        const ec = otherCertificate(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
        return entryFor(ec.pem, ec.serialNo);
      },
      message: /is not an RSA key of at least 2048 bits/,
    },
    {
      name: "carrying the merchant's own key",
      entry: () => {
        const own = otherCertificate(keys.merchant.publicKey);
        return entryFor(own.pem, own.serialNo);
      },
      message: /carries the merchant's own key/,
    },
  ])('refuses a certificate $name', async ({ entry, message }) => {
    const listed = entry();
    const { client } = clientAnswering(certificatesConfig(), () => answer({ data: [listed] }));
    const error = await rejection(client.downloadPlatformCertificates());
    expect(error.code).toBe('INVALID_RESPONSE');
    expect(error.message).toMatch(message);
    expect(error.detail).toMatchObject({ serial: listed.serial_no });
  });

  it('refuses a body that is not a certificate list, naming the fields', async () => {
    const { client } = clientAnswering(certificatesConfig(), () =>
      answer({ data: [{ serial_no: certificate.serial }] }),
    );
    const error = await rejection(client.downloadPlatformCertificates());
    expect(error.code).toBe('INVALID_RESPONSE');
    expect(error.httpStatus).toBe(200);
    expect(error.message).toBe('GET /v3/certificates answered HTTP 200 with an unexpected body');
    expect(error.detail).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'data.0.encrypt_certificate' })]),
    );
  });

  it('returns an empty list as such (a merchant WeChat has made no certificate for)', async () => {
    const { client } = clientAnswering(certificatesConfig(), () => answer({ data: [] }));
    // Nothing listed: the answer's signer can't be known, so it is refused (WeChat signs with a listed one).
    const error = await rejection(client.downloadPlatformCertificates());
    expect(error.detail).toMatchObject({ reason: 'UNKNOWN_SERIAL' });
  });

  it.each([
    { status: 404, code: 'RESOURCE_NOT_EXISTS', retryable: false },
    { status: 401, code: 'SIGN_ERROR', retryable: false },
    { status: 500, code: 'SYSTEM_ERROR', retryable: true },
  ])(
    "passes WeChat's $status $code through, even signed by a serial not held",
    async ({ status, code, retryable }) => {
      const { client } = clientAnswering(certificatesConfig(), () =>
        answer(
          { code, message: '无可用的平台证书' },
          { status, serial: 'ABCDEF0123', signer: issuer.privateKey },
        ),
      );
      const error = await rejection(client.downloadPlatformCertificates());
      expect({ code: error.code, status: error.httpStatus, retryable: error.retryable }).toEqual({
        code,
        status,
        retryable,
      });
    },
  );

  it('refuses an error answer whose signature is forged under a serial it holds', async () => {
    const config = loadWechatPayConfig(toWechatPayEnv(keys, { WECHATPAY_VERIFY_WITH: 'public-key' }));
    const { client } = clientAnswering(config, () =>
      answer(
        { code: 'RESOURCE_NOT_EXISTS', message: 'x' },
        { status: 404, serial: keys.wechatpay.publicKeyId, signer: issuer.privateKey },
      ),
    );
    const error = await rejection(client.downloadPlatformCertificates());
    expect({ code: error.code, reason: (error.detail as { reason: string }).reason }).toEqual({
      code: 'INVALID_SIGNATURE',
      reason: 'SIGNATURE_MISMATCH',
    });
  });
});

describe('an API answer signed by a serial the key ring learns', () => {
  function queryAnswer(serial: string, signer: KeyObject) {
    return answer(buildWireTransaction(keys, { out_trade_no: 'RC1234567890' }), { serial, signer });
  }

  it('is verified again after the ring learns the serial, without sending the request twice', async () => {
    const config = certificatesConfig();
    const resolver = vi.fn(async (serial: string) => {
      expect(serial).toBe(certificate.serial);
      const x509 = new X509Certificate(certificate.certificatePem);
      config.verificationKeys.replaceDownloaded(
        new Map([
          [
            certificate.serial,
            {
              publicKey: x509.publicKey,
              notBefore: new Date(x509.validFrom),
              notAfter: new Date(x509.validTo),
            },
          ],
        ]),
      );
    });
    config.verificationKeys.onUnknownSerial(resolver);
    const { client, sent } = clientAnswering(config, () =>
      queryAnswer(certificate.serial, certificate.privateKey),
    );
    const transaction = await client.queryOrder('RC1234567890');
    expect(transaction.outTradeNo).toBe('RC1234567890');
    expect(resolver).toHaveBeenCalledTimes(1);
    expect(sent).toHaveLength(1);
  });

  it('is refused when the serial stays unknown', async () => {
    const config = certificatesConfig();
    const resolver = vi.fn(async () => {});
    config.verificationKeys.onUnknownSerial(resolver);
    const { client } = clientAnswering(config, () => queryAnswer(certificate.serial, certificate.privateKey));
    const error = await rejection(client.queryOrder('RC1234567890'));
    expect({ code: error.code, detail: error.detail }).toEqual({
      code: 'INVALID_SIGNATURE',
      detail: { reason: 'UNKNOWN_SERIAL' },
    });
    expect(resolver).toHaveBeenCalledTimes(1);
  });

  it('is refused as a mismatch when the learned key did not sign it', async () => {
    const config = certificatesConfig();
    config.verificationKeys.onUnknownSerial(async () => {
      config.verificationKeys.replaceDownloaded(
        new Map([[certificate.serial, { publicKey: certificate.publicKey }]]),
      );
    });
    const { client } = clientAnswering(config, () => queryAnswer(certificate.serial, issuer.privateKey));
    const error = await rejection(client.queryOrder('RC1234567890'));
    expect(error.detail).toEqual({ reason: 'SIGNATURE_MISMATCH' });
  });

  it('is refused at once in public-key mode (no resolver: nothing to learn)', async () => {
    const config = loadWechatPayConfig(toWechatPayEnv(keys, { WECHATPAY_PLATFORM_CERTIFICATES: undefined }));
    const { client } = clientAnswering(config, () => queryAnswer(certificate.serial, certificate.privateKey));
    const error = await rejection(client.queryOrder('RC1234567890'));
    expect(error.detail).toEqual({ reason: 'UNKNOWN_SERIAL' });
  });
});

describe('VerificationKeyRing', () => {
  const keyA = { publicKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey };
  const keyB = { publicKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey };

  it('reads like a map of the configured and downloaded keys; a configured key wins a shared serial', () => {
    const ring = new VerificationKeyRing(
      new Map([
        ['PUB_KEY_ID_01', keyA],
        ['AA', keyA],
      ]),
    );
    ring.replaceDownloaded(
      new Map([
        ['AA', keyB],
        ['BB', keyB],
      ]),
    );
    expect(ring.size).toBe(3);
    expect(ring.get('AA')).toBe(keyA);
    expect(ring.get('BB')).toBe(keyB);
    expect(ring.has('PUB_KEY_ID_01')).toBe(true);
    expect([...ring.keys()].sort()).toEqual(['AA', 'BB', 'PUB_KEY_ID_01']);
    expect([...ring.values()]).toHaveLength(3);
    expect(new Map(ring.entries()).get('BB')).toBe(keyB);
    expect(new Map(ring).get('AA')).toBe(keyA);
    const seen: string[] = [];
    ring.forEach((value, key, map) => {
      expect(map).toBe(ring);
      expect(value).toBe(ring.get(key));
      seen.push(key);
    });
    expect(seen.sort()).toEqual(['AA', 'BB', 'PUB_KEY_ID_01']);
    expect(ring.downloadedSerials().sort()).toEqual(['AA', 'BB']);
  });

  it('replaces the downloaded set as a whole', () => {
    const ring = new VerificationKeyRing(new Map());
    ring.replaceDownloaded(new Map([['AA', keyA]]));
    ring.replaceDownloaded(new Map([['BB', keyB]]));
    expect([...ring.keys()]).toEqual(['BB']);
    expect(ring.downloadedSerials()).toEqual(['BB']);
  });

  it('ensure: true at once for a held serial (normalised), false with no resolver', async () => {
    const ring = new VerificationKeyRing(new Map([['AB12', keyA]]));
    expect(await ring.ensure('00ab12')).toBe(true);
    expect(await ring.ensure('CD34')).toBe(false);
  });

  it('ensure: one resolution for concurrent calls, then what the resolver made of it', async () => {
    const ring = new VerificationKeyRing(new Map());
    let release: () => void = () => {};
    const resolver = vi.fn(async (_serial: string) => {});
    resolver.mockImplementationOnce(
      (serial: string) =>
        new Promise<void>((resolve) => {
          release = () => {
            ring.replaceDownloaded(new Map([[serial, keyA]]));
            resolve();
          };
        }),
    );
    ring.onUnknownSerial(resolver);
    const calls = [ring.ensure('0cd34'), ring.ensure('CD34'), ring.ensure('cd34')];
    await Promise.resolve();
    release();
    expect(await Promise.all(calls)).toEqual([true, true, true]);
    expect(resolver).toHaveBeenCalledTimes(1);
    expect(resolver).toHaveBeenCalledWith('CD34');
    // Settled: a later unknown serial asks again.
    expect(await ring.ensure('EF56')).toBe(false);
    expect(resolver).toHaveBeenCalledTimes(2);
  });

  it('keeps the seed until WeChat list is known, then drops it for good', () => {
    const ring = new VerificationKeyRing(new Map([['PUB_KEY_ID_01', keyA]]), new Map([['AA', keyA]]));
    expect(ring.seedSerials()).toEqual(['AA']);
    expect(ring.has('AA')).toBe(true);
    ring.replaceDownloaded(new Map([['BB', keyB]]), { listKnown: false });
    expect([...ring.keys()].sort()).toEqual(['AA', 'BB', 'PUB_KEY_ID_01']);
    ring.replaceDownloaded(new Map([['BB', keyB]]));
    expect([...ring.keys()].sort()).toEqual(['BB', 'PUB_KEY_ID_01']);
    expect(ring.seedSerials()).toEqual([]);
    ring.replaceDownloaded(new Map(), { listKnown: false });
    expect([...ring.keys()]).toEqual(['PUB_KEY_ID_01']);
  });

  it('a downloaded key wins over a seed with the same serial', () => {
    const ring = new VerificationKeyRing(new Map(), new Map([['AA', keyA]]));
    ring.replaceDownloaded(new Map([['AA', keyB]]), { listKnown: false });
    expect(ring.get('AA')).toBe(keyB);
  });

  it('ensure: refuses at once beyond 32 serials being learned together', async () => {
    const ring = new VerificationKeyRing(new Map());
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const resolver = vi.fn(() => gate);
    ring.onUnknownSerial(resolver);
    const first = Array.from({ length: 32 }, (_, i) => ring.ensure(`A${i.toString(16)}`));
    expect(await ring.ensure('FFFF')).toBe(false);
    expect(resolver).toHaveBeenCalledTimes(32);
    release();
    expect(await Promise.all(first)).toEqual(first.map(() => false));
    // Settled: room again.
    expect(await ring.ensure('FFFF')).toBe(false);
    expect(resolver).toHaveBeenCalledTimes(33);
  });

  it('ensure: a failing resolver means not learned, and the next call asks again', async () => {
    const ring = new VerificationKeyRing(new Map());
    const resolver = vi.fn(async () => {
      throw new Error('WeChat unreachable');
    });
    ring.onUnknownSerial(resolver);
    expect(await ring.ensure('CD34')).toBe(false);
    expect(await ring.ensure('CD34')).toBe(false);
    expect(resolver).toHaveBeenCalledTimes(2);
  });
});
