import type { IncomingMessage, ServerResponse } from 'node:http';
import QRCode from 'qrcode';
import type { SandboxContext } from './context';
import { escapeHtml } from './html';
import { originOf, sendHtml, sendJson } from './http';
import { type LoginApp, type LoginSession, WX_ERRCODES } from './login-store';
import { loginPhonePath } from './phone-login';

// open.weixin.qq.com's side of website login: the QR page (/connect/qrconnect), its QR image
// (/connect/qrcode/<uuid>) and the long poll the page waits on (/connect/l/qrconnect, lp.open.weixin.qq.com
// in production). The QR encodes the sandbox phone page for this login instead of WeChat's confirm URL.

const PARAM_ERROR = '参数错误';
const REDIRECT_URI_ERROR = 'redirect_uri 参数错误';
const SCOPE_ERROR = 'Scope 参数错误或没有 Scope 权限';

/** redirect_uri's host must be the 授权回调域 or below it; the port does not matter. */
function underCallbackDomain(app: LoginApp, redirectUri: string): boolean {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return app.callbackDomains.some((domain) => host === domain || host.endsWith(`.${domain}`));
}

/** The app, or the message of WeChat's error page for these parameters. */
function validate(ctx: SandboxContext, query: URLSearchParams): LoginApp | string {
  const app = ctx.loginApps.get(query.get('appid') ?? '');
  if (!app) return PARAM_ERROR;
  if (!underCallbackDomain(app, query.get('redirect_uri') ?? '')) return REDIRECT_URI_ERROR;
  if (query.get('response_type') !== 'code') return PARAM_ERROR;
  if (!(query.get('scope') ?? '').split(',').includes('snsapi_login')) return SCOPE_ERROR;
  return app;
}

/**
 * Where the browser goes when the phone answers: `redirect_uri?code=CODE&state=STATE` on confirmation,
 * `redirect_uri?state=STATE` on refusal (WeChat's documented behaviour). The page's script does the same.
 */
