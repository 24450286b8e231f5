import 'server-only';
import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type KeyObject,
  X509Certificate,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type VerificationKey, VerificationKeyRing } from './key-ring';
import { normalizeSerial } from './serial';

// Everything the adapter needs, loaded once and held as KeyObjects so that secrets never sit in plain
// strings that a stray `console.log(config)` or JSON serialisation would print.

export type { VerificationKey } from './key-ring';

/**
 * How the merchant verifies WeChat Pay's signatures (商户平台 → API安全): with the WeChat Pay public key
 * (`PUB_KEY_ID_…`), with platform certificates downloaded from GET /v3/certificates and refreshed as
 * WeChat rotates them, or with both during WeChat's switch-over from certificates to the public key.
 */
type VerifyWith = 'public-key' | 'certificates' | 'both';

export type WechatPayConfig = {
  /** Origin of the API (production, backup host, or the local sandbox). */
  baseUrl: string;
  mchid: string;
  appid: string;
  /** Serial of the merchant API certificate, sent in every Authorization header. */
  merchantSerialNo: string;
  merchantPrivateKey: KeyObject;
  verifyWith: VerifyWith;
  /**
   * The public key's id, sent as the request header `Wechatpay-Serial` so that WeChat signs its answers
   * with the public key (modes public-key and both); absent in certificates mode.
   */
  publicKeyId?: string;
  /**
   * Keyed by normalised serial: the `PUB_KEY_ID_…` public key and/or platform certificate serials, the
   * configured ones and (modes certificates and both) those downloaded since. Both kinds at once are
   * normal while WeChat switches a merchant from certificates to the public key.
   */
  verificationKeys: VerificationKeyRing;
  /** The 32-byte APIv3 key that decrypts notification resources. */
  apiV3Key: KeyObject;
  timeoutMs: number;
};

/**
 * The settings the adapter reads, named as in the environment. Declared here rather than taken from the
 * app's env module so that the adapter depends on nothing of the app; lib/env.ts satisfies it.
 */
export interface WechatPayEnv {
  WECHATPAY_BASE_URL: string;
  WECHATPAY_MCHID: string;
  WECHATPAY_APPID: string;
  WECHATPAY_MERCHANT_SERIAL_NO: string;
  WECHATPAY_MERCHANT_PRIVATE_KEY?: string | undefined;
  WECHATPAY_MERCHANT_PRIVATE_KEY_FILE?: string | undefined;
  WECHATPAY_PUBLIC_KEY_ID?: string | undefined;
  WECHATPAY_PUBLIC_KEY?: string | undefined;
  WECHATPAY_PUBLIC_KEY_FILE?: string | undefined;
  WECHATPAY_PLATFORM_CERTIFICATES?: string | undefined;
  WECHATPAY_PLATFORM_CERTIFICATES_FILE?: string | undefined;
  WECHATPAY_VERIFY_WITH?: VerifyWith | undefined;
  WECHATPAY_APIV3_KEY: string;
  WECHATPAY_TIMEOUT_MS: number;
}

type ReadTextFile = (path: string) => string;

const readUtf8File: ReadTextFile = (path) => readFileSync(path, 'utf8');

/** Builds the adapter config; throws an Error naming the variable at fault when something is missing or wrong. */
export function loadWechatPayConfig(
  env: WechatPayEnv,
  readFile: ReadTextFile = readUtf8File,
): WechatPayConfig {
  const merchantPem = readPem(env, 'WECHATPAY_MERCHANT_PRIVATE_KEY', readFile);
  if (!merchantPem) fail('set WECHATPAY_MERCHANT_PRIVATE_KEY or WECHATPAY_MERCHANT_PRIVATE_KEY_FILE');
  const merchantPrivateKey = parseRsaKey(merchantPem, 'private', 'WECHATPAY_MERCHANT_PRIVATE_KEY');

  const verificationKeys = new Map<string, VerificationKey>();
  addPublicKey(env, readFile, verificationKeys);
  const platformCertificates = new Map<string, VerificationKey>();
  addPlatformCertificates(env, readFile, platformCertificates);
  const verifyWith =
    env.WECHATPAY_VERIFY_WITH ?? (env.WECHATPAY_PUBLIC_KEY_ID ? 'public-key' : 'certificates');
  if (verifyWith !== 'certificates' && !env.WECHATPAY_PUBLIC_KEY_ID) {
    fail(
      `WECHATPAY_VERIFY_WITH=${verifyWith} needs the WeChat Pay public key: set WECHATPAY_PUBLIC_KEY_ID ` +
        'with WECHATPAY_PUBLIC_KEY(_FILE), or WECHATPAY_VERIFY_WITH=certificates',
    );
  }
  // In certificates mode the certificates come from WeChat (GET /v3/certificates) at start; any given in
  // WECHATPAY_PLATFORM_CERTIFICATES are trusted from the first request on, as a seed.
  rejectMerchantKeyAsVerificationKey(
    merchantPrivateKey,
    new Map([...verificationKeys, ...platformCertificates]),
  );
  // Given certificates are fixed keys in public-key mode; in the modes that download WeChat's list
  // they are a seed, trusted until that list is known.
  const seeded = verifyWith !== 'public-key';
  const ring = new VerificationKeyRing(
    seeded ? verificationKeys : new Map([...verificationKeys, ...platformCertificates]),
    seeded ? platformCertificates : new Map(),
  );

  if (Buffer.byteLength(env.WECHATPAY_APIV3_KEY, 'utf8') !== 32) fail('WECHATPAY_APIV3_KEY must be 32 bytes');
  const baseUrl = parseBaseUrl(env.WECHATPAY_BASE_URL);
  if (!Number.isInteger(env.WECHATPAY_TIMEOUT_MS) || env.WECHATPAY_TIMEOUT_MS <= 0) {
    fail('WECHATPAY_TIMEOUT_MS must be a positive integer');
  }

  return {
    baseUrl,
    mchid: env.WECHATPAY_MCHID,
    appid: env.WECHATPAY_APPID,
    merchantSerialNo: env.WECHATPAY_MERCHANT_SERIAL_NO,
    merchantPrivateKey,
    verifyWith,
    publicKeyId: verifyWith === 'certificates' ? undefined : env.WECHATPAY_PUBLIC_KEY_ID,
    verificationKeys: ring,
    apiV3Key: createSecretKey(Buffer.from(env.WECHATPAY_APIV3_KEY, 'utf8')),
    timeoutMs: env.WECHATPAY_TIMEOUT_MS,
  };
}

