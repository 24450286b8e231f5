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
 * Marks an answer given before the request body was read to its end (refused before reading, or cut off
 * at the cap) with `Connection: close`, so that the server drops the connection once the answer is out.
 * Kept alive, the connection would still hold the rest of the upload: Node would read it to throw it
 * away, or leave it stalled until the keep-alive timeout.
 */
export function closeIfBodyUnread<R extends Response>(request: Request, response: R): R {
  const unread = request.body !== null && !request.bodyUsed;
  if (unread || response.status === 413) response.headers.set('Connection', 'close');
  return response;
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
