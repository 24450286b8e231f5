// The checks between "WeChat gave us a download URL" and "here is the bill's text". WeChat doesn't sign the
// file it serves: what vouches for it is the SHA-1 announced in the signed answer that gave us the URL.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { WechatPayError } from './errors';
import type { TradeBillDownload, TradeBillOptions } from './types';

/**
 * The path and query to request, which the signature covers. Only on the API origin we are configured for:
 * the request carries our signature, and a signed answer naming another host must not get it.
 */
export function billDownloadPath(downloadUrl: string, baseUrl: string): string {
  const url = new URL(downloadUrl);
  if (url.origin !== new URL(baseUrl).origin) {
    throw new WechatPayError({
      code: 'INVALID_RESPONSE',
      message: `WeChat Pay gave a bill download URL on another origin (${url.origin}); not requested`,
      detail: { origin: url.origin },
    });
  }
  return `${url.pathname}${url.search}`;
}

/** Unpacks (when gzip was asked for), checks the hash, decodes UTF-8. */
export function readBillFile(
  bytes: Uint8Array,
  download: Pick<TradeBillDownload, 'hashValue'>,
  options: TradeBillOptions,
): string {
  const plain = options.tarType === 'GZIP' ? gunzip(bytes) : bytes;
  // hash_value is the digest of the bill itself: for GZIP, of the unpacked text, not of the archive.
  const actual = createHash('sha1').update(plain).digest('hex');
  if (actual !== download.hashValue.toLowerCase()) {
    throw new WechatPayError({
      code: 'BILL_HASH_MISMATCH',
      message: 'the downloaded trade bill does not match the SHA-1 WeChat Pay announced',
      detail: { expected: download.hashValue, actual },
      // Damaged or cut short on the way: a fresh download URL and another download may well succeed.
      retryable: true,
    });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch (error) {
    throw new WechatPayError({
      code: 'BILL_MALFORMED',
      message: 'the trade bill is not UTF-8',
      cause: error,
    });
  }
}

function gunzip(bytes: Uint8Array): Buffer {
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new WechatPayError({
      code: 'INVALID_RESPONSE',
      message: 'the trade bill download is not a valid gzip file',
      cause: error,
      // A download cut short is the likely cause: like a hash mismatch, worth another download.
      retryable: true,
    });
  }
}
