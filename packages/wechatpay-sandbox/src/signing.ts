import { createPrivateKey, type KeyObject, randomBytes, sign } from 'node:crypto';
import { randomAlphanumeric } from './random';

/** What WeChat Pay puts on every API response and every notification (its "签名验证" rules). */
export interface SignatureHeaders {
  'Wechatpay-Timestamp': string;
  'Wechatpay-Nonce': string;
  'Wechatpay-Signature': string;
  'Wechatpay-Serial': string;
  'Wechatpay-Signature-Type': string;
}

/**
 * `valid` is the normal case. `probe` imitates WeChat's deliberate test signature (`WECHATPAY/SIGNTEST/…`),
 * which a merchant must reject. `forged` is a well-formed signature over different bytes, for clients that
 * must treat an unverifiable response as forged.
 */
export type SignatureKind = 'valid' | 'probe' | 'forged' | 'stale';

/** How far in the past a `stale` signature is dated: beyond the 300 s replay window merchants enforce. */
const STALE_BY_SECONDS = 400;

const PROBE_SIGNATURE_PREFIX = 'WECHATPAY/SIGNTEST/';

export class WechatpaySigner {
  private readonly key: KeyObject;

  constructor(
    privateKeyPem: string,
    /** `PUB_KEY_ID_…` for the WeChat Pay public key, or a platform certificate's serial. */
    private readonly serial: string,
  ) {
    this.key = createPrivateKey(privateKeyPem);
  }

  /** Signs `TIMESTAMP\nNONCE\nBODY\n` over the exact body bytes about to be sent ('' for a 204). */
  headersFor(body: string, kind: SignatureKind = 'valid'): SignatureHeaders {
    const timestamp = String(Math.floor(Date.now() / 1000) - (kind === 'stale' ? STALE_BY_SECONDS : 0));
    const nonce = randomAlphanumeric(32);
    const signed = kind === 'forged' ? `${body} ` : body;
    const signature =
      kind === 'probe'
        ? `${PROBE_SIGNATURE_PREFIX}${randomBytes(256).toString('base64')}`
        : sign('sha256', Buffer.from(`${timestamp}\n${nonce}\n${signed}\n`), this.key).toString('base64');
    return {
      'Wechatpay-Timestamp': timestamp,
      'Wechatpay-Nonce': nonce,
      'Wechatpay-Signature': signature,
      'Wechatpay-Serial': this.serial,
      'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
    };
  }
}
