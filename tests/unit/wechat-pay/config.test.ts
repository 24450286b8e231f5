import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
let other: WechatPayTestKeys;
let directory: string;
beforeAll(async () => {
  [keys, other] = await Promise.all([
    createWechatPayTestKeys({ platformCertificate: true }),
    createWechatPayTestKeys({ platformCertificate: true }),
  ]);
  directory = mkdtempSync(join(tmpdir(), 'wechat-pay-config-'));
});
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

function writeTemp(name: string, content: string): string {
  const path = join(directory, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

/** Only the public key scheme, unless a test adds certificates. */
function baseEnv(overrides: Partial<WechatPayEnv> = {}): WechatPayEnv {
  return toWechatPayEnv(keys, { WECHATPAY_PLATFORM_CERTIFICATES: undefined, ...overrides });
}

describe('loadWechatPayConfig', () => {
  it('reads inline PEMs written on one line with \\n escapes', () => {
    const env = baseEnv();
    expect(env.WECHATPAY_MERCHANT_PRIVATE_KEY).toContain('\\n');
    const config = loadWechatPayConfig(env);
    expect(config).toMatchObject({
      baseUrl: 'http://127.0.0.1:3100',
      mchid: keys.mchid,
      appid: keys.appid,
      merchantSerialNo: keys.merchant.serialNo,
      timeoutMs: 10_000,
    });
    expect(config.merchantPrivateKey.type).toBe('private');
    expect([...config.verificationKeys.keys()]).toEqual([keys.wechatpay.publicKeyId]);
    expect(config.apiV3Key.symmetricKeySize).toBe(32);
  });

  it.each([
    {
      name: 'public-key by default when a public key is configured',
      env: {},
      verifyWith: 'public-key',
      sendsPublicKeyId: true,
      serials: () => [keys.wechatpay.publicKeyId],
    },
    {
      name: 'certificates by default without one, with nothing trusted until the first download',
      env: { WECHATPAY_PUBLIC_KEY_ID: undefined, WECHATPAY_PUBLIC_KEY: undefined },
      verifyWith: 'certificates',
      sendsPublicKeyId: false,
      serials: () => [],
    },
    {
      name: 'certificates when asked, the public key still trusted but not asked for',
      env: { WECHATPAY_VERIFY_WITH: 'certificates' as const },
      verifyWith: 'certificates',
      sendsPublicKeyId: false,
      serials: () => [keys.wechatpay.publicKeyId],
    },
    {
      name: 'both (the switch-over), asking for the public key',
      env: { WECHATPAY_VERIFY_WITH: 'both' as const },
      verifyWith: 'both',
      sendsPublicKeyId: true,
      serials: () => [keys.wechatpay.publicKeyId],
    },
  ])('verifies with $name', ({ env, verifyWith, sendsPublicKeyId, serials }) => {
    const config = loadWechatPayConfig(baseEnv(env));
    expect(config.verifyWith).toBe(verifyWith);
    expect(config.publicKeyId).toBe(sendsPublicKeyId ? keys.wechatpay.publicKeyId : undefined);
    expect([...config.verificationKeys.keys()]).toEqual(serials());
    expect(config.verificationKeys.downloadedSerials()).toEqual([]);
  });

  it.each([
    { mode: 'public-key' as const, fixed: true },
    { mode: 'certificates' as const, fixed: false },
    { mode: 'both' as const, fixed: false },
  ])('given platform certificates are fixed keys in $mode mode: $fixed (else a seed)', ({ mode, fixed }) => {
    const serial = keys.platformCertificate?.serial ?? '';
    const config = loadWechatPayConfig(
      baseEnv({
        WECHATPAY_VERIFY_WITH: mode,
        WECHATPAY_PLATFORM_CERTIFICATES: keys.platformCertificate?.certificatePem,
      }),
    );
    expect(config.verificationKeys.has(serial)).toBe(true);
    expect(config.verificationKeys.seedSerials()).toEqual(fixed ? [] : [serial]);
    config.verificationKeys.replaceDownloaded(new Map());
    expect(config.verificationKeys.has(serial)).toBe(fixed);
  });

  it('reads PEMs from *_FILE paths', () => {
    const config = loadWechatPayConfig(
      baseEnv({
        WECHATPAY_MERCHANT_PRIVATE_KEY: undefined,
        WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: writeTemp('apiclient_key.pem', keys.merchant.privateKeyPem),
        WECHATPAY_PUBLIC_KEY: undefined,
        WECHATPAY_PUBLIC_KEY_FILE: writeTemp('pub_key.pem', keys.wechatpay.publicKeyPem),
      }),
    );
    expect(config.merchantPrivateKey.asymmetricKeyType).toBe('rsa');
    expect(config.verificationKeys.has(keys.wechatpay.publicKeyId)).toBe(true);
  });

  it('keys the public key and every platform certificate by serial, for a switch-over', () => {
    const bundle = [keys.platformCertificate?.certificatePem, other.platformCertificate?.certificatePem].join(
      '\n',
    );
    const config = loadWechatPayConfig(
      baseEnv({ WECHATPAY_PLATFORM_CERTIFICATES_FILE: writeTemp('platform-certs.pem', bundle) }),
    );
    expect([...config.verificationKeys.keys()].sort()).toEqual(
      [
        keys.wechatpay.publicKeyId,
        keys.platformCertificate?.serial,
        other.platformCertificate?.serial,
      ].sort(),
    );
    const certificateKey = config.verificationKeys.get(keys.platformCertificate?.serial ?? '');
    expect(certificateKey?.notAfter).toBeInstanceOf(Date);
  });

  it('accepts platform certificates alone, without a public key', () => {
    const config = loadWechatPayConfig(
      toWechatPayEnv(keys, { WECHATPAY_PUBLIC_KEY_ID: undefined, WECHATPAY_PUBLIC_KEY: undefined }),
    );
    expect([...config.verificationKeys.keys()]).toEqual([keys.platformCertificate?.serial]);
  });

  it.each<{ name: string; env: () => WechatPayEnv; error: RegExp }>([
    {
      name: 'the merchant private key is missing',
      env: () => baseEnv({ WECHATPAY_MERCHANT_PRIVATE_KEY: undefined }),
      error: /set WECHATPAY_MERCHANT_PRIVATE_KEY or WECHATPAY_MERCHANT_PRIVATE_KEY_FILE/,
    },
    {
      name: 'the merchant private key file does not exist',
      env: () =>
        baseEnv({
          WECHATPAY_MERCHANT_PRIVATE_KEY: undefined,
          WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: join(directory, 'missing.pem'),
        }),
      error: /cannot read WECHATPAY_MERCHANT_PRIVATE_KEY_FILE \(.*missing\.pem\)/,
    },
    {
      name: 'both the inline key and the key file are set',
      env: () => baseEnv({ WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: '/etc/apiclient_key.pem' }),
      error: /set only one of WECHATPAY_MERCHANT_PRIVATE_KEY and WECHATPAY_MERCHANT_PRIVATE_KEY_FILE/,
    },
    {
      name: 'the merchant private key is not a private key',
      env: () => baseEnv({ WECHATPAY_MERCHANT_PRIVATE_KEY: keys.merchant.publicKeyPem }),
      error: /WECHATPAY_MERCHANT_PRIVATE_KEY is not a valid PEM private key/,
    },
    {
      name: 'public-key mode has no public key',
      env: () =>
        baseEnv({
          WECHATPAY_VERIFY_WITH: 'public-key',
          WECHATPAY_PUBLIC_KEY_ID: undefined,
          WECHATPAY_PUBLIC_KEY: undefined,
        }),
      error: /WECHATPAY_VERIFY_WITH=public-key needs the WeChat Pay public key/,
    },
    {
      name: 'both mode has no public key',
      env: () =>
        baseEnv({
          WECHATPAY_VERIFY_WITH: 'both',
          WECHATPAY_PUBLIC_KEY_ID: undefined,
          WECHATPAY_PUBLIC_KEY: undefined,
        }),
      error: /WECHATPAY_VERIFY_WITH=both needs the WeChat Pay public key/,
    },
    {
      name: 'the public key has no PUB_KEY_ID',
      env: () => baseEnv({ WECHATPAY_PUBLIC_KEY_ID: undefined }),
      error: /WECHATPAY_PUBLIC_KEY_ID \(PUB_KEY_ID_…\) is missing/,
    },
    {
      name: 'the PUB_KEY_ID has no public key',
      env: () => baseEnv({ WECHATPAY_PUBLIC_KEY: undefined }),
      error: /WECHATPAY_PUBLIC_KEY\(_FILE\) is missing/,
    },
    {
      name: "the merchant's own key is configured as WeChat Pay's key",
      env: () => baseEnv({ WECHATPAY_PUBLIC_KEY: keys.merchant.publicKeyPem }),
      error: /is the merchant's own key/,
    },
    {
      name: 'the platform certificate bundle holds no certificate',
      env: () => baseEnv({ WECHATPAY_PLATFORM_CERTIFICATES: keys.wechatpay.publicKeyPem }),
      error: /WECHATPAY_PLATFORM_CERTIFICATES holds no PEM certificate/,
    },
    {
      name: 'the APIv3 key is not 32 bytes',
      env: () => baseEnv({ WECHATPAY_APIV3_KEY: 'too-short' }),
      error: /WECHATPAY_APIV3_KEY must be 32 bytes/,
    },
    {
      name: 'the base URL has a path',
      env: () => baseEnv({ WECHATPAY_BASE_URL: 'https://api.mch.weixin.qq.com/v3' }),
      error: /WECHATPAY_BASE_URL must be an origin without a path/,
    },
  ])('fails clearly when $name', ({ env, error }) => {
    expect(() => loadWechatPayConfig(env())).toThrow(error);
  });

  it('never exposes key material when the config is logged or serialised', () => {
    const config = loadWechatPayConfig(baseEnv());
    const serialised = JSON.stringify(config);
    expect(serialised).not.toContain(keys.apiV3Key);
    expect(serialised).not.toContain('PRIVATE KEY');
  });
});
