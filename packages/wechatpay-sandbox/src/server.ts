import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleApi } from './api-route';
import { loadMerchantIdentity } from './auth';
import { handleAvatar } from './avatar-route';
import { BillFiles } from './bill-files';
import type { SandboxContext } from './context';
import { handleControl } from './control';
import { type ApiFault, CallCounter, ENDPOINTS, FaultQueue, noRefundFaults } from './faults';
import { FeeRate } from './fee-rate';
import { isLoopback, sendJson } from './http';
import { type SandboxLogger, silentLogger } from './logger';
import { type LoginApp, LoginStore } from './login-store';

export { type SandboxLogger, silentLogger } from './logger';

import { Notifier } from './notify';
import { type OAuthFault, SNS_ENDPOINTS } from './oauth-faults';
import { handlePhone } from './phone-page';
import { PlatformKeys, VERIFICATION_MODES, type VerificationMode } from './platform-keys';
import { handleConnect } from './qrconnect';
import { randomAlphanumeric } from './random';
import { RefundStore } from './refund-store';
import { isAcceptableNotifyUrl } from './schemas';
import { handleSns } from './sns-route';
import { OrderStore } from './store';
import { Timers } from './timers';

// A local stand-in for WeChat Pay API v3 (Native): the real protocol and real cryptography, on one port.
// It also stands in for WeChat website login (open.weixin.qq.com/connect/qrconnect and api.weixin.qq.com/sns/…).
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
  /** `PUB_KEY_ID_…`, sent as Wechatpay-Serial when signing with the public key. */
  wechatpayPublicKeyId: string;
  /**
   * How WeChat signs: with the public key (default; what new merchants get), with platform certificates
   * that the merchant downloads from GET /v3/certificates (issued at start by a sandbox CA), or both (the
   * switch-over from certificates to the public key).
   */
  verificationMode?: VerificationMode;
  /** Validity of the platform certificates the sandbox issues. Default 5 years (WeChat's). */
  certificateValidityDays?: number;
  /** 32 bytes; encrypts notification resources. */
  apiV3Key: string;
  /** Divides WeChat's notification retry delays, and refundDelaySeconds. Default 1. */
  timeScale?: number;
  /**
   * How long a refund stays PROCESSING before it succeeds (WeChat: 零钱 refunds within minutes). Divided
   * by timeScale. Default 10.
   */
  refundDelaySeconds?: number;
  /**
   * The merchant's refund notify URL as configured in WeChat's merchant portal: used for refunds whose
   * request has no notify_url, and for portal refunds. Default none (those refunds are not notified).
   */
  refundNotifyUrl?: string;
  /** The merchant's fee rate (手续费费率), shown in the trade bill. Default 0.006 (0.60%). */
  feeRate?: number;
  /** Shown on the phone page. */
  merchantName?: string;
  /** Website applications for WeChat login (网站应用微信登录). Default none: the login endpoints answer 40013. */
  loginApps?: LoginAppOptions[];
  /** How long a login QR code stays valid. Default 5 minutes (what WeChat's page shows). Not scaled. */
  loginQrTtlMs?: number;
  /** Longest time the login long poll holds an unchanged answer. Default 25 s (WeChat's). */
  loginPollHoldMs?: number;
  /** Where the sandbox logs (pino-shaped; the CLI passes @recharge/log's). Default: nowhere. */
  logger?: SandboxLogger;
}

export interface LoginAppOptions {
  appid: string;
  secret: string;
  /** Shown on the QR page and the phone's confirmation screen. */
  name: string;
  /**
   * WeChat's 授权回调域: a hostname (or several); redirect_uri's hostname must equal one of them or be a
   * subdomain of it. The port is not compared.
   */
  callbackDomain: string | string[];
  /** Whether the app is bound to an open-platform account, i.e. whether unionid is returned. */
  unionid: boolean;
}

const DEFAULT_LOGIN_QR_TTL_MS = 5 * 60 * 1000;
const DEFAULT_REFUND_DELAY_SECONDS = 10;
const DEFAULT_FEE_RATE = 0.006;
const DEFAULT_LOGIN_POLL_HOLD_MS = 25_000;

export interface RunningSandbox {
  url: string;
  close(): Promise<void>;
}