function addPublicKey(env: WechatPayEnv, readFile: ReadTextFile, keys: Map<string, VerificationKey>): void {
  const pem = readPem(env, 'WECHATPAY_PUBLIC_KEY', readFile);
  const id = env.WECHATPAY_PUBLIC_KEY_ID;
  if (!pem && !id) return;
  if (!id) fail('WECHATPAY_PUBLIC_KEY is set but WECHATPAY_PUBLIC_KEY_ID (PUB_KEY_ID_…) is missing');
  if (!pem) fail('WECHATPAY_PUBLIC_KEY_ID is set but WECHATPAY_PUBLIC_KEY(_FILE) is missing');
  if (!id.startsWith('PUB_KEY_ID_')) fail('WECHATPAY_PUBLIC_KEY_ID must start with PUB_KEY_ID_');
  keys.set(normalizeSerial(id), { publicKey: parseRsaKey(pem, 'public', 'WECHATPAY_PUBLIC_KEY') });
}

function addPlatformCertificates(
  env: WechatPayEnv,
  readFile: ReadTextFile,
  keys: Map<string, VerificationKey>,
): void {
  const bundle = readPem(env, 'WECHATPAY_PLATFORM_CERTIFICATES', readFile);
  if (!bundle) return;
  const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) fail('WECHATPAY_PLATFORM_CERTIFICATES holds no PEM certificate');
  for (const block of blocks) {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block);
    } catch (error) {
      fail('WECHATPAY_PLATFORM_CERTIFICATES holds an unreadable certificate', error);
    }
    const serial = normalizeSerial(certificate.serialNumber);
    if (keys.has(serial)) fail(`WECHATPAY_PLATFORM_CERTIFICATES: serial ${serial} appears twice`);
    assertRsa2048(certificate.publicKey, 'WECHATPAY_PLATFORM_CERTIFICATES');
    keys.set(serial, {
      publicKey: certificate.publicKey,
      notBefore: new Date(certificate.validFrom),
      notAfter: new Date(certificate.validTo),
    });
  }
}

// Verifying with the merchant's own key instead of WeChat's is the most common integration bug; with the
// merchant private key at hand it costs one comparison to catch it at start-up.
function rejectMerchantKeyAsVerificationKey(
  merchantPrivateKey: KeyObject,
  keys: ReadonlyMap<string, VerificationKey>,
): void {
  const merchantPublic = createPublicKey(merchantPrivateKey).export({ type: 'spki', format: 'der' });
  for (const [serial, { publicKey }] of keys) {
    if (merchantPublic.equals(publicKey.export({ type: 'spki', format: 'der' }))) {
      fail(`the verification key ${serial} is the merchant's own key; configure WeChat Pay's key instead`);
    }
  }
}

type PemVariable =
  | 'WECHATPAY_MERCHANT_PRIVATE_KEY'
  | 'WECHATPAY_PUBLIC_KEY'
  | 'WECHATPAY_PLATFORM_CERTIFICATES';

/** Inline value or `<NAME>_FILE` path, never both: two sources for one key would hide which one is live. */
function readPem(env: WechatPayEnv, name: PemVariable, readFile: ReadTextFile): string | undefined {
  const inline = env[name];
  const path = env[`${name}_FILE`];
  if (inline && path) fail(`set only one of ${name} and ${name}_FILE`);
  if (inline) return normalizePem(inline);
  if (!path) return undefined;
  try {
    return normalizePem(readFile(path));
  } catch (error) {
    fail(`cannot read ${name}_FILE (${path})`, error);
  }
}

// Env files often carry PEMs on one line with literal `\n` escapes.
function normalizePem(value: string): string {
  return value.replace(/\\n/g, '\n').trim();
}

function parseRsaKey(pem: string, kind: 'private' | 'public', name: string): KeyObject {
  let key: KeyObject;
  try {
    key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (error) {
    fail(`${name} is not a valid PEM ${kind} key`, error);
  }
  assertRsa2048(key, name);
  return key;
}

function assertRsa2048(key: KeyObject, name: string): void {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < 2048)
    fail(`${name} must be an RSA key of at least 2048 bits`);
}

function parseBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    fail('WECHATPAY_BASE_URL is not a URL', error);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('WECHATPAY_BASE_URL must be http(s)');
  // Request paths are signed as WeChat sees them (`/v3/…`), so a base path would break every signature.
  if (url.pathname !== '/' || url.search) fail('WECHATPAY_BASE_URL must be an origin without a path');
  return url.origin;
}

function fail(message: string, cause?: unknown): never {
  throw new Error(`WeChat Pay config: ${message}`, cause === undefined ? undefined : { cause });
}
