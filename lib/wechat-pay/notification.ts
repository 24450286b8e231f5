import 'server-only';
import type { WechatPayConfig } from './config';
import {
  type EnvelopeFailureReason,
  type IncomingNotification,
  openNotification,
} from './notification-envelope';
import { reshapeTransaction } from './reshape';
import type { PaymentNotification } from './types';
import { checkSignatureHeaders, type HeaderSource, type SignatureCheck } from './verify';
import { transactionSchema } from './wire';

// Payment notifications (WeChat → notify_url). Screened on their headers before the body is read, then
// verified over the raw bytes, decrypted (notification-envelope.ts), validated and reshaped; any failure is
// a reason code, which the route answers with 4xx so that WeChat retries. Checking the amount against our
// order is the caller's job: only it knows the order.

type NotificationFailureReason = EnvelopeFailureReason | 'INVALID_TRANSACTION' | 'MERCHANT_MISMATCH';

export type NotificationResult =
  | ({ ok: true } & PaymentNotification)
  | { ok: false; reason: NotificationFailureReason };

export type { IncomingNotification } from './notification-envelope';

type NotificationConfig = Pick<WechatPayConfig, 'mchid' | 'appid' | 'verificationKeys' | 'apiV3Key'>;

/**
 * The checks that need no body (signature headers present, well-formed and fresh, serial known): run
 * before reading the body, so that a request WeChat can't have sent is refused without reading it.
 * parsePaymentNotification and parseRefundNotification make them again.
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
  incoming: IncomingNotification,
  config: NotificationConfig,
  now: Date = new Date(),
): NotificationResult {
  const opened = openNotification(incoming, config, now, 'transaction');
  if (!opened.ok) return opened;

  const wire = transactionSchema.safeParse(opened.resource);
  if (!wire.success) return fail('INVALID_TRANSACTION');
  // Authentic, but meant for another merchant or app sharing this endpoint: not ours to settle.
  if (wire.data.mchid !== config.mchid || wire.data.appid !== config.appid) return fail('MERCHANT_MISMATCH');

  return {
    ok: true,
    notificationId: opened.notificationId,
    eventType: opened.eventType,
    transaction: reshapeTransaction(wire.data),
  };
}

function fail(reason: NotificationFailureReason): NotificationResult {
  return { ok: false, reason };
}
