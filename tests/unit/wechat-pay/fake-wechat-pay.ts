// A fake WeChat Pay for the client's unit tests: records what the client sent and answers with
// signed (or deliberately badly signed) responses.
import { verify } from 'node:crypto';
import { expect } from 'vitest';
import { createWechatPayClient } from '@/lib/wechat-pay/client';
import type { WechatPayConfig } from '@/lib/wechat-pay/config';
import { WechatPayError } from '@/lib/wechat-pay/errors';
import { signAsWechatPay, type WechatPayTestKeys } from '../../support/wechat-pay-keys';
import { NOW, NOW_SECONDS } from './fixtures';

export type SentRequest = {
  url: URL;
  method: string;
  headers: Headers;
  body: string;
  init: RequestInit | undefined;
};
export type Signing = 'valid' | 'none' | 'wrong-key' | 'stale' | 'probe';

/** Plays WeChat Pay: records what the client sent and answers with the given (signed) response. */
export function fakeWechatPayFor(
  config: WechatPayConfig,
  answer: (request: SentRequest) => Response | Promise<Response>,
) {
  const sent: SentRequest[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = {
      url: new URL(String(input)),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? init.body : '',
      init,
    };
    sent.push(request);
    return answer(request);
  };
  return { sent, client: createWechatPayClient(config, { fetch, now: () => NOW }) };
}

export function signedResponse(
  keys: WechatPayTestKeys,
  status: number,
  body: unknown,
  signing: Signing = 'valid',
): Response {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const signatureHeaders =
    signing === 'none'
      ? {}
      : signAsWechatPay({
          privateKey: signing === 'wrong-key' ? keys.merchant.privateKey : keys.wechatpay.privateKey,
          serial: keys.wechatpay.publicKeyId,
          body: text,
          timestamp: signing === 'stale' ? NOW_SECONDS - 600 : NOW_SECONDS,
        });
  if (signing === 'probe' && 'Wechatpay-Signature' in signatureHeaders) {
    signatureHeaders['Wechatpay-Signature'] = `WECHATPAY/SIGNTEST/${signatureHeaders['Wechatpay-Signature']}`;
  }
  return new Response(text === '' ? null : text, {
    status,
    headers: { ...signatureHeaders, ...(text ? { 'Content-Type': 'application/json' } : {}) },
  });
}

/** Checks the Authorization header against the exact method, path, query and body bytes that were sent. */
export function expectValidMerchantSignature(keys: WechatPayTestKeys, request: SentRequest) {
  const authorization = request.headers.get('Authorization') ?? '';
  const params = Object.fromEntries(
    [...authorization.matchAll(/(\w+)="([^"]*)"/g)].map(([, name, value]) => [name, value]),
  );
  expect(authorization.startsWith('WECHATPAY2-SHA256-RSA2048 ')).toBe(true);
  expect(params).toMatchObject({
    mchid: keys.mchid,
    serial_no: keys.merchant.serialNo,
    timestamp: String(NOW_SECONDS),
  });
  const message = `${request.method}\n${request.url.pathname}${request.url.search}\n${params.timestamp}\n${params.nonce_str}\n${request.body}\n`;
  const signature = Buffer.from(params.signature ?? '', 'base64');
  expect(verify('sha256', Buffer.from(message), keys.merchant.publicKey, signature)).toBe(true);
}

export async function caught(promise: Promise<unknown>): Promise<WechatPayError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(WechatPayError);
  return error as WechatPayError;
}
