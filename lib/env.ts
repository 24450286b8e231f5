import 'server-only';
import { z } from 'zod';
import { LOCAL_DEFAULTS } from './local-defaults';

// The one place that reads process.env. Parsed once, on first use rather than at import,
// because `next build` imports route modules without any runtime configuration.

const positiveInt = z.coerce.number().int().positive();

/** A PEM given inline (literal newlines or `\n` escapes, as env files often hold them). */
const pemText = z
  .string()
  .transform((value) => value.replace(/\\n/g, '\n').trim())
  .refine((value) => value.startsWith('-----BEGIN '), 'must be a PEM block (-----BEGIN …)');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),

  /**
   * pino's level (fatal, error, warn, info, debug, trace, silent). Read by lib/log.ts itself, before
   * this validation (an unknown value falls back to info there); listed here to be validated too.
   */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  /** Public origin of this app, used to build absolute URLs. */
  APP_BASE_URL: z.url().default(LOCAL_DEFAULTS.appBaseUrl),
  /**
   * Signs the session cookies and encrypts the WeChat tokens kept for each user (Better Auth), and
   * verifies anonymous-era account cookies. At least 32 characters.
   */
  SESSION_SECRET: z.string().min(32, 'SESSION_SECRET must be at least 32 characters'),
  /** How long a sign-in lasts without a visit; each day of use extends it. */
  SESSION_TTL_DAYS: positiveInt.max(400).default(30),

  /** WeChat Open Platform website application (网站应用) used to sign people in. */
  WECHAT_LOGIN_APPID: z.string().min(1).max(32),
  WECHAT_LOGIN_SECRET: z.string().min(1),
  /** WeChat's QR code login page host; the sandbox in development. */
  WECHAT_LOGIN_OPEN_BASE_URL: z.url().default('https://open.weixin.qq.com'),
  /** WeChat's OAuth API host (access token, user info); the sandbox in development. */
  WECHAT_LOGIN_API_BASE_URL: z.url().default('https://api.weixin.qq.com'),
  /** Timeout of one call to WeChat's OAuth API. */
  WECHAT_LOGIN_TIMEOUT_MS: positiveInt.default(5_000),
  /** Sign-ins a client address may start (and finish) per minute, counted in Redis across instances. */
  SIGN_IN_RATE_LIMIT_PER_MINUTE: positiveInt.default(10),

  /**
   * How many reverse proxies in front of the app append to X-Forwarded-For. 0: the client address is
   * the socket's peer and X-Forwarded-For is ignored (anyone can send one).
   */
  TRUSTED_PROXY_COUNT: z.coerce.number().int().min(0).max(10).default(0),
  /** Orders one signed-in user may start per minute (sliding window, shared by every instance). */
  ORDER_RATE_LIMIT_PER_USER_PER_MINUTE: positiveInt.default(10),
  /** Orders one client address may start per minute (a family or an office shares one). */
  ORDER_RATE_LIMIT_PER_IP_PER_MINUTE: positiveInt.default(30),
  /** Status polls one client address may make per minute; one open page makes 30. */
  STATUS_POLL_RATE_LIMIT_PER_IP_PER_MINUTE: positiveInt.default(600),
  /**
   * Calls to WeChat Pay's order API per second across all instances (token bucket in Redis); WeChat
   * allows a merchant 600 per second.
   */
  WECHATPAY_CREATE_CALLS_PER_SECOND: positiveInt.default(300),
  /** Queries and closes per second across all instances: their own bucket, so they never take creation's. */
  WECHATPAY_BACKGROUND_CALLS_PER_SECOND: positiveInt.default(50),

  DATABASE_URL: z.url().default(LOCAL_DEFAULTS.databaseUrl),
  DATABASE_POOL_SIZE: positiveInt.default(10),

  UPSTASH_REDIS_REST_URL: z.url().default(LOCAL_DEFAULTS.upstashUrl),
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1).default(LOCAL_DEFAULTS.upstashToken),

  WECHATPAY_BASE_URL: z.url().default('https://api.mch.weixin.qq.com'),
  WECHATPAY_MCHID: z.string().min(1).max(32),
  WECHATPAY_APPID: z.string().min(1).max(32),
  /** Serial number of the merchant API certificate (apiclient_cert.pem). */
  WECHATPAY_MERCHANT_SERIAL_NO: z.string().min(1),
  /** Merchant API private key (apiclient_key.pem): inline PEM or a file path. */
  WECHATPAY_MERCHANT_PRIVATE_KEY: pemText.optional(),
  WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  /** WeChat Pay public key and its id (PUB_KEY_ID_…): inline PEM or a file path. */
  WECHATPAY_PUBLIC_KEY_ID: z.string().startsWith('PUB_KEY_ID_').optional(),
  WECHATPAY_PUBLIC_KEY: pemText.optional(),
  WECHATPAY_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  /** Platform certificates (one or more PEM certificates), for merchants not yet on the public key. */
  WECHATPAY_PLATFORM_CERTIFICATES: pemText.optional(),
  WECHATPAY_PLATFORM_CERTIFICATES_FILE: z.string().min(1).optional(),
  /**
   * How WeChat Pay's signatures are verified: public-key (PUB_KEY_ID_…), certificates (platform
   * certificates downloaded from WeChat and refreshed; WECHATPAY_PLATFORM_CERTIFICATES, if set, is only
   * a seed) or both (WeChat's switch-over from certificates to the public key). Default: public-key when
   * WECHATPAY_PUBLIC_KEY_ID is set, else certificates.
   */
  WECHATPAY_VERIFY_WITH: z.enum(['public-key', 'certificates', 'both']).optional(),
  /** How often the platform certificates are downloaded again (WeChat: under 12 hours). */
  WECHATPAY_CERT_REFRESH_INTERVAL_MS: positiveInt
    .min(1_000, 'WECHATPAY_CERT_REFRESH_INTERVAL_MS must be at least 1000')
    .max(43_200_000, "WECHATPAY_CERT_REFRESH_INTERVAL_MS must be at most 43200000 (12 h, WeChat's bound)")
    .default(3_600_000),
  /**
   * At most one download per this interval, across all instances, for a serial we don't know: anyone can
   * send a notification naming any serial, and must not make us hammer WeChat.
   */
  WECHATPAY_CERT_UNKNOWN_SERIAL_INTERVAL_MS: positiveInt.default(60_000),
  /** Warn (log alert) when the last trusted platform certificate expires within this many days. */
  WECHATPAY_CERT_EXPIRY_WARN_DAYS: positiveInt.default(30),
  /**
   * At start, one signed call to WeChat (GET /v3/certificates) proves the merchant key, its serial and
   * the APIv3 key, and stops the server with a message naming the problem. false: skip it.
   */
  WECHATPAY_STARTUP_CHECK: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** APIv3 key: exactly 32 bytes, decrypts notifications. */
  WECHATPAY_APIV3_KEY: z.string().refine((v) => Buffer.byteLength(v) === 32, 'must be exactly 32 bytes'),
  /** Where WeChat Pay sends payment notifications (https in production). */
  WECHATPAY_NOTIFY_URL: z.url().default(LOCAL_DEFAULTS.notifyUrl),
  /**
   * Where WeChat Pay sends refund notifications for refunds the console starts. Default: the refund
   * route beside WECHATPAY_NOTIFY_URL (/api/wechat-pay/refund-notify). Refunds made in the merchant
   * portal are notified to the refund URL configured there: set it to the same route.
   */
  WECHATPAY_REFUND_NOTIFY_URL: z.url().optional(),
  /** Timeout for one call to WeChat Pay. */
  WECHATPAY_TIMEOUT_MS: positiveInt.default(10_000),

  /** Largest recharge in fen (default ¥50,000). */
  RECHARGE_MAX_FEN: positiveInt.default(5_000_000),
  /** How long a QR code stays payable (`time_expire`). */
  // WeChat is reported to refuse a time_expire less than about 5 minutes ahead.
  ORDER_TTL_SECONDS: positiveInt
    .min(300, 'ORDER_TTL_SECONDS must be at least 300 (WeChat needs ≥ 5 min)')
    .default(600),
  /** How often the page polls the status route. */
  STATUS_POLL_INTERVAL_MS: positiveInt.default(2_000),
  /** Age after which a non-final order is queried at WeChat in the background. */
  STATUS_QUERY_DELAY_MS: positiveInt.default(5_000),
  /** How long the page waits for a final state before showing the timeout page. */
  PAGE_TIMEOUT_MS: positiveInt.default(30_000),
  /** How often each server process sweeps the PENDING orders due for a check (0 = never). */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().nonnegative().default(60_000),
  /**
   * Bearer token of GET /api/cron/reconcile (Vercel Cron sends `Authorization: Bearer $CRON_SECRET`).
   * Unset: the route answers 404. At least 16 characters.
   */
  CRON_SECRET: z.string().min(16, 'CRON_SECRET must be at least 16 characters').optional(),
  /**
   * The operators of the console (/admin): WeChat identities (the unionid, or the openid when WeChat
   * gives no unionid: what a user signed in with), comma-separated. Unset: nobody; /admin is a 404.
   */
  ADMIN_WECHAT_IDS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== ''),
    )
    .default([]),
});

