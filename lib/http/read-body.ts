import 'server-only';
import { AppError } from './app-error';

// Request bodies are read with a cap, on the process that settles payments: a declared length over
// the cap is refused before reading anything, and a body that turns out longer stops being read as
// soon as it passes the cap. A load balancer's own body limit is still the first line (README).

export const ORDER_BODY_LIMIT_BYTES = 4 * 1024;
/** WeChat's notifications are about 1 KiB. */
export const NOTIFICATION_BODY_LIMIT_BYTES = 64 * 1024;
/** Better Auth's POST bodies (start a sign-in, sign out) are a few hundred bytes of JSON. */
export const AUTH_BODY_LIMIT_BYTES = 8 * 1024;

export async function readBodyWithLimit(request: Request, limitBytes: number): Promise<Buffer> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limitBytes) throw tooLarge(limitBytes);
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limitBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * For an answer given without reading the request body (refused on its headers, or on a declared
 * length): stops the server from reading the upload any further. Node reads a body nobody has started
 * reading to its end, to throw it away and keep the connection for a next request: for a client that
 * goes on sending, up to the whole upload. Starting one read marks the body as being read; it then
 * stays unread, the client's sends back up, and Node drops the idle connection after its keep-alive
 * timeout, the answer long delivered. (`Connection: close` would have Node close the socket at once,
 * and closing a socket with unread input sends a reset that can destroy the answer before the client
 * has read it: seen against `next start`, e2e/large-uploads.spec.ts.)
 */
export function leaveBodyUnread(request: Request): void {
  if (!request.body || request.bodyUsed) return;
  // Settles when the connection ends; nothing waits for it.
  request.body
    .getReader()
    .read()
    .catch(() => {});
}

/** The body as JSON, or null when it isn't (the caller's schema then names the body as invalid). */
export async function readJsonWithLimit(request: Request, limitBytes: number): Promise<unknown> {
  const bytes = await readBodyWithLimit(request, limitBytes);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
}

function tooLarge(limitBytes: number): AppError {
  return new AppError('payload_too_large', `请求内容过大（上限 ${limitBytes} 字节）`);
}
