import type { SandboxContext } from './context';
import { snsErrors } from './errors';
import { ACCESS_TOKEN_TTL_S, type Grant, type LoginApp } from './login-store';
import { avatarPath, findLoginUser, type LoginUser, openidOf, unionidOf } from './login-users';

// WeChat website login's OAuth API (api.weixin.qq.com/sns/…): each handler takes the query string and
// returns the JSON to answer, or throws an SnsError. Checks run in a fixed order, parameters first.

const SCOPE = 'snsapi_login';

function required(query: URLSearchParams, name: string, missing: () => Error): string {
  const value = query.get(name);
  if (!value) throw missing();
  return value;
}

function appOf(ctx: SandboxContext, query: URLSearchParams): LoginApp {
  const app = ctx.loginApps.get(required(query, 'appid', snsErrors.appidMissing));
  if (!app) throw snsErrors.invalidAppid();
  return app;
}

function userOf(grant: Grant): LoginUser {
  const user = findLoginUser(grant.userKey);
  if (!user) throw snsErrors.systemError();
  return user;
}

function unionidField(app: LoginApp | undefined, user: LoginUser): { unionid?: string } {
  return app?.unionid ? { unionid: unionidOf(user) } : {};
}

function tokenBody(grant: Grant) {
  return {
    access_token: grant.accessToken,
    expires_in: ACCESS_TOKEN_TTL_S,
    refresh_token: grant.refreshToken,
    openid: openidOf(grant.appid, userOf(grant)),
    scope: SCOPE,
  };
}

// GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code
export function exchangeCode(ctx: SandboxContext, query: URLSearchParams) {
  const app = appOf(ctx, query);
  if (required(query, 'secret', snsErrors.appsecretMissing) !== app.secret)
    throw snsErrors.invalidAppsecret();
  const code = required(query, 'code', snsErrors.codeMissing);
  if (query.get('grant_type') !== 'authorization_code') throw snsErrors.invalidGrantType();
  const grant = ctx.logins.redeemCode(code, app.appid);
  return { ...tokenBody(grant), ...unionidField(app, userOf(grant)) };
}

// GET /sns/oauth2/refresh_token?appid&grant_type=refresh_token&refresh_token
export function refreshToken(ctx: SandboxContext, query: URLSearchParams) {
  const app = appOf(ctx, query);
  if (query.get('grant_type') !== 'refresh_token') throw snsErrors.invalidGrantType();
  const token = required(query, 'refresh_token', snsErrors.refreshTokenMissing);
  return tokenBody(ctx.logins.refresh(token, app.appid));
}

/** The grant named by access_token, checked against the openid the caller claims it belongs to. */
function checkedGrant(ctx: SandboxContext, query: URLSearchParams): { grant: Grant; user: LoginUser } {
  const grant = ctx.logins.grantFor(required(query, 'access_token', snsErrors.accessTokenMissing));
  const openid = required(query, 'openid', snsErrors.openidMissing);
  const user = userOf(grant);
  if (openid !== openidOf(grant.appid, user)) throw snsErrors.invalidOpenid();
  return { grant, user };
}

/**
 * The profile as WeChat answers it since 2021-10-20 (网站扫码授权登录 no longer returns gender and
 * region): the fields are still there, sex 0 and the region strings empty, whatever `lang` says.
 */
export function profileOf(ctx: SandboxContext, appid: string, user: LoginUser, origin: string) {
  return {
    openid: openidOf(appid, user),
    nickname: user.nickname,
    sex: 0,
    province: '',
    city: '',
    country: '',
    headimgurl: `${origin}${avatarPath(user)}`,
    privilege: [],
    ...unionidField(ctx.loginApps.get(appid), user),
  };
}

// GET /sns/userinfo?access_token&openid[&lang]
export function userinfo(ctx: SandboxContext, query: URLSearchParams, origin: string) {
  const { grant, user } = checkedGrant(ctx, query);
  return profileOf(ctx, grant.appid, user, origin);
}

// GET /sns/auth?access_token&openid
export function checkToken(ctx: SandboxContext, query: URLSearchParams) {
  checkedGrant(ctx, query);
  return { errcode: 0, errmsg: 'ok' };
}