export type Env = z.infer<typeof envSchema>;

let parsed: Env | undefined;

/**
 * Their defaults point at the local stack. A production server must say where things are rather
 * than quietly talk to localhost (and set a non-Secure cookie because APP_BASE_URL wasn't https).
 */
const REQUIRED_IN_PRODUCTION = [
  'APP_BASE_URL',
  'DATABASE_URL',
  'UPSTASH_REDIS_REST_URL',
  'UPSTASH_REDIS_REST_TOKEN',
  'WECHATPAY_NOTIFY_URL',
] as const;

/**
 * An empty value means "unset", so that `.env.example` copied as it is (every variable listed, most of
 * them empty) behaves like no file at all: defaults apply and required values are reported missing.
 */
function setVariables(source: NodeJS.ProcessEnv): Record<string, string> {
  const set: Record<string, string> = {};
  for (const [name, value] of Object.entries(source))
    if (value !== undefined && value !== '') set[name] = value;
  return set;
}

/** https, or plain http on this machine only (a local production build: e2e, bench, `npm run up`). */
function servedSafely(appBaseUrl: string): boolean {
  const { protocol, hostname } = new URL(appBaseUrl);
  return (
    protocol === 'https:' || hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]'
  );
}

export function getEnv(): Env {
  if (parsed) return parsed;
  const source = setVariables(process.env);
  const result = envSchema.safeParse(source);
  const production = source.NODE_ENV === 'production';
  const missing = production ? REQUIRED_IN_PRODUCTION.filter((name) => !source[name]) : [];
  const insecure = production && result.success && !servedSafely(result.data.APP_BASE_URL);
  if (!result.success || missing.length > 0 || insecure) {
    const problems = [
      ...(result.success
        ? []
        : result.error.issues.map((issue) => {
            const name = issue.path.join('.');
            return `  ${name}: ${source[name] === undefined ? 'required, not set' : issue.message}`;
          })),
      ...missing.map((name) => `  ${name}: required in production`),
      ...(insecure
        ? ['  APP_BASE_URL: must be https in production (session cookies must be Secure), unless loopback']
        : []),
    ].join('\n');
    throw new Error(`Invalid environment configuration:\n${problems}\nSee .env.example.`);
  }
  parsed = result.data;
  return parsed;
}

/** For tests that change process.env between cases. */
export function resetEnvForTests(): void {
  parsed = undefined;
}
