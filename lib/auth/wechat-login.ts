import { createHash } from 'node:crypto';
import type { BetterAuthPlugin } from 'better-auth';
import type { OAuth2Tokens, OAuth2UserInfo, OAuthProvider } from 'better-auth/oauth2';
import { z } from 'zod';
import { createLogger } from '../log';

const log = createLogger('auth');

// WeChat Open Platform "website application" login (网站应用微信登录, scope snsapi_login) as a Better
// Auth provider. Better Auth ships a `wechat` provider, but with WeChat's hosts written into it, no
// timeout, and no check that the profile it fetches is the user the code was issued for. This one
// speaks the same protocol to configurable hosts (WeChat in production, the sandbox in development
// and tests):
//   browser → {open}/connect/qrconnect?appid&redirect_uri&response_type=code&scope=snsapi_login&state#wechat_redirect
//   WeChat  → redirect_uri?code&state (no code when the user refuses)
//   server  → {api}/sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code
//   server  → {api}/sns/userinfo?access_token&openid
// WeChat answers errors with HTTP 200 and `{errcode, errmsg}` (40029 invalid code, 40163 code been
// used, …). Any failure here makes Better Auth send the browser to the error page with no session.

export const WECHAT_PROVIDER_ID = 'wechat';

export interface WechatLoginOptions {
  appId: string;
  appSecret: string;
  /** https://open.weixin.qq.com in production: serves the QR code page. */
  openBaseUrl: string;
  /** https://api.weixin.qq.com in production: token and user info. */
  apiBaseUrl: string;
  /** Per call to WeChat's API. */
  timeoutMs: number;
}

/** A WeChat user as `sns/userinfo` describes them (the fields we use). */
interface WechatProfile extends Record<string, unknown> {
  openid: string;
  unionid?: string;
  nickname: string;
  headimgurl?: string;
}

const tokenAnswer = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  refresh_token: z.string().min(1),
  openid: z.string().min(1),
  scope: z.string(),
  unionid: z.string().min(1).optional(),
});

const profileAnswer = z.object({
  openid: z.string().min(1),
  unionid: z.string().min(1).optional(),
  nickname: z.string(),
  headimgurl: z.string().optional(),
});

const grantedIdentity = z.object({ openid: z.string().min(1), unionid: z.string().optional() });

const errorAnswer = z.object({ errcode: z.number().int(), errmsg: z.string().optional() });

class WechatLoginError extends Error {
  constructor(
    message: string,
    readonly errcode?: number,
  ) {
    super(message);
    this.name = 'WechatLoginError';
  }
}

