import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createServiceLogger } from '@recharge/log';
import { z } from 'zod';
import { VERIFICATION_MODES } from './platform-keys';
import { startSandbox } from './server';

// `tsx src/cli.ts`: runs the sandbox on a fixed port with keys named by the environment. Settings come
// from the environment and from `.env.local` in the working directory; key file paths are relative to it.

/** Unless SANDBOX_PORT says otherwise. */
const DEFAULT_PORT = 3100;
const ENV_FILE = resolve('.env.local');

const logger = createServiceLogger('wechatpay-sandbox');

if (existsSync(ENV_FILE)) process.loadEnvFile(ENV_FILE);

const envSchema = z
  .object({
    WECHATPAY_MCHID: z.string().min(1),
    WECHATPAY_APPID: z.string().min(1),
    WECHATPAY_MERCHANT_SERIAL_NO: z.string().min(1),
    WECHATPAY_PUBLIC_KEY_ID: z.string().startsWith('PUB_KEY_ID_'),
    WECHATPAY_APIV3_KEY: z.string().refine((v) => Buffer.byteLength(v) === 32, 'must be exactly 32 bytes'),
    SANDBOX_MERCHANT_PUBLIC_KEY_FILE: z.string().min(1),
    SANDBOX_WECHATPAY_PRIVATE_KEY_FILE: z.string().min(1),
    SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
    SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(DEFAULT_PORT),
    SANDBOX_TIME_SCALE: z.coerce.number().positive().default(1),
    SANDBOX_MERCHANT_NAME: z.string().min(1).optional(),
    // How WeChat signs: public-key (PUB_KEY_ID_…), certificate (platform certificates served by
    // GET /v3/certificates) or both (the switch-over between them).
    SANDBOX_VERIFICATION_MODE: z.enum(VERIFICATION_MODES).default('public-key'),
    SANDBOX_CERTIFICATE_VALIDITY_DAYS: z.coerce.number().positive().optional(),
    // Refunds and bills: the refund notify URL configured in the merchant portal, seconds a refund stays
    // PROCESSING (divided by SANDBOX_TIME_SCALE), and the fee rate the trade bill charges.
    SANDBOX_REFUND_NOTIFY_URL: z.url().optional(),
    SANDBOX_REFUND_DELAY_SECONDS: z.coerce.number().nonnegative().optional(),
    SANDBOX_FEE_RATE: z.coerce.number().min(0).lt(1).optional(),
    // WeChat website login: one application, when both WECHAT_LOGIN_APPID and WECHAT_LOGIN_SECRET are set.
    WECHAT_LOGIN_APPID: z.string().min(1).optional(),
    WECHAT_LOGIN_SECRET: z.string().min(1).optional(),
    /** Comma-separated hostnames (授权回调域). */
    SANDBOX_LOGIN_CALLBACK_DOMAIN: z.string().min(1).default('127.0.0.1'),
    SANDBOX_LOGIN_APP_NAME: z.string().min(1).default('本地充值演示'),
    SANDBOX_LOGIN_UNIONID: z.enum(['true', 'false']).default('true'),
  })
  .refine((env) => !env.WECHAT_LOGIN_APPID === !env.WECHAT_LOGIN_SECRET, {
    message: 'set both WECHAT_LOGIN_APPID and WECHAT_LOGIN_SECRET, or neither',
    path: ['WECHAT_LOGIN_SECRET'],
  });

function loginApps(env: z.infer<typeof envSchema>) {
  if (!env.WECHAT_LOGIN_APPID || !env.WECHAT_LOGIN_SECRET) return [];
  return [
    {
      appid: env.WECHAT_LOGIN_APPID,
      secret: env.WECHAT_LOGIN_SECRET,
      name: env.SANDBOX_LOGIN_APP_NAME,
      callbackDomain: env.SANDBOX_LOGIN_CALLBACK_DOMAIN.split(','),
      unionid: env.SANDBOX_LOGIN_UNIONID === 'true',
    },
  ];
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
}

async function main(): Promise<void> {
  // An empty value means unset: `SANDBOX_PORT=` gets the default port, not port 0.
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v)));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    logger.fatal(
      { problems: parsed.error.issues.map((i) => ({ setting: i.path.join('.'), problem: i.message })) },
      `Sandbox configuration is incomplete (read from the environment and ${ENV_FILE}):\n${problems}\n` +
        'In the recharge repository, `npm run setup:keys` at its root writes these settings.',
    );
    process.exit(1);
  }
  const env = parsed.data;
  const sandbox = await startSandbox({
    host: env.SANDBOX_HOST,
    port: env.SANDBOX_PORT,
    mchid: env.WECHATPAY_MCHID,
    appid: env.WECHATPAY_APPID,
    merchantSerialNo: env.WECHATPAY_MERCHANT_SERIAL_NO,
    merchantPublicKeyPem: readKeyFile(env.SANDBOX_MERCHANT_PUBLIC_KEY_FILE),
    wechatpayPrivateKeyPem: readKeyFile(env.SANDBOX_WECHATPAY_PRIVATE_KEY_FILE),
    wechatpayPublicKeyId: env.WECHATPAY_PUBLIC_KEY_ID,
    apiV3Key: env.WECHATPAY_APIV3_KEY,
    timeScale: env.SANDBOX_TIME_SCALE,
    verificationMode: env.SANDBOX_VERIFICATION_MODE,
    certificateValidityDays: env.SANDBOX_CERTIFICATE_VALIDITY_DAYS,
    merchantName: env.SANDBOX_MERCHANT_NAME,
    refundNotifyUrl: env.SANDBOX_REFUND_NOTIFY_URL,
    refundDelaySeconds: env.SANDBOX_REFUND_DELAY_SECONDS,
    feeRate: env.SANDBOX_FEE_RATE,
    loginApps: loginApps(env),
    logger,
  });
  logger.info(
    { url: sandbox.url, mchid: env.WECHATPAY_MCHID, phonePage: `${sandbox.url}/phone` },
    `WeChat Pay sandbox listening on ${sandbox.url}; pay by hand on ${sandbox.url}/phone`,
  );
  if (env.WECHAT_LOGIN_APPID) {
    logger.info(
      {
        appid: env.WECHAT_LOGIN_APPID,
        qrconnect: `${sandbox.url}/connect/qrconnect`,
        callbackDomains: env.SANDBOX_LOGIN_CALLBACK_DOMAIN.split(','),
      },
      'WeChat website login enabled',
    );
  }
  if (env.SANDBOX_TIME_SCALE !== 1) {
    logger.info(
      { timeScale: env.SANDBOX_TIME_SCALE },
      `Notification retries run ${env.SANDBOX_TIME_SCALE}x faster`,
    );
  }

  const stop = () => {
    sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  logger.fatal({ error }, error instanceof Error ? error.message : String(error));
  process.exit(1);
});
