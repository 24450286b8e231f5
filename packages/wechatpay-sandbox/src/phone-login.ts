import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxContext } from './context';
import { escapeHtml, page } from './html';
import { readBody, redirect, sendHtml } from './http';
import type { LoginSession } from './login-store';
import { avatarPath, findLoginUser, LOGIN_USERS, type LoginUser } from './login-users';

// /phone/login?uuid=…: what the phone shows after scanning a login QR code. Opening it marks the login
// scanned; the user picks a test user and presses 确认登录 or 拒绝 (plain form posts, like the payment
// screens). Radio buttons are named by nickname: getByRole('radio', { name: '林小满' }).

const HEADER = '微信 · 本地沙箱';

export function loginPhonePath(uuid: string): string {
  return `/phone/login?uuid=${encodeURIComponent(uuid)}`;
}

function appName(ctx: SandboxContext, session: LoginSession): string {
  return ctx.loginApps.get(session.appid)?.name ?? session.appid;
}

function userRow(user: LoginUser, checked: boolean): string {
  return `<label class="row"><span><input type="radio" name="user" value="${user.key}"${checked ? ' checked' : ''}>
<img src="${avatarPath(user)}" alt="" width="32" height="32"> ${escapeHtml(user.nickname)}</span></label>`;
}

function confirmScreen(ctx: SandboxContext, session: LoginSession): string {
  return page(
    '微信登录确认',
    `<h1>登录确认</h1><p class="merchant">${escapeHtml(appName(ctx, session))}</p>
<p role="status">该网站申请使用你的微信头像、昵称登录</p>
<form method="post" action="/phone/login/confirm"><input type="hidden" name="uuid" value="${session.uuid}">
<fieldset><legend>登录的微信用户</legend>${LOGIN_USERS.map((u, i) => userRow(u, i === 0)).join('')}</fieldset>
<p><button class="pay" type="submit">确认登录</button>
<button class="secondary" type="submit" formaction="/phone/login/refuse">拒绝</button></p></form>`,
    HEADER,
  );
}

function outcomeScreen(ctx: SandboxContext, session: LoginSession): string {
  const app = escapeHtml(appName(ctx, session));
  switch (session.status) {
    case 'confirmed': {
      const user = findLoginUser(session.userKey ?? '');
      return page(
        '已确认登录',
        `<p class="ok" aria-hidden="true">✓</p><h1>已确认登录</h1><p class="merchant">${app}</p>
<p role="status">已使用 ${escapeHtml(user?.nickname ?? '')} 的微信身份登录，请回到电脑上继续</p><a class="link" href="/phone">完成</a>`,
        HEADER,
      );
    }
    case 'refused':
      return page(
        '已拒绝',
        `<h1>已拒绝</h1><p class="merchant">${app}</p><p role="status">已拒绝登录该网站</p><a class="link" href="/phone">返回</a>`,
        HEADER,
      );
    default:
      return page(
        '二维码已失效',
        `<h1>二维码已失效</h1><p class="merchant">${app}</p>
<p role="alert">二维码已失效，请在电脑上刷新二维码后重新扫描</p><a class="link" href="/phone">返回</a>`,
        HEADER,
      );
  }
}

function unknownScreen(uuid: string): string {
  return page(
    '无法识别',
    `<h1>无法识别的二维码</h1><p role="alert">未找到该登录二维码：${escapeHtml(uuid)}</p><a class="link" href="/phone">返回</a>`,
    HEADER,
  );
}

/** Open logins for the phone's home screen, newest first. */
export function waitingLoginsList(ctx: SandboxContext): string {
  const open = ctx.logins.list().filter((s) => ctx.logins.isOpen(s));
  if (open.length === 0) return '';
  const items = open
    .slice(0, 10)
    .map(
      (s) =>
        `<li class="row"><a href="${loginPhonePath(s.uuid)}">登录 ${escapeHtml(appName(ctx, s))}</a><span>${s.status === 'scanned' ? '已扫码' : '待扫码'}</span></li>`,
    )
    .join('');
  return `<h2>待确认的登录</h2><ul>${items}</ul>`;
}

export async function handlePhoneLogin(
  ctx: SandboxContext,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  if (request.method === 'GET' && url.pathname === '/phone/login') {
    const uuid = url.searchParams.get('uuid') ?? '';
    const session = ctx.logins.get(uuid);
    if (!session) return sendHtml(response, 404, unknownScreen(uuid));
    ctx.logins.scan(session);
    const open = ctx.logins.isOpen(session);
    return sendHtml(response, 200, open ? confirmScreen(ctx, session) : outcomeScreen(ctx, session));
  }
  if (request.method !== 'POST') return sendHtml(response, 404, unknownScreen(''));
  const form = new URLSearchParams(await readBody(request));
  const uuid = form.get('uuid') ?? '';
  const session = ctx.logins.get(uuid);
  if (session && url.pathname === '/phone/login/confirm') {
    const user = findLoginUser(form.get('user') ?? '');
    if (user && ctx.logins.confirm(session, user.key))
      ctx.logger.info({ uuid, user: user.key }, 'login confirmed');
  } else if (session && url.pathname === '/phone/login/refuse') {
    if (ctx.logins.refuse(session)) ctx.logger.info({ uuid }, 'login refused');
  }
  // Whatever happened (already answered, expired, unknown), the page shows the login's real state.
  redirect(response, loginPhonePath(uuid));
}