/** GET an `sns/…` endpoint; WeChat's JSON comes as text/plain at times, so the body is parsed as text. */
async function callWechat<T>(url: URL, schema: z.ZodType<T>, timeoutMs: number): Promise<T> {
  const endpoint = url.pathname;
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    text = await response.text();
    if (!response.ok) throw new WechatLoginError(`${endpoint} answered HTTP ${response.status}`);
  } catch (error) {
    if (error instanceof WechatLoginError) throw error;
    throw new WechatLoginError(`${endpoint} failed: ${(error as Error).message}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new WechatLoginError(`${endpoint} answered something other than JSON`);
  }
  const refusal = errorAnswer.safeParse(body);
  if (refusal.success && refusal.data.errcode !== 0) {
    const { errcode, errmsg } = refusal.data;
    throw new WechatLoginError(`${endpoint} refused: ${errcode} ${errmsg ?? ''}`.trim(), errcode);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new WechatLoginError(`${endpoint} answered an unexpected shape`);
  return parsed.data;
}

/**
 * Better Auth needs an e-mail per user; WeChat gives none. A stable, non-routable placeholder from a
 * hash of the WeChat identity (Better Auth lowercases e-mails, and openids are case-sensitive).
 */
function placeholderEmail(subject: string): string {
  const digest = createHash('sha256').update(subject).digest('hex').slice(0, 40);
  return `wx-${digest}@wechat.placeholder.invalid`;
}

/** unionid when WeChat gives one (the same person across the merchant's apps), else the app's openid. */
function subjectOf(profile: { openid: string; unionid?: string }): string {
  return profile.unionid ?? profile.openid;
}

function wechatLoginProvider(options: WechatLoginOptions): OAuthProvider<WechatProfile> {
  const api = (path: string, params: Record<string, string>) => {
    const url = new URL(path, options.apiBaseUrl);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url;
  };

  const toTokens = (token: z.infer<typeof tokenAnswer>): OAuth2Tokens => ({
    tokenType: 'Bearer',
    accessToken: token.access_token,
    refreshToken: token.refresh_token,
    accessTokenExpiresAt: new Date(Date.now() + token.expires_in * 1000),
    scopes: token.scope.split(','),
    raw: { openid: token.openid, unionid: token.unionid },
  });

  async function fetchProfile(tokens: OAuth2Tokens): Promise<{ user: OAuth2UserInfo; data: WechatProfile }> {
    const granted = grantedIdentity.safeParse(tokens.raw);
    if (!granted.success || !tokens.accessToken)
      throw new WechatLoginError('the token answer named no openid');
    const profile = await callWechat(
      api('/sns/userinfo', { access_token: tokens.accessToken, openid: granted.data.openid, lang: 'zh_CN' }),
      profileAnswer,
      options.timeoutMs,
    );
    // The profile must be of the user the code was issued for: anything else is a confused or
    // compromised answer, and signing in as whoever it names would hand over their balance.
    if (profile.openid !== granted.data.openid) {
      throw new WechatLoginError('sns/userinfo answered for a different openid than the token');
    }
    if (granted.data.unionid && profile.unionid !== granted.data.unionid) {
      throw new WechatLoginError('sns/userinfo answered a different unionid than the token');
    }
    return {
      user: {
        name: profile.nickname || '微信用户',
        email: placeholderEmail(subjectOf(profile)),
        emailVerified: false,
        image: profile.headimgurl || undefined,
      },
      data: profile,
    };
  }

  return {
    id: WECHAT_PROVIDER_ID,
    name: 'WeChat',
    // A nickname or avatar changed in WeChat shows here at the next sign-in.
    options: { overrideUserInfoOnSignIn: true },
    accountSubject: ({ profile }) => subjectOf(profile),

    createAuthorizationURL({ state, redirectURI }) {
      const url = new URL('/connect/qrconnect', options.openBaseUrl);
      url.searchParams.set('appid', options.appId);
      url.searchParams.set('redirect_uri', redirectURI);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('scope', 'snsapi_login');
      url.searchParams.set('state', state);
      url.hash = 'wechat_redirect';
      return url;
    },

    async validateAuthorizationCode({ code }) {
      const params = {
        appid: options.appId,
        secret: options.appSecret,
        code,
        grant_type: 'authorization_code',
      };
      return toTokens(
        await callWechat(api('/sns/oauth2/access_token', params), tokenAnswer, options.timeoutMs),
      );
    },

    // Better Auth lets an exception here escape as a server error; null sends the browser to the
    // error page (unable_to_get_user_info) like any other failed sign-in.
    async getUserInfo(tokens) {
      try {
        return await fetchProfile(tokens);
      } catch (error) {
        log.warn({ reason: (error as Error).message }, 'WeChat sign-in refused');
        return null;
      }
    },

    async refreshAccessToken(refreshToken) {
      const params = { appid: options.appId, grant_type: 'refresh_token', refresh_token: refreshToken };
      return toTokens(
        await callWechat(api('/sns/oauth2/refresh_token', params), tokenAnswer, options.timeoutMs),
      );
    },
  };
}

/** Registers the provider the way Better Auth's generic OAuth plugin registers its providers. */
export function wechatLogin(options: WechatLoginOptions): BetterAuthPlugin {
  const provider = wechatLoginProvider(options);
  return {
    id: 'wechat-login',
    init: (ctx) => ({
      context: {
        socialProviders: [provider, ...ctx.socialProviders.filter((p) => p.id !== WECHAT_PROVIDER_ID)],
      },
    }),
  };
}
