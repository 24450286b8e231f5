import { createDecipheriv, randomBytes, sign, verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DevKeySet } from '../../src/keys';

// The merchant's side of the protocol, written from WeChat Pay's documentation with node:crypto only,
// sharing no code with the sandbox, so the tests check the sandbox against an independent reading of
// the protocol.

// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary JSON from the wire
type Json = any;

export interface Overrides {
  mchid?: string;
  serialNo?: string;
  timestamp?: string;
  nonce?: string;
  /** Replace the computed signature. */
  signature?: string;
  /** Sign with this key instead of the merchant's. */
  privateKeyPem?: string;
}

export function authorization(
  keys: Pick<DevKeySet, 'mchid' | 'merchantSerialNo' | 'merchantPrivateKeyPem'>,
  method: string,
  target: string,
  body: string,
  o: Overrides = {},
): string {
  const timestamp = o.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? randomBytes(16).toString('hex');
  const message = `${method}\n${target}\n${timestamp}\n${nonce}\n${body}\n`;
  const signature =
    o.signature ??
    sign('sha256', Buffer.from(message), o.privateKeyPem ?? keys.merchantPrivateKeyPem).toString('base64');
  return (
    `WECHATPAY2-SHA256-RSA2048 mchid="${o.mchid ?? keys.mchid}",nonce_str="${nonce}",` +
    `timestamp="${timestamp}",serial_no="${o.serialNo ?? keys.merchantSerialNo}",signature="${signature}"`
  );
}

export interface WireResponse {
  status: number;
  headers: Headers;
  text: string;
  json: Json;
}

export interface RequestOptions {
  overrides?: Overrides;
  /** null = send no Authorization header. */
  authorization?: string | null;
  contentType?: string;
}

export class Merchant {
  constructor(
    readonly baseUrl: string,
    readonly keys: DevKeySet,
  ) {}

  async request(
    method: string,
    target: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<WireResponse> {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (method !== 'GET') headers['Content-Type'] = options.contentType ?? 'application/json';
    const auth =
      options.authorization === undefined
        ? authorization(this.keys, method, target, text, options.overrides)
        : options.authorization;
    if (auth !== null) headers.Authorization = auth;
    const response = await fetch(`${this.baseUrl}${target}`, {
      method,
      headers,
      body: method === 'GET' ? undefined : text,
    });
    const responseText = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text: responseText,
      json: responseText ? JSON.parse(responseText) : undefined,
    };
  }

  orderParams(outTradeNo: string, notifyUrl: string, extra: Record<string, unknown> = {}) {
    return {
      appid: this.keys.appid,
      mchid: this.keys.mchid,
      description: '账户充值 ¥12.34',
      out_trade_no: outTradeNo,
      notify_url: notifyUrl,
      amount: { total: 1234, currency: 'CNY' },
      ...extra,
    };
  }

  create(params: unknown, options?: RequestOptions) {
    return this.request('POST', '/v3/pay/transactions/native', params, options);
  }

  query(outTradeNo: string, options?: RequestOptions) {
    return this.request(
      'GET',
      `/v3/pay/transactions/out-trade-no/${outTradeNo}?mchid=${this.keys.mchid}`,
      undefined,
      options,
    );
  }

  close(outTradeNo: string, options?: RequestOptions) {
    return this.request(
      'POST',
      `/v3/pay/transactions/out-trade-no/${outTradeNo}/close`,
      { mchid: this.keys.mchid },
      options,
    );
  }

  refund(params: unknown, options?: RequestOptions) {
    return this.request('POST', '/v3/refund/domestic/refunds', params, options);
  }

  queryRefund(outRefundNo: string, options?: RequestOptions) {
    return this.request('GET', `/v3/refund/domestic/refunds/${outRefundNo}`, undefined, options);
  }

  tradeBill(query: Record<string, string>, options?: RequestOptions) {
    const search = new URLSearchParams(query).toString();
    return this.request('GET', `/v3/bill/tradebill${search ? `?${search}` : ''}`, undefined, options);
  }

  /** GETs a download_url, signed like any call; the answer is the file's bytes. */
  async download(downloadUrl: string, options: RequestOptions = {}) {
    const url = new URL(downloadUrl);
    const target = `${url.pathname}${url.search}`;
    const auth =
      options.authorization === undefined
        ? authorization(this.keys, 'GET', target, '', options.overrides)
        : options.authorization;
    const response = await fetch(`${this.baseUrl}${target}`, {
      headers: auth === null ? {} : { Authorization: auth },
    });
    return {
      status: response.status,
      headers: response.headers,
      bytes: Buffer.from(await response.arrayBuffer()),
    };
  }

  async control(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Json }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: await response.json() };
  }
}

/** Verifies `TIMESTAMP\nNONCE\nBODY\n` with WeChat Pay's public key, as WeChat Pay's signature rules prescribe. */
export function verifiesWithWechatpayKey(
  keys: DevKeySet,
  headers: Headers | IncomingHttpHeaders,
  body: string,
) {
  const get = (name: string) =>
    headers instanceof Headers ? headers.get(name) : (headers[name.toLowerCase()] as string | undefined);
  const timestamp = get('Wechatpay-Timestamp');
  const nonce = get('Wechatpay-Nonce');
  const signature = get('Wechatpay-Signature');
  if (!timestamp || !nonce || !signature) return false;
  if (get('Wechatpay-Serial') !== keys.wechatpayPublicKeyId) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  return verify(
    'sha256',
    Buffer.from(`${timestamp}\n${nonce}\n${body}\n`),
    keys.wechatpayPublicKeyPem,
    Buffer.from(signature, 'base64'),
  );
}

export function decryptResource(
  keys: DevKeySet,
  resource: { ciphertext: string; nonce: string; associated_data: string },
): unknown {
  const data = Buffer.from(resource.ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(keys.apiV3Key), Buffer.from(resource.nonce));
  decipher.setAAD(Buffer.from(resource.associated_data));
  decipher.setAuthTag(data.subarray(data.length - 16));
  const plain = Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
  return JSON.parse(plain.toString('utf8'));
}

export interface ReceivedNotification {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A merchant notify endpoint: answers with `answer(n)` for the n-th request (1-based). */
export async function startReceiver(
  answer: (n: number) => { status: number; body?: string; delayMs?: number } = () => ({ status: 204 }),
) {
  const received: ReceivedNotification[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      received.push({
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      const reply = answer(received.length);
      setTimeout(() => {
        response.writeHead(reply.status, reply.body ? { 'Content-Type': 'application/json' } : {});
        response.end(reply.body ?? '');
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/wechat-pay/notify`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let counter = 0;
/** A fresh out_trade_no per test. */
export function newOutTradeNo(prefix = 'T'): string {
  counter++;
  return `${prefix}${Date.now()}${String(counter).padStart(4, '0')}`;
}
