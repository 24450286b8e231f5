// Throwaway WeChat Pay key material for tests, generated in memory on every run: no private key is ever
// committed. Also plays WeChat's side (sign a response or notification, encrypt a resource) so that tests
// exercise the adapter against the real algorithms rather than mocks.
import {
  createCipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  KeyObject,
  type KeyObject as KeyObjectType,
  randomBytes,
  randomInt,
  sign,
  webcrypto,
} from 'node:crypto';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import type { WechatPayEnv } from '@/lib/wechat-pay/config';

const generateRsaKeyPair = promisify(generateKeyPair);

type RsaKeyPair = {
  privateKey: KeyObjectType;
  publicKey: KeyObjectType;
  privateKeyPem: string;
  publicKeyPem: string;
};

type PlatformCertificate = RsaKeyPair & { serial: string; certificatePem: string };

export type WechatPayTestKeys = {
  mchid: string;
  appid: string;
  merchant: RsaKeyPair & { serialNo: string };
  /** WeChat Pay's signing key, published to merchants as a public key with a `PUB_KEY_ID_…` id. */
  wechatpay: RsaKeyPair & { publicKeyId: string };
  /** Only when asked for: the older platform-certificate scheme, with its own key and serial. */
  platformCertificate?: PlatformCertificate;
  /** 32 ASCII characters = 32 bytes, like the key merchants set in WeChat's merchant platform. */
  apiV3Key: string;
};

export async function createWechatPayTestKeys(
  options: { platformCertificate?: boolean } = {},
): Promise<WechatPayTestKeys> {
  const [merchant, wechatpay, platformCertificate] = await Promise.all([
    createRsaKeyPair(),
    createRsaKeyPair(),
    options.platformCertificate ? createPlatformCertificate() : Promise.resolve(undefined),
  ]);
  return {
    mchid: String(1_900_000_000 + randomInt(99_999_999)),
    appid: `wx${randomBytes(8).toString('hex')}`,
    merchant: { ...merchant, serialNo: randomSerial() },
    wechatpay: {
      ...wechatpay,
      publicKeyId: `PUB_KEY_ID_0${randomInt(10 ** 9, 10 ** 10 - 1)}${randomInt(10 ** 9)}`,
    },
    platformCertificate,
    apiV3Key: randomAlphanumeric(32),
  };
}

/** The env slice `loadWechatPayConfig` reads, with PEMs inline (single line, `\n`-escaped, as in .env files). */
export function toWechatPayEnv(keys: WechatPayTestKeys, overrides: Partial<WechatPayEnv> = {}): WechatPayEnv {
  return {
    WECHATPAY_BASE_URL: 'http://127.0.0.1:3100',
    WECHATPAY_MCHID: keys.mchid,
    WECHATPAY_APPID: keys.appid,
    WECHATPAY_MERCHANT_SERIAL_NO: keys.merchant.serialNo,
    WECHATPAY_MERCHANT_PRIVATE_KEY: escapeNewlines(keys.merchant.privateKeyPem),
    WECHATPAY_PUBLIC_KEY_ID: keys.wechatpay.publicKeyId,
    WECHATPAY_PUBLIC_KEY: escapeNewlines(keys.wechatpay.publicKeyPem),
    WECHATPAY_PLATFORM_CERTIFICATES: keys.platformCertificate
      ? escapeNewlines(keys.platformCertificate.certificatePem)
      : undefined,
    WECHATPAY_APIV3_KEY: keys.apiV3Key,
    WECHATPAY_TIMEOUT_MS: 10_000,
    ...overrides,
  };
}

export type WechatPaySignatureOptions = {
  privateKey: KeyObjectType;
  /** `PUB_KEY_ID_…` or a platform certificate serial. */
  serial: string;
  /** Signed as given: a string as its UTF-8 bytes, bytes as they are. */
  body: string | Uint8Array;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  nonce?: string;
  /** Replaces the computed signature (probe, garbage, …). */
  signature?: string;
};

/** The headers WeChat Pay puts on a signed response or notification: `TS\nNONCE\nBODY\n`, SHA256withRSA. */
export function signAsWechatPay(options: WechatPaySignatureOptions): Record<string, string> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? randomBytes(16).toString('hex');
  const message = Buffer.concat([
    Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'),
    typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : options.body,
    Buffer.from('\n', 'utf8'),
  ]);
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Signature':
      options.signature ?? sign('sha256', message, options.privateKey).toString('base64'),
    'Wechatpay-Serial': options.serial,
  };
}

