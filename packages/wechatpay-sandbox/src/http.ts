import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidRequest } from './errors';
import type { SignatureKind, WechatpaySigner } from './signing';

const MAX_BODY_BYTES = 1024 * 1024;

/** The raw body as received: signatures are checked over these exact bytes, never a re-serialisation. */
export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw invalidRequest('请求体过大');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Serialises once, signs those bytes and sends them; a 204 is signed over an empty body. */
export function sendSigned(
  response: ServerResponse,
  signer: WechatpaySigner,
  status: number,
  body: unknown,
  requestId: string,
  kind: SignatureKind = 'valid',
): void {
  const text = status === 204 || body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    ...signer.headersFor(text, kind),
    'Request-ID': requestId,
    ...(text ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
    'Content-Length': String(Buffer.byteLength(text)),
  });
  response.end(text);
}

/** A file as is, unsigned, as WeChat sends a bill: gzip bytes stay gzip (no Content-Encoding). */
export function sendFile(response: ServerResponse, bytes: Buffer, requestId: string): void {
  response.writeHead(200, {
    'Request-ID': requestId,
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(bytes.length),
  });
  response.end(bytes);
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  response.end(text);
}

export function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(html)),
    'Cache-Control': 'no-store',
  });
  response.end(html);
}

export function redirect(response: ServerResponse, location: string): void {
  response.writeHead(303, { Location: location, 'Content-Length': '0' });
  response.end();
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** The origin the caller reached the sandbox at (right behind 0.0.0.0, a random port or another name). */
export function originOf(request: IncomingMessage): string {
  return `http://${request.headers.host ?? 'localhost'}`;
}
