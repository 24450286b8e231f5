import { get } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningSandbox } from '../src/server';
import {
  APP,
  control,
  exchange,
  mintCode,
  openQrPage,
  PLAIN_APP,
  phoneSubmit,
  poll,
  sns,
  startLoginSandbox,
  wechatError,
} from './support/login';

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startLoginSandbox();
});
afterEach(async () => {
  vi.useRealTimers();
  await control(sandbox.url, 'POST', '/sandbox/reset');
});
afterAll(() => sandbox.close());

const MINUTE = 60 * 1000;

/** Moves Date (only) forward; timers stay real so HTTP keeps working. */
function advanceClock(ms: number) {
  const now = Date.now();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(now + ms);
}

async function tokens(user = 'lin', app: { appid: string; secret: string } = APP) {
  const { json } = await exchange(sandbox.url, await mintCode(sandbox.url, user, app.appid), app);
  return json as { access_token: string; refresh_token: string; openid: string; unionid?: string };
}

const userinfo = (access_token: string, openid: string) =>
  sns(sandbox.url, '/sns/userinfo', { access_token, openid });
const refresh = (refresh_token: string, appid = APP.appid) =>
  sns(sandbox.url, '/sns/oauth2/refresh_token', { appid, grant_type: 'refresh_token', refresh_token });

describe('GET /sns/oauth2/access_token', () => {
  it('exchanges the code the QR flow carried to redirect_uri, as HTTP 200 JSON', async () => {
    const { uuid } = await openQrPage(sandbox.url);
    await phoneSubmit(sandbox.url, 'confirm', { uuid, user: 'lin' });
    const { code } = await poll(sandbox.url, uuid, 404);
    const response = await exchange(sandbox.url, code);
    expect(response.status).toBe(200);
    expect(response.contentType).toBe('application/json; encoding=utf-8');
    const users = (await control(sandbox.url, 'GET', '/sandbox/login-users')).json;
    expect(response.json).toEqual({
      access_token: expect.stringMatching(/^\d\d_[A-Za-z0-9]{104}$/),
      expires_in: 7200,
      refresh_token: expect.stringMatching(/^\d\d_[A-Za-z0-9]{104}$/),
      openid: users[0].openids[APP.appid],
      scope: 'snsapi_login',
      unionid: users[0].unionid,
    });
    expect(response.json.openid).toMatch(/^o[A-Za-z0-9_-]{27}$/);
  });

  it('gives each app its own openid and the same unionid, and no unionid to an unbound app', async () => {
    const a = await tokens('zhou', APP);
    const b = await tokens('zhou', PLAIN_APP);
    expect(a.openid).not.toBe(b.openid);
    expect(b).not.toHaveProperty('unionid');
    expect((await tokens('lin', APP)).unionid).not.toBe(a.unionid);
    const again = await startLoginSandbox();
    try {
      const code = await mintCode(again.url, 'zhou');
      expect((await exchange(again.url, code)).json).toMatchObject({ openid: a.openid, unionid: a.unionid });
    } finally {
      await again.close();
    }
  });

  it('answers 40163 code been used on a second exchange of the same code', async () => {
    const code = await mintCode(sandbox.url);
    expect((await exchange(sandbox.url, code)).json.access_token).toBeDefined();
    const second = await exchange(sandbox.url, code);
    expect(second.status).toBe(200);
    expect(wechatError(second.json)).toEqual({ errcode: 40163, errmsg: 'code been used' });
  });

  it('lets a code live 10 minutes: 42003 code expired after that', async () => {
    const fresh = await mintCode(sandbox.url);
    const stale = await mintCode(sandbox.url);
    advanceClock(10 * MINUTE - 1000);
    expect((await exchange(sandbox.url, fresh)).json.access_token).toBeDefined();
    advanceClock(2000);
    expect(wechatError((await exchange(sandbox.url, stale)).json)).toEqual({
      errcode: 42003,
      errmsg: 'code expired',
    });
  });

  it('binds a code to its app: 40029 invalid code for another app, as for an unknown code', async () => {
    const code = await mintCode(sandbox.url, 'lin', APP.appid);
    expect(wechatError((await exchange(sandbox.url, code, PLAIN_APP)).json).errcode).toBe(40029);
    expect(wechatError((await exchange(sandbox.url, 'nosuchcode')).json)).toEqual({
      errcode: 40029,
      errmsg: 'invalid code',
    });
    expect((await exchange(sandbox.url, code)).json.access_token).toBeDefined();
  });

  it.each([
    ['no appid', { appid: undefined }, 41002, 'appid missing'],
    ['an unknown appid', { appid: 'wx0000000000000000' }, 40013, 'invalid appid'],
    ['no secret', { secret: undefined }, 41004, 'appsecret missing'],
    ['a wrong secret', { secret: 'wrong' }, 40125, 'invalid appsecret'],
    ['the other app’s secret', { secret: PLAIN_APP.secret }, 40125, 'invalid appsecret'],
    ['no code', { code: undefined }, 41008, 'missing code'],
    ['grant_type client_credential', { grant_type: 'client_credential' }, 40002, 'invalid grant_type'],
    ['no grant_type', { grant_type: undefined }, 40002, 'invalid grant_type'],
  ])('answers %s with its errcode', async (_name, override, errcode, errmsg) => {
    const params: Record<string, string | undefined> = {
      appid: APP.appid,
      secret: APP.secret,
      code: await mintCode(sandbox.url),
      grant_type: 'authorization_code',
      ...override,
    };
    const defined = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
    const response = await sns(sandbox.url, '/sns/oauth2/access_token', defined);
    expect(response.status).toBe(200);
    expect(wechatError(response.json)).toEqual({ errcode, errmsg });
  });

  it('answers 43001 require GET method to a POST', async () => {
    const code = await mintCode(sandbox.url);
    const params = { appid: APP.appid, secret: APP.secret, code, grant_type: 'authorization_code' };
    const response = await sns(sandbox.url, '/sns/oauth2/access_token', params, 'POST');
    expect(wechatError(response.json)).toEqual({ errcode: 43001, errmsg: 'require GET method' });
  });
});