function checkOptions(opts: SandboxOptions): void {
  if (Buffer.byteLength(opts.apiV3Key, 'utf8') !== 32) throw new Error('apiV3Key must be exactly 32 bytes');
  if (!opts.wechatpayPublicKeyId.startsWith('PUB_KEY_ID_')) {
    throw new Error('wechatpayPublicKeyId must start with PUB_KEY_ID_');
  }
  if (opts.verificationMode !== undefined && !VERIFICATION_MODES.includes(opts.verificationMode)) {
    throw new Error(`verificationMode must be one of ${VERIFICATION_MODES.join(', ')}`);
  }
  if (opts.certificateValidityDays !== undefined && !(opts.certificateValidityDays > 0)) {
    throw new Error('certificateValidityDays must be > 0');
  }
  if (opts.timeScale !== undefined && !(opts.timeScale > 0)) throw new Error('timeScale must be > 0');
  if (opts.refundDelaySeconds !== undefined && !(opts.refundDelaySeconds >= 0)) {
    throw new Error('refundDelaySeconds must be ≥ 0');
  }
  if (opts.refundNotifyUrl !== undefined && !isAcceptableNotifyUrl(opts.refundNotifyUrl)) {
    throw new Error('refundNotifyUrl must be an https URL without a query (http for this machine)');
  }
  const appids = (opts.loginApps ?? []).map((a) => a.appid);
  if (new Set(appids).size !== appids.length) throw new Error('loginApps: appids must differ');
  for (const app of opts.loginApps ?? []) {
    if (!app.appid || !app.secret) throw new Error('loginApps: appid and secret are required');
    if (callbackDomains(app).length === 0)
      throw new Error(`loginApps ${app.appid}: callbackDomain is required`);
  }
  for (const name of ['loginQrTtlMs', 'loginPollHoldMs'] as const) {
    const value = opts[name];
    if (value !== undefined && !(value > 0)) throw new Error(`${name} must be > 0`);
  }
}

function callbackDomains(app: LoginAppOptions): string[] {
  const domains = typeof app.callbackDomain === 'string' ? [app.callbackDomain] : app.callbackDomain;
  return domains.map((d) => d.trim().toLowerCase()).filter(Boolean);
}

function loginApps(opts: SandboxOptions): Map<string, LoginApp> {
  return new Map(
    (opts.loginApps ?? []).map((app) => [app.appid, { ...app, callbackDomains: callbackDomains(app) }]),
  );
}

function createContext(opts: SandboxOptions): SandboxContext {
  const logger = opts.logger ?? silentLogger;
  const platformKeys = new PlatformKeys({
    mode: opts.verificationMode ?? 'public-key',
    publicKeyId: opts.wechatpayPublicKeyId,
    publicKeyPrivatePem: opts.wechatpayPrivateKeyPem,
    certificateValidityDays: opts.certificateValidityDays,
  });
  return {
    mchid: opts.mchid,
    appid: opts.appid,
    merchantName: opts.merchantName ?? '本地测试商户',
    merchant: loadMerchantIdentity(opts.mchid, opts.merchantSerialNo, opts.merchantPublicKeyPem),
    platformKeys,
    apiV3Key: opts.apiV3Key,
    rotationTimers: new Timers(),
    store: new OrderStore(),
    notifier: new Notifier(() => platformKeys.forNotification(), opts.apiV3Key, opts.timeScale ?? 1, logger),
    apiFaults: new FaultQueue<ApiFault>(),
    calls: new CallCounter(ENDPOINTS),
    payerOpenid: `o${randomAlphanumeric(27)}`,
    refunds: new RefundStore(),
    refundFaults: noRefundFaults(),
    refundTimers: new Timers(),
    refundDelayMs: ((opts.refundDelaySeconds ?? DEFAULT_REFUND_DELAY_SECONDS) * 1000) / (opts.timeScale ?? 1),
    refundNotifyUrl: opts.refundNotifyUrl,
    feeRate: new FeeRate(opts.feeRate ?? DEFAULT_FEE_RATE),
    bills: new BillFiles(),
    loginApps: loginApps(opts),
    logins: new LoginStore(opts.loginQrTtlMs ?? DEFAULT_LOGIN_QR_TTL_MS),
    oauthFaults: new FaultQueue<OAuthFault>(),
    loginCalls: new CallCounter(SNS_ENDPOINTS),
    loginPollHoldMs: opts.loginPollHoldMs ?? DEFAULT_LOGIN_POLL_HOLD_MS,
    logger,
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
  if (url.pathname.startsWith('/sns/')) return handleSns(ctx, request, response, url);
  if (url.pathname.startsWith('/connect/')) return handleConnect(ctx, request, response, url);
  if (url.pathname.startsWith('/mmopen/')) return handleAvatar(request, response, url);
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
      // The path only: a query string may hold a login app's secret or code (/sns/oauth2/access_token).
      const path = new URL(request.url ?? '/', 'http://sandbox.invalid').pathname;
      ctx.logger.error({ method: request.method, path, error }, 'sandbox error');
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
      ctx.refundTimers.clear();
      ctx.rotationTimers.clear();
      ctx.logins.wakeAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
