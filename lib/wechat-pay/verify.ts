import 'server-only';
import { verify } from 'node:crypto';
import { decodeStrictBase64 } from './base64';
import type { VerificationKey } from './config';
import { normalizeSerial } from './serial';

// Verifies WeChat Pay's signature on an API response or a notification. Never throws: every way an input
// can be wrong is a reason code, so a forged or mangled request can only ever produce a clean rejection.

/** Replay window: WeChat's own SDKs reject timestamps more than five minutes away from local time. */
const MAX_CLOCK_SKEW_SECONDS = 300;
/** WeChat deliberately sends signatures with this prefix to check that merchants really verify. */
const PROBE_SIGNATURE_PREFIX = 'WECHATPAY/SIGNTEST/';
const SIGNATURE_TYPE = 'WECHATPAY2-SHA256-RSA2048';
/** WeChat sends 32 letters and digits; any visible ASCII up to 64 characters is accepted, nothing else. */
const NONCE = /^[!-~]{1,64}$/;

export type SignatureFailureReason =
  | 'MISSING_HEADERS'
  | 'UNSUPPORTED_SIGNATURE_TYPE'
  | 'MALFORMED_TIMESTAMP'
  | 'STALE_TIMESTAMP'
  | 'FUTURE_TIMESTAMP'
  | 'MALFORMED_NONCE_HEADER'
  | 'PROBE_SIGNATURE'
  | 'UNKNOWN_SERIAL'
  | 'KEY_NOT_VALID_NOW'
  | 'MALFORMED_SIGNATURE'
  | 'SIGNATURE_MISMATCH';

/** `serial` (normalised) comes with UNKNOWN_SERIAL: the key to learn, if WeChat has published it. */
export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailureReason; serial?: string };

/** What the headers alone establish: everything but the signature over the body. */
export type HeaderCheck =
  | { ok: true; timestamp: string; nonce: string; signature: Buffer; key: VerificationKey }
  | { ok: false; reason: SignatureFailureReason; serial?: string };

/** Fetch `Headers`, or a plain object such as Node's IncomingHttpHeaders (any key case). */
export type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

export type SignedMessage = {
  headers: HeaderSource;
  /** The raw body as received, bytes as they came off the wire: never a re-serialised object. */
  body: string | Uint8Array;
};

const SIGNATURE_HEADERS = [
  'Wechatpay-Timestamp',
  'Wechatpay-Nonce',
  'Wechatpay-Signature',
  'Wechatpay-Serial',
];

/** True when the message carries any of WeChat's signature headers (error responses may carry none). */
export function hasSignatureHeaders(headers: HeaderSource): boolean {
  return SIGNATURE_HEADERS.some((name) => readHeader(headers, name) !== undefined);
}

/**
 * Every check that needs only the headers: all four present and well-formed, the timestamp inside the
 * replay window, and the serial naming a key we hold that is valid now. A notification route runs it
 * before reading the body, so that a request no key could have signed costs no read at all.
 */
export function checkSignatureHeaders(
  headers: HeaderSource,
  keys: ReadonlyMap<string, VerificationKey>,
  now: Date,
): HeaderCheck {
  const [timestamp, nonce, signature, serial] = SIGNATURE_HEADERS.map((name) => readHeader(headers, name));
  if (!timestamp || !nonce || !signature || !serial) return reject('MISSING_HEADERS');

  const signatureType = readHeader(headers, 'Wechatpay-Signature-Type');
  if (signatureType !== undefined && signatureType !== SIGNATURE_TYPE)
    return reject('UNSUPPORTED_SIGNATURE_TYPE');

  if (!/^\d{1,12}$/.test(timestamp)) return reject('MALFORMED_TIMESTAMP');
  const skewSeconds = Math.floor(now.getTime() / 1000) - Number(timestamp);
  if (skewSeconds > MAX_CLOCK_SKEW_SECONDS) return reject('STALE_TIMESTAMP');
  if (skewSeconds < -MAX_CLOCK_SKEW_SECONDS) return reject('FUTURE_TIMESTAMP');

  // The nonce is a line of the signed message: a line break in it would let bytes move between the
  // nonce and the body without changing the signature.
  if (!NONCE.test(nonce)) return reject('MALFORMED_NONCE_HEADER');

  if (signature.startsWith(PROBE_SIGNATURE_PREFIX)) return reject('PROBE_SIGNATURE');

  const normalized = normalizeSerial(serial);
  const key = keys.get(normalized);
  if (!key) return { ok: false, reason: 'UNKNOWN_SERIAL', serial: normalized };
  if ((key.notBefore && now < key.notBefore) || (key.notAfter && now > key.notAfter)) {
    return reject('KEY_NOT_VALID_NOW');
  }

  const signatureBytes = decodeStrictBase64(signature);
  if (!signatureBytes) return reject('MALFORMED_SIGNATURE');
  return { ok: true, timestamp, nonce, signature: signatureBytes, key };
}

/** The headers' checks, then the signature over `timestamp\nnonce\nbody\n`, built from the body's bytes. */
export function verifyWechatPaySignature(
  { headers, body }: SignedMessage,
  keys: ReadonlyMap<string, VerificationKey>,
  now: Date,
): SignatureCheck {
  const checked = checkSignatureHeaders(headers, keys, now);
  if (!checked.ok) return checked;
  const { timestamp, nonce, signature, key } = checked;

  const message = Buffer.concat([
    Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'),
    typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
    Buffer.from('\n', 'utf8'),
  ]);
  let valid = false;
  try {
    valid = verify('sha256', message, key.publicKey, signature);
  } catch {
    // OpenSSL may raise on a signature of the wrong length instead of returning false.
    valid = false;
  }
  return valid ? { ok: true } : { ok: false, reason: 'SIGNATURE_MISMATCH' };
}

function reject(reason: SignatureFailureReason): HeaderCheck {
  return { ok: false, reason };
}

function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    // A repeated signature header is ambiguous; treating it as absent makes verification fail.
    if (key.toLowerCase() === wanted) return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}