describe('GET /sns/oauth2/refresh_token', () => {
  it('renews a live access_token in place (same value, new 2 h), returning the same refresh_token', async () => {
    const t = await tokens();
    advanceClock(90 * MINUTE);
    const renewed = await refresh(t.refresh_token);
    expect(renewed.json).toEqual({
      access_token: t.access_token,
      expires_in: 7200,
      refresh_token: t.refresh_token,
      openid: t.openid,
      scope: 'snsapi_login',
    });
    advanceClock(90 * MINUTE);
    expect((await userinfo(t.access_token, t.openid)).json.openid).toBe(t.openid);
  });

  it('replaces an expired access_token with a new one; the old one answers 40001', async () => {
    const t = await tokens();
    advanceClock(2 * 60 * MINUTE + 1000);
    expect(wechatError((await userinfo(t.access_token, t.openid)).json)).toEqual({
      errcode: 42001,
      errmsg: 'access_token expired',
    });
    const renewed = (await refresh(t.refresh_token)).json;
    expect(renewed.access_token).not.toBe(t.access_token);
    expect((await userinfo(renewed.access_token, t.openid)).json.nickname).toBe('林小满');
    expect(wechatError((await userinfo(t.access_token, t.openid)).json).errcode).toBe(40001);
  });

  it('keeps a refresh_token 30 days: 42002 refresh_token expired after that', async () => {
    const t = await tokens();
    advanceClock(30 * 24 * 60 * MINUTE + 1000);
    expect(wechatError((await refresh(t.refresh_token)).json)).toEqual({
      errcode: 42002,
      errmsg: 'refresh_token expired',
    });
  });

  it.each([
    ['an unknown refresh_token', { refresh_token: 'nosuchtoken' }, 40030, 'invalid refresh_token'],
    ['another app’s appid', { appid: PLAIN_APP.appid }, 40030, 'invalid refresh_token'],
    ['no refresh_token', { refresh_token: undefined }, 41003, 'refresh_token missing'],
    ['grant_type authorization_code', { grant_type: 'authorization_code' }, 40002, 'invalid grant_type'],
    ['an unknown appid', { appid: 'wx0000000000000000' }, 40013, 'invalid appid'],
    ['no appid', { appid: undefined }, 41002, 'appid missing'],
  ])('answers %s with its errcode', async (_name, override, errcode, errmsg) => {
    const t = await tokens();
    const params: Record<string, string | undefined> = {
      appid: APP.appid,
      grant_type: 'refresh_token',
      refresh_token: t.refresh_token,
      ...override,
    };
    const defined = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
    expect(wechatError((await sns(sandbox.url, '/sns/oauth2/refresh_token', defined)).json)).toEqual({
      errcode,
      errmsg,
    });
  });
});

