import { generateDevKeySet } from '../../src/keys';
import { type LoginAppOptions, type SandboxOptions, startSandbox } from '../../src/server';

// The website application's side of WeChat login, written from WeChat's documentation with fetch only:
// open the QR page, long-poll like the page does, act as the phone through its forms, call /sns/….

// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary JSON from the wire
type Json = any;

export const APP = {
  appid: 'wx0a1b2c3d4e5f6a7b',
  secret: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  name: '本地充值演示',
  callbackDomain: ['127.0.0.1', 'example.com'],
  unionid: true,
} satisfies LoginAppOptions;

/** An app not bound to an open-platform account: no unionid. */
export const PLAIN_APP = {
  appid: 'wx1122334455667788',
  secret: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  name: '另一个网站',
  callbackDomain: 'example.org',
  unionid: false,
} satisfies LoginAppOptions;

export const REDIRECT_URI = 'http://127.0.0.1:3000/api/auth/wechat/callback';

export function startLoginSandbox(extra: Partial<SandboxOptions> = {}) {
  return startSandbox({
    ...generateDevKeySet(),
    port: 0,
    loginApps: [APP, PLAIN_APP],
    loginPollHoldMs: 300,
    ...extra,
  });
}

function qrconnectUrl(base: string, params: Record<string, string | undefined> = {}): string {
  const query = new URLSearchParams();
  const all = {
    appid: APP.appid,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'snsapi_login',
    state: 'st-123',
    ...params,
  };
  for (const [name, value] of Object.entries(all)) if (value !== undefined) query.set(name, value);
  return `${base}/connect/qrconnect?${query}#wechat_redirect`;
}

/** Opens the QR page; returns the login's uuid (from the QR image's URL) and the page. */
export async function openQrPage(base: string, params: Record<string, string | undefined> = {}) {
  const response = await fetch(qrconnectUrl(base, params));
  const html = await response.text();
  const uuid = /src="\/connect\/qrcode\/([A-Za-z0-9]+)"/.exec(html)?.[1] ?? '';
  return { status: response.status, html, uuid };
}

/** One long poll, as the QR page sends it. */
export async function poll(base: string, uuid: string, last?: number) {
  const response = await fetch(
    `${base}/connect/l/qrconnect?uuid=${uuid}${last ? `&last=${last}` : ''}&_=${Date.now()}`,
  );
  const text = await response.text();
  const match = /^window\.wx_errcode=(\d+);window\.wx_code='([^']*)';$/.exec(text);
  if (!match) throw new Error(`unexpected long-poll answer: ${text}`);
  return {
    errcode: Number(match[1]),
    code: match[2] ?? '',
    contentType: response.headers.get('content-type'),
  };
}

/** A form post of the phone's login screen; returns where it redirects. */
export async function phoneSubmit(
  base: string,
  action: 'confirm' | 'refuse',
  fields: Record<string, string>,
) {
  const response = await fetch(`${base}/phone/login/${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  return { status: response.status, location: response.headers.get('location') };
}

export async function phoneScreen(base: string, uuid: string) {
  const response = await fetch(`${base}/phone/login?uuid=${uuid}`);
  return { status: response.status, html: await response.text() };
}

export async function sns(base: string, path: string, params: Record<string, string>, method = 'GET') {
  const response = await fetch(`${base}${path}?${new URLSearchParams(params)}`, { method });
  const text = await response.text();
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type'), text, json };
}

export async function control(base: string, method: 'GET' | 'POST', path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Json };
}

export async function mintCode(base: string, user = 'lin', appid = APP.appid): Promise<string> {
  const { status, json } = await control(base, 'POST', '/sandbox/oauth/code', { appid, user });
  if (status !== 200) throw new Error(`minting a code failed: ${JSON.stringify(json)}`);
  return json.code;
}

export function exchange(base: string, code: string, app: { appid: string; secret: string } = APP) {
  return sns(base, '/sns/oauth2/access_token', {
    appid: app.appid,
    secret: app.secret,
    code,
    grant_type: 'authorization_code',
  });
}

/** errcode and errmsg without WeChat's `, rid: …` suffix (checked to be there). */
export function wechatError(json: Json): { errcode: number; errmsg: string } {
  const errmsg = String(json?.errmsg ?? '');
  const rid = /, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;
  if (!rid.test(errmsg)) throw new Error(`errmsg without a rid: ${errmsg}`);
  return { errcode: json.errcode, errmsg: errmsg.replace(rid, '') };
}
