// Start-up checks of the adapter config that the main config tests leave open: key sizes and
// types, the public key id, the certificate bundle, the base URL and the timeout. Each bad value
// must stop the app at boot with a message naming the variable, not fail later on a payment.
import { generateKeyPairSync, type KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWechatPayConfig, type WechatPayEnv } from '@/lib/wechat-pay/config';
import {
  createWechatPayTestKeys,
  toWechatPayEnv,
  type WechatPayTestKeys,
} from '../../support/wechat-pay-keys';

let keys: WechatPayTestKeys;
let small: { privateKeyPem: string; publicKeyPem: string };
let ec: { privateKeyPem: string; publicKeyPem: string };
let smallCertificatePem: string;
let directory: string;

beforeAll(async () => {
  keys = await createWechatPayTestKeys({ platformCertificate: true });
  small = pemPair(generateKeyPairSync('rsa', { modulusLength: 1024 }));
  ec = pemPair(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }));
  smallCertificatePem = await selfSignedCertificate(1024);
  directory = mkdtempSync(join(tmpdir(), 'wechat-pay-config-edges-'));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function pemPair({ privateKey, publicKey }: { privateKey: KeyObject; publicKey: KeyObject }) {
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

async function selfSignedCertificate(modulusLength: number): Promise<string> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const pair = await webcrypto.subtle.generateKey(
    { ...algorithm, modulusLength, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  );
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '3A7F0C11',
      name: 'CN=Weak Platform Certificate',
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000),
      keys: pair,
      signingAlgorithm: algorithm,
    },
    webcrypto as Crypto,
  );
  return certificate.toString('pem');
}

const env = (overrides: Partial<WechatPayEnv> = {}) =>
  toWechatPayEnv(keys, { WECHATPAY_PLATFORM_CERTIFICATES: undefined, ...overrides });
const certificatePem = () => keys.platformCertificate?.certificatePem ?? '';

