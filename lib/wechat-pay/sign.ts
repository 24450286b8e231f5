import 'server-only';
import { type KeyObject, randomBytes, sign } from 'node:crypto';

// Request signing (merchant → WeChat Pay). The signature covers method, path with query, timestamp,
// nonce and the exact body bytes, so the caller must sign the very string it sends.

const AUTHORIZATION_SCHEME = 'WECHATPAY2-SHA256-RSA2048';

export type RequestSignatureInput = {
  method: string;
  /** Path as sent, including the query string: `/v3/pay/transactions/out-trade-no/X?mchid=1`. */
  pathWithQuery: string;
  /** Unix time in seconds. */
  timestamp: number;
  nonce: string;
  /** The serialized body exactly as sent; '' for GET. */
  body: string;
};

/** `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`: every line ends with \n, the body line too (empty for GET). */
export function buildRequestSignatureMessage(input: RequestSignatureInput): string {
  return `${input.method}\n${input.pathWithQuery}\n${input.timestamp}\n${input.nonce}\n${input.body}\n`;
}

/** SHA256withRSA (PKCS#1 v1.5), base64. */
function signMessage(message: string, privateKey: KeyObject): string {
  return sign('sha256', Buffer.from(message, 'utf8'), privateKey).toString('base64');
}

/** 32 random hex characters: unpredictable, and free of characters that would need quoting in the header. */
export function createNonce(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

export type AuthorizationInput = RequestSignatureInput & {
  mchid: string;
  merchantSerialNo: string;
  merchantPrivateKey: KeyObject;
};

/** The `Authorization` header value for one request. */
export function buildAuthorizationHeader(input: AuthorizationInput): string {
  const signature = signMessage(buildRequestSignatureMessage(input), input.merchantPrivateKey);
  const params = [
    `mchid="${input.mchid}"`,
    `nonce_str="${input.nonce}"`,
    `timestamp="${input.timestamp}"`,
    `serial_no="${input.merchantSerialNo}"`,
    `signature="${signature}"`,
  ];
  return `${AUTHORIZATION_SCHEME} ${params.join(',')}`;
}
