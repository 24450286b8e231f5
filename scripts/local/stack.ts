// Starts whatever the app needs and isn't configured: an embedded PostgreSQL when DATABASE_URL is
// unset, the local Upstash REST bridge when UPSTASH_REDIS_REST_URL is unset, and the WeChat Pay
// sandbox when WECHATPAY_BASE_URL points at it. Migrations are applied either way. Returns the
// environment the Next.js server should run with, and one close() that stops what was started.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createServiceLogger } from '@recharge/log';
import { findLoginUser, unionidOf } from '@recharge/wechatpay-sandbox/login-users';
import { type SandboxLogger, startSandbox } from '@recharge/wechatpay-sandbox/server';
import { LOCAL_DEFAULTS } from '../../lib/local-defaults';
import { applyMigrations } from '../db/apply-migrations';
import { type BridgeTraffic, startUpstashBridge } from '../upstash-local/bridge';
import { startEmbeddedPostgres } from './embedded-postgres';

const stackLogger = createServiceLogger('local-stack');

export interface LocalStackOptions {
  /** Environment to start from (process.env plus .env.local, usually). Not modified. */
  env: NodeJS.ProcessEnv;
  /** Folder for the embedded database's files. */
  dataDir: string;
  appPort?: number;
  embeddedPostgresPort?: number;
  upstashPort?: number;
  sandboxPort?: number;
  /** Divides the sandbox's notification retry delays (tests compress WeChat's 24 h schedule). */
  sandboxTimeScale?: number;
  log?: (message: string) => void;
  /** Where the in-process sandbox logs. Default: the shared logger as service wechatpay-sandbox. */
  sandboxLogger?: SandboxLogger;
}