describe('loadWechatPayConfig refuses', () => {
  it.each<{ name: string; env: () => WechatPayEnv; error: RegExp }>([
    {
      name: 'a 1024-bit merchant key',
      env: () => env({ WECHATPAY_MERCHANT_PRIVATE_KEY: small.privateKeyPem }),
      error: /WECHATPAY_MERCHANT_PRIVATE_KEY must be an RSA key of at least 2048 bits/,
    },
    {
      name: 'an EC merchant key',
      env: () => env({ WECHATPAY_MERCHANT_PRIVATE_KEY: ec.privateKeyPem }),
      error: /WECHATPAY_MERCHANT_PRIVATE_KEY must be an RSA key of at least 2048 bits/,
    },
    {
      name: 'a 1024-bit WeChat Pay public key',
      env: () => env({ WECHATPAY_PUBLIC_KEY: small.publicKeyPem }),
      error: /WECHATPAY_PUBLIC_KEY must be an RSA key of at least 2048 bits/,
    },
    {
      name: 'an EC WeChat Pay public key',
      env: () => env({ WECHATPAY_PUBLIC_KEY: ec.publicKeyPem }),
      error: /WECHATPAY_PUBLIC_KEY must be an RSA key of at least 2048 bits/,
    },
    {
      name: 'a WeChat Pay public key that is not PEM',
      env: () => env({ WECHATPAY_PUBLIC_KEY: 'not a key' }),
      error: /WECHATPAY_PUBLIC_KEY is not a valid PEM public key/,
    },
    {
      name: 'a public key id without the PUB_KEY_ID_ prefix',
      env: () => env({ WECHATPAY_PUBLIC_KEY_ID: '0114232025052700001234' }),
      error: /WECHATPAY_PUBLIC_KEY_ID must start with PUB_KEY_ID_/,
    },
    {
      name: 'a public key id with the prefix in lower case',
      env: () => env({ WECHATPAY_PUBLIC_KEY_ID: 'pub_key_id_0114232025052700001234' }),
      error: /WECHATPAY_PUBLIC_KEY_ID must start with PUB_KEY_ID_/,
    },
    {
      name: 'the same platform certificate twice',
      env: () => env({ WECHATPAY_PLATFORM_CERTIFICATES: `${certificatePem()}\n${certificatePem()}` }),
      error: /WECHATPAY_PLATFORM_CERTIFICATES: serial [0-9A-F]+ appears twice/,
    },
    {
      name: 'a platform certificate with a 1024-bit key',
      env: () => env({ WECHATPAY_PLATFORM_CERTIFICATES: smallCertificatePem }),
      error: /WECHATPAY_PLATFORM_CERTIFICATES must be an RSA key of at least 2048 bits/,
    },
    {
      name: 'an unreadable platform certificate',
      env: () =>
        env({
          WECHATPAY_PLATFORM_CERTIFICATES:
            '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----',
        }),
      error: /WECHATPAY_PLATFORM_CERTIFICATES holds an unreadable certificate/,
    },
    {
      name: 'both an inline public key and a public key file',
      env: () => env({ WECHATPAY_PUBLIC_KEY_FILE: '/etc/pub_key.pem' }),
      error: /set only one of WECHATPAY_PUBLIC_KEY and WECHATPAY_PUBLIC_KEY_FILE/,
    },
    {
      name: 'an unreadable platform certificates file',
      env: () => env({ WECHATPAY_PLATFORM_CERTIFICATES_FILE: join(directory, 'missing.pem') }),
      error: /cannot read WECHATPAY_PLATFORM_CERTIFICATES_FILE/,
    },
    {
      name: 'a base URL that is not a URL',
      env: () => env({ WECHATPAY_BASE_URL: 'api.mch.weixin.qq.com' }),
      error: /WECHATPAY_BASE_URL is not a URL/,
    },
    {
      name: 'an ftp base URL',
      env: () => env({ WECHATPAY_BASE_URL: 'ftp://api.mch.weixin.qq.com' }),
      error: /WECHATPAY_BASE_URL must be http\(s\)/,
    },
    {
      name: 'a file base URL',
      env: () => env({ WECHATPAY_BASE_URL: 'file:///v3' }),
      error: /WECHATPAY_BASE_URL must be http\(s\)/,
    },
    {
      name: 'a base URL with a query',
      env: () => env({ WECHATPAY_BASE_URL: 'https://api.mch.weixin.qq.com/?x=1' }),
      error: /WECHATPAY_BASE_URL must be an origin without a path/,
    },
    {
      name: 'a zero timeout',
      env: () => env({ WECHATPAY_TIMEOUT_MS: 0 }),
      error: /WECHATPAY_TIMEOUT_MS must be a positive integer/,
    },
    {
      name: 'a negative timeout',
      env: () => env({ WECHATPAY_TIMEOUT_MS: -1 }),
      error: /WECHATPAY_TIMEOUT_MS must be a positive integer/,
    },
    {
      name: 'a fractional timeout',
      env: () => env({ WECHATPAY_TIMEOUT_MS: 2.5 }),
      error: /WECHATPAY_TIMEOUT_MS must be a positive integer/,
    },
  ])('$name', ({ env: build, error }) => {
    expect(() => loadWechatPayConfig(build())).toThrow(error);
  });

  it('keeps the underlying error as the cause', () => {
    const error = (() => {
      try {
        loadWechatPayConfig(env({ WECHATPAY_BASE_URL: 'not a url' }));
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error?.message).toMatch(/^WeChat Pay config: /);
    expect(error?.cause).toBeInstanceOf(TypeError);
  });
});

describe('loadWechatPayConfig accepts', () => {
  it.each([
    { given: 'https://api.mch.weixin.qq.com/', origin: 'https://api.mch.weixin.qq.com' },
    { given: 'https://api2.mch.weixin.qq.com', origin: 'https://api2.mch.weixin.qq.com' },
    { given: 'http://127.0.0.1:3100/', origin: 'http://127.0.0.1:3100' },
  ])('the base URL $given as the origin $origin', ({ given, origin }) => {
    expect(loadWechatPayConfig(env({ WECHATPAY_BASE_URL: given })).baseUrl).toBe(origin);
  });

  it('a one-millisecond timeout', () => {
    expect(loadWechatPayConfig(env({ WECHATPAY_TIMEOUT_MS: 1 })).timeoutMs).toBe(1);
  });

  it('a platform certificate, trusted exactly within its validity dates', () => {
    const config = loadWechatPayConfig(env({ WECHATPAY_PLATFORM_CERTIFICATES: certificatePem() }));
    const certificate = new X509Certificate(certificatePem());
    const key = config.verificationKeys.get(keys.platformCertificate?.serial ?? '');
    expect(key?.notBefore?.getTime()).toBe(new Date(certificate.validFrom).getTime());
    expect(key?.notAfter?.getTime()).toBe(new Date(certificate.validTo).getTime());
    expect(key?.publicKey.asymmetricKeyType).toBe('rsa');
  });

  it('the APIv3 key as its 32 UTF-8 bytes', () => {
    const config = loadWechatPayConfig(env());
    expect(config.apiV3Key.export().toString('utf8')).toBe(keys.apiV3Key);
  });
});
