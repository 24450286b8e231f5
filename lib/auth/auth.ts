import 'server-only';
import { betterAuth } from 'better-auth';
import { prismaAdapter } from 'better-auth/adapters/prisma';
import { nextCookies } from 'better-auth/next-js';
import { getDb } from '../db';
import { getEnv } from '../env';
import { CLIENT_ADDRESS_HEADER } from '../http/client-address';
import { createLogger } from '../log';
import { consumeAuthRateLimit } from '../rate-limit/request-limits';
import { wechatLogin } from './wechat-login';

const log = createLogger('auth');

// Sign-in (Better Auth): users, sessions in PostgreSQL, WeChat website login as the only way in.
// Built on first use, like the database client: `next build` imports routes without configuration.

/** Paths of Better Auth's routes (app/api/auth/[...all]). */
const AUTH_BASE_PATH = '/api/auth';

/**
 * The signed session snapshot cookie is trusted for this long before the database is asked again.
 * It keeps the status route off the database; a session ended elsewhere (sign-out in another
 * browser, expiry) stops being honoured by a browser holding a snapshot at most this much later.
 */
const SESSION_SNAPSHOT_SECONDS = 5 * 60;

/** Our cookies are `recharge.session_token`, `recharge.session_data`… (`__Secure-` first on https). */
export const AUTH_COOKIE_PREFIX = 'recharge';

function createAuth() {
  const env = getEnv();
  return betterAuth({
    appName: '微信支付充值',
    baseURL: env.APP_BASE_URL,
    basePath: AUTH_BASE_PATH,
    secret: env.SESSION_SECRET,
    trustedOrigins: [env.APP_BASE_URL],
    database: prismaAdapter(getDb(), { provider: 'postgresql' }),
    telemetry: { enabled: false },
    // One line per event, like the rest of our logs: a failed sign-in is routine, not a stack trace.
    logger: {
      level: 'warn',
      log: (level, message, ...args) => {
        const details = args.map((a) =>
          a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a),
        );
        log[level === 'error' ? 'error' : 'warn'](`${[message, ...details].join(': ')}`);
      },
    },
    // Where Better Auth sends the browser when a sign-in fails (with ?error=…): our sign-in page.
    onAPIError: { errorURL: new URL('/sign-in', env.APP_BASE_URL).toString() },
    emailAndPassword: { enabled: false },
    // Per client address (see advanced.ipAddress), in Redis: shared by every instance. Starting a
    // sign-in costs a row of OAuth state; finishing one costs calls to WeChat. Better Auth's own default (3 per 10 s on /sign-in/*)
    // would stop a family behind one address; ours is per minute and configurable.
    rateLimit: {
      enabled: true,
      customStorage: { consume: consumeAuthRateLimit },
      window: 60,
      max: 120,
      customRules: {
        '/sign-in/*': { window: 60, max: env.SIGN_IN_RATE_LIMIT_PER_MINUTE },
        '/callback/*': { window: 60, max: env.SIGN_IN_RATE_LIMIT_PER_MINUTE },
      },
    },
    user: { modelName: 'user' },
    session: {
      modelName: 'session',
      expiresIn: env.SESSION_TTL_DAYS * 24 * 60 * 60,
      updateAge: 24 * 60 * 60,
      cookieCache: { enabled: true, maxAge: SESSION_SNAPSHOT_SECONDS },
    },
    account: {
      modelName: 'authAccount',
      // A WeChat identity is the only way in; never attach one to an existing user by e-mail.
      accountLinking: { enabled: false },
      encryptOAuthTokens: true,
    },
    verification: { modelName: 'verification' },
    advanced: {
      cookiePrefix: AUTH_COOKIE_PREFIX,
      useSecureCookies: env.APP_BASE_URL.startsWith('https:'),
      database: { generateId: 'uuid' },
      // Set by our auth route from the socket or the trusted proxies (lib/http/client-address.ts),
      // replacing any client value: Better Auth's default, X-Forwarded-For, is whatever a client writes.
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
    },
    plugins: [
      wechatLogin({
        appId: env.WECHAT_LOGIN_APPID,
        appSecret: env.WECHAT_LOGIN_SECRET,
        openBaseUrl: env.WECHAT_LOGIN_OPEN_BASE_URL,
        apiBaseUrl: env.WECHAT_LOGIN_API_BASE_URL,
        timeoutMs: env.WECHAT_LOGIN_TIMEOUT_MS,
      }),
      // Lets server actions set cookies; must be last.
      nextCookies(),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;

const globalForAuth = globalThis as typeof globalThis & { __auth?: Auth };

export function getAuth(): Auth {
  globalForAuth.__auth ??= createAuth();
  return globalForAuth.__auth;
}

/** For tests that change process.env between cases. */
export function resetAuthForTests(): void {
  globalForAuth.__auth = undefined;
}