describe('GET /sns/userinfo', () => {
  it('answers the profile as WeChat does today: nickname and avatar, sex 0 and no region', async () => {
    const t = await tokens('zhou');
    const response = await sns(sandbox.url, '/sns/userinfo', {
      access_token: t.access_token,
      openid: t.openid,
      lang: 'en',
    });
    expect(response.json).toEqual({
      openid: t.openid,
      nickname: '周一鸣',
      sex: 0,
      province: '',
      city: '',
      country: '',
      headimgurl: `${sandbox.url}/mmopen/zhou/132`,
      privilege: [],
      unionid: t.unionid,
    });
    expect((await fetch(response.json.headimgurl)).status).toBe(200);
  });

  it('omits unionid for an app not bound to an open-platform account', async () => {
    const t = await tokens('lin', PLAIN_APP);
    expect((await userinfo(t.access_token, t.openid)).json).not.toHaveProperty('unionid');
  });

  it('builds headimgurl from the address the caller used (Host), as behind 0.0.0.0 or another name', async () => {
    const t = await tokens();
    const { port } = new URL(sandbox.url);
    const body = await new Promise<string>((resolve, reject) => {
      const path = `/sns/userinfo?access_token=${t.access_token}&openid=${t.openid}`;
      get({ host: '127.0.0.1', port, path, headers: { Host: `wechat.test:${port}` } }, (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(JSON.parse(body).headimgurl).toBe(`http://wechat.test:${port}/mmopen/lin/132`);
  });

  it.each([
    ['an openid that is not the token’s', 'other-openid', 40003, 'invalid openid'],
    [
      'an unknown access_token',
      'bad-token',
      40001,
      'invalid credential, access_token is invalid or not latest',
    ],
    ['no access_token', 'no-token', 41001, 'access_token missing'],
    ['no openid', 'no-openid', 41009, 'missing openid'],
  ])('answers %s with its errcode', async (_name, variant, errcode, errmsg) => {
    const t = await tokens();
    const other = await tokens('zhou');
    const params: Record<string, string> = {
      'other-openid': { access_token: t.access_token, openid: other.openid },
      'bad-token': { access_token: 'nosuchtoken', openid: t.openid },
      'no-token': { openid: t.openid },
      'no-openid': { access_token: t.access_token },
    }[variant] as Record<string, string>;
    expect(wechatError((await sns(sandbox.url, '/sns/userinfo', params)).json)).toEqual({ errcode, errmsg });
  });
});

describe('GET /sns/auth', () => {
  it('answers {errcode: 0, errmsg: "ok"} for a live token and its openid', async () => {
    const t = await tokens();
    expect(
      (await sns(sandbox.url, '/sns/auth', { access_token: t.access_token, openid: t.openid })).json,
    ).toEqual({
      errcode: 0,
      errmsg: 'ok',
    });
  });

  it('answers 40003 for another openid, 40001 for an unknown token, 42001 for an expired one', async () => {
    const t = await tokens();
    const other = await tokens('zhou');
    const check = async (access_token: string, openid: string) =>
      wechatError((await sns(sandbox.url, '/sns/auth', { access_token, openid })).json).errcode;
    expect(await check(t.access_token, other.openid)).toBe(40003);
    expect(await check('nosuchtoken', t.openid)).toBe(40001);
    advanceClock(2 * 60 * MINUTE);
    expect(await check(t.access_token, t.openid)).toBe(42001);
  });
});
