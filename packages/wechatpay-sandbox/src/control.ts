import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { closeOrderBySandbox, failOrder, payOrder } from './actions';
import { billControlRoutes } from './bill-control';
import { certificateControlRoutes, resetCertificates } from './certificate-control';
import type { SandboxContext } from './context';
import { WechatPayError } from './errors';
import { API_FAULT_KINDS, ENDPOINTS, noNotificationFaults } from './faults';
import { originOf, readBody, sendJson } from './http';
import { loginControlRoutes, resetLogins } from './login-control';
import { describeOrder, findOrder } from './order-ref';
import { refundControlRoutes, resetRefundFaults, resetRefunds } from './refund-control';

// /sandbox/… : the JSON control API for tests and demos (documented in README.md). Loopback only
// (enforced in server.ts), no auth, unsigned: it is not part of WeChat's protocol.

const apiFaultSchema = z.object({
  endpoint: z.enum([...ENDPOINTS, 'any']).default('any'),
  kind: z.enum(API_FAULT_KINDS),
  count: z.number().int().positive().default(1),
  delayMs: z.number().int().nonnegative().default(0),
  afterProcessing: z.boolean().default(false),
});

const notificationFaultSchema = z.object({
  drop: z.number().int().nonnegative().optional(),
  lose: z.number().int().nonnegative().optional(),
  delayMs: z.number().int().nonnegative().optional(),
  duplicate: z.number().int().min(2).optional(),
  concurrent: z.boolean().default(false),
});

/** `notify: false` pays at WeChat without sending the payment notification. */
const payOptions = z.object({ notify: z.boolean().default(true) });

function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new WechatPayError(400, 'PARAM_ERROR', 'body is not valid JSON');
  }
}

type Handler = (ctx: SandboxContext, body: unknown, url: URL, origin: string) => unknown;

const routes: Record<string, Handler> = {
  'GET /sandbox/health': (ctx) => ({ ok: true, mchid: ctx.mchid, appid: ctx.appid }),
  'GET /sandbox/orders': (ctx, _b, _u, origin) => ctx.store.list().map((o) => describeOrder(o, origin)),
  'GET /sandbox/order': (ctx, _b, url, origin) =>
    describeOrder(findOrder(ctx, Object.fromEntries(url.searchParams)), origin),
  'POST /sandbox/pay': (ctx, body, _u, origin) => {
    const { notify } = payOptions.parse(body);
    return describeOrder(payOrder(ctx, findOrder(ctx, body), { notify }), origin);
  },
  'POST /sandbox/fail': (ctx, body, _u, origin) =>
    describeOrder(failOrder(ctx, findOrder(ctx, body)), origin),
  'POST /sandbox/close': (ctx, body, _u, origin) =>
    describeOrder(closeOrderBySandbox(ctx, findOrder(ctx, body)), origin),
  'POST /sandbox/notify': (ctx, body) => {
    const order = findOrder(ctx, body);
    if (order.state !== 'SUCCESS')
      throw new WechatPayError(409, 'ORDER_NOT_PAID', '只有已支付订单才有支付通知');
    return { event_id: ctx.notifier.notifyPaid(order) };
  },
  'POST /sandbox/probe': (ctx, body) => ctx.notifier.probe(findOrder(ctx, body)),
  'GET /sandbox/notifications': (ctx, _b, url) => {
    const outTradeNo = url.searchParams.get('out_trade_no');
    const outRefundNo = url.searchParams.get('out_refund_no');
    return ctx.notifier
      .entriesLog()
      .filter(
        (e) =>
          (!outTradeNo || e.outTradeNo === outTradeNo) && (!outRefundNo || e.outRefundNo === outRefundNo),
      );
  },
  'GET /sandbox/stats': (ctx) => ({
    calls: ctx.calls.snapshot(),
    loginCalls: ctx.loginCalls.snapshot(),
    notifications: {
      attempts: ctx.notifier.entriesLog().filter((e) => e.kind === 'notification').length,
      pendingRetries: ctx.notifier.pendingRetries(),
    },
  }),
  'GET /sandbox/faults': (ctx) => ({
    api: ctx.apiFaults.list(),
    notifications: ctx.notifier.faults,
    refunds: ctx.refundFaults,
    oauth: ctx.oauthFaults.list(),
  }),
  'POST /sandbox/faults/api': (ctx, body) => {
    const { count, ...fault } = apiFaultSchema.parse(body);
    ctx.apiFaults.add({ ...fault, remaining: count });
    return { api: ctx.apiFaults.list() };
  },
  'POST /sandbox/faults/notifications': (ctx, body) => {
    const input = notificationFaultSchema.parse(body);
    const faults = ctx.notifier.faults;
    if (input.drop !== undefined) faults.drop = input.drop;
    if (input.lose !== undefined) faults.lose = input.lose;
    if (input.delayMs !== undefined) faults.delayMs = input.delayMs;
    if (input.duplicate !== undefined)
      faults.duplicate = { copies: input.duplicate, concurrent: input.concurrent };
    return { notifications: faults };
  },
  'POST /sandbox/faults/reset': (ctx) => {
    ctx.apiFaults.reset();
    ctx.oauthFaults.reset();
    ctx.notifier.faults = noNotificationFaults();
    resetRefundFaults(ctx);
    return { ok: true };
  },
  'POST /sandbox/reset': (ctx) => {
    ctx.apiFaults.reset();
    ctx.notifier.faults = noNotificationFaults();
    ctx.notifier.reset();
    ctx.calls.reset();
    ctx.store.clear();
    resetRefunds(ctx);
    resetLogins(ctx);
    resetCertificates(ctx);
    return { ok: true };
  },
  ...refundControlRoutes,
  ...billControlRoutes,
  ...certificateControlRoutes,
  ...loginControlRoutes,
};

export async function handleControl(
  ctx: SandboxContext,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  try {
    const handler = routes[`${request.method} ${url.pathname}`];
    if (!handler)
      throw new WechatPayError(404, 'NOT_FOUND', `no control route ${request.method} ${url.pathname}`);
    const body = request.method === 'POST' ? parseJson(await readBody(request)) : {};
    sendJson(response, 200, await handler(ctx, body, url, originOf(request)));
  } catch (error) {
    if (error instanceof WechatPayError) {
      sendJson(response, error.status, { code: error.code, message: error.message });
    } else if (error instanceof z.ZodError) {
      sendJson(response, 400, { code: 'PARAM_ERROR', message: z.prettifyError(error) });
    } else {
      throw error;
    }
  }
}
