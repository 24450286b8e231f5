import 'server-only';
import type { z } from 'zod';
import type { WechatPayConfig } from './config';
import { WechatPayError } from './errors';
import { parseJson } from './json';
import { buildAuthorizationHeader, createNonce } from './sign';
import {
  hasSignatureHeaders,
  type SignatureCheck,
  type SignedMessage,
  verifyWechatPaySignature,
} from './verify';
import { errorBodySchema } from './wire';

// One signed round trip to WeChat Pay: sign the exact bytes sent, verify the exact bytes received, and turn
// every failure into a WechatPayError. The operations in client.ts only choose paths and shapes.

export type Transport = {
  fetch: typeof fetch;
  now: () => Date;
};

export type SignedRequest = {
  method: 'GET' | 'POST';
  /** Path plus query, already percent-encoded: exactly what is signed and sent. */
  pathWithQuery: string;
  json?: unknown;
};

export type VerifiedResponse = {
  status: number;
  /** The raw body, verified; '' for 204. */
  body: string;
};

const USER_AGENT = 'wechat-pay-recharge (+lib/wechat-pay; node)';

/** An API call: a 2xx answer must carry WeChat's valid signature. */
export async function sendSignedRequest(
  config: WechatPayConfig,
  transport: Transport,
  request: SignedRequest,
): Promise<VerifiedResponse> {
  const { status, body } = await exchange(config, transport, request, 'signed');
  return { status, body: new TextDecoder().decode(body) };
}

/**
 * GET /v3/certificates: the answer is signed by a certificate it carries (WeChat's SDKs verify it after
 * decrypting the list), so its success is returned unverified, headers included, for certificates.ts to
 * verify. Error answers are verified with the keys held, when they name one (their code must not be
 * hidden by a serial that this very call would have taught us).
 */
export async function sendCertificatesRequest(
  config: WechatPayConfig,
  transport: Transport,
): Promise<{ status: number; headers: Headers; body: Uint8Array }> {
  return exchange(config, transport, { method: 'GET', pathWithQuery: '/v3/certificates' }, 'deferred');
}

/**
 * A bill file: the request is signed like any call (the signature covers the download URL's path and
 * query), but WeChat serves the file without signature headers; its integrity is the caller's hash check.
 * Returns the bytes as received.
 */
export async function downloadSigned(
  config: WechatPayConfig,
  transport: Transport,
  pathWithQuery: string,
): Promise<Uint8Array> {
  const { body } = await exchange(config, transport, { method: 'GET', pathWithQuery }, 'unsigned-success');
  return body;
}

/**
 * signed: an API answer, whose 2xx must carry a valid signature. unsigned-success: a bill file, which
 * WeChat doesn't sign. deferred: the certificate list, whose 2xx the caller verifies.
 */
type Verification = 'signed' | 'unsigned-success' | 'deferred';

