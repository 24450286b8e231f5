import { z } from 'zod';
import type { SandboxContext } from './context';
import { WechatPayError } from './errors';
import { type LoginSession, WX_ERRCODES } from './login-store';
import { avatarPath, findLoginUser, LOGIN_USERS, openidOf, unionidOf } from './login-users';
import { OAUTH_FAULT_KINDS, SNS_ENDPOINTS } from './oauth-faults';
import { loginPhonePath } from './phone-login';
import { callbackUrl } from './qrconnect';
import { toBeijingRfc3339 } from './time';

// /sandbox/… routes for WeChat login (merged into control.ts): drive QR logins without a phone, mint codes
// for server-side tests, and arm OAuth faults.

type Handler = (ctx: SandboxContext, body: unknown, url: URL, origin: string) => unknown;

// A fixed user's key, or a throwaway test user's (`test-…`, see login-users.ts).
const userKey = z.string().refine((key) => findLoginUser(key) !== undefined, {
  message: `user must be one of ${LOGIN_USERS.map((u) => u.key).join(', ')} or test-…`,
});
const sessionRef = z.object({ uuid: z.string().min(1).optional() });

const oauthFaultSchema = z
  .object({
    endpoint: z.enum([...SNS_ENDPOINTS, 'any']).default('any'),
    kind: z.enum(OAUTH_FAULT_KINDS),
    count: z.number().int().positive().default(1),
    delayMs: z.number().int().nonnegative().default(0),
    errcode: z.number().int().default(-1),
    errmsg: z.string().optional(),
    status: z.number().int().min(400).max(599).default(503),
    afterProcessing: z.boolean().default(false),
  })
  .refine((f) => f.kind !== 'wrong-user' || f.endpoint === 'userinfo', {
    message: 'wrong-user applies to endpoint "userinfo" only',
  });

function describeSession(session: LoginSession, origin: string) {
  const user = session.userKey ? findLoginUser(session.userKey) : undefined;
  return {
    uuid: session.uuid,
    appid: session.appid,
    redirect_uri: session.redirectUri,
    state: session.state,
    status: session.status,
    wx_errcode: WX_ERRCODES[session.status],
    user: user ? { key: user.key, nickname: user.nickname, openid: openidOf(session.appid, user) } : null,
    code: session.code ?? null,
    redirect_url: callbackUrl(session),
    phone_url: `${origin}${loginPhonePath(session.uuid)}`,
    created_at: toBeijingRfc3339(session.createdAtMs),
    expires_at: toBeijingRfc3339(session.expiresAtMs),
  };
}

/** The named session, or the newest one still waiting for the phone. */
function findSession(ctx: SandboxContext, body: unknown): LoginSession {
  const { uuid } = sessionRef.parse(body);
  const session = uuid ? ctx.logins.get(uuid) : ctx.logins.newestOpen();
  if (!session) {
    throw new WechatPayError(404, 'LOGIN_NOT_FOUND', uuid ? `没有登录二维码 ${uuid}` : '没有等待确认的登录');
  }
  return session;
}

function act(ctx: SandboxContext, body: unknown, origin: string, action: (session: LoginSession) => boolean) {
  const session = findSession(ctx, body);
  if (!action(session)) {
    throw new WechatPayError(409, 'LOGIN_NOT_WAITING', `登录 ${session.uuid} 已是 ${session.status}`);
  }
  return describeSession(session, origin);
}

export const loginControlRoutes: Record<string, Handler> = {
  'GET /sandbox/logins': (ctx, _b, _u, origin) => ctx.logins.list().map((s) => describeSession(s, origin)),
  'POST /sandbox/logins/confirm': (ctx, body, _u, origin) => {
    const user = userKey.default('lin').parse((body as { user?: unknown }).user);
    return act(ctx, body, origin, (s) => ctx.logins.confirm(s, user));
  },
  'POST /sandbox/logins/refuse': (ctx, body, _u, origin) =>
    act(ctx, body, origin, (s) => ctx.logins.refuse(s)),
  'POST /sandbox/logins/expire': (ctx, body, _u, origin) =>
    act(ctx, body, origin, (s) => ctx.logins.expire(s)),
  'GET /sandbox/login-users': (ctx, _b, _u, origin) =>
    LOGIN_USERS.map((user) => ({
      key: user.key,
      nickname: user.nickname,
      headimgurl: `${origin}${avatarPath(user)}`,
      unionid: unionidOf(user),
      openids: Object.fromEntries([...ctx.loginApps.keys()].map((appid) => [appid, openidOf(appid, user)])),
    })),
  'POST /sandbox/oauth/code': (ctx, body) => {
    const input = z.object({ appid: z.string(), user: userKey }).parse(body);
    if (!ctx.loginApps.has(input.appid)) {
      throw new WechatPayError(404, 'APP_NOT_FOUND', `没有网站应用 ${input.appid}`);
    }
    return { code: ctx.logins.issueCode(input.appid, input.user) };
  },
  'POST /sandbox/faults/oauth': (ctx, body) => {
    const { count, ...fault } = oauthFaultSchema.parse(body);
    ctx.oauthFaults.add({ ...fault, remaining: count });
    return { oauth: ctx.oauthFaults.list() };
  },
};

/** For POST /sandbox/reset. */
export function resetLogins(ctx: SandboxContext): void {
  ctx.logins.clear();
  ctx.oauthFaults.reset();
  ctx.loginCalls.reset();
}
