import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { signError } from './errors';

// Verifies the merchant's `Authorization: WECHATPAY2-SHA256-RSA2048 …` header the way WeChat Pay does: the
// signature covers the request line as sent, so any re-serialisation or path/query mismatch on the
// merchant side fails here, exactly as it would in production.

const SCHEME = 'WECHATPAY2-SHA256-RSA2048';
const REPLAY_WINDOW_SECONDS = 300;
const REQUIRED_FIELDS = ['mchid', 'nonce_str', 'timestamp', 'serial_no', 'signature'] as const;

export interface MerchantIdentity {
  mchid: string;
  serialNo: string;
  publicKey: KeyObject;
}

export function loadMerchantIdentity(
  mchid: string,
  serialNo: string,
  publicKeyPem: string,
): MerchantIdentity {
  return { mchid, serialNo, publicKey: createPublicKey(publicKeyPem) };
}

export interface SignedRequest {
  method: string;
  /** Path and query exactly as on the request line. */
  target: string;
  body: string;
  authorization: string | undefined;
}

function parseAuthorization(header: string): Map<string, string> | null {
  if (!header.startsWith(`${SCHEME} `)) return null;
  const fields = new Map<string, string>();
  for (const match of header.slice(SCHEME.length + 1).matchAll(/(\w+)="([^"]*)"/g)) {
    if (match[1] !== undefined && match[2] !== undefined) fields.set(match[1], match[2]);
  }
  return fields;
}

/** Throws 401 SIGN_ERROR with a message saying what is wrong (the real API is terser). */
export function verifyMerchantRequest(
  request: SignedRequest,
  merchant: MerchantIdentity,
  nowMs = Date.now(),
) {
  if (!request.authorization) throw signError('缺少 Authorization 请求头');
  const fields = parseAuthorization(request.authorization);
  if (!fields) throw signError(`Authorization 认证类型必须是 ${SCHEME}`);
  const missing = REQUIRED_FIELDS.filter((name) => !fields.get(name));
  if (missing.length > 0) throw signError(`Authorization 缺少字段: ${missing.join(', ')}`);

  if (fields.get('mchid') !== merchant.mchid) throw signError('Authorization 中的 mchid 不是本商户号');
  if (fields.get('serial_no') !== merchant.serialNo) {
    throw signError('商户证书序列号有误。请使用签名私钥匹配的证书序列号');
  }
  const timestamp = fields.get('timestamp') ?? '';
  if (!/^\d{1,12}$/.test(timestamp)) throw signError('timestamp 必须是以秒为单位的 Unix 时间戳');
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > REPLAY_WINDOW_SECONDS) {
    throw signError('timestamp 与当前时间相差超过 5 分钟');
  }

  const message = `${request.method}\n${request.target}\n${timestamp}\n${fields.get('nonce_str')}\n${request.body}\n`;
  let valid = false;
  try {
    valid = verify(
      'sha256',
      Buffer.from(message),
      merchant.publicKey,
      Buffer.from(fields.get('signature') ?? '', 'base64'),
    );
  } catch {
    valid = false;
  }
  if (!valid) throw signError('签名验证失败：请检查签名串（方法、URL、时间戳、随机串、请求体）与商户私钥');
}