export type WireEncryptedResource = { ciphertext: string; nonce: string; associated_data: string };

/** AEAD_AES_256_GCM as WeChat does it: base64(ciphertext ‖ 16-byte tag), 12-character nonce. */
export function encryptAsWechatPay(
  apiV3Key: string,
  plaintext: string,
  associatedData = 'transaction',
  nonce = randomAlphanumeric(12),
): WireEncryptedResource {
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { ciphertext: sealed.toString('base64'), nonce, associated_data: associatedData };
}

// Mutation testing (tests/mutation) runs every test file again for every mutant, and generating
// RSA keys would dominate each run: its global setup generates key material once per worker and
// provides it here. Each test file still gets distinct keys (the counters restart per file); a
// plain `vitest run` provides nothing and generates as before.
export type PregeneratedKeyMaterial = {
  rsaPrivateKeyPems: string[];
  platformCertificates: { serial: string; certificatePem: string; privateKeyPem: string }[];
};

declare module 'vitest' {
  export interface ProvidedContext {
    pregeneratedWechatPayKeys?: PregeneratedKeyMaterial;
  }
}

let rsaKeysTaken = 0;
let certificatesTaken = 0;

/** For tests/mutation's global setup: the key material `createWechatPayTestKeys` will draw from. */
export async function generateKeyMaterial(counts: {
  rsa: number;
  platformCertificates: number;
}): Promise<PregeneratedKeyMaterial> {
  const [rsa, certificates] = await Promise.all([
    Promise.all(Array.from({ length: counts.rsa }, () => generateRsaKeyPairPems())),
    Promise.all(Array.from({ length: counts.platformCertificates }, () => generatePlatformCertificate())),
  ]);
  return {
    rsaPrivateKeyPems: rsa.map((pair) => pair.privateKeyPem),
    platformCertificates: certificates.map(({ serial, certificatePem, privateKeyPem }) => ({
      serial,
      certificatePem,
      privateKeyPem,
    })),
  };
}

async function createRsaKeyPair(): Promise<RsaKeyPair> {
  const pem = inject('pregeneratedWechatPayKeys')?.rsaPrivateKeyPems[rsaKeysTaken];
  if (pem === undefined) return generateRsaKeyPairPems();
  rsaKeysTaken++;
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    privateKeyPem: pem,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

async function createPlatformCertificate(): Promise<PlatformCertificate> {
  const pregenerated = inject('pregeneratedWechatPayKeys')?.platformCertificates[certificatesTaken];
  if (pregenerated === undefined) return generatePlatformCertificate();
  certificatesTaken++;
  const privateKey = createPrivateKey(pregenerated.privateKeyPem);
  const publicKey = createPublicKey(privateKey);
  return {
    ...pregenerated,
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

async function generateRsaKeyPairPems(): Promise<RsaKeyPair> {
  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    publicKey,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

async function generatePlatformCertificate(): Promise<PlatformCertificate> {
  const x509 = await importX509();
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(
    { ...algorithm, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  );
  const serial = randomSerial();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial,
      name: 'CN=Tenpay.com Test Platform Certificate, O=Test',
      notBefore: new Date(Date.now() - 24 * 3600 * 1000),
      notAfter: new Date(Date.now() + 365 * 24 * 3600 * 1000),
      keys,
      signingAlgorithm: algorithm,
    },
    webcrypto as Crypto,
  );
  const privateKey = KeyObject.from(keys.privateKey);
  const publicKey = KeyObject.from(keys.publicKey);
  return {
    serial,
    certificatePem: certificate.toString('pem'),
    privateKey,
    publicKey,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

// @peculiar/x509 resolves its algorithms through tsyringe, which refuses to load without a Reflect
// metadata polyfill; importing it dynamically puts the polyfill in place first.
async function importX509(): Promise<typeof import('@peculiar/x509')> {
  await import('reflect-metadata');
  return import('@peculiar/x509');
}

/** 40 upper-case hex digits with a non-zero, non-negative leading byte, like WeChat's certificate serials. */
function randomSerial(): string {
  return `${randomInt(1, 8).toString(16)}${randomBytes(20).toString('hex').slice(1)}`.toUpperCase();
}

function randomAlphanumeric(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

function escapeNewlines(pem: string): string {
  return pem.replace(/\n/g, '\\n');
}
