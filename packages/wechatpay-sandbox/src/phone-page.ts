import type { IncomingMessage, ServerResponse } from 'node:http';
import { failOrder, payOrder } from './actions';
import type { SandboxContext } from './context';
import { WechatPayError } from './errors';
import { escapeHtml, page } from './html';
import { readBody, redirect, sendHtml } from './http';
import { handlePhoneLogin, waitingLoginsList } from './phone-login';
import type { Order } from './store';

// GET /phone: a phone-sized stand-in for WeChat's "scan → confirm → pay" screens, server-rendered with
// plain form posts. Buttons have stable accessible names for Playwright: 支付 and 模拟付款失败 (the latter
// avoids the word 支付 so that getByRole('button', { name: '支付' }) matches exactly one button).
// /phone/login… (the login QR's screen) is phone-login.ts; the home screen lists both kinds of waiting work.

function formatYuan(fen: number): string {
  return `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

function scanForm(): string {
  return `<form method="get" action="/phone"><label for="code_url">二维码链接（code_url）</label>
<input id="code_url" name="code_url" placeholder="weixin://wxpay/bizpayurl?pr=…" required>
<p><button class="pay" type="submit">打开</button></p></form>`;
}

function orderSummary(ctx: SandboxContext, order: Order): string {
  return `<p class="merchant">${escapeHtml(ctx.merchantName)}</p>
<p class="amount" data-testid="amount">${formatYuan(order.total)}</p>
<div class="row"><span>商品</span><span>${escapeHtml(order.description)}</span></div>`;
}

function renderOrder(ctx: SandboxContext, order: Order): string {
  const hidden = `<input type="hidden" name="code_url" value="${escapeHtml(order.codeUrl)}">`;
  switch (order.state) {
    case 'NOTPAY':
      return page(
        '确认付款',
        `<h1>确认付款</h1>${orderSummary(ctx, order)}<div class="row"><span>付款方式</span><span>零钱</span></div>
<form method="post" action="/phone/pay">${hidden}<button class="pay" type="submit">支付</button>
<button class="secondary" type="submit" formaction="/phone/fail">模拟付款失败</button></form>`,
      );
    case 'SUCCESS':
      return page(
        '支付成功',
        `<p class="ok" aria-hidden="true">✓</p><h1>支付成功</h1>${orderSummary(ctx, order)}
<p role="status">商户已收到付款通知（如未收到，微信支付会按计划重试）</p><a class="link" href="/phone">完成</a>`,
      );
    case 'PAYERROR':
      return page(
        '支付失败',
        `<p class="bad" aria-hidden="true">!</p><h1>支付失败</h1>${orderSummary(ctx, order)}
<p role="alert">支付未成功，请返回商户页面重新下单</p><a class="link" href="/phone">返回</a>`,
      );
    case 'CLOSED': {
      const expired = order.closedBy === 'expiry';
      const title = expired ? '二维码已过期' : '订单已关闭';
      return page(
        title,
        `<h1>${title}</h1>${orderSummary(ctx, order)}
<p role="alert">${expired ? '二维码已过期，请重新下单' : '订单已关闭，无法支付，请重新下单'}</p><a class="link" href="/phone">返回</a>`,
      );
    }
  }
}

function renderHome(ctx: SandboxContext): string {
  const payable = ctx.store
    .list()
    .filter((o) => o.state === 'NOTPAY')
    .slice(0, 10)
    .map(
      (o) =>
        `<li class="row"><a href="/phone?code_url=${encodeURIComponent(o.codeUrl)}">${escapeHtml(o.description)}</a><span>${formatYuan(o.total)}</span></li>`,
    )
    .join('');
  return page(
    '扫一扫',
    `<h1>扫一扫</h1>${scanForm()}${waitingLoginsList(ctx)}<h2>待支付订单</h2>${payable ? `<ul>${payable}</ul>` : '<p role="status">暂无待支付订单</p>'}`,
  );
}

function renderUnknown(codeUrl: string): string {
  return page(
    '无法识别',
    `<h1>无法识别的二维码</h1><p role="alert">未找到该二维码对应的订单：${escapeHtml(codeUrl)}</p>${scanForm()}`,
  );
}

const LOGIN_PATHS = ['/phone/login', '/phone/login/confirm', '/phone/login/refuse'];

const PAYER_ACTIONS: Record<string, (ctx: SandboxContext, order: Order) => Order> = {
  '/phone/pay': (ctx, order) => payOrder(ctx, order),
  '/phone/fail': failOrder,
};

export async function handlePhone(
  ctx: SandboxContext,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  if (LOGIN_PATHS.includes(url.pathname)) return handlePhoneLogin(ctx, request, response, url);
  if (request.method === 'GET' && url.pathname === '/phone') {
    const codeUrl = url.searchParams.get('code_url')?.trim();
    if (!codeUrl) return sendHtml(response, 200, renderHome(ctx));
    const order = ctx.store.getByCodeUrl(codeUrl);
    return sendHtml(response, order ? 200 : 404, order ? renderOrder(ctx, order) : renderUnknown(codeUrl));
  }
  const action = request.method === 'POST' ? PAYER_ACTIONS[url.pathname] : undefined;
  if (!action)
    return sendHtml(response, 404, page('未找到', '<h1>未找到</h1><a class="link" href="/phone">返回</a>'));

  const codeUrl = new URLSearchParams(await readBody(request)).get('code_url') ?? '';
  const order = ctx.store.getByCodeUrl(codeUrl);
  if (order) {
    try {
      action(ctx, order);
    } catch (error) {
      // Paying a closed or already-paid order: the page we redirect to shows the order's real state.
      if (!(error instanceof WechatPayError)) throw error;
    }
  }
  redirect(response, `/phone?code_url=${encodeURIComponent(codeUrl)}`);
}
