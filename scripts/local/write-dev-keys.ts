// Generates the dev key set into .data/keys/ (git-ignored) and writes the matching block into
// .env.local, under a given repository root. Idempotent: what exists and still fits together is
// kept, so re-running never invalidates a running app or sandbox; `force` regenerates all.
// Used by `npm run setup:keys` (setup-dev-keys.ts) and by `npm run up` (dev-keys.ts).
import { createPublicKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  DEV_MCHID,
  generateApiV3Key,
  generateAppid,
  generateMerchantKeys,
  generateWechatpayKeys,
} from '@recharge/wechatpay-sandbox/keys';
import { LOCAL_DEFAULTS } from '../../lib/local-defaults';
import { namesOutsideBlock, readEnvBlock, upsertEnvBlock } from './env-block';
import { generateSessionSecret } from './session-secret';

const KEY_DIR = '.data/keys';
const FILES = {
  merchantPrivate: `${KEY_DIR}/merchant_private_key.pem`,
  merchantPublic: `${KEY_DIR}/merchant_public_key.pem`,
  wechatpayPrivate: `${KEY_DIR}/wechatpay_private_key.pem`,
  wechatpayPublic: `${KEY_DIR}/wechatpay_public_key.pem`,
} as const;
const ENV_FILE = '.env.local';

export interface DevKeysResult {
  /** False when .env.local already held exactly this block. */
  changed: boolean;
  /** What was regenerated, and anything the developer should fix. */
  notes: string[];
  /** The WECHATPAY_BASE_URL written: where the app expects the sandbox. */
  sandboxUrl: string;
}

export function writeDevKeys(options: { root: string; force?: boolean }): DevKeysResult {
  const { root, force = false } = options;
  const at = (relative: string) => path.join(root, relative);
  const readIfExists = (relative: string) =>
    existsSync(at(relative)) ? readFileSync(at(relative), 'utf8') : undefined;
  const writeKey = (relative: string, pem: string, secret: boolean) =>
    writeFileSync(at(relative), pem, { mode: secret ? 0o600 : 0o644 });
  const notes: string[] = [];

  /** A kept pair must still match: a public key file left over from another private key would break auth. */
  const existingPair = (privateFile: string, publicFile: string): boolean => {
    const privatePem = readIfExists(privateFile);
    const publicPem = readIfExists(publicFile);
    if (!privatePem || !publicPem) return false;
    try {
      const derived = createPublicKey(privatePem).export({ type: 'spki', format: 'pem' }).toString();
      if (derived.trim() === publicPem.trim()) return true;
    } catch {
      // Unreadable key: regenerate below.
    }
    notes.push(`${privateFile} and ${publicFile} did not match; regenerated both`);
    return false;
  };

  if (!existsSync(at('package.json'))) {
    throw new Error(`Run this from the repository root (no package.json in ${root}).`);
  }
  mkdirSync(at(KEY_DIR), { recursive: true });
  const envText = readIfExists(ENV_FILE) ?? '';
  const previous = force ? new Map<string, string>() : readEnvBlock(envText);

  let merchantSerialNo = previous.get('WECHATPAY_MERCHANT_SERIAL_NO');
  if (force || !merchantSerialNo || !existingPair(FILES.merchantPrivate, FILES.merchantPublic)) {
    const merchant = generateMerchantKeys();
    writeKey(FILES.merchantPrivate, merchant.merchantPrivateKeyPem, true);
    writeKey(FILES.merchantPublic, merchant.merchantPublicKeyPem, false);
    merchantSerialNo = merchant.merchantSerialNo;
    notes.push('generated the merchant API key pair and serial');
  }

  let publicKeyId = previous.get('WECHATPAY_PUBLIC_KEY_ID');
  if (
    force ||
    !publicKeyId?.startsWith('PUB_KEY_ID_') ||
    !existingPair(FILES.wechatpayPrivate, FILES.wechatpayPublic)
  ) {
    const wechatpay = generateWechatpayKeys();
    writeKey(FILES.wechatpayPrivate, wechatpay.wechatpayPrivateKeyPem, true);
    writeKey(FILES.wechatpayPublic, wechatpay.wechatpayPublicKeyPem, false);
    publicKeyId = wechatpay.wechatpayPublicKeyId;
    notes.push('generated the WeChat Pay key pair and public key id');
  }

  const keep = (name: string, valid: (value: string) => boolean, fresh: () => string) => {
    const value = previous.get(name);
    return value !== undefined && valid(value) ? value : fresh();
  };
  const vars = [
    ['WECHATPAY_BASE_URL', LOCAL_DEFAULTS.sandboxUrl],
    [
      'WECHATPAY_MCHID',
      keep(
        'WECHATPAY_MCHID',
        (v) => /^\d{1,32}$/.test(v),
        () => DEV_MCHID,
      ),
    ],
    ['WECHATPAY_APPID', keep('WECHATPAY_APPID', (v) => /^wx\w{1,30}$/.test(v), generateAppid)],
    ['WECHATPAY_MERCHANT_SERIAL_NO', merchantSerialNo],
    ['WECHATPAY_MERCHANT_PRIVATE_KEY_FILE', FILES.merchantPrivate],
    ['WECHATPAY_PUBLIC_KEY_ID', publicKeyId],
    ['WECHATPAY_PUBLIC_KEY_FILE', FILES.wechatpayPublic],
    [
      'WECHATPAY_APIV3_KEY',
      keep('WECHATPAY_APIV3_KEY', (v) => /^[A-Za-z0-9]{32}$/.test(v), generateApiV3Key),
    ],
    ['SANDBOX_MERCHANT_PUBLIC_KEY_FILE', FILES.merchantPublic],
    ['SANDBOX_WECHATPAY_PRIVATE_KEY_FILE', FILES.wechatpayPrivate],
    ['SESSION_SECRET', keep('SESSION_SECRET', (v) => v.length >= 32, generateSessionSecret)],
    // WeChat sign-in (a website application) against the same sandbox.
    ['WECHAT_LOGIN_OPEN_BASE_URL', LOCAL_DEFAULTS.sandboxUrl],
    ['WECHAT_LOGIN_API_BASE_URL', LOCAL_DEFAULTS.sandboxUrl],
    ['WECHAT_LOGIN_APPID', keep('WECHAT_LOGIN_APPID', (v) => /^wx\w{1,30}$/.test(v), generateAppid)],
    [
      'WECHAT_LOGIN_SECRET',
      keep(
        'WECHAT_LOGIN_SECRET',
        (v) => /^[0-9a-f]{32}$/.test(v),
        () => randomBytes(16).toString('hex'),
      ),
    ],
  ] as const;

  const updated = upsertEnvBlock(envText, vars);
  if (updated !== envText) writeFileSync(at(ENV_FILE), updated, { mode: 0o600 });

  const shadowed = vars.map(([name]) => name).filter((name) => namesOutsideBlock(updated).has(name));
  if (shadowed.length > 0) {
    notes.push(
      `${ENV_FILE} also sets ${shadowed.join(', ')} outside the generated block: remove those lines`,
    );
  }
  return { changed: updated !== envText, notes, sandboxUrl: LOCAL_DEFAULTS.sandboxUrl };
}

/** One line for where things went, then one per note. */
export function describeDevKeys(result: DevKeysResult): string {
  const head = `Dev keys in ${KEY_DIR}/, settings in ${ENV_FILE}${result.changed ? '' : ' (unchanged)'}.`;
  return [head, ...result.notes.map((note) => `  - ${note}`)].join('\n');
}
