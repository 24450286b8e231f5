import { networkInterfaces } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../src/server';
import {
  APP,
  control,
  exchange,
  mintCode,
  openQrPage,
  PLAIN_APP,
  poll,
  sns,
  startLoginSandbox,
  wechatError,
} from './support/login';

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startLoginSandbox();
});
afterEach(() => control(sandbox.url, 'POST', '/sandbox/reset'));
afterAll(() => sandbox.close());

const post = (path: string, body?: unknown) => control(sandbox.url, 'POST', path, body);
const armFault = (fault: Record<string, unknown>) => post('/sandbox/faults/oauth', fault);

async function tokens(user = 'lin') {
  return (await exchange(sandbox.url, await mintCode(sandbox.url, user))).json;
}

describe('login control API', () => {
  it('confirms the newest waiting login by default, as the given user', async () => {
    const older = await openQrPage(sandbox.url, { state: 'older' });
    const newer = await openQrPage(sandbox.url, { state: 'newer' });
    const { status, json } = await post('/sandbox/logins/confirm', { user: 'zhou' });
    expect(status).toBe(200);
    expect(json).toMatchObject({ uuid: newer.uuid, status: 'confirmed', user: { key: 'zhou' } });
    expect(json.redirect_url).toBe(
      `http://127.0.0.1:3000/api/auth/wechat/callback?code=${json.code}&state=newer`,
    );
    const { code } = await poll(sandbox.url, newer.uuid);
    expect(code).toBe(json.code);
    expect((await exchange(sandbox.url, code)).json.openid).toBe(json.user.openid);
    const listed = (await control(sandbox.url, 'GET', '/sandbox/logins')).json;
    expect(listed.map((l: { uuid: string; status: string }) => [l.uuid, l.status])).toEqual([
      [newer.uuid, 'confirmed'],
      [older.uuid, 'waiting'],
    ]);
    expect(listed[1].expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
  });

  it('refuses and expires by uuid; answering twice is a 409', async () => {
    const a = await openQrPage(sandbox.url);
    const b = await openQrPage(sandbox.url);
    expect((await post('/sandbox/logins/refuse', { uuid: a.uuid })).json.status).toBe('refused');
    expect((await post('/sandbox/logins/expire', { uuid: b.uuid })).json).toMatchObject({
      status: 'expired',
      wx_errcode: 402,
    });
    const again = await post('/sandbox/logins/confirm', { uuid: a.uuid, user: 'lin' });
    expect([again.status, again.json.code]).toEqual([409, 'LOGIN_NOT_WAITING']);
  });

  it('answers 404 when there is no such login or none is waiting, 400 for an unknown user', async () => {
    expect((await post('/sandbox/logins/confirm', { user: 'lin' })).json.code).toBe('LOGIN_NOT_FOUND');
    expect((await post('/sandbox/logins/refuse', { uuid: 'NoSuchUuid000000' })).status).toBe(404);
    await openQrPage(sandbox.url);
    expect((await post('/sandbox/logins/confirm', { user: 'nobody' })).status).toBe(400);
  });

  it('lists the test users with an openid per app and their unionid', async () => {
    const users = (await control(sandbox.url, 'GET', '/sandbox/login-users')).json;
    expect(users.map((u: { key: string; nickname: string }) => [u.key, u.nickname])).toEqual([
      ['lin', '林小满'],
      ['zhou', '周一鸣'],
    ]);
    expect(Object.keys(users[0].openids)).toEqual([APP.appid, PLAIN_APP.appid]);
    expect(users[0].headimgurl).toBe(`${sandbox.url}/mmopen/lin/132`);
    expect((await tokens('zhou')).openid).toBe(users[1].openids[APP.appid]);
  });

  it('mints codes for server-side tests, and refuses unknown apps and users', async () => {
    const { code } = (await post('/sandbox/oauth/code', { appid: PLAIN_APP.appid, user: 'zhou' })).json;
    const response = await exchange(sandbox.url, code, PLAIN_APP);
    expect(response.json.scope).toBe('snsapi_login');
    expect((await post('/sandbox/oauth/code', { appid: 'wx0000000000000000', user: 'lin' })).json.code).toBe(
      'APP_NOT_FOUND',
    );
    expect((await post('/sandbox/oauth/code', { appid: APP.appid, user: 'nobody' })).status).toBe(400);
  });

  it('signs in throwaway test users (test-…): a new WeChat user each, stable per key', async () => {
    const first = await tokens('test-a1b2c3');
    const again = await tokens('test-a1b2c3');
    const other = await tokens('test-d4e5f6');
    expect(again.openid).toBe(first.openid);
    expect(other.openid).not.toBe(first.openid);
    const profile = await sns(sandbox.url, '/sns/userinfo', {
      access_token: first.access_token,
      openid: first.openid,
    });
    expect(profile.json).toMatchObject({
      openid: first.openid,
      nickname: '测试用户 a1b2c3',
      unionid: first.unionid,
    });
    expect((await post('/sandbox/oauth/code', { appid: APP.appid, user: 'test-UPPER' })).status).toBe(400);
  });

  it('counts the calls to each OAuth endpoint, rejected ones too', async () => {
    const t = await tokens();
    await exchange(sandbox.url, 'nosuchcode');
    await sns(sandbox.url, '/sns/userinfo', { access_token: t.access_token, openid: t.openid });
    await sns(sandbox.url, '/sns/auth', { access_token: t.access_token, openid: t.openid });
    await sns(sandbox.url, '/sns/oauth2/refresh_token', { appid: APP.appid });
    expect((await control(sandbox.url, 'GET', '/sandbox/stats')).json.loginCalls).toEqual({
      access_token: 2,
      refresh_token: 1,
      userinfo: 1,
      auth: 1,
    });
  });

  it('forgets logins, codes and tokens on reset', async () => {
    const t = await tokens();
    await openQrPage(sandbox.url);
    await post('/sandbox/reset');
    expect((await control(sandbox.url, 'GET', '/sandbox/logins')).json).toEqual([]);
    const after = await sns(sandbox.url, '/sns/auth', { access_token: t.access_token, openid: t.openid });
    expect(wechatError(after.json).errcode).toBe(40001);
  });
});

describe('OAuth fault injection', () => {
  it('answers WeChat’s -1 system error for the next call only, without spending the code', async () => {
    await armFault({ endpoint: 'access_token', kind: 'errcode' });
    const code = await mintCode(sandbox.url);
    const failed = await exchange(sandbox.url, code);
    expect(failed.status).toBe(200);
    expect(wechatError(failed.json)).toEqual({ errcode: -1, errmsg: 'system error' });
    expect((await exchange(sandbox.url, code)).json.access_token).toBeDefined();
  });

  it('answers any errcode/errmsg, and can spend the code first (afterProcessing)', async () => {
    await armFault({
      endpoint: 'access_token',
      kind: 'errcode',
      errcode: 45011,
      errmsg: 'api minute-quota reach limit',
      afterProcessing: true,
    });
    const code = await mintCode(sandbox.url);
    expect((await exchange(sandbox.url, code)).json).toEqual({
      errcode: 45011,
      errmsg: 'api minute-quota reach limit',
    });
    expect(wechatError((await exchange(sandbox.url, code)).json).errcode).toBe(40163);
  });

  it('answers slowly with delayMs', async () => {
    const t = await tokens();
    await armFault({ endpoint: 'userinfo', kind: 'delay', delayMs: 300 });
    const started = Date.now();
    const response = await sns(sandbox.url, '/sns/userinfo', {
      access_token: t.access_token,
      openid: t.openid,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(response.json.openid).toBe(t.openid);
  });

  it('answers an HTML 5xx page or a non-JSON 200', async () => {
    const t = await tokens();
    await armFault({ endpoint: 'refresh_token', kind: 'http-error', status: 502 });
    await armFault({ endpoint: 'refresh_token', kind: 'not-json' });
    const params = { appid: APP.appid, grant_type: 'refresh_token', refresh_token: t.refresh_token };
    const gateway = await sns(sandbox.url, '/sns/oauth2/refresh_token', params);
    expect([gateway.status, gateway.contentType, gateway.json]).toEqual([502, 'text/html', undefined]);
    const html = await sns(sandbox.url, '/sns/oauth2/refresh_token', params);
    expect([html.status, html.contentType, html.json]).toEqual([200, 'text/html', undefined]);
    expect((await sns(sandbox.url, '/sns/oauth2/refresh_token', params)).json.access_token).toBe(
      t.access_token,
    );
  });

  it('answers another user’s profile on userinfo with wrong-user: its openid differs from the one asked for', async () => {
    const t = await tokens('lin');
    await armFault({ endpoint: 'userinfo', kind: 'wrong-user' });
    const wrong = (
      await sns(sandbox.url, '/sns/userinfo', { access_token: t.access_token, openid: t.openid })
    ).json;
    expect(wrong.openid).not.toBe(t.openid);
    expect(wrong.nickname).toBe('周一鸣');
    expect(wrong.unionid).not.toBe(t.unionid);
  });

  it('applies an "any" fault to whichever OAuth endpoint is called next, and lists and resets faults', async () => {
    await armFault({ kind: 'errcode', count: 3 });
    expect(wechatError((await exchange(sandbox.url, 'x')).json).errcode).toBe(-1);
    expect((await control(sandbox.url, 'GET', '/sandbox/faults')).json.oauth).toMatchObject([
      { endpoint: 'any', kind: 'errcode', remaining: 2 },
    ]);
    await post('/sandbox/faults/reset');
    expect((await control(sandbox.url, 'GET', '/sandbox/faults')).json.oauth).toEqual([]);
  });

  it('rejects wrong-user on other endpoints and unknown kinds', async () => {
    expect((await armFault({ endpoint: 'access_token', kind: 'wrong-user' })).status).toBe(400);
    expect((await armFault({ endpoint: 'userinfo', kind: 'explode' })).status).toBe(400);
  });
});

const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe.skipIf(!external)('loopback only', () => {
  it('refuses the login control API from another address, while the OAuth API answers', async () => {
    const open = await startLoginSandbox({ host: '0.0.0.0' });
    try {
      const base = `http://${external}:${new URL(open.url).port}`;
      const refused = await fetch(`${base}/sandbox/oauth/code`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ appid: APP.appid, user: 'lin' }),
      });
      expect(refused.status).toBe(403);
      expect((await fetch(`${base}/sandbox/logins`)).status).toBe(403);
      expect(wechatError((await exchange(base, 'nosuchcode')).json).errcode).toBe(40029);
      expect((await openQrPage(base, {})).uuid).not.toBe('');
    } finally {
      await open.close();
    }
  });
});
