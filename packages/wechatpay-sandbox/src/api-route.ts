import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiResult, closeOrder, createNativeOrder, queryOrder } from './api';
import { verifyMerchantRequest } from './auth';
import { applyTradeBill, downloadBill } from './bill-api';
import { listCertificates } from './certificates-api';
import type { SandboxContext } from './context';
import { WechatPayError } from './errors';
import type { ApiFault, Endpoint } from './faults';
import { originOf, readBody, sendFile, sendSigned } from './http';
import { randomUpperHex } from './random';
import { createRefund, queryRefund } from './refund-api';
import type { SignatureKind } from './signing';
import { sleep } from './time';

// /v3/… : match the route, count the call, verify the merchant, apply any injected fault, run the handler
// and send a signed answer. Every answer is signed, errors and 204 included, as WeChat's are, except a
// downloaded bill file, which WeChat sends as is (its integrity is the hash_value of 申请交易账单).

interface ApiRoute {
  endpoint: Endpoint;
  run: (body: string) => ApiResult;
}

function matchRoute(ctx: SandboxContext, request: IncomingMessage, url: URL): ApiRoute | null {
  const contentType = request.headers['content-type'];
  if (request.method === 'POST' && url.pathname === '/v3/pay/transactions/native') {
    return { endpoint: 'create', run: (body) => createNativeOrder(ctx, body, contentType) };
  }
  const close = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/.exec(url.pathname);
  if (request.method === 'POST' && close?.[1]) {
    const outTradeNo = close[1];
    return { endpoint: 'close', run: (body) => closeOrder(ctx, outTradeNo, body, contentType) };
  }
  const query = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/.exec(url.pathname);
  if (request.method === 'GET' && query?.[1]) {
    const outTradeNo = query[1];
    return { endpoint: 'query', run: () => queryOrder(ctx, outTradeNo, url.searchParams) };
  }
  if (request.method === 'POST' && url.pathname === '/v3/refund/domestic/refunds') {
    return { endpoint: 'refund', run: (body) => createRefund(ctx, body, contentType) };
  }
  const refund = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(url.pathname);
  if (request.method === 'GET' && refund?.[1]) {
    const outRefundNo = refund[1];
    return { endpoint: 'refund-query', run: () => queryRefund(ctx, outRefundNo) };
  }
  if (request.method === 'GET' && url.pathname === '/v3/bill/tradebill') {
    const origin = originOf(request);
    return { endpoint: 'tradebill', run: () => applyTradeBill(ctx, url.searchParams, origin) };
  }
  if (request.method === 'GET' && url.pathname === '/v3/certificates') {
    return { endpoint: 'certificates', run: () => listCertificates(ctx) };
  }
  if (request.method === 'GET' && url.pathname === '/v3/billdownload/file') {
    return { endpoint: 'download', run: () => downloadBill(ctx, url.searchParams) };
  }
  return null;
}

function faultError(fault: ApiFault): WechatPayError | null {
  if (fault.kind === 'frequency-limited') return new WechatPayError(429, 'FREQUENCY_LIMITED', '频率超限');
  if (fault.kind === 'system-error') return new WechatPayError(500, 'SYSTEM_ERROR', '系统错误');
  return null;
}

export async function handleApi(
  ctx: SandboxContext,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const requestId = randomUpperHex(16);
  const target = request.url ?? url.pathname;
  // A download URL's token is what gives access to the bill: log its path only.
  const logged = url.pathname === '/v3/billdownload/file' ? url.pathname : target;
  let result: ApiResult;
  let signature: SignatureKind = 'valid';
  let delayMs = 0;
  try {
    const body = await readBody(request);
    const route = matchRoute(ctx, request, url);
    if (!route) throw new WechatPayError(404, 'NOT_FOUND', `沙箱未实现 ${request.method} ${url.pathname}`);
    ctx.calls.increment(route.endpoint);
    verifyMerchantRequest(
      { method: request.method ?? '', target, body, authorization: request.headers.authorization },
      ctx.merchant,
    );
    const fault = ctx.apiFaults.take(route.endpoint);
    const error = fault ? faultError(fault) : null;
    if (fault && error) {
      if (fault.afterProcessing) {
        try {
          route.run(body);
        } catch {
          // The caller sees only the injected error, whatever the real outcome was.
        }
      }
      throw error;
    }
    result = route.run(body);
    if (fault?.kind === 'delay') delayMs = fault.delayMs;
    if (fault?.kind === 'bad-signature') signature = 'forged';
    if (fault?.kind === 'probe-signature') signature = 'probe';
    if (fault?.kind === 'stale-signature') signature = 'stale';
  } catch (error) {
    if (error instanceof WechatPayError) {
      result = { status: error.status, body: error.toBody() };
    } else {
      ctx.logger.error({ method: request.method, target: logged, error }, 'unexpected error');
      result = { status: 500, body: { code: 'SYSTEM_ERROR', message: '系统错误' } };
    }
  }
  const code = (result.body as { code?: string } | undefined)?.code;
  ctx.logger.info({ method: request.method, target: logged, status: result.status, code }, 'api call');
  if (delayMs > 0) await sleep(delayMs);
  if (result.file) sendFile(response, result.file, requestId);
  else {
    const requestSerial = request.headers['wechatpay-serial'];
    const signer = ctx.platformKeys.forResponse(
      typeof requestSerial === 'string' ? requestSerial : undefined,
    );
    sendSigned(response, signer, result.status, result.body, requestId, signature);
  }
}