async function exchange(
  config: WechatPayConfig,
  transport: Transport,
  request: SignedRequest,
  verification: Verification,
): Promise<{ status: number; headers: Headers; body: Uint8Array }> {
  // Serialised once: the signature must cover the very bytes that go on the wire.
  const body = request.json === undefined ? '' : JSON.stringify(request.json);
  const authorization = buildAuthorizationHeader({
    method: request.method,
    pathWithQuery: request.pathWithQuery,
    timestamp: Math.floor(transport.now().getTime() / 1000),
    nonce: createNonce(),
    body,
    mchid: config.mchid,
    merchantSerialNo: config.merchantSerialNo,
    merchantPrivateKey: config.merchantPrivateKey,
  });

  const headers: Record<string, string> = {
    Accept: 'application/json',
    Authorization: authorization,
    'User-Agent': USER_AGENT,
  };
  if (body) headers['Content-Type'] = 'application/json';
  // Asks WeChat to sign its answer with the public key rather than a platform certificate (taken into
  // account once the merchant has started the switch-over to the public key; harmless before).
  if (config.publicKeyId) headers['Wechatpay-Serial'] = config.publicKeyId;

  let response: Response;
  let raw: Uint8Array;
  try {
    response = await transport.fetch(`${config.baseUrl}${request.pathWithQuery}`, {
      method: request.method,
      headers,
      body: body || undefined,
      signal: AbortSignal.timeout(config.timeoutMs),
      // WeChat never redirects; following one would send a signed request somewhere unexpected.
      redirect: 'error',
      // Next.js patches fetch with a data cache; an order's state must always come from WeChat itself.
      cache: 'no-store',
    });
    raw = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw toTransportError(error, config.timeoutMs);
  }

  const signed = { headers: response.headers, body: raw };
  const isSuccess = response.status >= 200 && response.status < 300;
  const deferred = verification === 'deferred';
  // An API's 2xx must be signed (an unsigned success is forged). Error answers, and the bill files WeChat
  // serves, are not always signed; their signature is checked when present, but its absence must not
  // hide WeChat's error code.
  const mustVerify = isSuccess
    ? verification === 'signed' || (!deferred && hasSignatureHeaders(response.headers))
    : hasSignatureHeaders(response.headers);
  if (mustVerify) {
    const check = await verifyAnswer(config, transport, signed, !deferred);
    const unknownOnDeferredError = deferred && !check.ok && check.reason === 'UNKNOWN_SERIAL';
    if (!check.ok && !unknownOnDeferredError) {
      throw new WechatPayError({
        code: 'INVALID_SIGNATURE',
        message: `WeChat Pay response signature rejected (${check.reason}) on HTTP ${response.status}`,
        httpStatus: response.status,
        detail: { reason: check.reason },
        // WeChat also sends its WECHATPAY/SIGNTEST/ probe on API responses: rejected, but the same
        // request again is what WeChat expects (every call the adapter makes is idempotent).
        retryable: check.reason === 'PROBE_SIGNATURE' ? true : undefined,
      });
    }
  }

  if (!isSuccess) throw toApiError(response.status, new TextDecoder().decode(raw));
  return { status: response.status, headers: response.headers, body: raw };
}

/**
 * Verifies with the keys held; a serial not held is learned once (the key ring asks the app to refresh
 * the platform certificates, rate-limited) and the same bytes verified again. The request is never sent
 * twice for it.
 */
async function verifyAnswer(
  config: WechatPayConfig,
  transport: Transport,
  signed: SignedMessage,
  learnUnknownSerial: boolean,
): Promise<SignatureCheck> {
  const check = verifyWechatPaySignature(signed, config.verificationKeys, transport.now());
  if (check.ok || check.reason !== 'UNKNOWN_SERIAL' || !check.serial || !learnUnknownSerial) return check;
  if (!(await config.verificationKeys.ensure(check.serial))) return check;
  return verifyWechatPaySignature(signed, config.verificationKeys, transport.now());
}

/** Parses a verified 2xx body; a body that does not match the schema is INVALID_RESPONSE. */
export function parseResponseBody<T extends z.ZodType>(schema: T, response: VerifiedResponse): z.output<T> {
  const result = schema.safeParse(parseJson(response.body));
  if (result.success) return result.data;
  throw new WechatPayError({
    code: 'INVALID_RESPONSE',
    message: `WeChat Pay answered HTTP ${response.status} with an unexpected body`,
    httpStatus: response.status,
    // Paths and messages only: the body itself may carry payer data.
    detail: result.error.issues.map(({ path, message }) => ({ path: path.join('.'), message })),
  });
}

function toApiError(status: number, text: string): WechatPayError {
  const parsed = errorBodySchema.safeParse(parseJson(text));
  if (parsed.success) {
    const { code, message, detail } = parsed.data;
    return new WechatPayError({ code, message, httpStatus: status, detail });
  }
  // A proxy or load balancer in front of WeChat can answer with HTML; the status still says "retry".
  return new WechatPayError({
    code: 'INVALID_RESPONSE',
    message: `WeChat Pay answered HTTP ${status} without an error body`,
    httpStatus: status,
  });
}

function toTransportError(error: unknown, timeoutMs: number): WechatPayError {
  // AbortSignal.timeout() rejects with a DOMException, which is not an Error subclass on every runtime.
  const name = typeof error === 'object' && error !== null && 'name' in error ? error.name : undefined;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new WechatPayError({
      code: 'TIMEOUT',
      message: `WeChat Pay did not answer within ${timeoutMs} ms`,
      cause: error,
    });
  }
  return new WechatPayError({ code: 'NETWORK_ERROR', message: 'Could not reach WeChat Pay', cause: error });
}
