import 'server-only';
import type { WechatPayConfig } from './config';
import { type DecryptFailureReason, decryptResource } from './decrypt';
import { parseJson } from './json';
import { reshapeTransaction } from './reshape';
import type { PaymentNotification } from './types';
import {
  checkSignatureHeaders,
  type HeaderSource,
  type SignatureCheck,
  type SignatureFailureReason,
  verifyWechatPaySignature,
} from './verify';
import { notificationEnvelopeSchema, transactionSchema } from './wire';

// Payment notifications (WeChat → notify_url). Screened on their headers before the body is read, then
// verified over the raw bytes, decrypted, validated and reshaped; any failure is a reason code, which the
// route answers with 4xx so that WeChat retries. Checking the amount against our order is the caller's
// job: only it knows the order.

type NotificationFailureReason =
  | SignatureFailureReason
  | DecryptFailureReason
  | 'MALFORMED_BODY'
  | 'UNSUPPORTED_ALGORITHM'
  | 'UNSUPPORTED_RESOURCE'
  | 'INVALID_TRANSACTION'
  | 'MERCHANT_MISMATCH';

export type NotificationResult =
  | ({ ok: true } & PaymentNotification)
  | { ok: false; reason: NotificationFailureReason };

export type IncomingNotification = {
  headers: HeaderSource;
  /**
   * The request body exactly as received, as bytes: never text decoded from them, which would turn
   * invalid UTF-8 into U+FFFD and let different bytes pass for the signed ones.
   */
  rawBody: Uint8Array;
};

type NotificationConfig = Pick<WechatPayConfig, 'mchid' | 'appid' | 'verificationKeys' | 'apiV3Key'>;

/**
 * The checks that need no body (signature headers present, well-formed and fresh, serial known): run
 * before reading the body, so that a request WeChat can't have sent is refused without reading it.
 * parsePaymentNotification makes them again.
 */
export function checkNotificationHeaders(
  headers: HeaderSource,
  config: Pick<WechatPayConfig, 'verificationKeys'>,
  now: Date = new Date(),
): SignatureCheck {
  const checked = checkSignatureHeaders(headers, config.verificationKeys, now);
  return checked.ok ? { ok: true } : checked;
}

export function parsePaymentNotification(
  { headers, rawBody }: IncomingNotification,
  config: NotificationConfig,
  now: Date = new Date(),
): NotificationResult {
  const signature = verifyWechatPaySignature({ headers, body: rawBody }, config.verificationKeys, now);
  if (!signature.ok) return fail(signature.reason);

  const envelope = notificationEnvelopeSchema.safeParse(parseJson(rawBody));
  if (!envelope.success) return fail('MALFORMED_BODY');
  const { id, event_type, resource } = envelope.data;
  if (resource.algorithm !== 'AEAD_AES_256_GCM') return fail('UNSUPPORTED_ALGORITHM');
  // original_type is optional in practice; when present it must announce a transaction.
  if (resource.original_type && resource.original_type !== 'transaction') return fail('UNSUPPORTED_RESOURCE');

  const decrypted = decryptResource(
    {
      ciphertext: resource.ciphertext,
      nonce: resource.nonce,
      associatedData: resource.associated_data ?? '',
    },
    config.apiV3Key,
  );
  if (!decrypted.ok) return fail(decrypted.reason);

  const wire = transactionSchema.safeParse(parseJson(decrypted.plaintext));
  if (!wire.success) return fail('INVALID_TRANSACTION');
  // Authentic, but meant for another merchant or app sharing this endpoint: not ours to settle.
  if (wire.data.mchid !== config.mchid || wire.data.appid !== config.appid) return fail('MERCHANT_MISMATCH');

  return { ok: true, notificationId: id, eventType: event_type, transaction: reshapeTransaction(wire.data) };
}

function fail(reason: NotificationFailureReason): NotificationResult {
  return { ok: false, reason };
}