export function callbackUrl(session: LoginSession): string | null {
  if (session.status !== 'confirmed' && session.status !== 'refused') return null;
  const [base = '', ...hash] = session.redirectUri.split('#');
  const code = session.status === 'confirmed' ? `code=${encodeURIComponent(session.code ?? '')}&` : '';
  const fragment = hash.length > 0 ? `#${hash.join('#')}` : '';
  return `${base}${base.includes('?') ? '&' : '?'}${code}state=${encodeURIComponent(session.state)}${fragment}`;
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;min-height:100vh;background:#333;color:#fff;font:16px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;display:flex;justify-content:center}
main{width:100%;max-width:420px;padding:48px 20px;text-align:center;display:flex;flex-direction:column;align-items:center;gap:12px}
h1{font-size:22px;font-weight:400;margin:0 0 8px}.qr{display:block;background:#fff;image-rendering:pixelated}
.qr.dim{opacity:.15}[role=status]{font-size:17px;margin:4px 0 0}[role=alert]{color:#fa5151;font-size:18px}
.app{color:#aaa;font-size:14px;margin:0}.scanned{color:#07c160;font-size:20px;margin:0}
button{padding:10px 28px;border:0;border-radius:6px;background:#07c160;color:#fff;font-size:16px;cursor:pointer}
footer{color:#777;font-size:12px;margin-top:24px}`;

function loginPage(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>
<style>${STYLE}</style></head><body><main>${body}<footer>微信登录 · 本地沙箱</footer></main></body></html>`;
}

function errorPage(message: string): string {
  return loginPage('微信登录', `<h1>微信登录</h1><p role="alert">${escapeHtml(message)}</p>`);
}

/** The page's script: long-poll, then location.replace to redirect_uri as WeChat's page does. */
function pollScript(session: LoginSession): string {
  const config = JSON.stringify({
    uuid: session.uuid,
    redirectUri: session.redirectUri,
    state: session.state,
  }).replace(/</g, '\\u003c');
  return `<script>(() => {
const cfg = ${config};
const status = document.getElementById('login-status');
const qr = document.querySelector('[data-testid="login-qr"]');
const scanned = document.getElementById('scanned');
const refresh = document.getElementById('refresh');
refresh.addEventListener('click', () => location.reload());
const target = (code) => {
  const [base, ...hash] = cfg.redirectUri.split('#');
  const query = (code ? 'code=' + encodeURIComponent(code) + '&' : '') + 'state=' + encodeURIComponent(cfg.state);
  return base + (base.includes('?') ? '&' : '?') + query + (hash.length ? '#' + hash.join('#') : '');
};
let last = '';
const poll = async () => {
  let text = '';
  try {
    const response = await fetch('/connect/l/qrconnect?uuid=' + cfg.uuid + (last ? '&last=' + last : '') + '&_=' + Date.now(), { cache: 'no-store' });
    text = await response.text();
  } catch {}
  const match = /wx_errcode=(\\d+);window\\.wx_code='([^']*)'/.exec(text);
  if (!match) return setTimeout(poll, 2000);
  last = match[1];
  if (last === '405') { status.textContent = '登录成功，正在跳转'; return location.replace(target(match[2])); }
  if (last === '403') { status.textContent = '你已取消此次登录'; return location.replace(target('')); }
  if (last === '402') {
    status.textContent = '二维码已失效';
    scanned.hidden = true;
    qr.classList.add('dim');
    refresh.hidden = false;
    return;
  }
  if (last === '404') { scanned.hidden = false; qr.classList.add('dim'); status.textContent = '请在微信中确认登录'; }
  poll();
};
poll();
})();</script>`;
}

function qrPage(app: LoginApp, session: LoginSession): string {
  return loginPage(
    '微信登录',
    `<h1>微信登录</h1>
<img class="qr" data-testid="login-qr" src="/connect/qrcode/${session.uuid}" alt="微信登录二维码">
<p class="scanned" id="scanned" hidden>扫描成功</p>
<p role="status" id="login-status">使用微信扫一扫登录</p>
<p class="app">“${escapeHtml(app.name)}”</p>
<button type="button" id="refresh" hidden>刷新二维码</button>
${pollScript(session)}`,
  );
}

// GET /connect/qrconnect?appid&redirect_uri&response_type=code&scope=snsapi_login[&state][&lang]
function renderQrconnect(ctx: SandboxContext, response: ServerResponse, query: URLSearchParams): void {
  const app = validate(ctx, query);
  // WeChat answers its parameter error pages with HTTP 200 (a page, not an API error).
  if (typeof app === 'string') {
    sendHtml(response, 200, errorPage(app));
    return;
  }
  const session = ctx.logins.create(app.appid, query.get('redirect_uri') ?? '', query.get('state') ?? '');
  ctx.logger.info({ uuid: session.uuid, appid: app.appid }, 'login started');
  sendHtml(response, 200, qrPage(app, session));
}

// GET /connect/qrcode/<uuid>: a PNG of the phone page's URL (still served once expired, as WeChat does)
async function sendQrImage(
  ctx: SandboxContext,
  request: IncomingMessage,
  response: ServerResponse,
  uuid: string,
) {
  if (!ctx.logins.get(uuid)) return sendJson(response, 404, { code: 'NOT_FOUND', message: '二维码不存在' });
  const png = await QRCode.toBuffer(`${originOf(request)}${loginPhonePath(uuid)}`, {
    type: 'png',
    errorCorrectionLevel: 'M',
    margin: 4,
    scale: 8,
  });
  response.writeHead(200, {
    'Content-Type': 'image/png',
    'Content-Length': String(png.length),
    'Cache-Control': 'no-store',
  });
  response.end(png);
}

// GET /connect/l/qrconnect?uuid&last: held while the state is still `last` (408 when absent), up to
// loginPollHoldMs or the QR's expiry, then `window.wx_errcode=N;window.wx_code='…';`.
async function longPoll(ctx: SandboxContext, response: ServerResponse, query: URLSearchParams) {
  const uuid = query.get('uuid') ?? '';
  const last = Number(query.get('last') ?? WX_ERRCODES.waiting);
  const before = ctx.logins.get(uuid);
  if (before && ctx.logins.isOpen(before) && WX_ERRCODES[before.status] === last) {
    // A few ms past the expiry, so that the re-read below sees it.
    await ctx.logins.waitForChange(Math.min(ctx.loginPollHoldMs, before.expiresAtMs - Date.now() + 5));
  }
  const session = ctx.logins.get(uuid);
  const errcode = session ? WX_ERRCODES[session.status] : WX_ERRCODES.expired;
  const code = session?.status === 'confirmed' ? (session.code ?? '') : '';
  const text = `window.wx_errcode=${errcode};window.wx_code='${code}';`;
  response.writeHead(200, {
    'Content-Type': 'application/javascript; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

export async function handleConnect(
  ctx: SandboxContext,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const image = /^\/connect\/qrcode\/([A-Za-z0-9]+)$/.exec(url.pathname);
  if (request.method === 'GET' && url.pathname === '/connect/qrconnect') {
    return renderQrconnect(ctx, response, url.searchParams);
  }
  if (request.method === 'GET' && url.pathname === '/connect/l/qrconnect') {
    return longPoll(ctx, response, url.searchParams);
  }
  if (request.method === 'GET' && image?.[1]) return sendQrImage(ctx, request, response, image[1]);
  sendJson(response, 404, { code: 'NOT_FOUND', message: `no route ${request.method} ${url.pathname}` });
}
