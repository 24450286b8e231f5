import 'server-only';
import type { WechatPayConfig } from './config';
import {
  type EnvelopeFailureReason,
  type IncomingNotification,
  openNotification,
} from './notification-envelope';
import { reshapeRefund } from './reshape';
import type { RefundNotification } from './types';
import { refundNotificationResourceSchema } from './wire';

// Refund notifications (WeChat → the refund's notify_url): the same screening, verification and
// decryption as payment notifications (notification-envelope.ts; checkNotificationHeaders applies as is),
// then a refund resource. The route answers a failure with 4xx so that WeChat retries.

type RefundNotificationFailureReason =
  | EnvelopeFailureReason
  | 'UNSUPPORTED_EVENT_TYPE'
  | 'INVALID_REFUND'
  | 'MERCHANT_MISMATCH';

export type RefundNotificationResult =
  | ({ ok: true } & RefundNotification)
  | { ok: false; reason: RefundNotificationFailureReason };

/** The outcomes WeChat notifies: a refund is notified once it succeeds, closes or turns abnormal. */
const REFUND_EVENT_TYPES: ReadonlySet<string> = new Set([
  'REFUND.SUCCESS',
  'REFUND.ABNORMAL',
  'REFUND.CLOSED',
]);

export function parseRefundNotification(
  incoming: IncomingNotification,
  config: Pick<WechatPayConfig, 'mchid' | 'verificationKeys' | 'apiV3Key'>,
  now: Date = new Date(),
): RefundNotificationResult {
  const opened = openNotification(incoming, config, now, 'refund');
  if (!opened.ok) return opened;
  if (!REFUND_EVENT_TYPES.has(opened.eventType)) return { ok: false, reason: 'UNSUPPORTED_EVENT_TYPE' };

  const wire = refundNotificationResourceSchema.safeParse(opened.resource);
  if (!wire.success) return { ok: false, reason: 'INVALID_REFUND' };
  // Authentic, but about another merchant's refund (an endpoint shared between merchants): not ours.
  if (wire.data.mchid !== config.mchid) return { ok: false, reason: 'MERCHANT_MISMATCH' };

  return {
    ok: true,
    notificationId: opened.notificationId,
    eventType: opened.eventType,
    refund: reshapeRefund({ ...wire.data, status: wire.data.refund_status }),
  };
}
