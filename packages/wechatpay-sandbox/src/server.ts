import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleApi } from './api-route';
import { loadMerchantIdentity } from './auth';
import type { SandboxContext } from './context';
import { handleControl } from './control';
import { type ApiFault, CallCounter, ENDPOINTS, FaultQueue } from './faults';
import { isLoopback, sendJson } from './http';
import { Notifier } from './notify';
import { handlePhone } from './phone-page';
import { randomAlphanumeric } from './random';
import { WechatpaySigner } from './signing';
import { OrderStore } from './store';

// A local stand-in for WeChat Pay API v3 (Native): the real protocol and real cryptography, on one port.
// Independent of lib/wechat-pay on purpose: the merchant adapter is tested against this implementation.

export interface SandboxOptions {
  /** 0 = a random free port. Default 0. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  mchid: string;
  appid: string;
  /** Serial of the merchant API certificate the merchant signs with. */
  merchantSerialNo: string;
  /** Verifies the merchant's request signatures. */
  merchantPublicKeyPem: string;
  /** Signs responses and notifications. */
  wechatpayPrivateKeyPem: string;
  /** `PUB_KEY_ID_…`, sent as Wechatpay-Serial. */
  wechatpayPublicKeyId: string;
  /** 32 bytes; encrypts notification resources. */
  apiV3Key: string;
  /** Divides WeChat's notification retry delays (and real-time waits). Default 1. */
  timeScale?: number;
  /** Shown on the phone page. */
  merchantName?: string;
  log?: (message: string) => void;
}

export interface RunningSandbox {
  url: string;
  close(): Promise<void>;
}

function checkOptions(opts: SandboxOptions): void {
  if (Buffer.byteLength(opts.apiV3Key, 'utf8') !== 32) throw new Error('apiV3Key must be exactly 32 bytes');
  if (!opts.wechatpayPublicKeyId.startsWith('PUB_KEY_ID_')) {
    throw new Error('wechatpayPublicKeyId must start with PUB_KEY_ID_');
  }
  if (opts.timeScale !== undefined && !(opts.timeScale > 0)) throw new Error('timeScale must be > 0');
}

function createContext(opts: SandboxOptions): SandboxContext {
  const log = opts.log ?? (() => {});
  const signer = new WechatpaySigner(opts.wechatpayPrivateKeyPem, opts.wechatpayPublicKeyId);
  return {
    mchid: opts.mchid,
    appid: opts.appid,
    merchantName: opts.merchantName ?? '本地测试商户',
    merchant: loadMerchantIdentity(opts.mchid, opts.merchantSerialNo, opts.merchantPublicKeyPem),
    signer,
    store: new OrderStore(),
    notifier: new Notifier(signer, opts.apiV3Key, opts.timeScale ?? 1, log),
    apiFaults: new FaultQueue<ApiFault>(),
    calls: new CallCounter(ENDPOINTS),
    payerOpenid: `o${randomAlphanumeric(27)}`,
    log,
  };
}

async function route(ctx: SandboxContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://sandbox.invalid');
  if (url.pathname.startsWith('/v3/')) return handleApi(ctx, request, response, url);
  if (url.pathname === '/sandbox' || url.pathname.startsWith('/sandbox/')) {
    // The control API can pay orders: keep it off the network even when the sandbox listens on 0.0.0.0.
    if (!isLoopback(request.socket.remoteAddress)) {
      return sendJson(response, 403, { code: 'FORBIDDEN', message: 'control API is loopback-only' });
    }
    return handleControl(ctx, request, response, url);
  }
  if (url.pathname === '/phone' || url.pathname.startsWith('/phone/')) {
    return handlePhone(ctx, request, response, url);
  }
  if (url.pathname === '/') {
    response.writeHead(302, { Location: '/phone' }).end();
    return;
  }
  sendJson(response, 404, { code: 'NOT_FOUND', message: `no route ${request.method} ${url.pathname}` });
}

export async function startSandbox(opts: SandboxOptions): Promise<RunningSandbox> {
  checkOptions(opts);
  const ctx = createContext(opts);
  const server = createServer((request, response) => {
    route(ctx, request, response).catch((error: unknown) => {
      ctx.log(`sandbox error on ${request.method} ${request.url}: ${String(error)}`);
      if (!response.headersSent) sendJson(response, 500, { code: 'SYSTEM_ERROR', message: 'sandbox error' });
      else response.destroy();
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    close: async () => {
      ctx.notifier.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