export interface LocalStack {
  env: Record<string, string>;
  sandboxUrl?: string;
  /** The local Upstash bridge's traffic so far, when this stack started one. */
  redisTraffic?: () => BridgeTraffic;
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? ((message: string) => stackLogger.info(message));
  const env: Record<string, string> = {};
  // Empty means unset (as in lib/env.ts): an empty DATABASE_URL still gets the embedded database.
  for (const [key, value] of Object.entries(options.env)) if (value) env[key] = value;
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((e) => log(`stop failed: ${String(e)}`));
  };

  try {
    const appPort = options.appPort ?? 3000;
    const appOrigin = `http://127.0.0.1:${appPort}`;
    env.APP_BASE_URL ??= appOrigin;
    env.WECHATPAY_NOTIFY_URL ??= `${appOrigin}/api/wechat-pay/notify`;

    if (!env.DATABASE_URL) {
      const db = await startEmbeddedPostgres({
        dataDir: options.dataDir,
        port: options.embeddedPostgresPort ?? LOCAL_DEFAULTS.embeddedPostgresPort,
      });
      closers.push(db.close);
      env.DATABASE_URL = db.url;
      // PGlite is a single PostgreSQL session behind the socket: concurrent transactions from
      // several connections would interleave inside it. One connection serializes them properly.
      env.DATABASE_POOL_SIZE = '1';
      log(`database: embedded PostgreSQL (PGlite) at ${db.url}, data in ${options.dataDir}`);
    } else {
      log(`database: ${redactUrl(env.DATABASE_URL)}`);
    }
    const { applied } = await applyMigrations(env.DATABASE_URL, { log });
    log(`database: ${applied.length} migration(s) applied`);

    let redisTraffic: (() => BridgeTraffic) | undefined;
    if (!env.UPSTASH_REDIS_REST_URL) {
      const bridge = await startUpstashBridge({
        port: options.upstashPort ?? LOCAL_DEFAULTS.upstashPort,
        token: env.UPSTASH_REDIS_REST_TOKEN ?? LOCAL_DEFAULTS.upstashToken,
        redisUrl: env.REDIS_URL,
        log,
      });
      closers.push(bridge.close);
      redisTraffic = bridge.traffic;
      env.UPSTASH_REDIS_REST_URL = bridge.url;
      env.UPSTASH_REDIS_REST_TOKEN = bridge.token;
      log(`redis: local Upstash REST bridge at ${bridge.url} (${bridge.backend})`);
    } else {
      log(`redis: Upstash REST at ${env.UPSTASH_REDIS_REST_URL}`);
    }

    let sandboxUrl: string | undefined;
    if (wantsLocalSandbox(env)) {
      const sandbox = await startSandbox({
        port: options.sandboxPort ?? portOf(required(env, 'WECHATPAY_BASE_URL')),
        mchid: required(env, 'WECHATPAY_MCHID'),
        appid: required(env, 'WECHATPAY_APPID'),
        merchantSerialNo: required(env, 'WECHATPAY_MERCHANT_SERIAL_NO'),
        merchantPublicKeyPem: readKey(env, 'SANDBOX_MERCHANT_PUBLIC_KEY_FILE'),
        wechatpayPrivateKeyPem: readKey(env, 'SANDBOX_WECHATPAY_PRIVATE_KEY_FILE'),
        wechatpayPublicKeyId: required(env, 'WECHATPAY_PUBLIC_KEY_ID'),
        apiV3Key: required(env, 'WECHATPAY_APIV3_KEY'),
        timeScale: options.sandboxTimeScale ?? Number(env.SANDBOX_TIME_SCALE ?? 1),
        // How WeChat signs: the public key (default), platform certificates, or both (the switch-over).
        verificationMode: sandboxVerificationMode(env.SANDBOX_VERIFICATION_MODE),
        loginApps: sandboxLoginApps(env),
        // Refunds made "in the merchant portal" (the control API) are notified where the app listens.
        refundNotifyUrl: env.WECHATPAY_REFUND_NOTIFY_URL ?? `${appOrigin}/api/wechat-pay/refund-notify`,
        refundDelaySeconds: env.SANDBOX_REFUND_DELAY_SECONDS
          ? Number(env.SANDBOX_REFUND_DELAY_SECONDS)
          : undefined,
        logger: options.sandboxLogger ?? createServiceLogger('wechatpay-sandbox'),
      });
      closers.push(sandbox.close);
      sandboxUrl = sandbox.url;
      env.WECHATPAY_BASE_URL = sandbox.url;
      log(`wechat pay: local sandbox at ${sandbox.url} (phone page: ${sandbox.url}/phone)`);
      // Sign-in goes to this sandbox too, unless configured to go to a host that isn't local.
      if (sandboxLoginApps(env).length > 0) {
        env.WECHAT_LOGIN_OPEN_BASE_URL = sandbox.url;
        env.WECHAT_LOGIN_API_BASE_URL = sandbox.url;
        log(`wechat login: local sandbox at ${sandbox.url}`);
        if (!env.ADMIN_WECHAT_IDS) {
          // The console's operators, locally: the sandbox user 林小满 (lin) and the e2e stories' operator.
          env.ADMIN_WECHAT_IDS = SANDBOX_OPERATORS.map(sandboxUnionid).join(',');
          log(`console operators: sandbox users ${SANDBOX_OPERATORS.join(', ')} (/admin)`);
        }
      }
    } else {
      log(`wechat pay: ${env.WECHATPAY_BASE_URL ?? 'https://api.mch.weixin.qq.com'}`);
    }

    return { env, sandboxUrl, redisTraffic, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Sandbox users who may use the console when ADMIN_WECHAT_IDS isn't set (local stack only). */
const SANDBOX_OPERATORS = ['lin', 'test-operator'];

function sandboxUnionid(key: string): string {
  const user = findLoginUser(key);
  if (!user) throw new Error(`no sandbox login user ${key}`);
  return unionidOf(user);
}

/** The sandbox runs when the app is pointed at it (what setup-dev-keys writes) and keys for it exist. */
function wantsLocalSandbox(env: Record<string, string>): boolean {
  const base = env.WECHATPAY_BASE_URL;
  if (!base) return false;
  return isLoopbackUrl(base) && Boolean(env.SANDBOX_WECHATPAY_PRIVATE_KEY_FILE);
}

/**
 * The app's WeChat login (website application) as the sandbox must know it: its appid and secret,
 * and the app's host as the registered callback domain (授权回调域). None when sign-in isn't configured
 * or goes to another host.
 */
function sandboxLoginApps(env: Record<string, string>) {
  const appid = env.WECHAT_LOGIN_APPID;
  const secret = env.WECHAT_LOGIN_SECRET;
  if (!appid || !secret) return [];
  for (const name of ['WECHAT_LOGIN_OPEN_BASE_URL', 'WECHAT_LOGIN_API_BASE_URL'] as const) {
    const base = env[name];
    if (base && !isLoopbackUrl(base)) return [];
  }
  const callbackDomain = new URL(required(env, 'APP_BASE_URL')).hostname;
  return [{ appid, secret, name: '本地充值演示', callbackDomain, unionid: true }];
}

function isLoopbackUrl(url: string): boolean {
  const { hostname } = new URL(url);
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}

function portOf(url: string): number {
  const { port, protocol } = new URL(url);
  return port ? Number(port) : protocol === 'https:' ? 443 : 80;
}

function required(env: Record<string, string>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set (run npm run setup:keys)`);
  return value;
}

function readKey(env: Record<string, string>, name: string): string {
  return readFileSync(resolve(required(env, name)), 'utf8');
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function sandboxVerificationMode(
  value: string | undefined,
): 'public-key' | 'certificate' | 'both' | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'public-key' || value === 'certificate' || value === 'both') return value;
  throw new Error(`SANDBOX_VERIFICATION_MODE must be public-key, certificate or both (got ${value})`);
}
