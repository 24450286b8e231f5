import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../src/server';
import {
  APP,
  control,
  openQrPage,
  phoneScreen,
  phoneSubmit,
  poll,
  REDIRECT_URI,
  startLoginSandbox,
} from './support/login';

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startLoginSandbox();
});
afterEach(() => control(sandbox.url, 'POST', '/sandbox/reset'));
afterAll(() => sandbox.close());

async function decodeQr(uuid: string): Promise<string | undefined> {
  const response = await fetch(`${sandbox.url}/connect/qrcode/${uuid}`);
  expect(response.headers.get('content-type')).toBe('image/png');
  const png = PNG.sync.read(Buffer.from(await response.arrayBuffer()));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

describe('QR page (/connect/qrconnect)', () => {
  it('shows 微信登录, the scan prompt, the app name and a QR image with a stable test id', async () => {
    const { status, html, uuid } = await openQrPage(sandbox.url);
    expect(status).toBe(200);
    expect(html).toContain('lang="zh-CN"');
    expect(html).toContain('<h1>微信登录</h1>');
    expect(html).toContain('<p role="status" id="login-status">使用微信扫一扫登录</p>');
    expect(html).toContain(`“${APP.name}”`);
    expect(html).toMatch(/<img class="qr" data-testid="login-qr" src="\/connect\/qrcode\/\w{16}"/);
    expect(uuid).toMatch(/^[A-Za-z0-9]{16}$/);
  });

  it('encodes the phone page of this login in the QR image', async () => {
    const { uuid } = await openQrPage(sandbox.url);
    expect(await decodeQr(uuid)).toBe(`${sandbox.url}/phone/login?uuid=${uuid}`);
    expect((await fetch(`${sandbox.url}/connect/qrcode/NoSuchUuid000000`)).status).toBe(404);
  });

  it('records the login with its appid, redirect_uri and state', async () => {
    const { uuid } = await openQrPage(sandbox.url, { state: 'csrf-token-1' });
    const [login] = (await control(sandbox.url, 'GET', '/sandbox/logins')).json;
    expect(login).toMatchObject({
      uuid,
      appid: APP.appid,
      redirect_uri: REDIRECT_URI,
      state: 'csrf-token-1',
      status: 'waiting',
      wx_errcode: 408,
      user: null,
      code: null,
      redirect_url: null,
      phone_url: `${sandbox.url}/phone/login?uuid=${uuid}`,
    });
  });

  it.each([
    ['an unknown appid', { appid: 'wx0000000000000000' }, '参数错误'],
    ['no appid', { appid: undefined }, '参数错误'],
    [
      'a redirect_uri outside the callback domain',
      { redirect_uri: 'https://evil.example.net/cb' },
      'redirect_uri 参数错误',
    ],
    ['a look-alike domain', { redirect_uri: 'https://notexample.com/cb' }, 'redirect_uri 参数错误'],
    ['a redirect_uri that is not a URL', { redirect_uri: '/relative/cb' }, 'redirect_uri 参数错误'],
    ['no redirect_uri', { redirect_uri: undefined }, 'redirect_uri 参数错误'],
    ['response_type token', { response_type: 'token' }, '参数错误'],
    ['scope snsapi_userinfo', { scope: 'snsapi_userinfo' }, 'Scope 参数错误或没有 Scope 权限'],
    ['no scope', { scope: undefined }, 'Scope 参数错误或没有 Scope 权限'],
  ])('answers WeChat’s error page for %s', async (_name, params, message) => {
    const { status, html, uuid } = await openQrPage(sandbox.url, params);
    expect(status).toBe(200);
    expect(html).toContain(`<p role="alert">${message}</p>`);
    expect(uuid).toBe('');
    expect((await control(sandbox.url, 'GET', '/sandbox/logins')).json).toEqual([]);
  });

  it('accepts subdomains of the callback domain, any port, and several scopes including snsapi_login', async () => {
    for (const redirect_uri of [
      'https://www.example.com/cb',
      'http://a.b.example.com:8443/cb',
      'http://127.0.0.1/cb',
    ]) {
      expect((await openQrPage(sandbox.url, { redirect_uri })).uuid).not.toBe('');
    }
    expect((await openQrPage(sandbox.url, { scope: 'snsapi_base,snsapi_login' })).uuid).not.toBe('');
  });

  it('escapes the state in the page (HTML and script)', async () => {
    const { html } = await openQrPage(sandbox.url, { state: '</script><script>alert(1)</script>' });
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('\\u003c/script>');
  });
});

describe('long poll (/connect/l/qrconnect)', () => {
  it('holds while nothing changes, then answers 408 again', async () => {
    const { uuid } = await openQrPage(sandbox.url);
    const started = Date.now();
    expect(await poll(sandbox.url, uuid)).toEqual({
      errcode: 408,
      code: '',
      contentType: 'application/javascript; charset=utf-8',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('answers a changed state at once: 404 after the phone opens the page', async () => {
    const { uuid } = await openQrPage(sandbox.url);
    expect((await phoneScreen(sandbox.url, uuid)).status).toBe(200);
    const started = Date.now();
    expect((await poll(sandbox.url, uuid, 408)).errcode).toBe(404);
    expect(Date.now() - started).toBeLessThan(250);
  });

  it('wakes a held poll when the phone confirms, with the code in wx_code (405)', async () => {
    const { uuid } = await openQrPage(sandbox.url);
    await phoneScreen(sandbox.url, uuid);
    const held = poll(sandbox.url, uuid, 404);
    await phoneSubmit(sandbox.url, 'confirm', { uuid, user: 'zhou' });
    const answer = await held;
    expect(answer.errcode).toBe(405);
    expect(answer.code).toMatch(/^[A-Za-z0-9]{32}$/);
    const [login] = (await control(sandbox.url, 'GET', '/sandbox/logins')).json;
    expect(login).toMatchObject({
      status: 'confirmed',
      code: answer.code,
      user: { key: 'zhou', nickname: '周一鸣' },
    });
    expect(login.redirect_url).toBe(`${REDIRECT_URI}?code=${answer.code}&state=st-123`);
  });

  it('answers 403 after a refusal; the browser then goes to redirect_uri with the state only', async () => {
    const { uuid } = await openQrPage(sandbox.url, { redirect_uri: `${REDIRECT_URI}?from=qr` });
    await phoneScreen(sandbox.url, uuid);
    await phoneSubmit(sandbox.url, 'refuse', { uuid });
    expect(await poll(sandbox.url, uuid, 404)).toMatchObject({ errcode: 403, code: '' });
    const [login] = (await control(sandbox.url, 'GET', '/sandbox/logins')).json;
    expect(login.redirect_url).toBe(`${REDIRECT_URI}?from=qr&state=st-123`);
  });

  it('answers 402 once the QR code has expired, and for unknown uuids', async () => {
    const { uuid } = await openQrPage(sandbox.url);
    await control(sandbox.url, 'POST', '/sandbox/logins/expire', { uuid });
    expect((await poll(sandbox.url, uuid)).errcode).toBe(402);
    expect((await poll(sandbox.url, 'NoSuchUuid000000')).errcode).toBe(402);
  });

  it('expires QR codes after loginQrTtlMs, waking the held poll', async () => {
    const quick = await startLoginSandbox({ loginQrTtlMs: 200, loginPollHoldMs: 5000 });
    try {
      const { uuid } = await openQrPage(quick.url);
      const started = Date.now();
      expect((await poll(quick.url, uuid)).errcode).toBe(402);
      expect(Date.now() - started).toBeLessThan(2000);
      expect((await phoneScreen(quick.url, uuid)).html).toContain('二维码已失效');
    } finally {
      await quick.close();
    }
  });

  it('the page script follows WeChat’s codes: 请在微信中确认登录, location.replace, 二维码已失效 and a refresh', async () => {
    const { html } = await openQrPage(sandbox.url);
    expect(html).toContain("status.textContent = '请在微信中确认登录'");
    expect(html).toContain('location.replace(target(match[2]))');
    expect(html).toContain("location.replace(target(''))");
    expect(html).toContain("status.textContent = '二维码已失效'");
    expect(html).toContain('<button type="button" id="refresh" hidden>刷新二维码</button>');
  });
});

describe('phone login screen (/phone/login)', () => {
  it('shows the app, the test users as radio buttons, 确认登录 and 拒绝, and marks the login scanned', async () => {
    const { uuid } = await openQrPage(sandbox.url);
    const { status, html } = await phoneScreen(sandbox.url, uuid);
    expect(status).toBe(200);
    expect(html).toContain(APP.name);
    expect(html).toMatch(
      /<input type="radio" name="user" value="lin" checked>\s*<img src="\/mmopen\/lin\/132" alt=""[^>]*> 林小满/,
    );
    expect(html).toMatch(
      /<input type="radio" name="user" value="zhou">\s*<img src="\/mmopen\/zhou\/132" alt=""[^>]*> 周一鸣/,
    );
    expect(html).toMatch(/<button[^>]*type="submit">确认登录<\/button>/);
    expect(html).toMatch(/<button[^>]*formaction="\/phone\/login\/refuse">拒绝<\/button>/);
    expect((await control(sandbox.url, 'GET', '/sandbox/logins')).json[0].status).toBe('scanned');
  });

  it('confirms as the chosen user, then shows 已确认登录; a second answer changes nothing', async () => {
    const { uuid } = await openQrPage(sandbox.url);
    await phoneScreen(sandbox.url, uuid);
    expect(await phoneSubmit(sandbox.url, 'confirm', { uuid, user: 'lin' })).toEqual({
      status: 303,
      location: `/phone/login?uuid=${uuid}`,
    });
    const after = await phoneScreen(sandbox.url, uuid);
    expect(after.html).toContain('<h1>已确认登录</h1>');
    expect(after.html).toContain('林小满');
    expect(after.html).not.toContain('确认登录</button>');
    await phoneSubmit(sandbox.url, 'refuse', { uuid });
    expect((await control(sandbox.url, 'GET', '/sandbox/logins')).json[0].status).toBe('confirmed');
  });

  it('refuses, then shows 已拒绝', async () => {
    const { uuid } = await openQrPage(sandbox.url);
    await phoneSubmit(sandbox.url, 'refuse', { uuid });
    expect((await phoneScreen(sandbox.url, uuid)).html).toContain('<h1>已拒绝</h1>');
  });

  it('ignores a confirmation without a known user', async () => {
    const { uuid } = await openQrPage(sandbox.url);
    await phoneSubmit(sandbox.url, 'confirm', { uuid, user: 'nobody' });
    expect((await control(sandbox.url, 'GET', '/sandbox/logins')).json[0].status).toBe('waiting');
  });

  it('says so for expired and unknown QR codes', async () => {
    const { uuid } = await openQrPage(sandbox.url);
    await control(sandbox.url, 'POST', '/sandbox/logins/expire', { uuid });
    const expired = await phoneScreen(sandbox.url, uuid);
    expect(expired.html).toContain('<h1>二维码已失效</h1>');
    expect(expired.html).not.toContain('确认登录</button>');
    const unknown = await phoneScreen(sandbox.url, 'NoSuchUuid000000');
    expect(unknown.status).toBe(404);
    expect(unknown.html).toContain('无法识别的二维码');
  });

  it('lists waiting logins on the phone’s home screen', async () => {
    expect(await (await fetch(`${sandbox.url}/phone`)).text()).not.toContain('待确认的登录');
    const { uuid } = await openQrPage(sandbox.url);
    const home = await (await fetch(`${sandbox.url}/phone`)).text();
    expect(home).toContain('待确认的登录');
    expect(home).toContain(`href="/phone/login?uuid=${uuid}">登录 ${APP.name}</a><span>待扫码</span>`);
  });
});

describe('avatars', () => {
  it('serves each test user’s avatar at every size WeChat offers, as SVG', async () => {
    for (const size of ['0', '46', '64', '96', '132']) {
      const response = await fetch(`${sandbox.url}/mmopen/zhou/${size}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
      expect(await response.text()).toContain('>周</text>');
    }
    expect((await fetch(`${sandbox.url}/mmopen/zhou/133`)).status).toBe(404);
    expect((await fetch(`${sandbox.url}/mmopen/nobody/132`)).status).toBe(404);
  });
});
